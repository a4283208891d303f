package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// rawHost speaks raw JSON-RPC to a server over stdio, as a host that
// lists its tools right after the handshake.
type rawHost struct {
	stdin io.WriteCloser
	lines chan string
}

// startRawHost starts cmd, initializes, and asks for the tools (id 2).
func startRawHost(t *testing.T, cmd *exec.Cmd) *rawHost {
	t.Helper()
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	h := &rawHost{stdin: stdin, lines: make(chan string, 64)}
	go func() {
		defer close(h.lines)
		scanner := bufio.NewScanner(stdout)
		scanner.Buffer(make([]byte, 1<<20), 1<<24)
		for scanner.Scan() {
			h.lines <- scanner.Text()
		}
	}()
	h.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`)
	h.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	h.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	return h
}

func (h *rawHost) send(line string) { h.stdin.Write([]byte(line + "\n")) }

// await reads until the answer to request id, counting the
// tools/list_changed that came before it; it fails the test after 30 s.
func (h *rawHost) await(t *testing.T, id int) (answer string, changed int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-h.lines:
			if !ok {
				t.Fatalf("the server closed stdout before answering request %d", id)
			}
			var msg struct {
				ID     int
				Method string
			}
			json.Unmarshal([]byte(line), &msg)
			switch {
			case msg.ID == id:
				return line, changed
			case msg.Method == "notifications/tools/list_changed":
				changed++
			}
		case <-deadline:
			t.Fatalf("no answer to request %d", id)
		}
	}
}

// ping asks the server a ping (id) and counts the tools/list_changed that
// came before its answer: what the server sent before it is all there.
func (h *rawHost) ping(t *testing.T, id int) int {
	t.Helper()
	h.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`, id))
	_, changed := h.await(t, id)
	return changed
}

// gatedFake serves the fixture's fake with its opportunity definitions
// held back until release is called.
func gatedFake(t *testing.T) (url string, release func()) {
	fake, _ := startFake(t)
	gate := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/opportunities/definitions" {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		fake.ServeHTTP(w, r)
	}))
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(ts.Close)
	t.Cleanup(release) // runs first: held requests end before the server closes
	return ts.URL, release
}

// TestFirstListIsRefined: a host that lists its tools right after the
// handshake gets its organisation's schema, every time, and hears of no
// change: the first load is not one.
func TestFirstListIsRefined(t *testing.T) {
	_, url := startFake(t)
	for run := range 5 {
		var stderr bytes.Buffer
		h := startRawHost(t, serverCommand(url, &stderr))
		list, changed := h.await(t, 2)
		if !strings.Contains(list, "Proposal Sent") {
			t.Fatalf("run %d: the first tools/list is the base schema: %.300s\n%s", run, list, stderr.String())
		}
		if changed += h.ping(t, 3); changed > 0 {
			t.Fatalf("run %d: %d tools/list_changed after a first list that was already whole", run, changed)
		}
	}
}

// TestFirstListWaitIsBounded: when the definitions do not come, the first
// list does not wait for ever: it is the base schema, the log says so, and
// their arrival is announced once.
func TestFirstListWaitIsBounded(t *testing.T) {
	url, release := gatedFake(t)
	var stderr syncBuffer
	cmd := serverCommand(url, nil)
	cmd.Stderr = &stderr
	cmd.Env = append(cmd.Env, "LIGHTFIELD_CALL_TIMEOUT=1s")
	h := startRawHost(t, cmd)
	list, _ := h.await(t, 2)
	if strings.Contains(list, "Proposal Sent") || !strings.Contains(list, "create_opportunity") {
		t.Fatalf("the first list is not the base schema: %.300s", list)
	}
	// The log line may follow the answer: wait for it, not for a time.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "tools/list served the base schema"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the log does not say the base schema was served:\n%s", stderr.String())
		}
	}
	release()
	// The load under way since the start now finishes: list until the
	// list is refined, then count the notices sent up to a ping.
	total := 0
	deadline := time.Now().Add(30 * time.Second)
	for id := 10; ; id++ {
		if time.Now().After(deadline) {
			t.Fatalf("the list was never refined once the definitions came\n%s", stderr.String())
		}
		h.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/list"}`, id))
		answer, changed := h.await(t, id)
		total += changed
		if strings.Contains(answer, "Proposal Sent") {
			if total += h.ping(t, 1_000_000); total != 1 {
				t.Errorf("%d tools/list_changed once the definitions came, want 1", total)
			}
			return
		}
	}
}

// TestSandboxListIsTheSameEveryRun: the sandbox's first tool list does not
// depend on timing.
func TestSandboxListIsTheSameEveryRun(t *testing.T) {
	var first string
	for run := range 3 {
		var stderr bytes.Buffer
		cmd := exec.Command(binary, "--sandbox")
		cmd.Env = []string{}
		cmd.Stderr = &stderr
		list, _ := startRawHost(t, cmd).await(t, 2)
		if run == 0 {
			first = list
		} else if list != first {
			t.Fatalf("run %d listed other tools than run 0:\n%.200s\n%.200s\n%s", run, list, first, stderr.String())
		}
	}
	if !strings.Contains(first, "Negotiation") {
		t.Fatalf("the sandbox's list lacks its stages: %.300s", first)
	}
}

// TestListenStreamsHearTheirOwnOrganisation: a client of the 2026-07-28 era
// hears of its organisation's change on its subscriptions/listen stream,
// and a client of another organisation does not.
func TestListenStreamsHearTheirOwnOrganisation(t *testing.T) {
	a, _, api := twoOrgs(t)
	base, _, logs := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_DEFINITIONS_TTL=100ms")
	connect := func(key string, told *atomic.Int32) *mcp.ClientSession {
		client := mcp.NewClient(&mcp.Implementation{Name: "listen", Version: "0"}, &mcp.ClientOptions{
			ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { told.Add(1) },
		})
		transport := &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: &http.Client{Transport: withKey{key, http.DefaultTransport}}}
		s, err := client.Connect(context.Background(), transport, &mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	var toldA, toldB atomic.Int32
	// B first: were the streams filed together, A's change would reach B.
	sessionB := connect(keyB, &toldB)
	sessionA := connect(keyA, &toldA)
	schemaText(t, sessionA)
	schemaText(t, sessionB)
	raw, _ := os.ReadFile("../../testdata/org.json")
	deadline := time.Now().Add(20 * time.Second)
	// Two changes of A, each told: a notice of A's first change sent to B
	// would have been written to B's stream before A's second.
	for i := 0; toldA.Load() < 2; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("organisation A's listen stream was told %d times of 2 changes\n%s", toldA.Load(), logs.String())
		}
		// A new stage each round (the listen stream opens beside the
		// handshake); lists refresh definitions older than the TTL.
		var org map[string]any
		json.Unmarshal(raw, &org)
		defs := org["definitions"].(map[string]any)
		stage := defs["fieldDefinitions"].(map[string]any)["$stage"].(map[string]any)["typeConfiguration"].(map[string]any)
		stage["options"] = append(stage["options"].([]any), map[string]any{"id": "opt_st_new", "label": fmt.Sprintf("Verbal Commit %d", i)})
		changed, _ := json.Marshal(defs)
		if err := a.SetDefinitions(changed); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		post(t, base+"/mcp", keyA, "", listRequest)
		post(t, base+"/mcp", keyB, "", listRequest)
	}
	if n := toldB.Load(); n != 0 {
		t.Fatalf("organisation B's listen stream was told %d times of A's changes", n)
	}
	if !strings.Contains(schemaText(t, sessionA), "Verbal Commit") {
		t.Fatal("A's list after the notice lacks the new stage")
	}
}
