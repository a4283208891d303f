package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// standInView is the view the tools' tests serve: what the card is made
// of is tested in a browser (e2e/ts), what the server says of it here.
const standInView = "<!doctype html><title>Deal card</title>"

// listing is what a client is offered: whether it is told of resources,
// each tool's _meta, and the resources.
type listing struct {
	ResourcesCapability bool                 `json:"resourcesCapability"`
	Tools               map[string]*mcp.Meta `json:"tools"`
	Resources           []mcp.Resource       `json:"resources"`
}

func (h *harness) listing(t *testing.T) listing {
	t.Helper()
	ctx := context.Background()
	tools, err := h.client.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	l := listing{ResourcesCapability: h.server.Capabilities.Resources != nil, Tools: map[string]*mcp.Meta{}}
	for _, tool := range tools.Tools {
		l.Tools[tool.Name] = tool.Meta
	}
	resources, err := h.client.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	l.Resources = resources.Resources
	return l
}

// TestDealCardIsOfferedToHostsThatRenderViews: a client that declares the
// MCP Apps extension, at initialize or on each request (2026-07-28), sees
// the deal tools linked to the card and the card among the resources,
// as testdata/app.json keeps them; any other client sees no _meta and no
// resource, and the same tools as before (TestToolSnapshots).
func TestDealCardIsOfferedToHostsThatRenderViews(t *testing.T) {
	file := filepath.Join("..", "testdata", "app.json")
	for _, modern := range []bool{false, true} {
		views := startHarness(t, harnessOptions{load: true, views: true, modern: modern}).listing(t)
		raw, _ := json.MarshalIndent(views, "", "  ")
		raw = append(raw, '\n')
		if *update && !modern {
			if err := os.WriteFile(file, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test ./tools -run TestDealCard -update to create it)", err)
		}
		if !bytes.Equal(want, raw) {
			t.Errorf("modern %v: %s differs from what a host that renders views is offered; review, then run go test ./tools -run TestDealCard -update\n%s", modern, file, raw)
		}
		plain := startHarness(t, harnessOptions{load: true, modern: modern}).listing(t)
		for name, meta := range plain.Tools {
			if meta != nil {
				t.Errorf("modern %v: a client without the extension sees _meta on %s: %+v", modern, name, meta)
			}
		}
		if plain.ResourcesCapability || len(plain.Resources) > 0 || len(plain.Tools) != len(views.Tools) {
			t.Errorf("modern %v: a client without the extension is told of resources (%v), sees %d resources, %d tools (%d with it)", modern, plain.ResourcesCapability, len(plain.Resources), len(plain.Tools), len(views.Tools))
		}
	}
	h := startHarness(t, harnessOptions{load: true, views: true})
	read, err := h.client.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: DealCardURI}})
	if err != nil {
		t.Fatal(err)
	}
	content, ok := read.Contents[0].(mcp.TextResourceContents)
	if len(read.Contents) != 1 || !ok || content.Text != standInView || content.MIMEType != AppMIMEType || content.Meta["ui"] == nil {
		t.Fatalf("resources/read of the card: %+v", read.Contents)
	}
}

