package lfsim_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

// record is what the update tests read of an answer.
type record struct {
	ID        string  `json:"id"`
	CreatedAt string  `json:"createdAt"`
	UpdatedAt *string `json:"updatedAt"`
	Fields    map[string]struct {
		Value any `json:"value"`
	} `json:"fields"`
	Relationships map[string]struct {
		Cardinality string   `json:"cardinality"`
		Values      []string `json:"values"`
	} `json:"relationships"`
}

func decode(t *testing.T, body []byte) record {
	t.Helper()
	var rec record
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return rec
}

// createOpp creates validCreate and returns its ID.
func createOpp(t *testing.T, ts *httptest.Server) string {
	t.Helper()
	resp, body := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate})
	if resp.StatusCode != 200 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	return decode(t, body).ID
}

// post sends a write (a create or an update) and fails the test unless it
// succeeds.
func post(t *testing.T, ts *httptest.Server, path, body string) record {
	t.Helper()
	resp, answer := send(t, ts, call{method: "POST", path: path, body: body})
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s %s: %d %s", path, body, resp.StatusCode, answer)
	}
	return decode(t, answer)
}

func retrieve(t *testing.T, ts *httptest.Server, path string) record {
	t.Helper()
	resp, body := send(t, ts, call{method: "GET", path: path})
	if resp.StatusCode != 200 {
		t.Fatalf("retrieve %s: %d %s", path, resp.StatusCode, body)
	}
	return decode(t, body)
}

// TestUpdateContract: update bodies the fake accepts match the contract's
// request schema, and every answer matches the operation's response schema.
func TestUpdateContract(t *testing.T) {
	o := lightfieldtest.Contract(t)
	cases := []struct {
		name, path, body string
		status           int
	}{
		{"fields", "/v1/opportunities/OPP", `{"fields":{"$stage":"Negotiation","$amount":52000.5,"$nextStep":"Send the order form","seats":null}}`, 200},
		{"relationships", "/v1/opportunities/OPP", `{"relationships":{"$owner":{"replace":"mem_01fox"},"stakeholders":{"add":["con_01wile","con_01samo"]},"$champion":{"replace":null}}}`, 200},
		{"another account", "/v1/opportunities/OPP", `{"relationships":{"$account":{"replace":"acc_01initech"}}}`, 200},
		{"nothing", "/v1/opportunities/OPP", `{}`, 200},
		{"an organisation's account", "/v1/accounts/acc_01acme", `{"fields":{"tier":"Tier 1","$website":["https://acme.example","https://acme.test"]},"relationships":{"$owner":{"replace":"mem_01dana"},"$contact":{"remove":"con_01wile"}}}`, 200},
		{"unknown ID", "/v1/opportunities/opp_nothing", `{"fields":{"$name":"x"}}`, 404},
		{"an account's ID", "/v1/opportunities/acc_01acme", `{"fields":{"$name":"x"}}`, 404},
		{"read-only field", "/v1/opportunities/OPP", `{"fields":{"$opportunityStatus":"opt_os_open"}}`, 400},
		{"missing entity", "/v1/opportunities/OPP", `{"relationships":{"stakeholders":{"add":"con_nothing"}}}`, 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := newFake(t)
			path := strings.Replace(tc.path, "OPP", createOpp(t, ts), 1)
			if tc.status == 200 {
				if err := o.ValidateRequest(path, []byte(tc.body)); err != nil {
					t.Fatalf("the test's body breaks the contract: %v", err)
				}
			}
			resp, body := send(t, ts, call{method: "POST", path: path, body: tc.body})
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if err := o.ValidateResponse("POST", path, resp.StatusCode, body); err != nil {
				t.Fatalf("answer breaks the contract: %v\n%s", err, body)
			}
			if tc.status == 200 {
				rec := decode(t, body)
				if rec.UpdatedAt == nil {
					t.Fatalf("updatedAt not set: %s", body)
				}
				if _, err := time.Parse(time.RFC3339, *rec.UpdatedAt); err != nil {
					t.Fatalf("updatedAt %q: %v", *rec.UpdatedAt, err)
				}
			}
		})
	}
}

