package lfclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

const testKey = "sk_lf_client_test_SECRET"

func newFake(t *testing.T) (*lfsim.Server, *httptest.Server) {
	return lightfieldtest.Start(t, "../testdata/org.json", testKey)
}

func newClient(t *testing.T, baseURL string, tweak ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{APIKey: testKey, BaseURL: baseURL, UserAgent: "lightfield-mcp/test", MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, AttemptTimeout: 2 * time.Second}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var params = CreateParams{
	Fields:        map[string]any{"$name": "Acme expansion", "$stage": "opt_st_disc", "$amount": 40000},
	Relationships: map[string]any{"$account": "acc_01acme"},
}

func TestCreateSendsHeadersAndDecodes(t *testing.T) {
	fake, ts := newFake(t)
	opp, err := newClient(t, ts.URL).Create(context.Background(), "opportunity", params, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(opp.ID, "opp_") || opp.HTTPLink == nil || opp.Fields["$stage"].ValueType != "SINGLE_SELECT" {
		t.Fatalf("decoded %+v", opp)
	}
	if opp.Relationships["$account"].Values[0] != "acc_01acme" || len(opp.Raw) == 0 {
		t.Fatalf("relationships or raw body lost: %+v", opp)
	}
	req := fake.Requests()[0]
	for header, want := range map[string]string{
		"Authorization": "Bearer " + testKey, "Lightfield-Version": "2026-03-01", "Content-Type": "application/json",
		"Accept": "application/json", "User-Agent": "lightfield-mcp/test", "Idempotency-Key": "key-1",
	} {
		if got := req.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
}

func TestDefinitionsKeepUnknowns(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"objectType":"opportunity","beta":true,"fieldDefinitions":{"rating":{"label":"Rating","description":null,"valueType":"STAR_RATING","typeConfiguration":{"stars":5}}},"relationshipDefinitions":{}}`))
	}))
	defer ts.Close()
	defs, err := newClient(t, ts.URL).Definitions(context.Background(), "opportunity")
	if err != nil {
		t.Fatal(err)
	}
	if defs.FieldDefinitions["rating"].ValueType != "STAR_RATING" {
		t.Fatalf("unknown valueType lost: %+v", defs)
	}
}

func TestRetriesKeepTheSameKey(t *testing.T) {
	for _, fault := range []lfsim.Fault{
		{Status: 429, RetryAfter: "0"},
		{Status: 500}, {Status: 502}, {Status: 503}, {Status: 504},
		{Status: 409, Body: `{"type":"conflict","code":"idempotency_conflict","message":"busy"}`},
	} {
		t.Run(http.StatusText(fault.Status), func(t *testing.T) {
			fake, ts := newFake(t)
			fake.Inject(fault)
			fake.Inject(fault)
			if _, err := newClient(t, ts.URL).Create(context.Background(), "opportunity", params, "same-key"); err != nil {
				t.Fatal(err)
			}
			reqs := fake.Requests()
			if len(reqs) != 3 {
				t.Fatalf("%d attempts, want 3", len(reqs))
			}
			for _, r := range reqs {
				if r.Header.Get("Idempotency-Key") != "same-key" {
					t.Fatalf("attempt with key %q", r.Header.Get("Idempotency-Key"))
				}
			}
			if n := len(fake.Created()); n != 1 {
				t.Fatalf("%d created", n)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	fake, ts := newFake(t)
	fake.Inject(lfsim.Fault{Status: 429, RetryAfter: "1"})
	start := time.Now()
	if _, err := newClient(t, ts.URL).Create(context.Background(), "opportunity", params, "k"); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("retried after %v, before Retry-After", waited)
	}
}

func TestSlowAnswerIsRetriedWithoutDuplicate(t *testing.T) {
	fake, ts := newFake(t)
	fake.Inject(lfsim.Fault{Method: "POST", Delay: 300 * time.Millisecond})
	c := newClient(t, ts.URL, func(cfg *Config) {
		cfg.AttemptTimeout = 100 * time.Millisecond
		cfg.MinBackoff = 400 * time.Millisecond
		cfg.MaxBackoff = 400 * time.Millisecond
	})
	if _, err := c.Create(context.Background(), "opportunity", params, "slow-key"); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Created()); n != 1 {
		t.Fatalf("%d created after a timed-out attempt and a retry, want 1", n)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 415, 422} {
		fake, ts := newFake(t)
		fake.Inject(lfsim.Fault{Status: status})
		_, err := newClient(t, ts.URL).Create(context.Background(), "opportunity", params, "k")
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Fatalf("%d: got %v", status, err)
		}
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("%d: %d attempts, want 1", status, n)
		}
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	fake, ts := newFake(t)
	for range 10 {
		fake.Inject(lfsim.Fault{Status: 503})
	}
	_, err := newClient(t, ts.URL).Create(context.Background(), "opportunity", params, "k")
	if err == nil || len(fake.Requests()) != 4 {
		t.Fatalf("err %v after %d attempts, want an error after 4", err, len(fake.Requests()))
	}
}

func TestConnectionFailureIsRetriedThenReported(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	_, err := newClient(t, url).Definitions(context.Background(), "opportunity")
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("got %v", err)
	}
}

func TestErrorShapes(t *testing.T) {
	cases := map[string]struct {
		body string
		want Error
	}{
		"wrapped":  {`{"error":{"type":"bad_request","code":"unknown_field","param":"fields.x","message":"Unknown field"}}`, Error{StatusCode: 400, Type: "bad_request", Code: "unknown_field", Param: "fields.x", Message: "Unknown field"}},
		"bare":     {`{"type":"bad_request","code":"invalid_type","param":"fields.$amount","message":"must be a number"}`, Error{StatusCode: 400, Type: "bad_request", Code: "invalid_type", Param: "fields.$amount", Message: "must be a number"}},
		"not json": {"<html><body>502 Bad Gateway</body></html>", Error{StatusCode: 400, Message: "<html><body>502 Bad Gateway</body></html>"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(400)
				w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			_, err := newClient(t, ts.URL).Definitions(context.Background(), "opportunity")
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("got %v", err)
			}
			if got.StatusCode != tc.want.StatusCode || got.Type != tc.want.Type || got.Code != tc.want.Code || got.Param != tc.want.Param || got.Message != tc.want.Message {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAmbiguousStageCandidatesKept(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		w.Write([]byte(`{"type":"bad_request","code":"ambiguous_stage_label","message":"ambiguous","candidates":[{"stageOptionId":"opt_1","stageLabel":"Won","pipelineId":"pd_1","pipelineName":"New"}]}`))
	}))
	defer ts.Close()
	_, err := newClient(t, ts.URL).Create(context.Background(), "opportunity", params, "k")
	var got *Error
	if !errors.As(err, &got) || !json.Valid(got.Candidates) || !strings.Contains(string(got.Candidates), "opt_1") {
		t.Fatalf("got %v", err)
	}
}

// arrivals serves empty lists and records when each request arrived.
func arrivals(t *testing.T) (*httptest.Server, func() []time.Time) {
	var mu sync.Mutex
	var times []time.Time
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		io.WriteString(w, `{"object":"list","data":[],"totalCount":0}`)
	}))
	t.Cleanup(ts.Close)
	return ts, func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(times)
	}
}

func TestParallelReadsAreNotSpacedOut(t *testing.T) {
	ts, times := arrivals(t)
	c := newClient(t, ts.URL)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := c.List(context.Background(), "account", nil, 5, 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := times()
	slices.SortFunc(got, time.Time.Compare)
	if spread := got[len(got)-1].Sub(got[0]); spread > 80*time.Millisecond {
		t.Fatalf("4 parallel look-ups arrived over %v; a call's reads must go out together", spread)
	}
}

func TestSustainedRateStaysUnderTheLimit(t *testing.T) {
	ts, times := arrivals(t)
	c := newClient(t, ts.URL, func(cfg *Config) { cfg.RequestsPerSecond = 20 })
	for range 16 {
		if _, err := c.List(context.Background(), "account", nil, 5, 0); err != nil {
			t.Fatal(err)
		}
	}
	got := times()
	// After the burst of 6, the other 10 are paced at 20 a second.
	if spread := got[len(got)-1].Sub(got[0]); spread < 450*time.Millisecond {
		t.Fatalf("16 requests at 20/s with a burst of 6 went out within %v; want ≥ 500 ms", spread)
	}
}

func TestAbandonedWaitIsGivenBack(t *testing.T) {
	ts, times := arrivals(t)
	c := newClient(t, ts.URL, func(cfg *Config) { cfg.RequestsPerSecond = 4; cfg.ReadBurst = 1 })
	if _, err := c.List(context.Background(), "account", nil, 5, 0); err != nil {
		t.Fatal(err)
	}
	// The next slot is 250 ms away: callers that give up first must not
	// push the one after them back.
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		c.List(ctx, "account", nil, 5, 0)
		cancel()
	}
	if _, err := c.List(context.Background(), "account", nil, 5, 0); err != nil {
		t.Fatal(err)
	}
	got := times()
	if len(got) != 2 {
		t.Fatalf("%d requests reached the server, want 2", len(got))
	}
	if gap := got[1].Sub(got[0]); gap > 400*time.Millisecond {
		t.Fatalf("the second request waited %v: abandoned reservations were kept", gap)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no key accepted")
	}
	if _, err := New(Config{APIKey: "k", BaseURL: "api.lightfield.app"}); err == nil {
		t.Error("relative base URL accepted")
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if d := parseRetryAfter(now.Add(3*time.Second).Format(http.TimeFormat), now); d != 3*time.Second {
		t.Fatalf("got %v", d)
	}
	if d := parseRetryAfter("2", now); d != 2*time.Second {
		t.Fatalf("got %v", d)
	}
}

// FuzzDecodeOpportunity: any answer body gives an opportunity or an error,
// never a panic.
func FuzzDecodeOpportunity(f *testing.F) {
	for _, seed := range []string{
		`{"id":"opp_1","createdAt":"x","updatedAt":null,"httpLink":null,"fields":{},"relationships":{}}`,
		`{"id":"opp_1","fields":{"$stage":{"valueType":"NEW","value":{"a":[1]}}},"relationships":{"x":{"values":null}}}`,
		`{"id":""}`, `null`, `[]`, `{"id":"opp_1","fields":[]}`, `{"id":"opp_1"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		opp, err := decodeObject(body)
		if err == nil && opp.ID == "" {
			t.Fatal("an opportunity without an id was accepted")
		}
	})
}

func TestListSendsFiltersAsDocumented(t *testing.T) {
	fake, ts := newFake(t)
	page, err := newClient(t, ts.URL).List(context.Background(), "account", []Filter{{Key: "$name", Operator: "equal", Value: "Globex"}}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 1 || page.Data[0].ID != "acc_02globex" || page.TotalCount != 2 || page.Data[0].Name() != "Globex" {
		t.Fatalf("page %+v", page)
	}
	if got := fake.Requests()[0]; got.Path != "/v1/accounts" {
		t.Fatalf("path %q", got.Path)
	}
	if q := listQuery([]Filter{{"$email", "contains", "a+b@x.example"}, {"$name", "-equal", "A&B"}}, 25, 0); q != "$email[contains]=a%2Bb%40x.example&$name[-equal]=A%26B&limit=25" {
		t.Fatalf("query %s", q)
	}
}

func TestRecordReaders(t *testing.T) {
	var r Record
	json.Unmarshal([]byte(`{"id":"con_1","fields":{"$name":{"valueType":"FULL_NAME","value":{"firstName":"Ada","lastName":null}},"$email":{"valueType":"EMAIL","value":["a@x.example","b@x.example"]},"$website":{"valueType":"URL","value":"https://x.example"}}}`), &r)
	if r.Name() != "Ada" || r.Text("$email") != "a@x.example" || len(r.Strings("$email")) != 2 || r.Text("$website") != "https://x.example" || r.Text("missing") != "" {
		t.Fatalf("read %q %q %v %q", r.Name(), r.Text("$email"), r.Strings("$email"), r.Text("$website"))
	}
}

func TestRedirectDoesNotCarryTheKey(t *testing.T) {
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), testKey) {
			leaked.Store(true)
		}
		w.Write([]byte(`{"objectType":"opportunity","fieldDefinitions":{},"relationshipDefinitions":{}}`))
	}))
	defer elsewhere.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	_, err := newClient(t, redirecting.URL).Definitions(context.Background(), "opportunity")
	if err == nil || leaked.Load() {
		t.Fatalf("redirect followed (err %v, key sent elsewhere: %v)", err, leaked.Load())
	}
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://localhost:1": true, "http://[::1]:9": true,
		"https://api.lightfield.app": true, "http://api.lightfield.app": false, "http://10.0.0.5": false,
		"https://user:pass@api.lightfield.app": false,
	} {
		_, err := New(Config{APIKey: "k", BaseURL: url})
		if (err == nil) != ok {
			t.Errorf("%s: err %v", url, err)
		}
	}
	if _, err := New(Config{APIKey: "k", BaseURL: "http://api.lightfield.app", AllowInsecureHTTP: true}); err != nil {
		t.Errorf("explicitly allowed: %v", err)
	}
}

