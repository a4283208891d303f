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

// ambiguity is a reference that matched several records.
type ambiguity struct {
	ref     reference
	matches []Candidate
}

// search is what round one found for one reference: an account's lookup,
// or the contacts or members its name or email may refer to.
type search struct {
	l    lookup
	pool []Candidate
	err  error
}

// echo is a record given by ID, retrieved to name it in the result.
type echo struct {
	rec *lfclient.Record
	err error
}

// maxAccountContacts bounds how many of the deal's account's contacts are
// read one by one when a name is not found among those the list showed.
const maxAccountContacts = 25

// atTheAccount is how a contact of the deal's account is described, and
// elsewhere how one found anywhere else is.
const (
	atTheAccount = "at the deal's account"
	elsewhere    = "not a contact of the deal's account"
)

// resolveReferences turns every name or email in call's relationships into
// an ID, and names every account, contact or member given by ID. All
// look-ups run at once, so that they cost one round trip; a contact named
// by a part of their name that the list did not show costs a second, among
// the deal's account's contacts. A name that matches several records is put
// to the person when the host can ask (the questions returned); otherwise,
// like a name that matches nothing, it becomes a problem listing the
// candidates. With mayAsk false (the call is refused anyway) nobody is
// asked.
func (o *Org) resolveReferences(ctx context.Context, ask Asker, call *Call, mayAsk bool) ([]schema.Resolution, Problems, []Question) {
	found := make([]search, len(call.refs))
	echoes := make([]echo, len(call.ids))
	var members []lfclient.Record
	var membersErr error
	var tasks []func()
	if slices.ContainsFunc(append(slices.Clone(call.refs), call.ids...), func(r reference) bool { return r.objectType == "member" }) {
		tasks = append(tasks, func() { members, membersErr = o.resolve.members.all(ctx, o.client) })
	}
	for i, ref := range call.refs {
		switch {
		case ref.removal:
			// Looked for among the people linked, once the deal is read.
		case ref.objectType == "account":
			tasks = append(tasks, func() { found[i].l, found[i].err = o.resolve.findAccount(ctx, ref.input) })
		case ref.objectType == "contact":
			tasks = append(tasks, func() { found[i].pool, found[i].err = o.resolve.contactsFor(ctx, ref.input) })
		}
	}
	for i, id := range call.ids {
		if id.objectType != "member" {
			tasks = append(tasks, func() { echoes[i].rec, echoes[i].err = o.client.Retrieve(ctx, id.objectType, id.input) })
		}
	}
	Parallel(tasks)

	account := dealAccount(call, found, echoes)
	scopes := []scope{{}}
	if account != nil {
		scopes = []scope{{where: atTheAccount, in: func(c Candidate) bool {
			return slices.Contains(c.related, account.ID) || slices.Contains(account.related, c.ID)
		}}, {where: elsewhere}}
	}
	o.chooseContacts(ctx, call, found, account, scopes)
	o.chooseMembers(ctx, call, found, members, membersErr)
	o.chooseLinked(ctx, call, found, members, membersErr)

	var resolved []schema.Resolution
	var ps Problems
	var unsure []ambiguity
	for i, ref := range call.refs {
		l, err := found[i].l, found[i].err
		if err != nil {
			ps.add(ref.path, "%s", lookupFailure(ref, err))
			continue
		}
		var chosen *Candidate
		switch n := len(l.matches); {
		case n == 1:
			chosen = &l.matches[0]
		case n == 0 && ref.removal:
			ps.add(ref.path, "%s", notLinkedText(ref, found[i].pool))
		case n == 0:
			ps.add(ref.path, "%s", noMatchText(ref, l, account != nil))
			if ref.objectType == "account" && len(l.near) == 0 {
				ps[len(ps)-1].Missing = ref.input
			}
		default:
			answer := ask.Answer(ref.path)
			switch {
			case answer != nil:
				c, msg := pick(answer, ref, l.matches)
				if msg != "" {
					ps.add(ref.path, "%s", msg)
				}
				chosen = c
			case mayAsk && ask.CanAsk():
				unsure = append(unsure, ambiguity{ref, l.matches})
			default:
				ps.addChoices(ref, l.matches)
			}
		}
		if chosen != nil {
			setReference(call, ref, chosen.ID)
			resolved = append(resolved, resolution(ref, *chosen, l.how))
		}
	}
	for i, id := range call.ids {
		var rec *lfclient.Record
		switch {
		case id.objectType == "member":
			if j := slices.IndexFunc(members, func(m lfclient.Record) bool { return m.ID == id.input }); j >= 0 {
				rec = &members[j]
			} else if membersErr == nil && members != nil {
				ps.add(id.path, "no member has the ID %s. Check the ID, or give the member by email or name instead.", Quote(id.input))
			}
		case isNotFound(echoes[i].err):
			ps.add(id.path, "no %s has the ID %s. Check the ID, or give the %s by %s instead.", id.objectType, Quote(id.input), id.objectType, map[string]string{"account": "its exact name", "contact": "email or name"}[id.objectType])
		default:
			rec = echoes[i].rec // nil when it could not be read: the ID is sent unnamed
		}
		if rec != nil {
			c := personCandidate(*rec)
			if id.objectType == "account" {
				c = AccountCandidate(*rec)
			}
			resolved = append(resolved, resolution(id, c, "ID"))
		}
	}
	if len(unsure) > 0 {
		if len(ps) > 0 {
			// Fix the rest first; asking the person now would be wasted.
			for _, a := range unsure {
				ps.addChoices(a.ref, a.matches)
			}
			return nil, ps, nil
		}
		questions := make([]Question, len(unsure))
		for i, a := range unsure {
			questions[i] = question(a)
		}
		return nil, nil, questions
	}
	return resolved, ps, nil
}

