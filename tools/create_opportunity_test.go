package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

const testKey = "sk_lf_tools_test_SECRET"

type harness struct {
	fake    *lfsim.Server
	srv     *Server
	client  *client.Client
	changed atomic.Int32 // tools/list_changed notifications seen
	// server is what the server said of itself at initialize (rendered
	// from server/discover in 2026-07-28).
	server *mcp.InitializeResult
}

// newHarness connects an in-process MCP client to the tools, which call a
// fake Lightfield. With load, definitions are fetched before the client
// connects, as they normally are by the time a model calls.
func newHarness(t *testing.T, load bool, faults ...lfsim.Fault) *harness {
	return startHarness(t, harnessOptions{load: load, faults: faults})
}

type harnessOptions struct {
	load   bool
	faults []lfsim.Fault
	// elicit, when set, is the client's answer to elicitation requests, and
	// the client declares the capability.
	elicit func(mcp.ElicitationRequest) *mcp.ElicitationResult
	ttl    time.Duration
	// callTimeout bounds each tool call (the server's default when zero).
	callTimeout time.Duration
	// client adjusts the Lightfield client's configuration.
	client func(*lfclient.Config)
	// recheckAfter is Options.RecheckAfter.
	recheckAfter time.Duration
	// views: the client declares the MCP Apps extension (the deal card),
	// and the server has a stand-in view, whether or not view/ was built.
	views bool
	// modern: the client speaks 2026-07-28 (capabilities on every request)
	// instead of initializing at 2025-11-25.
	modern bool
}

type elicitFunc func(mcp.ElicitationRequest) *mcp.ElicitationResult

func (f elicitFunc) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(req), nil
}

func startHarness(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	fake, ts := lightfieldtest.Start(t, "../testdata/org.json", testKey)
	for _, f := range o.faults {
		fake.Inject(f)
	}
	cfg := lfclient.Config{APIKey: testKey, BaseURL: ts.URL, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, AttemptTimeout: 2 * time.Second}
	if o.client != nil {
		o.client(&cfg)
	}
	lf, err := lfclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hooks := &server.Hooks{}
	mcpServer := server.NewMCPServer("lightfield-test", "0.0.0", server.WithToolCapabilities(true), server.WithHooks(hooks))
	h := &harness{fake: fake, srv: New(lf, mcpServer, slog.New(slog.DiscardHandler), Options{DefinitionsTTL: o.ttl, CallTimeout: o.callTimeout, RecheckAfter: o.recheckAfter, Hooks: hooks})}
	h.srv.view = []byte(standInView)
	h.srv.Register()
	if o.load {
		if err := h.srv.LoadDefinitions(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var opts []client.ClientOption
	init := mcp.InitializeRequest{}
	if o.elicit != nil {
		opts = append(opts, client.WithElicitationHandler(elicitFunc(o.elicit)))
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	if o.views {
		init.Params.Capabilities.Extensions = map[string]any{UIExtension: map[string]any{"mimeTypes": []any{AppMIMEType}}}
	}
	h.client, err = client.NewInProcessClientWithOptions(mcpServer, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.client.Close() })
	h.client.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationToolsListChanged) {
			h.changed.Add(1)
		}
	})
	ctx := context.Background()
	if err := h.client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init.Params.ProtocolVersion = "2025-11-25"
	if o.modern {
		init.Params.ProtocolVersion = "2026-07-28"
	}
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-test", Version: "0"}
	if h.server, err = h.client.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return h
}

// restart gives the organisation a write core of its own, as another
// process (a replica, a restart) has: no memory of the keys sent.
func (h *harness) restart() {
	h.srv.fallback.Org = write.NewOrg(h.srv.fallback.Client(), write.OrgOptions{})
}

func (h *harness) call(t testing.TB, args string) *mcp.CallToolResult {
	t.Helper()
	return h.callTool(t, CreateOpportunityName, args)
}

