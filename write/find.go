package write

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// FoundAccounts is what find_accounts found.
type FoundAccounts struct {
	// Accounts are every account named exactly as the query, even beyond
	// the limit, then those whose names start with it, up to the limit.
	Accounts []Candidate
	// More is how many more accounts start with the query.
	More int
}

// FindAccounts returns the accounts named query: every one named exactly
// so, beyond limit if need be (accounts of one name are told apart only
// when all are seen), then those whose names start with it, up to limit.
// The two lists are read at once.
func FindAccounts(ctx context.Context, o *Org, query string, limit int) (FoundAccounts, error) {
	var exact, prefix *lfclient.ListPage
	var exactErr, prefixErr error
	named := func(operator string) []lfclient.Filter {
		return []lfclient.Filter{{Key: "$name", Operator: operator, Value: query}}
	}
	Parallel([]func(){
		func() { exact, exactErr = o.client.List(ctx, "account", named("equal"), lfclient.MaxPageSize, 0) },
		func() { prefix, prefixErr = o.client.List(ctx, "account", named("startsWith"), limit, 0) },
	})
	if err := cmp.Or(exactErr, prefixErr); err != nil {
		return FoundAccounts{}, &LookupError{ObjectType: "account", Err: err}
	}
	var found FoundAccounts
	seen := map[string]bool{}
	add := func(rec lfclient.Record) {
		if !seen[rec.ID] {
			seen[rec.ID] = true
			found.Accounts = append(found.Accounts, AccountCandidate(rec))
		}
	}
	for _, rec := range exact.Data {
		add(rec)
	}
	for _, rec := range prefix.Data {
		if foldLabel(rec.Name()) == foldLabel(query) {
			add(rec)
		}
	}
	for _, rec := range prefix.Data {
		if len(found.Accounts) < limit {
			add(rec)
		}
	}
	found.More = max(0, max(exact.TotalCount, prefix.TotalCount)-len(found.Accounts))
	return found, nil
}

// LookupError is a list of records that could not be read.
type LookupError struct {
	ObjectType string
	Err        error
	// OfAccount: the list was of one account's contacts.
	OfAccount bool
}

func (e *LookupError) Error() string { return listFailure(e.ObjectType, e.Err) }
func (e *LookupError) Unwrap() error { return e.Err }

// PeopleQuery is what find_people looks for: query among contacts, members
// or both (Kind ""), contacts limited to one account when Account is set.
type PeopleQuery struct {
	Query, Kind, Account string
	Limit                int
}

// maxAccountNames bounds the accounts read to name the people's accounts.
const maxAccountNames = 10

// rankedPerson is a person found, with how well they match.
type rankedPerson struct {
	c        Candidate
	kind     string
	rank     int
	how      string
	nearness int // position among the similar names; len(near) when not among them
}

// PeopleFound is what find_people found: the people, best first, and the
// accounts of the contacts among them that could be read, by ID.
type PeopleFound struct {
	People   []schema.Person
	Accounts map[string]Candidate
}

