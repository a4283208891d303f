package lfclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is an error answer from the Lightfield API. It is parsed from both the
// documented {"error":{…}} shape and the bare shape of the OpenAPI document;
// a body that is neither still yields an Error with the status and an excerpt.
type Error struct {
	StatusCode int
	Type       string
	Code       string
	Param      string
	Message    string
	// RetryAfter is the server's Retry-After, zero when absent; a 429
	// without one waits until X-RateLimit-Reset, or a second.
	RetryAfter time.Duration
	// Candidates is kept as sent for codes that list choices
	// (ambiguous_stage_label).
	Candidates json.RawMessage
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lightfield: %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	} else if e.Type != "" {
		fmt.Fprintf(&b, " (%s)", e.Type)
	}
	if e.Param != "" {
		fmt.Fprintf(&b, " at %s", e.Param)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

// Retryable reports whether the same request may be sent again: rate limits,
// server errors and idempotency conflicts, never other client errors.
func (e *Error) Retryable() bool {
	switch {
	case e.StatusCode == http.StatusTooManyRequests, e.StatusCode >= 500:
		return true
	case e.StatusCode == http.StatusConflict:
		return e.Type == "idempotency_conflict" || e.Code == "idempotency_conflict"
	}
	return false
}

type errorBody struct {
	Type       string          `json:"type"`
	Code       string          `json:"code"`
	Param      string          `json:"param"`
	Message    string          `json:"message"`
	Candidates json.RawMessage `json:"candidates"`
}

const maxExcerpt = 300

// parseError reads an error answer; the API key is blanked out of
// everything the answer says, in case a server echoes it.
func parseError(resp *http.Response, body []byte, apiKey string) *Error {
	if apiKey != "" {
		body = bytes.ReplaceAll(body, []byte(apiKey), []byte(redacted))
	}
	now := time.Now()
	e := &Error{StatusCode: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		e.RetryAfter = time.Second // the limit's own window
		if wait, ok := resetWait(resp.Header, now); ok {
			e.RetryAfter = wait
		}
	}
	var wrapped struct {
		Error *errorBody `json:"error"`
	}
	var bare errorBody
	switch {
	case json.Unmarshal(body, &wrapped) == nil && wrapped.Error != nil:
		bare = *wrapped.Error
	case json.Unmarshal(body, &bare) == nil && (bare.Type != "" || bare.Message != "" || bare.Code != ""):
	default:
		// Redacted again after the excerpt dropped invalid bytes, which
		// could have split the key in the body and joined it again here.
		e.Message = excerpt(body)
		if apiKey != "" {
			e.Message = strings.ReplaceAll(e.Message, apiKey, redacted)
		}
		return e
	}
	e.Type, e.Code, e.Param, e.Message = bare.Type, bare.Code, bare.Param, bare.Message
	// Re-encoding undoes escapes (\u0073k_…) that could hide the key.
	var candidates any
	if json.Unmarshal(bare.Candidates, &candidates) == nil && candidates != nil {
		e.Candidates, _ = json.Marshal(candidates)
	}
	if apiKey != "" {
		for _, field := range []*string{&e.Type, &e.Code, &e.Param, &e.Message} {
			*field = strings.ReplaceAll(*field, apiKey, redacted)
		}
		e.Candidates = bytes.ReplaceAll(e.Candidates, []byte(apiKey), []byte(redacted))
	}
	return e
}

// PlausibleKey reports whether s is shaped like a Lightfield API key
// (sk_lf_ and up to 250 letters, digits, _ or -), so that a server can
// refuse anything else before it keeps state or asks Lightfield.
func PlausibleKey(s string) bool {
	rest, ok := strings.CutPrefix(s, "sk_lf_")
	if !ok || rest == "" || len(s) > MaxKeyLength {
		return false
	}
	for _, r := range rest {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// MaxKeyLength bounds a plausible API key.
const MaxKeyLength = 256

// excerpt makes a non-JSON error body (an HTML page from a proxy, say) short
// and printable.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "")), " ")
	if len(s) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
