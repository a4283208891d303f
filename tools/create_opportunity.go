// Package tools holds the MCP tools of the server: argument checking,
// normalisation, the Lightfield call and the result the model reads.
package tools

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// CreateOpportunityName is the tool's name.
const CreateOpportunityName = "create_opportunity"

const createDescription = `Create one opportunity (deal) in Lightfield CRM.

Send fields (at least $name and $stage) and relationships (at least $account, an account ID acc_…). Use the field keys, stage labels and option labels listed in this schema; amounts are plain numbers, dates YYYY-MM-DD or ISO 8601 with offset.

Every call is checked against the organisation's current field definitions before anything is written; a refused call creates nothing and says exactly which argument to fix.

Repeats are safe: the same arguments within 24 hours return the opportunity already created instead of a second one (the Idempotency-Key is derived from the request). To create a deliberate duplicate, pass a new idempotencyKey. Use dryRun: true to see the exact request without creating anything.`

// Server registers the Lightfield tools on an MCP server and serves them.
type Server struct {
	client *lfclient.Client
	mcp    *server.MCPServer
	log    *slog.Logger
	defs   *definitions
}

// New returns a Server whose tools call Lightfield through client and are
// registered on mcpServer by Register.
func New(client *lfclient.Client, mcpServer *server.MCPServer, logger *slog.Logger) *Server {
	s := &Server{client: client, mcp: mcpServer, log: logger}
	s.defs = &definitions{fetch: client.OpportunityDefinitions, onChange: s.register}
	return s
}

// Register adds the tools with the schema of the definitions held (the base
// schema before any were fetched).
func (s *Server) Register() {
	s.register(s.defs.held())
}

// LoadDefinitions fetches the definitions; when they differ from those held,
// the tool is registered again with the refined schema and clients that
// listen are told the tool list changed.
func (s *Server) LoadDefinitions(ctx context.Context) error {
	_, err := s.defs.refresh(ctx)
	return err
}

func (s *Server) register(defs *lfclient.Definitions) {
	tool := mcp.Tool{
		Name:            CreateOpportunityName,
		Title:           "Create opportunity",
		Description:     createDescription,
		RawInputSchema:  schema.JSON(schema.Input(defs)),
		RawOutputSchema: schema.JSON(schema.Output()),
		Annotations: mcp.ToolAnnotation{
			Title:           "Create opportunity",
			ReadOnlyHint:    mcp.ToBoolPtr(false),
			DestructiveHint: mcp.ToBoolPtr(false),
			IdempotentHint:  mcp.ToBoolPtr(true),
			OpenWorldHint:   mcp.ToBoolPtr(true),
		},
	}
	s.mcp.AddTool(tool, s.createOpportunity)
}

func (s *Server) createOpportunity(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	raw := req.Params.RawArguments
	if len(raw) == 0 {
		// In-process clients hand over decoded arguments.
		var err error
		if raw, err = json.Marshal(req.Params.Arguments); err != nil {
			return mcp.NewToolResultError("The arguments could not be read as JSON; send an object with fields and relationships."), nil
		}
	}
	defs, defsErr := s.defs.get(ctx)
	if defsErr != nil {
		s.log.Warn("definitions unavailable; checking against the base schema", "error", defsErr)
	}
	call, ps := checkCall(raw, defs)
	if len(ps) > 0 {
		return mcp.NewToolResultError(ps.text() + staleNote(defsErr)), nil
	}
	body, err := json.Marshal(call.params)
	if err != nil {
		return nil, fmt.Errorf("encode create body: %w", err)
	}
	key := call.idempotencyKey
	if key == "" {
		key = defaultIdempotencyKey(s.client.KeyFingerprint(), body)
	}
	if call.dryRun {
		result := schema.CreateOpportunityResult{DryRun: true, Request: &call.params, IdempotencyKey: key}
		text := fmt.Sprintf("Dry run: nothing was sent. create_opportunity would POST this body to /v1/opportunities with Idempotency-Key %s:\n%s\nCall again without dryRun to create it.%s", key, body, staleNote(defsErr))
		return mcp.NewToolResultStructured(result, text), nil
	}
	opp, err := s.client.CreateOpportunity(ctx, call.params, key)
	if err != nil {
		return mcp.NewToolResultError(createFailureText(ctx, err, key)), nil
	}
	result := schema.CreateOpportunityResult{Opportunity: opp.Raw, IdempotencyKey: key}
	return mcp.NewToolResultStructured(result, createdText(opp, call.params, defs, key)+staleNote(defsErr)), nil
}

// defaultIdempotencyKey makes the same request from the same organisation
// give the same key, so that a repeated call is replayed by Lightfield rather
// than written again. The body is canonical: encoding/json sorts map keys and
// numbers were normalised while checking.
func defaultIdempotencyKey(keyFingerprint string, body []byte) string {
	sum := sha256.Sum256(append([]byte(keyFingerprint+"\n"), body...))
	return "lfmcp-v1-" + hex.EncodeToString(sum[:])
}