// cardOf is the card a result carries; a result without one fails the
// test.
func cardOf(t *testing.T, res *mcp.CallToolResult) *card {
	t.Helper()
	if res.Meta == nil || res.Meta.AdditionalFields[CardMetaKey] == nil {
		t.Fatalf("no card in the result: %s", text(res))
	}
	raw, _ := json.Marshal(res.Meta.AdditionalFields[CardMetaKey])
	var c card
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// callWith makes a call with arguments the card holds.
func (h *harness) callWith(t *testing.T, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return h.callTool(t, tool, string(raw))
}

// TestCardPickMakesTheSameCallWithTheID: a name two contacts share is
// refused with both as choices; the arguments of one, sent as they are,
// create the deal once, with that person, the rest of the call unchanged.
func TestCardPickMakesTheSameCallWithTheID(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, views: true})
	// "Evaluator" is the relationship's label: the choice keeps the key as sent.
	res := h.call(t, `{"fields":{"$name":"Pick deal","$stage":"Discovery","$amount":30000},"relationships":{"$account":"acc_01globex","Evaluator":["Jo"]}}`)
	c := cardOf(t, res)
	if !res.IsError || c == nil || c.Outcome != "refused" || len(c.Problems) != 1 || len(c.Problems[0].Choices) != 2 {
		t.Fatalf("refusal: %s\n%+v", text(res), c)
	}
	var picked *cardChoice
	for i, choice := range c.Problems[0].Choices {
		if choice.ID == "con_01jop" {
			picked = &c.Problems[0].Choices[i]
		}
	}
	if picked == nil || picked.Name == "" || picked.Detail == "" {
		t.Fatalf("choices: %+v", c.Problems[0].Choices)
	}
	res = h.callWith(t, CreateOpportunityName, picked.Arguments)
	c = cardOf(t, res)
	if res.IsError || c == nil || c.Outcome != "created" || len(h.posts()) != 1 {
		t.Fatalf("the pick: %s\n%+v", text(res), c)
	}
	deal := c.Deals[0]
	if deal.Name != "Pick deal" || deal.Amount == nil || *deal.Amount != 30000 || len(deal.People) != 1 || deal.People[0].ID != "con_01jop" ||
		deal.People[0].Role != "Evaluator" || deal.People[0].Name == "" || deal.Account == nil || deal.Account.Name != "Globex" || deal.Link == "" {
		t.Errorf("the deal shown: %+v", deal)
	}
	res = h.callWith(t, CreateOpportunityName, picked.Arguments)
	if c := cardOf(t, res); c == nil || c.Outcome != "replayed" || len(h.fake.CreatedOf("opportunity")) != 1 {
		t.Errorf("the pick again: %s\n%+v", text(res), c)
	}
}

// TestCardConfirmCreatesOnce: a dry run's card holds the call that writes
// it; sent, it creates the deal once, with the note and follow-up shown.
func TestCardConfirmCreatesOnce(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, views: true})
	res := h.call(t, `{"fields":{"$name":"Confirm deal","$stage":"Qualified","$closeDate":"2026-12-31"},"relationships":{"$account":"Acme Corp","$owner":"Dana"},
		"note":{"title":"Met at the fair","content":"Wants a pilot."},"followUp":{"title":"Send proposal","due":"2026-12-04"},"dryRun":true}`)
	c := cardOf(t, res)
	if res.IsError || c == nil || c.Outcome != "dryRun" || c.Confirm == nil || c.Confirm["dryRun"] != nil || len(h.posts()) != 0 {
		t.Fatalf("dry run: %s\n%+v", text(res), c)
	}
	if d := c.Deals[0]; d.ID != "" || d.Stage != "Qualified" || d.CloseDate != "2026-12-31" || d.Account == nil || d.Account.Name != "Acme Corp" ||
		!strings.Contains(d.Note, "Wants a pilot.") || d.FollowUp == nil || d.FollowUp.Due != "2026-12-04" || d.Owner == nil || d.Owner.Name != "Dana Scully" {
		t.Errorf("the planned deal: %+v", d)
	}
	if !slices.Equal(c.Stages, []string{"Discovery", "Qualified", "Proposal Sent", "Negotiation", "Closed Won", "Closed Lost"}) || c.Currency != "USD" {
		t.Errorf("stages %v, currency %q", c.Stages, c.Currency)
	}
	res = h.callWith(t, CreateOpportunityName, c.Confirm)
	if c := cardOf(t, res); res.IsError || c == nil || c.Outcome != "created" || len(h.posts()) != 1 || c.Deals[0].FollowUp == nil {
		t.Fatalf("create: %s\n%+v", text(res), c)
	}
	if res := h.callWith(t, CreateOpportunityName, c.Confirm); cardOf(t, res).Outcome != "replayed" || len(h.fake.CreatedOf("opportunity")) != 1 {
		t.Errorf("create again: %s", text(res))
	}
	// The dry run again: it would write nothing new, and offers nothing to send.
	again := c.Confirm
	again["dryRun"] = true
	if c := cardOf(t, h.callWith(t, CreateOpportunityName, again)); c.Outcome != "dryRun" || c.Confirm != nil || !strings.Contains(c.Headline, "already created") {
		t.Errorf("the dry run of a call made: %+v", c)
	}
}

