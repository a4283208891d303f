package main

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// hosts are the names this deployment answers to: loopback names, the
// host of LIGHTFIELD_PUBLIC_URL and those listed in LIGHTFIELD_ALLOWED_HOSTS.
// A request is judged by its Host header whatever address it arrived on,
// so that a DNS-rebinding page (which controls both Host and Origin) is
// refused on a network listener, and a local proxy or tunnel delivering
// the deployment's own name over loopback is served. IP literals are
// served too: a rebinding page's Host is always its own name, and health
// probes address a replica by IP.
type hosts struct {
	names []string
	// public: LIGHTFIELD_PUBLIC_URL names the host (TLS ends in front).
	public bool
	// origins are browser origins the operator allows besides those of
	// the names above (LIGHTFIELD_ALLOWED_ORIGINS).
	origins []string
}

// loopbackNames are the names of this machine, always served.
var loopbackNames = []string{"localhost", "127.0.0.1", "::1"}

// isLoopback reports whether a host name names this machine.
func isLoopback(host string) bool {
	return slices.Contains(loopbackNames, hostname(host))
}

// newHosts reads the settings; publicURL may be "".
func newHosts(publicURL, allowedHosts, allowedOrigins string) (*hosts, error) {
	h := &hosts{names: slices.Clone(loopbackNames)}
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("LIGHTFIELD_PUBLIC_URL=%q is not a URL such as https://mcp.example.com", publicURL)
		}
		h.names = append(h.names, hostname(u.Host))
		h.public = true
	}
	for _, name := range strings.Split(allowedHosts, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if strings.ContainsAny(name, "/:@ ") {
			return nil, fmt.Errorf("LIGHTFIELD_ALLOWED_HOSTS: %q is not a host name (write mcp.example.com, without scheme, port or path)", name)
		}
		h.names = append(h.names, hostname(name))
	}
	for _, o := range strings.Split(allowedOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			h.origins = append(h.origins, strings.TrimSuffix(o, "/"))
		}
	}
	return h, nil
}

// hostname is a Host value's name, lower-case, without port, brackets or
// a final dot.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if ascii, err := idna.Lookup.ToASCII(host); err == nil {
		host = ascii // a name in another script as clients send it (xn--…)
	}
	return host
}

// allowsHost reports whether a request's Host names this deployment.
func (h *hosts) allowsHost(host string) bool {
	name := hostname(host)
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	return name != "" && slices.Contains(h.names, name)
}

// allowsOrigin reports whether a browser page at origin may call: one of
// the deployment's own names (any port), or an origin the operator listed.
// It is never judged against the request's own Host, which the page
// chooses too.
func (h *hosts) allowsOrigin(origin string) bool {
	if slices.Contains(h.origins, strings.TrimSuffix(origin, "/")) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return slices.Contains(h.names, hostname(u.Host))
}

// guardHost refuses, before anything else runs, a request whose Host is
// not one of the deployment's names. /healthz and /livez answer any Host:
// they say nothing, and load balancers probe them by whatever name they use.
func (h *hosts) guardHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && r.URL.Path != "/livez" && !h.allowsHost(r.Host) {
			httpError(w, http.StatusForbidden, "unknown_host", fmt.Sprintf("This server does not answer to the host name %q. Its operator names the host names clients use in LIGHTFIELD_PUBLIC_URL or LIGHTFIELD_ALLOWED_HOSTS.", hostname(r.Host)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
