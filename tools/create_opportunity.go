package tools

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// CreateOpportunityName is the tool's name.
const CreateOpportunityName = "create_opportunity"

const createDescription = `Create one opportunity (deal) in Lightfield CRM.

Send fields (at least $name and $stage) and relationships (at least $account). Use the field keys (or their labels), stage labels and option labels listed in this schema; amounts are plain numbers, dates YYYY-MM-DD or ISO 8601 with offset. Relationships take IDs, or names and emails: an account by its exact name; a member or contact by email, full name, or first or last name alone (the deal's account's contacts are matched first). A name that matches several records is refused with the candidates (or the person is asked to pick); no guessing. find_accounts and find_people look records up when unsure. The result names every related record, IDs included, and says how each name matched.

Every call is checked against the organisation's current field definitions before anything is written; a refused call creates nothing and says exactly which argument to fix.

Duplicates: an opportunity with the same name on the same account is refused, naming the existing one; pass allowDuplicate: true if it really is another deal. Repeats are safe: the same arguments within 24 hours return the opportunity already created, and the result says "Already created" with replayed: true (the Idempotency-Key is derived from the request); pass a new idempotencyKey only to create a deliberate second copy. Use dryRun: true to see the exact request without creating anything.`

func (s *Server) registerCreate() {
	tool := mcp.Tool{
		Name:            CreateOpportunityName,
		Title:           "Create opportunity",
		Description:     createDescription,
		RawInputSchema:  s.baseSchema,
		RawOutputSchema: schema.JSON(schema.Output()),
		Annotations: mcp.ToolAnnotation{
			Title:           "Create opportunity",
			ReadOnlyHint:    mcp.ToBoolPtr(false),
			DestructiveHint: mcp.ToBoolPtr(false),
			IdempotentHint:  mcp.ToBoolPtr(true),
			OpenWorldHint:   mcp.ToBoolPtr(true),
		},
	}
	s.mcp.AddTool(tool, s.handler(s.createOpportunity))
}

func (s *Server) createOpportunity(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	raw, err := arguments(req)
	if err != nil {
		return mcp.NewToolResultError("The arguments could not be read as JSON; send an object with fields and relationships."), nil
	}
	o, err := s.orgFor(ctx)
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	defs, defsErr := o.defs.get(ctx)
	call, ps := checkCall(raw, defs)
	if len(ps) > 0 && ps.mayBeStale() {
		// The call names something the definitions held do not know: they
		// may be older than the organisation's. Check once more against
		// fresh ones before refusing.
		defs, defsErr = o.defs.refreshUnlessRecent(ctx)
		call, ps = checkCall(raw, defs)
	}
	if len(ps) > 0 {
		return mcp.NewToolResultError(ps.text(CreateOpportunityName) + staleNote(defs, defsErr)), nil
	}

	// Every look-up runs at once: the names in the call and the search for
	// a duplicate, which needs only the deal's name.
	name, _ := call.params.Fields["$name"].(string)
	var sameName []lfclient.Record
	var dupErr error
	var wg sync.WaitGroup
	if !call.allowDuplicate {
		wg.Go(func() { sameName, dupErr = o.opportunitiesNamed(ctx, name) })
	}
	resolved, ps, ask := o.resolveReferences(ctx, req, &call)
	wg.Wait()
	if ask != nil {
		return ask, nil
	}
	if len(ps) > 0 {
		return mcp.NewToolResultError(ps.text(CreateOpportunityName)), nil
	}

	body, err := json.Marshal(call.params)
	if err != nil {
		return nil, fmt.Errorf("encode create body: %w", err)
	}
	key := call.idempotencyKey
	if key == "" {
		key = defaultIdempotencyKey(o.client.KeyFingerprint(), body, call.allowDuplicate)
	}
	result := schema.CreateOpportunityResult{IdempotencyKey: key, Resolved: resolved, FieldKeys: call.fieldKeys}

	var apiErr *lfclient.Error
	if dupErr != nil && !errors.As(dupErr, &apiErr) && !call.dryRun {
		// Lightfield did not answer the look-ups at all: a POST would not
		// be answered either, so none is sent.
		why := s.interrupted(ctx)
		if why == "" {
			why = fmt.Sprintf("Lightfield could not be reached or did not answer in time (%v).", dupErr)
		}
		return mcp.NewToolResultError(why + " Nothing was sent, so nothing was created. Call again in a few seconds; repeating is safe."), nil
	}

	var notes []string
	account, _ := call.params.Relationships["$account"].(string)
	switch dup := duplicateOn(sameName, account); {
	case call.allowDuplicate:
	case dupErr != nil:
		notes = append(notes, fmt.Sprintf("Existing opportunities could not be checked for a duplicate (%v); the Idempotency-Key still prevents a repeat of this call.", dupErr))
	case dup != nil && !o.created.replays(key, dup):
		text := duplicateText(dup, defs)
		if !call.dryRun {
			return mcp.NewToolResultError(text + " Nothing was created. If this is a different deal, call again with allowDuplicate: true (a top-level argument beside fields); otherwise use the existing opportunity."), nil
		}
		result.Warnings = append(result.Warnings, text+" Creating this would be refused unless allowDuplicate is true.")
	}

	if call.dryRun {
		result.DryRun, result.Request = true, &call.params
		text := fmt.Sprintf("Dry run: nothing was sent. create_opportunity would POST this body to /v1/opportunities with Idempotency-Key %s:\n%s", key, body)
		text += interpretationText(result) + warningsText(result.Warnings) + "\nCall again without dryRun to create it." + staleNote(defs, defsErr)
		return mcp.NewToolResultStructured(result, text), nil
	}

	earlier := o.created.created(key)
	o.created.attempted(key)
	sent := time.Now()
	opp, err := o.client.CreateOpportunity(ctx, call.params, key)
	if err != nil {
		return mcp.NewToolResultError(s.createFailureText(ctx, o, err, raw, key)), nil
	}
	o.created.remember(key, opp.ID)
	result.Opportunity = opp.Raw
	result.Replayed = replayed(opp, earlier, sameName, sent)
	result.Warnings = append(result.Warnings, verify(opp, call.params, defs)...)
	text := createdText(opp, call.params, defs, result) + interpretationText(result) + warningsText(result.Warnings)
	for _, n := range notes {
		text += "\n" + n
	}
	return mcp.NewToolResultStructured(result, text+staleNote(defs, defsErr)), nil
}

