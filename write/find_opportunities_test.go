package write

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

func TestMatchDealName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		query, name string
		want        int
	}{
		{"Acme Rockets – Telemetry", "acme rockets - telemetry", dealExact},
		{"acme-rockets telemetry", "Acme Rockets – Telemetry", dealExact},
		{"Acme Telemetry", "Acme Rockets – Telemetry", dealWords},
		{"telemetry acme", "Acme Rockets – Telemetry", dealWords},
		{"zoe angstrom", "Zoë Ångström renewal", dealWords},
		{"acme tele", "Acme Rockets – Telemetry", dealWordStarts},
		{"acme metry", "Acme Rockets – Telemetry", noMatch},
		{"acme initech", "Acme Rockets – Telemetry", noMatch},
		{"", "Acme", noMatch},
	} {
		if got, _ := matchDealName(nameWords(c.query), c.name); got != c.want {
			t.Errorf("%q in %q: rank %d, want %d", c.query, c.name, got, c.want)
		}
	}
}

// TestCloseDateField: the close date is found by its label first, then
// by its key, and only among date fields.
func TestCloseDateField(t *testing.T) {
	t.Parallel()
	date := func(label string) lfclient.FieldDefinition {
		return lfclient.FieldDefinition{Label: label, ValueType: lfclient.TypeDatetime}
	}
	for want, fields := range map[string]map[string]lfclient.FieldDefinition{
		"$closeDate": {"$closeDate": date("Close Date"), "$lastInteractionAt": date("Last Interaction")},
		"signing":    {"closeDate": date("Expected close"), "signing": date("close  date")},
		"closeDate":  {"closeDate": date("Expected close"), "closeText": {Label: "Close Date", ValueType: lfclient.TypeText}},
		"":           {"$lastInteractionAt": date("Last Interaction")},
	} {
		if got := CloseDateField(&lfclient.Definitions{FieldDefinitions: fields}); got != want {
			t.Errorf("%v: %q, want %q", fields, got, want)
		}
	}
}

// TestFindOpportunitiesReadsRecentWrites: the core reads by ID what it
// wrote lately beside the list, and says so; one that did not write the
// deal finds it through the list once the list shows it.
func TestFindOpportunitiesReadsRecentWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o, fake := newOrg(t)
	fake.SetListLag(time.Hour)
	args := json.RawMessage(`{"fields":{"$name":"Acme Rockets – Telemetry","$stage":"Discovery","$closeDate":"2026-03-31"},"relationships":{"$account":"Acme Corp","$owner":"Dana"}}`)
	if out := Create(ctx, o, Opportunity, args, nil); out.Status != Written {
		t.Fatalf("status %v: %v", out.Status, out.Problems)
	}
	q := OpportunityQuery{Query: "acme telemetry", Stage: "Discovery", CloseBefore: "2026-03-31", Limit: 10}
	s, ps, err := FindOpportunities(ctx, o, q)
	if err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	want := []string{"$stage[equal]=opt_st_disc (Discovery)", "$closeDate[lessThanOrEqual]=2026-03-31T23:59:59+00:00"}
	if len(s.Deals) != 1 || s.Recent != 1 || s.Listed != 0 || !slices.Equal(s.Filters, want) {
		t.Fatalf("%+v", s)
	}
	d := s.Deals[0]
	if got := fmt.Sprintf("%s|%s|%s|%v|%v|%s", d.Name, d.Stage, d.CloseDate, *d.Account, *d.Owner, d.MatchedBy); got != "Acme Rockets – Telemetry|Discovery|2026-03-31|{acc_01acme Acme Corp}|{mem_01dana Dana Scully}|every word" {
		t.Errorf("described as %s", got)
	}

	fake.SetListLag(0)
	other := NewOrg(o.Client(), OrgOptions{})
	s, _, err = FindOpportunities(ctx, other, q)
	if err != nil || len(s.Deals) != 1 || s.Recent != 0 || s.Listed != 1 || s.Pages != 1 || s.CutShort {
		t.Fatalf("%v %+v", err, s)
	}
}

// TestFakeListFilters: the fake's list applies the filters
// find_opportunities sends as the contract describes them, and refuses,
// as Lightfield does, an operator a field's type does not take, a
// multi-select, and a value that is not of the field's type.
func TestFakeListFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o, _ := newOrg(t)
	args := json.RawMessage(`{"fields":{"$name":"Filtered","$stage":"Discovery","$closeDate":"2026-03-31","seats":12,"strategic":true,"productLines":["Analytics"]},"relationships":{"$account":"acc_01acme"}}`)
	if out := Create(ctx, o, Opportunity, args, nil); out.Status != Written {
		t.Fatalf("status %v: %v", out.Status, out.Problems)
	}
	for _, c := range []struct {
		key, op, value string
		found          int // -1: refused with 400
	}{
		{"$stage", "equal", "opt_st_disc", 1},
		{"$stage", "equal", "discovery", 1},
		{"$stage", "-equal", "Discovery", 0},
		{"$stage", "equal", "Negotiation", 0},
		{"seats", "greaterThan", "11.5", 1},
		{"seats", "lessThanOrEqual", "11", 0},
		{"strategic", "equal", "true", 1},
		{"$closeDate", "equal", "2026-03-31T14:00:00+02:00", 1},
		{"$closeDate", "greaterThan", "2026-03-31T12:00:00+00:00", 0},
		{"$closeDate", "lessThanOrEqual", "2026-03-31T23:59:59+00:00", 1},
		{"$stage", "startsWith", "Disc", -1},
		{"$name", "greaterThan", "F", -1},
		{"productLines", "equal", "Analytics", -1},
		{"seats", "greaterThan", "many", -1},
		{"strategic", "equal", "yes", -1},
		{"$closeDate", "lessThan", "March", -1},
	} {
		page, err := o.Client().List(ctx, "opportunity", []lfclient.Filter{{Key: c.key, Operator: c.op, Value: c.value}}, 25, 0)
		var apiErr *lfclient.Error
		switch {
		case c.found < 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != 400):
			t.Errorf("%s[%s]=%s: %v, want a 400", c.key, c.op, c.value, err)
		case c.found >= 0 && (err != nil || len(page.Data) != c.found):
			t.Errorf("%s[%s]=%s: %v, %v", c.key, c.op, c.value, page, err)
		}
	}
}
