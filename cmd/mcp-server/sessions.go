package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lru"
)

// Bounds of what clients of the 2025-11-25 era and earlier make the server
// keep: each initialize registers a session in mcp-go (channels, maps) and
// in tools.Server, and each GET /mcp holds an event stream open.
const (
	// sessionIdle is how long a session no request touched is kept.
	sessionIdle = 30 * time.Minute
	// maxSessionsPerCaller and maxSessions bound the sessions held for one
	// caller and for all; beyond them the least recently used goes. A
	// session that goes is only forgotten: its ID is still served (by its
	// shape, as on any replica), without the server-side state.
	maxSessionsPerCaller = 32
	maxSessions          = 2048
	// maxStreamsPerCaller, maxStreamsPerSource and maxStreams bound the
	// event streams open at once; a stream lasts at most maxStreamLifetime
	// (clients open another), so that none is held for ever.
	maxStreamsPerCaller = 16
	maxStreamsPerSource = 32
	maxStreams          = 256
	maxStreamLifetime   = 30 * time.Minute
)

type callerContext struct{}

// withCaller records who a request acts for: the fingerprint of its key,
// or, for requests the operator's key serves, their source address.
func withCaller(ctx context.Context, caller string) context.Context {
	return context.WithValue(ctx, callerContext{}, caller)
}

func callerFrom(ctx context.Context) string {
	c, _ := ctx.Value(callerContext{}).(string)
	return c
}

// sessionBounds keeps the sessions mcp-go registers within the caps: it
// follows registrations on the MCP server's hooks, ends the least recently
// used session of a caller over its cap or of all over the cap, and ends
// sessions idle for sessionIdle. (mcp-go's own idle sweeper is not used:
// it keeps an entry for every session ID a request names, issued here or
// not, which a caller could grow without bound.)
type sessionBounds struct {
	// end ends a session in mcp-go, which then unregisters it.
	end func(sessionID string)

	mu        sync.Mutex
	all       *lru.Cache[string, *heldSession]
	perCaller map[string]*lru.Cache[string, struct{}]
	evicted   []string // filled by the caches' OnEvict, emptied by add
}

// heldSession is what is known of a session held.
type heldSession struct {
	caller   string
	lastUsed time.Time
	// streams counts its open event streams: a session with one is not
	// idle, however long since its last request.
	streams int
}

func newSessionBounds(hooks *server.Hooks, end func(string)) *sessionBounds {
	b := &sessionBounds{end: end, all: lru.New[string, *heldSession](maxSessions), perCaller: map[string]*lru.Cache[string, struct{}]{}}
	b.all.OnEvict = func(id string, held *heldSession) {
		b.evicted = append(b.evicted, id)
		b.dropFromCaller(held.caller, id)
	}
	hooks.AddOnRegisterSession(func(ctx context.Context, s server.ClientSession) { b.add(callerFrom(ctx), s.SessionID()) })
	hooks.AddOnUnregisterSession(func(_ context.Context, s server.ClientSession) { b.forget(s.SessionID()) })
	return b
}

// add holds a new session, and ends those it pushes over a cap.
func (b *sessionBounds) add(caller, id string) {
	b.mu.Lock()
	mine, ok := b.perCaller[caller]
	if !ok {
		mine = lru.New[string, struct{}](maxSessionsPerCaller)
		mine.OnEvict = func(id string, _ struct{}) {
			b.evicted = append(b.evicted, id)
			b.all.Remove(id)
		}
		b.perCaller[caller] = mine
	}
	// The caller's cache first: the overall eviction may empty another
	// caller's cache and drop it, never this one, which holds id.
	mine.Put(id, struct{}{})
	b.all.Put(id, &heldSession{caller: caller, lastUsed: time.Now()})
	evicted := b.evicted
	b.evicted = nil
	b.mu.Unlock()
	for _, old := range evicted {
		b.end(old)
	}
}

// touch makes a session the most recently used of its caller and of all;
// streams, when not 0, counts a stream opened (1) or closed (-1).
func (b *sessionBounds) touch(id string, streams int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if held, ok := b.all.Get(id); ok {
		held.lastUsed = time.Now()
		held.streams += streams
		b.perCaller[held.caller].Get(id)
	}
}

// forget drops a session mcp-go no longer holds.
func (b *sessionBounds) forget(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if held, ok := b.all.Peek(id); ok {
		b.all.Remove(id)
		b.dropFromCaller(held.caller, id)
	}
}

// dropFromCaller removes a session from its caller's cache, and the cache
// once empty. Callers hold the lock.
func (b *sessionBounds) dropFromCaller(caller, id string) {
	if mine, ok := b.perCaller[caller]; ok {
		mine.Remove(id)
		if mine.Len() == 0 {
			delete(b.perCaller, caller)
		}
	}
}

// idle returns the sessions no request touched for sessionIdle and no
// stream holds, least recently used first.
func (b *sessionBounds) idle(now time.Time) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ids []string
	b.all.Each(func(id string, held *heldSession) bool {
		if now.Sub(held.lastUsed) < sessionIdle {
			return false // the rest were used more recently
		}
		if held.streams == 0 {
			ids = append(ids, id)
		}
		return true
	})
	return ids
}

// sweep ends idle sessions every minute until ctx ends.
func (b *sessionBounds) sweep(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			for _, id := range b.idle(now) {
				b.end(id)
			}
		}
	}
}

// endSession ends a session through mcp-go's own DELETE, which drops all
// it keeps for the session and unregisters it (telling tools.Server).
func endSession(h http.Handler) func(string) {
	return func(id string) {
		r, err := http.NewRequest(http.MethodDelete, "/mcp", nil)
		if err != nil {
			return
		}
		r.Header.Set("Mcp-Session-Id", id)
		h.ServeHTTP(discard{header: http.Header{}}, r)
	}
}

// discard is a ResponseWriter for answers nobody reads.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

// streamSlots counts the event streams open (GET /mcp, and the
// subscriptions/listen requests of 2026-07-28), for all, per caller and
// per source.
type streamSlots struct {
	mu   sync.Mutex
	open int
	held map[string]int // by "caller …" and "source …"
}

// acquire takes a slot for a caller at a source; it says why not when
// none is free.
func (s *streamSlots) acquire(caller, src string) (release func(), refused string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byCaller, bySource := "caller "+caller, "source "+src
	switch {
	case s.open >= maxStreams:
		return nil, "This server holds its limit of open event streams; try again later. Requests (POST) are still served."
	case s.held[byCaller] >= maxStreamsPerCaller:
		return nil, "This API key (or, without one, this address) already holds its limit of open event streams: close one (end an unused session) or try again later. Requests (POST) are still served."
	case s.held[bySource] >= maxStreamsPerSource:
		return nil, "Your address (or the proxy's, when the server is behind one) already holds its limit of open event streams: close one or try again later. Requests (POST) are still served."
	}
	if s.held == nil {
		s.held = map[string]int{}
	}
	s.open++
	s.held[byCaller]++
	s.held[bySource]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.open--
		for _, k := range []string{byCaller, bySource} {
			if s.held[k]--; s.held[k] == 0 {
				delete(s.held, k)
			}
		}
	}, ""
}
