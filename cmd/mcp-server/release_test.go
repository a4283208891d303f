package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/release/registry"
)

// The tests in this file check the release as ./test.sh builds it with
// GoReleaser's snapshot: dist/ (binaries, archives, bundles, checksums and
// the registry entry) and the container images in the store of the Docker
// engine or, where none answers, podman's. Without a dist/ they are skipped,
// unless LFMCP_REQUIRE_RELEASE=1 (./test.sh sets it).

// releasePlatforms are the platforms every release serves, as they appear in
// archive and bundle names (darwin ships one universal binary).
var releasePlatforms = []string{"darwin_universal", "linux_amd64", "linux_arm64", "windows_amd64", "windows_arm64"}

// releaseBundles are the file names of the release's bundles, sorted.
func releaseBundles() []string {
	var names []string
	for _, p := range releasePlatforms {
		names = append(names, "lightfield-mcp_"+p+".mcpb")
	}
	return names
}

// artifact is an entry of GoReleaser's dist/artifacts.json.
type artifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	Type   string `json:"type"`
	Extra  struct {
		ID string `json:"ID"`
	} `json:"extra"`
}

type snapshotRelease struct {
	version   string
	artifacts []artifact
}

// file is the artifact's path from this package's folder.
func (a artifact) file() string { return filepath.Join("../..", a.Path) }

func (r snapshotRelease) find(t *testing.T, typ, id, goos, goarch string) artifact {
	t.Helper()
	for _, a := range r.artifacts {
		if a.Type == typ && (id == "" || a.Extra.ID == id) && a.GOOS == goos && a.GOARCH == goarch {
			return a
		}
	}
	t.Fatalf("the release has no %s %s for %s/%s", id, typ, goos, goarch)
	return artifact{}
}

// snapshot reads what GoReleaser left in dist/.
func snapshot(t *testing.T) snapshotRelease {
	t.Helper()
	raw, err := os.ReadFile("../../dist/metadata.json")
	if err != nil {
		if os.Getenv("LFMCP_REQUIRE_RELEASE") == "1" {
			t.Fatalf("no snapshot release in dist/: %v", err)
		}
		t.Skip("no snapshot release in dist/; ./test.sh builds one")
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil || meta.Version == "" {
		t.Fatalf("dist/metadata.json: %v %s", err, raw)
	}
	r := snapshotRelease{version: meta.Version}
	raw, err = os.ReadFile("../../dist/artifacts.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &r.artifacts); err != nil {
		t.Fatal(err)
	}
	return r
}

func sha256File(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestReleaseFiles: every platform has its archive and bundle, checksums.txt
// covers exactly those with their true hashes, and each archive holds the
// binary under its released name and the README.
func TestReleaseFiles(t *testing.T) {
	snapshot(t)
	want := map[string]string{}
	for _, p := range releasePlatforms {
		archive := "lightfield-mcp_" + p + ".tar.gz"
		if strings.HasPrefix(p, "windows") {
			archive = "lightfield-mcp_" + p + ".zip"
		}
		for _, name := range []string{archive, "lightfield-mcp_" + p + ".mcpb"} {
			want[name] = sha256File(t, "../../dist/"+name)
		}
		binaryName := "lightfield-mcp"
		if strings.HasPrefix(p, "windows") {
			binaryName += ".exe"
		}
		if files := archiveFiles(t, "../../dist/"+archive); !slices.Equal(files, []string{"README.md", binaryName}) {
			t.Errorf("%s holds %v, want README.md and %s", archive, files, binaryName)
		}
	}
	raw, err := os.ReadFile("../../dist/checksums.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		got[name] = sum
	}
	if len(got) != len(want) {
		t.Errorf("checksums.txt lists %d files, want %d: %v", len(got), len(want), got)
	}
	for name, sum := range want {
		if got[name] != sum {
			t.Errorf("checksums.txt says %s is %q; it is %s", name, got[name], sum)
		}
	}
}

// archiveFiles lists the regular files in a .tar.gz or .zip, sorted.
func archiveFiles(t *testing.T, name string) []string {
	t.Helper()
	var files []string
	if strings.HasSuffix(name, ".zip") {
		z, err := zip.OpenReader(name)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			if !f.FileInfo().IsDir() {
				files = append(files, f.Name)
			}
		}
	} else {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeReg {
				files = append(files, h.Name)
			}
		}
	}
	slices.Sort(files)
	return files
}

