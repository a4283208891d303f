package tools

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// candidate is a record a name or email may refer to.
type candidate struct {
	ID, Name, Detail, Link string
}

func (c candidate) describe() string {
	s := fmt.Sprintf("%s %s", quote(c.Name), token(c.ID))
	if c.Detail != "" {
		s += " (" + token(c.Detail) + ")"
	}
	if c.Link != "" {
		s += " " + token(c.Link)
	}
	return s
}

// lookup is what a name or email matched: exact matches, or when there are
// none, the nearest records for suggestions.
type lookup struct {
	matches []candidate
	near    []candidate
}

// resolvable object types: others take IDs only.
func resolvable(objectType string) bool {
	return objectType == "account" || objectType == "member" || objectType == "contact"
}

// resolver turns names and emails into records through Lightfield's lists.
type resolver struct {
	client  *lfclient.Client
	members memberCache
}

const maxSuggestions = 5

// maxListPages bounds every page-through of a list.
const maxListPages = 40

func (r *resolver) find(ctx context.Context, objectType, input string) (lookup, error) {
	switch objectType {
	case "account":
		return r.findAccount(ctx, input)
	case "member":
		return r.findMember(ctx, input)
	case "contact":
		return r.findContact(ctx, input)
	}
	return lookup{}, fmt.Errorf("records of type %s can only be given by ID", objectType)
}

func accountCandidate(rec lfclient.Record) candidate {
	return candidate{ID: rec.ID, Name: rec.Name(), Detail: rec.Text("$website"), Link: deref(rec.HTTPLink)}
}

func personCandidate(rec lfclient.Record) candidate {
	return candidate{ID: rec.ID, Name: rec.Name(), Detail: rec.Text("$email"), Link: deref(rec.HTTPLink)}
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

func (r *resolver) findAccount(ctx context.Context, input string) (lookup, error) {
	var l lookup
	exact, err := r.accountsNamed(ctx, "equal", input, lfclient.MaxPageSize)
	if err != nil {
		return l, err
	}
	for _, rec := range exact {
		if foldLabel(rec.Name()) == foldLabel(input) {
			l.matches = append(l.matches, accountCandidate(rec))
		}
	}
	if len(l.matches) > 0 {
		return l, nil
	}
	// No exact match: suggest accounts starting with the input, or failing
	// that with its first word.
	prefixes := []string{input}
	if first, _, found := strings.Cut(strings.TrimSpace(input), " "); found && len(first) >= 2 {
		prefixes = append(prefixes, first)
	}
	for _, prefix := range prefixes {
		near, err := r.accountsNamed(ctx, "startsWith", prefix, maxSuggestions)
		if err != nil {
			return l, err
		}
		for _, rec := range near {
			l.near = append(l.near, accountCandidate(rec))
		}
		if len(l.near) > 0 {
			break
		}
	}
	return l, nil
}

func (r *resolver) findContact(ctx context.Context, input string) (lookup, error) {
	var l lookup
	isEmail := strings.Contains(input, "@")
	filter := lfclient.Filter{Key: "$name", Operator: "equal", Value: input}
	if isEmail {
		filter = lfclient.Filter{Key: "$email", Operator: "contains", Value: input}
	}
	page, err := r.client.List(ctx, "contact", []lfclient.Filter{filter}, lfclient.MaxPageSize, 0)
	if err != nil {
		return l, err
	}
	for _, rec := range page.Data {
		if isEmail && hasEmail(rec, input) || !isEmail && foldLabel(rec.Name()) == foldLabel(input) {
			l.matches = append(l.matches, personCandidate(rec))
		} else if len(l.near) < maxSuggestions {
			l.near = append(l.near, personCandidate(rec))
		}
	}
	return l, nil
}

func hasEmail(rec lfclient.Record, email string) bool {
	for _, e := range rec.Strings("$email") {
		if strings.EqualFold(strings.TrimSpace(e), strings.TrimSpace(email)) {
			return true
		}
	}
	return false
}

func (r *resolver) findMember(ctx context.Context, input string) (lookup, error) {
	var l lookup
	members, err := r.members.all(ctx, r.client)
	if err != nil {
		return l, err
	}
	names := map[string][]string{}
	byID := map[string]candidate{}
	for _, rec := range members {
		if hasEmail(rec, input) || foldLabel(rec.Name()) == foldLabel(input) {
			l.matches = append(l.matches, personCandidate(rec))
		}
		names[rec.ID] = []string{rec.Name(), rec.Text("$email")}
		byID[rec.ID] = personCandidate(rec)
	}
	if len(l.matches) == 0 {
		for _, id := range closest(input, names, maxSuggestions) {
			l.near = append(l.near, byID[id])
		}
	}
	return l, nil
}

// memberCache holds the workspace's members: they cannot be filtered, so
// they are paged through once and kept for ttl.
type memberCache struct {
	ttl       time.Duration
	mu        sync.Mutex
	members   []lfclient.Record
	fetchedAt time.Time
}

func (m *memberCache) all(ctx context.Context, client *lfclient.Client) ([]lfclient.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.members != nil && time.Since(m.fetchedAt) < m.ttl {
		return m.members, nil
	}
	var all []lfclient.Record
	for page := 0; page < maxListPages; page++ {
		p, err := client.List(ctx, "member", nil, lfclient.MaxPageSize, page*lfclient.MaxPageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Data...)
		if len(p.Data) < lfclient.MaxPageSize {
			break
		}
	}
	m.members, m.fetchedAt = all, time.Now()
	return all, nil
}
