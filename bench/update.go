package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// sharedWord is how many other deals share the first word of the name in
// the rows that show what a search by name costs when many do: a deal's
// name is also looked for by its first word (startsWith), beside the exact
// name.
const sharedWord = 200

// dealSource says where a case's deal comes from: stored beforehand with a
// first word few other deals share, stored beforehand among sharedWord
// deals whose names start with the same word, or created by the same
// server just before the call (untimed), as when a rep logs a deal and
// then changes it; none for a create.
type dealSource int

const (
	noDeal dealSource = iota
	storedDeal
	sharedWordDeal
	createdDeal
)

// updateCase is one kind of call timed in the update section: what the
// report calls it, the tool, its arguments for the i-th call given the
// deal it changes (empty for a create), where that deal comes from,
// whether the round-trip target holds it, and what the report says of it
// when it misses the target.
type updateCase struct {
	name, tool string
	args       func(i int, deal seededDeal) map[string]any
	deal       dealSource
	held       bool
	why        string
}

// seededDeal is a deal the calls change: its ID and name.
type seededDeal struct{ id, name string }

// updateArgs is the update the section times: the stage moved and a
// stakeholder added by first name ("Sam": Sam Ortiz works at Acme, the
// deal's account, Sam Lee at Initech), the deal named as byName says.
func updateArgs(deal seededDeal, byName bool) map[string]any {
	target := deal.id
	if byName {
		target = deal.name
	}
	return map[string]any{
		"opportunity":   target,
		"fields":        map[string]any{"$stage": "Negotiation"},
		"relationships": map[string]any{"stakeholders": []any{"Sam"}},
	}
}

func byName(_ int, d seededDeal) map[string]any { return updateArgs(d, true) }

// reread is why a deal found by name costs a round trip more than one
// given by ID.
const reread = "a deal found in a list is read again by ID before the change is worked out (a list's copy may be seconds old), so the list search, the read by ID and the POST follow one another"

var updateCases = []updateCase{
	{name: "`update_opportunity`, the deal by name", tool: "update_opportunity", deal: storedDeal, held: true, args: byName, why: reread},
	{name: "`update_opportunity`, the deal by ID", tool: "update_opportunity", deal: storedDeal, held: true,
		args: func(_ int, d seededDeal) map[string]any { return updateArgs(d, false) }},
	{name: "`update_opportunity`, by name, a deal the server created moments before", tool: "update_opportunity", deal: createdDeal, held: true, args: byName},
	{name: fmt.Sprintf("`update_opportunity`, by name, the name's first word shared by %d other deals", sharedWord), tool: "update_opportunity", deal: sharedWordDeal, held: true, args: byName, why: reread},
	{name: "`update_opportunity`, by name, with a note", tool: "update_opportunity", deal: storedDeal, args: func(i int, d seededDeal) map[string]any {
		a := updateArgs(d, true)
		a["note"] = map[string]any{"title": "Call with Sam", "content": "Legal approved the terms."}
		return a
	}},
	{name: fmt.Sprintf("`create_opportunity`, the name's first word shared by %d other deals", sharedWord), tool: "create_opportunity", held: true,
		args: func(i int, _ seededDeal) map[string]any {
			return map[string]any{
				"fields":        map[string]any{"$name": fmt.Sprintf("Acme – Support renewal %d", i), "$stage": "Discovery"},
				"relationships": map[string]any{"$account": "acc_01acme"},
			}
		}},
	{name: "`create_opportunity` with `new`: a new account and a new contact", tool: "create_opportunity",
		args: func(i int, _ seededDeal) map[string]any {
			return map[string]any{
				"fields":        map[string]any{"$name": fmt.Sprintf("Stark pilot %d", i), "$stage": "Discovery"},
				"relationships": map[string]any{"$owner": "dana@ourco.example"},
				"new": map[string]any{
					"$account":  map[string]any{"$name": fmt.Sprintf("Stark Industries %d", i), "$website": fmt.Sprintf("stark%d.example", i)},
					"$champion": map[string]any{"firstName": "Samir", "lastName": fmt.Sprintf("Khan %d", i), "email": fmt.Sprintf("samir@stark%d.example", i)},
				},
			}
		}},
}