func (h *harness) callTool(t testing.TB, name, args string) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = json.RawMessage(args)
	res, err := h.client.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("tool call failed at the protocol level: %v", err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// posts are the creates of opportunities sent to the fake.
func (h *harness) posts() []lfsim.Request {
	var out []lfsim.Request
	for _, r := range h.fake.Requests() {
		if r.Method == "POST" && r.Path == "/v1/opportunities" {
			out = append(out, r)
		}
	}
	return out
}

func (h *harness) tool(t *testing.T, name string) mcp.Tool {
	t.Helper()
	list, err := h.client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		if tool.Name == name {
			return tool
		}
	}
	t.Fatalf("%s is not listed", name)
	return mcp.Tool{}
}

func (h *harness) inputSchema(t *testing.T) map[string]any {
	t.Helper()
	list, err := h.client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		if tool.Name == CreateOpportunityName {
			raw, _ := json.Marshal(tool.InputSchema)
			var m map[string]any
			json.Unmarshal(raw, &m)
			return m
		}
	}
	t.Fatal("create_opportunity is not listed")
	return nil
}

func stageEnum(s map[string]any) []any {
	fields := s["properties"].(map[string]any)["fields"].(map[string]any)
	stage, _ := fields["properties"].(map[string]any)["$stage"].(map[string]any)
	enum, _ := stage["enum"].([]any)
	return enum
}

func validateOutput(t *testing.T, res *mcp.CallToolResult) {
	t.Helper()
	validateAgainst(t, schema.JSON(schema.Output()), res)
}

func validateAgainst(t *testing.T, outputSchema json.RawMessage, res *mcp.CallToolResult) {
	t.Helper()
	c := jsv.NewCompiler()
	doc, _ := jsv.UnmarshalJSON(bytes.NewReader(outputSchema))
	c.AddResource("file:///output.json", doc)
	sch, err := c.Compile("file:///output.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	v, _ := jsv.UnmarshalJSON(bytes.NewReader(raw))
	if err := sch.Validate(v); err != nil {
		t.Fatalf("structuredContent does not match outputSchema: %v\n%s", err, raw)
	}
}

const sentence = `{
	"fields": {"$name": "Acme expansion", "$stage": "discovery", "$amount": "40000", "$closeDate": "2026-03-31",
		"dealSource": "partner  referral", "productLines": "Analytics", "procurementPhone": "+14155550100",
		"billingAddress": {"city": "Berlin", "country": "de"}},
	"relationships": {"$account": "acc_01acme", "$owner": "mem_01dana", "stakeholders": "con_01wile"},
	"idempotencyKey": null, "dryRun": null
}`

func TestCreateFromASentence(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, sentence)
	if res.IsError {
		t.Fatalf("refused: %s", text(res))
	}
	posts := h.posts()
	if len(posts) != 1 || len(h.fake.Created()) != 1 {
		t.Fatalf("%d POSTs and %d stored, want 1 each", len(posts), len(h.fake.Created()))
	}
	if err := lightfieldtest.Contract(t).ValidateCreateRequest(posts[0].Body); err != nil {
		t.Fatalf("the body sent does not match the API's request schema: %v\n%s", err, posts[0].Body)
	}
	var sent struct {
		Fields        map[string]any `json:"fields"`
		Relationships map[string]any `json:"relationships"`
	}
	json.Unmarshal(posts[0].Body, &sent)
	want := map[string]any{
		"$stage": "opt_st_disc", "$amount": 40000.0, "$closeDate": "2026-03-31T12:00:00+00:00",
		"dealSource": "opt_src_partner", "productLines": []any{"opt_pl_analytics"},
		"procurementPhone": []any{"+14155550100"}, "billingAddress": map[string]any{"city": "Berlin", "country": "DE"},
	}
	for k, v := range want {
		got, _ := json.Marshal(sent.Fields[k])
		exp, _ := json.Marshal(v)
		if !bytes.Equal(got, exp) {
			t.Errorf("fields.%s sent as %s, want %s", k, got, exp)
		}
	}
	if got, _ := json.Marshal(sent.Relationships["stakeholders"]); string(got) != `["con_01wile"]` {
		t.Errorf("HAS_MANY relationship sent as %s", got)
	}
	if key := posts[0].Header.Get("Idempotency-Key"); !strings.HasPrefix(key, "lfmcp-v1-") {
		t.Errorf("Idempotency-Key %q", key)
	}
	msg := text(res)
	for _, want := range []string{`"Acme expansion"`, `"Discovery"`, `for account "Acme Corp" (acc_01acme, https://acme.example).`, `relationships.$owner mem_01dana is "Dana Scully" (dana@ourco.example).`, "https://app.lightfield.app/opportunities/opp_"} {
		if !strings.Contains(msg, want) {
			t.Errorf("result text lacks %s:\n%s", want, msg)
		}
	}
	validateOutput(t, res)
	opp := res.StructuredContent.(map[string]any)["opportunity"].(map[string]any)
	if !strings.HasPrefix(opp["id"].(string), "opp_") || opp["fields"] == nil {
		t.Errorf("structuredContent.opportunity is not the API's answer: %v", opp)
	}
}

