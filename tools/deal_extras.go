package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// opportunityExtras are create_opportunity's own arguments: the duplicate
// override and the note and follow-up task created around the deal.
type opportunityExtras struct {
	allowDuplicate bool
	note           *lfclient.CreateParams // without its links, set once the deal exists
	followUp       *lfclient.CreateParams
	// assignee is the follow-up's member ID once resolved, "" for the
	// deal's owner.
	assignee string
}

// assigneeKey is the follow-up's assignee among a call's references.
const assigneeKey = "followUp.assignee"

// Notes and tasks are written through the same pipeline; Lightfield's
// definitions of them are fixed, so none are fetched.
var (
	noteKind = &createKind{Object: schema.Object{Type: "note"}, tool: CreateOpportunityName, plural: "notes",
		arguments: map[string]string{"fields.$title": "note.title", "fields.$content": "note.content"}}
	taskKind = &createKind{Object: schema.Object{Type: "task"}, tool: CreateOpportunityName, plural: "tasks",
		arguments: map[string]string{"fields.$title": "followUp.title", "fields.$dueAt": "followUp.due", "relationships.$assignedTo": "followUp.assignee"}}
)

// checkOpportunityOptions reads allowDuplicate, note and followUp.
func checkOpportunityOptions(args map[string]any, call *checkedCall, ps *problems) {
	call.extra.allowDuplicate = boolOption(args, "allowDuplicate", ps)
	if note := optionObject(args, "note", map[string]bool{"title": true, "content": true}, ps); note != nil {
		fields := map[string]any{}
		if title := requiredText(note, "note.title", "a short title for the note", ps); title != "" {
			fields["$title"] = title
		}
		switch content := note["content"].(type) {
		case nil:
		case string:
			fields["$content"] = content
		default:
			ps.add("note.content", "must be a string (markdown), got %s.", jsonKind(content))
		}
		call.extra.note = &lfclient.CreateParams{Fields: fields}
	}
	followUp := optionObject(args, "followUp", map[string]bool{"title": true, "due": true, "assignee": true}, ps)
	if followUp == nil {
		return
	}
	fields := map[string]any{"$status": "TODO"}
	if title := requiredText(followUp, "followUp.title", "what is to be done, e.g. Send the proposal", ps); title != "" {
		fields["$title"] = title
	}
	switch due := followUp["due"].(type) {
	case nil:
	case string:
		if at, err := parseDate(due); err == nil {
			fields["$dueAt"] = at
		} else {
			ps.add("followUp.due", "%s is not a date. Send YYYY-MM-DD (e.g. 2026-12-04) or ISO 8601 with offset (2026-12-04T17:00:00+01:00); turn words like Friday into a date first.", quote(due))
		}
	default:
		ps.add("followUp.due", "must be a string (YYYY-MM-DD), got %s.", jsonKind(due))
	}
	call.extra.followUp = &lfclient.CreateParams{Fields: fields}
	switch assignee := followUp["assignee"].(type) {
	case nil:
		if _, ok := call.params.Relationships["$owner"]; !ok {
			ps.add("followUp.assignee", "is required when the deal has no owner: a task must be assigned to a member. Give the member by email or name, or set relationships.$owner.")
		}
	case string:
		def := &lfclient.RelationshipDefinition{ObjectType: "member", Cardinality: "HAS_ONE"}
		isRef, ok := checkReference("followUp.assignee", assignee, def, ps)
		ref := reference{key: assigneeKey, path: "followUp.assignee", input: assignee, objectType: "member"}
		switch {
		case isRef:
			call.refs = append(call.refs, ref)
		case ok:
			call.extra.assignee = assignee
			call.ids = append(call.ids, ref)
		}
	default:
		ps.add("followUp.assignee", "must be a string (a member's email, name or ID), got %s.", jsonKind(assignee))
	}
}

// optionObject reads an optional object argument with known keys.
func optionObject(args map[string]any, key string, known map[string]bool, ps *problems) map[string]any {
	switch v := args[key].(type) {
	case nil:
		return nil
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if !known[k] {
				ps.add(key+"."+k, "unknown key; %s takes %s.", key, strings.Join(sortedKeys(known), ", "))
			}
		}
		return v
	default:
		ps.add(key, "must be an object {%s}, got %s.", strings.Join(sortedKeys(known), ", "), jsonKind(v))
		return nil
	}
}

// requiredText reads a required, non-blank string.
func requiredText(obj map[string]any, path, what string, ps *problems) string {
	key := path[strings.LastIndex(path, ".")+1:]
	s, ok := obj[key].(string)
	if !ok || strings.TrimSpace(s) == "" {
		ps.add(path, "is required: %s.", what)
		return ""
	}
	return strings.TrimSpace(s)
}

// extraBodies are the note's and the task's bodies, linked to the deal
// (oppID) and its account.
func extraBodies(call *checkedCall, oppID string) (note, task *lfclient.CreateParams) {
	account, _ := call.params.Relationships["$account"].(string)
	links := map[string]any{"$opportunity": oppID, "$account": account}
	if n := call.extra.note; n != nil {
		note = &lfclient.CreateParams{Fields: n.Fields, Relationships: links}
	}
	if t := call.extra.followUp; t != nil {
		assignee := call.extra.assignee
		if assignee == "" {
			assignee, _ = call.params.Relationships["$owner"].(string)
		}
		task = &lfclient.CreateParams{Fields: t.Fields, Relationships: map[string]any{"$opportunity": oppID, "$account": account, "$assignedTo": assignee}}
	}
	return note, task
}

