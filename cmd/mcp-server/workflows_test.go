package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/lightfield-mcp/lightfield-mcp/release/registry"
)

// The tests in this file tie the GitHub workflows (.github/workflows) to
// ./test.sh, .goreleaser.yaml and the README: the release workflow must
// build with what the local snapshot builds with, and make the files and
// signing identities the README's verification commands name. actionlint
// and zizmor check the workflows themselves (./test.sh runs them); the
// checks of zizmor's that matter most are repeated here, since zizmor cannot
// always be installed where ./test.sh runs.

// workflow is the part of a GitHub Actions workflow these tests read.
type workflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Permissions map[string]string `yaml:"permissions"`
		Steps       []workflowStep    `yaml:"steps"`
	} `yaml:"jobs"`
}

type workflowStep struct {
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

const (
	ciWorkflow      = "../../.github/workflows/ci.yml"
	releaseWorkflow = "../../.github/workflows/release.yml"
)

func readWorkflow(t *testing.T, name string) (workflow, string) {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(raw, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w, string(raw)
}

// steps are a workflow's steps, job by job, in the order of the file.
func (w workflow) steps() map[string][]workflowStep {
	out := map[string][]workflowStep{}
	for name, job := range w.Jobs {
		out[name] = job.Steps
	}
	return out
}

// runLines are the lines of every run: of the workflow.
func (w workflow) runLines() []string {
	var lines []string
	for _, steps := range w.steps() {
		for _, s := range steps {
			for _, line := range strings.Split(s.Run, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					lines = append(lines, line)
				}
			}
		}
	}
	return lines
}

func fileText(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(raw), "\r\n", "\n")
}

// TestReleaseWorkflowMatchesTestSh: the release workflow runs the GoReleaser
// that ./test.sh runs, with the snapshot's command less --snapshot and the
// skips, then the same serverjson command, with the syft ./test.sh names.
func TestReleaseWorkflowMatchesTestSh(t *testing.T) {
	w, _ := readWorkflow(t, releaseWorkflow)
	script := fileText(t, "../../test.sh")
	runs := w.runLines()

	// test.sh: goreleaser="go run github.com/goreleaser/goreleaser/v2@vX" and
	// $goreleaser release --snapshot --clean --skip=...
	pinned := regexp.MustCompile(`(?m)^goreleaser="(go run github\.com/goreleaser/goreleaser/v2@v\S+)"$`).FindStringSubmatch(script)
	if pinned == nil {
		t.Fatal(`./test.sh does not set goreleaser="go run github.com/goreleaser/goreleaser/v2@vX.Y.Z"`)
	}
	snapshot := regexp.MustCompile(`(?m)^\$goreleaser (release .*)$`).FindStringSubmatch(script)
	if snapshot == nil {
		t.Fatal("./test.sh runs no $goreleaser release")
	}
	var want, skips []string
	for _, arg := range strings.Fields(snapshot[1]) {
		switch {
		case arg == "--snapshot":
		case strings.HasPrefix(arg, "--skip="):
			skips = append(skips, strings.Split(strings.TrimPrefix(arg, "--skip="), ",")...)
		default:
			want = append(want, arg)
		}
	}
	// What the snapshot leaves out is what needs the workflow's identity
	// (sign) and what takes minutes to build here (sbom), nothing more.
	slices.Sort(skips)
	if !slices.Equal(skips, []string{"sbom", "sign"}) {
		t.Errorf("./test.sh's snapshot skips %v, want sbom and sign alone", skips)
	}
	release := pinned[1] + " " + strings.Join(want, " ")
	if !slices.Contains(runs, release) {
		t.Errorf("the release workflow does not run %q (./test.sh's snapshot without --snapshot and the skips); it runs:\n%s", release, strings.Join(runs, "\n"))
	}
	serverJSON := "go run ./release serverjson -dist dist"
	if !strings.Contains(script, "\n"+serverJSON+"\n") || !slices.Contains(runs, serverJSON) {
		t.Errorf("./test.sh and the release workflow must both run %q", serverJSON)
	}

	syft := regexp.MustCompile(`github\.com/anchore/syft/cmd/syft@v[0-9.]+`)
	inScript, inWorkflow := syft.FindString(script), ""
	for _, line := range runs {
		if strings.HasPrefix(line, "go install ") {
			inWorkflow = syft.FindString(line)
		}
	}
	if inScript == "" || inScript != inWorkflow {
		t.Errorf("./test.sh names syft %q, the release workflow installs %q", inScript, inWorkflow)
	}

	if !slices.Contains(runs, `go run ./release checkversion -tag "$GITHUB_REF_NAME"`) {
		t.Error("the release workflow does not check the tag against server.json and the manifest first")
	}
	if !slices.Equal(w.On.Push.Tags, []string{"v*"}) {
		t.Errorf("the release workflow runs on the tags %v, want v*", w.On.Push.Tags)
	}
}

