// Package schema holds the Go types of the tools and builds their JSON
// Schemas: reflected from these types with invopop/jsonschema, then, for the
// create tools, refined with an organisation's field definitions. It does no
// I/O.
package schema

import (
	"encoding/json"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// CreateOpportunityArgs is the input of create_opportunity. The handler reads
// fields and relationships as open maps checked against live definitions; this
// type is the source of the published schema.
type CreateOpportunityArgs struct {
	Fields         Fields        `json:"fields" jsonschema:"description=Field values by key. System keys start with $; custom keys are bare slugs."`
	Relationships  Relationships `json:"relationships" jsonschema:"description=Related records by key: one record per HAS_ONE relationship or an array for HAS_MANY. Each is given by Lightfield ID or as its property says (an account by exact name; a person by email or name)."`
	IdempotencyKey string        `json:"idempotencyKey,omitempty" jsonschema:"maxLength=255,description=Optional. Replaces the default key (derived from the request) that makes repeating this exact call within 24 hours return the first opportunity instead of creating another. Send a new value only to create a deliberate second copy."`
	DryRun         bool          `json:"dryRun,omitempty" jsonschema:"description=Optional. true checks the arguments and returns the exact request body without creating anything."`
	AllowDuplicate bool          `json:"allowDuplicate,omitempty" jsonschema:"description=Optional. An opportunity with the same name on the same account is refused as a likely duplicate; true creates it anyway."`
	Note           *NoteArgs     `json:"note,omitempty" jsonschema:"description=Optional. A note to keep with the deal (what was said\\, needs\\, budget)\\, created after the opportunity and linked to it and its account."`
	FollowUp       *FollowUpArgs `json:"followUp,omitempty" jsonschema:"description=Optional. A follow-up task (status TODO)\\, created after the opportunity and linked to it and its account."`
	New            NewRecords    `json:"new,omitempty" jsonschema:"description=Optional. Only for a customer or person the rep says is new or gave details of: by relationship key\\, the record to find or create (a contact at the deal's account) and link; an existing match is used."`
}

// NewRecords describes, by relationship key, accounts and contacts to find
// or create and link; which keys exist comes from definitions.
type NewRecords map[string]any

// NoteArgs is the note create_opportunity may add to the deal.
type NoteArgs struct {
	Title   string `json:"title" jsonschema:"minLength=1,description=A short title for the note."`
	Content string `json:"content,omitempty" jsonschema:"description=Optional. The note in markdown."`
}

// FollowUpArgs is the follow-up task create_opportunity may add to the deal.
type FollowUpArgs struct {
	Title    string `json:"title" jsonschema:"minLength=1,description=What is to be done\\, e.g. Send the proposal."`
	Due      string `json:"due,omitempty" jsonschema:"description=Optional. When it is due: YYYY-MM-DD (sent as 12:00 UTC that day) or ISO 8601 with offset."`
	Assignee string `json:"assignee,omitempty" jsonschema:"description=Optional. The member who is to do it: their ID (mem_…)\\, email\\, full name\\, or first or last name alone. The deal's owner when left out."`
}

// UpdateOpportunityArgs is the input of update_opportunity. Fields and
// relationships are the organisation's own, as for create_opportunity.
type UpdateOpportunityArgs struct {
	Opportunity    string              `json:"opportunity" jsonschema:"minLength=1,description=The deal to change: its ID (opp_…) or its name as find_opportunities shows it."`
	Account        string              `json:"account,omitempty" jsonschema:"description=Optional. The deal's account (ID or exact name)\\, to tell apart deals of the same name."`
	Fields         UpdateFields        `json:"fields,omitempty" jsonschema:"description=Optional. Fields to set\\, by key or label\\, as create_opportunity takes them; each replaces the deal's value (null clears one). Leave out what does not change."`
	Relationships  UpdateRelationships `json:"relationships,omitempty" jsonschema:"description=Optional. Related records\\, as create_opportunity takes them. A one-record relationship (owner\\, account) is replaced; people given for a many-record one (champions\\, evaluators) are added to those the deal has\\, none dropped."`
	Remove         map[string][]string `json:"remove,omitempty" jsonschema:"description=Optional. People to take off a many-record relationship: key → names\\, emails or IDs. Only they are removed."`
	New            NewRecords          `json:"new,omitempty" jsonschema:"description=Optional. As for create_opportunity: people the rep says are new\\, to find or create and link."`
	Note           *NoteArgs           `json:"note,omitempty" jsonschema:"description=Optional. A note added to the deal (what was said)\\, linked to it and its account."`
	FollowUp       *FollowUpArgs       `json:"followUp,omitempty" jsonschema:"description=Optional. A follow-up task (status TODO) added to the deal\\, assigned to its owner unless an assignee is given."`
	IdempotencyKey string              `json:"idempotencyKey,omitempty" jsonschema:"maxLength=255,description=Optional. Replaces the default key\\, derived from the deal's current version and the change."`
	DryRun         bool                `json:"dryRun,omitempty" jsonschema:"description=Optional. true reads the deal and shows what would change (before → after) and the exact request body\\, writing nothing."`
}

// UpdateFields are the fields an update sets. Only the fields every
// organisation has are declared; the rest come from definitions.
type UpdateFields struct {
	Name  string `json:"$name,omitempty" jsonschema:"description=The deal's new name."`
	Stage string `json:"$stage,omitempty" jsonschema:"description=The new pipeline stage: an option label (or option ID) of the stage field."`
}

// UpdateRelationships are the relationships an update changes. Only
// $account is declared; the rest come from definitions.
type UpdateRelationships struct {
	Account string `json:"$account,omitempty" jsonschema:"description=Another account for the deal: its ID (acc_…) or its exact name."`
}

// UpdateOpportunityResult is the structuredContent of update_opportunity.
type UpdateOpportunityResult struct {
	Opportunity    json.RawMessage         `json:"opportunity,omitempty" jsonschema:"description=The deal as Lightfield returned it after the change (as read\\, when nothing changed or on a dry run)."`
	Changes        []Change                `json:"changes" jsonschema:"description=What changed (or on a dry run would change)\\, before → after."`
	Unchanged      []string                `json:"unchanged,omitempty" jsonschema:"description=What was asked but already so (a person already linked\\, a value already set\\, a person to remove who was not linked)."`
	DryRun         bool                    `json:"dryRun,omitempty" jsonschema:"description=true when nothing was sent."`
	Requests       []lfclient.UpdateParams `json:"requests,omitempty" jsonschema:"description=On a dry run: the exact JSON bodies that would be sent to POST /v1/opportunities/{id}\\, in order: two when people are both taken off and added to one relationship (absent when nothing would change)."`
	Note           json.RawMessage         `json:"note,omitempty" jsonschema:"description=The note as Lightfield returned it\\, when one was asked for and created."`
	FollowUp       json.RawMessage         `json:"followUp,omitempty" jsonschema:"description=The follow-up task as Lightfield returned it\\, when one was asked for and created."`
	Incomplete     []string                `json:"incomplete,omitempty" jsonschema:"description=Parts asked for that could not be created (note\\, followUp); repeating the same call creates each once."`
	IdempotencyKey string                  `json:"idempotencyKey,omitempty" jsonschema:"description=The Idempotency-Key used (or that would be used)."`
	Resolved       []Resolution            `json:"resolved,omitempty" jsonschema:"description=Each value given by name or email and the record it was resolved to."`
	FieldKeys      []FieldKey              `json:"fieldKeys,omitempty" jsonschema:"description=Each field or relationship given by its label and the key it was read as."`
	Warnings       []string                `json:"warnings,omitempty" jsonschema:"description=Values Lightfield did not store as sent; check them."`
}

// Change is one field or relationship an update changed.
type Change struct {
	Key    string `json:"key" jsonschema:"description=The field or relationship key\\, such as $stage."`
	Label  string `json:"label"`
	Before string `json:"before" jsonschema:"description=The value before\\, by label or name (empty when unset)."`
	After  string `json:"after" jsonschema:"description=The value after\\, by label or name (empty when cleared)."`
}

// CreateAccountArgs is the input of create_account.
type CreateAccountArgs struct {
	Fields         AccountFields        `json:"fields" jsonschema:"description=Field values by key. System keys start with $; custom keys are bare slugs."`
	Relationships  AccountRelationships `json:"relationships,omitempty" jsonschema:"description=Optional. Related records by key: the owner; contacts. Each is given by Lightfield ID or as its property says (a person by email or name)."`
	IdempotencyKey string               `json:"idempotencyKey,omitempty" jsonschema:"maxLength=255,description=Optional. Replaces the default key (derived from the request) that makes repeating this exact call within 24 hours return the first account instead of creating another."`
	DryRun         bool                 `json:"dryRun,omitempty" jsonschema:"description=Optional. true checks the arguments and looks for an existing account\\, and returns the exact request body without creating anything."`
}

// AccountRelationships are the account's related records; the rest come
// from definitions.
type AccountRelationships struct {
	Owner string `json:"$owner,omitempty" jsonschema:"description=The member who owns the account: their ID (mem_…)\\, email\\, full name\\, or first or last name alone."`
}

// AccountFields are the account's field values. Only the fields every
// organisation has are declared; the rest come from definitions.
type AccountFields struct {
	Name    string `json:"$name" jsonschema:"minLength=1,description=The company's name."`
	Website string `json:"$website,omitempty" jsonschema:"description=Recommended: the company's website (Lightfield enriches an account that has one)."`
}

// Fields are the opportunity's field values. Only the fields every
// organisation has are declared; the rest come from definitions.
type Fields struct {
	Name  string `json:"$name" jsonschema:"minLength=1,description=Name of the opportunity (the deal)."`
	Stage string `json:"$stage" jsonschema:"description=Pipeline stage: an option label (or option ID) of the stage field."`
}

// Relationships are the opportunity's related records. Only $account, which
// every create needs, is declared; the rest come from definitions.
type Relationships struct {
	Account string `json:"$account" jsonschema:"description=The account the deal is with: its ID (acc_…) or its exact name."`
}

// Address is the value of an ADDRESS field; every key is optional.
type Address struct {
	Street     string  `json:"street,omitempty" jsonschema:"description=Street address line 1."`
	Street2    string  `json:"street2,omitempty" jsonschema:"description=Street address line 2."`
	City       string  `json:"city,omitempty"`
	State      string  `json:"state,omitempty" jsonschema:"description=State or province."`
	PostalCode string  `json:"postalCode,omitempty"`
	Country    string  `json:"country,omitempty" jsonschema:"pattern=^[A-Z]{2}$,description=ISO 3166-1 alpha-2 country code such as US or DE."`
	Latitude   float64 `json:"latitude,omitempty"`
	Longitude  float64 `json:"longitude,omitempty"`
}

// FullName is the value of a FULL_NAME field.
type FullName struct {
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

// CreateOpportunityResult is the structuredContent of a create_opportunity
// result: the created opportunity, or for a dry run the request it would send.
type CreateOpportunityResult struct {
	Opportunity     json.RawMessage        `json:"opportunity,omitempty" jsonschema:"description=The opportunity exactly as Lightfield returned it (absent on a dry run)."`
	DryRun          bool                   `json:"dryRun,omitempty" jsonschema:"description=true when nothing was sent."`
	Replayed        bool                   `json:"replayed,omitempty" jsonschema:"description=true when the opportunity existed before this call (an earlier call with the same Idempotency-Key created it): nothing new was written."`
	Request         *lfclient.CreateParams `json:"request,omitempty" jsonschema:"description=On a dry run: the exact JSON body that would be sent to POST /v1/opportunities."`
	Note            json.RawMessage        `json:"note,omitempty" jsonschema:"description=The note as Lightfield returned it\\, when one was asked for and created."`
	FollowUp        json.RawMessage        `json:"followUp,omitempty" jsonschema:"description=The follow-up task as Lightfield returned it\\, when one was asked for and created."`
	NoteRequest     *lfclient.CreateParams `json:"noteRequest,omitempty" jsonschema:"description=On a dry run: the body that would be sent to POST /v1/notes (the opportunity's ID is filled in once it exists)."`
	FollowUpRequest *lfclient.CreateParams `json:"followUpRequest,omitempty" jsonschema:"description=On a dry run: the body that would be sent to POST /v1/tasks (the opportunity's ID is filled in once it exists)."`
	Incomplete      []string               `json:"incomplete,omitempty" jsonschema:"description=Parts asked for that could not be created (note\\, followUp) although the opportunity exists; repeating the same call creates each once."`
	IdempotencyKey  string                 `json:"idempotencyKey" jsonschema:"description=The Idempotency-Key used (or that would be used). Repeating the call with it is safe."`
	Resolved        []Resolution           `json:"resolved,omitempty" jsonschema:"description=Each relationship value given by name or email and the record it was resolved to."`
	FieldKeys       []FieldKey             `json:"fieldKeys,omitempty" jsonschema:"description=Each field or relationship given by its label and the key it was read as."`
	Warnings        []string               `json:"warnings,omitempty" jsonschema:"description=Values Lightfield did not store as sent (or a likely duplicate on a dry run); check them."`
}

// CreateAccountResult is the structuredContent of a create_account result:
// the account found or created, or for a dry run the request it would send.
type CreateAccountResult struct {
	Account        json.RawMessage        `json:"account,omitempty" jsonschema:"description=The account: the existing one when existing is true\\, else as Lightfield returned it on create (absent on a dry run)."`
	Existing       bool                   `json:"existing,omitempty" jsonschema:"description=true when an account with the same name or website domain already existed: nothing was written\\, and this is it."`
	MatchedBy      string                 `json:"matchedBy,omitempty" jsonschema:"description=When existing: how it matched\\, name or website domain."`
	DryRun         bool                   `json:"dryRun,omitempty" jsonschema:"description=true when nothing was sent."`
	Replayed       bool                   `json:"replayed,omitempty" jsonschema:"description=true when an earlier call with the same Idempotency-Key created the account: nothing new was written."`
	Request        *lfclient.CreateParams `json:"request,omitempty" jsonschema:"description=On a dry run: the exact JSON body that would be sent to POST /v1/accounts."`
	IdempotencyKey string                 `json:"idempotencyKey,omitempty" jsonschema:"description=The Idempotency-Key used (or that would be used). Repeating the call with it is safe."`
	Resolved       []Resolution           `json:"resolved,omitempty" jsonschema:"description=Each relationship value given by name or email and the record it was resolved to."`
	FieldKeys      []FieldKey             `json:"fieldKeys,omitempty" jsonschema:"description=Each field or relationship given by its label and the key it was read as."`
	Warnings       []string               `json:"warnings,omitempty" jsonschema:"description=Values Lightfield did not store as sent; check them."`
}

// CreateContactArgs is the input of create_contact.
type CreateContactArgs struct {
	Fields         ContactFields        `json:"fields" jsonschema:"description=Field values by key. System keys start with $; custom keys are bare slugs."`
	Relationships  ContactRelationships `json:"relationships,omitempty" jsonschema:"description=Related records by key: the account the person works at. Each is given by Lightfield ID or as its property says (an account by exact name)."`
	IdempotencyKey string               `json:"idempotencyKey,omitempty" jsonschema:"maxLength=255,description=Optional. Replaces the default key (derived from the request) that makes repeating this exact call within 24 hours return the first contact instead of creating another."`
	DryRun         bool                 `json:"dryRun,omitempty" jsonschema:"description=Optional. true checks the arguments and looks for an existing contact\\, and returns the exact request body without creating anything."`
}

// ContactFields are the contact's field values. Only the fields every
// organisation has are declared; the rest come from definitions.
type ContactFields struct {
	Name  FullName `json:"$name" jsonschema:"description=The person's first and last name."`
	Email []string `json:"$email,omitempty" jsonschema:"description=The person's email addresses. Recommended: a contact is found by email first."`
}

// ContactRelationships are the contact's related records; the rest come
// from definitions.
type ContactRelationships struct {
	Account []string `json:"$account,omitempty" jsonschema:"description=The account (company) the person works at: its ID (acc_…) or its exact name. Needed when no email is given."`
}

// CreateContactResult is the structuredContent of a create_contact result:
// the contact found or created, or for a dry run the request it would send.
type CreateContactResult struct {
	Contact        json.RawMessage        `json:"contact,omitempty" jsonschema:"description=The contact: the existing one when existing is true\\, else as Lightfield returned it on create (absent on a dry run)."`
	Existing       bool                   `json:"existing,omitempty" jsonschema:"description=true when a contact with the same email\\, or the same full name at the same account\\, already existed: nothing was written\\, and this is it."`
	MatchedBy      string                 `json:"matchedBy,omitempty" jsonschema:"description=When existing: how it matched\\, email or full name at the account."`
	DryRun         bool                   `json:"dryRun,omitempty" jsonschema:"description=true when nothing was sent."`
	Replayed       bool                   `json:"replayed,omitempty" jsonschema:"description=true when an earlier call with the same Idempotency-Key created the contact: nothing new was written."`
	Request        *lfclient.CreateParams `json:"request,omitempty" jsonschema:"description=On a dry run: the exact JSON body that would be sent to POST /v1/contacts."`
	IdempotencyKey string                 `json:"idempotencyKey,omitempty" jsonschema:"description=The Idempotency-Key used (or that would be used). Repeating the call with it is safe."`
	Resolved       []Resolution           `json:"resolved,omitempty" jsonschema:"description=Each relationship value given by name or email and the record it was resolved to."`
	FieldKeys      []FieldKey             `json:"fieldKeys,omitempty" jsonschema:"description=Each field or relationship given by its label and the key it was read as."`
	Warnings       []string               `json:"warnings,omitempty" jsonschema:"description=Values Lightfield did not store as sent; for an existing contact\\, the emails and accounts given that it lacks (nothing is changed on it). Check them."`
}

// Resolution records a relationship value and the record it names: given
// by name or email and resolved, or given by ID and looked up.
type Resolution struct {
	Relationship string `json:"relationship" jsonschema:"description=The relationship key such as $account."`
	Input        string `json:"input" jsonschema:"description=The value as given."`
	ID           string `json:"id" jsonschema:"description=The ID sent."`
	Name         string `json:"name" jsonschema:"description=The record's display name."`
	Email        string `json:"email,omitempty" jsonschema:"description=A person's email."`
	Website      string `json:"website,omitempty" jsonschema:"description=An account's website."`
	MatchedBy    string `json:"matchedBy" jsonschema:"description=How the value named the record: ID; exact name; email; full name; first name; last name; or email name (the part before the @). It ends in at the deal's account when the person was found among that account's contacts."`
}

// FieldKey records a field or relationship given by its label.
type FieldKey struct {
	Input string `json:"input"`
	Key   string `json:"key"`
}

// FindAccountsArgs is the input of find_accounts.
type FindAccountsArgs struct {
	Query string `json:"query" jsonschema:"minLength=1,description=The account name or its beginning."`
	Limit *int   `json:"limit,omitempty" jsonschema:"minimum=1,maximum=25,description=Optional. How many accounts at most (default 10)."`
}

// FindAccountsResult is the structuredContent of find_accounts.
type FindAccountsResult struct {
	Accounts []Account `json:"accounts" jsonschema:"description=Exact name matches first and then names starting with the query."`
}

// Account is an account as find_accounts returns it.
type Account struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	HTTPLink string `json:"httpLink"`
	Website  string `json:"website,omitempty"`
}

// FindPeopleArgs is the input of find_people.
type FindPeopleArgs struct {
	Query   string `json:"query" jsonschema:"minLength=1,description=A name as people say it (full name; or first or last name alone) or an email."`
	Kind    string `json:"kind,omitempty" jsonschema:"enum=contact,enum=member,description=Optional. contact: people at customers (champions and evaluators). member: people of your own workspace (owners). Both when left out."`
	Account string `json:"account,omitempty" jsonschema:"description=Optional. Only contacts of this account: its ID (acc_…) or exact name."`
	Limit   *int   `json:"limit,omitempty" jsonschema:"minimum=1,maximum=25,description=Optional. How many people at most (default 10)."`
}

// FindPeopleResult is the structuredContent of find_people.
type FindPeopleResult struct {
	People []Person `json:"people" jsonschema:"description=Exact matches first (email or full name); then first or last name alone; then names that start the same or are close."`
}

// Person is a contact or member as find_people returns them.
type Person struct {
	ID        string       `json:"id"`
	Kind      string       `json:"kind" jsonschema:"enum=contact,enum=member"`
	Name      string       `json:"name"`
	Email     string       `json:"email,omitempty"`
	Accounts  []AccountRef `json:"accounts,omitempty" jsonschema:"description=A contact's accounts."`
	HTTPLink  string       `json:"httpLink"`
	MatchedBy string       `json:"matchedBy" jsonschema:"description=How the person matched the query: email; full name; first name; last name; email name (the part before the @); or similar name."`
}

// AccountRef names an account: one a contact belongs to, or a deal's.
type AccountRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty" jsonschema:"description=Absent when the account could not be read."`
}

