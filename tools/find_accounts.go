package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

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

const findAccountsDescription = `Find Lightfield accounts by name: exact matches first, then names starting with the query. Read-only. Use it to get an account's ID, or to see which of several similar accounts is meant before create_opportunity.`

// findAccounts is the find_accounts tool.
func findAccounts(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            FindAccountsName,
			Title:           "Find accounts",
			Description:     findAccountsDescription,
			RawInputSchema:  schema.JSON(schema.FindAccountsInput()),
			RawOutputSchema: schema.JSON(schema.FindAccountsOutput()),
			Annotations:     annotations("Find accounts", reads),
		},
		instructions: "find_accounts looks accounts up by name.",
		handle: func(ctx context.Context, o *org, _ mcp.CallToolRequest, raw json.RawMessage) *mcp.CallToolResult {
			var args schema.FindAccountsArgs
			ps := decodeArgs(raw, &args)
			limit := checkQuery(&args.Query, args.Limit, "the account name or its beginning", &ps)
			if len(ps) > 0 {
				return mcp.NewToolResultError(problemsText(ps, FindAccountsName))
			}
			found, err := write.FindAccounts(ctx, o.Org, args.Query, limit)
			if err != nil {
				return mcp.NewToolResultError(s.lookupFailedText(ctx, "Accounts could not be listed", err))
			}
			result := schema.FindAccountsResult{Accounts: []schema.Account{}}
			for _, c := range found {
				result.Accounts = append(result.Accounts, schema.Account{ID: c.ID, Name: c.Name, HTTPLink: c.Link, Website: c.Detail})
			}
			if len(result.Accounts) == 0 {
				return mcp.NewToolResultStructured(result, fmt.Sprintf("No account is named or starts with %s.", quote(args.Query)))
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%d account(s) for %s:", len(result.Accounts), quote(args.Query))
			for _, c := range found {
				fmt.Fprintf(&b, "\n- %s", c.Describe())
			}
			return mcp.NewToolResultStructured(result, b.String())
		},
	}
}

// lookupFailedText says why a find tool found nothing: Lightfield could
// not be reached (call again later), or what it answered.
func (s *Server) lookupFailedText(ctx context.Context, what string, err error) string {
	if why := s.unreachable(ctx, err, "Nothing was searched, so nothing was found (and nothing was written)."); why != "" {
		return why
	}
	return what + ": " + err.Error()
}

// decodeArgs decodes a tool's arguments into the struct its schema is
// reflected from: an argument the struct does not have, or of the wrong
// type, is a problem.
func decodeArgs(raw json.RawMessage, v any) write.Problems {
	var ps write.Problems
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &typeErr):
		ps = append(ps, write.Problem{Path: typeErr.Field, Message: fmt.Sprintf("must be %s.", kindOf(typeErr.Type))})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		ps = append(ps, write.Problem{Path: name, Message: "unknown argument. The arguments are " + strings.Join(jsonNames(v), ", ") + "."})
	default:
		ps = append(ps, write.Problem{Path: "arguments", Message: fmt.Sprintf("must be a JSON object as this tool's schema describes (%v)", err)})
	}
	return ps
}

// kindOf names a Go type as JSON calls it.
func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "a whole number from 1 to 25"
	case reflect.Bool:
		return "true or false"
	}
	return "an object"
}

// jsonNames lists the JSON names of a struct's fields.
func jsonNames(v any) []string {
	t := reflect.TypeOf(v).Elem()
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return names
}

// checkQuery checks what every find tool takes, a query and a limit, and
// returns the limit (defaulted).
func checkQuery(query *string, limit *int, what string, ps *write.Problems) int {
	*query = strings.TrimSpace(*query)
	switch {
	case *query == "":
		*ps = append(*ps, write.Problem{Path: "query", Message: "is required: " + what + "."})
	case len(*query) > maxQueryLength:
		*ps = append(*ps, write.Problem{Path: "query", Message: fmt.Sprintf("is longer than %d characters.", maxQueryLength)})
	}
	switch {
	case limit == nil:
		return defaultFindLimit
	case *limit < 1 || *limit > 25:
		*ps = append(*ps, write.Problem{Path: "limit", Message: "must be a whole number from 1 to 25."})
	}
	return *limit
}
