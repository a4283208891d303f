package write

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

func (k *Kind) relationshipNames(defs *lfclient.Definitions) map[string][]string {
	names := map[string][]string{}
	for key, def := range defs.RelationshipDefinitions {
		if k.WritableRelationship(key) {
			names[key] = []string{key, def.Label}
		}
	}
	return names
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// argAt is where the i-th value of a relationship given as value stands:
// at arg itself when it was one value, else at its index in the list.
func argAt(arg []any, value any, i int) []any {
	if _, list := value.([]any); list {
		return append(slices.Clone(arg), i)
	}
	return arg
}

func (k *Kind) checkRelationships(rels map[string]any, defs *lfclient.Definitions, call *Call, ps *Problems) map[string]any {
	out := map[string]any{}
	if rels == nil {
		return out
	}
	total := 0
	for _, key := range sortedKeys(rels) {
		path := "relationships." + key
		value := rels[key]
		arg := []any{"relationships", key}
		if value == nil && !k.Updates {
			continue
		}
		var def *lfclient.RelationshipDefinition
		if defs != nil {
			d, ok := defs.RelationshipDefinitions[key]
			if !ok {
				byLabel, unknown := call.readLabel(path, key, k.relationshipNames(defs), rels, ps)
				switch {
				case unknown && !k.WritableRelationship(key):
					ps.add(path, "%s", k.readOnlyRelationshipText())
				case unknown:
					ps.addUnknown(path, "unknown relationship.%s Known relationships: %s.", suggestion(key, k.relationshipNames(defs)), quoteList(sortedKeys(k.relationshipNames(defs)), 40))
				}
				if byLabel == "" {
					continue
				}
				key, path, d = byLabel, "relationships."+byLabel, defs.RelationshipDefinitions[byLabel]
			}
			def = &d
		}
		if !k.WritableRelationship(key) {
			ps.add(path, "%s", k.readOnlyRelationshipText())
			continue
		}
		if _, twice := out[key]; twice {
			ps.add(path, "names %s a second time (by another spelling of its key or label); send it once.", key)
			continue
		}
		if value == nil {
			switch {
			case slices.Contains(k.Kept, key):
				ps.add(path, "cannot be cleared: every %s has one. Send the new one instead.", k.Type)
			case def != nil && def.Cardinality == "HAS_MANY":
				ps.add(path, "is null, which would take everyone off it. Name the people to take off in remove instead; people given here are added.")
			default:
				out[key] = nil
			}
			continue
		}
		value, described := k.describedRecords(path, key, value, def, call, ps)
		values, ok := relationshipValues(path, value, def, ps)
		if !ok {
			continue
		}
		many := def != nil && def.Cardinality == "HAS_MANY" || def == nil && len(values) > 1
		valid := true
		for i, v := range values {
			p := path
			if many {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			if slices.Contains(described, v) {
				continue // found or created before the write
			}
			isRef, ok := checkReference(p, v, def, ps)
			valid = valid && ok
			switch ref := (reference{key: key, index: i, path: p, arg: argAt(arg, value, i), input: v, manyValues: many, describesNew: k.NewRecords}); {
			case isRef:
				ref.objectType = def.ObjectType
				call.refs = append(call.refs, ref)
			case ok && def != nil && resolvable(def.ObjectType):
				ref.objectType = def.ObjectType
				call.ids = append(call.ids, ref)
			}
		}
		if !valid {
			continue
		}
		total += len(values)
		if many {
			out[key] = values
		} else {
			out[key] = values[0]
		}
	}
	if total > maxRelationshipIDs {
		ps.add("relationships", "carries %d IDs; Lightfield takes at most %d in one create.", total, maxRelationshipIDs)
	}
	return out
}

func relationshipValues(path string, value any, def *lfclient.RelationshipDefinition, ps *Problems) ([]string, bool) {
	var values []string
	switch v := value.(type) {
	case string:
		values = []string{v}
	default:
		var ok bool
		if values, ok = stringArray(value); !ok {
			ps.add(path, "must be a string or an array of strings, got %s.", jsonKind(value))
			return nil, false
		}
	}
	if def != nil && def.Cardinality == "HAS_ONE" && len(values) > 1 {
		ps.add(path, "takes one %s, got %d.", def.ObjectType, len(values))
		return nil, false
	}
	if len(values) == 0 {
		ps.add(path, "is an empty list; leave it out instead.")
		return nil, false
	}
	return values, true
}

// lightfieldID is what an entity ID looks like: a lowercase prefix, an
// underscore, and no spaces.
var lightfieldID = regexp.MustCompile(`^[a-z]+_[A-Za-z0-9_-]+$`)

// checkReference decides whether one relationship value is an ID to send as
// is or a name or email to resolve (isRef), and whether it is acceptable.
func checkReference(path, value string, def *lfclient.RelationshipDefinition, ps *Problems) (isRef, ok bool) {
	if strings.TrimSpace(value) == "" {
		ps.add(path, "is empty; give an ID, a name or an email.")
		return false, false
	}
	if n := utf8.RuneCountInString(value); n > maxReferenceLength {
		ps.add(path, "is %d characters long; an ID, name or email has at most %d.", n, maxReferenceLength)
		return false, false
	}
	if def == nil {
		if lightfieldID.MatchString(value) {
			return false, true
		}
		ps.add(path, "%s is not a Lightfield ID. Names and emails can be resolved only once the field definitions load; send the record's ID for now.", Quote(value))
		return false, false
	}
	prefix := schema.IDPrefix(def.ObjectType)
	switch {
	case prefix != "" && strings.HasPrefix(value, prefix):
		if !lightfieldID.MatchString(value) {
			ps.add(path, "%s is not a valid %s ID.", Quote(value), def.ObjectType)
			return false, false
		}
		return false, true
	case prefix != "" && schema.ObjectTypeOfID(value) != "" && lightfieldID.MatchString(value):
		ps.add(path, "%s is the ID of another kind of record; %s takes the ID of %s %s (%s…).", Quote(value), path, article(def.ObjectType), def.ObjectType, prefix)
		return false, false
	case resolvable(def.ObjectType):
		return true, true
	case lightfieldID.MatchString(value):
		return false, true
	}
	ps.add(path, "%s is not an ID. Records of type %s can only be given by their Lightfield ID.", Quote(value), def.ObjectType)
	return false, false
}

// checkRemovals reads an update's remove argument: per to-many
// relationship (by key or label), the people to take off, each an ID or a
// name or email to resolve like the ones added.
func (k *Kind) checkRemovals(value any, defs *lfclient.Definitions, call *Call, ps *Problems) {
	if value == nil {
		return
	}
	remove, ok := value.(map[string]any)
	if !ok {
		ps.add("remove", "must be an object: relationship key → the people to take off, e.g. {\"$champion\": [\"Sam Lee\"]}.")
		return
	}
	call.Remove = map[string][]string{}
	total := 0
	for _, input := range sortedKeys(remove) {
		path := "remove." + input
		key, found := input, true
		var def lfclient.RelationshipDefinition
		if defs != nil {
			if key, found = keyOrLabel(input, k.relationshipNames(defs)); found {
				def = defs.RelationshipDefinitions[key]
			}
		}
		switch {
		case !found:
			ps.add(path, "unknown relationship. People can be taken off: %s.", quoteList(k.removable(defs), 40))
			continue
		case defs != nil && (def.Cardinality != "HAS_MANY" || slices.Contains(k.Kept, key)):
			ps.add(path, "holds one record: to change it, send the new one in relationships; to clear it, send null there.")
			continue
		}
		values, ok := relationshipValues(path, remove[input], &def, ps)
		if !ok {
			continue
		}
		if _, twice := call.Remove[key]; twice {
			ps.add(path, "names %s a second time (by another spelling of its key or label); send it once.", key)
			continue
		}
		if total += len(values); total > maxRelationshipIDs {
			ps.add(path, "takes the total of people to take off past %d; take off at most %d in one call.", maxRelationshipIDs, maxRelationshipIDs)
			continue
		}
		call.Remove[key] = make([]string, len(values))
		for i, v := range values {
			p := fmt.Sprintf("%s[%d]", path, i)
			isRef, ok := checkReference(p, v, &def, ps)
			ref := reference{key: key, index: i, path: p, arg: argAt([]any{"remove", input}, remove[input], i), input: v, objectType: def.ObjectType, removal: true, set: func(id string) { call.Remove[key][i] = id }}
			switch {
			case isRef:
				call.refs = append(call.refs, ref)
			case ok:
				call.Remove[key][i] = v
				if resolvable(def.ObjectType) {
					call.ids = append(call.ids, ref)
				}
			}
		}
	}
}

// removable are the relationships people can be taken off.
func (k *Kind) removable(defs *lfclient.Definitions) []string {
	var keys []string
	for key, def := range defs.RelationshipDefinitions {
		if def.Cardinality == "HAS_MANY" && k.WritableRelationship(key) && !slices.Contains(k.Kept, key) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}