func TestEchoedKeyIsRedacted(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		w.Write([]byte(`{"type":"unauthorized","message":"key ` + testKey + ` is revoked"}`))
	}))
	defer ts.Close()
	_, err := newClient(t, ts.URL).Definitions(context.Background(), "opportunity")
	var apiErr *Error
	if !errors.As(err, &apiErr) || strings.Contains(err.Error(), testKey) || strings.Contains(apiErr.Message, testKey) || !strings.Contains(apiErr.Message, "[redacted]") {
		t.Fatalf("got %v", err)
	}
}

// FuzzParseError: any error answer gives an Error, never a panic, and the
// key never survives in it.
func FuzzParseError(f *testing.F) {
	for _, seed := range []string{
		`{"error":{"type":"bad_request","code":"x","param":"fields.a","message":"m"}}`,
		`{"type":"bad_request","message":"` + testKey + `"}`, `{"error":null}`, `{"error":"x"}`, `<html>`, ``, `{"candidates":[1,2]}`,
	} {
		f.Add([]byte(seed), 400)
	}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		e := parseError(resp, body, testKey)
		if e == nil || strings.Contains(e.Error(), testKey) || strings.Contains(string(e.Candidates), testKey) {
			t.Fatalf("got %#v", e)
		}
	})
}

func TestRetrieve(t *testing.T) {
	_, ts := newFake(t)
	c := newClient(t, ts.URL)
	rec, err := c.Retrieve(context.Background(), "contact", "con_01samo")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Name() != "Sam Ortiz" || !slices.Equal(rec.Relationships["$account"].Values, []string{"acc_01acme"}) {
		t.Errorf("got %s with accounts %v", rec.Name(), rec.Relationships["$account"].Values)
	}
	_, err = c.Retrieve(context.Background(), "account", "acc_missing")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Errorf("a missing account gave %v, want a 404 Error", err)
	}
}