// TestCardOfNewRecordsAndDealsOfOneName: a dry run shows the account it
// would create by name, with no made-up ID; an update naming a deal that
// two accounts have offers each, told apart by account.
func TestCardOfNewRecordsAndDealsOfOneName(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, views: true})
	c := cardOf(t, h.call(t, `{"fields":{"$name":"New deal","$stage":"Discovery"},"relationships":{"$account":"Stark Industries"},
		"new":{"$account":{"$name":"Stark Industries","$website":"stark.example"}},"dryRun":true}`))
	if a := c.Deals[0].Account; a == nil || a.ID != "" || a.Name != "Stark Industries" {
		t.Errorf("the new account: %+v", a)
	}
	for _, account := range []string{"acc_01acme", "acc_01initech"} {
		h.call(t, `{"fields":{"$name":"Renewal","$stage":"Discovery"},"relationships":{"$account":"`+account+`"}}`)
	}
	res := h.callTool(t, UpdateOpportunityName, `{"opportunity":"Renewal","fields":{"$stage":"Qualified"}}`)
	c = cardOf(t, res)
	if c == nil || c.Outcome != "refused" || len(c.Problems) != 1 || len(c.Problems[0].Choices) != 2 {
		t.Fatalf("two deals of one name: %s\n%+v", text(res), c)
	}
	for _, choice := range c.Problems[0].Choices {
		if !strings.HasPrefix(choice.Detail, "Acme Corp · Discovery · created ") && !strings.HasPrefix(choice.Detail, "Initech · Discovery · created ") {
			t.Errorf("a deal offered as %q", choice.Detail)
		}
	}
	picked := c.Problems[0].Choices[1]
	if c := cardOf(t, h.callWith(t, UpdateOpportunityName, picked.Arguments)); c == nil || c.Outcome != "updated" || c.Deals[0].ID != picked.ID || c.Deals[0].Stage != "Qualified" {
		t.Errorf("the pick: %+v", c)
	}
	if other := c.Problems[0].Choices[0].ID; len(h.updates(other)) != 0 {
		t.Errorf("the deal not picked was changed too")
	}
}

// TestCardStageChangeUpdatesOnce: the card's stage change is an ordinary
// update_opportunity: it says before → after, and repeated changes nothing;
// the deal's records the change did not name are shown by name.
func TestCardStageChangeUpdatesOnce(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, views: true})
	created := cardOf(t, h.call(t, `{"fields":{"$name":"Stage deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","$owner":"mem_01dana","$champion":"con_01samo"}}`))
	id := created.Deals[0].ID
	move := map[string]any{"opportunity": id, "fields": map[string]any{"$stage": created.Stages[2]}}
	res := h.callWith(t, UpdateOpportunityName, move)
	c := cardOf(t, res)
	if res.IsError || c == nil || c.Outcome != "updated" || c.Deals[0].Stage != "Proposal Sent" || c.Headline != "Changed “Stage deal”." ||
		!slices.Equal(c.Changes, []schema.Change{{Key: "$stage", Label: "Stage", Before: "Discovery", After: "Proposal Sent"}}) {
		t.Fatalf("move: %s\n%+v", text(res), c)
	}
	if d := c.Deals[0]; d.Account.Name != "Acme Corp" || d.Owner == nil || d.Owner.Name != "Dana Scully" || len(d.People) != 1 || d.People[0].Name != "Sam Ortiz" {
		t.Errorf("the changed deal's records: %+v %+v %+v", d.Account, d.Owner, d.People)
	}
	if c := cardOf(t, h.callWith(t, UpdateOpportunityName, move)); c.Outcome != "unchanged" || len(h.updates(id)) != 1 {
		t.Errorf("move again: %+v, %d updates", c, len(h.updates(id)))
	}
}

