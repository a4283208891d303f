package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// FindPeopleName is the tool's name.
const FindPeopleName = "find_people"

const findPeopleDescription = `Find contacts (people at customers: champions, evaluators) and members (your workspace's people: owners) by email, full name, or first or last name alone; case and accents do not matter. Exact matches first, then one part of the name, then close names. account limits it to that account's contacts. Read-only.`

// maxAccountNames bounds how many contacts' accounts are read to name them.
const maxAccountNames = 10

var findPeopleSpec = toolSpec{
	def: mcp.Tool{
		Name:            FindPeopleName,
		Title:           "Find people",
		Description:     findPeopleDescription,
		RawInputSchema:  schema.JSON(schema.FindPeopleInput()),
		RawOutputSchema: schema.JSON(schema.FindPeopleOutput()),
		Annotations:     readOnlyAnnotations("Find people"),
	},
	instructions: "find_people looks contacts and members up by any part of their name or email.",
}

// findArgs are the arguments of the find tools (find_accounts reads query
// and limit).
type findArgs struct {
	query, kind, account string
	limit                int
}

// rankedPerson is one person in find_people's ranking.
type rankedPerson struct {
	c    candidate
	kind string
	rank int
	how  string
	// nearness orders similar names: the position among the closest.
	nearness int
}

func (s *Server) findPeople(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	raw, err := arguments(req)
	if err != nil {
		return mcp.NewToolResultError(`The arguments could not be read as JSON; send {"query": "Sam"}.`), nil
	}
	args, ps := checkFindPeopleArgs(raw)
	if len(ps) > 0 {
		return mcp.NewToolResultError(ps.text(FindPeopleName)), nil
	}
	o, err := s.orgFor(ctx)
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}

	// Round one: the account, the contacts and the members, at once.
	var account *candidate
	var accountProblem string
	var contacts []candidate
	var members []lfclient.Record
	var contactsErr, membersErr, accountErr error
	var tasks []func()
	if args.account != "" {
		tasks = append(tasks, func() { account, accountProblem, accountErr = o.accountFor(ctx, args.account) })
	}
	if args.kind != "member" {
		tasks = append(tasks, func() { contacts, contactsErr = o.resolve.contactsFor(ctx, args.query) })
	}
	if args.kind != "contact" {
		tasks = append(tasks, func() { members, membersErr = o.resolve.members.all(ctx, o.client) })
	}
	parallel(tasks)
	for _, failure := range []struct {
		objectType string
		err        error
	}{{"account", accountErr}, {"contact", contactsErr}, {"member", membersErr}} {
		if why := s.unreachable(ctx, failure.err, "Nothing was searched, so nothing was found (and nothing was written)."); why != "" {
			return mcp.NewToolResultError(why), nil
		}
		if failure.err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("People could not be looked up: %s. Nothing was found or changed; call again, or send the person's ID.", listFailure(failure.objectType, failure.err))), nil
		}
	}
	if accountProblem != "" {
		return mcp.NewToolResultError(fmt.Sprintf("Nothing was looked up: 1 problem in the arguments.\n- account: %s\nFix it and call %s again.", accountProblem, FindPeopleName)), nil
	}

	var people []rankedPerson
	if account != nil {
		// The account's own contacts, whatever their names start with.
		var missing []string
		for _, id := range account.related {
			if !slices.ContainsFunc(contacts, func(c candidate) bool { return c.ID == id }) {
				missing = append(missing, id)
			}
		}
		recs, err := o.resolve.retrieveAll(ctx, "contact", missing[:min(len(missing), maxAccountContacts)])
		if why := s.unreachable(ctx, err, "The account's contacts were not read, so nobody was found (and nothing was written)."); why != "" {
			return mcp.NewToolResultError(why), nil
		}
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("The account's contacts could not be read: %s.", listFailure("contact", err))), nil
		}
		for _, rec := range recs {
			contacts = append(contacts, personCandidate(rec))
		}
		contacts = slices.DeleteFunc(contacts, func(c candidate) bool {
			return !slices.Contains(c.related, account.ID) && !slices.Contains(account.related, c.ID)
		})
	}
	people = append(people, rankPeople(args.query, uniquePeople(contacts), "contact", false)...)
	memberPool := make([]candidate, len(members))
	for i, rec := range members {
		memberPool[i] = personCandidate(rec)
	}
	people = append(people, rankPeople(args.query, memberPool, "member", true)...)
	slices.SortStableFunc(people, func(a, b rankedPerson) int {
		if a.rank != b.rank {
			return b.rank - a.rank
		}
		if a.rank == noMatch && a.nearness != b.nearness {
			return a.nearness - b.nearness
		}
		return strings.Compare(foldName(a.c.Name), foldName(b.c.Name))
	})
	people = people[:min(len(people), args.limit)]

	result := schema.FindPeopleResult{People: []schema.Person{}}
	names := o.accountNames(ctx, people)
	for _, p := range people {
		person := schema.Person{ID: p.c.ID, Kind: p.kind, Name: p.c.Name, Email: p.c.Detail, HTTPLink: p.c.Link, MatchedBy: p.how}
		if p.kind == "contact" {
			for _, id := range p.c.related {
				person.Accounts = append(person.Accounts, schema.AccountRef{ID: id, Name: names[id]})
			}
		}
		result.People = append(result.People, person)
	}
	return mcp.NewToolResultStructured(result, peopleText(args, result.People)), nil
}

