package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// tokenSecret turns OAuth sign-in on (it needs 32 characters or more).
const tokenSecret = "bench-token-secret-0123456789abcdefghij"

// redirectURI is where the sign-in sends the browser back: a loopback
// port nothing listens on, since the benchmark only reads the address.
const redirectURI = "http://127.0.0.1:1/cb"

// The prefixes of the sealed values sent again (oauth/seal.go).
const (
	codePrefix  = "lfmcp_code_"
	grantPrefix = "lfmcp_grant_"
)

// pkceVerifier is the sign-in's PKCE code_verifier (43 to 128 characters).
var pkceVerifier = strings.Repeat("v", 50)

// respellRun is a real sign-in whose code, once redeemed, and grant, once
// used, are sent again in other spellings.
type respellRun struct {
	code, grant []respelled
}

// respelled is one spelling sent again, the status that answered it, and
// whether it was refused.
type respelled struct {
	spelling string
	status   int
	refused  bool
}

// spelling is a value as sent, and how the report names the change.
type spelling struct{ name, value string }

// respellings are spellings of a sealed value (prefix, then base64url
// without padding) that a lenient decoder reads as the same bytes: Go's
// skips line feeds and carriage returns, and ignores the spare low bits of
// a last character that carries fewer than 6 bits of the value.
func respellings(prefix, v string) []spelling {
	s := []spelling{
		{"a line feed in the middle", v[:len(v)/2] + "\n" + v[len(v)/2:]},
		{"a line feed appended", v + "\n"},
		{"CR LF appended", v + "\r\n"},
	}
	if (len(v)-len(prefix))%4 != 0 {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, v[len(v)-1])
		s = append(s, spelling{"the spare bits of its last character changed", v[:len(v)-1] + string(alphabet[last^1])})
	}
	return s
}

// respelledCodes signs in on a server with OAuth on, redeems the code,
// then sends the code to /token and the used grant to /authorize again, in
// each of their other spellings.
func (r *report) respelledCodes(binary string) error {
	_, ts, err := fixtureFake()
	if err != nil {
		return err
	}
	defer ts.Close()
	base, cmd, logs, err := httpServer(binary, ts.URL, "LIGHTFIELD_TOKEN_SECRET="+tokenSecret)
	if err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// Redirects are read, not followed, as a browser's address bar shows them.
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	clientID, grant, code, err := signIn(client, base)
	if err != nil {
		return fmt.Errorf("sign-in: %w\n%s", err, logs)
	}
	if status, oauthErr, err := redeem(client, base, clientID, code); err != nil || status != http.StatusOK {
		return fmt.Errorf("the code's first redemption answered %d %s: %v\n%s", status, oauthErr, err, logs)
	}
	run := &respellRun{}
	for _, s := range respellings(codePrefix, code) {
		status, oauthErr, err := redeem(client, base, clientID, s.value)
		if err != nil {
			return fmt.Errorf("the code with %s: %w", s.name, err)
		}
		run.code = append(run.code, respelled{s.name, status, status == http.StatusBadRequest && oauthErr == "invalid_grant"})
	}
	for _, s := range respellings(grantPrefix, grant) {
		status, second, err := connect(client, base, s.value)
		if err != nil {
			return fmt.Errorf("the grant with %s: %w", s.name, err)
		}
		run.grant = append(run.grant, respelled{s.name, status, second == ""})
	}
	r.respell = run
	return nil
}