func TestEveryProblemAtOnceAndNothingSent(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{
		"fields": {"$name": "", "$stage": "Won", "closeDat": "2026-03-31", "seats": "ten", "strategic": "yes",
			"$opportunityStatus": "Open", "economicBuyer": "Jane Doe", "$amount": "$40k", "$nextStep": 5,
			"productLines": ["Platform", "Mobile"], "billingAddress": {"town": "Berlin", "country": "Germany"}},
		"relationships": {"$task": ["tsk_1"], "$owner": "acc_01acme", "partnr": "acc_01globex"},
		"dryrun": true
	}`)
	if !res.IsError {
		t.Fatalf("accepted: %s", text(res))
	}
	if n := len(h.posts()); n != 0 {
		t.Fatalf("%d POSTs after a refused call", n)
	}
	msg := text(res)
	for _, want := range []string{
		"fields.$name: must not be empty",
		`fields.$stage: "Won" is not an option of "Stage". Use one of: "Discovery", "Qualified", "Proposal Sent", "Negotiation", "Closed Won", "Closed Lost"`,
		`fields.closeDat: unknown field. Did you mean "$closeDate" ("Close Date")?`,
		`fields.seats: "ten" is not a plain number`,
		"fields.strategic: must be true or false, got a string",
		`fields.$opportunityStatus: "Status" is read-only`,
		"fields.economicBuyer: must be an object",
		`fields.$amount: "$40k" is not a plain number`,
		"fields.$nextStep: must be a string, got a number",
		`fields.productLines[1]: "Mobile" is not an option of "Product Lines"`,
		`fields.billingAddress.town: unknown key`,
		`relationships.$task: is read-only`,
		`relationships.$owner: "acc_01acme" is the ID of another kind of record; relationships.$owner takes the ID of a member (mem_…)`,
		`relationships.partnr: unknown relationship. Did you mean "partner" ("Reseller Partner")?`,
		"relationships.$account: is required",
		`dryrun: unknown argument. Did you mean "dryRun"?`,
		"Nothing was created",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal lacks %q", want)
		}
	}
	t.Log(msg)
}

func TestCountryCheckedWhenOtherwiseValid(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery","billingAddress":{"country":"Germany"}},"relationships":{"$account":"acc_01acme"}}`)
	if !res.IsError || !strings.Contains(text(res), "fields.billingAddress.country") {
		t.Fatalf("got %s", text(res))
	}
}

func TestSloppyClients(t *testing.T) {
	cases := map[string]string{
		"fields as a JSON string":        `{"fields":"{\"$name\":\"Initech renewal\",\"$stage\":\"Qualified\"}","relationships":{"$account":"acc_01initech"}}`,
		"relationships as a JSON string": `{"fields":{"$name":"Initech renewal","$stage":"Qualified"},"relationships":"{\"$account\":\"acc_01initech\"}"}`,
		"null options":                   `{"fields":{"$name":"Initech renewal","$stage":"Qualified"},"relationships":{"$account":"acc_01initech"},"idempotencyKey":null,"dryRun":null}`,
		"option ID for stage":            `{"fields":{"$name":"Initech renewal","$stage":"opt_st_qual"},"relationships":{"$account":"acc_01initech"}}`,
		"HAS_ONE as one-element array":   `{"fields":{"$name":"Initech renewal","$stage":"Qualified"},"relationships":{"$account":["acc_01initech"]}}`,
		"null for an optional field":     `{"fields":{"$name":"Initech renewal","$stage":"Qualified","$nextStep":null},"relationships":{"$account":"acc_01initech"}}`,
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, true)
			res := h.call(t, args)
			if res.IsError {
				t.Fatalf("refused: %s", text(res))
			}
			var sent lfclient.CreateParams
			json.Unmarshal(h.posts()[0].Body, &sent)
			if sent.Fields["$stage"] != "opt_st_qual" || sent.Relationships["$account"] != "acc_01initech" {
				t.Fatalf("sent %+v", sent)
			}
		})
	}
}

