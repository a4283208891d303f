package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// CreateAccountName is the tool's name.
const CreateAccountName = "create_account"

const createAccountDescription = `Find or create one account (a customer company) in Lightfield CRM.

Send fields: $name (required) and, whenever it is known, $website (Lightfield enriches an account that has one); other fields and the owner as this schema lists them. Before writing, the server looks for an account with the same name (case and spacing ignored) or the same website domain: if one exists, nothing is written and that account is returned with existing: true; if several do, they are listed and nothing is written. Otherwise the account is created under an Idempotency-Key derived from the request, so repeating the call within 24 hours returns the same account.

Use it when create_opportunity says the account does not exist, then create the opportunity with the account's ID. dryRun: true shows what would happen without writing.`

// createAccount is the create_account tool: find or create a customer.
func createAccount(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            CreateAccountName,
			Title:           "Create account",
			Description:     createAccountDescription,
			RawInputSchema:  baseSchema("write.Account.Input(nil)", func() *jsonschema.Schema { return write.Account.Input(nil) }),
			RawOutputSchema: baseSchema("schema.CreateAccountOutput()", func() *jsonschema.Schema { return schema.CreateAccountOutput() }),
			Annotations:     annotations("Create account", creates),
		},
		kind:         write.Account,
		instructions: "create_account finds or creates a customer company: a deal for a new customer needs its account first (its name, and its website when known). It returns an existing account with the same name or website domain instead of writing a second.",
		handle: func(ctx context.Context, o *org, req mcp.CallToolRequest, args json.RawMessage) *mcp.CallToolResult {
			return s.accountResult(ctx, write.Create(ctx, o.Org, write.Account, args, asker{ctx, req}))
		},
	}
}

// accountResult words what became of a create_account call (or of the
// account a deal for a new customer needed).
func (s *Server) accountResult(ctx context.Context, out *write.Outcome) *mcp.CallToolResult {
	if res := s.unfinished(ctx, CreateAccountName, out); res != nil {
		return res
	}
	call := out.Call
	result := schema.CreateAccountResult{IdempotencyKey: out.Key, Resolved: out.Resolved, FieldKeys: call.FieldKeys}
	switch out.Status {
	case write.Ambiguous:
		cs := make([]string, len(out.Existing))
		for i, rec := range out.Existing {
			cs[i] = write.AccountCandidate(rec).Describe()
		}
		return mcp.NewToolResultError(fmt.Sprintf("%d accounts already have this name or website domain: %s. Nothing was written. Ask the person which one is meant and use its ID; if the company is really another one, give it a name that tells them apart.", len(cs), strings.Join(cs, "; ")))
	case write.Existing:
		c := write.AccountCandidate(write.RecordOf(out.Record))
		result.Account = out.Record.Raw
		result.Existing, result.MatchedBy = true, out.MatchedBy
		text := fmt.Sprintf("Account %s already exists (same %s): nothing was written. Use its ID %s.", named(schema.Resolution{Name: c.Name, ID: c.ID, Website: c.Detail}), out.MatchedBy, token(c.ID))
		return mcp.NewToolResultStructured(result, text+link(out.Record.HTTPLink)+interpretationText(result.Resolved, result.FieldKeys))
	case write.DryRun:
		result.DryRun, result.Request = true, &call.Params
		next, why := "\nCall again without dryRun to create it.", "No account has this name or website domain, so "
		if out.RepeatOf != "" {
			next, why = "", ""
		}
		text := dryRunText(CreateAccountName, out, why)
		text += interpretationText(result.Resolved, result.FieldKeys) + next + staleNote(out.Kind, out.Defs, out.DefsErr)
		return mcp.NewToolResultStructured(result, text)
	}
	result.Account, result.Replayed = out.Record.Raw, out.Replayed
	result.Warnings = out.Warnings
	c := write.AccountCandidate(write.RecordOf(out.Record))
	var b strings.Builder
	b.WriteString(writtenText(out, "nothing new was written"))
	fmt.Fprintf(&b, " %s. Use its ID %s for the deal's $account.", named(schema.Resolution{Name: c.Name, ID: c.ID, Website: c.Detail}), token(c.ID))
	b.WriteString(link(out.Record.HTTPLink))
	b.WriteString(repeatText(out))
	text := b.String() + interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings) + existingSearchNote(out, "Existing accounts could not be searched")
	return mcp.NewToolResultStructured(result, text+staleNote(out.Kind, out.Defs, out.DefsErr))
}
