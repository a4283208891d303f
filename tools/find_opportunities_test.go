package tools

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// dealsHarness is the fixture organisation with five deals, created
// through create_opportunity at known times; the write core is then
// restarted, so that searches find them through Lightfield's list alone.
func dealsHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, true)
	for _, d := range []struct{ created, fields, relationships string }{
		{"2026-01-10T09:00:00Z", `{"$name":"Acme Rockets – Telemetry","$stage":"Discovery","$amount":40000,"$closeDate":"2026-03-31"}`, `{"$account":"acc_01acme","$owner":"Dana"}`},
		{"2026-01-11T09:00:00Z", `{"$name":"Acme Corp renewal","$stage":"Negotiation","$closeDate":"2026-06-15"}`, `{"$account":"acc_01acme","$owner":"Fox"}`},
		{"2026-01-12T09:00:00Z", `{"$name":"Initech Ångström pilot","$stage":"Discovery","$closeDate":"2026-04-10"}`, `{"$account":"acc_01initech","$owner":"Zoë"}`},
		{"2026-02-01T09:00:00Z", `{"$name":"Globex expansion","$stage":"Proposal Sent"}`, `{"$account":"acc_01globex","$owner":"dana@ourco.example"}`},
		{"2026-02-02T09:00:00Z", `{"$name":"Telemetry add-on","$stage":"Closed Won","$closeDate":"2026-01-20"}`, `{"$account":"acc_01initech","$owner":"Fox"}`},
	} {
		created, _ := time.Parse(time.RFC3339, d.created)
		h.fake.SetClock(func() time.Time { return created })
		if res := h.call(t, fmt.Sprintf(`{"fields":%s,"relationships":%s}`, d.fields, d.relationships)); res.IsError {
			t.Fatalf("creating %s: %s", d.fields, text(res))
		}
	}
	h.fake.SetClock(time.Now)
	h.restart()
	return h
}

// foundDeals are the names of the deals a result shows, in order, each
// with how its name matched when it did.
func foundDeals(t *testing.T, res map[string]any) []string {
	t.Helper()
	var got []string
	for _, d := range res["opportunities"].([]any) {
		d := d.(map[string]any)
		name := d["name"].(string)
		if how, ok := d["matchedBy"].(string); ok {
			name += " (" + how + ")"
		}
		got = append(got, name)
	}
	return got
}

