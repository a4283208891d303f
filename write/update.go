package write

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// OpportunityUpdate changes an existing deal: its fields and
// relationships as create_opportunity takes them, people added to (or
// taken off) its to-many relationships, and a note or follow-up added.
var OpportunityUpdate = &Kind{
	Object: schema.OpportunityUpdateObject, Plural: "opportunities",
	Args:           &schema.UpdateOpportunityArgs{},
	CheckOptions:   checkUpdateOptions,
	ReadOnlyAdvice: Opportunity.ReadOnlyAdvice,
	FindExisting:   findDeal,
	SearchDecides:  true,
	Updates:        true,
	After:          writeParts,
}

// checkUpdateOptions reads which deal to change and the note and
// follow-up to add to it.
func checkUpdateOptions(args map[string]any, call *Call, ps *Problems) {
	opts := &opportunityOptions{}
	call.Extra = opts
	opts.target = requiredText(textOption(args, "opportunity", ps), "opportunity", "the deal's ID (opp_…) or its name", ps)
	opts.targetAccount = strings.TrimSpace(textOption(args, "account", ps))
	checkParts(args, call, opts, ps)
}

// textOption reads an optional string argument.
func textOption(args map[string]any, key string, ps *Problems) string {
	switch v := args[key].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		ps.add(key, "must be a string, got %s.", jsonKind(v))
		return ""
	}
}

// findDeal finds the deal an update names: by ID, or by its exact name
// (on the given account). Deals this process wrote lately are read by ID
// beside the list, which may not show them yet.
func findDeal(ctx context.Context, o *Org, call *Call) ([]lfclient.Record, error) {
	opts := options(call)
	if schema.ObjectTypeOfID(opts.target) == "opportunity" && lightfieldID.MatchString(opts.target) {
		rec, err := o.client.Retrieve(ctx, "opportunity", opts.target)
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []lfclient.Record{*rec}, nil
	}
	var named, recent []lfclient.Record
	var account lookup
	var errs [3]error
	tasks := []func(){
		func() { named, errs[0] = o.opportunitiesNamed(ctx, opts.target) },
		func() { recent, errs[1] = o.resolve.retrieveAll(ctx, "opportunity", o.recent.ids("opportunity")) },
	}
	if opts.targetAccount != "" {
		tasks = append(tasks, func() { account, errs[2] = o.resolve.findAccount(ctx, opts.targetAccount) })
	}
	Parallel(tasks)
	if errs[0] != nil {
		return nil, errs[0]
	}
	if errs[2] != nil {
		return nil, errs[2]
	}
	// A deal read by ID is fresher than the list's copy of it.
	deals := recent
	for _, rec := range named {
		if !slices.ContainsFunc(deals, func(r lfclient.Record) bool { return r.ID == rec.ID }) {
			deals = append(deals, rec)
		}
	}
	return slices.DeleteFunc(deals, func(r lfclient.Record) bool {
		onAccount := opts.targetAccount == "" || r.Relationships["$account"].Values != nil &&
			slices.ContainsFunc(account.matches, func(c Candidate) bool { return slices.Contains(r.Relationships["$account"].Values, c.ID) }) ||
			slices.Contains(r.Relationships["$account"].Values, opts.targetAccount)
		return foldLabel(r.Name()) != foldLabel(opts.target) || !onAccount
	}), nil
}

