package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// goBuild builds the package pkg of the module in dir into out.
func goBuild(dir, out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

// fake serves a fake organisation on loopback.
func fake(org lfsim.Org) (*lfsim.Server, *httptest.Server, error) {
	f, err := lfsim.New(org, apiKey)
	if err != nil {
		return nil, nil, err
	}
	f.KeepRequests(false)
	return f, httptest.NewServer(f), nil
}

// fixturePath is the fixture organisation, relative to the module root.
var fixturePath = "testdata/org.json"

func fixtureOrg() (lfsim.Org, error) {
	return lfsim.LoadOrg(fixturePath)
}

// fixtureFake serves the fixture organisation on loopback; the caller
// closes the server.
func fixtureFake() (*lfsim.Server, *httptest.Server, error) {
	org, err := fixtureOrg()
	if err != nil {
		return nil, nil, err
	}
	return fake(org)
}

// running is the server under measurement and the fake it talks to.
type running struct {
	fake    *lfsim.Server
	url     string // the fake's
	session *mcp.ClientSession
	cmd     *exec.Cmd
	stop    func()
}

// fixtureServer serves the fixture organisation from a loopback fake and
// runs the server against it, ready with live definitions.
func fixtureServer(binary string) (*running, error) {
	org, err := fixtureOrg()
	if err != nil {
		return nil, err
	}
	f, ts, err := fake(org)
	if err != nil {
		return nil, err
	}
	s, cmd, err := session(binary, ts.URL)
	if err != nil {
		ts.Close()
		return nil, err
	}
	r := &running{fake: f, url: ts.URL, session: s, cmd: cmd, stop: func() { s.Close(); ts.Close() }}
	if _, err := waitRefined(s, "Proposal Sent"); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

func serverCommand(binary, baseURL string) *exec.Cmd {
	cmd := exec.Command(binary)
	cmd.Env = []string{"LIGHTFIELD_API_KEY=" + apiKey, "LIGHTFIELD_BASE_URL=" + baseURL}
	return cmd
}

// session starts the binary against baseURL and connects the go-sdk client.
func session(binary, baseURL string) (*mcp.ClientSession, *exec.Cmd, error) {
	cmd := serverCommand(binary, baseURL)
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "0"}, nil)
	s, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
	return s, cmd, err
}

// waitRefined polls tools/list until it carries live definitions and
// returns that answer.
func waitRefined(s *mcp.ClientSession, marker string) ([]byte, error) {
	return poll(marker, func() ([]byte, error) {
		list, err := s.ListTools(context.Background(), nil)
		if err != nil {
			return nil, err
		}
		return json.Marshal(list)
	})
}

func poll(marker string, list func() ([]byte, error)) ([]byte, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		raw, err := list()
		if err != nil {
			return nil, err
		}
		if bytes.Contains(raw, []byte(marker)) {
			return raw, nil
		}
		time.Sleep(time.Millisecond)
	}
	return nil, fmt.Errorf("tools/list never showed %q", marker)
}

type latencies []time.Duration

func (l latencies) percentile(p float64) time.Duration {
	s := slices.Clone(l)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func createArgs(name string, allowDuplicate bool) map[string]any {
	return map[string]any{
		"fields":         map[string]any{"$name": name, "$stage": "Discovery", "$amount": 40000, "$closeDate": "2026-03-31"},
		"relationships":  map[string]any{"$account": "acc_01acme"},
		"allowDuplicate": allowDuplicate,
	}
}

func rss(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

func p50p99(l latencies) string {
	return fmt.Sprintf("%.2f / %.2f ms", float64(l.percentile(0.5))/float64(time.Millisecond), float64(l.percentile(0.99))/float64(time.Millisecond))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
