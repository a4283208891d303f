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

// createKind is what the one write pipeline needs to know of an object type
// it creates: the contract's facts (schema.Object) and the tool's wording.
// create_opportunity and create_account are thin adapters around it.
type createKind struct {
	schema.Object
	// tool is the create tool's name.
	tool string
	// plural names the collection in scopes: opportunities, accounts.
	plural string
	// options are the tool's top-level arguments besides fields,
	// relationships, idempotencyKey and dryRun; checkOptions reads them.
	options      []string
	checkOptions func(args map[string]any, call *checkedCall, ps *problems)
	// nameHint says what to send when $name is left out.
	nameHint string
	// relationshipHints say what to send for a required relationship.
	relationshipHints map[string]string
	// readOnlyAdvice follows the refusal of a read-only relationship.
	readOnlyAdvice string
	// arguments name, for a part created beside another record (a deal's
	// note or task), the tool argument each body key came from; nil for a
	// record the call is about.
	arguments map[string]string
}

// readOnlyRelationshipText refuses a relationship that is linked from the
// other record's side.
func (k *createKind) readOnlyRelationshipText() string {
	return fmt.Sprintf("is read-only on %s: it is linked from the other record's side; leave it out.%s", k.plural, k.readOnlyAdvice)
}

// prepared is a create call checked against current definitions, with its
// names resolved and its search for existing records done.
type prepared struct {
	call     checkedCall
	defs     *lfclient.Definitions
	defsErr  error
	resolved []schema.Resolution
	// existing are the records the kind's search found (same name…), and
	// existingErr why the search failed.
	existing    []lfclient.Record
	existingErr error
	// problems are what resolution found wrong; missingAccount is the
	// account name when the only one is that no account is called so.
	problems       problems
	missingAccount string
}

// prepare checks a create call against the organisation's current
// definitions of k's object type and resolves every name in it, running
// findExisting (the kind's duplicate search, which needs only the checked
// call) beside the resolution. A non-nil result is the answer to return:
// a refusal, or a question put to the person.
func (s *Server) prepare(ctx context.Context, req mcp.CallToolRequest, o *org, k *createKind,
	findExisting func(context.Context, *checkedCall) ([]lfclient.Record, error)) (*prepared, *mcp.CallToolResult) {
	raw, err := arguments(req)
	if err != nil {
		return nil, mcp.NewToolResultError("The arguments could not be read as JSON; send an object with fields and relationships.")
	}
	p := &prepared{}
	d := o.definitionsOf(k.Type)
	p.defs, p.defsErr = d.get(ctx)
	call, ps := checkCall(k, raw, p.defs)
	if len(ps) > 0 && ps.mayBeStale() {
		// The call names something the definitions held do not know: they
		// may be older than the organisation's. Check once more against
		// fresh ones before refusing.
		p.defs, p.defsErr = d.refreshUnlessRecent(ctx)
		call, ps = checkCall(k, raw, p.defs)
	}
	if len(ps) > 0 {
		// The names are looked up all the same, so that one refusal lists
		// everything there is to fix.
		if len(call.refs)+len(call.ids) > 0 {
			_, more, _ := o.resolveReferences(ctx, req, &call, false)
			ps = append(ps, more...)
		}
		return nil, mcp.NewToolResultError(ps.text(k.tool) + k.staleNote(p.defs, p.defsErr))
	}
	var wg sync.WaitGroup
	if findExisting != nil {
		wg.Go(func() { p.existing, p.existingErr = findExisting(ctx, &call) })
	}
	resolved, ps, ask := o.resolveReferences(ctx, req, &call, true)
	wg.Wait()
	p.call, p.resolved = call, resolved
	if ask != nil {
		return nil, ask
	}
	if len(ps) > 0 {
		p.problems = ps
		if len(ps) == 1 {
			p.missingAccount = ps[0].missing
		}
		return p, mcp.NewToolResultError(ps.text(k.tool))
	}
	return p, nil
}

// body is the exact JSON a create sends.
func (p *prepared) body() []byte {
	body, err := json.Marshal(p.call.params)
	if err != nil {
		panic(fmt.Sprintf("encode create body: %v", err)) // maps of JSON values always encode
	}
	return body
}

// unanswered says why nothing is sent when Lightfield answered none of the
// look-ups: a POST would not be answered either. "" when it answered.
func (s *Server) unanswered(ctx context.Context, lookupErr error) string {
	var apiErr *lfclient.Error
	if lookupErr == nil || errors.As(lookupErr, &apiErr) {
		return ""
	}
	why := s.interrupted(ctx)
	if why == "" {
		why = fmt.Sprintf("Lightfield could not be reached or did not answer in time (%v).", lookupErr)
	}
	return why + " Nothing was sent, so nothing was created. Call again in a few seconds; repeating is safe."
}

// written is what a create's POST brought back.
type written struct {
	obj *lfclient.Object
	// replayed: the record existed before this call.
	replayed bool
	warnings []string
}

// send POSTs a create under key and reads back what Lightfield stored.
// listed are records the call's search saw before (a replay returns one of
// them). On failure it returns the text for the model: what happened,
// whether anything may have been written, and what to do. raw are the
// call's arguments, checked again when Lightfield refused them for keys
// or options that fresh definitions may not know (nil: not checked).
func (s *Server) send(ctx context.Context, o *org, k *createKind, params lfclient.CreateParams, defs *lfclient.Definitions, key string, listed []lfclient.Record, raw json.RawMessage) (*written, string) {
	earlier := o.created.created(key)
	o.created.attempted(key)
	sent := time.Now()
	obj, err := o.client.Create(ctx, k.Type, params, key)
	if err != nil {
		text := s.writeFailureText(ctx, k, err, key)
		if raw != nil {
			problems, note := s.recheckText(ctx, o, k, err, raw)
			if problems != "" {
				return nil, problems
			}
			text += note
		}
		return nil, text
	}
	o.created.remember(key, obj.ID)
	w := &written{obj: obj, replayed: replayed(obj, earlier, listed, sent)}
	w.warnings = verify(obj, params, defs)
	return w, ""
}

