package tools

import (
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

func dealWith(account, rels string) string {
	return `{"fields":{"$name":"People deal","$stage":"Discovery"},"relationships":{"$account":"` + account + `",` + rels + `}}`
}

// resolvedAs returns how the call's one resolution of key matched, and the ID.
func resolvedAs(t *testing.T, res *mcp.CallToolResult, key string) (id, how string) {
	t.Helper()
	sc := mustSucceed(t, res)
	for _, r := range sc["resolved"].([]any) {
		r := r.(map[string]any)
		if r["relationship"] == key {
			return r["id"].(string), r["matchedBy"].(string)
		}
	}
	t.Fatalf("no resolution of %s in %v", key, sc["resolved"])
	return "", ""
}

func TestPeopleByTheNamesPeopleUse(t *testing.T) {
	cases := []struct {
		name, account, rel, input string
		id, how                   string
	}{
		{"first name at the account beats one elsewhere", "Acme Corp", "$evaluator", "Sam", "con_01samo", "first name, at the deal's account"},
		{"the same first name at the other account", "Initech", "$evaluator", "sam", "con_01saml", "first name, at the deal's account"},
		{"last name, found among the account's own contacts", "acc_01acme", "$champion", "Ortiz", "con_01samo", "last name, at the deal's account"},
		{"full name elsewhere", "Acme Corp", "$champion", "Peter Gibbons", "con_01peter", "full name, not a contact of the deal's account"},
		{"email elsewhere", "Acme Corp", "$champion", "peter@initech.example", "con_01peter", "email, not a contact of the deal's account"},
		{"member by first name, accents aside", "Acme Corp", "$owner", "Zoe", "mem_01zoe", "first name"},
		{"member by last name", "Acme Corp", "$owner", "ANGSTROM", "mem_01zoe", "last name"},
		{"member by the part of the email before the @", "Acme Corp", "$owner", "walt", "mem_01walt", "email name"},
		{"member by full name", "Acme Corp", "$owner", "walter bishop", "mem_02walt", "full name"},
	}
	h := newHarness(t, true)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(t, dealWithOptions(tc.account, `"`+tc.rel+`":"`+tc.input+`"`))
			if res.IsError {
				t.Fatalf("refused: %s", text(res))
			}
			id, how := resolvedAs(t, res, tc.rel)
			if id != tc.id || how != tc.how {
				t.Fatalf("%q resolved to %s by %q, want %s by %q", tc.input, id, how, tc.id, tc.how)
			}
			if !strings.Contains(text(res), "matched by "+tc.how) {
				t.Errorf("the text does not say how %q matched: %s", tc.input, text(res))
			}
		})
	}
}

func dealWithOptions(account, rels string) string {
	return `{"fields":{"$name":"People deal","$stage":"Discovery"},"relationships":{"$account":"` + account + `",` + rels + `},"allowDuplicate":true}`
}

func TestAmbiguousPeopleAreNeverGuessed(t *testing.T) {
	cases := []struct {
		name, args string
		wants      []string
	}{
		{"a first name two contacts of the account share", dealWithOptions("acc_01globex", `"$evaluator":"Jo"`),
			[]string{`"Jo" matches 2 contacts`, "con_01jop", "jo.park@globex.example", "con_01jor", "at the deal's account", "Ask the person which one"}},
		{"a first name shared elsewhere, nobody at the account", dealWithOptions("acc_01globex", `"$evaluator":"Sam"`),
			[]string{`no contact of the deal's account "Globex" (acc_01globex) is named "Sam"`,
				`"Sam Ortiz" con_01samo (sam.ortiz@acme.example, at "Acme Corp" (acc_01acme, https://acme.example))`,
				`"Sam Lee" con_01saml (sam@initech.example, at "Initech" (acc_01initech, https://initech.example))`,
				"send their ID", `describe them in new: {"$evaluator"`, `to create them at "Globex" in this call (or use create_contact)`}},
		{"a first name only someone elsewhere has is offered, not used", dealWithOptions("Acme Corp", `"$champion":"Peter"`),
			[]string{`the only "Peter" found is "Peter Gibbons" con_01peter (peter@initech.example) at "Initech" (acc_01initech, https://initech.example), not a contact of the deal's account "Acme Corp" (acc_01acme).`,
				"If it is really them, send their ID con_01peter", `to create them at "Acme Corp" in this call (or use create_contact)`}},
		{"people at another account of the same name", dealWithOptions("acc_02globex", `"$evaluator":"Jo"`),
			[]string{`no contact of the deal's account "Globex" (acc_02globex) is named "Jo"`,
				`"Jo Park" con_01jop (jo.park@globex.example, at "Globex" (acc_01globex, https://globex.example, in "Springfield, OR, US"))`}},
		{"a member's first name two share", dealWithOptions("acc_01acme", `"$owner":"Walter"`),
			[]string{`"Walter" matches 2 members`, "mem_01walt", "walt@ourco.example", "mem_02walt"}},
		{"nobody of that name", dealWithOptions("acc_01acme", `"$owner":"Priya"`),
			[]string{`no member named "Priya"`, "ask the person for the member's email"}},
		{"a contact's misspelt name", dealWithOptions("acc_01acme", `"$champion":"Sam Ortis"`),
			[]string{`no contact named "Sam Ortis" at the deal's account or elsewhere`, `Close matches: "Sam Ortiz" con_01samo (sam.ortiz@acme.example, at the deal's account)`, "find_people",
				"If the person is not in Lightfield yet, describe them in new: {\"$champion\"", "or create the contact with create_contact"}},
	}
	h := newHarness(t, true)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(t, tc.args)
			if !res.IsError {
				t.Fatalf("accepted: %s", text(res))
			}
			for _, w := range tc.wants {
				if !strings.Contains(text(res), w) {
					t.Errorf("lacks %q: %s", w, text(res))
				}
			}
		})
	}
	if n := len(h.posts()); n != 0 {
		t.Fatalf("%d POSTs after refusals", n)
	}
}

