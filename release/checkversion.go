package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

// checkVersionCommand fails unless the tag a release is cut from names the
// version that server.json and the bundle manifest carry, so that a
// mistagged commit stops before anything is built or published.
func checkVersionCommand(args []string) error {
	flags := flag.NewFlagSet("checkversion", flag.ContinueOnError)
	tag := flags.String("tag", "", "the release's tag, vX.Y.Z")
	serverJSON := flags.String("server", "server.json", "the registry entry")
	manifest := flags.String("manifest", "release/mcpb/manifest.json", "the bundle manifest")
	if err := flags.Parse(args); err != nil {
		return err
	}
	files := map[string]string{}
	for _, name := range []string{*serverJSON, *manifest} {
		raw, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		var doc struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files[name] = doc.Version
	}
	if err := checkVersion(*tag, files); err != nil {
		return err
	}
	fmt.Printf("%s matches %s and %s\n", *tag, *serverJSON, *manifest)
	return nil
}

// checkVersion: tag is "v" followed by the version every file names.
func checkVersion(tag string, versions map[string]string) error {
	version, ok := strings.CutPrefix(tag, "v")
	if !ok || version == "" {
		return fmt.Errorf("the tag %q is not vX.Y.Z", tag)
	}
	for name, v := range versions {
		if v != version {
			return fmt.Errorf("the tag %s says version %s, but %s says %q: bump the version in server.json and release/mcpb/manifest.json, then tag again", tag, version, name, v)
		}
	}
	return nil
}
