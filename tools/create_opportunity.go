package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// CreateOpportunityName is the tool's name.
const CreateOpportunityName = "create_opportunity"

const createDescription = `Create one opportunity (deal) in Lightfield CRM.

Send fields (at least $name and $stage) and relationships (at least $account). Use the field keys (or their labels), stage labels and option labels listed in this schema; amounts are plain numbers, dates YYYY-MM-DD or ISO 8601 with offset. Relationships take IDs, or names and emails: an account by its exact name; a member or contact by email, full name, or first or last name alone (the deal's account's contacts are matched first). A name that matches several records is refused with the candidates (or the person is asked to pick); no guessing. find_accounts and find_people look records up when unsure. An account that does not exist yet is a new customer: create it with create_account first (or, where the client can ask the person, the server offers to create it). The result names every related record, IDs included, and says how each name matched.

Optional note ({title, content in markdown}) and followUp ({title, due YYYY-MM-DD, assignee: a member, the deal's owner when left out}) are created with the deal, linked to it and its account: use them for what the person said about the deal and for the next step they mention.

Every call, note and follow-up included, is checked against the organisation's current field definitions before anything is written; a refused call creates nothing and says exactly which argument to fix. If the deal is created but its note or task fails, the result says which part is missing and why; repeating the same call then creates that part once.

Duplicates: an opportunity with the same name on the same account is refused, naming the existing one; pass allowDuplicate: true if it really is another deal. Repeats are safe: the same arguments within 24 hours return the opportunity already created, and the result says "Already created" with replayed: true (the Idempotency-Key is derived from the request); pass a new idempotencyKey only to create a deliberate second copy. Use dryRun: true to see the exact request without creating anything.`

// opportunityKind is the write pipeline's view of opportunities.
var opportunityKind = &createKind{
	Object: schema.OpportunityObject, tool: CreateOpportunityName, plural: "opportunities",
	options:      []string{"allowDuplicate", "note", "followUp"},
	checkOptions: checkOpportunityOptions,
	nameHint:     "Give the deal a short name, e.g. the account and the product.",
	relationshipHints: map[string]string{
		"$account": "the account the deal is with, by ID (acc_…) or exact name. For a new customer, create the account first with create_account.",
	},
	readOnlyAdvice: " To add a note or a follow-up task, use the note and followUp arguments.",
}

// createKinds are the object types the server creates, each with its tool.
var createKinds = []*createKind{opportunityKind, accountKind}

var createOpportunitySpec = toolSpec{
	def: mcp.Tool{
		Name:            CreateOpportunityName,
		Title:           "Create opportunity",
		Description:     createDescription,
		RawInputSchema:  schema.JSON(opportunityKind.Input(nil)),
		RawOutputSchema: schema.JSON(schema.Output()),
		Annotations:     writeAnnotations("Create opportunity"),
	},
	instructions: `create_opportunity creates one deal from fields ($name, $stage, amounts, dates, custom fields) and relationships ($account, owner, contacts), and in the same call a note (note) and a follow-up task (followUp) when the person mentions them.
- Give related records as the person named them: an account by its exact name, a member or contact by email, full name, or first or last name alone, or any of them by ID. The server resolves them (a contact at the deal's account first) and says how each matched; if a name matches several records it lists them (or asks the person), and you should ask which one is meant rather than guess.
- Use the stage and option labels the tool schema lists; a refused call creates nothing and names each argument to fix, so fix those and call again.
- When unsure of a value, call with dryRun: true to see the exact request first.
- Repeating the same call is safe: it returns the deal already created, and says "Already created" (replayed: true); a note or task that failed is created then, once. An existing deal with the same name on the same account is refused as a duplicate; pass allowDuplicate: true only when the person confirms it is another deal.`,
}

