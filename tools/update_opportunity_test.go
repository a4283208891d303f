package tools

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// createDeal creates a deal through create_opportunity and returns its ID.
func (h *harness) createDeal(t *testing.T, args string) string {
	t.Helper()
	res := h.call(t, args)
	if res.IsError {
		t.Fatalf("create: %s", text(res))
	}
	return res.StructuredContent.(map[string]any)["opportunity"].(map[string]any)["id"].(string)
}

// updates are the update requests the fake received for the deal id.
func (h *harness) updates(id string) []lfsim.Request {
	var out []lfsim.Request
	for _, r := range h.fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/opportunities/"+id {
			out = append(out, r)
		}
	}
	return out
}

// stored is the deal as Lightfield now holds it.
func (h *harness) stored(t *testing.T, id string) map[string]any {
	t.Helper()
	raw, ok := h.fake.Record(id)
	if !ok {
		t.Fatalf("no deal %s stored", id)
	}
	var rec map[string]any
	json.Unmarshal(raw, &rec)
	return rec
}

func (h *harness) update(t *testing.T, args string) *mcp.CallToolResult {
	t.Helper()
	res := h.callTool(t, UpdateOpportunityName, args)
	if !res.IsError {
		validateAgainst(t, schema.JSON(schema.UpdateOpportunityOutput()), res)
	}
	return res
}

const acmePilot = `{"fields": {"$name": "Acme pilot", "$stage": "Discovery", "$amount": 40000}, "relationships": {"$account": "Acme Corp", "$owner": "dana@ourco.example", "stakeholders": ["Wile"]}}`

// "Move X to Negotiation and note that legal approved" is one call that
// changes one field, adds one note and says before → after; said again,
// it changes nothing twice.
func TestUpdateMovesTheStageAndAddsANote(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, acmePilot)
	args := `{"opportunity": "Acme pilot", "fields": {"Stage": "Negotiation"}, "note": {"title": "Legal approved", "content": "MSA signed off by legal."}}`
	res := h.update(t, args)
	if res.IsError {
		t.Fatal(text(res))
	}
	ups := h.updates(id)
	if len(ups) != 1 || string(ups[0].Body) != `{"fields":{"$stage":"opt_st_nego"}}` {
		t.Fatalf("update requests: %d, first body %s", len(ups), bodyOf(ups))
	}
	if !strings.Contains(text(res), `"Discovery" → "Negotiation"`) || !strings.Contains(text(res), "Legal approved") {
		t.Fatalf("the answer does not say before → after and the note:\n%s", text(res))
	}
	if n := len(h.fake.CreatedOf("note")); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	// The answer shows the deal with its note linked.
	deal := res.StructuredContent.(map[string]any)["opportunity"].(map[string]any)
	if notes := deal["relationships"].(map[string]any)["$note"].(map[string]any)["values"].([]any); len(notes) != 1 {
		t.Fatalf("the deal in the answer links %d notes, want 1", len(notes))
	}

	again := h.update(t, args)
	if again.IsError || len(h.updates(id)) != 1 || len(h.fake.CreatedOf("note")) != 1 {
		t.Fatalf("repeat: error=%v, %d updates, %d notes:\n%s", again.IsError, len(h.updates(id)), len(h.fake.CreatedOf("note")), text(again))
	}
	if !strings.Contains(text(again), "already") {
		t.Fatalf("the repeat does not say the deal already is so:\n%s", text(again))
	}
}

func bodyOf(reqs []lfsim.Request) string {
	if len(reqs) == 0 {
		return "(none)"
	}
	return string(reqs[0].Body)
}

// "Add Sam as a stakeholder" adds without removing anyone; remove takes
// off only the person named.
func TestUpdateAddsPeopleAndRemovesOnlyThoseNamed(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, acmePilot)
	res := h.update(t, fmt.Sprintf(`{"opportunity": %q, "relationships": {"stakeholders": ["Sam"]}}`, id))
	if res.IsError {
		t.Fatal(text(res))
	}
	if body := bodyOf(h.updates(id)); body != `{"relationships":{"stakeholders":{"add":["con_01samo"]}}}` {
		t.Fatalf("sent %s, want an add of Sam Ortiz (the deal's account's Sam)", body)
	}
	if got := relationshipValues(h.stored(t, id), "stakeholders"); strings.Join(got, ",") != "con_01wile,con_01samo" {
		t.Fatalf("stakeholders now %v, want Wile and Sam", got)
	}
	res = h.update(t, fmt.Sprintf(`{"opportunity": %q, "remove": {"Stakeholders": ["wile@acme.example"]}, "relationships": {"$owner": "Fox"}}`, id))
	if res.IsError {
		t.Fatal(text(res))
	}
	if got := relationshipValues(h.stored(t, id), "stakeholders"); strings.Join(got, ",") != "con_01samo" {
		t.Fatalf("stakeholders now %v, want Sam alone", got)
	}
	if !strings.Contains(text(res), `"Dana Scully (mem_01dana)" → "Fox Mulder (mem_01fox)"`) {
		t.Fatalf("the owner's change is not said by name:\n%s", text(res))
	}
}

