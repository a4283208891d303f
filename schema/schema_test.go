package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func fixtureDefinitions(t testing.TB) *lfclient.Definitions {
	t.Helper()
	raw, err := os.ReadFile("../testdata/org.json")
	if err != nil {
		t.Fatal(err)
	}
	var org struct {
		Definitions lfclient.Definitions `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &org); err != nil {
		t.Fatal(err)
	}
	return &org.Definitions
}

// largeDefinitions is an organisation far bigger than most: 200 custom
// fields of every type, selects with 100 options.
func largeDefinitions() *lfclient.Definitions {
	types := []string{"TEXT", "NUMBER", "CURRENCY", "DATETIME", "CHECKBOX", "EMAIL", "URL", "TELEPHONE",
		"ADDRESS", "FULL_NAME", "SOCIAL_HANDLE", "SINGLE_SELECT", "MULTI_SELECT", "MARKDOWN", "HTML", "FUTURE_TYPE"}
	defs := &lfclient.Definitions{
		FieldDefinitions: map[string]lfclient.FieldDefinition{
			"$name":  {Label: "Name", ValueType: "TEXT"},
			"$stage": {Label: "Stage", ValueType: "SINGLE_SELECT"},
		},
		RelationshipDefinitions: map[string]lfclient.RelationshipDefinition{
			"$account": {Label: "Account", Cardinality: "HAS_ONE", ObjectType: "account"},
			"$task":    {Label: "Tasks", Cardinality: "HAS_MANY", ObjectType: "task"},
			"vendors":  {Label: "Vendors", Cardinality: "HAS_MANY", ObjectType: "vendor"},
		},
	}
	for i := range 200 {
		def := lfclient.FieldDefinition{Label: fmt.Sprintf("Custom %d", i), ValueType: types[i%len(types)]}
		for j := range 100 {
			def.TypeConfiguration.Options = append(def.TypeConfiguration.Options, lfclient.SelectOption{ID: fmt.Sprintf("opt_%d_%d", i, j), Label: fmt.Sprintf("Option %d", j)})
		}
		defs.FieldDefinitions[fmt.Sprintf("custom%03d", i)] = def
	}
	return defs
}

// TestSchemaSubset walks every published schema and fails on what some MCP
// host rejects (../shared/mcp/NOTES.md).
func TestSchemaSubset(t *testing.T) {
	for name, raw := range map[string]json.RawMessage{
		"base":                      JSON(OpportunityObject.Input(nil)),
		"fixture":                   JSON(OpportunityObject.Input(fixtureDefinitions(t))),
		"large":                     JSON(OpportunityObject.Input(largeDefinitions())),
		"output":                    JSON(Output()),
		"update base":               JSON(OpportunityUpdateObject.Input(nil)),
		"update fixture":            JSON(OpportunityUpdateObject.Input(fixtureDefinitions(t))),
		"update output":             JSON(UpdateOpportunityOutput()),
		"find_opportunities":        JSON(FindOpportunitiesInput()),
		"find_opportunities output": JSON(FindOpportunitiesOutput()),
		"create_account base":       JSON(AccountObject.Input(nil)),
		"create_account output":     JSON(CreateAccountOutput()),
		"create_contact base":       JSON(ContactObject.Input(nil)),
		"create_contact output":     JSON(CreateContactOutput()),
		"find_accounts":             JSON(FindAccountsInput()),
		"find_accounts output":      JSON(FindAccountsOutput()),
		"find_people":               JSON(FindPeopleInput()),
		"find_people output":        JSON(FindPeopleOutput()),
	} {
		t.Run(name, func(t *testing.T) {
			var root map[string]any
			if err := json.Unmarshal(raw, &root); err != nil {
				t.Fatal(err)
			}
			if root["type"] != "object" {
				t.Errorf("root type is %v", root["type"])
			}
			for _, problem := range subsetProblems("#", root) {
				// The output schema may describe open maps (the request
				// body); hosts read it, models never fill it in.
				if strings.HasSuffix(name, "output") && strings.HasSuffix(problem, "object without properties") {
					continue
				}
				t.Error(problem)
			}
		})
	}
}

func subsetProblems(path string, node any) []string {
	s, ok := node.(map[string]any)
	if !ok {
		return []string{path + ": a boolean or non-object schema"}
	}
	var problems []string
	for _, banned := range []string{"$ref", "$defs", "definitions", "$schema", "$id", "oneOf", "anyOf", "allOf", "not", "const", "if", "nullable"} {
		if _, ok := s[banned]; ok {
			problems = append(problems, fmt.Sprintf("%s: uses %s", path, banned))
		}
	}
	typ, ok := s["type"].(string)
	if !ok {
		return append(problems, fmt.Sprintf("%s: type must be one string, is %v", path, s["type"]))
	}
	if enum, ok := s["enum"].([]any); ok {
		for _, v := range enum {
			if _, ok := v.(string); !ok || typ != "string" {
				problems = append(problems, fmt.Sprintf("%s: enum must be of strings", path))
			}
		}
	}
	switch typ {
	case "array":
		items, ok := s["items"]
		if !ok {
			return append(problems, path+": array without items")
		}
		problems = append(problems, subsetProblems(path+"/items", items)...)
	case "object":
		props, ok := s["properties"].(map[string]any)
		if !ok {
			return append(problems, path+": object without properties")
		}
		for k, v := range props {
			problems = append(problems, subsetProblems(path+"/properties/"+k, v)...)
		}
		if ap, ok := s["additionalProperties"]; ok && ap != false {
			problems = append(problems, path+": additionalProperties other than false")
		}
	}
	return problems
}

// TestSubsetCheckCanFail keeps the walker honest.
func TestSubsetCheckCanFail(t *testing.T) {
	bad := map[string]any{"type": "object", "properties": map[string]any{
		"a": map[string]any{"type": []any{"string", "null"}},
		"b": map[string]any{"type": "array"},
		"c": map[string]any{"anyOf": []any{}},
		"d": true,
	}}
	if got := subsetProblems("#", bad); len(got) != 5 {
		t.Fatalf("found %d problems, want 5: %v", len(got), got)
	}
}

// TestGolden: the base schemas, served before an organisation's
// definitions load. What tools/list shows once they have is snapshotted per
// tool in testdata/tools (tools.TestToolSnapshots).
func TestGolden(t *testing.T) {
	for file, s := range map[string]json.RawMessage{
		"../testdata/create_opportunity.base.golden.json": JSON(OpportunityObject.Input(nil)),
		"../testdata/create_account.base.golden.json":     JSON(AccountObject.Input(nil)),
		"../testdata/create_contact.base.golden.json":     JSON(ContactObject.Input(nil)),
	} {
		var pretty bytes.Buffer
		json.Indent(&pretty, s, "", "  ")
		pretty.WriteByte('\n')
		if *update {
			if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test ./schema -update to create it)", err)
		}
		if !bytes.Equal(want, pretty.Bytes()) {
			t.Errorf("%s differs from the schema now built; review, then run go test ./schema -update\n%s", file, pretty.String())
		}
	}
}

func TestRefinedSchemaCompiles(t *testing.T) {
	c := jsv.NewCompiler()
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(JSON(OpportunityObject.Input(fixtureDefinitions(t)))))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("file:///input.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("file:///input.json")
	if err != nil {
		t.Fatal(err)
	}
	good := `{"fields":{"$name":"Acme","$stage":"Discovery","productLines":["Platform"]},"relationships":{"$account":"acc_1","stakeholders":["con_1"]}}`
	v, _ := jsv.UnmarshalJSON(strings.NewReader(good))
	if err := sch.Validate(v); err != nil {
		t.Fatalf("a good call fails its own schema: %v", err)
	}
}

func TestRefinement(t *testing.T) {
	var s struct {
		Properties struct {
			Fields struct {
				Properties map[string]struct {
					Type   string   `json:"type"`
					Format string   `json:"format"`
					Enum   []string `json:"enum"`
					Items  struct {
						Type string   `json:"type"`
						Enum []string `json:"enum"`
					} `json:"items"`
					Properties  map[string]any `json:"properties"`
					Description string         `json:"description"`
				} `json:"properties"`
				Required []string `json:"required"`
			} `json:"fields"`
			Relationships struct {
				Properties map[string]struct {
					Type        string `json:"type"`
					Description string `json:"description"`
				} `json:"properties"`
				Required []string `json:"required"`
			} `json:"relationships"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(JSON(OpportunityObject.Input(fixtureDefinitions(t))), &s); err != nil {
		t.Fatal(err)
	}
	f := s.Properties.Fields.Properties
	for _, readOnly := range []string{"$opportunityStatus", "$lastInteractionAt", "$summary", "riskNotes", "legacyId"} {
		if _, ok := f[readOnly]; ok {
			t.Errorf("read-only field %s is advertised", readOnly)
		}
	}
	if got := f["$stage"].Enum; !slices.Equal(got, []string{"Discovery", "Qualified", "Proposal Sent", "Negotiation", "Closed Won", "Closed Lost"}) {
		t.Errorf("$stage enum %v", got)
	}
	if p := f["productLines"]; p.Type != "array" || p.Items.Type != "string" || len(p.Items.Enum) != 3 {
		t.Errorf("multi-select %+v", p)
	}
	if p := f["$amount"]; p.Type != "number" || !strings.Contains(p.Description, "USD") {
		t.Errorf("currency %+v", p)
	}
	if p := f["$closeDate"]; p.Type != "string" || p.Format != "date-time" {
		t.Errorf("datetime %+v", p)
	}
	if p := f["strategic"]; p.Type != "boolean" {
		t.Errorf("checkbox %+v", p)
	}
	if p := f["billingAddress"]; p.Type != "object" || len(p.Properties) != 8 {
		t.Errorf("address %+v", p)
	}
	if p := f["economicBuyer"]; p.Type != "object" || p.Properties["firstName"] == nil {
		t.Errorf("full name %+v", p)
	}
	if p := f["procurementPhone"]; p.Type != "array" {
		t.Errorf("telephone %+v", p)
	}
	if !slices.Equal(s.Properties.Fields.Required, []string{"$name", "$stage"}) {
		t.Errorf("fields required %v", s.Properties.Fields.Required)
	}
	r := s.Properties.Relationships.Properties
	for _, readOnly := range []string{"$task", "$note", "$meeting"} {
		if _, ok := r[readOnly]; ok {
			t.Errorf("read-only relationship %s is advertised", readOnly)
		}
	}
	if p := r["partner"]; p.Type != "string" || !strings.Contains(p.Description, "account") {
		t.Errorf("custom relationship %+v", p)
	}
	if p := r["stakeholders"]; p.Type != "array" || !strings.Contains(p.Description, "contact") {
		t.Errorf("HAS_MANY relationship %+v", p)
	}
	if !slices.Equal(s.Properties.Relationships.Required, []string{"$account"}) {
		t.Errorf("relationships required %v", s.Properties.Relationships.Required)
	}
}

// BenchmarkRefineLarge measures building and encoding the published schema
// of a large organisation, as the server does when definitions change.
func BenchmarkRefineLarge(b *testing.B) {
	defs := largeDefinitions()
	b.ReportAllocs()
	for b.Loop() {
		JSON(OpportunityObject.Input(defs))
	}
}

// BenchmarkRefineFixture does the same for the fixture organisation.
func BenchmarkRefineFixture(b *testing.B) {
	defs := fixtureDefinitions(b)
	b.ReportAllocs()
	for b.Loop() {
		JSON(OpportunityObject.Input(defs))
	}
}

// BenchmarkCompileLarge measures compiling the large schema with a JSON
// Schema validator, as a strict host would.
func BenchmarkCompileLarge(b *testing.B) {
	raw := JSON(OpportunityObject.Input(largeDefinitions()))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := jsv.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		c := jsv.NewCompiler()
		if err := c.AddResource("file:///input.json", doc); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Compile("file:///input.json"); err != nil {
			b.Fatal(err)
		}
	}
}
