package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/schema"
	"github.com/lightfield-mcp/lightfield-mcp/write"
)

// CreateContactName is the tool's name.
const CreateContactName = "create_contact"

const createContactDescription = `Find or create one contact (a person at a customer company) in Lightfield CRM.

Send fields: $name ({"firstName": …, "lastName": …}) and, whenever it is known, $email; other fields as this schema lists them. Send relationships.$account, the company the person works at, by ID or exact name (for a new company, create_account first). Before writing, the server looks for a contact with the same email (the whole address, case ignored), then for one with the same full name at that account: if one exists, nothing is written and that contact is returned with existing: true; if several do, they are listed and nothing is written. Otherwise the contact is created under an Idempotency-Key derived from the request, so repeating the call within 24 hours returns the same contact. A name with neither an email nor an account is refused: it cannot be told apart from other people of that name.

Use it for a person find_people does not find (a new champion or evaluator), then give the contact's ID or email in create_opportunity. dryRun: true shows what would happen without writing.`

// createContact is the create_contact tool: find or create a person at a
// customer.
func createContact(s *Server) tool {
	return tool{
		def: mcp.Tool{
			Name:            CreateContactName,
			Title:           "Create contact",
			Description:     createContactDescription,
			RawInputSchema:  baseSchema("write.Contact.Input(nil)", func() *jsonschema.Schema { return write.Contact.Input(nil) }),
			RawOutputSchema: baseSchema("schema.CreateContactOutput()", func() *jsonschema.Schema { return schema.CreateContactOutput() }),
			Annotations:     annotations("Create contact", creates),
		},
		kind:         write.Contact,
		instructions: "create_contact finds or creates a person at a customer (a contact): by email first, then by full name at the account they work at. It returns the existing contact instead of writing a second; a name with neither email nor account is refused.",
		handle: func(ctx context.Context, o *org, req mcp.CallToolRequest, args json.RawMessage) *mcp.CallToolResult {
			return s.contactResult(ctx, write.Create(ctx, o.Org, write.Contact, args, asker{ctx, req}))
		},
	}
}

// contactResult words what became of a create_contact call.
func (s *Server) contactResult(ctx context.Context, out *write.Outcome) *mcp.CallToolResult {
	if res := s.unfinished(ctx, CreateContactName, out); res != nil {
		return res
	}
	call := out.Call
	result := schema.CreateContactResult{IdempotencyKey: out.Key, Resolved: out.Resolved, FieldKeys: call.FieldKeys}
	switch out.Status {
	case write.Ambiguous:
		cs := make([]string, len(out.Existing))
		for i, rec := range out.Existing {
			cs[i] = write.ContactCandidate(rec).Describe()
		}
		return mcp.NewToolResultError(fmt.Sprintf("%d contacts already have this %s: %s. Nothing was written. Ask the person which one is meant and use its ID; if it is someone else, give their email.", len(cs), out.MatchedBy, strings.Join(cs, "; ")))
	case write.Existing:
		result.Contact = out.Record.Raw
		result.Existing, result.MatchedBy, result.Warnings = true, out.MatchedBy, out.Warnings
		c := write.ContactCandidate(write.RecordOf(out.Record))
		text := fmt.Sprintf("Contact %s already exists (same %s): nothing was written. Use its ID %s.", contactNamed(c), out.MatchedBy, token(c.ID))
		return mcp.NewToolResultStructured(result, text+link(out.Record.HTTPLink)+interpretationText(result.Resolved, result.FieldKeys)+warningsText(result.Warnings))
	case write.DryRun:
		result.DryRun, result.Request = true, &call.Params
		next, why := "\nCall again without dryRun to create it.", "No contact has this email, or this full name at the account, so "
		namesakes := namesakesText(out)
		if out.RepeatOf != "" {
			next, why, namesakes = "", "", "" // the namesake is the contact it created
		}
		text := dryRunText(CreateContactName, out, why) + namesakes
		text += interpretationText(result.Resolved, result.FieldKeys) + next + staleNote(out.Kind, out.Defs, out.DefsErr)
		return mcp.NewToolResultStructured(result, text)
	}
	result.Contact, result.Replayed, result.Warnings = out.Record.Raw, out.Replayed, out.Warnings
	c := write.ContactCandidate(write.RecordOf(out.Record))
	var b strings.Builder
	b.WriteString(writtenText(out, "nothing new was written"))
	fmt.Fprintf(&b, " %s. Use its ID %s in a deal's relationships (such as $champion).", contactNamed(c), token(c.ID))
	b.WriteString(link(out.Record.HTTPLink))
	b.WriteString(repeatText(out))
	text := b.String() + namesakesText(out) + interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings) + existingSearchNote(out, "Existing contacts could not be searched")
	return mcp.NewToolResultStructured(result, text+staleNote(out.Kind, out.Defs, out.DefsErr))
}

// contactNamed shows a contact: name, ID and email, and the accounts it
// works at.
func contactNamed(c write.Candidate) string {
	s := named(schema.Resolution{Name: c.Name, ID: c.ID, Email: c.Detail})
	if c.Where != "" {
		s += " " + c.Where
	}
	return s
}

// namesakesText names the contacts of the same name the search found at
// other accounts: the call did not match them, and the model should know
// they exist.
func namesakesText(out *write.Outcome) string {
	var others []string
	for _, rec := range out.Existing {
		if out.Record == nil || rec.ID != out.Record.ID {
			others = append(others, write.ContactCandidate(rec).Describe())
		}
	}
	if len(others) == 0 {
		return ""
	}
	return "\nContacts of the same name at other accounts, not matched: " + strings.Join(others, "; ") + ". If the person is one of them, use that contact's ID instead."
}
