package lfsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// stored is one record of any type, the organisation's or one written
// through the API, with every version written, oldest first: a retrieve
// shows the newest, a list the newest the search index had caught up with.
type stored struct {
	objectType, id string
	versions       []version
	// createdBy is the creator Lightfield filled in, in the background, for
	// a create that named none: versions show it, write answers do not.
	// "" once a write names one.
	createdBy string
	// answer is the create's answer; nil for the organisation's records.
	answer json.RawMessage
}

// version is a record as the write left it (with the creator Lightfield
// fills in), before the backlinks added on reads, and when it was written
// (zero for the organisation's records: the index has always had them). A version is never changed once
// stored, so reads may share it outside the lock; a write adds a new one.
type version struct {
	at  time.Time
	rec map[string]any
}

func (r *stored) latest() map[string]any { return r.versions[len(r.versions)-1].rec }

// asOf returns the version the search index showed at cutoff, nil if the
// record was not written yet.
func (r *stored) asOf(cutoff time.Time) map[string]any {
	for i := len(r.versions) - 1; i >= 0; i-- {
		if !r.versions[i].at.After(cutoff) {
			return r.versions[i].rec
		}
	}
	return nil
}

// add stores a new record written at. Callers hold s.mu.
func (s *Server) add(objectType string, at time.Time, rec map[string]any, answer json.RawMessage) *stored {
	r := &stored{objectType: objectType, id: rec["id"].(string), versions: []version{{at, rec}}, answer: answer}
	s.byID[r.id] = r
	s.ofType[objectType] = append(s.ofType[objectType], r)
	return r
}

// exists reports whether there is a record of objectType with this ID.
// Callers hold s.mu.
func (s *Server) exists(objectType, id string) bool {
	r, ok := s.byID[id]
	return ok && r.objectType == objectType
}

// storeOrg stores the organisation's accounts, members and contacts, each
// showing (empty) the backlinks its definitions have, as created records
// do.
func (s *Server) storeOrg(org Org) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, group := range []struct {
		objectType string
		list       []Entity
	}{{"account", org.Accounts}, {"member", org.Members}, {"contact", org.Contacts}} {
		for _, e := range group.list {
			shown := orgRecord(group.objectType, e, s.linkBase)
			rels := shown["relationships"].(map[string]any)
			for _, b := range backlinks {
				def, ok := s.defs[b.target].Relationships[b.key]
				if ok && b.target == group.objectType && rels[b.key] == nil {
					rels[b.key] = relationship(def.Cardinality, def.ObjectType, []string{})
				}
			}
			_, rec, err := decoded(shown)
			if err != nil {
				return fmt.Errorf("fake org %s %s: %w", group.objectType, e.ID, err)
			}
			s.add(group.objectType, time.Time{}, rec, nil)
		}
	}
	return nil
}

// orgRecord shows an account, contact or member of the organisation file
// as reads do. An account's $contact starts empty: reads list the contacts
// whose $account names it.
func orgRecord(objectType string, e Entity, linkBase string) map[string]any {
	wrap := func(valueType string, value any) map[string]any {
		return map[string]any{"valueType": valueType, "value": value}
	}
	first, last, _ := strings.Cut(e.Name, " ")
	fields, rels := map[string]any{}, map[string]any{}
	switch objectType {
	case "account":
		fields["$name"] = wrap("TEXT", e.Name)
		fields["$website"] = wrap("URL", e.Website)
		if e.Address != nil {
			fields["$primaryAddress"] = wrap("ADDRESS", e.Address)
		}
		rels["$contact"] = relationship("HAS_MANY", "contact", []string{})
	case "contact":
		fields["$name"] = wrap("FULL_NAME", map[string]any{"firstName": first, "lastName": last})
		fields["$email"] = wrap("EMAIL", []string{e.Email})
		rels["$account"] = relationship("HAS_MANY", "account", append([]string{}, e.Accounts...))
	case "member":
		fields["$name"] = wrap("FULL_NAME", map[string]any{"firstName": first, "lastName": last})
		fields["$email"] = wrap("EMAIL", e.Email)
		fields["$profileImage"] = wrap("URL", nil)
		fields["$role"] = wrap("TEXT", "Member")
	}
	return map[string]any{
		"id": e.ID, "createdAt": "2026-01-05T09:00:00Z", "updatedAt": nil,
		"httpLink": linkBase + "/" + objectType + "s/" + e.ID,
		"fields":   fields, "relationships": rels,
	}
}

