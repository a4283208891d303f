package lfsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// apiError is an error answer the create handler decided on.
type apiError struct {
	status                    int
	typ, code, param, message string
}

func badRequest(code, param, format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "bad_request", code, param, fmt.Sprintf(format, args...)}
}

// Error makes an apiError an error, for Seed to report.
func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s %s at %s: %s", e.status, e.typ, e.code, e.param, e.message)
}

// create checks a POST body for the collection at path (of kind k) as
// Lightfield does and stores the record. It returns the status and the
// answer's body.
func (s *Server) create(path string, k kind, body []byte) (int, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, answer, e := s.store(path, k, body, s.now())
	if e != nil {
		return errorAnswer(e)
	}
	return http.StatusOK, answer
}

// store checks a create's body and stores the record, created at. It
// returns the new ID and the create's answer. Callers hold s.mu.
func (s *Server) store(path string, k kind, body []byte, at time.Time) (string, json.RawMessage, *apiError) {
	defs, ok := s.defs[k.objectType]
	if !ok {
		return "", nil, &apiError{http.StatusNotFound, "not_found", "", "", fmt.Sprintf("The fake organisation has no %s definitions to check a create against.", k.objectType)}
	}
	fields, rels, e := s.checkCreate(defs, k, body)
	if e != nil {
		return "", nil, e
	}
	s.seq++
	id := fmt.Sprintf("%s_%s%06d", k.idPrefix, s.idTag, s.seq)
	answer, rec, err := decoded(map[string]any{
		"id":            id,
		"createdAt":     stamp(at),
		"updatedAt":     nil,
		"httpLink":      s.linkBase + strings.TrimPrefix(path, "/v1") + "/" + id,
		"fields":        wrapFields(defs, fields),
		"relationships": wrapRelationships(defs, rels),
	})
	if err != nil {
		return "", nil, &apiError{http.StatusInternalServerError, "internal_server_error", "", "", err.Error()}
	}
	creator := s.creator(defs, rels)
	if creator != "" {
		def := defs.Relationships["$createdBy"]
		rec["relationships"].(map[string]any)["$createdBy"] = relationship(def.Cardinality, def.ObjectType, []string{creator})
	}
	s.add(k.objectType, at, rec, answer).createdBy = creator
	return id, answer, nil
}

// stamp is how the fake writes createdAt and updatedAt: RFC 3339 with
// fractions, so that two writes in one second differ.
func stamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// creator is the member Lightfield records as the creator of a record
// whose create named none: the key's user, for whom the organisation's
// first member stands. Reads show it, not the create's answer: Lightfield
// fills it in the background. Callers hold s.mu.
func (s *Server) creator(defs definitions, rels map[string][]string) string {
	def, ok := defs.Relationships["$createdBy"]
	members := s.ofType["member"]
	if !ok || def.ObjectType != "member" || len(members) == 0 || len(rels["$createdBy"]) > 0 {
		return ""
	}
	return members[0].id
}

// checkCreate checks a create's body as Lightfield does and returns the
// fields and relationships to store. Callers hold s.mu.
func (s *Server) checkCreate(defs definitions, k kind, body []byte) (map[string]any, map[string][]string, *apiError) {
	req, e := decodeBody(body)
	if e != nil {
		return nil, nil, e
	}
	var fields map[string]any
	var rels map[string]any
	if err := decodeObject(req["fields"], &fields); err != nil {
		return nil, nil, badRequest("parameter_missing", "fields", "fields must be an object: %v", err)
	}
	// relationships may be left out where nothing in it is required.
	if _, sent := req["relationships"]; sent || len(k.requiredRels) > 0 {
		if err := decodeObject(req["relationships"], &rels); err != nil {
			return nil, nil, badRequest("parameter_missing", "relationships", "relationships must be an object: %v", err)
		}
	}

	storedFields := map[string]any{}
	for _, key := range sortedKeys(fields) {
		value, e := checkField(defs, k, key, fields[key])
		if e != nil {
			return nil, nil, e
		}
		if !s.dropOnWrite[key] {
			storedFields[key] = value
		}
	}
	for _, key := range k.requiredFields {
		if storedFields[key] == nil {
			return nil, nil, badRequest("parameter_missing", "fields."+key, "%s is required.", key)
		}
	}

	storedRels := map[string][]string{}
	total := 0
	for _, key := range sortedKeys(rels) {
		ids, e := s.checkRelationship(defs, k, key, rels[key])
		if e != nil {
			return nil, nil, e
		}
		total += len(ids)
		storedRels[key] = ids
	}
	for _, key := range k.requiredRels {
		if len(storedRels[key]) == 0 {
			return nil, nil, badRequest("parameter_missing", "relationships."+key, "%s is required.", key)
		}
	}
	if total > 25 {
		return nil, nil, writeLimitExceeded()
	}
	return storedFields, storedRels, nil
}

