package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// FindOpportunitiesName is the tool's name.
const FindOpportunitiesName = "find_opportunities"

const findOpportunitiesDescription = `Find deals (opportunities) by any of: part of the name (every word must begin a word of the name; case, accents and dashes do not matter), account (ID or exact name), stage (label), owner (member by email or name), close dates (closeAfter, closeBefore) or creation (createdSince); a deal must meet all those given. Best matches first, the newest first among equals; says what it searched and when more deals exist than it read. Deals this server wrote moments ago are found too. Read-only. Use it to check whether a deal was logged already before create_opportunity, or to get a deal's ID.`

// findOpportunities is the find_opportunities tool.
func findOpportunities(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            FindOpportunitiesName,
			Title:           "Find deals",
			Description:     findOpportunitiesDescription,
			RawInputSchema:  baseSchema("schema.FindOpportunitiesInput()", func() *jsonschema.Schema { return schema.FindOpportunitiesInput() }),
			RawOutputSchema: baseSchema("schema.FindOpportunitiesOutput()", func() *jsonschema.Schema { return schema.FindOpportunitiesOutput() }),
			Annotations:     annotations("Find deals", reads),
		},
		card:         true,
		instructions: "find_opportunities looks deals up by part of their name, account, stage, owner, close dates or creation date: use it to answer whether a deal was logged already.",
		handle: func(ctx context.Context, o *org, _ mcp.CallToolRequest, raw json.RawMessage) *mcp.CallToolResult {
			q, ps := checkFindOpportunitiesArgs(raw)
			if len(ps) > 0 {
				return s.withCard(ctx, mcp.NewToolResultError(problemsText(ps, FindOpportunitiesName)), refusedCard(FindOpportunitiesName, ps, raw))
			}
			found, ps, err := write.FindOpportunities(ctx, o.Org, q)
			switch {
			case err != nil:
				return s.withCard(ctx, mcp.NewToolResultError(s.lookupFailedText(ctx, "Deals could not be searched", err)), failedCard(FindOpportunitiesName))
			case len(ps) > 0:
				return s.withCard(ctx, mcp.NewToolResultError(problemsText(ps, FindOpportunitiesName)), refusedCard(FindOpportunitiesName, ps, raw))
			}
			result := schema.FindOpportunitiesResult{Opportunities: found.Deals, Total: found.Matched, More: found.Matched > len(found.Deals),
				Scanned: found.Read, CutShort: found.CutShort, Searched: searchedText(found)}
			return s.withCard(ctx, mcp.NewToolResultStructured(result, dealsText(q, result)), func() *card {
				defs, _ := o.Definitions(write.Opportunity).Held()
				return findCard(found, result.Searched, defs)
			})
		},
	}
}

// checkFindOpportunitiesArgs decodes the arguments and checks what needs
// no organisation: types, lengths, the limit, and that at least one
// criterion is given.
func checkFindOpportunitiesArgs(raw json.RawMessage) (write.OpportunityQuery, write.Problems) {
	var args schema.FindOpportunitiesArgs
	day := "must be a day as a string: YYYY-MM-DD."
	ps := decodeArgs(raw, &args, map[string]string{"query": "must be a string: words of the deal's name.", "account": "must be a string: the account's ID or exact name.",
		"stage": "must be a string: the stage's label, such as Negotiation.", "owner": "must be a string: the owner's ID, email or name.",
		"closeAfter": day, "closeBefore": day, "createdSince": "must be a string: YYYY-MM-DD or ISO 8601 with offset.", "limit": limitProblem})
	q := write.OpportunityQuery{Limit: defaultFindLimit}
	criteria := []struct {
		path string
		in   string
		out  *string
	}{{"query", args.Query, &q.Query}, {"account", args.Account, &q.Account}, {"stage", args.Stage, &q.Stage}, {"owner", args.Owner, &q.Owner},
		{"closeAfter", args.CloseAfter, &q.CloseAfter}, {"closeBefore", args.CloseBefore, &q.CloseBefore}, {"createdSince", args.CreatedSince, &q.CreatedSince}}
	given := false
	for _, c := range criteria {
		*c.out = strings.TrimSpace(c.in)
		given = given || *c.out != "" || has(ps, c.path)
		if len(*c.out) > maxQueryLength {
			ps = append(ps, write.Problem{Path: c.path, Message: fmt.Sprintf("is longer than %d characters.", maxQueryLength)})
		}
	}
	if !given && !has(ps, "arguments") {
		ps = append(ps, write.Problem{Path: "arguments", Message: "give at least one of query, account, stage, owner, closeAfter, closeBefore or createdSince (for the latest deals, createdSince with a recent day)."})
	}
	if args.Limit != nil && !has(ps, "limit") {
		if *args.Limit < 1 || *args.Limit > 25 {
			ps = append(ps, write.Problem{Path: "limit", Message: limitProblem})
		}
		q.Limit = *args.Limit
	}
	return q, ps
}

