package oauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// respellings are other spellings of one sealed value that a lenient
// base64 decoder reads as the same bytes.
var respellings = []struct {
	name    string
	respell func(string) string
}{
	{"a newline inside", func(v string) string { return v[:len(v)/2] + "\n" + v[len(v)/2:] }},
	{"a newline after", func(v string) string { return v + "\n" }},
	{"CRLF after", func(v string) string { return v + "\r\n" }},
	{"the last character's spare bits set", func(v string) string {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		i := strings.IndexByte(alphabet, v[len(v)-1])
		return v[:len(v)-1] + string(alphabet[i^1]) // the lowest bit is always spare
	}},
}

// hasSpareBits reports whether a sealed value's last character carries
// bits that are not data (its base64 is not a multiple of 4 long).
func hasSpareBits(kind, v string) bool { return (len(v)-len(kind))%4 != 0 }

const testVerifier = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"

// testGrant seals a grant for client "c"; pad lengthens it so that the
// caller can pick a value whose last character has spare bits.
func testGrant(t *testing.T, s *Server, redirect, pad string) string {
	t.Helper()
	g, err := s.seal.seal(kindGrant, grant{Request: authRequest{Client: clientRef("c"), RedirectURI: redirect, State: "st" + pad,
		CodeChallenge: oauth2.S256ChallengeFromVerifier(testVerifier)}, APIKey: "sk_lf_good"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// connect posts a grant's Connect and returns the answer's status and the
// code it sends the app, if any.
func connect(t *testing.T, ts *httptest.Server, g string) (int, string) {
	t.Helper()
	resp, err := noFollow.PostForm(ts.URL+"/authorize", url.Values{"grant": {g}, "action": {"connect"}})
	read(resp, err)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return resp.StatusCode, loc.Query().Get("code")
}

// exchange posts a code to /token and returns the status.
func exchange(t *testing.T, ts *httptest.Server, code, redirect string) int {
	t.Helper()
	resp, err := http.PostForm(ts.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {"c"}, "redirect_uri": {redirect}, "code_verifier": {testVerifier}})
	read(resp, err)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

// TestRespelledCodeIsTheSameCode: a code written another way is the same
// code: of the two spellings, in either order, one is exchanged.
func TestRespelledCodeIsTheSameCode(t *testing.T) {
	t.Parallel()
	for _, tc := range respellings {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, ts := newTestServer(t, nil, nil)
			for _, respelledFirst := range []bool{false, true} {
				// The redirect URI's length picks a code with spare bits.
				var code, redirect string
				for pad := ""; code == "" || !hasSpareBits(kindCode, code); pad += "x" {
					redirect = "http://localhost:9/cb" + pad
					if _, code = connect(t, ts, testGrant(t, s, redirect, "")); code == "" {
						t.Fatal("no code was issued")
					}
				}
				spellings := []string{code, tc.respell(code)}
				if respelledFirst {
					slices.Reverse(spellings)
				}
				var statuses []int
				exchanged := 0
				for _, c := range spellings {
					status := exchange(t, ts, c, redirect)
					if status == http.StatusOK {
						exchanged++
					}
					statuses = append(statuses, status)
				}
				if exchanged != 1 {
					t.Errorf("respelled first %v: %q then %q answered %v; one of them must be exchanged, once", respelledFirst, spellings[0], spellings[1], statuses)
				}
			}
		})
	}
}

// TestRespelledGrantIsTheSameGrant: a sign-in grant written another way
// is the same grant: it yields one code.
func TestRespelledGrantIsTheSameGrant(t *testing.T) {
	t.Parallel()
	for _, tc := range respellings {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, ts := newTestServer(t, nil, nil)
			for _, respelledFirst := range []bool{false, true} {
				var g string
				for pad := ""; g == "" || !hasSpareBits(kindGrant, g); pad += "x" {
					g = testGrant(t, s, "http://localhost:9/cb", pad)
				}
				spellings := []string{g, tc.respell(g)}
				if respelledFirst {
					slices.Reverse(spellings)
				}
				codes := 0
				for _, g := range spellings {
					if _, code := connect(t, ts, g); code != "" {
						codes++
					}
				}
				if codes != 1 {
					t.Errorf("respelled first %v: one grant gave %d codes", respelledFirst, codes)
				}
			}
		})
	}
}

// TestFullMemoryStillAdmitsSignIns: when the memory of used values is
// full of live ones, a new sign-in still goes through.
func TestFullMemoryStillAdmitsSignIns(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil, nil)
	s.used = newUsedValues(2)
	for i := range 5 {
		if status, code := connect(t, ts, testGrant(t, s, "http://localhost:9/cb", "")); status != http.StatusSeeOther || code == "" {
			t.Fatalf("sign-in %d with the memory full: %d", i+1, status)
		}
	}
}

// TestUsedForgetsNearestExpiry: the memory, when full, forgets the value
// nearest to expiring, and those expired before any.
func TestUsedForgetsNearestExpiry(t *testing.T) {
	t.Parallel()
	start := time.Now()
	for _, tc := range []struct {
		name string
		at   time.Duration // when the new value comes
		gone []string
	}{
		{"none expired", 0, []string{"1m"}},
		{"one expired", 90 * time.Second, []string{"1m"}},
		{"two expired", 150 * time.Second, []string{"1m", "2m"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := newUsedValues(3)
			for _, id := range []string{"3m", "1m", "2m"} {
				d, _ := time.ParseDuration(id)
				if !u.add(singleUse{id: id, until: start.Add(d)}, start) {
					t.Fatalf("%s was refused", id)
				}
			}
			if !u.add(singleUse{id: "new", until: start.Add(time.Hour)}, start.Add(tc.at)) {
				t.Fatal("the full memory refused a new value")
			}
			for _, id := range []string{"3m", "1m", "2m", "new"} {
				if _, kept := u.ids[id]; kept == slices.Contains(tc.gone, id) {
					t.Errorf("%s kept: %v", id, kept)
				}
			}
			if len(u.ids) != len(u.byExpiry) {
				t.Errorf("%d values but %d expiries", len(u.ids), len(u.byExpiry))
			}
		})
	}
}

// TestSealedValuesHaveOneSpelling: a sealed value opens only as it was
// written; the single-use memory names it by what it carries, not by its
// spelling.
func TestSealedValuesHaveOneSpelling(t *testing.T) {
	t.Parallel()
	s, err := newSealer([]string{secret})
	if err != nil {
		t.Fatal(err)
	}
	var v string
	for pad := ""; v == "" || !hasSpareBits(kindCode, v); pad += "x" {
		v, _ = s.seal(kindCode, code{APIKey: "sk_lf_x" + pad}, time.Minute)
	}
	first, err := s.openSingle(kindCode, v, &code{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range respellings {
		if _, err := s.openSingle(kindCode, tc.respell(v), &code{}); err == nil {
			t.Errorf("%s: a respelled value opened", tc.name)
		}
	}
	again, _ := s.openSingle(kindCode, v, &code{})
	other, _ := s.seal(kindCode, code{APIKey: "sk_lf_x"}, time.Minute)
	third, _ := s.openSingle(kindCode, other, &code{})
	if first.id != again.id || first.id == third.id || first.until.Before(time.Now().Add(59*time.Second)) {
		t.Errorf("ids %x, %x, %x until %v: one value must have one id, another value another", first.id, again.id, third.id, first.until)
	}
}
