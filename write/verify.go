package write

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// verify compares the record Lightfield returned with what was sent and
// describes every field or relationship that came back missing or different,
// so that a silently dropped value never passes as success.
func verify(opp *lfclient.Object, sent lfclient.CreateParams, defs *lfclient.Definitions) []string {
	var warnings []string
	for _, key := range sortedKeys(sent.Fields) {
		got, ok := opp.Fields[key]
		if !ok || isNull(got.Value) {
			warnings = append(warnings, fmt.Sprintf("fields.%s was sent but Lightfield returned no value for it.", key))
			continue
		}
		// Without definitions a stored option ID cannot be told from a
		// changed value: only presence is checked then.
		if defs != nil && !sameValue(sent.Fields[key], got.Value, optionsOf(defs, key)) {
			warnings = append(warnings, fmt.Sprintf("fields.%s was sent as %s but Lightfield stored %s.", key, compact(sent.Fields[key]), Quote(string(got.Value))))
		}
	}
	for _, key := range sortedKeys(sent.Relationships) {
		var want []string
		switch v := sent.Relationships[key].(type) {
		case string:
			want = []string{v}
		case []string:
			want = v
		}
		got := opp.Relationships[key].Values
		for _, id := range want {
			if !slices.Contains(got, id) {
				warnings = append(warnings, fmt.Sprintf("relationships.%s: %s was sent but Lightfield did not link it.", key, Token(id)))
			}
		}
	}
	return warnings
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func optionsOf(defs *lfclient.Definitions, key string) []lfclient.SelectOption {
	if defs == nil {
		return nil
	}
	return defs.FieldDefinitions[key].TypeConfiguration.Options
}

func compact(v any) string {
	raw, _ := json.Marshal(v)
	return Quote(string(raw))
}

// sameValue compares a sent value with the stored one as Lightfield may
// present it: option IDs or labels, numbers in any notation, instants in any
// offset, lists in any order.
func sameValue(sent any, stored json.RawMessage, options []lfclient.SelectOption) bool {
	var got any
	if err := json.Unmarshal(stored, &got); err != nil {
		return false
	}
	return equalJSON(normalizeStored(sent), normalizeStored(got), options)
}

func normalizeStored(v any) any {
	raw, _ := json.Marshal(v)
	var out any
	json.Unmarshal(raw, &out)
	return out
}

func equalJSON(sent, got any, options []lfclient.SelectOption) bool {
	// EMAIL and URL take one string or a list: a list of one is that string.
	if list, ok := got.([]any); ok && len(list) == 1 {
		if _, single := sent.(string); single {
			got = list[0]
		}
	}
	if list, ok := sent.([]any); ok && len(list) == 1 {
		if _, single := got.(string); single {
			sent = list[0]
		}
	}
	switch s := sent.(type) {
	case string:
		g, ok := got.(string)
		if !ok {
			return false
		}
		if s == g || sameOption(s, g, options) {
			return true
		}
		ts, err1 := time.Parse(time.RFC3339Nano, s)
		tg, err2 := time.Parse(time.RFC3339Nano, g)
		return err1 == nil && err2 == nil && ts.Equal(tg)
	case float64:
		g, ok := got.(float64)
		return ok && math.Abs(s-g) < 1e-9*math.Max(1, math.Abs(s))
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(s) {
			return false
		}
		for _, item := range s {
			if !slices.ContainsFunc(g, func(x any) bool { return equalJSON(item, x, options) }) {
				return false
			}
		}
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range s {
			if !equalJSON(v, g[k], options) {
				return false
			}
		}
		return true
	}
	return sent == got
}

// sameOption: a sent option ID and a stored label (or the reverse) name the
// same option.
func sameOption(a, b string, options []lfclient.SelectOption) bool {
	for _, o := range options {
		if (a == o.ID || a == o.Label) && (b == o.ID || b == o.Label) {
			return true
		}
	}
	return false
}
