package lru

import "testing"

func TestLeastRecentlyUsedGoesFirst(t *testing.T) {
	t.Parallel()
	c := New[string, int](2)
	var evicted []string
	c.OnEvict = func(k string, _ int) { evicted = append(evicted, k) }
	c.Put("a", 1)
	c.Put("b", 2)
	c.Get("a") // b is now the least recently used
	c.Put("c", 3)
	if _, ok := c.Peek("b"); ok || len(evicted) != 1 || evicted[0] != "b" {
		t.Fatalf("evicted %v, b still held: %v", evicted, ok)
	}
	var order []string
	c.Each(func(k string, _ int) bool { order = append(order, k); return true })
	if len(order) != 2 || order[0] != "a" || order[1] != "c" {
		t.Errorf("least recently used first: %v, want [a c]", order)
	}
	c.Peek("a") // peeking does not make it recent
	c.Put("d", 4)
	if _, ok := c.Peek("a"); ok {
		t.Error("a survived although it was the least recently used")
	}
	c.Remove("c")
	if c.Len() != 1 || len(evicted) != 2 {
		t.Errorf("len %d, evicted %v: Remove must not count as an eviction", c.Len(), evicted)
	}
}
