package lfsim

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	// The organisation's records are stored once the links name the
	// sandbox.
	defsOnly := org
	defsOnly.Accounts, defsOnly.Members, defsOnly.Contacts = nil, nil, nil
	fake, err := New(defsOnly, SandboxAPIKey)
	if err != nil {
		return nil, nil, err
	}
	fake.linkBase, fake.idTag = SandboxBaseURL, "sbx"
	if err := fake.storeOrg(org); err != nil {
		return nil, nil, err
	}
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
	w := &responseWriter{header: http.Header{}}
	t.handler.ServeHTTP(w, served)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(&w.body),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// responseWriter keeps what a handler answers, for RoundTrip to hand back.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}