// updateRow is one case's readings over its calls, and the requests of
// its last call by round trip.
type updateRow struct {
	updateCase
	wall, ping         latencies
	requests, critical []int
	// rounds are the last call's requests by round trip.
	rounds [][]lfsim.Request
}

// dealPools are the deals stored beforehand, by where a case takes them
// from, and how many deals the server has created.
type dealPools struct {
	stored, shared []seededDeal
	created        int
}

// updateRoundTrips times each of updateCases against the fixture's fake,
// answering every request after roundTripLatency. Every call is made by a
// server process of its own, started and readied before the clock starts,
// so that each meets the same conditions: what a server wrote lately
// changes how it finds a deal by name. An MCP ping is timed in the same
// process after each call.
func (r *report) updateRoundTrips(binary string, cfg config) error {
	f, ts, err := fixtureFake()
	if err != nil {
		return err
	}
	defer ts.Close()
	var pools dealPools
	need := map[dealSource]int{}
	for _, c := range updateCases {
		need[c.deal] += cfg.roundTripCalls
	}
	if pools.stored, pools.shared, err = seedUpdateDeals(f, need[storedDeal], need[sharedWordDeal]); err != nil {
		return err
	}
	f.KeepRequests(true)
	rows := make([]updateRow, len(updateCases))
	for i, c := range updateCases {
		rows[i].updateCase = c
	}
	for i := range cfg.roundTripCalls {
		for j := range rows {
			row := &rows[j]
			f.SetLatency(0)
			line, err := lineSession(binary, ts.URL)
			if err != nil {
				return err
			}
			err = row.time(line, f, i, &pools)
			line.close()
			if err != nil {
				return fmt.Errorf("%s, call %d: %w", row.name, i, err)
			}
		}
	}
	r.updates = rows
	return nil
}

