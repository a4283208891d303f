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

// opportunitiesNamed returns the opportunities with the given name
// (case-insensitive) on any account: the duplicate look-up needs only the
// name, so it runs beside the account's resolution, and duplicateOn then
// filters by account. Lists lag behind writes by seconds; the
// Idempotency-Key covers that window.
func (o *org) opportunitiesNamed(ctx context.Context, name string) ([]lfclient.Record, error) {
	var same []lfclient.Record
	filter := []lfclient.Filter{{Key: "$name", Operator: "equal", Value: name}}
	for page := 0; page < maxDuplicatePages; page++ {
		p, err := o.client.List(ctx, "opportunity", filter, lfclient.MaxPageSize, page*lfclient.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, rec := range p.Data {
			if foldLabel(rec.Name()) == foldLabel(name) {
				same = append(same, rec)
			}
		}
		if len(p.Data) < lfclient.MaxPageSize {
			break
		}
	}
	return same, nil
}

// duplicateOn returns the first of same that is on account, or nil.
func duplicateOn(same []lfclient.Record, account string) *lfclient.Record {
	for i, rec := range same {
		if account != "" && slices.Contains(rec.Relationships["$account"].Values, account) {
			return &same[i]
		}
	}
	return nil
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
// became of each key this process sent: the record (opportunity, account,
// note, task) it created, or that the answer never came (the write may have
// happened). A repeated call is
// then recognised as a replay and not refused as a duplicate of itself.
type createdKeys struct {
	mu     sync.Mutex
	byKey  map[string]keyOutcome
	pruned time.Time // when expired keys were last dropped
}

type keyOutcome struct {
	id string // "" while the outcome is unknown
	at time.Time
}

const idempotencyWindow = 24 * time.Hour

// attempted records that a create with key is about to be sent.
func (c *createdKeys) attempted(key string) {
	c.set(key, keyOutcome{at: time.Now()})
}

// remember records the record a key created.
func (c *createdKeys) remember(key, id string) {
	c.set(key, keyOutcome{id: id, at: time.Now()})
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
	if prev, ok := c.byKey[key]; ok && o.id == "" && prev.id != "" {
		return // a known outcome stays known
	}
	c.byKey[key] = o
}

// created returns the ID of the record key is known to have created, ""
// if none is known.
func (c *createdKeys) created(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.byKey[key]; ok && time.Since(o.at) <= idempotencyWindow {
		return o.id
	}
	return ""
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
	if o.id != "" {
		return o.id == dup.ID
	}
	created, err := time.Parse(time.RFC3339Nano, dup.CreatedAt)
	return err != nil || !created.Before(o.at.Add(-time.Minute))
}