// TestRefusalNamesOtherAccountsOnce: the accounts that the people a
// refusal offers work at are each read once, all at once; a call whose
// contacts all resolve reads none of them.
func TestRefusalNamesOtherAccountsOnce(t *testing.T) {
	h := newHarness(t, true)
	accountReads := func(from int) map[string]int {
		reads := map[string]int{}
		for _, r := range h.fake.Requests()[from:] {
			if r.Method == "GET" && strings.HasPrefix(r.Path, "/v1/accounts/acc_") {
				reads[strings.TrimPrefix(r.Path, "/v1/accounts/")]++
			}
		}
		return reads
	}
	before := len(h.fake.Requests())
	res := h.call(t, dealWithOptions("acc_01globex", `"$evaluator":"Sam","$champion":"Peter"`))
	if !res.IsError || !strings.Contains(text(res), `at "Initech" (acc_01initech`) || !strings.Contains(text(res), `at "Acme Corp" (acc_01acme`) {
		t.Fatalf("error=%v: %s", res.IsError, text(res))
	}
	if reads := accountReads(before); reads["acc_01initech"] != 1 || reads["acc_01acme"] != 1 || reads["acc_01globex"] != 1 {
		t.Errorf("accounts read %v, want acc_01initech and acc_01acme once each, and the deal's acc_01globex once", reads)
	}
	before = len(h.fake.Requests())
	mustSucceed(t, h.call(t, dealWithOptions("Acme Corp", `"$champion":"Peter Gibbons"`)))
	if reads := accountReads(before); len(reads) != 0 {
		t.Errorf("a call whose contacts resolved read accounts %v", reads)
	}
}

func TestAmbiguousContactIsPutToThePerson(t *testing.T) {
	var asked string
	h := startHarness(t, harnessOptions{load: true, elicit: func(req mcp.ElicitationRequest) *mcp.ElicitationResult {
		asked = req.Params.Message
		choices := req.Params.RequestedSchema.(map[string]any)["properties"].(map[string]any)["choice"].(map[string]any)["enum"].([]any)
		for _, c := range choices {
			if strings.Contains(c.(string), "con_01jor") {
				return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"choice": c}}}
			}
		}
		t.Fatalf("choices %v", choices)
		return nil
	}})
	res := h.call(t, dealWithOptions("acc_01globex", `"$evaluator":"jo"`))
	if id, _ := resolvedAs(t, res, "$evaluator"); id != "con_01jor" || !strings.Contains(asked, `"jo"`) {
		t.Fatalf("sent %s after asking %q", id, asked)
	}
}

func TestUnknownIDIsRefusedBeforeWriting(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, dealWithOptions("acc_01acme", `"$champion":"con_nobody"`))
	if !res.IsError || !strings.Contains(text(res), `no contact has the ID "con_nobody"`) || len(h.posts()) != 0 {
		t.Fatalf("error=%v posts=%d: %s", res.IsError, len(h.posts()), text(res))
	}
}

