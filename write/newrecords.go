package write

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// newRecord is a relationship value given as a small object describing a
// record to find or create: a new customer's account, a new contact.
type newRecord struct {
	ref  reference
	kind *Kind
	// args are the find-or-create call of kind; a contact's $account is
	// the deal's, filled in when it is known.
	args map[string]any
	// placeholder stands in the body until the record's ID is known.
	placeholder string
}

// contactKeys are what a new contact may be described with.
var contactKeys = []string{"firstName", "lastName", "email"}

// maxNewRecords bounds the records one call may describe: each costs a
// search and a write before the deal's.
const maxNewRecords = 5

// CreatedAsDescribed is how a record described in new and created by the
// call is said to have matched.
const CreatedAsDescribed = "created in this call, as described"

// readNewRecord reads a relationship value given as an object: an account
// as its fields ({"$name": …, "$website": …}), a contact as {"firstName",
// "lastName", "email"}. It returns the placeholder the body carries
// until the record exists, "" when the object is refused.
func readNewRecord(ref reference, obj map[string]any, def *lfclient.RelationshipDefinition, call *Call, ps *Problems) string {
	n := newRecord{ref: ref}
	for key, v := range obj {
		if _, ok := v.(string); !ok {
			ps.add(ref.path+"."+key, "must be a string, got %s.", jsonKind(v))
			return ""
		}
	}
	switch {
	case len(call.news) >= maxNewRecords:
		ps.add(ref.path, "is one new record too many: one call describes at most %d; create the others with create_contact or create_account.", maxNewRecords)
		return ""
	case def == nil:
		ps.add(ref.path, "describes a new record, which can be done only once the field definitions load; send the record's ID for now.")
		return ""
	case def.ObjectType == "account":
		name, _ := obj["$name"].(string)
		if strings.TrimSpace(name) == "" {
			ps.add(ref.path, `describes a new account but has no "$name": send {"$name": "Stark Industries", "$website": "stark.example"}, or the existing account's name or ID as a string.`)
			return ""
		}
		n.kind, n.args = Account, map[string]any{"fields": obj}
		n.placeholder = plannedPrefix + "account " + strings.TrimSpace(name) + ")"
	case def.ObjectType == "contact":
		for key := range obj {
			if !slices.Contains(contactKeys, key) {
				ps.add(ref.path+"."+key, "unknown key. A new contact is described by %s; add other details with create_contact.", strings.Join(contactKeys, ", "))
				return ""
			}
		}
		first, _ := obj["firstName"].(string)
		last, _ := obj["lastName"].(string)
		email, _ := obj["email"].(string)
		if strings.TrimSpace(first+last) == "" {
			ps.add(ref.path, `describes a new contact without a name: send {"firstName": "Samir", "lastName": "Khan", "email": "samir@stark.example"} (the email when known).`)
			return ""
		}
		fields := map[string]any{"$name": map[string]any{"firstName": strings.TrimSpace(first), "lastName": strings.TrimSpace(last)}}
		if email = strings.TrimSpace(email); email != "" && !plausibleEmail(email) {
			ps.add(ref.path+".email", "%s is not an email address; send it like samir@stark.example, or leave it out.", Quote(email))
			return ""
		} else if email != "" {
			fields["$email"] = []any{email}
		}
		n.kind, n.args = Contact, map[string]any{"fields": fields}
		n.placeholder = plannedPrefix + "contact " + strings.TrimSpace(first+" "+last) + ")"
	default:
		ps.add(ref.path, "is an object, but only accounts and contacts can be described as new records; give the %s's ID.", def.ObjectType)
		return ""
	}
	call.news = append(call.news, n)
	return n.placeholder
}

// plannedPrefix begins the value that stands for a record described as new
// until it has an ID (in a dry run, for good).
const plannedPrefix = "(the new "

// Planned reports whether a relationship value stands for a record a dry
// run would create: it has no ID yet.
func Planned(value string) bool {
	return strings.HasPrefix(value, plannedPrefix)
}

