package lfsim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SetListLag makes lists show every record as it was d ago, as Lightfield's
// search index lags behind writes: a record created since is missing, one
// updated since shows its previous version. Retrieves are never late.
func (s *Server) SetListLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listLag = d
}

// SetClock replaces the fake's clock, which stamps createdAt and ages
// the list lag: a test can play a write made an hour ago.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

type listFilter struct {
	key, op, value string
	negate         bool
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, objectType string, fault Fault) {
	limit, offset := 25, 0
	var filters []listFilter
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		if part == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(rawKey)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "invalid_query", rawKey, "The query string is not valid.")
			return
		}
		switch key {
		case "limit", "offset":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || (key == "limit" && (n < 1 || n > 25)) {
				writeError(w, http.StatusBadRequest, "bad_request", "invalid_type", key, key+" must be a whole number (limit 1 to 25).")
				return
			}
			if key == "limit" {
				limit = n
			} else {
				offset = n
			}
			continue
		}
		open := strings.IndexByte(key, '[')
		if open < 0 || !strings.HasSuffix(key, "]") {
			writeError(w, http.StatusBadRequest, "bad_request", "invalid_filter", key, fmt.Sprintf("Unknown query parameter %q; filters are key[operator]=value.", key))
			return
		}
		f := listFilter{key: key[:open], op: key[open+1 : len(key)-1], value: value}
		if strings.HasPrefix(f.op, "-") {
			f.negate, f.op = true, f.op[1:]
		}
		filters = append(filters, f)
	}
	if objectType == "member" && len(filters) > 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_filter", filters[0].key, "Members cannot be filtered.")
		return
	}
	s.mu.Lock()
	defs := s.defs[objectType]
	s.mu.Unlock()
	records := s.records(objectType)
	var matched []map[string]any
	for _, rec := range records {
		ok, err := matches(rec, filters, defs)
		if err != "" {
			writeError(w, http.StatusBadRequest, "bad_request", "invalid_filter", "", err)
			return
		}
		if ok {
			matched = append(matched, rec)
		}
	}
	page := []map[string]any{}
	if offset < len(matched) {
		page = matched[offset:min(len(matched), offset+limit)]
	}
	body, _ := json.Marshal(map[string]any{"object": "list", "data": page, "totalCount": len(matched)})
	s.answer(w, fault, http.StatusOK, body)
}

// records returns every record of a type as list answers show them: each
// as the search index last saw it, the list lag ago (those written since
// are missing, those updated since are shown as they were), with the links
// Lightfield fills in.
func (s *Server) records(objectType string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.now().Add(-s.listLag)
	indexed := func(r *stored) map[string]any { return r.asOf(cutoff) }
	idx := s.links(objectType, indexed)
	var out []map[string]any
	for _, r := range s.ofType[objectType] {
		if rec := indexed(r); rec != nil {
			out = append(out, s.withLinks(r, rec, idx))
		}
	}
	return out
}

// retrieve answers GET /v1/{type}s/{id}; unlike lists it has no lag.
func (s *Server) retrieve(w http.ResponseWriter, objectType, id string, fault Fault) {
	found, rec := s.current(id)
	if found != objectType {
		writeError(w, http.StatusNotFound, "not_found", "", "id", fmt.Sprintf("No %s with ID %q.", objectType, id))
		return
	}
	body, _ := json.Marshal(rec)
	s.answer(w, fault, http.StatusOK, body)
}

