// Command mcp-server serves the Lightfield MCP tools over stdio, or over
// Streamable HTTP with --http. Releases name the binary lightfield-mcp.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"golang.org/x/time/rate"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/oauth"
	"github.com/lightfield-mcp/lightfield-mcp/source"
	"github.com/lightfield-mcp/lightfield-mcp/tools"
)

// version is the server's version. Release builds set it from the tag with
// -ldflags "-X main.version=…"; other builds take the module version Go
// stamped into the binary (see serverVersion).
var version string

// serverVersion is version when a release build set it; else the version
// `go install module@vX` stamped (or, in a checkout, the pseudo-version of
// its commit); else "dev".
func serverVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return strings.TrimPrefix(info.Main.Version, "v")
	}
	return "dev"
}

// The budget upstream, for the whole process, of requests made with keys
// Lightfield has not accepted yet.
const (
	unverifiedPerSecond = 10
	unverifiedBurst     = 20
)

// startupDefinitionsTimeout bounds the first definitions fetch, which runs
// beside the handshake and never delays it.
const startupDefinitionsTimeout = 10 * time.Second

const usage = `Usage: lightfield-mcp [flags]

Serves the Lightfield MCP tools (create_opportunity, update_opportunity, create_account,
create_contact, find_accounts, find_people, find_opportunities) over stdio, or over Streamable HTTP with --http, where each
request's Authorization: Bearer token is the caller's Lightfield key (LIGHTFIELD_API_KEY, when set,
serves requests without one).

Environment:
  LIGHTFIELD_API_KEY          Lightfield API key (required unless sandboxed). Scopes: opportunities:create,
                              opportunities:read, accounts:read, contacts:read, members:read; for
                              new customers accounts:create; for new people contacts:create; for notes
                              and follow-ups notes:create and tasks:create; for update_opportunity
                              opportunities:update.
  LIGHTFIELD_SANDBOX          1 runs against a simulated Lightfield inside the process, like --sandbox.
  LIGHTFIELD_ALLOWED_ORIGINS  With --http: comma-separated browser origins allowed besides those of the
                              server's own host names (requests with any other Origin are refused).
  LIGHTFIELD_TOKEN_SECRET     With --http: offers OAuth sign-in (for Claude custom connectors, ChatGPT)
                              and seals its tokens; 32 characters or more (openssl rand -base64 32).
  LIGHTFIELD_TOKEN_OLD_SECRETS
                              Comma-separated earlier secrets whose tokens are still accepted.
  LIGHTFIELD_PUBLIC_URL       With --http: the https:// address clients reach the server at (required
                              with a secret off loopback). Its host is one the server answers to.
  LIGHTFIELD_ALLOWED_HOSTS    With --http: comma-separated further host names clients use to reach the
                              server. Requests naming any other host (DNS rebinding) are refused;
                              loopback names and IP addresses are always served.
  LIGHTFIELD_TRUSTED_PROXIES  With --http: comma-separated addresses or CIDR ranges of the proxies
                              whose X-Forwarded-For names a request's source (for per-source budgets).
  LIGHTFIELD_BASE_URL         API base URL (default %s).
  LIGHTFIELD_DEFINITIONS_TTL  How often field definitions and members are re-read, as a Go
                              duration (default %s).
  LIGHTFIELD_CALL_TIMEOUT     The longest one tool call may take, retries included (default %s).
  LIGHTFIELD_ALLOW_INSECURE_HTTP
                              1 allows a plain-HTTP base URL that is not loopback (the key then
                              crosses the network in clear text).
  LIGHTFIELD_LOG_LEVEL        What is logged on stderr: debug, info (default), warn or error.

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, pollableStdin(), os.Stdout, os.Stderr))
}

// run is the whole program, with its surroundings passed in so that tests can
// drive it. It returns the exit code.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("lightfield-mcp", flag.ContinueOnError)
	flags.SetOutput(stderr)
	// Parse reports a wrong flag on stderr, followed by a pointer to
	// --help rather than the whole usage, which would bury it in a host's
	// log; asked for, the usage goes to stdout.
	flags.Usage = func() {}
	showVersion := flags.Bool("version", false, "print the version and exit")
	sandboxFlag := flags.Bool("sandbox", false, "run against a simulated Lightfield inside the process: no key needed, nothing leaves the machine")
	baseURL := flags.String("base-url", "", "API base URL; overrides LIGHTFIELD_BASE_URL")
	ttlFlag := flags.Duration("definitions-ttl", 0, "how often definitions and members are re-read; overrides LIGHTFIELD_DEFINITIONS_TTL")
	callTimeoutFlag := flags.Duration("call-timeout", 0, "the longest one tool call may take; overrides LIGHTFIELD_CALL_TIMEOUT")
	insecureFlag := flags.Bool("allow-insecure-http", false, "allow a plain-HTTP base URL that is not loopback, like LIGHTFIELD_ALLOW_INSECURE_HTTP=1")
	httpAddr := flags.String("http", "", "serve MCP over Streamable HTTP at ADDR (e.g. 127.0.0.1:8080) instead of stdio; each request's Bearer token is the caller's Lightfield key")
	logLevelFlag := flags.String("log-level", "", "what is logged on stderr: debug, info, warn or error; overrides LIGHTFIELD_LOG_LEVEL")
	healthcheck := flags.String("healthcheck", "", "GET this URL (e.g. http://127.0.0.1:8080/healthz), exit 0 if it answers 200, 1 otherwise; for container health checks")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, usage, lfclient.DefaultBaseURL, tools.DefaultDefinitionsTTL, tools.DefaultCallTimeout)
			flags.SetOutput(stdout)
			flags.PrintDefaults()
			return 0
		}
		fmt.Fprintln(stderr, "Run lightfield-mcp --help for the flags and variables.")
		return 2
	}
	// Parsing stops at the first word that is not a flag, so whatever
	// follows it would be dropped without a word (--sandbox true
	// --log-level warn).
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "lightfield-mcp: unexpected argument %q: the server takes flags only, and a switch takes no value after a space (write --sandbox, or --sandbox=true). Run lightfield-mcp --help for the flags.\n", flags.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "lightfield-mcp %s\n", serverVersion())
		return 0
	}
	if *healthcheck != "" {
		return checkHealth(*healthcheck, stderr)
	}

	// A host that starts the server from a template (an MCP Bundle's
	// ${user_config.api_key}, say) may pass a placeholder it did not fill
	// in. Such a value is never used as if it were set: an unfilled key
	// counts as no key (fine where none is needed), any other setting stops
	// the server.
	apiKey := getenv("LIGHTFIELD_API_KEY")
	keyUnfilled := isPlaceholder(apiKey)
	if keyUnfilled {
		apiKey = ""
	}
	var unfilled []string
	env := func(name string) string {
		v := getenv(name)
		if !isPlaceholder(v) {
			return v
		}
		if entry := fmt.Sprintf("%s=%q", name, v); !slices.Contains(unfilled, entry) {
			unfilled = append(unfilled, entry)
		}
		return ""
	}
	if *baseURL == "" {
		*baseURL = env("LIGHTFIELD_BASE_URL")
	}
	// A flag given wins over its variable, whatever its value
	// (--sandbox=false beats LIGHTFIELD_SANDBOX=1).
	given := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { given[f.Name] = true })
	ttl, ttlErr := durationSetting(*ttlFlag, given["definitions-ttl"], "--definitions-ttl", "LIGHTFIELD_DEFINITIONS_TTL", env)
	callTimeout, callTimeoutErr := durationSetting(*callTimeoutFlag, given["call-timeout"], "--call-timeout", "LIGHTFIELD_CALL_TIMEOUT", env)
	insecure, insecureErr := boolSetting(*insecureFlag, given["allow-insecure-http"], "LIGHTFIELD_ALLOW_INSECURE_HTTP", env)
	sandbox, sandboxErr := boolSetting(*sandboxFlag, given["sandbox"], "LIGHTFIELD_SANDBOX", env)
	logLevel, logLevelErr := logLevelSetting(*logLevelFlag, env)
	names, sources, namesErr := httpSettings(*httpAddr, env)
	if len(unfilled) > 0 {
		fmt.Fprintf(stderr, "lightfield-mcp: %s: the program that started this server passed a placeholder instead of a value. Set the value in that program's settings for this server, or remove the variable.\n", strings.Join(unfilled, ", "))
		return 2
	}
	if err := errors.Join(ttlErr, callTimeoutErr, insecureErr, sandboxErr, logLevelErr, namesErr); err != nil {
		fmt.Fprintf(stderr, "lightfield-mcp: %v\n", err)
		return 2
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	cfg := lfclient.Config{
		APIKey:            apiKey,
		BaseURL:           *baseURL,
		UserAgent:         "lightfield-mcp/" + serverVersion(),
		Logger:            logger,
		AllowInsecureHTTP: insecure,
	}
	if sandbox {
		_, httpClient, err := lfsim.Sandbox()
		if err != nil {
			fmt.Fprintf(stderr, "lightfield-mcp: %v\n", err)
			return 1
		}
		cfg.APIKey, cfg.BaseURL, cfg.HTTPClient = lfsim.SandboxAPIKey, lfsim.SandboxBaseURL, httpClient
		logger.Info("sandbox: Lightfield is simulated inside this process; no key is used and nothing leaves the machine")
	} else if cfg.APIKey == "" && *httpAddr == "" {
		if keyUnfilled {
			fmt.Fprintln(stderr, "lightfield-mcp: LIGHTFIELD_API_KEY holds a placeholder, not a key: the program that started this server did not fill in the API key setting (in Claude Desktop: Settings, Extensions, Lightfield CRM, Configure). Enter your Lightfield API key there, or switch Sandbox on to try the server without one.")
			return 2
		}
		fmt.Fprintln(stderr, "lightfield-mcp: LIGHTFIELD_API_KEY is not set. Create a Lightfield API key (sk_lf_…) with the scopes opportunities:create and opportunities:read (plus accounts:read, members:read and contacts:read to use names), and give it to the server: in your MCP client's configuration, as LIGHTFIELD_API_KEY in its env settings; in Claude Desktop's extension, under Settings, Extensions, Lightfield CRM, Configure. To try the server without a key, run it with --sandbox (in the extension: switch Sandbox on).")
		return 2
	}
	// The operator's key (or the sandbox) serves every call over stdio, and
	// over HTTP the requests that bring no key of their own.
	var client *lfclient.Client
	if cfg.APIKey != "" {
		var err error
		if client, err = lfclient.New(cfg); err != nil {
			fmt.Fprintf(stderr, "lightfield-mcp: %v\n", err)
			return 2
		}
	}
	// Unset is the default, here once: the HTTP server's write timeout is
	// derived from it too, and must outlast every call.
	if callTimeout == 0 {
		callTimeout = tools.DefaultCallTimeout
	}
	opts := tools.Options{DefinitionsTTL: ttl, CallTimeout: callTimeout, Sandbox: sandbox}
	var auth *oauth.Server
	// Over HTTP a request's own key always wins; the operator's serves only
	// requests without one. The sandbox has no keys to tell apart.
	if *httpAddr != "" && !sandbox {
		// Keys Lightfield has not accepted yet share one budget upstream,
		// so that made-up keys cannot turn into a flood of requests.
		unverified := rate.NewLimiter(unverifiedPerSecond, unverifiedBurst)
		opts.NewClient = func(apiKey string) (*lfclient.Client, error) {
			perCaller := cfg
			perCaller.APIKey = apiKey
			perCaller.Unverified = unverified
			return lfclient.New(perCaller)
		}
		if err := cfg.CheckBaseURL(); err != nil {
			fmt.Fprintf(stderr, "lightfield-mcp: %v\n", err)
			return 2
		}
		if secret := env("LIGHTFIELD_TOKEN_SECRET"); secret != "" {
			var err error
			if auth, err = authServer(secret, *httpAddr, env, cfg, unverified, logger); err != nil {
				fmt.Fprintf(stderr, "lightfield-mcp: %v\n", err)
				return 2
			}
		}
	}

	hooks := &server.Hooks{}
	opts.Hooks = hooks
	mcpServer := server.NewMCPServer("lightfield-mcp", serverVersion(),
		server.WithHooks(hooks),
		server.WithToolCapabilities(true),
		server.WithInstructions(tools.Instructions(sandbox)),
		server.WithRecovery(),
	)
	lightfield := tools.New(client, mcpServer, logger, opts)
	lightfield.Register()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// The loader is waited for on the way out, so a shutdown that cancels
	// its fetch ends it quietly instead of logging after run returned.
	loaded := make(chan struct{})
	defer func() { stop(); <-loaded }()
	go func() {
		defer close(loaded)
		loadCtx, cancel := context.WithTimeout(ctx, startupDefinitionsTimeout)
		defer cancel()
		if err := lightfield.LoadDefinitions(loadCtx); err != nil && ctx.Err() == nil {
			logger.Warn("definitions not loaded at start; serving the base schema until a call loads them", "error", err)
		}
		lightfield.KeepDefinitionsFresh(ctx)
	}()

	if *httpAddr != "" {
		return serveHTTP(ctx, mcpServer, httpConfig{addr: *httpAddr, singleTenant: client != nil, callTimeout: callTimeout,
			hosts: names, sources: sources, newKeys: source.NewBudget(newKeysPerSecond, newKeysBurst, nil), keyedCallers: !sandbox,
			keyProblem: lightfield.CallerKeyProblem, keyAccepted: lightfield.KeyAccepted, verifyCaller: lightfield.VerifyCaller,
			sessionCaller: lightfield.SessionCaller, hooks: hooks, ready: lightfield.Ready, auth: auth}, logger)
	}
	stdio := server.NewStdioServer(mcpServer)
	stdio.SetErrorLogger(slog.NewLogLogger(logger.Handler(), slog.LevelError))
	if err := stdio.Listen(ctx, stdin, stdout); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		logger.Error("stdio server stopped", "error", err)
		return 1
	}
	return 0
}

// httpSettings reads what the HTTP transport guards with: the host names
// and origins the deployment serves, and the proxies whose forwarded
// addresses are believed. Nil without --http.
func httpSettings(addr string, env func(string) string) (*hosts, *source.Resolver, error) {
	if addr == "" {
		return nil, nil, nil
	}
	names, err := newHosts(env("LIGHTFIELD_PUBLIC_URL"), env("LIGHTFIELD_ALLOWED_HOSTS"), env("LIGHTFIELD_ALLOWED_ORIGINS"))
	if err != nil {
		return nil, nil, err
	}
	sources, err := source.NewResolver(env("LIGHTFIELD_TRUSTED_PROXIES"))
	if err != nil {
		return nil, nil, err
	}
	return names, sources, nil
}

// authServer makes the OAuth authorization server from the settings:
// LIGHTFIELD_TOKEN_SECRET seals, LIGHTFIELD_TOKEN_OLD_SECRETS (comma-
// separated) still open, LIGHTFIELD_PUBLIC_URL is where clients reach the
// server (by default, on loopback, the address it listens at).
func authServer(secret, addr string, env func(string) string, cfg lfclient.Config, unverified *rate.Limiter, logger *slog.Logger) (*oauth.Server, error) {
	publicURL := env("LIGHTFIELD_PUBLIC_URL")
	if publicURL == "" {
		listen := loopbackDefault(addr)
		if host, _, _ := net.SplitHostPort(listen); !isLoopback(host) {
			return nil, errors.New("LIGHTFIELD_TOKEN_SECRET is set, so OAuth sign-in is offered: set LIGHTFIELD_PUBLIC_URL to the https:// address clients reach this server at (the address of the load balancer or proxy that terminates TLS)")
		}
		publicURL = "http://" + listen
	}
	secrets := []string{secret}
	for _, old := range strings.Split(env("LIGHTFIELD_TOKEN_OLD_SECRETS"), ",") {
		if old = strings.TrimSpace(old); old != "" {
			secrets = append(secrets, old)
		}
	}
	allowPrivate, err := boolSetting(false, false, "LIGHTFIELD_OAUTH_ALLOW_PRIVATE_CLIENT_METADATA", env)
	if err != nil {
		return nil, err
	}
	return oauth.New(oauth.Config{
		PublicURL: publicURL,
		Secrets:   secrets,
		// The sign-in page's key is checked under the budget of keys not
		// yet accepted.
		Validate: func(ctx context.Context, apiKey string) (*lfclient.KeyInfo, error) {
			c := cfg
			c.APIKey, c.Unverified = apiKey, unverified
			client, err := lfclient.New(c)
			if err != nil {
				return nil, err
			}
			return client.Validate(ctx)
		},
		AllowPrivateClientMetadata: allowPrivate,
		Log:                        logger,
	})
}

// durationSetting is the flag's value when it was given, else the
// variable's, else 0 (the default).
func durationSetting(flagValue time.Duration, given bool, flagName, name string, getenv func(string) string) (time.Duration, error) {
	if given {
		if flagValue <= 0 {
			return 0, fmt.Errorf("%s=%s is not a positive duration such as 5m or 30s", flagName, flagValue)
		}
		return flagValue, nil
	}
	if getenv(name) == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(getenv(name))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive Go duration such as 5m or 30s", name, getenv(name))
	}
	return d, nil
}

// boolSetting is the flag's value when it was given, else the variable's,
// else false.
func boolSetting(flagValue, given bool, name string, getenv func(string) string) (bool, error) {
	if given || getenv(name) == "" {
		return flagValue, nil
	}
	b, err := strconv.ParseBool(getenv(name))
	if err != nil {
		return false, fmt.Errorf("%s=%q is not 1, 0, true or false", name, getenv(name))
	}
	return b, nil
}

// isPlaceholder says whether a host passed a setting's template, such as
// ${user_config.api_key}, instead of its value.
func isPlaceholder(value string) bool {
	return strings.Contains(value, "${")
}

// logLevelSetting is the flag's level when set, else the variable's, else
// info.
func logLevelSetting(flagValue string, getenv func(string) string) (slog.Level, error) {
	name, value := "--log-level", flagValue
	if value == "" {
		name, value = "LIGHTFIELD_LOG_LEVEL", getenv("LIGHTFIELD_LOG_LEVEL")
	}
	switch strings.ToLower(value) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%s=%q is not one of debug, info, warn, error", name, value)
}
