package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// roundTripLatency is the fake's latency on every request while a create's
// round trips are counted.
const roundTripLatency = 100 * time.Millisecond

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

// roundTripRow is the same create timed against one build of the server:
// each call's wall time, requests, and requests one after the other.
type roundTripRow struct {
	build              string
	wall               latencies
	requests, critical []int
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

// roundTripMissed explains a round-trip target this tree missed.
func (r *report) roundTripMissed() []string {
	if len(r.roundTrips) > 0 && !r.roundTrips[0].met() {
		t := r.roundTrips[0]
		return []string{fmt.Sprintf("**Round trips per create**: %s requests on the critical path, against 2, and a wall time of %.2f× the latency at p50, against 2.3×; each request on the critical path waits out the whole latency, so the rest of the wall time is the server's, the pipes' and the client's own.", span(t.critical), t.wallRatio())}
	}
	return nil
}
