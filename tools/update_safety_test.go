package tools

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

func updateStage(option string) lfclient.UpdateParams {
	return lfclient.UpdateParams{Fields: map[string]any{"$stage": option}}
}

// People are added and taken off with add and remove, never with a
// replacement built from the copy read, which would drop anyone linked
// meanwhile; both at once go out as a remove, then an add.
func TestUpdateNeverReplacesPeople(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, strings.Replace(acmePilot, `, "stakeholders": ["Wile"]`, "", 1))
	h.update(t, fmt.Sprintf(`{"opportunity": %q, "relationships": {"stakeholders": ["Wile"]}}`, id))
	if body := bodyOf(h.updates(id)); body != `{"relationships":{"stakeholders":{"add":["con_01wile"]}}}` {
		t.Fatalf("adding to an empty relationship sent %s, want an add", body)
	}
	res := h.update(t, fmt.Sprintf(`{"opportunity": %q, "relationships": {"stakeholders": ["Sam"]}, "remove": {"stakeholders": ["Wile"]}}`, id))
	if res.IsError {
		t.Fatal(text(res))
	}
	ups := h.updates(id)
	if len(ups) != 3 || string(ups[1].Body) != `{"relationships":{"stakeholders":{"remove":["con_01wile"]}}}` || string(ups[2].Body) != `{"relationships":{"stakeholders":{"add":["con_01samo"]}}}` {
		t.Fatalf("a swap sent %d requests: %s", len(ups), bodiesOf(ups))
	}
	if got := relationshipValues(h.stored(t, id), "stakeholders"); strings.Join(got, ",") != "con_01samo" {
		t.Fatalf("stakeholders %v, want Sam alone", got)
	}
}

func bodiesOf(reqs []lfsim.Request) string {
	var out []string
	for _, r := range reqs {
		out = append(out, string(r.Body))
	}
	return strings.Join(out, " then ")
}

// An update by name reads the deal by ID before working out the change: a
// list's copy may be seconds old.
func TestUpdateByNameWorksFromTheDealAsItIs(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetClock(func() time.Time { return time.Now().Add(-2 * time.Hour) })
	id := h.createDeal(t, acmePilot) // created two hours ago: listed
	h.fake.SetClock(time.Now)
	h.restart() // another replica: it did not write the deal
	h.fake.SetListLag(time.Hour)
	// Moved to Negotiation elsewhere; the list still shows Discovery.
	h.srv.fallback.Client().Update(t.Context(), "opportunity", id, updateStage("opt_st_nego"), "moved-elsewhere")
	res := h.update(t, `{"opportunity": "Acme pilot", "fields": {"$stage": "Discovery"}}`)
	if res.IsError || len(h.updates(id)) != 2 {
		t.Fatalf("want the stage moved back (the deal as it is is at Negotiation): error=%v, %d updates\n%s", res.IsError, len(h.updates(id)), text(res))
	}
}

func TestUpdateRefusesWhatWouldLoseData(t *testing.T) {
	h := newHarness(t, true)
	id := h.createDeal(t, acmePilot)
	for name, tc := range map[string]struct{ args, want string }{
		"null on many":         {`{"opportunity": %q, "relationships": {"stakeholders": null}}`, "would take everyone off"},
		"a label twice":        {`{"opportunity": %q, "relationships": {"Stakeholders": ["Sam"], "STAKEHOLDERS": ["Wile"]}}`, "a second time"},
		"a field label twice":  {`{"opportunity": %q, "fields": {"Deal Source": "Inbound", "deal source": "Event"}}`, "a second time"},
		"a removal twice":      {`{"opportunity": %q, "remove": {"Stakeholders": ["Wile"], "stakeholders": ["Sam"]}}`, "a second time"},
		"nothing asked":        {`{"opportunity": %q, "fields": {}}`, "ask for no change"},
		"remove nobody linked": {`{"opportunity": %q, "remove": {"stakeholders": ["Jo Park"]}}`, `Linked now: "Wile E. Coyote"`},
	} {
		t.Run(name, func(t *testing.T) {
			res := h.update(t, fmt.Sprintf(tc.args, id))
			if !res.IsError || !strings.Contains(text(res), tc.want) {
				t.Fatalf("want a refusal saying %q:\n%s", tc.want, text(res))
			}
		})
	}
	if n := len(h.updates(id)); n != 0 {
		t.Fatalf("%d updates sent by refused calls", n)
	}
}

// One call describes at most a few new records, each checked before any
// is written.
func TestNewRecordsAreBounded(t *testing.T) {
	h := newHarness(t, true)
	var people []string
	for i := range 6 {
		people = append(people, fmt.Sprintf(`{"firstName": "P%d", "lastName": "Q", "email": "p%d@acme.example"}`, i, i))
	}
	res := h.call(t, `{"fields": {"$name": "Many", "$stage": "Discovery"}, "relationships": {"$account": "Acme Corp"}, "new": {"stakeholders": [`+strings.Join(people, ",")+`]}}`)
	if !res.IsError || !strings.Contains(text(res), "at most 5") || len(h.posts()) != 0 {
		t.Fatalf("six new people: error=%v, %d POSTs\n%s", res.IsError, len(h.posts()), text(res))
	}
	bad := h.call(t, `{"fields": {"$name": "Two", "$stage": "Discovery"}, "relationships": {"$account": "Acme Corp"}, "new": {"stakeholders": [{"firstName": "A", "email": "a@acme.example"}, {"firstName": "B", "email": "not an email"}]}}`)
	if !bad.IsError || len(h.posts()) != 0 {
		t.Fatalf("a bad description must refuse the call before anything is written: %d POSTs\n%s", len(h.posts()), text(bad))
	}
}
