package write

import (
	"context"
	"encoding/json"
	"errors"
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
	var deals []lfclient.Record
	var account lookup
	var errs [2]error
	tasks := []func(){func() { deals, errs[0] = o.opportunitiesNamed(ctx, opts.target) }}
	if opts.targetAccount != "" {
		tasks = append(tasks, func() { account, errs[1] = o.resolve.findAccount(ctx, opts.targetAccount) })
	}
	Parallel(tasks)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	on := deals
	if opts.targetAccount != "" {
		on = slices.DeleteFunc(slices.Clone(deals), func(r lfclient.Record) bool {
			ids := r.Relationships["$account"].Values
			return !slices.Contains(ids, opts.targetAccount) && !slices.ContainsFunc(account.matches, func(c Candidate) bool { return slices.Contains(ids, c.ID) })
		})
		if len(on) == 0 {
			opts.elsewhere = deals // said in the refusal: the deal is on another account
		}
		opts.accounts = account.matches
	}
	if len(on) != 1 || o.recent.wrote(on[0].ID) {
		return on, nil
	}
	// A list's copy may be seconds old: the change is worked out from the
	// deal as it is now.
	rec, err := o.client.Retrieve(ctx, "opportunity", on[0].ID)
	if err != nil {
		return nil, err
	}
	return []lfclient.Record{*rec}, nil
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
	case len(out.Existing) > 1 && len(options(out.Call).accounts) > 1:
		out.Status = Refused
		out.Problems.add("account", "%s matches %d accounts: %s. Send the account's ID.", Quote(options(out.Call).targetAccount), len(options(out.Call).accounts), describeAll(options(out.Call).accounts))
		return out
	case len(out.Existing) > 1:
		out.Status = Ambiguous
		out.Named = o.accountNames(ctx, out.Existing)
		return out
	}
	deal := out.Existing[0]
	opts := options(out.Call)
	opts.dealAccount, opts.dealOwner = firstValue(deal, "$account"), firstValue(deal, "$owner")
	if opts.followUp != nil && opts.assignee == "" && opts.dealOwner == "" && out.Call.Params.Relationships["$owner"] == nil {
		out.Status = Refused
		out.Problems.add(AssigneeKey, "%s", assigneeRequired)
		o.membersHint(ctx, out.Problems)
		return out
	}
	if len(out.Call.news) > 0 {
		if o.writeNew(ctx, out); out.Status != ready {
			return out
		}
	}
	o.diff(ctx, out, deal)
	keys := updateKeys(o.client.KeyFingerprint(), out.Call.IdempotencyKey, deal, out.Updates)
	out.Key = keys[0]
	out.Record = objectOf(deal)
	switch {
	case out.Call.DryRun:
		o.nameChanges(ctx, out)
		o.planParts(out, deal.ID)
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
		var obj *lfclient.Object
		var err error
		for i, body := range out.Updates {
			if obj, err = o.client.Update(ctx, k.Type, deal.ID, body, keys[i]); err != nil {
				break
			}
		}
		naming.Wait()
		if err != nil {
			out.Status, out.Err = Failed, err
			out.Problems, out.Rechecked = o.recheck(ctx, k, err, args)
			return out
		}
		o.recent.note(k.Type, RecordOf(obj))
		out.Record, out.Warnings = obj, verify(obj, expected(out.Updates), out.Defs)
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
	if len(opts.elsewhere) > 0 {
		shown := make([]string, len(opts.elsewhere))
		for i, rec := range opts.elsewhere {
			shown[i] = fmt.Sprintf("%s (%s, account %s)", Quote(rec.Name()), Token(rec.ID), Token(firstValue(rec, "$account")))
		}
		return fmt.Sprintf("no deal named %s is on the account %s, but %s: if that is the deal, send its ID.", Quote(opts.target), Quote(opts.targetAccount), strings.Join(shown, "; "))
	}
	return fmt.Sprintf("no deal is named %s%s (case, accents, dashes and spacing aside). Look it up with find_opportunities (part of the name is enough) and send its ID; if the person means a deal not yet in the CRM, that is create_opportunity.", Quote(opts.target), where)
}

// firstValue is a record's first ID in a relationship, "" for none.
func firstValue(rec lfclient.Record, key string) string {
	if values := rec.Relationships[key].Values; len(values) > 0 {
		return values[0]
	}
	return ""
}

// updateKeys derives each update request's Idempotency-Key from the deal's
// version and the request, so that the same change of the same version is
// sent once, and the same change asked again after the deal changed is
// sent again; a key the caller gave stands for the first request.
func updateKeys(fingerprint, given string, deal lfclient.Record, bodies []lfclient.UpdateParams) []string {
	version := deal.CreatedAt
	if deal.UpdatedAt != nil {
		version = *deal.UpdatedAt
	}
	keys := make([]string, len(bodies))
	for i, body := range bodies {
		raw, _ := json.Marshal(body)
		keys[i] = defaultIdempotencyKey(fingerprint, append(fmt.Appendf(nil, "update %s %s %d\n", deal.ID, version, i), raw...), false)
		if given != "" {
			keys[i] = given
			if i > 0 {
				keys[i] = fmt.Sprintf("%.250s-%d", given, i+1)
			}
		}
	}
	return keys
}

// expected is what the deal should hold after the updates, as a create
// body, for verify.
func expected(bodies []lfclient.UpdateParams) lfclient.CreateParams {
	want := lfclient.CreateParams{Fields: map[string]any{}, Relationships: map[string]any{}}
	for _, u := range bodies {
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
	}
	return want
}

// accountNames names the accounts of deals listed to the person, read at
// once by ID; an account that cannot be read is left unnamed.
func (o *Org) accountNames(ctx context.Context, deals []lfclient.Record) map[string]string {
	var ids []string
	for _, d := range deals {
		if id := firstValue(d, "$account"); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	recs, _ := o.resolve.retrieveAll(ctx, "account", ids[:min(len(ids), maxRecentRead)])
	names := map[string]string{}
	for _, rec := range recs {
		names[rec.ID] = AccountCandidate(rec).Describe()
	}
	return names
}
