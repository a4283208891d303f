package write

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// Contact is a person at a customer: looked for by email, then by full
// name at the account they work at, and created only when neither finds
// them.
var Contact = &Kind{
	Object: schema.ContactObject, Plural: "contacts",
	Args:           &schema.CreateContactArgs{},
	CheckOptions:   checkContact,
	NameHint:       `Give the person's name: {"firstName": …, "lastName": …}.`,
	ReadOnlyAdvice: " A contact is linked to a deal from the deal's side: give the contact's ID or email in create_opportunity's relationships (such as $champion).",
	FindExisting: func(ctx context.Context, o *Org, call *Call) ([]lfclient.Record, error) {
		return o.contactsLike(ctx, call)
	},
	SearchDecides: true,
	Judge:         judgeContact,
}

// How an existing contact matched a call (Outcome.MatchedBy).
const (
	matchedByEmail         = "email"
	matchedByNameAtAccount = "full name at the account"
)

// maxContactEmails bounds the addresses one call may give: each costs a
// search.
const maxContactEmails = 5

// ContactCandidate is a contact as a name or email may mean it, saying
// which accounts they work at.
func ContactCandidate(rec lfclient.Record) Candidate {
	c := personCandidate(rec)
	if accounts := rec.Relationships["$account"].Values; len(accounts) > 0 {
		c.Where = "at " + strings.Join(accounts, ", ")
	}
	return c
}

// checkContact checks what the generic check of fields cannot: the name,
// which comes as an object or as one string (it replaces what that check
// said of $name), the email addresses, and that the call can tell the
// person apart from others: a name alone matches anyone of that name, so
// an email or the account is needed.
func checkContact(args map[string]any, call *Call, ps *Problems) {
	fields := objectArgument(args, "fields", false, &Problems{})
	if fields == nil {
		return // the generic check says what fields must be
	}
	if raw := fields["$name"]; raw != nil {
		*ps = slices.DeleteFunc(*ps, func(p Problem) bool { return p.Path == "fields.$name" })
		delete(call.Params.Fields, "$name")
		if name, ok := contactName(raw, ps); ok {
			call.Params.Fields["$name"] = name
		}
	}
	emails := contactEmails(call)
	for _, e := range emails {
		if !plausibleEmail(e) {
			ps.add("fields.$email", "%s is not an email address; send the address alone, such as jane@company.com (the name goes in $name).", Quote(e))
		}
	}
	if len(emails) > maxContactEmails {
		ps.add("fields.$email", "has %d addresses; send at most %d, the ones the person uses.", len(emails), maxContactEmails)
	}
	rels := objectArgument(args, "relationships", false, &Problems{})
	accountGiven := rels["$account"] != nil || call.Params.Relationships["$account"] != nil
	if len(emails) == 0 && !has(*ps, "fields.$email") && !accountGiven {
		ps.add("fields.$email", "is needed when no account is given: a name alone cannot tell this person from others of the same name, so an existing contact could not be found and a second copy not ruled out. Send the person's email, or the account they work at as relationships.$account (its ID or exact name).")
	}
}

// contactName reads a contact's $name: an object {firstName, lastName}, or
// the full name as one string (models send that), split at its first
// space as lfclient reads a plain name's parts. At least one part must be
// given.
func contactName(raw any, ps *Problems) (map[string]any, bool) {
	const path = "fields.$name"
	var first, last string
	switch v := raw.(type) {
	case string:
		first, last, _ = strings.Cut(collapse(v), " ")
	case map[string]any:
		parts, ok := checkObjectKeys(path, v, map[string]string{"firstName": "string", "lastName": "string"}, ps)
		if !ok {
			return nil, false
		}
		first, _ = parts["firstName"].(string)
		last, _ = parts["lastName"].(string)
		first, last = collapse(first), collapse(last)
	default:
		ps.add(path, `must be an object {"firstName": …, "lastName": …}, got %s.`, jsonKind(raw))
		return nil, false
	}
	if first == "" && last == "" {
		ps.add(path, "names nobody: give the person's first name, last name, or both.")
		return nil, false
	}
	name := map[string]any{}
	if first != "" {
		name["firstName"] = first
	}
	if last != "" {
		name["lastName"] = last
	}
	return name, true
}

// collapse trims s and collapses its runs of spaces: spaces in a name are
// never meant, and would hide a duplicate from Lightfield's filters.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// plausibleEmail: one @ between a name and a domain with a dot, and no
// spaces ("Jane <jane@x.example>" is not an address).
func plausibleEmail(s string) bool {
	s = strings.TrimSpace(s)
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " <>,;") && !strings.Contains(domain, "@")
}

// contactEmails are the email addresses a checked call gives.
func contactEmails(call *Call) []string {
	return valuesOf(call.Params.Fields["$email"])
}

// contactAccounts are the accounts a checked call names: their IDs once
// the names are resolved.
func contactAccounts(call *Call) []string {
	return valuesOf(call.Params.Relationships["$account"])
}

// fullName is the name a checked call gives, its parts joined.
func fullName(call *Call) string {
	name, _ := call.Params.Fields["$name"].(map[string]any)
	first, _ := name["firstName"].(string)
	last, _ := name["lastName"].(string)
	return collapse(first + " " + last)
}

