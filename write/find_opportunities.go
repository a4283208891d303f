package write

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
	"github.com/lightfield-mcp/lightfield-mcp/schema"
)

// OpportunityQuery is what find_opportunities looks for: a deal must meet
// every criterion given; empty ones are not applied.
type OpportunityQuery struct {
	// Query is part of the deal's name: each of its words must begin a
	// word of the name (case, accents and dashes aside).
	Query string
	// Account is an account's ID or exact name; Stage an option label or ID
	// of $stage; Owner a member's ID, email, full, first or last name.
	Account, Stage, Owner string
	// CloseAfter and CloseBefore bound the close date, both days included
	// (YYYY-MM-DD, UTC days); CreatedSince bounds the creation (YYYY-MM-DD
	// from 00:00 UTC, or ISO 8601 with offset).
	CloseAfter, CloseBefore, CreatedSince string
	Limit                                 int
}

// DealSearch is what FindOpportunities found, best first, and how it
// searched: what it asked Lightfield, how much it read, what it checked
// itself.
type DealSearch struct {
	Deals []schema.FoundOpportunity
	// Matched is how many of the deals read met every criterion.
	Matched int
	// Read is how many deals were read, from every source.
	Read int
	// Account is the account asked for; AccountDeals how many deals it
	// has (-1 when it does not say); ByAccount that they were read by ID
	// instead of scanning the list.
	Account      *schema.AccountRef
	AccountDeals int
	ByAccount    bool
	// Filters are the list filters sent, as query parameters; Listed is
	// how many deals the list holds for them, Pages how many pages of it
	// were read, CutShort that some were not.
	Filters  []string
	Listed   int
	Pages    int
	CutShort bool
	// Prefix is the query's first word, looked for among every name with
	// $name[startsWith] when the scan was cut short; PrefixListed how many
	// names start with it.
	Prefix       string
	PrefixListed int
	// Recent is how many deals this process wrote lately, read by ID
	// because lists show them seconds late.
	Recent int
	// Here are the criteria checked on the deals read, not by Lightfield.
	Here []string
}

// Bounds on what one search reads.
const (
	// maxMorePages: after the list's first page, at most this many more
	// are read, all at once (8 pages, 200 deals in all).
	maxMorePages = 7
	// maxAccountDeals: an account's deals are read by ID when it has at
	// most this many; otherwise the list is scanned.
	maxAccountDeals = 25
	// maxRecentDeals: the deals this process wrote latest that are read
	// by ID beside the list.
	maxRecentDeals = 25
)

// FindOpportunities returns the deals q finds, best first, and how it
// searched; problems say what is wrong with q (a date that is no date, a
// stage, owner or account that names nothing or several).
func FindOpportunities(ctx context.Context, o *Org, q OpportunityQuery) (*DealSearch, Problems, error) {
	c, ps, err := o.readCriteria(ctx, q)
	if err != nil || len(ps) > 0 {
		return nil, ps, err
	}
	s := &DealSearch{AccountDeals: -1}
	if c.account != nil {
		a := AccountCandidate(*c.account)
		s.Account = &schema.AccountRef{ID: a.ID, Name: a.Name}
	}
	recs, err := o.readDeals(ctx, c, s)
	if err != nil {
		return nil, nil, err
	}
	if !s.ByAccount {
		for _, f := range c.filters {
			s.Filters = append(s.Filters, c.describeFilter(f))
		}
	}
	s.Here = c.checkedHere(s.ByAccount)
	found := rankDeals(c, recs)
	s.Read, s.Matched = len(recs), len(found)
	s.Deals = o.describeDeals(ctx, c, found[:min(len(found), q.Limit)])
	return s, nil, nil
}

// dealCriteria is an OpportunityQuery read: names resolved to records,
// labels to IDs, dates to instants.
type dealCriteria struct {
	words  []string // the query's words, folded
	prefix string   // its first word as given, for $name[startsWith]
	stage  string   // option ID
	// closeKey is the close-date field's key ("" when there is none);
	// closeFrom and closeTo bound it, createdSince the creation (zero: not
	// bounded).
	closeKey                         string
	closeFrom, closeTo, createdSince time.Time
	account                          *lfclient.Record
	owner                            *Candidate
	defs                             *lfclient.Definitions
	filters                          []lfclient.Filter
}