func TestFindOpportunities(t *testing.T) {
	h := dealsHarness(t)
	tool := h.tool(t, FindOpportunitiesName)
	if a := tool.Annotations; a.ReadOnlyHint == nil || !*a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint {
		t.Fatalf("annotations %+v", a)
	}
	outputSchema, _ := json.Marshal(tool.OutputSchema)
	for _, c := range []struct {
		name, args string
		want       []string
		// sent are query parameters the list requests must carry; texts
		// what the answer must say.
		sent, texts []string
	}{
		{"part of the name, across a dash", `{"query":"acme telemetry"}`, []string{"Acme Rockets – Telemetry (every word)"}, nil,
			[]string{`"Discovery"`, "40000 USD", `account "Acme Corp" acc_01acme`, `owner "Dana Scully" mem_01dana`, "closing 2026-03-31", "with no filter", "checked here for the name's words"}},
		{"the whole name, dashes and case aside", `{"query":"ACME ROCKETS - TELEMETRY"}`, []string{"Acme Rockets – Telemetry (exact name)"}, nil, nil},
		{"accents aside", `{"query":"angstrom"}`, []string{"Initech Ångström pilot (every word)"}, nil, nil},
		{"whole words before beginnings, the newest first", `{"query":"tele"}`, []string{"Telemetry add-on (beginnings of words)", "Acme Rockets – Telemetry (beginnings of words)"}, nil, nil},
		{"by account name", `{"account":"Acme Corp"}`, []string{"Acme Corp renewal", "Acme Rockets – Telemetry"}, nil, []string{`the 2 deals of account "Acme Corp" acc_01acme, read by ID`}},
		{"by account ID and name", `{"account":"acc_01initech","query":"pilot"}`, []string{"Initech Ångström pilot (every word)"}, nil, nil},
		{"by stage label", `{"stage":"discovery"}`, []string{"Initech Ångström pilot", "Acme Rockets – Telemetry"}, []string{"$stage[equal]=opt_st_disc"}, []string{"$stage[equal]=opt_st_disc (Discovery)"}},
		{"by owner's first name", `{"owner":"Dana"}`, []string{"Globex expansion", "Acme Rockets – Telemetry"}, nil, []string{"checked here for the owner"}},
		{"by owner's email, with a stage", `{"owner":"fox@ourco.example","stage":"Closed Won"}`, []string{"Telemetry add-on"}, []string{"$stage[equal]=opt_st_won"}, nil},
		{"by close dates", `{"closeAfter":"2026-03-01","closeBefore":"2026-04-30"}`, []string{"Initech Ångström pilot", "Acme Rockets – Telemetry"},
			[]string{"$closeDate[greaterThanOrEqual]=2026-03-01T00:00:00+00:00", "$closeDate[lessThanOrEqual]=2026-04-30T23:59:59+00:00"}, nil},
		{"the close date's last day included", `{"closeBefore":"2026-03-31","closeAfter":"2026-03-31"}`, []string{"Acme Rockets – Telemetry"}, nil, nil},
		{"created since", `{"createdSince":"2026-01-15"}`, []string{"Telemetry add-on", "Globex expansion"}, nil, []string{"checked here for the creation date"}},
		{"created since a time", `{"createdSince":"2026-01-11T10:00:00+01:00"}`, []string{"Telemetry add-on", "Globex expansion", "Initech Ångström pilot", "Acme Corp renewal"}, nil, nil},
		{"more than the limit", `{"stage":"Discovery","limit":1}`, []string{"Initech Ångström pilot"}, nil, []string{"2 deals match", "the best 1"}},
		{"nothing", `{"query":"zeppelin"}`, nil, nil, []string{`No deal matches name "zeppelin".`, "5 deals read in all"}},
	} {
		before := len(h.fake.Requests())
		res := h.callTool(t, FindOpportunitiesName, c.args)
		if res.IsError {
			t.Errorf("%s: refused: %s", c.name, text(res))
			continue
		}
		validateAgainst(t, outputSchema, res)
		structured := res.StructuredContent.(map[string]any)
		if got := foundDeals(t, structured); strings.Join(got, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("%s: found %q, want %q\n%s", c.name, got, c.want, text(res))
		}
		var queries []string
		for _, r := range h.fake.Requests()[before:] {
			if q, _ := url.QueryUnescape(r.Query); r.Method == "GET" && r.Path == "/v1/opportunities" {
				queries = append(queries, q)
			}
		}
		for _, s := range c.sent {
			if !strings.Contains(strings.Join(queries, "\n"), s) {
				t.Errorf("%s: no list request carried %s: %q", c.name, s, queries)
			}
		}
		for _, w := range c.texts {
			if !strings.Contains(text(res), w) {
				t.Errorf("%s: the text lacks %q:\n%s", c.name, w, text(res))
			}
		}
		if more, _ := structured["more"].(bool); more != strings.Contains(c.args, `"limit":1`) {
			t.Errorf("%s: more is %v", c.name, more)
		}
	}
	if n := len(h.posts()); n != 5 {
		t.Errorf("%d creates sent, want the 5 of the setup", n)
	}
}

// TestFindOpportunitiesRefusals: each wrong argument is refused with what
// to send instead, and nothing is listed.
func TestFindOpportunitiesRefusals(t *testing.T) {
	h := newHarness(t, true)
	for args, want := range map[string][]string{
		`{}`:                       {"arguments: give at least one of query, account, stage"},
		`{"limit":5}`:              {"give at least one of"},
		`{"query":"  "}`:           {"give at least one of"},
		`{"query":5,"colour":"x"}`: {"2 problems", "query: must be a string", "colour: unknown argument"},
		`{"query":"x","limit":0}`:  {"limit: must be a whole number from 1 to 25"},
		`{"stage":"Won"}`:          {`stage: "Won" is not an option of "Stage". Use one of: "Discovery", "Qualified", "Proposal Sent", "Negotiation", "Closed Won", "Closed Lost"`},
		`{"closeAfter":"March 1"}`: {`closeAfter: "March 1" is not a day. Send YYYY-MM-DD`},
		`{"closeAfter":"2026-05-01","closeBefore":"2026-04-01"}`: {"closeBefore: 2026-04-01 is before closeAfter 2026-05-01", "swap"},
		`{"createdSince":"yesterday"}`:                           {`createdSince: "yesterday" is not a day or a time. Send YYYY-MM-DD`},
		`{"owner":"Nobody Atall"}`:                               {`owner: no member named "Nobody Atall"`, "ask the person for the member's email"},
		`{"owner":"Walter"}`:                                     {`owner: "Walter" matches 2 members`, "mem_01walt", "mem_02walt"},
		`{"owner":"mem_nobody"}`:                                 {`owner: no member has the ID "mem_nobody"`},
		`{"account":"Globex"}`:                                   {`account: "Globex" matches 2 accounts`, "acc_01globex", "acc_02globex"},
		`{"account":"Hooli"}`:                                    {`account: no account is named "Hooli"`, "find_accounts"},
		`{"account":"acc_nothing"}`:                              {`account: no account has the ID "acc_nothing"`},
		`{"stage":"Won","owner":"Walter","closeAfter":"soon"}`:   {"3 problems"},
	} {
		res := h.callTool(t, FindOpportunitiesName, args)
		for _, w := range want {
			if !res.IsError || !strings.Contains(text(res), w) {
				t.Errorf("%s: error=%v, lacks %q: %s", args, res.IsError, w, text(res))
			}
		}
	}
	for _, r := range h.fake.Requests() {
		if r.Path == "/v1/opportunities" {
			t.Errorf("a refused search listed deals: %s?%s", r.Path, r.Query)
		}
	}
}

