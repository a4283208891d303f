package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/lightfield-mcp/lightfield-mcp/release/registry"
)

func serverJSONCommand(args []string) error {
	flags := flag.NewFlagSet("serverjson", flag.ContinueOnError)
	dist := flags.String("dist", "dist", "the release's folder, as GoReleaser left it")
	source := flags.String("source", "server.json", "the registry entry to complete")
	if err := flags.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(*source)
	if err != nil {
		return err
	}
	doc, err := registry.Read(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", *source, err)
	}
	var metadata struct {
		Version string `json:"version"`
	}
	if raw, err = os.ReadFile(filepath.Join(*dist, "metadata.json")); err != nil {
		return fmt.Errorf("%w (run GoReleaser first)", err)
	}
	if err := json.Unmarshal(raw, &metadata); err != nil || metadata.Version == "" {
		return fmt.Errorf("%s/metadata.json names no version: %v", *dist, err)
	}
	if err := forRelease(&doc, metadata.Version, *dist); err != nil {
		return err
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*dist, "server.json"), append(out, '\n'), 0o644)
}

// forRelease points doc at the release of version whose files are in dist:
// bundles by their download URL and SHA-256, the image by its version tag.
// Every bundle in dist must be listed, and every bundle listed must be there.
func forRelease(doc *registry.ServerJSON, version, dist string) error {
	built, err := filepath.Glob(filepath.Join(dist, "*.mcpb"))
	if err != nil {
		return err
	}
	var listed []string
	doc.Version = version
	for i := range doc.Packages {
		p := &doc.Packages[i]
		switch p.RegistryType {
		case "mcpb":
			name := path.Base(p.Identifier)
			data, err := os.ReadFile(filepath.Join(dist, name))
			if err != nil {
				return fmt.Errorf("server.json lists the bundle %s, which the release did not build: %w", name, err)
			}
			sum := sha256.Sum256(data)
			p.Identifier = fmt.Sprintf("%s/releases/download/v%s/%s", doc.Repository.URL, version, name)
			p.Version = version
			p.FileSha256 = hex.EncodeToString(sum[:])
			listed = append(listed, name)
		case "oci":
			p.Identifier = registry.ImageName(p.Identifier) + ":" + version
		default:
			return fmt.Errorf("server.json lists a %q package, which the release does not make", p.RegistryType)
		}
	}
	for _, file := range built {
		if !slices.Contains(listed, filepath.Base(file)) {
			return fmt.Errorf("the release built %s, which server.json does not list", filepath.Base(file))
		}
	}
	return nil
}
