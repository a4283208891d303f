package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestServerJSON keeps server.json (the MCP registry's format) in step with
// the binary: one version throughout, and exactly the environment
// variables that --help documents.
func TestServerJSON(t *testing.T) {
	raw, err := os.ReadFile("../../server.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema      string `json:"$schema"`
		Name        string `json:"name"`
		Title       string `json:"title"`
		Description string `json:"description"`
		Version     string `json:"version"`
		Repository  struct {
			URL    string `json:"url"`
			Source string `json:"source"`
		} `json:"repository"`
		Packages []struct {
			RegistryType string `json:"registryType"`
			Identifier   string `json:"identifier"`
			Version      string `json:"version"`
			Transport    struct {
				Type string `json:"type"`
			} `json:"transport"`
			EnvironmentVariables []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				IsRequired  bool   `json:"isRequired"`
				IsSecret    bool   `json:"isSecret"`
				Format      string `json:"format"`
				Default     string `json:"default"`
			} `json:"environmentVariables"`
		} `json:"packages"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("server.json: %v", err)
	}
	if !regexp.MustCompile(`^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$`).MatchString(doc.Name) || len(doc.Description) > 100 || doc.Description == "" {
		t.Errorf("name %q or description (%d chars, at most 100) break the registry's rules", doc.Name, len(doc.Description))
	}
	if len(doc.Packages) != 1 || doc.Packages[0].Version != doc.Version || !strings.HasSuffix(doc.Packages[0].Identifier, ":"+doc.Version) {
		t.Errorf("server.json names version %q (package %+v)", doc.Version, doc.Packages)
	}
	if doc.Packages[0].Transport.Type != "stdio" {
		t.Errorf("transport %q", doc.Packages[0].Transport.Type)
	}
	var names []string
	for _, v := range doc.Packages[0].EnvironmentVariables {
		names = append(names, v.Name)
		if v.Name == "LIGHTFIELD_API_KEY" && (!v.IsRequired || !v.IsSecret) {
			t.Error("LIGHTFIELD_API_KEY must be required and secret")
		}
	}
	help, _ := exec.Command(binary, "--help").CombinedOutput()
	documented := regexp.MustCompile(`LIGHTFIELD_[A-Z_]+`).FindAllString(string(help), -1)
	slices.Sort(documented)
	documented = slices.Compact(documented)
	slices.Sort(names)
	if !slices.Equal(names, documented) {
		t.Errorf("server.json declares %v; --help documents %v", names, documented)
	}
}