// writeNew finds or creates the records the call describes as new (on a
// dry run, only finds them), accounts first since a new contact belongs
// to the deal's account, and puts their IDs in the body. Problems in a
// description refuse the call; a record that could not be written fails
// it (Via) before anything else is written.
func (o *Org) writeNew(ctx context.Context, out *Outcome) {
	call := out.Call
	slices.SortStableFunc(call.news, func(a, b newRecord) int {
		return strings.Compare(a.kind.Type, b.kind.Type) // account before contact
	})
	for _, n := range call.news {
		args := n.args
		if n.kind == Contact {
			account := o.dealAccountID(call)
			if account == "" && call.DryRun {
				// The deal's account is new too: nobody can work there yet.
				out.Resolved = append(out.Resolved, newResolution(n, &Outcome{Status: DryRun}))
				continue
			}
			args = map[string]any{"fields": n.args["fields"]}
			if account != "" {
				args["relationships"] = map[string]any{"$account": account}
			}
		}
		args["dryRun"] = call.DryRun
		raw, _ := json.Marshal(args)
		res := Create(ctx, o, n.kind, raw, nil)
		switch res.Status {
		case Existing, Written, DryRun:
		case Refused:
			for _, p := range res.Problems {
				out.Problems.add(n.ref.path, "(the new %s's %s) %s%s", n.kind.Type, strings.TrimPrefix(p.Path, "fields."), p.Message, writtenBefore(out))
			}
			out.Status = Refused
			return // nothing more is written
		case Ambiguous:
			names := make([]string, len(res.Existing))
			for i, rec := range res.Existing {
				names[i] = AccountCandidate(rec).Describe()
				if n.kind == Contact {
					names[i] = ContactCandidate(rec).Describe()
				}
			}
			out.Problems.add(n.ref.path, "%d existing %s match this description: %s. Send the one meant by its ID.%s", len(names), n.kind.Plural, strings.Join(names, "; "), writtenBefore(out))
			out.Status = Refused
			return // nothing more is written
		default:
			out.Status, out.Via = Failed, res
			return
		}
		id, r := n.placeholder, newResolution(n, res)
		switch {
		case res.Record != nil:
			id = res.Record.ID
		case res.RepeatOf != "":
			id = res.RepeatOf
		}
		out.Warnings = append(out.Warnings, res.Warnings...)
		if w := otherName(n, res); w != "" {
			out.Warnings = append(out.Warnings, w)
		}
		setReference(call, n.ref, id)
		out.Resolved = append(out.Resolved, r)
	}
}

// dealAccountID is the deal's account ID once known: the call's, or for
// an update the deal's as read.
func (o *Org) dealAccountID(call *Call) string {
	if account, ok := call.Params.Relationships["$account"].(string); ok && schema.ObjectTypeOfID(account) == "account" {
		return account
	}
	return options(call).dealAccount
}

// newResolution says what became of a record described as new.
func newResolution(n newRecord, res *Outcome) schema.Resolution {
	r := schema.Resolution{Relationship: n.ref.key, Input: n.placeholder, Name: n.name()}
	if res.Record == nil {
		r.ID, r.MatchedBy = n.placeholder, "no match: it would be created (dry run)"
		if res.RepeatOf != "" {
			r.ID, r.MatchedBy = res.RepeatOf, "created earlier by the same description"
		}
		return r
	}
	rec := RecordOf(res.Record)
	c := ContactCandidate(rec)
	if n.kind == Account {
		c = AccountCandidate(rec)
		r.Website = c.Detail
	} else {
		r.Email = c.Detail
	}
	r.ID, r.Name, r.MatchedBy = c.ID, c.Name, CreatedAsDescribed
	if res.Replayed {
		r.MatchedBy = "created by an earlier identical call"
	}
	if res.Status == Existing {
		r.MatchedBy = fmt.Sprintf("an existing %s (same %s), used instead of creating one", n.kind.Type, res.MatchedBy)
	}
	return r
}

// describedRecords replaces each object in a relationship value by the
// placeholder of the new record it describes, and returns the
// placeholders, which are not names to resolve.
func (k *Kind) describedRecords(path, key string, value any, def *lfclient.RelationshipDefinition, call *Call, ps *Problems) (any, []string) {
	if !k.NewRecords {
		return value, nil // an object is refused as a relationship value
	}
	many := def != nil && def.Cardinality == "HAS_MANY"
	var placeholders []string
	read := func(i int, v any) any {
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref := reference{key: key, index: i, path: path, manyValues: many}
		if many {
			ref.path = fmt.Sprintf("%s[%d]", path, i)
		}
		p := readNewRecord(ref, obj, def, call, ps)
		if p == "" {
			p = "(a new record described wrongly)" // refused: the call is not sent
		}
		placeholders = append(placeholders, p)
		return p
	}
	switch v := value.(type) {
	case map[string]any:
		if many {
			return []any{read(0, v)}, placeholders
		}
		return read(0, v), placeholders
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = read(i, item)
		}
		return out, placeholders
	}
	return value, nil
}

