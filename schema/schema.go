package schema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// Object is what the server knows of creating one object type beyond its
// organisation's definitions, which carry no required flag and do not mark
// every key that cannot be written (API.md, openapi.json).
type Object struct {
	// Type is the object type, as definitions name it: opportunity, account.
	Type string
	// RequiredFields and RequiredRelationships must be given on create.
	RequiredFields, RequiredRelationships []string
	// ReadOnlyFields and ReadOnlyRelationships are refused on create
	// whatever the definitions say.
	ReadOnlyFields, ReadOnlyRelationships []string
	// Kept are the fields and relationships an update may not clear: every
	// record has them.
	Kept []string
	// NewRecords: the tool's new argument (and an account or contact
	// relationship value given as an object) describes records to find or
	// create.
	NewRecords bool
	// args is the Go type of the create tool's input.
	args any
	// hints add the server's advice to a field's description.
	hints map[string]string
}

// The object types the server creates.
var (
	OpportunityObject = Object{
		Type:           "opportunity",
		RequiredFields: []string{"$name", "$stage"}, RequiredRelationships: []string{"$account"},
		ReadOnlyFields:        []string{"$opportunityStatus"},
		ReadOnlyRelationships: []string{"$task", "$note", "$meeting"},
		NewRecords:            true,
		args:                  CreateOpportunityArgs{},
	}
	// OpportunityUpdateObject is an opportunity as update_opportunity
	// changes it: nothing is required, and the same keys are read-only.
	OpportunityUpdateObject = Object{
		Type:                  "opportunity",
		ReadOnlyFields:        OpportunityObject.ReadOnlyFields,
		ReadOnlyRelationships: OpportunityObject.ReadOnlyRelationships,
		Kept:                  []string{"$name", "$stage", "$account"},
		NewRecords:            true,
		args:                  UpdateOpportunityArgs{},
	}
	AccountObject = Object{
		Type:                  "account",
		RequiredFields:        []string{"$name"},
		ReadOnlyFields:        []string{"$howTheyMakeMoney", "$accountStatus"},
		ReadOnlyRelationships: []string{"$opportunity", "$task", "$note", "$meeting"},
		args:                  CreateAccountArgs{},
		hints:                 map[string]string{"$website": "Recommended: Lightfield enriches an account that has a website (industry, headcount, address)."},
	}
	ContactObject = Object{
		Type:                  "contact",
		RequiredFields:        []string{"$name"},
		ReadOnlyRelationships: []string{"$opportunity", "$task", "$note", "$meeting"},
		args:                  CreateContactArgs{},
		hints:                 map[string]string{"$email": "Recommended: a contact is found by email first, so the same person is never written twice."},
	}
)

// reflectSchema reflects v into an inline schema within the subset every MCP
// host accepts: no $ref, $defs or $schema.
func reflectSchema(v any, allowAdditional bool) *jsonschema.Schema {
	r := jsonschema.Reflector{
		DoNotReference:            true,
		Anonymous:                 true,
		ExpandedStruct:            true,
		AllowAdditionalProperties: allowAdditional,
		Mapper:                    mapRaw,
	}
	s := r.Reflect(v)
	s.Version = ""
	return s
}

// mapRaw gives json.RawMessage (a record as Lightfield returned it) the
// shape the output schema promises instead of an empty schema.
func mapRaw(t reflect.Type) *jsonschema.Schema {
	if t == reflect.TypeFor[json.RawMessage]() {
		return reflectSchema(objectShape{}, true)
	}
	return nil
}

// Input returns the input schema of the object's create tool. With nil
// definitions it is the base schema reflected from its Go type; with
// definitions, fields and relationships list exactly what the organisation
// can write.
func (ob Object) Input(defs *lfclient.Definitions) *jsonschema.Schema {
	s := reflectSchema(ob.args, false)
	if defs == nil {
		// Without definitions any key may be valid: leave fields and
		// relationships open and let the server check them.
		for _, key := range []string{"fields", "relationships"} {
			prop, _ := s.Properties.Get(key)
			prop.AdditionalProperties = nil
		}
		// Which relationships people can be taken off or described as new
		// comes from definitions: until then, only a new account.
		s.Properties.Delete("remove")
		if described, ok := s.Properties.Get("new"); ok {
			described.Properties = orderedmap.New[string, *jsonschema.Schema]()
			described.Properties.Set("$account", NewRecordSchema("account"))
		}
		return s
	}
	fields, _ := s.Properties.Get("fields")
	ob.refineFields(fields, defs)
	rels, _ := s.Properties.Get("relationships")
	ob.refineRelationships(rels, defs)
	if remove, ok := s.Properties.Get("remove"); ok {
		ob.refineRemovals(remove, defs)
	}
	if described, ok := s.Properties.Get("new"); ok {
		ob.refineNew(described, defs)
	}
	return s
}

