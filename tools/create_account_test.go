package tools

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// accountResult decodes a create_account result's structuredContent.
func accountResult(t *testing.T, res *mcp.CallToolResult) schema.CreateAccountResult {
	t.Helper()
	raw, _ := json.Marshal(res.StructuredContent)
	var r schema.CreateAccountResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	validateAgainst(t, schema.JSON(schema.CreateAccountOutput()), res)
	return r
}

// TestCreateAccountFindsOrCreates: a new company is created once; the same
// name (any case) or the same website domain returns the account that
// exists and writes nothing.
func TestCreateAccountFindsOrCreates(t *testing.T) {
	h := newHarness(t, true)
	res := h.callTool(t, CreateAccountName, `{"fields":{"$name":"Hooli","$website":"https://hooli.example"}}`)
	mustSucceed(t, res)
	created := accountResult(t, res)
	var acc struct{ ID string }
	json.Unmarshal(created.Account, &acc)
	if created.Existing || !strings.HasPrefix(acc.ID, "acc_") || !strings.Contains(text(res), "Created account \"Hooli\"") {
		t.Fatalf("first call: %+v\n%s", created, text(res))
	}
	if n := len(h.fake.CreatedOf("account")); n != 1 {
		t.Fatalf("%d accounts stored, want 1", n)
	}

	// The same request again: the Idempotency-Key (or the search, once the
	// list shows it) returns the same account.
	again := h.callTool(t, CreateAccountName, `{"fields":{"$name":"Hooli","$website":"https://hooli.example"}}`)
	mustSucceed(t, again)
	if r := accountResult(t, again); !(r.Existing || r.Replayed) || !strings.Contains(string(r.Account), acc.ID) {
		t.Fatalf("repeat: %+v\n%s", r, text(again))
	}

	for call, how := range map[string]string{
		`{"fields":{"$name":"acme  corp"}}`:                                           "name",
		`{"fields":{"$name":"ACME Corporation","$website":"www.acme.example/about"}}`: "website domain",
		`{"fields":{"$name":"Acme Corp","$website":"acme.example"}}`:                  "name and website domain",
	} {
		res := h.callTool(t, CreateAccountName, call)
		mustSucceed(t, res)
		r := accountResult(t, res)
		if !r.Existing || r.MatchedBy != how || !strings.Contains(string(r.Account), "acc_01acme") || !strings.Contains(text(res), "nothing was written") {
			t.Errorf("%s: %+v\n%s", call, r, text(res))
		}
	}
	if n := len(h.fake.CreatedOf("account")); n != 1 {
		t.Fatalf("%d accounts stored, want still 1", n)
	}
	checkBodiesAgainstContract(t, h)
}

// TestCreateAccountRefusals: several existing matches are listed, read-only
// and unknown fields are refused, and nothing is written.
func TestCreateAccountRefusals(t *testing.T) {
	h := newHarness(t, true)
	for call, want := range map[string][]string{
		`{"fields":{"$name":"Globex"}}`: {"2 accounts already have this name", `"Globex" acc_01globex (https://globex.example, in "Springfield, OR, US")`, `"Globex" acc_02globex (https://globex-holdings.example, in "Toronto, CA")`},
		`{"fields":{}}`:                 {"fields.$name: is required"},
		`{"fields":{"$name":"New Co","$howTheyMakeMoney":"Ads"}}`:                 {"fields.$howTheyMakeMoney", "read-only"},
		`{"fields":{"$name":"New Co"},"relationships":{"$opportunity":"opp_1"}}`:  {"relationships.$opportunity", "read-only on accounts"},
		`{"fields":{"$name":"New Co"},"allowDuplicate":true}`:                     {"allowDuplicate: unknown argument"},
		`{"fields":{"$name":"New Co"},"relationships":{"$owner":"Nobody Known"}}`: {"relationships.$owner", "no member"},
	} {
		res := h.callTool(t, CreateAccountName, call)
		if !res.IsError {
			t.Errorf("%s was not refused: %s", call, text(res))
			continue
		}
		for _, w := range want {
			if !strings.Contains(text(res), w) {
				t.Errorf("%s: lacks %q: %s", call, w, text(res))
			}
		}
	}
	if n := len(h.fake.CreatedOf("account")); n != 0 {
		t.Fatalf("%d accounts stored, want none", n)
	}
}

