package lfsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

const testKey = "sk_lf_fake_test"

func newFake(t *testing.T) (*lfsim.Server, *httptest.Server) {
	return lightfieldtest.Start(t, "../testdata/org.json", testKey)
}

type call struct {
	method, path, body string
	header             map[string]string
}

// send makes a well-formed request unless c.header overrides a header ("" removes it).
func send(t testing.TB, ts *httptest.Server, c call) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, ts.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Lightfield-Version", "2026-03-01")
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

const validCreate = `{"fields":{"$name":"Acme expansion","$stage":"Discovery","$amount":40000,"productLines":["Platform","opt_pl_analytics"],"$closeDate":"2026-03-31T00:00:00+00:00"},"relationships":{"$account":"acc_01acme","$owner":["mem_01dana"]}}`

// TestContractResponses checks every kind of answer the fake gives against
// the response schemas of Lightfield's OpenAPI document.
func TestContractResponses(t *testing.T) {
	o := lightfieldtest.Contract(t)
	cases := []struct {
		name   string
		call   call
		fault  *lfsim.Fault
		status int
		schema string
	}{
		{"definitions", call{method: "GET", path: "/v1/opportunities/definitions"}, nil, 200, "OpportunityDefinitionsResponse"},
		{"create", call{method: "POST", path: "/v1/opportunities", body: validCreate}, nil, 200, "OpportunityCreateResponse"},
		{"accounts", call{method: "GET", path: "/v1/accounts?$name[equal]=Globex&limit=5"}, nil, 200, "AccountListResponse"},
		{"contacts", call{method: "GET", path: "/v1/contacts?$email[contains]=initech"}, nil, 200, "ContactListResponse"},
		{"members", call{method: "GET", path: "/v1/members?limit=25"}, nil, 200, "MemberListResponse"},
		{"opportunities", call{method: "GET", path: "/v1/opportunities?$name[equal]=x"}, nil, 200, "OpportunityListResponse"},
		{"account by ID", call{method: "GET", path: "/v1/accounts/acc_01acme"}, nil, 200, "AccountRetrieveResponse"},
		{"contact by ID", call{method: "GET", path: "/v1/contacts/con_01samo"}, nil, 200, "ContactRetrieveResponse"},
		{"member by ID", call{method: "GET", path: "/v1/members/mem_01dana"}, nil, 200, "MemberRetrieveResponse"},
		{"the key's scopes", call{method: "GET", path: "/v1/auth/validate"}, nil, 200, "AuthValidateResponse"},
		{"a wrong key's scopes", call{method: "GET", path: "/v1/auth/validate", header: map[string]string{"Authorization": "Bearer sk_lf_wrong"}}, nil, 401, "UnauthorizedError"},
		{"no such account", call{method: "GET", path: "/v1/accounts/acc_nothing"}, nil, 404, "NotFoundError"},
		{"a contact is no account", call{method: "GET", path: "/v1/accounts/con_01samo"}, nil, 404, "NotFoundError"},
		{"unknown field", call{method: "POST", path: "/v1/opportunities", body: `{"fields":{"$name":"x","$stage":"Discovery","nope":1},"relationships":{"$account":"acc_01acme"}}`}, nil, 400, "BadRequestError"},
		{"missing version", call{method: "GET", path: "/v1/opportunities/definitions", header: map[string]string{"Lightfield-Version": ""}}, nil, 400, "BadRequestError"},
		{"bad key", call{method: "GET", path: "/v1/opportunities/definitions", header: map[string]string{"Authorization": "Bearer sk_lf_wrong"}}, nil, 401, "UnauthorizedError"},
		{"no such route", call{method: "GET", path: "/v1/nothing"}, nil, 404, "NotFoundError"},
		{"not json", call{method: "POST", path: "/v1/opportunities", body: validCreate, header: map[string]string{"Content-Type": "text/plain"}}, nil, 415, "UnsupportedMediaTypeError"},
		{"missing account", call{method: "POST", path: "/v1/opportunities", body: `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_missing"}}`}, nil, 422, "UnprocessableContentError"},
		{"rate limited", call{method: "GET", path: "/v1/opportunities/definitions"}, &lfsim.Fault{Status: 429, RetryAfter: "1"}, 429, "TooManyRequestsError"},
		{"server error", call{method: "GET", path: "/v1/opportunities/definitions"}, &lfsim.Fault{Status: 500}, 500, "InternalServerError"},
		{"unavailable", call{method: "GET", path: "/v1/opportunities/definitions"}, &lfsim.Fault{Status: 503}, 503, "ServiceUnavailableError"},
		{"gateway timeout", call{method: "GET", path: "/v1/opportunities/definitions"}, &lfsim.Fault{Status: 504}, 504, "GatewayTimeoutError"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake, ts := newFake(t)
			if tc.fault != nil {
				fake.Inject(*tc.fault)
			}
			resp, body := send(t, ts, tc.call)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if err := o.ValidateSchema(tc.schema, body); err != nil {
				t.Fatalf("answer does not match %s: %v\n%s", tc.schema, err, body)
			}
		})
	}
}

