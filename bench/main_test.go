package main

import (
	"bytes"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBenchRuns runs every measurement with tiny counts and no baseline
// revision, so that the benchmark command keeps working; it asserts no
// timings.
func TestBenchRuns(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the benchmark runs on Linux: it reads /proc for memory and times a line echoed by cat")
	}
	report, err := run(config{calls: 3, coldStarts: 1, soakCalls: 20, rateCalls: 5, replicas: 2, replicaCalls: 6, replicaConcurrent: 3, roundTripCalls: 1, findCalls: 1,
		junkRequests: 200, hugeRequests: 4, attackWorkers: 4, attackFor: 2 * time.Second, tenantCalls: 3, floodRequests: 50, root: ".."})
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"## Per-call overhead", "## Round trips per create", "## Round trips per update", "## find_opportunities in an organisation", "## Cold start", "## Schema", "## Memory", "## Rate-limit efficiency", "## Several replicas, one organisation", "## Hostile callers over HTTP", "| session flood", "| respelled code", "| respelled grant", "## The deal card"} {
		if !strings.Contains(report, section) {
			t.Errorf("the report lacks %s:\n%s", section, report)
		}
	}
}

// TestRespellingsDecodeAlike: every respelling of a sealed value decodes,
// leniently, to the same bytes, and the last character is respelled only
// when it has spare bits (a value of 12 bytes has none).
func TestRespellingsDecodeAlike(t *testing.T) {
	for _, n := range []int{10, 11, 12} {
		sealed := bytes.Repeat([]byte{0xa5}, n)
		v := codePrefix + base64.RawURLEncoding.EncodeToString(sealed)
		got := respellings(codePrefix, v)
		if want := map[int]int{10: 4, 11: 4, 12: 3}[n]; len(got) != want {
			t.Errorf("%d bytes: %d respellings, want %d", n, len(got), want)
		}
		for _, s := range got {
			decoded, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s.value, codePrefix))
			if s.value == v || err != nil || !bytes.Equal(decoded, sealed) {
				t.Errorf("%d bytes, %s: %q decodes to %x (%v)", n, s.name, s.value, decoded, err)
			}
		}
	}
}
