package write

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// Org is what the write core keeps per organisation: its client, the
// definitions of each kind it writes, its name look-ups, and the memory
// of the Idempotency-Keys it sent.
type Org struct {
	client  *lfclient.Client
	defs    map[string]*Definitions // by object type
	resolve *resolver
	created createdKeys
	// recent are the records written lately, found by searches that
	// lists would not show yet.
	recent recentWrites
}

// OrgOptions adjust an Org.
type OrgOptions struct {
	// TTL is how old definitions may grow before a use fetches them again
	// in the background (never, when zero).
	TTL time.Duration
	// RecheckAfter is how old definitions must be before a call that names
	// something they do not know fetches them again (5 s when zero): a
	// model repeating a wrong label must not cost a request each time.
	RecheckAfter time.Duration
	// Log receives what went wrong but was survived.
	Log *slog.Logger
	// OnChange receives a kind's definitions whenever a fetch brings new
	// ones.
	OnChange func(k *Kind, defs *lfclient.Definitions)
}

// NewOrg returns the organisation client acts for; its definitions are
// fetched when first needed.
func NewOrg(client *lfclient.Client, opts OrgOptions) *Org {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.RecheckAfter <= 0 {
		opts.RecheckAfter = defaultRecheckAfter
	}
	o := &Org{client: client, resolve: &resolver{client: client, recheckAfter: opts.RecheckAfter}, defs: map[string]*Definitions{}}
	for _, k := range Kinds {
		fetch := func(ctx context.Context) (*lfclient.Definitions, error) { return client.Definitions(ctx, k.Type) }
		if k == Opportunity {
			fetch = o.fetchOpportunity(opts.Log)
		}
		o.defs[k.Type] = &Definitions{fetch: fetch, ttl: opts.TTL, recheckAfter: opts.RecheckAfter, onChange: func(defs *lfclient.Definitions) {
			if opts.OnChange != nil {
				opts.OnChange(k, defs)
			}
		}}
	}
	return o
}

// fetchOpportunity fetches the opportunity definitions and, beside them,
// the member list, so that an owner named in a call costs no request.
func (o *Org) fetchOpportunity(log *slog.Logger) func(context.Context) (*lfclient.Definitions, error) {
	return func(ctx context.Context) (*lfclient.Definitions, error) {
		if !o.client.Verified() {
			// A key not yet accepted costs one request upstream, not two:
			// the members follow once the definitions came.
			defs, err := o.client.Definitions(ctx, "opportunity")
			if err == nil {
				o.resolve.members.load(ctx, o.client)
			}
			return defs, err
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := o.resolve.members.load(ctx, o.client); err != nil && ctx.Err() == nil {
				log.Warn("members could not be loaded; they will be looked up when a call names one", "error", err)
			}
		})
		defer wg.Wait()
		return o.client.Definitions(ctx, "opportunity")
	}
}

// Client is the organisation's Lightfield client.
func (o *Org) Client() *lfclient.Client { return o.client }

// Definitions are the organisation's definitions of a kind in Kinds.
func (o *Org) Definitions(k *Kind) *Definitions { return o.defs[k.Type] }
