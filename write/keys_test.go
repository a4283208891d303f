package write

import (
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
