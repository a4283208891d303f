package main

import (
	"slices"
	"strings"
)

// missed explains each target the run did not meet: by how much, and why.
func (r *report) missed(b *strings.Builder) {
	notes := slices.Concat(r.roundTripMissed(), r.updateMissed(), r.schemaMissed(), r.rateMissed(), r.replicaMissed(), r.coldStartMissed(), r.hostileMissed(), r.floodMissed(), r.respellMissed(), r.cardMissed())
	if len(notes) == 0 {
		return
	}
	b.WriteString("\n## Targets missed, and why\n\n")
	for _, n := range notes {
		b.WriteString("- " + n + "\n")
	}
}
