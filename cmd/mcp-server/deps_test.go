package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestCode: the sandbox is part of the product, but the
// test helpers around the fake are not; linking them would put the testing
// package's flags and the OpenAPI helpers into every user's binary.
func TestBinaryLinksNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, banned := range []string{
		"testing",
		"net/http/httptest",
		"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest",
	} {
		if slices.Contains(deps, banned) {
			t.Errorf("the server binary links %s", banned)
		}
	}
}
