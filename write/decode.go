package write

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// boolOption reads an optional boolean; null means not given.
func boolOption(args map[string]any, key string, ps *Problems) bool {
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
func checkSizes(path string, value any, ps *Problems) {
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
func objectArgument(args map[string]any, key string, required bool, ps *Problems) map[string]any {
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

// sendable is a value sent as given (plainJSON), refused when it holds a
// number no float64 can hold (1e700): Lightfield could not store it.
func sendable(path string, value any, ps *Problems) (any, bool) {
	v := plainJSON(value)
	if n, ok := hugeNumber(v); ok {
		ps.add(path, "%s is beyond the range of numbers Lightfield stores.", Quote(n))
		return nil, false
	}
	return v, true
}

// hugeNumber finds a number plainJSON left as text: one beyond float64.
func hugeNumber(v any) (string, bool) {
	switch v := v.(type) {
	case json.Number:
		return v.String(), true
	case []any:
		for _, item := range v {
			if n, ok := hugeNumber(item); ok {
				return n, true
			}
		}
	case map[string]any:
		for _, item := range v {
			if n, ok := hugeNumber(item); ok {
				return n, true
			}
		}
	}
	return "", false
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

// jsonNames are the JSON names of the fields of the struct v points to,
// in the struct's order.
func jsonNames(v any) []string {
	t := reflect.TypeOf(v).Elem()
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return names
}

// decodeInto decodes an object argument (at path) into the struct v points
// to, the one the tool's schema is reflected from: every key the struct
// does not have is a problem, and every value of the wrong type one worded
// by wrong (given the key and the value), all at once.
func decodeInto(obj map[string]any, path string, v any, wrong func(key string, value any) string, ps *Problems) {
	st := reflect.ValueOf(v).Elem()
	names := jsonNames(v)
	for _, key := range sortedKeys(obj) {
		i := slices.Index(names, key)
		switch {
		case i < 0:
			ps.add(path+"."+key, "unknown key; %s takes %s.", path, strings.Join(slices.Sorted(slices.Values(names)), ", "))
		case obj[key] == nil:
		default:
			raw, _ := json.Marshal(obj[key])
			if err := json.Unmarshal(raw, st.Field(i).Addr().Interface()); err != nil {
				ps.add(path+"."+key, "%s", wrong(key, obj[key]))
			}
		}
	}
}
