package tools

import (
	"context"
	"reflect"
	"sync"

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
}

// get returns the definitions held, fetching them first if there are none.
// On a failed fetch it returns nil and the error: callers then check against
// what every organisation has.
func (d *definitions) get(ctx context.Context) (*lfclient.Definitions, error) {
	if cur := d.held(); cur != nil {
		return cur, nil
	}
	return d.refresh(ctx)
}

func (d *definitions) held() *lfclient.Definitions {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current
}

// refresh fetches the definitions and keeps them.
func (d *definitions) refresh(ctx context.Context) (*lfclient.Definitions, error) {
	d.fetchMu.Lock()
	defer d.fetchMu.Unlock()
	fresh, err := d.fetch(ctx)
	if err != nil {
		return d.held(), err
	}
	d.mu.Lock()
	changed := !reflect.DeepEqual(d.current, fresh)
	d.current = fresh
	d.mu.Unlock()
	if changed && d.onChange != nil {
		d.onChange(fresh)
	}
	return fresh, nil
}
