package oauth

import (
	"container/heap"
	"sync"
	"time"
)

// maxUsed bounds the single-use values remembered at once.
const maxUsed = 100_000

// usedValues remembers the single-use values redeemed on this replica
// until they expire. When full, it forgets the one nearest to expiring
// (those expired go first): refusing everyone instead would let anyone
// who fills it stop every sign-in.
type usedValues struct {
	mu       sync.Mutex
	limit    int
	ids      map[string]struct{}
	byExpiry expiryHeap // the same values, nearest to expiring first
}

func newUsedValues(limit int) *usedValues {
	return &usedValues{limit: max(limit, 1), ids: map[string]struct{}{}}
}

// add records v as used at now; false when it already was.
func (u *usedValues) add(v singleUse, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for len(u.byExpiry) > 0 && !now.Before(u.byExpiry[0].until) {
		u.forgetNearest()
	}
	if _, used := u.ids[v.id]; used {
		return false
	}
	for len(u.byExpiry) >= u.limit {
		u.forgetNearest()
	}
	u.ids[v.id] = struct{}{}
	heap.Push(&u.byExpiry, v)
	return true
}

func (u *usedValues) forgetNearest() {
	delete(u.ids, heap.Pop(&u.byExpiry).(singleUse).id)
}

// expiryHeap is a min-heap of values by expiry (container/heap).
type expiryHeap []singleUse

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(singleUse)) }
func (h *expiryHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	old[len(old)-1] = singleUse{}
	*h = old[:len(old)-1]
	return v
}