// TestFindOpportunitiesFindsWhatWasJustWritten: a deal this server
// created moments ago is found although Lightfield's list does not show it
// yet; another process, which did not write it, does not see it.
func TestFindOpportunitiesFindsWhatWasJustWritten(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetListLag(time.Hour)
	if res := h.call(t, `{"fields":{"$name":"Acme Rockets – Telemetry","$stage":"Discovery"},"relationships":{"$account":"Acme Corp"}}`); res.IsError {
		t.Fatal(text(res))
	}
	res := h.callTool(t, FindOpportunitiesName, `{"query":"Acme Telemetry"}`)
	if got := foundDeals(t, res.StructuredContent.(map[string]any)); res.IsError || len(got) != 1 || !strings.Contains(text(res), "the 1 deal this server wrote in the last minutes") {
		t.Fatalf("found %v: %s", got, text(res))
	}
	h.restart()
	res = h.callTool(t, FindOpportunitiesName, `{"query":"Acme Telemetry"}`)
	if got := foundDeals(t, res.StructuredContent.(map[string]any)); len(got) != 0 {
		t.Fatalf("the list showed a deal created within its lag: %v", got)
	}
}

// TestFindOpportunitiesScanIsBounded: in an organisation of more deals
// than one call reads, the scan stops after page one and 7 more, says so,
// and still finds a name that starts with the query's first word.
func TestFindOpportunitiesScanIsBounded(t *testing.T) {
	h := newHarness(t, true)
	var bodies [][]byte
	for i := range 260 {
		bodies = append(bodies, []byte(fmt.Sprintf(`{"fields":{"$name":"Deal %03d","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`, i)))
	}
	bodies = append(bodies, []byte(`{"fields":{"$name":"Zeppelin Telemetry","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`))
	if _, err := h.fake.Seed("opportunity", bodies, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	before := len(h.fake.Requests())
	res := h.callTool(t, FindOpportunitiesName, `{"query":"zeppelin telemetry"}`)
	structured := res.StructuredContent.(map[string]any)
	if got := foundDeals(t, structured); res.IsError || strings.Join(got, "") != "Zeppelin Telemetry (exact name)" || structured["cutShort"] != true {
		t.Fatalf("found %v: %s", got, text(res))
	}
	lists := 0
	for _, r := range h.fake.Requests()[before:] {
		if r.Path == "/v1/opportunities" {
			lists++
		}
	}
	if lists != 9 {
		t.Errorf("%d list requests, want page one, 7 more and the names starting with zeppelin", lists)
	}
	for _, w := range []string{"which holds 261; read 8 pages", "the first page of the 1 whose names start with \"zeppelin\"", "61 deals were not read", "Narrow the search with stage"} {
		if !strings.Contains(text(res), w) {
			t.Errorf("the text lacks %q:\n%s", w, text(res))
		}
	}
}

func TestFindOpportunitiesSaysWhenTheKeyIsRefused(t *testing.T) {
	h := newHarness(t, true)
	h.fake.Inject(lfsim.Fault{Method: "GET", Path: "/v1/opportunities", Status: 401})
	res := h.callTool(t, FindOpportunitiesName, `{"query":"Acme"}`)
	if !res.IsError || !strings.Contains(text(res), "Lightfield rejected the API key (401)") {
		t.Errorf("401: %s", text(res))
	}
	h.fake.Inject(lfsim.Fault{Method: "GET", Path: "/v1/opportunities", Status: 403})
	res = h.callTool(t, FindOpportunitiesName, `{"query":"Acme"}`)
	if !res.IsError || !strings.Contains(text(res), "opportunities:read") {
		t.Errorf("403: %s", text(res))
	}
}
