package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// The organisation find_opportunities is measured in: findAccounts accounts
// with findDeals deals spread evenly over them (25 each), over six stages,
// the fixture's members as owners and a year of close dates.
const (
	findAccounts = 200
	findDeals    = 5000
)

// findCase is one search timed: what the report calls it and its
// arguments.
type findCase struct {
	name string
	args map[string]any
}

var findCases = []findCase{
	{"part of the name, nothing Lightfield can filter", map[string]any{"query": "harbor telemetry"}},
	{"a stage (Lightfield filters it)", map[string]any{"stage": "Negotiation"}},
	{"a stage and a month of close dates (Lightfield filters both)", map[string]any{"stage": "Negotiation", "closeAfter": "2026-06-01", "closeBefore": "2026-06-30"}},
	{"an account by name (its 25 deals read by ID)", map[string]any{"account": "Blue Harbor 2"}},
	{"an owner and part of the name", map[string]any{"owner": "Dana", "query": "telemetry"}},
}

// findRow is one search's readings over its calls.
type findRow struct {
	name                      string
	wall                      latencies
	requests, critical        []int
	scanned, matched, results int
	cutShort                  bool
}

// findOpportunities times each search in findCases against an
// organisation of findDeals deals, with the fake answering every request
// after roundTripLatency, as a distant API would, and counts the requests
// each call made and how many followed one another. Each call starts with
// the client's read bucket full.
func (r *report) findOpportunities(binary string, cfg config) error {
	f, ts, err := fixtureFake()
	if err != nil {
		return err
	}
	defer ts.Close()
	if err := seedDeals(f); err != nil {
		return err
	}
	line, err := lineSession(binary, ts.URL)
	if err != nil {
		return err
	}
	defer line.close()
	if _, err := line.waitRefined("Proposal Sent"); err != nil {
		return err
	}
	f.KeepRequests(true)
	f.SetLatency(roundTripLatency)
	for _, c := range findCases {
		row := findRow{name: c.name}
		for range cfg.findCalls {
			time.Sleep(readRefill)
			if err := row.time(line, f, c.args); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
		}
		r.finds = append(r.finds, row)
	}
	return nil
}

// time makes one call and keeps its readings.
func (row *findRow) time(line *lineClient, f *lfsim.Server, args map[string]any) error {
	before := len(f.Requests())
	start := time.Now()
	raw, err := line.call("tools/call", map[string]any{"name": "find_opportunities", "arguments": args})
	row.wall = append(row.wall, time.Since(start))
	if err != nil {
		return err
	}
	var res struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			Opportunities []json.RawMessage `json:"opportunities"`
			Total         int               `json:"total"`
			Scanned       int               `json:"scanned"`
			CutShort      bool              `json:"cutShort"`
		} `json:"structuredContent"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.IsError {
		return fmt.Errorf("refused or unreadable: %s", raw)
	}
	reqs := f.Requests()[before:]
	row.requests = append(row.requests, len(reqs))
	row.critical = append(row.critical, lfsim.CriticalPath(reqs))
	sc := res.StructuredContent
	row.scanned, row.matched, row.results, row.cutShort = sc.Scanned, sc.Total, len(sc.Opportunities), sc.CutShort
	return nil
}

// seedDeals stores the accounts and deals, created a day ago: the list
// shows them all.
func seedDeals(f *lfsim.Server) error {
	adjectives := []string{"Blue", "Red", "Green", "Silver", "Golden", "North", "South", "East", "West", "Bright"}
	nouns := []string{"Harbor", "Falcon", "River", "Summit", "Forge", "Meadow", "Beacon", "Anchor", "Cedar", "Quartz"}
	created := time.Now().Add(-24 * time.Hour)
	var names []string
	var accounts [][]byte
	for i := range findAccounts {
		names = append(names, fmt.Sprintf("%s %s %d", adjectives[i%10], nouns[i/10%10], i/100+1))
		accounts = append(accounts, fmt.Appendf(nil, `{"fields":{"$name":%q}}`, names[i]))
	}
	accountIDs, err := f.Seed("account", accounts, created)
	if err != nil {
		return err
	}
	stages := []string{"opt_st_disc", "opt_st_qual", "opt_st_prop", "opt_st_nego", "opt_st_won", "opt_st_lost"}
	products := []string{"Telemetry", "Platform", "Analytics", "Renewal", "Expansion"}
	owners := []string{"mem_01dana", "mem_01fox", "mem_01zoe", "mem_01walt"}
	firstClose := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var deals [][]byte
	for i := range findDeals {
		a := i % findAccounts
		name := fmt.Sprintf("%s – %s %d", names[a], products[i%len(products)], i/findAccounts)
		deals = append(deals, fmt.Appendf(nil, `{"fields":{"$name":%q,"$stage":%q,"$amount":%d,"$closeDate":%q},"relationships":{"$account":%q,"$owner":%q}}`,
			name, stages[i%len(stages)], 1000*(i%90+10), firstClose.AddDate(0, 0, i%365).Format(time.RFC3339), accountIDs[a], owners[i%len(owners)]))
	}
	_, err = f.Seed("opportunity", deals, created)
	return err
}

// findSection writes the readings of find_opportunities.
func (r *report) findSection(b *strings.Builder) {
	fmt.Fprintf(b, "\n## find_opportunities in an organisation of %d deals\n\n%d accounts with %d deals each, over six stages, four owners and a year of close dates; the fake answers every request after %s, as a distant API would. Each search takes %d calls, each after a pause that leaves the client's rate limiter nothing to wait for. One call reads at most 8 pages of the list (200 deals): a search Lightfield cannot filter is cut short, and says so.\n\n", findDeals, findAccounts, findDeals/findAccounts, ms(roundTripLatency), len(r.finds[0].wall))
	b.WriteString("| search | wall p50 | requests per call | on the critical path | deals read | matched among them | cut short |\n|---|---|---|---|---|---|---|\n")
	for _, row := range r.finds {
		cut := "no"
		if row.cutShort {
			cut = "yes"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %d | %d | %s |\n", row.name, ms(row.wall.percentile(0.5)), span(row.requests), span(row.critical), row.scanned, row.matched, cut)
	}
}
