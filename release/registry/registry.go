// Package registry describes server.json, the MCP registry's entry for this
// server, as far as this project uses the format. The release writes it and
// tests read it; the server itself never does.
package registry

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ServerJSON is the part of the MCP registry's server.json format this
// project uses; decoding refuses anything else, so nothing is dropped on the
// way from server.json to the release's copy.
type ServerJSON struct {
	Schema      string     `json:"$schema"`
	Name        string     `json:"name"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description"`
	Version     string     `json:"version"`
	Repository  Repository `json:"repository"`
	Packages    []Package  `json:"packages"`
}

// Repository is where the server's source lives.
type Repository struct {
	URL    string `json:"url"`
	Source string `json:"source"`
}

// Package is one way to install the server: an MCP Bundle (registryType
// mcpb, identified by its download URL) or a container image (oci).
type Package struct {
	RegistryType         string             `json:"registryType"`
	Identifier           string             `json:"identifier"`
	Version              string             `json:"version,omitempty"`
	FileSha256           string             `json:"fileSha256,omitempty"`
	RuntimeHint          string             `json:"runtimeHint,omitempty"`
	RuntimeArguments     []Input            `json:"runtimeArguments,omitempty"`
	Transport            Transport          `json:"transport"`
	EnvironmentVariables []EnvironmentInput `json:"environmentVariables,omitempty"`
}

// Transport says how a client talks to the installed server.
type Transport struct {
	Type string `json:"type"`
	URL  string `json:"url,omitempty"`
}

// Input is a command-line argument for the package's runtime.
type Input struct {
	Type        string `json:"type"`
	Name        string `json:"name,omitempty"`
	Value       string `json:"value,omitempty"`
	Description string `json:"description,omitempty"`
}

// EnvironmentInput is an environment variable the server reads.
type EnvironmentInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	IsRequired  bool   `json:"isRequired,omitempty"`
	IsSecret    bool   `json:"isSecret,omitempty"`
	Format      string `json:"format,omitempty"`
	Default     string `json:"default,omitempty"`
}

// Read decodes a server.json, refusing keys this project does not know.
func Read(raw []byte) (ServerJSON, error) {
	var doc ServerJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&doc)
	return doc, err
}

// ImageName is an OCI identifier without its tag.
func ImageName(identifier string) string {
	name, _, _ := strings.Cut(identifier, ":")
	return name
}
