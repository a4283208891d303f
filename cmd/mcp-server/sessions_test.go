package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// TestSessionBounds: a caller over its cap loses its least recently used
// session, others keep theirs; an idle session is ended unless a stream
// holds it.
func TestSessionBounds(t *testing.T) {
	t.Parallel()
	var ended []string
	var b *sessionBounds
	b = newSessionBounds(&server.Hooks{}, func(id string) { ended = append(ended, id); b.forget(id) })
	b.add("other", "theirs")
	for i := range maxSessionsPerCaller + 2 {
		b.add("noisy", fmt.Sprint("s", i))
		if i == 5 {
			b.touch("s0", 0) // used again: not the least recently used any more
		}
	}
	if !slices.Equal(ended, []string{"s1", "s2"}) {
		t.Errorf("ended %v, want the noisy caller's least recently used [s1 s2]", ended)
	}
	ended = nil
	b.touch("s3", 1) // a stream open
	later := time.Now().Add(sessionIdle + time.Minute)
	idle := b.idle(later)
	if slices.Contains(idle, "s3") || !slices.Contains(idle, "theirs") || len(idle) != maxSessionsPerCaller {
		t.Errorf("idle: %v", idle)
	}
	b.touch("s3", -1)
	if !slices.Contains(b.idle(later), "s3") {
		t.Error("a session whose stream closed is not idle")
	}
}
