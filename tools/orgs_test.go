package tools

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"golang.org/x/time/rate"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// TestMadeUpKeysAreBounded: thousands of made-up keys keep a bounded number
// of organisations, send a bounded number of requests upstream, and never
// push out the organisation whose key works.
func TestMadeUpKeysAreBounded(t *testing.T) {
	fake, ts := lightfieldtest.Start(t, "../testdata/org.json", testKey)
	fake.KeepRequests(true)
	shared := rate.NewLimiter(10, 20)
	s := New(nil, server.NewMCPServer("t", "0"), slog.New(slog.DiscardHandler), Options{NewClient: func(key string) (*lfclient.Client, error) {
		return lfclient.New(lfclient.Config{APIKey: key, BaseURL: ts.URL, Unverified: shared, MaxAttempts: 1})
	}})
	good := WithAPIKey(context.Background(), testKey)
	o, err := s.orgFor(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Definitions(write.Opportunity).Get(good); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const junk = 3000
	for i := range junk {
		ctx, cancel := context.WithTimeout(WithAPIKey(context.Background(), fmt.Sprintf("sk_lf_madeup%06d", i)), time.Millisecond)
		if o, err := s.orgFor(ctx); err == nil {
			o.Definitions(write.Opportunity).Get(ctx) // what a first tools/list does, within its patience
		}
		cancel()
	}
	verified, unverified, rejected := s.orgs.sizes()
	if verified != 1 || unverified > maxUnverified || rejected > maxRejected {
		t.Errorf("held %d verified, %d unverified, %d rejected after %d made-up keys", verified, unverified, rejected, junk)
	}
	budget := 20 + int(10*time.Since(start).Seconds()) + 1
	if n := len(fake.Requests()); n > budget+2 {
		t.Errorf("%d requests upstream for %d made-up keys; the shared budget allows %d", n, junk, budget)
	}
	again, err := s.orgFor(good)
	if err != nil || again != o {
		t.Fatalf("the working key's organisation was pushed out: %v", err)
	}
	// Made-up keys Lightfield refused are refused here next time.
	refused := 0
	for i := range junk {
		if s.CallerKeyProblem(fmt.Sprintf("sk_lf_madeup%06d", i)) != nil {
			refused++
		}
	}
	if refused == 0 {
		t.Error("no refused key is remembered")
	}
}

// sizes reports how many organisations each pool holds.
func (c *orgCache) sizes() (verified, unverified, rejected int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.verified.Len(), c.unverified.Len(), c.rejected.Len()
}
