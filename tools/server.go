// Package tools holds the MCP tools of the server: argument checking,
// normalisation, name resolution, the Lightfield calls and the results the
// model reads.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/view"
	"github.com/lightfield-mcp/lightfield-mcp/write"
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
	// RecheckAfter is how old definitions must be before a call that names
	// something they do not know fetches them again (5 s when zero).
	RecheckAfter time.Duration
	// Sandbox says that client talks to the in-process sandbox: every
	// result says so.
	Sandbox bool
	// NewClient makes a client for an API key a request carries (see
	// WithAPIKey). Without it, every call uses the Server's own client.
	NewClient func(apiKey string) (*lfclient.Client, error)
	// Hooks are the MCP server's hooks (server.WithHooks). On them the
	// Server follows which client session, and which subscriptions/listen
	// stream, acts for which organisation (by the key in the context it is
	// opened with), so that a change of one organisation's definitions is
	// announced to its own clients only. Without them every client is told.
	Hooks *server.Hooks
}

// Server registers the Lightfield tools on an MCP server and serves them,
// for one organisation or, with Options.NewClient, for each caller's own.
type Server struct {
	mcp         *server.MCPServer
	log         *slog.Logger
	ttl         time.Duration
	callTimeout time.Duration
	// recheckAfter: Options.RecheckAfter.
	recheckAfter time.Duration
	sandbox      bool
	newClient    func(string) (*lfclient.Client, error)
	hooks        *server.Hooks
	// view is the deal card's HTML (view.Deal), nil when not built in.
	view []byte

	tools    []tool
	orgs     *orgCache // callers' organisations, by key fingerprint
	fallback *org      // the Server's own client's; nil without one

	// sessions maps each client session to the fingerprint of the key it
	// acts with ("" for the Server's own organisation); nil without Hooks.
	// listeners are the subscriptions/listen streams (protocol 2026-07-28),
	// which are no registered session.
	sessionsMu sync.Mutex
	sessions   map[string]string
	listeners  map[server.ClientSession]listener
}

// listener is a subscriptions/listen stream: the context of its request,
// which carries its session, and the fingerprint of its key.
type listener struct {
	ctx         context.Context
	fingerprint string
}

// org is what the server keeps per organisation: the write core's
// organisation, and the create tools' input schemas for its definitions.
type org struct {
	*write.Org

	schemaMu sync.Mutex
	// schemas are the write tools' input schemas for these definitions:
	// a create tool's by object type, another tool on the same
	// definitions (update_opportunity) by its name; absent until the
	// definitions are loaded.
	schemas map[string]json.RawMessage
	// listed says a tool list was served for this organisation: from then
	// on, its first definitions change the list too.
	listed bool
}

// New returns a Server whose tools call Lightfield through client (nil when
// every request brings its own key) and are registered on mcpServer by
// Register.
func New(client *lfclient.Client, mcpServer *server.MCPServer, logger *slog.Logger, opts Options) *Server {
	ttl := opts.DefinitionsTTL
	if ttl <= 0 {
		ttl = DefaultDefinitionsTTL
	}
	callTimeout := opts.CallTimeout
	if callTimeout <= 0 {
		callTimeout = DefaultCallTimeout
	}
	s := &Server{mcp: mcpServer, log: logger, ttl: ttl, callTimeout: callTimeout, recheckAfter: opts.RecheckAfter, sandbox: opts.Sandbox,
		newClient: opts.NewClient, hooks: opts.Hooks, view: view.Deal(), orgs: newOrgCache()}
	for _, t := range toolList {
		s.tools = append(s.tools, t(s))
	}
	if client != nil {
		s.fallback = s.newOrg(client, "")
	}
	if opts.Hooks != nil {
		s.sessions = map[string]string{}
		s.listeners = map[server.ClientSession]listener{}
		opts.Hooks.AddBeforeSubscriptionsListen(s.followListener)
		opts.Hooks.AddOnRegisterSession(func(ctx context.Context, session server.ClientSession) {
			s.sessionsMu.Lock()
			defer s.sessionsMu.Unlock()
			s.sessions[session.SessionID()] = s.callerFingerprint(ctx)
		})
		opts.Hooks.AddOnUnregisterSession(func(_ context.Context, session server.ClientSession) {
			s.sessionsMu.Lock()
			defer s.sessionsMu.Unlock()
			delete(s.sessions, session.SessionID())
		})
	}
	return s
}

