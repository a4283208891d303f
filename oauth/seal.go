// Package oauth signs people in for remote MCP clients (Claude on the web
// and phones, ChatGPT) with OAuth 2.1, as the MCP authorization spec
// describes it, without keeping any state: registrations, codes and tokens
// are sealed (AES-256-GCM) under the operator's secret and carry what they
// stand for, the person's Lightfield API key included, so that any number
// of replicas serve them with no shared store.
package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MinSecretLength is the shortest secret accepted: 32 characters, such as
// the output of `openssl rand -base64 32`.
const MinSecretLength = 32

// sealer seals and opens tokens. The first key seals; every key opens, so
// that an old secret keeps its tokens valid while it is rotated out.
type sealer struct {
	aeads []cipher.AEAD
}

// newSealer derives one key from each secret (the current first).
func newSealer(secrets []string) (*sealer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no token secret")
	}
	s := &sealer{}
	for i, secret := range secrets {
		if len(secret) < MinSecretLength {
			return nil, fmt.Errorf("token secret %d is %d characters long; at least %d are needed (openssl rand -base64 32)", i+1, len(secret), MinSecretLength)
		}
		key, err := hkdf.Key(sha256.New, []byte(secret), nil, "lightfield-mcp oauth tokens v1", 32)
		if err != nil {
			return nil, fmt.Errorf("derive token key: %w", err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("token key: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("token key: %w", err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// Kinds of sealed values. Each kind has its own prefix and is bound to it
// (the prefix is authenticated), so that a code cannot be used as a token.
const (
	kindClient  = "lfmcp_client_" // a registered client's client_id
	kindRequest = "lfmcp_req_"    // an authorization request, held by the sign-in page
	kindGrant   = "lfmcp_grant_"  // a checked key awaiting the person's confirmation
	kindCode    = "lfmcp_code_"   // an authorization code
	kindAccess  = "lfmcp_at_"     // an access token
	kindRefresh = "lfmcp_rt_"     // a refresh token
)

// envelope is what every sealed value carries besides its contents.
type envelope struct {
	Expires int64           `json:"exp,omitempty"` // unix seconds; 0: never
	Body    json.RawMessage `json:"body"`
}

// seal encrypts v as a value of kind that expires after ttl (0: never).
func (s *sealer) seal(kind string, v any, ttl time.Duration) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	env := envelope{Body: body}
	if ttl != 0 {
		env.Expires = time.Now().Add(ttl).Unix()
	}
	plain, err := json.Marshal(env)
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	aead := s.aeads[0]
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, plain, []byte(kind))
	return kind + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// errNotOurs is any value that does not open: made up, altered, of another
// kind, sealed under a secret no longer accepted, or expired.
var errNotOurs = errors.New("not a valid token of this server")

// open decrypts a value of kind into v.
func (s *sealer) open(kind, token string, v any) error {
	_, err := s.openSingle(kind, token, v)
	return err
}

// singleUse names a value that may be used once (a code, a grant) in the
// memory of those used: by its nonce, random per seal and authenticated,
// so that a value has one name however it is spelled; until it expires.
type singleUse struct {
	id    string
	until time.Time // codes and grants always expire
}

// openSingle is open for a value used once: it also names the value.
func (s *sealer) openSingle(kind, token string, v any) (singleUse, error) {
	raw, ok := strings.CutPrefix(token, kind)
	if !ok || len(raw) > maxSealedLength {
		return singleUse{}, errNotOurs
	}
	// One value, one spelling: the decoder skips \r and \n and ignores
	// the spare bits of the last character.
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || base64.RawURLEncoding.EncodeToString(sealed) != raw {
		return singleUse{}, errNotOurs
	}
	for _, aead := range s.aeads {
		if len(sealed) < aead.NonceSize() {
			return singleUse{}, errNotOurs
		}
		nonce := sealed[:aead.NonceSize()]
		plain, err := aead.Open(nil, nonce, sealed[aead.NonceSize():], []byte(kind))
		if err != nil {
			continue
		}
		var env envelope
		if json.Unmarshal(plain, &env) != nil || env.Expires != 0 && time.Now().Unix() > env.Expires {
			return singleUse{}, errNotOurs
		}
		if json.Unmarshal(env.Body, v) != nil {
			return singleUse{}, errNotOurs
		}
		// A value opens up to the end of its last second.
		return singleUse{id: string(nonce), until: time.Unix(env.Expires+1, 0)}, nil
	}
	return singleUse{}, errNotOurs
}

// maxSealedLength bounds what is decoded: the largest value sealed here (a
// client registration with several redirect URIs) is far shorter.
const maxSealedLength = 8 << 10

// IsSealed reports whether a Bearer value is shaped like an access token
// of this server (whether it opens is another matter).
func IsSealed(token string) bool {
	return strings.HasPrefix(token, kindAccess) && len(token) <= len(kindAccess)+maxSealedLength
}
