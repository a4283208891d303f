package write

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

func (k *Kind) checkFields(fields map[string]any, defs *lfclient.Definitions, call *Call, ps *Problems) map[string]any {
	out := map[string]any{}
	if fields == nil {
		return out
	}
	for _, key := range sortedKeys(fields) {
		path := "fields." + key
		value := fields[key]
		if value == nil && !k.Updates {
			continue // null clears a field; on create that is the same as leaving it out
		}
		if defs == nil && value == nil {
			k.clearField(path, key, out, ps)
			continue
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
			ps.add(path, "%s is read-only (set by Lightfield); leave it out.", Quote(def.Label))
			continue
		}
		if _, twice := out[key]; twice {
			ps.add(path, "names %s a second time (by another spelling of its key or label); send it once.", key)
			continue
		}
		if value == nil {
			k.clearField(path, key, out, ps)
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

// clearField records an update's null, which clears the field, unless
// every record of the type must have it.
func (k *Kind) clearField(path, key string, out map[string]any, ps *Problems) {
	if slices.Contains(k.Kept, key) {
		ps.add(path, "cannot be cleared: every %s has one. Send the new value instead.", k.Type)
		return
	}
	out[key] = nil
}

// requiredHint says what to send for a required field left out.
func (k *Kind) requiredHint(key string, defs *lfclient.Definitions) string {
	switch key {
	case "$name":
		return " " + k.NameHint
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
func (k *Kind) checkWithoutDefinitions(path, key string, value any, ps *Problems) (any, bool) {
	if slices.Contains(k.RequiredFields, key) {
		s, ok := value.(string)
		if !ok || strings.TrimSpace(s) == "" {
			ps.add(path, "must be a non-empty string.")
			return nil, false
		}
		return s, true
	}
	return sendable(path, value, ps)
}

func (k *Kind) fieldNames(defs *lfclient.Definitions) map[string][]string {
	names := map[string][]string{}
	for key, def := range defs.FieldDefinitions {
		if k.WritableField(key, def) {
			names[key] = []string{key, def.Label}
		}
	}
	return names
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
func checkValue(path string, def lfclient.FieldDefinition, value any, ps *Problems) (any, bool) {
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
			return bad("%s is not a date Lightfield accepts. Send YYYY-MM-DD (taken as 12:00 UTC that day) or an ISO 8601 date-time with offset such as 2026-03-31T17:00:00+00:00.", Quote(s))
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
	return sendable(path, value, ps)
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
		return "", fmt.Sprintf("%s is not an option of %s. Use one of: %s.", Quote(s), Quote(def.Label), quoteList(optionLabels(def), maxSelectLabelsShow)), true
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.ID
	}
	return "", fmt.Sprintf("%s matches %d options of %s; send one of their option IDs instead: %s.", Quote(s), len(matches), Quote(def.Label), quoteList(ids, 10)), false
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
		return 0, fmt.Sprintf("%s is not a plain number.", Quote(text))
	}
	if math.Abs(f) > 1<<53-1 {
		return 0, fmt.Sprintf("%s is beyond the range Lightfield stores exactly.", Quote(text))
	}
	if math.Abs(f*100-math.Round(f*100)) > 1e-6*math.Max(1, math.Abs(f*100)) {
		return 0, fmt.Sprintf("%s has more than 2 decimals.", Quote(text))
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

func checkAddress(path string, value any, ps *Problems) (any, bool) {
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
			ps.add(path+".country", "%s is not a 2-letter ISO 3166-1 country code; send e.g. \"US\", \"DE\" or \"GB\".", Quote(c))
			return nil, false
		}
		out["country"] = strings.ToUpper(c)
	}
	return out, true
}

// checkObjectKeys checks an object value whose keys are fixed: kind is
// "string" or "number" per key; null values are dropped.
func checkObjectKeys(path string, obj map[string]any, kinds map[string]string, ps *Problems) (map[string]any, bool) {
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
