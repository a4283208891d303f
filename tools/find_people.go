package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// FindPeopleName is the tool's name.
const FindPeopleName = "find_people"

const findPeopleDescription = `Find contacts (people at customers: champions, evaluators) and members (your workspace's people: owners) by email, full name, or first or last name alone; case and accents do not matter. Exact matches first, then one part of the name, then close names. account limits it to that account's contacts. Read-only.`

// findPeople is the find_people tool.
func findPeople(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            FindPeopleName,
			Title:           "Find people",
			Description:     findPeopleDescription,
			RawInputSchema:  baseSchema("schema.FindPeopleInput()", func() *jsonschema.Schema { return schema.FindPeopleInput() }),
			RawOutputSchema: baseSchema("schema.FindPeopleOutput()", func() *jsonschema.Schema { return schema.FindPeopleOutput() }),
			Annotations:     annotations("Find people", reads),
		},
		instructions: "find_people looks contacts and members up by any part of their name or email.",
		handle: func(ctx context.Context, o *org, _ mcp.CallToolRequest, raw json.RawMessage) *mcp.CallToolResult {
			q, ps := checkFindPeopleArgs(raw)
			if len(ps) > 0 {
				return mcp.NewToolResultError(problemsText(ps, FindPeopleName))
			}
			found, accountProblem, err := write.FindPeople(ctx, o.Org, q)
			switch {
			case err != nil:
				return mcp.NewToolResultError(s.peopleFailedText(ctx, err))
			case accountProblem != "":
				return mcp.NewToolResultError(problemsText(write.Problems{{Path: "account", Message: accountProblem}}, FindPeopleName))
			}
			return mcp.NewToolResultStructured(schema.FindPeopleResult{People: found.People}, peopleText(q, found))
		},
	}
}

// peopleFailedText says why find_people found nothing: Lightfield could
// not be reached (call again later), or what it answered.
func (s *Server) peopleFailedText(ctx context.Context, err error) string {
	var lookup *write.LookupError
	if errors.As(err, &lookup) && lookup.OfAccount {
		if why := s.unreachable(ctx, err, "The account's contacts were not read, so nobody was found (and nothing was written)."); why != "" {
			return why
		}
		return fmt.Sprintf("The account's contacts could not be read: %s.", err)
	}
	if why := s.unreachable(ctx, err, searchedNothing); why != "" {
		return why
	}
	return fmt.Sprintf("People could not be looked up: %s. Nothing was found or changed; call again, or send the person's ID.", err)
}

// kindProblem is what a wrong kind is told.
const kindProblem = "must be contact or member; leave it out for both."

func checkFindPeopleArgs(raw json.RawMessage) (write.PeopleQuery, write.Problems) {
	var args schema.FindPeopleArgs
	ps := decodeArgs(raw, &args, map[string]string{"query": "must be a string: a name, part of a name, or an email.", "limit": limitProblem,
		"kind": kindProblem, "account": "must be a string: the account's ID or exact name."})
	q := write.PeopleQuery{Kind: args.Kind, Account: strings.TrimSpace(args.Account)}
	q.Limit = checkQuery(&args.Query, args.Limit, "a name, part of a name, or an email", &ps)
	q.Query = args.Query
	if q.Kind != "" && q.Kind != "contact" && q.Kind != "member" && !has(ps, "kind") {
		ps = append(ps, write.Problem{Path: "kind", Message: kindProblem})
	}
	if args.Account != "" && (q.Account == "" || len(q.Account) > maxQueryLength) {
		ps = append(ps, write.Problem{Path: "account", Message: fmt.Sprintf("must be an account ID or exact name of 1 to %d characters; leave it out for everyone.", maxQueryLength)})
	}
	if q.Account != "" && q.Kind == "member" {
		ps = append(ps, write.Problem{Path: "account", Message: "applies to contacts only; members belong to your workspace, not to an account."})
	}
	return q, ps
}

func peopleText(q write.PeopleQuery, found write.PeopleFound) string {
	people := found.People
	what := map[string]string{"": "contact or member", "contact": "contact", "member": "member"}[q.Kind]
	many := map[string]string{"": "people", "contact": "contacts", "member": "members"}[q.Kind]
	if len(people) == 1 {
		many = map[string]string{"": "person", "contact": "contact", "member": "member"}[q.Kind]
	}
	where := ""
	if q.Account != "" {
		where = " at " + quote(q.Account)
	}
	if len(people) == 0 {
		return fmt.Sprintf("No %s%s matches %s or has a similar name. Ask the person for the email, or check the spelling.", what, where, quote(q.Query))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s%s for %s, best first:", len(people), many, where, quote(q.Query))
	for _, p := range people {
		about := []string{p.Kind}
		if p.Email != "" {
			about = append(about, token(p.Email))
		}
		for _, a := range p.Accounts {
			account, ok := found.Accounts[a.ID]
			if !ok {
				account = write.Candidate{ID: a.ID}
			}
			about = append(about, "at "+account.Workplace())
		}
		fmt.Fprintf(&b, "\n- %s %s (%s) %s; matched by %s.", quote(p.Name), token(p.ID), strings.Join(about, ", "), token(p.HTTPLink), p.MatchedBy)
	}
	return b.String()
}