// Update changes one existing record of kind k (an Updates kind) from a
// tool call's arguments: it checks them against the organisation's current
// definitions and, at once, reads the record and resolves every name;
// then it sends only what changes, under a key derived from the record's
// version and the change, verifies the answer, and writes what goes
// beside it. A call that changes nothing writes nothing.
func Update(ctx context.Context, o *Org, k *Kind, args json.RawMessage, ask Asker) *Outcome {
	if ask == nil {
		ask = noAsker{}
	}
	out := o.prepare(ctx, k, args, ask)
	if out.Status != ready {
		return out
	}
	switch {
	case unanswered(out.ExistingErr):
		out.Status, out.Err = Unreachable, out.ExistingErr
		return out
	case out.ExistingErr != nil:
		out.Status = Refused
		out.Problems.add("opportunity", "%s could not be read: %s. Nothing was changed.", Quote(options(out.Call).target), listFailure("opportunity", out.ExistingErr))
		return out
	case len(out.Existing) == 0:
		out.Status = Refused
		out.Problems.add("opportunity", "%s", noDealText(options(out.Call)))
		return out
	case len(out.Existing) > 1:
		out.Status = Ambiguous
		return out
	}
	deal := out.Existing[0]
	opts := options(out.Call)
	opts.dealAccount, opts.dealOwner = firstValue(deal, "$account"), firstValue(deal, "$owner")
	if opts.followUp != nil && opts.assignee == "" && opts.dealOwner == "" && out.Call.Params.Relationships["$owner"] == nil {
		out.Status = Refused
		out.Problems.add(AssigneeKey, "is required: the deal has no owner, and a task must be assigned to a member. Give the member by email or name.")
		return out
	}
	if len(out.Call.news) > 0 {
		if o.writeNew(ctx, out); out.Status != ready {
			return out
		}
	}
	o.diff(ctx, out, deal)
	body, _ := json.Marshal(out.Update)
	out.Key = out.Call.IdempotencyKey
	if out.Key == "" {
		version := deal.CreatedAt
		if deal.UpdatedAt != nil {
			version = *deal.UpdatedAt
		}
		out.Key = defaultIdempotencyKey(o.client.KeyFingerprint(), append([]byte("update "+deal.ID+" "+version+"\n"), body...), false)
	}
	out.Record = objectOf(deal)
	switch {
	case out.Call.DryRun:
		o.nameChanges(ctx, out)
		out.Status = DryRun
		return out
	case len(out.changes) == 0 && opts.note == nil && opts.followUp == nil:
		out.Status = Unchanged
		return out
	}
	if len(out.changes) > 0 {
		// The changes are named while the update is under way.
		var naming sync.WaitGroup
		naming.Go(func() { o.nameChanges(ctx, out) })
		obj, err := o.client.Update(ctx, k.Type, deal.ID, *out.Update, out.Key)
		naming.Wait()
		if err != nil {
			out.Status, out.Err = Failed, err
			out.Problems, out.Rechecked = o.recheck(ctx, k, err, args)
			return out
		}
		o.recent.note(k.Type, obj.ID)
		out.Record, out.Warnings = obj, verify(obj, expected(deal, out.Update), out.Defs)
	}
	k.After(ctx, o, out)
	out.Status = Written
	return out
}

// noDealText says that no deal has the name or ID an update gave.
func noDealText(opts *opportunityOptions) string {
	where := ""
	if opts.targetAccount != "" {
		where = " on the account " + Quote(opts.targetAccount)
	}
	if schema.ObjectTypeOfID(opts.target) == "opportunity" {
		return fmt.Sprintf("no deal has the ID %s. Look the deal up with find_opportunities and send its ID.", Quote(opts.target))
	}
	return fmt.Sprintf("no deal is named exactly %s%s. Look it up with find_opportunities (part of the name is enough) and send its ID; to create a new deal, use create_opportunity.", Quote(opts.target), where)
}

// firstValue is a record's first ID in a relationship, "" for none.
func firstValue(rec lfclient.Record, key string) string {
	if values := rec.Relationships[key].Values; len(values) > 0 {
		return values[0]
	}
	return ""
}

// expected is what the deal should hold after the update, as a create
// body, for verify.
func expected(deal lfclient.Record, u *lfclient.UpdateParams) lfclient.CreateParams {
	want := lfclient.CreateParams{Fields: map[string]any{}, Relationships: map[string]any{}}
	for key, v := range u.Fields {
		if v != nil {
			want.Fields[key] = v
		}
	}
	for key, c := range u.Relationships {
		switch {
		case c.Replace != nil && len(*c.Replace) > 0:
			want.Relationships[key] = *c.Replace
		case len(c.Add) > 0:
			want.Relationships[key] = c.Add
		}
	}
	return want
}