// dryRunExtrasText shows the note's and task's bodies a dry run would send.
func dryRunExtrasText(call *checkedCall, result *schema.CreateOpportunityResult) string {
	note, task := extraBodies(call, "(the new opportunity's ID)")
	result.NoteRequest, result.FollowUpRequest = note, task
	var b strings.Builder
	for _, part := range []struct {
		path string
		body *lfclient.CreateParams
	}{{"/v1/notes", note}, {"/v1/tasks", task}} {
		if part.body != nil {
			raw, _ := json.Marshal(part.body)
			fmt.Fprintf(&b, "\nThen it would POST this body to %s:\n%s", part.path, raw)
		}
	}
	return b.String()
}

// createExtras creates the note and the follow-up task once the deal
// exists, each under a key derived from its body (which names the deal),
// so that repeating the call replays a part already written and creates a
// missing one once. It returns the text to add, the parts newly written,
// and whether a part failed.
func (s *Server) createExtras(ctx context.Context, o *org, call *checkedCall, opp *lfclient.Object, result *schema.CreateOpportunityResult) (text string, added []string, failed bool) {
	note, task := extraBodies(call, opp.ID)
	type part struct {
		name, what string
		kind       *createKind
		body       *lfclient.CreateParams
		store      *json.RawMessage
		w          *written
		failure    string
	}
	var parts []*part
	if note != nil {
		parts = append(parts, &part{name: "note", what: "note", kind: noteKind, body: note, store: &result.Note})
	}
	if task != nil {
		parts = append(parts, &part{name: "followUp", what: "follow-up task", kind: taskKind, body: task, store: &result.FollowUp})
	}
	var tasks []func()
	for _, p := range parts {
		tasks = append(tasks, func() {
			raw, _ := json.Marshal(p.body)
			p.w, p.failure = s.send(ctx, o, p.kind, *p.body, nil, defaultIdempotencyKey(o.client.KeyFingerprint(), raw, false), nil, nil)
		})
	}
	parallel(tasks)
	var b strings.Builder
	for _, p := range parts {
		title, _ := p.body.Fields["$title"].(string)
		if p.failure != "" {
			failed = true
			result.Incomplete = append(result.Incomplete, p.name)
			fmt.Fprintf(&b, "\nThe opportunity exists, but the %s %s was not created: %s Repeating this exact call is safe: it returns the same opportunity and creates the %s once.", p.what, quote(title), p.failure, p.what)
			continue
		}
		*p.store = p.w.obj.Raw
		verb := "Added"
		if p.w.replayed {
			verb = "Already added earlier:"
		} else {
			added = append(added, p.what)
		}
		fmt.Fprintf(&b, "\n%s %s %s (%s)", verb, p.what, quote(title), token(p.w.obj.ID))
		if p.kind == taskKind {
			if due, ok := p.body.Fields["$dueAt"].(string); ok {
				// A plain date was sent at noon UTC: say the date.
				fmt.Fprintf(&b, ", due %s", strings.TrimSuffix(due, "T12:00:00+00:00"))
			}
			assignee := p.body.Relationships["$assignedTo"].(string)
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
		result.Warnings = append(result.Warnings, p.w.warnings...)
	}
	return b.String(), added, failed
}

// offerAccount handles a deal whose account does not exist yet: when the
// person was asked and agreed, the account is created (or found, if it
// appeared meanwhile) and returned for the deal; when the client can ask,
// the question is put; otherwise the refusal stands (it names
// create_account). A non-nil result is the answer to return instead.
func (s *Server) offerAccount(ctx context.Context, req mcp.CallToolRequest, o *org, p *prepared) (*schema.Resolution, *mcp.CallToolResult) {
	name := p.missingAccount
	refusal := mcp.NewToolResultError(p.problems.text(CreateOpportunityName))
	answer := server.ElicitationResponse(req.Params.InputResponses, newAccountQuestion)
	switch {
	case answer == nil && canElicit(ctx):
		return nil, server.NewInputRequestBuilder("").Elicit(newAccountQuestion, mcp.ElicitationParams{
			Message: fmt.Sprintf("No account named %s exists in Lightfield. Create it, and then the deal?", quote(name)),
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"create":  map[string]any{"type": "boolean", "title": "Create the account " + name},
					"website": map[string]any{"type": "string", "title": "Its website (optional; Lightfield enriches accounts that have one)"},
				},
				"required": []string{"create"},
			},
		}).ToolResult()
	case answer == nil:
		return nil, refusal
	}
	content, _ := answer.Content.(map[string]any)
	if create, _ := content["create"].(bool); answer.Action != mcp.ElicitationResponseActionAccept || !create {
		return nil, mcp.NewToolResultError(fmt.Sprintf("No account named %s exists, and the person chose not to create it: nothing was written. Ask which existing account is meant (find_accounts), or create it with create_account if they change their mind.", quote(name)))
	}
	fields := map[string]any{"$name": name}
	if website, _ := content["website"].(string); strings.TrimSpace(website) != "" {
		fields["$website"] = strings.TrimSpace(website)
	}
	args, _ := json.Marshal(map[string]any{"fields": fields})
	accountReq := mcp.CallToolRequest{}
	accountReq.Params.Name, accountReq.Params.Arguments = CreateAccountName, json.RawMessage(args)
	ap, refused := s.prepare(ctx, accountReq, o, accountKind, o.accountsLike)
	if refused != nil {
		return nil, refused
	}
	res, account := s.findOrCreateAccount(ctx, o, ap, args)
	if account == nil {
		// Refused or failed: nothing exists to link.
		return nil, res
	}
	account.Input = name
	if account.MatchedBy == "created" {
		account.MatchedBy = createdInThisCall
	}
	return account, nil
}

// createdInThisCall is how a deal's account created after the person
// agreed is said to have matched.
const createdInThisCall = "created in this call"

// newAccountQuestion names the question create_opportunity puts when the
// deal's account does not exist.
const newAccountQuestion = "createAccount"