// TestCreateAccountResolvesTheOwner: the owner is given as people say it.
func TestCreateAccountResolvesTheOwner(t *testing.T) {
	h := newHarness(t, true)
	res := h.callTool(t, CreateAccountName, `{"fields":{"$name":"Pied Piper","$website":"piedpiper.example"},"relationships":{"$owner":"dana@ourco.example"}}`)
	mustSucceed(t, res)
	stored := h.fake.CreatedOf("account")
	if len(stored) != 1 || !strings.Contains(string(stored[0]), "mem_01dana") || !strings.Contains(string(stored[0]), `"https://piedpiper.example"`) {
		t.Fatalf("stored %s", stored)
	}
}

// TestDealForANewCustomer: create_opportunity's refusal names
// create_account; the account it creates is then used by ID.
func TestDealForANewCustomer(t *testing.T) {
	h := newHarness(t, true)
	deal := `{"fields":{"$name":"Hooli platform","$stage":"Discovery"},"relationships":{"$account":"Hooli"}}`
	res := h.call(t, deal)
	if !res.IsError || !strings.Contains(text(res), "create_account") {
		t.Fatalf("a missing account does not point to create_account: %s", text(res))
	}
	acc := h.callTool(t, CreateAccountName, `{"fields":{"$name":"Hooli","$website":"hooli.example"}}`)
	mustSucceed(t, acc)
	var created struct{ ID string }
	json.Unmarshal(accountResult(t, acc).Account, &created)
	mustSucceed(t, h.call(t, strings.Replace(deal, `"Hooli"}`, `"`+created.ID+`"}`, 1)))
	if n := len(h.fake.Created()); n != 1 {
		t.Fatalf("%d opportunities, want 1", n)
	}
}

// TestNewCustomerInOneCallWhenThePersonAgrees: a client that can ask its
// user is asked whether to create the account; yes creates the account and
// then the deal in the same call; no writes nothing.
func TestNewCustomerInOneCallWhenThePersonAgrees(t *testing.T) {
	deal := `{"fields":{"$name":"Hooli platform","$stage":"Discovery"},"relationships":{"$account":"Hooli"}}`
	var asked []string
	h := startHarness(t, harnessOptions{load: true, elicit: func(req mcp.ElicitationRequest) *mcp.ElicitationResult {
		asked = append(asked, req.Params.Message)
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"create": true, "website": "hooli.example"}}}
	}})
	res := h.call(t, deal)
	mustSucceed(t, res)
	if len(asked) != 1 || !strings.Contains(asked[0], `No account named "Hooli"`) {
		t.Fatalf("asked %q", asked)
	}
	accounts := h.fake.CreatedOf("account")
	if len(accounts) != 1 || !strings.Contains(string(accounts[0]), "hooli.example") {
		t.Fatalf("accounts stored: %s", accounts)
	}
	var acc struct{ ID string }
	json.Unmarshal(accounts[0], &acc)
	if got := sentBody(t, h).Relationships["$account"]; got != acc.ID {
		t.Fatalf("the deal went to %v, not the new account %s", got, acc.ID)
	}
	if !strings.Contains(text(res), `for account "Hooli"`) {
		t.Errorf("the result does not name the new account: %s", text(res))
	}
	checkBodiesAgainstContract(t, h)
	// The same request again writes nothing new.
	mustSucceed(t, h.call(t, deal))
	if a, o := len(h.fake.CreatedOf("account")), len(h.fake.Created()); a != 1 || o != 1 {
		t.Fatalf("after a repeat: %d accounts, %d opportunities", a, o)
	}

	declined := startHarness(t, harnessOptions{load: true, elicit: func(mcp.ElicitationRequest) *mcp.ElicitationResult {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"create": false}}}
	}})
	res = declined.call(t, deal)
	if !res.IsError || !strings.Contains(text(res), "nothing was written") || len(declined.fake.CreatedOf("account")) != 0 || len(declined.posts()) != 0 {
		t.Fatalf("declined: %s", text(res))
	}
}

// An account described another way moments after it was created is found,
// although the lists do not show it yet.
func TestAccountWrittenMomentsAgoIsFound(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetListLag(time.Hour)
	first := h.callTool(t, CreateAccountName, `{"fields": {"$name": "Hooli", "$website": "hooli.example"}}`)
	second := h.callTool(t, CreateAccountName, `{"fields": {"$name": "hooli", "$website": "https://www.hooli.example/about"}}`)
	if first.IsError || second.IsError || len(h.fake.CreatedOf("account")) != 1 || !strings.Contains(text(second), "already exists") {
		t.Fatalf("%d accounts stored:\n%s\n%s", len(h.fake.CreatedOf("account")), text(first), text(second))
	}
}
