package tools

import (
	"encoding/json"
	"strings"
	"testing"
)

const starkPilot = `{"fields": {"$name": "Stark pilot", "$stage": "Discovery"}, "relationships": {"$owner": "Dana"},
	"new": {"$account": {"$name": "Stark Industries", "$website": "starkindustries.example"},
		"$champion": {"firstName": "Samir", "lastName": "Khan", "email": "samir@stark.example"}}}`

// "New customer Stark, starkindustries.example, deal Stark pilot, Samir is
// the champion" is one call; a dry run first writes nothing, and a repeat
// writes nothing again.
func TestNewCustomerAndContactInOneCall(t *testing.T) {
	h := newHarness(t, true)
	dry := h.call(t, strings.Replace(starkPilot, `"new":`, `"dryRun": true, "new":`, 1))
	if dry.IsError || len(h.posts()) != 0 || !strings.Contains(text(dry), "(the new account Stark Industries)") {
		t.Fatalf("dry run: error=%v, %d POSTs:\n%s", dry.IsError, len(h.posts()), text(dry))
	}
	res := h.call(t, starkPilot)
	if res.IsError {
		t.Fatal(text(res))
	}
	validateOutput(t, res)
	for objectType, want := range map[string]int{"account": 1, "contact": 1, "opportunity": 1} {
		if n := len(h.fake.CreatedOf(objectType)); n != want {
			t.Fatalf("%d %ss created, want %d", n, objectType, want)
		}
	}
	var account, contact, deal struct {
		ID            string
		Relationships map[string]struct{ Values []string }
	}
	json.Unmarshal(h.fake.CreatedOf("account")[0], &account)
	json.Unmarshal(h.fake.CreatedOf("contact")[0], &contact)
	json.Unmarshal(h.fake.CreatedOf("opportunity")[0], &deal)
	if deal.Relationships["$account"].Values[0] != account.ID || deal.Relationships["$champion"].Values[0] != contact.ID {
		t.Fatalf("the deal links %v and %v, want the new account %s and contact %s", deal.Relationships["$account"], deal.Relationships["$champion"], account.ID, contact.ID)
	}
	if got := contact.Relationships["$account"].Values; len(got) != 1 || got[0] != account.ID {
		t.Fatalf("the new contact works at %v, want the new account", got)
	}
	if !strings.Contains(text(res), "created in this call") {
		t.Fatalf("the answer does not say what it created:\n%s", text(res))
	}
	again := h.call(t, starkPilot)
	if again.IsError || len(h.fake.CreatedOf("account"))+len(h.fake.CreatedOf("contact"))+len(h.fake.CreatedOf("opportunity")) != 3 {
		t.Fatalf("the repeat wrote again:\n%s", text(again))
	}
}