// callerFingerprint is the fingerprint of the key a request acts with, ""
// when it acts for the Server's own organisation.
func (s *Server) callerFingerprint(ctx context.Context) string {
	if !s.callerKey(ctx) {
		return ""
	}
	key, _ := ctx.Value(apiKeyContext{}).(string)
	return lfclient.KeyFingerprint(key)
}

// SessionCaller reports whether the session sessionID may be used with key:
// true when it was opened with the same key, or is not known here (mcp-go
// then serves the request on a session of its own).
func (s *Server) SessionCaller(sessionID, key string) bool {
	if s.sessions == nil {
		return true
	}
	s.sessionsMu.Lock()
	fingerprint, known := s.sessions[sessionID]
	s.sessionsMu.Unlock()
	return !known || fingerprint == s.callerFingerprint(WithAPIKey(context.Background(), key))
}

// followListener files a subscriptions/listen stream under its key's
// organisation while its request lasts. mcp-go reaches such streams only
// by broadcasting to all of them, which would tell every organisation of
// one's change; the listen request's context carries its session, so that
// it can be told alone (SendNotificationToClient).
func (s *Server) followListener(ctx context.Context, _ any, _ *mcp.SubscriptionsListenRequest) {
	session := server.ClientSessionFromContext(ctx)
	if session == nil {
		return
	}
	s.sessionsMu.Lock()
	defer s.sessionsMu.Unlock()
	if _, registered := s.sessions[session.SessionID()]; registered {
		return // a registered session (stdio) is told by its ID
	}
	s.listeners[session] = listener{ctx: ctx, fingerprint: s.callerFingerprint(ctx)}
	context.AfterFunc(ctx, func() {
		s.sessionsMu.Lock()
		defer s.sessionsMu.Unlock()
		delete(s.listeners, session)
	})
}

// announceToolsChanged tells the clients of one organisation that its tool
// list changed (each lists its own organisation's schema).
func (s *Server) announceToolsChanged(fingerprint string) {
	method := string(mcp.MethodNotificationToolsListChanged)
	if s.sessions == nil {
		s.mcp.SendNotificationToAllClients(method, nil)
		return
	}
	s.sessionsMu.Lock()
	var ids []string
	for id, fp := range s.sessions {
		if fp == fingerprint {
			ids = append(ids, id)
		}
	}
	var streams []context.Context
	for session, l := range s.listeners {
		if l.fingerprint == fingerprint && subscribedToTools(session) {
			streams = append(streams, l.ctx)
		}
	}
	s.sessionsMu.Unlock()
	for _, id := range ids {
		// A client not yet initialized is not told: it lists when it is.
		s.mcp.SendNotificationToSpecificClient(id, method, nil)
	}
	for _, ctx := range streams {
		s.mcp.SendNotificationToClient(ctx, method, nil)
	}
}

// subscribedToTools reports whether a listen stream's subscription, once
// recorded, includes tools/list_changed (2026-07-28 notifications are
// opt-in, and none may precede the subscription's acknowledgement).
func subscribedToTools(session server.ClientSession) bool {
	filtered, ok := session.(server.SessionWithSubscriptionFilter)
	if !ok {
		return false
	}
	filter, active := filtered.SubscriptionFilter()
	return active && filter.ToolsListChanged
}

// newOrg makes the organisation of client; fingerprint names its clients'
// sessions ("" for the Server's own).
func (s *Server) newOrg(client *lfclient.Client, fingerprint string) *org {
	o := &org{schemas: map[string]json.RawMessage{}}
	o.Org = write.NewOrg(client, write.OrgOptions{TTL: s.ttl, RecheckAfter: s.recheckAfter, Log: s.log, OnChange: func(k *write.Kind, defs *lfclient.Definitions) {
		o.schemaMu.Lock()
		// The first load changes no list unless one was served before it
		// (with the base schema).
		changed := o.listed || o.schemas[k.Type] != nil
		o.schemas[k.Type] = schema.JSON(k.Input(defs))
		for _, t := range s.tools {
			// Other tools on the same definitions (update_opportunity).
			if t.kind != nil && t.kind != k && t.kind.Type == k.Type {
				o.schemas[t.def.Name] = schema.JSON(t.kind.Input(defs))
			}
		}
		o.schemaMu.Unlock()
		if changed {
			// Hosts that listen re-list; the list each caller gets is its
			// own organisation's (filterTools).
			s.announceToolsChanged(fingerprint)
		}
	}})
	return o
}

type apiKeyContext struct{}

