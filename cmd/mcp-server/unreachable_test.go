package main

import (
	"context"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// TestUnreachableLightfieldSaysSo: when Lightfield cannot be reached, each
// tool says so, says nothing was written (or searched), and that calling
// again later is the fix, not other arguments.
func TestUnreachableLightfieldSaysSo(t *testing.T) {
	closed := closedURL(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+closed)
	s := httpSession(t, base+"/mcp", keyA)
	byName := map[string]any{"fields": map[string]any{"$name": "Deal", "$stage": "Discovery"}, "relationships": map[string]any{"$account": "Acme Corp"}}
	for _, c := range []struct {
		tool string
		args map[string]any
		said string
	}{
		{"create_opportunity", byName, "nothing was created"},
		{"create_account", map[string]any{"fields": map[string]any{"$name": "Newco"}}, "nothing was created"},
		{"create_contact", map[string]any{"fields": map[string]any{"$name": "Jane Doe", "$email": "jane@newco.example"}}, "nothing was created"},
		{"find_accounts", map[string]any{"query": "Acme"}, "nothing was found"},
		{"find_people", map[string]any{"query": "Jane"}, "nothing was found"},
		{"find_opportunities", map[string]any{"query": "Acme"}, "nothing was found"},
	} {
		unreachableSaid(t, s, c.tool, c.args, c.said)
	}
}

// TestLightfieldGoneAfterLoading: the definitions are held, then Lightfield
// stops answering; a name in a create cannot be looked up, and the answer
// says why and that nothing was written, not that an ID is needed.
func TestLightfieldGoneAfterLoading(t *testing.T) {
	a, _, api := twoOrgs(t)
	base, _, _ := startHTTP(t, "LIGHTFIELD_BASE_URL="+api)
	s := httpSession(t, base+"/mcp", keyA)
	schemaText(t, s) // the definitions are loaded
	for range 40 {
		a.Inject(lfsim.Fault{Path: "/v1/accounts", Reset: true})
		a.Inject(lfsim.Fault{Path: "/v1/opportunities", Reset: true})
	}
	args := map[string]any{"fields": map[string]any{"$name": "Deal", "$stage": "Discovery"}, "relationships": map[string]any{"$account": "Acme Corp"}}
	unreachableSaid(t, s, "create_opportunity", args, "nothing was written")
	unreachableSaid(t, s, "find_accounts", map[string]any{"query": "Acme"}, "nothing was found")
	if len(a.Created()) != 0 {
		t.Fatal("something was created")
	}
}

// unreachableSaid calls tool and checks its refusal says that Lightfield
// could not be reached, what was not done, and to call again.
func unreachableSaid(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any, said string) {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	text := resultText(res)
	for _, want := range []string{"Lightfield could not be reached", said, "call again in a few seconds"} {
		if !res.IsError || !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("%s lacks %q: %s", tool, want, text)
		}
	}
	if strings.Contains(text, "send the record's ID") || strings.Contains(text, "send the account's ID") {
		t.Errorf("%s asks for an ID, which would not help: %s", tool, text)
	}
}
