package write

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

func loadFixtureDefinitions(t testing.TB) *lfclient.Definitions {
	t.Helper()
	raw, err := os.ReadFile("../testdata/org.json")
	if err != nil {
		t.Fatal(err)
	}
	var org struct {
		Definitions lfclient.Definitions `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &org); err != nil {
		t.Fatal(err)
	}
	return &org.Definitions
}

// sentence is a realistic create_opportunity call against the fixture.
const sentence = `{
	"fields": {"$name": "Acme expansion", "$stage": "discovery", "$amount": "40000", "$closeDate": "2026-03-31",
		"dealSource": "partner  referral", "productLines": "Analytics", "procurementPhone": "+14155550100",
		"billingAddress": {"city": "Berlin", "country": "de"}},
	"relationships": {"$account": "acc_01acme", "$owner": "mem_01dana", "stakeholders": "con_01wile"},
	"idempotencyKey": null, "dryRun": null
}`

// FuzzCheckCall feeds arbitrary arguments to the checker: it must never
// panic, and whatever it accepts must encode as a request body with the keys
// every create needs.
func FuzzCheckCall(f *testing.F) {
	defs := loadFixtureDefinitions(f)
	for _, seed := range []string{
		sentence,
		`{}`, `null`, `[]`, `"x"`, `{"fields":"{\"$name\":1}"}`,
		`{"fields":{"$name":"a","$stage":"Discovery","productLines":[null,1]},"relationships":{"$account":["acc_1","acc_2"]}}`,
		`{"fields":{"$name":"a","$stage":"Discovery","billingAddress":{"latitude":"1e400"}},"relationships":{"$account":"acc_1"}}`,
		`{"fields":{"$name":"a","$stage":"Discovery","$amount":1e309},"relationships":{"$account":"acc_1"},"idempotencyKey":7}`,
		// Found by fuzzing: without definitions, a number beyond float64
		// was accepted and would have been sent.
		`{"fields":{"":1e700,"$name":"0","$stage":"0"},"relationships":{"$account":"a_0"}}`,
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, args []byte, withDefinitions bool) {
		held := defs
		if !withDefinitions {
			held = nil
		}
		call, ps := Check(Opportunity, args, held)
		if len(ps) > 0 {
			if ps[0].Message == "" {
				t.Fatal("problems without text")
			}
			return
		}
		body, err := json.Marshal(call.Params)
		if err != nil {
			t.Fatalf("accepted arguments do not encode: %v", err)
		}
		var back lfclient.CreateParams
		if err := json.Unmarshal(body, &back); err != nil || back.Fields["$name"] == nil || back.Fields["$stage"] == nil || back.Relationships["$account"] == nil {
			t.Fatalf("accepted a body without $name, $stage or $account: %s", body)
		}
	})
}
