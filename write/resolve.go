package write

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// Candidate is a record a reference may name.
type Candidate struct {
	ID, Name string
	// Detail is an account's website or a person's email.
	Detail, Link string
	// Place is where an account is ("Springfield, IL, US"), from its
	// address: with its website, it tells apart accounts of one name.
	Place string
	// Where says where a contact works, e.g. "at the deal's account".
	Where string
	// first and last are a person's name parts; emails all their emails.
	first, last string
	emails      []string
	// related are an account's contact IDs or a contact's account IDs.
	related []string
}

// Describe shows a record: its name, ID, website or email, an account's
// place, where a contact works, and its link.
func (c Candidate) Describe() string {
	s := fmt.Sprintf("%s %s", Quote(c.Name), Token(c.ID))
	var about []string
	if c.Detail != "" {
		about = append(about, Token(c.Detail))
	}
	if c.Place != "" {
		about = append(about, "in "+Quote(c.Place))
	}
	if c.Where != "" {
		about = append(about, c.Where)
	}
	if len(about) > 0 {
		s += " (" + strings.Join(about, ", ") + ")"
	}
	if c.Link != "" {
		s += " " + Token(c.Link)
	}
	return s
}

// Workplace names an account where a contact works: its name, and in
// brackets its ID, website and place, so that two accounts of one name are
// told apart (only the ID when the account could not be read).
func (c Candidate) Workplace() string {
	if c.Name == "" {
		return Token(c.ID)
	}
	about := []string{Token(c.ID)}
	if c.Detail != "" {
		about = append(about, Token(c.Detail))
	}
	if c.Place != "" {
		about = append(about, "in "+Quote(c.Place))
	}
	return fmt.Sprintf("%s (%s)", Quote(c.Name), strings.Join(about, ", "))
}

// lookup is what a reference matched: the best matches and how they
// matched, or when there are none, the nearest records for suggestions.
type lookup struct {
	matches []Candidate
	how     string
	near    []Candidate
	// prefix is what the near accounts' names start with.
	prefix string
	// elsewhere are contacts found by a first or last name alone outside
	// the deal's account: offered, never used.
	elsewhere []Candidate
	// deal is the deal's account, for a contact's refusal to name.
	deal *Candidate
}

// resolvable object types: others take IDs only.
func resolvable(objectType string) bool {
	return objectType == "account" || objectType == "member" || objectType == "contact"
}

// resolver turns names and emails into records through Lightfield's lists.
type resolver struct {
	client  *lfclient.Client
	members memberCache
	// recheckAfter is how old the member list must be before a name that
	// matches no member loads it again.
	recheckAfter time.Duration
}

const maxSuggestions = 5

// maxListPages bounds every page-through of a list.
const maxListPages = 40

// AccountCandidate is an account as a name may mean it.
func AccountCandidate(rec lfclient.Record) Candidate {
	return Candidate{ID: rec.ID, Name: rec.Name(), Detail: rec.Text("$website"), Place: placeOf(rec), Link: deref(rec.HTTPLink),
		related: rec.Relationships["$contact"].Values}
}

// placeOf says where an account is: the city, state and country of its
// $primaryAddress, or else of its first other ADDRESS field that has any.
func placeOf(rec lfclient.Record) string {
	keys := append([]string{"$primaryAddress"}, slices.Sorted(maps.Keys(rec.Fields))...)
	for _, key := range keys {
		field, ok := rec.Fields[key]
		if !ok || field.ValueType != lfclient.TypeAddress {
			continue
		}
		var address struct{ City, State, Country string }
		json.Unmarshal(field.Value, &address) // a value of another shape has no place
		var parts []string
		for _, part := range []string{address.City, address.State, address.Country} {
			if part = strings.TrimSpace(part); part != "" {
				parts = append(parts, part)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, ", ")
		}
	}
	return ""
}

