package lightfieldtest

import "testing"

const validCreate = `{"fields":{"$name":"Acme expansion","$stage":"Discovery","$amount":40000,"productLines":["Platform","opt_pl_analytics"],"$closeDate":"2026-03-31T00:00:00+00:00"},"relationships":{"$account":"acc_01acme","$owner":["mem_01dana"]}}`

// TestOpenAPICanFail guards the contract tests against a validator that
// accepts everything.
func TestOpenAPICanFail(t *testing.T) {
	o := Contract(t)
	if err := o.ValidateSchema("OpportunityCreateResponse", []byte(`{"id":"opp_1","extra":1}`)); err == nil {
		t.Error("an incomplete create response passed")
	}
	if err := o.ValidateSchema("BadRequestError", []byte(`{"type":"bad_request","message":"m"}`)); err == nil {
		t.Error("a 400 without code passed")
	}
	if err := o.ValidateCreateRequest([]byte(`{"fields":{"$name":"x"},"relationships":{"$account":"acc_1"}}`)); err == nil {
		t.Error("a create without $stage passed")
	}
	if err := o.ValidateCreateRequest([]byte(validCreate)); err != nil {
		t.Errorf("a valid create failed: %v", err)
	}
}

// TestValidateRequestTakesTheTypedVariant: a part without oneOf (notes) is
// checked as it stands, one with oneOf (tasks) against its typed variant.
func TestValidateRequestTakesTheTypedVariant(t *testing.T) {
	o := Contract(t)
	for _, tc := range []struct {
		path, body string
		valid      bool
	}{
		{"/v1/notes", `{"fields":{"$title":"Call notes","$content":null},"relationships":{"$account":"acc_1"}}`, true},
		{"/v1/notes", `{"fields":{"$title":"Call notes","$body":"x"}}`, false},
		{"/v1/notes", `{"relationships":{"$account":"acc_1"}}`, false},
		{"/v1/tasks", `{"fields":{"$title":"Call back","$status":"TODO"},"relationships":{"$assignedTo":"mem_1"}}`, true},
		{"/v1/tasks", `{"fields":{"$title":"Call back","$status":"TODO"},"relationships":{"$account":"acc_1"}}`, false},
		{"/v1/accounts", `{"fields":{"$name":"Wayne","$website":["https://wayne.example"]}}`, true},
		{"/v1/accounts", `{"fields":{"$website":["https://wayne.example"]}}`, false},
	} {
		if err := o.ValidateRequest(tc.path, []byte(tc.body)); (err == nil) != tc.valid {
			t.Errorf("%s %s: valid %v, got %v", tc.path, tc.body, tc.valid, err)
		}
	}
}

// TestValidateUpdateRequest: an update body is checked against the typed
// variants of opportunity.update, found from the record's own path.
func TestValidateUpdateRequest(t *testing.T) {
	o := Contract(t)
	for _, tc := range []struct {
		path, body string
		valid      bool
	}{
		{"/v1/opportunities/opp_1", `{"fields":{"$stage":"Negotiation","$nextStep":null},"relationships":{"$owner":{"replace":"mem_1"},"stakeholders":{"add":["con_1"]},"$champion":{"replace":null}}}`, true},
		{"/v1/opportunities/opp_1", `{}`, true},
		{"/v1/opportunities/opp_1", `{"fields":{"$name":{"firstName":"x"}}}`, false},
		{"/v1/opportunities/opp_1", `{"relationships":{"$owner":"mem_1"}}`, false},
		{"/v1/opportunities/opp_1", `{"relationships":{"$owner":{"set":"mem_1"}}}`, false},
		{"/v1/opportunities/opp_1", `{"relationships":{"$owner":{"add":null}}}`, false},
		{"/v1/opportunities/opp_1", `{"fields":{"$name":"x"},"dryRun":true}`, false},
		{"/v1/accounts/acc_1", `{"fields":{"tier":"Tier 1"},"relationships":{"$contact":{"remove":"con_1"}}}`, true},
		{"/v1/accounts/acc_1/extra", `{}`, false},
	} {
		if err := o.ValidateRequest(tc.path, []byte(tc.body)); (err == nil) != tc.valid {
			t.Errorf("%s %s: valid %v, got %v", tc.path, tc.body, tc.valid, err)
		}
	}
	if err := o.ValidateUpdateRequest([]byte(`{"fields":{"$stage":null}}`)); err != nil {
		t.Errorf("ValidateUpdateRequest: %v", err)
	}
}

// TestValidateResponse: an answer is checked against its operation's
// schema for the status, literal paths winning over templates.
func TestValidateResponse(t *testing.T) {
	o := Contract(t)
	record := `{"id":"opp_1","createdAt":"2026-01-05T09:00:00Z","updatedAt":"2026-01-06T09:00:00Z","httpLink":null,"fields":{},"relationships":{}}`
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
		valid        bool
	}{
		{"POST", "/v1/opportunities/opp_1", 200, record, true},
		{"POST", "/v1/opportunities/opp_1", 200, `{"id":"opp_1"}`, false},
		{"POST", "/v1/opportunities/opp_1", 404, `{"type":"not_found","message":"No opportunity."}`, true},
		{"GET", "/v1/opportunities/definitions", 200, record, false},
		{"GET", "/v1/opportunities/opp_1", 200, record, true},
		{"POST", "/v1/opportunities/opp_1", 201, record, false},
		{"DELETE", "/v1/opportunities/opp_1", 200, record, false},
	} {
		if err := o.ValidateResponse(tc.method, tc.path, tc.status, []byte(tc.body)); (err == nil) != tc.valid {
			t.Errorf("%s %s %d: valid %v, got %v", tc.method, tc.path, tc.status, tc.valid, err)
		}
	}
}
