package write

import (
	"os/exec"
	"strings"
	"testing"
)

// TestKnowsNoMCP: the write core imports no MCP library, so that a tool is
// an adapter and the core can serve any of them.
func TestKnowsNoMCP(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "mcp-go") || strings.Contains(dep, "modelcontextprotocol") {
			t.Errorf("the write core imports %s", dep)
		}
	}
}
