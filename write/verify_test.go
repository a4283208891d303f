package write

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// TestVerifyComparesMeaningNotSpelling: a value Lightfield stores in its own spelling is the value sent.
func TestVerifyComparesMeaningNotSpelling(t *testing.T) {
	t.Parallel()
	defs := loadFixtureDefinitions(t)
	cases := []struct {
		sent   any
		stored string
		key    string
		same   bool
	}{
		{"opt_st_disc", `"Discovery"`, "$stage", true},
		{"opt_st_disc", `"opt_st_qual"`, "$stage", false},
		{40000.0, `40000`, "$amount", true},
		{40000.0, `4000`, "$amount", false},
		{"2026-03-31T00:00:00+00:00", `"2026-03-31T00:00:00.000Z"`, "$closeDate", true},
		{[]string{"opt_pl_platform", "opt_pl_analytics"}, `["Analytics","opt_pl_platform"]`, "productLines", true},
		{map[string]any{"city": "Berlin"}, `{"city":"Berlin","street":null}`, "billingAddress", true},
		{"ops@acme.example", `["ops@acme.example"]`, "procurementEmail", true},
		{[]string{"+14155550100"}, `"+14155550100"`, "procurementPhone", true},
		{"ops@acme.example", `["ops@acme.example","x@acme.example"]`, "procurementEmail", false},
	}
	for _, tc := range cases {
		if got := sameValue(tc.sent, json.RawMessage(tc.stored), optionsOf(defs, tc.key)); got != tc.same {
			t.Errorf("%v vs %s: same=%v", tc.sent, tc.stored, got)
		}
	}
}

// TestDefaultKeyDependsOnOrganisation: the same body from two organisations gets two keys, neither naming the key.
func TestDefaultKeyDependsOnOrganisation(t *testing.T) {
	t.Parallel()
	body := []byte(`{"fields":{},"relationships":{}}`)
	a, _ := lfclient.New(lfclient.Config{APIKey: "sk_lf_a"})
	b, _ := lfclient.New(lfclient.Config{APIKey: "sk_lf_b"})
	ka, kb := defaultIdempotencyKey(a.KeyFingerprint(), body, false), defaultIdempotencyKey(b.KeyFingerprint(), body, false)
	if ka == kb || len(ka) > 255 || strings.Contains(ka, "sk_lf") {
		t.Fatalf("keys %q %q", ka, kb)
	}
}
