package lfsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

const (
	validAccount = `{"fields":{"$name":"Wayne Enterprises","$website":["https://wayne.example"],"$headcount":"1000+","$industry":["Manufacturing","opt_ind_software"],"$linkedIn":"https://www.linkedin.com/company/wayne","$primaryAddress":{"city":"Gotham","country":"US"},"tier":"Tier 1"},"relationships":{"$owner":"mem_01dana","$contact":["con_01peter"]}}`
	validNote    = `{"fields":{"$title":"Discovery call","$content":"They need **SSO**."},"relationships":{"$account":["acc_01acme"]}}`
	validContact = `{"fields":{"$name":{"firstName":"Samir","lastName":"Nagheenanajar"},"$email":["samir@initech.example"],"$title":"Engineer","$phone":["+14155550100"],"$linkedIn":"https://www.linkedin.com/in/samir","buyingRole":"Influencer"},"relationships":{"$account":["acc_01initech"]}}`
	validTask    = `{"fields":{"$title":"Send the proposal","$status":"TODO","$description":"Pricing for 40 seats.","$dueAt":"2026-03-20T17:00:00+01:00"},"relationships":{"$assignedTo":"mem_01dana","$account":"acc_01acme","$createdBy":"mem_01fox"}}`
)

// TestObjectContract: the new routes' answers match the response schemas,
// and the bodies sent match the request schemas.
func TestObjectContract(t *testing.T) {
	o := lightfieldtest.Contract(t)
	cases := []struct {
		name   string
		call   call
		status int
		schema string
	}{
		{"account definitions", call{method: "GET", path: "/v1/accounts/definitions"}, 200, "AccountDefinitionsResponse"},
		{"task definitions", call{method: "GET", path: "/v1/tasks/definitions"}, 200, "TaskDefinitionsResponse"},
		{"account", call{method: "POST", path: "/v1/accounts", body: validAccount}, 200, "AccountCreateResponse"},
		{"account, name only", call{method: "POST", path: "/v1/accounts", body: `{"fields":{"$name":"Stark"}}`}, 200, "AccountCreateResponse"},
		{"note", call{method: "POST", path: "/v1/notes", body: validNote}, 200, "NoteCreateResponse"},
		{"note, title only", call{method: "POST", path: "/v1/notes", body: `{"fields":{"$title":"Hello"}}`}, 200, "NoteCreateResponse"},
		{"task", call{method: "POST", path: "/v1/tasks", body: validTask}, 200, "TaskCreateResponse"},
		{"account refused", call{method: "POST", path: "/v1/accounts", body: `{"fields":{"$accountStatus":"Customer","$name":"x"}}`}, 400, "BadRequestError"},
		{"note refused", call{method: "POST", path: "/v1/notes", body: `{"fields":{"$title":"x"},"relationships":{"$account":"acc_nothing"}}`}, 422, "UnprocessableContentError"},
		{"task not JSON", call{method: "POST", path: "/v1/tasks", body: validTask, header: map[string]string{"Content-Type": "text/plain"}}, 415, "UnsupportedMediaTypeError"},
		{"contact definitions", call{method: "GET", path: "/v1/contacts/definitions"}, 200, "ContactDefinitionsResponse"},
		{"contact", call{method: "POST", path: "/v1/contacts", body: validContact}, 200, "ContactCreateResponse"},
		{"contact, first name only", call{method: "POST", path: "/v1/contacts", body: `{"fields":{"$name":{"firstName":"Jo"}}}`}, 200, "ContactCreateResponse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status == 200 && tc.call.body != "" {
				if err := o.ValidateRequest(tc.call.path, []byte(tc.call.body)); err != nil {
					t.Fatalf("the test's body breaks the contract: %v", err)
				}
			}
			_, ts := newFake(t)
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

func TestObjectCreateRefusals(t *testing.T) {
	cases := map[string]struct {
		path, body  string
		status      int
		code, param string
	}{
		"account without name":        {"/v1/accounts", `{"fields":{"$website":"https://x.example"}}`, 400, "parameter_missing", "fields.$name"},
		"account without fields":      {"/v1/accounts", `{"relationships":{"$owner":"mem_01dana"}}`, 400, "parameter_missing", "fields"},
		"account money summary":       {"/v1/accounts", `{"fields":{"$name":"x","$howTheyMakeMoney":"Ads"}}`, 400, "invalid_type", "fields.$howTheyMakeMoney"},
		"account status":              {"/v1/accounts", `{"fields":{"$name":"x","$accountStatus":"opt_as_customer"}}`, 400, "invalid_type", "fields.$accountStatus"},
		"account unknown field":       {"/v1/accounts", `{"fields":{"$name":"x","$stage":"Discovery"}}`, 400, "unknown_field", "fields.$stage"},
		"account unknown option":      {"/v1/accounts", `{"fields":{"$name":"x","$headcount":"5000"}}`, 400, "invalid_type", "fields.$headcount"},
		"account numeric website":     {"/v1/accounts", `{"fields":{"$name":"x","$website":42}}`, 400, "invalid_type", "fields.$website"},
		"account opportunities":       {"/v1/accounts", `{"fields":{"$name":"x"},"relationships":{"$opportunity":"opp_1"}}`, 400, "invalid_type", "relationships.$opportunity"},
		"account meetings":            {"/v1/accounts", `{"fields":{"$name":"x"},"relationships":{"$meeting":"mtg_1"}}`, 400, "invalid_type", "relationships.$meeting"},
		"account unknown relation":    {"/v1/accounts", `{"fields":{"$name":"x"},"relationships":{"$champion":"con_01peter"}}`, 400, "unknown_relationship", "relationships.$champion"},
		"account two owners":          {"/v1/accounts", `{"fields":{"$name":"x"},"relationships":{"$owner":["mem_01dana","mem_01fox"]}}`, 400, "invalid_type", "relationships.$owner"},
		"account owner not a member":  {"/v1/accounts", `{"fields":{"$name":"x"},"relationships":{"$owner":"con_01peter"}}`, 422, "relationship_entity_missing", "relationships.$owner"},
		"note without title":          {"/v1/notes", `{"fields":{"$content":"x"}}`, 400, "parameter_missing", "fields.$title"},
		"note other field":            {"/v1/notes", `{"fields":{"$title":"x","$body":"y"}}`, 400, "unknown_field", "fields.$body"},
		"note numeric content":        {"/v1/notes", `{"fields":{"$title":"x","$content":1}}`, 400, "invalid_type", "fields.$content"},
		"note contact":                {"/v1/notes", `{"fields":{"$title":"x"},"relationships":{"$contact":"con_01peter"}}`, 400, "unknown_relationship", "relationships.$contact"},
		"note missing account":        {"/v1/notes", `{"fields":{"$title":"x"},"relationships":{"$account":["acc_01acme","acc_nothing"]}}`, 422, "relationship_entity_missing", "relationships.$account"},
		"note missing opportunity":    {"/v1/notes", `{"fields":{"$title":"x"},"relationships":{"$opportunity":"opp_fake999999"}}`, 422, "relationship_entity_missing", "relationships.$opportunity"},
		"note extra top-level":        {"/v1/notes", `{"fields":{"$title":"x"},"author":"mem_01dana"}`, 400, "unknown_parameter", "author"},
		"task without assignee":       {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO"},"relationships":{"$account":"acc_01acme"}}`, 400, "parameter_missing", "relationships.$assignedTo"},
		"task without relationships":  {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO"}}`, 400, "parameter_missing", "relationships"},
		"task without status":         {"/v1/tasks", `{"fields":{"$title":"x"},"relationships":{"$assignedTo":"mem_01dana"}}`, 400, "parameter_missing", "fields.$status"},
		"task bad status":             {"/v1/tasks", `{"fields":{"$title":"x","$status":"DONE"},"relationships":{"$assignedTo":"mem_01dana"}}`, 400, "invalid_type", "fields.$status"},
		"task due date without time":  {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO","$dueAt":"2026-03-20"},"relationships":{"$assignedTo":"mem_01dana"}}`, 400, "invalid_type", "fields.$dueAt"},
		"task due in words":           {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO","$dueAt":"next Friday"},"relationships":{"$assignedTo":"mem_01dana"}}`, 400, "invalid_type", "fields.$dueAt"},
		"task assigned to a contact":  {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO"},"relationships":{"$assignedTo":"con_01peter"}}`, 422, "relationship_entity_missing", "relationships.$assignedTo"},
		"task notes":                  {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO"},"relationships":{"$assignedTo":"mem_01dana","$note":"note_1"}}`, 400, "invalid_type", "relationships.$note"},
		"task unknown relation":       {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO"},"relationships":{"$assignedTo":"mem_01dana","$contact":"con_01peter"}}`, 400, "unknown_relationship", "relationships.$contact"},
		"task custom field":           {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO","priority":"high"},"relationships":{"$assignedTo":"mem_01dana"}}`, 400, "unknown_field", "fields.priority"},
		"task two assignees":          {"/v1/tasks", `{"fields":{"$title":"x","$status":"TODO"},"relationships":{"$assignedTo":["mem_01dana","mem_01fox"]}}`, 400, "invalid_type", "relationships.$assignedTo"},
		"contact name as a string":    {"/v1/contacts", `{"fields":{"$name":"Jo Park"}}`, 400, "invalid_type", "fields.$name"},
		"contact opportunities":       {"/v1/contacts", `{"fields":{"$name":{"firstName":"Jo"}},"relationships":{"$opportunity":"opp_1"}}`, 400, "invalid_type", "relationships.$opportunity"},
		"contact at no account":       {"/v1/contacts", `{"fields":{"$name":{"firstName":"Jo"}},"relationships":{"$account":"acc_nothing"}}`, 422, "relationship_entity_missing", "relationships.$account"},
		"opportunity on a note's key": {"/v1/opportunities", `{"fields":{"$name":"x","$stage":"Discovery","$title":"y"},"relationships":{"$account":"acc_01acme"}}`, 400, "unknown_field", "fields.$title"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fake, ts := newFake(t)
			resp, body := send(t, ts, call{method: "POST", path: tc.path, body: tc.body})
			var e struct{ Code, Param string }
			json.Unmarshal(body, &e)
			if resp.StatusCode != tc.status || e.Code != tc.code || e.Param != tc.param {
				t.Fatalf("got %d %s, want %d %s at %s", resp.StatusCode, body, tc.status, tc.code, tc.param)
			}
			for _, objectType := range []string{"opportunity", "account", "contact", "note", "task"} {
				if n := len(fake.CreatedOf(objectType)); n != 0 {
					t.Fatalf("a rejected create stored %d %s", n, objectType)
				}
			}
		})
	}
}

const allScopes = "opportunities:read opportunities:create accounts:read accounts:create contacts:read contacts:create notes:create tasks:read tasks:create"

func TestObjectScopes(t *testing.T) {
	o := lightfieldtest.Contract(t)
	for _, tc := range []struct{ method, path, body, scope string }{
		{"POST", "/v1/accounts", validAccount, "accounts:create"},
		{"POST", "/v1/contacts", validContact, "contacts:create"},
		{"POST", "/v1/notes", validNote, "notes:create"},
		{"POST", "/v1/tasks", validTask, "tasks:create"},
		{"GET", "/v1/accounts/definitions", "", "accounts:read"},
		{"GET", "/v1/contacts/definitions", "", "contacts:read"},
		{"GET", "/v1/tasks/definitions", "", "tasks:read"},
	} {
		fake, ts := newFake(t)
		// Every scope but the one needed.
		fake.SetScopes(strings.Fields(strings.Replace(allScopes, tc.scope, "", 1))...)
		resp, body := send(t, ts, call{method: tc.method, path: tc.path, body: tc.body})
		if resp.StatusCode != 403 || !strings.Contains(string(body), tc.scope) {
			t.Errorf("%s %s: got %d %s, want 403 naming %s", tc.method, tc.path, resp.StatusCode, body, tc.scope)
		}
		if err := o.ValidateSchema("ForbiddenError", body); err != nil {
			t.Error(err)
		}
	}
}

func TestObjectIdempotentReplay(t *testing.T) {
	for _, tc := range []struct{ path, objectType, body, other string }{
		{"/v1/accounts", "account", validAccount, `{"fields":{"$name":"Other"}}`},
		{"/v1/notes", "note", validNote, `{"fields":{"$title":"Other"}}`},
		{"/v1/tasks", "task", validTask, `{"fields":{"$title":"Other","$status":"COMPLETE"},"relationships":{"$assignedTo":"mem_01fox"}}`},
	} {
		fake, ts := newFake(t)
		key := map[string]string{"Idempotency-Key": "k-" + tc.objectType}
		_, first := send(t, ts, call{method: "POST", path: tc.path, body: tc.body, header: key})
		resp, second := send(t, ts, call{method: "POST", path: tc.path, body: tc.other, header: key})
		if resp.StatusCode != 200 || string(first) != string(second) || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s: the same key should replay the first answer even with another body:\n%s\n%s", tc.path, first, second)
		}
		if n := len(fake.CreatedOf(tc.objectType)); n != 1 {
			t.Errorf("%s: %d stored, want 1", tc.path, n)
		}
	}
}

// TestObjectFaults: faults aimed at the new paths act there as on
// /v1/opportunities, and only there.
func TestObjectFaults(t *testing.T) {
	fake, ts := newFake(t)
	fake.Inject(lfsim.Fault{Path: "/v1/notes", Status: 503})
	if resp, body := send(t, ts, call{method: "POST", path: "/v1/tasks", body: validTask}); resp.StatusCode != 200 {
		t.Fatalf("a fault on /v1/notes hit /v1/tasks: %d %s", resp.StatusCode, body)
	}
	if resp, _ := send(t, ts, call{method: "POST", path: "/v1/notes", body: validNote}); resp.StatusCode != 503 {
		t.Fatalf("injected 503 answered %d", resp.StatusCode)
	}
	if n := len(fake.CreatedOf("note")); n != 0 {
		t.Fatalf("a note was stored behind a 503: %d", n)
	}

	fake.Inject(lfsim.Fault{Method: "POST", Path: "/v1/tasks", Truncate: true})
	resp, body := send(t, ts, call{method: "POST", path: "/v1/tasks", body: validTask})
	if resp.StatusCode != 200 || json.Valid(body) {
		t.Fatalf("truncate: %d %s", resp.StatusCode, body)
	}

	fake.Inject(lfsim.Fault{Method: "POST", Path: "/v1/notes", ResetAfterCommit: true})
	req, _ := http.NewRequest("POST", ts.URL+"/v1/notes", strings.NewReader(validNote))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Lightfield-Version", "2026-03-01")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("reset after commit answered %d", resp.StatusCode)
	}
	if n := len(fake.CreatedOf("note")); n != 1 {
		t.Fatalf("reset after commit stored %d notes, want 1", n)
	}

	fake.Inject(lfsim.Fault{Path: "/v1/accounts", Delay: 200 * time.Millisecond})
	start := time.Now()
	if resp, _ := send(t, ts, call{method: "POST", path: "/v1/accounts", body: validAccount}); resp.StatusCode != 200 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("delay: %d after %v", resp.StatusCode, time.Since(start))
	}
	if n := len(fake.CreatedOf("task")); n != 2 {
		t.Fatalf("%d tasks stored, want 2", n)
	}
}

// TestObjectRateCategories: creates share the write category; definitions
// are reads.
func TestObjectRateCategories(t *testing.T) {
	fake, ts := newFake(t)
	fake.SetRateLimit(1)
	// Every limited answer says what is left and when more comes, never
	// earlier than it does (Reset is rounded up to whole seconds).
	headers := func(resp *http.Response, remaining string) {
		t.Helper()
		reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
		if resp.Header.Get("X-RateLimit-Limit") != "1" || resp.Header.Get("X-RateLimit-Remaining") != remaining || err != nil || time.Unix(reset, 0).Before(time.Now()) {
			t.Errorf("%d: rate-limit headers %v", resp.StatusCode, resp.Header)
		}
	}
	resp, _ := send(t, ts, call{method: "POST", path: "/v1/notes", body: validNote})
	if resp.StatusCode != 200 {
		t.Fatalf("first write answered %d", resp.StatusCode)
	}
	headers(resp, "0")
	resp, _ = send(t, ts, call{method: "POST", path: "/v1/tasks", body: validTask})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("second write in the second answered %d (Retry-After %q), want 429 after 1 s", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	headers(resp, "0")
	if resp, _ := send(t, ts, call{method: "GET", path: "/v1/tasks/definitions"}); resp.StatusCode != 200 {
		t.Fatalf("a read after two writes answered %d", resp.StatusCode)
	}
	if spent := fake.Spent(); spent["write"] != 1 || spent["read"] != 1 {
		t.Errorf("let through: %v, want 1 write and 1 read", spent)
	}
}

// TestCreatedRecordsAreRead: a created account is listed (after the lag)
// and retrieved with its relationships, and notes and tasks can name it.
func TestCreatedRecordsAreRead(t *testing.T) {
	o := lightfieldtest.Contract(t)
	fake, ts := newFake(t)
	get := func(path, schema string) []byte {
		t.Helper()
		resp, body := send(t, ts, call{method: "GET", path: path})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if err := o.ValidateSchema(schema, body); err != nil {
			t.Fatalf("%s does not match %s: %v\n%s", path, schema, err, body)
		}
		return body
	}
	create := func(path, body string) string {
		t.Helper()
		resp, answer := send(t, ts, call{method: "POST", path: path, body: body})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, answer)
		}
		var rec struct{ ID string }
		json.Unmarshal(answer, &rec)
		return rec.ID
	}
	count := func(path string) int {
		var page struct{ TotalCount int }
		json.Unmarshal(get(path, "AccountListResponse"), &page)
		return page.TotalCount
	}

	fake.SetListLag(time.Hour)
	acc := create("/v1/accounts", validAccount)
	if !strings.HasPrefix(acc, "acc_") {
		t.Errorf("account ID %q", acc)
	}
	if n := count("/v1/accounts?$name[equal]=wayne%20enterprises"); n != 0 {
		t.Errorf("listed before the lag: %d", n)
	}
	got := get("/v1/accounts/"+acc, "AccountRetrieveResponse")
	for _, want := range []string{`"mem_01dana"`, `"con_01peter"`, `"opt_hc_1000_plus"`, `"https://app.lightfield.app/accounts/` + acc + `"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("retrieved account lacks %s: %s", want, got)
		}
	}
	fake.SetListLag(0)
	if n := count("/v1/accounts?$name[equal]=wayne%20enterprises"); n != 1 {
		t.Errorf("$name[equal] found %d", n)
	}
	if n := count("/v1/accounts?$website[contains]=wayne.example"); n != 1 {
		t.Errorf("$website[contains] found %d", n)
	}

	opp := create("/v1/opportunities", `{"fields":{"$name":"Wayne pilot","$stage":"Discovery"},"relationships":{"$account":"`+acc+`"}}`)
	note := create("/v1/notes", `{"fields":{"$title":"Kick-off"},"relationships":{"$account":"`+acc+`","$opportunity":["`+opp+`"]}}`)
	task := create("/v1/tasks", `{"fields":{"$title":"Follow up","$status":"IN_PROGRESS"},"relationships":{"$assignedTo":"mem_01fox","$account":"`+acc+`","$opportunity":"`+opp+`"}}`)
	if !strings.HasPrefix(note, "note_") || !strings.HasPrefix(task, "task_") {
		t.Errorf("IDs %q, %q", note, task)
	}
	get("/v1/notes/"+note, "NoteRetrieveResponse")
	get("/v1/tasks/"+task, "TaskRetrieveResponse")
	get("/v1/notes?$title[equal]=Kick-off", "NoteListResponse")
	get("/v1/tasks", "TaskListResponse")
}

// TestNoAccountDefinitions: an organisation file without
// accountDefinitions answers 404 for them rather than inventing some.
func TestNoAccountDefinitions(t *testing.T) {
	org, err := lfsim.LoadOrg("../testdata/org.json")
	if err != nil {
		t.Fatal(err)
	}
	org.AccountDefinitions = nil
	fake, err := lfsim.New(org, testKey)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(fake)
	defer ts.Close()
	for _, c := range []call{{method: "GET", path: "/v1/accounts/definitions"}, {method: "POST", path: "/v1/accounts", body: validAccount}} {
		if resp, body := send(t, ts, c); resp.StatusCode != 404 {
			t.Errorf("%s %s: %d %s, want 404", c.method, c.path, resp.StatusCode, body)
		}
	}
}
