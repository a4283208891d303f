package lfclient

import "encoding/json"

// CreateParams is the body of a create (POST /v1/opportunities, accounts,
// notes, tasks): field key → bare value and relationship key → one entity
// ID or an array of IDs.
type CreateParams struct {
	Fields        map[string]any `json:"fields"`
	Relationships map[string]any `json:"relationships"`
}

// UpdateParams is the body of an update (POST /v1/{type}s/{id}): the
// fields to set (null clears one) and, per relationship, what to change.
type UpdateParams struct {
	Fields        map[string]any                `json:"fields,omitempty"`
	Relationships map[string]RelationshipChange `json:"relationships,omitempty"`
}

// RelationshipChange is one relationship's change in an update: IDs to
// add, IDs to remove, or (Replace set) the whole new value, where an empty
// list clears it (sent as null, as the contract asks). Lightfield takes one
// of the three per relationship.
type RelationshipChange struct {
	Add     []string  `json:"add,omitempty"`
	Remove  []string  `json:"remove,omitempty"`
	Replace *[]string `json:"replace,omitempty"`
}

// MarshalJSON sends an empty replacement as null.
func (c RelationshipChange) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	if len(c.Add) > 0 {
		out["add"] = c.Add
	}
	if len(c.Remove) > 0 {
		out["remove"] = c.Remove
	}
	if c.Replace != nil {
		out["replace"] = nil
		if len(*c.Replace) > 0 {
			out["replace"] = *c.Replace
		}
	}
	return json.Marshal(out)
}

// FieldValue is a field as Lightfield returns it on reads: wrapped with its type.
type FieldValue struct {
	ValueType string          `json:"valueType"`
	Value     json.RawMessage `json:"value"`
}

// RelationshipValue is a relationship as Lightfield returns it on reads.
type RelationshipValue struct {
	Cardinality string   `json:"cardinality"`
	ObjectType  string   `json:"objectType"`
	Values      []string `json:"values"`
}

// Object is the answer of a create (OpportunityCreateResponse,
// AccountCreateResponse, …). Raw keeps the body exactly as received,
// unknown keys included, so that callers can pass it on without losing what
// this version does not model.
type Object struct {
	ID            string                       `json:"id"`
	CreatedAt     string                       `json:"createdAt"`
	UpdatedAt     *string                      `json:"updatedAt"`
	HTTPLink      *string                      `json:"httpLink"`
	ExternalID    *string                      `json:"externalId,omitempty"`
	Fields        map[string]FieldValue        `json:"fields"`
	Relationships map[string]RelationshipValue `json:"relationships"`
	Raw           json.RawMessage              `json:"-"`
}

// Value types that the client gives meaning to. Definitions may carry others;
// they are kept as they come.
const (
	TypeText         = "TEXT"
	TypeNumber       = "NUMBER"
	TypeCurrency     = "CURRENCY"
	TypeDatetime     = "DATETIME"
	TypeCheckbox     = "CHECKBOX"
	TypeEmail        = "EMAIL"
	TypeURL          = "URL"
	TypeTelephone    = "TELEPHONE"
	TypeAddress      = "ADDRESS"
	TypeFullName     = "FULL_NAME"
	TypeSocialHandle = "SOCIAL_HANDLE"
	TypeSingleSelect = "SINGLE_SELECT"
	TypeMultiSelect  = "MULTI_SELECT"
	TypeMarkdown     = "MARKDOWN"
	TypeHTML         = "HTML"
)

// Definitions is the answer of GET /v1/{object}/definitions. The map keys are
// exactly the keys to write.
type Definitions struct {
	ObjectType              string                            `json:"objectType"`
	FieldDefinitions        map[string]FieldDefinition        `json:"fieldDefinitions"`
	RelationshipDefinitions map[string]RelationshipDefinition `json:"relationshipDefinitions"`
}

// FieldDefinition describes one field of an object type.
type FieldDefinition struct {
	ID                string            `json:"id,omitempty"`
	Label             string            `json:"label"`
	Description       *string           `json:"description"`
	ValueType         string            `json:"valueType"`
	ReadOnly          bool              `json:"readOnly,omitempty"`
	TypeConfiguration TypeConfiguration `json:"typeConfiguration"`
}

// TypeConfiguration holds the type-specific settings of a field.
type TypeConfiguration struct {
	Options        []SelectOption `json:"options,omitempty"`
	Currency       string         `json:"currency,omitempty"`
	Unique         bool           `json:"unique,omitempty"`
	MultipleValues bool           `json:"multipleValues,omitempty"`
	HandleService  string         `json:"handleService,omitempty"`
}

// SelectOption is one option of a SINGLE_SELECT or MULTI_SELECT field.
type SelectOption struct {
	ID          string  `json:"id"`
	Label       string  `json:"label"`
	Description *string `json:"description,omitempty"`
}

// RelationshipDefinition describes one relationship of an object type.
type RelationshipDefinition struct {
	ID          string  `json:"id,omitempty"`
	Label       string  `json:"label"`
	Description *string `json:"description"`
	Cardinality string  `json:"cardinality"`
	ObjectType  string  `json:"objectType"`
}
