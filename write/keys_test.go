package write

import (
	"fmt"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// TestReplaysOnlyOwnWrites: the memory of keys sent replays only what
// its own write may have made.
func TestReplaysOnlyOwnWrites(t *testing.T) {
	t.Parallel()
	var c createdKeys
	old := &lfclient.Record{ID: "opp_old", CreatedAt: time.Now().Add(-time.Hour).Format(time.RFC3339)}
	recent := &lfclient.Record{ID: "opp_new", CreatedAt: time.Now().Format(time.RFC3339)}
	if c.replays("k", recent) {
		t.Error("an unknown key replays")
	}
	c.attempted("k")
	if c.replays("k", old) || !c.replays("k", recent) {
		t.Error("an unanswered key must replay only a record created since it was sent")
	}
	c.remember("k", "opp_new")
	c.attempted("k")
	if !c.replays("k", recent) || c.replays("k", &lfclient.Record{ID: "opp_other", CreatedAt: recent.CreatedAt}) {
		t.Error("a known outcome must replay exactly its own record")
	}
}

// The memory of keys forgets what Lightfield refused and stays bounded
// under a flood of writes.
func TestCreatedKeysStayBounded(t *testing.T) {
	var c createdKeys
	c.attempted("refused")
	c.forget("refused")
	if _, ok := c.byKey["refused"]; ok {
		t.Fatal("a refused key is kept")
	}
	for i := range maxKeys + 100 {
		c.remember(fmt.Sprint("k", i), "id")
	}
	if n := len(c.byKey); n > maxKeys {
		t.Fatalf("%d keys held, want at most %d", n, maxKeys)
	}
	if c.created(fmt.Sprint("k", maxKeys+99)) != "id" {
		t.Fatal("the latest key was dropped")
	}
}
