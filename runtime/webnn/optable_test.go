package webnn

import (
	"sort"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
)

// TestOpTableMatchesGraphOps holds validate and run together: every op
// graph.Validate accepts has a kernel taking the same positional operand
// counts, and the runtime runs no op validate refuses.
func TestOpTableMatchesGraphOps(t *testing.T) {
	var problems []string
	for name, info := range graph.Ops {
		spec, ok := opTable[name]
		switch {
		case !ok:
			problems = append(problems, "validate accepts "+name+" but run has no kernel")
		case spec.minIn != info.MinInputs || spec.maxIn != info.MaxInputs:
			problems = append(problems, name+": operand counts differ between validate and run")
		}
	}
	for name := range opTable {
		if _, ok := graph.Ops[name]; !ok {
			problems = append(problems, "run accepts "+name+" but validate refuses it")
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}
