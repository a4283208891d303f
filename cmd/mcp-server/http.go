package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/oauth"
	"github.com/lightfield-mcp/lightfield-mcp/source"
	"github.com/lightfield-mcp/lightfield-mcp/tools"
)

// httpConfig configures the Streamable HTTP transport.
type httpConfig struct {
	addr string
	// singleTenant: the operator's key serves requests that bring none.
	singleTenant bool
	callTimeout  time.Duration
	// hosts are the names the deployment answers to, and the browser
	// origins it serves.
	hosts *hosts
	// sources names where each request comes from.
	sources *source.Resolver
	// newKeys is each source's budget of requests with keys Lightfield has
	// not accepted yet, in front of the process-wide one upstream.
	newKeys *source.Budget
	// keyProblem says why a caller's Bearer token is refused before the
	// MCP handler sees it (tools.Server.CallerKeyProblem).
	keyProblem func(string) error
	// keyAccepted reports whether Lightfield has accepted a key already
	// (tools.Server.KeyAccepted).
	keyAccepted func(string) bool
	// verifyCaller makes sure Lightfield accepts the key before an event
	// stream is opened for it (tools.Server.VerifyCaller).
	verifyCaller func(context.Context, string) error
	// sessionCaller reports whether a session may be used with a key: the
	// key that opened its event stream, or any when it has none here
	// (tools.Server.SessionCaller).
	sessionCaller func(sessionID, key string) bool
	// keyedCallers: a caller is told apart by its key (else, in the
	// sandbox, by its address: any Bearer value is served there).
	keyedCallers bool
	// hooks are the MCP server's, on which sessions are followed.
	hooks *server.Hooks
	// ready reports whether the server can serve as it should: the
	// operator's definitions are loaded (tools.Server.Ready).
	ready func() bool
	// auth signs people in with OAuth; nil when LIGHTFIELD_TOKEN_SECRET is
	// not set (then only Lightfield keys are accepted as Bearer tokens).
	auth *oauth.Server
}

// Limits of the HTTP transport.
const (
	maxRequestBody  = 1 << 20
	shutdownTimeout = time.Minute
	// maxHeaderBytes refuses (431) headers far larger than a key needs
	// before they are read whole.
	maxHeaderBytes = 16 << 10
	// newKeysPerSecond and newKeysBurst are one source's budget of
	// requests with keys Lightfield has not accepted yet.
	newKeysPerSecond = 2
	newKeysBurst     = 10
)