// FindOpportunitiesArgs is the input of find_opportunities: any of its
// criteria, at least one; a deal must meet every criterion given.
type FindOpportunitiesArgs struct {
	Query        string `json:"query,omitempty" jsonschema:"description=Optional. Part of the deal's name: every word must begin a word of the name; case\\, accents and dashes do not matter (Acme Telemetry finds Acme Rockets – Telemetry)."`
	Account      string `json:"account,omitempty" jsonschema:"description=Optional. Only deals with this account: its ID (acc_…) or exact name."`
	Stage        string `json:"stage,omitempty" jsonschema:"description=Optional. Only deals at this pipeline stage: its label (as create_opportunity lists them) or option ID."`
	Owner        string `json:"owner,omitempty" jsonschema:"description=Optional. Only deals this member owns: their ID (mem_…)\\, email\\, full name\\, or first or last name alone."`
	CloseAfter   string `json:"closeAfter,omitempty" jsonschema:"description=Optional. Only deals whose close date is this day or later: YYYY-MM-DD."`
	CloseBefore  string `json:"closeBefore,omitempty" jsonschema:"description=Optional. Only deals whose close date is this day or earlier: YYYY-MM-DD."`
	CreatedSince string `json:"createdSince,omitempty" jsonschema:"description=Optional. Only deals created since: YYYY-MM-DD (from 00:00 UTC that day) or ISO 8601 with offset."`
	Limit        *int   `json:"limit,omitempty" jsonschema:"minimum=1,maximum=25,description=Optional. How many deals at most (default 10)."`
}

