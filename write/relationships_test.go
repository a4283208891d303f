package write

import (
	"strings"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// TestReferenceForms: which relationship values are IDs, which are names
// to resolve, and which are refused.
func TestReferenceForms(t *testing.T) {
	t.Parallel()
	vendor := &lfclient.RelationshipDefinition{Cardinality: "HAS_ONE", ObjectType: "vendor"}
	account := &lfclient.RelationshipDefinition{Cardinality: "HAS_ONE", ObjectType: "account"}
	cases := []struct {
		value   string
		def     *lfclient.RelationshipDefinition
		isRef   bool
		ok      bool
		message string
	}{
		{"acc_01acme", account, false, true, ""},
		{"Acme Corp", account, true, true, ""},
		{"mem_01dana", account, false, false, "another kind of record"},
		{"vnd_123", vendor, false, true, ""},
		{"Big Vendor", vendor, false, false, "can only be given by their Lightfield ID"},
		{"Acme Corp", nil, false, false, "once the field definitions load"},
		{"  ", account, false, false, "is empty"},
	}
	for _, tc := range cases {
		var ps Problems
		isRef, ok := checkReference("relationships.x", tc.value, tc.def, &ps)
		if isRef != tc.isRef || ok != tc.ok || (tc.message != "" && (len(ps) != 1 || !strings.Contains(ps[0].Message, tc.message))) {
			t.Errorf("%q: isRef=%v ok=%v problems=%v", tc.value, isRef, ok, ps)
		}
	}
}
