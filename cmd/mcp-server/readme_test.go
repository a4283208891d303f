package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/tools"
)

// readmeBlock is one fenced code block of the README.
type readmeBlock struct {
	lang, text string
}

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	fence := regexp.MustCompile("(?ms)^```([a-z]*)\n(.*?)^```")
	for _, m := range fence.FindAllStringSubmatch(strings.ReplaceAll(string(raw), "\r\n", "\n"), -1) {
		blocks = append(blocks, readmeBlock{m[1], m[2]})
	}
	return blocks
}

// shellCommands splits a sh block into commands: continuation lines
// joined, comments and && chains split off.
func shellCommands(block string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		if i := strings.Index(line, "   #"); i >= 0 {
			line = line[:i]
		}
		for _, cmd := range strings.Split(line, "&&") {
			if cmd = strings.TrimSpace(cmd); cmd != "" {
				out = append(out, cmd)
			}
		}
	}
	return out
}

// TestReadmeCommands runs every command and client configuration the README
// shows, as a new user would, against the sandbox: a README that drifts
// from the program fails here. Each runs as a subtest of its own, in the
// README's order, so that one that cannot run here (the download recipe
// without a snapshot release, a POSIX shell command on Windows) is skipped
// alone.
func TestReadmeCommands(t *testing.T) {
	root, _ := filepath.Abs("../..")
	tmp := t.TempDir()
	built := filepath.Join(tmp, "bin", "lightfield-mcp")
	covered := 0
	for _, block := range readmeBlocks(t) {
		switch block.lang {
		case "sh":
			for _, cmd := range shellCommands(block.text) {
				t.Run(cmd, func(t *testing.T) { runReadmeCommand(t, root, tmp, built, cmd) })
				covered++
			}
		case "json":
			t.Run("configuration", func(t *testing.T) { runClientConfig(t, block.text) })
			covered++
		case "text":
		default:
			t.Errorf("README has a %q block that no test reads:\n%s", block.lang, block.text)
		}
	}
	if covered < 10 {
		t.Fatalf("only %d README commands found; the parser is broken", covered)
	}
}

// posixShell skips a README command that runs through a POSIX shell, or
// needs its tools (openssl, mv, tar, sha256sum) or file modes, on Windows.
func posixShell(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the README's sh commands are POSIX shell, which Windows does not run as written")
	}
}

