package source

import (
	"net/http/httptest"
	"testing"

	"golang.org/x/time/rate"
)

func TestOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, trusted, remote string
		forwarded             []string
		want                  string
	}{
		{"direct", "", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"a forwarded address from an untrusted peer is not believed", "", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"a trusted proxy's forwarded address", "10.0.0.0/8", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client cannot choose its source by prepending", "10.0.0.0/8", "10.1.2.3:5000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted hops", "10.0.0.0/8,127.0.0.1", "127.0.0.1:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"a hop that is not an address ends the walk", "10.0.0.0/8", "10.1.2.3:5000", []string{"bogus"}, "10.1.2.3"},
		{"IPv6 is grouped by /64", "", "[2001:db8:1:2:3:4:5:6]:5000", nil, "2001:db8:1:2::/64"},
		{"IPv4 in IPv6 is IPv4", "", "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := NewResolver(c.trusted)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			for _, f := range c.forwarded {
				r.Header.Add("X-Forwarded-For", f)
			}
			if got := res.Of(r); got != c.want {
				t.Errorf("Of = %q, want %q", got, c.want)
			}
		})
	}
	if _, err := NewResolver("10.0.0.0/8, not-an-address"); err == nil {
		t.Error("a malformed proxy address was accepted")
	}
}

// TestOneSourceCannotSpendAnothersBudget: a source that spends its budget
// is refused, while another source is still served from the global one.
func TestOneSourceCannotSpendAnothersBudget(t *testing.T) {
	t.Parallel()
	b := NewBudget(0.001, 5, rate.NewLimiter(0.001, 20))
	allowed := 0
	for range 30 {
		if b.Allow("noisy") {
			allowed++
		}
	}
	if allowed != 5 {
		t.Errorf("the noisy source got %d of 30, want its burst of 5", allowed)
	}
	for i := range 5 {
		if !b.Allow("quiet") {
			t.Fatalf("a quiet source was refused at its attempt %d", i+1)
		}
	}
}

// TestRefusedByTheGlobalBudgetKeepsItsOwn: a source refused because others
// spent the global budget is not charged for it.
func TestRefusedByTheGlobalBudgetKeepsItsOwn(t *testing.T) {
	t.Parallel()
	global := rate.NewLimiter(0.001, 1)
	b := NewBudget(0.001, 2, global)
	if !b.Allow("first") {
		t.Fatal("the first request was refused")
	}
	for range 5 {
		if b.Allow("quiet") {
			t.Fatal("allowed past the global budget")
		}
	}
	for i := range 2 {
		if !b.AllowSource("quiet") {
			t.Errorf("the refusals spent the quiet source's own budget (refused at %d)", i+1)
		}
	}
}
