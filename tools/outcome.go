package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// This file words what the write core did, for every write tool alike:
// refusals, questions, a Lightfield that did not answer, failed writes,
// dry runs and the records written. Each tool adds only what is its own.

var (
	quote = write.Quote
	token = write.Token
)

// asker puts the write core's questions through MCP elicitation: an
// answer arrives with the call made again (both protocol eras; mcp-go
// turns a question into a request on the stream for older clients).
type asker struct {
	ctx context.Context
	req mcp.CallToolRequest
}

func (a asker) Answer(key string) *write.Answer {
	r := server.ElicitationResponse(a.req.Params.InputResponses, key)
	if r == nil {
		return nil
	}
	content, _ := r.Content.(map[string]any)
	return &write.Answer{Accepted: r.Action == mcp.ElicitationResponseActionAccept, Content: content}
}

// CanAsk reports whether the client declared it can ask its user.
func (a asker) CanAsk() bool {
	caps := clientCapabilities(a.ctx)
	return caps != nil && caps.Elicitation != nil
}

// questions asks the person the write core's questions.
func questions(qs []write.Question) *mcp.CallToolResult {
	builder := server.NewInputRequestBuilder("")
	for _, q := range qs {
		builder.Elicit(q.Key, mcp.ElicitationParams{Message: q.Message, RequestedSchema: q.Schema})
	}
	return builder.ToolResult()
}

// unfinished words the outcomes every write tool words alike: refused,
// asking, Lightfield unreachable, failed. Nil for the others, which are
// the tool's own to word.
func (s *Server) unfinished(ctx context.Context, tool string, out *write.Outcome) *mcp.CallToolResult {
	switch out.Status {
	case write.Refused:
		text := problemsText(out.Problems, tool)
		if out.CheckFailed {
			// What the arguments were checked against, when it may be old.
			text += staleNote(out.Kind, out.Defs, out.DefsErr)
		}
		return mcp.NewToolResultError(text)
	case write.Asking:
		return questions(out.Questions)
	case write.Unreachable:
		if out.Call == nil {
			// Not even the definitions came: no argument was at fault.
			return mcp.NewToolResultError(s.unreachable(ctx, out.Err, "Nothing was sent, so nothing was "+done(out.Kind)+"."))
		}
		why := s.interrupted(ctx)
		if why == "" {
			why = fmt.Sprintf("Lightfield could not be reached or did not answer in time (%v).", out.Err)
		}
		return mcp.NewToolResultError(why + " Nothing was sent, so nothing was " + done(out.Kind) + ". Call again in a few seconds; repeating is safe.")
	case write.Failed:
		if out.Via != nil {
			return nil // the tool words the write it needed first
		}
		if out.Rechecked && len(out.Problems) > 0 {
			return mcp.NewToolResultError(problemsText(out.Problems, tool) + "\n(Lightfield refused the call because the organisation's field definitions changed; the server reloaded them and checked the call again: the problems above are against the current definitions.)")
		}
		text := s.writeFailureText(ctx, out.Kind, out.Err, out.Key)
		if out.Rechecked {
			text += " The server reloaded the organisation's field definitions; the tool's schema now shows the current keys and options."
		}
		return mcp.NewToolResultError(text)
	}
	return nil
}

// viaResult words the failure of a record a write needed first (a new
// account or contact described in its relationships): nothing else was
// written.
func (s *Server) viaResult(ctx context.Context, via *write.Outcome) *mcp.CallToolResult {
	if via.Kind == write.Account {
		return s.accountResult(ctx, via)
	}
	if res := s.unfinished(ctx, CreateContactName, via); res != nil {
		return res
	}
	return mcp.NewToolResultError(fmt.Sprintf("The new %s could not be found or created, so nothing else was written. Call again; repeating is safe.", via.Kind.Type))
}

// done is what a write tool does to records: created, or changed.
func done(k *write.Kind) string {
	if k.Updates {
		return "changed"
	}
	return "created"
}

// problemsText words every problem at once, so that one corrected call can
// fix them all.
func problemsText(ps write.Problems, tool string) string {
	var b strings.Builder
	outcome := "Nothing was created"
	switch {
	case strings.HasPrefix(tool, "update_"):
		outcome = "Nothing was changed"
	case !strings.HasPrefix(tool, "create_"):
		// The find tools only read.
		outcome = "Nothing was looked up"
	}
	if len(ps) == 1 {
		fmt.Fprintf(&b, "%s: 1 problem in the arguments.\n", outcome)
	} else {
		fmt.Fprintf(&b, "%s: %d problems in the arguments.\n", outcome, len(ps))
	}
	for _, p := range ps {
		fmt.Fprintf(&b, "- %s: %s\n", p.Path, p.Message)
	}
	if len(ps) == 1 {
		fmt.Fprintf(&b, "Fix it and call %s again.", tool)
	} else {
		fmt.Fprintf(&b, "Fix these and call %s again.", tool)
	}
	return b.String()
}