func TestRepeatSaysNothingNewWasWritten(t *testing.T) {
	h := newHarness(t, true)
	args := dealWith("Acme Corp", `"$owner":"dana@ourco.example"`)
	first := mustSucceed(t, h.call(t, args))
	if first["replayed"] != nil {
		t.Fatalf("a new deal reported as replayed: %v", first)
	}
	res := h.call(t, args)
	second := mustSucceed(t, res)
	if second["replayed"] != true || !strings.HasPrefix(text(res), "Already created at ") || !strings.Contains(text(res), "nothing new was written") {
		t.Fatalf("replayed=%v: %s", second["replayed"], text(res))
	}
	validateOutput(t, res)
	if n := len(h.fake.Created()); n != 1 {
		t.Fatalf("%d stored", n)
	}
}

// A replay of a write another process sent (the list does not show the deal
// yet, and this process never saw the key) is known by its creation time.
func TestReplayFromAnotherProcessSaysSo(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetListLag(2 * time.Hour)
	h.fake.SetClock(func() time.Time { return time.Now().Add(-time.Hour) })
	args := dealWith("Acme Corp", `"$owner":"dana@ourco.example"`)
	mustSucceed(t, h.call(t, args))
	h.fake.SetClock(time.Now)
	h.restart()
	res := h.call(t, args)
	if sc := mustSucceed(t, res); sc["replayed"] != true || !strings.HasPrefix(text(res), "Already created at ") {
		t.Fatalf("replayed=%v: %s", sc["replayed"], text(res))
	}
}

// The look-ups a create needs go out together: with latency on every
// request, a create that names its account, owner and two contacts takes
// two round trips one after the other (look-ups, then the POST).
func TestTwoRoundTrips(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetLatency(60 * time.Millisecond)
	before := len(h.fake.Requests())
	res := h.call(t, dealWith("Acme Corp", `"$owner":"dana@ourco.example","$champion":"wile@acme.example","$evaluator":"sam.ortiz@acme.example"`))
	mustSucceed(t, res)
	reqs := h.fake.Requests()[before:]
	if n := lfsim.CriticalPath(reqs); n != 2 {
		var lines []string
		for _, r := range reqs {
			lines = append(lines, r.Method+" "+r.Path+"?"+r.Query)
		}
		t.Fatalf("%d round trips one after the other, want 2:\n%s", n, strings.Join(lines, "\n"))
	}
	// The owner came from the member list loaded with the definitions.
	for _, r := range reqs {
		if r.Path == "/v1/members" {
			t.Errorf("the create listed the members itself: %s?%s", r.Path, r.Query)
		}
	}
}

func TestSlipsSayWhatToDo(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery","$account":"Acme Corp"},"relationships":{"$account":"Acme Corp"}}`)
	if !res.IsError || !strings.Contains(text(res), "fields.$account: is a relationship, not a field: send it inside relationships") {
		t.Errorf("a relationship among fields: %s", text(res))
	}
	mustSucceed(t, h.call(t, `{"fields":{"$name":"  Acme platform ","$stage":"Discovery"},"relationships":{"$account":"Acme Corp"}}`))
	if name := sentBody(t, h).Fields["$name"]; name != "Acme platform" {
		t.Errorf("name sent as %q", name)
	}
	res = h.call(t, `{"fields":{"$name":"acme platform","$stage":"Qualified"},"relationships":{"$account":"Acme Corp"},"dryRun":true}`)
	if res.IsError || !strings.Contains(text(res), "Warning: An opportunity named \"Acme platform\" already exists") {
		t.Errorf("a dry run of a duplicate does not warn in its text: %s", text(res))
	}
}

// TestBeginningOfANameIsOffered: a member named by the beginning of their
// name ("Dan" for Dana) is not guessed, but offered, as find_people would.
func TestBeginningOfANameIsOffered(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields":{"$name":"Prefix deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","$owner":"Dan"}}`)
	if !res.IsError || !strings.Contains(text(res), `Close matches: "Dana Scully"`) {
		t.Fatalf("%s", text(res))
	}
}

// TestOneRefusalListsEverything: a call with a wrong field and a name that
// matches nobody is refused once, listing both, so that one corrected call
// can succeed; an ambiguous name is then listed, not put to the person.
func TestOneRefusalListsEverything(t *testing.T) {
	asked := 0
	h := startHarness(t, harnessOptions{load: true, elicit: func(mcp.ElicitationRequest) *mcp.ElicitationResult {
		asked++
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}
	}})
	res := h.call(t, `{"fields":{"$name":"Both","$stage":"Nope"},"relationships":{"$account":"Globex","$owner":"Nobody Known"}}`)
	for _, w := range []string{"3 problems", "fields.$stage", "relationships.$owner: no member", `"Globex" matches 2 accounts`} {
		if !strings.Contains(text(res), w) {
			t.Errorf("lacks %q: %s", w, text(res))
		}
	}
	if asked != 0 || len(h.posts()) != 0 {
		t.Fatalf("asked %d times, %d POSTs", asked, len(h.posts()))
	}
}
