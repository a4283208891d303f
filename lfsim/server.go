package lfsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is an injected misbehaviour for the next request matching Method and
// Path (empty matches any).
type Fault struct {
	Method, Path string
	// Status, when not zero, is answered instead of handling the request,
	// with Body (default: a JSON error of the status's type).
	Status int
	Body   string
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Delay is waited before answering (or before failing). Without a
	// Status the request is handled at once and only the answer is late.
	Delay time.Duration
	// Reset closes the connection without an answer before the request is
	// handled: nothing was done.
	Reset bool
	// ResetAfterCommit handles the request (a write is stored), then
	// closes the connection without an answer.
	ResetAfterCommit bool
	// Truncate handles the request, then sends status 200 with half the body.
	Truncate bool
}

// Request is what the fake received, for tests to inspect.
type Request struct {
	Method, Path string
	Query        string
	Header       http.Header
	Body         []byte
	// Start is when the request arrived, End when its answer was done
	// (zero while it is under way).
	Start, End time.Time
}

// CriticalPath is the longest chain of requests among reqs in which each
// began after the one before had been answered: how many round trips one
// after the other the work took.
func CriticalPath(reqs []Request) int {
	longest := make([]int, len(reqs))
	best := 0
	for i := range reqs {
		longest[i] = 1
		for j := range i {
			if !reqs[j].End.IsZero() && !reqs[i].Start.Before(reqs[j].End) {
				longest[i] = max(longest[i], longest[j]+1)
			}
		}
		best = max(best, longest[i])
	}
	return best
}

// Server is the fake Lightfield API. Create it with New; the zero value is
// not usable.
type Server struct {
	mu     sync.Mutex
	apiKey string
	// scopes is nil for full access.
	scopes []string
	// rawDefs are the definitions served, defs the fake's reading of
	// them, by object type; notes have defs but nothing served.
	rawDefs map[string]json.RawMessage
	defs    map[string]definitions
	// Every record, the organisation's and those written: by ID, and by
	// object type in the order stored.
	byID        map[string]*stored
	ofType      map[string][]*stored
	listLag     time.Duration
	dropOnWrite map[string]bool
	requests    []Request
	faults      []Fault
	idempotent  map[string]*idempotentEntry
	seq         int
	now         func() time.Time
	// linkBase starts every httpLink; idTag follows the type's prefix in
	// every created ID (opp_fake000001).
	linkBase, idTag string
	// recordRequests keeps every request for Requests; the sandbox, which
	// lives as long as its process, does not.
	recordRequests bool
	abandoned      int
	latency        time.Duration
	rateLimit      int
	rateLimited    int
	recent         map[string][]time.Time // request times per rate category
	spent          map[string]int         // requests let through per rate category
}

type idempotentEntry struct {
	done   chan struct{}
	status int
	body   []byte
}

// New returns a fake serving org, accepting only apiKey.
func New(org Org, apiKey string) (*Server, error) {
	s := &Server{apiKey: apiKey, byID: map[string]*stored{}, ofType: map[string][]*stored{}, idempotent: map[string]*idempotentEntry{}, dropOnWrite: map[string]bool{}, now: time.Now, linkBase: "https://app.lightfield.app", idTag: "fake", recordRequests: true, recent: map[string][]time.Time{}, spent: map[string]int{}, rawDefs: map[string]json.RawMessage{}, defs: map[string]definitions{}}
	if err := s.SetDefinitions(org.Definitions); err != nil {
		return nil, err
	}
	for objectType, raw := range map[string]json.RawMessage{"account": org.AccountDefinitions, "contact": org.ContactDefinitions, "task": taskDefinitions, "note": json.RawMessage(noteDefinitions)} {
		if raw == nil {
			continue // an organisation file from before the fake created accounts
		}
		if err := s.setDefinitions(objectType, raw); err != nil {
			return nil, err
		}
	}
	delete(s.rawDefs, "note") // Lightfield serves none; notes are checked against the fake's own
	if err := s.storeOrg(org); err != nil {
		return nil, err
	}
	return s, nil
}

// SetDefinitions replaces the served opportunity definitions, as an
// administrator editing fields in Lightfield would.
func (s *Server) SetDefinitions(raw json.RawMessage) error {
	return s.setDefinitions("opportunity", raw)
}

func (s *Server) setDefinitions(objectType string, raw json.RawMessage) error {
	var d definitions
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("fake %s definitions: %w", objectType, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rawDefs[objectType], s.defs[objectType] = raw, d
	return nil
}

// SetScopes limits the key to these scopes; nil gives full access.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = scopes
}

// Inject queues a fault; faults are used once each, in order.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// SetLatency delays every answer by d, as a distant API would.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// KeepRequests turns the request log that Requests reads on or off; a long
// run turns it off so that memory stays flat.
func (s *Server) KeepRequests(keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordRequests = keep
}

// ClearFaults drops the faults not used yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Created returns the opportunities created so far, as the API answered
// the creates (later updates are not shown: see Record).
func (s *Server) Created() []json.RawMessage {
	return s.CreatedOf("opportunity")
}

