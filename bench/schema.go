package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lightfield-mcp/lightfield-mcp/lfsim"
)

// largeOrg is an organisation far bigger than most: 200 custom fields of
// every type, selects with 100 options each.
func largeOrg(base lfsim.Org) (lfsim.Org, error) {
	var defs map[string]any
	if err := json.Unmarshal(base.Definitions, &defs); err != nil {
		return base, err
	}
	fields := defs["fieldDefinitions"].(map[string]any)
	types := []string{"TEXT", "NUMBER", "CURRENCY", "DATETIME", "CHECKBOX", "EMAIL", "URL", "TELEPHONE", "ADDRESS", "FULL_NAME", "SOCIAL_HANDLE", "SINGLE_SELECT", "MULTI_SELECT"}
	for i := range 200 {
		vt := types[i%len(types)]
		cfg := map[string]any{}
		if vt == "SINGLE_SELECT" || vt == "MULTI_SELECT" {
			var options []any
			for j := range 100 {
				options = append(options, map[string]any{"id": fmt.Sprintf("opt_l_%d_%d", i, j), "label": fmt.Sprintf("Choice %d of field %d", j, i)})
			}
			cfg["options"] = options
		}
		fields[fmt.Sprintf("custom%03d", i)] = map[string]any{"label": fmt.Sprintf("Custom field %d", i), "description": "A custom field of a large organisation.", "valueType": vt, "typeConfiguration": cfg}
	}
	raw, err := json.Marshal(defs)
	base.Definitions = raw
	return base, err
}

// schemaSizes measures tools/list (the result as it crosses the pipe) for
// the fixture and the large organisation through the binary, and how long
// the large one takes to appear after start.
func (r *report) schemaSizes(binary string) error {
	org, err := fixtureOrg()
	if err != nil {
		return err
	}
	for _, large := range []bool{false, true} {
		o := org
		if large {
			if o, err = largeOrg(org); err != nil {
				return err
			}
		}
		_, ts, err := fake(o)
		if err != nil {
			return err
		}
		start := time.Now()
		c, err := lineSession(binary, ts.URL)
		if err != nil {
			ts.Close()
			return err
		}
		marker := "Proposal Sent"
		if large {
			marker = "Choice 99 of field 193"
		}
		list, err := c.waitRefined(marker)
		if large {
			r.largeListBytes, r.refineLarge = len(list), time.Since(start)
		}
		c.close()
		ts.Close()
		if err != nil {
			return err
		}
		if !large {
			r.fixtureListBytes = len(list)
			if r.fixtureTools, err = toolSizes(list); err != nil {
				return err
			}
		}
	}
	return nil
}

// toolSize is one tool's share of a tools/list answer.
type toolSize struct {
	name  string
	bytes int
}

// toolSizes splits a tools/list result into its tools' sizes.
func toolSizes(list []byte) ([]toolSize, error) {
	var res struct {
		Tools []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(list, &res); err != nil {
		return nil, err
	}
	var sizes []toolSize
	for _, raw := range res.Tools {
		var tool struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &tool); err != nil {
			return nil, err
		}
		sizes = append(sizes, toolSize{tool.Name, len(raw)})
	}
	return sizes, nil
}

// schemaSection writes the size of tools/list for the fixture and the large
// organisation.
func (r *report) schemaSection(b *strings.Builder) {
	b.WriteString("\n## Schema\n\n| organisation | `tools/list` bytes | ≈ tokens (bytes/4) | target |\n|---|---|---|---|\n")
	fmt.Fprintf(b, "| fixture (testdata/org.json) | %d | %d | ≤ 12 KB: %s |\n", r.fixtureListBytes, r.fixtureListBytes/4, verdict(r.fixtureListBytes <= targetToolsListSize))
	fmt.Fprintf(b, "| large: 200 custom fields, selects of 100 options | %d | %d | — |\n", r.largeListBytes, r.largeListBytes/4)
	fmt.Fprintf(b, "\nFor the large organisation, `tools/list` showed the refined schema %s after exec (fetch, refine, encode, list). Refining and compiling in-process are in the micro-benchmarks below (`BenchmarkRefineLarge`, `BenchmarkCompileLarge`).\n", ms(r.refineLarge))
}

// schemaMissed explains the fixture's tools/list over its target, tool by
// tool.
func (r *report) schemaMissed() []string {
	if r.fixtureListBytes > targetToolsListSize {
		var parts []string
		for _, t := range r.fixtureTools {
			parts = append(parts, fmt.Sprintf("`%s` %d", t.name, t.bytes))
		}
		return []string{fmt.Sprintf("**`tools/list` for the fixture**: %d bytes against 12 KB (%d), over by %d. By tool, in bytes: %s; the rest is the answer's envelope. `create_opportunity` carries the organisation's fields and relationships, with their options, in its input schema.",
			r.fixtureListBytes, targetToolsListSize, r.fixtureListBytes-targetToolsListSize, strings.Join(parts, ", "))}
	}
	return nil
}
