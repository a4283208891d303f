package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// checkedCall is a create call that passed checking: the exact body to
// send and the tool's options.
type checkedCall struct {
	params lfclient.CreateParams
	// idempotencyKey is the caller's own key, "" when not given.
	idempotencyKey string
	dryRun         bool
	// refs are relationship values given by name or email, to resolve.
	refs []reference
	// ids are relationship values given as IDs of accounts, contacts or
	// members, to name in the result.
	ids []reference
	// fieldKeys are fields and relationships given by label.
	fieldKeys []schema.FieldKey
	// extra holds what the object's own arguments asked for
	// (create_opportunity's allowDuplicate, note and follow-up).
	extra opportunityExtras
}

// reference is a relationship value given by name or email.
type reference struct {
	key        string // relationship key
	index      int    // position among the key's values
	path       string // argument path for messages
	input      string
	objectType string
	manyValues bool // the relationship holds a list
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

// checkCall checks the raw arguments of a create call against the
// organisation's current definitions of k's object type (nil when none could
// be fetched: then only what every organisation has is checked and the rest
// is left to Lightfield). It returns every problem at once.
func checkCall(k *createKind, raw json.RawMessage, defs *lfclient.Definitions) (checkedCall, problems) {
	var call checkedCall
	var ps problems
	args, err := decodeObject(raw)
	if err != nil {
		ps.add("arguments", "must be a JSON object with fields and relationships (%v)", err)
		return call, ps
	}
	if checkSizes("", args, &ps); len(ps) > 0 {
		return call, ps
	}
	known := map[string][]string{}
	for _, key := range append([]string{"fields", "relationships", "idempotencyKey", "dryRun"}, k.options...) {
		known[key] = []string{key}
	}
	for _, key := range sortedKeys(args) {
		if _, ok := known[key]; !ok {
			ps.add(key, "unknown argument.%s The arguments are %s.", suggestion(key, known), strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
	}

	fields := objectArgument(args, "fields", true, &ps)
	rels := objectArgument(args, "relationships", len(k.RequiredRelationships) > 0, &ps)

	switch v := args["idempotencyKey"].(type) {
	case nil: // absent or null: not given
	case string:
		if v == "" || len(v) > maxIdempotencyKey {
			ps.add("idempotencyKey", "must be 1 to %d characters (has %d); leave it out to use the default key.", maxIdempotencyKey, len(v))
		}
		call.idempotencyKey = v
	default:
		ps.add("idempotencyKey", "must be a string; leave it out to use the default key.")
	}
	call.dryRun = boolOption(args, "dryRun", &ps)

	call.params.Fields = k.checkFields(fields, defs, &call, &ps)
	call.params.Relationships = k.checkRelationships(rels, defs, &call, &ps)
	if k.checkOptions != nil {
		k.checkOptions(args, &call, &ps)
	}
	return call, ps
}

// boolOption reads an optional boolean; null means not given.
func boolOption(args map[string]any, key string, ps *problems) bool {
	switch v := args[key].(type) {
	case nil:
		return false
	case bool:
		return v
	}
	ps.add(key, "must be true or false.")
	return false
}

// decodeObject decodes a JSON object keeping numbers exact, refusing input
// too large or too deeply nested to be a real call.
func decodeObject(raw []byte) (map[string]any, error) {
	if len(raw) > maxArgumentBytes {
		return nil, fmt.Errorf("%d bytes is more than the %d a call may carry", len(raw), maxArgumentBytes)
	}
	if depth := nesting(raw); depth > maxNesting {
		return nil, fmt.Errorf("nested %d levels deep; at most %d", depth, maxNesting)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("got null")
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the object")
	}
	return m, nil
}

// checkSizes refuses strings and arrays larger than any real value, wherever
// they are.
func checkSizes(path string, value any, ps *problems) {
	at := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	switch v := value.(type) {
	case string:
		if n := utf8.RuneCountInString(v); n > maxStringLength {
			ps.add(path, "is %d characters long; at most %d.", n, maxStringLength)
		}
	case []any:
		if len(v) > maxArrayItems {
			ps.add(path, "has %d items; at most %d.", len(v), maxArrayItems)
			return
		}
		for i, item := range v {
			checkSizes(fmt.Sprintf("%s[%d]", path, i), item, ps)
		}
	case map[string]any:
		for _, k := range sortedKeys(v) {
			checkSizes(at(k), v[k], ps)
		}
	}
}

// nesting returns the deepest nesting of objects and arrays in JSON text.
func nesting(raw []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// objectArgument reads fields or relationships. Some clients send an object
// argument as a string holding its JSON; that string is decoded.
func objectArgument(args map[string]any, key string, required bool, ps *problems) map[string]any {
	switch v := args[key].(type) {
	case map[string]any:
		return v
	case string:
		if obj, err := decodeObject([]byte(v)); err == nil {
			return obj
		}
		ps.add(key, "must be a JSON object, got a string that is not one.")
	case nil:
		if required {
			ps.add(key, "is required: an object of %s.", map[string]string{"fields": "field values ($name, …)", "relationships": "related records ($account, …) by ID, name or email"}[key])
		}
	default:
		ps.add(key, "must be a JSON object, got %s.", jsonKind(v))
	}
	return nil
}

func (k *createKind) checkFields(fields map[string]any, defs *lfclient.Definitions, call *checkedCall, ps *problems) map[string]any {
	out := map[string]any{}
	if fields == nil {
		return out
	}
	for _, key := range sortedKeys(fields) {
		path := "fields." + key
		value := fields[key]
		if value == nil {
			continue // null clears a field; on create that is the same as leaving it out
		}
		if defs == nil {
			if v, ok := k.checkWithoutDefinitions(path, key, value, ps); ok {
				out[key] = v
			}
			continue
		}
		def, ok := defs.FieldDefinitions[key]
		if !ok {
			byLabel, unknown := call.readLabel(path, key, k.fieldNames(defs), fields, ps)
			if _, isRelationship := keyOrLabel(key, k.relationshipNames(defs)); unknown && isRelationship {
				ps.add(path, "is a relationship, not a field: send it inside relationships, not inside fields.")
				continue
			}
			if unknown {
				ps.addUnknown(path, "unknown field.%s Known writable fields: %s.", suggestion(key, k.fieldNames(defs)), quoteList(sortedKeys(k.fieldNames(defs)), 40))
			}
			if byLabel == "" {
				continue
			}
			key, path, def = byLabel, "fields."+byLabel, defs.FieldDefinitions[byLabel]
		}
		if !k.WritableField(key, def) {
			ps.add(path, "%s is read-only (set by Lightfield); leave it out.", quote(def.Label))
			continue
		}
		if v, ok := checkValue(path, def, value, ps); ok {
			out[key] = v
		}
	}
	for _, key := range k.RequiredFields {
		if _, ok := out[key]; !ok && fields[key] == nil {
			ps.add("fields."+key, "is required.%s", k.requiredHint(key, defs))
		}
	}
	return out
}

// requiredHint says what to send for a required field left out.
func (k *createKind) requiredHint(key string, defs *lfclient.Definitions) string {
	switch key {
	case "$name":
		return " " + k.nameHint
	case "$stage":
		if defs != nil {
			if def, ok := defs.FieldDefinitions["$stage"]; ok {
				return " One of: " + quoteList(optionLabels(def), maxSelectLabelsShow) + "."
			}
		}
		return " Give the pipeline stage's label."
	}
	return ""
}

// checkWithoutDefinitions checks the fields every organisation has; other
// values go to Lightfield as given.
func (k *createKind) checkWithoutDefinitions(path, key string, value any, ps *problems) (any, bool) {
	if slices.Contains(k.RequiredFields, key) {
		s, ok := value.(string)
		if !ok || strings.TrimSpace(s) == "" {
			ps.add(path, "must be a non-empty string.")
			return nil, false
		}
		return s, true
	}
	return plainJSON(value), true
}

func (k *createKind) fieldNames(defs *lfclient.Definitions) map[string][]string {
	names := map[string][]string{}
	for key, def := range defs.FieldDefinitions {
		if k.WritableField(key, def) {
			names[key] = []string{key, def.Label}
		}
	}
	return names
}

func (k *createKind) relationshipNames(defs *lfclient.Definitions) map[string][]string {
	names := map[string][]string{}
	for key, def := range defs.RelationshipDefinitions {
		if k.WritableRelationship(key) {
			names[key] = []string{key, def.Label}
		}
	}
	return names
}

// readLabel reads an argument key that is no definition key as a label,
// recording which key it meant. It returns "" when the label names no key
// (unknown: the caller says so in its own words) or names a key that is
// also given (the problem is added here).
func (call *checkedCall) readLabel(path, key string, names map[string][]string, given map[string]any, ps *problems) (byLabel string, unknown bool) {
	byLabel, found := keyByLabel(key, names)
	if !found {
		return "", true
	}
	if _, twice := given[byLabel]; twice {
		ps.add(path, "is the label of %s, which is also given; send it once.", quote(byLabel))
		return "", false
	}
	call.fieldKeys = append(call.fieldKeys, schema.FieldKey{Input: key, Key: byLabel})
	return byLabel, false
}

// keyOrLabel finds the key input names, as a key or as a label.
func keyOrLabel(input string, names map[string][]string) (string, bool) {
	if _, ok := names[input]; ok {
		return input, true
	}
	return keyByLabel(input, names)
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
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
		named[i] = quote(key)
		if names := candidates[key]; len(names) > 1 && names[1] != key {
			named[i] += " (" + quote(names[1]) + ")"
		}
	}
	return " Did you mean " + strings.Join(named, " or ") + "?"
}

var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

// bareDomain is a web address given without its scheme: hooli.example,
// www.hooli.example/about.
var bareDomain = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/\S*)?$`)

// withScheme makes a bare domain a URL (https://…), as people mean it; any
// other value is sent as given.
func withScheme(s string) string {
	s = strings.TrimSpace(s)
	if bareDomain.MatchString(s) {
		return "https://" + s
	}
	return s
}

// checkValue checks one field value against its definition and returns the
// value to send.
func checkValue(path string, def lfclient.FieldDefinition, value any, ps *problems) (any, bool) {
	bad := func(format string, args ...any) (any, bool) {
		ps.add(path, format, args...)
		return nil, false
	}
	switch def.ValueType {
	case lfclient.TypeText, lfclient.TypeSocialHandle:
		s, ok := value.(string)
		if !ok {
			return bad("must be a string, got %s.", jsonKind(value))
		}
		if path == "fields.$name" {
			// Spaces around a deal's name are never meant, and would hide
			// a duplicate from Lightfield's exact-name filter.
			if s = strings.TrimSpace(s); s == "" {
				return bad("must not be empty.")
			}
		}
		return s, true
	case lfclient.TypeNumber, lfclient.TypeCurrency:
		n, why := number(value)
		if why != "" {
			return bad("%s Send a plain number such as 40000.", why)
		}
		return n, true
	case lfclient.TypeDatetime:
		s, ok := value.(string)
		if !ok {
			return bad("must be a date string, got %s. Send YYYY-MM-DD or an ISO 8601 date-time with offset.", jsonKind(value))
		}
		t, err := parseDate(s)
		if err != nil {
			return bad("%s is not a date Lightfield accepts. Send YYYY-MM-DD (taken as 12:00 UTC that day) or an ISO 8601 date-time with offset such as 2026-03-31T17:00:00+00:00.", quote(s))
		}
		return t, true
	case lfclient.TypeCheckbox:
		b, ok := value.(bool)
		if !ok {
			return bad("must be true or false, got %s.", jsonKind(value))
		}
		return b, true
	case lfclient.TypeEmail, lfclient.TypeURL:
		web := func(s string) string {
			if def.ValueType == lfclient.TypeURL {
				return withScheme(s)
			}
			return s
		}
		if s, ok := value.(string); ok {
			if def.TypeConfiguration.MultipleValues {
				// A field of several values is sent as a list, as the
				// contract's typed body declares it ($website).
				return []string{web(s)}, true
			}
			return web(s), true
		}
		if items, ok := stringArray(value); ok {
			for i := range items {
				items[i] = web(items[i])
			}
			return items, true
		}
		return bad("must be a string or an array of strings, got %s.", jsonKind(value))
	case lfclient.TypeTelephone:
		if s, ok := value.(string); ok {
			return []string{s}, true
		}
		if items, ok := stringArray(value); ok {
			return items, true
		}
		return bad("must be an array of phone numbers (strings), got %s.", jsonKind(value))
	case lfclient.TypeAddress:
		return checkAddress(path, value, ps)
	case lfclient.TypeFullName:
		obj, ok := value.(map[string]any)
		if !ok {
			return bad("must be an object {\"firstName\": …, \"lastName\": …}, got %s.", jsonKind(value))
		}
		return checkObjectKeys(path, obj, map[string]string{"firstName": "string", "lastName": "string"}, ps)
	case lfclient.TypeSingleSelect:
		s, ok := value.(string)
		if !ok {
			return bad("must be one option label (a string), got %s. Options: %s.", jsonKind(value), quoteList(optionLabels(def), maxSelectLabelsShow))
		}
		id, msg, notFound := matchOption(def, s)
		if msg != "" {
			if notFound {
				ps.addUnknown(path, "%s", msg)
				return nil, false
			}
			return bad("%s", msg)
		}
		return id, true
	case lfclient.TypeMultiSelect:
		var items []string
		switch v := value.(type) {
		case string:
			items = []string{v} // one value for a multi-select is a one-element list
		default:
			var ok bool
			if items, ok = stringArray(value); !ok {
				return bad("must be an array of option labels, got %s. Options: %s.", jsonKind(value), quoteList(optionLabels(def), maxSelectLabelsShow))
			}
		}
		ids := make([]string, 0, len(items))
		valid := true
		for i, item := range items {
			id, msg, notFound := matchOption(def, item)
			if msg != "" {
				if notFound {
					ps.addUnknown(fmt.Sprintf("%s[%d]", path, i), "%s", msg)
				} else {
					ps.add(fmt.Sprintf("%s[%d]", path, i), "%s", msg)
				}
				valid = false
				continue
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		return ids, valid
	}
	// A value type this version does not know: Lightfield judges the value.
	return plainJSON(value), true
}

// matchOption finds the option a label (case-insensitive, spaces collapsed)
// or an option ID names, and returns its ID, or a message for the model and
// whether no option matched at all.
func matchOption(def lfclient.FieldDefinition, s string) (string, string, bool) {
	want := foldLabel(s)
	var matches []lfclient.SelectOption
	for _, o := range def.TypeConfiguration.Options {
		if o.ID == s {
			return o.ID, "", false
		}
		if foldLabel(o.Label) == want {
			matches = append(matches, o)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0].ID, "", false
	case 0:
		return "", fmt.Sprintf("%s is not an option of %s. Use one of: %s.", quote(s), quote(def.Label), quoteList(optionLabels(def), maxSelectLabelsShow)), true
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.ID
	}
	return "", fmt.Sprintf("%s matches %d options of %s; send one of their option IDs instead: %s.", quote(s), len(matches), quote(def.Label), quoteList(ids, 10)), false
}

func foldLabel(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func optionLabels(def lfclient.FieldDefinition) []string {
	labels := make([]string, len(def.TypeConfiguration.Options))
	for i, o := range def.TypeConfiguration.Options {
		labels[i] = o.Label
	}
	return labels
}

// number accepts a JSON number or a string holding exactly one (some models
// quote numbers); anything else, "$40k" included, is refused rather than
// guessed, with a sentence for the model saying why.
func number(value any) (float64, string) {
	var text string
	switch v := value.(type) {
	case json.Number:
		text = v.String()
	case string:
		text = strings.TrimSpace(v)
	default:
		return 0, fmt.Sprintf("must be a number, got %s.", jsonKind(value))
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Sprintf("%s is not a plain number.", quote(text))
	}
	if math.Abs(f) > 1<<53-1 {
		return 0, fmt.Sprintf("%s is beyond the range Lightfield stores exactly.", quote(text))
	}
	if math.Abs(f*100-math.Round(f*100)) > 1e-6*math.Max(1, math.Abs(f*100)) {
		return 0, fmt.Sprintf("%s has more than 2 decimals.", quote(text))
	}
	return f, ""
}

// lightfieldTime is how DATETIME values are sent: always with an explicit
// offset, never "Z" and never without one.
const lightfieldTime = "2006-01-02T15:04:05.999999999-07:00"

// dateOnlyHour is the hour (UTC) a plain date is sent at: at noon UTC the
// date is the same from UTC-11 to UTC+11, so "closing March 31" shows as
// March 31 in the Americas, Europe and Asia alike (midnight UTC would show
// March 30 anywhere west of Greenwich).
const dateOnlyHour = 12

func parseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(dateOnlyHour * time.Hour).Format(lightfieldTime), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", err
	}
	return t.Format(lightfieldTime), nil
}

func checkAddress(path string, value any, ps *problems) (any, bool) {
	obj, ok := value.(map[string]any)
	if !ok {
		ps.add(path, "must be an object with any of street, street2, city, state, postalCode, country, latitude, longitude; got %s.", jsonKind(value))
		return nil, false
	}
	out, valid := checkObjectKeys(path, obj, map[string]string{
		"street": "string", "street2": "string", "city": "string", "state": "string",
		"postalCode": "string", "country": "string", "latitude": "number", "longitude": "number",
	}, ps)
	if !valid {
		return nil, false
	}
	if c, ok := out["country"].(string); ok {
		if !countryCode.MatchString(c) {
			ps.add(path+".country", "%s is not a 2-letter ISO 3166-1 country code; send e.g. \"US\", \"DE\" or \"GB\".", quote(c))
			return nil, false
		}
		out["country"] = strings.ToUpper(c)
	}
	return out, true
}

// checkObjectKeys checks an object value whose keys are fixed: kind is
// "string" or "number" per key; null values are dropped.
func checkObjectKeys(path string, obj map[string]any, kinds map[string]string, ps *problems) (map[string]any, bool) {
	out := map[string]any{}
	valid := true
	names := map[string][]string{}
	for k := range kinds {
		names[k] = []string{k}
	}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		kind, ok := kinds[k]
		switch {
		case !ok:
			ps.add(path+"."+k, "unknown key.%s Keys: %s.", suggestion(k, names), quoteList(sortedKeys(names), 10))
			valid = false
		case v == nil:
		case kind == "string":
			s, ok := v.(string)
			if !ok {
				ps.add(path+"."+k, "must be a string, got %s.", jsonKind(v))
				valid = false
			}
			out[k] = s
		case kind == "number":
			n, why := number(v)
			if why != "" {
				ps.add(path+"."+k, "%s", why)
				valid = false
			}
			out[k] = n
		}
	}
	return out, valid
}

func (k *createKind) checkRelationships(rels map[string]any, defs *lfclient.Definitions, call *checkedCall, ps *problems) map[string]any {
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
			ps.add("relationships."+key, "is required: %s", k.relationshipHints[key])
		}
	}
	return out
}

func relationshipValues(path string, value any, def *lfclient.RelationshipDefinition, ps *problems) ([]string, bool) {
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
func checkReference(path, value string, def *lfclient.RelationshipDefinition, ps *problems) (isRef, ok bool) {
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
		ps.add(path, "%s is not a Lightfield ID. Names and emails can be resolved only once the field definitions load; send the record's ID for now.", quote(value))
		return false, false
	}
	prefix := schema.IDPrefix(def.ObjectType)
	switch {
	case prefix != "" && strings.HasPrefix(value, prefix):
		if !lightfieldID.MatchString(value) {
			ps.add(path, "%s is not a valid %s ID.", quote(value), def.ObjectType)
			return false, false
		}
		return false, true
	case prefix != "" && schema.ObjectTypeOfID(value) != "" && lightfieldID.MatchString(value):
		ps.add(path, "%s is the ID of another kind of record; %s takes the ID of %s %s (%s…).", quote(value), path, article(def.ObjectType), def.ObjectType, prefix)
		return false, false
	case resolvable(def.ObjectType):
		return true, true
	case lightfieldID.MatchString(value):
		return false, true
	}
	ps.add(path, "%s is not an ID. Records of type %s can only be given by their Lightfield ID.", quote(value), def.ObjectType)
	return false, false
}

func stringArray(value any) ([]string, bool) {
	items, ok := value.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// plainJSON turns json.Number back into float64 so that equal values encode
// equally (the idempotency key depends on it).
func plainJSON(value any) any {
	switch v := value.(type) {
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = plainJSON(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = plainJSON(item)
		}
		return out
	}
	return value
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// sortedKeys orders keys as the schema does, so that problems are listed
// in the order the model sees the properties.
func sortedKeys[V any](m map[string]V) []string {
	return schema.SortedKeys(m, nil)
}