// TestReadmeVerifiesWhatTheReleaseSigns: the README's verification commands
// name the signature bundle .goreleaser.yaml makes, the identity of this
// repository's release workflow (which signs with OIDC) and GitHub's OIDC
// issuer, and the attestations the workflow makes.
func TestReadmeVerifiesWhatTheReleaseSigns(t *testing.T) {
	var config struct {
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"checksum"`
		Signs []struct {
			Cmd       string   `yaml:"cmd"`
			Artifacts string   `yaml:"artifacts"`
			Signature string   `yaml:"signature"`
			Args      []string `yaml:"args"`
		} `yaml:"signs"`
		DockerSigns []struct {
			Artifacts string   `yaml:"artifacts"`
			Args      []string `yaml:"args"`
		} `yaml:"docker_signs"`
		DockerManifests []struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"docker_manifests"`
	}
	if err := yaml.Unmarshal([]byte(fileText(t, "../../.goreleaser.yaml")), &config); err != nil {
		t.Fatal(err)
	}
	if len(config.Signs) != 1 || config.Signs[0].Cmd != "cosign" || config.Signs[0].Artifacts != "checksum" ||
		!slices.Contains(config.Signs[0].Args, "--bundle=${signature}") {
		t.Fatalf(".goreleaser.yaml signs %+v; want checksums.txt signed with cosign sign-blob --bundle", config.Signs)
	}
	if len(config.DockerSigns) != 1 || config.DockerSigns[0].Artifacts != "all" || !slices.Contains(config.DockerSigns[0].Args, "${artifact}@${digest}") {
		t.Errorf(".goreleaser.yaml signs the images with %+v; want every image and manifest, by digest", config.DockerSigns)
	}
	bundle := strings.ReplaceAll(config.Signs[0].Signature, "${artifact}", config.Checksum.NameTemplate)
	checksums := config.Checksum.NameTemplate

	raw, err := os.ReadFile("../../server.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := registry.Read(raw)
	if err != nil {
		t.Fatal(err)
	}
	repo := strings.TrimPrefix(doc.Repository.URL, "https://github.com/")
	identity := doc.Repository.URL + "/.github/workflows/release.yml@refs/tags/v$v"
	image := strings.TrimSuffix(config.DockerManifests[0].NameTemplate, ":{{ .Version }}")

	readme := fileText(t, "../../README.md")
	for _, want := range []string{
		"cosign verify-blob --bundle " + bundle + " \\\n",
		"--certificate-identity \"" + identity + "\"",
		"--certificate-oidc-issuer https://token.actions.githubusercontent.com " + checksums + "\n",
		"/releases/download/v$v/" + bundle + "\n",
		"gh attestation verify lightfield-mcp_linux_amd64.tar.gz --repo " + repo + "\n",
		"cosign verify " + image + ":$v \\\n",
		"gh attestation verify oci://" + image + ":$v --repo " + repo + "\n",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("the README's verification commands lack %q", want)
		}
	}
	if c := strings.Count(readme, "--certificate-oidc-issuer https://token.actions.githubusercontent.com"); c != 2 {
		t.Errorf("the README names GitHub's OIDC issuer %d times, want 2 (checksums.txt and the image)", c)
	}

	// The workflow that signs is the one the identity names, and it can: the
	// job running GoReleaser has an OIDC token, and the attestations the
	// README verifies are made.
	w, _ := readWorkflow(t, releaseWorkflow)
	var signer, files, images bool
	for name, job := range w.Jobs {
		for _, s := range job.Steps {
			if strings.HasPrefix(s.Run, "go run github.com/goreleaser/goreleaser/v2@") {
				signer = job.Permissions["id-token"] == "write" && job.Permissions["packages"] == "write" && job.Permissions["contents"] == "write"
			}
			if strings.HasPrefix(s.Uses, "actions/attest@") {
				if s.With["subject-checksums"] == checksums {
					files = true
				}
				if s.With["push-to-registry"] == "true" && s.With["subject-digest"] != "" {
					images = true
				}
				if job.Permissions["id-token"] != "write" || job.Permissions["attestations"] != "write" {
					t.Errorf("job %s attests without id-token: write and attestations: write", name)
				}
			}
		}
	}
	if !signer || !files || !images {
		t.Errorf("the release workflow: GoReleaser with id-token, packages and contents write %v; attestation of %s %v; of the images %v", signer, checksums, files, images)
	}
}