// TestReleaseBinaries: each binary is static, built with -trimpath and the
// release's version, for the platform its name says; the one for this
// machine says its version when asked.
func TestReleaseBinaries(t *testing.T) {
	r := snapshot(t)
	for _, target := range [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"windows", "amd64"}, {"windows", "arm64"}} {
		b := r.find(t, "Binary", "lightfield-mcp", target[0], target[1])
		checkBuild(t, b.file(), r.version)
		if target[0] == "linux" {
			checkStaticELF(t, b.file(), target[1])
		}
	}
	universal := r.find(t, "Binary", "darwin-universal", "darwin", "all")
	fat, err := macho.OpenFat(universal.file())
	if err != nil {
		t.Fatalf("darwin binary: %v", err)
	}
	var cpus []macho.Cpu
	for _, arch := range fat.Arches {
		cpus = append(cpus, arch.Cpu)
	}
	fat.Close()
	if !slices.Contains(cpus, macho.CpuAmd64) || !slices.Contains(cpus, macho.CpuArm64) {
		t.Errorf("the darwin binary holds %v, want amd64 and arm64", cpus)
	}
	if runtime.GOOS == "linux" {
		host := r.find(t, "Binary", "lightfield-mcp", "linux", runtime.GOARCH)
		out, err := exec.Command(host.file(), "--version").Output()
		if err != nil || strings.TrimSpace(string(out)) != "lightfield-mcp "+r.version {
			t.Errorf("--version printed %q, %v; want lightfield-mcp %s", out, err, r.version)
		}
	}
}

// checkBuild reads the build settings Go records in a binary. With
// -trimpath Go records no -ldflags, so the version is looked for in the
// binary's data; the binaries that can run here also say it.
func checkBuild(t *testing.T, name, version string) *buildinfo.BuildInfo {
	t.Helper()
	info, err := buildinfo.ReadFile(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("%s was built with %v; want CGO_ENABLED=0 and -trimpath", name, settings)
	}
	if data, _ := os.ReadFile(name); !bytes.Contains(data, []byte(version)) {
		t.Errorf("%s does not carry the version %s", name, version)
	}
	return info
}

// checkStaticELF: a Linux binary for arch with no dynamic loader.
func checkStaticELF(t *testing.T, name, arch string) {
	t.Helper()
	f, err := elf.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	machine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != machine {
		t.Errorf("%s is for %v, want %v", name, f.Machine, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked", name)
		}
	}
}

// unpackBundle unpacks a bundle with the official mcpb CLI.
func unpackBundle(t *testing.T, bundle string) string {
	t.Helper()
	mcpb, _ := filepath.Abs("../../release/node_modules/.bin/mcpb")
	dir := t.TempDir()
	if out, err := exec.Command(mcpb, "unpack", bundle, dir).CombinedOutput(); err != nil {
		t.Fatalf("mcpb unpack %s: %v\n%s", bundle, err, out)
	}
	return dir
}

// hostLaunch is how an MCP host starts the unpacked bundle in dir for the
// user settings given, as the mcpb library computes it.
func hostLaunch(t *testing.T, dir string, settings map[string]any) *exec.Cmd {
	t.Helper()
	raw, _ := json.Marshal(settings)
	out, err := exec.Command("node", "../../release/mcpb/launch.mjs", dir, string(raw)).Output()
	if err != nil {
		t.Fatalf("launch.mjs: %v", err)
	}
	var config struct {
		Command string            `json:"command"`
		Args    []string          `json:"args"`
		Env     map[string]string `json:"env"`
	}
	if err := json.Unmarshal(out, &config); err != nil || config.Command == "" {
		t.Fatalf("no launch configuration for settings %s: %s", raw, out)
	}
	cmd := exec.Command(config.Command, config.Args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range config.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// TestBundleStartsTheServer installs this machine's bundle as an MCP host
// would (unpacked, started as its manifest says, Sandbox switched on) and
// creates a deal through it; left without an API key, the same bundle stops
// with advice rather than serving with a placeholder for a key.
func TestBundleStartsTheServer(t *testing.T) {
	r := snapshot(t)
	if runtime.GOOS != "linux" {
		t.Skip("the bundle test starts the linux bundle")
	}
	dir := unpackBundle(t, "../../dist/lightfield-mcp_linux_"+runtime.GOARCH+".mcpb")
	var manifest struct {
		Version       string `json:"version"`
		Compatibility struct {
			Platforms []string `json:"platforms"`
		} `json:"compatibility"`
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.Version != r.version || !slices.Equal(manifest.Compatibility.Platforms, []string{"linux"}) {
		t.Errorf("the bundle's manifest says version %q for %v; want %s for linux", manifest.Version, manifest.Compatibility.Platforms, r.version)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "bundle-test", Version: "0"}, nil)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: hostLaunch(t, dir, map[string]any{"sandbox": true})}, nil)
	if err != nil {
		t.Fatalf("connect to the bundled server: %v", err)
	}
	defer session.Close()
	if got := session.InitializeResult().ServerInfo.Version; got != r.version {
		t.Errorf("the bundled server says it is version %q, want %s", got, r.version)
	}
	list, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var listed, declared []string
	for _, tool := range list.Tools {
		listed = append(listed, tool.Name)
	}
	for _, tool := range manifest.Tools {
		declared = append(declared, tool.Name)
	}
	slices.Sort(listed)
	slices.Sort(declared)
	if !slices.Equal(listed, declared) {
		t.Errorf("the server lists %v; the manifest declares %v", listed, declared)
	}
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "create_opportunity", Arguments: map[string]any{
		"fields":        map[string]any{"$name": "Acme expansion", "$stage": "Discovery", "$amount": 40000},
		"relationships": map[string]any{"$account": "Acme", "$owner": "dana@ourco.com"},
	}})
	if err != nil || res.IsError || !strings.Contains(resultText(res), "Sandbox") {
		t.Fatalf("create through the bundle: %v %s", err, resultText(res))
	}

	var stderr bytes.Buffer
	keyless := hostLaunch(t, dir, map[string]any{})
	keyless.Stderr = &stderr
	if err := keyless.Run(); err == nil || !strings.Contains(stderr.String(), "placeholder") || !strings.Contains(stderr.String(), "API key") {
		t.Fatalf("without a key the bundle's server exited with %v: %s", err, stderr.String())
	}
}