func TestSameCallTwiceCreatesOnce(t *testing.T) {
	h := newHarness(t, true)
	first := h.call(t, sentence)
	second := h.call(t, sentence)
	if first.IsError || second.IsError {
		t.Fatalf("%s / %s", text(first), text(second))
	}
	if n := len(h.fake.Created()); n != 1 {
		t.Fatalf("%d opportunities stored after the same call twice, want 1", n)
	}
	id := func(r *mcp.CallToolResult) any {
		return r.StructuredContent.(map[string]any)["opportunity"].(map[string]any)["id"]
	}
	if id(first) != id(second) {
		t.Fatalf("second call returned %v, want %v", id(second), id(first))
	}
	// The same deal stated differently is the same request.
	h.call(t, strings.Replace(strings.Replace(sentence, `"discovery"`, `"opt_st_disc"`, 1), `"40000"`, `40000.00`, 1))
	if n := len(h.fake.Created()); n != 1 {
		t.Fatalf("%d stored after an equivalent call, want 1", n)
	}
	// Another key alone does not get past the duplicate check...
	third := h.call(t, strings.Replace(sentence, `"idempotencyKey": null`, `"idempotencyKey": "second-copy"`, 1))
	if !third.IsError || !strings.Contains(text(third), "allowDuplicate") || len(h.fake.Created()) != 1 {
		t.Fatalf("explicit key: %s, %d stored", text(third), len(h.fake.Created()))
	}
	// ...allowDuplicate makes a deliberate second copy, once however often it is sent.
	deliberate := strings.Replace(sentence, `"dryRun": null`, `"dryRun": null, "allowDuplicate": true`, 1)
	for range 2 {
		if res := h.call(t, deliberate); res.IsError {
			t.Fatal(text(res))
		}
	}
	if n := len(h.fake.Created()); n != 2 {
		t.Fatalf("%d stored after a deliberate duplicate sent twice, want 2", n)
	}
}

func TestDryRunSendsNothingAndShowsTheBody(t *testing.T) {
	h := newHarness(t, true)
	res := h.call(t, strings.Replace(sentence, `"dryRun": null`, `"dryRun": true`, 1))
	if res.IsError || len(h.posts()) != 0 {
		t.Fatalf("dry run: error=%v, %d POSTs", res.IsError, len(h.posts()))
	}
	validateOutput(t, res)
	sc := res.StructuredContent.(map[string]any)
	dryBody, _ := json.Marshal(sc["request"])
	h.call(t, sentence)
	if real := h.posts()[0].Body; !bytes.Equal(dryBody, real) {
		t.Fatalf("dry run showed\n%s\nbut the create sent\n%s", dryBody, real)
	}
	if sc["idempotencyKey"] != h.posts()[0].Header.Get("Idempotency-Key") {
		t.Fatalf("dry run key %v differs from the key sent", sc["idempotencyKey"])
	}
}