func TestUpdateRefusals(t *testing.T) {
	cases := map[string]struct {
		path, body  string
		status      int
		code, param string
	}{
		"extra top-level":         {"OPP", `{"fields":{"$name":"x"},"dryRun":true}`, 400, "unknown_parameter", "dryRun"},
		"fields not an object":    {"OPP", `{"fields":null}`, 400, "invalid_type", "fields"},
		"relationships a list":    {"OPP", `{"relationships":[]}`, 400, "invalid_type", "relationships"},
		"unknown field":           {"OPP", `{"fields":{"nope":1}}`, 400, "unknown_field", "fields.nope"},
		"wrong type":              {"OPP", `{"fields":{"$amount":"lots"}}`, 400, "invalid_type", "fields.$amount"},
		"unknown stage":           {"OPP", `{"fields":{"$stage":"Nope"}}`, 400, "invalid_type", "fields.$stage"},
		"read-only status":        {"OPP", `{"fields":{"$opportunityStatus":"opt_os_open"}}`, 400, "invalid_type", "fields.$opportunityStatus"},
		"read-only by definition": {"OPP", `{"fields":{"legacyId":"L-2"}}`, 400, "invalid_type", "fields.legacyId"},
		"summary":                 {"OPP", `{"fields":{"$summary":"x"}}`, 400, "invalid_type", "fields.$summary"},
		"name cleared":            {"OPP", `{"fields":{"$name":null}}`, 400, "invalid_type", "fields.$name"},
		"stage cleared":           {"OPP", `{"fields":{"$stage":null}}`, 400, "invalid_type", "fields.$stage"},
		"bare relationship":       {"OPP", `{"relationships":{"$owner":"mem_01fox"}}`, 400, "invalid_type", "relationships.$owner"},
		"two operations":          {"OPP", `{"relationships":{"stakeholders":{"add":"con_01wile","remove":"con_01samo"}}}`, 400, "invalid_type", "relationships.stakeholders"},
		"no operation":            {"OPP", `{"relationships":{"stakeholders":{}}}`, 400, "invalid_type", "relationships.stakeholders"},
		"unknown operation":       {"OPP", `{"relationships":{"stakeholders":{"set":["con_01wile"]}}}`, 400, "invalid_type", "relationships.stakeholders.set"},
		"add null":                {"OPP", `{"relationships":{"stakeholders":{"add":null}}}`, 400, "invalid_type", "relationships.stakeholders.add"},
		"unknown relationship":    {"OPP", `{"relationships":{"nope":{"add":"con_01wile"}}}`, 400, "unknown_relationship", "relationships.nope"},
		"tasks":                   {"OPP", `{"relationships":{"$task":{"add":"task_1"}}}`, 400, "invalid_type", "relationships.$task"},
		"notes":                   {"OPP", `{"relationships":{"$note":{"replace":null}}}`, 400, "invalid_type", "relationships.$note"},
		"meetings":                {"OPP", `{"relationships":{"$meeting":{"remove":"mtg_1"}}}`, 400, "invalid_type", "relationships.$meeting"},
		"missing contact":         {"OPP", `{"relationships":{"stakeholders":{"add":["con_01wile","con_nothing"]}}}`, 422, "relationship_entity_missing", "relationships.stakeholders"},
		"removing a missing one":  {"OPP", `{"relationships":{"stakeholders":{"remove":"con_nothing"}}}`, 422, "relationship_entity_missing", "relationships.stakeholders"},
		"owner not a member":      {"OPP", `{"relationships":{"$owner":{"replace":"con_01wile"}}}`, 422, "relationship_entity_missing", "relationships.$owner"},
		"second owner":            {"OPP", `{"relationships":{"$owner":{"add":"mem_01fox"}}}`, 400, "invalid_type", "relationships.$owner"},
		"two owners":              {"OPP", `{"relationships":{"$owner":{"replace":["mem_01dana","mem_01fox"]}}}`, 400, "invalid_type", "relationships.$owner"},
		"account cleared":         {"OPP", `{"relationships":{"$account":{"replace":null}}}`, 400, "invalid_type", "relationships.$account"},
		"account removed":         {"OPP", `{"relationships":{"$account":{"remove":"acc_01acme"}}}`, 400, "invalid_type", "relationships.$account"},
		"second account":          {"OPP", `{"relationships":{"$account":{"add":"acc_01initech"}}}`, 400, "invalid_type", "relationships.$account"},
		"26 IDs":                  {"OPP", `{"relationships":{"stakeholders":{"add":[` + strings.Repeat(`"con_01wile",`, 25) + `"con_01samo"]}}}`, 422, "relationship_write_limit_exceeded", "relationships"},
		"account status":          {"/v1/accounts/acc_01acme", `{"fields":{"$accountStatus":"opt_as_customer"}}`, 400, "invalid_type", "fields.$accountStatus"},
		"account name cleared":    {"/v1/accounts/acc_01acme", `{"fields":{"$name":null}}`, 400, "invalid_type", "fields.$name"},
		"account opportunities":   {"/v1/accounts/acc_01acme", `{"relationships":{"$opportunity":{"add":"OPP_ID"}}}`, 400, "invalid_type", "relationships.$opportunity"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fake, ts := newFake(t)
			opp := createOpp(t, ts)
			path := tc.path
			if path == "OPP" {
				path = "/v1/opportunities/" + opp
			}
			target := path[strings.LastIndexByte(path, '/')+1:]
			before, _ := fake.Record(target)
			resp, body := send(t, ts, call{method: "POST", path: path, body: strings.Replace(tc.body, "OPP_ID", opp, 1)})
			var e struct{ Code, Param string }
			json.Unmarshal(body, &e)
			if resp.StatusCode != tc.status || e.Code != tc.code || e.Param != tc.param {
				t.Fatalf("got %d %s, want %d %s at %s", resp.StatusCode, body, tc.status, tc.code, tc.param)
			}
			if after, _ := fake.Record(target); string(after) != string(before) {
				t.Fatalf("a refused update changed the record:\n%s\n%s", before, after)
			}
		})
	}
}

