package lightfieldtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
)

//go:embed sandbox_org.json
var sandboxOrg []byte

// SandboxAPIKey is the key the sandbox accepts; it opens nothing real.
const SandboxAPIKey = "sk_lf_sandbox"

// SandboxBaseURL names the sandbox; requests to it never leave the process.
const SandboxBaseURL = "https://sandbox.lightfield.invalid"

// Sandbox returns a fake organisation with realistic data and an HTTP client
// that serves it inside the process: nothing goes over the network, and
// records live as long as the process.
func Sandbox() (*Server, *http.Client, error) {
	var org Org
	if err := json.Unmarshal(sandboxOrg, &org); err != nil {
		return nil, nil, fmt.Errorf("sandbox org: %w", err)
	}
	fake, err := New(org, SandboxAPIKey)
	if err != nil {
		return nil, nil, err
	}
	fake.linkBase, fake.idPrefix = SandboxBaseURL, "opp_sbx"
	fake.KeepRequests(false)
	return fake, &http.Client{Transport: inProcess{fake}}, nil
}

// inProcess answers requests with a handler in the same process.
type inProcess struct{ handler http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	// A handler reads a server request, whose body is never nil.
	served := req.Clone(req.Context())
	if served.Body == nil {
		served.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.handler.ServeHTTP(rec, served)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
