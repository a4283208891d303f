// Command bench measures the server's own cost next to the API's and writes
// BENCHMARKS.md: per-call overhead over stdio against a loopback fake
// Lightfield, round trips per create (beside an earlier revision's), cold
// start beside a bare mcp-go server, schema size and work, memory, and
// rate-limit efficiency, and one HTTP server under made-up keys and huge
// tokens beside a real tenant, followed by the Go micro-benchmarks. Run it
// from the module root: go run ./bench
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

const apiKey = "sk_lf_bench"

// Targets from the benchmark's brief; a miss is reported, not hidden. On a
// shared machine absolute times vary from run to run, so the targets on
// time are ratios or differences of times measured side by side.
const (
	targetOwnWork       = 500 * time.Microsecond
	targetColdRatio     = 1.5
	targetCriticalPath  = 2
	targetWallRatio     = 2.3
	targetToolsList     = 50 * time.Millisecond
	targetIdleRSS       = 30 << 20
	targetEfficiency    = 0.90
	targetRateLimited   = 0.01
	targetToolsListSize = 12 << 10
	// Hostile callers over HTTP: the documented ceiling of resident
	// memory, how much slower a real tenant's tools/list may get (a factor
	// of its idle p50, or an addition to it, whichever allows more: the
	// machine is shared and noisy), and how soon SIGTERM ends a server
	// holding an event stream.
	targetHostileRSS     = 64 << 20
	targetTenantFactor   = 3
	targetTenantSlack    = 5 * time.Millisecond
	targetShutdownStream = 2 * time.Second
	// The server's budget upstream for keys Lightfield has not accepted
	// (cmd/mcp-server: 10 a second, bursts of 20), and a margin for the
	// requests under way when the attack's clock stops.
	unverifiedPerSecond = 10
	unverifiedBurst     = 20
	unverifiedMargin    = 5
)

// hugeToken is the length of the Bearer token in attack B.
const hugeToken = 1 << 20

// roundTripLatency is the fake's latency on every request while a create's
// round trips are counted.
const roundTripLatency = 100 * time.Millisecond

type config struct {
	calls, coldStarts, soakCalls, rateCalls, roundTripCalls int
	// Hostile callers over HTTP: attack A's requests and the workers that
	// send them (attack B's too), attack B's requests, the real tenant's
	// idle calls, and the longest each attack may run.
	junkRequests, attackWorkers, hugeRequests, tenantCalls int
	attackFor                                              time.Duration
	out                                                    string
	pace                                                   time.Duration
	micro                                                  bool
	// root is the module root, where the fixture and packages are found.
	root string
	// baseline is a revision whose server is measured beside this one in
	// the round-trip section; empty for none.
	baseline string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.calls, "calls", 200, "rounds of calls per overhead measurement")
	flag.IntVar(&cfg.coldStarts, "cold-starts", 20, "process starts to time")
	flag.IntVar(&cfg.soakCalls, "soak-calls", 10000, "calls before the second memory reading")
	flag.IntVar(&cfg.rateCalls, "rate-calls", 500, "creates offered at once against the rate limit")
	flag.IntVar(&cfg.roundTripCalls, "round-trip-calls", 10, "creates timed against a distant API, per build")
	flag.StringVar(&cfg.baseline, "baseline", "95372a0", "revision whose server is measured beside this one in the round-trip section (the last before two round trips per create); empty for none")
	flag.IntVar(&cfg.junkRequests, "junk-requests", 20000, "attack A: tools/list requests over HTTP, each with a fresh made-up key")
	flag.IntVar(&cfg.hugeRequests, "huge-requests", 400, "attack B: requests over HTTP with a 1 MB Bearer token")
	flag.IntVar(&cfg.attackWorkers, "attack-workers", 8, "concurrent senders of each attack")
	flag.DurationVar(&cfg.attackFor, "attack-for", 60*time.Second, "the longest each attack may run")
	flag.IntVar(&cfg.tenantCalls, "tenant-calls", 50, "a real tenant's tools/list calls over HTTP timed before the attacks")
	flag.DurationVar(&cfg.pace, "pace", 50*time.Millisecond, "pause after every timed call, above the client's 24 writes/s pacing so that it never waits")
	flag.StringVar(&cfg.out, "out", "BENCHMARKS.md", "where to write the report")
	flag.BoolVar(&cfg.micro, "micro", true, "also run the Go micro-benchmarks")
	flag.Parse()
	cfg.root = "."
	report, err := run(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(cfg.out, []byte(report), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(report)
}

func run(cfg config) (string, error) {
	fixturePath = filepath.Join(cfg.root, "testdata", "org.json")
	dir, err := os.MkdirTemp("", "lfmcp-bench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	binary, bare := filepath.Join(dir, "mcp-server"), filepath.Join(dir, "bareserver")
	if err := goBuild(cfg.root, binary, "./cmd/mcp-server"); err != nil {
		return "", err
	}
	if err := goBuild(cfg.root, bare, "./bench/bareserver"); err != nil {
		return "", err
	}
	r := &report{baseline: cfg.baseline}
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		if err := r.overhead(binary, latency, cfg); err != nil {
			return "", fmt.Errorf("overhead at %v: %w", latency, err)
		}
	}
	builds := []build{{"this tree", binary}}
	if cfg.baseline != "" {
		old, err := buildRevision(cfg.root, cfg.baseline, dir)
		if err != nil {
			r.baselineErr = err.Error()
		} else {
			builds = append(builds, build{fmt.Sprintf("`%s` (before)", cfg.baseline), old})
		}
	}
	if err := r.createRoundTrips(builds, cfg); err != nil {
		return "", fmt.Errorf("round trips: %w", err)
	}
	if err := r.coldStart(binary, bare, cfg); err != nil {
		return "", fmt.Errorf("cold start: %w", err)
	}
	if err := r.schemaSizes(binary); err != nil {
		return "", fmt.Errorf("schema sizes: %w", err)
	}
	if err := r.memory(binary, cfg); err != nil {
		return "", fmt.Errorf("memory: %w", err)
	}
	if err := r.rateLimit(binary, cfg); err != nil {
		return "", fmt.Errorf("rate limit: %w", err)
	}
	if err := r.hostileCallers(binary, cfg); err != nil {
		return "", fmt.Errorf("hostile callers: %w", err)
	}
	if cfg.micro {
		bench := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./tools", "./schema")
		bench.Dir = cfg.root
		micro, err := bench.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("micro-benchmarks: %v\n%s", err, micro)
		}
		r.micro = string(micro)
	}
	return r.markdown(), nil
}

// goBuild builds the package pkg of the module in dir into out.
func goBuild(dir, out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

// build is a server binary and how the report names it.
type build struct{ name, binary string }

// buildRevision builds the server as it was at rev, from a copy of that
// revision's tree taken with git archive, into dir.
func buildRevision(root, rev, dir string) (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", fmt.Errorf("git is not installed")
	}
	archive := exec.Command("git", "-C", root, "archive", rev)
	tree, err := archive.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("%s", bytes.TrimSpace(exit.Stderr))
		}
		return "", fmt.Errorf("git archive %s: %v", rev, err)
	}
	src := filepath.Join(dir, "baseline")
	if err := os.Mkdir(src, 0o755); err != nil {
		return "", err
	}
	extract := exec.Command("tar", "-x", "-C", src)
	extract.Stdin = bytes.NewReader(tree)
	if out, err := extract.CombinedOutput(); err != nil {
		return "", fmt.Errorf("tar: %v\n%s", err, out)
	}
	binary := filepath.Join(dir, "baseline-mcp-server")
	return binary, goBuild(src, binary, "./cmd/mcp-server")
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

