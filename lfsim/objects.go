package lfsim

import _ "embed"

// kind is what the fake knows of one collection: the object type it holds,
// the scopes that read, create and update it, what a create must name (and
// an update may not clear) and what no write may set.
type kind struct {
	objectType, readScope string
	// createScope is empty where the fake does not create the type,
	// updateScope where it does not update it.
	createScope, updateScope       string
	idPrefix                       string
	requiredFields, readOnlyFields []string
	requiredRels, readOnlyRels     []string
}

// collections maps collection paths to their kind. The read-only keys are
// those the contract names read-only whatever the definitions say.
var collections = map[string]kind{
	"/v1/accounts": {
		objectType: "account", readScope: "accounts:read", createScope: "accounts:create", updateScope: "accounts:update", idPrefix: "acc",
		requiredFields: []string{"$name"},
		readOnlyFields: []string{"$howTheyMakeMoney", "$accountStatus"},
		readOnlyRels:   []string{"$opportunity", "$task", "$note", "$meeting"},
	},
	"/v1/contacts": {
		objectType: "contact", readScope: "contacts:read", createScope: "contacts:create", idPrefix: "con",
		readOnlyRels: []string{"$opportunity", "$task", "$note", "$meeting"},
	},
	"/v1/members": {objectType: "member", readScope: "members:read"},
	"/v1/notes": {
		objectType: "note", readScope: "notes:read", createScope: "notes:create", idPrefix: "note",
		requiredFields: []string{"$title"},
	},
	"/v1/opportunities": {
		objectType: "opportunity", readScope: "opportunities:read", createScope: "opportunities:create", updateScope: "opportunities:update", idPrefix: "opp",
		requiredFields: []string{"$name", "$stage"},
		readOnlyFields: []string{"$opportunityStatus"},
		requiredRels:   []string{"$account"},
		readOnlyRels:   []string{"$task", "$note", "$meeting"},
	},
	"/v1/tasks": {
		objectType: "task", readScope: "tasks:read", createScope: "tasks:create", idPrefix: "task",
		requiredFields: []string{"$title", "$status"},
		requiredRels:   []string{"$assignedTo"},
		readOnlyRels:   []string{"$note"},
	},
}

// taskDefinitions is served by GET /v1/tasks/definitions. Tasks take only
// system fields, so every organisation has the same ones. $status is a
// select whose option IDs are the four values the contract allows.
//
//go:embed task_definitions.json
var taskDefinitions []byte

// noteDefinitions are the fields and relationships a note create may name
// (the contract's note body allows no other keys). Lightfield serves no
// note definitions; the fake checks creates against these.
const noteDefinitions = `{
	"objectType": "note",
	"fieldDefinitions": {
		"$title": {"label": "Title", "description": "Title of the note.", "valueType": "TEXT", "typeConfiguration": {}},
		"$content": {"label": "Content", "description": "Content of the note as markdown formatted text.", "valueType": "TEXT", "typeConfiguration": {}}
	},
	"relationshipDefinitions": {
		"$account": {"label": "Accounts", "description": null, "cardinality": "HAS_MANY", "objectType": "account"},
		"$opportunity": {"label": "Opportunities", "description": null, "cardinality": "HAS_MANY", "objectType": "opportunity"}
	}
}`
