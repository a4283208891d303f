package write

import "testing"

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2026-03-31":                "2026-03-31T12:00:00+00:00",
		"2026-03-31T17:00:00Z":      "2026-03-31T17:00:00+00:00",
		"2026-03-31T17:00:00-05:00": "2026-03-31T17:00:00-05:00",
		"2026-03-31T17:00:00.5Z":    "2026-03-31T17:00:00.5+00:00",
		"2026-03-31T17:00:00":       "", // no offset: which time zone is unknown
		"March 31":                  "",
		"31/03/2026":                "",
		"2026-02-30":                "",
	} {
		got, err := parseDate(in)
		if want == "" {
			if err == nil {
				t.Errorf("%q accepted as %q", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNumber(t *testing.T) {
	for in, want := range map[any]float64{"40000": 40000, " 12.5 ": 12.5, "1e3": 1000, "-3.25": -3.25} {
		if got, why := number(in); why != "" || got != want {
			t.Errorf("%v → %v, %s", in, got, why)
		}
	}
	for _, in := range []any{"$40k", "40,000", "1.005", "1e20", "NaN", "Inf", true, []any{}} {
		if got, why := number(in); why == "" {
			t.Errorf("%v accepted as %v", in, got)
		}
	}
}

func TestClosest(t *testing.T) {
	candidates := map[string][]string{
		"$closeDate": {"$closeDate", "Close Date"}, "dealSource": {"dealSource", "Deal Source"}, "seats": {"seats", "Seats"},
	}
	for in, want := range map[string]string{"close_date": "$closeDate", "Deal source": "dealSource", "seat": "seats", "zzzzzzzz": ""} {
		got := closest(in, candidates, 1)
		if (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
			t.Errorf("closest(%q) = %v, want %q", in, got, want)
		}
	}
}
