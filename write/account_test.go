package write

import "testing"

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