// readCriteria reads q: dates first, then the stage against the
// definitions, then the owner and the account at once.
func (o *Org) readCriteria(ctx context.Context, q OpportunityQuery) (*dealCriteria, Problems, error) {
	c := &dealCriteria{words: nameWords(q.Query), prefix: firstWord(q.Query)}
	var ps Problems
	c.readDates(q, &ps)
	defs, err := o.Definitions(Opportunity).Get(ctx)
	if defs == nil && (q.Stage != "" || q.CloseAfter != "" || q.CloseBefore != "") {
		return nil, nil, &LookupError{ObjectType: "opportunity", Err: err}
	}
	c.defs = defs
	if q.Stage != "" {
		o.readStage(ctx, c, q.Stage, &ps)
	}
	if c.defs != nil {
		c.closeKey = CloseDateField(c.defs)
	}
	if c.closeKey == "" && (q.CloseAfter != "" || q.CloseBefore != "") {
		ps.add(closeArgument(q), "this organisation's deals have no close-date field (a date field labelled Close Date), so they cannot be searched by close date; leave closeAfter and closeBefore out.")
	}
	var ownerProblem, accountProblem *Problem
	var ownerErr, accountErr error
	var tasks []func()
	if q.Owner != "" {
		tasks = append(tasks, func() { c.owner, ownerProblem, ownerErr = o.searchOwner(ctx, q.Owner) })
	}
	if q.Account != "" {
		tasks = append(tasks, func() { c.account, accountProblem, accountErr = o.searchAccount(ctx, q.Account) })
	}
	Parallel(tasks)
	switch {
	case accountErr != nil:
		return nil, nil, &LookupError{ObjectType: "account", Err: accountErr}
	case ownerErr != nil:
		return nil, nil, &LookupError{ObjectType: "member", Err: ownerErr}
	}
	for _, p := range []*Problem{accountProblem, ownerProblem} {
		if p != nil {
			ps = append(ps, *p)
		}
	}
	c.filters = c.listFilters()
	return c, ps, nil
}

// closeArgument names the close-date argument given, for a problem.
func closeArgument(q OpportunityQuery) string {
	if q.CloseAfter != "" {
		return "closeAfter"
	}
	return "closeBefore"
}

// readDates reads the close-date bounds (whole UTC days) and the creation
// bound.
func (c *dealCriteria) readDates(q OpportunityQuery, ps *Problems) {
	day := func(path, s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			ps.add(path, "%s is not a day. Send YYYY-MM-DD, such as 2026-03-31.", Quote(s))
		}
		return t
	}
	if q.CloseAfter != "" {
		c.closeFrom = day("closeAfter", q.CloseAfter)
	}
	if q.CloseBefore != "" {
		if t := day("closeBefore", q.CloseBefore); !t.IsZero() {
			c.closeTo = t.Add(24*time.Hour - time.Second)
		}
	}
	if !c.closeFrom.IsZero() && !c.closeTo.IsZero() && c.closeFrom.After(c.closeTo) {
		ps.add("closeBefore", "%s is before closeAfter %s, so no deal can match; swap the two days.", q.CloseBefore, q.CloseAfter)
	}
	if q.CreatedSince == "" {
		return
	}
	t, err := time.Parse(time.DateOnly, q.CreatedSince)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, q.CreatedSince)
	}
	if err != nil {
		ps.add("createdSince", "%s is not a day or a time. Send YYYY-MM-DD (from 00:00 UTC that day) or ISO 8601 with offset, such as 2026-03-31T09:00:00+02:00.", Quote(q.CreatedSince))
	}
	c.createdSince = t
}

// readStage reads the stage as an option of $stage, re-reading the
// definitions once (unless they are seconds old) before refusing a label
// they do not know.
func (o *Org) readStage(ctx context.Context, c *dealCriteria, input string, ps *Problems) {
	def, ok := c.defs.FieldDefinitions["$stage"]
	if !ok {
		ps.add("stage", "this organisation's deals have no stage field ($stage); leave stage out.")
		return
	}
	id, msg, notFound := matchOption(def, input)
	if notFound {
		if fresh, _ := o.Definitions(Opportunity).refreshUnlessRecent(ctx); fresh != nil {
			c.defs = fresh
			id, msg, _ = matchOption(fresh.FieldDefinitions["$stage"], input)
		}
	}
	if msg != "" {
		ps.add("stage", "%s", msg)
		return
	}
	c.stage = id
}

