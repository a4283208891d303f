package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

const tokenSecret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// noRedirects is a client that shows redirects instead of following them,
// as a browser's address bar would.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var formValue = regexp.MustCompile(`name="(request|grant)" value="([^"]+)"`)

// signIn plays the person at the sign-in page: it opens the authorization
// URL, pastes key, reads the scopes and presses Connect; it returns the
// address the browser is sent back to, and the pages it saw.
func signIn(t *testing.T, authorizeURL, key string) (*url.URL, []string) {
	t.Helper()
	var pages []string
	read := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		pages = append(pages, string(body))
		return string(body)
	}
	field := func(page, name string) string {
		for _, m := range formValue.FindAllStringSubmatch(page, -1) {
			if m[1] == name {
				return html.UnescapeString(m[2])
			}
		}
		t.Fatalf("the page has no %s field:\n%s", name, page)
		return ""
	}
	page := read(noRedirects.Get(authorizeURL))
	base := authorizeURL[:strings.Index(authorizeURL, "/authorize")]
	page = read(noRedirects.PostForm(base+"/authorize", url.Values{"request": {field(page, "request")}, "api_key": {key}}))
	resp, err := noRedirects.PostForm(base+"/authorize", url.Values{"grant": {field(page, "grant")}, "action": {"connect"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Connect answered %d, want a redirect", resp.StatusCode)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back, pages
}

// TestOAuthSignInCreatesADeal: a remote client that knows nothing but the
// server's URL (the official Go SDK's OAuth handler: discovery, dynamic
// registration, PKCE, the code exchange) signs in through the page with a
// Lightfield key and creates a deal with the token it got.
func TestOAuthSignInCreatesADeal(t *testing.T) {
	a, _, api := twoOrgs(t)
	base, _, logs := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+tokenSecret)

	var seen []string
	handler, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName: "go-sdk e2e", RedirectURIs: []string{"http://127.0.0.1:1/callback"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		}},
		RedirectURL: "http://127.0.0.1:1/callback",
		AuthorizationCodeFetcher: func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			back, pages := signIn(t, args.URL, keyA)
			seen = pages
			q := back.Query()
			if q.Get("code") == "" {
				return nil, fmt.Errorf("sent back without a code: %s", back)
			}
			return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "oauth-e2e", Version: "0"}, nil)
	session, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: handler}, nil)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, logs.String())
	}
	defer session.Close()
	if len(seen) != 2 || !strings.Contains(seen[0], "go-sdk e2e") || !strings.Contains(seen[1], "full access") {
		t.Errorf("the pages did not name the app and the key's access: %q", seen)
	}
	res, err := session.CallTool(context.Background(), &mcp.CallToolParams{Name: "create_opportunity", Arguments: map[string]any{
		"fields": map[string]any{"$name": "Signed-in deal", "$stage": "Discovery"}, "relationships": map[string]any{"$account": "Acme Corp"},
	}})
	if err != nil || res.IsError {
		t.Fatalf("create: %v %+v", err, res)
	}
	if n := len(a.Created()); n != 1 {
		t.Fatalf("%d opportunities in the key's organisation, want 1", n)
	}
	if strings.Contains(logs.String(), keyA) {
		t.Error("the key was logged")
	}
}

// TestTypeScriptOAuthClient: the TypeScript SDK's own OAuth client (an
// OAuthClientProvider passed to StreamableHTTPClientTransport) registers,
// sends the person to the page, redeems the code and creates a deal.
func TestTypeScriptOAuthClient(t *testing.T) {
	dir := nodeTests(t)
	a, _, api := twoOrgs(t)
	base, _, logs := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+tokenSecret)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "oauth.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LFMCP_HTTP_URL="+base+"/mcp", "LIGHTFIELD_API_KEY="+keyA)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("TypeScript OAuth client test failed: %v\n%s\nserver log:\n%s", err, out, logs.String())
	}
	if n := len(a.Created()); n != 1 {
		t.Fatalf("%d opportunities stored, want 1\n%s", n, out)
	}
	if strings.Contains(logs.String(), keyA) {
		t.Error("the key was logged")
	}
}

