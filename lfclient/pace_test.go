package lfclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// limitedThen answers 429 (with retryAfter) to the first n requests, then
// creates; it counts the requests and the keys they carried.
func limitedThen(t *testing.T, n int32, retryAfter string) (*httptest.Server, *atomic.Int32, *sync.Map) {
	var seen atomic.Int32
	var keys sync.Map
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys.Store(r.Header.Get("Idempotency-Key"), true)
		if seen.Add(1) <= n {
			w.Header().Set("Retry-After", retryAfter)
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"type":"too_many_requests","message":"Rate limit exceeded."}}`)
			return
		}
		io.WriteString(w, `{"id":"opp_1","fields":{},"relationships":{}}`)
	}))
	t.Cleanup(ts.Close)
	return ts, &seen, &keys
}

// TestRateLimitIsWaitedOutAsOftenAsItComes: a 429 says the organisation's
// budget is spent for now, not that the request failed; other replicas
// may take the budget again and again, so it is not counted against
// MaxAttempts (4), only against the call's time.
func TestRateLimitIsWaitedOutAsOftenAsItComes(t *testing.T) {
	ts, seen, keys := limitedThen(t, 6, "0.02")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := newClient(t, ts.URL).Create(ctx, "opportunity", params, "the-key"); err != nil {
		t.Fatalf("after six 429s: %v", err)
	}
	if n := seen.Load(); n != 7 {
		t.Fatalf("%d requests, want 7", n)
	}
	n := 0
	keys.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d different Idempotency-Keys across the retries", n)
	}
}

// TestRateLimitBeyondTheDeadlineIsSaidAtOnce: a call that cannot wait as
// long as Lightfield says gets the 429, with when to try again, at once.
func TestRateLimitBeyondTheDeadlineIsSaidAtOnce(t *testing.T) {
	ts, seen, _ := limitedThen(t, 100, "30")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := newClient(t, ts.URL).Create(ctx, "opportunity", params, "k")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.RetryAfter != 30*time.Second {
		t.Fatalf("got %v, want the 429 saying 30 s", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the call waited until its deadline instead of saying so at once")
	}
	if n := seen.Load(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// TestPaceFollowsTheOrganisationsBudget: an answer saying the budget is
// spent cuts the rate, once per second however many say it; answers
// with budget left raise it back to the client's own.
func TestPaceFollowsTheOrganisationsBudget(t *testing.T) {
	p := newPacer(24, 1)
	now := time.Now()
	spent := http.Header{"X-Ratelimit-Remaining": {"0"}}
	left := http.Header{"X-Ratelimit-Remaining": {"12"}}
	limited := &Error{StatusCode: http.StatusTooManyRequests}
	p.observe(spent, nil, now)
	p.observe(nil, limited, now.Add(10*time.Millisecond))
	if got, want := p.limiter.Limit(), rate.Limit(24*decrease); !near(got, want) {
		t.Fatalf("after two signals within a second: %v/s, want %v/s", got, want)
	}
	p.observe(nil, limited, now.Add(time.Second))
	if got, want := p.limiter.Limit(), rate.Limit(24*decrease*decrease); !near(got, want) {
		t.Fatalf("a second later: %v/s, want %v/s", got, want)
	}
	for i := range 1000 {
		p.observe(left, nil, now.Add(2*time.Second+time.Duration(i)*time.Millisecond))
	}
	if got := p.limiter.Limit(); got != 24 {
		t.Fatalf("after many answers with budget left: %v/s, want the client's own 24/s", got)
	}
	for range 200 {
		p.observe(spent, nil, now.Add(time.Hour))
		now = now.Add(time.Second)
	}
	if got := p.limiter.Limit(); got != minRate {
		t.Fatalf("after a long spell of spent budget: %v/s, want the floor %v/s", got, minRate)
	}
}

func near(a, b rate.Limit) bool { return math.Abs(float64(a-b)) < 1e-9 }

// TestReplicasShareTheOrganisationsLimit: three clients of one
// organisation (three replicas, or three keys) sending more than the
// organisation's 25 writes a second together: every create succeeds, and
// each is stored once.
func TestReplicasShareTheOrganisationsLimit(t *testing.T) {
	fake, ts := newFake(t)
	fake.KeepRequests(false)
	fake.SetRateLimit(25)
	var wg sync.WaitGroup
	for replica := range 3 {
		c := newClient(t, ts.URL)
		for i := range 20 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				p := params
				p.Fields = map[string]any{"$name": fmt.Sprintf("Replica %d deal %d", replica, i), "$stage": "opt_st_disc"}
				if _, err := c.Create(ctx, "opportunity", p, fmt.Sprintf("key-%d-%d", replica, i)); err != nil {
					t.Errorf("replica %d, create %d: %v", replica, i, err)
				}
			})
		}
	}
	wg.Wait()
	if n := len(fake.Created()); n != 60 {
		t.Fatalf("%d deals stored, want 60", n)
	}
}

// TestBudgetSpentAloneCutsNothing: a client that sent the whole budget of
// the last second itself learns nothing of others from "none left", and
// keeps its pace; one that sent little slows down.
func TestBudgetSpentAloneCutsNothing(t *testing.T) {
	now := time.Now()
	spent := http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Limit": {"25"}}
	alone := newPacer(24, 1)
	for i := range 24 {
		alone.sent = append(alone.sent, now.Add(-time.Duration(i)*30*time.Millisecond))
	}
	alone.observe(spent, nil, now)
	if got := alone.limiter.Limit(); got != 24 {
		t.Fatalf("after spending the budget alone: %v/s, want 24/s", got)
	}
	shared := newPacer(24, 1)
	shared.sent = alone.sent[:5]
	shared.observe(spent, nil, now)
	if got := shared.limiter.Limit(); got >= 24 {
		t.Fatalf("after 5 of 25 and none left: %v/s, want slower than 24/s", got)
	}
}

// TestPacedPastTheDeadlineSaysNothingWasSent: a request the pace cannot
// start before the call's deadline is refused as a 429 that says it was
// not sent, not as an unreachable Lightfield.
func TestPacedPastTheDeadlineSaysNothingWasSent(t *testing.T) {
	ts, seen, _ := limitedThen(t, 0, "")
	c := newClient(t, ts.URL, func(cfg *Config) { cfg.RequestsPerSecond = 0.5 })
	if _, err := c.Create(context.Background(), "opportunity", params, "first"); err != nil {
		t.Fatal(err)
	}
	// The next place is 2 s away; the call has 500 ms.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := c.Create(ctx, "opportunity", params, "second")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || !strings.Contains(apiErr.Message, "Not sent") {
		t.Fatalf("got %v, want a 429 saying it was not sent", err)
	}
	if n := seen.Load(); n != 1 {
		t.Fatalf("%d requests reached Lightfield, want 1", n)
	}
}

// TestResetFarAwayIsAClockApart: without Retry-After, a 429 waits until
// X-RateLimit-Reset, but a reset further than the limit's window away says
// the clocks differ, and is waited for at most 2 s.
func TestResetFarAwayIsAClockApart(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		reset time.Time
		want  time.Duration
	}{
		{now.Add(50 * time.Second), maxResetWait},
		{now.Add(-5 * time.Second), time.Second}, // past: the window's second
	} {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(tc.reset.Unix(), 10)}}}
		e := parseError(resp, []byte(`{"error":{"type":"too_many_requests","message":"slow down"}}`), "")
		if e.RetryAfter > tc.want || e.RetryAfter < tc.want-time.Second {
			t.Errorf("reset %v from now: waits %v, want about %v", tc.reset.Sub(now).Round(time.Second), e.RetryAfter, tc.want)
		}
	}
}
