// Package lfclient is a small client for the Lightfield REST API: typed
// requests and responses, one error type, retries that keep the same
// Idempotency-Key, and a pace per rate-limit category that follows what
// Lightfield reports of the organisation's budget (pace.go).
package lfclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// APIVersion is the Lightfield-Version header sent on every request.
const APIVersion = "2026-03-01"

// DefaultBaseURL is Lightfield's production API.
const DefaultBaseURL = "https://api.lightfield.app"

// maxResponseBytes bounds what is read of one answer.
const maxResponseBytes = 8 << 20

// Category is a Lightfield rate-limit category.
type Category int

// The rate-limit categories; each has its own budget of requests per second.
const (
	Write Category = iota
	Read
	Search
	numCategories
)

// Config configures a Client. Zero values take the defaults documented on
// each field.
type Config struct {
	// APIKey is sent as a bearer token. Required.
	APIKey string
	// BaseURL defaults to DefaultBaseURL.
	BaseURL string
	// UserAgent names the calling program and its version.
	UserAgent string
	// HTTPClient defaults to a client without a total timeout; each attempt
	// gets AttemptTimeout instead.
	HTTPClient *http.Client
	// Logger receives one line per HTTP attempt. Defaults to discarding.
	Logger *slog.Logger
	// MaxAttempts bounds tries per request (default 4).
	MaxAttempts int
	// MaxElapsed bounds the time spent retrying one request (default 30s);
	// a request without a deadline of its own gets this one, waits for the
	// rate limit included.
	MaxElapsed time.Duration
	// AttemptTimeout bounds one HTTP attempt (default 15s).
	AttemptTimeout time.Duration
	// MinBackoff is the first retry's base delay (default 200ms); it doubles
	// per attempt up to MaxBackoff (default 5s), with full jitter.
	MinBackoff, MaxBackoff time.Duration
	// RequestsPerSecond is the sustained client-side rate per category
	// (default 24, under Lightfield's 25): the most the client paces at,
	// slower while Lightfield says the organisation's budget is spent.
	RequestsPerSecond float64
	// ReadBurst is how many reads or searches may start at once (default
	// 6), so that one call's look-ups go out together; writes, one per
	// call, go one at a time.
	ReadBurst int
	// Unverified, when set, is waited on (besides the category's own limit)
	// by every request made before Lightfield first accepted the key: one
	// limiter shared by all clients keeps made-up keys from sending an
	// unbounded number of requests upstream.
	Unverified *rate.Limiter
	// AllowInsecureHTTP permits a plain-HTTP base URL that is not loopback.
	// Without it such a URL is refused: the key would cross the network in
	// clear text.
	AllowInsecureHTTP bool
}

// Client talks to one Lightfield organisation with one API key.
type Client struct {
	cfg         Config
	base        *url.URL
	pacers      [numCategories]*pacer
	fingerprint string
	// verified is set by the first answer that is not a 401; rejected by
	// a 401 (until an answer says otherwise).
	verified, rejected atomic.Bool
}

// Verified reports whether Lightfield has accepted the key at least once.
func (c *Client) Verified() bool {
	return c.verified.Load()
}

// Rejected reports whether Lightfield's latest verdict on the key was 401.
func (c *Client) Rejected() bool {
	return c.rejected.Load()
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("lfclient: an API key is required")
	}
	base, err := cfg.baseURL()
	if err != nil {
		return nil, err
	}
	// The key goes to the base URL only: an answer that redirects elsewhere
	// is an error, not a request to follow.
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }
	cfg.HTTPClient = &hc
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "lightfield-mcp"
	}
	setDefault(&cfg.MaxAttempts, 4)
	setDefault(&cfg.MaxElapsed, 30*time.Second)
	setDefault(&cfg.AttemptTimeout, 15*time.Second)
	setDefault(&cfg.MinBackoff, 200*time.Millisecond)
	setDefault(&cfg.MaxBackoff, 5*time.Second)
	setDefault(&cfg.RequestsPerSecond, 24)
	setDefault(&cfg.ReadBurst, 6)
	c := &Client{cfg: cfg, base: base, fingerprint: KeyFingerprint(cfg.APIKey)}
	for i := range c.pacers {
		burst := cfg.ReadBurst
		if Category(i) == Write {
			burst = 1
		}
		// A token bucket: sustained at the rate, and after a pause up to
		// burst at once. A burst can put a second over Lightfield's limit
		// only when a category was idle and then saturated; the 429 is
		// retried once the budget is back.
		c.pacers[i] = newPacer(cfg.RequestsPerSecond, burst)
	}
	return c, nil
}