func TestForbiddenNamesScope(t *testing.T) {
	o := lightfieldtest.Contract(t)
	fake, ts := newFake(t)
	fake.SetScopes("opportunities:read")
	resp, body := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate})
	if resp.StatusCode != 403 || !strings.Contains(string(body), "opportunities:create") {
		t.Fatalf("got %d %s, want 403 naming opportunities:create", resp.StatusCode, body)
	}
	if err := o.ValidateSchema("ForbiddenError", body); err != nil {
		t.Fatal(err)
	}
}

func TestConflictMatchesSchema(t *testing.T) {
	o := lightfieldtest.Contract(t)
	fake, ts := newFake(t)
	fake.Inject(lfsim.Fault{Method: "POST", Delay: 2 * time.Second})
	key := map[string]string{"Idempotency-Key": "k-conflict"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate, header: key})
	}()
	// The second request must arrive while the first is held.
	for len(fake.Created()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	resp, body := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate, header: key})
	wg.Wait()
	if resp.StatusCode != 409 || !strings.Contains(string(body), "idempotency_conflict") {
		t.Fatalf("got %d %s, want 409 idempotency_conflict", resp.StatusCode, body)
	}
	if err := o.ValidateSchema("ConflictError", body); err != nil {
		t.Fatal(err)
	}
}

func TestIdempotentReplay(t *testing.T) {
	fake, ts := newFake(t)
	key := map[string]string{"Idempotency-Key": "k1"}
	_, first := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate, header: key})
	other := strings.Replace(validCreate, "Acme expansion", "Something else", 1)
	resp, second := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: other, header: key})
	if resp.StatusCode != 200 || !bytes.Equal(first, second) {
		t.Fatalf("same key should replay the first answer even with another body:\n%s\n%s", first, second)
	}
	if n := len(fake.Created()); n != 1 {
		t.Fatalf("%d opportunities stored, want 1", n)
	}
}

func TestFailedOriginalIsNotCached(t *testing.T) {
	fake, ts := newFake(t)
	key := map[string]string{"Idempotency-Key": "k2"}
	bad := strings.Replace(validCreate, `"Discovery"`, `"Nope"`, 1)
	if resp, _ := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: bad, header: key}); resp.StatusCode != 400 {
		t.Fatalf("invalid stage: got %d", resp.StatusCode)
	}
	if resp, body := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate, header: key}); resp.StatusCode != 200 {
		t.Fatalf("retry after a failure should run again: %d %s", resp.StatusCode, body)
	}
	if n := len(fake.Created()); n != 1 {
		t.Fatalf("%d stored, want 1", n)
	}
}

