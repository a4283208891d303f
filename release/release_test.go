package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/release/registry"
)

// mcpbCLI is the pinned mcpb CLI, once `npm ci --prefix release` has run.
func mcpbCLI(t *testing.T) string {
	t.Helper()
	cli, _ := filepath.Abs("node_modules/.bin/mcpb")
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("LFMCP_REQUIRE_NODE") == "1" {
			t.Fatalf("the mcpb CLI is not installed: run npm ci --prefix release")
		}
		t.Skip("run `npm ci --prefix release` to include the mcpb CLI")
	}
	return cli
}

// TestBundleManifests: the manifest and each platform's variant of it pass
// the official validator, and a variant names its version, its platform
// alone and its binary.
func TestBundleManifests(t *testing.T) {
	cli := mcpbCLI(t)
	if out, err := exec.Command(cli, "validate", "mcpb/manifest.json").CombinedOutput(); err != nil {
		t.Fatalf("mcpb validate mcpb/manifest.json: %v\n%s", err, out)
	}
	raw, err := os.ReadFile("mcpb/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	for goos, binary := range map[string]string{"darwin": "lightfield-mcp", "linux": "lightfield-mcp", "windows": "lightfield-mcp.exe"} {
		out, err := bundleManifest(raw, "1.2.3", mcpbPlatforms[goos], binary)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Version       string `json:"version"`
			Compatibility struct {
				Platforms []string `json:"platforms"`
			} `json:"compatibility"`
			Server struct {
				EntryPoint string `json:"entry_point"`
			} `json:"server"`
		}
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		if m.Version != "1.2.3" || len(m.Compatibility.Platforms) != 1 || m.Compatibility.Platforms[0] != mcpbPlatforms[goos] || m.Server.EntryPoint != "server/"+binary {
			t.Errorf("%s: %s", goos, out)
		}
		file := filepath.Join(t.TempDir(), "manifest.json")
		os.WriteFile(file, out, 0o644)
		if out, err := exec.Command(cli, "validate", file).CombinedOutput(); err != nil {
			t.Errorf("%s variant: mcpb validate: %v\n%s", goos, err, out)
		}
	}
}

// TestForRelease: the release's registry entry names the release's version,
// each bundle by its download URL and SHA-256 and the image by its tag, and
// refuses a bundle listed but not built or built but not listed.
func TestForRelease(t *testing.T) {
	source := func() registry.ServerJSON {
		return registry.ServerJSON{
			Version:    "0.1.0",
			Repository: registry.Repository{URL: "https://github.com/o/r"},
			Packages: []registry.Package{
				{RegistryType: "mcpb", Identifier: "https://github.com/o/r/releases/download/v0.1.0/a.mcpb"},
				{RegistryType: "oci", Identifier: "ghcr.io/o/r:0.1.0"},
			},
		}
	}
	dist := t.TempDir()
	os.WriteFile(filepath.Join(dist, "a.mcpb"), []byte("abc"), 0o644)

	doc := source()
	if err := forRelease(&doc, "0.2.0", dist); err != nil {
		t.Fatal(err)
	}
	bundle, image := doc.Packages[0], doc.Packages[1]
	if doc.Version != "0.2.0" || bundle.Identifier != "https://github.com/o/r/releases/download/v0.2.0/a.mcpb" || bundle.Version != "0.2.0" ||
		bundle.FileSha256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" || image.Identifier != "ghcr.io/o/r:0.2.0" {
		t.Errorf("%+v", doc)
	}

	os.WriteFile(filepath.Join(dist, "b.mcpb"), []byte("b"), 0o644)
	doc = source()
	if err := forRelease(&doc, "0.2.0", dist); err == nil || !strings.Contains(err.Error(), "b.mcpb, which server.json does not list") {
		t.Errorf("an unlisted bundle: %v", err)
	}
	doc = source()
	if err := forRelease(&doc, "0.2.0", t.TempDir()); err == nil || !strings.Contains(err.Error(), "a.mcpb, which the release did not build") {
		t.Errorf("a missing bundle: %v", err)
	}
}