// TestCardOfADuplicateAndAFind: an existing deal is shown as it is, and a
// search shows the deals found with what was searched.
func TestCardOfADuplicateAndAFind(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, views: true})
	deal := `{"fields":{"$name":"Twice deal","$stage":"Discovery","$amount":5},"relationships":{"$account":"acc_01acme"}}`
	h.call(t, deal)
	h.restart() // another process: the key is not remembered, the duplicate rule finds it
	if c := cardOf(t, h.call(t, strings.Replace(deal, `"$amount":5`, `"$amount":6`, 1))); c.Outcome != "duplicate" || c.Deals[0].Amount == nil || *c.Deals[0].Amount != 5 {
		t.Errorf("duplicate: %+v", c)
	}
	res := h.callTool(t, FindOpportunitiesName, `{"query":"Twice"}`)
	c := cardOf(t, res)
	if c == nil || c.Outcome != "found" || len(c.Deals) != 1 || c.Deals[0].Account.Name != "Acme Corp" || c.Headline == "" {
		t.Errorf("found: %+v", c)
	}
	if c := cardOf(t, h.callTool(t, FindOpportunitiesName, `{}`)); c == nil || c.Outcome != "refused" || len(c.Problems) != 1 {
		t.Errorf("a find refused: %+v", c)
	}
	// Two accounts of one name: a pick searches the one picked.
	c = cardOf(t, h.callTool(t, FindOpportunitiesName, `{"account":"Globex","stage":"Discovery"}`))
	if c.Outcome != "refused" || len(c.Problems) != 1 || len(c.Problems[0].Choices) != 2 {
		t.Fatalf("a find of two Globex: %+v", c)
	}
	picked := c.Problems[0].Choices[1]
	if c := cardOf(t, h.callWith(t, FindOpportunitiesName, picked.Arguments)); c.Outcome != "found" || picked.Arguments["account"] != picked.ID || picked.Arguments["stage"] != "Discovery" {
		t.Errorf("the pick: %+v from %+v", c, picked.Arguments)
	}
}

// TestCardSaysWhatWasWrittenBesideTheDeal: a note that failed is not
// shown as saved; a repeat that adds a note says so; an update that only
// adds a note says no field changed; a dry run that would be refused as a
// duplicate offers nothing to send; the follow-up shows its assignee.
func TestCardSaysWhatWasWrittenBesideTheDeal(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, views: true, faults: []lfsim.Fault{{Path: "/v1/notes", Status: 422}}})
	deal := `{"fields":{"$name":"Parts deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","$owner":"mem_01dana"},"note":{"title":"Lost note","content":"x"},"followUp":{"title":"Call back","due":"2026-12-04"}}`
	c := cardOf(t, h.call(t, deal))
	if d := c.Deals[0]; c.Outcome != "created" || d.Note != "" || d.FollowUp == nil || d.FollowUp.Assignee != "Dana Scully" ||
		len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "“Lost note” was not saved") || !strings.Contains(c.Headline, "Added the follow-up.") {
		t.Errorf("a note that failed: %+v\n%+v", c, d)
	}
	h.fake.ClearFaults()
	if c := cardOf(t, h.call(t, deal)); c.Outcome != "replayed" || c.Deals[0].Note == "" || !strings.HasSuffix(c.Headline, "the deal was not written again. Added the note.") {
		t.Errorf("the repeat that adds the note: %+v", c)
	}
	id := c.Deals[0].ID
	if c := cardOf(t, h.callTool(t, UpdateOpportunityName, `{"opportunity":"`+id+`","note":{"title":"Legal approved"}}`)); c.Outcome != "updated" || c.Headline != "No field of “Parts deal” changed. Added the note." {
		t.Errorf("an update that adds a note: %+v", c)
	}
	h.restart()
	again := strings.Replace(deal, `"note"`, `"dryRun":true,"note"`, 1)
	again = strings.Replace(again, `"$stage":"Discovery"`, `"$stage":"Qualified"`, 1)
	if c := cardOf(t, h.call(t, again)); c.Outcome != "dryRun" || c.Confirm != nil || !strings.Contains(c.Headline, "would be refused") {
		t.Errorf("a dry run of a duplicate: %+v", c)
	}
}

