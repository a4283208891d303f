package write

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// Opportunity is a deal: created with its note and follow-up task, and
// refused when one of the same name exists on the same account.
var Opportunity = &Kind{
	Object: schema.OpportunityObject, Plural: "opportunities",
	Args:         &schema.CreateOpportunityArgs{},
	CheckOptions: checkOpportunityOptions,
	NameHint:     "Give the deal a short name, e.g. the account and the product.",
	RelationshipHints: map[string]string{
		"$account": "the account the deal is with, by ID (acc_…) or exact name. For a new customer the person named, send new: {\"$account\": {\"$name\": …, \"$website\": …}} instead: it is created in the same call.",
	},
	ReadOnlyAdvice: " To add a note or a follow-up task, use the note and followUp arguments.",
	FindExisting: func(ctx context.Context, o *Org, call *Call) ([]lfclient.Record, error) {
		if call.AllowDuplicate {
			return nil, nil
		}
		// The look-up needs only the deal's name: it runs beside the
		// resolution of the call's names.
		name, _ := call.Params.Fields["$name"].(string)
		return o.opportunitiesNamed(ctx, name)
	},
	Judge:        judgeOpportunity,
	After:        writeParts,
	OfferMissing: offerAccount,
}

// Notes and tasks are written beside a deal; Lightfield's definitions of
// them are fixed, so none are fetched.
var (
	Note = &Kind{Object: schema.Object{Type: "note"}, Plural: "notes",
		Arguments: map[string]string{"fields.$title": "note.title", "fields.$content": "note.content"}}
	Task = &Kind{Object: schema.Object{Type: "task"}, Plural: "tasks",
		Arguments: map[string]string{"fields.$title": "followUp.title", "fields.$dueAt": "followUp.due", "relationships.$assignedTo": "followUp.assignee"}}
)

// opportunityOptions are create_opportunity's and update_opportunity's
// own arguments: the note and follow-up task written beside the deal, and
// for an update which deal it is.
type opportunityOptions struct {
	note     *lfclient.CreateParams // without its links, set once the deal exists
	followUp *lfclient.CreateParams
	// assignee is the follow-up's member ID once resolved, "" for the
	// deal's owner.
	assignee string
	// target is the deal an update names (ID or name), targetAccount the
	// account that tells same-named deals apart; dealAccount and
	// dealOwner are the deal's as read, for what is written beside it.
	target, targetAccount, dealAccount, dealOwner string
	// elsewhere are deals of the target's name on other accounts than the
	// one the update gave; accounts are the accounts that name matched.
	elsewhere []lfclient.Record
	accounts  []Candidate
}

// AssigneeKey names the follow-up's assignee among a call's resolutions.
const AssigneeKey = "followUp.assignee"

// options are a call's opportunity options (none for another kind).
func options(call *Call) *opportunityOptions {
	if opts, ok := call.Extra.(*opportunityOptions); ok {
		return opts
	}
	return &opportunityOptions{}
}

// checkOpportunityOptions reads allowDuplicate, note and followUp, the
// note and the follow-up decoded into the structs create_opportunity's
// schema is reflected from.
func checkOpportunityOptions(args map[string]any, call *Call, ps *Problems) {
	opts := &opportunityOptions{}
	call.Extra = opts
	call.AllowDuplicate = boolOption(args, "allowDuplicate", ps)
	checkParts(args, call, opts, ps)
}

// checkParts reads the note and the follow-up to write beside the deal.
func checkParts(args map[string]any, call *Call, opts *opportunityOptions, ps *Problems) {
	var note schema.NoteArgs
	if optionInto(args, "note", &note, ps) {
		fields := map[string]any{}
		if title := requiredText(note.Title, "note.title", "a short title for the note", ps); title != "" {
			fields["$title"] = title
		}
		if note.Content != "" {
			fields["$content"] = note.Content
		}
		opts.note = &lfclient.CreateParams{Fields: fields}
	}
	var followUp schema.FollowUpArgs
	if !optionInto(args, "followUp", &followUp, ps) {
		return
	}
	fields := map[string]any{"$status": "TODO"}
	if title := requiredText(followUp.Title, "followUp.title", "what is to be done, e.g. Send the proposal", ps); title != "" {
		fields["$title"] = title
	}
	if followUp.Due != "" {
		if at, err := parseDate(followUp.Due); err == nil {
			fields["$dueAt"] = at
		} else {
			ps.add("followUp.due", "%s is not a date. Send YYYY-MM-DD (e.g. 2026-12-04) or ISO 8601 with offset (2026-12-04T17:00:00+01:00); turn words like Friday into a date first.", Quote(followUp.Due))
		}
	}
	opts.followUp = &lfclient.CreateParams{Fields: fields}
	checkAssignee(followUp.Assignee, call, opts, ps)
}