func resolution(ref reference, c Candidate, how string) schema.Resolution {
	r := schema.Resolution{Relationship: ref.key, Input: ref.input, ID: c.ID, Name: c.Name, MatchedBy: how}
	if ref.objectType == "account" {
		r.Website = c.Detail
	} else {
		r.Email = c.Detail
	}
	return r
}

// dealAccount is the account the deal is for, as far as round one knows
// it: nil when it is not known (yet).
func dealAccount(call *Call, found []search, echoes []echo) *Candidate {
	for i, id := range call.ids {
		if id.key == "$account" {
			if echoes[i].rec != nil {
				c := AccountCandidate(*echoes[i].rec)
				return &c
			}
			return &Candidate{ID: id.input}
		}
	}
	for i, ref := range call.refs {
		if ref.key == "$account" && found[i].err == nil && len(found[i].l.matches) == 1 {
			return &found[i].l.matches[0]
		}
	}
	if call.target != nil {
		if deal := call.target(); deal != nil && firstValue(*deal, "$account") != "" {
			return &Candidate{ID: firstValue(*deal, "$account")}
		}
	}
	return nil
}

// chooseContacts picks each contact reference's match: at the deal's
// account first, then anywhere. When a name matches nobody at the account
// and the account has contacts the list did not show, those are read by
// ID (all at once, for every such reference) and the choice is made again.
func (o *Org) chooseContacts(ctx context.Context, call *Call, found []search, account *Candidate, scopes []scope) {
	choose := func() (missing []string) {
		for i, ref := range call.refs {
			if ref.objectType != "contact" || found[i].err != nil || ref.removal {
				continue
			}
			s := &found[i]
			s.l.matches, s.l.how = choosePeople(ref.input, s.pool, false, scopes)
			if account == nil || isEmail(ref.input) || strings.HasSuffix(s.l.how, atTheAccount) {
				continue
			}
			for _, id := range account.related {
				if !slices.ContainsFunc(s.pool, func(c Candidate) bool { return c.ID == id }) && !slices.Contains(missing, id) {
					missing = append(missing, id)
				}
			}
		}
		return missing
	}
	if missing := choose(); len(missing) > 0 {
		recs, err := o.resolve.retrieveAll(ctx, "contact", missing[:min(len(missing), maxAccountContacts)])
		for i, ref := range call.refs {
			if ref.objectType != "contact" || found[i].err != nil || isEmail(ref.input) {
				continue
			}
			if err != nil {
				found[i].err = err
				continue
			}
			for _, rec := range recs {
				found[i].pool = append(found[i].pool, personCandidate(rec))
			}
			found[i].pool = uniquePeople(found[i].pool)
		}
		choose()
	}
	o.offerContacts(ctx, call, found, account, scopes)
}

