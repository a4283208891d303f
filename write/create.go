package write

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// Status says what became of a write.
type Status int

// What became of a write. Only Written wrote anything (Failed may have:
// its Err says).
const (
	// Refused: the arguments have Problems; nothing was written.
	Refused Status = iota
	// Asking: the person must answer Questions first; nothing was written.
	Asking
	// Declined: the person declined what Questions offered; nothing was
	// written.
	Declined
	// Unreachable: Lightfield answered none of the look-ups (Err), so no
	// write was sent either.
	Unreachable
	// Duplicate: a record the kind's rule calls the same exists
	// (Duplicate); nothing was written.
	Duplicate
	// Ambiguous: several existing records match (Existing); nothing was
	// written.
	Ambiguous
	// Existing: a record that matches exists and is returned (Record,
	// MatchedBy) instead of writing another.
	Existing
	// DryRun: checked and resolved; nothing was sent.
	DryRun
	// Written: Record is what Lightfield stored (Replayed when an earlier
	// call wrote it), and Parts what was written beside it.
	Written
	// Failed: the write failed (Err; whether it happened, Err says), or a
	// write it needed first did not succeed (Via).
	Failed
	// Unchanged: an update found the record already as asked (Already);
	// nothing was written.
	Unchanged
)

// ready is a call checked and resolved, about to be written: a status
// Create never returns.
const ready Status = -1

// Outcome is what a write did, and all the tools need to say so.
type Outcome struct {
	Kind   *Kind
	Status Status
	Call   *Call
	// Defs are the definitions the call was checked against (nil when
	// none could be fetched), DefsErr why the latest fetch failed.
	Defs    *lfclient.Definitions
	DefsErr error
	// Problems are what to fix (Refused; Failed when fresh definitions
	// refuse the call: then Rechecked is set too). CheckFailed: they came
	// from checking the arguments against the definitions (not from
	// resolving names).
	Problems    Problems
	CheckFailed bool
	Questions   []Question
	// Resolved says how each name, email or ID became a record.
	Resolved []schema.Resolution
	// Key is the write's Idempotency-Key.
	Key string
	// Existing are the records the kind's search found, ExistingErr why
	// the search failed (the write goes on: the key still guards it).
	Existing    []lfclient.Record
	ExistingErr error
	// Duplicate is the record a write would repeat (Duplicate; with a dry
	// run, a warning).
	Duplicate *lfclient.Record
	// RepeatOf is, on a dry run, the ID of the record an earlier call with
	// the same key wrote: sending it would return that record.
	RepeatOf string
	// Record is the record written, replayed or found.
	Record    *lfclient.Object
	Replayed  bool
	MatchedBy string
	// Warnings are values Lightfield did not store as sent.
	Warnings []string
	// Err is why Lightfield did not answer (Unreachable) or the write
	// failed (Failed).
	Err error
	// Rechecked: Lightfield refused a key or option, the definitions were
	// reloaded and the call checked again.
	Rechecked bool
	// Parts are what was written beside the record (After).
	Parts []*Part
	// Via is the outcome of a write this one needed first (a new
	// customer's account) when that one did not succeed.
	Via *Outcome
	// Updates are what an update sends, in order (only what changes; a
	// second request adds people to a relationship the first took people
	// off), Changes each change before → after by label and name, and
	// Already what the call asked that was already so.
	Updates []lfclient.UpdateParams
	Changes []schema.Change
	Already []string
	changes []change
	// Named describes, by ID, records the answer shows (the accounts of
	// deals listed as candidates).
	Named map[string]string
}

// Part is a record written beside another (a deal's note or task).
type Part struct {
	// Name is the argument it came from (note, followUp).
	Name     string
	Kind     *Kind
	Body     lfclient.CreateParams
	Key      string
	Record   *lfclient.Object
	Replayed bool
	Warnings []string
	Err      error
}

