package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// initializeRequest opens a session of the 2025-11-25 protocol, which the
// server keeps until it ends, idles out or is pushed out by a cap.
const initializeRequest = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"flood","version":"1"}}}`

// floodCaller is who floods a server: name is how the report says it, key
// the Bearer token of the flood and of the tenant ("" for none), env the
// server's settings besides the fake's URL.
type floodCaller struct {
	name, key string
	env       []string
}

// floodRun is one server flooded with initialize requests by one caller,
// after the tenant opened a session on it.
type floodRun struct {
	caller        string
	planned, sent int
	wall          time.Duration
	capped        bool
	status        statusCount
	// Resident memory just before the flood and as soon as it ended.
	rssBefore, rssAfter int64
	// The answer to tools/list in the tenant's session after the flood.
	sessionStatus int
	sessionBody   string
}

func (f floodRun) growth() int64 { return f.rssAfter - f.rssBefore }

func (f floodRun) memoryMet() bool { return f.growth() < targetFloodGrowth }

func (f floodRun) sessionMet() bool { return f.sessionStatus == http.StatusOK }

// sessionFloods floods a server with the tenant's own key, then one
// started with the operator's key with requests that bring none, each
// server against the fixture's fake.
func (r *report) sessionFloods(binary string, cfg config) error {
	_, ts, err := fixtureFake()
	if err != nil {
		return err
	}
	defer ts.Close()
	for _, c := range []floodCaller{
		{"with the tenant's key", apiKey, nil},
		{"without a key (server started with the operator's)", "", []string{"LIGHTFIELD_API_KEY=" + apiKey}},
	} {
		f, err := sessionFlood(binary, ts.URL, c, cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		r.floods = append(r.floods, f)
	}
	return nil
}

// sessionFlood starts a server, opens the tenant's session and lists tools
// in it, floods the server with initialize requests from the attack's
// senders, then lists tools in the tenant's session again.
func sessionFlood(binary, fakeURL string, c floodCaller, cfg config) (floodRun, error) {
	f := floodRun{caller: c.name, planned: cfg.floodRequests}
	base, cmd, logs, err := httpServer(binary, fakeURL, c.env...)
	if err != nil {
		return f, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	endpoint := base + "/mcp"
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.attackWorkers}}
	status, header, body, err := postMCP(client, endpoint, c.key, "", initializeRequest)
	session := header.Get("Mcp-Session-Id")
	if err != nil || status != http.StatusOK || session == "" {
		return f, fmt.Errorf("the tenant's initialize answered %d, session %q: %v %.200s\n%s", status, session, err, body, logs)
	}
	// Memory is read once the session is in use and the organisation's
	// definitions are loaded, so that the growth is the flood's own.
	list := func() ([]byte, error) {
		status, _, body, err := postMCP(client, endpoint, c.key, session, listRequest)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("tools/list in the tenant's session answered %d: %.200s", status, body)
		}
		return body, err
	}
	if _, err := poll("Proposal Sent", list); err != nil {
		return f, fmt.Errorf("%w\n%s", err, logs)
	}
	time.Sleep(time.Second)
	if f.rssBefore, err = rss(cmd.Process.Pid); err != nil {
		return f, err
	}
	f.status, f.wall, f.capped = attack(cfg.floodRequests, cfg.attackWorkers, cfg.attackFor, func(int) int {
		status, _, _, _ := postMCP(client, endpoint, c.key, "", initializeRequest)
		return status
	})
	f.sent = f.status.total()
	if f.rssAfter, err = rss(cmd.Process.Pid); err != nil {
		return f, err
	}
	f.sessionStatus, _, body, err = postMCP(client, endpoint, c.key, session, listRequest)
	f.sessionBody = fmt.Sprintf("%.200s", body)
	if err != nil {
		f.sessionBody = err.Error()
	}
	return f, nil
}

// floodIntro says what the session floods do, for the section's prose.
func (r *report) floodIntro() string {
	h := r.hostile
	return fmt.Sprintf("The session flood runs on a server of its own against the same fake: the tenant opens a session (`initialize`, protocol 2025-11-25) and lists tools in it, then %d more `initialize` requests come with the tenant's key from %d concurrent senders under the same %.0f s cap, and the tenant lists tools in its first session again (POST `/mcp` with its `Mcp-Session-Id`); then the same on a server started with the operator's key (`LIGHTFIELD_API_KEY`), every request without one. The fake accepts only one key, so whether another accepted key is refused the tenant's session (404) is not measured here.",
		r.floods[0].planned, h.workers, h.attackFor.Seconds())
}

// floodRows writes each flood's rows of the hostile callers' table.
func (r *report) floodRows(b *strings.Builder) {
	for _, f := range r.floods {
		fmt.Fprintf(b, "| session flood %s: `initialize` requests sent (of %d) | %d in %.1f s%s | — |\n", f.caller, f.planned, f.sent, f.wall.Seconds(), capNote(f.capped, r.hostile.attackFor))
		fmt.Fprintf(b, "| session flood %s: answers by status | %s | — |\n", f.caller, f.status)
		fmt.Fprintf(b, "| session flood %s: resident memory before → after | %s → %s (%+.1f MB) | grows by < 40 MB: %s |\n", f.caller, mb(f.rssBefore), mb(f.rssAfter), float64(f.growth())/(1<<20), verdict(f.memoryMet()))
		fmt.Fprintf(b, "| session flood %s: `tools/list` in the tenant's session opened before it | answered %d | 200: %s |\n", f.caller, f.sessionStatus, verdict(f.sessionMet()))
	}
}

// floodMissed explains each session-flood target the run missed.
func (r *report) floodMissed() []string {
	var notes []string
	for _, f := range r.floods {
		if !f.memoryMet() {
			notes = append(notes, fmt.Sprintf("**Resident memory under the session flood %s**: grew by %s over %d `initialize` requests (%s before, %s after), against less than 40 MB. The reading is taken as soon as the flood ends, before the Go runtime gives freed memory back to the system.",
				f.caller, mb(f.growth()), f.sent, mb(f.rssBefore), mb(f.rssAfter)))
		}
		if !f.sessionMet() {
			notes = append(notes, fmt.Sprintf("**The tenant's session after the session flood %s**: `tools/list` in it was answered %d, against 200: %s", f.caller, f.sessionStatus, f.sessionBody))
		}
	}
	return notes
}
