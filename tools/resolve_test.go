package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

func sentBody(t *testing.T, h *harness) lfclient.CreateParams {
	t.Helper()
	posts := h.posts()
	if len(posts) != 1 {
		t.Fatalf("%d POSTs, want 1", len(posts))
	}
	var sent lfclient.CreateParams
	if err := json.Unmarshal(posts[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	return sent
}

func mustSucceed(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	if res.IsError {
		t.Fatalf("refused: %s", text(res))
	}
	return res.StructuredContent.(map[string]any)
}

func TestNamesAndEmailsBecomeIDs(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{
		"fields": {"$name": "Acme platform", "$stage": "Discovery"},
		"relationships": {"$account": "acme corp", "$owner": "DANA@ourco.example", "$createdBy": "Fox  Mulder",
			"$champion": "peter@initech.example", "stakeholders": ["Wile E. Coyote", "con_01peter"]}
	}`)
	sc := mustSucceed(t, res)
	validateOutput(t, res)
	sent := sentBody(t, h)
	want := map[string]any{"$account": "acc_01acme", "$owner": "mem_01dana", "$createdBy": "mem_01fox", "$champion": "con_01peter"}
	for k, v := range want {
		if sent.Relationships[k] != v {
			t.Errorf("relationships.%s sent as %v, want %v", k, sent.Relationships[k], v)
		}
	}
	if got, _ := json.Marshal(sent.Relationships["stakeholders"]); string(got) != `["con_01wile","con_01peter"]` {
		t.Errorf("stakeholders sent as %s", got)
	}
	resolved, _ := json.Marshal(sc["resolved"])
	for _, w := range []string{
		`{"id":"acc_01acme","input":"acme corp","matchedBy":"exact name","name":"Acme Corp","relationship":"$account","website":"https://acme.example"}`,
		`{"email":"wile@acme.example","id":"con_01wile","input":"Wile E. Coyote","matchedBy":"full name, at the deal's account","name":"Wile E. Coyote","relationship":"stakeholders"}`,
		`{"email":"peter@initech.example","id":"con_01peter","input":"con_01peter","matchedBy":"ID","name":"Peter Gibbons","relationship":"stakeholders"}`,
	} {
		if !strings.Contains(string(resolved), w) {
			t.Errorf("resolved lacks %s: %s", w, resolved)
		}
	}
	if n := len(sc["resolved"].([]any)); n != 6 {
		t.Errorf("%d resolutions, want 6 (one per value, IDs included): %s", n, resolved)
	}
	for _, w := range []string{
		`for account "Acme Corp" (acc_01acme, https://acme.example)`,
		`relationships.$account "acme corp" → "Acme Corp" (acc_01acme, https://acme.example), matched by exact name.`,
		`relationships.stakeholders con_01peter is "Peter Gibbons" (peter@initech.example).`,
	} {
		if !strings.Contains(text(res), w) {
			t.Errorf("text lacks %s: %s", w, text(res))
		}
	}
}

func TestNameMatchingTwoAccountsIsRefusedWithBoth(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields":{"$name":"Globex deal","$stage":"Discovery"},"relationships":{"$account":"Globex"}}`)
	if !res.IsError {
		t.Fatalf("accepted an ambiguous name: %s", text(res))
	}
	msg := text(res)
	for _, w := range []string{"relationships.$account", `"Globex" matches 2 accounts`, `"Globex" acc_01globex (https://globex.example, in "Springfield, OR, US")`,
		`"Globex" acc_02globex (https://globex-holdings.example, in "Toronto, CA") https://app.lightfield.app/accounts/acc_02globex`, "Ask the person which one"} {
		if !strings.Contains(msg, w) {
			t.Errorf("lacks %q: %s", w, msg)
		}
	}
	if len(h.posts()) != 0 {
		t.Fatal("something was written")
	}
}

func TestAmbiguousNameIsPutToThePerson(t *testing.T) {
	var asked []mcp.ElicitationRequest
	h := startHarness(t, harnessOptions{load: true, elicit: func(req mcp.ElicitationRequest) *mcp.ElicitationResult {
		asked = append(asked, req)
		props := req.Params.RequestedSchema.(map[string]any)["properties"].(map[string]any)
		choices := props["choice"].(map[string]any)["enum"].([]any)
		for _, c := range choices {
			if c == "Globex · https://globex-holdings.example · Toronto, CA · acc_02globex" {
				return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"choice": c}}}
			}
		}
		t.Fatalf("choices %v", choices)
		return nil
	}})
	res := h.call(t, `{"fields":{"$name":"Globex deal","$stage":"Discovery"},"relationships":{"$account":"Globex"}}`)
	mustSucceed(t, res)
	if len(asked) != 1 || !strings.Contains(asked[0].Params.Message, `"Globex"`) {
		t.Fatalf("asked %+v", asked)
	}
	if got := sentBody(t, h).Relationships["$account"]; got != "acc_02globex" {
		t.Fatalf("sent account %v, want the one the person chose", got)
	}
}

