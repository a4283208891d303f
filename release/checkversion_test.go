package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckVersion: a release goes ahead only from the tag vX.Y.Z whose
// version every file names.
func TestCheckVersion(t *testing.T) {
	agree := map[string]string{"server.json": "0.2.0", "manifest.json": "0.2.0"}
	if err := checkVersion("v0.2.0", agree); err != nil {
		t.Errorf("v0.2.0 against 0.2.0: %v", err)
	}
	for _, tc := range []struct {
		tag      string
		versions map[string]string
		want     string
	}{
		{"v0.2.1", agree, `says "0.2.0"`},
		{"0.2.0", agree, "is not vX.Y.Z"},
		{"v", agree, "is not vX.Y.Z"},
		{"", agree, "is not vX.Y.Z"},
		{"v0.2.0", map[string]string{"server.json": "0.2.0", "manifest.json": "0.1.0"}, `manifest.json says "0.1.0"`},
		{"v0.2.0", map[string]string{"server.json": "", "manifest.json": "0.2.0"}, `server.json says ""`},
	} {
		if err := checkVersion(tc.tag, tc.versions); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q against %v: %v, want an error saying %s", tc.tag, tc.versions, err, tc.want)
		}
	}
}

// TestCheckVersionCommand runs the command on this repository's files (they
// must agree with each other now, so that tagging their version works) and
// on a manifest left behind.
func TestCheckVersionCommand(t *testing.T) {
	raw, err := os.ReadFile("../server.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	files := []string{"-server", "../server.json", "-manifest", "mcpb/manifest.json"}
	if err := checkVersionCommand(append([]string{"-tag", "v" + doc.Version}, files...)); err != nil {
		t.Errorf("server.json and the bundle manifest disagree: %v", err)
	}
	if err := checkVersionCommand(append([]string{"-tag", "v" + doc.Version + "9"}, files...)); err == nil {
		t.Error("a tag of another version passed")
	}
	stale := filepath.Join(t.TempDir(), "manifest.json")
	os.WriteFile(stale, []byte(`{"version": "0.0.1"}`), 0o644)
	if err := checkVersionCommand([]string{"-tag", "v" + doc.Version, "-server", "../server.json", "-manifest", stale}); err == nil || !strings.Contains(err.Error(), `says "0.0.1"`) {
		t.Errorf("a manifest left at 0.0.1: %v", err)
	}
}