// relationship is a relationship as reads show it; the contract writes
// cardinality in lower case there, unlike in definitions.
func relationship(cardinality, objectType string, values []string) map[string]any {
	return map[string]any{"cardinality": strings.ToLower(cardinality), "objectType": objectType, "values": values}
}

// decoded returns v as JSON and decoded afresh: the shapes a list's
// filters read, and a map no other version shares.
func decoded(v any) (json.RawMessage, map[string]any, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	var rec map[string]any
	err = json.Unmarshal(out, &rec)
	return out, rec, err
}

// revised returns a copy of rec with these fields and relationships set.
func revised(rec, fields, rels map[string]any, updatedAt any) map[string]any {
	merged := func(old any, set map[string]any) map[string]any {
		m, _ := old.(map[string]any)
		m = maps.Clone(m)
		if m == nil {
			m = map[string]any{}
		}
		maps.Copy(m, set)
		return m
	}
	next := maps.Clone(rec)
	next["fields"] = merged(rec["fields"], fields)
	next["relationships"] = merged(rec["relationships"], rels)
	next["updatedAt"] = updatedAt
	return next
}

// relValues returns the IDs in rec's relationship key.
func relValues(rec map[string]any, key string) []string {
	rels, _ := rec["relationships"].(map[string]any)
	rel, _ := rels[key].(map[string]any)
	switch v := rel["values"].(type) {
	case []string:
		return v
	case []any:
		ids := make([]string, 0, len(v))
		for _, item := range v {
			if id, ok := item.(string); ok {
				ids = append(ids, id)
			}
		}
		return ids
	}
	return nil
}

// union returns a's IDs, then b's not in a.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, id := range b {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// backlink is a relationship Lightfield fills in itself: key of a target
// record lists the records of type source whose sourceKey names it. Reads
// show them beside what was written to key; the create or update answer
// does not, as Lightfield fills them in the background.
type backlink struct{ target, key, source, sourceKey string }

var backlinks = []backlink{
	{"opportunity", "$note", "note", "$opportunity"},
	{"opportunity", "$task", "task", "$opportunity"},
	{"account", "$opportunity", "opportunity", "$account"},
	{"account", "$note", "note", "$account"},
	{"account", "$task", "task", "$account"},
	// Both sides of the account–contact link can be written.
	{"account", "$contact", "contact", "$account"},
	{"contact", "$account", "account", "$contact"},
}

// linkIndex holds, per backlinked key of one object type, the IDs of the
// records naming each target ID.
type linkIndex map[string]map[string][]string

// links gathers the backlinks of objectType's records from the records that
// name them, each seen as view shows it (nil: not seen). Callers hold s.mu.
func (s *Server) links(objectType string, view func(*stored) map[string]any) linkIndex {
	idx := linkIndex{}
	for _, b := range backlinks {
		if b.target != objectType {
			continue
		}
		named := map[string][]string{}
		for _, src := range s.ofType[b.source] {
			if rec := view(src); rec != nil {
				for _, id := range relValues(rec, b.sourceKey) {
					named[id] = append(named[id], rec["id"].(string))
				}
			}
		}
		idx[b.key] = named
	}
	return idx
}