// FindPeople returns the contacts and members q finds, best first. problem
// says what is wrong with q.Account when it names no single account.
func FindPeople(ctx context.Context, o *Org, q PeopleQuery) (PeopleFound, string, error) {
	var account *Candidate
	var accountProblem string
	var contacts []Candidate
	var members []lfclient.Record
	var contactsErr, membersErr, accountErr error
	var tasks []func()
	if q.Account != "" {
		tasks = append(tasks, func() { account, accountProblem, accountErr = o.accountFor(ctx, q.Account) })
	}
	if q.Kind != "member" {
		tasks = append(tasks, func() { contacts, contactsErr = o.resolve.contactsFor(ctx, q.Query) })
	}
	if q.Kind != "contact" {
		tasks = append(tasks, func() { members, membersErr = o.resolve.members.all(ctx, o.client) })
	}
	Parallel(tasks)
	for _, failure := range []*LookupError{{ObjectType: "account", Err: accountErr}, {ObjectType: "contact", Err: contactsErr}, {ObjectType: "member", Err: membersErr}} {
		if failure.Err != nil {
			return PeopleFound{}, "", failure
		}
	}
	if accountProblem != "" {
		return PeopleFound{}, accountProblem, nil
	}

	var people []rankedPerson
	if account != nil {
		// The account's own contacts, whatever their names start with.
		var missing []string
		for _, id := range account.related {
			if !slices.ContainsFunc(contacts, func(c Candidate) bool { return c.ID == id }) {
				missing = append(missing, id)
			}
		}
		recs, err := o.resolve.retrieveAll(ctx, "contact", missing[:min(len(missing), maxAccountContacts)])
		if err != nil {
			return PeopleFound{}, "", &LookupError{ObjectType: "contact", Err: err, OfAccount: true}
		}
		for _, rec := range recs {
			contacts = append(contacts, personCandidate(rec))
		}
		contacts = slices.DeleteFunc(contacts, func(c Candidate) bool {
			return !slices.Contains(c.related, account.ID) && !slices.Contains(account.related, c.ID)
		})
	}
	people = append(people, rankPeople(q.Query, uniquePeople(contacts), "contact", false)...)
	memberPool := make([]Candidate, len(members))
	for i, rec := range members {
		memberPool[i] = personCandidate(rec)
	}
	people = append(people, rankPeople(q.Query, memberPool, "member", true)...)
	slices.SortStableFunc(people, func(a, b rankedPerson) int {
		if a.rank != b.rank {
			return b.rank - a.rank
		}
		if a.rank == noMatch && a.nearness != b.nearness {
			return a.nearness - b.nearness
		}
		return strings.Compare(foldName(a.c.Name), foldName(b.c.Name))
	})
	people = people[:min(len(people), q.Limit)]

	found := PeopleFound{People: []schema.Person{}, Accounts: o.peopleAccounts(ctx, people)}
	for _, p := range people {
		person := schema.Person{ID: p.c.ID, Kind: p.kind, Name: p.c.Name, Email: p.c.Detail, HTTPLink: p.c.Link, MatchedBy: p.how}
		if p.kind == "contact" {
			for _, id := range p.c.related {
				person.Accounts = append(person.Accounts, schema.AccountRef{ID: id, Name: found.Accounts[id].Name})
			}
		}
		found.People = append(found.People, person)
	}
	return found, "", nil
}

// rankPeople keeps the people of pool that match query or come close to
// it, ranked: exact, then one part of the name, then similar.
func rankPeople(query string, pool []Candidate, kind string, member bool) []rankedPerson {
	near := nearPeople(query, pool)
	q := foldName(query)
	firstWord, _, _ := strings.Cut(q, " ")
	var out []rankedPerson
	for _, c := range pool {
		rank, how := matchPerson(c, query, member)
		switch {
		case rank != noMatch:
		case isEmail(query) && slices.ContainsFunc(c.emails, func(e string) bool { return strings.Contains(strings.ToLower(e), q) }):
			how = "email containing the query"
		case slices.ContainsFunc(near, func(n Candidate) bool { return n.ID == c.ID }),
			q != "" && (strings.HasPrefix(foldName(c.Name), firstWord) || strings.HasPrefix(foldName(c.last), firstWord)):
			how = "similar name"
		default:
			continue
		}
		nearness := slices.IndexFunc(near, func(n Candidate) bool { return n.ID == c.ID })
		if nearness < 0 {
			nearness = len(near)
		}
		out = append(out, rankedPerson{c: c, kind: kind, rank: rank, how: how, nearness: nearness})
	}
	return out
}

// accountFor finds the account find_people was asked to look in: by ID, or
// by exact name. A name that names no single account is a problem.
func (o *Org) accountFor(ctx context.Context, input string) (*Candidate, string, error) {
	if strings.HasPrefix(input, schema.IDPrefix("account")) && lightfieldID.MatchString(input) {
		rec, err := o.client.Retrieve(ctx, "account", input)
		if isNotFound(err) {
			return nil, fmt.Sprintf("no account has the ID %s.", Quote(input)), nil
		}
		if err != nil {
			return nil, "", err
		}
		c := AccountCandidate(*rec)
		return &c, "", nil
	}
	l, err := o.resolve.findAccount(ctx, input)
	if err != nil {
		return nil, "", err
	}
	ref := reference{input: input, objectType: "account", path: "account"}
	switch len(l.matches) {
	case 1:
		return &l.matches[0], "", nil
	case 0:
		return nil, noMatchText(ref, l, false), nil
	}
	return nil, severalText(ref, l.matches), nil
}

// peopleAccounts reads the contacts' accounts, at once, to name them and
// tell apart those of one name.
func (o *Org) peopleAccounts(ctx context.Context, people []rankedPerson) map[string]Candidate {
	var ids []string
	for _, p := range people {
		for _, id := range p.c.related {
			if p.kind == "contact" && !slices.Contains(ids, id) && len(ids) < maxAccountNames {
				ids = append(ids, id)
			}
		}
	}
	accounts := map[string]Candidate{}
	recs, _ := o.resolve.retrieveAll(ctx, "account", ids) // unnamed accounts are shown by ID
	for _, rec := range recs {
		accounts[rec.ID] = AccountCandidate(rec)
	}
	return accounts
}