// CloseDateField finds the deals' close date as the contract says to
// find it, by its label: the date field labelled Close Date (any case or
// spacing), else the one whose key says so ($closeDate, closeDate).
func CloseDateField(defs *lfclient.Definitions) string {
	keys := slices.Sorted(maps.Keys(defs.FieldDefinitions))
	for _, byLabel := range []bool{true, false} {
		for _, key := range keys {
			def := defs.FieldDefinitions[key]
			name := key
			if byLabel {
				name = def.Label
			}
			if def.ValueType == lfclient.TypeDatetime && normalize(name) == "closedate" {
				return key
			}
		}
	}
	return ""
}

// listFilters are the criteria Lightfield's list can apply itself: the
// stage, and the close date as DATETIME bounds.
func (c *dealCriteria) listFilters() []lfclient.Filter {
	var fs []lfclient.Filter
	if c.stage != "" {
		fs = append(fs, lfclient.Filter{Key: "$stage", Operator: "equal", Value: c.stage})
	}
	if !c.closeFrom.IsZero() && c.closeKey != "" {
		fs = append(fs, lfclient.Filter{Key: c.closeKey, Operator: "greaterThanOrEqual", Value: c.closeFrom.Format(lightfieldTime)})
	}
	if !c.closeTo.IsZero() && c.closeKey != "" {
		fs = append(fs, lfclient.Filter{Key: c.closeKey, Operator: "lessThanOrEqual", Value: c.closeTo.Format(lightfieldTime)})
	}
	return fs
}

// checkedHere names the criteria the server checks on the deals it reads:
// those no list filter applies and, for deals read by the account's
// relationship instead of the list, the stage and close date too.
func (c *dealCriteria) checkedHere(byAccount bool) []string {
	var here []string
	if len(c.words) > 0 {
		here = append(here, "the name's words")
	}
	if c.account != nil && !byAccount {
		here = append(here, "the account")
	}
	if c.stage != "" && byAccount {
		here = append(here, "the stage")
	}
	if (!c.closeFrom.IsZero() || !c.closeTo.IsZero()) && byAccount {
		here = append(here, "the close date")
	}
	if c.owner != nil {
		here = append(here, "the owner")
	}
	if !c.createdSince.IsZero() {
		here = append(here, "the creation date")
	}
	return here
}

// describeFilter shows a filter as sent, with the stage's label.
func (c *dealCriteria) describeFilter(f lfclient.Filter) string {
	s := fmt.Sprintf("%s[%s]=%s", f.Key, f.Operator, f.Value)
	if f.Key == "$stage" {
		s += fmt.Sprintf(" (%s)", c.stageLabel(f.Value))
	}
	return s
}

// stageLabel is the label of a stage option ID, the ID itself when the
// definitions do not name it.
func (c *dealCriteria) stageLabel(id string) string {
	return StageLabel(c.defs, id)
}

// StageLabel is the label of a stage option ID, the ID itself when defs
// (which may be nil) do not name it.
func StageLabel(defs *lfclient.Definitions, id string) string {
	if defs != nil {
		for _, opt := range defs.FieldDefinitions["$stage"].TypeConfiguration.Options {
			if opt.ID == id {
				return opt.Label
			}
		}
	}
	return id
}

// AmountCurrency is the currency of deals' amounts, "" when defs (which
// may be nil) do not say.
func AmountCurrency(defs *lfclient.Definitions) string {
	if defs == nil {
		return ""
	}
	return defs.FieldDefinitions["$amount"].TypeConfiguration.Currency
}

