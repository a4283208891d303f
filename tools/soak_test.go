package tools

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// TestSoak runs 10,000 calls mixing valid, invalid and faulty ones in one
// process and checks that memory and goroutines return to their level after
// warm-up. It takes a while, so it runs when LFMCP_SOAK=1 (test.sh sets it).
func TestSoak(t *testing.T) {
	if os.Getenv("LFMCP_SOAK") != "1" {
		t.Skip("set LFMCP_SOAK=1 to run the soak test")
	}
	const calls, warmUp = 10000, 500
	h := startHarness(t, harnessOptions{load: true, client: func(c *lfclient.Config) {
		c.RequestsPerSecond = 1e6 // the fake has no rate limit here; the pace is not under test
		c.MinBackoff, c.MaxBackoff = time.Microsecond, time.Millisecond
	}})
	h.fake.KeepRequests(false)
	faults := []lfsim.Fault{
		{Method: "POST", Status: 500}, {Method: "POST", Status: 429, RetryAfter: "0"},
		{Method: "POST", Truncate: true}, {Method: "POST", ResetAfterCommit: true}, {Method: "POST", Reset: true},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	deal := func() string {
		return fmt.Sprintf(`{"fields":{"$name":"Soak deal %d","$stage":"Discovery","$amount":%d},"relationships":{"$account":"acc_01acme"}}`, rng.IntN(50), 1000)
	}
	var baseHeap uint64
	var baseGoroutines int
	for i := range calls {
		if i == warmUp {
			baseHeap, baseGoroutines = settle()
		}
		switch n := rng.IntN(100); {
		case n < 30:
			h.call(t, deal())
		case n < 45:
			h.call(t, `{"fields":{"$name":"Dry","$stage":"Qualified","productLines":"Platform"},"relationships":{"$account":"Initech"},"dryRun":true}`)
		case n < 55:
			h.callTool(t, FindAccountsName, `{"query":"Glo"}`)
		case n < 80:
			h.call(t, `{"fields":{"$name":"","$stage":"Nope","seats":"many"},"relationships":{"$task":"x"},"extra":1}`)
		default:
			h.fake.Inject(faults[rng.IntN(len(faults))])
			h.call(t, deal())
			h.fake.ClearFaults()
		}
	}
	heap, goroutines := settle()
	t.Logf("after warm-up: heap %d KiB, %d goroutines; after %d calls: heap %d KiB, %d goroutines; %d opportunities stored",
		baseHeap>>10, baseGoroutines, calls, heap>>10, goroutines, len(h.fake.Created()))
	if heap > baseHeap+2<<20 {
		t.Errorf("heap grew by %d KiB over %d calls", (heap-baseHeap)>>10, calls-warmUp)
	}
	if goroutines > baseGoroutines+4 {
		t.Errorf("goroutines grew from %d to %d", baseGoroutines, goroutines)
	}
	if n := len(h.fake.Created()); n > 50 {
		t.Errorf("%d opportunities stored for 50 distinct deals", n)
	}
}

// settle lets idle work finish and returns the live heap and goroutine count.
func settle() (uint64, int) {
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, runtime.NumGoroutine()
}
