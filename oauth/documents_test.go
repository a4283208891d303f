package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/time/rate"

	"github.com/lightfield-mcp/lightfield-mcp/source"
)

// documentServer serves a valid document at /client.json, and at other
// paths what answers says (404 when it says nothing); served counts the
// requests for /client.json.
func documentServer(t *testing.T, answers map[string]string) (ts *httptest.Server, served *atomic.Int64) {
	t.Helper()
	served = new(atomic.Int64)
	ts = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/client.json" {
			served.Add(1)
			fmt.Fprintf(w, `{"client_id":%q,"redirect_uris":["https://app.example/cb"]}`, "https://"+r.Host+"/client.json")
			return
		}
		answer, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, answer)
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that refuse its certificate are expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts, served
}

// TestDocumentCacheKeepsWhatIsUsed: many junk client_ids do not push out a
// document in use: the least recently used go first.
func TestDocumentCacheKeepsWhatIsUsed(t *testing.T) {
	t.Parallel()
	docs, served := documentServer(t, nil)
	d := newClientDocuments(docs.Client())
	d.fetches = source.NewBudget(float64(rate.Inf), 1, nil) // this test is about the cache alone
	id := docs.URL + "/client.json"
	for i := range 300 {
		if i%100 == 0 {
			if _, err := d.fetch(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.fetch(context.Background(), fmt.Sprintf("%s/junk/%d", docs.URL, i)); err == nil {
			t.Fatal("a junk document was accepted")
		}
	}
	if _, err := d.fetch(context.Background(), id); err != nil || served.Load() != 1 {
		t.Fatalf("the document in use was fetched %d times (%v)", served.Load(), err)
	}
}

// TestUnreachableHostIsAskedOncePerMinute: a host that cannot be reached
// is asked once a minute, whatever URLs on it are named.
func TestUnreachableHostIsAskedOncePerMinute(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close() // nothing listens there now
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	untrusted, _ := documentServer(t, nil)
	for _, tc := range []struct {
		name   string
		client *http.Client
		host   string
	}{
		{"connection refused", guardedClient(true), closed.Addr().String()},
		{"no TLS", guardedClient(true), strings.TrimPrefix(plain.URL, "http://")},
		{"certificate not trusted", guardedClient(true), strings.TrimPrefix(untrusted.URL, "https://")},
		{"refused by the address guard", guardedClient(false), strings.TrimPrefix(untrusted.URL, "https://")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newClientDocuments(tc.client)
			d.fetches = source.NewBudget(0, 1, nil) // one fetch, ever: another would be refused as too many
			for i := range 20 {
				if _, err := d.fetch(context.Background(), fmt.Sprintf("https://%s/client/%d.json", tc.host, i)); !errors.Is(err, errUnreachable) {
					t.Fatalf("URL %d: %v", i, err)
				}
			}
			// A minute later, the host is asked again.
			d.mu.Lock()
			var host string
			var down cachedClient
			d.unreachable.Each(func(h string, c cachedClient) bool { host, down = h, c; return false })
			down.fetched = down.fetched.Add(-failedDocumentFor)
			d.unreachable.Put(host, down)
			d.mu.Unlock()
			d.fetches = source.NewBudget(0, 1, nil)
			if _, err := d.fetch(context.Background(), "https://"+tc.host+"/later.json"); !errors.Is(err, errUnreachable) || d.fetches.Allow("") {
				t.Fatalf("a minute later the host was not asked again: %v", err)
			}
		})
	}
}

// TestHostAnswersArePerURL: what a host answers at one URL (an error, a
// wrong document) does not keep another URL on it from being read: anyone
// may name junk paths on the host of a real client.
func TestHostAnswersArePerURL(t *testing.T) {
	t.Parallel()
	for path, answer := range map[string]string{
		"/missing":       "", // 404
		"/not-json":      "<html>",
		"/someone-else":  `{"client_id":"https://other.example/client.json","redirect_uris":["https://app.example/cb"]}`,
		"/bad-redirects": `{"redirect_uris":["javascript:alert(1)"]}`,
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			answers := map[string]string{}
			if answer != "" {
				answers[path] = answer
			}
			docs, served := documentServer(t, answers)
			d := newClientDocuments(docs.Client())
			if _, err := d.fetch(context.Background(), docs.URL+path); err == nil || errors.Is(err, errUnreachable) {
				t.Fatalf("%s: %v", path, err)
			}
			if _, err := d.fetch(context.Background(), docs.URL+"/client.json"); err != nil || served.Load() != 1 {
				t.Fatalf("after %s, another URL on the host: %v", path, err)
			}
		})
	}
}

// TestCallerLeavingIsNotRemembered: a fetch cut short by the caller says
// nothing of the document or its host; both are asked again at once.
func TestCallerLeavingIsNotRemembered(t *testing.T) {
	t.Parallel()
	docs, _ := documentServer(t, nil)
	d := newClientDocuments(docs.Client())
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	id := docs.URL + "/client.json"
	if _, err := d.fetch(gone, id); err == nil {
		t.Fatal("a fetch for a caller who left succeeded")
	}
	if _, err := d.fetch(context.Background(), id); err != nil {
		t.Fatalf("after a caller left: %v", err)
	}
}

// TestJunkFromOneSourceLeavesOthersFetching: a source naming junk
// client_ids spends its own budget of fetches, not the one a real app's
// sign-in from elsewhere needs.
func TestJunkFromOneSourceLeavesOthersFetching(t *testing.T) {
	t.Parallel()
	docs, served := documentServer(t, nil)
	d := newClientDocuments(docs.Client())
	noisy := source.With(context.Background(), "203.0.113.9")
	for i := range 12 {
		d.fetch(noisy, fmt.Sprintf("%s/junk/%d", docs.URL, i))
	}
	if _, err := d.fetch(source.With(context.Background(), "198.51.100.7"), docs.URL+"/client.json"); err != nil || served.Load() != 1 {
		t.Fatalf("a real app's document after another source's junk: %v", err)
	}
}
