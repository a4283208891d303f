package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/source"
)

// Lifetimes of what the server seals.
const (
	AccessTokenLifetime  = time.Hour
	RefreshTokenLifetime = 30 * 24 * time.Hour
	codeLifetime         = time.Minute
	// signInLifetime is how long the sign-in page may stay open.
	signInLifetime = 15 * time.Minute
)

// Config configures the authorization server.
type Config struct {
	// PublicURL is where clients reach this server (https://mcp.example.com):
	// the issuer, and with /mcp the resource tokens are bound to.
	PublicURL string
	// Secrets seal and open tokens: the current one first, then older ones
	// still accepted while they are rotated out.
	Secrets []string
	// Validate asks Lightfield about a key (GET /v1/auth/validate).
	Validate func(ctx context.Context, apiKey string) (*lfclient.KeyInfo, error)
	// ClientMetadata fetches Client ID Metadata Documents (nil: the guarded
	// default, which refuses private and loopback addresses).
	ClientMetadata *http.Client
	// AllowPrivateClientMetadata lets the default fetch documents from
	// private and loopback addresses (tests on one machine).
	AllowPrivateClientMetadata bool
	// Log receives sign-ins, refusals and issued tokens (never a key).
	Log *slog.Logger
}

// Server is the authorization server and the protected resource's
// metadata, as http.Handlers on one mux.
type Server struct {
	cfg      Config
	seal     *sealer
	issuer   string
	resource string
	clients  *clientDocuments
	// keyChecks bounds how often the sign-in page asks Lightfield about a
	// key, per source and for the whole process, so that it cannot be
	// used to flood it, nor one source to lock others out.
	keyChecks *source.Budget
	// used holds the codes and grants redeemed, so that each is used
	// once on this replica.
	used *usedValues
}

