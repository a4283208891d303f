// Package lfsim is Lightfield simulated in-process: the sandbox the binary
// serves and the fake the tests drive. Server is an http.Handler that
// behaves as testdata/lightfield/API.md describes: it checks what a client
// sends as strictly as the real API, keeps what was written, replays
// idempotent requests and injects faults.
package lfsim

import (
	"encoding/json"
	"fmt"
	"os"
)

// Org is the data of one fake organisation.
type Org struct {
	// Definitions is served as is by GET /v1/opportunities/definitions.
	Definitions json.RawMessage `json:"definitions"`
	// AccountDefinitions is served as is by GET /v1/accounts/definitions
	// and checks POST /v1/accounts; without it both answer 404.
	AccountDefinitions json.RawMessage `json:"accountDefinitions"`
	// ContactDefinitions is served as is by GET /v1/contacts/definitions
	// and checks POST /v1/contacts; without it both answer 404.
	ContactDefinitions json.RawMessage `json:"contactDefinitions"`
	Accounts           []Entity        `json:"accounts"`
	Members            []Entity        `json:"members"`
	Contacts           []Entity        `json:"contacts"`
}

// Entity is an account, member or contact of the fake organisation.
type Entity struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Website string `json:"website,omitempty"`
	// Address is an account's $primaryAddress (city, country, …).
	Address map[string]string `json:"address,omitempty"`
	// Accounts are a contact's accounts; each account lists its contacts
	// in its $contact relationship.
	Accounts []string `json:"accounts,omitempty"`
}

// LoadOrg reads an Org from a JSON file such as testdata/org.json.
func LoadOrg(path string) (Org, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Org{}, fmt.Errorf("load fake org: %w", err)
	}
	var org Org
	if err := json.Unmarshal(raw, &org); err != nil {
		return Org{}, fmt.Errorf("load fake org %s: %w", path, err)
	}
	return org, nil
}

// definitions is the fake's own reading of the definitions it serves; it is
// kept apart from lfclient's types so that a mistake there cannot hide here.
type definitions struct {
	Fields        map[string]fieldDef        `json:"fieldDefinitions"`
	Relationships map[string]relationshipDef `json:"relationshipDefinitions"`
}

type fieldDef struct {
	Label             string `json:"label"`
	ValueType         string `json:"valueType"`
	ReadOnly          bool   `json:"readOnly"`
	TypeConfiguration struct {
		Options []struct {
			ID    string `json:"id"`
			Label string `json:"label"`
		} `json:"options"`
	} `json:"typeConfiguration"`
}

type relationshipDef struct {
	Cardinality string `json:"cardinality"`
	ObjectType  string `json:"objectType"`
}
