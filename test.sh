#!/usr/bin/env bash
# Runs every test of the project: formatting and vet, unit tests, fuzz seeds,
# the end-to-end tests that drive the real binary over stdio with the Go SDK
# and the TypeScript SDK clients, all under the race detector, then the soak
# test and short fuzzing runs. Needs Go 1.26, Node 20+ and npm; installs the pinned npm
# packages itself.
set -euo pipefail
cd "$(dirname "$0")"

echo "== npm ci (e2e/ts)"
(cd e2e/ts && npm ci --no-audit --no-fund --loglevel=error)

echo "== gofmt, go vet, staticcheck"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test -race (unit, fuzz seeds, end-to-end)"
LFMCP_REQUIRE_NODE=1 go test -race -count=1 ./...

echo "== soak: 10,000 mixed calls, memory and goroutines must stay flat"
LFMCP_SOAK=1 go test -run '^TestSoak$' -count=1 -v ./tools | grep -E '^(---|ok|FAIL|\s+soak_test)'

echo "== short fuzzing"
# Budgets are counts, not durations: with a duration, Go 1.26's fuzz
# coordinator can fail at the deadline with a bare "context deadline
# exceeded" and no crasher (golang/go#75804, fixed in Go 1.27).
go test -run '^$' -fuzz '^FuzzCheckCall$' -fuzztime 80000x ./tools
go test -run '^$' -fuzz '^FuzzDecodeOpportunity$' -fuzztime 80000x ./lfclient
go test -run '^$' -fuzz '^FuzzParseError$' -fuzztime 80000x ./lfclient
