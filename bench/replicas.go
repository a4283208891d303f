package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// replicaRun is creates for one organisation offered to one or several
// server processes, as replicas behind a round-robin balancer are.
type replicaRun struct {
	replicas, calls, concurrent int
	failed                      int
	firstFailure                string
	limited                     int            // 429 answers
	spent                       map[string]int // requests let through, per rate category
	stored, twice               int            // deals stored; names stored more than once
	wall                        time.Duration
}

// ideal is the fewest seconds the organisation's limit of 25 requests a
// second per category allows for the requests the creates needed: the
// busiest category's count over 25.
func (r *replicaRun) ideal() time.Duration {
	busiest := slices.Max(slices.Collect(maps.Values(r.spent)))
	return time.Duration(float64(busiest) / 25 * float64(time.Second))
}

// replicas offers the same creates to one server process, then to
// cfg.replicas of them sharing the organisation.
func (r *report) replicas(binary string, cfg config) error {
	for _, n := range []int{1, cfg.replicas} {
		run, err := replicaCreates(binary, n, cfg.replicaCalls, cfg.replicaConcurrent)
		if err != nil {
			return err
		}
		r.replicaRuns = append(r.replicaRuns, run)
	}
	return nil
}

// replicaCreates offers calls creates to n server processes in turn,
// concurrent at a time, against a fake that enforces 25 requests/s per
// category for the organisation: each process paces itself, and learns what
// the others spend only from Lightfield's answers.
func replicaCreates(binary string, n, calls, concurrent int) (*replicaRun, error) {
	f, ts, err := fixtureFake()
	if err != nil {
		return nil, err
	}
	defer ts.Close()
	var sessions []*mcp.ClientSession
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	for range n {
		s, _, err := session(binary, ts.URL)
		if err != nil {
			return nil, err
		}
		sessions = append(sessions, s)
		if _, err := waitRefined(s, "Proposal Sent"); err != nil {
			return nil, err
		}
	}
	f.SetRateLimit(25)
	run := &replicaRun{replicas: n, calls: calls, concurrent: concurrent}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, concurrent)
	start := time.Now()
	for i := range calls {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			res, err := sessions[i%n].CallTool(context.Background(), &mcp.CallToolParams{Name: "create_opportunity", Arguments: createArgs(fmt.Sprintf("Replica %d", i), false)})
			if err == nil && !res.IsError {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if run.failed++; run.firstFailure == "" {
				run.firstFailure = failureText(res, err)
			}
		}()
	}
	wg.Wait()
	run.wall, run.limited, run.spent = time.Since(start), f.RateLimited(), f.Spent()
	names := map[string]int{}
	for _, raw := range f.Created() {
		var deal struct {
			Fields map[string]struct {
				Value any `json:"value"`
			} `json:"fields"`
		}
		if err := json.Unmarshal(raw, &deal); err != nil {
			return nil, err
		}
		name := fmt.Sprint(deal.Fields["$name"].Value)
		if names[name]++; names[name] == 2 {
			run.twice++
		}
	}
	run.stored = len(f.Created())
	return run, nil
}

func failureText(res *mcp.CallToolResult, err error) string {
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// replicaSection writes whether several replicas together kept within the
// organisation's limit without a call failing for it, beside one alone.
func (r *report) replicaSection(b *strings.Builder) {
	several := r.replicaRuns[len(r.replicaRuns)-1]
	b.WriteString("\n## Several replicas, one organisation\n\n")
	fmt.Fprintf(b, "The same %d creates (each a new deal whose name is searched for first) offered %d at a time to one server process, then to %d processes sharing the organisation in turn, as replicas behind a round-robin balancer are, against a fake enforcing Lightfield's limit of 25 requests a second per organisation in each category (writes, reads, searches). The processes are driven over stdio, where each runs at most 5 tool calls at once (mcp-go's workers), so one process has 5 creates in flight and three have 15. Each process paces itself, and learns what the others spend only from Lightfield's answers (`X-RateLimit-Remaining`, `Retry-After`). The ideal is the fewest seconds the limit allows for the requests the creates needed: the busiest category's count over 25.\n\n",
		several.calls, several.concurrent, several.replicas)
	b.WriteString("| replicas | calls | failed | deals stored | stored twice | requests (writes / reads / searches) | 429 answers | time | ideal | time ÷ ideal |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, run := range r.replicaRuns {
		fmt.Fprintf(b, "| %d | %d | %d | %d | %d | %d / %d / %d | %d | %.1f s | %.1f s | %.2f |\n",
			run.replicas, run.calls, run.failed, run.stored, run.twice, run.spent["write"], run.spent["read"], run.spent["search"], run.limited, run.wall.Seconds(), run.ideal().Seconds(), run.wall.Seconds()/run.ideal().Seconds())
	}
	fmt.Fprintf(b, "\nTargets for %d replicas: no call fails (%s), each deal stored once (%s), in at most twice the ideal time (%s).\n",
		several.replicas, verdict(several.failed == 0), verdict(several.twice == 0 && several.stored == several.calls), verdict(several.wall <= 2*several.ideal()))
}

// replicaMissed explains a target of the replicas' run that was missed.
func (r *report) replicaMissed() []string {
	var notes []string
	for _, run := range r.replicaRuns {
		if run.failed > 0 {
			notes = append(notes, fmt.Sprintf("**%d replicas**: %d of %d creates failed; the first said: %q.", run.replicas, run.failed, run.calls, cut(run.firstFailure, 300)))
		}
		if run.twice > 0 || run.stored != run.calls {
			notes = append(notes, fmt.Sprintf("**%d replicas**: %d deals stored for %d calls, %d names twice.", run.replicas, run.stored, run.calls, run.twice))
		}
		if run.wall > 2*run.ideal() {
			notes = append(notes, fmt.Sprintf("**%d replicas**: %.1f s against an ideal of %.1f s (target: at most twice).", run.replicas, run.wall.Seconds(), run.ideal().Seconds()))
		}
	}
	return notes
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
