package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// UpdateOpportunityName is the tool's name.
const UpdateOpportunityName = "update_opportunity"

const updateDescription = `Change one existing opportunity (deal) in Lightfield CRM: stage, amount, dates, owner, people, and a note or follow-up task in the same call.

Name the deal by ID (opp_…, best) or exact name (with account when names repeat; several matches are listed, nothing changed). fields and relationships are given as create_opportunity takes them and checked the same way. A field or one-record relationship is replaced (null clears it). People given for a many-record relationship are added, nobody dropped; remove names people to take off. note and followUp are added to the deal.

Only what differs is sent; the result says each change before → after and what was already so. A call that changes nothing writes nothing, and a repeat changes nothing twice. dryRun: true shows the changes and the request without writing.`

// updateOpportunity is the update_opportunity tool: an existing deal
// changed by the write core.
func updateOpportunity(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            UpdateOpportunityName,
			Title:           "Update opportunity",
			Description:     updateDescription,
			RawInputSchema:  baseSchema("write.OpportunityUpdate.Input(nil)", func() *jsonschema.Schema { return write.OpportunityUpdate.Input(nil) }),
			RawOutputSchema: baseSchema("schema.UpdateOpportunityOutput()", func() *jsonschema.Schema { return schema.UpdateOpportunityOutput() }),
			Annotations:     annotations("Update opportunity", changes),
		},
		kind:         write.OpportunityUpdate,
		card:         true,
		instructions: "update_opportunity changes a deal after it exists (\"move it to Negotiation\", \"add Sam as champion\", \"note that legal approved\"): one call with the deal's ID or name, the fields and people that change, and a note or follow-up. People are added, never silently dropped; remove takes someone off. It says each change before → after; repeating it changes nothing twice.",
		handle: func(ctx context.Context, o *org, req mcp.CallToolRequest, args json.RawMessage) *mcp.CallToolResult {
			out := write.Update(ctx, o.Org, write.OpportunityUpdate, args, asker{ctx, req})
			res := s.unfinished(ctx, UpdateOpportunityName, out)
			if res == nil {
				res = s.updateResult(ctx, out)
			}
			return s.withCard(ctx, res, func() *card { return outcomeCard(ctx, o, UpdateOpportunityName, out, args) })
		},
	}
}

// updateResult words the outcomes that are update_opportunity's own.
func (s *Server) updateResult(ctx context.Context, out *write.Outcome) *mcp.CallToolResult {
	result := schema.UpdateOpportunityResult{IdempotencyKey: out.Key, Resolved: out.Resolved, FieldKeys: out.Call.FieldKeys, Changes: out.Changes, Unchanged: out.Already}
	if result.Changes == nil {
		result.Changes = []schema.Change{}
	}
	if out.Status == write.Failed {
		return s.viaResult(ctx, out.Via) // a new record the change needed
	}
	if out.Status == write.Ambiguous {
		cs := make([]string, len(out.Existing))
		for i, rec := range out.Existing {
			cs[i] = dealText(rec, out.Defs, out.Named)
		}
		return mcp.NewToolResultError(fmt.Sprintf("%d deals match %s: %s. Nothing was changed. Send the one meant by its ID as opportunity, or add account to tell them apart.", len(cs), quote(out.Existing[0].Name()), strings.Join(cs, "; ")))
	}
	result.Opportunity = out.Record.Raw
	deal := fmt.Sprintf("%s (%s)", quote(write.RecordOf(out.Record).Name()), token(out.Record.ID))
	var b strings.Builder
	switch out.Status {
	case write.DryRun:
		result.DryRun = true
		fmt.Fprintf(&b, "Dry run: nothing was sent. Deal %s", deal)
		if len(out.Changes) == 0 {
			b.WriteString(" already is as asked: no change would be sent.")
		} else {
			result.Requests = out.Updates
			fmt.Fprintf(&b, ": update_opportunity would POST to /v1/opportunities/%s (Idempotency-Key %s):", out.Record.ID, out.Key)
			for _, body := range out.Updates {
				raw, _ := json.Marshal(body)
				fmt.Fprintf(&b, "\n%s", raw)
			}
			b.WriteString("\n" + changesText(out.Changes))
		}
		b.WriteString(alreadyText(out.Already))
		b.WriteString(partsPlanText(out))
		b.WriteString(interpretationText(result.Resolved, result.FieldKeys))
		if len(out.Changes) > 0 || slices.ContainsFunc(out.Parts, func(p *write.Part) bool { return p.Record == nil }) {
			b.WriteString("\nCall again without dryRun to make the change.")
		} else {
			b.WriteString("\nNothing would be written: there is no need to call again.")
		}
		return mcp.NewToolResultStructured(result, b.String()+staleNote(out.Kind, out.Defs, out.DefsErr))
	case write.Unchanged:
		fmt.Fprintf(&b, "Nothing changed: deal %s already is as asked, so nothing was written.", deal)
		b.WriteString(alreadyText(out.Already) + link(out.Record.HTTPLink))
		return mcp.NewToolResultStructured(result, b.String()+interpretationText(result.Resolved, result.FieldKeys))
	}
	if len(out.Changes) > 0 {
		fmt.Fprintf(&b, "Changed deal %s:\n%s", deal, changesText(out.Changes))
	} else {
		fmt.Fprintf(&b, "Deal %s: no field or relationship changed.", deal)
	}
	b.WriteString(alreadyText(out.Already) + link(out.Record.HTTPLink))
	var parts schema.CreateOpportunityResult
	text, _, failed := s.partsText(ctx, out, &parts)
	result.Note, result.FollowUp, result.Incomplete = parts.Note, parts.FollowUp, parts.Incomplete
	result.Warnings = append(append(result.Warnings, out.Warnings...), parts.Warnings...)
	b.WriteString(text)
	if len(out.Changes) > 0 {
		fmt.Fprintf(&b, "\nIdempotency-Key %s: repeating this call finds the deal already changed and writes nothing twice.", out.Key)
	}
	b.WriteString(interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings))
	res := mcp.NewToolResultStructured(result, b.String()+staleNote(out.Kind, out.Defs, out.DefsErr))
	res.IsError = failed
	return res
}

// changesText lists changes as before → after.
func changesText(changes []schema.Change) string {
	lines := make([]string, len(changes))
	for i, c := range changes {
		// Values and names come from Lightfield: quoted, one line, capped.
		before, after := quote(c.Before), quote(c.After)
		if c.Before == "" {
			before = "(none)"
		}
		if c.After == "" {
			after = "(none)"
		}
		lines[i] = fmt.Sprintf("- %s (%s): %s → %s", quote(c.Label), token(c.Key), before, after)
	}
	return strings.Join(lines, "\n")
}

// alreadyText says what the call asked that was already so.
func alreadyText(already []string) string {
	if len(already) == 0 {
		return ""
	}
	return "\nAlready so (not sent): " + strings.Join(already, "; ") + "."
}

// dealText shows a deal among candidates: name, ID, stage, account (as
// named describes it) and when it was created.
func dealText(rec lfclient.Record, defs *lfclient.Definitions, named map[string]string) string {
	text := fmt.Sprintf("%s (%s", quote(rec.Name()), token(rec.ID))
	if stage := stageLabelOf(rec.Fields, defs); stage != "" {
		text += ", stage " + quote(stage)
	}
	if account := rec.Relationships["$account"].Values; len(account) > 0 {
		shown := token(account[0])
		if named[account[0]] != "" {
			shown = named[account[0]]
		}
		text += ", account " + shown
	}
	return text + ", created " + token(rec.CreatedAt) + ")"
}
