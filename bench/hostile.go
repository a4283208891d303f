package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// hugeToken is the length of the Bearer token in attack B.
const hugeToken = 1 << 20

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
// baseURL, with no key of its own (every request brings its caller's)
// unless env, its other settings, gives it one, and waits for /healthz.
func httpServer(binary, baseURL string, env ...string) (string, *exec.Cmd, *tail, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binary, "--http", addr)
	cmd.Env = append([]string{"LIGHTFIELD_BASE_URL=" + baseURL}, env...)
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
	status, _, body, err := postMCP(client, endpoint, key, "", listRequest)
	return status, body, err
}

// postMCP posts a JSON-RPC message to endpoint with key as the Bearer
// token ("" for none), in session if not "", and returns the status (0 for
// no answer), the answer's header and its body.
func postMCP(client *http.Client, endpoint, key, session, message string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest("POST", endpoint, strings.NewReader(message))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, resp.Header, body, err
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
	f, ts, err := fixtureFake()
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

// capNote says, after the count of an attack's requests, that its time cap
// stopped it.
func capNote(capped bool, limit time.Duration) string {
	if !capped {
		return ""
	}
	return fmt.Sprintf(" (stopped by the %.0f s cap)", limit.Seconds())
}

// hostileSection writes the hostile callers' section.
func (r *report) hostileSection(b *strings.Builder) {
	h := r.hostile
	if h == nil {
		return
	}
	b.WriteString("\n## Hostile callers over HTTP\n\n")
	fmt.Fprintf(b, "One server process serving Streamable HTTP on loopback (`--http`, no key of its own: every request brings its caller's) against the fixture's fake, which accepts only its one key. A real tenant, the fake's key, lists tools (`tools/list`, POST `/mcp`, its own connection) with a pause of %s after each call, before the attacks and throughout attack A. Attack A sends `tools/list` with a fresh made-up key per request (`sk_lf_` and 32 random letters and digits, shaped like a key, so that only Lightfield, or the per-source budget for keys not yet accepted, can refuse it; all of it comes from one address, 127.0.0.1, as does the tenant), attack B with a Bearer token of 1 MB; each comes from %d concurrent senders, which stop sending after %.0f s if not done by then (requests under way are still answered). Then an event stream is opened with the tenant's key and the server is sent SIGTERM. %s %s\n\n", ms(h.pace), h.workers, h.attackFor.Seconds(), r.floodIntro(), respellIntro)
	b.WriteString("| reading | value | target |\n|---|---|---|\n")
	fmt.Fprintf(b, "| resident memory, idle, after the tenant's first lists | %s | — |\n", mb(h.idleRSS))
	fmt.Fprintf(b, "| the tenant's `tools/list`, idle, %d calls one after the other (p50 / p99) | %s | — |\n", len(h.idle), p50p99(h.idle))
	fmt.Fprintf(b, "| attack A: requests sent (of %d) | %d in %.1f s%s, %.1f answered a second | — |\n", h.junkPlanned, h.junkSent, h.junkWall.Seconds(), capNote(h.junkCapped, h.attackFor), float64(h.junkStatus.answered())/h.junkWall.Seconds())
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
	fmt.Fprintf(b, "| attack B: requests with a 1 MB token sent (of %d) | %d in %.1f s%s | — |\n", h.hugePlanned, h.hugeSent, h.hugeWall.Seconds(), capNote(h.hugeCapped, h.attackFor))
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
	r.floodRows(b)
	r.respellRows(b)
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
		if n := h.junkStatus[http.StatusTooManyRequests]; n > 0 {
			s = append(s, fmt.Sprintf("%d of the %d were refused 429 at the door, without a request upstream: one address may send keys not yet accepted at 2 a second (bursts of 10), so that it cannot make another address's new key wait; the tenant's accepted key is never charged.", n, h.junkSent))
		}
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
