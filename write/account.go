package write

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// Account is a customer company: found or created, never written twice
// under the same name or website.
var Account = &Kind{
	Object: schema.AccountObject, Plural: "accounts",
	Args:           &schema.CreateAccountArgs{},
	NameHint:       "Give the company's name.",
	ReadOnlyAdvice: " Create the opportunity with create_opportunity and its $account instead.",
	FindExisting: func(ctx context.Context, o *Org, call *Call) ([]lfclient.Record, error) {
		return o.accountsLike(ctx, call)
	},
	SearchDecides: true,
	Judge:         judgeAccount,
}

// judgeAccount returns the one account with the call's name or website
// domain instead of writing another, and refuses when several have it,
// unless the call repeats the write that made it.
func judgeAccount(o *Org, out *Outcome) {
	switch existing := out.Existing; {
	case len(existing) > 1:
		out.Status = Ambiguous
	case len(existing) == 1 && !o.created.replays(out.Key, &existing[0]):
		out.Status, out.Record, out.MatchedBy = Existing, objectOf(existing[0]), matchedBy(out.Call, existing[0])
	case len(existing) == 1:
		out.RepeatOf = existing[0].ID
	}
}

// accountResolution names the account an outcome found or wrote, for a
// deal's $account.
func accountResolution(out *Outcome) schema.Resolution {
	c := AccountCandidate(RecordOf(out.Record))
	how := "created"
	if out.Status == Existing {
		how = out.MatchedBy + " (an existing account)"
	}
	return schema.Resolution{Relationship: "$account", ID: c.ID, Name: c.Name, Website: c.Detail, MatchedBy: how}
}

// matchedBy says how an existing account matched the call: name, website
// domain, or both.
func matchedBy(call *Call, rec lfclient.Record) string {
	name, _ := call.Params.Fields["$name"].(string)
	byName := foldLabel(rec.Name()) == foldLabel(name)
	byDomain := false
	for _, w := range valuesOf(call.Params.Fields["$website"]) {
		byDomain = byDomain || slices.ContainsFunc(rec.Strings("$website"), func(s string) bool { return sameSite(s, w) })
	}
	switch {
	case byName && byDomain:
		return "name and website domain"
	case byDomain:
		return "website domain"
	}
	return "name"
}

// accountsLike finds, all at once, the accounts a create_account call
// would repeat: those named as its $name (case and spacing ignored), and
// those with a website on the same site as its $website.
func (o *Org) accountsLike(ctx context.Context, call *Call) ([]lfclient.Record, error) {
	name, _ := call.Params.Fields["$name"].(string)
	var sites []string
	for _, w := range valuesOf(call.Params.Fields["$website"]) {
		if d := siteOf(w); d != "" && !slices.Contains(sites, d) {
			sites = append(sites, d)
		}
	}
	found := make([][]lfclient.Record, 2+len(sites))
	errs := make([]error, 2+len(sites))
	tasks := []func(){func() { found[0], errs[0] = o.resolve.accountsCalled(ctx, name) }, func() {
		// Accounts written lately, which the lists may not show yet.
		keys := []string{"name:" + strings.Join(nameWords(name), " ")}
		for _, site := range sites {
			keys = append(keys, "site:"+site)
		}
		found[1+len(sites)], errs[1+len(sites)] = o.recentLike(ctx, "account", keys, func(r lfclient.Record) bool {
			return foldLabel(r.Name()) == foldLabel(name) || slices.ContainsFunc(r.Strings("$website"), func(w string) bool { return slices.Contains(sites, siteOf(w)) })
		})
	}}
	for i, site := range sites {
		tasks = append(tasks, func() {
			page, err := o.client.List(ctx, "account", []lfclient.Filter{{Key: "$website", Operator: "contains", Value: site}}, lfclient.MaxPageSize, 0)
			if errs[i+1] = err; err != nil {
				return
			}
			for _, rec := range page.Data {
				if slices.ContainsFunc(rec.Strings("$website"), func(s string) bool { return siteOf(s) == site }) {
					found[i+1] = append(found[i+1], rec)
				}
			}
		})
	}
	Parallel(tasks)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var same []lfclient.Record
	for _, recs := range found {
		for _, rec := range recs {
			if !slices.ContainsFunc(same, func(r lfclient.Record) bool { return r.ID == rec.ID }) {
				same = append(same, rec)
			}
		}
	}
	return same, nil
}

// sharedHosts are sites where many companies have a page: on them, the
// site of a company is the host and the first part of the path
// (github.com/initech), not the host alone.
var sharedHosts = []string{"github.com", "gitlab.com", "linkedin.com", "facebook.com", "x.com", "twitter.com",
	"instagram.com", "youtube.com", "medium.com", "substack.com", "notion.site", "crunchbase.com", "wellfound.com", "sites.google.com"}

// siteOf is what two spellings of one company's website share: its host,
// lowercased and without "www.", and on a shared host the first part of
// the path.
func siteOf(website string) string {
	website = strings.TrimSpace(strings.ToLower(website))
	if !strings.Contains(website, "://") {
		website = "https://" + website
	}
	u, err := url.Parse(website)
	if err != nil {
		return ""
	}
	host := strings.TrimPrefix(u.Hostname(), "www.")
	if slices.Contains(sharedHosts, host) {
		first, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
		if first == "" {
			return "" // the platform itself says nothing of the company
		}
		return host + "/" + first
	}
	return host
}

func sameSite(a, b string) bool {
	d := siteOf(a)
	return d != "" && d == siteOf(b)
}