func runReadmeCommand(t *testing.T, root, tmp, built, cmd string) {
	t.Helper()
	local := strings.ReplaceAll(cmd, "bin/lightfield-mcp", built)
	// The download recipe runs in a folder of its own, with the release's
	// files taken from the snapshot release in dist/ instead of GitHub.
	downloads := filepath.Join(tmp, "downloads")
	switch {
	case strings.HasPrefix(cmd, "go build "):
		posixShell(t)
		build := exec.Command("bash", "-c", local)
		build.Dir = root
		out, err := build.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
	case strings.HasPrefix(cmd, "lightfield-mcp --http "):
		// Served on a free loopback port, in the sandbox so that no key is needed.
		base, _, _ := startHTTP(t, "LIGHTFIELD_SANDBOX=1")
		if resp := post(t, base+"/mcp", "", "", listRequest); resp.StatusCode != 200 {
			t.Fatalf("%s: tools/list answered %d", cmd, resp.StatusCode)
		}
	case strings.HasPrefix(cmd, "LIGHTFIELD_TOKEN_SECRET="):
		posixShell(t)
		// OAuth as the README deploys it: the secret the command makes, the
		// public URL it gives, on a free loopback port.
		secret, err := exec.Command("bash", "-c", "openssl rand -base64 32").Output()
		if err != nil {
			t.Fatalf("%s: openssl: %v", cmd, err)
		}
		public := regexp.MustCompile(`LIGHTFIELD_PUBLIC_URL=(\S+)`).FindStringSubmatch(cmd)
		if public == nil || !strings.Contains(cmd, " lightfield-mcp --http ") {
			t.Fatalf("%s: not the command the test knows", cmd)
		}
		base, _, _ := startHTTP(t, "LIGHTFIELD_TOKEN_SECRET="+strings.TrimSpace(string(secret)), "LIGHTFIELD_PUBLIC_URL="+public[1])
		resp := post(t, base+"/mcp", "", "", listRequest)
		if want := `resource_metadata="` + public[1] + `/.well-known/oauth-protected-resource/mcp"`; resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), want) {
			t.Fatalf("%s: %d %q, want 401 with %s", cmd, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), want)
		}
	case cmd == "./test.sh":
		posixShell(t)
		if info, err := os.Stat(filepath.Join(root, "test.sh")); err != nil || info.Mode()&0o111 == 0 {
			t.Errorf("%s: not an executable file", cmd)
		}
	case strings.HasPrefix(cmd, "curl -fsSLO https://github.com/lightfield-mcp/lightfield-mcp/releases/latest/download/"):
		snapshot(t)
		name := path.Base(cmd)
		data, err := os.ReadFile(filepath.Join(root, "dist", name))
		if err != nil {
			t.Fatalf("%s: the release has no %s: %v", cmd, name, err)
		}
		os.MkdirAll(downloads, 0o755)
		if err := os.WriteFile(filepath.Join(downloads, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	case strings.HasPrefix(cmd, "sha256sum "), strings.HasPrefix(cmd, "tar "):
		snapshot(t)
		posixShell(t)
		run := exec.Command("bash", "-c", cmd)
		run.Dir = downloads
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
	case cmd == "./lightfield-mcp --version":
		snapshot(t)
		posixShell(t)
		run := exec.Command("./lightfield-mcp", "--version")
		run.Dir = downloads
		if out, err := run.Output(); err != nil || !strings.HasPrefix(string(out), "lightfield-mcp ") {
			t.Fatalf("%s: %q %v", cmd, out, err)
		}
		listTools(t, cmd, exec.Command(filepath.Join(downloads, "lightfield-mcp"), "--sandbox"))
	case strings.HasPrefix(cmd, "go install "):
		posixShell(t) // the README's mv follows, and go install names the binary mcp-server.exe there
		// The module is installed from this checkout: @latest would fetch the
		// published one, which is not what is under test. GOPATH is a folder
		// of the test's, so that the README's own mv runs as written.
		mod, _ := os.ReadFile(filepath.Join(root, "go.mod"))
		pkg := strings.Fields(strings.TrimPrefix(cmd, "go install "))[0]
		modulePath := strings.Fields(string(mod))[1]
		if !strings.HasPrefix(pkg, modulePath+"/cmd/mcp-server@") {
			t.Fatalf("%s does not name this module (%s)", cmd, modulePath)
		}
		install := exec.Command("go", "install", "./cmd/mcp-server")
		install.Dir = root
		install.Env = goPathEnv(tmp)
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
	case strings.HasPrefix(cmd, "mv \"$(go env GOPATH)/bin/mcp-server\" "):
		posixShell(t)
		run := exec.Command("bash", "-c", cmd)
		run.Env = goPathEnv(tmp)
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		listTools(t, cmd, exec.Command(filepath.Join(tmp, "gopath", "bin", "lightfield-mcp"), "--sandbox"))
	case strings.HasPrefix(cmd, "docker run "):
		// No container runs on the test machines: TestReleaseImages runs the
		// image's binary. Here the command must name the image the release
		// pushes and publish the port the image serves.
		config, _ := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
		dockerfile, _ := os.ReadFile(filepath.Join(root, "release", "Dockerfile"))
		image := strings.Fields(cmd)[len(strings.Fields(cmd))-1]
		if !strings.Contains(string(config), `name_template: "`+image+`"`) || !strings.Contains(cmd, " -p 8080:8080 ") || !strings.Contains(string(dockerfile), "\nEXPOSE 8080\n") {
			t.Errorf("%s: not the image the release pushes, or not its port", cmd)
		}
	case strings.HasPrefix(cmd, "npx -y @modelcontextprotocol/inspector@"):
		posixShell(t)
		runInspector(t, cmd, local)
	case strings.HasPrefix(cmd, "claude mcp add "):
		// claude mcp add NAME [--env K=V]... -- COMMAND [ARGS]
		opts, command, ok := strings.Cut(strings.TrimPrefix(cmd, "claude mcp add "), " -- ")
		if !ok {
			t.Fatalf("%s: no -- before the command", cmd)
		}
		var env []string
		fields := strings.Fields(opts)
		for i := 1; i+1 < len(fields); i += 2 {
			if fields[i] != "--env" && fields[i] != "-e" {
				t.Fatalf("%s: unexpected option %s", cmd, fields[i])
			}
			env = append(env, fields[i+1])
		}
		args := strings.Fields(command)
		listTools(t, cmd, clientCommand(t, args[0], args[1:], env))
	default:
		t.Errorf("README shows a command no test covers: %s", cmd)
	}
}