// offerContacts readies what each contact reference that matched nobody or
// several offers instead: a first or last name matched only outside the
// deal's account, the close names, and where every candidate works, the
// deal's account's people first. The other accounts they work at are read
// by ID, all at once, to name them; a call whose contacts all resolved
// reads nothing more.
func (o *Org) offerContacts(ctx context.Context, call *Call, found []search, account *Candidate, scopes []scope) {
	var offers []*lookup
	for i, ref := range call.refs {
		if ref.objectType != "contact" || found[i].err != nil {
			continue
		}
		s := &found[i]
		if strings.HasSuffix(s.l.how, elsewhere) && !strings.HasPrefix(s.l.how, "full name") && !strings.HasPrefix(s.l.how, "email") {
			// A first or last name alone is a guess outside the deal's
			// account: offer the match instead of using it.
			s.l.elsewhere, s.l.matches, s.l.how = s.l.matches, nil, ""
		}
		if len(s.l.matches) == 0 {
			s.l.near = nearPeople(ref.input, s.pool)
		}
		if len(s.l.matches) != 1 {
			s.l.deal = account
			offers = append(offers, &s.l)
		}
	}
	accounts := o.accountsOf(ctx, offers, account)
	for _, l := range offers {
		for _, list := range [][]Candidate{l.matches, l.near, l.elsewhere} {
			for j := range list {
				list[j].Where = contactWhere(list[j], scopes, accounts)
			}
			// The deal's account's people first.
			slices.SortStableFunc(list, func(a, b Candidate) int {
				return boolRank(b.Where == atTheAccount) - boolRank(a.Where == atTheAccount)
			})
		}
	}
}

// accountsOf reads at once the accounts the people offered work at (at
// most maxAccountNames, the deal's own aside), by ID. One that cannot be
// read is left out, to be shown by its ID.
func (o *Org) accountsOf(ctx context.Context, offers []*lookup, deal *Candidate) map[string]Candidate {
	accounts := map[string]Candidate{}
	if deal != nil {
		accounts[deal.ID] = *deal
	}
	var ids []string
	for _, l := range offers {
		for _, c := range slices.Concat(l.matches, l.near, l.elsewhere) {
			for _, id := range c.related {
				if _, known := accounts[id]; !known && !slices.Contains(ids, id) && len(ids) < maxAccountNames {
					ids = append(ids, id)
				}
			}
		}
	}
	recs, _ := o.resolve.retrieveAll(ctx, "account", ids) // the refusal names them by ID instead
	for _, rec := range recs {
		accounts[rec.ID] = AccountCandidate(rec)
	}
	return accounts
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// contactWhere says where a candidate contact works: at the deal's
// account, or at which others (named when they were read).
func contactWhere(c Candidate, scopes []scope, accounts map[string]Candidate) string {
	switch {
	case len(scopes) > 1 && scopes[0].in(c):
		return atTheAccount
	case len(c.related) == 0:
		return ""
	}
	at := make([]string, len(c.related))
	for i, id := range c.related {
		acc, ok := accounts[id]
		if !ok {
			acc = Candidate{ID: id}
		}
		at[i] = acc.Workplace()
	}
	return "at " + strings.Join(at, " and ")
}

// chooseMembers picks each member reference's match. A name that matches
// nobody reloads the member list once, unless it was loaded seconds ago.
func (o *Org) chooseMembers(ctx context.Context, call *Call, found []search, members []lfclient.Record, err error) {
	reloaded := false
	for i, ref := range call.refs {
		if ref.objectType != "member" || ref.removal {
			continue
		}
		for {
			if err != nil {
				found[i].err = err
				break
			}
			pool := make([]Candidate, len(members))
			for j, rec := range members {
				pool[j] = personCandidate(rec)
			}
			l := &found[i].l
			if l.matches, l.how = choosePeople(ref.input, pool, true, []scope{{}}); len(l.matches) > 0 || reloaded {
				if len(l.matches) == 0 {
					l.near = nearPeople(ref.input, pool)
				}
				break
			}
			reloaded = true
			members, err = o.resolve.members.reloadUnlessRecent(ctx, o.client, o.resolve.recheckAfter)
		}
	}
}

// isNotFound reports whether Lightfield answered 404.
func isNotFound(err error) bool {
	var apiErr *lfclient.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == 404
}

func setReference(call *Call, ref reference, id string) {
	switch {
	case ref.set != nil:
		ref.set(id)
	case ref.manyValues:
		call.Params.Relationships[ref.key].([]string)[ref.index] = id
	default:
		call.Params.Relationships[ref.key] = id
	}
}

func lookupFailure(ref reference, err error) string {
	var apiErr *lfclient.Error
	if !errors.As(err, &apiErr) {
		// An ID would not help: the create could not be sent either.
		return fmt.Sprintf("%s could not be looked up: Lightfield could not be reached or did not answer (%v), so nothing was written. The value itself may well be right: call again in a few seconds.", Quote(ref.input), err)
	}
	return fmt.Sprintf("%s could not be looked up: %s. Send the %s's ID instead, or call again.", Quote(ref.input), listFailure(ref.objectType, err), ref.objectType)
}

// listFailure says why a list of objectType records could not be read.
func listFailure(objectType string, err error) string {
	var apiErr *lfclient.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == 403:
		plural := objectType + "s"
		if strings.HasSuffix(objectType, "y") {
			plural = strings.TrimSuffix(objectType, "y") + "ies"
		}
		return fmt.Sprintf("the API key lacks the scope %s:read (403)", plural)
	case errors.As(err, &apiErr) && apiErr.StatusCode == 401:
		return "Lightfield rejected the API key (401): it is wrong, revoked or expired, and retrying will not help"
	}
	return err.Error()
}