func writeLimitExceeded() *apiError {
	return &apiError{http.StatusUnprocessableEntity, "unprocessable_content", "relationship_write_limit_exceeded", "relationships", "At most 25 relationship IDs may be written at once."}
}

// decodeBody reads a write's body: a JSON object of fields and
// relationships, nothing else.
func decodeBody(body []byte) (map[string]json.RawMessage, *apiError) {
	var req map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, badRequest("invalid_json", "", "The body is not a JSON object: %v", err)
	}
	for k := range req {
		if k != "fields" && k != "relationships" {
			return nil, badRequest("unknown_parameter", k, "Unknown top-level key %q; the body is {fields, relationships}.", k)
		}
	}
	return req, nil
}

func errorAnswer(e *apiError) (int, []byte) {
	return e.status, errorBody(e.typ, e.code, e.param, e.message)
}

func decodeObject(raw json.RawMessage, v any) error {
	if raw == nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("missing")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// checkField returns the value to store for one written field: select
// labels become option IDs, everything else is kept as sent.
func checkField(defs definitions, k kind, key string, value any) (any, *apiError) {
	param := "fields." + key
	def, ok := defs.Fields[key]
	if !ok {
		return nil, badRequest("unknown_field", param, "Unknown field %q.", key)
	}
	if def.ReadOnly || slices.Contains(k.readOnlyFields, key) || def.ValueType == "MARKDOWN" || def.ValueType == "HTML" {
		return nil, badRequest("invalid_type", param, "Field %q is read-only.", key)
	}
	if value == nil {
		return nil, nil
	}
	wrong := func(want string) (any, *apiError) {
		return nil, badRequest("invalid_type", param, "Field %q (%s) must be %s.", key, def.ValueType, want)
	}
	switch def.ValueType {
	case "TEXT", "SOCIAL_HANDLE":
		if _, ok := value.(string); !ok {
			return wrong("a string")
		}
	case "NUMBER", "CURRENCY":
		n, ok := value.(json.Number)
		if !ok {
			return wrong("a number")
		}
		f, err := n.Float64()
		if err != nil || math.Abs(f) > 9007199254740991 {
			return wrong("a number in the safe-integer range")
		}
		if i := strings.IndexByte(n.String(), '.'); i >= 0 && len(strings.TrimRight(n.String()[i+1:], "0")) > 2 {
			return wrong("a number with at most 2 decimals")
		}
		return f, nil
	case "DATETIME":
		str, ok := value.(string)
		if !ok {
			return wrong("an ISO 8601 string with offset")
		}
		if _, err := time.Parse(time.RFC3339, str); err != nil {
			return wrong("an ISO 8601 date-time with offset, like 2026-03-16T12:00:00+00:00")
		}
	case "CHECKBOX":
		if _, ok := value.(bool); !ok {
			return wrong("a boolean")
		}
	case "EMAIL", "URL":
		if _, ok := value.(string); !ok && !isStringArray(value) {
			return wrong("a string or an array of strings")
		}
	case "TELEPHONE":
		if !isStringArray(value) {
			return wrong("an array of strings")
		}
	case "ADDRESS":
		return checkObject(key, param, def.ValueType, value, map[string]string{
			"street": "string", "street2": "string", "city": "string", "state": "string",
			"postalCode": "string", "country": "country", "latitude": "number", "longitude": "number",
		})
	case "FULL_NAME":
		return checkObject(key, param, def.ValueType, value, map[string]string{"firstName": "string", "lastName": "string"})
	case "SINGLE_SELECT":
		str, ok := value.(string)
		if !ok {
			return wrong("an option ID or label")
		}
		id, ok := def.option(str)
		if !ok {
			return nil, badRequest("invalid_type", param, "%q is not an option of field %q.", str, key)
		}
		return id, nil
	case "MULTI_SELECT":
		items, ok := value.([]any)
		if !ok {
			return wrong("an array of option IDs or labels")
		}
		ids := make([]any, 0, len(items))
		for _, item := range items {
			str, _ := item.(string)
			id, ok := def.option(str)
			if !ok {
				return nil, badRequest("invalid_type", param, "%v is not an option of field %q.", item, key)
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	return value, nil
}

func (d fieldDef) option(s string) (string, bool) {
	for _, o := range d.TypeConfiguration.Options {
		if s == o.ID || s == o.Label {
			return o.ID, true
		}
	}
	return "", false
}

func isStringArray(v any) bool {
	items, ok := v.([]any)
	if !ok {
		return false
	}
	for _, item := range items {
		if _, ok := item.(string); !ok {
			return false
		}
	}
	return true
}

func checkObject(key, param, valueType string, value any, allowed map[string]string) (any, *apiError) {
	obj, ok := value.(map[string]any)
	if !ok {
		return nil, badRequest("invalid_type", param, "Field %q (%s) must be an object.", key, valueType)
	}
	for k, v := range obj {
		kind, ok := allowed[k]
		if !ok {
			return nil, badRequest("invalid_type", param+"."+k, "Unknown key %q in %s value.", k, valueType)
		}
		if v == nil {
			continue
		}
		switch kind {
		case "string":
			_, ok = v.(string)
		case "number":
			_, ok = v.(json.Number)
		case "country":
			str, _ := v.(string)
			ok = countryCode.MatchString(str)
		}
		if !ok {
			return nil, badRequest("invalid_type", param+"."+k, "Key %q of %s has the wrong type.", k, valueType)
		}
	}
	return obj, nil
}

// checkRelationship checks one relationship of a create. Callers hold
// s.mu.
func (s *Server) checkRelationship(defs definitions, k kind, key string, value any) ([]string, *apiError) {
	param := "relationships." + key
	def, e := writableRelationship(defs, k, key)
	if e != nil {
		return nil, e
	}
	ids, e := parseIDs(param, value)
	if e != nil {
		return nil, e
	}
	if def.Cardinality == "HAS_ONE" && len(ids) > 1 {
		return nil, badRequest("invalid_type", param, "Relationship %q takes one ID.", key)
	}
	return ids, s.checkIDs(def, param, ids)
}

// writableRelationship returns the definition of a relationship a write
// names, refusing unknown and read-only ones.
func writableRelationship(defs definitions, k kind, key string) (relationshipDef, *apiError) {
	def, ok := defs.Relationships[key]
	if !ok {
		return def, badRequest("unknown_relationship", "relationships."+key, "Unknown relationship %q.", key)
	}
	if slices.Contains(k.readOnlyRels, key) {
		return def, badRequest("invalid_type", "relationships."+key, "Relationship %q is read-only.", key)
	}
	return def, nil
}

// parseIDs reads one entity ID or an array of them.
func parseIDs(param string, value any) ([]string, *apiError) {
	switch v := value.(type) {
	case string:
		return []string{v}, nil
	case []any:
		ids := make([]string, 0, len(v))
		for _, item := range v {
			str, ok := item.(string)
			if !ok {
				return nil, badRequest("invalid_type", param, "Relationship values are entity IDs (strings).")
			}
			ids = append(ids, str)
		}
		return ids, nil
	}
	return nil, badRequest("invalid_type", param, "A relationship is one entity ID or an array of IDs.")
}

// checkIDs refuses IDs that name no record of the relationship's type.
// Callers hold s.mu.
func (s *Server) checkIDs(def relationshipDef, param string, ids []string) *apiError {
	for _, id := range ids {
		if !s.exists(def.ObjectType, id) {
			return &apiError{http.StatusUnprocessableEntity, "unprocessable_content", "relationship_entity_missing", param, fmt.Sprintf("No %s with ID %q.", def.ObjectType, id)}
		}
	}
	return nil
}

func wrapFields(defs definitions, stored map[string]any) map[string]any {
	out := map[string]any{}
	for key, def := range defs.Fields {
		value := stored[key]
		if key == "$opportunityStatus" && len(def.TypeConfiguration.Options) > 0 {
			value = def.TypeConfiguration.Options[0].ID
		}
		out[key] = map[string]any{"valueType": def.ValueType, "value": value}
	}
	return out
}

func wrapRelationships(defs definitions, stored map[string][]string) map[string]any {
	out := map[string]any{}
	for key, def := range defs.Relationships {
		values := stored[key]
		if values == nil {
			values = []string{}
		}
		out[key] = relationship(def.Cardinality, def.ObjectType, values)
	}
	return out
}