// searchOwner finds the member input names: by ID, email or name, from the
// member list, which is loaded again once (unless seconds old) when
// nobody matches. A name that matches nobody or several is a problem.
func (o *Org) searchOwner(ctx context.Context, input string) (*Candidate, *Problem, error) {
	ref := reference{input: input, objectType: "member", path: "owner", arg: []any{"owner"}}
	byID := strings.HasPrefix(input, schema.IDPrefix("member"))
	members, err := o.resolve.members.all(ctx, o.client)
	for reloaded := false; ; reloaded = true {
		if err != nil {
			return nil, nil, err
		}
		pool := make([]Candidate, len(members))
		for i, rec := range members {
			pool[i] = personCandidate(rec)
		}
		var matches []Candidate
		if byID {
			matches = slices.DeleteFunc(slices.Clone(pool), func(c Candidate) bool { return c.ID != input })
		} else {
			matches, _ = choosePeople(input, pool, true, []scope{{}})
		}
		switch {
		case len(matches) == 1:
			return &matches[0], nil, nil
		case len(matches) > 1:
			return nil, several(ref, matches), nil
		case reloaded && byID:
			return nil, &Problem{Path: ref.path, Message: fmt.Sprintf("no member has the ID %s. Check the ID, or give the owner by email or name instead.", Quote(input))}, nil
		case reloaded:
			return nil, &Problem{Path: ref.path, Message: noMatchText(ref, lookup{near: nearPeople(input, pool)}, false)}, nil
		}
		members, err = o.resolve.members.reloadUnlessRecent(ctx, o.client, o.resolve.recheckAfter)
	}
}

// searchAccount reads the account input names, by ID or exact name (as
// create_opportunity resolves one), with its relationships: its deals
// are among them. A name that matches no account or several is a
// problem.
func (o *Org) searchAccount(ctx context.Context, input string) (*lfclient.Record, *Problem, error) {
	id := input
	if !strings.HasPrefix(input, schema.IDPrefix("account")) || !lightfieldID.MatchString(input) {
		l, err := o.resolve.findAccount(ctx, input)
		if err != nil {
			return nil, nil, err
		}
		ref := reference{input: input, objectType: "account", path: "account", arg: []any{"account"}}
		switch {
		case len(l.matches) > 1:
			return nil, several(ref, l.matches), nil
		case len(l.matches) == 0 && len(l.near) > 0:
			return nil, &Problem{Path: ref.path, Message: fmt.Sprintf("no account is named %s. Accounts whose names start with %s: %s. Send the right one's ID or exact name.", Quote(input), Quote(l.prefix), describeAll(l.near))}, nil
		case len(l.matches) == 0:
			return nil, &Problem{Path: ref.path, Message: fmt.Sprintf("no account is named %s, and no account's name starts with it, so no deal is with such an account. Check the name with find_accounts, or leave account out.", Quote(input))}, nil
		}
		id = l.matches[0].ID
	}
	rec, err := o.client.Retrieve(ctx, "account", id)
	if isNotFound(err) {
		return nil, &Problem{Path: "account", Message: fmt.Sprintf("no account has the ID %s. Send the account's ID or exact name; find_accounts looks accounts up by name.", Quote(input))}, nil
	}
	return rec, nil, err
}

// readDeals reads the deals that may meet c: the account's by ID when it
// has few enough, else a bounded scan of the list; and beside them, by
// ID, the deals this process wrote lately, which lists show seconds late
// (the version read by ID wins).
func (o *Org) readDeals(ctx context.Context, c *dealCriteria, s *DealSearch) ([]lfclient.Record, error) {
	// Only the deals whose name can match the query are read.
	recent := o.recent.latest("opportunity", maxRecentDeals, func(keys []string) bool {
		name, _ := strings.CutPrefix(keys[0], "name:")
		rank, _ := matchDealName(c.words, name)
		return len(c.words) == 0 || rank != noMatch
	})
	s.Recent = len(recent)
	if c.account != nil {
		if rel, ok := c.account.Relationships["$opportunity"]; ok {
			s.AccountDeals = len(rel.Values)
			if s.ByAccount = len(rel.Values) <= maxAccountDeals; s.ByAccount {
				recs, err := o.resolve.retrieveAll(ctx, "opportunity", union(rel.Values, recent))
				if err != nil {
					return nil, &LookupError{ObjectType: "opportunity", Err: err}
				}
				return recs, nil
			}
		}
	}
	var listed, fresh []lfclient.Record
	var listErr, freshErr error
	Parallel([]func(){
		func() { fresh, freshErr = o.resolve.retrieveAll(ctx, "opportunity", recent) },
		func() { listed, listErr = o.scanDeals(ctx, c, s) },
	})
	if err := errors.Join(listErr, freshErr); err != nil {
		return nil, &LookupError{ObjectType: "opportunity", Err: err}
	}
	byID := map[string]lfclient.Record{}
	for _, rec := range append(listed, fresh...) {
		byID[rec.ID] = rec
	}
	return slices.Collect(maps.Values(byID)), nil
}

