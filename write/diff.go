package write

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// change is one field or relationship an update changes: values for a
// field, IDs for a relationship (named once the names are known).
type change struct {
	key, label    string
	objectType    string // of a relationship's records; "" for a field
	before, after []string
}

// diff compares what the call asks with the deal as read: it sets
// out.Update to only what changes, out.Changes to each change before →
// after by label and name, and out.Already to what was asked but already so.
// People added to a to-many relationship are sent as an add and people
// taken off as a remove, never as a replacement built from the copy read,
// which would drop anyone linked meanwhile. Lightfield takes one operation
// per relationship in a request, so a relationship with both goes out in
// two: the removal with the rest, then the addition.
func (o *Org) diff(ctx context.Context, out *Outcome, deal lfclient.Record) {
	call, defs := out.Call, out.Defs
	u := &lfclient.UpdateParams{Fields: map[string]any{}, Relationships: map[string]lfclient.RelationshipChange{}}
	then := &lfclient.UpdateParams{Relationships: map[string]lfclient.RelationshipChange{}}
	var changes []change
	for _, key := range sortedKeys(call.Params.Fields) {
		v, cur := call.Params.Fields[key], deal.Fields[key].Value
		label := fieldLabel(defs, key)
		if v == nil && isNull(cur) || v != nil && !isNull(cur) && sameValue(v, cur, optionsOf(defs, key)) {
			out.Already = append(out.Already, fmt.Sprintf("%s is already %s", Quote(label), Quote(showValue(defs, key, cur))))
			continue
		}
		u.Fields[key] = v
		after, _ := json.Marshal(v)
		changes = append(changes, change{key: key, label: label, before: []string{showValue(defs, key, cur)}, after: []string{showValue(defs, key, after)}})
	}
	keys := sortedKeys(call.Params.Relationships)
	for key := range call.Remove {
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		cur := deal.Relationships[key].Values
		after := slices.Clone(cur)
		switch v := call.Params.Relationships[key].(type) {
		case nil:
			if _, given := call.Params.Relationships[key]; given {
				after = nil
			}
		case string:
			after = []string{v}
		case []string:
			for _, id := range v {
				if slices.Contains(cur, id) {
					out.Already = append(out.Already, fmt.Sprintf("%s is already linked as %s", nameOf(out, id), Quote(relationshipLabel(defs, key))))
				} else if !slices.Contains(after, id) {
					after = append(after, id)
				}
			}
		}
		for _, id := range call.Remove[key] {
			if !slices.Contains(after, id) {
				out.Already = append(out.Already, fmt.Sprintf("%s is not linked as %s, so there was nothing to remove", nameOf(out, id), Quote(relationshipLabel(defs, key))))
			}
			after = slices.DeleteFunc(after, func(x string) bool { return x == id })
		}
		if slices.Equal(cur, after) {
			if len(cur) == 0 && call.Params.Relationships[key] == nil && len(call.Remove[key]) == 0 {
				out.Already = append(out.Already, Quote(relationshipLabel(defs, key))+" is already empty")
			}
			continue
		}
		if defs != nil && defs.RelationshipDefinitions[key].Cardinality == "HAS_MANY" {
			added, removed := addedAndRemoved(cur, after)
			switch {
			case len(removed) == 0:
				u.Relationships[key] = lfclient.RelationshipChange{Add: added}
			case len(added) == 0:
				u.Relationships[key] = lfclient.RelationshipChange{Remove: removed}
			default:
				u.Relationships[key] = lfclient.RelationshipChange{Remove: removed}
				then.Relationships[key] = lfclient.RelationshipChange{Add: added}
			}
		} else {
			u.Relationships[key] = lfclient.RelationshipChange{Replace: &after}
		}
		changes = append(changes, change{key: key, label: relationshipLabel(defs, key), objectType: defs.RelationshipDefinitions[key].ObjectType, before: cur, after: after})
	}
	out.Updates, out.changes = []lfclient.UpdateParams{*u}, changes
	if len(then.Relationships) > 0 {
		out.Updates = append(out.Updates, *then)
	}
}

