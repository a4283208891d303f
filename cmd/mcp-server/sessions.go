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
	// maxStreamsPerCaller and maxStreams bound the event streams open at once.
	maxStreamsPerCaller = 16
	maxStreams          = 256
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
// follows registrations on the MCP server's hooks and ends the least
// recently used session of a caller over its cap, or of all over the cap.
type sessionBounds struct {
	// end ends a session in mcp-go, which then unregisters it.
	end func(sessionID string)

	mu        sync.Mutex
	all       *lru.Cache[string, string] // session ID → caller
	perCaller map[string]*lru.Cache[string, struct{}]
	evicted   []string // filled by the caches' OnEvict, emptied by add
}

func newSessionBounds(hooks *server.Hooks, end func(string)) *sessionBounds {
	b := &sessionBounds{end: end, all: lru.New[string, string](maxSessions), perCaller: map[string]*lru.Cache[string, struct{}]{}}
	b.all.OnEvict = func(id, caller string) {
		b.evicted = append(b.evicted, id)
		b.dropFromCaller(caller, id)
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
	b.all.Put(id, caller)
	evicted := b.evicted
	b.evicted = nil
	b.mu.Unlock()
	for _, old := range evicted {
		b.end(old)
	}
}

// touch makes a session the most recently used of its caller and of all.
func (b *sessionBounds) touch(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if caller, ok := b.all.Get(id); ok {
		b.perCaller[caller].Get(id)
	}
}

// forget drops a session mcp-go no longer holds.
func (b *sessionBounds) forget(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if caller, ok := b.all.Peek(id); ok {
		b.all.Remove(id)
		b.dropFromCaller(caller, id)
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

// count reports the sessions held, for all and for one caller.
func (b *sessionBounds) count(caller string) (all, callers int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if mine, ok := b.perCaller[caller]; ok {
		callers = mine.Len()
	}
	return b.all.Len(), callers
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

// streamSlots counts the event streams open, for all and per caller.
type streamSlots struct {
	mu        sync.Mutex
	open      int
	perCaller map[string]int
}

// acquire takes a slot for caller; it says why not when none is free.
func (s *streamSlots) acquire(caller string) (release func(), refused string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.open >= maxStreams:
		return nil, "This server holds its limit of open event streams; try again later. Requests (POST) are still served."
	case s.perCaller[caller] >= maxStreamsPerCaller:
		return nil, "This API key (or address) already holds its limit of open event streams: close one (end an unused session) or try again later. Requests (POST) are still served."
	}
	if s.perCaller == nil {
		s.perCaller = map[string]int{}
	}
	s.open++
	s.perCaller[caller]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.open--
		if s.perCaller[caller]--; s.perCaller[caller] == 0 {
			delete(s.perCaller, caller)
		}
	}, ""
}
