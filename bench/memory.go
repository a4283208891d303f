package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// memory reads the server's resident memory idle and after many calls of
// every kind.
func (r *report) memory(binary string, cfg config) error {
	run, err := fixtureServer(binary)
	if err != nil {
		return err
	}
	defer run.stop()
	s, cmd := run.session, run.cmd
	time.Sleep(time.Second)
	if r.idleRSS, err = rss(cmd.Process.Pid); err != nil {
		return err
	}
	ctx := context.Background()
	invalid := map[string]any{"fields": map[string]any{"$name": "", "$stage": "Nope"}, "relationships": map[string]any{}}
	for i := range cfg.soakCalls {
		var err error
		switch i % 20 {
		case 0:
			_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "create_opportunity", Arguments: createArgs(fmt.Sprintf("Memory %d", i%100), false)})
		case 1:
			_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "find_accounts", Arguments: map[string]any{"query": "Glo"}})
		default:
			_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "create_opportunity", Arguments: invalid})
		}
		if err != nil {
			return err
		}
	}
	time.Sleep(time.Second)
	r.soakCalls = cfg.soakCalls
	r.soakRSS, err = rss(cmd.Process.Pid)
	return err
}

// memorySection writes the resident memory idle and after the soak.
func (r *report) memorySection(b *strings.Builder) {
	b.WriteString("\n## Memory\n\n| reading | resident memory | target |\n|---|---|---|\n")
	fmt.Fprintf(b, "| idle, definitions loaded | %.1f MB | ≤ 30 MB: %s |\n", float64(r.idleRSS)/(1<<20), verdict(r.idleRSS <= targetIdleRSS))
	fmt.Fprintf(b, "| after %d calls (5%% creates, 5%% find_accounts, 90%% refused) | %.1f MB | no growth: %s |\n", r.soakCalls, float64(r.soakRSS)/(1<<20), verdict(r.soakRSS <= r.idleRSS+4<<20))
}
