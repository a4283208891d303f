package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"

	"github.com/lightfield-mcp/lightfield-mcp/source"
)

// TestHostsWhateverTheInterface: the same Host rule holds for a request
// that arrived on a network interface and one a local proxy delivered over
// loopback. (mcp-go's own check looks at loopback connections only, so a
// rebinding page reached a server listening on 0.0.0.0.)
func TestHostsWhateverTheInterface(t *testing.T) {
	t.Parallel()
	names, err := newHosts("https://mcp.example.com", "", "")
	if err != nil {
		t.Fatal(err)
	}
	sources, _ := source.NewResolver("")
	hooks := &server.Hooks{}
	mcpServer := server.NewMCPServer("t", "0", server.WithHooks(hooks))
	handler, _ := httpHandler(mcpServer, httpConfig{singleTenant: true, hosts: names, sources: sources,
		newKeys: source.NewBudget(1, 1, nil), hooks: hooks}, slog.New(slog.DiscardHandler))
	for _, arrived := range []string{"10.0.0.5:8080", "127.0.0.1:8080"} {
		for _, c := range []struct {
			host, origin string
			want         int
		}{
			{"rebind.attacker.example:8080", "http://rebind.attacker.example:8080", 403},
			{"rebind.attacker.example:8080", "", 403},
			{"mcp.example.com", "https://mcp.example.com", 200},
			{"mcp.example.com", "", 200},
		} {
			r := httptest.NewRequest("POST", "/mcp", strings.NewReader(initializeRequest))
			local, _ := net.ResolveTCPAddr("tcp", arrived)
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
			r.Host = c.host
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Accept", "application/json, text/event-stream")
			if c.origin != "" {
				r.Header.Set("Origin", c.origin)
			}
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Errorf("arrived on %s, Host %q, Origin %q: %d, want %d: %s", arrived, c.host, c.origin, w.Code, c.want, w.Body)
			}
		}
	}
}

func TestHostNames(t *testing.T) {
	t.Parallel()
	names, err := newHosts("https://MCP.example.com:8443", "crm.corp.example, other.example.", "https://app.example/")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"mcp.example.com": true, "mcp.example.com:443": true, "crm.corp.example:8080": true, "other.example": true,
		"localhost:3000": true, "[::1]:8080": true, "10.1.2.3:8080": true, "[2001:db8::1]:80": true,
		"example.com": false, "mcp.example.com.attacker.example": false, "": false, "localhost.attacker.example": false,
	} {
		if got := names.allowsHost(host); got != want {
			t.Errorf("allowsHost(%q) = %v, want %v", host, got, want)
		}
	}
	for origin, want := range map[string]bool{
		"https://mcp.example.com": true, "http://localhost:6274": true, "https://app.example": true,
		"https://app.example.evil": false, "http://10.1.2.3:8080": false, "null": false, "file://mcp.example.com": false,
	} {
		if got := names.allowsOrigin(origin); got != want {
			t.Errorf("allowsOrigin(%q) = %v, want %v", origin, got, want)
		}
	}
	if bücher, _ := newHosts("https://mcp.bücher.example", "", ""); !bücher.allowsHost("mcp.xn--bcher-kva.example") {
		t.Error("a public URL in another script is not served under the name clients send (punycode)")
	}
	for _, bad := range []string{"https://mcp.example.com", "mcp.example.com:8080", "a b"} {
		if _, err := newHosts("", bad, ""); err == nil || !strings.Contains(err.Error(), "LIGHTFIELD_ALLOWED_HOSTS") {
			t.Errorf("LIGHTFIELD_ALLOWED_HOSTS=%q: %v", bad, err)
		}
	}
}
