package write

import (
	"encoding/json"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// TestSitesOfCompanies: two spellings of one company's website are one
// site; pages on a shared platform are different companies' sites.
func TestSitesOfCompanies(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"https://www.acme.example/about", "acme.example", true},
		{"http://Acme.example", "https://acme.example/", true},
		{"github.com/initech", "https://github.com/globex", false},
		{"https://github.com/initech/repo", "github.com/Initech", true},
		{"https://linkedin.com/company/acme", "https://www.linkedin.com/company/globex", true},
		{"https://github.com", "https://github.com", false},
	} {
		if got := sameSite(c.a, c.b); got != c.same {
			t.Errorf("%s and %s: same %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

// TestPlaceOfAnAccount: an account's place is the city, state and country
// of its primary address, or of another address field; empty parts, nulls
// and values of another shape are left out.
func TestPlaceOfAnAccount(t *testing.T) {
	t.Parallel()
	for fields, want := range map[string]string{
		`{"$primaryAddress":{"valueType":"ADDRESS","value":{"street":"1 Main St","city":"Springfield","state":null,"country":"US"}}}`: "Springfield, US",
		`{"hq":{"valueType":"ADDRESS","value":{"country":"NL"}},"$primaryAddress":{"valueType":"ADDRESS","value":null}}`:              "NL",
		`{"$primaryAddress":{"valueType":"ADDRESS","value":{"city":" ","postalCode":"12345"}}}`:                                       "",
		`{"$primaryAddress":{"valueType":"TEXT","value":"Springfield"}}`:                                                              "",
	} {
		var rec lfclient.Record
		if err := json.Unmarshal([]byte(`{"id":"acc_1","fields":`+fields+`}`), &rec); err != nil {
			t.Fatal(err)
		}
		if got := AccountCandidate(rec).Place; got != want {
			t.Errorf("%s: place %q, want %q", fields, got, want)
		}
	}
}
