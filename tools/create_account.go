package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// CreateAccountName is the tool's name.
const CreateAccountName = "create_account"

const createAccountDescription = `Find or create one account (a customer company) in Lightfield CRM.

Send fields: $name (required) and, whenever it is known, $website (Lightfield enriches an account that has one); other fields and the owner as this schema lists them. Before writing, the server looks for an account with the same name (case and spacing ignored) or the same website domain: if one exists, nothing is written and that account is returned with existing: true; if several do, they are listed and nothing is written. Otherwise the account is created under an Idempotency-Key derived from the request, so repeating the call within 24 hours returns the same account.

Use it when create_opportunity says the account does not exist, then create the opportunity with the account's ID. dryRun: true shows what would happen without writing.`

// accountKind is the write pipeline's view of accounts.
var accountKind = &createKind{
	Object: schema.AccountObject, tool: CreateAccountName, plural: "accounts",
	nameHint:       "Give the company's name.",
	readOnlyAdvice: " Create the opportunity with create_opportunity and its $account instead.",
}

var createAccountSpec = toolSpec{
	def: mcp.Tool{
		Name:            CreateAccountName,
		Title:           "Create account",
		Description:     createAccountDescription,
		RawInputSchema:  schema.JSON(accountKind.Input(nil)),
		RawOutputSchema: schema.JSON(schema.CreateAccountOutput()),
		Annotations:     writeAnnotations("Create account"),
	},
	instructions: "create_account finds or creates a customer company: a deal for a new customer needs its account first (its name, and its website when known). It returns an existing account with the same name or website domain instead of writing a second.",
}

func (s *Server) createAccount(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	o, err := s.orgFor(ctx)
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	p, refusal := s.prepare(ctx, req, o, accountKind, o.accountsLike)
	if refusal != nil {
		return refusal, nil
	}
	raw, _ := arguments(req)
	res, _ := s.findOrCreateAccount(ctx, o, p, raw)
	return res, nil
}

// findOrCreateAccount returns the account a prepared create_account call
// names when one exists, else creates it (a dry run only says what it
// would do). It returns the tool result and, when an account exists now,
// its resolution for a deal.
func (s *Server) findOrCreateAccount(ctx context.Context, o *org, p *prepared, raw json.RawMessage) (*mcp.CallToolResult, *schema.Resolution) {
	call := &p.call
	body := p.body()
	key := call.idempotencyKey
	if key == "" {
		key = defaultIdempotencyKey(o.client.KeyFingerprint(), body, false)
	}
	result := schema.CreateAccountResult{IdempotencyKey: key, Resolved: p.resolved, FieldKeys: call.fieldKeys}
	if why := s.unanswered(ctx, p.existingErr); why != "" {
		return mcp.NewToolResultError(why), nil
	}
	var notes []string
	existing := p.existing
	switch {
	case p.existingErr != nil:
		notes = append(notes, fmt.Sprintf("Existing accounts could not be searched (%v); the Idempotency-Key still prevents a repeat of this call.", p.existingErr))
	case len(existing) > 1:
		cs := make([]candidate, len(existing))
		for i, rec := range existing {
			cs[i] = accountCandidate(rec)
		}
		return mcp.NewToolResultError(fmt.Sprintf("%d accounts already have this name or website domain: %s. Nothing was written. Ask the person which one is meant and use its ID; if the company is really another one, give it a name that tells them apart.", len(cs), describeAll(cs))), nil
	case len(existing) == 1 && !o.created.replays(key, &existing[0]):
		rec := existing[0]
		how := p.matchedBy(rec)
		result.Account, _ = json.Marshal(rec)
		result.Existing, result.MatchedBy = true, how
		c := accountCandidate(rec)
		text := fmt.Sprintf("Account %s already exists (same %s): nothing was written. Use its ID %s.", named(schema.Resolution{Name: c.Name, ID: c.ID, Website: c.Detail}), how, token(c.ID))
		if link := deref(rec.HTTPLink); link != "" {
			text += "\nOpen it in Lightfield: " + token(link)
		}
		r := schema.Resolution{Relationship: "$account", ID: c.ID, Name: c.Name, Website: c.Detail, MatchedBy: how + " (an existing account)"}
		return mcp.NewToolResultStructured(result, text+interpretationText(result.Resolved, result.FieldKeys)), &r
	}
	if call.dryRun {
		result.DryRun, result.Request = true, &call.params
		text := fmt.Sprintf("Dry run: nothing was sent. No account has this name or website domain, so create_account would POST this body to /v1/accounts with Idempotency-Key %s:\n%s", key, body)
		text += interpretationText(result.Resolved, result.FieldKeys) + "\nCall again without dryRun to create it." + accountKind.staleNote(p.defs, p.defsErr)
		return mcp.NewToolResultStructured(result, text), nil
	}
	w, failure := s.send(ctx, o, accountKind, call.params, p.defs, key, p.existing, raw)
	if failure != "" {
		return mcp.NewToolResultError(failure), nil
	}
	result.Account, result.Replayed = w.obj.Raw, w.replayed
	result.Warnings = w.warnings
	rec := lfclient.Record{ID: w.obj.ID, Fields: w.obj.Fields}
	c := accountCandidate(rec)
	var b strings.Builder
	if w.replayed {
		fmt.Fprintf(&b, "Already created at %s — nothing new was written: an earlier call with the same Idempotency-Key created it, and Lightfield returned that account. Account", token(w.obj.CreatedAt))
	} else {
		b.WriteString("Created account")
	}
	fmt.Fprintf(&b, " %s. Use its ID %s for the deal's $account.", named(schema.Resolution{Name: c.Name, ID: c.ID, Website: c.Detail}), token(c.ID))
	if link := deref(w.obj.HTTPLink); link != "" {
		fmt.Fprintf(&b, "\nOpen it in Lightfield: %s", token(link))
	}
	fmt.Fprintf(&b, "\nIdempotency-Key %s: repeating this exact call within 24 hours returns this account instead of creating another.", key)
	text := b.String() + interpretationText(result.Resolved, result.FieldKeys) + warningsText(result.Warnings)
	for _, n := range notes {
		text += "\n" + n
	}
	r := schema.Resolution{Relationship: "$account", ID: c.ID, Name: c.Name, Website: c.Detail, MatchedBy: "created"}
	return mcp.NewToolResultStructured(result, text+accountKind.staleNote(p.defs, p.defsErr)), &r
}

// matchedBy says how an existing account matched the call: name, website
// domain, or both.
func (p *prepared) matchedBy(rec lfclient.Record) string {
	name, _ := p.call.params.Fields["$name"].(string)
	byName := foldLabel(rec.Name()) == foldLabel(name)
	byDomain := false
	for _, w := range websites(p.call.params.Fields["$website"]) {
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
func (o *org) accountsLike(ctx context.Context, call *checkedCall) ([]lfclient.Record, error) {
	name, _ := call.params.Fields["$name"].(string)
	var sites []string
	for _, w := range websites(call.params.Fields["$website"]) {
		if d := siteOf(w); d != "" && !slices.Contains(sites, d) {
			sites = append(sites, d)
		}
	}
	found := make([][]lfclient.Record, 1+len(sites))
	errs := make([]error, 1+len(sites))
	tasks := []func(){func() { found[0], errs[0] = o.resolve.accountsCalled(ctx, name) }}
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
	parallel(tasks)
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

// websites reads a $website value: one string or a list.
func websites(v any) []string {
	switch w := v.(type) {
	case string:
		return []string{w}
	case []string:
		return w
	case []any:
		var out []string
		for _, item := range w {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
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