// clockSkew is how far Lightfield's clock may be from this machine's.
const clockSkew = 30 * time.Second

// replayed reports whether the opportunity Lightfield returned existed
// before this call: this process saw its key create it, the duplicate
// look-up listed it, or it was created well before the request was sent.
func replayed(opp *lfclient.Opportunity, earlier string, listed []lfclient.Record, sent time.Time) bool {
	if earlier == opp.ID || slices.ContainsFunc(listed, func(r lfclient.Record) bool { return r.ID == opp.ID }) {
		return true
	}
	created, err := time.Parse(time.RFC3339Nano, opp.CreatedAt)
	return err == nil && created.Before(sent.Add(-clockSkew))
}

// defaultIdempotencyKey makes the same request from the same organisation
// give the same key, so that a repeated call is replayed by Lightfield rather
// than written again. The body is canonical: encoding/json sorts map keys,
// numbers were normalised and names resolved to IDs while checking. A call
// that allows a duplicate gets a key of its own, so that it can create the
// second copy it asks for, once.
func defaultIdempotencyKey(keyFingerprint string, body []byte, allowDuplicate bool) string {
	prefix := keyFingerprint + "\n"
	if allowDuplicate {
		prefix += "allowDuplicate\n"
	}
	sum := sha256.Sum256(append([]byte(prefix), body...))
	return "lfmcp-v1-" + hex.EncodeToString(sum[:])
}

// staleNote tells the model what the call was checked against when the
// definitions could not be fetched, and why.
func staleNote(defs *lfclient.Definitions, defsErr error) string {
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
	if defs != nil {
		return fmt.Sprintf("\n(Note: the field definitions could not be refreshed: %s. This call was checked against the last copy loaded, which may be stale.)", reason)
	}
	return fmt.Sprintf("\n(Note: the organisation's field definitions could not be loaded: %s. Only $name, $stage and $account were checked here; Lightfield checks the rest.)", reason)
}