func TestAPIErrorsAreToolErrors(t *testing.T) {
	valid := `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`
	cases := []struct {
		name   string
		setup  func(h *harness)
		args   string
		want   []string
		posted int
	}{
		{"missing scope", func(h *harness) { h.fake.SetScopes("opportunities:read") }, valid, []string{"403", "opportunities:create", "Nothing was created"}, 1},
		{"owner gone since the look-up", func(h *harness) {
			h.fake.Inject(lfsim.Fault{Method: "POST", Status: 422, Body: `{"error":{"type":"unprocessable_content","code":"relationship_entity_missing","param":"relationships.$owner","message":"No member with ID \"mem_01dana\"."}}`})
		}, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","$owner":"mem_01dana"}}`, []string{"422", "relationship_entity_missing", "relationships.$owner", "check the ID"}, 1},
		{"missing owner", nil, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","$owner":"mem_nothere"}}`, []string{"relationships.$owner", `no member has the ID "mem_nothere"`}, 0},
		{"missing account", nil, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_nothere"}}`, []string{"relationships.$account", `no account has the ID "acc_nothere"`, "Nothing was created"}, 0},
		{"server down", func(h *harness) {
			for range 4 {
				h.fake.Inject(lfsim.Fault{Method: "POST", Status: 503})
			}
		}, valid, []string{"503", "most likely not created", "Repeating this exact call is safe", "lfmcp-v1-"}, 4},
		{"rate limited beyond the call's time", func(h *harness) {
			h.fake.Inject(lfsim.Fault{Method: "POST", Status: 429, RetryAfter: "90"})
		}, valid, []string{"429", "rate limit is spent", "Wait 90 seconds", "Nothing was created"}, 1},
		{"proxy page", func(h *harness) {
			h.fake.Inject(lfsim.Fault{Method: "POST", Status: 400, Body: "<html>Bad request</html>"})
		}, valid, []string{"400", "<html>Bad request</html>"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, true)
			if tc.setup != nil {
				tc.setup(h)
			}
			res := h.call(t, tc.args)
			if !res.IsError {
				t.Fatalf("not an error: %s", text(res))
			}
			for _, w := range tc.want {
				if !strings.Contains(text(res), w) {
					t.Errorf("lacks %q: %s", w, text(res))
				}
			}
			if n := len(h.posts()); n != tc.posted {
				t.Errorf("%d POSTs, want %d", n, tc.posted)
			}
			if strings.Contains(text(res), testKey) {
				t.Error("the API key leaked into the result")
			}
		})
	}
}

func TestWrongKeySaysSo(t *testing.T) {
	h := newHarness(t, true, lfsim.Fault{Method: "POST", Status: 401})
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`)
	if !res.IsError || !strings.Contains(text(res), "401") || !strings.Contains(text(res), "LIGHTFIELD_API_KEY") {
		t.Fatalf("got %s", text(res))
	}
}

func TestBaseSchemaUntilDefinitionsArrive(t *testing.T) {
	unavailable := lfsim.Fault{Path: "/v1/opportunities/definitions", Status: 503}
	h := newHarness(t, false, unavailable, unavailable, unavailable, unavailable)
	if err := h.srv.LoadDefinitions(context.Background()); err == nil {
		t.Fatal("definitions loaded through an outage")
	}
	if enum := stageEnum(h.inputSchema(t)); enum != nil {
		t.Fatalf("base schema lists stages %v", enum)
	}
	if err := h.srv.LoadDefinitions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if enum := stageEnum(h.inputSchema(t)); len(enum) != 6 {
		t.Fatalf("refined schema lists stages %v", enum)
	}
	deadline := time.Now().Add(2 * time.Second)
	for h.changed.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h.changed.Load() == 0 {
		t.Fatal("no notifications/tools/list_changed after definitions arrived")
	}
}

func TestCallWithoutDefinitionsChecksTheBasics(t *testing.T) {
	unavailable := lfsim.Fault{Path: "/v1/opportunities/definitions", Status: 503}
	h := newHarness(t, false, unavailable, unavailable, unavailable, unavailable)
	res := h.call(t, `{"fields":{"$name":"x"},"relationships":{}}`)
	msg := text(res)
	if !res.IsError || !strings.Contains(msg, "fields.$stage: is required") || !strings.Contains(msg, "relationships.$account: is required") || !strings.Contains(msg, "could not be loaded") {
		t.Fatalf("got %s", msg)
	}
	// Once Lightfield is back, the call goes through and definitions are loaded.
	res = h.call(t, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`)
	if res.IsError {
		t.Fatalf("refused: %s", text(res))
	}
	var sent lfclient.CreateParams
	json.Unmarshal(h.posts()[0].Body, &sent)
	if sent.Fields["$stage"] != "opt_st_disc" {
		t.Fatalf("stage sent as %v, want the option ID", sent.Fields["$stage"])
	}
}

func TestDefinitionsScopeIsNamed(t *testing.T) {
	h := newHarness(t, false)
	h.fake.SetScopes("opportunities:create")
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`)
	if res.IsError || !strings.Contains(text(res), "lacks the scope opportunities:read") {
		t.Fatalf("got error=%v: %s", res.IsError, text(res))
	}
}
