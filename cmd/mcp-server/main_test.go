package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
	"github.com/lightfield-mcp/lightfield-mcp/tools"
)

// testKey is recognisable so that a leak anywhere is caught.
const testKey = "sk_lf_e2e_LEAKCHECK_8f3a"

var binary string

// TestMain builds the real binary once; the tests drive it over stdio as an
// MCP host would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mcp-server-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mcp-server")
	if runtime.GOOS == "windows" {
		binary += ".exe" // Windows starts only files named so
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build mcp-server: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func startFake(t *testing.T) (*lfsim.Server, string) {
	fake, ts := lightfieldtest.Start(t, "../../testdata/org.json", testKey)
	return fake, ts.URL
}

func serverCommand(baseURL string, stderr *bytes.Buffer) *exec.Cmd {
	cmd := exec.Command(binary)
	cmd.Env = []string{"LIGHTFIELD_API_KEY=" + testKey, "LIGHTFIELD_BASE_URL=" + baseURL}
	cmd.Stderr = stderr
	return cmd
}

func connect(t *testing.T, baseURL string) (*mcp.ClientSession, *bytes.Buffer) {
	t.Helper()
	var stderr bytes.Buffer
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e-go-sdk", Version: "0"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: serverCommand(baseURL, &stderr)}, nil)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() { session.Close() })
	return session, &stderr
}

// refinedTool waits for the tool list to carry live definitions (they load
// beside the handshake) and returns create_opportunity.
func refinedTool(t *testing.T, session *mcp.ClientSession) *mcp.Tool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := session.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var create *mcp.Tool
		for _, tool := range list.Tools {
			if tool.Name == "create_opportunity" {
				create = tool
			}
		}
		if len(list.Tools) != len(tools.Tools()) || create == nil {
			t.Fatalf("tools %v", list.Tools)
		}
		raw, _ := json.Marshal(create.InputSchema)
		if strings.Contains(string(raw), `"Proposal Sent"`) {
			return create
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tool schema never listed the organisation's stages: %s", raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func TestGoSDKClientCreatesAnOpportunity(t *testing.T) {
	fake, url := startFake(t)
	session, stderr := connect(t, url)
	tool := refinedTool(t, session)

	res, err := session.CallTool(context.Background(), &mcp.CallToolParams{
		Name: "create_opportunity",
		Arguments: map[string]any{
			"fields":        map[string]any{"$name": "Acme expansion", "$stage": "Discovery", "$amount": 40000, "$closeDate": "2026-03-31"},
			"relationships": map[string]any{"$account": "acc_01acme"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("refused: %s", resultText(res))
	}
	if n := len(fake.Created()); n != 1 {
		t.Fatalf("%d opportunities stored, want 1", n)
	}
	checkAgainstOutputSchema(t, tool.OutputSchema, res.StructuredContent)
	if !strings.Contains(resultText(res), "https://app.lightfield.app/opportunities/") {
		t.Errorf("text lacks the link: %s", resultText(res))
	}

	bad, err := session.CallTool(context.Background(), &mcp.CallToolParams{
		Name:      "create_opportunity",
		Arguments: map[string]any{"fields": map[string]any{"$name": "x", "$stage": 7}, "relationships": map[string]any{"$account": "acc_01acme"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bad.IsError || !strings.Contains(resultText(bad), "fields.$stage") {
		t.Fatalf("wrong type not refused clearly: %s", resultText(bad))
	}
	if n := len(fake.Created()); n != 1 {
		t.Fatalf("a refused call wrote: %d stored", n)
	}

	session.Close()
	logs := stderr.String()
	if strings.Contains(logs, testKey) {
		t.Fatal("the API key appears on stderr")
	}
	if !strings.Contains(logs, "path=/v1/opportunities status=200") {
		t.Errorf("no log line for the create call:\n%s", logs)
	}
}

func checkAgainstOutputSchema(t *testing.T, outputSchema, structured any) {
	t.Helper()
	schemaJSON, _ := json.Marshal(outputSchema)
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsv.NewCompiler()
	if err := c.AddResource("file:///output.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("file:///output.json")
	if err != nil {
		t.Fatalf("outputSchema does not compile: %v", err)
	}
	raw, _ := json.Marshal(structured)
	v, _ := jsv.UnmarshalJSON(bytes.NewReader(raw))
	if err := sch.Validate(v); err != nil {
		t.Fatalf("structuredContent does not satisfy outputSchema: %v\n%s", err, raw)
	}
}

// TestStdoutCarriesOnlyProtocol speaks raw JSON-RPC on the pipes: every
// stdout line must be a JSON-RPC message, logs go to stderr, and the server
// exits when stdin closes.
func TestStdoutCarriesOnlyProtocol(t *testing.T) {
	_, url := startFake(t)
	var stderr bytes.Buffer
	cmd := serverCommand(url, &stderr)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	requests := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"create_opportunity","arguments":{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"},"dryRun":true}}}`,
	}
	for _, r := range requests {
		stdin.Write([]byte(r + "\n"))
	}
	scanner := bufio.NewScanner(stdout)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	answered := map[float64]bool{}
	for len(answered) < 3 && scanner.Scan() {
		var msg map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &msg); err != nil || msg["jsonrpc"] != "2.0" {
			t.Fatalf("stdout carried a non-protocol line: %q", scanner.Text())
		}
		if id, ok := msg["id"].(float64); ok {
			answered[id] = true
		}
	}
	stdin.Close()
	waitForCleanExit(t, cmd, &stderr, "after stdin closed")
}

// waitForCleanExit fails the test unless cmd exits with status 0 within 10
// seconds; when says what should have made it exit.
func waitForCleanExit(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer, when string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit %s: %v\n%s", when, err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the server did not exit %s", when)
	}
}

// needsSIGTERM skips a test of how the server stops on SIGTERM where there
// is none to send.
func needsSIGTERM(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no SIGTERM to send: os.Process.Signal can only kill there")
	}
}

func TestExitsOnSIGTERM(t *testing.T) {
	needsSIGTERM(t)
	_, url := startFake(t)
	var stderr bytes.Buffer
	cmd := serverCommand(url, &stderr)
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Signal once the server answers, not after a guess at how long it
	// takes to start: a SIGTERM before its handler is set would kill it.
	io.WriteString(stdin, initializeRequest+"\n")
	if !bufio.NewScanner(stdout).Scan() {
		t.Fatalf("no answer to initialize:\n%s", stderr.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	waitForCleanExit(t, cmd, &stderr, "on SIGTERM")
}

func TestMissingKeyExitsWithAdvice(t *testing.T) {
	var stderr bytes.Buffer
	cmd := exec.Command(binary)
	cmd.Env = []string{}
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() == 0 {
		t.Fatalf("exit %v, want non-zero", err)
	}
	if !strings.Contains(stderr.String(), "LIGHTFIELD_API_KEY") || !strings.Contains(stderr.String(), "opportunities:create") {
		t.Fatalf("message %q", stderr.String())
	}
}

func TestBadTTLIsRefused(t *testing.T) {
	var stderr bytes.Buffer
	cmd := exec.Command(binary)
	cmd.Env = []string{"LIGHTFIELD_API_KEY=" + testKey, "LIGHTFIELD_DEFINITIONS_TTL=5 minutes"}
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "LIGHTFIELD_DEFINITIONS_TTL") {
		t.Fatalf("exit %v: %s", err, stderr.String())
	}
}

// TestVersion: a build without a release's version still names one (the
// module version Go stamped, or "dev"); TestReleaseBinaries checks that a
// release's binary says the release's version.
func TestVersion(t *testing.T) {
	out, err := exec.Command(binary, "--version").Output()
	if err != nil || !regexp.MustCompile(`^lightfield-mcp \S+\n$`).Match(out) {
		t.Fatalf("--version printed %q, %v", out, err)
	}
}

// TestHelp: asked for, the usage goes to stdout and the exit is 0; a wrong
// flag or a stray word is named on stderr with a pointer to --help, and the
// exit is 2.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, "--help")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 || !strings.HasPrefix(stdout.String(), "Usage: lightfield-mcp") || !strings.Contains(stdout.String(), "LIGHTFIELD_LOG_LEVEL") {
		t.Fatalf("--help: %v\nstdout %q\nstderr %q", err, stdout.String(), stderr.String())
	}
	stdout.Reset()
	cmd = exec.Command(binary, "--no-such-flag")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || stdout.Len() > 0 ||
		stderr.String() != "flag provided but not defined: -no-such-flag\nRun lightfield-mcp --help for the flags and variables.\n" {
		t.Fatalf("a wrong flag: %v\nstdout %q\nstderr %q", err, stdout.String(), stderr.String())
	}
	// A configuration that writes "args": ["--sandbox", "true", "--log-level", "warn"]
	// would otherwise lose everything after "true".
	out, err := exec.Command(binary, "--sandbox", "true", "--log-level", "warn").CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), `unexpected argument "true"`) {
		t.Fatalf("a stray word: %v %s", err, out)
	}
}

// TestLogLevel: LIGHTFIELD_LOG_LEVEL decides what reaches stderr, which
// hosts such as Claude Code file under "error" line by line.
func TestLogLevel(t *testing.T) {
	call := func(level string) string {
		var stderr bytes.Buffer
		cmd := exec.Command(binary, "--sandbox")
		cmd.Env = []string{"LIGHTFIELD_LOG_LEVEL=" + level}
		cmd.Stderr = &stderr
		client := mcp.NewClient(&mcp.Implementation{Name: "log-level", Version: "0"}, nil)
		session, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatalf("%s: %v", level, err)
		}
		if _, err := session.CallTool(context.Background(), &mcp.CallToolParams{Name: "find_accounts", Arguments: map[string]any{"query": "Globex"}}); err != nil {
			t.Fatalf("%s: %v", level, err)
		}
		session.Close()
		return stderr.String()
	}
	if out := call("debug"); !strings.Contains(out, "level=DEBUG msg=\"tool call\" tool=find_accounts") || !strings.Contains(out, "level=INFO msg=lightfield") {
		t.Errorf("debug logged:\n%s", out)
	}
	if out := call("info"); strings.Contains(out, "level=DEBUG") || !strings.Contains(out, "level=INFO msg=lightfield") {
		t.Errorf("info logged:\n%s", out)
	}
	if out := call("warn"); out != "" {
		t.Errorf("warn logged, with nothing wrong:\n%s", out)
	}
	out, err := exec.Command(binary, "--sandbox", "--log-level", "verbose").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--log-level="verbose" is not one of debug, info, warn, error`) {
		t.Errorf("a wrong level: %v %s", err, out)
	}
}

// TestPlaceholderIsNotAValue: a host that passes a setting's template
// unfilled (an MCP Bundle's ${user_config.api_key}) gets told so, and the
// placeholder is never used as a key.
func TestPlaceholderIsNotAValue(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"LIGHTFIELD_API_KEY=${user_config.api_key}", "LIGHTFIELD_API_KEY holds a placeholder, not a key"},
		{"LIGHTFIELD_SANDBOX=${user_config.sandbox}", `LIGHTFIELD_SANDBOX="${user_config.sandbox}": the program that started this server passed a placeholder`},
	} {
		var stderr bytes.Buffer
		cmd := exec.Command(binary)
		cmd.Env = []string{tc.env}
		cmd.Stderr = &stderr
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: exit %v: %s", tc.env, err, stderr.String())
		}
	}
	// In the sandbox the key is not used, so an unfilled one is no obstacle.
	cmd := exec.Command(binary)
	cmd.Env = []string{"LIGHTFIELD_API_KEY=${user_config.api_key}", "LIGHTFIELD_SANDBOX=true"}
	listTools(t, "sandbox with an unfilled key", cmd)
}

// TestHandshakeDoesNotWaitForDefinitions: while Lightfield holds the
// definitions back, the handshake completes; the first tools/list, asked
// once they can come, shows them.
func TestHandshakeDoesNotWaitForDefinitions(t *testing.T) {
	url, release := gatedFake(t)
	session, _ := connect(t, url) // would hang if the handshake waited
	release()
	list, err := session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(list.Tools); !strings.Contains(string(raw), "Proposal Sent") {
		t.Fatalf("the first list did not wait for the definitions: %.300s", raw)
	}
}

// nodeTests returns e2e/ts once `npm ci` has run there (the README's test
// command does that); LFMCP_REQUIRE_NODE=1 turns a missing install into a
// failure, not a skip.
func nodeTests(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("../../e2e/ts")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		if os.Getenv("LFMCP_REQUIRE_NODE") == "1" {
			t.Fatalf("the TypeScript SDK is not installed in %s: run npm ci there", dir)
		}
		t.Skip("run `npm ci` in e2e/ts to include the TypeScript SDK client")
	}
	return dir
}

// TestTypeScriptClient runs e2e/ts with the official TypeScript SDK client.
func TestTypeScriptClient(t *testing.T) {
	dir := nodeTests(t)
	fake, url := startFake(t)
	cmd := exec.Command("node", "--test", "create_opportunity.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LFMCP_BINARY="+binary, "LIGHTFIELD_BASE_URL="+url, "LIGHTFIELD_API_KEY="+testKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("TypeScript client test failed: %v\n%s", err, out)
	}
	// One deal repeated, and one for a new customer with its account, a
	// note and a task, each stored once.
	for objectType, want := range map[string]int{"opportunity": 2, "account": 1, "note": 1, "task": 1} {
		if n := len(fake.CreatedOf(objectType)); n != want {
			t.Errorf("%d %ss stored by the TypeScript client, want %d\n%s", n, objectType, want, out)
		}
	}
}

func TestSandboxNeedsNoKey(t *testing.T) {
	for name, cmd := range map[string]*exec.Cmd{
		"flag":     exec.Command(binary, "--sandbox"),
		"variable": exec.Command(binary),
	} {
		t.Run(name, func(t *testing.T) {
			cmd.Env = []string{}
			if name == "variable" {
				cmd.Env = []string{"LIGHTFIELD_SANDBOX=1"}
			}
			client := mcp.NewClient(&mcp.Implementation{Name: "sandbox", Version: "0"}, nil)
			session, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			if !strings.Contains(session.InitializeResult().Instructions, "SANDBOX") {
				t.Errorf("instructions do not say sandbox: %q", session.InitializeResult().Instructions)
			}
			res, err := session.CallTool(context.Background(), &mcp.CallToolParams{
				Name:      "create_opportunity",
				Arguments: map[string]any{"fields": map[string]any{"$name": "Demo deal", "$stage": "Demo"}, "relationships": map[string]any{"$account": "Initech"}},
			})
			if err != nil || res.IsError || !strings.Contains(resultText(res), "Sandbox") {
				t.Fatalf("%v: %s", err, resultText(res))
			}
		})
	}
}

func TestBadSandboxValueIsRefused(t *testing.T) {
	var stderr bytes.Buffer
	cmd := exec.Command(binary)
	cmd.Env = []string{"LIGHTFIELD_SANDBOX=maybe"}
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "LIGHTFIELD_SANDBOX") {
		t.Fatalf("exit %v: %s", err, stderr.String())
	}
}

// TestTypeScriptHTTPClient drives the Streamable HTTP transport with the
// TypeScript SDK's StreamableHTTPClientTransport.
func TestTypeScriptHTTPClient(t *testing.T) {
	dir := nodeTests(t)
	a, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	cmd := exec.Command("node", "--test", "http.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LFMCP_HTTP_URL="+base+"/mcp", "LIGHTFIELD_API_KEY="+keyA)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("TypeScript HTTP client test failed: %v\n%s", err, out)
	}
	if n := len(a.Created()); n != 1 {
		t.Fatalf("%d stored, want 1\n%s", n, out)
	}
}

// TestPipedStdinStaysBlockingForOthers: the server reads a piped stdin
// through the poller, but must not switch the pipe it was given to
// non-blocking, which whoever shares it (a wrapper script, the host) would
// see as reads failing with EAGAIN.
func TestPipedStdinStaysBlockingForOthers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only on Linux does the server open its piped stdin anew (stdin.go); elsewhere it reads stdin as given")
	}
	_, url := startFake(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	readFD := r.Fd() // shared with the server's stdin; Fd leaves it blocking
	var stderr bytes.Buffer
	cmd := serverCommand(url, &stderr)
	cmd.Stdin = r
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" + `{"jsonrpc":"2.0","id":2,"method":"ping"}` + "\n"))
	scanner := bufio.NewScanner(stdout)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() && !strings.Contains(scanner.Text(), `"id":2`) {
	}
	if scanner.Err() != nil || !strings.Contains(scanner.Text(), `"id":2`) {
		t.Fatalf("no answer to ping over a piped stdin: %v\n%s", scanner.Err(), stderr.String())
	}
	nonBlocking, err := isNonBlocking(readFD)
	if err != nil {
		t.Fatal(err)
	}
	if nonBlocking {
		t.Error("the pipe given to the server as stdin is now non-blocking for everyone who holds it")
	}
	w.Close()
	waitForCleanExit(t, cmd, &stderr, "after stdin closed")
}
