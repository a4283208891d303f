package write

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// Definitions is the one place an organisation's definitions of one kind
// are kept. It calls onChange whenever a fetch brings
// definitions that differ from the ones held.
type Definitions struct {
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
	// recheckAfter is how old current must be before a call that names
	// something it does not know fetches it again.
	recheckAfter time.Duration
	// ttl is how old current may grow before get refreshes it in the
	// background; refreshing says such a refresh is under way.
	ttl        time.Duration
	refreshing bool
}

// defaultRecheckAfter is how old definitions must be before a call that
// names something unknown fetches them again (OrgOptions.RecheckAfter).
const defaultRecheckAfter = 5 * time.Second

// refreshUnlessRecent fetches the definitions again unless those held are
// younger than recheckAfter.
func (d *Definitions) refreshUnlessRecent(ctx context.Context) (*lfclient.Definitions, error) {
	d.mu.Lock()
	cur, err, recent := d.current, d.lastErr, time.Since(d.fetched) < d.recheckAfter
	d.mu.Unlock()
	if cur != nil && recent {
		return cur, err
	}
	return d.Refresh(ctx)
}

// Get returns the definitions held, fetching them first if there are none,
// and the error of the latest fetch when it failed (the copy held may then
// be stale, or nil when none was ever fetched).
func (d *Definitions) Get(ctx context.Context) (*lfclient.Definitions, error) {
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
			d.Refresh(ctx)
			d.mu.Lock()
			d.refreshing = false
			d.mu.Unlock()
		}()
	}
	if cur != nil {
		return cur, err
	}
	return d.Load(ctx)
}

// Load returns the definitions held or, when there are none, those the
// fetch under way brings (joined, not repeated: a start-up load and the
// first list or call cost one request), else those of a fetch of its own
// (the one joined may have been bounded by a shorter wait).
func (d *Definitions) Load(ctx context.Context) (*lfclient.Definitions, error) {
	d.mu.Lock()
	cur, err, fetching := d.current, d.lastErr, d.fetching
	d.mu.Unlock()
	if cur != nil {
		return cur, err
	}
	if fetching != nil {
		select {
		case <-fetching:
			if cur, err := d.Held(); cur != nil {
				return cur, err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return d.Refresh(ctx)
}

// Held returns the definitions held (nil when none) and the error of the
// latest fetch.
func (d *Definitions) Held() (*lfclient.Definitions, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current, d.lastErr
}

// Pending reports whether definitions may be about to arrive: none are
// held, and a fetch is under way or none has failed yet.
func (d *Definitions) Pending() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current == nil && (d.fetching != nil || d.lastErr == nil)
}

// Refresh fetches the definitions and keeps them. On failure it returns the
// copy held (possibly nil) with the error.
func (d *Definitions) Refresh(ctx context.Context) (*lfclient.Definitions, error) {
	if err := d.claim(ctx); err != nil {
		cur, _ := d.Held()
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
func (d *Definitions) claim(ctx context.Context) error {
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
func (d *Definitions) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	close(d.fetching)
	d.fetching = nil
}

// KeepFresh refreshes the definitions every ttl until ctx ends.
func (d *Definitions) KeepFresh(ctx context.Context, ttl time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(ttl)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if _, err := d.Refresh(ctx); err != nil && ctx.Err() == nil {
				log.Warn("definitions refresh failed; keeping the last copy", "error", err)
			}
		}
	}
}