// signIn plays an app and the person at its sign-in page: it registers the
// app, opens the page with PKCE S256, posts the key and presses Connect.
// It returns the app's client_id, the grant Connect used, and the code.
func signIn(client *http.Client, base string) (clientID, grant, code string, err error) {
	if clientID, err = register(client, base); err != nil {
		return "", "", "", err
	}
	challenge := sha256.Sum256([]byte(pkceVerifier))
	page, err := readPage(client.Get(base + "/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])}, "code_challenge_method": {"S256"}}.Encode()))
	if err != nil {
		return "", "", "", fmt.Errorf("the sign-in page: %w", err)
	}
	page, err = readPage(client.PostForm(base+"/authorize", url.Values{"request": {formField(page, "request")}, "api_key": {apiKey}}))
	if err != nil {
		return "", "", "", fmt.Errorf("posting the key: %w", err)
	}
	if grant = formField(page, "grant"); grant == "" {
		return "", "", "", fmt.Errorf("the page offers no Connect for the key:\n%s", page)
	}
	status, code, err := connect(client, base, grant)
	if err == nil && code == "" {
		err = fmt.Errorf("pressing Connect answered %d without a code", status)
	}
	return clientID, grant, code, err
}

// register registers an app by Dynamic Client Registration and returns its
// client_id.
func register(client *http.Client, base string) (string, error) {
	body, err := json.Marshal(map[string]any{"client_name": "bench", "redirect_uris": []string{redirectURI}})
	if err != nil {
		return "", err
	}
	resp, err := client.Post(base+"/register", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("register: %w", err)
	}
	defer resp.Body.Close()
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("register answered %d: %v", resp.StatusCode, err)
	}
	return reg.ClientID, nil
}

// readPage reads a sign-in page answered 200.
func readPage(resp *http.Response, err error) (string, error) {
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("answered %d:\n%s", resp.StatusCode, page)
	}
	return string(page), err
}

var formValue = regexp.MustCompile(`name="(request|grant)" value="([^"]+)"`)

// formField is the value of the page's hidden field name, "" if none.
func formField(page, name string) string {
	for _, m := range formValue.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	return ""
}

// connect posts a grant to /authorize as the Connect button does, and
// returns the status and the code the redirect carries ("" for none).
func connect(client *http.Client, base, grant string) (int, string, error) {
	resp, err := client.PostForm(base+"/authorize", url.Values{"grant": {grant}, "action": {"connect"}})
	if err != nil {
		return 0, "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("the redirect: %w", err)
	}
	return resp.StatusCode, back.Query().Get("code"), nil
}

// redeem exchanges a code at /token, and returns the status and the OAuth
// error code ("" for none).
func redeem(client *http.Client, base, clientID, code string) (int, string, error) {
	resp, err := client.PostForm(base+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {clientID}, "redirect_uri": {redirectURI}, "code_verifier": {pkceVerifier}})
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var answer struct {
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return resp.StatusCode, "", fmt.Errorf("/token answered %d, not JSON: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, answer.Error, nil
}

// tally counts the spellings refused, and all by status.
func tally(attempts []respelled) (refused int, status statusCount) {
	status = statusCount{}
	for _, a := range attempts {
		status[a.status]++
		if a.refused {
			refused++
		}
	}
	return refused, status
}

// respellIntro says what the respelled codes do, for the section's prose.
const respellIntro = "The respelled codes run on a server of their own with OAuth sign-in on (`LIGHTFIELD_TOKEN_SECRET`): a real sign-in (POST `/register`, GET `/authorize` with PKCE S256, the key posted, Connect), whose code is redeemed once at POST `/token` and then sent there again in spellings a lenient base64url decoder reads as the same bytes (a line feed in the middle, a line feed or CR LF appended, and, when its last character carries spare bits, those bits changed); the grant Connect used is posted to `/authorize` again in the same spellings."

// respellRows writes the respelled codes' rows of the hostile callers'
// table.
func (r *report) respellRows(b *strings.Builder) {
	p := r.respell
	codes, codeStatus := tally(p.code)
	grants, grantStatus := tally(p.grant)
	fmt.Fprintf(b, "| respelled code: a sign-in's code, redeemed once (200), sent to POST `/token` again respelled | %d of %d refused with 400 `invalid_grant` (%s) | all refused: %s |\n", codes, len(p.code), codeStatus, verdict(codes == len(p.code)))
	fmt.Fprintf(b, "| respelled grant: the grant Connect used, posted to `/authorize` again respelled | %d of %d gave no code (%s) | all refused: %s |\n", grants, len(p.grant), grantStatus, verdict(grants == len(p.grant)))
}

// respellMissed names each respelling the server did not refuse.
func (r *report) respellMissed() []string {
	var taken []string
	for _, a := range r.respell.code {
		if !a.refused {
			taken = append(taken, fmt.Sprintf("the code with %s (answered %d)", a.spelling, a.status))
		}
	}
	for _, a := range r.respell.grant {
		if !a.refused {
			taken = append(taken, fmt.Sprintf("the grant with %s (answered %d with a new code)", a.spelling, a.status))
		}
	}
	if len(taken) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("**Respelled codes and grants**: not refused: %s. A code or a grant is used once, however it is spelled, so every respelling of one already used should be refused.", strings.Join(taken, "; "))}
}