// New returns the authorization server for cfg.
func New(cfg Config) (*Server, error) {
	u, err := url.Parse(strings.TrimSuffix(cfg.PublicURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
		return nil, fmt.Errorf("LIGHTFIELD_PUBLIC_URL=%q must be the https:// address clients reach this server at (http:// only on loopback)", cfg.PublicURL)
	}
	if u.Path != "" || u.RawQuery != "" {
		// The endpoints live at the root (/mcp, /authorize, /.well-known/…).
		return nil, fmt.Errorf("LIGHTFIELD_PUBLIC_URL=%q must be an origin such as https://mcp.example.com, without a path: serve this server at the root of its own host name", cfg.PublicURL)
	}
	seal, err := newSealer(cfg.Secrets)
	if err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	issuer := u.Scheme + "://" + u.Host
	client := cfg.ClientMetadata
	if client == nil {
		client = guardedClient(cfg.AllowPrivateClientMetadata)
	}
	return &Server{cfg: cfg, seal: seal, issuer: issuer, resource: issuer + "/mcp",
		clients: newClientDocuments(client), keyChecks: source.NewBudget(0.5, 5, rate.NewLimiter(5, 20)), used: newUsedValues(maxUsed)}, nil
}

// Issuer is the authorization server's identifier: the public URL.
func (s *Server) Issuer() string { return s.issuer }

// Resource is the URL tokens are bound to: this server's /mcp.
func (s *Server) Resource() string { return s.resource }

// ResourceMetadataURL is where a 401 points clients (RFC 9728).
func (s *Server) ResourceMetadataURL() string {
	return s.issuer + server.ProtectedResourceMetadataPath(s.resource)
}

// Register adds the OAuth endpoints to mux.
func (s *Server) Register(mux *http.ServeMux) {
	prm := server.NewProtectedResourceMetadataHandler(server.ProtectedResourceMetadataConfig{
		Resource:               s.resource,
		AuthorizationServers:   []string{s.issuer},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Lightfield CRM",
	})
	// Some clients ask the root form, others the one with the path.
	mux.Handle(server.ProtectedResourceMetadataPath(s.resource), prm)
	mux.Handle(server.WellKnownProtectedResourcePath, prm)
	mux.HandleFunc("/.well-known/oauth-authorization-server", s.metadata)
	mux.HandleFunc("/register", s.register)
	mux.HandleFunc("/authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
}

// authServerMetadata is RFC 8414's document. (go-sdk's oauthex type always
// writes jwks_uri, empty here, which strict clients reject as a URL.)
type authServerMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ClientIDMetadataDocumentSupported bool     `json:"client_id_metadata_document_supported"`
	AuthorizationResponseIssSupported bool     `json:"authorization_response_iss_parameter_supported"`
	ServiceDocumentation              string   `json:"service_documentation,omitempty"`
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, MCP-Protocol-Version")
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, authServerMetadata{
		Issuer:                            s.issuer,
		AuthorizationEndpoint:             s.issuer + "/authorize",
		TokenEndpoint:                     s.issuer + "/token",
		RegistrationEndpoint:              s.issuer + "/register",
		ResponseTypesSupported:            []string{"code"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: []string{"none"},
		ClientIDMetadataDocumentSupported: true,
		AuthorizationResponseIssSupported: true,
		ServiceDocumentation:              "https://github.com/lightfield-mcp/lightfield-mcp#serve-a-team-over-http",
	})
}

// accessToken is what an access token carries.
type accessToken struct {
	APIKey   string `json:"k"`
	Resource string `json:"aud"`
	Client   string `json:"cid"` // clientRef of the client_id
}

// clientRef stands for a client_id inside codes and tokens: a registered
// client's id is its whole sealed registration, too long to carry along.
func clientRef(clientID string) string {
	sum := sha256.Sum256([]byte(clientID))
	return hex.EncodeToString(sum[:16])
}

// ErrTokenRejected refuses an access token that does not open: made up,
// altered, expired, sealed under a secret no longer accepted, or issued
// for another server.
var ErrTokenRejected = errors.New("the access token is invalid or expired: sign in again")

// APIKey opens an access token and returns the Lightfield key it stands
// for. Nothing is kept and nothing is asked upstream.
func (s *Server) APIKey(token string) (string, error) {
	var at accessToken
	if err := s.seal.open(kindAccess, token, &at); err != nil || at.Resource != s.resource {
		return "", ErrTokenRejected
	}
	return at.APIKey, nil
}

// code is what an authorization code carries.
type code struct {
	APIKey        string `json:"k"`
	Client        string `json:"cid"` // clientRef of the client_id
	RedirectURI   string `json:"ru"`
	CodeChallenge string `json:"cc"`
	Resource      string `json:"aud"`
}

// refreshToken is what a refresh token carries.
type refreshToken struct {
	APIKey   string `json:"k"`
	Client   string `json:"cid"` // clientRef of the client_id
	Resource string `json:"aud"`
	// SignedIn is when the person signed in (unix seconds): refreshing
	// never carries a sign-in past RefreshTokenLifetime.
	SignedIn int64 `json:"si"`
}

// tokenResponse is RFC 6749's answer of the token endpoint.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	clientID := r.PostForm.Get("client_id")
	var key, resource string
	var signedIn time.Time
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		var c code
		used, err := s.seal.openSingle(kindCode, r.PostForm.Get("code"), &c)
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code is invalid or expired (a code lives one minute): start the sign-in again")
			return
		}
		switch {
		case c.Client != clientRef(clientID):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
			return
		case c.RedirectURI != r.PostForm.Get("redirect_uri"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the one the code was issued for")
			return
		case !pkceMatches(r.PostForm.Get("code_verifier"), c.CodeChallenge):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)")
			return
		case r.PostForm.Get("resource") != "" && !s.isResource(r.PostForm.Get("resource")):
			oauthError(w, http.StatusBadRequest, "invalid_target", "resource differs from the one the code was issued for")
			return
		case !s.once(used):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was already used: start the sign-in again")
			return
		}
		key, resource, signedIn = c.APIKey, c.Resource, time.Now()
	case "refresh_token":
		var rt refreshToken
		if err := s.seal.open(kindRefresh, r.PostForm.Get("refresh_token"), &rt); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid or expired: sign in again")
			return
		}
		if rt.Client != clientRef(clientID) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was issued to another client")
			return
		}
		key, resource, signedIn = rt.APIKey, rt.Resource, time.Unix(rt.SignedIn, 0)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}
	// A sign-in lasts RefreshTokenLifetime however often it is refreshed.
	left := time.Until(signedIn.Add(RefreshTokenLifetime))
	if left <= 0 {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the sign-in has expired: sign in again")
		return
	}
	access, err1 := s.seal.seal(kindAccess, accessToken{APIKey: key, Resource: resource, Client: clientRef(clientID)}, min(AccessTokenLifetime, left))
	refresh, err2 := s.seal.seal(kindRefresh, refreshToken{APIKey: key, Client: clientRef(clientID), Resource: resource, SignedIn: signedIn.Unix()}, left)
	if err := errors.Join(err1, err2); err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "the token could not be issued")
		return
	}
	s.cfg.Log.Info("oauth: issued an access token", "client", clientLabel(clientID), "key", lfclient.KeyFingerprint(key)[:12])
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(AccessTokenLifetime.Seconds()), RefreshToken: refresh})
}

// pkceMatches checks an S256 code_verifier against its challenge.
func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 || challenge == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(oauth2.S256ChallengeFromVerifier(verifier)), []byte(challenge)) == 1
}

// once records a single-use value (a code, a sign-in grant) as used;
// false when it already was, on this replica.
func (s *Server) once(v singleUse) bool {
	return s.used.add(v, time.Now())
}

// isResource reports whether a resource indicator names this server's /mcp.
func (s *Server) isResource(resource string) bool {
	return strings.TrimSuffix(resource, "/") == s.resource
}

// clientLabel names a client in logs without its sealed registration.
func clientLabel(clientID string) string {
	if strings.HasPrefix(clientID, kindClient) {
		return "registered client"
	}
	return clientID
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// isLoopbackHost reports whether host names this machine.
func isLoopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// essentialScopes are the scopes without which nothing can be created.
var essentialScopes = []string{"opportunities:read", "opportunities:create"}

// usefulScopes are the scopes that let the tools use names, create
// accounts, contacts, notes and tasks, and change deals.
var usefulScopes = []string{"accounts:read", "contacts:read", "members:read", "accounts:create", "contacts:create", "opportunities:update", "notes:create", "tasks:create"}

// missingScopes lists the scopes of want a key lacks.
func missingScopes(info *lfclient.KeyInfo, want []string) []string {
	if info.FullAccess() {
		return nil
	}
	var missing []string
	for _, s := range want {
		if !slices.Contains(info.Scopes, s) {
			missing = append(missing, s)
		}
	}
	return missing
}
