package lfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SetListLag hides created records from lists for d after they are created, as
// Lightfield's search index lags behind writes.
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
	records := s.records(objectType)
	var matched []map[string]any
	for _, rec := range records {
		ok, err := matches(rec, filters)
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

// records returns every record of a type as list answers show them: the
// organisation's, then those created longer ago than the list lag.
func (s *Server) records(objectType string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, e := range s.entityOrder {
		if e.objectType == objectType {
			out = append(out, s.entityRecord(e))
		}
	}
	cutoff := s.now().Add(-s.listLag)
	for _, rec := range s.created[objectType] {
		if !rec.at.After(cutoff) {
			out = append(out, rec.record)
		}
	}
	return out
}

// retrieve answers GET /v1/{type}s/{id}; unlike lists it has no lag.
func (s *Server) retrieve(w http.ResponseWriter, objectType, id string, fault Fault) {
	s.mu.Lock()
	var rec map[string]any
	if e, ok := s.entities[id]; ok && e.objectType == objectType {
		rec = s.entityRecord(e)
	} else if c, ok := s.createdRecord(objectType, id); ok {
		rec = c.record
	}
	s.mu.Unlock()
	if rec == nil {
		writeError(w, http.StatusNotFound, "not_found", "", "id", fmt.Sprintf("No %s with ID %q.", objectType, id))
		return
	}
	body, _ := json.Marshal(rec)
	s.answer(w, fault, http.StatusOK, body)
}

// exists reports whether there is a record of objectType with this ID,
// created or not. Callers hold s.mu.
func (s *Server) exists(objectType, id string) bool {
	if e, ok := s.entities[id]; ok {
		return e.objectType == objectType
	}
	_, ok := s.createdRecord(objectType, id)
	return ok
}

// createdRecord finds a created record by ID. Callers hold s.mu.
func (s *Server) createdRecord(objectType, id string) (storedRecord, bool) {
	for _, rec := range s.created[objectType] {
		if rec.record["id"] == id {
			return rec, true
		}
	}
	return storedRecord{}, false
}

// entityRecord shows an account, contact or member as reads do. Callers
// hold s.mu.
func (s *Server) entityRecord(e entity) map[string]any {
	rec := e.record(s.linkBase)
	rels := rec["relationships"].(map[string]any)
	switch e.objectType {
	case "contact":
		rels["$account"] = map[string]any{"cardinality": "HAS_MANY", "objectType": "account", "values": append([]string{}, e.Accounts...)}
	case "account":
		contacts := []string{}
		for _, c := range s.entityOrder {
			if c.objectType == "contact" && slices.Contains(c.Accounts, e.ID) {
				contacts = append(contacts, c.ID)
			}
		}
		rels["$contact"] = map[string]any{"cardinality": "HAS_MANY", "objectType": "contact", "values": contacts}
	}
	return rec
}

func (e entity) record(linkBase string) map[string]any {
	wrap := func(valueType string, value any) map[string]any {
		return map[string]any{"valueType": valueType, "value": value}
	}
	first, last, _ := strings.Cut(e.Name, " ")
	fields := map[string]any{}
	switch e.objectType {
	case "account":
		fields["$name"] = wrap("TEXT", e.Name)
		fields["$website"] = wrap("URL", e.Website)
	case "contact":
		fields["$name"] = wrap("FULL_NAME", map[string]any{"firstName": first, "lastName": last})
		fields["$email"] = wrap("EMAIL", []string{e.Email})
	case "member":
		fields["$name"] = wrap("FULL_NAME", map[string]any{"firstName": first, "lastName": last})
		fields["$email"] = wrap("EMAIL", e.Email)
		fields["$profileImage"] = wrap("URL", nil)
		fields["$role"] = wrap("TEXT", "Member")
	}
	return map[string]any{
		"id": e.ID, "createdAt": "2026-01-05T09:00:00Z", "updatedAt": nil,
		"httpLink": linkBase + "/" + e.objectType + "s/" + e.ID,
		"fields":   fields, "relationships": map[string]any{},
	}
}

// matches applies filters as Lightfield documents them: ANDed, text
// comparisons case-insensitive.
func matches(rec map[string]any, filters []listFilter) (bool, string) {
	fields, _ := rec["fields"].(map[string]any)
	for _, f := range filters {
		field, ok := fields[f.key].(map[string]any)
		if !ok {
			return false, fmt.Sprintf("Unknown filter field %q.", f.key)
		}
		var texts []string
		switch v := field["value"].(type) {
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
		hit := false
		for _, t := range texts {
			t = strings.ToLower(t)
			switch f.op {
			case "equal":
				hit = hit || t == want
			case "startsWith":
				hit = hit || strings.HasPrefix(t, want)
			case "contains":
				hit = hit || strings.Contains(t, want)
			default:
				return false, fmt.Sprintf("Operator %q is not supported here.", f.op)
			}
		}
		if hit == f.negate {
			return false, ""
		}
	}
	return true, ""
}
