// Package write is the write core: it checks a call's arguments against an
// organisation's current definitions, turns names into IDs, looks for the
// records a write would repeat, derives the Idempotency-Key, sends the
// write and verifies what Lightfield stored. It knows nothing of MCP: the
// tools adapt its outcomes to results and word them for the model.
package write

import (
	"context"
	"fmt"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// Kind is what the write core knows of one kind of record it writes: what
// the contract says of it, its own arguments, its duplicate rule and what
// is written beside it.
type Kind struct {
	schema.Object
	// Plural names the collection in scopes and paths: opportunities,
	// accounts.
	Plural string
	// Args points to the struct the tool's input schema is reflected from:
	// its JSON names are the arguments a call may carry. Fields and
	// relationships are the organisation's own, read as maps; the kind's
	// own arguments (besides idempotencyKey and dryRun) CheckOptions reads
	// into Call.Extra.
	Args         any
	CheckOptions func(args map[string]any, call *Call, ps *Problems)
	// NameHint says what to send when $name is left out.
	NameHint string
	// RelationshipHints say what to send for a required relationship.
	RelationshipHints map[string]string
	// ReadOnlyAdvice follows the refusal of a read-only relationship.
	ReadOnlyAdvice string
	// Arguments name, for a part written beside another record (a deal's
	// note or task), the tool argument each body key came from; nil for a
	// record the call is about.
	Arguments map[string]string
	// FindExisting searches for the records this write could repeat
	// (same name…); it runs beside the resolution of names. Nil: none.
	FindExisting func(ctx context.Context, o *Org, call *Call) ([]lfclient.Record, error)
	// SearchDecides: what FindExisting finds decides the outcome (find or
	// create), so even a dry run needs Lightfield to have answered it.
	SearchDecides bool
	// Judge decides, from what FindExisting found, whether the write goes
	// ahead (see Outcome.Existing and Outcome.Duplicate). Nil: it does.
	Judge func(o *Org, out *Outcome)
	// After writes what goes beside the record once it exists (a deal's
	// note and task). Nil: nothing.
	After func(ctx context.Context, o *Org, out *Outcome)
	// Updates: the kind changes an existing record, which FindExisting
	// finds (see Update). Nothing is required, and null clears a value.
	Updates bool
	// OfferMissing handles a call whose only problem is a record named
	// that does not exist yet (a new customer's account): it may ask the
	// person, create the record, and mend the call. Nil: the refusal
	// stands.
	OfferMissing func(ctx context.Context, o *Org, out *Outcome, ask Asker)
}

// readOnlyRelationshipText refuses a relationship that is linked from the
// other record's side.
func (k *Kind) readOnlyRelationshipText() string {
	return fmt.Sprintf("is read-only on %s: it is linked from the other record's side; leave it out.%s", k.Plural, k.ReadOnlyAdvice)
}

// Kinds are the kinds whose definitions an organisation keeps: the ones a
// tool creates from the organisation's own fields.
var Kinds = []*Kind{Opportunity, Account, Contact}