// rankPeople keeps the people of pool that match query or come close to
// it, ranked: exact, then one part of the name, then similar.
func rankPeople(query string, pool []candidate, kind string, member bool) []rankedPerson {
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
		case slices.ContainsFunc(near, func(n candidate) bool { return n.ID == c.ID }),
			q != "" && (strings.HasPrefix(foldName(c.Name), firstWord) || strings.HasPrefix(foldName(c.last), firstWord)):
			how = "similar name"
		default:
			continue
		}
		nearness := slices.IndexFunc(near, func(n candidate) bool { return n.ID == c.ID })
		if nearness < 0 {
			nearness = len(near)
		}
		out = append(out, rankedPerson{c: c, kind: kind, rank: rank, how: how, nearness: nearness})
	}
	return out
}

// accountFor finds the account find_people was asked to look in: by ID, or
// by exact name. A name that names no single account is a problem.
func (o *org) accountFor(ctx context.Context, input string) (*candidate, string, error) {
	if strings.HasPrefix(input, schema.IDPrefix("account")) && lightfieldID.MatchString(input) {
		rec, err := o.client.Retrieve(ctx, "account", input)
		if isNotFound(err) {
			return nil, fmt.Sprintf("no account has the ID %s.", quote(input)), nil
		}
		if err != nil {
			return nil, "", err
		}
		c := accountCandidate(*rec)
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

// accountNames reads the names of the people's accounts, at once.
func (o *org) accountNames(ctx context.Context, people []rankedPerson) map[string]string {
	var ids []string
	for _, p := range people {
		for _, id := range p.c.related {
			if p.kind == "contact" && !slices.Contains(ids, id) && len(ids) < maxAccountNames {
				ids = append(ids, id)
			}
		}
	}
	names := map[string]string{}
	recs, _ := o.resolve.retrieveAll(ctx, "account", ids) // unnamed accounts are shown by ID
	for _, rec := range recs {
		names[rec.ID] = rec.Name()
	}
	return names
}

func peopleText(args findArgs, people []schema.Person) string {
	what := map[string]string{"": "contact or member", "contact": "contact", "member": "member"}[args.kind]
	many := map[string]string{"": "people", "contact": "contacts", "member": "members"}[args.kind]
	if len(people) == 1 {
		many = map[string]string{"": "person", "contact": "contact", "member": "member"}[args.kind]
	}
	where := ""
	if args.account != "" {
		where = " at " + quote(args.account)
	}
	if len(people) == 0 {
		return fmt.Sprintf("No %s%s matches %s or has a similar name. Ask the person for the email, or check the spelling.", what, where, quote(args.query))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s%s for %s, best first:", len(people), many, where, quote(args.query))
	for _, p := range people {
		about := []string{p.Kind}
		if p.Email != "" {
			about = append(about, token(p.Email))
		}
		for _, a := range p.Accounts {
			if a.Name != "" {
				about = append(about, fmt.Sprintf("at %s %s", quote(a.Name), token(a.ID)))
			} else {
				about = append(about, "at "+token(a.ID))
			}
		}
		fmt.Fprintf(&b, "\n- %s %s (%s) %s; matched by %s.", quote(p.Name), token(p.ID), strings.Join(about, ", "), token(p.HTTPLink), p.MatchedBy)
	}
	return b.String()
}

func checkFindPeopleArgs(raw json.RawMessage) (findArgs, problems) {
	args, obj, ps := checkQueryArgs(raw, []string{"query", "kind", "account", "limit"}, `{"query": "Sam"}`)
	if obj == nil {
		return args, ps
	}
	switch v := obj["kind"].(type) {
	case nil:
	case string:
		if v != "contact" && v != "member" {
			ps.add("kind", "must be contact or member; leave it out for both.")
		}
		args.kind = v
	default:
		ps.add("kind", "must be contact or member; leave it out for both.")
	}
	switch v := obj["account"].(type) {
	case nil:
	case string:
		args.account = strings.TrimSpace(v)
		if args.account == "" || len(args.account) > maxQueryLength {
			ps.add("account", "must be an account ID or exact name of 1 to %d characters; leave it out for everyone.", maxQueryLength)
		}
	default:
		ps.add("account", "must be a string: the account's ID or exact name.")
	}
	if args.account != "" && args.kind == "member" {
		ps.add("account", "applies to contacts only; members belong to your workspace, not to an account.")
	}
	return args, ps
}
