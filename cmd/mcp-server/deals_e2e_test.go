package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// The scenario of issue 20, as a rep goes through it after logging a deal:
// "did I log it?", "move it to Negotiation and note that legal approved",
// "add Sam", "new customer Stark with Samir as champion", "add Priya". It
// runs over stdio and Streamable HTTP with the Go SDK client
// (TestDealsScenario) and the TypeScript SDK client (TestTypeScriptDeals,
// e2e/ts/deals.test.mjs), against a fake whose lists lag writes by an
// hour: nothing this test writes ever shows in a list, so whatever is found
// right after it was written was retrieved by ID, as with Lightfield's
// lists, which lag by seconds.

// telemetry is the deal the scenario logs; the dash is an en dash.
const telemetry = "Acme Rockets – Telemetry"

// laggingFake is the fixture organisation behind lists that lag every
// write of the test.
func laggingFake(t *testing.T) (*lfsim.Server, string) {
	t.Helper()
	fake, url := startFake(t)
	fake.SetListLag(time.Hour)
	return fake, url
}

func TestDealsScenario(t *testing.T) {
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			fake, url := laggingFake(t)
			var session *mcp.ClientSession
			if transport == "stdio" {
				session, _ = connect(t, url)
			} else {
				base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+url)
				session = httpSession(t, base+"/mcp", testKey)
			}
			d := &deals{t: t, fake: fake, session: session, tools: refinedTools(t, session)}
			d.scenario()
		})
	}
}

// deals is one run of the scenario with the Go SDK client.
type deals struct {
	t       *testing.T
	fake    *lfsim.Server
	session *mcp.ClientSession
	tools   map[string]*mcp.Tool
}

// refinedTools waits until the tool list carries the organisation's
// definitions and returns the tools by name.
func refinedTools(t *testing.T, session *mcp.ClientSession) map[string]*mcp.Tool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := session.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*mcp.Tool{}
		for _, tool := range list.Tools {
			byName[tool.Name] = tool
		}
		raw, _ := json.Marshal(list.Tools)
		if strings.Contains(string(raw), `"Proposal Sent"`) {
			for _, name := range []string{"create_opportunity", "find_opportunities", "update_opportunity", "create_contact"} {
				if byName[name] == nil || byName[name].OutputSchema == nil {
					t.Fatalf("%s is not listed with an outputSchema", name)
				}
			}
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tool list never carried the organisation's stages: %.500s", raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// call calls a tool that must succeed, checks its structuredContent
// against the tool's outputSchema and decodes it into out.
func (d *deals) call(tool, args string, out any) string {
	d.t.Helper()
	var arguments map[string]any
	if err := json.Unmarshal([]byte(args), &arguments); err != nil {
		d.t.Fatalf("arguments %s: %v", args, err)
	}
	res, err := d.session.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: arguments})
	if err != nil {
		d.t.Fatalf("%s %s: %v", tool, args, err)
	}
	if res.IsError {
		d.t.Fatalf("%s %s was refused:\n%s", tool, args, resultText(res))
	}
	checkAgainstOutputSchema(d.t, d.tools[tool].OutputSchema, res.StructuredContent)
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, out); err != nil {
		d.t.Fatalf("%s: structuredContent %s: %v", tool, raw, err)
	}
	return resultText(res)
}

// record is a record as the fake holds it now (retrieves do not lag).
type record struct {
	ID            string
	Fields        map[string]struct{ Value any }
	Relationships map[string]struct{ Values []string }
}

// dealResult is the part of create_opportunity's and update_opportunity's
// structuredContent the scenario reads.
type dealResult struct {
	Opportunity record
	Replayed    bool
	Changes     []struct{ Key, Label, Before, After string }
	Note        json.RawMessage
}