func TestDeclinedChoiceWritesNothing(t *testing.T) {
	for _, action := range []mcp.ElicitationResponseAction{mcp.ElicitationResponseActionDecline, mcp.ElicitationResponseActionCancel} {
		h := startHarness(t, harnessOptions{load: true, elicit: func(mcp.ElicitationRequest) *mcp.ElicitationResult {
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: action}}
		}})
		res := h.call(t, `{"fields":{"$name":"Globex deal","$stage":"Discovery"},"relationships":{"$account":"Globex"}}`)
		if !res.IsError || !strings.Contains(text(res), "declined") || len(h.posts()) != 0 {
			t.Fatalf("%s: error=%v posts=%d: %s", action, res.IsError, len(h.posts()), text(res))
		}
	}
}

func TestUnknownNameSuggestsCandidates(t *testing.T) {
	h := newHarness(t, true)
	cases := map[string][]string{
		`"$account":"Acme"`:                                         {`no account is named "Acme"`, `"Acme Corp" acc_01acme`},
		`"$account":"Initech Holdings"`:                             {`no account is named "Initech Holdings"`, `start with "Initech"`, `"Initech" acc_01initech`},
		`"$account":"Zzyzx"`:                                        {`no account is named "Zzyzx", and no account's name starts with it`, "find_accounts would find nothing more"},
		`"$account":"acc_01acme","$owner":"Dana Skully"`:            {`no member named "Dana Skully"`, `"Dana Scully" mem_01dana`},
		`"$account":"acc_01acme","$champion":"nobody@acme.example"`: {`no contact with the email "nobody@acme.example"`},
	}
	for rels, wants := range cases {
		res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{`+rels+`}}`)
		if !res.IsError {
			t.Errorf("%s accepted", rels)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(text(res), w) {
				t.Errorf("%s: lacks %q: %s", rels, w, text(res))
			}
		}
	}
	if len(h.posts()) != 0 {
		t.Fatal("something was written")
	}
}

func TestFieldsByLabel(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery","deal source":"Inbound","Close Date":"2026-03-31"},"relationships":{"Account":"acc_01acme"}}`)
	sc := mustSucceed(t, res)
	sent := sentBody(t, h)
	if sent.Fields["dealSource"] != "opt_src_in" || sent.Fields["$closeDate"] != "2026-03-31T12:00:00+00:00" || sent.Relationships["$account"] != "acc_01acme" {
		t.Fatalf("sent %+v", sent)
	}
	keys, _ := json.Marshal(sc["fieldKeys"])
	if !strings.Contains(string(keys), `{"input":"deal source","key":"dealSource"}`) || !strings.Contains(text(res), `"Close Date" was read as the key $closeDate`) {
		t.Fatalf("fieldKeys %s, text %s", keys, text(res))
	}
}

func TestFieldGivenByKeyAndLabelIsRefused(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery","dealSource":"Inbound","Deal Source":"Event"},"relationships":{"$account":"acc_01acme"}}`)
	if !res.IsError || !strings.Contains(text(res), "send it once") {
		t.Fatalf("got %s", text(res))
	}
}

