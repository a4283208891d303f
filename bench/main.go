// Command bench measures the server's own cost next to the API's and writes
// BENCHMARKS.md: per-call overhead over stdio against a loopback fake
// Lightfield, round trips per create (beside an earlier revision's) and per
// update, find_opportunities in an organisation of 5,000 deals, cold
// start beside a bare mcp-go server, schema size and work, memory, and
// rate-limit efficiency, one HTTP server under made-up keys and huge tokens
// beside a real tenant, others under a flood of sessions and respelled
// sign-in codes, followed by the Go micro-benchmarks. Run it from the
// module root: go run ./bench
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

const apiKey = "sk_lf_bench"

// Targets from the benchmark's brief; a miss is reported, not hidden. On a
// shared machine absolute times vary from run to run, so the targets on
// time are ratios or differences of times measured side by side.
const (
	targetColdRatio      = 1.5
	targetCriticalPath   = 2
	targetWallRatio      = 2.3
	targetToolsListRatio = 2 // a first tools/list with live definitions, over the bare server's initialize
	targetIdleRSS        = 30 << 20
	targetEfficiency     = 0.90
	targetRateLimited    = 0.01
	targetToolModelBytes = 4 << 10
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
	// Session flood: what initialize requests from one caller may add to
	// resident memory (the server keeps at most 32 sessions per caller).
	targetFloodGrowth = 40 << 20
)

type config struct {
	calls, coldStarts, soakCalls, rateCalls, roundTripCalls int
	replicas, replicaCalls, replicaConcurrent               int
	// findCalls is how many times each find_opportunities search is timed.
	findCalls int
	// Hostile callers over HTTP: attack A's requests and the workers that
	// send them (attack B's and the session flood's too), attack B's
	// requests, the real tenant's idle calls, and the longest each attack
	// may run.
	junkRequests, attackWorkers, hugeRequests, tenantCalls int
	attackFor                                              time.Duration
	out                                                    string
	pace                                                   time.Duration
	micro                                                  bool
	// floodRequests is the session flood's initialize requests, per server.
	floodRequests int
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
	flag.IntVar(&cfg.replicas, "replicas", 3, "server processes sharing one organisation's rate limit")
	flag.IntVar(&cfg.replicaCalls, "replica-calls", 300, "creates offered to the replicas in turn")
	flag.IntVar(&cfg.replicaConcurrent, "replica-concurrent", 30, "creates in flight at once across the replicas")
	flag.IntVar(&cfg.roundTripCalls, "round-trip-calls", 10, "creates timed against a distant API, per build")
	flag.IntVar(&cfg.findCalls, "find-calls", 5, "calls timed per find_opportunities search in an organisation of 5,000 deals")
	flag.StringVar(&cfg.baseline, "baseline", "95372a0", "revision whose server is measured beside this one in the round-trip section (the last before two round trips per create); empty for none")
	flag.IntVar(&cfg.junkRequests, "junk-requests", 20000, "attack A: tools/list requests over HTTP, each with a fresh made-up key")
	flag.IntVar(&cfg.hugeRequests, "huge-requests", 400, "attack B: requests over HTTP with a 1 MB Bearer token")
	flag.IntVar(&cfg.floodRequests, "flood-requests", 20000, "session flood: initialize requests over HTTP from one caller (with the tenant's key, then with none against a server holding the operator's key)")
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
	if err := r.updateRoundTrips(binary, cfg); err != nil {
		return "", fmt.Errorf("round trips per update: %w", err)
	}
	if err := r.findOpportunities(binary, cfg); err != nil {
		return "", fmt.Errorf("find_opportunities: %w", err)
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
	if err := r.replicas(binary, cfg); err != nil {
		return "", fmt.Errorf("replicas: %w", err)
	}
	if err := r.hostileCallers(binary, cfg); err != nil {
		return "", fmt.Errorf("hostile callers: %w", err)
	}
	if err := r.sessionFloods(binary, cfg); err != nil {
		return "", fmt.Errorf("session flood: %w", err)
	}
	if err := r.respelledCodes(binary); err != nil {
		return "", fmt.Errorf("respelled codes: %w", err)
	}
	if err := r.dealCard(binary); err != nil {
		return "", fmt.Errorf("deal card: %w", err)
	}
	if cfg.micro {
		bench := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./write", "./tools", "./schema")
		bench.Dir = cfg.root
		micro, err := bench.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("micro-benchmarks: %v\n%s", err, micro)
		}
		r.micro = string(micro)
	}
	return r.markdown(), nil
}

// report holds every section's readings until markdown writes them.
type report struct {
	overheads  []overheadRow
	roundTrips []roundTripRow
	updates    []updateRow
	finds      []findRow
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
	replicaRuns                           []*replicaRun
	hostile                               *hostileRun
	floods                                []floodRun
	respell                               *respellRun
	card                                  *cardRun
	micro                                 string
}

// markdown writes the report: the machine, each section in the order they
// run, the targets missed and the micro-benchmarks.
func (r *report) markdown() string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# Benchmarks\n\nMeasured by `go run ./bench` on %s (%s, %d cores, %s), %s. The fake Lightfield runs on loopback in the benchmark's process; the server is the real binary over stdio (over HTTP on loopback in the section on hostile callers). Unless a row says otherwise, the server is driven by a plain client that writes each JSON-RPC message as a line to the server's stdin and reads the answer from its stdout, so that a timing charges the server and the pipes, not a client library (the direct requests are timed the same way, with a plain HTTP client).\n", host, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	r.overheadSection(&b)
	r.roundTripSection(&b)
	r.updateSection(&b)
	r.findSection(&b)
	r.coldStartSection(&b)
	r.schemaSection(&b)
	r.memorySection(&b)
	r.rateSection(&b)
	r.replicaSection(&b)
	r.hostileSection(&b)
	r.cardSection(&b)
	r.missed(&b)
	if r.micro != "" {
		b.WriteString("\n## Micro-benchmarks\n\n`go test -run '^$' -bench . -benchmem ./write ./tools ./schema` (benchstat reads this block as is):\n\n```text\n")
		b.WriteString(r.micro)
		b.WriteString("```\n")
	}
	return b.String()
}
