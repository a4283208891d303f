package write

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// defaultIdempotencyKey makes the same request from the same organisation
// give the same key, so that a repeated call is replayed by Lightfield rather
// than written again. The body is canonical: encoding/json sorts map keys,
// numbers were normalised and names resolved to IDs while checking. A call
// that allows a duplicate gets a key of its own, so that it can create the
// second copy it asks for, once. Bodies of different object types differ,
// and so do their keys.
func defaultIdempotencyKey(keyFingerprint string, body []byte, allowDuplicate bool) string {
	prefix := keyFingerprint + "\n"
	if allowDuplicate {
		prefix += "allowDuplicate\n"
	}
	sum := sha256.Sum256(append([]byte(prefix), body...))
	return "lfmcp-v1-" + hex.EncodeToString(sum[:])
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