// staleNote tells the model that only the basics were checked, and why.
func staleNote(defsErr error) string {
	if defsErr == nil {
		return ""
	}
	reason := "Lightfield did not answer"
	var apiErr *lfclient.Error
	if errors.As(defsErr, &apiErr) {
		switch apiErr.StatusCode {
		case 401:
			reason = "Lightfield rejected the API key (401)"
		case 403:
			reason = "the API key lacks the scope opportunities:read (403)"
		default:
			reason = fmt.Sprintf("Lightfield answered %d", apiErr.StatusCode)
		}
	}
	return fmt.Sprintf("\n(Note: the organisation's field definitions could not be loaded: %s. Only $name, $stage and $account were checked here; Lightfield checks the rest.)", reason)
}

func createdText(opp *lfclient.Opportunity, sent lfclient.OpportunityCreateParams, defs *lfclient.Definitions, key string) string {
	var b strings.Builder
	name, _ := sent.Fields["$name"].(string)
	fmt.Fprintf(&b, "Created opportunity %s (%s)", quote(name), opp.ID)
	if stage := stageLabel(opp, defs); stage != "" {
		fmt.Fprintf(&b, " at stage %s", quote(stage))
	}
	if account, ok := sent.Relationships["$account"].(string); ok {
		fmt.Fprintf(&b, " for account %s", account)
	}
	b.WriteString(".")
	if opp.HTTPLink != nil && *opp.HTTPLink != "" {
		fmt.Fprintf(&b, "\nOpen it in Lightfield: %s", *opp.HTTPLink)
	}
	fmt.Fprintf(&b, "\nIdempotency-Key %s: repeating this exact call within 24 hours returns this opportunity instead of creating another.", key)
	return b.String()
}

// stageLabel reads the stage Lightfield stored and names it by its label.
func stageLabel(opp *lfclient.Opportunity, defs *lfclient.Definitions) string {
	var stored string
	if err := json.Unmarshal(opp.Fields["$stage"].Value, &stored); err != nil || stored == "" {
		return ""
	}
	if defs != nil {
		for _, o := range defs.FieldDefinitions["$stage"].TypeConfiguration.Options {
			if o.ID == stored {
				return o.Label
			}
		}
	}
	return stored
}

// createFailureText tells the model what happened and what to do next, and
// whether anything may have been written.
func createFailureText(ctx context.Context, err error, key string) string {
	safeRepeat := fmt.Sprintf("Repeating this exact call is safe: it carries the same Idempotency-Key (%s), so Lightfield returns the first opportunity if one was created and never writes a second.", key)
	var apiErr *lfclient.Error
	if !errors.As(err, &apiErr) {
		if ctx.Err() != nil {
			return "The call was cancelled before Lightfield answered. The opportunity may or may not have been created. " + safeRepeat
		}
		return fmt.Sprintf("Lightfield could not be reached or did not answer in time (%v). The opportunity may or may not have been created. %s", err, safeRepeat)
	}
	said := ""
	if apiErr.Message != "" {
		said = " Lightfield said: " + quote(apiErr.Message) + "."
	}
	where := ""
	if apiErr.Param != "" {
		where = " at " + apiErr.Param
	}
	code := ""
	if apiErr.Code != "" {
		code = ", code " + apiErr.Code
	}
	switch {
	case apiErr.StatusCode == 401:
		return "Lightfield rejected the API key (401 unauthorized): LIGHTFIELD_API_KEY is wrong, revoked or expired. Nothing was created. A person must set a valid Lightfield API key (sk_lf_…) in the MCP client's configuration and restart this server; retrying will not help." + said
	case apiErr.StatusCode == 403:
		return "The API key is not allowed to create opportunities (403 forbidden): it needs the scope opportunities:create (and opportunities:read for field definitions). Nothing was created. A person must grant the scope or use another key; retrying will not help." + said
	case apiErr.StatusCode == 429:
		return fmt.Sprintf("Lightfield's rate limit was still exceeded after retries (429). Nothing was created. Wait a few seconds, then repeat the call. %s%s", safeRepeat, said)
	case apiErr.StatusCode >= 500 || apiErr.StatusCode == 409:
		return fmt.Sprintf("Lightfield failed to answer (%d%s) after retries. The opportunity was most likely not created. %s%s", apiErr.StatusCode, code, safeRepeat, said)
	}
	text := fmt.Sprintf("Lightfield refused the request (%d%s)%s.%s Nothing was created.", apiErr.StatusCode, code, where, said)
	switch apiErr.Code {
	case "unknown_field", "unknown_relationship":
		text += " The organisation's fields may have changed since the tool list was loaded; use the keys the tool schema lists now."
	case "relationship_entity_missing", "relationship_entity_inactive", "referenced_resource_missing":
		text += " The ID does not name an existing, active record; check the ID."
	case "ambiguous_stage_label":
		if len(apiErr.Candidates) > 0 {
			text += fmt.Sprintf(" Send one of these stage option IDs as $stage instead: %s.", apiErr.Candidates)
		}
	}
	if apiErr.Param != "" {
		text += fmt.Sprintf(" Fix the argument %s and call again.", apiErr.Param)
	}
	return text
}
