package tools

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// maxDuplicatePages bounds the search for an existing opportunity.
const maxDuplicatePages = 4

// findDuplicate looks for an opportunity with the same name (case-insensitive)
// on the same account. Lists lag behind writes by seconds; the
// Idempotency-Key covers that window.
func (s *Server) findDuplicate(ctx context.Context, params lfclient.OpportunityCreateParams) (*lfclient.Record, error) {
	name, _ := params.Fields["$name"].(string)
	account, _ := params.Relationships["$account"].(string)
	if name == "" || account == "" {
		return nil, nil
	}
	filter := []lfclient.Filter{{Key: "$name", Operator: "equal", Value: name}}
	for page := 0; page < maxDuplicatePages; page++ {
		p, err := s.client.List(ctx, "opportunity", filter, lfclient.MaxPageSize, page*lfclient.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for i, rec := range p.Data {
			if foldLabel(rec.Name()) == foldLabel(name) && slices.Contains(rec.Relationships["$account"].Values, account) {
				return &p.Data[i], nil
			}
		}
		if len(p.Data) < lfclient.MaxPageSize {
			break
		}
	}
	return nil, nil
}

func duplicateText(dup *lfclient.Record, defs *lfclient.Definitions) string {
	text := fmt.Sprintf("An opportunity named %s already exists on this account: %s", quote(dup.Name()), token(dup.ID))
	if stage := stageLabelOf(dup.Fields, defs); stage != "" {
		text += ", stage " + quote(stage)
	}
	if link := deref(dup.HTTPLink); link != "" {
		text += ", " + token(link)
	}
	return text + "."
}

// createdKeys remembers, for Lightfield's 24-hour idempotency window, which
// opportunity each key this process sent created, so that repeating a call
// is recognised as a replay and not refused as a duplicate of itself.
type createdKeys struct {
	mu   sync.Mutex
	byID map[string]createdAt
}

type createdAt struct {
	opportunityID string
	at            time.Time
}

const idempotencyWindow = 24 * time.Hour

func (c *createdKeys) remember(key, opportunityID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]createdAt{}
	}
	now := time.Now()
	for k, v := range c.byID {
		if now.Sub(v.at) > idempotencyWindow {
			delete(c.byID, k)
		}
	}
	c.byID[key] = createdAt{opportunityID, now}
}

func (c *createdKeys) created(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.byID[key]
	if !ok || time.Since(v.at) > idempotencyWindow {
		return ""
	}
	return v.opportunityID
}
