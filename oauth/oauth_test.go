package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

const secret = "unit-test-secret-0123456789abcdefghijklmnop"

func TestSealOpens(t *testing.T) {
	s, err := newSealer([]string{secret})
	if err != nil {
		t.Fatal(err)
	}
	token, _ := s.seal(kindAccess, accessToken{APIKey: "sk_lf_x"}, time.Hour)
	var at accessToken
	if err := s.open(kindAccess, token, &at); err != nil || at.APIKey != "sk_lf_x" {
		t.Fatalf("%v %+v", err, at)
	}
	if strings.Contains(token, "sk_lf_x") {
		t.Fatal("the key shows through the token")
	}
	// Another kind, an altered byte, an expired value, another secret.
	if err := s.open(kindRefresh, strings.Replace(token, kindAccess, kindRefresh, 1), &at); err == nil {
		t.Error("an access token opened as a refresh token")
	}
	altered := []byte(token)
	altered[len(altered)-3] ^= 1
	if err := s.open(kindAccess, string(altered), &at); err == nil {
		t.Error("an altered token opened")
	}
	expired, _ := s.seal(kindCode, code{}, -time.Second)
	if err := s.open(kindCode, expired, &code{}); err == nil {
		t.Error("an expired code opened")
	}
	other, _ := newSealer([]string{strings.ToUpper(secret)})
	if err := other.open(kindAccess, token, &at); err == nil {
		t.Error("a token opened under another secret")
	}
	// Rotation: the new secret seals, the old one still opens.
	rotated, _ := newSealer([]string{strings.ToUpper(secret), secret})
	if err := rotated.open(kindAccess, token, &at); err != nil {
		t.Errorf("a token sealed under the old secret: %v", err)
	}
	if _, err := newSealer([]string{"short"}); err == nil {
		t.Error("a short secret was accepted")
	}
}

func TestRedirectURIs(t *testing.T) {
	for uri, ok := range map[string]bool{
		"https://claude.ai/api/mcp/auth_callback":            true,
		"http://localhost:33418/callback":                    true,
		"http://127.0.0.1:9/cb":                              true,
		"cursor://anysphere.cursor-retrieval/oauth/callback": true,
		"http://evil.example/cb":                             false,
		"https://ok.example/cb#frag":                         false,
		"javascript:alert(1)":                                false,
		"/relative":                                          false,
	} {
		if err := checkRedirectURIs([]string{uri}); (err == nil) != ok {
			t.Errorf("%s: %v", uri, err)
		}
	}
}

