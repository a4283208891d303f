package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// firstList speaks raw JSON-RPC to cmd over stdio, as a host that lists its
// tools right after the handshake: it returns that list, how long it took,
// and how many tools/list_changed arrived up to quiet after it.
func firstList(t *testing.T, cmd *exec.Cmd, quiet time.Duration) (list string, took time.Duration, changed int) {
	t.Helper()
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	began := time.Now()
	for _, r := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	} {
		stdin.Write([]byte(r + "\n"))
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(stdout)
		scanner.Buffer(make([]byte, 1<<20), 1<<24)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
	}()
	end := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return list, took, changed
			}
			var msg struct {
				ID     int
				Method string
			}
			json.Unmarshal([]byte(line), &msg)
			switch {
			case msg.ID == 2:
				list, took = line, time.Since(began)
				end = time.After(quiet)
			case msg.Method == "notifications/tools/list_changed":
				changed++
			}
		case <-end:
			return list, took, changed
		}
	}
}

// TestFirstListIsRefined: a host that lists its tools right after the
// handshake gets its organisation's schema, every time, and hears of no
// change: the first load is not one.
func TestFirstListIsRefined(t *testing.T) {
	_, url := startFake(t)
	for run := range 5 {
		var stderr bytes.Buffer
		list, _, changed := firstList(t, serverCommand(url, &stderr), 500*time.Millisecond)
		if !strings.Contains(list, "Proposal Sent") {
			t.Fatalf("run %d: the first tools/list is the base schema: %.300s\n%s", run, list, stderr.String())
		}
		if changed > 0 {
			t.Fatalf("run %d: %d tools/list_changed after a first list that was already whole", run, changed)
		}
	}
}

// TestFirstListWaitIsBounded: when the definitions are slow, the first list
// waits no longer than a call may take, is the base schema, says so in the
// log, and its change is announced when the definitions come.
func TestFirstListWaitIsBounded(t *testing.T) {
	fake, url := startFake(t)
	fake.Inject(lfsim.Fault{Path: "/v1/opportunities/definitions", Delay: 2500 * time.Millisecond})
	var stderr bytes.Buffer
	cmd := serverCommand(url, &stderr)
	cmd.Env = append(cmd.Env, "LIGHTFIELD_CALL_TIMEOUT=1s")
	list, took, changed := firstList(t, cmd, 4*time.Second)
	if strings.Contains(list, "Proposal Sent") || !strings.Contains(list, "create_opportunity") {
		t.Fatalf("the first list is not the base schema: %.300s", list)
	}
	if took > 2*time.Second {
		t.Errorf("the first list took %v; it may wait 1s (the call timeout)", took)
	}
	if !strings.Contains(stderr.String(), "tools/list served the base schema") {
		t.Errorf("the log does not say the base schema was served:\n%s", stderr.String())
	}
	if changed != 1 {
		t.Errorf("%d tools/list_changed once the definitions came, want 1", changed)
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
		list, _, _ := firstList(t, cmd, 0)
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
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; toldA.Load() == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("organisation A's listen stream was not told\n%s", logs.String())
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
	time.Sleep(300 * time.Millisecond)
	if n := toldB.Load(); n != 0 {
		t.Fatalf("organisation B's listen stream was told %d times of A's change", n)
	}
	if !strings.Contains(schemaText(t, sessionA), "Verbal Commit") {
		t.Fatal("A's list after the notice lacks the new stage")
	}
}
