package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// initTrace runs binary with args under GODEBUG=inittrace=1 and returns the
// time its packages took to initialise, in all and in
// github.com/santhosh-tekuri/jsonschema, in milliseconds.
func initTrace(binary string, args ...string) (total, schema float64, err error) {
	trace := exec.Command(binary, args...)
	trace.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := trace.CombinedOutput()
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		// init PKG @T ms, D ms clock, …
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "init" {
			continue
		}
		d, _ := strconv.ParseFloat(f[4], 64)
		total += d
		if strings.HasPrefix(f[1], "github.com/santhosh-tekuri/jsonschema") {
			schema += d
		}
	}
	return total, schema, nil
}

// coldStart times exec → initialize answered for the server and for a bare
// mcp-go server, in turn, and → tools/list with live definitions from the
// loopback fake for the server.
func (r *report) coldStart(binary, bare string, cfg config) error {
	_, ts, err := fixtureFake()
	if err != nil {
		return err
	}
	defer ts.Close()
	for range cfg.coldStarts {
		start := time.Now()
		if err := exec.Command(binary, "--version").Run(); err != nil {
			return err
		}
		r.exec = append(r.exec, time.Since(start))
	}
	if r.initTotal, r.initSchema, err = initTrace(binary, "--version"); err != nil {
		return err
	}
	// With no input, the bare server stops at once.
	if r.bareInitTotal, r.bareInitSchema, err = initTrace(bare); err != nil {
		return fmt.Errorf("bare server: %w", err)
	}
	for range cfg.coldStarts {
		start := time.Now()
		b, err := lineSession(bare, ts.URL)
		if err != nil {
			return fmt.Errorf("bare server: %w", err)
		}
		r.bareInitialize = append(r.bareInitialize, time.Since(start))
		b.close()
		start = time.Now()
		c, err := lineSession(binary, ts.URL)
		if err != nil {
			return err
		}
		r.initialize = append(r.initialize, time.Since(start))
		_, err = c.waitRefined("Proposal Sent")
		r.toolsList = append(r.toolsList, time.Since(start))
		c.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// coldRatio is this server's p50 from exec to initialize answered over the
// bare mcp-go server's.
func (r *report) coldRatio() float64 {
	return float64(r.initialize.percentile(0.5)) / float64(r.bareInitialize.percentile(0.5))
}

// coldStartSection writes the times from exec, this server's beside the
// bare mcp-go server's.
func (r *report) coldStartSection(b *strings.Builder) {
	b.WriteString("\n## Cold start\n\n| from exec to | p50 | p99 | target |\n|---|---|---|---|\n")
	ratio := r.coldRatio()
	fmt.Fprintf(b, "| `initialize` answered, bare mcp-go server (one tool, `bench/bareserver`) | %s | %s | — |\n", ms(r.bareInitialize.percentile(0.5)), ms(r.bareInitialize.percentile(0.99)))
	fmt.Fprintf(b, "| `initialize` answered, this server | %s | %s | ≤ 1.5× the bare server's p50: %.2f×, %s |\n", ms(r.initialize.percentile(0.5)), ms(r.initialize.percentile(0.99)), ratio, verdict(ratio <= targetColdRatio))
	listRatio := float64(r.toolsList.percentile(0.5)) / float64(r.bareInitialize.percentile(0.5))
	fmt.Fprintf(b, "| `tools/list` with live definitions, this server | %s | %s | ≤ 2× the bare server's `initialize` p50: %.2f×, %s |\n", ms(r.toolsList.percentile(0.5)), ms(r.toolsList.percentile(0.99)), listRatio, verdict(listRatio <= targetToolsListRatio))
	fmt.Fprintf(b, "| exit of `mcp-server --version` (process start and package initialisation only) | %s | %s | — |\n", ms(r.exec.percentile(0.5)), ms(r.exec.percentile(0.99)))
	fmt.Fprintf(b, "\nThe bare server and this one start in turn, %d times each, with the same client. Package initialisation (`GODEBUG=inittrace=1`, one run each) takes %.1f ms in this server and %.1f ms in the bare one; %.1f ms and %.1f ms of it are in `github.com/santhosh-tekuri/jsonschema/v6`, whose `init` compiles the meta-schemas of five JSON Schema drafts and which mcp-go's server package imports, so both pay for it.\n",
		len(r.initialize), r.initTotal, r.bareInitTotal, r.initSchema, r.bareInitSchema)
}

// coldStartMissed explains a start slower than its target beside the bare
// server.
func (r *report) coldStartMissed() []string {
	if ratio := r.coldRatio(); ratio > targetColdRatio {
		return []string{fmt.Sprintf("**`initialize` from exec**: %.2f× the bare mcp-go server's (%s against %s at p50), against 1.5×. Process start and package initialisation alone (`mcp-server --version`) take %s; package initialisation is %.1f ms here against %.1f ms in the bare server. The rest of this server's time to `initialize` is its own start before it serves stdio: reading its settings and building its API client and tools (the definitions load in the background).",
			ratio, ms(r.initialize.percentile(0.5)), ms(r.bareInitialize.percentile(0.5)), ms(r.exec.percentile(0.5)), r.initTotal, r.bareInitTotal)}
	}
	return nil
}
