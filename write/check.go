package write

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// Call is a write's arguments as checked: the exact body to send and the
// options every write has.
type Call struct {
	Params lfclient.CreateParams
	// IdempotencyKey is the caller's own key, "" when not given.
	IdempotencyKey string
	DryRun         bool
	// AllowDuplicate: the person confirmed this is another record though
	// the kind's duplicate rule says it exists (its key then differs).
	AllowDuplicate bool
	// refs are relationship values given by name or email, to resolve.
	refs []reference
	// ids are relationship values given as IDs of accounts, contacts or
	// members, to name in the result.
	ids []reference
	// FieldKeys are fields and relationships given by label.
	FieldKeys []schema.FieldKey
	// Extra holds what the kind's own arguments asked for (its
	// CheckOptions fills it, its hooks read it).
	Extra any
	// Remove are, for an update, the IDs to take off each to-many
	// relationship.
	Remove map[string][]string
	// news are relationship values describing records to find or create.
	news []newRecord
	// target waits for an update's record, as FindExisting read it (nil
	// when it found none or several).
	target func() *lfclient.Record
}

// reference is a relationship value given by name or email.
type reference struct {
	key   string // relationship key
	index int    // position among the key's values
	path  string // argument path for messages
	// arg is where the value stands in the arguments as sent: keys as
	// given (a label, say) and the index when it was given in a list.
	arg        []any
	input      string
	objectType string
	manyValues bool // the relationship holds a list
	// set, for a reference outside relationships (a follow-up's assignee),
	// records the ID it resolved to.
	set func(id string)
	// describesNew: the tool takes new records for this relationship in
	// its new argument, which a refusal may advise.
	describesNew bool
	// removal: a person to take off a deal, looked for among those linked.
	removal bool
}

// Limits on what one call may carry.
const (
	maxArgumentBytes    = 256 << 10
	maxNesting          = 8
	maxStringLength     = 10000 // characters in one field value
	maxReferenceLength  = 200   // characters in a name or email to resolve
	maxArrayItems       = 100
	maxIdempotencyKey   = 255
	maxRelationshipIDs  = 25
	maxSelectLabelsShow = 30
)

// Check checks the raw arguments of a create call against the
// organisation's current definitions of k's object type (nil when none could
// be fetched: then only what every organisation has is checked and the rest
// is left to Lightfield). It returns every problem at once.
func Check(k *Kind, raw json.RawMessage, defs *lfclient.Definitions) (Call, Problems) {
	var call Call
	var ps Problems
	args, err := decodeObject(raw)
	if err != nil {
		ps.add("arguments", "must be a JSON object with fields and relationships (%v)", err)
		return call, ps
	}
	if checkSizes("", args, &ps); len(ps) > 0 {
		return call, ps
	}
	known := map[string][]string{}
	for _, key := range jsonNames(k.Args) {
		known[key] = []string{key}
	}
	for _, key := range sortedKeys(args) {
		if _, ok := known[key]; !ok {
			ps.add(key, "unknown argument.%s The arguments are %s.", k.misplaced(key, defs)+suggestion(key, known), strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
	}

	fields := objectArgument(args, "fields", !k.Updates, &ps)
	rels := objectArgument(args, "relationships", len(k.RequiredRelationships) > 0 && args["new"] == nil, &ps)

	switch v := args["idempotencyKey"].(type) {
	case nil: // absent or null: not given
	case string:
		if v == "" || len(v) > maxIdempotencyKey {
			ps.add("idempotencyKey", "must be 1 to %d characters (has %d); leave it out to use the default key.", maxIdempotencyKey, len(v))
		}
		call.IdempotencyKey = v
	default:
		ps.add("idempotencyKey", "must be a string; leave it out to use the default key.")
	}
	call.DryRun = boolOption(args, "dryRun", &ps)

	call.Params.Fields = k.checkFields(fields, defs, &call, &ps)
	call.Params.Relationships = k.checkRelationships(rels, defs, &call, &ps)
	k.checkNew(args["new"], defs, &call, &ps)
	for _, key := range k.RequiredRelationships {
		if _, ok := call.Params.Relationships[key]; !ok && rels[key] == nil {
			ps.add("relationships."+key, "is required: %s", k.RelationshipHints[key])
		}
	}
	if k.Updates {
		k.checkRemovals(args["remove"], defs, &call, &ps)
	}
	if k.CheckOptions != nil {
		k.CheckOptions(args, &call, &ps)
	}
	if opts := options(&call); k.Updates && len(ps) == 0 && len(call.Params.Fields)+len(call.Params.Relationships)+len(call.Remove) == 0 && opts.note == nil && opts.followUp == nil {
		ps.add("arguments", "ask for no change: send fields, relationships, remove, new, note or followUp with what is to change.")
	}
	return call, ps
}

// readLabel reads an argument key that is no definition key as a label,
// recording which key it meant. It returns "" when the label names no key
// (unknown: the caller says so in its own words) or names a key that is
// also given (the problem is added here).
func (call *Call) readLabel(path, key string, names map[string][]string, given map[string]any, ps *Problems) (byLabel string, unknown bool) {
	byLabel, found := keyByLabel(key, names)
	if !found {
		return "", true
	}
	if _, twice := given[byLabel]; twice {
		ps.add(path, "is the label of %s, which is also given; send it once.", Quote(byLabel))
		return "", false
	}
	call.FieldKeys = append(call.FieldKeys, schema.FieldKey{Input: key, Key: byLabel})
	return byLabel, false
}

// keyOrLabel finds the key input names, as a key or as a label.
func keyOrLabel(input string, names map[string][]string) (string, bool) {
	if _, ok := names[input]; ok {
		return input, true
	}
	return keyByLabel(input, names)
}

// keyByLabel finds the one key whose label is input (case-insensitive,
// spaces collapsed).
func keyByLabel(input string, names map[string][]string) (string, bool) {
	found := ""
	for key, n := range names {
		if len(n) > 1 && foldLabel(n[1]) == foldLabel(input) {
			if found != "" {
				return "", false
			}
			found = key
		}
	}
	return found, found != ""
}

func suggestion(input string, candidates map[string][]string) string {
	near := closest(input, candidates, 3)
	if len(near) == 0 {
		return ""
	}
	named := make([]string, len(near))
	for i, key := range near {
		named[i] = Quote(key)
		if names := candidates[key]; len(names) > 1 && names[1] != key {
			named[i] += " (" + Quote(names[1]) + ")"
		}
	}
	return " Did you mean " + strings.Join(named, " or ") + "?"
}

// misplaced says where an unknown top-level argument belongs when it names
// a field or relationship (stage, "$owner", "Deal Source").
func (k *Kind) misplaced(key string, defs *lfclient.Definitions) string {
	if defs == nil {
		return ""
	}
	for _, input := range []string{key, "$" + key} {
		if field, ok := keyOrLabel(input, k.fieldNames(defs)); ok {
			return fmt.Sprintf(" It is a field: send it inside fields, as fields.%s.", field)
		}
		if rel, ok := keyOrLabel(input, k.relationshipNames(defs)); ok {
			return fmt.Sprintf(" It is a relationship: send it inside relationships, as relationships.%s.", rel)
		}
	}
	return ""
}