func TestCreateRejects(t *testing.T) {
	cases := map[string]struct {
		body, code, param string
	}{
		"read-only status":    {`{"fields":{"$name":"x","$stage":"Discovery","$opportunityStatus":"opt_os_open"},"relationships":{"$account":"acc_01acme"}}`, "invalid_type", "fields.$opportunityStatus"},
		"read-only field":     {`{"fields":{"$name":"x","$stage":"Discovery","legacyId":"L-1"},"relationships":{"$account":"acc_01acme"}}`, "invalid_type", "fields.legacyId"},
		"read-only relation":  {`{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","$task":"tsk_1"}}`, "invalid_type", "relationships.$task"},
		"date without offset": {`{"fields":{"$name":"x","$stage":"Discovery","$closeDate":"2026-03-31"},"relationships":{"$account":"acc_01acme"}}`, "invalid_type", "fields.$closeDate"},
		"three decimals":      {`{"fields":{"$name":"x","$stage":"Discovery","$amount":1.005},"relationships":{"$account":"acc_01acme"}}`, "invalid_type", "fields.$amount"},
		"missing stage":       {`{"fields":{"$name":"x"},"relationships":{"$account":"acc_01acme"}}`, "parameter_missing", "fields.$stage"},
		"missing account":     {`{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{}}`, "parameter_missing", "relationships.$account"},
		"extra top-level":     {`{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"},"dryRun":true}`, "unknown_parameter", "dryRun"},
		"unknown relation":    {`{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","nope":"acc_01acme"}}`, "unknown_relationship", "relationships.nope"},
		"bad country":         {`{"fields":{"$name":"x","$stage":"Discovery","billingAddress":{"country":"Germany"}},"relationships":{"$account":"acc_01acme"}}`, "invalid_type", "fields.billingAddress.country"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fake, ts := newFake(t)
			resp, body := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: tc.body})
			var e struct{ Code, Param string }
			json.Unmarshal(body, &e)
			if resp.StatusCode != 400 || e.Code != tc.code || e.Param != tc.param {
				t.Fatalf("got %d %s, want 400 %s at %s", resp.StatusCode, body, tc.code, tc.param)
			}
			if len(fake.Created()) != 0 {
				t.Fatal("a rejected create was stored")
			}
		})
	}
}

