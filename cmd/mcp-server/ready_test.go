package main

import (
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// TestReadyMeansReady: with an operator's key, /healthz (and the image's
// --healthcheck) answer 200 only once that organisation's definitions are
// loaded; a server that serves callers' keys only is ready at once, even
// when Lightfield cannot be reached.
func TestReadyMeansReady(t *testing.T) {
	fake, url := startFake(t)
	const slow = 2 * time.Second
	fake.Inject(lfsim.Fault{Path: "/v1/opportunities/definitions", Delay: slow})
	began := time.Now()
	base, _, logs := launchHTTP(t, binary, "127.0.0.1", "LIGHTFIELD_API_KEY="+testKey, "LIGHTFIELD_BASE_URL="+url)
	code, body := healthz(t, base)
	if code != 503 || !strings.Contains(body, "not_ready") {
		t.Fatalf("/healthz while the definitions load: %d %s", code, body)
	}
	// Alive all the same: a liveness probe must not restart a server
	// that waits for Lightfield.
	if resp, err := http.Get(base + "/livez"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/livez while the definitions load: %v %v", resp, err)
	}
	if err := exec.Command(binary, "--healthcheck", base+"/healthz").Run(); err == nil {
		t.Error("--healthcheck passed while the definitions load")
	}
	waitReady(t, base, logs)
	if took := time.Since(began); took < slow {
		t.Fatalf("ready after %v, before the definitions came (%v)", took, slow)
	}
	resp := post(t, base+"/mcp", "", "", listRequest)
	if list, _ := io.ReadAll(resp.Body); !strings.Contains(string(list), "Proposal Sent") {
		t.Fatalf("the first list once ready is not refined: %.300s", list)
	}

	// A key not allowed to read contacts (or accounts) is ready once the
	// deal's definitions are: those tools say which scope is missing.
	narrow, narrowURL := startFake(t)
	narrow.SetScopes("opportunities:read", "opportunities:create", "members:read")
	narrowBase, _, narrowLogs := launchHTTP(t, binary, "127.0.0.1", "LIGHTFIELD_API_KEY="+testKey, "LIGHTFIELD_BASE_URL="+narrowURL)
	waitReady(t, narrowBase, narrowLogs)

	closed := closedURL(t)
	callersOnly, _, _ := launchHTTP(t, binary, "127.0.0.1", "LIGHTFIELD_BASE_URL="+closed)
	if code, body := healthz(t, callersOnly); code != 200 {
		t.Fatalf("/healthz of a server for callers' keys only: %d %s", code, body)
	}
}

// healthz is the first answer of /healthz once the server listens.
func healthz(t *testing.T, base string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
