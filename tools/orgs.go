package tools

import (
	"container/list"
	"sync"
	"time"
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
	verified   lru[*org]
	unverified lru[*org]
	rejected   lru[time.Time]
}

func newOrgCache() *orgCache {
	c := &orgCache{verified: newLRU[*org](maxOrgs), unverified: newLRU[*org](maxUnverified), rejected: newLRU[time.Time](maxRejected)}
	// An organisation leaving the unverified pool goes where its key's
	// verdict says: a key accepted meanwhile is kept, one refused is
	// remembered.
	c.unverified.onEvict = func(fingerprint string, o *org) { c.file(fingerprint, o) }
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
	if o, ok := c.verified.get(fingerprint); ok {
		return o, nil
	}
	if o, ok := c.unverified.get(fingerprint); ok {
		if o.client.Verified() {
			c.unverified.remove(fingerprint)
			c.verified.put(fingerprint, o)
		}
		return o, nil
	}
	o, err := create()
	if err != nil {
		return nil, err
	}
	c.unverified.put(fingerprint, o)
	return o, nil
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
	for _, pool := range []*lru[*org]{&c.verified, &c.unverified} {
		if o, ok := pool.peek(fingerprint); ok && o.client.Rejected() {
			pool.remove(fingerprint)
			c.rejected.put(fingerprint, time.Now())
		}
	}
	at, ok := c.rejected.peek(fingerprint)
	if ok && time.Since(at) > rejectedFor {
		c.rejected.remove(fingerprint)
		return false
	}
	return ok
}

// file places an organisation that left the unverified pool. Callers hold
// the lock.
func (c *orgCache) file(fingerprint string, o *org) {
	switch {
	case o.client.Rejected():
		c.rejected.put(fingerprint, time.Now())
	case o.client.Verified():
		c.verified.put(fingerprint, o)
	}
}

// lru is a map bounded to its capacity that drops the least recently used
// entry first. Callers hold the lock.
type lru[V any] struct {
	capacity int
	order    *list.List // front: most recent; values are *lruEntry[V]
	byKey    map[string]*list.Element
	// onEvict, when set, receives what put pushed out.
	onEvict func(key string, value V)
}

type lruEntry[V any] struct {
	key   string
	value V
}

func newLRU[V any](capacity int) lru[V] {
	return lru[V]{capacity: capacity, order: list.New(), byKey: map[string]*list.Element{}}
}

func (l *lru[V]) get(key string) (V, bool) {
	if e, ok := l.byKey[key]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*lruEntry[V]).value, true
	}
	var zero V
	return zero, false
}

func (l *lru[V]) put(key string, value V) {
	if e, ok := l.byKey[key]; ok {
		e.Value.(*lruEntry[V]).value = value
		l.order.MoveToFront(e)
		return
	}
	l.byKey[key] = l.order.PushFront(&lruEntry[V]{key, value})
	if l.order.Len() > l.capacity {
		oldest := l.order.Remove(l.order.Back()).(*lruEntry[V])
		delete(l.byKey, oldest.key)
		if l.onEvict != nil {
			l.onEvict(oldest.key, oldest.value)
		}
	}
}

// peek is get without making the entry the most recent.
func (l *lru[V]) peek(key string) (V, bool) {
	if e, ok := l.byKey[key]; ok {
		return e.Value.(*lruEntry[V]).value, true
	}
	var zero V
	return zero, false
}

func (l *lru[V]) remove(key string) {
	if e, ok := l.byKey[key]; ok {
		l.order.Remove(e)
		delete(l.byKey, key)
	}
}