// newTestServer serves the authorization server; keys starting with
// sk_lf_good are accepted with scopes, others refused.
func newTestServer(t *testing.T, scopes []string, metadataClient *http.Client) (*Server, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	s, err := New(Config{PublicURL: ts.URL, Secrets: []string{secret}, ClientMetadata: metadataClient,
		Validate: func(_ context.Context, key string) (*lfclient.KeyInfo, error) {
			if !strings.HasPrefix(key, "sk_lf_good") {
				return nil, &lfclient.Error{StatusCode: 401}
			}
			return &lfclient.KeyInfo{Active: true, Scopes: scopes}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	s.Register(mux)
	return s, ts
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// read returns an answer's body (or the request's error).
func read(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestAuthorizeErrorsStayOnThePage: a request that cannot be served is
// explained on the page, never redirected: anyone may register a redirect
// URI, and an automatic redirect would make this host a springboard.
func TestAuthorizeErrorsStayOnThePage(t *testing.T) {
	_, ts := newTestServer(t, nil, nil)
	var reg registered
	json.Unmarshal([]byte(read(http.Post(ts.URL+"/register", "application/json", strings.NewReader(`{"client_name":"<b>App</b>","redirect_uris":["http://localhost:9/cb"]}`)))), &reg)
	base := url.Values{"client_id": {reg.ClientID}, "redirect_uri": {"http://localhost:9/cb"}, "response_type": {"code"}, "state": {"st"}}
	for name, tc := range map[string]struct {
		change   url.Values
		location string // a redirect with this error, or "" for a page
		page     string
	}{
		"no PKCE":          {nil, "", "PKCE is required"},
		"another resource": {url.Values{"code_challenge": {"c"}, "code_challenge_method": {"S256"}, "resource": {"https://elsewhere.example/mcp"}}, "", "resource must be"},
		"token flow":       {url.Values{"response_type": {"token"}, "code_challenge": {"c"}, "code_challenge_method": {"S256"}}, "", "response_type must be code"},
		"plain PKCE":       {url.Values{"code_challenge": {"c"}, "code_challenge_method": {"plain"}}, "", "PKCE is required"},
		"huge state":       {url.Values{"code_challenge": {"c"}, "code_challenge_method": {"S256"}, "state": {strings.Repeat("s", 5000)}}, "", "too long"},
		"foreign redirect": {url.Values{"redirect_uri": {"http://localhost:9/other"}}, "", "did not register"},
		"unknown client":   {url.Values{"client_id": {"someone"}}, "", "could not be identified"},
		"forged client":    {url.Values{"client_id": {kindClient + "AAAA"}}, "", "could not be identified"},
	} {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		for k, v := range tc.change {
			q[k] = v
		}
		resp, err := noFollow.Get(ts.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		page := read(resp, nil)
		switch {
		case tc.location != "":
			if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || !strings.HasPrefix(loc, "http://localhost:9/cb?") || !strings.Contains(loc, tc.location) || !strings.Contains(loc, "state=st") {
				t.Errorf("%s: %d %s", name, resp.StatusCode, loc)
			}
		case resp.StatusCode != 400 || !strings.Contains(page, tc.page) || resp.Header.Get("Location") != "":
			t.Errorf("%s: %d %s", name, resp.StatusCode, page)
		}
	}
	// The app's name is shown as text, never as markup, and as the app's
	// own claim.
	q := base
	q.Set("code_challenge", "c")
	q.Set("code_challenge_method", "S256")
	page := read(noFollow.Get(ts.URL + "/authorize?" + q.Encode()))
	if !strings.Contains(page, "&lt;b&gt;App&lt;/b&gt; (as the app names itself)") {
		t.Errorf("the client's name is not escaped:\n%s", page)
	}
}

// TestMissingScopesAreShown: a key without the scopes deals need is shown
// what it lacks and cannot connect; one without useful scopes is told
// which, and can.
func TestMissingScopesAreShown(t *testing.T) {
	for _, tc := range []struct {
		scopes  []string
		connect bool
		want    string
	}{
		{[]string{"opportunities:read"}, false, "opportunities:create</code>, without which no deal can be created"},
		{[]string{"opportunities:read", "opportunities:create"}, true, "Missing: <code>accounts:read</code>"},
		{nil, true, "full access"},
	} {
		_, ts := newTestServer(t, tc.scopes, nil)
		var reg registered
		json.Unmarshal([]byte(read(http.Post(ts.URL+"/register", "application/json", strings.NewReader(`{"redirect_uris":["http://localhost:9/cb"]}`)))), &reg)
		page := read(noFollow.Get(ts.URL + "/authorize?" + url.Values{"client_id": {reg.ClientID}, "response_type": {"code"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(strings.Repeat("a", 43))}, "code_challenge_method": {"S256"}}.Encode()))
		request := strings.Split(strings.Split(page, `name="request" value="`)[1], `"`)[0]
		page = read(noFollow.PostForm(ts.URL+"/authorize", url.Values{"request": {request}, "api_key": {"sk_lf_good"}}))
		if strings.Contains(page, `name="grant"`) != tc.connect || !strings.Contains(page, tc.want) {
			t.Errorf("scopes %v:\n%s", tc.scopes, page)
		}
	}
}

// TestClientMetadataDocuments: a client_id that is an https URL is read
// from there (with its redirect URIs); private addresses are refused by
// the default client, and so are documents that name another client_id.
func TestClientMetadataDocuments(t *testing.T) {
	var doc string
	fetched := 0
	docs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, doc)
	}))
	defer docs.Close()
	id := docs.URL + "/client.json"
	s, _ := newTestServer(t, nil, docs.Client())
	doc = fmt.Sprintf(`{"client_id":%q,"client_name":"CIMD app","redirect_uris":["https://app.example/cb"]}`, id)
	c, err := s.client(context.Background(), id)
	if err != nil || c.Name != "CIMD app" || c.RedirectURIs[0] != "https://app.example/cb" {
		t.Fatalf("%+v %v", c, err)
	}
	doc = `{"client_id":"https://other.example/client.json","redirect_uris":["https://app.example/cb"]}`
	if _, err := s.client(context.Background(), id+"?2"); err == nil {
		t.Error("a document naming another client_id was accepted")
	}
	// A document that could not be used is not fetched again at once.
	before := fetched
	if _, err := s.client(context.Background(), id+"?2"); err == nil || fetched != before {
		t.Errorf("a refused document was fetched again (%d fetches)", fetched-before)
	}
	doc = fmt.Sprintf(`{"client_id":%q,"redirect_uris":["https://app.example/cb"],"pad":%q}`, id+"?3", strings.Repeat("x", maxClientDocument))
	if _, err := s.client(context.Background(), id+"?3"); err == nil {
		t.Error("an oversized document was accepted")
	}
	guarded := newClientDocuments(guardedClient(false))
	if _, err := guarded.fetch(context.Background(), id); err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Errorf("a loopback document was fetched: %v", err)
	}
	if _, err := guarded.fetch(context.Background(), "http://app.example/client.json"); err == nil {
		t.Error("an http client_id was fetched")
	}
}

// TestLoopbackRedirectsOnAnyPort: an app on this device registers its
// loopback address and listens on a port it picks when it starts (Claude
// Code's metadata document lists http://localhost/callback); any port is
// accepted there, and nowhere else.
func TestLoopbackRedirectsOnAnyPort(t *testing.T) {
	registered := []string{"http://localhost/callback", "http://127.0.0.1/callback", "https://app.example/cb"}
	for redirect, ok := range map[string]bool{
		"http://localhost:62053/callback":        true,
		"http://127.0.0.1:9/callback":            true,
		"http://localhost:62053/other":           false,
		"http://[::1]:62053/callback":            false,
		"https://app.example:8443/cb":            false,
		"http://localhost.evil.example/callback": false,
	} {
		if got := redirectAllowed(registered, redirect); got != ok {
			t.Errorf("%s: %v, want %v", redirect, got, ok)
		}
	}
}

// TestKeyChecksAreBounded: the sign-in page asks Lightfield about keys at a
// bounded rate for the whole process; beyond it, the page says to wait.
func TestKeyChecksAreBounded(t *testing.T) {
	s, ts := newTestServer(t, nil, nil)
	request, _ := s.seal.seal(kindRequest, authRequest{Client: clientRef("c"), RedirectURI: "http://localhost:9/cb"}, time.Minute)
	limited := 0
	for range 40 {
		resp, err := noFollow.PostForm(ts.URL+"/authorize", url.Values{"request": {request}, "api_key": {"sk_lf_wrong"}})
		if page := read(resp, err); resp != nil && resp.StatusCode == http.StatusTooManyRequests && strings.Contains(page, "Wait a minute") {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("40 key checks in a row were all passed on to Lightfield")
	}
}

// TestCancelBeforeAnyKey: the person may decline on the first page, with
// no key; the app is told access_denied.
func TestCancelBeforeAnyKey(t *testing.T) {
	s, ts := newTestServer(t, nil, nil)
	request, _ := s.seal.seal(kindRequest, authRequest{Client: clientRef("c"), RedirectURI: "http://localhost:9/cb", State: "st"}, time.Minute)
	resp, err := noFollow.PostForm(ts.URL+"/authorize", url.Values{"request": {request}, "action": {"cancel"}})
	read(resp, err)
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error=access_denied") || !strings.Contains(loc, "state=st") {
		t.Fatalf("%d %s", resp.StatusCode, loc)
	}
	if _, err := New(Config{PublicURL: "https://example.com/lightfield", Secrets: []string{secret}}); err == nil {
		t.Error("a public URL with a path was accepted")
	}
}

// TestSingleUse: a sign-in grant yields one code, a code one token pair,
// and a sign-in lasts RefreshTokenLifetime however often it is refreshed.
func TestSingleUse(t *testing.T) {
	s, ts := newTestServer(t, nil, nil)
	verifier := strings.Repeat("v", 43)
	g, _ := s.seal.seal(kindGrant, grant{Request: authRequest{Client: clientRef("c"), RedirectURI: "http://localhost:9/cb", CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier)}, APIKey: "sk_lf_good"}, time.Minute)
	first, err := noFollow.PostForm(ts.URL+"/authorize", url.Values{"grant": {g}, "action": {"connect"}})
	read(first, err)
	second, err := noFollow.PostForm(ts.URL+"/authorize", url.Values{"grant": {g}, "action": {"connect"}})
	if page := read(second, err); first.StatusCode != http.StatusSeeOther || second.StatusCode != http.StatusBadRequest || !strings.Contains(page, "already completed") {
		t.Fatalf("a grant used twice: %d then %d", first.StatusCode, second.StatusCode)
	}
	// A refresh token whose sign-in is older than its lifetime is refused.
	old, _ := s.seal.seal(kindRefresh, refreshToken{APIKey: "sk_lf_good", Client: clientRef("c"), Resource: s.resource, SignedIn: time.Now().Add(-RefreshTokenLifetime - time.Minute).Unix()}, time.Hour)
	resp, err := http.PostForm(ts.URL+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old}, "client_id": {"c"}})
	if b := read(resp, err); resp.StatusCode != 400 || !strings.Contains(b, "expired") {
		t.Fatalf("a 31-day-old sign-in refreshed: %d %s", resp.StatusCode, b)
	}
	// A fresh one refreshes, and the new refresh token keeps the sign-in's time.
	fresh, _ := s.seal.seal(kindRefresh, refreshToken{APIKey: "sk_lf_good", Client: clientRef("c"), Resource: s.resource, SignedIn: time.Now().Add(-time.Hour).Unix()}, time.Hour)
	resp, err = http.PostForm(ts.URL+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fresh}, "client_id": {"c"}})
	var tokens tokenResponse
	json.Unmarshal([]byte(read(resp, err)), &tokens)
	var rt refreshToken
	if err := s.seal.open(kindRefresh, tokens.RefreshToken, &rt); err != nil || time.Since(time.Unix(rt.SignedIn, 0)) < 59*time.Minute {
		t.Fatalf("the refreshed token forgot when the person signed in: %v %+v", err, rt)
	}
}