// withLinks returns rec, a version of r, with the backlinks Lightfield
// fills in for reads: a copy where one changes, as stored versions are
// shared. A backlink is
// shown where the record shows its key or the definitions have it. Most
// records have none: those cost no look-up in rec, so that a list of
// thousands stays quick. Callers hold s.mu.
func (s *Server) withLinks(r *stored, rec map[string]any, idx linkIndex) map[string]any {
	var changed map[string]any // the copy of rec's relationships, once needed
	set := func(key string, entry map[string]any) {
		if changed == nil {
			rels, _ := rec["relationships"].(map[string]any)
			changed = maps.Clone(rels)
		}
		changed[key] = entry
	}
	defs := s.defs[r.objectType].Relationships
	for _, b := range backlinks {
		if b.target != r.objectType {
			continue
		}
		named := idx[b.key][r.id]
		if len(named) == 0 {
			continue
		}
		rels, _ := rec["relationships"].(map[string]any)
		shown, isShown := rels[b.key].(map[string]any)
		def, defined := defs[b.key]
		if !defined && !isShown {
			continue
		}
		entry := relationship(def.Cardinality, def.ObjectType, nil)
		if isShown {
			entry = maps.Clone(shown)
		}
		entry["values"] = union(relValues(rec, b.key), named)
		set(b.key, entry)
	}
	if changed == nil {
		return rec
	}
	out := maps.Clone(rec)
	out["relationships"] = changed
	return out
}

// written returns rec, a version of r, as a write's answer shows it:
// without the creator Lightfield filled in the background.
func (r *stored) written(rec map[string]any) map[string]any {
	if r.createdBy == "" {
		return rec
	}
	rels := maps.Clone(rec["relationships"].(map[string]any))
	entry := maps.Clone(rels["$createdBy"].(map[string]any))
	entry["values"] = []string{}
	rels["$createdBy"] = entry
	out := maps.Clone(rec)
	out["relationships"] = rels
	return out
}

// current returns the record with this ID as a retrieve shows it, nil if
// there is none.
func (s *Server) current(id string) (objectType string, rec map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	if !ok {
		return "", nil
	}
	return r.objectType, s.withLinks(r, r.latest(), s.links(r.objectType, (*stored).latest))
}

// Versions counts the writes that made the record with this ID: 1 for a
// record created and never changed, 0 for none. A test proves with it that
// an update was applied once.
func (s *Server) Versions(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.byID[id]; ok {
		return len(r.versions)
	}
	return 0
}

// Record returns the record with this ID (of any type) as a retrieve shows
// it now: the newest version, with the links Lightfield fills in.
func (s *Server) Record(id string) (json.RawMessage, bool) {
	_, rec := s.current(id)
	if rec == nil {
		return nil, false
	}
	out, err := json.Marshal(rec)
	return out, err == nil
}

// Seed stores records of objectType (any the fake creates: "opportunity",
// "account", "note", "task", …) as creates with these bodies would, each checked as a create is,
// without HTTP, rate limit, idempotency, faults or request log: a
// benchmark's thousands of deals in a moment. They are created at
// createdAt, which also ages them for the list lag. It returns their IDs in
// order; the first body refused stops it, with the IDs stored before it.
func (s *Server) Seed(objectType string, bodies [][]byte, createdAt time.Time) ([]string, error) {
	path, k, ok := collectionOf(objectType)
	if !ok || k.createScope == "" {
		return nil, fmt.Errorf("lfsim: seed: the fake does not create %q records", objectType)
	}
	ids := make([]string, 0, len(bodies))
	for i, body := range bodies {
		s.mu.Lock()
		id, _, e := s.store(path, k, body, createdAt)
		s.mu.Unlock()
		if e != nil {
			return ids, fmt.Errorf("lfsim: seed %s #%d: %w", objectType, i, e)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func collectionOf(objectType string) (string, kind, bool) {
	for path, k := range collections {
		if k.objectType == objectType {
			return path, k, true
		}
	}
	return "", kind{}, false
}