// filterOperators are the operators each value type takes in list
// filters (API.md); MULTI_SELECT, like every type not listed, takes none.
var filterOperators = map[string][]string{
	"TEXT": {"equal", "startsWith"}, "FULL_NAME": {"equal", "startsWith"}, "SOCIAL_HANDLE": {"equal", "startsWith"}, "ADDRESS": {"equal", "startsWith"},
	"NUMBER":   {"equal", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual"},
	"CURRENCY": {"equal", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual"},
	"DATETIME": {"equal", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual"},
	"CHECKBOX": {"equal"}, "SINGLE_SELECT": {"equal"},
	"EMAIL": {"contains"}, "TELEPHONE": {"contains"}, "URL": {"contains"},
}

// matches applies filters as Lightfield documents them: ANDed, each with
// an operator its field's type takes (any other refuses the list); text
// compared case-insensitively, numbers as numbers, DATETIME values as
// instants, a SINGLE_SELECT by option ID or label (defs has the labels).
func matches(rec map[string]any, filters []listFilter, defs definitions) (bool, string) {
	fields, _ := rec["fields"].(map[string]any)
	for _, f := range filters {
		field, ok := fields[f.key].(map[string]any)
		if !ok {
			return false, fmt.Sprintf("Unknown filter field %q.", f.key)
		}
		valueType, _ := field["valueType"].(string)
		if !slices.Contains(filterOperators[valueType], f.op) {
			takes := "no filter"
			if ops := filterOperators[valueType]; len(ops) > 0 {
				takes = strings.Join(ops, ", ")
			}
			return false, fmt.Sprintf("Field %q (%s) cannot be filtered with %q; it takes %s.", f.key, valueType, f.op, takes)
		}
		hit, problem := fieldMatches(field["value"], valueType, f, defs.Fields[f.key])
		if problem != "" {
			return false, fmt.Sprintf("Filter %s[%s]: %s", f.key, f.op, problem)
		}
		if hit == f.negate {
			return false, ""
		}
	}
	return true, ""
}

// fieldMatches compares one field's value with a filter's as the field's
// type compares; the problem says why the filter's value cannot be.
func fieldMatches(value any, valueType string, f listFilter, def fieldDef) (bool, string) {
	switch valueType {
	case "NUMBER", "CURRENCY":
		want, err := strconv.ParseFloat(f.value, 64)
		if err != nil {
			return false, fmt.Sprintf("%q is not a number.", f.value)
		}
		n, ok := value.(float64)
		return ok && ordered(cmp.Compare(n, want), f.op), ""
	case "DATETIME":
		want, err := time.Parse(time.RFC3339Nano, f.value)
		if err != nil {
			return false, fmt.Sprintf("%q is not an ISO 8601 date-time with offset.", f.value)
		}
		s, _ := value.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		return err == nil && ordered(t.Compare(want), f.op), ""
	case "CHECKBOX":
		if f.value != "true" && f.value != "false" {
			return false, fmt.Sprintf("%q is not true or false.", f.value)
		}
		b, ok := value.(bool)
		return ok && b == (f.value == "true"), ""
	case "SINGLE_SELECT":
		id, _ := value.(string)
		for _, o := range def.TypeConfiguration.Options {
			if o.ID == id && strings.EqualFold(o.Label, f.value) {
				return true, ""
			}
		}
		return id != "" && id == f.value, ""
	}
	return textMatches(value, f), ""
}

// ordered reports whether c, a comparison's result (-1, 0 or 1), meets
// the operator op.
func ordered(c int, op string) bool {
	switch op {
	case "greaterThan":
		return c > 0
	case "greaterThanOrEqual":
		return c >= 0
	case "lessThan":
		return c < 0
	case "lessThanOrEqual":
		return c <= 0
	}
	return c == 0
}

// textMatches compares a text value (one string, several, or a name's
// parts) with a filter's, case-insensitively.
func textMatches(value any, f listFilter) bool {
	var texts []string
	switch v := value.(type) {
	case string:
		texts = []string{v}
	case []any:
		for _, item := range v {
			if s, ok := item.(string); ok {
				texts = append(texts, s)
			}
		}
	case []string:
		texts = v
	case map[string]any:
		first, _ := v["firstName"].(string)
		last, _ := v["lastName"].(string)
		texts = []string{strings.TrimSpace(first + " " + last)}
	}
	want := strings.ToLower(f.value)
	for _, t := range texts {
		t = strings.ToLower(t)
		if f.op == "equal" && t == want || f.op == "startsWith" && strings.HasPrefix(t, want) || f.op == "contains" && strings.Contains(t, want) {
			return true
		}
	}
	return false
}