// goPathEnv is the environment with GOPATH in a folder of the test's and the
// module cache where it is, so that nothing is downloaded again.
func goPathEnv(tmp string) []string {
	cache, _ := exec.Command("go", "env", "GOMODCACHE").Output()
	return append(os.Environ(), "GOPATH="+filepath.Join(tmp, "gopath"), "GOBIN=", "GOMODCACHE="+strings.TrimSpace(string(cache)))
}

// clientCommand starts a server as an MCP client would from its
// configuration, with the sandbox forced on: the README's placeholder key
// opens nothing.
func clientCommand(t *testing.T, command string, args, env []string) *exec.Cmd {
	t.Helper()
	if command != "lightfield-mcp" {
		t.Fatalf("configuration runs %q, want lightfield-mcp", command)
	}
	for _, kv := range env {
		if !strings.HasPrefix(kv, "LIGHTFIELD_") {
			t.Errorf("configuration sets %q, which the server does not read", kv)
		}
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(env, "LIGHTFIELD_SANDBOX=1")
	return cmd
}

func runClientConfig(t *testing.T, text string) {
	t.Helper()
	type entry struct {
		Type    string            `json:"type"`
		Command string            `json:"command"`
		Args    []string          `json:"args"`
		Env     map[string]string `json:"env"`
	}
	var cfg struct {
		MCPServers map[string]entry `json:"mcpServers"`
		Servers    map[string]entry `json:"servers"`
	}
	if err := json.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatalf("README configuration is not JSON: %v\n%s", err, text)
	}
	entries := cfg.MCPServers
	if entries == nil {
		entries = cfg.Servers
	}
	if len(entries) != 1 {
		t.Fatalf("configuration with %d servers:\n%s", len(entries), text)
	}
	for _, e := range entries {
		if e.Type != "" && e.Type != "stdio" {
			t.Errorf("type %q", e.Type)
		}
		var env []string
		for k, v := range e.Env {
			env = append(env, k+"="+v)
		}
		listTools(t, text, clientCommand(t, e.Command, e.Args, env))
	}
}

// listTools connects to the server cmd starts and checks every tool is listed.
func listTools(t *testing.T, what string, cmd *exec.Cmd) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "readme", Version: "0"}, nil)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("%s: connect: %v", what, err)
	}
	defer session.Close()
	list, err := session.ListTools(ctx, nil)
	if err != nil || len(list.Tools) != len(tools.Tools()) {
		t.Fatalf("%s: tools %v, %v", what, list, err)
	}
}

func runInspector(t *testing.T, readme, cmd string) {
	t.Helper()
	dir, _ := filepath.Abs("../../e2e/ts")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "inspector")); err != nil {
		if os.Getenv("LFMCP_REQUIRE_NODE") == "1" {
			t.Fatalf("the Inspector is not installed in %s: run npm ci there", dir)
		}
		t.Skip("run `npm ci` in e2e/ts to include the Inspector commands")
	}
	run := exec.Command("bash", "-c", cmd)
	run.Dir = dir
	out, err := run.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", readme, err, out)
	}
	var result struct {
		Tools   []any `json:"tools"`
		IsError bool  `json:"isError"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(out, &result); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", readme, err, out)
	}
	if result.IsError || (len(result.Tools) == 0 && len(result.Content) == 0) {
		t.Fatalf("%s: %s", readme, out)
	}
	if len(result.Content) > 0 && !strings.Contains(string(out), "Sandbox") {
		t.Errorf("%s: the result does not say it came from the sandbox", readme)
	}
}
