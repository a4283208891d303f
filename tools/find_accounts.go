package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// FindAccountsName is the tool's name.
const FindAccountsName = "find_accounts"

const (
	defaultFindLimit = 10
	maxQueryLength   = 200
)

const findAccountsDescription = `Find Lightfield accounts by name: exact matches first, then names starting with the query. Read-only. Use it to get an account's ID, or to see which of several similar accounts is meant before create_opportunity.`

var findAccountsSpec = toolSpec{
	def: mcp.Tool{
		Name:            FindAccountsName,
		Title:           "Find accounts",
		Description:     findAccountsDescription,
		RawInputSchema:  schema.JSON(schema.FindAccountsInput()),
		RawOutputSchema: schema.JSON(schema.FindAccountsOutput()),
		Annotations:     readOnlyAnnotations("Find accounts"),
	},
	instructions: "find_accounts looks accounts up by name.",
}

func (s *Server) findAccounts(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	raw, err := arguments(req)
	if err != nil {
		return mcp.NewToolResultError("The arguments could not be read as JSON; send {\"query\": \"Acme\"}."), nil
	}
	query, limit, ps := checkFindArgs(raw)
	if len(ps) > 0 {
		return mcp.NewToolResultError(ps.text(FindAccountsName)), nil
	}
	o, err := s.orgFor(ctx)
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	exact, err := o.resolve.accountsNamed(ctx, "equal", query, limit)
	if err != nil {
		return s.findFailure(ctx, err), nil
	}
	prefix, err := o.resolve.accountsNamed(ctx, "startsWith", query, limit)
	if err != nil {
		return s.findFailure(ctx, err), nil
	}
	result := schema.FindAccountsResult{Accounts: []schema.Account{}}
	seen := map[string]bool{}
	for _, rec := range append(exact, prefix...) {
		if seen[rec.ID] || len(result.Accounts) >= limit {
			continue
		}
		seen[rec.ID] = true
		c := accountCandidate(rec)
		result.Accounts = append(result.Accounts, schema.Account{ID: c.ID, Name: c.Name, HTTPLink: c.Link, Website: c.Detail})
	}
	if len(result.Accounts) == 0 {
		return mcp.NewToolResultStructured(result, fmt.Sprintf("No account is named or starts with %s.", quote(query))), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d account(s) for %s:", len(result.Accounts), quote(query))
	for _, a := range result.Accounts {
		fmt.Fprintf(&b, "\n- %s", candidate{ID: a.ID, Name: a.Name, Detail: a.Website, Link: a.HTTPLink}.describe())
	}
	return mcp.NewToolResultStructured(result, b.String()), nil
}

// findFailure says why accounts could not be listed.
func (s *Server) findFailure(ctx context.Context, err error) *mcp.CallToolResult {
	if why := s.unreachable(ctx, err, "Nothing was searched, so nothing was found (and nothing was written)."); why != "" {
		return mcp.NewToolResultError(why)
	}
	return mcp.NewToolResultError(fmt.Sprintf("Accounts could not be listed: %s", listFailure("account", err)))
}

func checkFindArgs(raw json.RawMessage) (string, int, problems) {
	args, _, ps := checkQueryArgs(raw, []string{"query", "limit"}, `{"query": "Acme"}`)
	return args.query, args.limit, ps
}

// checkQueryArgs reads the arguments every find tool has (query, limit),
// refusing keys not in allowed; it returns the decoded object for the
// tool's own arguments, nil when it could not be read.
func checkQueryArgs(raw json.RawMessage, allowed []string, example string) (findArgs, map[string]any, problems) {
	var ps problems
	args := findArgs{limit: defaultFindLimit}
	obj, err := decodeObject(raw)
	if err != nil {
		ps.add("arguments", "must be a JSON object like %s (%v)", example, err)
		return args, nil, ps
	}
	for _, key := range sortedKeys(obj) {
		if !slices.Contains(allowed, key) {
			ps.add(key, "unknown argument. The arguments are %s.", strings.Join(allowed, ", "))
		}
	}
	query, ok := obj["query"].(string)
	args.query = strings.TrimSpace(query)
	switch {
	case !ok || args.query == "":
		ps.add("query", "is required: %s.", map[bool]string{true: "a name, part of a name, or an email", false: "the account name or its beginning"}[slices.Contains(allowed, "kind")])
	case len(args.query) > maxQueryLength:
		ps.add("query", "is longer than %d characters.", maxQueryLength)
	}
	switch v := obj["limit"].(type) {
	case nil:
	case json.Number:
		n, err := v.Int64()
		if err != nil || n < 1 || n > 25 {
			ps.add("limit", "must be a whole number from 1 to 25.")
		}
		args.limit = int(n)
	default:
		ps.add("limit", "must be a whole number from 1 to 25.")
	}
	return args, obj, ps
}
