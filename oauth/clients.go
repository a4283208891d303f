package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/time/rate"

	"github.com/lightfield-mcp/lightfield-mcp/lru"
	"github.com/lightfield-mcp/lightfield-mcp/source"
)

// client is what the server knows of an OAuth client: from its sealed
// registration (RFC 7591) or its Client ID Metadata Document.
type client struct {
	ClientID     string   `json:"client_id,omitempty"`
	Name         string   `json:"client_name,omitempty"`
	RedirectURIs []string `json:"redirect_uris"`
}

// Bounds of a registration.
const (
	maxRedirectURIs     = 5
	maxRedirectURILen   = 1000
	maxClientNameLength = 100
)

// checkRedirectURIs refuses what a client must not be sent back to: a
// relative URI, one with a fragment, plain http off loopback, or a scheme
// that runs code in the page.
func checkRedirectURIs(uris []string) error {
	if len(uris) == 0 || len(uris) > maxRedirectURIs {
		return fmt.Errorf("redirect_uris must list 1 to %d URIs", maxRedirectURIs)
	}
	for _, raw := range uris {
		u, err := url.Parse(raw)
		switch {
		case err != nil || len(raw) > maxRedirectURILen || !u.IsAbs():
			return fmt.Errorf("redirect URI %q is not an absolute URI", raw)
		case u.Fragment != "":
			return fmt.Errorf("redirect URI %q has a fragment", raw)
		case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
			return fmt.Errorf("redirect URI %q uses plain http off this machine; use https", raw)
		case slices.Contains([]string{"javascript", "data", "file", "vbscript", "about", "blob"}, strings.ToLower(u.Scheme)):
			return fmt.Errorf("redirect URI %q has a scheme that cannot receive a code", raw)
		case (u.Scheme == "https" || u.Scheme == "http") && u.Host == "":
			return fmt.Errorf("redirect URI %q has no host", raw)
		}
	}
	return nil
}

// registration is the body of a Dynamic Client Registration (RFC 7591):
// the fields this server reads.
type registration struct {
	RedirectURIs            []string `json:"redirect_uris"`
	ClientName              string   `json:"client_name"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
}

// registered is the answer of a registration.
type registered struct {
	ClientID                string   `json:"client_id"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
}