func (s *Server) createOpportunity(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	o, err := s.orgFor(ctx)
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	// The duplicate look-up needs only the deal's name: it runs beside the
	// resolution of the call's names.
	p, refusal := s.prepare(ctx, req, o, opportunityKind, func(ctx context.Context, call *checkedCall) ([]lfclient.Record, error) {
		if call.extra.allowDuplicate {
			return nil, nil
		}
		name, _ := call.params.Fields["$name"].(string)
		return o.opportunitiesNamed(ctx, name)
	})
	var newAccount *schema.Resolution
	if refusal != nil {
		if p == nil || p.missingAccount == "" || p.call.dryRun {
			return refusal, nil
		}
		// The only thing wrong is an account that does not exist yet: the
		// person may create it here.
		if newAccount, refusal = s.offerAccount(ctx, req, o, p); refusal != nil {
			return refusal, nil
		}
	}
	call := &p.call
	if newAccount != nil {
		call.params.Relationships["$account"] = newAccount.ID
		p.resolved = append([]schema.Resolution{*newAccount}, p.resolved...)
	}
	body := p.body()
	key := call.idempotencyKey
	if key == "" {
		key = defaultIdempotencyKey(o.client.KeyFingerprint(), body, call.extra.allowDuplicate)
	}
	result := schema.CreateOpportunityResult{IdempotencyKey: key, Resolved: p.resolved, FieldKeys: call.fieldKeys}
	if why := s.unanswered(ctx, p.existingErr); why != "" && !call.dryRun {
		return mcp.NewToolResultError(why), nil
	}

	var notes []string
	// same is the deal itself when it exists already as this call
	// describes it, with a note or task to add: an earlier call wrote it and
	// failed on a part (maybe on another replica, which this process's
	// memory of keys does not cover). The parts are added to it.
	var same *lfclient.Object
	account, _ := call.params.Relationships["$account"].(string)
	switch dup := duplicateOn(p.existing, account); {
	case call.extra.allowDuplicate:
	case p.existingErr != nil:
		notes = append(notes, fmt.Sprintf("Existing opportunities could not be checked for a duplicate (%v); the Idempotency-Key still prevents a repeat of this call.", p.existingErr))
	case dup != nil && (call.extra.note != nil || call.extra.followUp != nil) && len(verify(objectOf(*dup), call.params, p.defs)) == 0:
		same = objectOf(*dup)
	case dup != nil && !o.created.replays(key, dup):
		text := duplicateText(dup, p.defs)
		if !call.dryRun {
			return mcp.NewToolResultError(text + " Nothing was created. If this is a different deal, call again with allowDuplicate: true (a top-level argument beside fields); otherwise use the existing opportunity."), nil
		}
		result.Warnings = append(result.Warnings, text+" Creating this would be refused unless allowDuplicate is true.")
	}

	if call.dryRun {
		result.DryRun, result.Request = true, &call.params
		text := fmt.Sprintf("Dry run: nothing was sent. create_opportunity would POST this body to /v1/opportunities with Idempotency-Key %s:\n%s", key, body)
		text += dryRunExtrasText(call, &result)
		next := "\nCall again without dryRun to create it."
		if len(result.Warnings) > 0 {
			next = "\nCheck the warnings, then call again without dryRun to create it."
		}
		text += interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings) + next + opportunityKind.staleNote(p.defs, p.defsErr)
		return mcp.NewToolResultStructured(result, text), nil
	}

	w := &written{obj: same, replayed: true}
	if same == nil {
		raw, _ := arguments(req)
		var failure string
		if w, failure = s.send(ctx, o, opportunityKind, call.params, p.defs, key, p.existing, raw); failure != "" {
			return mcp.NewToolResultError(failure), nil
		}
	}
	result.Opportunity, result.Replayed = w.obj.Raw, w.replayed
	result.Warnings = append(result.Warnings, w.warnings...)
	extras, added, failed := s.createExtras(ctx, o, call, w.obj, &result)
	text := createdText(w.obj, call.params, p.defs, result, added) + interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings)
	for _, n := range notes {
		text += "\n" + n
	}
	res := mcp.NewToolResultStructured(result, text+extras+opportunityKind.staleNote(p.defs, p.defsErr))
	res.IsError = failed
	return res, nil
}

