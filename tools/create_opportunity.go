package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// CreateOpportunityName is the tool's name.
const CreateOpportunityName = "create_opportunity"

const createDescription = `Create one opportunity (deal) in Lightfield CRM.

Send fields (at least $name and $stage) and relationships (at least $account), using the keys (or labels), stage and option labels of this schema; amounts are plain numbers, dates YYYY-MM-DD. Related records may be IDs or as the person said them: an account by exact name; a member or contact by email, full name, or first or last name (the deal's account's contacts first). A name matching several records is refused with the candidates, or the person is asked; never guessed. A customer or person the rep says is new goes in new ({"$account": {"$name", "$website"}, "$champion": {"firstName", "lastName", "email"}}): found or created in the same call.

Optional note ({title, content}) and followUp ({title, due, assignee: the deal's owner when left out}) are created with the deal, linked to it and its account.

Everything is checked against the organisation's current definitions before anything is written; a refusal names each argument to fix. A deal with the same name on the same account is refused as a duplicate (allowDuplicate: true if it really is another). Repeats are safe: the same fields and relationships within 24 hours return the deal already created ("Already created", replayed: true); a note or follow-up in a repeat is added only if new. To change a deal, use update_opportunity. dryRun: true shows the exact request without writing.`

// createOpportunity is the create_opportunity tool: a deal, with its note
// and follow-up, written by the write core.
func createOpportunity(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            CreateOpportunityName,
			Title:           "Create opportunity",
			Description:     createDescription,
			RawInputSchema:  baseSchema("write.Opportunity.Input(nil)", func() *jsonschema.Schema { return write.Opportunity.Input(nil) }),
			RawOutputSchema: baseSchema("schema.Output()", func() *jsonschema.Schema { return schema.Output() }),
			Annotations:     annotations("Create opportunity", creates),
		},
		kind: write.Opportunity,
		card: true,
		instructions: `create_opportunity creates one deal from fields ($name, $stage, amounts, dates, custom fields) and relationships ($account, owner, contacts), and in the same call a note (note) and a follow-up task (followUp) when the person mentions them.
- Give related records as the person named them: an account by its exact name, a member or contact by email, full name, or first or last name alone, or any of them by ID. The server resolves them (a contact at the deal's account first) and says how each matched; if a name matches several records it lists them (or asks the person), and you should ask which one is meant rather than guess.
- Use the stage and option labels the tool schema lists; a refused call creates nothing and names each argument to fix, so fix those and call again.
- When unsure of a value, call with dryRun: true to see the exact request first.
- Repeating a call is safe. What a repeat covers is the deal's own request (its fields and relationships): the same ones within 24 hours return the deal already created, "Already created" (replayed: true), never a second deal. A note or follow-up in the repeat is added if it is new (another title or text) and not added again if it is the same; the answer says which parts it added now and which already existed. To change the deal afterwards (stage, amount, people), use update_opportunity, not a repeat. An existing deal with the same name on the same account is refused as a duplicate; pass allowDuplicate: true only when the person confirms it is another deal.`,
		handle: func(ctx context.Context, o *org, req mcp.CallToolRequest, args json.RawMessage) *mcp.CallToolResult {
			out := write.Create(ctx, o.Org, write.Opportunity, args, asker{ctx, req})
			res := s.unfinished(ctx, CreateOpportunityName, out)
			if res == nil {
				res = s.opportunityResult(ctx, out)
			}
			return s.withCard(ctx, res, func() *card { return outcomeCard(ctx, o, CreateOpportunityName, out, args) })
		},
	}
}

// opportunityResult words the outcomes that are create_opportunity's own.
func (s *Server) opportunityResult(ctx context.Context, out *write.Outcome) *mcp.CallToolResult {
	call := out.Call
	result := schema.CreateOpportunityResult{IdempotencyKey: out.Key, Resolved: out.Resolved, FieldKeys: call.FieldKeys}
	switch out.Status {
	case write.Declined:
		return mcp.NewToolResultError(fmt.Sprintf("No account named %s exists, and the person chose not to create it: nothing was written. Ask which existing account is meant (find_accounts), or create it with create_account if they change their mind.", quote(out.Problems[0].Missing)))
	case write.Failed: // a new record the deal needed was not found or created
		return s.viaResult(ctx, out.Via)
	case write.Duplicate:
		return mcp.NewToolResultError(duplicateText(out.Duplicate, out.Defs) + " Nothing was created. If this is a different deal, call again with allowDuplicate: true (a top-level argument beside fields); otherwise use the existing opportunity.")
	case write.DryRun:
		if out.Duplicate != nil {
			result.Warnings = append(result.Warnings, duplicateText(out.Duplicate, out.Defs)+" Creating this would be refused unless allowDuplicate is true.")
		}
		result.DryRun, result.Request = true, &call.Params
		text := dryRunText(CreateOpportunityName, out, "") + dryRunPartsText(out, &result)
		next := "\nCall again without dryRun to create it."
		switch {
		case out.RepeatOf != "":
			next = ""
		case out.Record != nil:
			next = fmt.Sprintf("\nThe deal already exists exactly as described (%s): calling without dryRun writes no second deal, only adds the note or follow-up to it.", token(out.Record.ID))
		case len(result.Warnings) > 0:
			next = "\nCheck the warnings, then call again without dryRun to create it."
		}
		text += interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings) + next + staleNote(out.Kind, out.Defs, out.DefsErr)
		return mcp.NewToolResultStructured(result, text)
	}
	result.Opportunity, result.Replayed = out.Record.Raw, out.Replayed
	result.Warnings = append(result.Warnings, out.Warnings...)
	parts, added, failed := s.partsText(ctx, out, &result)
	text := createdText(out, &result, added) + interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings)
	text += existingSearchNote(out, "Existing opportunities could not be checked for a duplicate")
	res := mcp.NewToolResultStructured(result, text+parts+staleNote(out.Kind, out.Defs, out.DefsErr))
	res.IsError = failed
	return res
}

