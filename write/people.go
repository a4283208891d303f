package write

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldName compares names as people type them: case, accents and spacing
// aside ("zoe" is "Zoë").
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Ranks of how a person matches a query, best first.
const (
	noMatch = iota
	partMatch
	fullMatch
)

// matchPerson says how a contact or member matches a name or email: the
// whole email, the full name, or one part of it alone (first name, last
// name, and for members the part of the email before the @).
func matchPerson(c Candidate, query string, member bool) (rank int, how string) {
	if isEmail(query) {
		for _, e := range c.emails {
			if strings.EqualFold(strings.TrimSpace(e), strings.TrimSpace(query)) {
				return fullMatch, "email"
			}
		}
		return noMatch, ""
	}
	q := foldName(query)
	switch {
	case q == "":
		return noMatch, ""
	case foldName(c.Name) == q:
		return fullMatch, "full name"
	case strings.Contains(q, " "):
		return noMatch, ""
	case foldName(c.first) == q:
		return partMatch, "first name"
	case foldName(c.last) == q:
		return partMatch, "last name"
	}
	if member {
		for _, e := range c.emails {
			if local, _, ok := strings.Cut(e, "@"); ok && foldName(local) == q {
				return partMatch, "email name"
			}
		}
	}
	return noMatch, ""
}

// scope is a group of people searched before the next, such as the deal's
// account's contacts before the whole organisation's.
type scope struct {
	where string // "" for everyone, else e.g. "at the deal's account"
	in    func(Candidate) bool
}

// choosePeople returns the people in pool that match query best: within
// the first scope that has any match, those of the best rank. Several
// means the query is ambiguous there and must not be guessed.
func choosePeople(query string, pool []Candidate, member bool, scopes []scope) ([]Candidate, string) {
	for _, sc := range scopes {
		best, how := noMatch, ""
		var matches []Candidate
		for _, c := range pool {
			if sc.in != nil && !sc.in(c) {
				continue
			}
			rank, h := matchPerson(c, query, member)
			switch {
			case rank == noMatch || rank < best:
			case rank > best:
				best, how, matches = rank, h, []Candidate{c}
			default:
				if h != how {
					how = "first or last name"
				}
				matches = append(matches, c)
			}
		}
		if len(matches) > 0 {
			if sc.where != "" {
				how += ", " + sc.where
			}
			return matches, how
		}
	}
	return nil, ""
}

// minTypoLength is the shortest query typos are looked for in: two letters
// off a three-letter name is any other three-letter name.
const minTypoLength = 5

// minPrefixLength is the shortest query whose completions are offered:
// "Dan" suggests Dana.
const minPrefixLength = 3

// nearPeople returns up to maxSuggestions people of pool whose names or
// emails start with query (what find_people also offers) or, for longer
// queries, are close to it.
func nearPeople(query string, pool []Candidate) []Candidate {
	q := foldName(query)
	var near []Candidate
	if len([]rune(q)) >= minPrefixLength {
		for _, c := range pool {
			for _, n := range append([]string{c.Name, c.first, c.last}, c.emails...) {
				if n != "" && strings.HasPrefix(foldName(n), q) {
					near = append(near, c)
					break
				}
			}
		}
	}
	if len([]rune(normalize(query))) >= minTypoLength {
		names := map[string][]string{}
		byID := map[string]Candidate{}
		oneWord := !strings.Contains(strings.TrimSpace(query), " ")
		for _, c := range pool {
			// A name's parts are compared only with a one-word query: "Sam
			// Ortis" is close to "Sam Ortiz", not to every Sam.
			names[c.ID] = append([]string{c.Name}, c.emails...)
			if oneWord {
				names[c.ID] = append(names[c.ID], c.first, c.last)
			}
			byID[c.ID] = c
		}
		for _, id := range closest(query, names, maxSuggestions) {
			near = append(near, byID[id])
		}
	}
	near = uniquePeople(near)
	return near[:min(len(near), maxSuggestions)]
}

// uniquePeople drops repeated IDs, keeping the first.
func uniquePeople(pool []Candidate) []Candidate {
	seen := map[string]bool{}
	var out []Candidate
	for _, c := range pool {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out
}