// valuesOf reads a value that is one string or a list of them.
func valuesOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		var out []string
		for _, item := range v {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// contactsLike finds, all at once, the contacts a create_contact call
// would repeat: those with one of its emails (the whole address, case
// ignored) and, when it names an account, those with its full name
// wherever they work. The account may still be a name being resolved
// meanwhile: judgeContact keeps those at the account.
func (o *Org) contactsLike(ctx context.Context, call *Call) ([]lfclient.Record, error) {
	type query struct {
		filter lfclient.Filter
		keep   func(lfclient.Record) bool
	}
	var queries []query
	for _, email := range contactEmails(call) {
		queries = append(queries, query{lfclient.Filter{Key: "$email", Operator: "contains", Value: strings.TrimSpace(email)},
			func(rec lfclient.Record) bool { return hasEmail(rec, []string{email}) }})
	}
	if name := fullName(call); name != "" && len(contactAccounts(call)) > 0 {
		queries = append(queries, query{lfclient.Filter{Key: "$name", Operator: "equal", Value: name},
			func(rec lfclient.Record) bool { return foldName(rec.Name()) == foldName(name) }})
	}
	found := make([][]lfclient.Record, len(queries)+1)
	errs := make([]error, len(queries)+1)
	tasks := make([]func(), len(queries))
	for i, q := range queries {
		tasks[i] = func() { found[i+1], errs[i+1] = o.listWhere(ctx, "contact", q.filter, q.keep) }
	}
	// Contacts written lately, which the lists may not show yet.
	tasks = append(tasks, func() {
		var keys []string
		for _, email := range contactEmails(call) {
			keys = append(keys, "email:"+strings.ToLower(strings.TrimSpace(email)))
		}
		if name := fullName(call); name != "" {
			keys = append(keys, "name:"+strings.Join(nameWords(name), " "))
		}
		found[0], errs[0] = o.recentLike(ctx, "contact", keys, func(r lfclient.Record) bool {
			return slices.ContainsFunc(queries, func(q query) bool { return q.keep(r) })
		})
	})
	Parallel(tasks)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var same []lfclient.Record
	for _, recs := range found {
		for _, rec := range recs {
			if !slices.ContainsFunc(same, func(r lfclient.Record) bool { return r.ID == rec.ID }) {
				same = append(same, rec)
			}
		}
	}
	return same, nil
}

// hasEmail reports whether a contact has one of emails, case ignored.
func hasEmail(rec lfclient.Record, emails []string) bool {
	return slices.ContainsFunc(rec.Strings("$email"), func(have string) bool {
		return slices.ContainsFunc(emails, func(e string) bool { return strings.EqualFold(strings.TrimSpace(have), strings.TrimSpace(e)) })
	})
}

// judgeContact returns the one contact the call names instead of writing
// another (with a warning for each email or account the call gives that
// it lacks: nothing is changed on it), and refuses when the call names
// several (they are left in Existing), unless the call repeats the write
// that made it.
func judgeContact(o *Org, out *Outcome) {
	same, how := sameContact(out.Call, out.Existing)
	switch {
	case len(same) > 1:
		out.Status, out.Existing, out.MatchedBy = Ambiguous, same, how
	case len(same) == 1 && !o.created.replays(out.Key, &same[0]):
		out.Status, out.Record, out.MatchedBy = Existing, objectOf(same[0]), how
		out.Warnings = lacking(out.Call, same[0])
	case len(same) == 1:
		out.RepeatOf = same[0].ID
	}
}

// lacking says what a call gives that the existing contact it matched
// does not have.
func lacking(call *Call, rec lfclient.Record) []string {
	var warnings []string
	for _, e := range contactEmails(call) {
		if !hasEmail(rec, []string{e}) {
			warnings = append(warnings, fmt.Sprintf("fields.$email: the existing contact does not have %s; it was not added (nothing is changed on an existing contact).", Quote(e)))
		}
	}
	for _, id := range contactAccounts(call) {
		if !slices.Contains(rec.Relationships["$account"].Values, id) {
			warnings = append(warnings, fmt.Sprintf("relationships.$account: the existing contact is not linked to %s; it was not linked (nothing is changed on an existing contact).", Token(id)))
		}
	}
	return warnings
}

// sameContact picks, among the contacts found, those the call names: the
// ones with one of its emails when there are any, else those with its full
// name at one of its accounts.
func sameContact(call *Call, found []lfclient.Record) ([]lfclient.Record, string) {
	emails := contactEmails(call)
	byEmail := slices.DeleteFunc(slices.Clone(found), func(rec lfclient.Record) bool { return !hasEmail(rec, emails) })
	if len(byEmail) > 0 {
		return byEmail, matchedByEmail
	}
	name, accounts := fullName(call), contactAccounts(call)
	byName := slices.DeleteFunc(slices.Clone(found), func(rec lfclient.Record) bool {
		atAccount := slices.ContainsFunc(rec.Relationships["$account"].Values, func(id string) bool { return slices.Contains(accounts, id) })
		return foldName(rec.Name()) != foldName(name) || !atAccount
	})
	if len(byName) > 0 {
		return byName, matchedByNameAtAccount
	}
	return nil, ""
}