func createdText(opp *lfclient.Opportunity, sent lfclient.OpportunityCreateParams, defs *lfclient.Definitions, r schema.CreateOpportunityResult) string {
	var b strings.Builder
	if r.Replayed {
		fmt.Fprintf(&b, "Already created at %s — nothing new was written: an earlier call with the same Idempotency-Key created it, and Lightfield returned that opportunity. ", token(opp.CreatedAt))
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
func interpretationText(r schema.CreateOpportunityResult) string {
	var b strings.Builder
	for _, res := range r.Resolved {
		if res.MatchedBy == "ID" {
			fmt.Fprintf(&b, "\nrelationships.%s %s is %s", res.Relationship, token(res.Input), quote(res.Name))
			if detail := res.Website + res.Email; detail != "" {
				fmt.Fprintf(&b, " (%s)", token(detail))
			}
			b.WriteString(".")
		} else {
			fmt.Fprintf(&b, "\nrelationships.%s %s → %s, matched by %s.", res.Relationship, quote(res.Input), named(res), res.MatchedBy)
		}
	}
	for _, fk := range r.FieldKeys {
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

// definitionsSuspect reports whether Lightfield refused the call for a key or
// option that its current definitions no longer (or not yet) match.
func definitionsSuspect(apiErr *lfclient.Error) bool {
	switch apiErr.Code {
	case "unknown_field", "unknown_relationship":
		return true
	case "invalid_type":
		return strings.HasPrefix(apiErr.Param, "fields.")
	}
	return false
}

// createFailureText tells the model what happened and what to do next, and
// whether anything may have been written.
func (s *Server) createFailureText(ctx context.Context, o *org, err error, raw json.RawMessage, key string) string {
	safeRepeat := fmt.Sprintf("Repeating this exact call is safe: it carries the same Idempotency-Key (%s), so Lightfield returns the first opportunity if one was created and never writes a second.", key)
	var apiErr *lfclient.Error
	if !errors.As(err, &apiErr) {
		if why := s.interrupted(ctx); why != "" {
			return why + " The opportunity may or may not have been created. " + safeRepeat
		}
		return fmt.Sprintf("Lightfield could not be reached or did not answer in time (%v). The opportunity may or may not have been created. %s", err, safeRepeat)
	}
	said := ""
	if apiErr.Message != "" {
		said = " Lightfield said: " + quote(apiErr.Message) + "."
	}
	code := ""
	if apiErr.Code != "" {
		code = ", code " + apiErr.Code
	}
	switch {
	case apiErr.StatusCode == 401 && s.callerKey(ctx):
		return ErrKeyRejected.Error() + " Nothing was created." + said
	case apiErr.StatusCode == 401:
		return "Lightfield rejected the API key (401 unauthorized): LIGHTFIELD_API_KEY is wrong, revoked or expired. Nothing was created. A person must set a valid Lightfield API key (sk_lf_…) in the MCP client's configuration and restart this server; retrying will not help." + said
	case apiErr.StatusCode == 403:
		return "The API key is not allowed to create opportunities (403 forbidden): it needs the scope opportunities:create (and opportunities:read for field definitions). Nothing was created. A person must grant the scope or use another key; retrying will not help." + said
	case apiErr.StatusCode == 429:
		return fmt.Sprintf("Lightfield's rate limit was still exceeded after retries (429). Nothing was created. Wait a few seconds, then repeat the call. %s%s", safeRepeat, said)
	case apiErr.StatusCode >= 500 || apiErr.StatusCode == 409:
		return fmt.Sprintf("Lightfield failed to answer (%d%s) after retries. The opportunity was most likely not created. %s%s", apiErr.StatusCode, code, safeRepeat, said)
	}
	where := ""
	if apiErr.Param != "" {
		where = " at " + apiErr.Param
	}
	text := fmt.Sprintf("Lightfield refused the request (%d%s)%s.%s Nothing was created.", apiErr.StatusCode, code, where, said)
	if definitionsSuspect(apiErr) {
		fresh, ferr := o.defs.refresh(ctx)
		if ferr == nil {
			if _, ps := checkCall(raw, fresh); len(ps) > 0 {
				return ps.text(CreateOpportunityName) + "\n(Lightfield refused the call because the organisation's field definitions changed; the server reloaded them and checked the call again: the problems above are against the current definitions.)"
			}
			text += " The server reloaded the organisation's field definitions; the tool's schema now shows the current keys and options."
		}
	}
	switch apiErr.Code {
	case "relationship_entity_missing", "relationship_entity_inactive", "referenced_resource_missing":
		text += " The ID does not name an existing, active record; check the ID."
	case "ambiguous_stage_label":
		var candidates []struct{ StageOptionID, StageLabel, PipelineName string }
		json.Unmarshal(apiErr.Candidates, &candidates)
		var options []string
		for _, c := range candidates[:min(len(candidates), 20)] {
			options = append(options, fmt.Sprintf("%s (%s in pipeline %s)", token(c.StageOptionID), quote(c.StageLabel), quote(c.PipelineName)))
		}
		if len(options) > 0 {
			text += " Send one of these stage option IDs as $stage instead: " + strings.Join(options, ", ") + "."
		}
	}
	if apiErr.Param != "" {
		text += fmt.Sprintf(" Fix the argument %s and call again.", apiErr.Param)
	}
	return text
}
