package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

const dealWithExtras = `{"fields":{"$name":"Acme SSO rollout","$stage":"Discovery"},
	"relationships":{"$account":"Acme Corp","$owner":"dana@ourco.example"},
	"note":{"title":"Discovery call","content":"- Needs **SSO**\n- Budget approved"},
	"followUp":{"title":"Send the proposal","due":"2026-12-04"}}`

// stored decodes what the fake keeps of each note or task.
func stored(t *testing.T, raws []json.RawMessage) []lfclient.Record {
	t.Helper()
	out := make([]lfclient.Record, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDealWithNoteAndFollowUp: one call creates the deal, its note and its
// follow-up task, each linked to the deal and its account, the task
// assigned to the deal's owner; a repeat writes nothing new.
func TestDealWithNoteAndFollowUp(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, dealWithExtras)
	content := mustSucceed(t, res)
	validateOutput(t, res)
	opps := stored(t, h.fake.Created())
	notes := stored(t, h.fake.CreatedOf("note"))
	tasks := stored(t, h.fake.CreatedOf("task"))
	if len(opps) != 1 || len(notes) != 1 || len(tasks) != 1 {
		t.Fatalf("stored %d opportunities, %d notes, %d tasks", len(opps), len(notes), len(tasks))
	}
	opp := opps[0].ID
	for what, rec := range map[string]lfclient.Record{"note": notes[0], "task": tasks[0]} {
		if got := rec.Relationships["$opportunity"].Values; len(got) != 1 || got[0] != opp {
			t.Errorf("%s linked to %v, want %s", what, got, opp)
		}
		if got := rec.Relationships["$account"].Values; len(got) != 1 || got[0] != "acc_01acme" {
			t.Errorf("%s linked to account %v", what, got)
		}
	}
	if got := notes[0].Text("$content"); !strings.Contains(got, "**SSO**") {
		t.Errorf("note content %q", got)
	}
	if got := tasks[0].Relationships["$assignedTo"].Values; len(got) != 1 || got[0] != "mem_01dana" {
		t.Errorf("task assigned to %v, want the deal's owner", got)
	}
	if got := tasks[0].Text("$status"); got != "TODO" {
		t.Errorf("task status %q", got)
	}
	if got := tasks[0].Text("$dueAt"); !strings.HasPrefix(got, "2026-12-04T12:00:00") {
		t.Errorf("task due %q", got)
	}
	for _, w := range []string{`Added note "Discovery call"`, `Added follow-up task "Send the proposal"`, "due 2026-12-04, assigned to \"Dana Scully\" (mem_01dana"} {
		if !strings.Contains(text(res), w) {
			t.Errorf("lacks %q: %s", w, text(res))
		}
	}
	if content["note"] == nil || content["followUp"] == nil {
		t.Errorf("structuredContent lacks the note or task: %v", content)
	}
	checkBodiesAgainstContract(t, h)

	repeat := h.call(t, dealWithExtras)
	mustSucceed(t, repeat)
	if o, n, k := len(h.fake.Created()), len(h.fake.CreatedOf("note")), len(h.fake.CreatedOf("task")); o != 1 || n != 1 || k != 1 {
		t.Fatalf("after a repeat: %d opportunities, %d notes, %d tasks", o, n, k)
	}
	if !strings.Contains(text(repeat), "nothing new was written") || !strings.Contains(text(repeat), `Already added earlier: note "Discovery call"`) {
		t.Errorf("a repeat does not say nothing was written: %s", text(repeat))
	}

	// The same deal with another note: the deal is replayed, the new note
	// is added, and the text does not claim that nothing was written.
	other := h.call(t, strings.Replace(dealWithExtras, "Budget approved", "Budget approved by the CFO", 1))
	mustSucceed(t, other)
	if n := len(h.fake.CreatedOf("note")); n != 2 {
		t.Fatalf("%d notes, want the second one added", n)
	}
	if msg := text(other); strings.Contains(msg, "nothing new was written") || !strings.Contains(msg, "only the note added below is new") {
		t.Errorf("the header misstates what was written: %s", msg)
	}
}

// TestNoteAndFollowUpAreCheckedFirst: a wrong note or follow-up refuses the
// whole call before anything is written.
func TestNoteAndFollowUpAreCheckedFirst(t *testing.T) {
	h := newHarness(t, true)
	deal := `"fields":{"$name":"Checked deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"`
	for call, want := range map[string]string{
		`{` + deal + `},"note":{"content":"no title"}}`:                                              "note.title: is required",
		`{` + deal + `},"note":"just text"}`:                                                         "note: must be an object",
		`{` + deal + `},"note":{"title":"x","body":"y"}}`:                                            "note.body: unknown key",
		`{` + deal + `,"$owner":"mem_01dana"},"followUp":{"title":"Call back","due":"next Friday"}}`: `followUp.due: "next Friday" is not a date`,
		`{` + deal + `},"followUp":{"title":"Call back"}}`:                                           "followUp.assignee: is required when the deal has no owner",
		`{` + deal + `},"followUp":{"title":"Call back","assignee":"Nobody Known"}}`:                 "followUp.assignee: no member",
		`{` + deal + `},"followUp":{"title":"Call back","assignee":"Walter"}}`:                       "followUp.assignee",
	} {
		res := h.call(t, call)
		if !res.IsError || !strings.Contains(text(res), want) {
			t.Errorf("%s: want %q in a refusal: %s", call, want, text(res))
		}
	}
	if len(h.fake.Created())+len(h.fake.CreatedOf("note"))+len(h.fake.CreatedOf("task")) != 0 {
		t.Fatal("something was written")
	}
	// "Remind me" on a deal without an owner: the refusal lists the
	// members, so that the model can ask who "me" is.
	res := h.call(t, `{`+deal+`},"followUp":{"title":"Call back"}}`)
	if !strings.Contains(text(res), `The members are: "Dana Scully" mem_01dana (dana@ourco.example)`) {
		t.Errorf("the refusal does not list the members: %s", text(res))
	}
}

// TestFollowUpAssigneeByName: the assignee is given as people say it and
// named in the result.
func TestFollowUpAssigneeByName(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields":{"$name":"Assigned deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"},"followUp":{"title":"Demo","assignee":"Fox"}}`)
	mustSucceed(t, res)
	tasks := stored(t, h.fake.CreatedOf("task"))
	if len(tasks) != 1 || tasks[0].Relationships["$assignedTo"].Values[0] != "mem_01fox" {
		t.Fatalf("tasks %+v", tasks)
	}
	if !strings.Contains(text(res), `followUp.assignee "Fox" → "Fox Mulder"`) {
		t.Errorf("the assignee's match is not said: %s", text(res))
	}
}

// TestDryRunShowsEveryBody: a dry run shows the note's and task's bodies
// and writes nothing.
func TestDryRunShowsEveryBody(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, strings.Replace(dealWithExtras, `"note":`, `"dryRun":true,"note":`, 1))
	content := mustSucceed(t, res)
	validateOutput(t, res)
	for _, w := range []string{"/v1/notes", "/v1/tasks", `"$assignedTo":"mem_01dana"`, `"$title":"Send the proposal"`} {
		if !strings.Contains(text(res), w) {
			t.Errorf("lacks %q: %s", w, text(res))
		}
	}
	if content["noteRequest"] == nil || content["followUpRequest"] == nil {
		t.Errorf("structuredContent lacks the bodies: %v", content)
	}
	if len(h.fake.Requests()) > 0 {
		for _, r := range h.fake.Requests() {
			if r.Method == "POST" {
				t.Fatalf("a dry run sent %s %s", r.Method, r.Path)
			}
		}
	}
}