// lineClient speaks JSON-RPC to a process over its stdin and stdout, one
// message per line, and does nothing else: timed through it, a call costs
// what the server (and the pipes) cost, not what a client library adds,
// just as the direct requests are timed with a plain HTTP client.
type lineClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	id  int
}

func startLine(cmd *exec.Cmd) (*lineClient, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &lineClient{cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

// lineSession starts the binary against baseURL and completes the MCP
// handshake over lineClient.
func lineSession(binary, baseURL string) (*lineClient, error) {
	c, err := startLine(serverCommand(binary, baseURL))
	if err != nil {
		return nil, err
	}
	if _, err := c.call("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "bench", "version": "0"}}); err != nil {
		c.close()
		return nil, fmt.Errorf("initialize: %w", err)
	}
	if _, err := c.in.Write([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n")); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// call sends one request and returns its result, skipping notifications.
func (c *lineClient) call(method string, params any) (json.RawMessage, error) {
	c.id++
	msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if _, err := c.in.Write(append(msg, '\n')); err != nil {
		return nil, err
	}
	for {
		line, err := c.out.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		var resp struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(line, &resp) != nil || resp.ID == nil || *resp.ID != c.id {
			continue
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, resp.Error.Message)
		}
		return resp.Result, nil
	}
}

// callTool calls a tool and fails on a refusal.
func (c *lineClient) callTool(name string, args map[string]any) error {
	raw, err := c.call("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return err
	}
	var res struct {
		IsError bool `json:"isError"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.IsError {
		return fmt.Errorf("%s refused or unreadable: %s", name, raw)
	}
	return nil
}

func (c *lineClient) waitRefined(marker string) ([]byte, error) {
	return poll(marker, func() ([]byte, error) { return c.call("tools/list", map[string]any{}) })
}

// echo sends one line and reads one back (for cat, the floor of a round
// trip through two pipes and another process).
func (c *lineClient) echo() error {
	if _, err := c.in.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n")); err != nil {
		return err
	}
	_, err := c.out.ReadBytes('\n')
	return err
}

func (c *lineClient) close() {
	c.in.Close()
	c.cmd.Wait()
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

type overheadRow struct {
	latency time.Duration
	// direct is the server's requests for a bare create sent by a plain
	// HTTP client, directGet the first of them alone; bare, guarded, ping
	// and dry go through lineClient; sdk is the bare create through the
	// official Go SDK client; pipe is a line echoed by cat.
	direct, directGet, bare, guarded, ping, dry, sdk, pipe latencies
}

// ownWork is what the server's bare create costs at p50 beyond any MCP
// request (ping) and beyond the API's answers to its requests (direct).
func (o overheadRow) ownWork() time.Duration {
	return o.bare.percentile(0.5) - o.ping.percentile(0.5) - o.direct.percentile(0.5)
}

// roundTripRow is the same create timed against one build of the server:
// each call's wall time, requests, and requests one after the other.
type roundTripRow struct {
	build              string
	wall               latencies
	requests, critical []int
}

type report struct {
	overheads  []overheadRow
	roundTrips []roundTripRow
	// baseline is the revision asked for beside this one; baselineErr says
	// why it was not measured.
	baseline, baselineErr                 string
	initialize, bareInitialize, toolsList latencies
	exec                                  latencies
	initTotal, initSchema                 float64 // package initialisation, ms
	bareInitTotal, bareInitSchema         float64 // the same in the bare server
	fixtureListBytes, largeListBytes      int
	fixtureTools                          []toolSize
	refineLarge                           time.Duration
	idleRSS, soakRSS                      int64
	soakCalls                             int
	rateWall                              time.Duration
	rateCalls, rate429, rateStored        int
	hostile                               *hostileRun
	micro                                 string
}

func createArgs(name string, allowDuplicate bool) map[string]any {
	return map[string]any{
		"fields":         map[string]any{"$name": name, "$stage": "Discovery", "$amount": 40000, "$closeDate": "2026-03-31"},
		"relationships":  map[string]any{"$account": "acc_01acme"},
		"allowDuplicate": allowDuplicate,
	}
}

// overhead times the same create sent directly and through the server. The
// server reads back the account given by ID, to name it, then POSTs; sent
// directly, the same two requests go one after the other. Every kind of call
// takes its turn in each round, so that all meet the same conditions on a
// shared machine, and each is followed by the same pause.
func (r *report) overhead(binary string, latency time.Duration, cfg config) error {
	run, err := fixtureServer(binary)
	if err != nil {
		return err
	}
	defer run.stop()
	run.fake.SetLatency(latency)
	line, err := lineSession(binary, run.url)
	if err != nil {
		return err
	}
	defer line.close()
	if _, err := line.waitRefined("Proposal Sent"); err != nil {
		return err
	}
	cat, err := startLine(exec.Command("cat"))
	if err != nil {
		return fmt.Errorf("cat, the pipe floor: %w", err)
	}
	defer cat.close()
	row := overheadRow{latency: latency}
	client := &http.Client{}
	ctx := context.Background()
	timed := func(into *latencies, call func() error) error {
		start := time.Now()
		err := call()
		*into = append(*into, time.Since(start))
		time.Sleep(cfg.pace)
		return err
	}
	send := func(req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Lightfield-Version", "2026-03-01")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		if err := resp.Body.Close(); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
		}
		return nil
	}
	getAccount := func() error {
		get, _ := http.NewRequest("GET", run.url+"/v1/accounts/acc_01acme", nil)
		return send(get)
	}
	for i := range cfg.calls {
		direct := func() error {
			if err := getAccount(); err != nil {
				return err
			}
			body := fmt.Sprintf(`{"fields":{"$name":"Direct %d","$stage":"opt_st_disc","$amount":40000,"$closeDate":"2026-03-31T00:00:00+00:00"},"relationships":{"$account":"acc_01acme"}}`, i)
			post, _ := http.NewRequest("POST", run.url+"/v1/opportunities", strings.NewReader(body))
			post.Header.Set("Content-Type", "application/json")
			post.Header.Set("Idempotency-Key", "direct-"+strconv.Itoa(i))
			return send(post)
		}
		dry := createArgs(fmt.Sprintf("Dry %d", i), true)
		dry["dryRun"] = true
		steps := []struct {
			into *latencies
			call func() error
		}{
			{&row.direct, direct},
			{&row.directGet, getAccount},
			{&row.bare, func() error { return line.callTool("create_opportunity", createArgs(fmt.Sprintf("Bare %d", i), true)) }},
			{&row.guarded, func() error {
				return line.callTool("create_opportunity", createArgs(fmt.Sprintf("Guarded %d", i), false))
			}},
			{&row.ping, func() error { _, err := line.call("ping", map[string]any{}); return err }},
			{&row.dry, func() error { return line.callTool("create_opportunity", dry) }},
			{&row.sdk, func() error {
				res, err := run.session.CallTool(ctx, &mcp.CallToolParams{Name: "create_opportunity", Arguments: createArgs(fmt.Sprintf("SDK %d", i), true)})
				if err == nil && res.IsError {
					err = fmt.Errorf("refused: %v", res.Content)
				}
				return err
			}},
			{&row.pipe, cat.echo},
		}
		for _, step := range steps {
			if err := timed(step.into, step.call); err != nil {
				return fmt.Errorf("round %d: %w", i, err)
			}
		}
	}
	r.overheads = append(r.overheads, row)
	return nil
}

// readRefill is long enough for the client's bucket of reads and searches
// (6, refilled at 24 a second) to be full again.
const readRefill = time.Second

// createRoundTrips times a create that names its account, owner and two
// contacts, against a fake answering every request after roundTripLatency,
// through each build in turn, and counts the requests each call made and how
// many of them followed one another. Each call starts with the client's read
// bucket full, so that pacing never delays it.
func (r *report) createRoundTrips(builds []build, cfg config) error {
	org, err := fixtureOrg()
	if err != nil {
		return err
	}
	var fakes []*lfsim.Server
	var lines []*lineClient
	for _, b := range builds {
		f, ts, err := fake(org)
		if err != nil {
			return err
		}
		defer ts.Close()
		f.KeepRequests(true)
		line, err := lineSession(b.binary, ts.URL)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		defer line.close()
		if _, err := line.waitRefined("Proposal Sent"); err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		f.SetLatency(roundTripLatency)
		fakes, lines = append(fakes, f), append(lines, line)
		r.roundTrips = append(r.roundTrips, roundTripRow{build: b.name})
	}
	for i := range cfg.roundTripCalls {
		for j, row := range r.roundTrips {
			time.Sleep(readRefill)
			before := len(fakes[j].Requests())
			start := time.Now()
			err := lines[j].callTool("create_opportunity", map[string]any{
				"fields":        map[string]any{"$name": fmt.Sprintf("Round trip %d", i), "$stage": "Discovery"},
				"relationships": map[string]any{"$account": "Acme Corp", "$owner": "dana@ourco.example", "$champion": "wile@acme.example", "$evaluator": "sam.ortiz@acme.example"},
			})
			row.wall = append(row.wall, time.Since(start))
			if err != nil {
				return fmt.Errorf("%s: %w", row.build, err)
			}
			reqs := fakes[j].Requests()[before:]
			row.requests = append(row.requests, len(reqs))
			row.critical = append(row.critical, lfsim.CriticalPath(reqs))
			r.roundTrips[j] = row
		}
	}
	return nil
}

// initTrace runs binary with args under GODEBUG=inittrace=1 and returns the
// time its packages took to initialise, in all and in
// github.com/santhosh-tekuri/jsonschema, in milliseconds.
func initTrace(binary string, args ...string) (total, schema float64, err error) {
	trace := exec.Command(binary, args...)
	trace.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := trace.CombinedOutput()
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		// init PKG @T ms, D ms clock, …
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "init" {
			continue
		}
		d, _ := strconv.ParseFloat(f[4], 64)
		total += d
		if strings.HasPrefix(f[1], "github.com/santhosh-tekuri/jsonschema") {
			schema += d
		}
	}
	return total, schema, nil
}

// coldStart times exec → initialize answered for the server and for a bare
// mcp-go server, in turn, and → tools/list with live definitions from the
// loopback fake for the server.
func (r *report) coldStart(binary, bare string, cfg config) error {
	org, err := fixtureOrg()
	if err != nil {
		return err
	}
	_, ts, err := fake(org)
	if err != nil {
		return err
	}
	defer ts.Close()
	for range cfg.coldStarts {
		start := time.Now()
		if err := exec.Command(binary, "--version").Run(); err != nil {
			return err
		}
		r.exec = append(r.exec, time.Since(start))
	}
	if r.initTotal, r.initSchema, err = initTrace(binary, "--version"); err != nil {
		return err
	}
	// With no input, the bare server stops at once.
	if r.bareInitTotal, r.bareInitSchema, err = initTrace(bare); err != nil {
		return fmt.Errorf("bare server: %w", err)
	}
	for range cfg.coldStarts {
		start := time.Now()
		b, err := lineSession(bare, ts.URL)
		if err != nil {
			return fmt.Errorf("bare server: %w", err)
		}
		r.bareInitialize = append(r.bareInitialize, time.Since(start))
		b.close()
		start = time.Now()
		c, err := lineSession(binary, ts.URL)
		if err != nil {
			return err
		}
		r.initialize = append(r.initialize, time.Since(start))
		_, err = c.waitRefined("Proposal Sent")
		r.toolsList = append(r.toolsList, time.Since(start))
		c.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// largeOrg is an organisation far bigger than most: 200 custom fields of
// every type, selects with 100 options each.
func largeOrg(base lfsim.Org) (lfsim.Org, error) {
	var defs map[string]any
	if err := json.Unmarshal(base.Definitions, &defs); err != nil {
		return base, err
	}
	fields := defs["fieldDefinitions"].(map[string]any)
	types := []string{"TEXT", "NUMBER", "CURRENCY", "DATETIME", "CHECKBOX", "EMAIL", "URL", "TELEPHONE", "ADDRESS", "FULL_NAME", "SOCIAL_HANDLE", "SINGLE_SELECT", "MULTI_SELECT"}
	for i := range 200 {
		vt := types[i%len(types)]
		cfg := map[string]any{}
		if vt == "SINGLE_SELECT" || vt == "MULTI_SELECT" {
			var options []any
			for j := range 100 {
				options = append(options, map[string]any{"id": fmt.Sprintf("opt_l_%d_%d", i, j), "label": fmt.Sprintf("Choice %d of field %d", j, i)})
			}
			cfg["options"] = options
		}
		fields[fmt.Sprintf("custom%03d", i)] = map[string]any{"label": fmt.Sprintf("Custom field %d", i), "description": "A custom field of a large organisation.", "valueType": vt, "typeConfiguration": cfg}
	}
	raw, err := json.Marshal(defs)
	base.Definitions = raw
	return base, err
}

// schemaSizes measures tools/list (the result as it crosses the pipe) for
// the fixture and the large organisation through the binary, and how long
// the large one takes to appear after start.
func (r *report) schemaSizes(binary string) error {
	org, err := fixtureOrg()
	if err != nil {
		return err
	}
	for _, large := range []bool{false, true} {
		o := org
		if large {
			if o, err = largeOrg(org); err != nil {
				return err
			}
		}
		_, ts, err := fake(o)
		if err != nil {
			return err
		}
		start := time.Now()
		c, err := lineSession(binary, ts.URL)
		if err != nil {
			ts.Close()
			return err
		}
		marker := "Proposal Sent"
		if large {
			marker = "Choice 99 of field 193"
		}
		list, err := c.waitRefined(marker)
		if large {
			r.largeListBytes, r.refineLarge = len(list), time.Since(start)
		}
		c.close()
		ts.Close()
		if err != nil {
			return err
		}
		if !large {
			r.fixtureListBytes = len(list)
			if r.fixtureTools, err = toolSizes(list); err != nil {
				return err
			}
		}
	}
	return nil
}

// toolSize is one tool's share of a tools/list answer.
type toolSize struct {
	name  string
	bytes int
}

// toolSizes splits a tools/list result into its tools' sizes.
func toolSizes(list []byte) ([]toolSize, error) {
	var res struct {
		Tools []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(list, &res); err != nil {
		return nil, err
	}
	var sizes []toolSize
	for _, raw := range res.Tools {
		var tool struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &tool); err != nil {
			return nil, err
		}
		sizes = append(sizes, toolSize{tool.Name, len(raw)})
	}
	return sizes, nil
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

// memory reads the server's resident memory idle and after many calls of
// every kind.
func (r *report) memory(binary string, cfg config) error {
	run, err := fixtureServer(binary)
	if err != nil {
		return err
	}
	defer run.stop()
	s, cmd := run.session, run.cmd
	time.Sleep(time.Second)
	if r.idleRSS, err = rss(cmd.Process.Pid); err != nil {
		return err
	}
	ctx := context.Background()
	invalid := map[string]any{"fields": map[string]any{"$name": "", "$stage": "Nope"}, "relationships": map[string]any{}}
	for i := range cfg.soakCalls {
		var err error
		switch i % 20 {
		case 0:
			_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "create_opportunity", Arguments: createArgs(fmt.Sprintf("Memory %d", i%100), false)})
		case 1:
			_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "find_accounts", Arguments: map[string]any{"query": "Glo"}})
		default:
			_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "create_opportunity", Arguments: invalid})
		}
		if err != nil {
			return err
		}
	}
	time.Sleep(time.Second)
	r.soakCalls = cfg.soakCalls
	r.soakRSS, err = rss(cmd.Process.Pid)
	return err
}

// rateLimit offers many creates at once to a fake enforcing 25 writes/s.
func (r *report) rateLimit(binary string, cfg config) error {
	run, err := fixtureServer(binary)
	if err != nil {
		return err
	}
	defer run.stop()
	f, s := run.fake, run.session
	f.SetRateLimit(25)
	var wg sync.WaitGroup
	var failed atomic.Int32
	start := time.Now()
	for i := range cfg.rateCalls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "create_opportunity", Arguments: createArgs(fmt.Sprintf("Rate %d", i), true)})
			if err != nil || res.IsError {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	r.rateWall, r.rateCalls, r.rate429, r.rateStored = time.Since(start), cfg.rateCalls, f.RateLimited(), len(f.Created())
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d creates failed", n, cfg.rateCalls)
	}
	return nil
}

// rateEfficiency is the time the rate-limit run would take at exactly 25
// creates a second, and that over the time it took.
func (r *report) rateEfficiency() (time.Duration, float64) {
	ideal := time.Duration(float64(r.rateCalls) / 25 * float64(time.Second))
	return ideal, float64(ideal) / float64(r.rateWall)
}

// hostileRun is one HTTP server process under attack, beside a real tenant.
type hostileRun struct {
	workers int
	// attackFor caps each attack; pace follows each of the tenant's calls.
	attackFor, pace time.Duration
	// Resident memory: idle, after each attack, and the peak (VmHWM) over
	// the process's life.
	idleRSS, rssA, rssB, peakRSS int64
	// The real tenant's tools/list, before and during attack A; the calls
	// during it that failed, and the first failure.
	idle, during   latencies
	tenantFailures int
	tenantFailure  string
	// Attack A: requests planned and answered or not, its wall time, whether
	// the time cap stopped it, the answers by status, and the requests the
	// fake received meanwhile with the attack's keys and with the tenant's.
	junkPlanned, junkSent        int
	junkWall                     time.Duration
	junkCapped                   bool
	junkStatus                   statusCount
	junkUpstream, tenantUpstream int
	// junkPaths counts the attack's requests upstream by method and path;
	// repeatStatus is the answer to attack A's first key sent once more
	// after the attack.
	junkPaths                    map[string]int
	repeatStatus, repeatUpstream int
	// junkBase counts the 200s that carried the base tool list (tools, but
	// not the organisation's stages).
	junkBase int
	// Attack B, likewise.
	hugePlanned, hugeSent int
	hugeWall              time.Duration
	hugeCapped            bool
	hugeStatus            statusCount
	hugeUpstream          int
	// Shutdown: the event stream's status, the time from SIGTERM to exit and
	// the exit code (-1: still running when the wait ended).
	streamStatus int
	streamErr    string
	exitAfter    time.Duration
	exitCode     int
}

// statusCount counts answers by HTTP status; 0 counts requests that got no
// answer (the connection closed or failed before one).
type statusCount map[int]int

func (c statusCount) add(other statusCount) {
	for k, v := range other {
		c[k] += v
	}
}

func (c statusCount) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// answered counts the requests that got an answer.
func (c statusCount) answered() int { return c.total() - c[0] }

func (c statusCount) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		if k == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d × %d", c[k], k))
	}
	if c[0] > 0 {
		parts = append(parts, fmt.Sprintf("%d without an answer (connection closed)", c[0]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// tail keeps the last bytes a process writes, for an error message.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 8 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailSize {
		t.buf = slices.Clone(t.buf[len(t.buf)-tailSize:])
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf[max(0, len(t.buf)-tailSize):])
}

// httpServer runs the binary with --http on a free loopback port against
// baseURL, with no key of its own (every request brings its caller's), and
// waits for /healthz.
func httpServer(binary, baseURL string) (string, *exec.Cmd, *tail, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binary, "--http", addr)
	cmd.Env = []string{"LIGHTFIELD_BASE_URL=" + baseURL}
	logs := &tail{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		return "", nil, nil, err
	}
	base := "http://" + addr
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, cmd, logs, nil
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			return "", nil, nil, fmt.Errorf("/healthz never answered: %v\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const listRequest = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`

// postList posts tools/list to endpoint with key as the Bearer token and
// returns the status (0 for no answer) and the body.
func postList(client *http.Client, endpoint, key string) (int, []byte, error) {
	req, err := http.NewRequest("POST", endpoint, strings.NewReader(listRequest))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, body, err
}

// madeUpKey is a key shaped like a Lightfield key that Lightfield never
// issued: sk_lf_ and 32 random letters and digits.
func madeUpKey() string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := []byte("sk_lf_")
	for range 32 {
		b = append(b, alnum[rand.N(len(alnum))])
	}
	return string(b)
}

// attack sends up to n requests from workers senders until they are sent
// or the time is up, and counts the answers by status. It returns the
// counts, the wall time and whether the time cap stopped it.
func attack(n, workers int, limit time.Duration, send func(i int) int) (statusCount, time.Duration, bool) {
	var next atomic.Int64
	var capped atomic.Bool
	counts := make([]statusCount, workers)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(limit)
	for w := range workers {
		counts[w] = statusCount{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				if time.Now().After(deadline) {
					capped.Store(true)
					return
				}
				counts[w][send(i)]++
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	all := statusCount{}
	for _, c := range counts {
		all.add(c)
	}
	return all, wall, capped.Load()
}

// byKey counts the fake's requests made with the benchmark's key and with
// any other, and the others by method and path.
func byKey(reqs []lfsim.Request) (tenant, others int, paths map[string]int) {
	paths = map[string]int{}
	for _, r := range reqs {
		if r.Header.Get("Authorization") == "Bearer "+apiKey {
			tenant++
		} else {
			others++
			paths[r.Method+" "+r.Path]++
		}
	}
	return tenant, others, paths
}

// peakRSS is the process's peak resident memory (VmHWM).
func peakRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM")
}

// hostileCallers runs one server over HTTP against the fixture's fake, which
// accepts only the benchmark's key, and measures it idle, under made-up keys
// (attack A) while a real tenant keeps listing tools, under huge tokens
// (attack B), and when SIGTERM comes with an event stream open.
func (r *report) hostileCallers(binary string, cfg config) error {
	org, err := fixtureOrg()
	if err != nil {
		return err
	}
	f, ts, err := fake(org)
	if err != nil {
		return err
	}
	defer ts.Close()
	base, cmd, logs, err := httpServer(binary, ts.URL)
	if err != nil {
		return err
	}
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	pid, endpoint := cmd.Process.Pid, base+"/mcp"
	h := &hostileRun{workers: cfg.attackWorkers, attackFor: cfg.attackFor, pace: cfg.pace, junkPlanned: cfg.junkRequests, hugePlanned: cfg.hugeRequests}
	r.hostile = h

	// The real tenant: its own connection, its organisation's live schema.
	tenant := &http.Client{Timeout: 30 * time.Second}
	tenantList := func() ([]byte, error) {
		status, body, err := postList(tenant, endpoint, apiKey)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("tools/list answered %d: %.200s", status, body)
		}
		return body, err
	}
	timedList := func() (time.Duration, error) {
		start := time.Now()
		body, err := tenantList()
		took := time.Since(start)
		if err == nil && !bytes.Contains(body, []byte("Proposal Sent")) {
			err = fmt.Errorf("tools/list lacks the organisation's stages: %.200s", body)
		}
		time.Sleep(cfg.pace)
		return took, err
	}
	if _, err := poll("Proposal Sent", tenantList); err != nil {
		return fmt.Errorf("the tenant's first tools/list: %w\n%s", err, logs)
	}
	time.Sleep(time.Second)
	if h.idleRSS, err = rss(pid); err != nil {
		return err
	}
	for range cfg.tenantCalls {
		took, err := timedList()
		if err != nil {
			return fmt.Errorf("the tenant, idle: %w", err)
		}
		h.idle = append(h.idle, took)
	}

	// Attack A: a fresh made-up key per request, while the tenant lists.
	f.KeepRequests(true)
	before := len(f.Requests())
	stop, tenantDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(tenantDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			took, err := timedList()
			if err != nil {
				if h.tenantFailures == 0 {
					h.tenantFailure = err.Error()
				}
				h.tenantFailures++
				continue
			}
			h.during = append(h.during, took)
		}
	}()
	junk := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.attackWorkers}}
	first := madeUpKey()
	var baseLists atomic.Int64
	h.junkStatus, h.junkWall, h.junkCapped = attack(cfg.junkRequests, cfg.attackWorkers, cfg.attackFor, func(i int) int {
		key := madeUpKey()
		if i == 1 {
			key = first
		}
		status, body, _ := postList(junk, endpoint, key)
		if status == http.StatusOK && bytes.Contains(body, []byte("create_opportunity")) && !bytes.Contains(body, []byte("Proposal Sent")) {
			baseLists.Add(1)
		}
		return status
	})
	h.junkBase = int(baseLists.Load())
	close(stop)
	<-tenantDone
	h.junkSent = h.junkStatus.total()
	reqs := f.Requests()
	h.tenantUpstream, h.junkUpstream, h.junkPaths = byKey(reqs[before:])
	if h.junkSent > 0 {
		h.repeatStatus, _, _ = postList(junk, endpoint, first)
		h.repeatUpstream = len(f.Requests()) - len(reqs)
	}
	if h.rssA, err = rss(pid); err != nil {
		return err
	}

	// Attack B: tokens of 1 MB.
	before = len(f.Requests())
	huge := "sk_lf_" + strings.Repeat("x", hugeToken-len("sk_lf_"))
	big := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.attackWorkers}}
	h.hugeStatus, h.hugeWall, h.hugeCapped = attack(cfg.hugeRequests, cfg.attackWorkers, cfg.attackFor, func(int) int {
		status, _, _ := postList(big, endpoint, huge)
		return status
	})
	h.hugeSent = h.hugeStatus.total()
	_, h.hugeUpstream, _ = byKey(f.Requests()[before:])
	f.KeepRequests(false)
	if h.rssB, err = rss(pid); err != nil {
		return err
	}
	if h.peakRSS, err = peakRSS(pid); err != nil {
		return err
	}

	// Shutdown with an event stream open.
	get, err := http.NewRequest("GET", endpoint, nil)
	if err != nil {
		return err
	}
	get.Header.Set("Accept", "text/event-stream")
	get.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	get.Header.Set("Authorization", "Bearer "+apiKey)
	streams := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 10 * time.Second}}
	if resp, err := streams.Do(get); err != nil {
		h.streamErr = err.Error()
	} else {
		h.streamStatus = resp.StatusCode
		defer resp.Body.Close()
		go io.Copy(io.Discard, resp.Body)
	}
	done := make(chan struct{})
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		h.exitAfter, h.exitCode = time.Since(start), cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		h.exitAfter, h.exitCode = time.Since(start), -1
		cmd.Process.Kill()
		<-done
	}
	exited = true
	return nil
}