// imageConfig is the part of `docker image inspect` or `podman image inspect`
// the image test reads.
type imageConfig struct {
	Architecture string `json:"Architecture"`
	Config       struct {
		User         string              `json:"User"`
		Entrypoint   []string            `json:"Entrypoint"`
		Cmd          []string            `json:"Cmd"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts"`
		Labels       map[string]string   `json:"Labels"`
		Healthcheck  struct {
			Test []string `json:"Test"`
		} `json:"Healthcheck"` // docker's
	} `json:"Config"`
	HealthCheck struct {
		Test []string `json:"Test"`
	} `json:"HealthCheck"` // podman's
}

// healthCheck is the image's health check, wherever the inspecting command
// put it.
func (c imageConfig) healthCheck() []string {
	if len(c.HealthCheck.Test) > 0 {
		return c.HealthCheck.Test
	}
	return c.Config.Healthcheck.Test
}

// containerCLI is the command whose store holds the snapshot's images:
// docker where a Docker engine answers, else podman, as ./test.sh decides.
func containerCLI() string {
	if exec.Command("docker", "info").Run() == nil {
		return "docker"
	}
	return "podman"
}

func container(t *testing.T, args ...string) []byte {
	t.Helper()
	cli := containerCLI()
	out, err := exec.Command(cli, args...).Output()
	if err != nil {
		stderr := ""
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = string(exit.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", cli, strings.Join(args, " "), err, stderr)
	}
	return out
}

// exportImage returns the files of an image's filesystem, by name.
func exportImage(t *testing.T, image string) map[string][]byte {
	t.Helper()
	id := strings.TrimSpace(string(container(t, "create", image)))
	defer exec.Command(containerCLI(), "rm", id).Run()
	archive := filepath.Join(t.TempDir(), "image.tar")
	container(t, "export", "-o", archive, id)
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(bufio.NewReader(f))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			data, _ := io.ReadAll(tr)
			files[path.Clean("/"+h.Name)] = data
		}
	}
}

