// Package lightfieldtest is what tests need on top of lfsim, the simulated
// Lightfield: a fake served on a loopback port for the length of a test, and
// validation against Lightfield's official OpenAPI document.
package lightfieldtest

import (
	"net/http/httptest"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// Start serves a fake organisation loaded from orgPath on a loopback
// httptest server that is closed when the test ends.
func Start(t testing.TB, orgPath, apiKey string) (*lfsim.Server, *httptest.Server) {
	t.Helper()
	org, err := lfsim.LoadOrg(orgPath)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := lfsim.New(org, apiKey)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	return fake, ts
}

// Contract loads the repository's copy of Lightfield's OpenAPI document
// (testdata/lightfield/openapi.json), failing the test if it cannot.
func Contract(t testing.TB) *OpenAPI {
	t.Helper()
	path, err := FindOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	o, err := LoadOpenAPI(path)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