// register serves Dynamic Client Registration for clients that do not use
// Client ID Metadata Documents. Nothing is stored: the client_id is the
// registration, sealed.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "register with POST and a JSON body")
		return
	}
	var reg registration
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&reg); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "the body must be a JSON object (RFC 7591)")
		return
	}
	if err := checkRedirectURIs(reg.RedirectURIs); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", err.Error())
		return
	}
	// Every client is registered as public (no secret, PKCE): a client
	// that asked for a secret is answered with "none", as RFC 7591 lets a
	// server substitute what it supports, rather than refused.
	c := client{Name: cleanName(reg.ClientName), RedirectURIs: reg.RedirectURIs}
	id, err := s.seal.seal(kindClient, c, 0)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "the client could not be registered")
		return
	}
	s.cfg.Log.Info("oauth: registered a client", "name", c.Name)
	writeJSON(w, http.StatusCreated, registered{ClientID: id, ClientIDIssuedAt: time.Now().Unix(), ClientName: c.Name, RedirectURIs: c.RedirectURIs,
		TokenEndpointAuthMethod: "none", GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"}})
}

// errUnknownClient refuses a client_id that is neither registered here nor
// the URL of a readable Client ID Metadata Document.
var errUnknownClient = errors.New("unknown client")

// client finds the client a client_id names.
func (s *Server) client(ctx context.Context, clientID string) (*client, error) {
	switch {
	case strings.HasPrefix(clientID, kindClient):
		var c client
		if err := s.seal.open(kindClient, clientID, &c); err != nil {
			return nil, fmt.Errorf("%w: the client_id was not issued by this server (register again)", errUnknownClient)
		}
		return &c, nil
	case strings.HasPrefix(clientID, "https://"):
		return s.clients.fetch(ctx, clientID)
	}
	return nil, fmt.Errorf("%w: a client_id is the URL of a Client ID Metadata Document (https://…) or one this server issued at /register", errUnknownClient)
}

// Bounds of fetching a Client ID Metadata Document.
const (
	maxClientDocument    = 16 << 10
	clientDocumentFor    = 5 * time.Minute
	maxCachedClients     = 256
	maxUnreachableHosts  = 256
	clientDocumentFetch  = 5 * time.Second
	maxClientIDURLLength = 2000
)

// clientDocuments fetches Client ID Metadata Documents and keeps them a
// short while.
type clientDocuments struct {
	http *http.Client
	// fetches bounds how often documents are fetched, per source and for
	// the whole process: anyone may name any URL as a client_id.
	fetches *source.Budget
	mu      sync.Mutex
	// cache holds documents, and those that could not be used, by URL;
	// the least recently used goes first, so that anyone naming many URLs
	// does not push out the documents in use.
	cache *lru.Cache[string, cachedClient]
	// unreachable holds the hosts that could not be reached at all, so
	// that other URLs on them are refused without a fetch.
	unreachable *lru.Cache[string, cachedClient]
}

type cachedClient struct {
	c       client
	err     error // a document that could not be used, kept a shorter while
	fetched time.Time
}

func newClientDocuments(c *http.Client) *clientDocuments {
	return &clientDocuments{http: c, fetches: source.NewBudget(1, 5, rate.NewLimiter(5, 10)),
		cache: lru.New[string, cachedClient](maxCachedClients), unreachable: lru.New[string, cachedClient](maxUnreachableHosts)}
}

// failedDocumentFor is how long a document that could not be used, or a
// host that could not be reached, is not asked for again: a made-up
// client_id repeated costs one fetch a minute.
const failedDocumentFor = time.Minute

// fetch reads the document at clientID (an https URL), which must name
// itself as client_id and list its redirect URIs.
func (d *clientDocuments) fetch(ctx context.Context, clientID string) (*client, error) {
	u, err := url.Parse(clientID)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Fragment != "" || len(clientID) > maxClientIDURLLength {
		return nil, fmt.Errorf("%w: %q is not an https URL", errUnknownClient, clientID)
	}
	host := asciiHost(u)
	d.mu.Lock()
	cached, ok := d.cache.Get(clientID)
	down, isDown := d.unreachable.Get(host)
	d.mu.Unlock()
	switch {
	case ok && cached.err == nil && time.Since(cached.fetched) < clientDocumentFor:
		return &cached.c, nil
	case ok && cached.err != nil && time.Since(cached.fetched) < failedDocumentFor:
		return nil, cached.err
	case isDown && time.Since(down.fetched) < failedDocumentFor:
		return nil, down.err
	case !d.fetches.Allow(source.From(ctx)):
		return nil, fmt.Errorf("%w: too many client metadata documents are being fetched; try again in a few seconds", errUnknownClient)
	}
	c, err := d.load(ctx, clientID)
	if err != nil && ctx.Err() != nil {
		return nil, err // the caller left: that says nothing of the document
	}
	// Only a host that could not be reached is remembered as such: what
	// it answers depends on the path, which anyone may make up.
	d.mu.Lock()
	if errors.Is(err, errUnreachable) {
		d.unreachable.Put(host, cachedClient{err: err, fetched: time.Now()})
	} else {
		d.cache.Put(clientID, cachedClient{c: c, err: err, fetched: time.Now()})
	}
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// errUnreachable marks a document whose host could not be reached at all:
// no connection was made (DNS, dial, TLS, the address guard, time).
var errUnreachable = errors.New("its host could not be reached")

// load fetches and checks a client's metadata document.
func (d *clientDocuments) load(ctx context.Context, clientID string) (client, error) {
	ctx, cancel := context.WithTimeout(ctx, clientDocumentFetch)
	defer cancel()
	var connected atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, clientID, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := d.http.Do(req)
	switch {
	case err != nil && !connected.Load():
		return client{}, fmt.Errorf("%w: %w (%v)", errUnknownClient, errUnreachable, err)
	case err != nil:
		return client{}, fmt.Errorf("%w: its metadata document could not be read (%v)", errUnknownClient, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return client{}, fmt.Errorf("%w: its metadata document answered %d", errUnknownClient, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClientDocument+1))
	if err != nil || len(body) > maxClientDocument {
		return client{}, fmt.Errorf("%w: its metadata document is unreadable or larger than %d bytes", errUnknownClient, maxClientDocument)
	}
	var c client
	if err := json.Unmarshal(body, &c); err != nil || c.ClientID != clientID {
		return client{}, fmt.Errorf("%w: its metadata document is not JSON naming %q as client_id", errUnknownClient, clientID)
	}
	if err := checkRedirectURIs(c.RedirectURIs); err != nil {
		return client{}, fmt.Errorf("%w: %v", errUnknownClient, err)
	}
	c.Name = cleanName(c.Name)
	return c, nil
}

// cleanName is an app's self-chosen name as it is sealed and shown: without
// the characters that are invisible or that reorder or hide the page's
// text (controls, bidirectional and zero-width formatting, private use,
// line and paragraph separators), trimmed, and at most
// maxClientNameLength characters long.
func cleanName(name string) string {
	// NFKC first: compatibility forms (fullwidth letters, ligatures) read
	// as the letters they look like.
	name = strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp,
			unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) || r == '\u2800' || r == '\u034f' {
			return -1 // invisible: Hangul fillers, the blank braille cell, joiners
		}
		return r
	}, norm.NFKC.String(name))
	runes := []rune(strings.Join(strings.Fields(name), " "))
	return strings.TrimSpace(string(runes[:min(len(runes), maxClientNameLength)]))
}

// guardedClient fetches client documents from the public internet only:
// every address it connects to (after DNS, so a name cannot point it
// inward) must be a public unicast one; no redirects, no proxy, bounded
// time. allowPrivate lifts the address check, for tests on loopback.
func guardedClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: clientDocumentFetch, Control: func(_, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return err
		}
		if !publicAddress(ip.Unmap()) {
			return fmt.Errorf("%s is not a public address", ip)
		}
		return nil
	}}
	return &http.Client{
		Timeout: clientDocumentFetch,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			TLSHandshakeTimeout:    clientDocumentFetch,
			ResponseHeaderTimeout:  clientDocumentFetch,
			MaxResponseHeaderBytes: 16 << 10,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("redirects are not followed") },
	}
}

// specialPurpose are ranges of the IANA special-purpose registries that
// are not the public internet, or lead into private networks (NAT64,
// 6to4, Teredo).
var specialPurpose = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20",
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// globalUnicastV6 is where public IPv6 unicast addresses are (RFC 4291):
// everything outside it (NAT64's 64:ff9b::/96, IPv4-compatible ::/96,
// site-local fec0::/10, unique local fc00::/7, …) is refused.
var globalUnicastV6 = netip.MustParsePrefix("2000::/3")

// publicAddress reports whether ip is a public unicast address.
func publicAddress(ip netip.Addr) bool {
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	if ip.Is6() && !globalUnicastV6.Contains(ip) {
		return false
	}
	for _, p := range specialPurpose {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
