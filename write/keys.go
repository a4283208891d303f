package write

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
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

// maxKeys bounds the keys one organisation's memory holds (about 250 bytes
// each).
const maxKeys = 20000

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
	if len(c.byKey) >= maxKeys {
		// A flood of writes: the oldest memory goes first (Lightfield's own
		// key still guards a repeat of it).
		oldest := ""
		for k, v := range c.byKey {
			if oldest == "" || v.at.Before(c.byKey[oldest].at) {
				oldest = k
			}
		}
		delete(c.byKey, oldest)
	}
	c.byKey[key] = o
}

// forget drops a key Lightfield refused: nothing was written under it.
func (c *createdKeys) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byKey, key)
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

// recentWrites remembers the records this process wrote or changed lately,
// by object type, with what a search matches them by (their name's words,
// emails, website's site), so that a search right after a write finds them
// although Lightfield's lists lag behind writes: the ones that can match
// are retrieved by ID.
type recentWrites struct {
	mu   sync.Mutex
	byID map[string]recentWrite
}

type recentWrite struct {
	objectType string
	at         time.Time
	keys       []string
}

// Bounds on recentWrites: how long a write counts as recent (well beyond
// the lists' lag of seconds), and how many are kept.
const (
	recentWindow = 10 * time.Minute
	maxRecent    = 200
)

// matchKeys are what a search may match a record by: "name:" its name's
// words, "email:" each email, "site:" each website's site.
func matchKeys(rec lfclient.Record) []string {
	keys := []string{"name:" + strings.Join(nameWords(rec.Name()), " ")}
	for _, email := range rec.Strings("$email") {
		keys = append(keys, "email:"+strings.ToLower(strings.TrimSpace(email)))
	}
	for _, w := range rec.Strings("$website") {
		if site := siteOf(w); site != "" {
			keys = append(keys, "site:"+site)
		}
	}
	return keys
}

// note records a write of rec.
func (r *recentWrites) note(objectType string, rec lfclient.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[string]recentWrite{}
	}
	now := time.Now()
	r.byID[rec.ID] = recentWrite{objectType, now, matchKeys(rec)}
	if len(r.byID) <= maxRecent {
		return
	}
	oldest := ""
	for id, w := range r.byID {
		if now.Sub(w.at) > recentWindow {
			delete(r.byID, id)
		} else if oldest == "" || w.at.Before(r.byID[oldest].at) {
			oldest = id
		}
	}
	if len(r.byID) > maxRecent {
		delete(r.byID, oldest)
	}
}

// latest returns up to n of the records of objectType written within
// recentWindow whose match keys match accepts (nil: all), the latest
// first.
func (r *recentWrites) latest(objectType string, n int, match func(keys []string) bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for id, w := range r.byID {
		if w.objectType == objectType && time.Since(w.at) <= recentWindow && (match == nil || match(w.keys)) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return r.byID[b].at.Compare(r.byID[a].at) })
	return ids[:min(len(ids), n)]
}

// maxRecentRead bounds how many records written lately a search reads by
// ID.
const maxRecentRead = 25

// recentLike reads by ID the records of objectType this process wrote
// lately that have one of keys (see matchKeys), and keeps those keep
// accepts: a duplicate search's answer for what the lists, which lag
// behind writes, do not show yet.
func (o *Org) recentLike(ctx context.Context, objectType string, keys []string, keep func(lfclient.Record) bool) ([]lfclient.Record, error) {
	ids := o.recent.latest(objectType, maxRecentRead, func(have []string) bool {
		return slices.ContainsFunc(have, func(k string) bool { return slices.Contains(keys, k) })
	})
	if len(ids) == 0 {
		return nil, nil
	}
	recs, err := o.resolve.retrieveAll(ctx, objectType, ids)
	return slices.DeleteFunc(recs, func(r lfclient.Record) bool { return !keep(r) }), err
}

// union joins record lists, each record once (the first copy wins).
func unionRecords(lists ...[]lfclient.Record) []lfclient.Record {
	var out []lfclient.Record
	for _, list := range lists {
		for _, rec := range list {
			if !slices.ContainsFunc(out, func(r lfclient.Record) bool { return r.ID == rec.ID }) {
				out = append(out, rec)
			}
		}
	}
	return out
}

// wrote reports whether this process wrote the record id lately (so a
// search read it by ID, not from a list).
func (r *recentWrites) wrote(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.byID[id]
	return ok && time.Since(w.at) <= recentWindow
}
