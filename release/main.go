// Command release does the two parts of a release that GoReleaser cannot:
//
//	go run ./release bundle -binary PATH -os OS -arch ARCH -version V -out dist
//
// packs one MCP Bundle (.mcpb) around a built binary with the official mcpb
// CLI (GoReleaser runs it after each build, see .goreleaser.yaml), and
//
//	go run ./release serverjson -dist dist
//
// writes dist/server.json, the MCP registry entry of the release: server.json
// with the release's version and each bundle's SHA-256, and
//
//	go run ./release checkversion -tag vX.Y.Z
//
// fails unless the tag names the version of server.json and of the bundle
// manifest (the release workflow runs it before anything is published).
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./release bundle|serverjson|checkversion [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "bundle":
		err = bundleCommand(os.Args[2:])
	case "serverjson":
		err = serverJSONCommand(os.Args[2:])
	case "checkversion":
		err = checkVersionCommand(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want bundle, serverjson or checkversion", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "release %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