// tenantLimit is how slow the tenant's tools/list may get under attack at
// p50: 3× its idle p50, or 5 ms more, whichever is larger.
func (h *hostileRun) tenantLimit() time.Duration {
	idle := h.idle.percentile(0.5)
	return max(targetTenantFactor*idle, idle+targetTenantSlack)
}

func (h *hostileRun) tenantMet() bool {
	return h.tenantFailures == 0 && len(h.during) > 0 && h.during.percentile(0.5) <= h.tenantLimit()
}

// upstreamBudget is what the shared budget lets the attack's keys send
// upstream in attack A's time, with the margin.
func (h *hostileRun) upstreamBudget() int {
	return unverifiedBurst + int(unverifiedPerSecond*h.junkWall.Seconds()) + unverifiedMargin
}

func (h *hostileRun) rssMet() bool {
	return max(h.rssA, h.rssB) <= targetHostileRSS
}

func (h *hostileRun) shutdownMet() bool {
	return h.streamStatus == http.StatusOK && h.exitCode == 0 && h.exitAfter <= targetShutdownStream
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// hostileSection writes the hostile callers' section.
func (r *report) hostileSection(b *strings.Builder) {
	h := r.hostile
	if h == nil {
		return
	}
	b.WriteString("\n## Hostile callers over HTTP\n\n")
	fmt.Fprintf(b, "One server process serving Streamable HTTP on loopback (`--http`, no key of its own: every request brings its caller's) against the fixture's fake, which accepts only its one key. A real tenant, the fake's key, lists tools (`tools/list`, POST `/mcp`, its own connection) with a pause of %s after each call, before the attacks and throughout attack A. Attack A sends `tools/list` with a fresh made-up key per request (`sk_lf_` and 32 random letters and digits, shaped like a key, so that only Lightfield can refuse it), attack B with a Bearer token of 1 MB; each comes from %d concurrent senders, which stop sending after %.0f s if not done by then (requests under way are still answered). Then an event stream is opened with the tenant's key and the server is sent SIGTERM.\n\n", ms(h.pace), h.workers, h.attackFor.Seconds())
	b.WriteString("| reading | value | target |\n|---|---|---|\n")
	fmt.Fprintf(b, "| resident memory, idle, after the tenant's first lists | %s | — |\n", mb(h.idleRSS))
	fmt.Fprintf(b, "| the tenant's `tools/list`, idle, %d calls one after the other (p50 / p99) | %s | — |\n", len(h.idle), p50p99(h.idle))
	capped := ""
	if h.junkCapped {
		capped = fmt.Sprintf(" (stopped by the %.0f s cap)", h.attackFor.Seconds())
	}
	fmt.Fprintf(b, "| attack A: requests sent (of %d) | %d in %.1f s%s, %.1f answered a second | — |\n", h.junkPlanned, h.junkSent, h.junkWall.Seconds(), capped, float64(h.junkStatus.answered())/h.junkWall.Seconds())
	fmt.Fprintf(b, "| attack A: answers by status | %s | — |\n", h.junkStatus)
	fmt.Fprintf(b, "| attack A: requests the fake received with the attack's keys (with the tenant's meanwhile) | %d (%d) | ≤ %d + %d × %.1f s + %d = %d (the shared budget): %s |\n", h.junkUpstream, h.tenantUpstream, unverifiedBurst, unverifiedPerSecond, h.junkWall.Seconds(), unverifiedMargin, h.upstreamBudget(), verdict(h.junkUpstream <= h.upstreamBudget()))
	during := "no call finished"
	if len(h.during) > 0 {
		during = fmt.Sprintf("%s, %.2f× the idle p50", p50p99(h.during), float64(h.during.percentile(0.5))/float64(h.idle.percentile(0.5)))
	}
	failed := ""
	if h.tenantFailures > 0 {
		failed = fmt.Sprintf("; %d failed", h.tenantFailures)
	}
	fmt.Fprintf(b, "| the tenant's `tools/list` during attack A, %d calls (p50 / p99)%s | %s | ≤ %s at p50 (3× idle, or idle + 5 ms if larger): %s |\n", len(h.during)+h.tenantFailures, failed, during, ms(h.tenantLimit()), verdict(h.tenantMet()))
	fmt.Fprintf(b, "| resident memory after attack A | %s | ≤ 64 MB (documented ceiling): %s |\n", mb(h.rssA), verdict(h.rssA <= targetHostileRSS))
	capped = ""
	if h.hugeCapped {
		capped = fmt.Sprintf(" (stopped by the %.0f s cap)", h.attackFor.Seconds())
	}
	fmt.Fprintf(b, "| attack B: requests with a 1 MB token sent (of %d) | %d in %.1f s%s | — |\n", h.hugePlanned, h.hugeSent, h.hugeWall.Seconds(), capped)
	fmt.Fprintf(b, "| attack B: answers by status | %s | — |\n", h.hugeStatus)
	fmt.Fprintf(b, "| attack B: requests the fake received with its token | %d | — |\n", h.hugeUpstream)
	fmt.Fprintf(b, "| resident memory after attack B | %s | ≤ 64 MB (documented ceiling): %s |\n", mb(h.rssB), verdict(h.rssB <= targetHostileRSS))
	fmt.Fprintf(b, "| peak resident memory over the process's life (VmHWM) | %s | — |\n", mb(h.peakRSS))
	stream := fmt.Sprintf("answered %d", h.streamStatus)
	if h.streamErr != "" {
		stream = "no answer: " + h.streamErr
	}
	exit := fmt.Sprintf("exit %d after %s", h.exitCode, ms(h.exitAfter))
	if h.exitCode == -1 {
		exit = fmt.Sprintf("still running after %s, killed", ms(h.exitAfter))
	}
	fmt.Fprintf(b, "| SIGTERM with an event stream open (GET `/mcp` with the tenant's key %s) | %s | exit 0 within 2 s: %s |\n", stream, exit, verdict(h.shutdownMet()))
	h.notes(b)
}

// hostileMissed explains each target on hostile callers the run missed.
func (r *report) hostileMissed() []string {
	h := r.hostile
	if h == nil {
		return nil
	}
	var notes []string
	if !h.rssMet() {
		notes = append(notes, fmt.Sprintf("**Resident memory under hostile callers**: %s after attack A and %s after attack B, against the documented ceiling of 64 MB (idle %s; peak %s). Each reading is taken as soon as the attack ends, before the Go runtime gives freed memory back to the system.", mb(h.rssA), mb(h.rssB), mb(h.idleRSS), mb(h.peakRSS)))
	}
	if !h.tenantMet() {
		note := "**The tenant's `tools/list` during attack A**: "
		if len(h.during) > 0 {
			note += fmt.Sprintf("%s at p50 against %s (idle p50 %s)", ms(h.during.percentile(0.5)), ms(h.tenantLimit()), ms(h.idle.percentile(0.5)))
		} else {
			note += "no call finished"
		}
		if h.tenantFailures > 0 {
			note += fmt.Sprintf("; %d of its calls failed, the first with: %s", h.tenantFailures, h.tenantFailure)
		}
		notes = append(notes, note+fmt.Sprintf(". The tenant, the server, the fake and the attack's %d senders share a %d-core machine.", h.workers, runtime.NumCPU()))
	}
	if h.junkUpstream > h.upstreamBudget() {
		notes = append(notes, fmt.Sprintf("**Requests upstream during attack A**: %d with the attack's keys, against %d for its %.1f s (%s).", h.junkUpstream, h.upstreamBudget(), h.junkWall.Seconds(), h.pathList()))
	}
	if !h.shutdownMet() {
		switch {
		case h.streamStatus != http.StatusOK:
			answer := fmt.Sprintf("answered %d", h.streamStatus)
			if h.streamErr != "" {
				answer = "no answer: " + h.streamErr
			}
			notes = append(notes, fmt.Sprintf("**Shutdown with an event stream open**: the stream did not open (%s), so the reading does not show a shutdown with one open; the server exited %d after %s.", answer, h.exitCode, ms(h.exitAfter)))
		case h.exitCode == -1:
			notes = append(notes, fmt.Sprintf("**Shutdown with an event stream open**: the server was still running %s after SIGTERM and was killed.", ms(h.exitAfter)))
		default:
			notes = append(notes, fmt.Sprintf("**Shutdown with an event stream open**: exit %d after %s, against exit 0 within 2 s.", h.exitCode, ms(h.exitAfter)))
		}
	}
	return notes
}

// pathList lists attack A's requests upstream by method and path.
func (h *hostileRun) pathList() string {
	var paths []string
	for _, p := range slices.Sorted(maps.Keys(h.junkPaths)) {
		paths = append(paths, fmt.Sprintf("%d `%s`", h.junkPaths[p], p))
	}
	if len(paths) == 0 {
		return "none"
	}
	return strings.Join(paths, ", ")
}

// notes says what the hostile callers' readings show, each sentence only
// when the readings bear it out.
func (h *hostileRun) notes(b *strings.Builder) {
	var s []string
	if h.junkSent > 0 && h.junkWall > 0 {
		s = append(s, fmt.Sprintf("In attack A the made-up keys cost %.2f requests upstream each (%s), %.1f a second.", float64(h.junkUpstream)/float64(h.junkSent), h.pathList(), float64(h.junkUpstream)/h.junkWall.Seconds()))
		perKey := float64(h.junkUpstream) / float64(h.junkSent)
		answered := float64(h.junkStatus.answered()) / h.junkWall.Seconds()
		if h.junkUpstream*10 >= (unverifiedBurst+int(unverifiedPerSecond*h.junkWall.Seconds()))*9 && perKey > 0 {
			s = append(s, "That is the shared budget used up (20 at once, then 10 a second): the made-up keys' requests waited their turn in it.")
			if expect := unverifiedPerSecond / perKey; answered >= expect*0.75 && answered <= expect*1.25 {
				s = append(s, fmt.Sprintf("The budget thus set the pace at which the attack was answered: %.1f a second, against 10 ÷ %.2f = %.1f.", answered, perKey, expect))
			}
		}
		if n := h.junkStatus[http.StatusOK]; n > 0 {
			note := fmt.Sprintf("%d of the attack's %d requests were answered 200, %d of them with the base tool list (without the organisation's stages)", n, h.junkSent, h.junkBase)
			if h.junkBase == n {
				note += ": a made-up key's first `tools/list` waits for its organisation's definitions (up to 5 s), Lightfield refuses the key meanwhile, and the list falls back to the base schema rather than the request being refused with 401"
			}
			s = append(s, note+".")
		}
		switch {
		case h.repeatStatus == http.StatusUnauthorized && h.repeatUpstream == 0:
			s = append(s, "The attack's first key, sent once more after the attack, was answered 401 without a request upstream: a key Lightfield refused is refused at the door.")
		default:
			s = append(s, fmt.Sprintf("The attack's first key, sent once more after the attack, was answered %d, with %d requests upstream.", h.repeatStatus, h.repeatUpstream))
		}
	}
	if h.hugeSent > 0 && h.hugeStatus[http.StatusUnauthorized] == h.hugeSent && h.hugeUpstream == 0 {
		s = append(s, "In attack B every request was answered 401 and none reached the fake: a 1 MB token fits in Go's default header limit (1 MB, plus 4 KB of slack), so the server reads it, and refuses it at the door as longer than a key can be.")
	}
	s = append(s, "Resident memory is read as soon as each attack ends, without waiting for the Go runtime to give freed memory back to the system.")
	b.WriteString("\n" + strings.Join(s, " ") + "\n")
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

func (r *report) markdown() string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# Benchmarks\n\nMeasured by `go run ./bench` on %s (%s, %d cores, %s), %s. The fake Lightfield runs on loopback in the benchmark's process; the server is the real binary over stdio (over HTTP on loopback in the section on hostile callers). Unless a row says otherwise, the server is driven by a plain client that writes each JSON-RPC message as a line to the server's stdin and reads the answer from its stdout, so that a timing charges the server and the pipes, not a client library (the direct requests are timed the same way, with a plain HTTP client).\n\n", host, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	b.WriteString("## Per-call overhead\n\nThe same create, sent directly to the fake by a plain Go HTTP client and through the server (`create_opportunity` with `allowDuplicate: true` and the account by ID). The server reads that account back, to name it in its answer, then POSTs; the direct client sends the same two requests, one after the other. Every kind of call takes its turn in each round and is followed by the same pause (above the client's 24 writes/s pacing, so that it never waits), so all meet the same conditions.\n\n")
	b.WriteString("The create's own work is the server's create less what any MCP request costs over stdio (MCP `ping`: the pipes and mcp-go's handling of a request) and less the API's answers (direct): checking the arguments, building the two requests, reading their answers, verifying the stored record and encoding the result.\n\n")
	b.WriteString("| API latency | direct | server create | MCP `ping` | own work: server − `ping` − direct, p50 | target (own work) |\n|---|---|---|---|---|---|\n")
	for _, o := range r.overheads {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | ≤ 0.5 ms: %s |\n", ms(o.latency), p50p99(o.direct), p50p99(o.bare), p50p99(o.ping), ms(o.ownWork()), verdict(o.ownWork() <= targetOwnWork))
	}
	b.WriteString("\nBeside them, in the same rounds:\n\n| API latency | line to `cat` and back | direct GET of the account alone | `dryRun` create | guarded create | bare create, Go SDK client |\n|---|---|---|---|---|---|\n")
	for _, o := range r.overheads {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", ms(o.latency), p50p99(o.pipe), p50p99(o.directGet), p50p99(o.dry), p50p99(o.guarded), p50p99(o.sdk))
	}
	fmt.Fprintf(&b, "\n(p50 / p99.) The line to `cat` is the floor of any stdio round trip on this machine: two pipes and a process that wakes up to copy a line. A `dryRun` create checks, resolves (reading the account back) and encodes the call but does not POST. The guarded create is the default call, which also looks for a duplicate (`GET /v1/opportunities`) at the same time as it reads the account: one more request, not one more round trip. The last column is the bare create through the official Go SDK client (`github.com/modelcontextprotocol/go-sdk`), which adds its own encoding and goroutine hand-offs; a host's client adds its own in the same way.\n")
	r.roundTripSection(&b)
	b.WriteString("\n## Cold start\n\n| from exec to | p50 | p99 | target |\n|---|---|---|---|\n")
	ratio := r.coldRatio()
	fmt.Fprintf(&b, "| `initialize` answered, bare mcp-go server (one tool, `bench/bareserver`) | %s | %s | — |\n", ms(r.bareInitialize.percentile(0.5)), ms(r.bareInitialize.percentile(0.99)))
	fmt.Fprintf(&b, "| `initialize` answered, this server | %s | %s | ≤ 1.5× the bare server's p50: %.2f×, %s |\n", ms(r.initialize.percentile(0.5)), ms(r.initialize.percentile(0.99)), ratio, verdict(ratio <= targetColdRatio))
	fmt.Fprintf(&b, "| `tools/list` with live definitions, this server | %s | %s | ≤ 50 ms: %s |\n", ms(r.toolsList.percentile(0.5)), ms(r.toolsList.percentile(0.99)), verdict(r.toolsList.percentile(0.5) <= targetToolsList))
	fmt.Fprintf(&b, "| exit of `mcp-server --version` (process start and package initialisation only) | %s | %s | — |\n", ms(r.exec.percentile(0.5)), ms(r.exec.percentile(0.99)))
	fmt.Fprintf(&b, "\nThe bare server and this one start in turn, %d times each, with the same client. Package initialisation (`GODEBUG=inittrace=1`, one run each) takes %.1f ms in this server and %.1f ms in the bare one; %.1f ms and %.1f ms of it are in `github.com/santhosh-tekuri/jsonschema/v6`, whose `init` compiles the meta-schemas of five JSON Schema drafts and which mcp-go's server package imports, so both pay for it.\n",
		len(r.initialize), r.initTotal, r.bareInitTotal, r.initSchema, r.bareInitSchema)
	b.WriteString("\n## Schema\n\n| organisation | `tools/list` bytes | ≈ tokens (bytes/4) | target |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| fixture (testdata/org.json) | %d | %d | ≤ 12 KB: %s |\n", r.fixtureListBytes, r.fixtureListBytes/4, verdict(r.fixtureListBytes <= targetToolsListSize))
	fmt.Fprintf(&b, "| large: 200 custom fields, selects of 100 options | %d | %d | — |\n", r.largeListBytes, r.largeListBytes/4)
	fmt.Fprintf(&b, "\nFor the large organisation, `tools/list` showed the refined schema %s after exec (fetch, refine, encode, list). Refining and compiling in-process are in the micro-benchmarks below (`BenchmarkRefineLarge`, `BenchmarkCompileLarge`).\n", ms(r.refineLarge))
	b.WriteString("\n## Memory\n\n| reading | resident memory | target |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| idle, definitions loaded | %.1f MB | ≤ 30 MB: %s |\n", float64(r.idleRSS)/(1<<20), verdict(r.idleRSS <= targetIdleRSS))
	fmt.Fprintf(&b, "| after %d calls (5%% creates, 5%% find_accounts, 90%% refused) | %.1f MB | no growth: %s |\n", r.soakCalls, float64(r.soakRSS)/(1<<20), verdict(r.soakRSS <= r.idleRSS+4<<20))
	ideal, efficiency := r.rateEfficiency()
	share429 := float64(r.rate429) / float64(r.rateCalls)
	b.WriteString("\n## Rate-limit efficiency\n\n")
	fmt.Fprintf(&b, "%d creates offered at once against a fake enforcing 25 writes/s: %d stored in %.1f s against the ideal %.1f s, so **%.0f %%** of the allowed rate (target ≥ 90 %%: %s); the fake answered 429 %d times (%.1f %% of requests; target < 1 %%: %s).\n",
		r.rateCalls, r.rateStored, r.rateWall.Seconds(), ideal.Seconds(), efficiency*100, verdict(efficiency >= targetEfficiency), r.rate429, share429*100, verdict(share429 < targetRateLimited))
	r.hostileSection(&b)
	r.missed(&b)
	if r.micro != "" {
		b.WriteString("\n## Micro-benchmarks\n\n`go test -run '^$' -bench . -benchmem ./tools ./schema` (benchstat reads this block as is):\n\n```text\n")
		b.WriteString(r.micro)
		b.WriteString("```\n")
	}
	return b.String()
}

// coldRatio is this server's p50 from exec to initialize answered over the
// bare mcp-go server's.
func (r *report) coldRatio() float64 {
	return float64(r.initialize.percentile(0.5)) / float64(r.bareInitialize.percentile(0.5))
}

// span is the range of ns, or its one value.
func span(ns []int) string {
	lo, hi := slices.Min(ns), slices.Max(ns)
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// wallRatio is a round-trip row's wall time at p50 as a multiple of the
// fake's latency.
func (t roundTripRow) wallRatio() float64 {
	return float64(t.wall.percentile(0.5)) / float64(roundTripLatency)
}

// met says whether the row meets the round-trip targets, in every call.
func (t roundTripRow) met() bool {
	return slices.Max(t.critical) <= targetCriticalPath && t.wallRatio() <= targetWallRatio
}

// roundTripSection writes the round trips per create, this tree's beside
// the baseline's.
func (r *report) roundTripSection(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Round trips per create\n\nA `create_opportunity` call that names its account (`Acme Corp`), its owner (`dana@ourco.example`) and two contacts (champion `wile@acme.example`, evaluator `sam.ortiz@acme.example`) by name or email, against the fake answering every request after %s, as a distant API would. Each build takes %d such calls, the builds in turn, each call after a pause that leaves the client's rate limiter nothing to wait for. The critical path is the longest chain of a call's requests in which each began after the one before had been answered (`lfsim.CriticalPath`): the round trips the call waited for one after the other.\n\n", ms(roundTripLatency), len(r.roundTrips[0].wall))
	b.WriteString("| build | wall p50 | wall p50 ÷ latency | requests per create | on the critical path | target (≤ 2 round trips, ≤ 2.3× the latency) |\n|---|---|---|---|---|---|\n")
	for i, t := range r.roundTrips {
		target := "—"
		if i == 0 {
			target = verdict(t.met())
		}
		fmt.Fprintf(b, "| %s | %s | %.2f× | %s | %s | %s |\n", t.build, ms(t.wall.percentile(0.5)), t.wallRatio(), span(t.requests), span(t.critical), target)
	}
	if r.baselineErr != "" {
		fmt.Fprintf(b, "\nThe baseline `%s` could not be built, so it was not measured: %s\n", r.baseline, strings.Join(strings.Fields(r.baselineErr), " "))
	}
}

// missed explains each target the run did not meet: by how much, and why.
func (r *report) missed(b *strings.Builder) {
	var notes []string
	for _, o := range r.overheads {
		own := o.ownWork()
		if own <= targetOwnWork {
			continue
		}
		dry, ping, get := o.dry.percentile(0.5), o.ping.percentile(0.5), o.directGet.percentile(0.5)
		before := dry - ping - get
		notes = append(notes, fmt.Sprintf("**The create's own work at %s API latency**: %s at p50 against 0.5 ms (server create %s − `ping` %s − direct %s). Up to the POST, that is checking the arguments, reading the account back and encoding the body, it is %s (`dryRun` create %s − `ping` − direct GET %s); the POST and what follows, beyond what the same POST costs sent directly, is the other %s (the request built with its headers, the stored record decoded and verified, and a result that carries it encoded). Each term is a p50 of calls of its own on a 2-vCPU virtual machine shared by the client, the server and the fake, so the differences move by a tenth of a millisecond or more from run to run.",
			ms(o.latency), ms(own), ms(o.bare.percentile(0.5)), ms(ping), ms(o.direct.percentile(0.5)), ms(before), ms(dry), ms(get), ms(own-before)))
	}
	if len(r.roundTrips) > 0 && !r.roundTrips[0].met() {
		t := r.roundTrips[0]
		notes = append(notes, fmt.Sprintf("**Round trips per create**: %s requests on the critical path, against 2, and a wall time of %.2f× the latency at p50, against 2.3×; each request on the critical path waits out the whole latency, so the rest of the wall time is the server's, the pipes' and the client's own.", span(t.critical), t.wallRatio()))
	}
	if r.fixtureListBytes > targetToolsListSize {
		var parts []string
		for _, t := range r.fixtureTools {
			parts = append(parts, fmt.Sprintf("`%s` %d", t.name, t.bytes))
		}
		notes = append(notes, fmt.Sprintf("**`tools/list` for the fixture**: %d bytes against 12 KB (%d), over by %d. By tool, in bytes: %s; the rest is the answer's envelope. `create_opportunity` carries the organisation's fields and relationships, with their options, in its input schema.",
			r.fixtureListBytes, targetToolsListSize, r.fixtureListBytes-targetToolsListSize, strings.Join(parts, ", ")))
	}
	if ideal, efficiency := r.rateEfficiency(); efficiency < targetEfficiency {
		reads := time.Duration(float64(max(0, r.rateCalls-6)) / 24 * float64(time.Second))
		note := fmt.Sprintf("**Rate-limit efficiency**: %.0f %% of the allowed write rate, against 90 %%. Every create also reads its account back (`GET /v1/accounts/{id}`, in Lightfield's read category, which has its own 25 a second), and the client lets reads go 6 at once and then paces them at 24 a second, like writes. The reads of %d creates thus take at least (%d − 6) ÷ 24 = %.1f s, their writes at 25 a second %.1f s; the run took %.1f s",
			efficiency*100, r.rateCalls, r.rateCalls, reads.Seconds(), ideal.Seconds(), r.rateWall.Seconds())
		if reads > ideal && r.rateWall <= reads*11/10 {
			note += ", so it was the pacing of reads, not of writes, that set the rate"
		}
		notes = append(notes, note+".")
	}
	if ratio := r.coldRatio(); ratio > targetColdRatio {
		notes = append(notes, fmt.Sprintf("**`initialize` from exec**: %.2f× the bare mcp-go server's (%s against %s at p50), against 1.5×. Process start and package initialisation alone (`mcp-server --version`) take %s; package initialisation is %.1f ms here against %.1f ms in the bare server. The rest of this server's time to `initialize` is its own start before it serves stdio: reading its settings and building its API client and tools (the definitions load in the background).",
			ratio, ms(r.initialize.percentile(0.5)), ms(r.bareInitialize.percentile(0.5)), ms(r.exec.percentile(0.5)), r.initTotal, r.bareInitTotal))
	}
	notes = append(notes, r.hostileMissed()...)
	if len(notes) == 0 {
		return
	}
	b.WriteString("\n## Targets missed, and why\n\n")
	for _, n := range notes {
		b.WriteString("- " + n + "\n")
	}
}
