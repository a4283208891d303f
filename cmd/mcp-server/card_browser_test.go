package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDealCardInBrowser: the deal card (ui://lightfield/deal) in a real
// browser, hosted through the ext-apps AppBridge in a sandboxed srcdoc
// frame under the CSP of an empty _meta.ui.csp (e2e/ts/card.browser.mjs),
// with the official TypeScript SDK client driving the binary. A created
// deal shows its facts and opens its link through the host; a refused
// call's candidate, a dry run's Create and the stage control each make
// one call; markup in a deal stays text; the host's theme is followed; and
// the card makes no request of its own. Here: what the card's calls
// stored.
func TestDealCardInBrowser(t *testing.T) {
	dir := browserTests(t)
	// The host page is bundled at test time from the ext-apps SDK.
	for _, pkg := range []string{"esbuild", "@modelcontextprotocol/ext-apps"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg)); err != nil {
			t.Fatalf("%s is not installed in %s: run npm ci there", pkg, dir)
		}
	}
	fake, url := startFake(t)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "card.browser.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LFMCP_CHROMIUM="+chromiumPath(), "LFMCP_BINARY="+binary, "LIGHTFIELD_BASE_URL="+url, "LIGHTFIELD_API_KEY="+testKey)
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the browser test failed after %s: %v\n%s", time.Since(start).Round(time.Millisecond), err, out)
	}
	t.Logf("the browser test took %s", time.Since(start).Round(time.Millisecond))
	if testing.Verbose() {
		t.Logf("%s", out)
	}

	// The deals by name, as stored (the names are card.browser.mjs's).
	stored := map[string][]record{}
	for _, raw := range fake.CreatedOf("opportunity") {
		var rec record
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatalf("stored deal %s: %v", raw, err)
		}
		name, _ := rec.Fields["$name"].Value.(string)
		stored[name] = append(stored[name], rec)
	}
	const hostile = `Card hostile deal <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`
	for _, name := range []string{"Card created deal", "Card pick deal", "Card confirm deal", "Card stage deal", "Card theme deal", hostile} {
		if n := len(stored[name]); n != 1 {
			t.Errorf("%d deals named %q stored, want 1\n%s", n, name, out)
		}
	}
	if len(stored) != 6 {
		t.Errorf("%d deals stored, want the 6 the test names", len(stored))
	}

	// The pick: the same call with Jo Park's ID for the evaluator.
	if picked := stored["Card pick deal"]; len(picked) == 1 {
		if evaluator := picked[0].Relationships["$evaluator"].Values; !slices.Equal(evaluator, []string{"con_01jop"}) {
			t.Errorf("the picked deal's evaluator is %v, want con_01jop (Jo Park)", evaluator)
		}
		if account := picked[0].Relationships["$account"].Values; !slices.Equal(account, []string{"acc_01globex"}) {
			t.Errorf("the picked deal's account is %v, want acc_01globex", account)
		}
	}
	// Each note and follow-up once: the created deal's, the confirmed deal's
	// (written by the dry run's Create) and the hostile deal's note.
	for objectType, want := range map[string]int{"note": 3, "task": 2} {
		if n := len(fake.CreatedOf(objectType)); n != want {
			t.Errorf("%d %ss stored, want %d", n, objectType, want)
		}
	}
	// The stage control: one update, to Negotiation.
	if moved := stored["Card stage deal"]; len(moved) == 1 {
		id := moved[0].ID
		if got, want := bodies(updatesOf(fake, id)), []string{`{"fields":{"$stage":"opt_st_nego"}}`}; !slices.Equal(got, want) {
			t.Errorf("update requests for the moved deal %q, want %q", got, want)
		}
		if stage := storedRecord(t, fake, id).Fields["$stage"].Value; stage != "opt_st_nego" {
			t.Errorf("the moved deal's stage is %v, want opt_st_nego (Negotiation)", stage)
		}
	}
	// No other deal was changed.
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/v1/opportunities/") {
			if moved := stored["Card stage deal"]; len(moved) != 1 || r.Path != "/v1/opportunities/"+moved[0].ID {
				t.Errorf("an update the card did not ask for: %s %s %s", r.Method, r.Path, r.Body)
			}
		}
	}
}
