package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/tools"
)

// TestEveryToolIsListed: the bundle's manifest and --help name exactly the
// server's tools, so that a new tool cannot be left out of either.
func TestEveryToolIsListed(t *testing.T) {
	raw, err := os.ReadFile("../../release/mcpb/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	var listed, served []string
	for _, tool := range manifest.Tools {
		listed = append(listed, tool.Name)
	}
	help := strings.Join(strings.Fields(usage), " ")
	for _, tool := range tools.Tools() {
		served = append(served, tool.Name)
		if !strings.Contains(help, tool.Name) {
			t.Errorf("--help does not name %s", tool.Name)
		}
	}
	slices.Sort(listed)
	slices.Sort(served)
	if !slices.Equal(listed, served) {
		t.Errorf("the manifest lists %v, the server serves %v", listed, served)
	}
}
