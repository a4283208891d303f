package lfclient

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/lightfield-mcp/lightfield-mcp/lightfieldtest"
)

// updateTarget creates the opportunity the update tests change: on Acme,
// owned by Dana, with Wile as champion and Sam as stakeholder.
func updateTarget(t *testing.T, c *Client) *Object {
	t.Helper()
	opp, err := c.Create(context.Background(), "opportunity", CreateParams{
		Fields:        map[string]any{"$name": "Acme expansion", "$stage": "opt_st_disc", "$nextStep": "Call Wile"},
		Relationships: map[string]any{"$account": "acc_01acme", "$owner": "mem_01dana", "$champion": "con_01wile", "stakeholders": []string{"con_01samo"}},
	}, "create-key")
	if err != nil {
		t.Fatal(err)
	}
	return opp
}

func ids(list ...string) *[]string { return &list }

// TestUpdateThroughTheFake: each kind of change is sent as the contract
// says and reads back as made.
func TestUpdateThroughTheFake(t *testing.T) {
	o := lightfieldtest.Contract(t)
	fake, ts := newFake(t)
	c := newClient(t, ts.URL)
	opp := updateTarget(t, c)
	for _, tc := range []struct {
		name   string
		params UpdateParams
		check  func(*Object) bool
	}{
		{"a field", UpdateParams{Fields: map[string]any{"$stage": "Negotiation", "$amount": 52000}},
			func(o *Object) bool {
				return string(o.Fields["$stage"].Value) == `"opt_st_nego"` && string(o.Fields["$amount"].Value) == "52000" && string(o.Fields["$name"].Value) == `"Acme expansion"`
			}},
		{"add to a HAS_MANY", UpdateParams{Relationships: map[string]RelationshipChange{"stakeholders": {Add: []string{"con_01wile"}}}},
			func(o *Object) bool {
				return slices.Equal(o.Relationships["stakeholders"].Values, []string{"con_01samo", "con_01wile"})
			}},
		{"remove from a HAS_MANY", UpdateParams{Relationships: map[string]RelationshipChange{"stakeholders": {Remove: []string{"con_01samo"}}}},
			func(o *Object) bool {
				return slices.Equal(o.Relationships["stakeholders"].Values, []string{"con_01wile"})
			}},
		{"replace a HAS_ONE", UpdateParams{Relationships: map[string]RelationshipChange{"$owner": {Replace: ids("mem_01fox")}, "$account": {Replace: ids("acc_01initech")}}},
			func(o *Object) bool {
				return slices.Equal(o.Relationships["$owner"].Values, []string{"mem_01fox"}) && slices.Equal(o.Relationships["$account"].Values, []string{"acc_01initech"})
			}},
		{"clear", UpdateParams{Fields: map[string]any{"$nextStep": nil}, Relationships: map[string]RelationshipChange{"$champion": {Replace: ids()}}},
			func(o *Object) bool {
				return string(o.Fields["$nextStep"].Value) == "null" && len(o.Relationships["$champion"].Values) == 0
			}},
	} {
		before := len(fake.Requests())
		got, err := c.Update(context.Background(), "opportunity", opp.ID, tc.params, "key-"+tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.ID != opp.ID || got.UpdatedAt == nil || !tc.check(got) {
			t.Errorf("%s: answer %s", tc.name, got.Raw)
		}
		req := fake.Requests()[before]
		if req.Path != "/v1/opportunities/"+opp.ID || req.Header.Get("Idempotency-Key") != "key-"+tc.name {
			t.Errorf("%s: sent %s %s with key %q", tc.name, req.Method, req.Path, req.Header.Get("Idempotency-Key"))
		}
		if err := o.ValidateRequest(req.Path, req.Body); err != nil {
			t.Errorf("%s: the body %s breaks the contract: %v", tc.name, req.Body, err)
		}
		if err := o.ValidateResponse("POST", req.Path, 200, got.Raw); err != nil {
			t.Errorf("%s: the answer breaks the contract: %v", tc.name, err)
		}
		read, err := c.Retrieve(context.Background(), "opportunity", opp.ID)
		if err != nil || !tc.check(&Object{Fields: read.Fields, Relationships: read.Relationships}) {
			t.Errorf("%s: read back %+v %v", tc.name, read, err)
		}
	}
}

// TestUpdateReplayedKey: the same key again gets the first answer back and
// changes nothing more, whatever the second body says.
func TestUpdateReplayedKey(t *testing.T) {
	_, ts := newFake(t)
	c := newClient(t, ts.URL)
	opp := updateTarget(t, c)
	first, err := c.Update(context.Background(), "opportunity", opp.ID, UpdateParams{Fields: map[string]any{"$stage": "Negotiation"}}, "same-key")
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Update(context.Background(), "opportunity", opp.ID, UpdateParams{Fields: map[string]any{"$stage": "Closed Lost"}}, "same-key")
	if err != nil || string(second.Raw) != string(first.Raw) {
		t.Fatalf("replay: %v\n%s\n%s", err, first.Raw, second.Raw)
	}
	read, err := c.Retrieve(context.Background(), "opportunity", opp.ID)
	if err != nil || string(read.Fields["$stage"].Value) != `"opt_st_nego"` {
		t.Fatalf("after the replay the stage is %s (%v)", read.Fields["$stage"].Value, err)
	}
}

// TestUpdateRefusedIsNotRetried: an unknown ID and a refused change come
// back as one *Error each, after one attempt.
func TestUpdateRefusedIsNotRetried(t *testing.T) {
	fake, ts := newFake(t)
	c := newClient(t, ts.URL)
	opp := updateTarget(t, c)
	for _, tc := range []struct {
		id     string
		params UpdateParams
		status int
		code   string
	}{
		{"opp_nothing", UpdateParams{Fields: map[string]any{"$stage": "Negotiation"}}, 404, ""},
		{opp.ID, UpdateParams{Fields: map[string]any{"$name": nil}}, 400, "invalid_type"},
		{opp.ID, UpdateParams{Relationships: map[string]RelationshipChange{"$owner": {Add: []string{"mem_01fox"}}}}, 400, "invalid_type"},
		{opp.ID, UpdateParams{Relationships: map[string]RelationshipChange{"$account": {Replace: ids()}}}, 400, "invalid_type"},
		{opp.ID, UpdateParams{Relationships: map[string]RelationshipChange{"stakeholders": {Add: []string{"con_nothing"}}}}, 422, "relationship_entity_missing"},
	} {
		before := len(fake.Requests())
		_, err := c.Update(context.Background(), "opportunity", tc.id, tc.params, "k-"+tc.code)
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Code != tc.code {
			t.Errorf("%s %+v: got %v, want %d %s", tc.id, tc.params, err, tc.status, tc.code)
		}
		if n := len(fake.Requests()) - before; n != 1 {
			t.Errorf("%s %+v: %d attempts", tc.id, tc.params, n)
		}
	}
}
