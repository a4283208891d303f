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

	fetchMu sync.Mutex // one fetch at a time
	mu      sync.Mutex
	current *lfclient.Definitions
	// lastErr is the error of the latest fetch, nil after a success: while
	// it is set, current may be stale.
	lastErr error
	// fetched is when current was fetched.
	fetched time.Time
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

// get returns the definitions held, fetching them first if there are none,
// and the error of the latest fetch when it failed (the copy held may then
// be stale, or nil when none was ever fetched).
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
	return d.refresh(ctx)
}

// refresh fetches the definitions and keeps them. On failure it returns the
// copy held (possibly nil) with the error.
func (d *definitions) refresh(ctx context.Context) (*lfclient.Definitions, error) {
	d.fetchMu.Lock()
	defer d.fetchMu.Unlock()
	fresh, err := d.fetch(ctx)
	d.mu.Lock()
	if err != nil {
		d.lastErr = err
		cur := d.current
		d.mu.Unlock()
		return cur, err
	}
	changed := !reflect.DeepEqual(d.current, fresh)
	d.current, d.lastErr, d.fetched = fresh, nil, time.Now()
	d.mu.Unlock()
	if changed && d.onChange != nil {
		d.onChange(fresh)
	}
	return fresh, nil
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