func (d *deals) scenario() {
	t, fake := d.t, d.fake

	// 1. The rep logs a deal.
	var created dealResult
	d.call("create_opportunity", `{"fields": {"$name": "`+telemetry+`", "$stage": "Discovery", "$amount": 40000},
		"relationships": {"$account": "Acme Corp", "$owner": "dana@ourco.example", "stakeholders": ["Wile"]}}`, &created)
	id := created.Opportunity.ID
	if !strings.HasPrefix(id, "opp_") || len(fake.CreatedOf("opportunity")) != 1 {
		t.Fatalf("created %q, %d deals stored", id, len(fake.CreatedOf("opportunity")))
	}

	// 2. "Did I already log Acme Rockets – Telemetry?" right after: yes,
	// although Lightfield's list does not show it yet.
	var found struct {
		Opportunities []struct{ ID, Name, Stage, MatchedBy string }
	}
	text := d.call("find_opportunities", `{"query": "Acme Telemetry"}`, &found)
	if len(found.Opportunities) != 1 || found.Opportunities[0].ID != id || found.Opportunities[0].Name != telemetry || found.Opportunities[0].Stage != "Discovery" {
		t.Fatalf("find_opportunities found %+v, want %s alone, in Discovery:\n%s", found.Opportunities, id, text)
	}
	if listShows(t, fake, "opportunities", id) {
		t.Fatal("the fake's list shows the deal: the search above proves nothing about the lag")
	}

	// 3. "Move it to Negotiation and note that legal approved": one call,
	// one update, one note, said before → after; said again, nothing more.
	move := `{"opportunity": "` + telemetry + `", "fields": {"$stage": "Negotiation"}, "note": {"title": "Legal approved"}}`
	var moved dealResult
	text = d.call("update_opportunity", move, &moved)
	if ups := updatesOf(fake, id); len(ups) != 1 || string(ups[0].Body) != `{"fields":{"$stage":"opt_st_nego"}}` {
		t.Fatalf("%d update requests (first %s), want one moving the stage:\n%s", len(ups), firstBody(ups), text)
	}
	if n := len(fake.CreatedOf("note")); n != 1 || moved.Note == nil {
		t.Fatalf("%d notes stored, note in the answer %s; want one:\n%s", n, moved.Note, text)
	}
	if !strings.Contains(text, `"Discovery" → "Negotiation"`) || len(moved.Changes) != 1 ||
		moved.Changes[0].Key != "$stage" || moved.Changes[0].Before != "Discovery" || moved.Changes[0].After != "Negotiation" {
		t.Fatalf("the answer does not say Discovery → Negotiation: changes %+v\n%s", moved.Changes, text)
	}
	deal := storedRecord(t, fake, id)
	if stage := deal.Fields["$stage"].Value; stage != "opt_st_nego" || len(deal.Relationships["$note"].Values) != 1 {
		t.Fatalf("the deal holds stage %v and notes %v", stage, deal.Relationships["$note"].Values)
	}
	var again dealResult
	text = d.call("update_opportunity", move, &again)
	if len(updatesOf(fake, id)) != 1 || len(fake.CreatedOf("note")) != 1 || len(again.Changes) != 0 {
		t.Fatalf("the repeat: %d updates, %d notes, changes %+v; want nothing more:\n%s", len(updatesOf(fake, id)), len(fake.CreatedOf("note")), again.Changes, text)
	}
	if v := fake.Versions(id); v != 2 {
		t.Fatalf("the deal has %d versions, want 2 (created, moved once)", v)
	}

	// 4. "Add Sam": a stakeholder added, the one there kept.
	var added dealResult
	text = d.call("update_opportunity", `{"opportunity": "`+id+`", "relationships": {"stakeholders": ["Sam"]}}`, &added)
	if got := storedRecord(t, fake, id).Relationships["stakeholders"].Values; !slices.Equal(got, []string{"con_01wile", "con_01samo"}) {
		t.Fatalf("stakeholders now %v, want Wile kept and Sam Ortiz added:\n%s", got, text)
	}
	if ups := updatesOf(fake, id); len(ups) != 2 || string(ups[1].Body) != `{"relationships":{"stakeholders":{"add":["con_01samo"]}}}` {
		t.Fatalf("%d update requests, %s; want the move, then an add of Sam Ortiz alone", len(ups), bodies(ups))
	}
	if len(added.Changes) != 1 || added.Changes[0].Key != "stakeholders" {
		t.Fatalf("changes %+v, want stakeholders:\n%s", added.Changes, text)
	}

	// 5. "New customer Stark, starkindustries.example, deal Stark pilot,
	// Samir is the champion": one call, one account, one contact, one deal.
	var stark dealResult
	text = d.call("create_opportunity", `{"fields": {"$name": "Stark pilot", "$stage": "Discovery"}, "relationships": {"$owner": "Dana"},
		"new": {"$account": {"$name": "Stark Industries", "$website": "starkindustries.example"},
			"$champion": {"firstName": "Samir", "lastName": "Khan", "email": "samir@stark.example"}}}`, &stark)
	accounts, contacts := fake.CreatedOf("account"), fake.CreatedOf("contact")
	if len(accounts) != 1 || len(contacts) != 1 || len(fake.CreatedOf("opportunity")) != 2 {
		t.Fatalf("%d accounts, %d contacts, %d deals stored; want 1, 1 and 2:\n%s", len(accounts), len(contacts), len(fake.CreatedOf("opportunity")), text)
	}
	var account, samir record
	json.Unmarshal(accounts[0], &account)
	json.Unmarshal(contacts[0], &samir)
	starkDeal := storedRecord(t, fake, stark.Opportunity.ID)
	if a, c := starkDeal.Relationships["$account"].Values, starkDeal.Relationships["$champion"].Values; !slices.Equal(a, []string{account.ID}) || !slices.Equal(c, []string{samir.ID}) {
		t.Fatalf("the deal links account %v and champion %v, want the new %s and %s", a, c, account.ID, samir.ID)
	}
	if got := storedRecord(t, fake, samir.ID).Relationships["$account"].Values; !slices.Equal(got, []string{account.ID}) {
		t.Fatalf("Samir works at %v, want the new account %s", got, account.ID)
	}

	// 6. "Add Priya Raman, the CFO at Acme": created once; the same person
	// by the same email, said another way, is the one there.
	var priya struct {
		Contact   record
		Existing  bool
		MatchedBy string
	}
	text = d.call("create_contact", `{"fields": {"$name": {"firstName": "Priya", "lastName": "Raman"}, "$email": "priya@acme.example", "$title": "CFO"},
		"relationships": {"$account": "Acme Corp"}}`, &priya)
	if priya.Existing || !strings.HasPrefix(priya.Contact.ID, "con_") || len(fake.CreatedOf("contact")) != 2 {
		t.Fatalf("existing=%v, contact %q, %d contacts stored; want Priya created:\n%s", priya.Existing, priya.Contact.ID, len(fake.CreatedOf("contact")), text)
	}
	first := priya.Contact.ID
	priya.Contact, priya.Existing, priya.MatchedBy = record{}, false, ""
	text = d.call("create_contact", `{"fields": {"$name": "Priya Raman", "$email": "PRIYA@acme.example"}, "relationships": {"$account": "Acme Corp"}}`, &priya)
	if !priya.Existing || priya.MatchedBy != "email" || priya.Contact.ID != first || len(fake.CreatedOf("contact")) != 2 {
		t.Fatalf("the same email again: existing=%v matchedBy=%q contact %q (first %s), %d contacts stored; want the first returned with existing: true:\n%s",
			priya.Existing, priya.MatchedBy, priya.Contact.ID, first, len(fake.CreatedOf("contact")), text)
	}
}

