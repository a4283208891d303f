package oauth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// roundTripFunc answers requests without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// lookAlike is claude.ai with a Cyrillic с; punycoded is how it is shown.
const (
	lookAlike = "сlaude.ai"
	punycoded = "xn--laude-0ye.ai"
)

// hiding are characters that reorder or hide text: right-to-left
// override, zero-width space, bell.
const hiding = "\u202e\u200b\u0007"

// TestPageShowsHostsInASCII: every host on the sign-in page is in ASCII,
// so that a look-alike cannot pass for claude.ai, and an app's name is
// shown, and registered, without characters that reorder or hide text.
func TestPageShowsHostsInASCII(t *testing.T) {
	t.Parallel()
	// A metadata document on the look-alike host, served without a network.
	documents := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path != "/client.json" {
			return &http.Response{StatusCode: http.StatusNotFound, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}
		doc := fmt.Sprintf(`{"client_id":"https://%s/client.json","client_name":"Claude\u202e Doc\u200b","redirect_uris":["https://%s/cb"]}`, lookAlike, lookAlike)
		return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(doc)), Request: r}, nil
	})}
	_, ts := newTestServer(t, nil, documents)
	body, _ := json.Marshal(map[string]any{"client_name": "Cl" + hiding + "aude App", "redirect_uris": []string{"https://" + lookAlike + "/api/mcp/auth_callback"}})
	var reg registered
	json.Unmarshal([]byte(read(http.Post(ts.URL+"/register", "application/json", strings.NewReader(string(body))))), &reg)
	if reg.ClientName != "Claude App" {
		t.Errorf("registered as %q, want %q", reg.ClientName, "Claude App")
	}
	for _, tc := range []struct {
		name, clientID, redirect, want string
	}{
		{"registered", reg.ClientID, "", "<strong>Claude App (as the app names itself)</strong> asks to create deals, accounts, notes and tasks in your Lightfield CRM. When you connect, you are sent back to <strong>" + punycoded + "</strong>"},
		{"unregistered redirect", reg.ClientID, "https://" + lookAlike + "/elsewhere", "did not register (https://" + punycoded + "/elsewhere)"},
		{"metadata document", "https://" + lookAlike + "/client.json", "", "<strong>Claude Doc (" + punycoded + ")</strong> asks to create deals, accounts, notes and tasks in your Lightfield CRM. When you connect, you are sent back to <strong>" + punycoded + "</strong>"},
		{"unreadable document", "https://" + lookAlike + "/missing.json", "", "its description at https://" + punycoded + "/missing.json could not be read"},
	} {
		q := url.Values{"client_id": {tc.clientID}, "response_type": {"code"}, "code_challenge": {"c"}, "code_challenge_method": {"S256"}}
		if tc.redirect != "" {
			q.Set("redirect_uri", tc.redirect)
		}
		page := read(noFollow.Get(ts.URL + "/authorize?" + q.Encode()))
		if !strings.Contains(page, tc.want) {
			t.Errorf("%s: the page lacks %q:\n%s", tc.name, tc.want, page)
		}
		// The template's own ellipsis aside, the page is ASCII.
		if i := strings.IndexFunc(strings.ReplaceAll(page, "…", ""), func(r rune) bool { return r > unicode.MaxASCII }); i >= 0 {
			t.Errorf("%s: the page shows non-ASCII text: %q", tc.name, []rune(page[i:])[:20])
		}
	}
}

// TestShownHosts: hosts are shown in ASCII, with their port; one that
// does not convert is shown escaped, never raw.
func TestShownHosts(t *testing.T) {
	t.Parallel()
	for redirect, want := range map[string]string{
		"https://" + lookAlike + "/cb":      punycoded,
		"https://" + lookAlike + ":8443/cb": punycoded + ":8443",
		"https://CLAUDE.ai/cb":              "claude.ai",
		"http://localhost:9/cb":             "localhost:9",
		"http://[::1]:9/cb":                 "[::1]:9",
		"https://\u202eevil.example/cb":     "%E2%80%AEevil.example",
		"cursor://anysphere/cb":             "cursor://anysphere (an app on this device)",
		"com.example.app:/cb":               "com.example.app: (an app on this device)",
		// An app's own scheme cannot pass for the website its host names.
		"com.evil.app://claude.ai/api/mcp/auth_callback": "com.evil.app://claude.ai (an app on this device)",
		"web+claude://claude.ai/cb":                      "web+claude://claude.ai (an app on this device)",
	} {
		if got := destination(redirect); got != want {
			t.Errorf("destination(%q) = %q, want %q", redirect, got, want)
		}
	}
	for raw, want := range map[string]string{
		"https://" + lookAlike + ":8443/a?b=c": "https://" + punycoded + ":8443/a?b=c",
		"https://\u202eevil.example/x":         "https://%E2%80%AEevil.example/x",
		"https://ok.example/?q=\u202e":         "https://ok.example/?q=%E2%80%AE",
	} {
		if got := asciiURL(raw); got != want {
			t.Errorf("asciiURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestCleanName: what is invisible or reorders text is taken out of an
// app's name; what is left is trimmed and bounded.
func TestCleanName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"  Claude  ":                        "Claude",
		"Cl\u202eaude":                      "Claude", // right-to-left override (Cf)
		"Cl\u200baude\u2066":                "Claude", // zero-width space, isolate (Cf)
		"Cl\u0007au\tde\n":                  "Claude", // controls (Cc)
		"Cl\u2028au\u2029de":                "Claude", // line and paragraph separators
		"Cl\ue000aude\ufeff":                "Claude", // private use (Co), BOM (Cf)
		"Café Ünïcode":                      "Café Ünïcode",
		strings.Repeat("é", 150):            strings.Repeat("é", maxClientNameLength),
		strings.Repeat("\u200b", 10) + " A": "A",
		// Invisible: Hangul fillers, the blank braille cell, the combining
		// grapheme joiner, variation selectors.
		"Claude\u3164\u3164\u115f\u2800\u034f\ufe0f\U000e0100": "Claude",
		"Ｃｌａｕｄｅ": "Claude", // fullwidth letters (NFKC)
	} {
		if got := cleanName(name); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", name, got, want)
		}
	}
}
