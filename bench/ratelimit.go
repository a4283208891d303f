package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

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

// rateSection writes how much of the allowed write rate the creates used.
func (r *report) rateSection(b *strings.Builder) {
	ideal, efficiency := r.rateEfficiency()
	share429 := float64(r.rate429) / float64(r.rateCalls)
	b.WriteString("\n## Rate-limit efficiency\n\n")
	fmt.Fprintf(b, "%d creates offered at once against a fake enforcing 25 writes/s: %d stored in %.1f s against the ideal %.1f s, so **%.0f %%** of the allowed rate (target ≥ 90 %%: %s); the fake answered 429 %d times (%.1f %% of requests; target < 1 %%: %s).\n",
		r.rateCalls, r.rateStored, r.rateWall.Seconds(), ideal.Seconds(), efficiency*100, verdict(efficiency >= targetEfficiency), r.rate429, share429*100, verdict(share429 < targetRateLimited))
}

// rateMissed explains a rate-limit efficiency under its target.
func (r *report) rateMissed() []string {
	if ideal, efficiency := r.rateEfficiency(); efficiency < targetEfficiency {
		reads := time.Duration(float64(max(0, r.rateCalls-6)) / 24 * float64(time.Second))
		note := fmt.Sprintf("**Rate-limit efficiency**: %.0f %% of the allowed write rate, against 90 %%. Every create also reads its account back (`GET /v1/accounts/{id}`, in Lightfield's read category, which has its own 25 a second), and the client lets reads go 6 at once and then paces them at 24 a second, like writes. The reads of %d creates thus take at least (%d − 6) ÷ 24 = %.1f s, their writes at 25 a second %.1f s; the run took %.1f s",
			efficiency*100, r.rateCalls, r.rateCalls, reads.Seconds(), ideal.Seconds(), r.rateWall.Seconds())
		if reads > ideal && r.rateWall <= reads*11/10 {
			note += ", so it was the pacing of reads, not of writes, that set the rate"
		}
		return []string{note + "."}
	}
	return nil
}