// staleNote tells the model what the call was checked against when the
// definitions could not be fetched, and why.
func staleNote(k *write.Kind, defs *lfclient.Definitions, defsErr error) string {
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
			reason = fmt.Sprintf("the API key lacks the scope %s:read (403)", k.Plural)
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

// writeFailureText tells the model what happened to a write that failed,
// whether anything may have been written, and what to do next.
func (s *Server) writeFailureText(ctx context.Context, k *write.Kind, err error, key string) string {
	nothing := "Nothing was " + done(k) + "."
	if k.Arguments != nil {
		nothing = fmt.Sprintf("The %s was not written.", k.Type)
	}
	safeRepeat := fmt.Sprintf("Repeating this exact call is safe: it carries the same Idempotency-Key (%s), so Lightfield returns the first %s if one was created and never writes a second.", key, k.Type)
	if k.Updates {
		safeRepeat = fmt.Sprintf("Repeating this exact call is safe: it reads the %s again and sends only what is not yet so, so nothing changes twice.", k.Type)
	}
	var apiErr *lfclient.Error
	if !errors.As(err, &apiErr) {
		if why := s.interrupted(ctx); why != "" {
			return fmt.Sprintf("%s The %s may or may not have been %s. %s", why, k.Type, done(k), safeRepeat)
		}
		return fmt.Sprintf("Lightfield could not be reached or did not answer in time (%v). The %s may or may not have been %s. %s", err, k.Type, done(k), safeRepeat)
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
		verb, scope := "create", "create"
		if k.Updates {
			verb, scope = "change", "update"
		}
		return fmt.Sprintf("The API key is not allowed to %s %s (403 forbidden): it needs the scope %s:%s. %s A person must grant the scope or use another key; retrying will not help.%s", verb, k.Plural, k.Plural, scope, nothing, said)
	case apiErr.StatusCode == 429:
		wait := "a few seconds"
		if apiErr.RetryAfter > 0 {
			wait = fmt.Sprintf("%.0f seconds", math.Ceil(apiErr.RetryAfter.Seconds()))
		}
		return fmt.Sprintf("The organisation's Lightfield rate limit is spent (429), and it did not come back within this call's time. %s Wait %s, then repeat the call. %s%s", nothing, wait, safeRepeat, said)
	case apiErr.StatusCode >= 500 || apiErr.StatusCode == 409:
		return fmt.Sprintf("Lightfield failed to answer (%d%s) after retries. The %s was most likely not %s. %s%s", apiErr.StatusCode, code, k.Type, done(k), safeRepeat, said)
	}
	param := apiErr.Param
	if arg, ok := k.Arguments[param]; ok {
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

// dryRunText is what every dry run says: nothing was sent, and the exact
// request that would be.
func dryRunText(tool string, out *write.Outcome, why string) string {
	raw, _ := json.Marshal(out.Call.Params)
	if out.RepeatOf != "" {
		// Said first: the rest would not write anything new.
		return fmt.Sprintf("Dry run: nothing was sent. This exact call already created %s %s earlier: calling it again without dryRun returns that %s and writes nothing new. (Its body, Idempotency-Key %s:\n%s)", out.Kind.Type, token(out.RepeatOf), out.Kind.Type, out.Key, raw)
	}
	return fmt.Sprintf("Dry run: nothing was sent. %s%s would POST this body to /v1/%s with Idempotency-Key %s:\n%s", why, tool, out.Kind.Plural, out.Key, raw)
}

// writtenText says that a record was created, or that an earlier call
// created it (what names what else this call wrote beside it).
func writtenText(out *write.Outcome, what string) string {
	if !out.Replayed {
		return "Created " + out.Kind.Type
	}
	return fmt.Sprintf("Already created at %s — %s: an earlier call with the same Idempotency-Key created it, and Lightfield returned that %s. %s", token(out.Record.CreatedAt), what, out.Kind.Type, strings.ToUpper(out.Kind.Type[:1])+out.Kind.Type[1:])
}

// repeatText says what repeating the call does.
func repeatText(out *write.Outcome) string {
	return fmt.Sprintf("\nIdempotency-Key %s: repeating this exact call within 24 hours returns this %s instead of creating another.", out.Key, out.Kind.Type)
}

// existingSearchNote says that the search for existing records (what
// names it) failed, and what still guards the call.
func existingSearchNote(out *write.Outcome, what string) string {
	if out.ExistingErr == nil {
		return ""
	}
	return fmt.Sprintf("\n%s (%v); the Idempotency-Key still prevents a repeat of this call.", what, out.ExistingErr)
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
		if res.Relationship == write.AssigneeKey {
			path = write.AssigneeKey
		}
		switch res.MatchedBy {
		case "ID":
			fmt.Fprintf(&b, "\n%s %s is %s", path, token(res.Input), quote(res.Name))
			if detail := res.Website + res.Email; detail != "" {
				fmt.Fprintf(&b, " (%s)", token(detail))
			}
			b.WriteString(".")
		case write.CreatedAsDescribed:
			fmt.Fprintf(&b, "\n%s → %s, created in this call as described.", path, named(res))
		case write.CreatedInThisCall:
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

// link says where to open a record in Lightfield, "" without a link.
func link(l *string) string {
	if l == nil || *l == "" {
		return ""
	}
	return "\nOpen it in Lightfield: " + token(*l)
}