// callerKey reports whether the request brought its own key.
func (s *Server) callerKey(ctx context.Context) bool {
	key, _ := ctx.Value(apiKeyContext{}).(string)
	return key != "" && s.newClient != nil
}

// WithAPIKey marks ctx as a request made with a caller's own Lightfield key.
func WithAPIKey(ctx context.Context, apiKey string) context.Context {
	return context.WithValue(ctx, apiKeyContext{}, apiKey)
}

// refusal is an error worded for the person who must act on it: whole
// sentences, shown as they are.
type refusal string

func (r refusal) Error() string { return string(r) }

// ErrKeyRejected refuses a request whose key Lightfield refused.
var ErrKeyRejected error = refusal("Lightfield rejected the API key this request carries (401): it is wrong, revoked or expired. Nothing was done. Send a valid Lightfield API key (sk_lf_…) as Authorization: Bearer; retrying with this one will not help.")

// errNotAKey refuses a Bearer token that cannot be a Lightfield key.
var errNotAKey error = refusal("The Bearer token of this request is not a Lightfield API key. Send a valid Lightfield API key (sk_lf_…) as Authorization: Bearer.")

// orgFor returns the organisation a request acts for.
func (s *Server) orgFor(ctx context.Context) (*org, error) {
	key, _ := ctx.Value(apiKeyContext{}).(string)
	if key == "" || s.newClient == nil {
		if s.fallback == nil {
			return nil, errors.New("this request carries no Lightfield API key; send it as Authorization: Bearer sk_lf_…")
		}
		return s.fallback, nil
	}
	if problem := s.CallerKeyProblem(key); problem != nil {
		return nil, problem
	}
	return s.orgs.get(lfclient.KeyFingerprint(key), func() (*org, error) {
		client, err := s.newClient(key)
		if err != nil {
			return nil, err
		}
		return s.newOrg(client, client.KeyFingerprint()), nil
	})
}

// VerifyCaller makes sure Lightfield accepts key, asking it (the
// organisation's definitions) when it has not yet; it says why not.
func (s *Server) VerifyCaller(ctx context.Context, key string) error {
	if s.newClient == nil {
		return nil
	}
	o, err := s.orgFor(WithAPIKey(ctx, key))
	if err != nil {
		return err
	}
	if o.Client().Verified() {
		return nil
	}
	wait, cancel := context.WithTimeout(ctx, definitionsWait)
	defer cancel()
	if _, err := o.Definitions(write.Opportunity).Get(wait); err != nil && !o.Client().Verified() {
		if o.Client().Rejected() {
			return ErrKeyRejected
		}
		return refusal(fmt.Sprintf("Lightfield could not confirm the API key this request carries (%v). Try again shortly.", err))
	}
	// The key is good: the other tools' definitions are loaded now too, so
	// that the caller's first list is whole and their arrival is not
	// announced as a change to streams opened meanwhile.
	var tasks []func()
	for _, k := range write.Kinds {
		if k != write.Opportunity {
			tasks = append(tasks, func() { o.Definitions(k).Get(wait) })
		}
	}
	write.Parallel(tasks)
	return nil
}

// KeyAccepted reports whether Lightfield has accepted key already (true
// when the Server takes no callers' keys): requests with other keys are
// the ones that may cost a request upstream to check them.
func (s *Server) KeyAccepted(key string) bool {
	return s.newClient == nil || s.orgs.accepted(lfclient.KeyFingerprint(key))
}

// CallerKeyProblem says why a key a request carries is refused before any
// state is kept or request sent: it is not shaped like a Lightfield key, or
// Lightfield refused it in the last minutes. Nil when it may be tried.
func (s *Server) CallerKeyProblem(key string) error {
	switch {
	case s.newClient == nil:
		return nil // every request is served with the Server's own client
	case !lfclient.PlausibleKey(key):
		return errNotAKey
	case s.orgs.rejectedKey(lfclient.KeyFingerprint(key)):
		return ErrKeyRejected
	}
	return nil
}

// inputSchema returns the create tool's schema for the organisation's
// definitions of objectType, nil before they are loaded.
func (o *org) inputSchema(objectType string) json.RawMessage {
	o.schemaMu.Lock()
	defer o.schemaMu.Unlock()
	return o.schemas[objectType]
}

// tool is one tool: its definition, the lines it adds to the server's
// instructions, the kind it writes (nil for one that only reads), and
// what it does with a call's organisation and arguments.
type tool struct {
	def          mcp.Tool
	instructions string
	kind         *write.Kind
	// card: the deal card shows its results, to hosts that render views.
	card   bool
	handle func(ctx context.Context, o *org, req mcp.CallToolRequest, args json.RawMessage) *mcp.CallToolResult
}