// TestWorkflowsHardened repeats, for both workflows, the checks of zizmor's
// that matter most here: every action pinned by a full commit SHA with its
// version in a comment, checkouts that keep no credential, no expression
// expanded inside a run: script, permissions set, and no cache restored by
// the release.
func TestWorkflowsHardened(t *testing.T) {
	pinned := regexp.MustCompile(`^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$`)
	for _, name := range []string{ciWorkflow, releaseWorkflow} {
		w, text := readWorkflow(t, name)
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "uses:") && !pinned.MatchString(line) {
				t.Errorf("%s: %q is not pinned by a full commit SHA with a # vX.Y.Z comment", name, strings.TrimSpace(line))
			}
		}
		if strings.Contains(text, "pull_request_target") || strings.Contains(text, "workflow_run") {
			t.Errorf("%s runs on a trigger that hands a fork's code the repository's token", name)
		}
		for _, m := range regexp.MustCompile(`secrets\.(\w+)`).FindAllStringSubmatch(text, -1) {
			if m[1] != "GITHUB_TOKEN" {
				t.Errorf("%s uses the secret %s; only GITHUB_TOKEN is wanted", name, m[1])
			}
		}
		if w.Permissions == nil {
			t.Errorf("%s sets no top-level permissions", name)
		}
		for job, steps := range w.steps() {
			for _, s := range steps {
				if strings.Contains(s.Run, "${{") {
					t.Errorf("%s, job %s: an expression inside run: (pass it through env:): %s", name, job, s.Run)
				}
				if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["persist-credentials"] != "false" {
					t.Errorf("%s, job %s: actions/checkout without persist-credentials: false", name, job)
				}
				if name == releaseWorkflow {
					switch {
					case strings.HasPrefix(s.Uses, "actions/cache"),
						strings.HasPrefix(s.Uses, "actions/setup-go@") && s.With["cache"] != "false",
						strings.HasPrefix(s.Uses, "actions/setup-node@") && (s.With["package-manager-cache"] != "false" || s.With["cache"] != ""):
						t.Errorf("%s, job %s: %s restores a cache in a release", name, job, s.Uses)
					}
				}
			}
		}
	}
	ci, _ := readWorkflow(t, ciWorkflow)
	if len(ci.Permissions) != 1 || ci.Permissions["contents"] != "read" {
		t.Errorf("ci.yml's permissions are %v, want contents: read alone", ci.Permissions)
	}
	release, _ := readWorkflow(t, releaseWorkflow)
	if len(release.Permissions) != 0 {
		t.Errorf("release.yml grants %v to every job; each job names what it needs", release.Permissions)
	}
}
