package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// bundleName is the file name of a platform's bundle. It carries no version,
// so that .../releases/latest/download/<name> always fetches the newest.
func bundleName(goos, arch string) string {
	return fmt.Sprintf("lightfield-mcp_%s_%s.mcpb", goos, arch)
}

// mcpbPlatforms maps GOOS to the platform names of a manifest's
// compatibility.platforms (Node's process.platform).
var mcpbPlatforms = map[string]string{"darwin": "darwin", "windows": "win32", "linux": "linux"}

func bundleCommand(args []string) error {
	flags := flag.NewFlagSet("bundle", flag.ContinueOnError)
	binary := flags.String("binary", "", "the built server binary")
	goos := flags.String("os", "", "the binary's GOOS")
	arch := flags.String("arch", "", "the binary's GOARCH, or universal")
	version := flags.String("version", "", "the release's version")
	out := flags.String("out", "dist", "the folder the bundle is written to")
	manifestPath := flags.String("manifest", "release/mcpb/manifest.json", "the manifest to pack")
	mcpb := flags.String("mcpb", "release/node_modules/.bin/mcpb", "the mcpb CLI")
	if err := flags.Parse(args); err != nil {
		return err
	}
	platform, ok := mcpbPlatforms[*goos]
	if !ok || *binary == "" || *arch == "" || *version == "" {
		return errors.New("-binary, -os (darwin, linux or windows), -arch and -version are required")
	}
	if _, err := os.Stat(*mcpb); err != nil {
		return fmt.Errorf("the mcpb CLI is missing (%w): run npm ci --prefix release", err)
	}
	raw, err := os.ReadFile(*manifestPath)
	if err != nil {
		return err
	}
	manifest, err := bundleManifest(raw, *version, platform, filepath.Base(*binary))
	if err != nil {
		return fmt.Errorf("%s: %w", *manifestPath, err)
	}

	stage, err := os.MkdirTemp("", "lightfield-mcp-bundle")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := os.WriteFile(filepath.Join(stage, "manifest.json"), manifest, 0o644); err != nil {
		return err
	}
	if err := copyExecutable(*binary, filepath.Join(stage, "server", filepath.Base(*binary))); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	// mcpb validates the manifest and checks the entry point before it packs.
	pack := exec.Command(*mcpb, "pack", stage, filepath.Join(*out, bundleName(*goos, *arch)))
	if output, err := pack.CombinedOutput(); err != nil {
		return fmt.Errorf("mcpb pack: %w\n%s", err, output)
	}
	return nil
}

// bundleManifest is the manifest of one platform's bundle: the release's
// version, that platform alone, and the binary as the entry point.
func bundleManifest(raw []byte, version, platform, binaryName string) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	server, ok := m["server"].(map[string]any)
	if !ok {
		return nil, errors.New("no server object")
	}
	m["version"] = version
	m["compatibility"] = map[string]any{"platforms": []string{platform}}
	server["entry_point"] = "server/" + binaryName
	return json.MarshalIndent(m, "", "  ")
}

func copyExecutable(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o755)
}
