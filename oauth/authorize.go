package oauth

import (
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/idna"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/source"
)

// authRequest is an authorization request that passed its checks, held by
// the sign-in page while the person pastes their key.
type authRequest struct {
	Client        string `json:"cid"` // clientRef of the client_id
	ClientName    string `json:"cn"`
	RedirectURI   string `json:"ru"`
	State         string `json:"st,omitempty"`
	CodeChallenge string `json:"cc"`
}

// maxStateLength bounds the state an app asks to get back: it travels
// sealed in the page's form.
const maxStateLength = 1024

// grant is a key Lightfield accepted, awaiting the person's confirmation.
type grant struct {
	Request authRequest `json:"req"`
	APIKey  string      `json:"k"`
}

// authorize serves the sign-in: GET checks the request and shows the page;
// POST with the key checks it with Lightfield and shows its scopes; POST
// with the grant sends the person back to their app with a code.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.startSignIn(w, r)
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			s.page(w, http.StatusBadRequest, page{Problem: "The form could not be read. Start again from your app."})
			return
		}
		if r.PostForm.Get("grant") != "" {
			s.finishSignIn(w, r)
			return
		}
		s.checkKey(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) startSignIn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := s.client(r.Context(), q.Get("client_id"))
	if err != nil {
		// Without a known client there is nowhere safe to send an error.
		// The person reads a sentence; the operator's log has the cause.
		s.cfg.Log.Info("oauth: sign-in refused: the client could not be identified", "client_id", clientLabel(q.Get("client_id")), "error", err)
		s.page(w, http.StatusBadRequest, page{Problem: "This app could not be identified: " + whyUnknown(q.Get("client_id")) + " Start again from your app; if it keeps happening, tell the operator of this server."})
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(c.RedirectURIs) == 1 {
		redirect = c.RedirectURIs[0]
	}
	if !redirectAllowed(c.RedirectURIs, redirect) {
		s.cfg.Log.Info("oauth: sign-in refused: a redirect URI the client did not register", "client_id", clientLabel(q.Get("client_id")), "redirect_uri", redirect)
		s.page(w, http.StatusBadRequest, page{Problem: "The app asked to be sent back to an address it did not register (" + asciiURL(redirect) + "). Nothing was shared."})
		return
	}
	// A request this server cannot serve is explained on the page rather
	// than sent back: anyone can register a redirect URI, and an automatic
	// redirect would make this host a springboard to it (RFC 9700, 4.11.2).
	refuse := func(why string) {
		s.cfg.Log.Info("oauth: sign-in refused: a malformed request", "client_id", clientLabel(q.Get("client_id")), "reason", why)
		s.page(w, http.StatusBadRequest, page{Problem: "The app's sign-in request cannot be served (" + why + "). Nothing was shared; the app's makers can fix this."})
	}
	switch {
	case q.Get("response_type") != "code":
		refuse("response_type must be code")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		refuse("PKCE is required: code_challenge with code_challenge_method S256")
		return
	case q.Get("resource") != "" && !s.isResource(q.Get("resource")):
		refuse("resource must be " + s.resource)
		return
	case len(q.Get("state")) > maxStateLength || len(q.Get("code_challenge")) > 128:
		refuse("state or code_challenge is too long")
		return
	}
	// An app names itself as it likes: what vouches for it is the address
	// of its metadata document, or nothing for one registered here. (The
	// name is cleaned again for registrations sealed before names were.)
	name := cleanName(c.Name)
	if u, err := url.Parse(q.Get("client_id")); err == nil && u.Scheme == "https" {
		name = strings.TrimSpace(name + " (" + asciiHost(u) + ")")
	} else if name != "" {
		name += " (as the app names itself)"
	}
	req := authRequest{Client: clientRef(q.Get("client_id")), ClientName: name, RedirectURI: redirect, State: q.Get("state"), CodeChallenge: q.Get("code_challenge")}
	sealed, err := s.seal.seal(kindRequest, req, signInLifetime)
	if err != nil {
		s.page(w, http.StatusInternalServerError, page{Problem: "The sign-in could not start. Try again."})
		return
	}
	s.page(w, http.StatusOK, page{Request: sealed, App: appName(req), Destination: destination(redirect)})
}