// refineNew lists, for the new argument, the relationships a new record
// can be described for: the deal's account and its contact relationships
// (what a rep names as new). Their labels are in relationships already.
func (ob Object) refineNew(s *jsonschema.Schema, defs *lfclient.Definitions) {
	s.Properties = orderedmap.New[string, *jsonschema.Schema]()
	for _, key := range SortedKeys(defs.RelationshipDefinitions, []string{"$account"}) {
		def := defs.RelationshipDefinitions[key]
		p := NewRecordSchema(def.ObjectType)
		if p == nil || !ob.WritableRelationship(key) || def.ObjectType == "account" && key != "$account" {
			continue
		}
		if def.Cardinality == "HAS_MANY" {
			p = &jsonschema.Schema{Type: "array", Items: p}
		}
		s.Properties.Set(key, p)
	}
	s.AdditionalProperties = jsonschema.FalseSchema
}

// refineRemovals lists, for an update's remove argument, the to-many
// relationships people can be taken off.
func (ob Object) refineRemovals(s *jsonschema.Schema, defs *lfclient.Definitions) {
	s.Properties = orderedmap.New[string, *jsonschema.Schema]()
	for _, key := range SortedKeys(defs.RelationshipDefinitions, nil) {
		def := defs.RelationshipDefinitions[key]
		if !ob.WritableRelationship(key) || def.Cardinality != "HAS_MANY" || key == "$account" {
			continue
		}
		s.Properties.Set(key, &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "string"}, Title: clip(def.Label, maxLabelLength),
			Description: describe(def.Label, nil, fmt.Sprintf("%s records to take off, each %s.", def.ObjectType, ReferenceForms(def.ObjectType)))})
	}
	s.AdditionalProperties = jsonschema.FalseSchema
}

// Output returns the output schema of create_opportunity, which both a
// created opportunity and a dry run satisfy.
func Output() *jsonschema.Schema {
	return reflectSchema(CreateOpportunityResult{}, true)
}

// UpdateOpportunityOutput returns the output schema of update_opportunity.
func UpdateOpportunityOutput() *jsonschema.Schema {
	return reflectSchema(UpdateOpportunityResult{}, true)
}

// CreateAccountOutput returns the output schema of create_account.
func CreateAccountOutput() *jsonschema.Schema {
	return reflectSchema(CreateAccountResult{}, true)
}

// CreateContactOutput returns the output schema of create_contact.
func CreateContactOutput() *jsonschema.Schema {
	return reflectSchema(CreateContactResult{}, true)
}

// FindAccountsInput returns the input schema of find_accounts.
func FindAccountsInput() *jsonschema.Schema {
	return reflectSchema(FindAccountsArgs{}, false)
}

// FindAccountsOutput returns the output schema of find_accounts.
func FindAccountsOutput() *jsonschema.Schema {
	return reflectSchema(FindAccountsResult{}, true)
}

// FindPeopleInput returns the input schema of find_people.
func FindPeopleInput() *jsonschema.Schema {
	return reflectSchema(FindPeopleArgs{}, false)
}

// FindPeopleOutput returns the output schema of find_people.
func FindPeopleOutput() *jsonschema.Schema {
	return reflectSchema(FindPeopleResult{}, true)
}

// FindOpportunitiesInput returns the input schema of find_opportunities.
func FindOpportunitiesInput() *jsonschema.Schema {
	return reflectSchema(FindOpportunitiesArgs{}, false)
}

// FindOpportunitiesOutput returns the output schema of find_opportunities.
func FindOpportunitiesOutput() *jsonschema.Schema {
	return reflectSchema(FindOpportunitiesResult{}, true)
}