// A record described as new that exists is used, and the answer says so.
func TestDescribedRecordThatExistsIsUsed(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields": {"$name": "Acme rockets", "$stage": "Discovery"}, "relationships": {"$owner": "Dana"},
		"new": {"$account": {"$name": "acme corp"}, "stakeholders": [{"firstName": "Wile", "lastName": "Coyote", "email": "WILE@acme.example"}]}}`)
	if res.IsError || len(h.fake.CreatedOf("account")) != 0 || len(h.fake.CreatedOf("contact")) != 0 {
		t.Fatalf("error=%v:\n%s", res.IsError, text(res))
	}
	for _, want := range []string{"acc_01acme", "con_01wile", "an existing account", "an existing contact"} {
		if !strings.Contains(text(res), want) {
			t.Errorf("the answer does not say %q:\n%s", want, text(res))
		}
	}
}

func TestDescribedRecordRefusals(t *testing.T) {
	h := newHarness(t, true)
	for name, tc := range map[string]struct{ args, want string }{
		"a field given twice": {`{"fields": {"$name": "X", "$stage": "Discovery"}, "relationships": {"$account": "Acme Corp"}, "new": {"$account": {"$name": "Acme"}}}`, "new.$account: describes"},
		"not a person":        {`{"fields": {"$name": "X", "$stage": "Discovery"}, "new": {"$account": {"$name": "Stark"}, "$owner": {"firstName": "Al"}}}`, "new.$owner: is not a relationship to an account or a contact"},
		"unknown key":         {`{"fields": {"$name": "X", "$stage": "Discovery"}, "new": {"$account": {"$name": "Stark"}, "$champion": {"first": "Al"}}}`, "new.$champion.first: unknown key"},
		"no name":             {`{"fields": {"$name": "X", "$stage": "Discovery"}, "new": {"$account": {"$website": "stark.example"}}}`, `no "$name"`},
	} {
		t.Run(name, func(t *testing.T) {
			res := h.call(t, tc.args)
			if !res.IsError || !strings.Contains(text(res), tc.want) {
				t.Fatalf("want a refusal saying %q:\n%s", tc.want, text(res))
			}
		})
	}
	if n := len(h.posts()); n != 0 {
		t.Fatalf("%d POSTs from refused calls", n)
	}
}

// update_opportunity takes new people too: a contact not yet in the CRM is
// created at the deal's account and added.
func TestUpdateAddsANewContact(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, acmePilot)
	res := h.update(t, `{"opportunity": "Acme pilot", "new": {"stakeholders": [{"firstName": "Samir", "lastName": "Khan", "email": "samir@acme.example"}]}}`)
	if res.IsError || len(h.fake.CreatedOf("contact")) != 1 {
		t.Fatalf("error=%v:\n%s", res.IsError, text(res))
	}
	var contact struct {
		ID            string
		Relationships map[string]struct{ Values []string }
	}
	json.Unmarshal(h.fake.CreatedOf("contact")[0], &contact)
	if got := contact.Relationships["$account"].Values; len(got) != 1 || got[0] != "acc_01acme" {
		t.Fatalf("the new contact works at %v, want the deal's account", got)
	}
	if got := relationshipValues(h.stored(t, id), "stakeholders"); strings.Join(got, ",") != "con_01wile,"+contact.ID {
		t.Fatalf("stakeholders %v, want Wile and the new contact", got)
	}
}

// A dry run of a call already made says so first, and names the parts it
// would not add again, new records included.
func TestDryRunOfARepeatSaysSo(t *testing.T) {
	h := newHarness(t, true)
	withNote := strings.Replace(starkPilot, `"new":`, `"note": {"title": "Kick-off"}, "new":`, 1)
	if res := h.call(t, withNote); res.IsError {
		t.Fatal(text(res))
	}
	dry := h.call(t, strings.Replace(withNote, `"new":`, `"dryRun": true, "new":`, 1))
	for _, want := range []string{"Dry run: nothing was sent. This exact call already created opportunity", "The note was already added"} {
		if !strings.Contains(text(dry), want) {
			t.Errorf("the dry run of a repeat does not say %q:\n%s", want, text(dry))
		}
	}
	if strings.Contains(text(dry), "Call again without dryRun") {
		t.Errorf("the dry run of a repeat invites a call that writes nothing:\n%s", text(dry))
	}
}

// The answer after a note and a task shows the deal as it is now: both
// linked, and $createdBy filled in by Lightfield, not the create's first
// answer.
func TestAnswerShowsTheDealWithItsParts(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields": {"$name": "Linked", "$stage": "Discovery"}, "relationships": {"$account": "Acme Corp", "$owner": "Dana"},
		"note": {"title": "Kick-off"}, "followUp": {"title": "Send the proposal", "due": "2026-12-04"}}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	rels := res.StructuredContent.(map[string]any)["opportunity"].(map[string]any)["relationships"].(map[string]any)
	for _, key := range []string{"$note", "$task", "$createdBy"} {
		if values := rels[key].(map[string]any)["values"].([]any); len(values) != 1 {
			t.Errorf("%s in the answer: %v, want one", key, values)
		}
	}
}
