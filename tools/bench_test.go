package tools

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

// BenchmarkCreateInProcess sends a create through the tool, over an
// in-process MCP client, to a fake Lightfield on loopback; compare it with
// BenchmarkPostDirect for the server's own cost without process hops.
func BenchmarkCreateInProcess(b *testing.B) {
	h := startHarness(b, harnessOptions{load: true, client: func(c *lfclient.Config) { c.RequestsPerSecond = 1e9 }})
	h.fake.KeepRequests(false)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		res := h.call(b, fmt.Sprintf(`{"fields":{"$name":"Bench %d","$stage":"Discovery","$amount":40000,"$closeDate":"2026-03-31"},"relationships":{"$account":"acc_01acme"},"allowDuplicate":true}`, i))
		if res.IsError {
			b.Fatal(text(res))
		}
	}
}

// BenchmarkPostDirect sends the same create straight to the fake.
func BenchmarkPostDirect(b *testing.B) {
	fake, ts := lightfieldtest.Start(b, "../testdata/org.json", testKey)
	fake.KeepRequests(false)
	client := &http.Client{}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		body := fmt.Sprintf(`{"fields":{"$name":"Bench %d","$stage":"opt_st_disc","$amount":40000,"$closeDate":"2026-03-31T00:00:00+00:00"},"relationships":{"$account":"acc_01acme"}}`, i)
		req, _ := http.NewRequest("POST", ts.URL+"/v1/opportunities", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Lightfield-Version", "2026-03-01")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprint("bench-", i))
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkCreateHandler calls create_opportunity's handler directly, with
// no MCP encoding at all, against the same fake: the server's own work per
// create beyond BenchmarkPostDirect.
func BenchmarkCreateHandler(b *testing.B) {
	h := startHarness(b, harnessOptions{load: true, client: func(c *lfclient.Config) { c.RequestsPerSecond = 1e9 }})
	h.fake.KeepRequests(false)
	ctx := context.Background()
	handle := h.srv.handler(createOpportunity(h.srv))
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		req := mcp.CallToolRequest{}
		req.Params.Name = CreateOpportunityName
		req.Params.RawArguments = []byte(fmt.Sprintf(`{"fields":{"$name":"Bench %d","$stage":"Discovery","$amount":40000,"$closeDate":"2026-03-31"},"relationships":{"$account":"acc_01acme"},"allowDuplicate":true}`, i))
		res, err := handle(ctx, req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}
