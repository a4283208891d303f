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
