package write

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

const testKey = "sk_lf_write_core_TEST"

// newOrg is an organisation of the fixture, served by a fake of its own.
func newOrg(t *testing.T) (*Org, *lfsim.Server) {
	t.Helper()
	fake, ts := lightfieldtest.Start(t, "../testdata/org.json", testKey)
	client, err := lfclient.New(lfclient.Config{APIKey: testKey, BaseURL: ts.URL, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return NewOrg(client, OrgOptions{TTL: time.Hour}), fake
}

// answers is an Asker whose person has already answered.
type answers map[string]*Answer

func (a answers) Answer(key string) *Answer { return a[key] }
func (a answers) CanAsk() bool              { return true }

// TestCreateOutcomes: each kind of call to the core, and what it says
// happened; only Written writes.
func TestCreateOutcomes(t *testing.T) {
	t.Parallel()
	deal := func(extra string) string {
		return `{"fields":{"$name":"Core deal","$stage":"Discovery"},"relationships":{"$account":"Acme Corp"}` + extra + `}`
	}
	for _, c := range []struct {
		name   string
		kind   *Kind
		before []string // calls made first
		args   string
		ask    Asker
		want   Status
		posts  int
	}{
		{"a deal", Opportunity, nil, deal(""), nil, Written, 1},
		{"a stage that does not exist", Opportunity, nil, `{"fields":{"$name":"x","$stage":"Nope"},"relationships":{"$account":"acc_01acme"}}`, nil, Refused, 0},
		{"an account that does not exist, nobody to ask", Opportunity, nil, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"Hooli"}}`, nil, Refused, 0},
		{"an account that does not exist, asked", Opportunity, nil, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"Hooli"}}`, answers{}, Asking, 0},
		{"a new account the person declined", Opportunity, nil, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"Hooli"}}`, answers{newAccountQuestion: {Accepted: false}}, Declined, 0},
		{"a new account the person agreed to", Opportunity, nil, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"Hooli"}}`, answers{newAccountQuestion: {Accepted: true, Content: map[string]any{"create": true}}}, Written, 2},
		{"a name two accounts have, asked", Opportunity, nil, `{"fields":{"$name":"x","$stage":"Discovery"},"relationships":{"$account":"Globex"}}`, answers{}, Asking, 0},
		{"a dry run", Opportunity, nil, deal(`,"dryRun":true`), nil, DryRun, 0},
		{"the same call again", Opportunity, []string{deal("")}, deal(""), nil, Written, 1},
		{"the same deal under another key", Opportunity, []string{deal("")}, deal(`,"idempotencyKey":"another"`), nil, Duplicate, 0},
		{"the same deal, allowed", Opportunity, []string{deal("")}, deal(`,"allowDuplicate":true`), nil, Written, 1},
		{"an account that exists", Account, nil, `{"fields":{"$name":"acme corp"}}`, nil, Existing, 0},
		{"an account two have the name of", Account, nil, `{"fields":{"$name":"Globex"}}`, nil, Ambiguous, 0},
		{"a new account", Account, nil, `{"fields":{"$name":"Hooli","$website":"hooli.example"}}`, nil, Written, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o, fake := newOrg(t)
			for _, b := range c.before {
				if out := Create(context.Background(), o, c.kind, []byte(b), nil); out.Status != Written {
					t.Fatalf("the call before: %v %v", out.Status, out.Problems)
				}
			}
			before := len(fake.Requests())
			out := Create(context.Background(), o, c.kind, []byte(c.args), c.ask)
			if out.Status != c.want {
				t.Fatalf("status %d, want %d; problems %v, err %v", out.Status, c.want, out.Problems, out.Err)
			}
			posts := 0
			for _, r := range fake.Requests()[before:] {
				if r.Method == http.MethodPost {
					posts++
				}
			}
			if posts != c.posts {
				t.Errorf("%d POSTs, want %d", posts, c.posts)
			}
			if c.want == Written && (out.Record == nil || out.Key == "") {
				t.Errorf("written without a record or a key: %+v", out)
			}
		})
	}
}

// TestReplayIsSaid: the same call twice writes once, and the second says
// the record existed.
func TestReplayIsSaid(t *testing.T) {
	t.Parallel()
	o, _ := newOrg(t)
	args := []byte(`{"fields":{"$name":"Twice","$stage":"Discovery"},"relationships":{"$account":"acc_01acme"}}`)
	first := Create(context.Background(), o, Opportunity, args, nil)
	second := Create(context.Background(), o, Opportunity, args, nil)
	if first.Replayed || !second.Replayed || first.Record.ID != second.Record.ID || first.Key != second.Key {
		t.Fatalf("first %v %s, second %v %s", first.Replayed, first.Record.ID, second.Replayed, second.Record.ID)
	}
}

// TestUnreachableSendsNothing: when Lightfield answers none of the
// look-ups, no write is sent.
func TestUnreachableSendsNothing(t *testing.T) {
	t.Parallel()
	client, err := lfclient.New(lfclient.Config{APIKey: testKey, BaseURL: "http://127.0.0.1:1", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	o := NewOrg(client, OrgOptions{TTL: time.Hour})
	out := Create(context.Background(), o, Account, []byte(`{"fields":{"$name":"Hooli"}}`), nil)
	if out.Status != Unreachable || out.Err == nil {
		t.Fatalf("status %d, err %v", out.Status, out.Err)
	}
}

// ageDefinitions makes the held definitions old enough to be fetched again
// by a call that names something unknown, but not yet due for the TTL.
func ageDefinitions(d *Definitions) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fetched = time.Now().Add(-d.recheckAfter - time.Second)
}

// TestRepeatedWrongLabelFetchesOnce: a model repeating an unknown label
// costs at most one definitions fetch per few seconds, not one per call.
func TestRepeatedWrongLabelFetchesOnce(t *testing.T) {
	t.Parallel()
	o, fake := newOrg(t)
	if _, err := o.Definitions(Opportunity).Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	ageDefinitions(o.Definitions(Opportunity))
	before := len(fake.Requests())
	for range 5 {
		if out := Create(context.Background(), o, Opportunity, []byte(`{"fields":{"$name":"x","$stage":"Nope"},"relationships":{"$account":"acc_01acme"}}`), nil); out.Status != Refused {
			t.Fatalf("status %d", out.Status)
		}
	}
	n := 0
	for _, r := range fake.Requests()[before:] {
		if r.Path == "/v1/opportunities/definitions" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d definitions fetches for 5 calls with the same wrong label, want 1", n)
	}
}
