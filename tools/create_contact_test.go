package tools

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// contactResult decodes a create_contact result's structuredContent, which
// must satisfy the tool's output schema.
func contactResult(t *testing.T, res *mcp.CallToolResult) schema.CreateContactResult {
	t.Helper()
	raw, _ := json.Marshal(res.StructuredContent)
	var r schema.CreateContactResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	validateAgainst(t, schema.JSON(schema.CreateContactOutput()), res)
	return r
}

// contactPosts are the creates of contacts sent to the fake.
func contactPosts(h *harness) []lfsim.Request {
	var out []lfsim.Request
	for _, r := range h.fake.Requests() {
		if r.Method == "POST" && r.Path == "/v1/contacts" {
			out = append(out, r)
		}
	}
	return out
}

// TestCreateContactFindsOrCreates: a person is found by email (any case),
// then by full name at the account; the same name at another account is
// someone else, created and told apart; a new person is created once.
func TestCreateContactFindsOrCreates(t *testing.T) {
	for _, c := range []struct {
		name      string
		args      string
		existing  string // the contact returned; "" when one is created
		matchedBy string
		said      []string
	}{
		{"a new person", `{"fields":{"$name":{"firstName":"Samir","lastName":"Nagheenanajar"},"$email":"samir@initech.example","$title":"Engineer","buyingRole":"influencer"},"relationships":{"$account":"Initech"}}`,
			"", "", []string{`Created contact "Samir Nagheenanajar"`, "samir@initech.example", "at acc_01initech", `relationships.$account "Initech" → "Initech" (acc_01initech`}},
		{"the same email, any case", `{"fields":{"$name":"Pete Gibbons","$email":"PETER@Initech.example"}}`,
			"con_01peter", "email", []string{`Contact "Peter Gibbons" (con_01peter, peter@initech.example) at acc_01initech already exists (same email): nothing was written`}},
		{"the same email, another account", `{"fields":{"$name":"Peter Gibbons","$email":"peter@initech.example"},"relationships":{"$account":"acc_01acme"}}`,
			"con_01peter", "email", []string{"Warning: relationships.$account: the existing contact is not linked to acc_01acme"}},
		{"the same full name at the account", `{"fields":{"$name":"sam  ortiz","$email":"sam@ortiz.example"},"relationships":{"$account":"Acme Corp"}}`,
			"con_01samo", "full name at the account", []string{"(same full name at the account)", `Warning: fields.$email: the existing contact does not have "sam@ortiz.example"`}},
		{"the same name at another account", `{"fields":{"$name":{"firstName":"Sam","lastName":"Ortiz"}},"relationships":{"$account":"acc_01initech"}}`,
			"", "", []string{`Created contact "Sam Ortiz"`, `Contacts of the same name at other accounts, not matched: "Sam Ortiz" con_01samo`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, true)
			res := h.callTool(t, CreateContactName, c.args)
			mustSucceed(t, res)
			r := contactResult(t, res)
			for _, want := range c.said {
				if !strings.Contains(text(res), want) {
					t.Errorf("the result lacks %q:\n%s", want, text(res))
				}
			}
			var contact struct{ ID string }
			json.Unmarshal(r.Contact, &contact)
			if c.existing != "" {
				if !r.Existing || r.MatchedBy != c.matchedBy || contact.ID != c.existing || len(contactPosts(h)) != 0 {
					t.Fatalf("want %s matched by %s and nothing written; got %+v, %d POSTs", c.existing, c.matchedBy, r, len(contactPosts(h)))
				}
				return
			}
			if r.Existing || !strings.HasPrefix(contact.ID, "con_") || len(h.fake.CreatedOf("contact")) != 1 {
				t.Fatalf("want one contact created; got %+v, %d stored", r, len(h.fake.CreatedOf("contact")))
			}
			checkBodiesAgainstContract(t, h)
		})
	}
}

// TestCreatedContactIsAContactLikeAnyOther: the body sent carries the
// name as an object, the emails as a list, option IDs and the account's
// ID; the contact is then retrieved and listed with its account, found by
// find_people, and the same call again writes nothing new.
func TestCreatedContactIsAContactLikeAnyOther(t *testing.T) {
	h := newHarness(t, true)
	args := `{"fields":{"$name":"Samir Nagheenanajar","$email":"samir@initech.example","buyingRole":"Influencer","$phone":"+14155550100"},"relationships":{"$account":"initech"}}`
	mustSucceed(t, h.callTool(t, CreateContactName, args))
	var sent lfclient.CreateParams
	json.Unmarshal(contactPosts(h)[0].Body, &sent)
	body, _ := json.Marshal(sent)
	want := `{"fields":{"$email":["samir@initech.example"],"$name":{"firstName":"Samir","lastName":"Nagheenanajar"},"$phone":["+14155550100"],"buyingRole":"opt_br_influencer"},"relationships":{"$account":["acc_01initech"]}}`
	if string(body) != want {
		t.Fatalf("sent %s\nwant %s", body, want)
	}
	var created struct{ ID string }
	json.Unmarshal(h.fake.CreatedOf("contact")[0], &created)

	client := h.srv.fallback.Client()
	rec, err := client.Retrieve(context.Background(), "contact", created.ID)
	if err != nil || rec.Name() != "Samir Nagheenanajar" || !slices.Equal(rec.Relationships["$account"].Values, []string{"acc_01initech"}) {
		t.Fatalf("retrieved %+v, %v", rec, err)
	}
	page, err := client.List(context.Background(), "contact", []lfclient.Filter{{Key: "$email", Operator: "contains", Value: "samir@"}}, lfclient.MaxPageSize, 0)
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != created.ID {
		t.Fatalf("listed %+v, %v", page, err)
	}
	people := mustSucceed(t, h.callTool(t, FindPeopleName, `{"query":"samir","kind":"contact"}`))
	if found, _ := json.Marshal(people); !strings.Contains(string(found), created.ID) || !strings.Contains(string(found), `"Initech"`) {
		t.Fatalf("find_people found %s", found)
	}

	again := h.callTool(t, CreateContactName, args)
	mustSucceed(t, again)
	if r := contactResult(t, again); !r.Replayed || !strings.Contains(string(r.Contact), created.ID) || len(h.fake.CreatedOf("contact")) != 1 {
		t.Fatalf("the same call again: %+v\n%s", r, text(again))
	}
}

