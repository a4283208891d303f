package lightfieldtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// OpenAPI validates JSON against the schemas of Lightfield's official
// OpenAPI document, so that the fake and the client cannot drift from it.
type OpenAPI struct {
	compiler *jsonschema.Compiler
	cache    map[string]*jsonschema.Schema
}

const openAPIURL = "file:///lightfield/openapi.json"

// createBody is where the create request's schema sits in the document.
const createBody = "#/paths/~1v1~1opportunities/post/requestBody/content/application~1json/schema"

// FindOpenAPI returns the path of the repository's copy of the contract,
// testdata/lightfield/openapi.json under the module root, looking upwards
// from the working directory.
func FindOpenAPI() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			path := filepath.Join(dir, "testdata", "lightfield", "openapi.json")
			if _, err := os.Stat(path); err != nil {
				return "", fmt.Errorf("the OpenAPI contract is missing: %w", err)
			}
			return path, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// LoadOpenAPI reads the OpenAPI document at path.
func LoadOpenAPI(path string) (*OpenAPI, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load openapi: %w", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("load openapi: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(openAPIURL, doc); err != nil {
		return nil, fmt.Errorf("load openapi: %w", err)
	}
	return &OpenAPI{compiler: c, cache: map[string]*jsonschema.Schema{}}, nil
}

func (o *OpenAPI) validate(pointer string, body []byte) error {
	sch, ok := o.cache[pointer]
	if !ok {
		var err error
		if sch, err = o.compiler.Compile(openAPIURL + pointer); err != nil {
			return fmt.Errorf("compile %s: %w", pointer, err)
		}
		o.cache[pointer] = sch
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(v)
}

// ValidateSchema checks body against components/schemas/name, e.g.
// "OpportunityCreateResponse" or "BadRequestError".
func (o *OpenAPI) ValidateSchema(name string, body []byte) error {
	return o.validate("#/components/schemas/"+name, body)
}

// ValidateCreateRequest checks a POST /v1/opportunities body against the
// typed variants of fields and relationships (the document's oneOf cannot be
// matched exactly once by any valid body; see API.md).
func (o *OpenAPI) ValidateCreateRequest(body []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	for key := range top {
		if key != "fields" && key != "relationships" {
			return fmt.Errorf("unexpected top-level key %q", key)
		}
	}
	for _, part := range []string{"fields", "relationships"} {
		raw, ok := top[part]
		if !ok {
			return fmt.Errorf("missing %s", part)
		}
		if err := o.validate(createBody+"/properties/"+part+"/oneOf/0", raw); err != nil {
			return fmt.Errorf("%s: %w", part, err)
		}
	}
	return nil
}