// assigneeRequired refuses a follow-up nobody would be assigned; the
// refusal then lists the members (see membersHint).
const assigneeRequired = "is required when the deal has no owner: a task must be assigned to a member. Give the member by email or name, or set relationships.$owner."

// membersHint adds the organisation's members to a refusal that needs a
// member the call did not name ("remind me": the model does not know who
// "me" is), from the member list the definitions bring.
func (o *Org) membersHint(ctx context.Context, ps Problems) {
	for i, p := range ps {
		if p.Path != AssigneeKey || p.Message != assigneeRequired {
			continue
		}
		members, err := o.resolve.members.all(ctx, o.client)
		if err != nil || len(members) == 0 {
			return
		}
		shown := make([]string, 0, min(len(members), maxMembersShown))
		for _, m := range members[:min(len(members), maxMembersShown)] {
			shown = append(shown, personCandidate(m).Describe())
		}
		ps[i].Message += fmt.Sprintf(" The members are: %s. If the person said \"me\", ask which one they are.", strings.Join(shown, "; "))
		if len(members) > maxMembersShown {
			ps[i].Message += " (first " + fmt.Sprint(maxMembersShown) + " of " + fmt.Sprint(len(members)) + "; find_people finds the others.)"
		}
	}
}

// maxMembersShown bounds the members a refusal lists.
const maxMembersShown = 10

// checkAssignee reads the follow-up's assignee: a member by ID, or by a
// name or email to resolve; the deal's owner when left out.
func checkAssignee(assignee string, call *Call, opts *opportunityOptions, ps *Problems) {
	if assignee == "" {
		// An update learns whether the deal has an owner once it is read.
		if _, ok := call.Params.Relationships["$owner"]; !ok && !has(*ps, AssigneeKey) && opts.target == "" {
			ps.add(AssigneeKey, "%s", assigneeRequired)
		}
		return
	}
	def := &lfclient.RelationshipDefinition{ObjectType: "member", Cardinality: "HAS_ONE"}
	isRef, ok := checkReference(AssigneeKey, assignee, def, ps)
	ref := reference{key: AssigneeKey, path: AssigneeKey, arg: []any{"followUp", "assignee"}, input: assignee, objectType: "member", set: func(id string) { opts.assignee = id }}
	switch {
	case isRef:
		call.refs = append(call.refs, ref)
	case ok:
		opts.assignee = assignee
		call.ids = append(call.ids, ref)
	}
}

// optionWords say what each key of the note and the follow-up must be.
var optionWords = map[string]string{
	"title":    "a string",
	"content":  "a string (markdown)",
	"due":      "a string (YYYY-MM-DD)",
	"assignee": "a string (a member's email, name or ID)",
}

// optionInto decodes the optional object argument key into the struct v
// points to; false when it is absent or not an object.
func optionInto(args map[string]any, key string, v any, ps *Problems) bool {
	switch obj := args[key].(type) {
	case nil:
		return false
	case map[string]any:
		decodeInto(obj, key, v, func(k string, value any) string {
			return fmt.Sprintf("must be %s, got %s.", optionWords[k], jsonKind(value))
		}, ps)
		return true
	default:
		ps.add(key, "must be an object {%s}, got %s.", strings.Join(slices.Sorted(slices.Values(jsonNames(v))), ", "), jsonKind(obj))
		return false
	}
}

// requiredText is a required, non-blank string.
func requiredText(s, path, what string, ps *Problems) string {
	if strings.TrimSpace(s) == "" {
		if !has(*ps, path) {
			ps.add(path, "is required: %s.", what)
		}
		return ""
	}
	return strings.TrimSpace(s)
}

