package tools

import (
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lru"
)

// Bounds of what the server keeps for callers' organisations over HTTP.
const (
	// maxOrgs is how many organisations whose key Lightfield accepted are
	// kept (definitions, members, the keys of recent creates); the least
	// recently used goes first.
	maxOrgs = 256
	// maxUnverified is how many organisations are kept for keys Lightfield
	// has not yet accepted: made-up keys churn only this small pool, never
	// the callers whose keys work.
	maxUnverified = 64
	// maxRejected is how many keys Lightfield refused are remembered, each
	// for rejectedFor, so that their next requests are refused here.
	maxRejected = 4096
	rejectedFor = 10 * time.Minute
)

// orgCache keeps callers' organisations by key fingerprint, in two bounded
// LRU pools (verified and not yet), and remembers rejected keys.
type orgCache struct {
	mu         sync.Mutex
	verified   *lru.Cache[string, *org]
	unverified *lru.Cache[string, *org]
	rejected   *lru.Cache[string, time.Time]
}

func newOrgCache() *orgCache {
	c := &orgCache{verified: lru.New[string, *org](maxOrgs), unverified: lru.New[string, *org](maxUnverified), rejected: lru.New[string, time.Time](maxRejected)}
	// An organisation leaving the unverified pool goes where its key's
	// verdict says: a key accepted meanwhile is kept, one refused is
	// remembered.
	c.unverified.OnEvict = func(fingerprint string, o *org) { c.file(fingerprint, o) }
	return c
}

// get returns the organisation held for fingerprint, creating it when
// none is; ErrKeyRejected when Lightfield refused its key.
func (c *orgCache) get(fingerprint string, create func() (*org, error)) (*org, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refused(fingerprint) {
		return nil, ErrKeyRejected
	}
	if o, ok := c.verified.Get(fingerprint); ok {
		return o, nil
	}
	if o, ok := c.unverified.Get(fingerprint); ok {
		if o.Client().Verified() {
			c.unverified.Remove(fingerprint)
			c.verified.Put(fingerprint, o)
		}
		return o, nil
	}
	o, err := create()
	if err != nil {
		return nil, err
	}
	c.unverified.Put(fingerprint, o)
	return o, nil
}

// accepted reports whether the organisation of fingerprint is held and
// Lightfield has accepted its key.
func (c *orgCache) accepted(fingerprint string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.verified.Peek(fingerprint); ok {
		return true
	}
	o, ok := c.unverified.Peek(fingerprint)
	return ok && o.Client().Verified()
}

// rejectedKey reports whether Lightfield refused this key recently.
func (c *orgCache) rejectedKey(fingerprint string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused(fingerprint)
}

// refused reports whether Lightfield refused the key recently: a verdict
// remembered, or one an organisation held has just received (which is
// then remembered and the organisation forgotten). Callers hold the lock.
func (c *orgCache) refused(fingerprint string) bool {
	for _, pool := range []*lru.Cache[string, *org]{c.verified, c.unverified} {
		if o, ok := pool.Peek(fingerprint); ok && o.Client().Rejected() {
			pool.Remove(fingerprint)
			c.rejected.Put(fingerprint, time.Now())
		}
	}
	at, ok := c.rejected.Peek(fingerprint)
	if ok && time.Since(at) > rejectedFor {
		c.rejected.Remove(fingerprint)
		return false
	}
	return ok
}

// file places an organisation that left the unverified pool. Callers hold
// the lock.
func (c *orgCache) file(fingerprint string, o *org) {
	switch {
	case o.Client().Rejected():
		c.rejected.Put(fingerprint, time.Now())
	case o.Client().Verified():
		c.verified.Put(fingerprint, o)
	}
}