// TestOAuthRefusals: without a token the answer points to the resource
// metadata; a token that does not open, a wrong PKCE verifier, a reused
// code and a wrong key on the page are refused, and a made-up token costs
// no request upstream.
func TestOAuthRefusals(t *testing.T) {
	a, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+tokenSecret)

	resp := post(t, base+"/mcp", "", "", listRequest)
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != 401 || !strings.Contains(challenge, `resource_metadata="`+base+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Fatalf("no token: %d %q", resp.StatusCode, challenge)
	}
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	getJSON(t, base+"/.well-known/oauth-protected-resource/mcp", &prm)
	if prm.Resource != base+"/mcp" || len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != base {
		t.Fatalf("resource metadata %+v", prm)
	}
	var asm map[string]any
	getJSON(t, base+"/.well-known/oauth-authorization-server", &asm)
	for key, want := range map[string]any{"issuer": base, "client_id_metadata_document_supported": true, "code_challenge_methods_supported": []any{"S256"}} {
		if got, _ := json.Marshal(asm[key]); string(got) != mustJSON(want) {
			t.Errorf("authorization server metadata %s = %s, want %s", key, got, mustJSON(want))
		}
	}

	before := len(a.Requests())
	for _, token := range []string{"lfmcp_at_" + strings.Repeat("A", 80), "lfmcp_at_not-base64!"} {
		resp := post(t, base+"/mcp", token, "", listRequest)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("a made-up token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	if after := len(a.Requests()); after != before {
		t.Errorf("made-up tokens cost %d requests upstream", after-before)
	}

	// A registered client whose code is exchanged twice, or with the wrong
	// verifier.
	clientID := register(t, base, "refusals", "http://127.0.0.1:1/cb")
	verifier := strings.Repeat("v", 50)
	authorize := base + "/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:1/cb"},
		"state": {"s1"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}, "resource": {base + "/mcp"}}.Encode()

	wrongKey := func() string {
		page := getPage(t, authorize)
		m := formValue.FindStringSubmatch(page)
		resp, err := noRedirects.PostForm(base+"/authorize", url.Values{"request": {html.UnescapeString(m[2])}, "api_key": {"sk_lf_wrong_key"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}()
	if !strings.Contains(wrongKey, "Lightfield does not accept this key") || strings.Contains(wrongKey, `name="grant"`) {
		t.Errorf("a wrong key on the page:\n%s", wrongKey)
	}

	back, _ := signIn(t, authorize, keyA)
	if back.Query().Get("state") != "s1" || back.Query().Get("iss") != base {
		t.Errorf("sent back to %s", back)
	}
	exchange := func(v string) (int, string) {
		resp, err := http.PostForm(base+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
			"client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {v}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, b := exchange(strings.Repeat("w", 50)); code != 400 || !strings.Contains(b, "PKCE") {
		t.Errorf("a wrong verifier: %d %s", code, b)
	}
	code, b := exchange(verifier)
	if code != 200 {
		t.Fatalf("the right verifier: %d %s", code, b)
	}
	if code, b := exchange(verifier); code != 400 || !strings.Contains(b, "already used") {
		t.Errorf("a code used twice: %d %s", code, b)
	}
	var tokens struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	json.Unmarshal([]byte(b), &tokens)
	// A registered client's id is its whole registration; tokens carry a
	// reference to it, so that they stay short enough for any header.
	if len(tokens.AccessToken) > 1024 || len(tokens.RefreshToken) > 1024 {
		t.Errorf("tokens of %d and %d bytes", len(tokens.AccessToken), len(tokens.RefreshToken))
	}
	if resp := post(t, base+"/mcp", tokens.AccessToken, "", listRequest); resp.StatusCode != 200 {
		t.Errorf("the access token: %d", resp.StatusCode)
	}
	refreshed, err := http.PostForm(base+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens.RefreshToken}, "client_id": {clientID}})
	if err != nil || refreshed.StatusCode != 200 {
		t.Fatalf("refresh: %v %v", err, refreshed)
	}
	refreshed.Body.Close()
	// A token sealed under another secret (another deployment) is refused.
	other, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET=another-secret-0123456789abcdefghijklmnopqrstuvwxyz")
	if resp := post(t, other+"/mcp", tokens.AccessToken, "", listRequest); resp.StatusCode != 401 {
		t.Errorf("a token of another deployment: %d", resp.StatusCode)
	}
}

// TestOAuthSecretRotation: tokens sealed under the old secret still work
// once it is listed in LIGHTFIELD_TOKEN_OLD_SECRETS.
func TestOAuthSecretRotation(t *testing.T) {
	_, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+tokenSecret)
	token := accessTokenFor(t, base, keyA)
	newSecret := "rotated-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	rotated, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+newSecret, "LIGHTFIELD_TOKEN_OLD_SECRETS="+tokenSecret)
	// Another port is another resource: the token is bound to the first
	// server's URL, so a second server on another address refuses it...
	if resp := post(t, rotated+"/mcp", token, "", listRequest); resp.StatusCode != 401 {
		t.Errorf("a token bound to another server's URL: %d", resp.StatusCode)
	}
	// ...and one at the same public URL accepts it.
	same, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+newSecret, "LIGHTFIELD_TOKEN_OLD_SECRETS="+tokenSecret, "LIGHTFIELD_PUBLIC_URL="+base)
	if resp := post(t, same+"/mcp", token, "", listRequest); resp.StatusCode != 200 {
		t.Errorf("a token sealed under the old secret: %d", resp.StatusCode)
	}
}

// accessTokenFor signs in through the page with key and returns the
// access token.
func accessTokenFor(t *testing.T, base, key string) string {
	t.Helper()
	clientID := register(t, base, "", "http://127.0.0.1:1/cb")
	verifier := strings.Repeat("x", 60)
	back, _ := signIn(t, base+"/authorize?"+url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:1/cb"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}.Encode(), key)
	resp, err := http.PostForm(base+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {verifier}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tokens)
	if tokens.AccessToken == "" {
		t.Fatalf("no access token: %d", resp.StatusCode)
	}
	return tokens.AccessToken
}

// register registers an OAuth client by Dynamic Client Registration and
// returns its client_id.
func register(t *testing.T, base, name, redirect string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"client_name": name, "redirect_uris": []string{redirect}})
	resp, err := http.Post(base+"/register", "application/json", strings.NewReader(string(body)))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %v %v", err, resp)
	}
	defer resp.Body.Close()
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	return reg.ClientID
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(v) != nil {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
}

func getPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := noRedirects.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func s256(verifier string) string { return oauth2.S256ChallengeFromVerifier(verifier) }