func relationshipValues(rec map[string]any, key string) []string {
	var out []string
	for _, v := range rec["relationships"].(map[string]any)[key].(map[string]any)["values"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

// A deal created moments ago is found by name although the lists do not
// show it yet.
func TestUpdateRightAfterCreateFindsTheDeal(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetListLag(time.Hour)
	id := h.createDeal(t, acmePilot)
	res := h.update(t, `{"opportunity": "acme pilot", "fields": {"$amount": 45000}}`)
	if res.IsError || len(h.updates(id)) != 1 {
		t.Fatalf("error=%v, %d updates:\n%s", res.IsError, len(h.updates(id)), text(res))
	}
}

func TestUpdateRefusals(t *testing.T) {
	h := newHarness(t, true)
	acme := h.createDeal(t, acmePilot)
	h.createDeal(t, strings.Replace(strings.Replace(acmePilot, `"Acme Corp"`, `"Initech"`, 1), `["Wile"]`, `["Peter"]`, 1))
	for _, account := range []string{"acc_01globex", "acc_02globex"} {
		h.createDeal(t, `{"fields": {"$name": "Renewal", "$stage": "Discovery"}, "relationships": {"$account": "`+account+`", "$owner": "Dana"}}`)
	}
	for _, tc := range []struct {
		name, args string
		want       []string
	}{
		{"same name on two accounts", `{"opportunity": "Acme pilot", "fields": {"$stage": "Qualified"}}`, []string{"2 deals match", acme, `account "Acme Corp"`, `account "Initech"`, "add account"}},
		{"an account of two", `{"opportunity": "Renewal", "account": "Globex", "fields": {"$stage": "Qualified"}}`, []string{`account: "Globex" matches 2 accounts`, "acc_01globex", "acc_02globex"}},
		{"no such deal", `{"opportunity": "Initech renewal", "fields": {"$stage": "Qualified"}}`, []string{"find_opportunities", "create_opportunity"}},
		{"no such ID", `{"opportunity": "opp_nothere", "fields": {"$stage": "Qualified"}}`, []string{"no deal has the ID"}},
		{"every problem at once", `{"opportunity": "Acme pilot", "fields": {"$stage": "Won-ish", "$name": null}, "remove": {"$owner": ["Dana"]}, "colour": 1}`,
			[]string{"colour", "fields.$stage", "fields.$name: cannot be cleared", "remove.$owner: holds one record"}},
		{"no deal named", `{"fields": {"$stage": "Qualified"}}`, []string{"opportunity: is required"}},
		{"a field at the top", `{"opportunity": "Acme pilot", "stage": "Qualified", "owner": "Fox"}`, []string{"send it inside fields, as fields.$stage", "send it inside relationships, as relationships.$owner"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.update(t, tc.args)
			if !res.IsError {
				t.Fatalf("accepted: %s", text(res))
			}
			for _, w := range tc.want {
				if !strings.Contains(text(res), w) {
					t.Errorf("the refusal does not say %q:\n%s", w, text(res))
				}
			}
		})
	}
	if n := len(h.updates(acme)); n != 0 {
		t.Fatalf("%d updates sent by refused calls", n)
	}
	// The account tells same-named deals apart.
	if res := h.update(t, `{"opportunity": "Acme pilot", "account": "Acme Corp", "fields": {"$stage": "Qualified"}}`); res.IsError || len(h.updates(acme)) != 1 {
		t.Fatalf("with the account: %s", text(res))
	}
}

func TestUpdateThatChangesNothingWritesNothing(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, acmePilot)
	res := h.update(t, `{"opportunity": "Acme pilot", "fields": {"$stage": "discovery", "$amount": 40000.00}, "relationships": {"stakeholders": "Wile E. Coyote"}}`)
	if res.IsError || len(h.updates(id)) != 0 || !strings.Contains(text(res), "Nothing changed") {
		t.Fatalf("error=%v, %d updates:\n%s", res.IsError, len(h.updates(id)), text(res))
	}
}

func TestUpdateDryRunShowsTheChangeAndSendsNothing(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, acmePilot)
	res := h.update(t, `{"opportunity": "Acme pilot", "fields": {"$stage": "Proposal Sent"}, "followUp": {"title": "Send the proposal", "due": "2026-12-04"}, "dryRun": true}`)
	if res.IsError || len(h.updates(id)) != 0 || len(h.fake.CreatedOf("task")) != 0 {
		t.Fatalf("dry run wrote: %s", text(res))
	}
	sc := res.StructuredContent.(map[string]any)
	shown, _ := json.Marshal(sc["requests"].([]any)[0])
	for _, want := range []string{`"Discovery" → "Proposal Sent"`, `"$assignedTo":"mem_01dana"`, string(shown)} {
		if !strings.Contains(text(res), want) {
			t.Errorf("the dry run does not show %s:\n%s", want, text(res))
		}
	}
	h.update(t, `{"opportunity": "Acme pilot", "fields": {"$stage": "Proposal Sent"}}`)
	if sent := bodyOf(h.updates(id)); sent != string(shown) {
		t.Fatalf("the dry run showed %s but the update sent %s", shown, sent)
	}
}

