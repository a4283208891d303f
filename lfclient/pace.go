package lfclient

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Lightfield's rate limit is per organisation and category, and every
// replica of this server, and every key of the organisation, spends from
// it. A client's own token bucket keeps one process under the limit; what
// the others spend it learns only from Lightfield's answers. So a pacer
// adapts its rate to them, as TCP does to a shared link: when Lightfield
// says the budget is spent (X-RateLimit-Remaining 0, or a 429), the rate is
// cut, at most once a second; every other answer raises it a little, back
// to the client's own rate. N replicas thus settle near a share each of
// the organisation's budget, without knowing N. A budget this client spent
// alone says nothing of the others, and cuts nothing.
type pacer struct {
	limiter *rate.Limiter
	own     rate.Limit // the client's own rate, the most it paces at
	// turn lets one waiter at a time take its place from the limiter, so
	// that each is timed at the rate in force when its turn comes, not at
	// the rate when it began to wait.
	turn chan struct{}

	mu   sync.Mutex
	cut  time.Time   // when the rate was last cut
	sent []time.Time // this client's requests of the last second
}

// How the rate adapts.
const (
	// decrease is what a cut keeps of the rate.
	decrease = 0.8
	// increase is what the rate gains per second of answers at that rate.
	increase = 2
	// minRate is the least a pacer slows to; a 429 is retried anyway.
	minRate = 1
	// maxResetWait bounds a wait read from X-RateLimit-Reset. The limit's
	// window is a second, so a reset further away than this says that
	// this machine's clock and Lightfield's differ, not how long to wait.
	maxResetWait = 2 * time.Second
)

func newPacer(perSecond float64, burst int) *pacer {
	return &pacer{limiter: rate.NewLimiter(rate.Limit(perSecond), burst), own: rate.Limit(perSecond), turn: make(chan struct{}, 1)}
}

// wait returns once the client's rate lets a request of the category
// start. Wait gives the reservation back when ctx ends first, so a call
// that gave up does not slow the others.
func (p *pacer) wait(ctx context.Context) error {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.turn }()
	if err := p.limiter.Wait(ctx); err != nil {
		return err
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent[p.sentBefore(now):], now)
	return nil
}

// sentBefore is how many of the requests in sent are a second or more
// older than now.
func (p *pacer) sentBefore(now time.Time) int {
	i := 0
	for i < len(p.sent) && now.Sub(p.sent[i]) >= time.Second {
		i++
	}
	return i
}

// observe adapts the rate to what an answer says of the organisation's
// budget; apiErr is the answer's error, nil for a success.
func (p *pacer) observe(h http.Header, apiErr *Error, now time.Time) {
	spent := apiErr != nil && apiErr.StatusCode == http.StatusTooManyRequests || headerInt(h, "X-RateLimit-Remaining") == 0
	p.mu.Lock()
	defer p.mu.Unlock()
	limit := headerInt(h, "X-RateLimit-Limit")
	if limit <= 0 {
		limit = 25 // the contract's
	}
	if mine := len(p.sent) - p.sentBefore(now); spent && mine >= limit-1 {
		spent = false // this client spent it alone
	}
	current := p.limiter.Limit()
	switch {
	case spent && now.Sub(p.cut) >= time.Second:
		p.limiter.SetLimit(max(minRate, current*decrease))
		p.cut = now
	case !spent && current < p.own:
		p.limiter.SetLimit(min(p.own, current+increase/current))
	}
}

// rateLimitWait is how long to wait after a 429: what Lightfield said, and
// a little more, at random, so that the callers it stopped do not all come
// back at its first instant.
func rateLimitWait(apiErr *Error) time.Duration {
	return apiErr.RetryAfter + rand.N(apiErr.RetryAfter/4+time.Millisecond)
}

// resetWait is the time until X-RateLimit-Reset (unix seconds), at most
// maxResetWait; false when the header is absent or the reset is past.
func resetWait(h http.Header, now time.Time) (time.Duration, bool) {
	secs := headerInt(h, "X-RateLimit-Reset")
	if secs <= 0 {
		return 0, false
	}
	wait := time.Unix(int64(secs), 0).Sub(now)
	if wait <= 0 {
		return 0, false
	}
	return min(wait, maxResetWait), true
}

// headerInt is a header's non-negative integer value, -1 when it is absent
// or not one.
func headerInt(h http.Header, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
	if err != nil || n < 0 {
		return -1
	}
	return n
}
