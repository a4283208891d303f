package write

// Asker puts questions to the person through the host (MCP elicitation,
// in either protocol era): which of several records a name means, and
// whether to create a new customer's account.
type Asker interface {
	// Answer is the person's answer to the question named key, nil when it
	// was not put yet.
	Answer(key string) *Answer
	// CanAsk reports whether the host can put questions to the person.
	CanAsk() bool
}

// Answer is what the person answered.
type Answer struct {
	// Accepted is false when the person declined or cancelled.
	Accepted bool
	Content  map[string]any
}

// Question is one question for the person: a message and the JSON Schema
// of the answer, named by Key (an argument's path).
type Question struct {
	Key, Message string
	Schema       map[string]any
}

// noAsker is the Asker of a write no person is behind.
type noAsker struct{}

func (noAsker) Answer(string) *Answer { return nil }
func (noAsker) CanAsk() bool          { return false }
