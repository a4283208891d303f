package main

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/release/registry"
)

// TestServerJSON keeps server.json (the MCP registry's format) in step with
// the release and the binary: a bundle for every platform the release
// builds, the image the release configuration names, and exactly the
// environment variables that --help documents. The release fills in each
// bundle's SHA-256 (TestReleaseServerJSON checks that copy).
func TestServerJSON(t *testing.T) {
	raw, err := os.ReadFile("../../server.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := registry.Read(raw)
	if err != nil {
		t.Fatalf("server.json: %v", err)
	}
	if !regexp.MustCompile(`^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$`).MatchString(doc.Name) || len(doc.Description) > 100 || doc.Description == "" {
		t.Errorf("name %q or description (%d chars, at most 100) break the registry's rules", doc.Name, len(doc.Description))
	}
	help, _ := exec.Command(binary, "--help").Output()
	documented := regexp.MustCompile(`LIGHTFIELD_[A-Z_]+`).FindAllString(string(help), -1)
	slices.Sort(documented)
	documented = slices.Compact(documented)
	releaseConfig, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}

	var bundles []string
	for _, p := range doc.Packages {
		var names []string
		for _, v := range p.EnvironmentVariables {
			names = append(names, v.Name)
			if v.Name == "LIGHTFIELD_API_KEY" && (!v.IsSecret || p.RegistryType == "mcpb" && !v.IsRequired) {
				t.Errorf("%s: LIGHTFIELD_API_KEY must be secret (and required for a bundle)", p.Identifier)
			}
		}
		slices.Sort(names)
		want := documented
		switch p.RegistryType {
		case "mcpb":
			name := strings.TrimPrefix(p.Identifier, doc.Repository.URL+"/releases/download/v"+doc.Version+"/")
			bundles = append(bundles, name)
			if p.FileSha256 != "" || p.Transport.Type != "stdio" {
				t.Errorf("%s: a bundle runs over stdio, and its SHA-256 is the release's to fill in", p.Identifier)
			}
			// A bundle runs over stdio, where browser origins and OAuth
			// sign-in mean nothing.
			want = slices.DeleteFunc(slices.Clone(documented), func(n string) bool { return slices.Contains(httpOnlySettings, n) })
		case "oci":
			if !strings.Contains(string(releaseConfig), `"`+registry.ImageName(p.Identifier)+`:{{ .Version }}"`) {
				t.Errorf("oci identifier %s names an image the release configuration does not push", p.Identifier)
			}
			if p.Transport.Type != "streamable-http" || p.Transport.URL != "http://localhost:8080/mcp" {
				t.Errorf("the image serves Streamable HTTP on port 8080; server.json says %+v", p.Transport)
			}
		default:
			t.Errorf("package type %q", p.RegistryType)
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s declares %v; --help documents %v", p.Identifier, names, want)
		}
	}
	slices.Sort(bundles)
	if !slices.Equal(bundles, releaseBundles()) {
		t.Errorf("server.json lists the bundles %v; the release builds %v", bundles, releaseBundles())
	}
}

// httpOnlySettings are the variables that only the HTTP transport reads.
var httpOnlySettings = []string{"LIGHTFIELD_ALLOWED_ORIGINS", "LIGHTFIELD_TOKEN_SECRET", "LIGHTFIELD_TOKEN_OLD_SECRETS", "LIGHTFIELD_PUBLIC_URL",
	"LIGHTFIELD_ALLOWED_HOSTS", "LIGHTFIELD_TRUSTED_PROXIES"}