// CreatedOf returns the records of objectType ("opportunity", "account",
// "note" or "task") created so far, as the API answered the creates.
func (s *Server) CreatedOf(objectType string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []json.RawMessage{}
	for _, r := range s.ofType[objectType] {
		if r.answer != nil {
			out = append(out, r.answer)
		}
	}
	return out
}

// DropOnWrite makes the fake accept a field but not store it, as a
// misbehaving API might, so that callers can prove they notice.
func (s *Server) DropOnWrite(fieldKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropOnWrite[fieldKey] = true
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "body_unreadable", "", "the request body could not be read")
		return
	}
	s.mu.Lock()
	if s.recordRequests {
		i := len(s.requests)
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Start: time.Now()})
		defer func() {
			s.mu.Lock()
			s.requests[i].End = time.Now()
			s.mu.Unlock()
		}()
	}
	fault, faulted := s.takeFault(r)
	latency := s.latency
	s.mu.Unlock()
	if !s.sleep(r, latency) {
		return
	}
	if fault.Reset {
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	if faulted && fault.Status != 0 {
		if !s.sleep(r, fault.Delay) {
			return
		}
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		if fault.Body != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(fault.Status)
			io.WriteString(w, fault.Body)
			return
		}
		writeError(w, fault.Status, statusType(fault.Status), "", "", http.StatusText(fault.Status))
		return
	}
	if !s.authorized(w, r) || !s.withinRateLimit(w, r) {
		return
	}
	coll, isList := collections[r.URL.Path]
	item, isItem := collections[path.Dir(r.URL.Path)]
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/auth/validate":
		s.mu.Lock()
		scopes := slices.Clone(s.scopes)
		s.mu.Unlock()
		if scopes == nil {
			scopes = []string{} // empty: full access
		}
		answer, _ := json.Marshal(map[string]any{"active": true, "tokenType": "api_key", "subjectType": "user", "scopes": scopes})
		if s.sleep(r, fault.Delay) {
			s.answer(w, fault, http.StatusOK, answer)
		}
	case r.Method == http.MethodGet && isItem && path.Base(r.URL.Path) == "definitions":
		if s.requireScope(w, item.readScope) {
			s.definitions(w, r, item.objectType, fault)
		}
	case r.Method == http.MethodPost && isList && coll.createScope != "":
		if s.requireScope(w, coll.createScope) && s.requireJSON(w, r) {
			s.withIdempotency(w, r, fault, func() (int, []byte) { return s.create(r.URL.Path, coll, body) })
		}
	case r.Method == http.MethodPost && isItem && item.updateScope != "":
		if s.requireScope(w, item.updateScope) && s.requireJSON(w, r) {
			s.withIdempotency(w, r, fault, func() (int, []byte) { return s.update(item, path.Base(r.URL.Path), body) })
		}
	case r.Method == http.MethodGet && isList:
		if s.requireScope(w, coll.readScope) && s.sleep(r, fault.Delay) {
			s.list(w, r, coll.objectType, fault)
		}
	case r.Method == http.MethodGet && isItem:
		if s.requireScope(w, item.readScope) && s.sleep(r, fault.Delay) {
			s.retrieve(w, item.objectType, path.Base(r.URL.Path), fault)
		}
	default:
		writeError(w, http.StatusNotFound, "not_found", "", "", fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	}
}

// answer delivers a handled request's answer as the fault says: never (the
// connection is reset after the work was done), cut short, or whole.
func (s *Server) answer(w http.ResponseWriter, f Fault, status int, body []byte) {
	switch {
	case f.ResetAfterCommit:
		panic(http.ErrAbortHandler)
	case f.Truncate:
		writeJSON(w, status, body[:len(body)/2])
	default:
		writeJSON(w, status, body)
	}
}

func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && (f.Path == "" || f.Path == r.URL.Path) {
			s.faults = slices.Delete(s.faults, i, i+1)
			return f, true
		}
	}
	return Fault{}, false
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+s.apiKey {
		writeError(w, http.StatusUnauthorized, "unauthorized", "", "", "Invalid or missing API key.")
		return false
	}
	if r.Header.Get("Lightfield-Version") != "2026-03-01" {
		writeError(w, http.StatusBadRequest, "bad_request", "version_header", "", "The Lightfield-Version header is missing or not supported; send 2026-03-01.")
		return false
	}
	return true
}

func (s *Server) requireScope(w http.ResponseWriter, scope string) bool {
	s.mu.Lock()
	scopes := s.scopes
	s.mu.Unlock()
	if scopes == nil || slices.Contains(scopes, scope) {
		return true
	}
	writeError(w, http.StatusForbidden, "forbidden", "", "", fmt.Sprintf("This API key lacks the required scope: %s", scope))
	return false
}

func (s *Server) requireJSON(w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "", "", "Send Content-Type: application/json.")
		return false
	}
	return true
}

