package write

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfclient"
)

// written is what a write's POST brought back.
type written struct {
	obj *lfclient.Object
	// replayed: the record existed before this call.
	replayed bool
	warnings []string
}

// send POSTs a create under key and reads back what Lightfield stored.
// listed are records the call's search saw before (a replay returns one of
// them).
func (o *Org) send(ctx context.Context, k *Kind, params lfclient.CreateParams, defs *lfclient.Definitions, key string, listed []lfclient.Record) (*written, error) {
	earlier := o.created.created(key)
	o.created.attempted(key)
	sent := time.Now()
	obj, err := o.client.Create(ctx, k.Type, params, key)
	var apiErr *lfclient.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && apiErr.StatusCode != 409 && apiErr.StatusCode != 429 {
		o.created.forget(key) // refused: nothing was written under it
	}
	if err != nil {
		return nil, err
	}
	o.created.remember(key, obj.ID)
	o.recent.note(k.Type, RecordOf(obj))
	w := &written{obj: obj, replayed: replayed(obj, earlier, listed, sent)}
	w.warnings = verify(obj, params, defs)
	return w, nil
}

// clockSkew is how far Lightfield's clock may be from this machine's.
const clockSkew = 30 * time.Second

// replayed reports whether the record Lightfield returned existed before
// this call: this process saw its key create it, the call's search listed
// it, or it was created well before the request was sent.
func replayed(obj *lfclient.Object, earlier string, listed []lfclient.Record, sent time.Time) bool {
	if earlier == obj.ID || slices.ContainsFunc(listed, func(r lfclient.Record) bool { return r.ID == obj.ID }) {
		return true
	}
	created, err := time.Parse(time.RFC3339Nano, obj.CreatedAt)
	return err == nil && created.Before(sent.Add(-clockSkew))
}

// definitionsSuspect reports whether Lightfield refused the call for a key or
// option that its current definitions no longer (or not yet) match.
func definitionsSuspect(apiErr *lfclient.Error) bool {
	switch apiErr.Code {
	case "unknown_field", "unknown_relationship":
		return true
	case "invalid_type":
		return strings.HasPrefix(apiErr.Param, "fields.")
	}
	return false
}

// RecordOf is a written record as a list shows it.
func RecordOf(obj *lfclient.Object) lfclient.Record {
	return lfclient.Record{ID: obj.ID, CreatedAt: obj.CreatedAt, UpdatedAt: obj.UpdatedAt, HTTPLink: obj.HTTPLink, Fields: obj.Fields, Relationships: obj.Relationships}
}

// objectOf is a listed record as a create would have returned it.
func objectOf(rec lfclient.Record) *lfclient.Object {
	raw, _ := json.Marshal(rec)
	return &lfclient.Object{ID: rec.ID, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, HTTPLink: rec.HTTPLink, Fields: rec.Fields, Relationships: rec.Relationships, Raw: raw}
}