func TestVerifiedAndRejected(t *testing.T) {
	_, ts := newFake(t)
	shared := rate.NewLimiter(rate.Every(time.Hour), 1) // one request, then none for an hour
	wrong := newClient(t, ts.URL, func(cfg *Config) { cfg.APIKey = "sk_lf_wrong"; cfg.Unverified = shared })
	if _, err := wrong.Definitions(context.Background(), "opportunity"); err == nil || !wrong.Rejected() || wrong.Verified() {
		t.Fatalf("a wrong key: err=%v rejected=%v verified=%v", err, wrong.Rejected(), wrong.Verified())
	}
	// The shared budget for keys Lightfield never accepted is spent.
	another := newClient(t, ts.URL, func(cfg *Config) { cfg.APIKey = "sk_lf_another"; cfg.Unverified = shared })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := another.Definitions(ctx, "opportunity"); err == nil {
		t.Fatal("an unverified key went past the shared limit")
	}
	right := newClient(t, ts.URL, func(cfg *Config) { cfg.Unverified = rate.NewLimiter(rate.Every(time.Hour), 1) })
	for range 3 { // after the first answer, the shared limit no longer applies
		if _, err := right.Definitions(context.Background(), "opportunity"); err != nil {
			t.Fatal(err)
		}
	}
	if !right.Verified() || right.Rejected() {
		t.Fatal("a right key is not verified")
	}
}