// union is a's IDs and then those of b that a lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, id := range b {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// scanDeals reads the list with c's filters: page one, which says how
// many deals it holds, then at most maxMorePages more at once. When that
// leaves deals unread and a query was given, the names that start with
// its first word are asked for beside them, wherever they are in the
// list.
func (o *Org) scanDeals(ctx context.Context, c *dealCriteria, s *DealSearch) ([]lfclient.Record, error) {
	first, err := o.client.List(ctx, "opportunity", c.filters, lfclient.MaxPageSize, 0)
	if err != nil {
		return nil, err
	}
	s.Listed, s.Pages = max(first.TotalCount, len(first.Data)), 1
	more := 0
	if len(first.Data) == lfclient.MaxPageSize {
		more = min(maxMorePages, (max(first.TotalCount, lfclient.MaxPageSize+1)-1)/lfclient.MaxPageSize)
	}
	s.Pages += more
	s.CutShort = s.Listed > s.Pages*lfclient.MaxPageSize
	pages := make([]*lfclient.ListPage, more+1)
	errs := make([]error, more+1)
	var tasks []func()
	for i := 1; i <= more; i++ {
		tasks = append(tasks, func() {
			pages[i], errs[i] = o.client.List(ctx, "opportunity", c.filters, lfclient.MaxPageSize, i*lfclient.MaxPageSize)
		})
	}
	if s.CutShort && c.prefix != "" {
		s.Prefix = c.prefix
		named := append(slices.Clone(c.filters), lfclient.Filter{Key: "$name", Operator: "startsWith", Value: c.prefix})
		tasks = append(tasks, func() { pages[0], errs[0] = o.client.List(ctx, "opportunity", named, lfclient.MaxPageSize, 0) })
	}
	Parallel(tasks)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	recs := slices.Clone(first.Data)
	for _, p := range pages {
		if p != nil {
			recs = append(recs, p.Data...)
		}
	}
	if pages[0] != nil {
		s.PrefixListed = pages[0].TotalCount
	}
	return recs, nil
}

// Ranks of how a deal's name matches the query's words, best first
// (noMatch below them all).
const (
	dealWordStarts = iota + 1 // every word begins a word of the name
	dealWords                 // every word is a word of the name
	dealExact                 // the name is the query
)

// rankedDeal is a deal that meets every criterion, with how its name
// matched the query.
type rankedDeal struct {
	rec  lfclient.Record
	rank int
	how  string
}

// rankDeals keeps the deals that meet c, best match first, the newest
// first among equals.
func rankDeals(c *dealCriteria, recs []lfclient.Record) []rankedDeal {
	var out []rankedDeal
	for _, rec := range recs {
		rank, how := matchDealName(c.words, rec.Name())
		if c.admits(rec) && (len(c.words) == 0 || rank != noMatch) {
			out = append(out, rankedDeal{rec, rank, how})
		}
	}
	slices.SortStableFunc(out, func(a, b rankedDeal) int {
		if a.rank != b.rank {
			return b.rank - a.rank
		}
		if byAge := instant(b.rec.CreatedAt).Compare(instant(a.rec.CreatedAt)); byAge != 0 {
			return byAge
		}
		return strings.Compare(a.rec.ID, b.rec.ID)
	})
	return out
}

// matchDealName says how a name matches the query's words: it is them,
// it holds each as a word, or a word of it begins with each.
func matchDealName(query []string, name string) (int, string) {
	words := nameWords(name)
	every := func(match func(word, q string) bool) bool {
		return !slices.ContainsFunc(query, func(q string) bool {
			return !slices.ContainsFunc(words, func(w string) bool { return match(w, q) })
		})
	}
	switch {
	case len(query) == 0:
		return noMatch, ""
	case slices.Equal(query, words):
		return dealExact, "exact name"
	case every(func(w, q string) bool { return w == q }):
		return dealWords, "every word"
	case every(strings.HasPrefix):
		return dealWordStarts, "beginnings of words"
	}
	return noMatch, ""
}

