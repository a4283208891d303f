package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

func TestFindPeople(t *testing.T) {
	h := newHarness(t, true)
	tool := h.tool(t, FindPeopleName)
	if a := tool.Annotations; a.ReadOnlyHint == nil || !*a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint {
		t.Fatalf("annotations %+v", a)
	}
	outputSchema, _ := json.Marshal(tool.OutputSchema)
	cases := []struct {
		args string
		// want are "id matchedBy" of the first people, in order.
		want  []string
		texts []string
	}{
		{`{"query":"sam"}`, []string{"con_01saml first name", "con_01samo first name"}, []string{`at "Acme Corp" (acc_01acme, https://acme.example)`, `at "Initech" (acc_01initech, https://initech.example)`}},
		{`{"query":"Jo Park"}`, []string{"con_01jop full name"}, []string{`at "Globex" (acc_01globex, https://globex.example, in "Springfield, OR, US")`}},
		{`{"query":"Sam","account":"Acme Corp"}`, []string{"con_01samo first name"}, nil},
		{`{"query":"Ortiz","account":"acc_01acme"}`, []string{"con_01samo last name"}, nil},
		{`{"query":"zoe","kind":"member"}`, []string{"mem_01zoe first name"}, []string{"z.angstrom@ourco.example"}},
		{`{"query":"DANA@ourco.example"}`, []string{"mem_01dana email"}, nil},
		{`{"query":"Walter","limit":1}`, []string{"mem_02walt first name"}, nil},
		{`{"query":"Sam Ortis"}`, []string{"con_01samo similar name"}, nil},
	}
	for _, tc := range cases {
		res := h.callTool(t, FindPeopleName, tc.args)
		if res.IsError {
			t.Errorf("%s refused: %s", tc.args, text(res))
			continue
		}
		validateAgainst(t, outputSchema, res)
		var got []string
		for _, p := range res.StructuredContent.(map[string]any)["people"].([]any) {
			p := p.(map[string]any)
			got = append(got, p["id"].(string)+" "+p["matchedBy"].(string))
		}
		if len(got) < len(tc.want) || strings.Join(got[:len(tc.want)], ", ") != strings.Join(tc.want, ", ") {
			t.Errorf("%s found %v, want %v first", tc.args, got, tc.want)
		}
		if strings.Contains(tc.args, "account") && len(got) != len(tc.want) {
			t.Errorf("%s found people outside the account: %v", tc.args, got)
		}
		for _, w := range tc.texts {
			if !strings.Contains(text(res), w) {
				t.Errorf("%s: text lacks %q: %s", tc.args, w, text(res))
			}
		}
	}
	res := h.callTool(t, FindPeopleName, `{"query":"Xavier Quux"}`)
	if res.IsError || !strings.Contains(text(res), "No contact or member matches") {
		t.Errorf("nobody: %s", text(res))
	}
	for args, want := range map[string]string{
		`{"query":"x","kind":"lead"}`:                 "must be contact or member",
		`{"query":"x","kind":"member","account":"a"}`: "applies to contacts only",
		`{"query":"x","who":"a"}`:                     "unknown argument",
		`{"query":"Jo","account":"Globex"}`:           `"Globex" matches 2 accounts`,
		`{"query":"Jo","account":"acc_nothing"}`:      `no account has the ID "acc_nothing"`,
		`{"query":""}`:                                "is required",
	} {
		res := h.callTool(t, FindPeopleName, args)
		if !res.IsError || !strings.Contains(text(res), want) {
			t.Errorf("%s: error=%v, lacks %q: %s", args, res.IsError, want, text(res))
		}
	}
	if n := len(h.posts()); n != 0 {
		t.Fatalf("find_people wrote %d times", n)
	}
}

func TestFindToolsSayWhenTheKeyIsRefused(t *testing.T) {
	h := newHarness(t, true)
	for _, tool := range []string{FindAccountsName, FindPeopleName} {
		h.fake.Inject(lfsim.Fault{Method: "GET", Status: 401})
		res := h.callTool(t, tool, `{"query":"Acme"}`)
		if !res.IsError || !strings.Contains(text(res), "Lightfield rejected the API key (401)") {
			t.Errorf("%s: %s", tool, text(res))
		}
	}
}

// TestFindArgumentsAllAtOnce: every argument of the wrong type or unknown
// is named once, in one refusal.
func TestFindArgumentsAllAtOnce(t *testing.T) {
	h := newHarness(t, true)
	for args, want := range map[string][]string{
		`{"query":"Acme","limit":"5"}`: {"1 problem", "limit: must be a whole number"},
		`{"query":5}`:                  {"1 problem", "query: must be a string"},
		`{"query":"x","kind":5,"account":3,"limit":true,"who":1}`: {"4 problems", "kind: must be contact or member", "account: must be a string", "limit: must be a whole number", "who: unknown argument"},
	} {
		res := h.callTool(t, FindPeopleName, args)
		for _, w := range want {
			if !res.IsError || !strings.Contains(text(res), w) {
				t.Errorf("%s: lacks %q: %s", args, w, text(res))
			}
		}
	}
}