// FindOpportunitiesResult is the structuredContent of find_opportunities.
type FindOpportunitiesResult struct {
	Opportunities []FoundOpportunity `json:"opportunities" jsonschema:"description=Best matches first: the exact name\\, then names holding every word of the query\\, then names with words that begin with them; the newest first among equals (and without a query)."`
	Total         int                `json:"total" jsonschema:"description=How many of the deals read meet every criterion."`
	More          bool               `json:"more,omitempty" jsonschema:"description=true when more deals matched than are shown: raise limit or narrow the search."`
	Scanned       int                `json:"scanned" jsonschema:"description=How many deals were read."`
	CutShort      bool               `json:"cutShort,omitempty" jsonschema:"description=true when Lightfield holds deals that were not read (a search reads a bounded number): one not shown may exist. Narrow the search with stage\\, closeAfter or closeBefore\\, which Lightfield filters."`
	Searched      string             `json:"searched" jsonschema:"description=What was searched: the filters sent to Lightfield\\, how many deals were read\\, and what was checked on them."`
}

// FoundOpportunity is a deal as find_opportunities returns it.
type FoundOpportunity struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Stage     string      `json:"stage,omitempty" jsonschema:"description=The stage's label (its option ID when the definitions do not name it)."`
	Amount    *float64    `json:"amount,omitempty"`
	Currency  string      `json:"currency,omitempty" jsonschema:"description=The amount's currency\\, such as USD."`
	Account   *AccountRef `json:"account,omitempty"`
	Owner     *MemberRef  `json:"owner,omitempty"`
	CloseDate string      `json:"closeDate,omitempty" jsonschema:"description=The day it is expected to close: YYYY-MM-DD (UTC)."`
	CreatedAt string      `json:"createdAt"`
	HTTPLink  string      `json:"httpLink"`
	MatchedBy string      `json:"matchedBy,omitempty" jsonschema:"description=How the name matched the query: exact name; every word; beginnings of words. Absent without a query."`
}

// MemberRef names a member, such as a deal's owner.
type MemberRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty" jsonschema:"description=Absent when the member list could not be read."`
}

// objectShape is what the output schemas promise about a record Lightfield
// returned; it may send more keys, and they are passed on.
type objectShape struct {
	ID        string `json:"id"`
	CreatedAt string `json:"createdAt"`
}
