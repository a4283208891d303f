// Package lru is a map bounded to its capacity that drops the least
// recently used entry first: what the server keeps per caller, per source
// or per session, so that no caller can grow it without bound.
package lru

import "container/list"

// Cache holds at most its capacity of entries. It is not safe for
// concurrent use: callers serialise access (each user keeps it under its
// own lock, often beside other state).
type Cache[K comparable, V any] struct {
	capacity int
	order    *list.List // front: most recent; values are *entry[K, V]
	byKey    map[K]*list.Element
	// OnEvict, when set, receives what Put pushed out (not what Remove
	// took out).
	OnEvict func(key K, value V)
}

type entry[K comparable, V any] struct {
	key   K
	value V
}

// New returns an empty cache of capacity entries (at least one).
func New[K comparable, V any](capacity int) *Cache[K, V] {
	return &Cache[K, V]{capacity: max(capacity, 1), order: list.New(), byKey: map[K]*list.Element{}}
}

// Get returns the value of key and makes it the most recent.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*entry[K, V]).value, true
	}
	var zero V
	return zero, false
}

// Peek is Get without making the entry the most recent.
func (c *Cache[K, V]) Peek(key K) (V, bool) {
	if e, ok := c.byKey[key]; ok {
		return e.Value.(*entry[K, V]).value, true
	}
	var zero V
	return zero, false
}

// Put sets the value of key, makes it the most recent, and evicts the
// least recently used entry when the cache is over capacity.
func (c *Cache[K, V]) Put(key K, value V) {
	if e, ok := c.byKey[key]; ok {
		e.Value.(*entry[K, V]).value = value
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&entry[K, V]{key, value})
	if c.order.Len() > c.capacity {
		oldest := c.order.Remove(c.order.Back()).(*entry[K, V])
		delete(c.byKey, oldest.key)
		if c.OnEvict != nil {
			c.OnEvict(oldest.key, oldest.value)
		}
	}
}

// Remove takes key out, if present.
func (c *Cache[K, V]) Remove(key K) {
	if e, ok := c.byKey[key]; ok {
		c.order.Remove(e)
		delete(c.byKey, key)
	}
}

// Each calls f with each entry, least recently used first, until f
// returns false; f must not change the cache.
func (c *Cache[K, V]) Each(f func(key K, value V) bool) {
	for e := c.order.Back(); e != nil; e = e.Prev() {
		en := e.Value.(*entry[K, V])
		if !f(en.key, en.value) {
			return
		}
	}
}

// Len is the number of entries held.
func (c *Cache[K, V]) Len() int { return c.order.Len() }