// CheckBaseURL reports whether New would accept the configuration's base
// URL, so that a server can refuse a bad one at start, before any key is
// at hand.
func (cfg Config) CheckBaseURL() error {
	_, err := cfg.baseURL()
	return err
}

func (cfg Config) baseURL() (*url.URL, error) {
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil {
		// The URL is not echoed: a mistaken one may hold a secret.
		return nil, errors.New("lfclient: the base URL must be an absolute http(s) URL without credentials, such as " + DefaultBaseURL)
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) && !cfg.AllowInsecureHTTP {
		return nil, fmt.Errorf("lfclient: refusing to send the API key over plain HTTP to %s; use https (plain HTTP is allowed to loopback addresses, or when explicitly allowed)", base.Host)
	}
	return base, nil
}

var errRedirect = errors.New("lightfield answered with a redirect, which is not followed so that the API key goes nowhere else")

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Create sends POST /v1/{objectType}s (opportunities, accounts, notes,
// tasks). Every attempt carries the same idempotencyKey, so a retry after a
// lost answer cannot create a second record.
func (c *Client) Create(ctx context.Context, objectType string, params CreateParams, idempotencyKey string) (*Object, error) {
	if idempotencyKey == "" {
		return nil, fmt.Errorf("create %s: an idempotency key is required", objectType)
	}
	path, err := objectPath(objectType)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("create %s: encode body: %w", objectType, err)
	}
	var obj *Object
	err = c.do(ctx, request{cat: Write, method: http.MethodPost, path: path, body: body, idempotencyKey: idempotencyKey,
		decode: func(raw []byte) (err error) {
			obj, err = decodeObject(raw)
			return err
		}})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", objectType, err)
	}
	return obj, nil
}

// Update sends POST /v1/{objectType}s/{id}: only the fields and
// relationships in params change. Like Create, every attempt carries the
// same idempotencyKey.
func (c *Client) Update(ctx context.Context, objectType, id string, params UpdateParams, idempotencyKey string) (*Object, error) {
	if idempotencyKey == "" {
		return nil, fmt.Errorf("update %s %s: an idempotency key is required", objectType, id)
	}
	path, err := objectPath(objectType)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("update %s %s: encode body: %w", objectType, id, err)
	}
	var obj *Object
	err = c.do(ctx, request{cat: Write, method: http.MethodPost, path: path + "/" + url.PathEscape(id), body: body, idempotencyKey: idempotencyKey,
		decode: func(raw []byte) (err error) {
			obj, err = decodeObject(raw)
			return err
		}})
	if err != nil {
		return nil, fmt.Errorf("update %s %s: %w", objectType, id, err)
	}
	return obj, nil
}

func decodeObject(raw []byte) (*Object, error) {
	var obj Object
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if obj.ID == "" {
		return nil, errors.New("decode: the answer has no id")
	}
	obj.Raw = raw
	return &obj, nil
}

