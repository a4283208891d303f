package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type overheadRow struct {
	latency time.Duration
	// direct is the server's requests for a bare create sent by a plain
	// HTTP client, directGet the first of them alone; bare, guarded, ping
	// and dry go through lineClient; sdk is the bare create through the
	// official Go SDK client; pipe is a line echoed by cat.
	direct, directGet, bare, guarded, ping, dry, sdk, pipe latencies
}

// ownWork is what the server's bare create costs at p50 beyond any MCP
// request (ping) and beyond the API's answers to its requests (direct).
func (o overheadRow) ownWork() time.Duration {
	return o.bare.percentile(0.5) - o.ping.percentile(0.5) - o.direct.percentile(0.5)
}

// overhead times the same create sent directly and through the server. The
// server reads back the account given by ID, to name it, then POSTs; sent
// directly, the same two requests go one after the other. Every kind of call
// takes its turn in each round, so that all meet the same conditions on a
// shared machine, and each is followed by the same pause.
func (r *report) overhead(binary string, latency time.Duration, cfg config) error {
	run, err := fixtureServer(binary)
	if err != nil {
		return err
	}
	defer run.stop()
	run.fake.SetLatency(latency)
	line, err := lineSession(binary, run.url)
	if err != nil {
		return err
	}
	defer line.close()
	if _, err := line.waitRefined("Proposal Sent"); err != nil {
		return err
	}
	cat, err := startLine(exec.Command("cat"))
	if err != nil {
		return fmt.Errorf("cat, the pipe floor: %w", err)
	}
	defer cat.close()
	row := overheadRow{latency: latency}
	client := &http.Client{}
	ctx := context.Background()
	timed := func(into *latencies, call func() error) error {
		start := time.Now()
		err := call()
		*into = append(*into, time.Since(start))
		time.Sleep(cfg.pace)
		return err
	}
	send := func(req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Lightfield-Version", "2026-03-01")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		if err := resp.Body.Close(); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
		}
		return nil
	}
	getAccount := func() error {
		get, _ := http.NewRequest("GET", run.url+"/v1/accounts/acc_01acme", nil)
		return send(get)
	}
	for i := range cfg.calls {
		direct := func() error {
			if err := getAccount(); err != nil {
				return err
			}
			body := fmt.Sprintf(`{"fields":{"$name":"Direct %d","$stage":"opt_st_disc","$amount":40000,"$closeDate":"2026-03-31T00:00:00+00:00"},"relationships":{"$account":"acc_01acme"}}`, i)
			post, _ := http.NewRequest("POST", run.url+"/v1/opportunities", strings.NewReader(body))
			post.Header.Set("Content-Type", "application/json")
			post.Header.Set("Idempotency-Key", "direct-"+strconv.Itoa(i))
			return send(post)
		}
		dry := createArgs(fmt.Sprintf("Dry %d", i), true)
		dry["dryRun"] = true
		steps := []struct {
			into *latencies
			call func() error
		}{
			{&row.direct, direct},
			{&row.directGet, getAccount},
			{&row.bare, func() error { return line.callTool("create_opportunity", createArgs(fmt.Sprintf("Bare %d", i), true)) }},
			{&row.guarded, func() error {
				return line.callTool("create_opportunity", createArgs(fmt.Sprintf("Guarded %d", i), false))
			}},
			{&row.ping, func() error { _, err := line.call("ping", map[string]any{}); return err }},
			{&row.dry, func() error { return line.callTool("create_opportunity", dry) }},
			{&row.sdk, func() error {
				res, err := run.session.CallTool(ctx, &mcp.CallToolParams{Name: "create_opportunity", Arguments: createArgs(fmt.Sprintf("SDK %d", i), true)})
				if err == nil && res.IsError {
					err = fmt.Errorf("refused: %v", res.Content)
				}
				return err
			}},
			{&row.pipe, cat.echo},
		}
		for _, step := range steps {
			if err := timed(step.into, step.call); err != nil {
				return fmt.Errorf("round %d: %w", i, err)
			}
		}
	}
	r.overheads = append(r.overheads, row)
	return nil
}

// overheadSection writes the per-call overhead: the create's own work, and
// the calls timed beside it.
func (r *report) overheadSection(b *strings.Builder) {
	b.WriteString("\n## Per-call overhead\n\nThe same create, sent directly to the fake by a plain Go HTTP client and through the server (`create_opportunity` with `allowDuplicate: true` and the account by ID). The server reads that account back, to name it in its answer, then POSTs; the direct client sends the same two requests, one after the other. Every kind of call takes its turn in each round and is followed by the same pause (above the client's 24 writes/s pacing, so that it never waits), so all meet the same conditions.\n\n")
	b.WriteString("The create's own work is the server's create less what any MCP request costs over stdio (MCP `ping`: the pipes and mcp-go's handling of a request) and less the API's answers (direct): checking the arguments, building the two requests, reading their answers, verifying the stored record and encoding the result.\n\n")
	b.WriteString("| API latency | direct | server create | MCP `ping` | own work: server − `ping` − direct, p50 |\n|---|---|---|---|---|\n")
	for _, o := range r.overheads {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", ms(o.latency), p50p99(o.direct), p50p99(o.bare), p50p99(o.ping), ms(o.ownWork()))
	}
	b.WriteString(r.ownWorkNotes())
	b.WriteString("\nBeside them, in the same rounds:\n\n| API latency | line to `cat` and back | direct GET of the account alone | `dryRun` create | guarded create | bare create, Go SDK client |\n|---|---|---|---|---|---|\n")
	for _, o := range r.overheads {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", ms(o.latency), p50p99(o.pipe), p50p99(o.directGet), p50p99(o.dry), p50p99(o.guarded), p50p99(o.sdk))
	}
	fmt.Fprintf(b, "\n(p50 / p99.) The line to `cat` is the floor of any stdio round trip on this machine: two pipes and a process that wakes up to copy a line. A `dryRun` create checks, resolves (reading the account back) and encodes the call but does not POST. The guarded create is the default call, which also looks for a duplicate (`GET /v1/opportunities`) at the same time as it reads the account: one more request, not one more round trip. The last column is the bare create through the official Go SDK client (`github.com/modelcontextprotocol/go-sdk`), which adds its own encoding and goroutine hand-offs; a host's client adds its own in the same way.\n")
}

// ownWorkNotes say what the create's own work is made of, at each latency.
func (r *report) ownWorkNotes() string {
	var b strings.Builder
	for _, o := range r.overheads {
		own := o.ownWork()
		dry, ping, get := o.dry.percentile(0.5), o.ping.percentile(0.5), o.directGet.percentile(0.5)
		before := dry - ping - get
		fmt.Fprintf(&b, "\nAt %s API latency the create's own work is %s at p50 (server create %s − `ping` %s − direct %s). Up to the POST, that is checking the arguments, reading the account back and encoding the body, it is %s (`dryRun` create %s − `ping` − direct GET %s); the POST and what follows, beyond what the same POST costs sent directly, is the other %s (the request built with its headers, the stored record decoded and verified, and a result that carries it encoded).\n",
			ms(o.latency), ms(own), ms(o.bare.percentile(0.5)), ms(ping), ms(o.direct.percentile(0.5)), ms(before), ms(dry), ms(get), ms(own-before))
	}
	b.WriteString("\nEach term is a p50 of calls of its own on a 2-vCPU virtual machine shared by the client, the server and the fake, so the differences move by a tenth of a millisecond or more from run to run; the own work is reported beside the `ping` and the API's own time, not held to a fixed number of milliseconds.\n")
	return b.String()
}
