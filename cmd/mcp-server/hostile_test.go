package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// initializeRequest opens a 2025-11-25 session.
const initializeRequest = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// residentBytes reads a process's resident memory (VmRSS) on Linux.
func residentBytes(t *testing.T, pid int) int64 {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("resident memory is read from /proc/<pid>/status, which only Linux has")
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("resident memory cannot be read here: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS in /proc status")
	return 0
}

// do sends one request through client and drains the answer.
func do(t *testing.T, client *http.Client, method, url string, header map[string]string, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// flood sends n initialize requests with key ("" for none) from 4 workers
// and returns how many were answered 200.
func flood(t *testing.T, url, key string, n int) int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	ok := 0
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			header := map[string]string{}
			if key != "" {
				header["Authorization"] = "Bearer " + key
			}
			for i := w; i < n; i += 4 {
				if do(t, client, "POST", url, header, initializeRequest).StatusCode == 200 {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return ok
}

// TestSessionFloodIsBounded: 20,000 initializes from one caller grow the
// server's resident memory by less than 40 MiB, and another caller's
// session is still held and served. (Before sessions were bounded, each
// initialize kept about 12 KB for ever: 240 MB here.)
func TestSessionFloodIsBounded(t *testing.T) {
	for _, c := range []struct {
		name, floodKey string
		env            []string
	}{
		{"callers' own keys", keyA, nil},
		{"the operator's key, requests without one", "", []string{"LIGHTFIELD_API_KEY=" + keyB}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, api := twoOrgs(t)
			base, cmd, _ := startHTTP(t, append([]string{"LIGHTFIELD_BASE_URL=" + api}, c.env...)...)
			// The other caller's session, with its stream open.
			idB := post(t, base+"/mcp", keyB, "", initializeRequest).Header.Get("Mcp-Session-Id")
			if stream := openStreamAs(t, base, keyB, "2025-11-25", idB); stream.StatusCode != 200 {
				t.Fatalf("B's stream: %d", stream.StatusCode)
			}
			flood(t, base+"/mcp", c.floodKey, 200) // warm up: the first organisation, buffers
			before := residentBytes(t, cmd.Process.Pid)
			const n = 20_000
			if got := flood(t, base+"/mcp", c.floodKey, n); got != n {
				t.Fatalf("%d of %d initializes were served", got, n)
			}
			grew := residentBytes(t, cmd.Process.Pid) - before
			t.Logf("resident memory grew %.1f MiB over %d initializes", float64(grew)/(1<<20), n)
			if grew >= 40<<20 {
				t.Errorf("resident memory grew %.1f MiB, want under 40 MiB", float64(grew)/(1<<20))
			}
			// B's session is still B's: served to B, refused to another key.
			client := http.DefaultClient
			session := map[string]string{"Authorization": "Bearer " + keyB, "Mcp-Session-Id": idB, "Mcp-Protocol-Version": "2025-11-25"}
			if resp := do(t, client, "POST", base+"/mcp", session, listRequest); resp.StatusCode != 200 {
				t.Errorf("B's session after the flood: %d", resp.StatusCode)
			}
			session["Authorization"] = "Bearer " + keyA
			if resp := do(t, client, "POST", base+"/mcp", session, listRequest); resp.StatusCode != 404 {
				t.Errorf("B's session was forgotten in the flood: another key was served on it (%d)", resp.StatusCode)
			}
		})
	}
}

// TestHostHeaders: a request is judged by the host it names, whatever the
// listener: a DNS-rebinding page's name is refused on 0.0.0.0, and the
// deployment's own name is served even when a local proxy delivers it
// over loopback.
func TestHostHeaders(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, logs := startHTTPOn(t, binary, "0.0.0.0", "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_API_KEY="+keyA,
		"LIGHTFIELD_PUBLIC_URL=https://mcp.example.com", "LIGHTFIELD_ALLOWED_HOSTS=mcp.internal.example")
	port := strings.TrimPrefix(base, "http://127.0.0.1:")
	for _, c := range []struct {
		host, origin string
		want         int
	}{
		{"rebind.attacker.example:" + port, "http://rebind.attacker.example:" + port, 403},
		{"rebind.attacker.example", "", 403},
		{"localhost.attacker.example", "", 403},
		{"mcp.example.com", "", 200},
		{"mcp.example.com", "https://mcp.example.com", 200},
		{"MCP.Example.COM.", "", 200},
		{"mcp.internal.example:" + port, "", 200},
		{"localhost:" + port, "http://localhost:" + port, 200},
		{"127.0.0.1:" + port, "", 200},
		{"[::1]:" + port, "", 200},
		// An allowed host does not make any origin allowed.
		{"mcp.example.com", "https://attacker.example", 403},
	} {
		header := map[string]string{"Host": c.host}
		if c.origin != "" {
			header["Origin"] = c.origin
		}
		if resp := do(t, http.DefaultClient, "POST", base+"/mcp", header, initializeRequest); resp.StatusCode != c.want {
			t.Errorf("Host %q, Origin %q: %d, want %d", c.host, c.origin, resp.StatusCode, c.want)
		}
	}
	// Health checks answer whatever name a load balancer uses.
	for _, probe := range []string{"/healthz", "/livez"} {
		if resp := do(t, http.DefaultClient, "GET", base+probe, map[string]string{"Host": "lb-probe.internal"}, ""); resp.StatusCode != 200 {
			t.Errorf("%s under another name: %d", probe, resp.StatusCode)
		}
	}
	if !strings.Contains(logs.String(), "mcp.example.com,mcp.internal.example") {
		t.Errorf("the log does not say which host names are served:\n%s", logs.String())
	}
}

// TestListeningBeyondLoopbackWithoutNamesWarns: an operator who exposes
// the server without naming it is told why clients get 403.
func TestListeningBeyondLoopbackWithoutNamesWarns(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, logs := startHTTPOn(t, binary, "0.0.0.0", "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_API_KEY="+keyA)
	if !strings.Contains(logs.String(), "LIGHTFIELD_ALLOWED_HOSTS") {
		t.Errorf("no warning:\n%s", logs.String())
	}
	resp := post(t, base+"/mcp", "", "", listRequest)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("over loopback: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", base+"/mcp", strings.NewReader(listRequest))
	req.Host = "crm-mcp.corp.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "LIGHTFIELD_ALLOWED_HOSTS") || !strings.Contains(string(body), "crm-mcp.corp.example") {
		t.Errorf("an unnamed host: %d %s", resp.StatusCode, body)
	}
}

