package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// chromiumPath is the browser the sign-in page test drives: Debian's
// Chromium, or the Chromium or Chrome that LFMCP_CHROMIUM names (the GitHub
// CI workflow sets it to the runner's Google Chrome).
func chromiumPath() string {
	if path := os.Getenv("LFMCP_CHROMIUM"); path != "" {
		return path
	}
	return "/usr/bin/chromium"
}

// browserTests returns e2e/ts once Chromium and playwright-core are there;
// LFMCP_REQUIRE_BROWSER=1 (test.sh sets it) turns a missing browser into a
// failure, not a skip.
func browserTests(t *testing.T) string {
	t.Helper()
	chromium := chromiumPath()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("LFMCP_REQUIRE_BROWSER") == "1" {
			t.Fatalf("the sign-in page test needs Chromium at %s (Debian: apt-get install chromium; LFMCP_CHROMIUM names another)", chromium)
		}
		t.Skipf("Chromium is not at %s (Debian: apt-get install chromium; LFMCP_CHROMIUM names another); LFMCP_REQUIRE_BROWSER=1 makes this a failure", chromium)
	}
	dir := nodeTests(t)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed in %s: run npm ci there", dir)
	}
	return dir
}

// TestSignInPageInBrowser: a person at the sign-in page in a real browser
// is told a wrong key is refused and a key without opportunities:create
// cannot connect; with the right key, Connect sends the browser back to
// the app with a code that the app redeems for a working token, and Cancel
// sends it back with access_denied.
func TestSignInPageInBrowser(t *testing.T) {
	dir := browserTests(t)
	_, b, api := twoOrgs(t)
	// The second organisation's key may read deals but not create them.
	b.SetScopes("opportunities:read", "accounts:read", "contacts:read", "members:read")
	base, _, logs := startHTTP(t, "LIGHTFIELD_BASE_URL="+api, "LIGHTFIELD_TOKEN_SECRET="+tokenSecret)

	// The app's loopback redirect URI, where the browser lands.
	var mu sync.Mutex
	var callbacks []url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		callbacks = append(callbacks, r.URL.Query())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>Back in the app</title><p>You can close this window.</p>"))
	}))
	t.Cleanup(app.Close)
	redirect := app.URL + "/callback"

	clientID := register(t, base, "browser e2e", redirect)
	verifier := strings.Repeat("browser-verifier-", 4)
	const state = "browser-state-1"
	authorize := base + "/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"state": {state}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}, "resource": {base + "/mcp"}}.Encode()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "signin.browser.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LFMCP_CHROMIUM="+chromiumPath(), "LFMCP_AUTHORIZE_URL="+authorize, "LFMCP_REDIRECT_URI="+redirect,
		"LFMCP_STATE="+state, "LIGHTFIELD_API_KEY="+keyA, "LFMCP_LIMITED_KEY="+keyB)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the browser test failed: %v\n%s\nserver log:\n%s", err, out, logs.String())
	}

	mu.Lock()
	defer mu.Unlock()
	if len(callbacks) != 2 || callbacks[0].Get("code") == "" || callbacks[1].Get("error") != "access_denied" {
		t.Fatalf("the app was called back with %v, want a code, then access_denied", callbacks)
	}
	for _, q := range callbacks {
		if q.Get("state") != state || q.Get("iss") != base {
			t.Errorf("called back with state %q and iss %q", q.Get("state"), q.Get("iss"))
		}
	}
	tokenResp, err := http.PostForm(base+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {callbacks[0].Get("code")},
		"client_id": {clientID}, "redirect_uri": {redirect}, "code_verifier": {verifier}, "resource": {base + "/mcp"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tokenResp.Body.Close()
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(tokenResp.Body).Decode(&tokens); err != nil || tokenResp.StatusCode != 200 || tokens.AccessToken == "" {
		t.Fatalf("the code the browser brought back: %d %v", tokenResp.StatusCode, err)
	}
	if resp := post(t, base+"/mcp", tokens.AccessToken, "", listRequest); resp.StatusCode != 200 {
		t.Fatalf("tools/list with the access token: %d", resp.StatusCode)
	}
	if strings.Contains(logs.String(), keyA) || strings.Contains(logs.String(), keyB) {
		t.Error("a key was logged")
	}
}