func personCandidate(rec lfclient.Record) Candidate {
	first, last := rec.NameParts()
	return Candidate{ID: rec.ID, Name: rec.Name(), Detail: rec.Text("$email"), Link: deref(rec.HTTPLink),
		first: first, last: last, emails: rec.Strings("$email"), related: rec.Relationships["$account"].Values}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// accountsNamed returns accounts whose name equals (exact) or starts with
// (prefix) the query, as Lightfield's filters match them.
func (r *resolver) accountsNamed(ctx context.Context, operator, query string, limit int) ([]lfclient.Record, error) {
	page, err := r.client.List(ctx, "account", []lfclient.Filter{{Key: "$name", Operator: operator, Value: query}}, limit, 0)
	if err != nil {
		return nil, err
	}
	return page.Data, nil
}

// accountsCalled returns the accounts named name, case and spacing
// ignored: one request, two when the page of names starting with it is full.
func (r *resolver) accountsCalled(ctx context.Context, name string) ([]lfclient.Record, error) {
	var same []lfclient.Record
	query := strings.Join(strings.Fields(name), " ")
	for _, operator := range []string{"startsWith", "equal"} {
		page, err := r.accountsNamed(ctx, operator, query, lfclient.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, rec := range page {
			if foldLabel(rec.Name()) == foldLabel(name) && !slices.ContainsFunc(same, func(s lfclient.Record) bool { return s.ID == rec.ID }) {
				same = append(same, rec)
			}
		}
		if len(page) < lfclient.MaxPageSize {
			break
		}
	}
	return same, nil
}

// findAccount looks for accounts named input with one request: those whose
// name starts with it include those named exactly so, and the rest are
// suggestions when none is. Only when that page is full without an exact
// match is the exact name asked for on its own.
func (r *resolver) findAccount(ctx context.Context, input string) (lookup, error) {
	var l lookup
	prefix, err := r.accountsNamed(ctx, "startsWith", input, lfclient.MaxPageSize)
	if err != nil {
		return l, err
	}
	exact := prefix
	if !slices.ContainsFunc(prefix, func(rec lfclient.Record) bool { return foldLabel(rec.Name()) == foldLabel(input) }) && len(prefix) == lfclient.MaxPageSize {
		if exact, err = r.accountsNamed(ctx, "equal", input, lfclient.MaxPageSize); err != nil {
			return l, err
		}
	}
	for _, rec := range exact {
		if foldLabel(rec.Name()) == foldLabel(input) {
			l.matches = append(l.matches, AccountCandidate(rec))
		}
	}
	if len(l.matches) > 0 {
		l.how = "exact name"
		return l, nil
	}
	l.prefix = input
	// Nothing starts with the whole name: try its first word.
	if first, _, found := strings.Cut(strings.TrimSpace(input), " "); len(prefix) == 0 && found && len(first) >= 2 {
		if prefix, err = r.accountsNamed(ctx, "startsWith", first, maxSuggestions); err != nil {
			return l, err
		}
		l.prefix = first
	}
	for _, rec := range prefix[:min(len(prefix), maxSuggestions)] {
		l.near = append(l.near, AccountCandidate(rec))
	}
	return l, nil
}

// contactsFor returns the contacts a name or email may refer to: for an
// email those whose email contains it, for a name those whose name starts
// with its first word (first names and full names; the deal's account's
// own contacts are added once the account is known).
func (r *resolver) contactsFor(ctx context.Context, input string) ([]Candidate, error) {
	filter := lfclient.Filter{Key: "$email", Operator: "contains", Value: strings.TrimSpace(input)}
	if !isEmail(input) {
		first, _, _ := strings.Cut(strings.TrimSpace(input), " ")
		filter = lfclient.Filter{Key: "$name", Operator: "startsWith", Value: first}
	}
	page, err := r.client.List(ctx, "contact", []lfclient.Filter{filter}, lfclient.MaxPageSize, 0)
	if err != nil {
		return nil, err
	}
	pool := make([]Candidate, len(page.Data))
	for i, rec := range page.Data {
		pool[i] = personCandidate(rec)
	}
	return pool, nil
}

// retrieveAll reads records by ID at once. Records that do not exist are
// left out; any other failure is returned.
func (r *resolver) retrieveAll(ctx context.Context, objectType string, ids []string) ([]lfclient.Record, error) {
	recs := make([]*lfclient.Record, len(ids))
	errs := make([]error, len(ids))
	tasks := make([]func(), len(ids))
	for i, id := range ids {
		tasks[i] = func() { recs[i], errs[i] = r.client.Retrieve(ctx, objectType, id) }
	}
	Parallel(tasks)
	var out []lfclient.Record
	for i, rec := range recs {
		switch {
		case rec != nil:
			out = append(out, *rec)
		case !isNotFound(errs[i]):
			return nil, errs[i]
		}
	}
	return out, nil
}

// Parallel runs tasks at once and returns when all are done. The last runs
// on the caller's goroutine: a call with one look-up pays for no hand-off
// between threads.
func Parallel(tasks []func()) {
	if len(tasks) == 0 {
		return
	}
	var wg sync.WaitGroup
	for _, task := range tasks[:len(tasks)-1] {
		wg.Go(task)
	}
	tasks[len(tasks)-1]()
	wg.Wait()
}

func isEmail(input string) bool {
	return strings.Contains(input, "@")
}

// memberCache holds the workspace's members: they cannot be filtered, so
// they are paged through with the definitions and kept until the next
// refresh.
type memberCache struct {
	mu        sync.Mutex
	members   []lfclient.Record
	fetchedAt time.Time
}

// all returns the members held, loading them first when none are.
func (m *memberCache) all(ctx context.Context, client *lfclient.Client) ([]lfclient.Record, error) {
	m.mu.Lock()
	held := m.members
	m.mu.Unlock()
	if held != nil {
		return held, nil
	}
	return m.load(ctx, client)
}

// reloadUnlessRecent loads the members again unless those held are younger
// than recheckAfter: a person who joined since may be the one asked for.
func (m *memberCache) reloadUnlessRecent(ctx context.Context, client *lfclient.Client, recheckAfter time.Duration) ([]lfclient.Record, error) {
	m.mu.Lock()
	held, recent := m.members, time.Since(m.fetchedAt) < recheckAfter
	m.mu.Unlock()
	if held != nil && recent {
		return held, nil
	}
	return m.load(ctx, client)
}

// load pages through the members: the first page says how many there are,
// and the other pages are then fetched at once.
func (m *memberCache) load(ctx context.Context, client *lfclient.Client) ([]lfclient.Record, error) {
	first, err := client.List(ctx, "member", nil, lfclient.MaxPageSize, 0)
	if err != nil {
		return nil, err
	}
	pages := min(maxListPages, (first.TotalCount+lfclient.MaxPageSize-1)/lfclient.MaxPageSize)
	rest := make([]*lfclient.ListPage, max(0, pages-1))
	errs := make([]error, len(rest))
	if len(first.Data) == lfclient.MaxPageSize {
		tasks := make([]func(), len(rest))
		for i := range rest {
			tasks[i] = func() {
				rest[i], errs[i] = client.List(ctx, "member", nil, lfclient.MaxPageSize, (i+1)*lfclient.MaxPageSize)
			}
		}
		Parallel(tasks)
	}
	all := slices.Clone(first.Data)
	for i, p := range rest {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if p != nil {
			all = append(all, p.Data...)
		}
	}
	if all == nil {
		all = []lfclient.Record{}
	}
	m.mu.Lock()
	m.members, m.fetchedAt = all, time.Now()
	m.mu.Unlock()
	return all, nil
}

// maxNamed bounds the records of one type Names reads for one deal.
const maxNamed = 25

// Names returns known with the names of the records rec links to that it
// does not name: accounts and contacts read by ID, at once (at most
// maxNamed of a type), and members from the member list (loaded when none
// is held). A record that cannot be read stays unnamed.
func (o *Org) Names(ctx context.Context, rec lfclient.Record, known map[string]string) map[string]string {
	names := map[string]string{}
	maps.Copy(names, known)
	byType := map[string][]string{}
	for _, rel := range rec.Relationships {
		for _, id := range rel.Values {
			if names[id] == "" && !slices.Contains(byType[rel.ObjectType], id) && len(byType[rel.ObjectType]) < maxNamed {
				byType[rel.ObjectType] = append(byType[rel.ObjectType], id)
			}
		}
	}
	var mu sync.Mutex
	var tasks []func()
	for objectType, ids := range byType {
		tasks = append(tasks, func() {
			var recs []lfclient.Record
			switch objectType {
			case "member":
				recs, _ = o.resolve.members.all(ctx, o.client)
			case "account", "contact":
				recs, _ = o.resolve.retrieveAll(ctx, objectType, ids)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, r := range recs {
				if slices.Contains(ids, r.ID) {
					names[r.ID] = r.Name()
				}
			}
		})
	}
	Parallel(tasks)
	return names
}