// loopbackDefault binds to loopback when ADDR names no host: exposing the
// server to a network is a decision made explicitly (0.0.0.0:8080).
func loopbackDefault(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// sessionIDs gives each client that initializes, and each event stream
// opened without one, a session ID of its own, checked by shape only so
// that any replica serves it; a request without one is served too.
// (WithStateLess would give every client the ID "", and mcp-go would share
// one session, with its event stream, among the callers of every
// organisation.)
type sessionIDs struct {
	server.StatelessGeneratingSessionIdManager
}

// Validate accepts no session ID, and a well-formed one.
func (m *sessionIDs) Validate(sessionID string) (isTerminated bool, err error) {
	if sessionID == "" {
		return false, nil
	}
	return m.StatelessGeneratingSessionIdManager.Validate(sessionID)
}

// serveHTTP serves MCP at /mcp and readiness at /healthz until ctx ends, then
// lets calls in flight finish.
func serveHTTP(ctx context.Context, mcpServer *server.MCPServer, cfg httpConfig, logger *slog.Logger) int {
	handler, streamable := httpHandler(mcpServer, cfg, logger)
	addr := loopbackDefault(cfg.addr)
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		logger.Error("cannot listen", "addr", addr, "error", err)
		return 1
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.callTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("serving MCP over Streamable HTTP", "url", "http://"+listener.Addr().String()+"/mcp", "hosts", strings.Join(cfg.hosts.names, ","))
	if cfg.hosts.public && !cfg.sources.TrustsProxies() {
		logger.Warn("LIGHTFIELD_PUBLIC_URL is set but LIGHTFIELD_TRUSTED_PROXIES is not: behind a proxy or load balancer, every request counts as coming from the proxy's address, so one client can spend the per-source budgets of all; list the proxy's addresses")
	}
	if host, _, _ := net.SplitHostPort(addr); !isLoopback(host) && len(cfg.hosts.names) == len(loopbackNames) {
		logger.Warn("listening beyond loopback, but only loopback names and IP addresses are served as Host: set LIGHTFIELD_PUBLIC_URL or LIGHTFIELD_ALLOWED_HOSTS to the name clients use", "addr", addr)
	}
	if cfg.auth != nil {
		logger.Info("OAuth sign-in is offered", "issuer", cfg.auth.Issuer(), "resource", cfg.auth.Resource())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(listener) }()
	select {
	case err := <-done:
		logger.Error("http server stopped", "error", err)
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down; letting calls in flight finish")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Event streams never end by themselves: they are closed, again and
	// again until the server is down, since one may open meanwhile.
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Shutdown(shutdownCtx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		streamable.CloseSessions(shutdownCtx)
		select {
		case err := <-stopped:
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("shutdown", "error", err)
				return 1
			}
			return 0
		case <-tick.C:
		}
	}
}

// httpHandler is the whole HTTP server's handler: the Host check, the
// request's source, then /healthz, /mcp behind its guard, and OAuth.
func httpHandler(mcpServer *server.MCPServer, cfg httpConfig, logger *slog.Logger) (http.Handler, *server.StreamableHTTPServer) {
	streamable := server.NewStreamableHTTPServer(mcpServer,
		server.WithEndpointPath("/mcp"),
		server.WithSessionIdManager(&sessionIDs{}),
		// The Host check below is mcp-go's and more: it also covers
		// network listeners, and serves the deployment's own name when a
		// local proxy delivers it over loopback.
		server.WithDisableLocalhostProtection(true),
		server.WithHTTPContextFunc(func(ctx context.Context, r *http.Request) context.Context {
			if key := bearer(r); key != "" {
				return tools.WithAPIKey(ctx, key)
			}
			return ctx
		}),
		server.WithStreamableHTTPLogger(logger),
	)
	sessions := newSessionBounds(cfg.hooks, endSession(streamable))
	go sessions.sweep(context.Background())
	mux := http.NewServeMux()
	// Alive means the process serves HTTP, whatever Lightfield does: an
	// orchestrator restarts on this one, and a restart cannot bring
	// Lightfield back.
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"alive"}`))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		// Ready means ready: a host's first tools/list would otherwise
		// race the operator's definitions. Any failure stays in the log
		// (it names Lightfield's address): anyone may ask here.
		if cfg.ready != nil && !cfg.ready() {
			httpError(w, http.StatusServiceUnavailable, "not_ready", "The operator's Lightfield definitions are not loaded yet: they are loading, or Lightfield could not be reached (the server's log says why).")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("/mcp", guard(streamable, cfg, sessions, &streamSlots{}, logger))
	if cfg.auth != nil {
		cfg.auth.Register(mux)
	} else {
		// OAuth clients look for sign-in here on a 401; without it, they
		// get an OAuth error (RFC 6749's shape, which they parse and
		// show) that says what to send instead.
		for _, path := range []string{"/.well-known/", "/register", "/authorize", "/token"} {
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				enc := json.NewEncoder(w)
				enc.SetEscapeHTML(false)
				enc.Encode(map[string]string{"error": "oauth_not_offered", "error_description": "This server does not offer OAuth sign-in (its operator did not set LIGHTFIELD_TOKEN_SECRET): send your Lightfield API key (sk_lf_…) as Authorization: Bearer <key>."})
			})
		}
	}
	var untrusted sync.Once
	noteForward := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.sources.UntrustedForward(r) {
			untrusted.Do(func() {
				logger.Warn("a request came with X-Forwarded-For from an address not in LIGHTFIELD_TRUSTED_PROXIES; if it is your proxy, list it, or all its clients count as one source", "peer", r.RemoteAddr)
			})
		}
		mux.ServeHTTP(w, r)
	})
	return cfg.hosts.guardHost(cfg.sources.Middleware(noteForward)), streamable
}

func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// guard checks what the MCP handler should never see: a browser page from
// a foreign origin, a request without a key (when the server has none of
// its own) or with one refused, more new keys from one source than its
// budget, another caller's session, more streams than a caller's share,
// and a body over the limit.
func guard(next http.Handler, cfg httpConfig, sessions *sessionBounds, streams *streamSlots, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowOrigin(w, r, cfg.hosts) {
			return
		}
		r, token, ok := authenticate(w, r, cfg, logger)
		if !ok {
			return
		}
		src := source.From(r.Context())
		caller := "address " + src
		if token != "" && cfg.keyedCallers {
			caller = "key " + lfclient.KeyFingerprint(token)
		}
		r = r.WithContext(withCaller(r.Context(), caller))
		id := r.Header.Get("Mcp-Session-Id")
		if id != "" && cfg.sessionCaller != nil && !cfg.sessionCaller(id, token) {
			// Another caller's session would carry this request's
			// questions (elicitation) to that caller's stream.
			logger.Warn("refused a session opened with another key", "path", r.URL.Path)
			httpError(w, http.StatusNotFound, "session_not_found", "This session belongs to another API key. Start a new session (initialize without Mcp-Session-Id).")
			return
		}
		if isStream(r) {
			// A stream stays open: only so many at once, a caller and a
			// source get only a share of them, and none lasts for ever.
			release, refused := streams.acquire(caller, src)
			if release == nil {
				logger.Info("refused an event stream", "caller", caller, "source", src, "reason", refused)
				w.Header().Set("Retry-After", "30")
				httpError(w, http.StatusServiceUnavailable, "too_many_streams", refused)
				return
			}
			defer release()
			ctx, cancel := context.WithTimeout(r.Context(), maxStreamLifetime)
			defer cancel()
			r = r.WithContext(ctx)
			if id != "" {
				sessions.touch(id, 1)
				defer sessions.touch(id, -1)
			}
		} else if id != "" {
			sessions.touch(id, 0)
		}
		if r.ContentLength > maxRequestBody {
			httpError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("A request body may carry at most %d bytes.", maxRequestBody))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		next.ServeHTTP(w, r)
	})
}

// allowOrigin refuses a browser page from an origin the deployment does
// not serve (DNS rebinding, cross-site requests), and answers an allowed
// one's CORS preflight; false when the request was answered here.
func allowOrigin(w http.ResponseWriter, r *http.Request, hosts *hosts) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if !hosts.allowsOrigin(origin) {
		httpError(w, http.StatusForbidden, "forbidden_origin", fmt.Sprintf("Requests from the origin %q are not allowed; an operator can add it to LIGHTFIELD_ALLOWED_ORIGINS.", origin))
		return false
	}
	// A browser client may read the answers (401s included) of an origin
	// allowed here, and ask first with a preflight.
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", "Mcp-Session-Id, WWW-Authenticate")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
		h.Set("Access-Control-Allow-Headers", corsRequestHeaders)
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	return true
}

// authenticate finds the Lightfield key a request acts with ("" for the
// operator's), opening an access token this server issued, and refuses
// what cannot be served; ok is false when the request was answered here.
func authenticate(w http.ResponseWriter, r *http.Request, cfg httpConfig, logger *slog.Logger) (_ *http.Request, key string, ok bool) {
	token := bearer(r)
	if token == "" && !cfg.singleTenant {
		logger.Info("refused a request without a key", "path", r.URL.Path)
		if cfg.auth != nil {
			// OAuth clients follow resource_metadata to sign in.
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="lightfield-mcp", resource_metadata=%q`, cfg.auth.ResourceMetadataURL()))
			httpError(w, http.StatusUnauthorized, "unauthorized", "Sign in with OAuth (see WWW-Authenticate), or send your Lightfield API key (sk_lf_…) as Authorization: Bearer <key>.")
			return r, "", false
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="lightfield-mcp", error="invalid_request", error_description="send your Lightfield API key as a Bearer token"`)
		httpError(w, http.StatusUnauthorized, "unauthorized", "Send your Lightfield API key (sk_lf_…) as Authorization: Bearer <key>.")
		return r, "", false
	}
	if token == "" {
		return r, "", true
	}
	if cfg.auth != nil && oauth.IsSealed(token) {
		// An access token this server issued stands for a Lightfield key:
		// it is opened here (nothing kept, nothing asked upstream), and
		// the request goes on with the key.
		key, err := cfg.auth.APIKey(token)
		if err != nil {
			refuseToken(w, r, logger, cfg, err)
			return r, "", false
		}
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+key)
		token = key
	}
	// The session an event stream registers is filed under its caller's
	// organisation (mcp-go registers it with this context).
	r = r.WithContext(tools.WithAPIKey(r.Context(), token))
	if cfg.keyProblem != nil {
		// Refused before any state is kept or request sent upstream.
		if err := cfg.keyProblem(token); err != nil {
			refuseToken(w, r, logger, cfg, err)
			return r, "", false
		}
	}
	if cfg.keyAccepted != nil && !cfg.keyAccepted(token) && !cfg.newKeys.AllowSource(source.From(r.Context())) {
		// Keys not yet accepted share one budget upstream; each source
		// gets only its share of it, so that one cannot make others wait.
		logger.Info("refused a new key over its source's budget", "source", source.From(r.Context()))
		w.Header().Set("Retry-After", "5")
		httpError(w, http.StatusTooManyRequests, "too_many_new_keys", "Too many requests with API keys Lightfield has not accepted yet come from your address. Wait a few seconds, then retry with a valid key.")
		return r, "", false
	}
	if cfg.verifyCaller != nil {
		// A key Lightfield has not accepted yet is asked about first
		// (once; the answer is kept), so that a wrong key is a 401 the
		// client can act on, not a tool list that fails later. When
		// Lightfield cannot be asked, a request is still served (its
		// tools say what failed), but no stream is opened.
		err := cfg.verifyCaller(r.Context(), token)
		switch {
		case errors.Is(err, tools.ErrKeyRejected):
			refuseToken(w, r, logger, cfg, err)
			return r, "", false
		case err != nil && r.Method == http.MethodGet:
			w.Header().Set("Retry-After", "5")
			httpError(w, http.StatusServiceUnavailable, "unconfirmed", err.Error())
			return r, "", false
		}
	}
	return r, token, true
}

// isStream reports whether a request holds a stream open: an event stream
// (GET), or a 2026-07-28 subscriptions/listen, which mcp-go answers until
// the client leaves.
func isStream(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodPost && r.Header.Get("Mcp-Method") == "subscriptions/listen"
}

// corsRequestHeaders are the headers a browser MCP client sends.
const corsRequestHeaders = "Authorization, Content-Type, Accept, Last-Event-ID, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name"

func httpError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "Bearer <key>" reads as written
	enc.Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// refuseToken answers 401 for a Bearer token that is refused, saying why
// in the header clients read and in the body people read.
func refuseToken(w http.ResponseWriter, r *http.Request, logger *slog.Logger, cfg httpConfig, err error) {
	logger.Info("refused a request's token", "path", r.URL.Path, "reason", tokenReason(err))
	challenge := `Bearer realm="lightfield-mcp", error="invalid_token", error_description="` + tokenReason(err) + `"`
	if cfg.auth != nil {
		challenge += fmt.Sprintf(`, resource_metadata=%q`, cfg.auth.ResourceMetadataURL())
	}
	w.Header().Set("WWW-Authenticate", challenge)
	httpError(w, http.StatusUnauthorized, "invalid_token", err.Error())
}

// tokenReason names, for headers and logs, why a token was refused.
func tokenReason(err error) string {
	switch {
	case errors.Is(err, tools.ErrKeyRejected):
		return "Lightfield rejected this API key"
	case errors.Is(err, oauth.ErrTokenRejected):
		return "the access token is invalid or expired"
	}
	return "not a Lightfield API key"
}

// checkHealth is the container's health check: a scratch image has no curl,
// so the binary asks its own /healthz. It returns the exit code.
func checkHealth(rawURL string, stderr io.Writer) int {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(rawURL)
	if err != nil {
		fmt.Fprintf(stderr, "lightfield-mcp: health check: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "lightfield-mcp: health check: %s answered %s\n", rawURL, resp.Status)
		return 1
	}
	return 0
}