// from is an HTTP client whose connections come from a loopback address
// of their own (127.0.0.2, …), another source to the server.
func from(addr string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
	return &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
}

// TestNoisySourceCannotLockOthersOut: made-up keys from one address are
// refused once that address spent its budget, while a valid key from
// another address is served at once.
func TestNoisySourceCannotLockOthersOut(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	noisy, quiet := from("127.0.0.3"), from("127.0.0.2")
	refused := 0
	for i := range 30 {
		header := map[string]string{"Authorization": fmt.Sprintf("Bearer sk_lf_madeup%04d", i)}
		if do(t, noisy, "POST", base+"/mcp", header, listRequest).StatusCode == 429 {
			refused++
		}
	}
	if refused < 15 {
		t.Errorf("only %d of 30 made-up keys from one address were refused for its budget", refused)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/mcp", strings.NewReader(listRequest))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+keyA)
	resp, err := quiet.Do(req)
	if err != nil {
		t.Fatalf("a valid key from another address: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("a valid key from another address: %d", resp.StatusCode)
	}
}

// openListen opens a 2026-07-28 subscriptions/listen stream, which
// mcp-go holds open like an event stream.
func openListen(t *testing.T, client *http.Client, base, key string) *http.Response {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`
	req, _ := http.NewRequest("POST", base+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestStreamsPerCaller: one caller cannot hold every stream, whether event
// streams (2025-11-25) or subscriptions/listen (2026-07-28).
func TestStreamsPerCaller(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	for i := range maxStreamsPerCaller {
		var open *http.Response
		if i%2 == 0 {
			open = openStream(t, base, keyA)
		} else {
			open = openListen(t, http.DefaultClient, base, keyA)
		}
		if open.StatusCode != 200 {
			t.Fatalf("A's stream %d: %d", i+1, open.StatusCode)
		}
	}
	for _, open := range []*http.Response{openStream(t, base, keyA), openListen(t, http.DefaultClient, base, keyA)} {
		body, _ := io.ReadAll(open.Body)
		if open.StatusCode != 503 || open.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "API key") {
			t.Errorf("A's stream over its share: %d %s", open.StatusCode, body)
		}
	}
	if resp := openStream(t, base, keyB); resp.StatusCode != 200 {
		t.Errorf("B's first stream while A holds its share: %d", resp.StatusCode)
	}
}

// TestStreamsPerSource: in the sandbox, where any Bearer value is served,
// made-up tokens from one address are one caller, and an address gets
// only its share of the streams.
func TestStreamsPerSource(t *testing.T) {
	base, _, _ := startHTTP(t, "LIGHTFIELD_SANDBOX=1")
	noisy := from("127.0.0.3")
	for i := range maxStreamsPerCaller {
		if resp := openListen(t, noisy, base, fmt.Sprintf("made-up-%d", i)); resp.StatusCode != 200 {
			t.Fatalf("stream %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp := openListen(t, noisy, base, "made-up-again"); resp.StatusCode != 503 {
		t.Errorf("a made-up token past the address's share: %d", resp.StatusCode)
	}
	if resp := openListen(t, from("127.0.0.2"), base, ""); resp.StatusCode != 200 {
		t.Errorf("another address: %d", resp.StatusCode)
	}
}

// TestMadeUpSessionIDsAreNotKept: requests naming session IDs this server
// never issued keep nothing. (With mcp-go's idle sweeper on, each kept an
// entry for 30 minutes: 500 bytes a request, without bound.)
func TestMadeUpSessionIDsAreNotKept(t *testing.T) {
	base, cmd, _ := startHTTP(t, "LIGHTFIELD_SANDBOX=1")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	send := func(n int) {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < n; i += 4 {
					do(t, client, "POST", base+"/mcp", map[string]string{"Mcp-Protocol-Version": "2025-11-25",
						"Mcp-Session-Id": fmt.Sprintf("mcp-session-%08x-0000-4000-8000-%012x", i, i)}, ping)
				}
			})
		}
		wg.Wait()
	}
	send(1000) // warm up
	before := residentBytes(t, cmd.Process.Pid)
	const n = 100_000
	send(n)
	grew := residentBytes(t, cmd.Process.Pid) - before
	t.Logf("resident memory grew %.1f MiB over %d requests with made-up session IDs", float64(grew)/(1<<20), n)
	if grew >= 20<<20 {
		t.Errorf("resident memory grew %.1f MiB, want under 20 MiB", float64(grew)/(1<<20))
	}
}

// TestNoisySourceCannotLockSignInsOut: made-up keys pasted into the
// sign-in page from one address spend that address's budget of checks,
// and a person at another address signs in at once.
func TestNoisySourceCannotLockSignInsOut(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+tokenSecret)
	clientID := register(t, base, "Test app", "http://127.0.0.1:9/callback")
	authorize := base + "/authorize?" + url.Values{"client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:9/callback"}, "response_type": {"code"},
		"code_challenge": {s256(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}.Encode()
	// pasteKey opens the sign-in page from client and pastes key into it.
	pasteKey := func(client *http.Client, key string) (int, string) {
		resp, err := client.Get(authorize)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := formValue.FindStringSubmatch(string(page))
		if m == nil {
			t.Fatalf("no sign-in form:\n%s", page)
		}
		resp, err = client.PostForm(base+"/authorize", url.Values{"request": {html.UnescapeString(m[2])}, "api_key": {key}})
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(page)
	}
	noisy, quiet := from("127.0.0.3"), from("127.0.0.2")
	refused := 0
	for i := range 30 {
		if code, _ := pasteKey(noisy, fmt.Sprintf("sk_lf_madeup%04d", i)); code == 429 {
			refused++
		}
	}
	if refused < 20 {
		t.Errorf("only %d of 30 made-up keys from one address were refused for its budget", refused)
	}
	code, page := pasteKey(quiet, keyA)
	if code != 200 || !strings.Contains(page, `name="grant"`) {
		t.Errorf("a person at another address: %d\n%s", code, page)
	}
}
