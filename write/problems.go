package write

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong with a call's arguments, for the model to fix.
type Problem struct {
	// Path names the argument, e.g. fields.$stage.
	Path    string
	Message string
	// unknown marks a key or option the definitions held do not know: newer
	// definitions may know it.
	unknown bool
	// Missing is the name of an account that does not exist (no account's
	// name even starts with it), which the person may create.
	Missing string
	// Choices are the records a name matched, one of which the person may
	// pick; Arg is where that name stands in the call's arguments as sent
	// (keys and list indexes), so that the same call can be made with the
	// picked record's ID in its place.
	Choices []Candidate
	Arg     []any
	// Choose asks the person to pick among Choices, in plain words.
	Choose string
}

// Problems are all that is wrong with a call, listed at once so that one
// corrected call fixes them all.
type Problems []Problem

func (ps *Problems) add(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// addChoices says that ref's name matched several records, which the
// person may choose among.
func (ps *Problems) addChoices(ref reference, matches []Candidate) {
	*ps = append(*ps, *several(ref, matches))
}

// several is the problem of ref's name matching several records.
func several(ref reference, matches []Candidate) *Problem {
	choose := fmt.Sprintf("“%s” matches %d %ss: pick the one meant.", ref.input, len(matches), ref.objectType)
	return &Problem{Path: ref.path, Message: severalText(ref, matches), Choices: matches, Arg: ref.arg, Choose: choose}
}

func (ps *Problems) addUnknown(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...), unknown: true})
}

// has reports whether ps names path already.
func has(ps Problems, path string) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Path == path })
}

// mayBeStale reports whether newer definitions might accept the call.
func (ps Problems) mayBeStale() bool {
	for _, p := range ps {
		if p.unknown {
			return true
		}
	}
	return false
}

// maxQuoted caps text that came from Lightfield or the caller before it is
// shown to the model: it is data, never instructions.
const maxQuoted = 200

// Quote renders s as a quoted, length-capped string.
func Quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		s = string([]rune(s)[:maxQuoted]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// Token renders an ID or link from Lightfield as is when it looks like one
// (printable ASCII without spaces, at most 300 bytes), quoted otherwise.
func Token(s string) string {
	if len(s) == 0 || len(s) > 300 {
		return Quote(s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return Quote(s)
		}
	}
	return s
}

// quoteList renders up to limit values quoted, saying how many were left out.
func quoteList(values []string, limit int) string {
	shown := values
	if len(shown) > limit {
		shown = shown[:limit]
	}
	quoted := make([]string, len(shown))
	for i, v := range shown {
		quoted[i] = Quote(v)
	}
	out := strings.Join(quoted, ", ")
	if len(values) > limit {
		out += fmt.Sprintf(" and %d more", len(values)-limit)
	}
	return out
}

// closest returns up to n candidates nearest to input, comparing on each
// Candidate's names (its key and its label), nearest first, leaving out
// those too far away to be a plausible typo.
func closest(input string, candidates map[string][]string, n int) []string {
	in := normalize(input)
	type scored struct {
		key  string
		dist int
	}
	var found []scored
	for key, names := range candidates {
		best := -1
		for _, name := range names {
			norm := normalize(name)
			d := levenshtein(in, norm)
			if in != "" && norm != "" && (strings.Contains(norm, in) || strings.Contains(in, norm)) {
				d = min(d, 1)
			}
			if best < 0 || d < best {
				best = d
			}
		}
		if best <= max(2, len(in)/3) {
			found = append(found, scored{key, best})
		}
	}
	// Insertion sort: the lists are short.
	for i := 1; i < len(found); i++ {
		for j := i; j > 0 && (found[j].dist < found[j-1].dist || found[j].dist == found[j-1].dist && found[j].key < found[j-1].key); j-- {
			found[j], found[j-1] = found[j-1], found[j]
		}
	}
	var out []string
	for i := 0; i < len(found) && i < n; i++ {
		out = append(out, found[i].key)
	}
	return out
}

// normalize folds case, drops a leading $ and everything but letters and digits,
// so that "Close date", "close_date" and "$closeDate" compare equal.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > utf8.RuneSelf {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