// TestFaultsOnTheNoteOrTask: whatever goes wrong on the note's or the
// task's POST, the result says the deal exists and which part is missing,
// and one repeat leaves exactly one deal, one note and one task.
func TestFaultsOnTheNoteOrTask(t *testing.T) {
	for _, path := range []string{"/v1/notes", "/v1/tasks"} {
		for name, fault := range upstreamFaults {
			t.Run(path+" "+name, func(t *testing.T) {
				fault.Path = path
				faults := make([]lfsim.Fault, 16)
				for i := range faults {
					faults[i] = fault
				}
				h := faultHarness(t, faults...)
				res := h.call(t, dealWithExtras)
				if res.IsError {
					part := map[string]string{"/v1/notes": "note", "/v1/tasks": "follow-up task"}[path]
					for _, w := range []string{"The opportunity exists, but the " + part, "Repeating this exact call is safe"} {
						if !strings.Contains(text(res), w) {
							t.Errorf("lacks %q: %s", w, text(res))
						}
					}
				}
				h.fake.ClearFaults()
				mustSucceed(t, h.call(t, dealWithExtras))
				if o, n, k := len(h.fake.Created()), len(h.fake.CreatedOf("note")), len(h.fake.CreatedOf("task")); o != 1 || n != 1 || k != 1 {
					t.Fatalf("after a repeat: %d opportunities, %d notes, %d tasks", o, n, k)
				}
			})
		}
	}
}