// TestUpdateChanges: only what an update names changes; add and remove
// work on what the record holds, replace sets it, null clears.
func TestUpdateChanges(t *testing.T) {
	_, ts := newFake(t)
	id := createOpp(t, ts)
	path := "/v1/opportunities/" + id

	got := post(t, ts, path, `{"fields":{"$stage":"Negotiation","$nextStep":"Legal review"},"relationships":{"stakeholders":{"add":["con_01wile","con_01samo"]},"$champion":{"replace":"con_01wile"}}}`)
	if got.Fields["$stage"].Value != "opt_st_nego" || got.Fields["$nextStep"].Value != "Legal review" || got.Fields["$amount"].Value != 40000.0 || got.Fields["$name"].Value != "Acme expansion" {
		t.Errorf("fields after the update: %+v", got.Fields)
	}
	if !slices.Equal(got.Relationships["stakeholders"].Values, []string{"con_01wile", "con_01samo"}) || got.Relationships["stakeholders"].Cardinality != "has_many" {
		t.Errorf("stakeholders %+v", got.Relationships["stakeholders"])
	}
	got = post(t, ts, path, `{"fields":{"$nextStep":null},"relationships":{"stakeholders":{"remove":"con_01wile"},"$owner":{"replace":["mem_01fox"]},"$champion":{"replace":null},"$account":{"replace":"acc_01initech"}}}`)
	for key, want := range map[string][]string{"stakeholders": {"con_01samo"}, "$owner": {"mem_01fox"}, "$champion": {}, "$account": {"acc_01initech"}} {
		if values := got.Relationships[key].Values; !slices.Equal(values, want) {
			t.Errorf("%s = %v, want %v", key, values, want)
		}
	}
	if got.Fields["$nextStep"].Value != nil || got.Fields["$stage"].Value != "opt_st_nego" {
		t.Errorf("fields after clearing: %+v", got.Fields)
	}
	// A set operation: adding what is there, or removing what is not, is
	// no change.
	got = post(t, ts, path, `{"relationships":{"stakeholders":{"add":"con_01samo"},"$evaluator":{"remove":"con_01wile"}}}`)
	if !slices.Equal(got.Relationships["stakeholders"].Values, []string{"con_01samo"}) || len(got.Relationships["$evaluator"].Values) != 0 {
		t.Errorf("no-op changes gave %+v", got.Relationships)
	}
	if now := retrieve(t, ts, path); now.Fields["$stage"].Value != "opt_st_nego" || *now.UpdatedAt != *got.UpdatedAt || now.CreatedAt != got.CreatedAt {
		t.Errorf("retrieve after the updates: %+v", now)
	}
}

