#!/usr/bin/env bash
# Runs every test of the project: formatting, vet and staticcheck; helm lint
# and helm template of the Helm chart (deploy/helm); a snapshot
# release (GoReleaser builds every binary, archive, MCP Bundle, checksum and
# container image, published nowhere); the deal card's type check and build; unit tests, fuzz seeds, the end-to-end
# tests that drive the real binary over stdio and HTTP with the Go SDK and the
# TypeScript SDK clients, the OAuth sign-in page and the deal card in headless Chromium, and
# the tests of the release's artifacts, all under the race detector; then
# the soak test and short fuzzing runs. The GitHub workflows are checked with
# actionlint and, where PyPI answers, zizmor.
# Needs Go 1.26, Node 20+ with npm, Debian's chromium (/usr/bin/chromium, or
# LFMCP_CHROMIUM), shellcheck, and podman or a Docker engine; installs the
# pinned npm packages and Go tools itself. LFMCP_REQUIRE_ZIZMOR=1 makes a
# zizmor that cannot be installed a failure.
set -euo pipefail
cd "$(dirname "$0")"

goreleaser="go run github.com/goreleaser/goreleaser/v2@v2.15.1"

echo "== npm ci (e2e/ts, release, view); the deal card (view/): type check and build"
(cd e2e/ts && npm ci --no-audit --no-fund --loglevel=error)
npm ci --prefix release --no-audit --no-fund --loglevel=error
npm ci --prefix view --no-audit --no-fund --loglevel=error
npm run --prefix view --silent build

echo "== gofmt, go vet, staticcheck, goreleaser check"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
$goreleaser check

echo "== GitHub workflows: actionlint, zizmor (.github/workflows)"
# actionlint checks the workflows and, through shellcheck, their run: scripts;
# zizmor (from PyPI, pinned) audits their security with its offline rules.
if ! command -v shellcheck >/dev/null; then
  echo "actionlint checks run: scripts with shellcheck (Debian: apt-get install shellcheck)"; exit 1
fi
go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 .github/workflows/ci.yml .github/workflows/release.yml
zizmor=$(mktemp -d)
pip_log="python3 -m venv failed"
if python3 -m venv "$zizmor" >/dev/null 2>&1 &&
  pip_log=$("$zizmor/bin/pip" install --disable-pip-version-check --retries 1 --timeout 20 zizmor==1.32.0 2>&1); then
  status=0; "$zizmor/bin/zizmor" --offline .github/workflows || status=$?
  rm -rf "$zizmor"; [ "$status" -eq 0 ] || exit "$status"
else
  rm -rf "$zizmor"
  why=$(printf '%s\n' "$pip_log" | tail -n 1)
  case $pip_log in *"Failed to establish a new connection"*) why="PyPI cannot be reached from here" ;; esac
  if [ "${LFMCP_REQUIRE_ZIZMOR:-}" = 1 ]; then
    echo "LFMCP_REQUIRE_ZIZMOR=1, but zizmor 1.32.0 could not be installed from PyPI: $why"; exit 1
  fi
  echo "zizmor did NOT run: zizmor 1.32.0 could not be installed from PyPI ($why); the GitHub CI workflow runs it"
fi

echo "== helm lint, helm template (deploy/helm)"
# The chart with its default values and with the production-like ones;
# deploy/helm/chart_test.go then reads the rendered manifests.
helm="go run helm.sh/helm/v3/cmd/helm@v3.22.0"
$helm lint --strict deploy/helm/lightfield-mcp
$helm lint --strict deploy/helm/lightfield-mcp -f deploy/helm/values-production.yaml
$helm template lightfield-mcp deploy/helm/lightfield-mcp >/dev/null
$helm template lightfield-mcp deploy/helm/lightfield-mcp -f deploy/helm/values-production.yaml >/dev/null

echo "== snapshot release: binaries, archives, bundles, checksums, images (dist/)"
# GoReleaser's open-source edition builds images with the docker command.
# Where no Docker engine answers, podman builds them in its place, in the
# docker image format, which keeps the HEALTHCHECK (OCI images have none).
if ! docker info >/dev/null 2>&1; then
  if ! command -v podman >/dev/null; then
    echo "building the container image needs podman (Debian: apt-get install podman) or a Docker engine"; exit 1
  fi
  shim=$(mktemp -d)
  trap 'rm -rf "$shim"' EXIT
  printf '#!/bin/sh\nexec podman "$@"\n' > "$shim/docker" && chmod +x "$shim/docker"
  export PATH="$shim:$PATH" BUILDAH_FORMAT=docker
fi
# The release workflow signs checksums.txt and the images with cosign, keyless,
# through its GitHub OIDC identity, which nothing here has; and it makes SBOMs
# with syft (github.com/anchore/syft/cmd/syft@v1.57.1), whose first build
# takes 8 to 9 minutes on 2 cores. The snapshot skips both, and publishes nothing.
echo "snapshot: skipping signing (needs the release workflow's OIDC identity) and SBOMs (syft takes minutes to build); publishing nothing"
$goreleaser release --snapshot --clean --skip=sign,sbom
go run ./release serverjson -dist dist

echo "== go test -race (unit, fuzz seeds, end-to-end, release)"
LFMCP_REQUIRE_NODE=1 LFMCP_REQUIRE_BROWSER=1 LFMCP_REQUIRE_RELEASE=1 LFMCP_REQUIRE_HELM=1 go test -race -count=1 ./...

echo "== soak: 10,000 mixed calls, memory and goroutines must stay flat"
LFMCP_SOAK=1 go test -run '^TestSoak$' -count=1 -v ./tools | grep -E '^(---|ok|FAIL|\s+soak_test)'

echo "== short fuzzing"
# Budgets are counts, not durations: with a duration, Go 1.26's fuzz
# coordinator can fail at the deadline with a bare "context deadline
# exceeded" and no crasher (golang/go#75804, fixed in Go 1.27).
go test -run '^$' -fuzz '^FuzzCheckCall$' -fuzztime 80000x ./write
go test -run '^$' -fuzz '^FuzzDecodeOpportunity$' -fuzztime 80000x ./lfclient
go test -run '^$' -fuzz '^FuzzParseError$' -fuzztime 80000x ./lfclient