// createdText says what became of the opportunity; added names the parts
// (note, follow-up task) this call wrote beside a replayed one.
func createdText(opp *lfclient.Object, sent lfclient.CreateParams, defs *lfclient.Definitions, r schema.CreateOpportunityResult, added []string) string {
	var b strings.Builder
	if r.Replayed {
		what := "nothing new was written"
		if len(added) > 0 {
			verb := "are"
			if len(added) == 1 {
				verb = "is"
			}
			what = "the opportunity was not written again; only the " + strings.Join(added, " and the ") + " added below " + verb + " new"
		}
		fmt.Fprintf(&b, "Already created at %s — %s: an earlier call with the same Idempotency-Key created it, and Lightfield returned that opportunity. ", token(opp.CreatedAt), what)
		b.WriteString("Opportunity")
	} else {
		b.WriteString("Created opportunity")
	}
	name, _ := sent.Fields["$name"].(string)
	if stored := (lfclient.Record{Fields: opp.Fields}).Name(); stored != "" {
		name = stored
	}
	fmt.Fprintf(&b, " %s (%s)", quote(name), token(opp.ID))
	if stage := stageLabelOf(opp.Fields, defs); stage != "" {
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
	if opp.HTTPLink != nil && *opp.HTTPLink != "" {
		fmt.Fprintf(&b, "\nOpen it in Lightfield: %s", token(*opp.HTTPLink))
	}
	fmt.Fprintf(&b, "\nIdempotency-Key %s: repeating this exact call within 24 hours returns this opportunity instead of creating another.", r.IdempotencyKey)
	return b.String()
}

// objectOf is a listed record as a create would have returned it.
func objectOf(rec lfclient.Record) *lfclient.Object {
	raw, _ := json.Marshal(rec)
	return &lfclient.Object{ID: rec.ID, CreatedAt: rec.CreatedAt, HTTPLink: rec.HTTPLink, Fields: rec.Fields, Relationships: rec.Relationships, Raw: raw}
}

// named shows a resolved record: its name, then its ID and website or email.
func named(res schema.Resolution) string {
	about := []string{token(res.ID)}
	for _, s := range []string{res.Website, res.Email} {
		if s != "" {
			about = append(about, token(s))
		}
	}
	return fmt.Sprintf("%s (%s)", quote(res.Name), strings.Join(about, ", "))
}

// interpretationText says how names, IDs and labels in the call were read.
func interpretationText(resolved []schema.Resolution, fieldKeys []schema.FieldKey) string {
	var b strings.Builder
	for _, res := range resolved {
		path := "relationships." + res.Relationship
		if res.Relationship == assigneeKey {
			path = assigneeKey
		}
		switch res.MatchedBy {
		case "ID":
			fmt.Fprintf(&b, "\n%s %s is %s", path, token(res.Input), quote(res.Name))
			if detail := res.Website + res.Email; detail != "" {
				fmt.Fprintf(&b, " (%s)", token(detail))
			}
			b.WriteString(".")
		case createdInThisCall:
			fmt.Fprintf(&b, "\n%s %s → the new account %s, created in this call as the person agreed.", path, quote(res.Input), named(res))
		default:
			fmt.Fprintf(&b, "\n%s %s → %s, matched by %s.", path, quote(res.Input), named(res), res.MatchedBy)
		}
	}
	for _, fk := range fieldKeys {
		fmt.Fprintf(&b, "\n%s was read as the key %s.", quote(fk.Input), fk.Key)
	}
	return b.String()
}

func warningsText(warnings []string) string {
	var b strings.Builder
	for _, w := range warnings {
		b.WriteString("\nWarning: " + w)
	}
	return b.String()
}

// stageLabelOf reads a record's stage and names it by its label.
func stageLabelOf(fields map[string]lfclient.FieldValue, defs *lfclient.Definitions) string {
	var stored string
	if err := json.Unmarshal(fields["$stage"].Value, &stored); err != nil || stored == "" {
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
