package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// FindAccountsName is the tool's name.
const FindAccountsName = "find_accounts"

const (
	defaultFindLimit = 10
	maxQueryLength   = 200
)

const findAccountsDescription = `Find Lightfield accounts by name: exact matches first (every one, even beyond limit), then names starting with the query; each with its website and place, which tell apart accounts of one name. Read-only. Use it to get an account's ID, or to see which of several similar accounts is meant before create_opportunity.`

// findAccounts is the find_accounts tool.
func findAccounts(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            FindAccountsName,
			Title:           "Find accounts",
			Description:     findAccountsDescription,
			RawInputSchema:  baseSchema("schema.FindAccountsInput()", func() *jsonschema.Schema { return schema.FindAccountsInput() }),
			RawOutputSchema: baseSchema("schema.FindAccountsOutput()", func() *jsonschema.Schema { return schema.FindAccountsOutput() }),
			Annotations:     annotations("Find accounts", reads),
		},
		instructions: "find_accounts looks accounts up by name.",
		handle: func(ctx context.Context, o *org, _ mcp.CallToolRequest, raw json.RawMessage) *mcp.CallToolResult {
			var args schema.FindAccountsArgs
			ps := decodeArgs(raw, &args, map[string]string{"query": "must be a string: the account name or its beginning.", "limit": limitProblem})
			limit := checkQuery(&args.Query, args.Limit, "the account name or its beginning", &ps)
			if len(ps) > 0 {
				return mcp.NewToolResultError(problemsText(ps, FindAccountsName))
			}
			found, err := write.FindAccounts(ctx, o.Org, args.Query, limit)
			if err != nil {
				return mcp.NewToolResultError(s.lookupFailedText(ctx, "Accounts could not be listed", err))
			}
			result := schema.FindAccountsResult{Accounts: []schema.Account{}}
			for _, c := range found.Accounts {
				result.Accounts = append(result.Accounts, schema.Account{ID: c.ID, Name: c.Name, HTTPLink: c.Link, Website: c.Detail})
			}
			if len(result.Accounts) == 0 {
				return mcp.NewToolResultStructured(result, fmt.Sprintf("No account is named or starts with %s.", quote(args.Query)))
			}
			return mcp.NewToolResultStructured(result, accountsText(args.Query, limit, found))
		},
	}
}

// accountsText lists the accounts found, and says when there are more
// than the limit let through, or more named exactly so than it allowed.
func accountsText(query string, limit int, found write.FoundAccounts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d account(s) for %s:", len(found.Accounts), quote(query))
	for _, c := range found.Accounts {
		fmt.Fprintf(&b, "\n- %s", c.Describe())
	}
	if len(found.Accounts) > limit {
		fmt.Fprintf(&b, "\nThe accounts named exactly %s are listed even beyond the limit of %d, so that they can be told apart.", quote(query), limit)
	}
	switch {
	case found.More > 0 && limit < 25:
		fmt.Fprintf(&b, "\n%d more account(s) start with %s: call again with a higher limit (up to 25) to see them.", found.More, quote(query))
	case found.More > 0:
		fmt.Fprintf(&b, "\n%d more account(s) start with %s than one answer shows: send a longer query to narrow them down.", found.More, quote(query))
	}
	return b.String()
}

// searchedNothing is what a find tool did not do when Lightfield could
// not be reached.
const searchedNothing = "Nothing was searched, so nothing was found (and nothing was written)."

// lookupFailedText says why a find tool found nothing: Lightfield could
// not be reached (call again later), or what it answered.
func (s *Server) lookupFailedText(ctx context.Context, what string, err error) string {
	if why := s.unreachable(ctx, err, searchedNothing); why != "" {
		return why
	}
	return what + ": " + err.Error()
}

// decodeArgs decodes a tool's arguments into the struct its schema is
// reflected from (v points to it), field by field, so that every argument
// the struct does not have and every value of the wrong type is a problem,
// all at once; wrong says, by argument, what a value of the wrong type
// should have been.
func decodeArgs(raw json.RawMessage, v any, wrong map[string]string) write.Problems {
	var args map[string]json.RawMessage
	if err := json.Unmarshal(raw, &args); err != nil || args == nil {
		return write.Problems{{Path: "arguments", Message: "must be a JSON object as this tool's input schema describes."}}
	}
	var names []string
	fields := map[string]reflect.Value{}
	st := reflect.ValueOf(v).Elem()
	for i := range st.NumField() {
		name, _, _ := strings.Cut(st.Type().Field(i).Tag.Get("json"), ",")
		names = append(names, name)
		fields[name] = st.Field(i)
	}
	var ps write.Problems
	for _, name := range slices.Sorted(maps.Keys(args)) {
		field, ok := fields[name]
		switch {
		case !ok:
			ps = append(ps, write.Problem{Path: name, Message: "unknown argument. The arguments are " + strings.Join(names, ", ") + "."})
		case string(args[name]) == "null":
		default:
			if err := json.Unmarshal(args[name], field.Addr().Interface()); err != nil {
				ps = append(ps, write.Problem{Path: name, Message: wrong[name]})
			}
		}
	}
	return ps
}

// has reports whether ps names path already.
func has(ps write.Problems, path string) bool {
	return slices.ContainsFunc(ps, func(p write.Problem) bool { return p.Path == path })
}

// limitProblem is what a wrong limit is told.
const limitProblem = "must be a whole number from 1 to 25."

// checkQuery checks what every find tool takes, a query and a limit, and
// returns the limit (defaulted).
func checkQuery(query *string, limit *int, what string, ps *write.Problems) int {
	*query = strings.TrimSpace(*query)
	switch {
	case has(*ps, "query") || has(*ps, "arguments"):
	case *query == "":
		*ps = append(*ps, write.Problem{Path: "query", Message: "is required: " + what + "."})
	case len(*query) > maxQueryLength:
		*ps = append(*ps, write.Problem{Path: "query", Message: fmt.Sprintf("is longer than %d characters.", maxQueryLength)})
	}
	switch {
	case limit == nil || has(*ps, "limit"):
		return defaultFindLimit
	case *limit < 1 || *limit > 25:
		*ps = append(*ps, write.Problem{Path: "limit", Message: limitProblem})
	}
	return *limit
}