func noMatchText(ref reference, l lookup, accountKnown bool) string {
	near := l.near
	switch {
	case ref.objectType == "account" && len(near) > 0:
		return fmt.Sprintf("no account is named %s. Accounts whose names start with %s: %s. Send the right one's ID (or its exact name); if none is meant, it is a new customer: create the account with create_account, then call again with its ID.", Quote(ref.input), Quote(l.prefix), describeAll(near))
	case ref.objectType == "account" && ref.describesNew:
		return fmt.Sprintf("no account is named %s, and no account's name starts with it (find_accounts would find nothing more). If the person said it is a new customer, call again with new: {\"%s\": {\"$name\": %s, \"$website\": …}} (its website if known) instead of relationships.%s, to create it in the same call (or create it with create_account first); otherwise ask the person for the account's exact name.", Quote(ref.input), ref.key, Quote(ref.input), ref.key)
	case ref.objectType == "account":
		return fmt.Sprintf("no account is named %s, and no account's name starts with it (find_accounts would find nothing more). If it is a new customer, create the account with create_account (its name, and its website if known), then call again with the account's ID; otherwise ask the person for the account's exact name.", Quote(ref.input))
	}
	if len(l.elsewhere) > 0 {
		return elsewhereText(ref, l)
	}
	what := "named"
	if isEmail(ref.input) {
		what = "with the email"
	}
	text := fmt.Sprintf("no %s %s %s", ref.objectType, what, Quote(ref.input))
	if ref.objectType == "contact" && accountKnown && !isEmail(ref.input) {
		text += " at the deal's account or elsewhere"
	}
	text += "."
	if len(near) > 0 {
		text += " Close matches: " + describeAll(near) + "."
	} else if ref.objectType == "member" {
		return text + " No member's name or email is like it: ask the person for the member's email (members are the people of your own workspace, such as deal owners)."
	}
	text += fmt.Sprintf(" Send the right %s's ID, email or full name; find_people looks people up by any part of their name.", ref.objectType)
	switch {
	case ref.objectType == "contact" && ref.describesNew:
		text += fmt.Sprintf(" If the person is not in Lightfield yet, describe them in new: {\"%s\": {\"firstName\": …, \"lastName\": …, \"email\": …}} to create them at the deal's account in this call, or create the contact with create_contact.", ref.key)
	case ref.objectType == "contact":
		text += " If the person is not in Lightfield yet, create the contact with create_contact, then send the new contact's ID."
	}
	return text
}

// elsewhereText refuses a first or last name that only contacts of other
// accounts than the deal's have: it says where they work, and what to send.
func elsewhereText(ref reference, l lookup) string {
	deal, at := "the deal's account", "at the deal's account"
	switch {
	case l.deal != nil && l.deal.Name != "":
		deal += fmt.Sprintf(" %s (%s)", Quote(l.deal.Name), Token(l.deal.ID))
		at = "at " + Quote(l.deal.Name)
	case l.deal != nil:
		deal += " " + Token(l.deal.ID)
	}
	create := fmt.Sprintf("if it is someone else, create the contact %s with create_contact, then send the new contact's ID; if unsure, ask the person.", at)
	if ref.describesNew {
		create = fmt.Sprintf("if it is someone else, new to the CRM, describe them in new: {\"%s\": {\"firstName\": …, \"lastName\": …, \"email\": …}} to create them %s in this call (or use create_contact); if unsure, ask the person.", ref.key, at)
	}
	if len(l.elsewhere) == 1 {
		c := l.elsewhere[0]
		who := fmt.Sprintf("%s %s", Quote(c.Name), Token(c.ID))
		if c.Detail != "" {
			who += " (" + Token(c.Detail) + ")"
		}
		if c.Where != "" {
			who += " " + c.Where
		}
		return fmt.Sprintf("the only %s found is %s, not a contact of %s. If it is really them, send their ID %s; %s", Quote(ref.input), who, deal, Token(c.ID), create)
	}
	return fmt.Sprintf("no contact of %s is named %s; elsewhere in the organisation: %s. If one of them is the person meant, send their ID; %s", deal, Quote(ref.input), describeAll(l.elsewhere), create)
}