// TestReleaseImages: each image holds the static binary alone, runs it as a
// non-root user with --http 0.0.0.0:8080 and a health check, and carries CA
// roots. The amd64 image's binary, taken out of the image, serves a deal to
// the fake Lightfield over HTTP and passes its own health check.
func TestReleaseImages(t *testing.T) {
	r := snapshot(t)
	for _, arch := range []string{"amd64", "arm64"} {
		image := r.find(t, "Docker Image", "", "linux", arch).Name
		var inspected []imageConfig
		if err := json.Unmarshal(container(t, "image", "inspect", image), &inspected); err != nil || len(inspected) != 1 {
			t.Fatalf("inspect %s: %v", image, err)
		}
		c := inspected[0]
		if c.Architecture != arch || c.Config.User != "65532:65532" || !slices.Equal(c.Config.Entrypoint, []string{"/lightfield-mcp"}) ||
			!slices.Equal(c.Config.Cmd, []string{"--http", "0.0.0.0:8080"}) || len(c.Config.ExposedPorts) != 1 {
			t.Errorf("%s: architecture %s, user %q, entrypoint %v, cmd %v, ports %v", image, c.Architecture, c.Config.User, c.Config.Entrypoint, c.Config.Cmd, c.Config.ExposedPorts)
		}
		if _, ok := c.Config.ExposedPorts["8080/tcp"]; !ok {
			t.Errorf("%s exposes %v, want 8080/tcp", image, c.Config.ExposedPorts)
		}
		if !slices.Equal(c.healthCheck(), []string{"CMD", "/lightfield-mcp", "--healthcheck", "http://127.0.0.1:8080/healthz"}) {
			t.Errorf("%s health check %v", image, c.healthCheck())
		}
		if c.Config.Labels["org.opencontainers.image.version"] != r.version || c.Config.Labels["io.modelcontextprotocol.server.name"] == "" {
			t.Errorf("%s labels %v", image, c.Config.Labels)
		}

		files := exportImage(t, image)
		if len(files) != 1 || files["/lightfield-mcp"] == nil {
			var names []string
			for name := range files {
				names = append(names, name)
			}
			t.Fatalf("%s holds %v, want /lightfield-mcp alone", image, names)
		}
		bin := filepath.Join(t.TempDir(), "lightfield-mcp")
		if err := os.WriteFile(bin, files["/lightfield-mcp"], 0o755); err != nil {
			t.Fatal(err)
		}
		checkStaticELF(t, bin, arch)
		info := checkBuild(t, bin, r.version)
		hasRoots := slices.ContainsFunc(info.Deps, func(m *debug.Module) bool { return m.Path == "golang.org/x/crypto/x509roots/fallback" })
		if !hasRoots {
			t.Errorf("%s's binary carries no CA roots (golang.org/x/crypto/x509roots/fallback); a scratch image has none", image)
		}
		if arch != runtime.GOARCH || runtime.GOOS != "linux" {
			continue
		}
		fake, api := startFake(t)
		base, _, stderr := startHTTPBinary(t, bin, "LIGHTFIELD_BASE_URL="+api)
		health := strings.Replace(c.healthCheck()[3], "127.0.0.1:8080", strings.TrimPrefix(base, "http://"), 1)
		if out, err := exec.Command(bin, c.healthCheck()[2], health).CombinedOutput(); err != nil {
			t.Errorf("the image's health check failed: %v %s", err, out)
		}
		session := httpSession(t, base+"/mcp", testKey)
		res, err := session.CallTool(context.Background(), &mcp.CallToolParams{Name: "create_opportunity", Arguments: map[string]any{
			"fields":        map[string]any{"$name": "Acme expansion", "$stage": "Discovery", "$amount": 40000},
			"relationships": map[string]any{"$account": "acc_01acme"},
		}})
		if err != nil || res.IsError || len(fake.Created()) != 1 {
			t.Fatalf("create through the image's binary: %v %s\n%s", err, resultText(res), stderr.String())
		}
	}
}

// TestReleaseServerJSON: the registry entry the release writes names the
// release's version, every bundle by its download URL and true SHA-256, and
// the image by the tag the release pushes.
func TestReleaseServerJSON(t *testing.T) {
	r := snapshot(t)
	raw, err := os.ReadFile("../../dist/server.json")
	if err != nil {
		t.Fatalf("dist/server.json: %v (go run ./release serverjson writes it after GoReleaser)", err)
	}
	doc, err := registry.Read(raw)
	if err != nil {
		t.Fatalf("dist/server.json: %v", err)
	}
	if doc.Version != r.version {
		t.Errorf("dist/server.json names version %q, the release is %s", doc.Version, r.version)
	}
	var bundles []string
	for _, p := range doc.Packages {
		switch p.RegistryType {
		case "mcpb":
			name := path.Base(p.Identifier)
			bundles = append(bundles, name)
			if p.Identifier != doc.Repository.URL+"/releases/download/v"+r.version+"/"+name {
				t.Errorf("bundle identifier %s", p.Identifier)
			}
			if sum := sha256File(t, "../../dist/"+name); p.FileSha256 != sum {
				t.Errorf("%s: fileSha256 %q, the file's is %s", name, p.FileSha256, sum)
			}
		case "oci":
			image := r.find(t, "Docker Image", "", "linux", "amd64").Name
			if p.Identifier+"-amd64" != image {
				t.Errorf("oci identifier %s; the release built %s", p.Identifier, image)
			}
		}
	}
	slices.Sort(bundles)
	if !slices.Equal(bundles, releaseBundles()) {
		t.Errorf("dist/server.json lists the bundles %v, want %v", bundles, releaseBundles())
	}
}
