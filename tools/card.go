package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// The deal card is an MCP App (the io.modelcontextprotocol/ui extension):
// hosts that declare the extension show the deal tools' results in a view
// (view.Deal) and let the person act on them through this server's own
// tools. Other hosts see the tools and results exactly as before.
const (
	// UIExtension is the extension's ID in a client's capabilities.
	UIExtension = "io.modelcontextprotocol/ui"
	// DealCardURI is the view's resource.
	DealCardURI = "ui://lightfield/deal"
	// AppMIMEType is the view's MIME type.
	AppMIMEType = "text/html;profile=mcp-app"
	// CardMetaKey names, in a result's _meta, what the card shows: the
	// model does not read a result's _meta, the view does.
	CardMetaKey = "lightfield-mcp/card"
)

// card is what the deal card shows of one call: the contract with the view
// is view/README.md.
type card struct {
	Tool     string          `json:"tool"`
	Outcome  string          `json:"outcome"`
	Headline string          `json:"headline"`
	Deals    []cardDeal      `json:"deals,omitempty"`
	Changes  []schema.Change `json:"changes,omitempty"`
	Problems []cardProblem   `json:"problems,omitempty"`
	// Confirm is, on a dry run, the same call without dryRun.
	Confirm  map[string]any `json:"confirm,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
	// Stages are the stage labels in pipeline order.
	Stages   []string `json:"stages,omitempty"`
	Currency string   `json:"currency,omitempty"`
}

type cardDeal struct {
	ID        string       `json:"id,omitempty"`
	Name      string       `json:"name"`
	Stage     string       `json:"stage,omitempty"`
	Amount    *float64     `json:"amount,omitempty"`
	Currency  string       `json:"currency,omitempty"`
	CloseDate string       `json:"closeDate,omitempty"`
	Account   *cardRef     `json:"account,omitempty"`
	Owner     *cardRef     `json:"owner,omitempty"`
	People    []cardPerson `json:"people,omitempty"`
	Note      string       `json:"note,omitempty"`
	FollowUp  *cardTask    `json:"followUp,omitempty"`
	Link      string       `json:"link,omitempty"`
	CreatedAt string       `json:"createdAt,omitempty"`
}

type cardRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type cardPerson struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

type cardTask struct {
	Title string `json:"title"`
	Due   string `json:"due,omitempty"`
	// Assignee is the name of the member it is assigned to.
	Assignee string `json:"assignee,omitempty"`
}

type cardProblem struct {
	Path    string       `json:"path"`
	Message string       `json:"message"`
	Choices []cardChoice `json:"choices,omitempty"`
}

// cardChoice is a record the person may pick: Arguments are the same
// call's with its ID in place of the name.
type cardChoice struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Detail    string         `json:"detail,omitempty"`
	Arguments map[string]any `json:"arguments"`
}

// clientCapabilities are what the client of a request declared: on the
// request itself (2026-07-28), else at initialize; nil when unknown.
func clientCapabilities(ctx context.Context) *mcp.ClientCapabilities {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities
	}
	if session, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		caps := session.GetClientCapabilities()
		return &caps
	}
	return nil
}

// rendersViews reports whether the client of a request shows MCP App
// views of our type, and the binary has the view.
func (s *Server) rendersViews(ctx context.Context) bool {
	return s.view != nil && declaresViews(clientCapabilities(ctx))
}

// declaresViews reports whether capabilities declare the MCP Apps
// extension for views of our type.
func declaresViews(caps *mcp.ClientCapabilities) bool {
	if caps == nil {
		return false
	}
	ext, declared := caps.Extensions[UIExtension].(map[string]any)
	if !declared {
		return false
	}
	types, listed := ext["mimeTypes"].([]any)
	return !listed || slices.Contains(types, any(AppMIMEType))
}

// uiMeta is the _meta of a tool whose results the card shows.
func uiMeta() *mcp.Meta {
	return &mcp.Meta{AdditionalFields: map[string]any{"ui": map[string]any{"resourceUri": DealCardURI}}}
}

// resourceMeta is the view's _meta: it loads nothing from anywhere (an
// empty CSP: no outside domains), and is drawn in a bordered frame.
func resourceMeta() *mcp.Meta {
	return &mcp.Meta{AdditionalFields: map[string]any{"ui": map[string]any{"csp": map[string]any{}, "prefersBorder": true}}}
}

// registerView adds the view's resource. Only clients that render views
// are told of resources and see it listed: hooks take both out of what
// other clients get (mcp-go has no per-client capabilities or resources),
// so without hooks no card is offered. A client may read it by URI anyway:
// a replica that does not know the client's session may serve the read.
func (s *Server) registerView(hooks *server.Hooks) {
	html := s.view
	if html == nil || hooks == nil {
		s.view = nil // no card without hooks: every client would be told of it
		return
	}
	server.WithResourceCapabilities(false, false)(s.mcp)
	resource := mcp.Resource{URI: DealCardURI, Name: "deal-card", Title: "Deal card", MIMEType: AppMIMEType,
		Description: "Shows a deal as create_opportunity, update_opportunity and find_opportunities left it, and lets the person pick, confirm and change it.",
		Meta:        resourceMeta()}
	s.mcp.AddResource(resource, func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: DealCardURI, MIMEType: AppMIMEType, Text: string(html), Meta: resourceMeta().AdditionalFields}}, nil
	})
	hooks.AddAfterInitialize(func(_ context.Context, _ any, req *mcp.InitializeRequest, result *mcp.InitializeResult) {
		if !declaresViews(&req.Params.Capabilities) {
			result.Capabilities.Resources = nil
		}
	})
	hooks.AddAfterDiscover(func(ctx context.Context, _ any, _ *mcp.DiscoverRequest, result *mcp.DiscoverResult) {
		if !s.rendersViews(ctx) {
			result.Capabilities.Resources = nil
		}
	})
	hooks.AddAfterListResources(func(ctx context.Context, _ any, _ *mcp.ListResourcesRequest, result *mcp.ListResourcesResult) {
		if !s.rendersViews(ctx) {
			result.Resources = slices.DeleteFunc(result.Resources, func(r mcp.Resource) bool { return r.URI == DealCardURI })
		}
	})
}

// withCard adds what the card shows to a result, for clients that render
// it; build makes it only then.
func (s *Server) withCard(ctx context.Context, res *mcp.CallToolResult, build func() *card) *mcp.CallToolResult {
	if res == nil || res.NeedsInput() || !s.rendersViews(ctx) {
		return res
	}
	c := build()
	if c.Headline == "" {
		c.Headline = resultText(res)
	}
	if res.Meta == nil {
		res.Meta = &mcp.Meta{}
	}
	if res.Meta.AdditionalFields == nil {
		res.Meta.AdditionalFields = map[string]any{}
	}
	res.Meta.AdditionalFields[CardMetaKey] = c
	return res
}

// resultText is a result's first text, which says what happened.
func resultText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// outcomeCard is the card of a create or update of a deal. The deal's
// records are shown by name: those the call did not name are read (at
// once, and only for hosts that show the card).
func outcomeCard(ctx context.Context, o *org, tool string, out *write.Outcome, args json.RawMessage) *card {
	c := &card{Tool: tool, Stages: stageLabels(out.Defs), Currency: write.AmountCurrency(out.Defs), Warnings: out.Warnings}
	names := map[string]string{}
	for _, r := range out.Resolved {
		names[r.ID] = r.Name
	}
	deal := func(rec lfclient.Record) {
		named := o.Names(ctx, rec, names)
		d := dealOf(rec, out.Defs, named)
		c.Warnings = append(c.Warnings, addParts(&d, out.Parts, named)...)
		c.Deals = append(c.Deals, d)
	}
	nothing := "Nothing was " + done(out.Kind)
	switch out.Status {
	case write.Refused:
		c.Outcome, c.Headline = "refused", fmt.Sprintf("%s: %s to fix.", nothing, plural(len(out.Problems), "problem"))
		c.Problems = cardProblems(out.Problems, args)
	case write.Declined:
		c.Outcome, c.Headline = "refused", nothing+": no account of that name exists, and the person chose not to create it."
	case write.Ambiguous:
		c.Outcome, c.Headline = "refused", fmt.Sprintf("%s: %d deals are named %s.", nothing, len(out.Existing), shownName(out.Existing[0].Name()))
		c.Problems = []cardProblem{dealChoices(ctx, o, out, args)}
	case write.Duplicate:
		c.Outcome, c.Headline = "duplicate", nothing+": a deal of this name already exists on this account."
		deal(*out.Duplicate)
	case write.DryRun:
		c.Outcome, c.Headline, c.Changes = "dryRun", "Dry run: nothing was sent.", out.Changes
		if out.Record != nil {
			deal(write.RecordOf(out.Record))
		} else {
			deal(plannedRecord(out.Call, out.Defs))
		}
		switch {
		case out.RepeatOf != "":
			c.Headline += " This exact call already created this deal: making it again returns it and writes nothing new."
		case out.Duplicate != nil:
			c.Headline += fmt.Sprintf(" A deal named %s already exists on this account, so creating this one would be refused.", shownName(out.Duplicate.Name()))
		default:
			c.Confirm = argumentsWith(args, []any{"dryRun"}, nil)
		}
	case write.Written, write.Unchanged:
		deal(write.RecordOf(out.Record))
		c.Outcome, c.Headline = writtenHeadline(out, c.Deals[0])
		if c.Outcome == "updated" {
			c.Changes = out.Changes
		}
	case write.Failed:
		c.Outcome = "failed" // the result's text says what to do
		if out.Rechecked {
			c.Problems = cardProblems(out.Problems, args)
		}
	default: // unreachable, or a record the deal needed not written
		c.Outcome = "failed"
	}
	return c
}

// writtenHeadline says what a write did: the deal created, changed or
// already so, and the note and follow-up added now.
func writtenHeadline(out *write.Outcome, d cardDeal) (outcome, headline string) {
	name := shownName(d.Name)
	var added []string
	for _, p := range out.Parts {
		if p.Record != nil && !p.Replayed {
			added = append(added, partName(p))
		}
	}
	also := ""
	if len(added) > 0 {
		also = " Added the " + strings.Join(added, " and the ") + "."
	}
	switch {
	case out.Status == write.Unchanged:
		return "unchanged", "Nothing to change: " + name + " already is as asked."
	case out.Kind.Updates && len(out.Changes) == 0:
		return "updated", "No field of " + name + " changed." + also
	case out.Kind.Updates:
		return "updated", "Changed " + name + "." + also
	case out.Replayed && len(added) > 0:
		return "replayed", "Already created by an earlier identical call: the deal was not written again." + also
	case out.Replayed:
		return "replayed", "Already created by an earlier identical call: nothing new was written."
	}
	return "created", "Created " + name + "." + also
}

// dealChoices offers the deals a name matched, told apart by account,
// stage and the day each was created.
func dealChoices(ctx context.Context, o *org, out *write.Outcome, args json.RawMessage) cardProblem {
	p := cardProblem{Path: "opportunity", Message: fmt.Sprintf("%d deals have this name: pick the one meant.", len(out.Existing))}
	for _, rec := range out.Existing {
		account := lfclient.Record{Relationships: map[string]lfclient.RelationshipValue{"$account": rec.Relationships["$account"]}}
		d := dealOf(rec, out.Defs, o.Names(ctx, account, nil))
		var detail []string
		if d.Account != nil {
			detail = append(detail, d.Account.Name)
		}
		detail = append(detail, d.Stage)
		if len(d.CreatedAt) >= len(time.DateOnly) {
			detail = append(detail, "created "+d.CreatedAt[:len(time.DateOnly)])
		}
		if arguments := argumentsWith(args, []any{"opportunity"}, rec.ID); arguments != nil {
			p.Choices = append(p.Choices, cardChoice{ID: rec.ID, Name: rec.Name(), Detail: strings.Join(nonEmpty(detail...), " · "), Arguments: arguments})
		}
	}
	return p
}

// cardProblems are the problems of a refusal, each name that matched
// several records with the same call made with each of them.
func cardProblems(ps write.Problems, args json.RawMessage) []cardProblem {
	out := make([]cardProblem, len(ps))
	for i, p := range ps {
		out[i] = cardProblem{Path: p.Path, Message: p.Message}
		if p.Choose != "" {
			out[i].Message = p.Choose // the model's text asks the model to ask
		}
		for _, c := range p.Choices {
			if arguments := argumentsWith(args, p.Arg, c.ID); arguments != nil {
				out[i].Choices = append(out[i].Choices, cardChoice{ID: c.ID, Name: c.Name, Detail: strings.Join(nonEmpty(c.Detail, c.Place, c.Where), " · "), Arguments: arguments})
			}
		}
	}
	return out
}

// argumentsWith returns a call's arguments with value at the place at
// names (keys and list indexes), or, when value is nil, without the key at
// names; nil when at names no place.
func argumentsWith(args json.RawMessage, at []any, value any) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.UseNumber() // numbers as sent
	var root map[string]any
	if dec.Decode(&root) != nil || len(at) == 0 {
		return nil
	}
	var place any = root
	for i, step := range at {
		last := i == len(at)-1
		switch container := place.(type) {
		case map[string]any:
			key, ok := step.(string)
			if !ok {
				return nil
			}
			if last {
				if value == nil {
					delete(container, key)
				} else if _, exists := container[key]; exists {
					container[key] = value
				} else {
					return nil
				}
				return root
			}
			if text, isText := container[key].(string); isText && !isIndex(at[i+1]) {
				// An object sent as a JSON string (which the tools accept).
				var inner map[string]any
				dec := json.NewDecoder(strings.NewReader(text))
				dec.UseNumber()
				if dec.Decode(&inner) != nil {
					return nil
				}
				container[key] = inner
			}
			place = container[key]
		case []any:
			index, ok := step.(int)
			if !ok || index < 0 || index >= len(container) {
				return nil
			}
			if last {
				container[index] = value
				return root
			}
			place = container[index]
		default:
			return nil
		}
	}
	return nil
}

func isIndex(step any) bool {
	_, ok := step.(int)
	return ok
}

// dealOf shows a deal record; names are records' names by ID.
func dealOf(rec lfclient.Record, defs *lfclient.Definitions, names map[string]string) cardDeal {
	d := cardDealOf(write.DescribeDeal(rec, defs, names))
	for _, ref := range []*cardRef{d.Account, d.Owner} {
		if ref != nil && write.Planned(ref.ID) {
			ref.ID = "" // a dry run's new record: no ID yet
		}
	}
	for _, key := range slices.Sorted(maps.Keys(rec.Relationships)) {
		if key == "$account" || key == "$owner" || relationshipType(rec, defs, key) != "contact" {
			continue
		}
		for _, value := range rec.Relationships[key].Values {
			id := value
			if write.Planned(value) {
				id = ""
			}
			d.People = append(d.People, cardPerson{ID: id, Name: names[value], Role: relationshipLabel(defs, key)})
		}
	}
	return d
}

// cardDealOf is a deal as the find tool describes it, on the card.
func cardDealOf(f schema.FoundOpportunity) cardDeal {
	d := cardDeal{ID: f.ID, Name: f.Name, Stage: f.Stage, Amount: f.Amount, Currency: f.Currency, CloseDate: f.CloseDate, Link: f.HTTPLink, CreatedAt: f.CreatedAt}
	if f.Account != nil {
		d.Account = &cardRef{ID: f.Account.ID, Name: f.Account.Name}
	}
	if f.Owner != nil {
		d.Owner = &cardRef{ID: f.Owner.ID, Name: f.Owner.Name}
	}
	return d
}

// addParts shows the note and the follow-up written (or to be written)
// beside the deal, the assignee by name; a part that failed is not shown,
// but said in the warnings returned.
func addParts(d *cardDeal, parts []*write.Part, names map[string]string) (warnings []string) {
	for _, p := range parts {
		title, _ := p.Body.Fields["$title"].(string)
		if p.Err != nil {
			warnings = append(warnings, fmt.Sprintf("The %s %s was not saved. Making the same call again adds it once and writes the deal no second time.", partName(p), shownName(title)))
			continue
		}
		if p.Kind == write.Task {
			due, _ := p.Body.Fields["$dueAt"].(string)
			if at, err := time.Parse(time.RFC3339Nano, due); err == nil {
				due = at.UTC().Format(time.DateOnly)
			}
			assignee, _ := p.Body.Relationships["$assignedTo"].(string)
			d.FollowUp = &cardTask{Title: title, Due: due, Assignee: names[assignee]}
			continue
		}
		d.Note = title
		if content, _ := p.Body.Fields["$content"].(string); content != "" {
			d.Note = strings.TrimSpace(title + "\n" + content)
		}
	}
	return warnings
}

// partName is what a part is to a person: the note, or the follow-up.
func partName(p *write.Part) string {
	if p.Kind == write.Task {
		return "follow-up"
	}
	return "note"
}

// plannedRecord is the deal a dry run of a create would send.
func plannedRecord(call *write.Call, defs *lfclient.Definitions) lfclient.Record {
	rec := lfclient.Record{Fields: map[string]lfclient.FieldValue{}, Relationships: map[string]lfclient.RelationshipValue{}}
	for key, value := range call.Params.Fields {
		raw, _ := json.Marshal(value)
		rec.Fields[key] = lfclient.FieldValue{Value: raw}
	}
	for key, value := range call.Params.Relationships {
		var ids []string
		switch v := value.(type) {
		case string:
			ids = []string{v}
		case []string:
			ids = v
		}
		rel := lfclient.RelationshipValue{Values: ids}
		if defs != nil {
			rel.ObjectType = defs.RelationshipDefinitions[key].ObjectType
		}
		rec.Relationships[key] = rel
	}
	return rec
}

// findCard is the card of a search for deals.
func findCard(found *write.DealSearch, searched string, defs *lfclient.Definitions) *card {
	headline := fmt.Sprintf("%s found. %s", plural(found.Matched, "deal"), searched)
	if found.Matched > len(found.Deals) {
		headline = fmt.Sprintf("%s found; the best %d are shown. %s", plural(found.Matched, "deal"), len(found.Deals), searched)
	}
	c := &card{Tool: FindOpportunitiesName, Outcome: "found", Headline: headline, Stages: stageLabels(defs), Currency: write.AmountCurrency(defs)}
	for _, f := range found.Deals {
		c.Deals = append(c.Deals, cardDealOf(f))
	}
	return c
}

// refusedCard is the card of a search refused for its arguments (args):
// a name that matched several records may be picked.
func refusedCard(tool string, ps write.Problems, args json.RawMessage) func() *card {
	return func() *card {
		return &card{Tool: tool, Outcome: "refused", Headline: fmt.Sprintf("Nothing was looked up: %s to fix.", plural(len(ps), "problem")), Problems: cardProblems(ps, args)}
	}
}

// failedCard is the card of a call Lightfield did not answer; the
// result's text says what to do.
func failedCard(tool string) func() *card {
	return func() *card { return &card{Tool: tool, Outcome: "failed"} }
}

// stageLabels are the stage's options in pipeline order.
func stageLabels(defs *lfclient.Definitions) []string {
	if defs == nil {
		return nil
	}
	var labels []string
	for _, o := range defs.FieldDefinitions["$stage"].TypeConfiguration.Options {
		labels = append(labels, o.Label)
	}
	return labels
}

// relationshipType is the object type a deal's relationship links.
func relationshipType(rec lfclient.Record, defs *lfclient.Definitions, key string) string {
	if t := rec.Relationships[key].ObjectType; t != "" {
		return t
	}
	if defs != nil {
		return defs.RelationshipDefinitions[key].ObjectType
	}
	return ""
}

// relationshipLabel names a relationship as the organisation does.
func relationshipLabel(defs *lfclient.Definitions, key string) string {
	if defs != nil && defs.RelationshipDefinitions[key].Label != "" {
		return defs.RelationshipDefinitions[key].Label
	}
	return key
}

// shownName puts a name in a sentence a person reads: in quotation marks,
// as it is (quote escapes it for the model).
func shownName(name string) string {
	return "“" + name + "”"
}

// nonEmpty are the strings that are not empty.
func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

// plural is n and noun, in the plural unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