func TestUpdateScopeAndMediaType(t *testing.T) {
	o := lightfieldtest.Contract(t)
	for _, tc := range []struct{ path, scope string }{
		{"/v1/opportunities/OPP", "opportunities:update"},
		{"/v1/accounts/acc_01acme", "accounts:update"},
	} {
		fake, ts := newFake(t)
		path := strings.Replace(tc.path, "OPP", createOpp(t, ts), 1)
		fake.SetScopes("opportunities:read", "opportunities:create", "accounts:read", "accounts:create")
		resp, body := send(t, ts, call{method: "POST", path: path, body: `{"fields":{"$name":"x"}}`})
		if resp.StatusCode != 403 || !strings.Contains(string(body), tc.scope) {
			t.Errorf("%s: got %d %s, want 403 naming %s", path, resp.StatusCode, body, tc.scope)
		}
		if err := o.ValidateResponse("POST", path, 403, body); err != nil {
			t.Error(err)
		}
		fake.SetScopes()
		resp, body = send(t, ts, call{method: "POST", path: path, body: `{"fields":{"$name":"x"}}`, header: map[string]string{"Content-Type": "text/plain"}})
		if resp.StatusCode != 415 {
			t.Errorf("%s: not JSON answered %d %s", path, resp.StatusCode, body)
		}
	}
}

// TestUpdateIdempotentReplay: the same key replays the first answer, even
// with another body, and changes nothing more; a failed update is not kept.
func TestUpdateIdempotentReplay(t *testing.T) {
	fake, ts := newFake(t)
	path := "/v1/opportunities/" + createOpp(t, ts)
	key := map[string]string{"Idempotency-Key": "u-1"}
	bad := call{method: "POST", path: path, body: `{"fields":{"$stage":"Nope"}}`, header: key}
	if resp, _ := send(t, ts, bad); resp.StatusCode != 400 {
		t.Fatalf("a bad stage answered %d", resp.StatusCode)
	}
	_, first := send(t, ts, call{method: "POST", path: path, body: `{"fields":{"$stage":"Negotiation"}}`, header: key})
	resp, second := send(t, ts, call{method: "POST", path: path, body: `{"fields":{"$stage":"Closed Won"}}`, header: key})
	if resp.StatusCode != 200 || string(first) != string(second) || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the same key should replay the first answer:\n%s\n%s", first, second)
	}
	if rec := retrieve(t, ts, path); rec.Fields["$stage"].Value != "opt_st_nego" {
		t.Fatalf("a replayed update was applied: stage %v", rec.Fields["$stage"].Value)
	}
	if n := len(fake.Created()); n != 1 {
		t.Fatalf("%d opportunities", n)
	}
}