func severalText(ref reference, matches []Candidate) string {
	return fmt.Sprintf("%s matches %d %ss: %s. Ask the person which one is meant, then send its ID.", Quote(ref.input), len(matches), ref.objectType, describeAll(matches))
}

func describeAll(cs []Candidate) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Describe()
	}
	return strings.Join(parts, "; ")
}

// choiceLabel is how a Candidate is offered to the person: distinct even
// when names are equal.
func choiceLabel(c Candidate) string {
	parts := []string{c.Name}
	for _, about := range []string{c.Detail, c.Place} {
		if about != "" {
			parts = append(parts, about)
		}
	}
	return strings.Join(append(parts, c.ID), " · ")
}

// question asks the person which of the matches is meant.
func question(a ambiguity) Question {
	choices := make([]any, len(a.matches))
	for i, c := range a.matches {
		choices[i] = choiceLabel(c)
	}
	return Question{
		Key:     a.ref.path,
		Message: fmt.Sprintf("Several %ss match %s (for %s). Which one is meant?", a.ref.objectType, Quote(a.ref.input), a.ref.path),
		Schema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"choice": map[string]any{"type": "string", "title": "Which " + a.ref.objectType, "enum": choices},
			},
			"required": []string{"choice"},
		},
	}
}

// pick reads the person's answer to an elicitation.
func pick(answer *Answer, ref reference, matches []Candidate) (*Candidate, string) {
	if !answer.Accepted {
		return nil, fmt.Sprintf("%s matches %d %ss and the person declined to choose; nothing was created. %s", Quote(ref.input), len(matches), ref.objectType, severalText(ref, matches))
	}
	choice, _ := answer.Content["choice"].(string)
	for i, c := range matches {
		if choice == choiceLabel(c) || choice == c.ID {
			return &matches[i], ""
		}
	}
	return nil, fmt.Sprintf("the answer %s is none of the %ss offered. %s", Quote(choice), ref.objectType, severalText(ref, matches))
}

// chooseLinked picks each person to take off a deal among those the deal
// links in that relationship (read by ID, all at once; members from the
// member list): a name can only mean someone linked.
func (o *Org) chooseLinked(ctx context.Context, call *Call, found []search, members []lfclient.Record, membersErr error) {
	var deal *lfclient.Record
	if call.target != nil {
		deal = call.target()
	}
	var contactIDs []string
	for _, ref := range call.refs {
		if ref.removal && ref.objectType == "contact" && deal != nil {
			for _, id := range deal.Relationships[ref.key].Values {
				if !slices.Contains(contactIDs, id) {
					contactIDs = append(contactIDs, id)
				}
			}
		}
	}
	var contacts []lfclient.Record
	var contactsErr error
	if len(contactIDs) > 0 {
		contacts, contactsErr = o.resolve.retrieveAll(ctx, "contact", contactIDs[:min(len(contactIDs), maxAccountContacts)])
	}
	for i, ref := range call.refs {
		if !ref.removal || deal == nil {
			continue
		}
		recs, err := contacts, contactsErr
		if ref.objectType == "member" {
			recs, err = members, membersErr
		}
		if err != nil {
			found[i].err = err
			continue
		}
		linked := deal.Relationships[ref.key].Values
		for _, rec := range recs {
			if slices.Contains(linked, rec.ID) {
				found[i].pool = append(found[i].pool, personCandidate(rec))
			}
		}
		l := &found[i].l
		l.matches, l.how = choosePeople(ref.input, found[i].pool, ref.objectType == "member", []scope{{}})
	}
}

// notLinkedText says that nobody linked matches a person to take off,
// and who is linked.
func notLinkedText(ref reference, linked []Candidate) string {
	if len(linked) == 0 {
		return fmt.Sprintf("nobody is linked to the deal in %s, so there is nobody to take off; leave %s out.", ref.key, Quote(ref.input))
	}
	return fmt.Sprintf("nobody linked to the deal in %s matches %s. Linked now: %s. Send one of them (name, email or ID), or leave it out.", ref.key, Quote(ref.input), describeAll(linked))
}
