package write

import (
	"fmt"
	"regexp"
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

func (k *Kind) checkRelationships(rels map[string]any, defs *lfclient.Definitions, call *Call, ps *Problems) map[string]any {
	out := map[string]any{}
	if rels == nil {
		return out
	}
	total := 0
	for _, key := range sortedKeys(rels) {
		path := "relationships." + key
		value := rels[key]
		if value == nil {
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
			isRef, ok := checkReference(p, v, def, ps)
			valid = valid && ok
			switch ref := (reference{key: key, index: i, path: p, input: v, manyValues: many}); {
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
	for _, key := range k.RequiredRelationships {
		if _, ok := out[key]; !ok && rels[key] == nil {
			ps.add("relationships."+key, "is required: %s", k.RelationshipHints[key])
		}
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