// checkNew reads the new argument: by relationship key (or label), an
// account or contact (a list of them for a to-many relationship) to find
// or create and link, beside the relationship's other values.
func (k *Kind) checkNew(value any, defs *lfclient.Definitions, call *Call, ps *Problems) {
	if value == nil || !k.NewRecords {
		return
	}
	described, ok := value.(map[string]any)
	if !ok {
		ps.add("new", `must be an object: relationship key → the new record, e.g. {"$account": {"$name": "Stark Industries", "$website": "stark.example"}}.`)
		return
	}
	for _, input := range sortedKeys(described) {
		path := "new." + input
		key, found := input, defs != nil
		var def lfclient.RelationshipDefinition
		if found {
			key, found = keyOrLabel(input, k.relationshipNames(defs))
			def = defs.RelationshipDefinitions[key]
		}
		if !found || schema.NewRecordSchema(def.ObjectType) == nil {
			ps.add(path, "is not a relationship to an account or a contact, so no new record can be described for it. Keys here are the account and contact relationships of this schema.")
			continue
		}
		have := call.Params.Relationships[key]
		items, many := described[input].([]any)
		if def.Cardinality != "HAS_MANY" && have != nil && call.dropSameName(key, have, described[input]) {
			have = nil // the same record named twice: described wins
		}
		switch {
		case def.Cardinality != "HAS_MANY" && have != nil:
			ps.add(path, "describes the %s, and relationships.%s names %s. Send one: the description here when the person said it is new (then relationships.%s may give the same name or be left out), else only relationships.%s.", Quote(def.Label), key, Quote(fmt.Sprint(have)), key, key)
			continue
		case def.Cardinality != "HAS_MANY" && many:
			ps.add(path, "takes one %s, as an object.", def.ObjectType)
			continue
		case def.Cardinality != "HAS_MANY":
			items = []any{described[input]}
		case !many:
			items = []any{described[input]}
		}
		list, _ := have.([]string)
		for i, item := range items {
			obj, ok := item.(map[string]any)
			p := path
			if def.Cardinality == "HAS_MANY" {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			if !ok {
				ps.add(p, "must be an object describing the new %s.", def.ObjectType)
				continue
			}
			ref := reference{key: key, index: len(list), path: p, manyValues: def.Cardinality == "HAS_MANY"}
			placeholder := readNewRecord(ref, obj, &def, call, ps)
			if placeholder == "" {
				continue
			}
			if ref.manyValues {
				list = append(list, placeholder)
				call.Params.Relationships[key] = list
			} else {
				call.Params.Relationships[key] = placeholder
			}
		}
	}
}

// dropSameName forgets relationships' value for key when it is a name to
// resolve that names the record described (a schema that requires the
// relationship makes models send both): the description stands for it.
func (call *Call) dropSameName(key string, have, described any) bool {
	input, _ := have.(string)
	obj, _ := described.(map[string]any)
	name, _ := obj["$name"].(string)
	if first, ok := obj["firstName"].(string); ok {
		last, _ := obj["lastName"].(string)
		name = first + " " + last
	}
	i := slices.IndexFunc(call.refs, func(r reference) bool { return r.key == key && r.input == input })
	if i < 0 || !sameName(input, name) {
		return false
	}
	call.refs = slices.Delete(call.refs, i, i+1)
	delete(call.Params.Relationships, key)
	return true
}

// otherName warns when an existing record used for a description bears
// another name (an email matched someone else's name): it was linked, and
// the person should check it is the one meant.
func otherName(n newRecord, res *Outcome) string {
	if res.Status != Existing || res.Record == nil {
		return ""
	}
	found := RecordOf(res.Record).Name()
	if sameName(n.name(), found) {
		return ""
	}
	return fmt.Sprintf("%s: the existing %s %s (%s), which has the same %s, was linked although it is named differently; check it is the one meant.", n.ref.path, n.kind.Type, Quote(found), res.Record.ID, res.MatchedBy)
}

// name is the name the record is described with.
func (n newRecord) name() string {
	fields, _ := n.args["fields"].(map[string]any)
	name, _ := fields["$name"].(string)
	if parts, ok := fields["$name"].(map[string]any); ok {
		first, _ := parts["firstName"].(string)
		last, _ := parts["lastName"].(string)
		name = strings.TrimSpace(first + " " + last)
	}
	return name
}

// writtenBefore says which records described in the call were created
// before one of them was refused: they exist, and a corrected call finds
// them instead of writing them again.
func writtenBefore(out *Outcome) string {
	var created []string
	for _, r := range out.Resolved {
		if r.MatchedBy == CreatedAsDescribed {
			created = append(created, fmt.Sprintf("%s (%s)", Quote(r.Name), r.ID))
		}
	}
	if len(created) == 0 {
		return ""
	}
	return " Already created by this call, and found again by a corrected one: " + strings.Join(created, ", ") + "."
}