// baseSchemas are the tools' base schemas, reflected once: reflecting
// them is most of what starting costs, and every list of the tools built
// (the instructions', the server's) shares them.
var baseSchemas sync.Map

// baseSchema is the schema build reflects, as JSON, built once per key.
func baseSchema(key string, build func() *jsonschema.Schema) json.RawMessage {
	if raw, ok := baseSchemas.Load(key); ok {
		return raw.(json.RawMessage)
	}
	raw, _ := baseSchemas.LoadOrStore(key, schema.JSON(build()))
	return raw.(json.RawMessage)
}

// toolList is the one list of the server's tools, in the order they are
// listed: a new tool is a constructor added here.
var toolList = []func(*Server) tool{createOpportunity, updateOpportunity, createAccount, createContact, findAccounts, findPeople, findOpportunities}

// Register adds the tools. The create tools are registered with their base
// schemas; every tools/list shows the caller's organisation's instead once
// its definitions are loaded.
func (s *Server) Register() {
	for _, t := range s.tools {
		s.mcp.AddTool(t.def, s.handler(t))
	}
	server.WithToolFilter(s.filterTools)(s.mcp)
	s.registerView(s.hooks)
}

// Tools returns the definitions of the server's tools, with their base
// schemas (before any organisation's definitions refine them).
func Tools() []mcp.Tool {
	var out []mcp.Tool
	for _, t := range toolList {
		out = append(out, t(nil).def)
	}
	return out
}

// Instructions are the server's instructions to the model: what each tool
// is for and how to use it; sandbox adds that nothing is real.
func Instructions(sandbox bool) string {
	var b strings.Builder
	if sandbox {
		b.WriteString("SANDBOX: this server runs against a simulated Lightfield inside its own process. Nothing reaches a real CRM, and records vanish when it stops. Say so when you report what you created.\n")
	}
	b.WriteString("Lightfield CRM.")
	for _, t := range toolList {
		b.WriteString("\n" + t(nil).instructions)
	}
	return b.String()
}

// definitionsWait bounds how long a tools/list waits for the definitions of
// its organisation (never longer than a call may take).
const definitionsWait = 5 * time.Second

// filterTools refines a tools/list with the organisation's schemas.
func (s *Server) filterTools(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	if len(tools) == 1 {
		// mcp-go checks each tools/call against the filter with the one
		// tool called: no list is served, and the call loads what it needs.
		return tools
	}
	o, err := s.orgFor(ctx)
	if err != nil {
		return tools
	}
	s.awaitDefinitions(ctx, o)
	o.schemaMu.Lock()
	o.listed = true
	schemas := maps.Clone(o.schemas)
	o.schemaMu.Unlock()
	out := slices.Clone(tools)
	views := s.rendersViews(ctx)
	for i := range out {
		for _, t := range s.tools {
			if out[i].Name != t.def.Name {
				continue
			}
			raw := schemas[t.def.Name]
			if raw == nil {
				raw = schemas[kindType(t.kind)]
			}
			if raw != nil {
				out[i].RawInputSchema = raw
			}
			if t.card && views {
				out[i].Meta = uiMeta()
			}
		}
	}
	return out
}

// awaitDefinitions waits, bounded, for the definitions that refine a list:
// a host may keep the first list it gets. The operator's organisation is
// waited for while its load is under way (or not yet tried), not fetched
// again after it failed: its ticker and calls do that. Callers'
// organisations have no ticker: a list also refreshes their stale
// definitions in the background, and a change is announced.
func (s *Server) awaitDefinitions(ctx context.Context, o *org) {
	limit := min(definitionsWait, s.callTimeout)
	wait, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	errs := make([]error, len(write.Kinds))
	var tasks []func()
	for i, k := range write.Kinds {
		d := o.Definitions(k)
		switch {
		case o.inputSchema(k.Type) != nil:
			if o != s.fallback {
				d.Get(ctx)
			}
		case o != s.fallback || d.Pending():
			tasks = append(tasks, func() {
				if _, errs[i] = d.Get(wait); errs[i] != nil && wait.Err() != nil && ctx.Err() == nil {
					errs[i] = fmt.Errorf("not loaded within %s", limit)
				}
			})
		default:
			_, errs[i] = d.Held()
		}
	}
	write.Parallel(tasks)
	for i, k := range write.Kinds {
		if o.inputSchema(k.Type) == nil {
			s.log.Warn("tools/list served the base schema: the organisation's definitions are not loaded", "type", k.Type, "operator", o == s.fallback, "error", errs[i])
		}
	}
}

