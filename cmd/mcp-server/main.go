// Command mcp-server serves the Lightfield MCP tools over stdio.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
	"github.com/lightfield-mcp/lightfield-mcp/tools"
)

// version is the server's version; release builds set it with
// -ldflags "-X main.version=…".
var version = "0.1.0"

// startupDefinitionsTimeout bounds the first definitions fetch, which runs
// beside the handshake and never delays it.
const startupDefinitionsTimeout = 10 * time.Second

const instructions = `Lightfield CRM. create_opportunity creates one deal from fields ($name, $stage, amounts, dates, custom fields) and relationships ($account, owner, contacts); find_accounts looks accounts up by name.
- Give related records as the person named them: an account by its exact name, a member or contact by email or full name, or any of them by ID. The server resolves them; if a name matches several records it lists them (or asks the person), and you should ask which one is meant rather than guess.
- Use the stage and option labels the tool schema lists; a refused call creates nothing and names each argument to fix, so fix those and call again.
- When unsure of a value, call with dryRun: true to see the exact request first.
- Repeating the same call is safe: it returns the deal already created. An existing deal with the same name on the same account is refused as a duplicate; pass allowDuplicate: true only when the person confirms it is another deal.`

const sandboxInstructions = `SANDBOX: this server runs against a simulated Lightfield inside its own process. Nothing reaches a real CRM, and records vanish when it stops. Say so when you report what you created.
`