// Definitions fetches GET /v1/{objectType}s/definitions.
func (c *Client) Definitions(ctx context.Context, objectType string) (*Definitions, error) {
	path, err := objectPath(objectType)
	if err != nil {
		return nil, err
	}
	var defs Definitions
	err = c.do(ctx, request{cat: Read, method: http.MethodGet, path: path + "/definitions",
		decode: func(raw []byte) error {
			defs = Definitions{}
			if err := json.Unmarshal(raw, &defs); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
			if defs.FieldDefinitions == nil {
				return errors.New("the answer has no fieldDefinitions")
			}
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("fetch %s definitions: %w", objectType, err)
	}
	if defs.RelationshipDefinitions == nil {
		defs.RelationshipDefinitions = map[string]RelationshipDefinition{}
	}
	return &defs, nil
}

// KeyInfo is the answer of GET /v1/auth/validate: what the key is and
// the scopes it was granted (none listed: full access).
type KeyInfo struct {
	Active      bool     `json:"active"`
	TokenType   string   `json:"tokenType"`
	SubjectType string   `json:"subjectType"`
	Scopes      []string `json:"scopes"`
}

// FullAccess reports whether the key may use every scope.
func (k *KeyInfo) FullAccess() bool { return len(k.Scopes) == 0 }

// Validate asks Lightfield whether the client's key is active and which
// scopes it has (GET /v1/auth/validate); a refused key is a 401 *Error.
func (c *Client) Validate(ctx context.Context) (*KeyInfo, error) {
	var info KeyInfo
	err := c.do(ctx, request{cat: Read, method: http.MethodGet, path: "/v1/auth/validate",
		decode: func(raw []byte) error {
			info = KeyInfo{}
			return json.Unmarshal(raw, &info)
		}})
	if err != nil {
		return nil, fmt.Errorf("validate the key: %w", err)
	}
	return &info, nil
}

// request is one API call.
type request struct {
	cat                 Category
	method, path, query string
	body                []byte
	idempotencyKey      string
	// decode reads a 200 answer. An answer it cannot read (cut short, not
	// JSON) is retried like a lost one: under the same Idempotency-Key a
	// write is replayed, not repeated.
	decode func([]byte) error
}

// do sends one request with retries until decode accepts an answer. A 429
// is waited out as often as it comes, within the call's deadline (or
// MaxElapsed without one): it says the organisation's budget is spent for
// now, not that the request failed. Other failures are retried up to
// MaxAttempts.
func (c *Client) do(ctx context.Context, req request) error {
	start := time.Now()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, start.Add(c.cfg.MaxElapsed))
		defer cancel()
	}
	pacer := c.pacers[req.cat]
	failures := 0
	var last error // the latest attempt's
	for attempt := 1; ; attempt++ {
		if err := pacer.wait(ctx); err != nil {
			return c.notSent(ctx, err, last)
		}
		if c.cfg.Unverified != nil && !c.verified.Load() {
			if err := c.cfg.Unverified.Wait(ctx); err != nil {
				return err
			}
		}
		raw, err := c.attempt(ctx, req, attempt)
		if err == nil {
			if err = req.decode(raw); err == nil {
				return nil
			}
			err = fmt.Errorf("unreadable answer: %w", err)
		}
		if ctx.Err() != nil || !retryable(err) {
			return c.redact(err)
		}
		last = err
		delay, ok := c.retryDelay(ctx, start, err, &failures)
		if !ok || !sleep(ctx, delay) {
			return c.redact(err)
		}
	}
}

// notSent is the error of a request whose next attempt the pace could not
// start before ctx's deadline: the latest attempt's error when there was
// one (what Lightfield last said); else, with time left, a 429 of the
// client's own, since a pace slowed by Lightfield's answers is what held it
// back, and nothing was sent.
func (c *Client) notSent(ctx context.Context, err, last error) error {
	switch {
	case last != nil:
		return c.redact(last)
	case ctx.Err() != nil:
		return err
	}
	return &Error{StatusCode: http.StatusTooManyRequests, Type: "too_many_requests",
		Message: "Not sent: at the pace Lightfield's rate-limit answers allow, the request could not start before the call's deadline."}
}

