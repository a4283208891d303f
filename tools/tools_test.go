package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/write"
	"github.com/mark3labs/mcp-go/mcp"
)

var update = flag.Bool("update", false, "rewrite the tool snapshots in ../testdata/tools/")

// TestToolSnapshots: what a host lists for each tool (name, title,
// description, annotations, input and output schema, refined with the
// fixture organisation's definitions) is kept in testdata/tools/<name>.json
// and reviewed like code: a change shows in the diff.
func TestToolSnapshots(t *testing.T) {
	h := newHarness(t, true)
	list, err := h.client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) != len(toolList) {
		t.Fatalf("%d tools listed, %d defined", len(list.Tools), len(toolList))
	}
	for _, tool := range list.Tools {
		raw, err := json.Marshal(tool)
		if err != nil {
			t.Fatal(err)
		}
		var pretty bytes.Buffer
		json.Indent(&pretty, raw, "", "  ")
		pretty.WriteByte('\n')
		file := filepath.Join("..", "testdata", "tools", tool.Name+".json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test ./tools -run TestToolSnapshots -update to create it)", err)
		}
		if !bytes.Equal(want, pretty.Bytes()) {
			t.Errorf("%s differs from what tools/list now shows; review, then run go test ./tools -run TestToolSnapshots -update\n%s", file, pretty.String())
		}
	}
}

// TestAnnotationsAreExplicit: mcp-go defaults every tool to destructive, so
// every tool must set every hint, a title and an output schema; the
// creates and the update are the only tools that write, and the update the
// only one that can take something away.
func TestAnnotationsAreExplicit(t *testing.T) {
	for _, tool := range Tools() {
		a := tool.Annotations
		if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || !*a.IdempotentHint ||
			a.OpenWorldHint == nil || !*a.OpenWorldHint || a.Title == "" || tool.Title == "" {
			t.Errorf("%s: annotations %+v", tool.Name, a)
		}
		if readOnly := !strings.HasPrefix(tool.Name, "create_") && !strings.HasPrefix(tool.Name, "update_"); *a.ReadOnlyHint != readOnly {
			t.Errorf("%s: readOnlyHint %v", tool.Name, *a.ReadOnlyHint)
		}
		if destructive := strings.HasPrefix(tool.Name, "update_"); *a.DestructiveHint != destructive {
			t.Errorf("%s: destructiveHint %v", tool.Name, *a.DestructiveHint)
		}
		if len(tool.RawOutputSchema) == 0 {
			t.Errorf("%s: no output schema", tool.Name)
		}
	}
}

// TestInstructionsNameEveryTool: the instructions the model reads at
// initialize say what each tool is for.
func TestInstructionsNameEveryTool(t *testing.T) {
	text := Instructions(false)
	for _, tool := range Tools() {
		if !strings.Contains(text, tool.Name) {
			t.Errorf("the instructions do not mention %s", tool.Name)
		}
	}
	if !strings.HasPrefix(Instructions(true), "SANDBOX") {
		t.Error("the sandbox's instructions do not start by saying so")
	}
}

// TestEveryWrittenKindKeepsDefinitions: a tool that writes a kind gets its
// organisation's definitions only when the kind is in write.Kinds; left
// out, it would be checked without them and never refined.
func TestEveryWrittenKindKeepsDefinitions(t *testing.T) {
	for _, tool := range toolList {
		if k := tool(nil).kind; k != nil && !slices.ContainsFunc(write.Kinds, func(w *write.Kind) bool { return w.Type == k.Type }) {
			t.Errorf("%s writes %s, which is not in write.Kinds", tool(nil).def.Name, k.Type)
		}
	}
}