// createdText says what became of the opportunity; added names the parts
// (note, follow-up task) this call wrote beside a replayed one.
func createdText(out *write.Outcome, r *schema.CreateOpportunityResult, added []string) string {
	var b strings.Builder
	what := "nothing new was written"
	if len(added) > 0 {
		verb := "are"
		if len(added) == 1 {
			verb = "is"
		}
		what = "the opportunity was not written again; only the " + strings.Join(added, " and the ") + " added below " + verb + " new"
	}
	b.WriteString(writtenText(out, what))
	opp, sent := out.Record, out.Call.Params
	name, _ := sent.Fields["$name"].(string)
	if stored := (lfclient.Record{Fields: opp.Fields}).Name(); stored != "" {
		name = stored
	}
	fmt.Fprintf(&b, " %s (%s)", quote(name), token(opp.ID))
	if stage := stageLabelOf(opp.Fields, out.Defs); stage != "" {
		fmt.Fprintf(&b, " at stage %s", quote(stage))
	}
	if account, ok := sent.Relationships["$account"].(string); ok {
		shown := token(account)
		for _, res := range r.Resolved {
			if res.Relationship == "$account" {
				shown = named(res)
			}
		}
		fmt.Fprintf(&b, " for account %s", shown)
	}
	b.WriteString(".")
	b.WriteString(link(opp.HTTPLink))
	b.WriteString(repeatText(out))
	return b.String()
}

// dryRunPartsText shows the note's and task's bodies a dry run would
// send, or that an earlier call already added them; the bodies to send go
// in result too.
func dryRunPartsText(out *write.Outcome, result *schema.CreateOpportunityResult) string {
	for _, p := range out.Parts {
		if p.Record == nil && p.Kind == write.Task {
			result.FollowUpRequest = &p.Body
		} else if p.Record == nil {
			result.NoteRequest = &p.Body
		}
	}
	return partsPlanText(out)
}

// partsPlanText says, for a dry run, what it would POST beside the deal:
// each part's body, or that an earlier identical call added it.
func partsPlanText(out *write.Outcome) string {
	var b strings.Builder
	for _, p := range out.Parts {
		what := "note"
		if p.Kind == write.Task {
			what = "follow-up task"
		}
		if p.Record != nil {
			fmt.Fprintf(&b, "\nThe %s was already added by an earlier identical call (%s): it would not be added again.", what, token(p.Record.ID))
			continue
		}
		raw, _ := json.Marshal(p.Body)
		fmt.Fprintf(&b, "\nThen it would POST this body to /v1/%s:\n%s", p.Kind.Plural, raw)
	}
	return b.String()
}

// partsText words the note and the follow-up task written beside the
// deal: the text to add, the parts newly written, and whether one failed.
func (s *Server) partsText(ctx context.Context, out *write.Outcome, result *schema.CreateOpportunityResult) (text string, added []string, failed bool) {
	var b strings.Builder
	for _, p := range out.Parts {
		what, store := "note", &result.Note
		if p.Kind == write.Task {
			what, store = "follow-up task", &result.FollowUp
		}
		title, _ := p.Body.Fields["$title"].(string)
		if p.Err != nil {
			failed = true
			result.Incomplete = append(result.Incomplete, p.Name)
			fmt.Fprintf(&b, "\nThe opportunity exists, but the %s %s was not created: %s Repeating this exact call is safe: it returns the same opportunity and creates the %s once.", what, quote(title), s.writeFailureText(ctx, p.Kind, p.Err, p.Key), what)
			continue
		}
		*store = p.Record.Raw
		verb := "Added"
		if p.Replayed {
			verb = "Already added earlier:"
		} else {
			added = append(added, what)
		}
		fmt.Fprintf(&b, "\n%s %s %s (%s)", verb, what, quote(title), token(p.Record.ID))
		if p.Kind == write.Task {
			if due, ok := p.Body.Fields["$dueAt"].(string); ok {
				// A plain date was sent at noon UTC: say the date.
				fmt.Fprintf(&b, ", due %s", strings.TrimSuffix(due, "T12:00:00+00:00"))
			}
			assignee := p.Body.Relationships["$assignedTo"].(string)
			shown := token(assignee)
			for _, r := range result.Resolved {
				if r.ID == assignee {
					shown = named(r)
					break
				}
			}
			fmt.Fprintf(&b, ", assigned to %s", shown)
		}
		b.WriteString(", linked to the opportunity and its account.")
		result.Warnings = append(result.Warnings, p.Warnings...)
	}
	return b.String(), added, failed
}

func duplicateText(dup *lfclient.Record, defs *lfclient.Definitions) string {
	text := fmt.Sprintf("An opportunity named %s already exists on this account: %s", quote(dup.Name()), token(dup.ID))
	if stage := stageLabelOf(dup.Fields, defs); stage != "" {
		text += ", stage " + quote(stage)
	}
	if dup.HTTPLink != nil && *dup.HTTPLink != "" {
		text += ", " + token(*dup.HTTPLink)
	}
	return text + "."
}

// stageLabelOf reads a record's stage and names it by its label.
func stageLabelOf(fields map[string]lfclient.FieldValue, defs *lfclient.Definitions) string {
	var stored string
	if err := json.Unmarshal(fields["$stage"].Value, &stored); err != nil {
		return ""
	}
	return write.StageLabel(defs, stored)
}