// dealsText words what was found: the deals, best first, then what was
// searched.
func dealsText(q write.OpportunityQuery, r schema.FindOpportunitiesResult) string {
	var b strings.Builder
	switch {
	case len(r.Opportunities) == 0:
		fmt.Fprintf(&b, "No deal matches %s.", criteriaText(q))
	case r.More:
		fmt.Fprintf(&b, "%d deals match %s; the best %d:", r.Total, criteriaText(q), len(r.Opportunities))
	default:
		fmt.Fprintf(&b, "%s %s, best first:", howMany(r.Total, "deal matches", "deals match"), criteriaText(q))
	}
	for _, d := range r.Opportunities {
		fmt.Fprintf(&b, "\n- %s", dealLine(d))
	}
	b.WriteString("\n" + r.Searched)
	return b.String()
}

// criteriaText names the criteria given.
func criteriaText(q write.OpportunityQuery) string {
	var parts []string
	for _, c := range []struct{ what, value string }{{"name", q.Query}, {"account", q.Account}, {"stage", q.Stage}, {"owner", q.Owner},
		{"closing on or after", q.CloseAfter}, {"closing on or before", q.CloseBefore}, {"created since", q.CreatedSince}} {
		if c.value != "" {
			parts = append(parts, c.what+" "+quote(c.value))
		}
	}
	return strings.Join(parts, ", ")
}

// dealLine shows one deal: name, ID, stage, amount, account, owner,
// dates, link, and how its name matched.
func dealLine(d schema.FoundOpportunity) string {
	var about []string
	if d.Stage != "" {
		about = append(about, quote(d.Stage))
	}
	if d.Amount != nil {
		about = append(about, strings.TrimSpace(strconv.FormatFloat(*d.Amount, 'f', -1, 64)+" "+d.Currency))
	}
	if d.Account != nil {
		about = append(about, "account "+nameAndID(d.Account.Name, d.Account.ID))
	}
	if d.Owner != nil {
		about = append(about, "owner "+nameAndID(d.Owner.Name, d.Owner.ID))
	}
	if d.CloseDate != "" {
		about = append(about, "closing "+d.CloseDate)
	}
	about = append(about, "created "+token(d.CreatedAt))
	line := fmt.Sprintf("%s %s (%s) %s", quote(d.Name), token(d.ID), strings.Join(about, ", "), token(d.HTTPLink))
	if d.MatchedBy != "" {
		line += "; matched by " + d.MatchedBy
	}
	return line + "."
}

// nameAndID shows a record by name and ID, or by ID alone when its name could
// not be read.
func nameAndID(name, id string) string {
	if name == "" {
		return token(id)
	}
	return quote(name) + " " + token(id)
}

// howMany words n things, one or many.
func howMany(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// searchedText says what was searched: where the deals came from, what
// Lightfield filtered and what was checked here, and when the scan was cut
// short, how to narrow it.
func searchedText(s *write.DealSearch) string {
	var b strings.Builder
	b.WriteString("Searched: ")
	if s.ByAccount {
		fmt.Fprintf(&b, "the %s of account %s, read by ID", howMany(s.AccountDeals, "deal", "deals"), nameAndID(s.Account.Name, s.Account.ID))
	} else {
		filters := "no filter"
		if len(s.Filters) > 0 {
			filters = strings.Join(s.Filters, " and ")
		}
		fmt.Fprintf(&b, "Lightfield's list of deals with %s, which holds %d; read %s of it", filters, s.Listed, howMany(s.Pages, "page", "pages"))
		if s.Prefix != "" {
			fmt.Fprintf(&b, ", and the first page of the %d whose names start with %s", s.PrefixListed, quote(s.Prefix))
		}
		switch {
		case s.Account != nil && s.AccountDeals < 0:
			fmt.Fprintf(&b, " (account %s does not list its deals)", nameAndID(s.Account.Name, s.Account.ID))
		case s.Account != nil:
			fmt.Fprintf(&b, " (account %s has %d deals, too many to read one by one)", nameAndID(s.Account.Name, s.Account.ID), s.AccountDeals)
		}
	}
	if s.Recent > 0 {
		fmt.Fprintf(&b, "; and by ID, the %s this server wrote in the last minutes (lists show new deals seconds late)", howMany(s.Recent, "deal", "deals"))
	}
	fmt.Fprintf(&b, ": %s read in all", howMany(s.Read, "deal", "deals"))
	if len(s.Here) > 0 {
		fmt.Fprintf(&b, ", checked here for %s", strings.Join(s.Here, ", "))
	}
	b.WriteString(".")
	if s.CutShort {
		fmt.Fprintf(&b, " The scan was cut short: one call reads at most %d pages of %d deals, so %d deals were not read and a deal not shown may exist. Narrow the search with stage, closeAfter or closeBefore, which Lightfield filters, or with account.", s.Pages, lfclient.MaxPageSize, s.Listed-lfclient.MaxPageSize*s.Pages)
	}
	return b.String()
}