// time readies a fresh server (its definitions; the deal, when the server
// is to create it; the same call as a dry run, which writes nothing), then
// times one call and a ping, and keeps the requests the call made.
func (row *updateRow) time(line *lineClient, f *lfsim.Server, i int, pools *dealPools) error {
	if _, err := line.waitRefined("Proposal Sent"); err != nil {
		return err
	}
	var deal seededDeal
	switch row.deal {
	case storedDeal:
		deal = next(&pools.stored)
	case sharedWordDeal:
		deal = next(&pools.shared)
	case createdDeal:
		var err error
		if deal, err = createDeal(line, pools.created); err != nil {
			return err
		}
		pools.created++
	}
	args := row.args(i, deal)
	dry := maps.Clone(args)
	dry["dryRun"] = true
	if err := line.callTool(row.tool, dry); err != nil {
		return fmt.Errorf("the dry run: %w", err)
	}
	f.SetLatency(roundTripLatency)
	time.Sleep(readRefill)
	before := len(f.Requests())
	start := time.Now()
	raw, err := line.call("tools/call", map[string]any{"name": row.tool, "arguments": args})
	row.wall = append(row.wall, time.Since(start))
	if err != nil {
		return err
	}
	var res struct {
		IsError bool `json:"isError"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.IsError {
		return fmt.Errorf("refused or unreadable: %s", raw)
	}
	reqs := f.Requests()[before:]
	if deal.id != "" {
		if err := changedAsAsked(f, deal.id); err != nil {
			return err
		}
	}
	start = time.Now()
	if _, err := line.call("ping", map[string]any{}); err != nil {
		return err
	}
	row.ping = append(row.ping, time.Since(start))
	row.requests = append(row.requests, len(reqs))
	row.critical = append(row.critical, lfsim.CriticalPath(reqs))
	row.rounds = rounds(reqs)
	return nil
}

// createDeal creates, through the server, the n-th deal a case changes
// moments later, as the stored ones are: at Acme Corp, in Discovery, owned
// by Dana, Wile E. Coyote a stakeholder.
func createDeal(line *lineClient, n int) (seededDeal, error) {
	deal := seededDeal{name: fmt.Sprintf("Logged %d – Acme", n)}
	raw, err := line.call("tools/call", map[string]any{"name": "create_opportunity", "arguments": map[string]any{
		"fields":        map[string]any{"$name": deal.name, "$stage": "Discovery", "$amount": 40000},
		"relationships": map[string]any{"$account": "acc_01acme", "$owner": "mem_01dana", "stakeholders": []any{"con_01wile"}},
	}})
	if err != nil {
		return deal, err
	}
	var res struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			Opportunity struct {
				ID string `json:"id"`
			} `json:"opportunity"`
		} `json:"structuredContent"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.IsError || res.StructuredContent.Opportunity.ID == "" {
		return deal, fmt.Errorf("the deal to change was not created: %s", raw)
	}
	deal.id = res.StructuredContent.Opportunity.ID
	return deal, nil
}

// next takes the first deal not used yet.
func next(deals *[]seededDeal) seededDeal {
	d := (*deals)[0]
	*deals = (*deals)[1:]
	return d
}

// changedAsAsked checks that the deal is in Negotiation with Sam Ortiz
// added and Wile E. Coyote kept.
func changedAsAsked(f *lfsim.Server, id string) error {
	raw, ok := f.Record(id)
	if !ok {
		return fmt.Errorf("deal %s is gone", id)
	}
	var rec struct {
		Fields        map[string]struct{ Value any }       `json:"fields"`
		Relationships map[string]struct{ Values []string } `json:"relationships"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return err
	}
	people := rec.Relationships["stakeholders"].Values
	if rec.Fields["$stage"].Value != "opt_st_nego" || !slices.Contains(people, "con_01samo") || !slices.Contains(people, "con_01wile") {
		return fmt.Errorf("deal %s was not changed as asked: %s", id, raw)
	}
	return nil
}

// updateWords begin the names of the deals stored for the update
// section, so that only a few share a first word, as in most
// organisations.
var updateWords = []string{"Telemetry", "Platform", "Analytics", "Renewal", "Expansion", "Pilot", "Migration", "Support", "Training", "Upgrade"}

// seedUpdateDeals stores, created a day ago (the list shows them), at Acme
// Corp in Discovery, owned by Dana, with Wile E. Coyote a stakeholder: n
// deals whose names start with one of updateWords, and shared deals whose
// names start with "Acme" after sharedWord others that do.
func seedUpdateDeals(f *lfsim.Server, n, shared int) (stored, sharedDeals []seededDeal, err error) {
	body := func(name string) []byte {
		return fmt.Appendf(nil, `{"fields":{"$name":%q,"$stage":"opt_st_disc","$amount":40000},"relationships":{"$account":"acc_01acme","$owner":"mem_01dana","stakeholders":["con_01wile"]}}`, name)
	}
	created := time.Now().Add(-24 * time.Hour)
	var bodies [][]byte
	for i := range sharedWord {
		bodies = append(bodies, body(fmt.Sprintf("Acme – Seat expansion %d", i)))
	}
	if _, err := f.Seed("opportunity", bodies, created); err != nil {
		return nil, nil, err
	}
	seed := func(names []string) ([]seededDeal, error) {
		var bodies [][]byte
		for _, name := range names {
			bodies = append(bodies, body(name))
		}
		ids, err := f.Seed("opportunity", bodies, created)
		deals := make([]seededDeal, len(ids))
		for i, id := range ids {
			deals[i] = seededDeal{id, names[i]}
		}
		return deals, err
	}
	var names, sharedNames []string
	for i := range n {
		names = append(names, fmt.Sprintf("%s %d – Acme", updateWords[i%len(updateWords)], i))
	}
	for i := range shared {
		sharedNames = append(sharedNames, fmt.Sprintf("Acme – Update target %d", i))
	}
	if stored, err = seed(names); err != nil {
		return nil, nil, err
	}
	sharedDeals, err = seed(sharedNames)
	return stored, sharedDeals, err
}

// rounds groups reqs by their place on the critical path, as
// lfsim.CriticalPath counts it: a request is in round k when the longest
// chain of requests ending with it, each begun after the one before had
// been answered, is k long. len(rounds) is the critical path.
func rounds(reqs []lfsim.Request) [][]lfsim.Request {
	depth := make([]int, len(reqs))
	var out [][]lfsim.Request
	for i := range reqs {
		depth[i] = 1
		for j := range i {
			if !reqs[j].End.IsZero() && !reqs[i].Start.Before(reqs[j].End) {
				depth[i] = max(depth[i], depth[j]+1)
			}
		}
		for len(out) < depth[i] {
			out = append(out, nil)
		}
		out[depth[i]-1] = append(out[depth[i]-1], reqs[i])
	}
	return out
}

// roundsText shows requests round by round.
func roundsText(rs [][]lfsim.Request) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%d: %s", i+1, requestsText(r))
	}
	return strings.Join(parts, " → ")
}

// requestText names a request: its method and path, IDs kept, and a
// list's filters and offset (a page after the first).
func requestText(req lfsim.Request) string {
	text := req.Method + " " + req.Path
	if req.Method != "GET" || req.Query == "" {
		return "`" + text + "`"
	}
	q, err := url.ParseQuery(req.Query)
	if err != nil {
		return "`" + text + "?" + req.Query + "`"
	}
	var filters []string
	for key, values := range q {
		if key == "offset" || strings.HasPrefix(key, "$") || strings.Contains(key, "[") {
			for _, v := range values {
				filters = append(filters, key+"="+v)
			}
		}
	}
	slices.Sort(filters)
	if len(filters) > 0 {
		text += "?" + strings.Join(filters, "&")
	}
	return "`" + text + "`"
}

// requestsText names requests, the same ones counted once.
func requestsText(reqs []lfsim.Request) string {
	var names []string
	count := map[string]int{}
	for _, req := range reqs {
		t := requestText(req)
		if count[t] == 0 {
			names = append(names, t)
		}
		count[t]++
	}
	for i, t := range names {
		if count[t] > 1 {
			names[i] = fmt.Sprintf("%d × %s", count[t], t)
		}
	}
	return strings.Join(names, ", ")
}

// beyond is a row's wall time at p50 less its ping's and less the latency
// of the round trips one after the other (at their p50): the server's own
// work, the pipes' and the fake's handling.
func (row updateRow) beyond() time.Duration {
	critical := slices.Clone(row.critical)
	slices.Sort(critical)
	return row.wall.percentile(0.5) - row.ping.percentile(0.5) - time.Duration(critical[len(critical)/2])*roundTripLatency
}

// met says whether a held row has at most targetCriticalPath round trips
// one after the other in every call.
func (row updateRow) met() bool {
	return slices.Max(row.critical) <= targetCriticalPath
}

// updateSection writes the round trips of updates and of a create with
// new records.
func (r *report) updateSection(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Round trips per update\n\n`update_opportunity` moves a deal to `Negotiation` and adds a stakeholder by first name (`Sam`: Sam Ortiz works at Acme Corp, the deal's account, Sam Lee at Initech), the deal named by its exact name or by its ID. The deals are at Acme Corp, in Discovery, with Wile E. Coyote a stakeholder; after each call the fake's copy is checked: in Negotiation, Sam Ortiz added, Wile E. Coyote kept. Most are stored beforehand, created a day ago, with names that start with one of ten words (`Renewal 3 – Acme`), so that few share a first word, as in most organisations; %d more start with `Acme`, the first word of the deals in the rows that say so; and in one row the server itself creates the deal just before changing it, as when a rep logs a deal and then moves it. Beside the updates are two creates: one whose name starts with `Acme` too, and one that describes a new account and a new contact in `new`. The fake answers every request after %s, as in the round trips per create. Each case takes %d calls, the cases in turn, each from a server process of its own, started, given its definitions and warmed with the same call as a `dryRun` (which writes nothing) before the clock starts, so that what one call wrote does not change how the next finds a deal; each call comes after a pause that leaves the client's rate limiter nothing to wait for, and an MCP `ping` is timed in the same process after it. The target is ≤ %d round trips one after the other on a write's critical path; a note adds its own POST after the deal's, and a create with `new` the look-ups and writes of its new records, so those two rows are shown, not held.\n\n", sharedWord, ms(roundTripLatency), len(r.updates[0].wall), targetCriticalPath)
	b.WriteString("| call | wall p50 | wall p50 ÷ latency | MCP `ping` p50 | wall − `ping` − round trips × latency, p50 | requests per call | on the critical path | target (≤ 2 round trips) |\n|---|---|---|---|---|---|---|---|\n")
	for _, row := range r.updates {
		target := "—"
		if row.held {
			target = verdict(row.met())
		}
		fmt.Fprintf(b, "| %s | %s | %.2f× | %s | %s | %s | %s | %s |\n", row.name, ms(row.wall.percentile(0.5)), float64(row.wall.percentile(0.5))/float64(roundTripLatency), ms(row.ping.percentile(0.5)), ms(row.beyond()), span(row.requests), span(row.critical), target)
	}
	b.WriteString("\nThe wall time less the `ping` and less the latency of the round trips one after the other (at their p50) is the server's own work with the fake's handling of those requests, on a machine shared by the client, the server and the fake.\n\nThe requests of each case's last call, round trip by round trip: a request is in round k when the longest chain of requests ending with it, each begun (`lfsim.Request` Start) after the one before had been answered (End), is k long, so the number of rounds is the critical path (`lfsim.CriticalPath`).\n\n| call | requests by round trip |\n|---|---|\n")
	for _, row := range r.updates {
		fmt.Fprintf(b, "| %s | %s |\n", row.name, roundsText(row.rounds))
	}
	b.WriteString("\nBy ID, the deal is read beside the look-ups of the names, then the POST goes out. By name, the deal is looked for by its exact name and, beside it, among the first page of deals whose names start with the same word (the name spelled another way); a deal found in a list is then read again by ID, since a list's copy may be seconds old, before the change is worked out: a round trip more than by ID. A deal this server wrote in the last 10 minutes is read by ID beside the lists, which may not show it yet, and not again. A create's duplicate search looks for the name the same two ways, beside the other look-ups.\n\nA note is written once the deal's change is stored, since it links to the deal, and the deal is read again after it so that the answer shows the note linked: two round trips after the POST. A create with `new` cannot send everything at once: the account must exist before the contact, who is created at it, and both before the deal that links them, so three of its round trips are writes that follow one another; the others are the look-ups before them, the deal's duplicate search, then the new account's (by name, and by website beside it), then the new contact's (by email and by name, with the new account read back to name it), each made just before the write it guards so that an existing record is used rather than written twice.\n")
}

// updateMissed explains a round-trip target a write of this section
// missed.
func (r *report) updateMissed() []string {
	var notes []string
	for _, row := range r.updates {
		if row.held && !row.met() {
			why := ""
			if row.why != "" {
				why = " " + strings.ToUpper(row.why[:1]) + row.why[1:] + "."
			}
			notes = append(notes, fmt.Sprintf("**Round trips per write** (%s): %s round trips on the critical path, against %d; the last call's requests by round trip: %s.%s", row.name, span(row.critical), targetCriticalPath, roundsText(row.rounds), why))
		}
	}
	return notes
}
