package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// rawSession drives the binary with JSON-RPC lines, keeping everything it
// prints.
type rawSession struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan map[string]any
	stdout bytes.Buffer
	stderr bytes.Buffer
	mu     sync.Mutex
	bad    []string // stdout lines that are not JSON-RPC
}

func startRaw(t *testing.T, env ...string) *rawSession {
	t.Helper()
	s := &rawSession{t: t, lines: make(chan map[string]any, 100)}
	s.cmd = exec.Command(binary)
	s.cmd.Env = env
	s.cmd.Stderr = &s.stderr
	s.stdin, _ = s.cmd.StdinPipe()
	out, _ := s.cmd.StdoutPipe()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		scanner := bufio.NewScanner(out)
		scanner.Buffer(make([]byte, 1<<20), 64<<20)
		for scanner.Scan() {
			s.mu.Lock()
			s.stdout.Write(scanner.Bytes())
			s.stdout.WriteByte('\n')
			var msg map[string]any
			if json.Unmarshal(scanner.Bytes(), &msg) != nil || msg["jsonrpc"] != "2.0" {
				s.bad = append(s.bad, scanner.Text())
			}
			s.mu.Unlock()
			s.lines <- msg
		}
		close(s.lines)
	}()
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	return s
}

func (s *rawSession) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatalf("the server stopped reading: %v", err)
	}
}

// answer waits for the response with the given id.
func (s *rawSession) answer(id float64) map[string]any {
	s.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case msg, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("the server closed stdout before answering %v; stderr:\n%s", id, s.stderr.String())
			}
			if msg["id"] == id {
				return msg
			}
		case <-timeout:
			s.t.Fatalf("no answer to request %v", id)
		}
	}
}

func (s *rawSession) initialize(id int) {
	s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`, id))
	s.answer(float64(id))
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

func (s *rawSession) call(id int, tool, args string) string {
	s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, tool, args))
	raw, _ := json.Marshal(s.answer(float64(id)))
	return string(raw)
}

func errorCode(msg map[string]any) float64 {
	e, _ := msg["error"].(map[string]any)
	code, _ := e["code"].(float64)
	return code
}

// TestJSONRPCMisuseKeepsServing: broken input gets the right JSON-RPC error
// and the server goes on serving.
func TestJSONRPCMisuseKeepsServing(t *testing.T) {
	s := startRaw(t, "LIGHTFIELD_SANDBOX=1")
	s.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`) // before initialize
	if msg := s.answer(1); msg["result"] == nil && msg["error"] == nil {
		t.Errorf("call before initialize: %v", msg)
	}
	s.initialize(2)
	s.send(`{"jsonrpc":"2.0","id":3,"method":"no/such/method"}`)
	if code := errorCode(s.answer(3)); code != -32601 {
		t.Errorf("unknown method answered with code %v, want -32601", code)
	}
	s.send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":"not an object"}`)
	if code := errorCode(s.answer(4)); code != -32602 && code != -32600 {
		t.Errorf("bad params answered with code %v, want -32602", code)
	}
	s.send(strings.Repeat("x", 8<<20))                                              // a huge line that is not JSON
	s.send("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"x\":\"\xff\xfe\"}") // invalid UTF-8
	s.send(`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"create_opportunity","arguments":{"fields":{"$name":"x","$stage":"Demo"},"relationships":{"$account":"Acme"},"dryRun":true}}}`)
	if msg := s.answer(6); msg["result"] == nil {
		t.Fatalf("the server stopped serving after broken input: %v", msg)
	}
	s.send(`{"jsonrpc":"2.0","id":7,"method":"ping"}`)
	s.answer(7)
	if len(s.bad) > 0 {
		t.Errorf("stdout carried non-protocol lines: %q", s.bad)
	}
}

// TestKeyNeverLeaks runs a whole session with a recognisable key through
// success, refusals, API errors that echo the key, and an unreachable
// Lightfield, and looks for the key in everything the server printed.
func TestKeyNeverLeaks(t *testing.T) {
	fake, url := startFake(t)
	echo := fmt.Sprintf(`{"type":"unauthorized","message":"The key %s was revoked"}`, testKey)
	s := startRaw(t, "LIGHTFIELD_API_KEY="+testKey, "LIGHTFIELD_BASE_URL="+url)
	s.initialize(1)
	s.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	s.answer(2)
	var results []string
	results = append(results, s.call(3, "create_opportunity", `{"fields":{"$name":"Leak check","$stage":"Discovery"},"relationships":{"$account":"Acme Corp","$owner":"dana@ourco.example"}}`))
	results = append(results, s.call(4, "create_opportunity", `{"fields":{"$name":7},"relationships":{}}`))
	fake.Inject(lfsim.Fault{Method: "POST", Status: 401, Body: echo})
	results = append(results, s.call(5, "create_opportunity", `{"fields":{"$name":"Echo","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`))
	fake.Inject(lfsim.Fault{Method: "GET", Status: 403, Body: strings.Replace(echo, "unauthorized", "forbidden", 1)})
	results = append(results, s.call(6, "find_accounts", `{"query":"Acme"}`))
	s.stdin.Close()
	s.cmd.Wait()

	// Lightfield unreachable: connection refused, with URL errors.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + closed.Addr().String()
	closed.Close()
	u := startRaw(t, "LIGHTFIELD_API_KEY="+testKey, "LIGHTFIELD_BASE_URL="+deadURL, "LIGHTFIELD_CALL_TIMEOUT=2s")
	u.initialize(1)
	results = append(results, u.call(2, "create_opportunity", `{"fields":{"$name":"Nowhere","$stage":"Discovery"},"relationships":{"$account":"acc_1"}}`))
	u.stdin.Close()
	u.cmd.Wait()

	// A base URL that holds the key is refused without echoing it.
	bad := exec.Command(binary)
	bad.Env = []string{"LIGHTFIELD_API_KEY=" + testKey, "LIGHTFIELD_BASE_URL=https://user:" + testKey + "@api.lightfield.app"}
	badOut, _ := bad.CombinedOutput()

	everything := s.stdout.String() + s.stderr.String() + u.stdout.String() + u.stderr.String() + string(badOut) + strings.Join(results, "\n")
	if strings.Contains(everything, testKey) {
		for _, line := range strings.Split(everything, "\n") {
			if strings.Contains(line, testKey) {
				t.Errorf("the key leaked: %.300s", line)
			}
		}
	}
	if !strings.Contains(results[4], "could not be reached") {
		t.Errorf("unreachable Lightfield not reported: %s", results[4])
	}
	if len(fake.Created()) != 1 {
		t.Errorf("%d stored, want 1", len(fake.Created()))
	}
}

// TestCancelStopsTheRequest: a client's notifications/cancelled stops the
// HTTP request to Lightfield at once.
func TestCancelStopsTheRequest(t *testing.T) {
	fake, url := startFake(t)
	session, _ := connect(t, url)
	refinedTool(t, session)
	fake.Inject(lfsim.Fault{Method: "POST", Delay: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := session.CallTool(ctx, &mcp.CallToolParams{
		Name:      "create_opportunity",
		Arguments: map[string]any{"fields": map[string]any{"$name": "Cancelled", "$stage": "Discovery"}, "relationships": map[string]any{"$account": "acc_01acme"}},
	})
	if err == nil {
		t.Fatal("the call was not cancelled")
	}
	deadline := time.Now().Add(5 * time.Second)
	for fake.Abandoned() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the request to Lightfield went on after the client cancelled")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