// JSON marshals a schema for publishing.
func JSON(s *jsonschema.Schema) json.RawMessage {
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("marshal schema: %v", err)) // only reachable through a bug in this package
	}
	return raw
}

// WritableField reports whether a field may be sent on create.
func (ob Object) WritableField(key string, def lfclient.FieldDefinition) bool {
	return !def.ReadOnly && !slices.Contains(ob.ReadOnlyFields, key) &&
		def.ValueType != lfclient.TypeMarkdown && def.ValueType != lfclient.TypeHTML
}

// WritableRelationship reports whether a relationship may be sent on create.
func (ob Object) WritableRelationship(key string) bool {
	return !slices.Contains(ob.ReadOnlyRelationships, key)
}

// SortedKeys orders definition keys as people expect: the keys every create
// needs first, then system keys, then custom ones, alphabetically within each.
func SortedKeys[V any](m map[string]V, first []string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(first, k); i >= 0 {
			return i
		}
		if strings.HasPrefix(k, "$") {
			return len(first)
		}
		return len(first) + 1
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return keys
}

func (ob Object) refineFields(s *jsonschema.Schema, defs *lfclient.Definitions) {
	s.Properties = orderedmap.New[string, *jsonschema.Schema]()
	for _, key := range SortedKeys(defs.FieldDefinitions, ob.RequiredFields) {
		def := defs.FieldDefinitions[key]
		if !ob.WritableField(key, def) {
			continue
		}
		if prop := fieldSchema(key, def, ob.hints[key]); prop != nil {
			s.Properties.Set(key, prop)
		}
	}
	s.Required = slices.Clone(ob.RequiredFields)
	s.AdditionalProperties = jsonschema.FalseSchema
}

// fieldSchema is the schema of one field; advice is the server's own hint
// for this key, said last.
func fieldSchema(key string, def lfclient.FieldDefinition, advice string) *jsonschema.Schema {
	p := &jsonschema.Schema{}
	var hint string
	switch def.ValueType {
	case lfclient.TypeText:
		p.Type = "string"
		if key == "$name" {
			p.MinLength = new(uint64(1))
		}
	case lfclient.TypeNumber:
		p.Type = "number"
		hint = "A number with at most 2 decimals."
	case lfclient.TypeCurrency:
		p.Type = "number"
		hint = "An amount"
		if c := def.TypeConfiguration.Currency; c != "" {
			hint += " in " + c
		}
		hint += ", as a plain number (40000, not \"$40k\")."
	case lfclient.TypeDatetime:
		p.Type, p.Format = "string", "date-time"
		hint = "ISO 8601 with offset (2026-03-31T17:00:00+00:00), or a plain date YYYY-MM-DD, sent as 12:00 UTC that day (the same date in every time zone from UTC-11 to UTC+11)."
	case lfclient.TypeCheckbox:
		p.Type = "boolean"
	case lfclient.TypeEmail:
		p.Type, p.Items = "array", &jsonschema.Schema{Type: "string", Format: "email"}
		hint = "Email addresses."
	case lfclient.TypeTelephone:
		p.Type, p.Items = "array", &jsonschema.Schema{Type: "string"}
		hint = "Phone numbers, E.164 (+14155550100) where possible."
	case lfclient.TypeURL:
		p.Type, p.Format = "string", "uri"
	case lfclient.TypeSocialHandle:
		p.Type, p.Format = "string", "uri"
		hint = "Profile URL"
		if svc := def.TypeConfiguration.HandleService; svc != "" {
			hint += " on " + svc
		}
		hint += "."
	case lfclient.TypeAddress:
		p = reflectSchema(Address{}, false)
	case lfclient.TypeFullName:
		p = reflectSchema(FullName{}, false)
	case lfclient.TypeSingleSelect:
		p.Type, p.Enum = "string", optionLabels(def)
		hint = "One of the listed labels."
	case lfclient.TypeMultiSelect:
		p.Type, p.Items = "array", &jsonschema.Schema{Type: "string", Enum: optionLabels(def)}
		hint = "Any of the listed labels."
	default:
		// A value type this version does not know: not advertised, but a
		// value sent for it is passed on for Lightfield to judge.
		return nil
	}
	p.Title = clip(def.Label, maxLabelLength)
	p.Description = describe(def.Label, def.Description, strings.TrimSpace(sentence(hint)+" "+advice))
	return p
}

