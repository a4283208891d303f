package lightfieldtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// OpenAPI validates JSON against the schemas of Lightfield's official
// OpenAPI document, so that the fake and the client cannot drift from it.
type OpenAPI struct {
	doc      any
	compiler *jsonschema.Compiler
	cache    map[string]*jsonschema.Schema
}

const openAPIURL = "file:///lightfield/openapi.json"

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
	return &OpenAPI{doc: doc, compiler: c, cache: map[string]*jsonschema.Schema{}}, nil
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

// ValidateCreateRequest checks a POST /v1/opportunities body; see
// ValidateRequest.
func (o *OpenAPI) ValidateCreateRequest(body []byte) error {
	return o.ValidateRequest("/v1/opportunities", body)
}

// ValidateUpdateRequest checks a POST /v1/opportunities/{id} body; see
// ValidateRequest.
func (o *OpenAPI) ValidateUpdateRequest(body []byte) error {
	return o.ValidateRequest("/v1/opportunities/{id}", body)
}

// ValidateRequest checks the body of a POST to path (e.g. "/v1/notes", or
// "/v1/opportunities/opp_1" for an update) against the document's request
// schema. Where a part (fields, relationships) is a oneOf of a typed and an
// untyped variant, it checks the typed one: no valid body matches exactly
// one of them (see API.md).
func (o *OpenAPI) ValidateRequest(path string, body []byte) error {
	tmpl, ok := o.route(path, "post")
	if !ok {
		return fmt.Errorf("the document has no POST %s", path)
	}
	pointer := "#/paths/" + escape(tmpl) + "/post/requestBody/content/application~1json/schema"
	schema, ok := dig(o.doc, "paths", tmpl, "post", "requestBody", "content", "application/json", "schema").(map[string]any)
	if !ok {
		return fmt.Errorf("the document has no request body for POST %s", tmpl)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	properties, _ := schema["properties"].(map[string]any)
	for key := range top {
		if _, ok := properties[key]; !ok {
			return fmt.Errorf("unexpected top-level key %q", key)
		}
	}
	required, _ := schema["required"].([]any)
	for _, key := range required {
		if _, ok := top[key.(string)]; !ok {
			return fmt.Errorf("missing %s", key)
		}
	}
	for key, raw := range top {
		part := pointer + "/properties/" + key
		variants, _ := dig(properties, key, "oneOf").([]any)
		for i, v := range variants {
			if dig(v, "x-stainless-variantName") == "typed" {
				part += fmt.Sprintf("/oneOf/%d", i)
			}
		}
		if err := o.validate(part, raw); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// ValidateResponse checks the answer to method path (e.g. "POST",
// "/v1/opportunities/opp_1") against the schema the document gives that
// operation's answers with this status.
func (o *OpenAPI) ValidateResponse(method, path string, status int, body []byte) error {
	method = strings.ToLower(method)
	tmpl, ok := o.route(path, method)
	if !ok {
		return fmt.Errorf("the document has no %s %s", strings.ToUpper(method), path)
	}
	code := strconv.Itoa(status)
	if dig(o.doc, "paths", tmpl, method, "responses", code, "content", "application/json", "schema") == nil {
		return fmt.Errorf("the document gives %s %s no answer with status %d", strings.ToUpper(method), tmpl, status)
	}
	return o.validate("#/paths/"+escape(tmpl)+"/"+method+"/responses/"+code+"/content/application~1json/schema", body)
}

// route returns the document's path for a request's path: the same one, or
// else the template ("/v1/opportunities/{id}") whose segments match it,
// the one with the fewest parameters if several do.
func (o *OpenAPI) route(path, method string) (string, bool) {
	paths, _ := dig(o.doc, "paths").(map[string]any)
	best, fewest := "", -1
	for tmpl := range paths {
		if params, ok := matchTemplate(tmpl, path); ok && dig(paths, tmpl, method) != nil && (fewest < 0 || params < fewest || params == fewest && tmpl < best) {
			best, fewest = tmpl, params
		}
	}
	return best, fewest >= 0
}

// matchTemplate reports whether path fits tmpl, each {parameter} standing
// for one segment, and how many parameters it took.
func matchTemplate(tmpl, path string) (int, bool) {
	parts, segments := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(parts) != len(segments) {
		return 0, false
	}
	params := 0
	for i, part := range parts {
		switch {
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") && segments[i] != "":
			params++
		case part != segments[i]:
			return 0, false
		}
	}
	return params, true
}

// escape turns a path into a JSON pointer token inside a URL fragment.
func escape(path string) string {
	return url.PathEscape(strings.ReplaceAll(path, "/", "~1"))
}

// dig follows keys down nested JSON objects; it returns nil where one is
// missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
