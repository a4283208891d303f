package lfclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxPageSize is the largest page Lightfield lists return.
const MaxPageSize = 25

// Record is one entity of a list answer (account, contact, member or
// opportunity): its fields wrapped with their types, as on every read.
type Record struct {
	ID            string                       `json:"id"`
	CreatedAt     string                       `json:"createdAt"`
	UpdatedAt     *string                      `json:"updatedAt"`
	HTTPLink      *string                      `json:"httpLink"`
	Fields        map[string]FieldValue        `json:"fields"`
	Relationships map[string]RelationshipValue `json:"relationships"`
}

// Filter is one list filter, sent as {Key}[{Operator}]={Value}; a leading
// "-" on Operator negates it.
type Filter struct {
	Key, Operator, Value string
}

// ListPage is one page of a list answer.
type ListPage struct {
	Data       []Record `json:"data"`
	TotalCount int      `json:"totalCount"`
}

// List fetches one page of GET /v1/{objectType}s (accounts, contacts,
// members, opportunities) with the filters ANDed.
func (c *Client) List(ctx context.Context, objectType string, filters []Filter, limit, offset int) (*ListPage, error) {
	path, err := objectPath(objectType)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	var page ListPage
	err = c.do(ctx, request{cat: Search, method: http.MethodGet, path: path, query: listQuery(filters, limit, offset),
		decode: func(raw []byte) error {
			page = ListPage{}
			return json.Unmarshal(raw, &page)
		}})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", objectType, err)
	}
	return &page, nil
}

// Retrieve fetches one record by ID with GET /v1/{objectType}s/{id}
// (accounts, contacts, members, opportunities). Unlike a list, it sees a
// record as soon as it is written.
func (c *Client) Retrieve(ctx context.Context, objectType, id string) (*Record, error) {
	path, err := objectPath(objectType)
	if err != nil {
		return nil, err
	}
	var rec Record
	err = c.do(ctx, request{cat: Read, method: http.MethodGet, path: path + "/" + url.PathEscape(id),
		decode: func(raw []byte) error {
			rec = Record{}
			if err := json.Unmarshal(raw, &rec); err != nil {
				return err
			}
			if rec.ID == "" {
				return errors.New("the answer has no id")
			}
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("retrieve %s %s: %w", objectType, id, err)
	}
	return &rec, nil
}

var objectPaths = map[string]string{
	"account": "/v1/accounts", "contact": "/v1/contacts", "member": "/v1/members", "opportunity": "/v1/opportunities",
	"note": "/v1/notes", "task": "/v1/tasks",
}

// objectPath is the collection path of an object type.
func objectPath(objectType string) (string, error) {
	if path, ok := objectPaths[objectType]; ok {
		return path, nil
	}
	return "", fmt.Errorf("lightfield has no objects of type %q", objectType)
}

// listQuery keeps $, [ and ] literal in filter keys, as Lightfield's
// documentation writes them, and escapes the values.
func listQuery(filters []Filter, limit, offset int) string {
	parts := make([]string, 0, len(filters)+2)
	for _, f := range filters {
		parts = append(parts, f.Key+"["+f.Operator+"]="+url.QueryEscape(f.Value))
	}
	parts = append(parts, "limit="+strconv.Itoa(limit))
	if offset > 0 {
		parts = append(parts, "offset="+strconv.Itoa(offset))
	}
	return strings.Join(parts, "&")
}

// Text reads a field as a string: TEXT, a single URL or EMAIL, or the first of
// several; "" when absent.
func (r Record) Text(key string) string {
	raw := r.Fields[key].Value
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}

// Strings reads a field holding one string or several.
func (r Record) Strings(key string) []string {
	raw := r.Fields[key].Value
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return []string{s}
	}
	var list []string
	json.Unmarshal(raw, &list)
	return list
}

// Name reads a record's $name, joining a FULL_NAME's parts.
func (r Record) Name() string {
	first, last, full := r.nameParts()
	if !full {
		return r.Text("$name")
	}
	return strings.TrimSpace(strings.Join(strings.Fields(first+" "+last), " "))
}

// NameParts reads a person's first and last name: a FULL_NAME's parts, or
// for a plain name its first word and the rest.
func (r Record) NameParts() (first, last string) {
	first, last, full := r.nameParts()
	if !full {
		first, last, _ = strings.Cut(strings.TrimSpace(r.Text("$name")), " ")
	}
	return strings.TrimSpace(first), strings.TrimSpace(last)
}

func (r Record) nameParts() (first, last string, full bool) {
	var parts struct {
		FirstName *string `json:"firstName"`
		LastName  *string `json:"lastName"`
	}
	if json.Unmarshal(r.Fields["$name"].Value, &parts) != nil || parts.FirstName == nil && parts.LastName == nil {
		return "", "", false
	}
	if parts.FirstName != nil {
		first = *parts.FirstName
	}
	if parts.LastName != nil {
		last = *parts.LastName
	}
	return first, last, true
}