const usage = `Usage: mcp-server [flags]

Serves the Lightfield MCP tools (create_opportunity, find_accounts) over stdio, or over
Streamable HTTP with --http, where each request's Authorization: Bearer token is the caller's
Lightfield key (LIGHTFIELD_API_KEY, when set, serves requests without one).

Environment:
  LIGHTFIELD_API_KEY          Lightfield API key (required unless sandboxed). Scopes: opportunities:create,
                              opportunities:read, accounts:read, contacts:read, members:read.
  LIGHTFIELD_SANDBOX          1 runs against a simulated Lightfield inside the process, like --sandbox.
  LIGHTFIELD_ALLOWED_ORIGINS  With --http: comma-separated browser origins allowed besides the
                              server's own (requests with any other Origin are refused).
  LIGHTFIELD_BASE_URL         API base URL (default %s).
  LIGHTFIELD_DEFINITIONS_TTL  How often field definitions and members are re-read, as a Go
                              duration (default %s).
  LIGHTFIELD_CALL_TIMEOUT     The longest one tool call may take, retries included (default %s).
  LIGHTFIELD_ALLOW_INSECURE_HTTP
                              1 allows a plain-HTTP base URL that is not loopback (the key then
                              crosses the network in clear text).

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, pollableStdin(), os.Stdout, os.Stderr))
}

// run is the whole program, with its surroundings passed in so that tests can
// drive it. It returns the exit code.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("mcp-server", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintf(stderr, usage, lfclient.DefaultBaseURL, tools.DefaultDefinitionsTTL, tools.DefaultCallTimeout)
		flags.PrintDefaults()
	}
	showVersion := flags.Bool("version", false, "print the version and exit")
	sandboxFlag := flags.Bool("sandbox", false, "run against a simulated Lightfield inside the process: no key needed, nothing leaves the machine")
	baseURL := flags.String("base-url", "", "API base URL; overrides LIGHTFIELD_BASE_URL")
	ttlFlag := flags.Duration("definitions-ttl", 0, "how often definitions and members are re-read; overrides LIGHTFIELD_DEFINITIONS_TTL")
	callTimeoutFlag := flags.Duration("call-timeout", 0, "the longest one tool call may take; overrides LIGHTFIELD_CALL_TIMEOUT")
	insecureFlag := flags.Bool("allow-insecure-http", false, "allow a plain-HTTP base URL that is not loopback, like LIGHTFIELD_ALLOW_INSECURE_HTTP=1")
	httpAddr := flags.String("http", "", "serve MCP over Streamable HTTP at ADDR (e.g. 127.0.0.1:8080) instead of stdio; each request's Bearer token is the caller's Lightfield key")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "lightfield-mcp %s\n", version)
		return 0
	}
	if *baseURL == "" {
		*baseURL = getenv("LIGHTFIELD_BASE_URL")
	}
	ttl, err := durationSetting(*ttlFlag, "LIGHTFIELD_DEFINITIONS_TTL", getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mcp-server: %v\n", err)
		return 2
	}
	callTimeout, err := durationSetting(*callTimeoutFlag, "LIGHTFIELD_CALL_TIMEOUT", getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mcp-server: %v\n", err)
		return 2
	}
	insecure, err := boolSetting(*insecureFlag, "LIGHTFIELD_ALLOW_INSECURE_HTTP", getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mcp-server: %v\n", err)
		return 2
	}
	sandbox, err := boolSetting(*sandboxFlag, "LIGHTFIELD_SANDBOX", getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mcp-server: %v\n", err)
		return 2
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := lfclient.Config{
		APIKey:            getenv("LIGHTFIELD_API_KEY"),
		BaseURL:           *baseURL,
		UserAgent:         "lightfield-mcp/" + version,
		Logger:            logger,
		AllowInsecureHTTP: insecure,
	}
	serverInstructions := instructions
	if sandbox {
		_, httpClient, err := lightfieldtest.Sandbox()
		if err != nil {
			fmt.Fprintf(stderr, "mcp-server: %v\n", err)
			return 1
		}
		cfg.APIKey, cfg.BaseURL, cfg.HTTPClient = lightfieldtest.SandboxAPIKey, lightfieldtest.SandboxBaseURL, httpClient
		serverInstructions = sandboxInstructions + instructions
		logger.Info("sandbox: Lightfield is simulated inside this process; no key is used and nothing leaves the machine")
	} else if cfg.APIKey == "" && *httpAddr == "" {
		fmt.Fprintln(stderr, "mcp-server: LIGHTFIELD_API_KEY is not set. Create a Lightfield API key (sk_lf_…) with the scopes opportunities:create and opportunities:read (plus accounts:read, members:read and contacts:read to use names), and give it to the server in your MCP client's env settings. To try the server without a key, run it with --sandbox.")
		return 2
	}
	// The operator's key (or the sandbox) serves every call over stdio, and
	// over HTTP the requests that bring no key of their own.
	var client *lfclient.Client
	if cfg.APIKey != "" {
		if client, err = lfclient.New(cfg); err != nil {
			fmt.Fprintf(stderr, "mcp-server: %v\n", err)
			return 2
		}
	}
	opts := tools.Options{DefinitionsTTL: ttl, CallTimeout: callTimeout, Sandbox: sandbox}
	// Over HTTP a request's own key always wins; the operator's serves only
	// requests without one. The sandbox has no keys to tell apart.
	if *httpAddr != "" && !sandbox {
		opts.NewClient = func(apiKey string) (*lfclient.Client, error) {
			perCaller := cfg
			perCaller.APIKey = apiKey
			return lfclient.New(perCaller)
		}
		if err := cfg.CheckBaseURL(); err != nil {
			fmt.Fprintf(stderr, "mcp-server: %v\n", err)
			return 2
		}
	}

	mcpServer := server.NewMCPServer("lightfield-mcp", version,
		server.WithToolCapabilities(true),
		server.WithInstructions(serverInstructions),
		server.WithRecovery(),
	)
	lightfield := tools.New(client, mcpServer, logger, opts)
	lightfield.Register()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		loadCtx, cancel := context.WithTimeout(ctx, startupDefinitionsTimeout)
		defer cancel()
		if err := lightfield.LoadDefinitions(loadCtx); err != nil {
			logger.Warn("definitions not loaded at start; serving the base schema until a call loads them", "error", err)
		}
		lightfield.KeepDefinitionsFresh(ctx)
	}()

	if *httpAddr != "" {
		return serveHTTP(ctx, mcpServer, httpConfig{addr: *httpAddr, singleTenant: client != nil, callTimeout: callTimeout, allowedOrigins: getenv("LIGHTFIELD_ALLOWED_ORIGINS")}, logger)
	}
	stdio := server.NewStdioServer(mcpServer)
	stdio.SetErrorLogger(slog.NewLogLogger(logger.Handler(), slog.LevelError))
	if err := stdio.Listen(ctx, stdin, stdout); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		logger.Error("stdio server stopped", "error", err)
		return 1
	}
	return 0
}

// durationSetting is the flag's value when set, else the variable's, else 0
// (the default).
func durationSetting(flagValue time.Duration, name string, getenv func(string) string) (time.Duration, error) {
	if flagValue != 0 || getenv(name) == "" {
		if flagValue < 0 {
			return 0, fmt.Errorf("the flag for %s must be a positive duration", name)
		}
		return flagValue, nil
	}
	d, err := time.ParseDuration(getenv(name))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive Go duration such as 5m or 30s", name, getenv(name))
	}
	return d, nil
}

// boolSetting is true when the flag is set or the variable says so.
func boolSetting(flagValue bool, name string, getenv func(string) string) (bool, error) {
	if flagValue || getenv(name) == "" {
		return flagValue, nil
	}
	b, err := strconv.ParseBool(getenv(name))
	if err != nil {
		return false, fmt.Errorf("%s=%q is not 1, 0, true or false", name, getenv(name))
	}
	return b, nil
}
