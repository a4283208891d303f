package write

import (
	"encoding/json"
	"testing"
)

// BenchmarkCheckCall measures checking a realistic call against the fixture
// organisation's definitions.
func BenchmarkCheckCall(b *testing.B) {
	defs := loadFixtureDefinitions(b)
	raw := []byte(sentence)
	b.ReportAllocs()
	for b.Loop() {
		if _, ps := Check(Opportunity, raw, defs); len(ps) > 0 {
			b.Fatal(ps)
		}
	}
}

// BenchmarkEncodeRequest measures what follows a passed check: encoding the
// body and deriving its Idempotency-Key.
func BenchmarkEncodeRequest(b *testing.B) {
	call, ps := Check(Opportunity, []byte(sentence), loadFixtureDefinitions(b))
	if len(ps) > 0 {
		b.Fatal(ps)
	}
	b.ReportAllocs()
	for b.Loop() {
		body, err := json.Marshal(call.Params)
		if err != nil {
			b.Fatal(err)
		}
		defaultIdempotencyKey("fingerprint", body, false)
	}
}