func (s *Server) checkKey(w http.ResponseWriter, r *http.Request) {
	var req authRequest
	sealed := r.PostForm.Get("request")
	if err := s.seal.open(kindRequest, sealed, &req); err != nil {
		s.page(w, http.StatusBadRequest, page{Problem: "This sign-in page has expired (it lasts 15 minutes). Start again from your app."})
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		// The person may decline before giving any key.
		http.Redirect(w, r, withQuery(req.RedirectURI, map[string]string{"error": "access_denied", "error_description": "the person did not connect their Lightfield account", "state": req.State, "iss": s.issuer}), http.StatusSeeOther)
		return
	}
	p := page{Request: sealed, App: appName(req), Destination: destination(req.RedirectURI)}
	key := strings.TrimSpace(r.PostForm.Get("api_key"))
	if !lfclient.PlausibleKey(key) {
		p.Problem = "That is not a Lightfield API key: keys start with sk_lf_. Copy the whole key from Lightfield's settings and paste it again."
		s.page(w, http.StatusOK, p)
		return
	}
	if !s.keyChecks.Allow(source.From(r.Context())) {
		p.Problem = "Too many sign-in attempts reach this server right now. Wait a minute, then try again."
		s.page(w, http.StatusTooManyRequests, p)
		return
	}
	info, err := s.cfg.Validate(r.Context(), key)
	var apiErr *lfclient.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
		p.Problem = "Lightfield does not accept this key: it is wrong, revoked or expired. Check it in Lightfield's settings, or create a new one, and paste it again."
	case err != nil:
		p.Problem = "Lightfield could not be asked about the key just now. Try again in a moment."
		s.cfg.Log.Warn("oauth: a key could not be validated", "error", err)
	}
	if p.Problem != "" {
		s.page(w, http.StatusOK, p)
		return
	}
	p.Checked, p.FullAccess, p.Scopes = true, info.FullAccess(), info.Scopes
	p.MissingEssential, p.Missing = missingScopes(info, essentialScopes), missingScopes(info, usefulScopes)
	if len(p.MissingEssential) == 0 {
		if p.Grant, err = s.seal.seal(kindGrant, grant{Request: req, APIKey: key}, signInLifetime); err != nil {
			p.Problem = "The sign-in could not go on. Try again."
		}
	}
	s.page(w, http.StatusOK, p)
}

func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request) {
	var g grant
	used, err := s.seal.openSingle(kindGrant, r.PostForm.Get("grant"), &g)
	if err != nil {
		s.page(w, http.StatusBadRequest, page{Problem: "This sign-in page has expired (it lasts 15 minutes). Start again from your app."})
		return
	}
	params := map[string]string{"state": g.Request.State, "iss": s.issuer}
	if r.PostForm.Get("action") != "connect" {
		params["error"], params["error_description"] = "access_denied", "the person did not connect their Lightfield account"
		http.Redirect(w, r, withQuery(g.Request.RedirectURI, params), http.StatusSeeOther)
		return
	}
	if !s.once(used) {
		s.page(w, http.StatusBadRequest, page{Problem: "This sign-in was already completed. Start again from your app if it did not connect."})
		return
	}
	c, err := s.seal.seal(kindCode, code{APIKey: g.APIKey, Client: g.Request.Client, RedirectURI: g.Request.RedirectURI, CodeChallenge: g.Request.CodeChallenge, Resource: s.resource}, codeLifetime)
	if err != nil {
		s.page(w, http.StatusInternalServerError, page{Problem: "The sign-in could not finish. Try again."})
		return
	}
	params["code"] = c
	s.cfg.Log.Info("oauth: a person signed in", "app", g.Request.ClientName, "key", lfclient.KeyFingerprint(g.APIKey)[:12])
	http.Redirect(w, r, withQuery(g.Request.RedirectURI, params), http.StatusSeeOther)
}

// redirectAllowed reports whether a client may be sent back to redirect:
// one of its registered URIs exactly, or, for an app on this device
// (http on a loopback address), the same address and path on any port,
// which the app chooses when it starts (RFC 8252, section 7.3).
func redirectAllowed(registered []string, redirect string) bool {
	if slices.Contains(registered, redirect) {
		return true
	}
	want, err := url.Parse(redirect)
	if err != nil || want.Scheme != "http" || !isLoopbackHost(want.Hostname()) {
		return false
	}
	for _, r := range registered {
		u, err := url.Parse(r)
		if err == nil && u.Scheme == "http" && u.Hostname() == want.Hostname() && u.Path == want.Path && u.RawQuery == want.RawQuery {
			return true
		}
	}
	return false
}

// whyUnknown says, in words for the person, why a client_id was not
// recognised.
func whyUnknown(clientID string) string {
	if strings.HasPrefix(clientID, "https://") {
		return "its description at " + asciiURL(clientID) + " could not be read or is not valid."
	}
	return "it is not registered with this server."
}

// withQuery adds params (those not empty) to a redirect URI's query.
func withQuery(redirect string, params map[string]string) string {
	u, err := url.Parse(redirect)
	if err != nil {
		return redirect
	}
	q := u.Query()
	for k, v := range params {
		if v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// appName is how the page names the app asking.
func appName(req authRequest) string {
	if req.ClientName != "" {
		return req.ClientName
	}
	return "An app"
}

// destination is where the person will be sent back: its host, or for an
// app on this device its scheme.
func destination(redirect string) string {
	u, err := url.Parse(redirect)
	if err != nil {
		return escapeNonASCII(redirect)
	}
	switch {
	case u.Scheme == "https" || u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return asciiHost(u)
	case u.Host != "":
		// An app's own scheme: the host after it is the app's to choose
		// (com.evil.app://claude.ai), so the scheme leads.
		return escapeNonASCII(u.Scheme) + "://" + asciiHost(u) + " (an app on this device)"
	}
	return escapeNonASCII(u.Scheme) + ": (an app on this device)"
}

// asciiHost is u's host (with its port) as the page shows it: in ASCII, a
// name in another script in punycode (xn--…), so that a look-alike such as
// сlaude.ai, with a Cyrillic с, cannot pass for claude.ai. A host that does
// not convert is shown escaped.
func asciiHost(u *url.URL) string {
	host, err := idna.Lookup.ToASCII(u.Hostname())
	if err != nil {
		host = escapeNonASCII(u.Hostname())
	}
	return joinHostPort(host, u.Port())
}

// asciiURL is a URL as the page shows it: its host as asciiHost shows it,
// and every other byte that is not printable ASCII escaped.
func asciiURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		if host, err := idna.Lookup.ToASCII(u.Hostname()); err == nil {
			u.Host = joinHostPort(host, u.Port())
		}
		raw = u.String() // escapes a host that did not convert
	}
	return escapeNonASCII(raw)
}