// An update whose answer was lost is retried under the same key and
// changes the deal once; a note that fails after the update says what was
// and was not changed, and repeating the call adds only the note.
func TestUpdateFaults(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, acmePilot)
	h.fake.Inject(lfsim.Fault{Method: http.MethodPost, Path: "/v1/opportunities/" + id, ResetAfterCommit: true})
	for range 4 {
		h.fake.Inject(lfsim.Fault{Method: http.MethodPost, Path: "/v1/notes", Status: http.StatusServiceUnavailable})
	}
	args := `{"opportunity": "Acme pilot", "fields": {"$stage": "Negotiation"}, "note": {"title": "Legal approved"}}`
	res := h.update(t, args)
	if !res.IsError || !strings.Contains(text(res), `"Discovery" → "Negotiation"`) || !strings.Contains(text(res), "was not created") {
		t.Fatalf("a note failing after the update must say the deal changed and the note did not:\n%s", text(res))
	}
	keys := map[string]bool{}
	for _, r := range h.updates(id) {
		keys[r.Header.Get("Idempotency-Key")] = true
	}
	if len(keys) != 1 {
		t.Fatalf("the update was retried under %d keys, want 1", len(keys))
	}
	h.fake.ClearFaults()
	sent := len(h.updates(id))
	again := h.update(t, args)
	if again.IsError || len(h.updates(id)) != sent || len(h.fake.CreatedOf("note")) != 1 {
		t.Fatalf("repeat: error=%v, %d more updates, %d notes:\n%s", again.IsError, len(h.updates(id))-sent, len(h.fake.CreatedOf("note")), text(again))
	}
}

// The fault matrix for updates: whatever goes wrong between the server and
// Lightfield on the update, the deal is changed exactly once and its note
// added once, by the call or by its repeat.
func TestUpdateUnderEveryFault(t *testing.T) {
	for name, fault := range upstreamFaults {
		t.Run(name, func(t *testing.T) {
			h := faultHarness(t)
			id := h.createDeal(t, acmePilot)
			fault.Path = "/v1/opportunities/" + id
			for range 4 { // more than the client's attempts: the call itself fails
				h.fake.Inject(fault)
			}
			args := `{"opportunity": "Acme pilot", "fields": {"$stage": "Negotiation"}, "note": {"title": "Legal approved"}}`
			first := h.update(t, args)
			if first.IsError && !strings.Contains(text(first), "Repeating this exact call is safe") {
				t.Fatalf("a failed update does not say what to do:\n%s", text(first))
			}
			h.fake.ClearFaults()
			if again := h.update(t, args); again.IsError {
				t.Fatalf("the repeat failed:\n%s", text(again))
			}
			if v := h.fake.Versions(id); v != 2 {
				t.Fatalf("the deal has %d versions, want 2 (created, changed once)", v)
			}
			if n := len(h.fake.CreatedOf("note")); n != 1 {
				t.Fatalf("%d notes, want 1", n)
			}
		})
	}
}

// A key without the update scope is told which scope it needs; nothing
// else is written.
func TestUpdateNamesItsScope(t *testing.T) {
	h := newHarness(t, true)
	h.createDeal(t, acmePilot)
	h.fake.SetScopes("opportunities:read", "opportunities:create", "accounts:read", "contacts:read", "members:read", "notes:create")
	res := h.update(t, `{"opportunity": "Acme pilot", "fields": {"$stage": "Negotiation"}, "note": {"title": "Legal approved"}}`)
	if !res.IsError || !strings.Contains(text(res), "opportunities:update") || !strings.Contains(text(res), "Nothing was changed") {
		t.Fatalf("a 403 on the update must name opportunities:update:\n%s", text(res))
	}
	if n := len(h.fake.CreatedOf("note")); n != 0 {
		t.Fatalf("%d notes written although the update failed", n)
	}
}