// updatesOf are the update requests the fake received for the deal id.
func updatesOf(fake *lfsim.Server, id string) []lfsim.Request {
	var out []lfsim.Request
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/opportunities/"+id {
			out = append(out, r)
		}
	}
	return out
}

func firstBody(reqs []lfsim.Request) string {
	if len(reqs) == 0 {
		return "(none)"
	}
	return string(reqs[0].Body)
}

func bodies(reqs []lfsim.Request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = string(r.Body)
	}
	return out
}

// storedRecord is the record id as the fake holds it now.
func storedRecord(t *testing.T, fake *lfsim.Server, id string) record {
	t.Helper()
	raw, ok := fake.Record(id)
	if !ok {
		t.Fatalf("the fake holds no record %s", id)
	}
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatalf("record %s: %v", raw, err)
	}
	return rec
}

// listShows asks the fake's own list (GET /v1/{collection}, every page)
// whether it shows the record id yet.
func listShows(t *testing.T, fake *lfsim.Server, collection, id string) bool {
	t.Helper()
	for offset := 0; ; offset += 25 {
		req := httptest.NewRequest(http.MethodGet, "/v1/"+collection+"?limit=25&offset="+strconv.Itoa(offset), nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Lightfield-Version", "2026-03-01")
		w := httptest.NewRecorder()
		fake.ServeHTTP(w, req)
		var page struct{ Data []struct{ ID string } }
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &page) != nil {
			t.Fatalf("the fake's list answered %d: %s", w.Code, w.Body)
		}
		for _, rec := range page.Data {
			if rec.ID == id {
				return true
			}
		}
		if len(page.Data) < 25 {
			return false
		}
	}
}

