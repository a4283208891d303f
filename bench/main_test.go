package main

import (
	"strings"
	"testing"
	"time"
)

// TestBenchRuns runs every measurement with tiny counts and no baseline
// revision, so that the benchmark command keeps working; it asserts no
// timings.
func TestBenchRuns(t *testing.T) {
	report, err := run(config{calls: 3, coldStarts: 1, soakCalls: 20, rateCalls: 5, roundTripCalls: 1,
		junkRequests: 200, hugeRequests: 4, attackWorkers: 4, attackFor: 2 * time.Second, tenantCalls: 3, root: ".."})
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"## Per-call overhead", "## Round trips per create", "## Cold start", "## Schema", "## Memory", "## Rate-limit efficiency", "## Hostile callers over HTTP"} {
		if !strings.Contains(report, section) {
			t.Errorf("the report lacks %s:\n%s", section, report)
		}
	}
}