// TestListShowsTheIndexedVersion: within the list lag a list shows an
// updated record as it was before, while a retrieve shows it as it is.
func TestListShowsTheIndexedVersion(t *testing.T) {
	fake, ts := newFake(t)
	fake.SetClock(func() time.Time { return time.Now().Add(-2 * time.Hour) })
	id := createOpp(t, ts)
	fake.SetClock(time.Now)
	fake.SetListLag(time.Hour)
	names := func(query string) []string {
		t.Helper()
		resp, body := send(t, ts, call{method: "GET", path: "/v1/opportunities?" + query})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", query, resp.StatusCode, body)
		}
		var page struct{ Data []record }
		json.Unmarshal(body, &page)
		var out []string
		for _, rec := range page.Data {
			out = append(out, fmt.Sprint(rec.Fields["$name"].Value))
		}
		return out
	}
	post(t, ts, "/v1/opportunities/"+id, `{"fields":{"$name":"Acme renewal","$stage":"Closed Won"}}`)
	if got := names("$name[equal]=Acme%20expansion"); !slices.Equal(got, []string{"Acme expansion"}) {
		t.Errorf("within the lag the list shows %v, want the previous name", got)
	}
	if got := names("$name[equal]=Acme%20renewal"); len(got) != 0 {
		t.Errorf("within the lag the new name is found: %v", got)
	}
	if rec := retrieve(t, ts, "/v1/opportunities/"+id); rec.Fields["$name"].Value != "Acme renewal" {
		t.Errorf("retrieve shows %v", rec.Fields["$name"].Value)
	}
	// An organisation's account updated within the lag is listed as it was.
	post(t, ts, "/v1/accounts/acc_01acme", `{"fields":{"$name":"Acme Corporation"}}`)
	resp, body := send(t, ts, call{method: "GET", path: "/v1/accounts?$name[equal]=Acme%20Corp"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"totalCount":1`) {
		t.Errorf("the account's previous name is not listed: %s", body)
	}
	fake.SetListLag(0)
	if got := names("$name[equal]=Acme%20renewal"); !slices.Equal(got, []string{"Acme renewal"}) {
		t.Errorf("after the lag the list shows %v", got)
	}
}

// TestLinksFilledOnReads: reads show the links Lightfield fills in the
// background; the create and update answers do not.
func TestLinksFilledOnReads(t *testing.T) {
	o := lightfieldtest.Contract(t)
	_, ts := newFake(t)
	resp, created := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: `{"fields":{"$name":"Globex pilot","$stage":"Discovery"},"relationships":{"$account":"acc_01globex"}}`})
	opp := decode(t, created)
	if resp.StatusCode != 200 || len(opp.Relationships["$createdBy"].Values) != 0 {
		t.Fatalf("the create's answer: %s", created)
	}
	note := post(t, ts, "/v1/notes", `{"fields":{"$title":"Kick-off"},"relationships":{"$opportunity":"`+opp.ID+`"}}`).ID
	task := post(t, ts, "/v1/tasks", `{"fields":{"$title":"Call","$status":"TODO"},"relationships":{"$assignedTo":"mem_01fox","$opportunity":"`+opp.ID+`","$account":"acc_01globex"}}`).ID
	answer := post(t, ts, "/v1/opportunities/"+opp.ID, `{"fields":{"$stage":"Qualified"}}`)
	if len(answer.Relationships["$note"].Values) != 0 || len(answer.Relationships["$task"].Values) != 0 || len(answer.Relationships["$createdBy"].Values) != 0 {
		t.Errorf("the update's answer shows links filled later: %+v", answer.Relationships)
	}

	read := retrieve(t, ts, "/v1/opportunities/"+opp.ID)
	for key, want := range map[string][]string{"$note": {note}, "$task": {task}, "$createdBy": {"mem_01dana"}, "$account": {"acc_01globex"}} {
		if values := read.Relationships[key].Values; !slices.Equal(values, want) {
			t.Errorf("opportunity %s = %v, want %v", key, values, want)
		}
	}
	_, listed := send(t, ts, call{method: "GET", path: "/v1/opportunities?$name[equal]=Globex%20pilot"})
	if !strings.Contains(string(listed), note) || !strings.Contains(string(listed), task) {
		t.Errorf("the list does not show the links: %s", listed)
	}
	_, raw := send(t, ts, call{method: "GET", path: "/v1/accounts/acc_01globex"})
	if err := o.ValidateResponse("GET", "/v1/accounts/acc_01globex", 200, raw); err != nil {
		t.Fatal(err)
	}
	account := decode(t, raw)
	for key, want := range map[string][]string{"$opportunity": {opp.ID}, "$contact": {"con_01jop", "con_01jor"}, "$task": {task}, "$note": {}} {
		if values := account.Relationships[key].Values; !slices.Equal(values, want) {
			t.Errorf("account %s = %v, want %v", key, values, want)
		}
	}
	// The creator filled in counts as there: another is not added to it,
	// but may replace it.
	if resp, body := send(t, ts, call{method: "POST", path: "/v1/opportunities/" + opp.ID, body: `{"relationships":{"$createdBy":{"add":"mem_01fox"}}}`}); resp.StatusCode != 400 {
		t.Errorf("a second creator: %d %s", resp.StatusCode, body)
	}
	post(t, ts, "/v1/opportunities/"+opp.ID, `{"relationships":{"$createdBy":{"replace":"mem_01fox"}}}`)
	if values := retrieve(t, ts, "/v1/opportunities/"+opp.ID).Relationships["$createdBy"].Values; !slices.Equal(values, []string{"mem_01fox"}) {
		t.Errorf("creator after the replacement: %v", values)
	}
	// A deal moved to another account is listed there.
	post(t, ts, "/v1/opportunities/"+opp.ID, `{"relationships":{"$account":{"replace":"acc_01initech"}}}`)
	if values := retrieve(t, ts, "/v1/accounts/acc_01initech").Relationships["$opportunity"].Values; !slices.Equal(values, []string{opp.ID}) {
		t.Errorf("Initech's opportunities: %v", values)
	}
	if values := retrieve(t, ts, "/v1/accounts/acc_01globex").Relationships["$opportunity"].Values; len(values) != 0 {
		t.Errorf("Globex's opportunities after the move: %v", values)
	}
}

// TestAccountContactLinks: the account–contact link reads the same from
// both sides, whichever side wrote it, and a removal from the account
// takes it off the contact.
func TestAccountContactLinks(t *testing.T) {
	_, ts := newFake(t)
	acc := post(t, ts, "/v1/accounts", `{"fields":{"$name":"Wayne"},"relationships":{"$contact":["con_01peter"]}}`).ID
	if values := retrieve(t, ts, "/v1/contacts/con_01peter").Relationships["$account"].Values; !slices.Equal(values, []string{"acc_01initech", acc}) {
		t.Errorf("Peter's accounts: %v", values)
	}
	answer := post(t, ts, "/v1/accounts/acc_01acme", `{"relationships":{"$contact":{"remove":"con_01wile"}}}`)
	if values := answer.Relationships["$contact"].Values; !slices.Equal(values, []string{"con_01samo"}) {
		t.Errorf("Acme's contacts after the removal: %v", values)
	}
	if values := retrieve(t, ts, "/v1/accounts/acc_01acme").Relationships["$contact"].Values; !slices.Equal(values, []string{"con_01samo"}) {
		t.Errorf("Acme read after the removal: %v", values)
	}
	wile := retrieve(t, ts, "/v1/contacts/con_01wile")
	if len(wile.Relationships["$account"].Values) != 0 || wile.UpdatedAt != nil {
		t.Errorf("Wile after Acme dropped him: %+v", wile)
	}
	post(t, ts, "/v1/accounts/acc_01acme", `{"relationships":{"$contact":{"add":"con_01wile"}}}`)
	if values := retrieve(t, ts, "/v1/contacts/con_01wile").Relationships["$account"].Values; !slices.Equal(values, []string{"acc_01acme"}) {
		t.Errorf("Wile's accounts after Acme took him back: %v", values)
	}
}

func TestSeed(t *testing.T) {
	fake, ts := newFake(t)
	fake.SetListLag(time.Minute)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ids, err := fake.Seed("opportunity", [][]byte{[]byte(validCreate), []byte(strings.Replace(validCreate, "Acme expansion", "Acme pilot", 1))}, at)
	if err != nil || len(ids) != 2 || !strings.HasPrefix(ids[0], "opp_") || ids[0] == ids[1] {
		t.Fatalf("Seed: %v %v", ids, err)
	}
	rec := retrieve(t, ts, "/v1/opportunities/"+ids[1])
	if rec.CreatedAt != "2026-01-02T03:04:05Z" || rec.Fields["$stage"].Value != "opt_st_disc" || rec.Fields["$name"].Value != "Acme pilot" {
		t.Errorf("seeded %+v", rec)
	}
	if _, body := send(t, ts, call{method: "GET", path: "/v1/opportunities?$name[startsWith]=acme"}); !strings.Contains(string(body), `"totalCount":2`) {
		t.Errorf("seeded records created long ago are not listed: %s", body)
	}
	ids, err = fake.Seed("opportunity", [][]byte{[]byte(validCreate), []byte(`{"fields":{"$name":"x"},"relationships":{"$account":"acc_01acme"}}`), []byte(validCreate)}, at)
	if err == nil || len(ids) != 1 || !strings.Contains(err.Error(), "#1") || !strings.Contains(err.Error(), "fields.$stage") {
		t.Errorf("a refused body: %v %v", ids, err)
	}
	if _, err := fake.Seed("member", [][]byte{[]byte(`{"fields":{}}`)}, at); err == nil {
		t.Error("members were seeded")
	}
	if n := len(fake.Created()); n != 3 || len(fake.Requests()) != 2 {
		t.Errorf("%d created, %d requests", n, len(fake.Requests()))
	}
}

// TestListOfMany: a list over 5,000 deals finds and pages as over a few,
// allocating per record no more than a little (no copy or re-marshalling
// of every record: the time a list takes is BenchmarkListOf5000's).
func TestListOfMany(t *testing.T) {
	fake, ts := newFake(t)
	seedDeals(t, fake, 5000)
	resp, body := send(t, ts, call{method: "GET", path: "/v1/opportunities?$name[startsWith]=Deal%204999&limit=25"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"totalCount":1`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var page struct {
		Data       []record
		TotalCount int
	}
	_, body = send(t, ts, call{method: "GET", path: "/v1/opportunities?$stage[equal]=Discovery&limit=25&offset=4990"})
	json.Unmarshal(body, &page)
	if page.TotalCount != 5000 || len(page.Data) != 10 || page.Data[9].Fields["$name"].Value != "Deal 4999" {
		t.Fatalf("the last page: %d of %d", len(page.Data), page.TotalCount)
	}
	fake.KeepRequests(false)
	req := httptest.NewRequest("GET", "/v1/opportunities?$stage[equal]=Discovery&limit=25", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Lightfield-Version", "2026-03-01")
	allocs := testing.AllocsPerRun(5, func() { fake.ServeHTTP(httptest.NewRecorder(), req) })
	if allocs > 5*5000 {
		t.Errorf("a list over 5,000 deals allocates %.0f times", allocs)
	}
}

func seedDeals(t testing.TB, fake *lfsim.Server, n int) {
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = fmt.Appendf(nil, `{"fields":{"$name":"Deal %d","$stage":"Discovery","$amount":%d},"relationships":{"$account":"acc_01acme","$owner":"mem_01dana"}}`, i, i*100)
	}
	if _, err := fake.Seed("opportunity", bodies, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkListOf5000(b *testing.B) {
	fake, ts := lightfieldtest.Start(b, "../testdata/org.json", testKey)
	seedDeals(b, fake, 5000)
	for b.Loop() {
		send(b, ts, call{method: "GET", path: "/v1/opportunities?$stage[equal]=Discovery&limit=25&offset=4000"})
	}
}