// clockSkew is how far Lightfield's clock may be from this machine's.
const clockSkew = 30 * time.Second

// replayed reports whether the record Lightfield returned existed before
// this call: this process saw its key create it, the call's search listed
// it, or it was created well before the request was sent.
func replayed(obj *lfclient.Object, earlier string, listed []lfclient.Record, sent time.Time) bool {
	if earlier == obj.ID || slices.ContainsFunc(listed, func(r lfclient.Record) bool { return r.ID == obj.ID }) {
		return true
	}
	created, err := time.Parse(time.RFC3339Nano, obj.CreatedAt)
	return err == nil && created.Before(sent.Add(-clockSkew))
}

// defaultIdempotencyKey makes the same request from the same organisation
// give the same key, so that a repeated call is replayed by Lightfield rather
// than written again. The body is canonical: encoding/json sorts map keys,
// numbers were normalised and names resolved to IDs while checking. A call
// that allows a duplicate gets a key of its own, so that it can create the
// second copy it asks for, once. Bodies of different object types differ,
// and so do their keys.
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
func (k *createKind) staleNote(defs *lfclient.Definitions, defsErr error) string {
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
			reason = fmt.Sprintf("the API key lacks the scope %s:read (403)", k.plural)
		default:
			reason = fmt.Sprintf("Lightfield answered %d", apiErr.StatusCode)
		}
	}
	if defs != nil {
		return fmt.Sprintf("\n(Note: the field definitions could not be refreshed: %s. This call was checked against the last copy loaded, which may be stale.)", reason)
	}
	required := append(slices.Clone(k.RequiredFields), k.RequiredRelationships...)
	return fmt.Sprintf("\n(Note: the organisation's %s field definitions could not be loaded: %s. Only %s were checked here; Lightfield checks the rest.)", k.Type, reason, strings.Join(required, ", "))
}

// writeFailureText tells the model what happened to a create that failed,
// whether anything may have been written, and what to do next.
func (s *Server) writeFailureText(ctx context.Context, k *createKind, err error, key string) string {
	nothing := "Nothing was created."
	if k.arguments != nil {
		nothing = fmt.Sprintf("The %s was not written.", k.Type)
	}
	safeRepeat := fmt.Sprintf("Repeating this exact call is safe: it carries the same Idempotency-Key (%s), so Lightfield returns the first %s if one was created and never writes a second.", key, k.Type)
	var apiErr *lfclient.Error
	if !errors.As(err, &apiErr) {
		if why := s.interrupted(ctx); why != "" {
			return fmt.Sprintf("%s The %s may or may not have been created. %s", why, k.Type, safeRepeat)
		}
		return fmt.Sprintf("Lightfield could not be reached or did not answer in time (%v). The %s may or may not have been created. %s", err, k.Type, safeRepeat)
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
		return ErrKeyRejected.Error() + " " + nothing + said
	case apiErr.StatusCode == 401:
		return "Lightfield rejected the API key (401 unauthorized): LIGHTFIELD_API_KEY is wrong, revoked or expired. A person must set a valid Lightfield API key (sk_lf_…) in the MCP client's configuration and restart this server; retrying will not help. " + nothing + said
	case apiErr.StatusCode == 403:
		return fmt.Sprintf("The API key is not allowed to create %s (403 forbidden): it needs the scope %s:create. %s A person must grant the scope or use another key; retrying will not help.%s", k.plural, k.plural, nothing, said)
	case apiErr.StatusCode == 429:
		return fmt.Sprintf("Lightfield's rate limit was still exceeded after retries (429). %s Wait a few seconds, then repeat the call. %s%s", nothing, safeRepeat, said)
	case apiErr.StatusCode >= 500 || apiErr.StatusCode == 409:
		return fmt.Sprintf("Lightfield failed to answer (%d%s) after retries. The %s was most likely not created. %s%s", apiErr.StatusCode, code, k.Type, safeRepeat, said)
	}
	param := apiErr.Param
	if arg, ok := k.arguments[param]; ok {
		param = arg
	}
	where := ""
	if param != "" {
		where = " at " + param
	}
	text := fmt.Sprintf("Lightfield refused the request (%d%s)%s.%s %s", apiErr.StatusCode, code, where, said, nothing)
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
	if param != "" {
		text += fmt.Sprintf(" Fix the argument %s and call again.", param)
	}
	return text
}

// recheckText checks a call Lightfield refused for a key or option once
// more, against definitions fetched now: the problems found, or a note that
// the schema was refreshed; "" when the refusal was of another kind.
func (s *Server) recheckText(ctx context.Context, o *org, k *createKind, err error, raw json.RawMessage) (problemsText, note string) {
	var apiErr *lfclient.Error
	if !errors.As(err, &apiErr) || !definitionsSuspect(apiErr) {
		return "", ""
	}
	fresh, ferr := o.definitionsOf(k.Type).refresh(ctx)
	if ferr != nil {
		return "", ""
	}
	if _, ps := checkCall(k, raw, fresh); len(ps) > 0 {
		return ps.text(k.tool) + "\n(Lightfield refused the call because the organisation's field definitions changed; the server reloaded them and checked the call again: the problems above are against the current definitions.)", ""
	}
	return "", " The server reloaded the organisation's field definitions; the tool's schema now shows the current keys and options."
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
