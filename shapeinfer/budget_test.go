package shapeinfer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/membudget"
)

// Folded constants count against the memory budget while inference runs:
// each is small, but a model of many small nodes must not fold without
// bound. Here 40 folds of 65536 float32 (256 KiB each, 10 MiB together)
// pass a 64 MiB budget and are refused under 4 MiB, naming the node.
func TestFoldedConstantsBudget(t *testing.T) {
	values := []string{"s: i64{65536}"}
	var nodes []string
	for i := 0; i < 40; i++ {
		nodes = append(nodes, fmt.Sprintf("c%d = ConstantOfShape(s)", i))
	}
	_, total := membudget.Limits()
	defer membudget.SetTotal(total)
	for _, c := range []struct {
		budget int64
		want   string
	}{{64 << 20, ""}, {4 << 20, "already live that passes the memory budget"}} {
		membudget.SetTotal(c.budget)
		before := membudget.Live()
		_, err := Infer(buildModel(t, 17, values, nodes), Options{})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("budget %d: %v", c.budget, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "ConstantOfShape")):
			t.Errorf("budget %d: got %v, want an error naming the node with %q", c.budget, err, c.want)
		}
		if membudget.Live() != before {
			t.Errorf("budget %d: %d bytes still counted live after Infer", c.budget, membudget.Live()-before)
		}
	}
}