// TestTypeScriptDeals runs the same scenario with the TypeScript SDK
// client (e2e/ts/deals.test.mjs), over stdio and over Streamable HTTP, each
// against a fake of its own; what the client cannot see (the requests the
// fake received, the records it holds) is checked here afterwards.
func TestTypeScriptDeals(t *testing.T) {
	dir := nodeTests(t)
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			fake, url := laggingFake(t)
			env := append(os.Environ(), "LFMCP_TRANSPORT="+transport, "LIGHTFIELD_API_KEY="+testKey)
			if transport == "stdio" {
				env = append(env, "LFMCP_BINARY="+binary, "LIGHTFIELD_BASE_URL="+url)
			} else {
				base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+url)
				env = append(env, "LFMCP_HTTP_URL="+base+"/mcp")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "--test", "deals.test.mjs")
			cmd.Dir = dir
			cmd.Env = env
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the TypeScript scenario failed: %v\n%s", err, out)
			}
			checkDealsStored(t, fake, string(out))
		})
	}
}

// checkDealsStored checks what the scenario left in the fake: two deals,
// the first moved once and given one note and one more stakeholder; one
// new account; Samir and Priya, each once.
func checkDealsStored(t *testing.T, fake *lfsim.Server, out string) {
	t.Helper()
	for objectType, want := range map[string]int{"opportunity": 2, "account": 1, "contact": 2, "note": 1} {
		if n := len(fake.CreatedOf(objectType)); n != want {
			t.Errorf("%d %ss stored, want %d\n%s", n, objectType, want, out)
		}
	}
	var id string
	for _, raw := range fake.CreatedOf("opportunity") {
		var rec record
		json.Unmarshal(raw, &rec)
		if rec.Fields["$name"].Value == telemetry {
			id = rec.ID
		}
	}
	if id == "" {
		t.Fatalf("no deal named %q stored\n%s", telemetry, out)
	}
	if got, want := bodies(updatesOf(fake, id)), []string{`{"fields":{"$stage":"opt_st_nego"}}`, `{"relationships":{"stakeholders":{"add":["con_01samo"]}}}`}; !slices.Equal(got, want) {
		t.Errorf("update requests %q, want %q", got, want)
	}
	deal := storedRecord(t, fake, id)
	if got := deal.Relationships["stakeholders"].Values; !slices.Equal(got, []string{"con_01wile", "con_01samo"}) {
		t.Errorf("stakeholders %v, want Wile kept and Sam Ortiz added", got)
	}
	if stage := deal.Fields["$stage"].Value; stage != "opt_st_nego" || len(deal.Relationships["$note"].Values) != 1 || fake.Versions(id) != 3 {
		t.Errorf("the deal holds stage %v, notes %v, %d versions; want Negotiation, one note, 3 versions", stage, deal.Relationships["$note"].Values, fake.Versions(id))
	}
	if listShows(t, fake, "opportunities", id) {
		t.Error("the fake's list shows the deal: the scenario proved nothing about the lag")
	}
}