// PartBodies are the note's and the task's bodies, linked to the deal
// (oppID) and its account; nil for those the call did not ask for.
func PartBodies(call *Call, oppID string) (note, task *lfclient.CreateParams) {
	opts := options(call)
	account, _ := call.Params.Relationships["$account"].(string)
	if account == "" {
		account = opts.dealAccount
	}
	links := map[string]any{"$opportunity": oppID, "$account": account}
	if n := opts.note; n != nil {
		note = &lfclient.CreateParams{Fields: n.Fields, Relationships: links}
	}
	if t := opts.followUp; t != nil {
		assignee := opts.assignee
		if assignee == "" {
			assignee, _ = call.Params.Relationships["$owner"].(string)
		}
		if assignee == "" {
			assignee = opts.dealOwner
		}
		task = &lfclient.CreateParams{Fields: t.Fields, Relationships: map[string]any{"$opportunity": oppID, "$account": account, "$assignedTo": assignee}}
	}
	return note, task
}

// writeParts writes the note and the follow-up task once the deal exists,
// each under a key derived from its body (which names the deal), so that
// repeating the call replays a part already written and writes a missing
// one once.
func writeParts(ctx context.Context, o *Org, out *Outcome) {
	o.planParts(out, out.Record.ID)
	var tasks []func()
	for _, p := range out.Parts {
		tasks = append(tasks, func() {
			w, err := o.send(ctx, p.Kind, p.Body, nil, p.Key, nil)
			if err != nil {
				p.Err = err
				return
			}
			p.Record, p.Replayed, p.Warnings = w.obj, w.replayed, w.warnings
		})
	}
	Parallel(tasks)
	if slices.ContainsFunc(out.Parts, func(p *Part) bool { return p.Record != nil }) {
		// The deal's own answer predates its note and task: read it again
		// to show them linked (and what Lightfield filled in meanwhile).
		if rec, err := o.client.Retrieve(ctx, "opportunity", out.Record.ID); err == nil {
			out.Record = objectOf(*rec)
		}
	}
}

// planParts puts in out.Parts the note and task to write beside the deal
// dealID, each with the key derived from its body. A part this process
// knows an earlier call wrote under that key carries it as Record (with
// its ID only): a dry run says it would not be added again.
func (o *Org) planParts(out *Outcome, dealID string) {
	note, task := PartBodies(out.Call, dealID)
	out.Parts = nil
	if note != nil {
		out.Parts = append(out.Parts, &Part{Name: "note", Kind: Note, Body: *note})
	}
	if task != nil {
		out.Parts = append(out.Parts, &Part{Name: "followUp", Kind: Task, Body: *task})
	}
	for _, p := range out.Parts {
		raw, _ := json.Marshal(p.Body)
		p.Key = defaultIdempotencyKey(o.client.KeyFingerprint(), raw, false)
		if id := o.created.created(p.Key); id != "" && out.Call.DryRun {
			p.Record = &lfclient.Object{ID: id}
		}
	}
}

// judgeOpportunity refuses a deal whose name is taken on the same account,
// unless the call repeats the write that made it. A deal that exists as
// the call describes it, with a note or task to add, is the deal itself:
// an earlier call wrote it and failed on a part (maybe on another replica,
// which this process's memory of keys does not cover); the parts are
// added to it.
func judgeOpportunity(o *Org, out *Outcome) {
	account, _ := out.Call.Params.Relationships["$account"].(string)
	opts := options(out.Call)
	switch dup := duplicateOn(out.Existing, account); {
	case dup == nil:
	case (opts.note != nil || opts.followUp != nil) && len(verify(objectOf(*dup), out.Call.Params, out.Defs)) == 0:
		out.Record, out.Replayed = objectOf(*dup), true
	case !o.created.replays(out.Key, dup):
		out.Duplicate = dup
		if !out.Call.DryRun {
			out.Status = Duplicate
		}
	default:
		out.RepeatOf = dup.ID
	}
}

// maxDuplicatePages bounds the search for an existing opportunity.
const maxDuplicatePages = 4