func TestCreateStoresOptionIDs(t *testing.T) {
	_, ts := newFake(t)
	_, body := send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate})
	var opp struct {
		Fields map[string]struct {
			Value json.RawMessage `json:"value"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(body, &opp); err != nil {
		t.Fatal(err)
	}
	if got := string(opp.Fields["$stage"].Value); got != `"opt_st_disc"` {
		t.Errorf("$stage stored as %s, want the option ID", got)
	}
	if got := string(opp.Fields["productLines"].Value); got != `["opt_pl_platform","opt_pl_analytics"]` {
		t.Errorf("productLines stored as %s", got)
	}
}

func TestListFilters(t *testing.T) {
	fake, ts := newFake(t)
	ids := func(path string) []string {
		t.Helper()
		resp, body := send(t, ts, call{method: "GET", path: path})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		var page struct {
			Data []struct{ ID string } `json:"data"`
		}
		json.Unmarshal(body, &page)
		var out []string
		for _, d := range page.Data {
			out = append(out, d.ID)
		}
		return out
	}
	check := func(path string, want ...string) {
		t.Helper()
		if got := ids(path); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s → %v, want %v", path, got, want)
		}
	}
	check("/v1/accounts?$name[equal]=Globex", "acc_01globex", "acc_02globex")
	check("/v1/accounts?$name[equal]=globex&limit=1", "acc_01globex")
	check("/v1/accounts?$name[equal]=globex&limit=1&offset=1", "acc_02globex")
	check("/v1/accounts?$name[startsWith]=Ac", "acc_01acme")
	check("/v1/accounts?$name[-equal]=Globex&$name[startsWith]=I", "acc_01initech")
	check("/v1/accounts?%24name%5Bequal%5D=Initech", "acc_01initech")
	check("/v1/contacts?$email[contains]=PETER@initech.example", "con_01peter")
	check("/v1/contacts?$name[equal]=Peter%20Gibbons", "con_01peter")
	if resp, _ := send(t, ts, call{method: "GET", path: "/v1/members?$email[contains]=dana"}); resp.StatusCode != 400 {
		t.Errorf("members filter answered %d, want 400", resp.StatusCode)
	}
	if resp, _ := send(t, ts, call{method: "GET", path: "/v1/accounts?limit=50"}); resp.StatusCode != 400 {
		t.Errorf("limit 50 answered %d, want 400", resp.StatusCode)
	}

	fake.SetListLag(time.Hour)
	send(t, ts, call{method: "POST", path: "/v1/opportunities", body: validCreate})
	check("/v1/opportunities?$name[equal]=Acme%20expansion")
	fake.SetListLag(0)
	if got := ids("/v1/opportunities?$name[equal]=Acme%20expansion"); len(got) != 1 {
		t.Errorf("created opportunity not listed after the lag: %v", got)
	}
}

// TestSandboxMatchesContract: the sandbox's own organisation answers as the
// OpenAPI document says, through its in-process client.
func TestSandboxMatchesContract(t *testing.T) {
	o := lightfieldtest.Contract(t)
	fake, client, err := lfsim.Sandbox()
	if err != nil {
		t.Fatal(err)
	}
	get := func(method, path, body, schema string) []byte {
		t.Helper()
		var reader io.Reader
		if body != "" {
			reader = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, lfsim.SandboxBaseURL+path, reader)
		req.Header.Set("Authorization", "Bearer "+lfsim.SandboxAPIKey)
		req.Header.Set("Lightfield-Version", "2026-03-01")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		if err := o.ValidateSchema(schema, raw); err != nil {
			t.Fatalf("%s %s does not match %s: %v", method, path, schema, err)
		}
		return raw
	}
	get("GET", "/v1/opportunities/definitions", "", "OpportunityDefinitionsResponse")
	get("GET", "/v1/accounts?$name[equal]=Globex", "", "AccountListResponse")
	get("GET", "/v1/members", "", "MemberListResponse")
	get("GET", "/v1/contacts", "", "ContactListResponse")
	acme := get("GET", "/v1/accounts/acc_sbx_acme", "", "AccountRetrieveResponse")
	if !strings.Contains(string(acme), "con_sbx_sam") {
		t.Errorf("the sandbox's Acme lists no contacts: %s", acme)
	}
	created := get("POST", "/v1/opportunities", `{"fields":{"$name":"Sandbox deal","$stage":"Demo","products":["Analytics"]},"relationships":{"$account":"acc_sbx_acme","referralPartner":"acc_sbx_partner"}}`, "OpportunityCreateResponse")
	if !strings.Contains(string(created), lfsim.SandboxBaseURL+"/opportunities/") {
		t.Errorf("sandbox link %s", created)
	}
	var opp struct{ ID string }
	json.Unmarshal(created, &opp)
	get("POST", "/v1/opportunities/"+opp.ID, `{"fields":{"$stage":"Negotiation"},"relationships":{"$owner":{"replace":"mem_sbx_dana"}}}`, "OpportunityUpdateResponse")
	get("GET", "/v1/accounts/definitions", "", "AccountDefinitionsResponse")
	get("GET", "/v1/tasks/definitions", "", "TaskDefinitionsResponse")
	get("POST", "/v1/accounts", `{"fields":{"$name":"Wayne Enterprises","$headcount":"51-200","tier":"Tier 2"},"relationships":{"$owner":"mem_sbx_dana"}}`, "AccountCreateResponse")
	get("POST", "/v1/notes", `{"fields":{"$title":"Demo went well"},"relationships":{"$account":"acc_sbx_acme"}}`, "NoteCreateResponse")
	get("POST", "/v1/tasks", `{"fields":{"$title":"Call Sam","$status":"TODO"},"relationships":{"$assignedTo":"mem_sbx_raj","$account":"acc_sbx_acme"}}`, "TaskCreateResponse")
	if len(fake.Created()) != 1 || len(fake.Requests()) != 0 {
		t.Errorf("sandbox stored %d and recorded %d requests", len(fake.Created()), len(fake.Requests()))
	}
}