func optionLabels(def lfclient.FieldDefinition) []any {
	labels := make([]any, 0, len(def.TypeConfiguration.Options))
	for _, o := range def.TypeConfiguration.Options {
		labels = append(labels, o.Label)
	}
	return labels
}

// Lightfield's labels and descriptions reach the model through the schema:
// they are data, so they are kept to one line and a modest length.
const (
	maxLabelLength       = 100
	maxDescriptionLength = 300
)

// describe joins a field's label, Lightfield's description of it and the
// server's hint as whole sentences, each ending with a stop, so that they
// never run into each other.
func describe(label string, description *string, hint string) string {
	parts := []string{sentence(clip(label, maxLabelLength))}
	if description != nil && strings.TrimSpace(*description) != "" {
		parts = append(parts, sentence(clip(*description, maxDescriptionLength)))
	}
	if hint != "" {
		parts = append(parts, sentence(hint))
	}
	return strings.Join(parts, " ")
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?…") {
		return s
	}
	return s + "."
}

// clip folds s onto one line and cuts it to at most n characters.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (ob Object) refineRelationships(s *jsonschema.Schema, defs *lfclient.Definitions) {
	s.Properties = orderedmap.New[string, *jsonschema.Schema]()
	for _, key := range SortedKeys(defs.RelationshipDefinitions, ob.RequiredRelationships) {
		if !ob.WritableRelationship(key) {
			continue
		}
		def := defs.RelationshipDefinitions[key]
		hint := fmt.Sprintf("Related %s: %s.", def.ObjectType, ReferenceForms(def.ObjectType))
		p := &jsonschema.Schema{Type: "string"}
		if def.Cardinality == "HAS_MANY" {
			p = &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "string"}}
			hint = fmt.Sprintf("One or more %s records, each %s.", def.ObjectType, ReferenceForms(def.ObjectType))
		}
		p.Title = clip(def.Label, maxLabelLength)
		p.Description = describe(def.Label, def.Description, hint)
		s.Properties.Set(key, p)
	}
	s.Required = slices.Clone(ob.RequiredRelationships)
	s.AdditionalProperties = jsonschema.FalseSchema
}

// NewRecordSchema is the object that describes a new record of
// objectType in a relationship, nil where none can be described.
func NewRecordSchema(objectType string) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "object", Properties: orderedmap.New[string, *jsonschema.Schema]()}
	switch objectType {
	case "account":
		s.Properties.Set("$name", &jsonschema.Schema{Type: "string", MinLength: new(uint64(1))})
		s.Properties.Set("$website", &jsonschema.Schema{Type: "string"})
		s.Required = []string{"$name"}
	case "contact":
		for _, key := range []string{"firstName", "lastName", "email"} {
			s.Properties.Set(key, &jsonschema.Schema{Type: "string"})
		}
		s.AdditionalProperties = jsonschema.FalseSchema
	default:
		return nil
	}
	return s
}

// idPrefixes are the ID prefixes of the object types the server knows.
var idPrefixes = map[string]string{"account": "acc_", "member": "mem_", "contact": "con_", "opportunity": "opp_"}

// IDPrefix is the prefix of Lightfield IDs of an object type, "" if unknown.
func IDPrefix(objectType string) string {
	return idPrefixes[objectType]
}

// ObjectTypeOfID names the known object type whose ID prefix id starts
// with, "" for none.
func ObjectTypeOfID(id string) string {
	for objectType, prefix := range idPrefixes {
		if strings.HasPrefix(id, prefix) {
			return objectType
		}
	}
	return ""
}

// ReferenceForms says how a record of an object type may be named in
// relationships: by ID always, and by name or email where the server can
// resolve them.
func ReferenceForms(objectType string) string {
	switch objectType {
	case "account":
		return "its ID (acc_…) or its exact name"
	case "member":
		return "their ID (mem_…), email, full name, or first or last name alone"
	case "contact":
		return "their ID (con_…), email, full name, or first or last name alone"
	}
	return "its Lightfield ID"
}