// joinHostPort is net.JoinHostPort with the port optional.
func joinHostPort(host, port string) string {
	switch {
	case port != "":
		return net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		return "[" + host + "]" // an IPv6 address
	}
	return host
}

// escapeNonASCII percent-escapes every byte of s that is not printable
// ASCII, so that no character can pass for another or reorder the text.
func escapeNonASCII(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// page is what the sign-in page shows.
type page struct {
	Problem     string
	Request     string // the sealed request, carried by the form
	App         string
	Destination string
	// Once the key was checked:
	Checked          bool
	FullAccess       bool
	Scopes           []string
	MissingEssential []string
	Missing          []string
	Grant            string
}

func (s *Server) page(w http.ResponseWriter, status int, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	// No form-action: browsers apply it to the redirect after Connect,
	// which goes to the app's own address.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if err := signInPage.Execute(w, p); err != nil {
		s.cfg.Log.Warn("oauth: the sign-in page could not be written", "error", err)
	}
}

var signInPage = template.Must(template.New("sign-in").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connect Lightfield</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.4rem; }
.problem { background: #fdecea; border: 1px solid #f5c2c0; padding: .75rem 1rem; border-radius: 6px; }
.ok { background: #e9f6ec; border: 1px solid #b9e0c2; padding: .75rem 1rem; border-radius: 6px; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input[type=password] { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
button { margin-top: 1rem; padding: .5rem 1.25rem; font: inherit; cursor: pointer; }
code { background: #f3f3f3; padding: 0 .25rem; border-radius: 3px; }
small { color: #555; }
</style>
</head>
<body>
<h1>Connect Lightfield</h1>
{{if .Problem}}<p class="problem" role="alert" id="problem">{{.Problem}}</p>{{end}}
{{if .Request}}
<p><strong>{{.App}}</strong> asks to create deals, accounts, notes and tasks in your Lightfield CRM. When you connect, you are sent back to <strong>{{.Destination}}</strong>.</p>
{{if .Checked}}
<div class="{{if .MissingEssential}}problem{{else}}ok{{end}}" id="scopes">
{{if .FullAccess}}<p>Lightfield accepts this key, with full access.</p>
{{else}}<p>Lightfield accepts this key. Its scopes: {{range $i, $s := .Scopes}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}.</p>{{end}}
{{if .MissingEssential}}<p id="missing-essential">It lacks {{range $i, $s := .MissingEssential}}{{if $i}} and {{end}}<code>{{$s}}</code>{{end}}, without which no deal can be created. Create a key with these scopes in Lightfield, then paste it below.</p>
{{else if .Missing}}<p id="missing">Missing: {{range $i, $s := .Missing}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}. Deals can be created; names must then be given as IDs where a read scope is missing, and the tools that need a create scope will say so.</p>{{end}}
</div>
{{if .Grant}}
<form method="post" action="/authorize">
<input type="hidden" name="grant" value="{{.Grant}}">
<button type="submit" name="action" value="connect" id="connect">Connect</button>
<button type="submit" name="action" value="cancel" id="cancel">Cancel</button>
</form>
{{end}}
{{end}}
{{if not .Grant}}
<form method="post" action="/authorize">
<input type="hidden" name="request" value="{{.Request}}">
<label for="api_key">Your Lightfield API key</label>
<input type="password" id="api_key" name="api_key" autocomplete="off" placeholder="sk_lf_…">
<small>Create one in Lightfield's settings with the scopes <code>opportunities:create</code> and <code>opportunities:read</code> (and, to use names, create accounts, contacts, notes and tasks, and change deals: <code>accounts:read</code>, <code>contacts:read</code>, <code>members:read</code>, <code>accounts:create</code>, <code>contacts:create</code>, <code>notes:create</code>, <code>tasks:create</code>, <code>opportunities:update</code>). The key is checked with Lightfield and kept only inside the app's encrypted token, never stored on this server.</small>
<button type="submit" id="check">Check the key</button>
<button type="submit" name="action" value="cancel" id="cancel-early">Cancel</button>
</form>
{{end}}
{{end}}
</body>
</html>
`))
