package main

import (
	"encoding/json"
	"fmt"
	"slices"
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

// toolSize is what one tool of a tools/list weighs: what the model reads
// (its description and input schema, model) and its output schema, which
// hosts keep out of the model's context.
type toolSize struct {
	name                              string
	description, input, model, output int
}

// toolSizes weighs each tool of a tools/list answer.
func toolSizes(list []byte) ([]toolSize, error) {
	var res struct {
		Tools []struct {
			Name         string          `json:"name"`
			Description  string          `json:"description"`
			InputSchema  json.RawMessage `json:"inputSchema"`
			OutputSchema json.RawMessage `json:"outputSchema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(list, &res); err != nil {
		return nil, err
	}
	var sizes []toolSize
	for _, t := range res.Tools {
		sizes = append(sizes, toolSize{t.Name, len(t.Description), len(t.InputSchema), len(t.Description) + len(t.InputSchema), len(t.OutputSchema)})
	}
	return sizes, nil
}

// modelAverage is the average of what the model reads per tool.
func modelAverage(sizes []toolSize) int {
	if len(sizes) == 0 {
		return 0
	}
	total := 0
	for _, t := range sizes {
		total += t.model
	}
	return total / len(sizes)
}

func (r *report) schemaSection(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Schema\n\nWhat the model reads of each tool is its description and its input schema; hosts keep output schemas out of the model's context, so they are reported beside it but not counted. Every tool the server lists is measured (%d for the fixture), as `tools/list` sends it (the description's bytes in UTF-8, the input schema as encoded).\n\n| tool (fixture organisation) | description, bytes | input schema, bytes | description + input schema, bytes | output schema, bytes |\n|---|---|---|---|---|\n", len(r.fixtureTools))
	for _, t := range r.fixtureTools {
		fmt.Fprintf(b, "| `%s` | %d | %d | %d | %d |\n", t.name, t.description, t.input, t.model, t.output)
	}
	avg := modelAverage(r.fixtureTools)
	fmt.Fprintf(b, "| average per tool | — | — | %d (≈ %d tokens) | — |\n\nTarget: what the model reads averages ≤ 4 KB per tool for the fixture organisation: %s.\n\n", avg, avg/4, verdict(avg <= targetToolModelBytes))
	b.WriteString("| organisation | whole `tools/list` answer, bytes | ≈ tokens (bytes/4) |\n|---|---|---|\n")
	fmt.Fprintf(b, "| fixture (testdata/org.json) | %d | %d |\n", r.fixtureListBytes, r.fixtureListBytes/4)
	fmt.Fprintf(b, "| large: 200 custom fields, selects of 100 options | %d | %d |\n", r.largeListBytes, r.largeListBytes/4)
	fmt.Fprintf(b, "\nFor the large organisation, `tools/list` showed the refined schema %s after exec (fetch, refine, encode, list). Refining and compiling in-process are in the micro-benchmarks below (`BenchmarkRefineLarge`, `BenchmarkCompileLarge`).\n", ms(r.refineLarge))
}

func (r *report) schemaMissed() []string {
	avg := modelAverage(r.fixtureTools)
	if avg <= targetToolModelBytes {
		return nil
	}
	total := 0
	var parts []string
	for _, t := range r.fixtureTools {
		total += t.model
		parts = append(parts, fmt.Sprintf("`%s` %d", t.name, t.model))
	}
	byModel := slices.Clone(r.fixtureTools)
	slices.SortStableFunc(byModel, func(a, b toolSize) int { return b.model - a.model })
	largest := byModel[0]
	over := total - targetToolModelBytes*len(r.fixtureTools)
	return []string{fmt.Sprintf("**What the model reads per tool, for the fixture**: %d bytes on average against 4 KB (%d), %d bytes over per tool, %d bytes over for the %d tools together. By tool, description and input schema in bytes: %s. The largest is `%s`, %d bytes (description %d, input schema %d), then `%s`, %d (description %d, input schema %d): their input schemas carry the organisation's fields and relationships, with their options.",
		avg, targetToolModelBytes, avg-targetToolModelBytes, over, len(r.fixtureTools), strings.Join(parts, ", "),
		largest.name, largest.model, largest.description, largest.input, byModel[1].name, byModel[1].model, byModel[1].description, byModel[1].input)}
}
