package tools

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// maxDuplicatePages bounds the search for an existing opportunity.
const maxDuplicatePages = 4

// findDuplicate looks for an opportunity with the same name (case-insensitive)
// on the same account. Lists lag behind writes by seconds; the
// Idempotency-Key covers that window.
func (o *org) findDuplicate(ctx context.Context, params lfclient.OpportunityCreateParams) (*lfclient.Record, error) {
	name, _ := params.Fields["$name"].(string)
	account, _ := params.Relationships["$account"].(string)
	if name == "" || account == "" {
		return nil, nil
	}
	filter := []lfclient.Filter{{Key: "$name", Operator: "equal", Value: name}}
	for page := 0; page < maxDuplicatePages; page++ {
		p, err := o.client.List(ctx, "opportunity", filter, lfclient.MaxPageSize, page*lfclient.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for i, rec := range p.Data {
			if foldLabel(rec.Name()) == foldLabel(name) && slices.Contains(rec.Relationships["$account"].Values, account) {
				return &p.Data[i], nil
			}
		}
		if len(p.Data) < lfclient.MaxPageSize {
			break
		}
	}
	return nil, nil
}

func duplicateText(dup *lfclient.Record, defs *lfclient.Definitions) string {
	text := fmt.Sprintf("An opportunity named %s already exists on this account: %s", quote(dup.Name()), token(dup.ID))
	if stage := stageLabelOf(dup.Fields, defs); stage != "" {
		text += ", stage " + quote(stage)
	}
	if link := deref(dup.HTTPLink); link != "" {
		text += ", " + token(link)
	}
	return text + "."
}

// createdKeys remembers, for Lightfield's 24-hour idempotency window, what
// became of each key this process sent: the opportunity it created, or that
// the answer never came (the write may have happened). A repeated call is
// then recognised as a replay and not refused as a duplicate of itself.
type createdKeys struct {
	mu     sync.Mutex
	byKey  map[string]keyOutcome
	pruned time.Time // when expired keys were last dropped
}

type keyOutcome struct {
	opportunityID string // "" while the outcome is unknown
	at            time.Time
}

const idempotencyWindow = 24 * time.Hour

// attempted records that a create with key is about to be sent.
func (c *createdKeys) attempted(key string) {
	c.set(key, keyOutcome{at: time.Now()})
}

// remember records the opportunity a key created.
func (c *createdKeys) remember(key, opportunityID string) {
	c.set(key, keyOutcome{opportunityID: opportunityID, at: time.Now()})
}

func (c *createdKeys) set(key string, o keyOutcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil {
		c.byKey = map[string]keyOutcome{}
	}
	// Expired keys are dropped now and then, not on every write: a busy day
	// holds many keys.
	if o.at.Sub(c.pruned) > time.Minute {
		for k, v := range c.byKey {
			if o.at.Sub(v.at) > idempotencyWindow {
				delete(c.byKey, k)
			}
		}
		c.pruned = o.at
	}
	if prev, ok := c.byKey[key]; ok && o.opportunityID == "" && prev.opportunityID != "" {
		return // a known outcome stays known
	}
	c.byKey[key] = o
}

// replays reports whether sending key again would replay the write that
// made dup: it did, or its outcome is unknown and dup is recent enough to
// be that write.
func (c *createdKeys) replays(key string, dup *lfclient.Record) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.byKey[key]
	if !ok || time.Since(o.at) > idempotencyWindow {
		return false
	}
	if o.opportunityID != "" {
		return o.opportunityID == dup.ID
	}
	created, err := time.Parse(time.RFC3339Nano, dup.CreatedAt)
	return err != nil || !created.Before(o.at.Add(-time.Minute))
}
