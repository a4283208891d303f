package tools

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

const initech = `{"fields":{"$name":"Initech renewal","$stage":"Qualified","$amount":12000},"relationships":{"$account":%s}}`

func initechWith(account string) string {
	return strings.Replace(initech, "%s", account, 1)
}

func TestDuplicateOnTheSameAccountIsRefused(t *testing.T) {
	h := newHarness(t, true)
	mustSucceed(t, h.call(t, initechWith(`"acc_01initech"`)))
	// Another call for the same deal: other amount, name in other case.
	other := `{"fields":{"$name":"INITECH RENEWAL","$stage":"Negotiation","$amount":15000},"relationships":{"$account":"Initech"}}`
	res := h.call(t, other)
	msg := text(res)
	for _, w := range []string{"already exists", "opp_fake000001", `stage "Qualified"`, "https://app.lightfield.app/opportunities/opp_fake000001", "allowDuplicate: true"} {
		if !strings.Contains(msg, w) {
			t.Errorf("lacks %q: %s", w, msg)
		}
	}
	if !res.IsError || len(h.fake.Created()) != 1 {
		t.Fatalf("error=%v stored=%d", res.IsError, len(h.fake.Created()))
	}
	// A dry run shows the duplicate as a warning.
	dry := h.call(t, strings.Replace(other, `"relationships"`, `"dryRun":true,"relationships"`, 1))
	if sc := mustSucceed(t, dry); sc["warnings"] == nil {
		t.Fatalf("dry run without duplicate warning: %s", text(dry))
	}
	// The same name on another account is another deal.
	mustSucceed(t, h.call(t, initechWith(`"acc_01acme"`)))
	// allowDuplicate creates it anyway.
	mustSucceed(t, h.call(t, strings.Replace(other, `"relationships"`, `"allowDuplicate":true,"relationships"`, 1)))
	if n := len(h.fake.Created()); n != 3 {
		t.Fatalf("%d stored, want 3", n)
	}
}

// While Lightfield's lists lag behind writes the duplicate check cannot see
// the first opportunity; the Idempotency-Key covers that window, and a name
// and its ID give the same key.
func TestSameCreateTwiceWhileListsLag(t *testing.T) {
	h := newHarness(t, true)
	h.fake.SetListLag(time.Hour)
	first := mustSucceed(t, h.call(t, initechWith(`"Initech"`)))
	second := mustSucceed(t, h.call(t, initechWith(`"acc_01initech"`)))
	if first["idempotencyKey"] != second["idempotencyKey"] {
		t.Fatalf("keys differ: %v %v", first["idempotencyKey"], second["idempotencyKey"])
	}
	if n := len(h.fake.Created()); n != 1 {
		t.Fatalf("%d opportunities stored, want 1", n)
	}
	id := func(sc map[string]any) any { return sc["opportunity"].(map[string]any)["id"] }
	if id(first) != id(second) {
		t.Fatalf("second call returned %v, want %v", id(second), id(first))
	}
}

func TestSilentlyDroppedValueIsAWarning(t *testing.T) {
	h := newHarness(t, true)
	h.fake.DropOnWrite("seats")
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery","seats":40,"dealSource":"Inbound"},"relationships":{"$account":"acc_01acme"}}`)
	sc := mustSucceed(t, res)
	warnings, _ := json.Marshal(sc["warnings"])
	if !strings.Contains(string(warnings), "fields.seats") || strings.Contains(string(warnings), "dealSource") {
		t.Fatalf("warnings %s", warnings)
	}
	if !strings.Contains(text(res), "Warning: fields.seats") {
		t.Fatalf("text %s", text(res))
	}
}

func withStage(t *testing.T, label string) json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile("../testdata/org.json")
	if err != nil {
		t.Fatal(err)
	}
	var org map[string]any
	json.Unmarshal(raw, &org)
	stage := org["definitions"].(map[string]any)["fieldDefinitions"].(map[string]any)["$stage"].(map[string]any)
	cfg := stage["typeConfiguration"].(map[string]any)
	cfg["options"] = append(cfg["options"].([]any), map[string]any{"id": "opt_st_new", "label": label})
	out, _ := json.Marshal(org["definitions"])
	return out
}

func TestStageAddedWhileRunning(t *testing.T) {
	// Definitions held are old enough to be fetched again at once.
	h := startHarness(t, harnessOptions{load: true, recheckAfter: time.Nanosecond})
	if err := h.fake.SetDefinitions(withStage(t, "Verbal Commit")); err != nil {
		t.Fatal(err)
	}
	// The held definitions do not know the stage; the call re-fetches them
	// before refusing.
	res := h.call(t, `{"fields":{"$name":"x","$stage":"verbal commit"},"relationships":{"$account":"acc_01acme"}}`)
	mustSucceed(t, res)
	if got := sentBody(t, h).Fields["$stage"]; got != "opt_st_new" {
		t.Fatalf("stage sent as %v", got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for h.changed.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h.changed.Load() == 0 {
		t.Fatal("no tools/list_changed after the definitions changed")
	}
	if enum := stageEnum(h.inputSchema(t)); len(enum) != 7 {
		t.Fatalf("schema stages %v", enum)
	}
}

func TestDefinitionsRefreshEveryTTL(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, ttl: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.srv.KeepDefinitionsFresh(ctx)
	h.fake.SetDefinitions(withStage(t, "Verbal Commit"))
	deadline := time.Now().Add(5 * time.Second)
	for len(stageEnum(h.inputSchema(t))) != 7 {
		if time.Now().After(deadline) {
			t.Fatal("the schema never showed the new stage")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLightfieldUnknownFieldReloadsDefinitions(t *testing.T) {
	h := newHarness(t, true)
	// An administrator deletes "seats" after the server loaded definitions.
	raw, _ := os.ReadFile("../testdata/org.json")
	var org map[string]any
	json.Unmarshal(raw, &org)
	delete(org["definitions"].(map[string]any)["fieldDefinitions"].(map[string]any), "seats")
	defs, _ := json.Marshal(org["definitions"])
	h.fake.SetDefinitions(defs)

	res := h.call(t, `{"fields":{"$name":"x","$stage":"Discovery","seats":5},"relationships":{"$account":"acc_01acme"}}`)
	msg := text(res)
	if !res.IsError || !strings.Contains(msg, "fields.seats: unknown field") || !strings.Contains(msg, "definitions changed") {
		t.Fatalf("got %s", msg)
	}
	if len(h.fake.Created()) != 0 {
		t.Fatal("stored")
	}
}

func TestStaleDefinitionsAreSaidToBeStale(t *testing.T) {
	h := startHarness(t, harnessOptions{load: true, recheckAfter: time.Nanosecond})
	for range 4 {
		h.fake.Inject(lfsim.Fault{Path: "/v1/opportunities/definitions", Status: 503})
	}
	res := h.call(t, `{"fields":{"$name":"x","$stage":"Verbal Commit"},"relationships":{"$account":"acc_01acme"}}`)
	msg := text(res)
	if !res.IsError || !strings.Contains(msg, `"Verbal Commit" is not an option`) || !strings.Contains(msg, "could not be refreshed") || !strings.Contains(msg, "may be stale") {
		t.Fatalf("got %s", msg)
	}
	// Calls still work against the last good copy.
	mustSucceed(t, h.call(t, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`))
}
