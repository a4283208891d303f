package tools

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// definitions is the one place the server keeps the organisation's
// opportunity definitions. It calls onChange whenever a fetch brings
// definitions that differ from the ones held.
type definitions struct {
	fetch    func(context.Context) (*lfclient.Definitions, error)
	onChange func(*lfclient.Definitions)

	mu      sync.Mutex
	current *lfclient.Definitions
	// lastErr is the error of the latest fetch, nil after a success: while
	// it is set, current may be stale.
	lastErr error
	// fetched is when current was fetched.
	fetched time.Time
	// fetching is closed when the fetch under way ends; nil when none is
	// (one fetch at a time).
	fetching chan struct{}
	// ttl is how old current may grow before get refreshes it in the
	// background; refreshing says such a refresh is under way.
	ttl        time.Duration
	refreshing bool
}

// recheckAfter is how old definitions must be before a call that names
// something unknown fetches them again: a model repeating a wrong label must
// not cost an API call each time.
const recheckAfter = 5 * time.Second

// refreshUnlessRecent fetches the definitions again unless those held are
// younger than recheckAfter.
func (d *definitions) refreshUnlessRecent(ctx context.Context) (*lfclient.Definitions, error) {
	d.mu.Lock()
	cur, err, recent := d.current, d.lastErr, time.Since(d.fetched) < recheckAfter
	d.mu.Unlock()
	if cur != nil && recent {
		return cur, err
	}
	return d.refresh(ctx)
}

// get returns the definitions held, fetching them first if there are none
// (unless this call tried already), and the error of the latest fetch when
// it failed (the copy held may then be stale, or nil when none was ever
// fetched).
func (d *definitions) get(ctx context.Context) (*lfclient.Definitions, error) {
	d.mu.Lock()
	cur, err := d.current, d.lastErr
	stale := cur != nil && d.ttl > 0 && time.Since(d.fetched) > d.ttl && !d.refreshing
	if stale {
		d.refreshing = true
	}
	d.mu.Unlock()
	if stale {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			d.refresh(ctx)
			d.mu.Lock()
			d.refreshing = false
			d.mu.Unlock()
		}()
	}
	if cur != nil {
		return cur, err
	}
	if ctx.Value(triedKey{d}) != nil {
		return nil, err
	}
	return d.load(ctx)
}

type triedKey struct{ d *definitions }

// tried marks ctx as that of a call which has just tried to load the
// definitions: get then returns the outcome instead of fetching again.
func (d *definitions) tried(ctx context.Context) context.Context {
	return context.WithValue(ctx, triedKey{d}, true)
}

// load returns the definitions held or, when there are none, those the
// fetch under way brings (joined, not repeated: a start-up load and the
// first list or call cost one request), else those of a fetch of its own
// (the one joined may have been bounded by a shorter wait).
func (d *definitions) load(ctx context.Context) (*lfclient.Definitions, error) {
	d.mu.Lock()
	cur, err, fetching := d.current, d.lastErr, d.fetching
	d.mu.Unlock()
	if cur != nil {
		return cur, err
	}
	if fetching != nil {
		select {
		case <-fetching:
			if cur, err := d.held(); cur != nil {
				return cur, err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return d.refresh(ctx)
}

// held returns the definitions held (nil when none) and the error of the
// latest fetch.
func (d *definitions) held() (*lfclient.Definitions, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current, d.lastErr
}

// pending reports whether definitions may be about to arrive: none are
// held, and a fetch is under way or none has failed yet.
func (d *definitions) pending() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current == nil && (d.fetching != nil || d.lastErr == nil)
}

// refresh fetches the definitions and keeps them. On failure it returns the
// copy held (possibly nil) with the error.
func (d *definitions) refresh(ctx context.Context) (*lfclient.Definitions, error) {
	if err := d.claim(ctx); err != nil {
		cur, _ := d.held()
		return cur, err
	}
	defer d.release()
	fresh, err := d.fetch(ctx)
	d.mu.Lock()
	cur := d.current
	if err != nil {
		d.lastErr = err
	}
	d.mu.Unlock()
	if err != nil {
		return cur, err
	}
	// onChange runs before the definitions are published (no other fetch
	// runs meanwhile): whoever sees them sees their schema too.
	if d.onChange != nil && !reflect.DeepEqual(cur, fresh) {
		d.onChange(fresh)
	}
	d.mu.Lock()
	d.current, d.lastErr, d.fetched = fresh, nil, time.Now()
	d.mu.Unlock()
	return fresh, nil
}

// claim makes the caller's fetch the one under way, once any other has
// ended (a fresh copy is asked for: one under way may have begun before a
// change); ctx bounds the wait.
func (d *definitions) claim(ctx context.Context) error {
	for {
		d.mu.Lock()
		other := d.fetching
		if other == nil {
			d.fetching = make(chan struct{})
		}
		d.mu.Unlock()
		if other == nil {
			return nil
		}
		select {
		case <-other:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release ends the caller's fetch and wakes those waiting for it.
func (d *definitions) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	close(d.fetching)
	d.fetching = nil
}

// keepFresh refreshes the definitions every ttl until ctx ends.
func (d *definitions) keepFresh(ctx context.Context, ttl time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(ttl)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if _, err := d.refresh(ctx); err != nil && ctx.Err() == nil {
				log.Warn("definitions refresh failed; keeping the last copy", "error", err)
			}
		}
	}
}