// retryDelay is how long to wait before sending a failed request again;
// false when it is not to be sent again. A 429 is waited out as long as
// Lightfield says, as often as it comes; other failures count against
// MaxAttempts and MaxElapsed. Either way the wait must end before ctx's
// deadline.
func (c *Client) retryDelay(ctx context.Context, start time.Time, err error, failures *int) (time.Duration, bool) {
	var delay time.Duration
	if apiErr := (*Error)(nil); errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests {
		delay = rateLimitWait(apiErr)
	} else {
		if *failures++; *failures >= c.cfg.MaxAttempts {
			return 0, false
		}
		delay = c.backoff(*failures, err)
		if time.Since(start)+delay > c.cfg.MaxElapsed {
			return 0, false
		}
	}
	deadline, _ := ctx.Deadline() // do gives every request one
	return delay, time.Until(deadline) >= delay
}

// sleep waits for d, false if ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// redact removes the API key from an error that is not an API answer (those
// are redacted when parsed), should anything have put it there.
func (c *Client) redact(err error) error {
	var apiErr *Error
	if errors.As(err, &apiErr) || !strings.Contains(err.Error(), c.cfg.APIKey) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), c.cfg.APIKey, redacted))
}

const redacted = "[redacted]"

func (c *Client) attempt(ctx context.Context, r request, attempt int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	u := *c.base
	u.Path += r.path
	u.RawQuery = r.query
	var reader io.Reader
	if r.body != nil {
		reader = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), reader)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	req.Header.Set("Lightfield-Version", APIVersion)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.idempotencyKey)
	}
	began := time.Now()
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		level := slog.LevelWarn
		if errors.Is(err, context.Canceled) { // the caller left (a host's cancel, a shutdown): not Lightfield's failure
			level = slog.LevelDebug
		}
		c.cfg.Logger.Log(ctx, level, "lightfield request failed", "method", r.method, "path", r.path, "attempt", attempt, "elapsed", time.Since(began).Round(time.Millisecond), "error", err)
		return nil, err
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.cfg.Logger.Info("lightfield", "method", r.method, "path", r.path, "status", resp.StatusCode, "attempt", attempt, "elapsed", time.Since(began).Round(time.Millisecond))
	if readErr != nil {
		return nil, fmt.Errorf("read answer: %w", readErr)
	}
	c.rejected.Store(resp.StatusCode == http.StatusUnauthorized)
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
		c.verified.Store(true)
	}
	var apiErr *Error
	if resp.StatusCode != http.StatusOK {
		apiErr = parseError(resp, raw, c.cfg.APIKey)
	}
	c.pacers[r.cat].observe(resp.Header, apiErr, time.Now())
	if apiErr != nil {
		return nil, apiErr
	}
	return raw, nil
}

// retryable: API errors that say so, and anything that is not an API answer
// (connection refused or reset, attempt timeout, truncated body).
func retryable(err error) bool {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	return true
}

func (c *Client) backoff(attempt int, err error) time.Duration {
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter
	}
	ceiling := c.cfg.MinBackoff << (attempt - 1)
	if ceiling > c.cfg.MaxBackoff || ceiling <= 0 {
		ceiling = c.cfg.MaxBackoff
	}
	// Full jitter, never below half the ceiling, so that concurrent callers
	// spread out without retrying at once.
	return ceiling/2 + rand.N(ceiling/2+1)
}

// KeyFingerprint identifies the client's API key (and so its organisation)
// without revealing it.
func (c *Client) KeyFingerprint() string {
	return c.fingerprint
}

// KeyFingerprint identifies an API key without revealing it: what caches per
// organisation are keyed by, never the key itself.
func KeyFingerprint(apiKey string) string {
	sum := sha256.Sum256([]byte("lightfield-mcp api key\x00" + apiKey))
	return hex.EncodeToString(sum[:])
}
