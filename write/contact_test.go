package write

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestContactOutcomes: a contact is found by email, then by full name at
// its account, and created only when neither finds it; a name that cannot
// be told apart from others is refused. Only Written writes.
func TestContactOutcomes(t *testing.T) {
	t.Parallel()
	newPerson := `{"fields":{"$name":"Samir Nagheenanajar","$email":"samir@initech.example"},"relationships":{"$account":"Initech"}}`
	for _, c := range []struct {
		name      string
		before    string // a call made first
		args      string
		want      Status
		matchedBy string
		posts     int
	}{
		{"a new person", "", newPerson, Written, "", 1},
		{"the same call again", newPerson, newPerson, Written, "", 1},
		{"the same email, another spelling", newPerson, `{"fields":{"$name":"Samir N.","$email":"SAMIR@initech.example"}}`, Existing, "email", 0},
		{"an email the fixture has", "", `{"fields":{"$name":"Pete","$email":" peter@INITECH.example"}}`, Existing, "email", 0},
		{"the full name at the account", "", `{"fields":{"$name":{"firstName":"sam","lastName":"ORTIZ"}},"relationships":{"$account":"acc_01acme"}}`, Existing, "full name at the account", 0},
		{"the full name at another account", "", `{"fields":{"$name":"Sam Ortiz"},"relationships":{"$account":"Initech"}}`, Written, "", 1},
		{"a name alone", "", `{"fields":{"$name":"Sam Ortiz"}}`, Refused, "", 0},
		{"a dry run", "", strings.TrimSuffix(newPerson, "}") + `,"dryRun":true}`, DryRun, "", 0},
		{"a dry run of someone there", "", `{"fields":{"$name":"Peter Gibbons","$email":"peter@initech.example"},"dryRun":true}`, Existing, "email", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o, fake := newOrg(t)
			if c.before != "" {
				if out := Create(context.Background(), o, Contact, []byte(c.before), nil); out.Status != Written {
					t.Fatalf("the call before: %v %v", out.Status, out.Problems)
				}
			}
			before := len(fake.Requests())
			out := Create(context.Background(), o, Contact, []byte(c.args), nil)
			if out.Status != c.want || out.MatchedBy != c.matchedBy {
				t.Fatalf("status %d matched by %q, want %d %q; problems %v, err %v", out.Status, out.MatchedBy, c.want, c.matchedBy, out.Problems, out.Err)
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
		})
	}
}

// TestContactNames: a name given as one string is split at its first
// space; either form is sent as an object, trimmed.
func TestContactNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"Wile E. Coyote"`: `{"firstName":"Wile","lastName":"E. Coyote"}`,
		`"  Madonna "`:     `{"firstName":"Madonna"}`,
		`{"firstName":" Jo ","lastName":"van  Dyk"}`: `{"firstName":"Jo","lastName":"van Dyk"}`,
		`{"lastName":"Park"}`:                        `{"lastName":"Park"}`,
	} {
		call, ps := Check(Contact, []byte(`{"fields":{"$name":`+in+`,"$email":"x@y.example"}}`), nil)
		got, _ := json.Marshal(call.Params.Fields["$name"])
		if len(ps) > 0 || string(got) != want {
			t.Errorf("%s → %s %v, want %s", in, got, ps, want)
		}
	}
	for in, want := range map[string]string{
		`""`:                      "names nobody",
		`{"firstName":""}`:        "names nobody",
		`42`:                      `must be an object {"firstName"`,
		`{"first":"Jo"}`:          "unknown key",
		`{"firstName":["a","b"]}`: "must be a string",
	} {
		_, ps := Check(Contact, []byte(`{"fields":{"$name":`+in+`,"$email":"x@y.example"}}`), nil)
		if len(ps) != 1 || !strings.Contains(ps[0].Message, want) {
			t.Errorf("%s: problems %v, want one saying %q", in, ps, want)
		}
	}
}

// TestContactEmails: an email must be an address, and a name needs an
// email or an account to be told apart from others.
func TestContactEmails(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{
		`{"fields":{"$name":"Jo Park","$email":"Jo <jo@park.example>"}}`:                                                                "is not an email address",
		`{"fields":{"$name":"Jo Park","$email":"jo at park.example"}}`:                                                                  "is not an email address",
		`{"fields":{"$name":"Jo Park","$email":["a@b.example","c@d.example","e@f.example","g@h.example","i@j.example","k@l.example"]}}`: "at most 5",
		`{"fields":{"$name":"Jo Park","$email":[]}}`:                                                                                    "is needed when no account is given",
		`{"fields":{"$name":"Jo Park"},"relationships":{}}`:                                                                             "is needed when no account is given",
	} {
		_, ps := Check(Contact, []byte(args), nil)
		if len(ps) != 1 || ps[0].Path != "fields.$email" || !strings.Contains(ps[0].Message, want) {
			t.Errorf("%s: problems %v, want one at fields.$email saying %q", args, ps, want)
		}
	}
	for _, args := range []string{
		`{"fields":{"$name":"Jo Park","$email":"jo@park.example"}}`,
		`{"fields":{"$name":"Jo Park"},"relationships":{"$account":"acc_01globex"}}`,
	} {
		if _, ps := Check(Contact, []byte(args), nil); len(ps) > 0 {
			t.Errorf("%s refused: %v", args, ps)
		}
	}
}
