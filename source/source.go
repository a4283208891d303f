// Package source tells where an HTTP request comes from, and gives each
// source a budget of its own in front of a process-wide one, so that one
// noisy source cannot spend what every other caller needs.
package source

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/lightfield-mcp/lightfield-mcp/lru"
)

// Resolver names a request's source: the address it came from, or, when
// it came through a proxy the operator trusts, the address that proxy
// says it forwarded for.
type Resolver struct {
	trusted []netip.Prefix
}

// NewResolver trusts the X-Forwarded-For header of the proxies listed in
// trustedProxies (comma-separated addresses or CIDR ranges; "" trusts
// none, so that a client cannot choose its own source).
func NewResolver(trustedProxies string) (*Resolver, error) {
	r := &Resolver{}
	for _, item := range strings.Split(trustedProxies, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			addr, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("LIGHTFIELD_TRUSTED_PROXIES: %q is not an IP address or CIDR range", item)
			}
			item = netip.PrefixFrom(addr, addr.BitLen()).String()
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("LIGHTFIELD_TRUSTED_PROXIES: %q is not an IP address or CIDR range", item)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// Of returns the source of r: the first address, walking back from the
// connection through X-Forwarded-For, that is not a trusted proxy. IPv6
// addresses are grouped by /64, which one machine usually holds whole.
func (res *Resolver) Of(r *http.Request) string {
	addr := remoteAddr(r.RemoteAddr)
	if len(res.trusted) > 0 {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0 && res.isTrusted(addr); i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a hop that is not an address ends what can be believed
			}
			addr = hop.Unmap()
		}
	}
	if !addr.IsValid() {
		return "unknown"
	}
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}

func (res *Resolver) isTrusted(addr netip.Addr) bool {
	for _, p := range res.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func remoteAddr(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	addr, _ := netip.ParseAddr(host)
	return addr.Unmap()
}

type contextKey struct{}

// With records a request's source in its context.
func With(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, contextKey{}, source)
}

// From returns the source With recorded, "" when none was.
func From(ctx context.Context) string {
	s, _ := ctx.Value(contextKey{}).(string)
	return s
}

// Middleware records each request's source before next sees it.
func (res *Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), res.Of(r))))
	})
}

// maxSources bounds the sources whose budgets are remembered; the least
// recently seen is forgotten first (and starts afresh if it returns).
const maxSources = 4096

// Budget is a rate per source in front of one for the whole process.
type Budget struct {
	perSecond rate.Limit
	burst     int
	global    *rate.Limiter

	mu      sync.Mutex
	sources *lru.Cache[string, *rate.Limiter]
}

// NewBudget allows each source perSecond (bursts of burst), and all of
// them together what global allows (nil: no process-wide bound).
func NewBudget(perSecond float64, burst int, global *rate.Limiter) *Budget {
	return &Budget{perSecond: rate.Limit(perSecond), burst: burst, global: global, sources: lru.New[string, *rate.Limiter](maxSources)}
}

// AllowSource spends one of the source's own budget, without the global
// one (for work the global budget paces later, by waiting).
func (b *Budget) AllowSource(source string) bool {
	r := b.reserve(source, time.Now())
	return r != nil
}

// Allow spends one of the source's budget and one of the global budget;
// false when either is spent. A source refused for the global budget
// keeps its own: it is not charged for what others spent.
func (b *Budget) Allow(source string) bool {
	now := time.Now()
	r := b.reserve(source, now)
	if r == nil {
		return false
	}
	if b.global != nil && !b.global.AllowN(now, 1) {
		r.CancelAt(now)
		return false
	}
	return true
}

// reserve takes one of the source's budget at now, nil when there is none.
func (b *Budget) reserve(source string, now time.Time) *rate.Reservation {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.sources.Get(source)
	if !ok {
		l = rate.NewLimiter(b.perSecond, b.burst)
		b.sources.Put(source, l)
	}
	r := l.ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return nil
	}
	return r
}

// UntrustedForward reports whether r carries X-Forwarded-For from a peer
// not listed as a trusted proxy: a proxy the operator may have forgotten
// to list, which makes all its clients one source.
func (res *Resolver) UntrustedForward(r *http.Request) bool {
	return r.Header.Get("X-Forwarded-For") != "" && !res.isTrusted(remoteAddr(r.RemoteAddr))
}

// TrustsProxies reports whether any proxy is trusted.
func (res *Resolver) TrustsProxies() bool { return len(res.trusted) > 0 }