// Ready reports whether the Server's own organisation's tools can be listed
// as they should (its definitions are loaded); true at once when the Server
// serves callers' keys only.
func (s *Server) Ready() bool {
	if s.fallback == nil {
		return true
	}
	for _, k := range write.Kinds {
		if s.fallback.inputSchema(k.Type) == nil && (k == write.Opportunity || !forbidden(s.fallback.Definitions(k))) {
			return false
		}
	}
	return true
}

// forbidden reports whether Lightfield refused the key the scope to read
// these definitions: settled, not pending. The tool that needs them says
// which scope is missing; the others serve.
func forbidden(d *write.Definitions) bool {
	_, err := d.Held()
	var apiErr *lfclient.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == 403
}

// LoadDefinitions loads the definitions of the Server's own organisation
// unless they are held (joining a fetch under way); a list served before
// they came is announced as changed.
func (s *Server) LoadDefinitions(ctx context.Context) error {
	if s.fallback == nil {
		return nil
	}
	errs := make([]error, len(write.Kinds))
	var tasks []func()
	for i, k := range write.Kinds {
		tasks = append(tasks, func() { _, errs[i] = s.fallback.Definitions(k).Load(ctx) })
	}
	write.Parallel(tasks)
	return errors.Join(errs...)
}

// KeepDefinitionsFresh re-fetches the Server's own organisation's
// definitions every TTL until ctx ends. Callers' organisations are
// refreshed when they are used.
func (s *Server) KeepDefinitionsFresh(ctx context.Context) {
	if s.fallback == nil {
		return
	}
	var wg sync.WaitGroup
	for _, k := range write.Kinds {
		wg.Go(func() { s.fallback.Definitions(k).KeepFresh(ctx, s.ttl, s.log) })
	}
	wg.Wait()
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

// handler serves a tool's calls: each is bounded by the call timeout, acts
// for the caller's organisation, is logged at debug level (never its
// arguments), and in the sandbox every result says so.
func (s *Server) handler(t tool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
		defer cancel()
		began := time.Now()
		var res *mcp.CallToolResult
		o, err := s.orgFor(ctx)
		args, argsErr := arguments(req)
		switch {
		case err != nil:
			res = mcp.NewToolResultError(err.Error())
		case argsErr != nil:
			res = mcp.NewToolResultError("The arguments could not be read as JSON; send a JSON object as this tool's input schema describes.")
		default:
			res = t.handle(ctx, o, req, args)
		}
		s.log.Debug("tool call", "tool", req.Params.Name, "refused", res.IsError, "elapsed", time.Since(began).Round(time.Millisecond))
		if s.sandbox && !res.NeedsInput() {
			res.Content = append(res.Content, mcp.NewTextContent(SandboxNote))
		}
		return res, nil
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

// unreachable says that Lightfield could not be reached, what was
// therefore not done (notDone), and that calling again later is the fix;
// "" when err is Lightfield's own answer, which the caller words.
func (s *Server) unreachable(ctx context.Context, err error, notDone string) string {
	var apiErr *lfclient.Error
	if err == nil || errors.As(err, &apiErr) {
		return ""
	}
	why := s.interrupted(ctx)
	if why == "" {
		why = fmt.Sprintf("Lightfield could not be reached or did not answer (%v).", err)
	}
	return why + " " + notDone + " Call again in a few seconds; the arguments may well be right."
}

// effect is what a tool does to the CRM, from which its annotations
// follow.
type effect int

const (
	// reads: nothing is written.
	reads effect = iota
	// creates: records are added, never changed or removed; a repeat
	// returns what the first call wrote.
	creates
	// changes: a record's values are replaced, and people can be taken
	// off it (destructive); a repeat finds the record already as asked
	// and changes nothing (idempotent).
	changes
)

// annotations are what a tool that has effect says of itself to hosts.
// (mcp-go's default is destructive: every hint is set.)
func annotations(title string, e effect) mcp.ToolAnnotation {
	return mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    mcp.ToBoolPtr(e == reads),
		DestructiveHint: mcp.ToBoolPtr(e == changes),
		IdempotentHint:  mcp.ToBoolPtr(true),
		OpenWorldHint:   mcp.ToBoolPtr(true),
	}
}

// kindType is the object type a kind writes, "" for none.
func kindType(k *write.Kind) string {
	if k == nil {
		return ""
	}
	return k.Type
}