// TestCardIsOnlyForHostsThatRenderIt: a host without the extension gets
// results without _meta, and no read the card would need.
func TestCardIsOnlyForHostsThatRenderIt(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true})
	created := h.call(t, `{"fields":{"$name":"Plain deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme","$champion":"con_01samo"}}`)
	id := created.StructuredContent.(map[string]any)["opportunity"].(map[string]any)["id"].(string)
	before := len(h.fake.Requests())
	res := h.callTool(t, UpdateOpportunityName, `{"opportunity":"`+id+`","fields":{"$stage":"Qualified"}}`)
	for _, r := range h.fake.Requests()[before:] {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/v1/contacts/") {
			t.Errorf("a host without the card cost a read of %s", r.Path)
		}
	}
	if created.Meta != nil || res.Meta != nil {
		t.Errorf("results carry _meta: %+v %+v", created.Meta, res.Meta)
	}
}

// TestArgumentsWith: a pick puts the ID where the name was, whether given
// alone or in a list, and nowhere else.
func TestArgumentsWith(t *testing.T) {
	args := json.RawMessage(`{"relationships":{"Champion":"Jo","$contacts":["Ann","Jo"]},"fields":{"$amount":30000.50},"dryRun":true}`)
	for _, tc := range []struct {
		at   []any
		want string
	}{
		{[]any{"relationships", "Champion"}, `{"dryRun":true,"fields":{"$amount":30000.50},"relationships":{"$contacts":["Ann","Jo"],"Champion":"ID"}}`},
		{[]any{"relationships", "$contacts", 1}, `{"dryRun":true,"fields":{"$amount":30000.50},"relationships":{"$contacts":["Ann","ID"],"Champion":"Jo"}}`},
		{[]any{"relationships", "$contacts", 2}, `null`},
		{[]any{"relationships", "Owner"}, `null`},
		{[]any{"note", "title"}, `null`},
	} {
		got, _ := json.Marshal(argumentsWith(args, tc.at, "ID"))
		if string(got) != tc.want {
			t.Errorf("%v: %s, want %s", tc.at, got, tc.want)
		}
	}
	// Relationships sent as a JSON string, which the tools accept.
	stringified := json.RawMessage(`{"relationships":"{\"$champion\":\"Jo\"}"}`)
	if got, _ := json.Marshal(argumentsWith(stringified, []any{"relationships", "$champion"}, "ID")); string(got) != `{"relationships":{"$champion":"ID"}}` {
		t.Errorf("stringified: %s", got)
	}
}

// TestCardPickOfAnAssignee: a follow-up's assignee two members share is
// picked like a deal's people.
func TestCardPickOfAnAssignee(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, views: true})
	c := cardOf(t, h.call(t, `{"fields":{"$name":"Assignee deal","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"},"followUp":{"title":"Call back","assignee":"Walter"}}`))
	if c.Outcome != "refused" || len(c.Problems) != 1 || c.Problems[0].Path != "followUp.assignee" || len(c.Problems[0].Choices) != 2 {
		t.Fatalf("two Walters: %+v", c)
	}
	picked := c.Problems[0].Choices[1]
	c = cardOf(t, h.callWith(t, CreateOpportunityName, picked.Arguments))
	if c.Outcome != "created" || c.Deals[0].FollowUp == nil || c.Deals[0].FollowUp.Assignee != picked.Name {
		t.Errorf("the pick of %s: %+v", picked.Name, c)
	}
}
