package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// ambiguity is a reference that matched several records.
type ambiguity struct {
	ref     reference
	matches []candidate
}

// resolveReferences turns every name or email in call's relationships into
// an ID. A name that matches several records is put to the person when the
// client can elicit (the returned result asks for it); otherwise, like a name
// that matches nothing, it becomes a problem listing the candidates.
func (o *org) resolveReferences(ctx context.Context, req mcp.CallToolRequest, call *checkedCall) ([]schema.Resolution, problems, *mcp.CallToolResult) {
	var resolved []schema.Resolution
	var ps problems
	var ask []ambiguity
	for _, ref := range call.refs {
		l, err := o.resolve.find(ctx, ref.objectType, ref.input)
		if err != nil {
			ps.add(ref.path, "%s", lookupFailure(ref, err))
			continue
		}
		var chosen *candidate
		switch len(l.matches) {
		case 1:
			chosen = &l.matches[0]
		case 0:
			ps.add(ref.path, "%s", noMatchText(ref, l.near))
		default:
			answer := server.ElicitationResponse(req.Params.InputResponses, ref.path)
			switch {
			case answer != nil:
				c, msg := pick(answer, ref, l.matches)
				if msg != "" {
					ps.add(ref.path, "%s", msg)
				}
				chosen = c
			case canElicit(ctx):
				ask = append(ask, ambiguity{ref, l.matches})
			default:
				ps.add(ref.path, "%s", severalText(ref, l.matches))
			}
		}
		if chosen != nil {
			setReference(call, ref, chosen.ID)
			resolved = append(resolved, schema.Resolution{Relationship: ref.key, Input: ref.input, ID: chosen.ID, Name: chosen.Name})
		}
	}
	if len(ask) > 0 {
		if len(ps) > 0 {
			// Fix the rest first; asking the person now would be wasted.
			for _, a := range ask {
				ps.add(a.ref.path, "%s", severalText(a.ref, a.matches))
			}
			return nil, ps, nil
		}
		builder := server.NewInputRequestBuilder("")
		for _, a := range ask {
			builder.Elicit(a.ref.path, elicitation(a))
		}
		return nil, nil, builder.ToolResult()
	}
	return resolved, ps, nil
}

func setReference(call *checkedCall, ref reference, id string) {
	if ref.manyValues {
		call.params.Relationships[ref.key].([]string)[ref.index] = id
	} else {
		call.params.Relationships[ref.key] = id
	}
}

func lookupFailure(ref reference, err error) string {
	return fmt.Sprintf("%s could not be looked up: %s. Send the %s's ID instead, or call again.", quote(ref.input), listFailure(ref.objectType, err), ref.objectType)
}

// listFailure says why a list of objectType records could not be read.
func listFailure(objectType string, err error) string {
	var apiErr *lfclient.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == 403 {
		return fmt.Sprintf("the API key lacks the scope %ss:read (403)", objectType)
	}
	return err.Error()
}

func noMatchText(ref reference, near []candidate) string {
	what := "named"
	if strings.Contains(ref.input, "@") {
		what = "with the email"
	}
	text := fmt.Sprintf("no %s %s %s.", ref.objectType, what, quote(ref.input))
	if len(near) > 0 {
		text += " Close matches: " + describeAll(near) + ". Send the right one's ID (or its exact name)."
	} else if ref.objectType == "account" {
		text += " Check the name with find_accounts, or send the account's ID."
	} else {
		text += fmt.Sprintf(" Send the %s's ID, exact email or full name.", ref.objectType)
	}
	return text
}

func severalText(ref reference, matches []candidate) string {
	return fmt.Sprintf("%s matches %d %ss: %s. Ask which one is meant, then send its ID.", quote(ref.input), len(matches), ref.objectType, describeAll(matches))
}

func describeAll(cs []candidate) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.describe()
	}
	return strings.Join(parts, "; ")
}

// canElicit reports whether the client declared it can ask its user.
func canElicit(ctx context.Context) bool {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern && info.ClientCapabilities != nil {
		return info.ClientCapabilities.Elicitation != nil
	}
	if session, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		return session.GetClientCapabilities().Elicitation != nil
	}
	return false
}

// choiceLabel is how a candidate is offered to the person: distinct even
// when names are equal.
func choiceLabel(c candidate) string {
	parts := []string{c.Name}
	if c.Detail != "" {
		parts = append(parts, c.Detail)
	}
	return strings.Join(append(parts, c.ID), " · ")
}

func elicitation(a ambiguity) mcp.ElicitationParams {
	choices := make([]any, len(a.matches))
	for i, c := range a.matches {
		choices[i] = choiceLabel(c)
	}
	return mcp.ElicitationParams{
		Message: fmt.Sprintf("Several %ss match %s (for %s). Which one is meant?", a.ref.objectType, quote(a.ref.input), a.ref.path),
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"choice": map[string]any{"type": "string", "title": "Which " + a.ref.objectType, "enum": choices},
			},
			"required": []string{"choice"},
		},
	}
}

// pick reads the person's answer to an elicitation.
func pick(answer *mcp.ElicitationResult, ref reference, matches []candidate) (*candidate, string) {
	if answer.Action != mcp.ElicitationResponseActionAccept {
		return nil, fmt.Sprintf("%s matches %d %ss and the person declined to choose; nothing was created. %s", quote(ref.input), len(matches), ref.objectType, severalText(ref, matches))
	}
	content, _ := answer.Content.(map[string]any)
	choice, _ := content["choice"].(string)
	for i, c := range matches {
		if choice == choiceLabel(c) || choice == c.ID {
			return &matches[i], ""
		}
	}
	return nil, fmt.Sprintf("the answer %s is none of the %ss offered. %s", quote(choice), ref.objectType, severalText(ref, matches))
}