// TestMissingScopeIsNamed: a key that may create deals but not notes says
// which scope the note needs.
func TestMissingScopeIsNamed(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetScopes("opportunities:read", "opportunities:create", "accounts:read", "members:read", "contacts:read", "tasks:create")
	res := h.call(t, dealWithExtras)
	if !res.IsError || !strings.Contains(text(res), "notes:create") || !strings.Contains(text(res), "The opportunity exists") {
		t.Fatalf("%s", text(res))
	}
	if len(h.fake.Created()) != 1 || len(h.fake.CreatedOf("task")) != 1 {
		t.Fatal("the deal and the task were not kept")
	}
	h.fake.SetScopes("accounts:read")
	res = h.callTool(t, CreateAccountName, `{"fields":{"$name":"Scoped Co"}}`)
	if !res.IsError || !strings.Contains(text(res), "accounts:create") {
		t.Fatalf("%s", text(res))
	}
}

// checkBodiesAgainstContract validates every create the server sent
// against the request schema of Lightfield's OpenAPI document.
func checkBodiesAgainstContract(t *testing.T, h *harness) {
	t.Helper()
	for _, r := range h.fake.Requests() {
		if r.Method != "POST" {
			continue
		}
		if err := lightfieldtest.Contract(t).ValidateRequest(r.Path, r.Body); err != nil {
			t.Errorf("POST %s does not match the contract: %v\n%s", r.Path, err, r.Body)
		}
	}
}

// TestRepeatOnAnotherReplicaAddsTheMissingPart: the deal was written but
// its note failed; the repeat reaches a process that never saw the first
// call (another replica, or a restart). The deal it finds is the one the
// call describes, so the note is added to it: no second deal, and no
// refusal as a duplicate of itself.
func TestRepeatOnAnotherReplicaAddsTheMissingPart(t *testing.T) {
	faults := make([]lfsim.Fault, 16)
	for i := range faults {
		faults[i] = lfsim.Fault{Path: "/v1/notes", Status: 503}
	}
	h := faultHarness(t, faults...)
	if res := h.call(t, dealWithExtras); !res.IsError || !strings.Contains(text(res), "The opportunity exists, but the note") {
		t.Fatalf("first call: %s", text(res))
	}
	h.fake.ClearFaults()
	h.restart() // another process: no memory of the key
	res := h.call(t, dealWithExtras)
	mustSucceed(t, res)
	if o, n, k := len(h.fake.Created()), len(h.fake.CreatedOf("note")), len(h.fake.CreatedOf("task")); o != 1 || n != 1 || k != 1 {
		t.Fatalf("after the repeat: %d opportunities, %d notes, %d tasks: %s", o, n, k, text(res))
	}
	// Without the first call's memory, the task replayed under its key
	// cannot be told from a new one; the note is new, and said to be.
	if msg := text(res); strings.Contains(msg, "nothing new was written") || !strings.Contains(msg, `Added note "Discovery call"`) {
		t.Errorf("%s", msg)
	}
}

// TestPartFailuresSpeakOfThePart: a refused note names the tool's own
// argument, and does not say that nothing was created (the deal was).
func TestPartFailuresSpeakOfThePart(t *testing.T) {
	h := newHarness(t, true, lfsim.Fault{Path: "/v1/notes", Status: 422, Body: `{"type":"unprocessable_content","code":"invalid_type","param":"fields.$content","message":"content too long"}`})
	res := h.call(t, dealWithExtras)
	msg := text(res)
	if !res.IsError || strings.Contains(msg, "Nothing was created") || !strings.Contains(msg, "Fix the argument note.content") || !strings.Contains(msg, "The note was not written") {
		t.Fatalf("%s", msg)
	}
}

// TestDryRunDoesNotOfferToCreateTheAccount: a dry run never asks the person
// to create anything; it names create_account.
func TestDryRunDoesNotOfferToCreateTheAccount(t *testing.T) {
	asked := 0
	h := startHarness(t, harnessOptions{load: true, elicit: func(mcp.ElicitationRequest) *mcp.ElicitationResult {
		asked++
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"create": true}}}
	}})
	res := h.call(t, `{"fields":{"$name":"Hooli platform","$stage":"Discovery"},"relationships":{"$account":"Hooli"},"dryRun":true}`)
	if asked != 0 || !res.IsError || !strings.Contains(text(res), "create_account") || len(h.fake.CreatedOf("account")) != 0 {
		t.Fatalf("asked %d: %s", asked, text(res))
	}
}
