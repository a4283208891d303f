package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGivenFlagWinsOverVariable: a flag given on the command line wins over
// its variable whatever its value, false and zero included.
func TestGivenFlagWinsOverVariable(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(name string) string { return vars[name] }
	}
	for _, c := range []struct {
		name string
		args []string
		vars map[string]string
		want string // in stderr; the exit code is 2 each time
	}{
		{"sandbox", []string{"--sandbox=false"}, map[string]string{"LIGHTFIELD_SANDBOX": "1"}, "LIGHTFIELD_API_KEY is not set"},
		{"allow-insecure-http", []string{"--allow-insecure-http=false"},
			map[string]string{"LIGHTFIELD_ALLOW_INSECURE_HTTP": "1", "LIGHTFIELD_API_KEY": testKey, "LIGHTFIELD_BASE_URL": "http://lightfield.example"}, "plain HTTP"},
		{"call-timeout", []string{"--call-timeout=0"}, map[string]string{"LIGHTFIELD_CALL_TIMEOUT": "10s"}, "--call-timeout=0s is not a positive duration"},
		{"definitions-ttl", []string{"--definitions-ttl=0s"}, map[string]string{"LIGHTFIELD_DEFINITIONS_TTL": "1m"}, "--definitions-ttl=0s is not a positive duration"},
		// A valid flag makes a wrong variable irrelevant.
		{"definitions-ttl valid", []string{"--definitions-ttl=1m"}, map[string]string{"LIGHTFIELD_DEFINITIONS_TTL": "soon"}, "LIGHTFIELD_API_KEY is not set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(c.args, env(c.vars), strings.NewReader(""), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), c.want) {
				t.Fatalf("exit %d, want 2 saying %q:\n%s", code, c.want, stderr.String())
			}
		})
	}
}

// TestShutdownWhileLoadingIsQuiet: a host that closes stdin while the first
// definitions are still on their way stops the server without a warning,
// and nothing is written to stderr after run returned (the CI run whose
// TestLogLevel saw "definitions not loaded at start … context canceled").
func TestShutdownWhileLoadingIsQuiet(t *testing.T) {
	lightfield := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // definitions that never arrive
	}))
	defer lightfield.Close()
	vars := map[string]string{"LIGHTFIELD_API_KEY": testKey, "LIGHTFIELD_BASE_URL": lightfield.URL, "LIGHTFIELD_ALLOW_INSECURE_HTTP": "1"}
	var stdout, stderr bytes.Buffer
	if code := run(nil, func(name string) string { return vars[name] }, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("a shutdown logged:\n%s", stderr.String())
	}
}
