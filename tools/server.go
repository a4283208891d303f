// Package tools holds the MCP tools of the server: argument checking,
// normalisation, name resolution, the Lightfield calls and the results the
// model reads.
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// DefaultDefinitionsTTL is how long definitions and the member list are
// trusted before they are fetched again.
const DefaultDefinitionsTTL = 5 * time.Minute

// DefaultCallTimeout bounds one tool call, retries and waits included.
const DefaultCallTimeout = 45 * time.Second

// Options adjust a Server.
type Options struct {
	// DefinitionsTTL is how often definitions and members are re-fetched
	// (DefaultDefinitionsTTL when zero).
	DefinitionsTTL time.Duration
	// CallTimeout bounds one tool call, retries and waits included
	// (DefaultCallTimeout when zero).
	CallTimeout time.Duration
	// Sandbox says that client talks to the in-process sandbox: every
	// result says so.
	Sandbox bool
}

// Server registers the Lightfield tools on an MCP server and serves them.
type Server struct {
	client      *lfclient.Client
	mcp         *server.MCPServer
	log         *slog.Logger
	ttl         time.Duration
	callTimeout time.Duration
	sandbox     bool
	defs        *definitions
	resolve     *resolver
	created     createdKeys
}

// New returns a Server whose tools call Lightfield through client and are
// registered on mcpServer by Register.
func New(client *lfclient.Client, mcpServer *server.MCPServer, logger *slog.Logger, opts Options) *Server {
	ttl := opts.DefinitionsTTL
	if ttl <= 0 {
		ttl = DefaultDefinitionsTTL
	}
	callTimeout := opts.CallTimeout
	if callTimeout <= 0 {
		callTimeout = DefaultCallTimeout
	}
	s := &Server{client: client, mcp: mcpServer, log: logger, ttl: ttl, callTimeout: callTimeout, sandbox: opts.Sandbox}
	s.defs = &definitions{fetch: client.OpportunityDefinitions, onChange: s.registerCreate}
	s.resolve = &resolver{client: client, members: memberCache{ttl: ttl}}
	return s
}

// Register adds the tools, create_opportunity with the schema of the
// definitions held (the base schema before any were fetched).
func (s *Server) Register() {
	s.registerCreate(s.defs.held())
	s.registerFindAccounts()
}

// LoadDefinitions fetches the definitions; when they differ from those held,
// create_opportunity is registered again with the refined schema and
// clients that listen are told the tool list changed.
func (s *Server) LoadDefinitions(ctx context.Context) error {
	_, err := s.defs.refresh(ctx)
	return err
}

// KeepDefinitionsFresh re-fetches the definitions every TTL until ctx ends.
func (s *Server) KeepDefinitionsFresh(ctx context.Context) {
	s.defs.keepFresh(ctx, s.ttl, s.log)
}

// arguments returns a call's arguments as JSON.
func arguments(req mcp.CallToolRequest) (json.RawMessage, error) {
	if len(req.Params.RawArguments) > 0 {
		return req.Params.RawArguments, nil
	}
	// In-process clients hand over decoded arguments.
	return json.Marshal(req.Params.Arguments)
}

// SandboxNote ends every result the sandbox gives.
const SandboxNote = "(Sandbox: Lightfield is simulated inside this server; nothing was sent anywhere, and records vanish when the server stops.)"

// handler wraps a tool handler: the call is bounded by the call timeout,
// and in the sandbox every result says so.
func (s *Server) handler(h server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
		defer cancel()
		res, err := h(ctx, req)
		if s.sandbox && res != nil && !res.NeedsInput() {
			res.Content = append(res.Content, mcp.NewTextContent(SandboxNote))
		}
		return res, err
	}
}

// interrupted says why a call stopped before Lightfield answered, or ""
// when it did not.
func (s *Server) interrupted(ctx context.Context) string {
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return fmt.Sprintf("The call reached its time limit (%s, LIGHTFIELD_CALL_TIMEOUT) before Lightfield answered.", s.callTimeout)
	case context.Canceled:
		return "The call was cancelled before Lightfield answered."
	}
	return ""
}

func readOnlyAnnotations(title string) mcp.ToolAnnotation {
	return mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    mcp.ToBoolPtr(true),
		DestructiveHint: mcp.ToBoolPtr(false),
		IdempotentHint:  mcp.ToBoolPtr(true),
		OpenWorldHint:   mcp.ToBoolPtr(true),
	}
}