// opportunitiesNamed returns the opportunities whose name has the same
// words as name (case, accents, dashes, punctuation and spacing aside), on
// any account: the duplicate look-up needs only the name, so it runs
// beside the account's resolution, and duplicateOn then filters by
// account. Lightfield's lists compare whole names, so two searches go out
// at once: the name as given, and names starting with its first word
// ("Acme Rockets - Telemetry" for "Acme Rockets – Telemetry"); the deals
// this process wrote lately, which lists may not show yet, are read by ID
// beside them.
func (o *Org) opportunitiesNamed(ctx context.Context, name string) ([]lfclient.Record, error) {
	same := func(r lfclient.Record) bool { return sameName(r.Name(), name) }
	var found [3][]lfclient.Record
	var errs [3]error
	tasks := []func(){
		func() {
			found[0], errs[0] = o.recentLike(ctx, "opportunity", []string{"name:" + strings.Join(nameWords(name), " ")}, same)
		},
		func() {
			found[1], errs[1] = o.listWhere(ctx, "opportunity", lfclient.Filter{Key: "$name", Operator: "equal", Value: name}, same)
		},
	}
	if word := firstWord(name); word != "" && !strings.EqualFold(word, strings.TrimSpace(name)) {
		// One page: a name spelled another way is a likely neighbour, and
		// this search must not lengthen the call's round trips.
		tasks = append(tasks, func() {
			page, err := o.client.List(ctx, "opportunity", []lfclient.Filter{{Key: "$name", Operator: "startsWith", Value: word}}, lfclient.MaxPageSize, 0)
			if errs[2] = err; err == nil {
				found[2] = slices.DeleteFunc(page.Data, func(r lfclient.Record) bool { return !same(r) })
			}
		})
	}
	Parallel(tasks)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return unionRecords(found[:]...), nil
}

// sameName reports whether two names have the same words, whatever stands
// between them.
func sameName(a, b string) bool {
	return slices.Equal(nameWords(a), nameWords(b))
}

// listWhere lists the records of objectType that filter selects (up to
// maxDuplicatePages pages) and keeps those keep accepts.
func (o *Org) listWhere(ctx context.Context, objectType string, filter lfclient.Filter, keep func(lfclient.Record) bool) ([]lfclient.Record, error) {
	var out []lfclient.Record
	for page := 0; page < maxDuplicatePages; page++ {
		p, err := o.client.List(ctx, objectType, []lfclient.Filter{filter}, lfclient.MaxPageSize, page*lfclient.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, rec := range p.Data {
			if keep(rec) {
				out = append(out, rec)
			}
		}
		if len(p.Data) < lfclient.MaxPageSize {
			break
		}
	}
	return out, nil
}

// duplicateOn returns the first of same that is on account, or nil.
func duplicateOn(same []lfclient.Record, account string) *lfclient.Record {
	for i, rec := range same {
		if account != "" && slices.Contains(rec.Relationships["$account"].Values, account) {
			return &same[i]
		}
	}
	return nil
}

// newAccountQuestion names the question put when a deal's account does not
// exist.
const newAccountQuestion = "createAccount"

// CreatedInThisCall is how a deal's account created after the person
// agreed is said to have matched.
const CreatedInThisCall = "created in this call"

// offerAccount handles a deal whose account does not exist yet: when the
// person was asked and agreed, the account is created (or found, if it
// appeared meanwhile) and the deal goes on with it; when the host can ask,
// the question is put; otherwise the refusal stands (it names
// create_account).
func offerAccount(ctx context.Context, o *Org, out *Outcome, ask Asker) {
	name := out.Problems[0].Missing
	answer := ask.Answer(newAccountQuestion)
	switch {
	case answer == nil && ask.CanAsk():
		out.Status, out.Questions = Asking, []Question{{Key: newAccountQuestion,
			Message: fmt.Sprintf("No account named %s exists in Lightfield. Create it, and then the deal?", Quote(name)),
			Schema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"create":  map[string]any{"type": "boolean", "title": "Create the account " + name},
					"website": map[string]any{"type": "string", "title": "Its website (optional; Lightfield enriches accounts that have one)"},
				},
				"required": []string{"create"},
			}}}
		return
	case answer == nil:
		return
	}
	if create, _ := answer.Content["create"].(bool); !answer.Accepted || !create {
		out.Status = Declined
		return
	}
	fields := map[string]any{"$name": name}
	if website, _ := answer.Content["website"].(string); strings.TrimSpace(website) != "" {
		fields["$website"] = strings.TrimSpace(website)
	}
	args, _ := json.Marshal(map[string]any{"fields": fields})
	account := Create(ctx, o, Account, args, nil)
	if account.Status != Existing && account.Status != Written {
		out.Status, out.Via = Failed, account // nothing exists to link
		return
	}
	r := accountResolution(account)
	r.Input = name
	if r.MatchedBy == "created" {
		r.MatchedBy = CreatedInThisCall
	}
	out.Call.Params.Relationships["$account"] = r.ID
	out.Resolved = append([]schema.Resolution{r}, out.Resolved...)
	out.Status, out.Problems = ready, nil
}