func TestPlausibleKey(t *testing.T) {
	for key, want := range map[string]bool{
		"sk_lf_abc123": true, "sk_lf_A-b_C": true, "sk_lf_": false, "Bearer sk_lf_x": false, "sk_lf_a b": false,
		"sk_lf_ü": false, "pk_lf_abc": false, "sk_lf_" + strings.Repeat("a", 251): false, "sk_lf_" + strings.Repeat("a", 250): true,
	} {
		if PlausibleKey(key) != want {
			t.Errorf("PlausibleKey(%.20q) = %v", key, !want)
		}
	}
}

// TestValidate: the key's scopes are read as Lightfield states them, an
// empty list meaning full access; a refused key is a 401.
func TestValidate(t *testing.T) {
	fake, ts := newFake(t)
	info, err := newClient(t, ts.URL).Validate(context.Background())
	if err != nil || !info.Active || !info.FullAccess() {
		t.Fatalf("%+v %v", info, err)
	}
	fake.SetScopes("opportunities:read", "opportunities:create")
	info, err = newClient(t, ts.URL).Validate(context.Background())
	if err != nil || info.FullAccess() || len(info.Scopes) != 2 {
		t.Fatalf("%+v %v", info, err)
	}
	_, err = newClient(t, ts.URL, func(c *Config) { c.APIKey = "sk_lf_wrong" }).Validate(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("a wrong key: %v", err)
	}
}