// TestCreateContactDryRun: a dry run writes nothing and says what it
// found: the existing contact, or that none matched and the body it would
// send.
func TestCreateContactDryRun(t *testing.T) {
	h := newHarness(t, true)
	res := h.callTool(t, CreateContactName, `{"fields":{"$name":"Peter Gibbons","$email":"peter@initech.example"},"dryRun":true}`)
	mustSucceed(t, res)
	if r := contactResult(t, res); !r.Existing || r.MatchedBy != "email" || !strings.Contains(text(res), "already exists") {
		t.Fatalf("a dry run of someone there: %+v\n%s", r, text(res))
	}
	res = h.callTool(t, CreateContactName, `{"fields":{"$name":"Sam Ortiz","$email":"sam.o@initech.example"},"relationships":{"$account":"Initech"},"dryRun":true}`)
	mustSucceed(t, res)
	r := contactResult(t, res)
	for _, want := range []string{"Dry run: nothing was sent", "No contact has this email, or this full name at the account", "POST this body to /v1/contacts", `"Sam Ortiz" con_01samo`} {
		if !strings.Contains(text(res), want) {
			t.Errorf("the dry run lacks %q:\n%s", want, text(res))
		}
	}
	if !r.DryRun || r.Request == nil || r.IdempotencyKey == "" || len(contactPosts(h)) != 0 {
		t.Fatalf("dry run: %+v, %d POSTs", r, len(contactPosts(h)))
	}
}

// TestCreateContactRefusals: bad arguments are refused with what to send
// instead, and several matching contacts are listed; nothing is written.
func TestCreateContactRefusals(t *testing.T) {
	h := newHarness(t, true)
	for range 2 {
		// Two people of one name at one account, as a CRM may hold them.
		req := httptest.NewRequest("POST", "/v1/contacts", strings.NewReader(`{"fields":{"$name":{"firstName":"Pat","lastName":"Kim"}},"relationships":{"$account":"acc_01acme"}}`))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Lightfield-Version", "2026-03-01")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		if h.fake.ServeHTTP(w, req); w.Code != http.StatusOK {
			t.Fatalf("the fake refused a contact: %d %s", w.Code, w.Body)
		}
	}
	stored := len(h.fake.CreatedOf("contact"))
	for call, want := range map[string][]string{
		`{"fields":{"$name":"Pat Kim"},"relationships":{"$account":"Acme Corp"}}`:                              {"2 contacts already have this full name at the account", "Ask the person which one"},
		`{"fields":{"$name":"Jane Doe"}}`:                                                                      {"fields.$email: is needed when no account is given", "relationships.$account"},
		`{"fields":{"$email":"jane@doe.example"}}`:                                                             {"fields.$name: is required", "firstName"},
		`{"fields":{"$name":{},"$email":"jane@doe.example"}}`:                                                  {"fields.$name: names nobody"},
		`{"fields":{"$name":{"first":"Jane"},"$email":"jane@doe.example"}}`:                                    {"fields.$name.first: unknown key"},
		`{"fields":{"$name":"Jane Doe","$email":"Jane <jane@doe.example>"}}`:                                   {"fields.$email", "is not an email address"},
		`{"fields":{"$name":"Jane Doe","$email":"jane@doe.example","jobTitle":"CTO"}}`:                         {"fields.jobTitle: unknown field", `"$title"`},
		`{"fields":{"$name":"Jane Doe","$email":"jane@doe.example"},"relationships":{"$opportunity":"opp_1"}}`: {"relationships.$opportunity", "read-only on contacts", "create_opportunity"},
		`{"fields":{"$name":"Jane Doe"},"relationships":{"$account":"Hooli"}}`:                                 {`no account is named "Hooli"`, "create_account"},
		`{"fields":{"$name":"Jane Doe","$email":"jane@doe.example"},"allowDuplicate":true}`:                    {"allowDuplicate: unknown argument"},
	} {
		res := h.callTool(t, CreateContactName, call)
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
	if n := len(h.fake.CreatedOf("contact")); n != stored {
		t.Fatalf("%d contacts stored, want still %d", n, stored)
	}
}

// TestCreateContactNamesTheScope: a key without contacts:create is told
// which scope it lacks.
func TestCreateContactNamesTheScope(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetScopes("contacts:read", "accounts:read")
	res := h.callTool(t, CreateContactName, `{"fields":{"$name":"Jane Doe","$email":"jane@doe.example"},"relationships":{"$account":"acc_01acme"}}`)
	for _, want := range []string{"403", "contacts:create", "Nothing was created"} {
		if !res.IsError || !strings.Contains(text(res), want) {
			t.Errorf("lacks %q: %s", want, text(res))
		}
	}
}