// Create writes one record of kind k from a tool call's arguments: it
// checks them against the organisation's current definitions, resolves
// every name (asking the person through ask where the host can), looks
// for the records it would repeat, and creates it under a derived
// Idempotency-Key; the outcome says what happened.
func Create(ctx context.Context, o *Org, k *Kind, args json.RawMessage, ask Asker) *Outcome {
	if ask == nil {
		ask = noAsker{}
	}
	out := o.prepare(ctx, k, args, ask)
	if out.Status == Refused && k.OfferMissing != nil && !out.Call.DryRun && len(out.Problems) == 1 && out.Problems[0].Missing != "" {
		k.OfferMissing(ctx, o, out, ask)
	}
	if out.Status == ready && len(out.Call.news) > 0 {
		o.writeNew(ctx, out)
	}
	if out.Status != ready {
		return out
	}
	body := out.Call.body()
	out.Key = out.Call.IdempotencyKey
	if out.Key == "" {
		out.Key = defaultIdempotencyKey(o.client.KeyFingerprint(), body, out.Call.AllowDuplicate)
	}
	if unanswered(out.ExistingErr) && (!out.Call.DryRun || k.SearchDecides) {
		out.Status, out.Err = Unreachable, out.ExistingErr
		return out
	}
	if k.Judge != nil && out.ExistingErr == nil && !out.Call.AllowDuplicate {
		if k.Judge(o, out); out.Status != ready {
			return out
		}
	}
	if out.Call.DryRun {
		out.Status = DryRun
		if out.RepeatOf == "" {
			out.RepeatOf = o.created.created(out.Key)
		}
		if k.After != nil {
			// The parts it would write beside the record, and which of
			// them an earlier call already wrote.
			dealID := "(the new opportunity's ID)"
			switch {
			case out.RepeatOf != "":
				dealID = out.RepeatOf
			case out.Record != nil:
				dealID = out.Record.ID
			}
			o.planParts(out, dealID)
		}
		return out
	}
	if out.Record == nil {
		w, err := o.send(ctx, k, out.Call.Params, out.Defs, out.Key, out.Existing)
		if err != nil {
			out.Status, out.Err = Failed, err
			out.Problems, out.Rechecked = o.recheck(ctx, k, err, args)
			return out
		}
		out.Record, out.Replayed, out.Warnings = w.obj, w.replayed, w.warnings
	}
	if k.After != nil {
		k.After(ctx, o, out)
	}
	out.Status = Written
	return out
}

// prepare checks a call against the organisation's current definitions of
// k and resolves every name in it, running the kind's search for existing
// records beside the resolution. Its outcome is Refused, Asking or
// Unreachable, or ready to write.
func (o *Org) prepare(ctx context.Context, k *Kind, args json.RawMessage, ask Asker) *Outcome {
	out := &Outcome{Kind: k, Status: ready}
	d := o.defs[k.Type]
	if d != nil {
		out.Defs, out.DefsErr = d.Get(ctx)
	}
	if out.Defs == nil && unanswered(out.DefsErr) {
		// Without definitions no name can be resolved, and a write would
		// not be answered either.
		out.Status, out.Err = Unreachable, out.DefsErr
		return out
	}
	call, ps := Check(k, args, out.Defs)
	if len(ps) > 0 && ps.mayBeStale() && d != nil {
		// The call names something the definitions held do not know: they
		// may be older than the organisation's. Check once more against
		// fresh ones before refusing.
		out.Defs, out.DefsErr = d.refreshUnlessRecent(ctx)
		call, ps = Check(k, args, out.Defs)
	}
	out.Call = &call
	if len(ps) > 0 {
		// The names are looked up all the same, so that one refusal lists
		// everything there is to fix.
		if len(call.refs)+len(call.ids) > 0 {
			_, more, _ := o.resolveReferences(ctx, ask, &call, false)
			ps = append(ps, more...)
		}
		o.membersHint(ctx, ps)
		out.Status, out.Problems, out.CheckFailed = Refused, ps, true
		return out
	}
	var wg sync.WaitGroup
	if k.FindExisting != nil {
		wg.Go(func() { out.Existing, out.ExistingErr = k.FindExisting(ctx, o, &call) })
	}
	if k.Updates {
		// Names of people are looked for at the deal's account, which
		// the record read beside them says.
		call.target = sync.OnceValue(func() *lfclient.Record {
			wg.Wait()
			if len(out.Existing) != 1 {
				return nil
			}
			return &out.Existing[0]
		})
	}
	resolved, ps, questions := o.resolveReferences(ctx, ask, &call, true)
	wg.Wait()
	out.Resolved = resolved
	switch {
	case len(questions) > 0:
		out.Status, out.Questions = Asking, questions
	case len(ps) > 0:
		out.Status, out.Problems = Refused, ps
	}
	return out
}

// body is the exact JSON a write sends.
func (c *Call) body() []byte {
	body, err := json.Marshal(c.Params)
	if err != nil {
		panic(fmt.Sprintf("encode create body: %v", err)) // maps of JSON values always encode
	}
	return body
}

// unanswered reports whether Lightfield answered none of the look-ups (it
// could not be reached, or the call ran out of time): a write would not be
// answered either.
func unanswered(lookupErr error) bool {
	var apiErr *lfclient.Error
	return lookupErr != nil && !errors.As(lookupErr, &apiErr)
}

// recheck checks a call Lightfield refused for a key or option once more,
// against definitions fetched now: the problems found, and whether the
// definitions were reloaded.
func (o *Org) recheck(ctx context.Context, k *Kind, err error, args json.RawMessage) (Problems, bool) {
	var apiErr *lfclient.Error
	d := o.defs[k.Type]
	if d == nil || args == nil || !errors.As(err, &apiErr) || !definitionsSuspect(apiErr) {
		return nil, false
	}
	fresh, ferr := d.Refresh(ctx)
	if ferr != nil {
		return nil, false
	}
	_, ps := Check(k, args, fresh)
	return ps, true
}