// addedAndRemoved are the IDs after has that cur has not, and the reverse.
func addedAndRemoved(cur, after []string) (added, removed []string) {
	for _, id := range after {
		if !slices.Contains(cur, id) {
			added = append(added, id)
		}
	}
	for _, id := range cur {
		if !slices.Contains(after, id) {
			removed = append(removed, id)
		}
	}
	return added, removed
}

// nameChanges words out.changes by label and name: relationship IDs
// become names (from the call's resolutions, the member list, or read by
// ID) and field values labels.
func (o *Org) nameChanges(ctx context.Context, out *Outcome) {
	names := map[string]string{}
	for _, r := range out.Resolved {
		names[r.ID] = r.Name
	}
	unnamed := map[string][]string{}
	for _, c := range out.changes {
		for _, id := range slices.Concat(c.before, c.after) {
			if _, ok := names[id]; !ok && c.objectType != "" && !slices.Contains(unnamed[c.objectType], id) {
				unnamed[c.objectType] = append(unnamed[c.objectType], id)
			}
		}
	}
	var tasks []func()
	found := make([][]lfclient.Record, 0, len(unnamed))
	for objectType, ids := range unnamed {
		found = append(found, nil)
		i := len(found) - 1
		tasks = append(tasks, func() {
			if objectType == "member" {
				found[i], _ = o.resolve.members.all(ctx, o.client)
			} else {
				found[i], _ = o.resolve.retrieveAll(ctx, objectType, ids[:min(len(ids), maxAccountContacts)])
			}
		})
	}
	Parallel(tasks)
	for _, recs := range found {
		for _, rec := range recs {
			names[rec.ID] = rec.Name()
		}
	}
	out.Changes = nil
	for _, c := range out.changes {
		show := func(values []string) string {
			if c.objectType == "" {
				return strings.Join(values, ", ")
			}
			shown := make([]string, len(values))
			for i, id := range values {
				shown[i] = id
				if name := names[id]; name != "" {
					shown[i] = name + " (" + id + ")"
				}
			}
			return strings.Join(shown, ", ")
		}
		out.Changes = append(out.Changes, schema.Change{Key: c.key, Label: c.label, Before: show(c.before), After: show(c.after)})
	}
}

// nameOf names a record the call resolved, or shows its ID.
func nameOf(out *Outcome, id string) string {
	for _, r := range out.Resolved {
		if r.ID == id && r.Name != "" {
			return Quote(r.Name) + " (" + id + ")"
		}
	}
	return Token(id)
}

func fieldLabel(defs *lfclient.Definitions, key string) string {
	if defs != nil {
		if def, ok := defs.FieldDefinitions[key]; ok && def.Label != "" {
			return def.Label
		}
	}
	return key
}

func relationshipLabel(defs *lfclient.Definitions, key string) string {
	if defs != nil {
		if def, ok := defs.RelationshipDefinitions[key]; ok && def.Label != "" {
			return def.Label
		}
	}
	return key
}

// showValue shows a stored field value as a person reads it: an option's
// label, a number as written, a date as its day, "" for none.
func showValue(defs *lfclient.Definitions, key string, raw json.RawMessage) string {
	if isNull(raw) {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	label := func(s string) string {
		for _, opt := range optionsOf(defs, key) {
			if s == opt.ID || s == opt.Label {
				return opt.Label
			}
		}
		return s
	}
	switch v := v.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339, v); err == nil && t.UTC().Format("15:04:05") == "12:00:00" {
			return t.UTC().Format(time.DateOnly) // a plain date, as it was sent
		}
		return label(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			s, ok := item.(string)
			if !ok {
				b, _ := json.Marshal(item)
				s = string(b)
			}
			parts[i] = label(s)
		}
		return strings.Join(parts, ", ")
	}
	return string(raw)
}