// definitions answers GET /v1/{type}s/definitions.
func (s *Server) definitions(w http.ResponseWriter, r *http.Request, objectType string, fault Fault) {
	s.mu.Lock()
	raw := s.rawDefs[objectType]
	s.mu.Unlock()
	if raw == nil {
		writeError(w, http.StatusNotFound, "not_found", "", "", fmt.Sprintf("The fake organisation has no %s definitions.", objectType))
		return
	}
	if s.sleep(r, fault.Delay) {
		s.answer(w, fault, http.StatusOK, raw)
	}
}

// withIdempotency applies Lightfield's idempotency rules around a write (a
// create or an update): a finished key replays its answer whatever the
// body (and whatever the path), a running one is a 409, and a failed one
// is forgotten so that a retry runs again.
func (s *Server) withIdempotency(w http.ResponseWriter, r *http.Request, fault Fault, write func() (int, []byte)) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		writeError(w, http.StatusBadRequest, "bad_request", "idempotency_key_too_long", "", "Idempotency-Key must be at most 255 characters.")
		return
	}
	if key == "" {
		status, answer := write()
		if s.sleep(r, fault.Delay) {
			s.answer(w, fault, status, answer)
		}
		return
	}
	s.mu.Lock()
	if entry, ok := s.idempotent[key]; ok {
		s.mu.Unlock()
		select {
		case <-entry.done:
			w.Header().Set("Idempotent-Replayed", "true")
			if s.sleep(r, fault.Delay) {
				s.answer(w, fault, entry.status, entry.body)
			}
		default:
			writeError(w, http.StatusConflict, "conflict", "idempotency_conflict", "", "A request with this Idempotency-Key is still being processed; retry later with the same key.")
		}
		return
	}
	entry := &idempotentEntry{done: make(chan struct{})}
	s.idempotent[key] = entry
	s.mu.Unlock()

	status, answer := write()
	answered := s.sleep(r, fault.Delay)
	s.mu.Lock()
	if status == http.StatusOK {
		entry.status, entry.body = status, answer
	} else {
		delete(s.idempotent, key)
	}
	close(entry.done)
	s.mu.Unlock()
	if answered {
		s.answer(w, fault, status, answer)
	}
}

// sleep waits d unless the client goes away first (which Abandoned counts);
// it reports whether the client is still there to answer.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		s.mu.Lock()
		s.abandoned++
		s.mu.Unlock()
		return false
	}
}

// Abandoned counts requests whose client went away while the fake delayed
// its answer.
func (s *Server) Abandoned() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.abandoned
}

// SetRateLimit makes the fake answer 429 above perSecond requests per
// second in each category (write, read, search), as Lightfield does; zero
// turns it off.
func (s *Server) SetRateLimit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit = perSecond
}

// RateLimited counts the 429 answers the rate limit gave.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// Spent counts, per rate category ("write", "read", "search"), the
// requests the rate limit let through: at the limit's rate, the fewest
// seconds they could have taken is the largest count over the limit.
func (s *Server) Spent() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.spent)
}

func rateCategory(r *http.Request) string {
	switch {
	case r.Method == http.MethodPost:
		return "write"
	case collections[path.Dir(r.URL.Path)].objectType != "" || r.URL.Path == "/v1/auth/validate":
		return "read" // retrieve by ID, definitions, or the key's validation
	}
	return "search"
}

// withinRateLimit counts the request in its category's one-second window.
func (s *Server) withinRateLimit(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rateLimit == 0 {
		return true
	}
	cat := rateCategory(r)
	now := s.now()
	recent := s.recent[cat][:0]
	for _, t := range s.recent[cat] {
		if now.Sub(t) < time.Second {
			recent = append(recent, t)
		}
	}
	limited := len(recent) >= s.rateLimit
	if !limited {
		recent = append(recent, now)
		s.spent[cat]++
	}
	s.recent[cat] = recent
	// The window slides: a request is counted for one second after it
	// came, so the budget grows again when the oldest counted one leaves.
	// Reset is that moment in whole seconds, rounded up, so that a client
	// waiting until it is never early.
	reset := recent[0].Add(time.Second)
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.rateLimit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(s.rateLimit-len(recent)))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(reset.UnixNano())/1e9)), 10))
	if limited {
		s.rateLimited++
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(reset.Sub(now).Seconds())))))
		writeError(w, http.StatusTooManyRequests, "too_many_requests", "", "", "Rate limit exceeded; retry after the time in Retry-After.")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func writeError(w http.ResponseWriter, status int, typ, code, param, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorBody(typ, code, param, message))
}

func errorBody(typ, code, param, message string) []byte {
	// The bare shape of the OpenAPI document; clients must accept it as well
	// as the wrapped one.
	e := map[string]string{"type": typ, "message": message}
	if code != "" {
		e["code"] = code
	}
	if param != "" {
		e["param"] = param
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(e)
	return buf.Bytes()
}

func statusType(status int) string {
	switch status {
	case 400:
		return "bad_request"
	case 401:
		return "unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 409:
		return "conflict"
	case 415:
		return "unsupported_media_type"
	case 422:
		return "unprocessable_content"
	case 429:
		return "too_many_requests"
	case 503:
		return "service_unavailable"
	case 504:
		return "gateway_timeout"
	}
	return "internal_server_error"
}