// admits reports whether a deal meets every criterion but the name's: the
// list may not have applied them (a deal read by ID), or cannot.
func (c *dealCriteria) admits(rec lfclient.Record) bool {
	if c.account != nil && !slices.Contains(rec.Relationships["$account"].Values, c.account.ID) ||
		c.owner != nil && !slices.Contains(rec.Relationships["$owner"].Values, c.owner.ID) ||
		c.stage != "" && rec.Text("$stage") != c.stage && rec.Text("$stage") != c.stageLabel(c.stage) {
		return false
	}
	if !c.closeFrom.IsZero() || !c.closeTo.IsZero() {
		closes := instant(rec.Text(c.closeKey))
		if closes.IsZero() || closes.Before(c.closeFrom) || !c.closeTo.IsZero() && closes.After(c.closeTo) {
			return false
		}
	}
	return c.createdSince.IsZero() || !instant(rec.CreatedAt).Before(c.createdSince)
}

// instant reads a time Lightfield sent; zero when there is none.
func instant(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// nameWords are the words of a name as people type them: case, accents
// and whatever stands between words (spaces, dashes, punctuation) aside,
// so that "Acme Rockets – Telemetry" is acme, rockets, telemetry.
func nameWords(s string) []string {
	return strings.FieldsFunc(foldName(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// firstWord is the first word of a query as given, for a list filter.
func firstWord(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return ""
	}
	return words[0]
}

// describeDeals shows the deals found with their stage's label, and their
// account's and owner's names: the accounts are read at once, the owners
// come from the member list. A name that cannot be read is left out.
func (o *Org) describeDeals(ctx context.Context, c *dealCriteria, found []rankedDeal) []schema.FoundOpportunity {
	names := map[string]string{}
	if c.account != nil {
		names[c.account.ID] = c.account.Name()
	}
	var ids []string
	for _, d := range found {
		if v := d.rec.Relationships["$account"].Values; len(v) > 0 && names[v[0]] == "" && !slices.Contains(ids, v[0]) {
			ids = append(ids, v[0])
		}
	}
	accounts, _ := o.resolve.retrieveAll(ctx, "account", ids)
	for _, rec := range accounts {
		names[rec.ID] = rec.Name()
	}
	members, _ := o.resolve.members.all(ctx, o.client)
	for _, rec := range members {
		names[rec.ID] = rec.Name()
	}
	out := []schema.FoundOpportunity{}
	for _, d := range found {
		out = append(out, c.describe(d, names))
	}
	return out
}

// describe shows one deal found; names are accounts' and members' by ID.
func (c *dealCriteria) describe(d rankedDeal, names map[string]string) schema.FoundOpportunity {
	f := DescribeDeal(d.rec, c.defs, names)
	f.MatchedBy = d.how
	return f
}

// DescribeDeal shows a deal as the tools show one: its stage by label,
// its amount with its currency, the day it closes (UTC), its account and
// owner with their names from names (by ID). defs may be nil.
func DescribeDeal(rec lfclient.Record, defs *lfclient.Definitions, names map[string]string) schema.FoundOpportunity {
	f := schema.FoundOpportunity{ID: rec.ID, Name: rec.Name(), Stage: StageLabel(defs, rec.Text("$stage")), CreatedAt: rec.CreatedAt, HTTPLink: deref(rec.HTTPLink)}
	if json.Unmarshal(rec.Fields["$amount"].Value, &f.Amount) == nil && f.Amount != nil {
		f.Currency = AmountCurrency(defs)
	}
	if defs != nil {
		if closes := instant(rec.Text(CloseDateField(defs))); !closes.IsZero() {
			f.CloseDate = closes.UTC().Format(time.DateOnly)
		}
	}
	if ids := rec.Relationships["$account"].Values; len(ids) > 0 {
		f.Account = &schema.AccountRef{ID: ids[0], Name: names[ids[0]]}
	}
	if ids := rec.Relationships["$owner"].Values; len(ids) > 0 {
		f.Owner = &schema.MemberRef{ID: ids[0], Name: names[ids[0]]}
	}
	return f
}