// TestInwardAddresses: the metadata fetch refuses every address that is
// not the public internet, IPv6 tunnels into private networks included.
func TestInwardAddresses(t *testing.T) {
	for addr, public := range map[string]bool{
		"93.184.216.34": true, "2606:2800:220:1::1": true,
		"10.0.0.1": false, "127.0.0.1": false, "169.254.169.254": false, "100.64.0.1": false, "0.1.2.3": false, "198.18.0.1": false,
		"::1": false, "fc00::1": false, "fe80::1": false, "fec0::1": false, "::a00:1": false,
		"64:ff9b::a00:1": false, "2002:a00:1::1": false, "2001::1": false, "100::1": false, "::ffff:10.0.0.1": false,
	} {
		if got := publicAddress(netip.MustParseAddr(addr).Unmap()); got != public {
			t.Errorf("%s: public %v, want %v", addr, got, public)
		}
	}
}

// TestRegistrationIsPublic: a client asking for a secret is registered as
// a public client (PKCE), and told so, rather than refused.
func TestRegistrationIsPublic(t *testing.T) {
	_, ts := newTestServer(t, nil, nil)
	resp, err := http.Post(ts.URL+"/register", "application/json", strings.NewReader(`{"redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"client_secret_post"}`))
	var reg registered
	json.Unmarshal([]byte(read(resp, err)), &reg)
	if resp.StatusCode != http.StatusCreated || reg.TokenEndpointAuthMethod != "none" || reg.ClientID == "" {
		t.Fatalf("%d %+v", resp.StatusCode, reg)
	}
}
