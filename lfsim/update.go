package lfsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"
)

// update checks a POST /v1/{type}s/{id} body as Lightfield does and stores
// the record's new version: only the fields and relationships named
// change. It returns the status and the answer's body: the whole record as
// written, without the links Lightfield fills in later for reads.
func (s *Server) update(k kind, id string, body []byte) (int, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defs, ok := s.defs[k.objectType]
	if !ok {
		return errorAnswer(&apiError{http.StatusNotFound, "not_found", "", "", fmt.Sprintf("The fake organisation has no %s definitions to check an update against.", k.objectType)})
	}
	// The contract is silent on which comes first; an unknown ID is
	// answered before the body is read.
	r, ok := s.byID[id]
	if !ok || r.objectType != k.objectType {
		return errorAnswer(&apiError{http.StatusNotFound, "not_found", "", "id", fmt.Sprintf("No %s with ID %q.", k.objectType, id)})
	}
	req, e := decodeBody(body)
	if e != nil {
		return errorAnswer(e)
	}
	// Both parts may be left out (the contract requires neither), but
	// one that is sent must be an object.
	var fields, changes map[string]any
	for _, part := range []struct {
		key  string
		into *map[string]any
	}{{"fields", &fields}, {"relationships", &changes}} {
		if raw, sent := req[part.key]; sent {
			if err := decodeObject(raw, part.into); err != nil {
				return errorAnswer(badRequest("invalid_type", part.key, "%s must be an object: %v", part.key, err))
			}
		}
	}
	setFields, e := s.updateFields(defs, k, fields)
	if e != nil {
		return errorAnswer(e)
	}
	setRels, removed, e := s.updateRelationships(defs, k, r, changes)
	if e != nil {
		return errorAnswer(e)
	}
	now := s.now()
	next := revised(r.latest(), setFields, setRels, stamp(now))
	if _, named := setRels["$createdBy"]; named {
		r.createdBy = ""
	}
	_, rec, err := decoded(next)
	var answer []byte
	if err == nil {
		answer, err = json.Marshal(r.written(next))
	}
	if err != nil {
		return errorAnswer(&apiError{http.StatusInternalServerError, "internal_server_error", "", "", err.Error()})
	}
	r.versions = append(r.versions, version{now, rec})
	for key, ids := range removed {
		s.unlink(k.objectType, key, id, ids, now)
	}
	return http.StatusOK, answer
}

// updateFields checks an update's fields as a create's are checked, and
// returns them as reads show them. null clears a field, but not one a
// create requires. Callers hold s.mu.
func (s *Server) updateFields(defs definitions, k kind, fields map[string]any) (map[string]any, *apiError) {
	out := map[string]any{}
	for _, key := range sortedKeys(fields) {
		value, e := checkField(defs, k, key, fields[key])
		if e != nil {
			return nil, e
		}
		if value == nil && slices.Contains(k.requiredFields, key) {
			return nil, badRequest("invalid_type", "fields."+key, "%s is required and cannot be cleared.", key)
		}
		if !s.dropOnWrite[key] {
			out[key] = map[string]any{"valueType": defs.Fields[key].ValueType, "value": value}
		}
	}
	return out, nil
}

// updateRelationships applies an update's relationship changes to what r
// shows now and returns the new relationships as reads show them, and per
// key the IDs the change took out. Callers hold s.mu.
func (s *Server) updateRelationships(defs definitions, k kind, r *stored, changes map[string]any) (map[string]any, map[string][]string, *apiError) {
	out, removed := map[string]any{}, map[string][]string{}
	if len(changes) == 0 {
		return out, removed, nil
	}
	// Changes apply to the relationships as a retrieve shows them.
	shown := s.withLinks(r, r.latest(), s.links(k.objectType, (*stored).latest))
	total := 0
	for _, key := range sortedKeys(changes) {
		param := "relationships." + key
		def, e := writableRelationship(defs, k, key)
		if e != nil {
			return nil, nil, e
		}
		op, ids, e := parseChange(param, changes[key])
		if e != nil {
			return nil, nil, e
		}
		if e := s.checkIDs(def, param, ids); e != nil {
			return nil, nil, e
		}
		total += len(ids)
		old := relValues(shown, key)
		// add and remove are set operations: adding a linked ID or removing
		// an unlinked one changes nothing (the contract describes no error).
		values := union(nil, ids)
		switch op {
		case "add":
			values = union(old, ids)
		case "remove":
			values = slices.DeleteFunc(slices.Clone(old), func(id string) bool { return slices.Contains(ids, id) })
		}
		if def.Cardinality == "HAS_ONE" && len(values) > 1 {
			return nil, nil, badRequest("invalid_type", param, "Relationship %q takes one ID; the change would leave %d.", key, len(values))
		}
		if len(values) == 0 && slices.Contains(k.requiredRels, key) {
			return nil, nil, badRequest("invalid_type", param, "%s is required and cannot be cleared.", key)
		}
		out[key] = relationship(def.Cardinality, def.ObjectType, values)
		for _, id := range old {
			if !slices.Contains(values, id) {
				removed[key] = append(removed[key], id)
			}
		}
	}
	if total > 25 {
		return nil, nil, writeLimitExceeded()
	}
	return out, removed, nil
}

// parseChange reads one relationship's change: an object with exactly
// one of add, remove (an ID or IDs) and replace (also null, to clear).
// The contract says to provide one; the fake refuses more.
func parseChange(param string, value any) (op string, ids []string, e *apiError) {
	change, ok := value.(map[string]any)
	if !ok || len(change) != 1 {
		return "", nil, badRequest("invalid_type", param, "A relationship change is an object with exactly one of add, remove or replace.")
	}
	var v any
	for op, v = range change { // its only key
	}
	switch {
	case op == "replace" && v == nil:
		return op, nil, nil
	case op == "add" || op == "remove" || op == "replace":
		ids, e := parseIDs(param+"."+op, v)
		return op, ids, e
	}
	return "", nil, badRequest("invalid_type", param+"."+op, "Unknown relationship operation %q; use add, remove or replace.", op)
}

// unlink takes id out of the records an update removed from its key,
// where they name it back: a link between an account and a contact, which
// either side can write, is gone from both. The other record's updatedAt
// stays: it was not written. Callers hold s.mu.
func (s *Server) unlink(objectType, key, id string, removed []string, at time.Time) {
	for _, b := range backlinks {
		if b.target != objectType || b.key != key {
			continue
		}
		for _, otherID := range removed {
			other, ok := s.byID[otherID]
			if !ok || other.objectType != b.source {
				continue
			}
			rec := other.latest()
			values := relValues(rec, b.sourceKey)
			if !slices.Contains(values, id) {
				continue
			}
			rels, _ := rec["relationships"].(map[string]any)
			entry := maps.Clone(rels[b.sourceKey].(map[string]any))
			entry["values"] = slices.DeleteFunc(slices.Clone(values), func(v string) bool { return v == id })
			if _, next, err := decoded(revised(rec, nil, map[string]any{b.sourceKey: entry}, rec["updatedAt"])); err == nil {
				other.versions = append(other.versions, version{at, next})
			}
		}
	}
}