func TestFindAccounts(t *testing.T) {
	h := newHarness(t, true)
	tool := h.tool(t, FindAccountsName)
	if a := tool.Annotations; a.ReadOnlyHint == nil || !*a.ReadOnlyHint || a.OpenWorldHint == nil || !*a.OpenWorldHint {
		t.Fatalf("annotations %+v", a)
	}
	outputSchema, _ := json.Marshal(tool.OutputSchema)
	res := h.callTool(t, FindAccountsName, `{"query":"Globex"}`)
	validateAgainst(t, outputSchema, res)
	accounts, _ := json.Marshal(res.StructuredContent.(map[string]any)["accounts"])
	if !strings.Contains(string(accounts), `"id":"acc_01globex"`) || !strings.Contains(string(accounts), `"id":"acc_02globex"`) || !strings.Contains(string(accounts), `"httpLink":"https://app.lightfield.app/accounts/acc_01globex"`) {
		t.Fatalf("accounts %s", accounts)
	}
	for _, w := range []string{`"Globex" acc_01globex (https://globex.example, in "Springfield, OR, US")`, `"Globex" acc_02globex (https://globex-holdings.example, in "Toronto, CA")`} {
		if !strings.Contains(text(res), w) {
			t.Errorf("two accounts named Globex are not told apart: lacks %s: %s", w, text(res))
		}
	}
	res = h.callTool(t, FindAccountsName, `{"query":"ac","limit":1}`)
	accounts, _ = json.Marshal(res.StructuredContent.(map[string]any)["accounts"])
	if string(accounts) != `[{"httpLink":"https://app.lightfield.app/accounts/acc_01acme","id":"acc_01acme","name":"Acme Corp","website":"https://acme.example"}]` {
		t.Fatalf("prefix search %s", accounts)
	}
	res = h.callTool(t, FindAccountsName, `{"query":"Nothing like it"}`)
	if res.IsError || !strings.Contains(text(res), "No account") {
		t.Fatalf("no match: %s", text(res))
	}
	validateAgainst(t, outputSchema, res)
	for _, bad := range []string{`{}`, `{"query":""}`, `{"query":"a","limit":0}`, `{"query":"a","limit":26}`, `{"query":"a","lmit":2}`} {
		if res := h.callTool(t, FindAccountsName, bad); !res.IsError {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestFindAccountsHidesNoSameName: a limit never hides an account named
// exactly as the query, and the answer says when more names start with it.
func TestFindAccountsHidesNoSameName(t *testing.T) {
	h := newHarness(t, true)
	ids := func(res *mcp.CallToolResult) (out []string) {
		for _, a := range res.StructuredContent.(map[string]any)["accounts"].([]any) {
			out = append(out, a.(map[string]any)["id"].(string))
		}
		return out
	}
	res := h.callTool(t, FindAccountsName, `{"query":"globex","limit":1}`)
	if got := strings.Join(ids(res), " "); got != "acc_01globex acc_02globex" || !strings.Contains(text(res), `The accounts named exactly "globex" are listed even beyond the limit of 1`) {
		t.Errorf("limit 1 found %s: %s", got, text(res))
	}
	res = h.callTool(t, FindAccountsName, `{"query":"G","limit":1}`)
	if got := ids(res); len(got) != 1 || !strings.Contains(text(res), `1 more account(s) start with "G": call again with a higher limit (up to 25)`) {
		t.Errorf("prefix with limit 1 found %v: %s", got, text(res))
	}
}

func TestFindAccountsExactFirst(t *testing.T) {
	h := newHarness(t, true)
	res := h.callTool(t, FindAccountsName, `{"query":"Initech"}`)
	accounts := res.StructuredContent.(map[string]any)["accounts"].([]any)
	if len(accounts) != 1 || accounts[0].(map[string]any)["id"] != "acc_01initech" {
		t.Fatalf("accounts %v", accounts)
	}
}

func TestLookupNeedsScope(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetScopes("opportunities:read", "opportunities:create")
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"Acme Corp"}}`)
	if !res.IsError || !strings.Contains(text(res), "accounts:read") {
		t.Fatalf("got %s", text(res))
	}
}

// A restart of the server loses its memory of what it created; the list
// then shows the first opportunity and the repeat is refused as a duplicate,
// naming it, rather than written again.
func TestRepeatAfterRestartIsNotWritten(t *testing.T) {
	h := newHarness(t, true)
	args := `{"fields":{"$name":"Initech renewal","$stage":"Qualified"},"relationships":{"$account":"Initech"}}`
	mustSucceed(t, h.call(t, args))
	h.restart()
	res := h.call(t, args)
	if !res.IsError || !strings.Contains(text(res), "already exists") || len(h.fake.Created()) != 1 {
		t.Fatalf("error=%v stored=%d: %s", res.IsError, len(h.fake.Created()), text(res))
	}
}
