package onnxrt

import (
	"flag"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/degenerate"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
)

// degenerateCases is how many random nodes each registered op is run on
// (go test -run TestDegenerateOps -degenerate 1000 hunts longer).
var degenerateCases = flag.Int("degenerate", 40, "random degenerate nodes per op")

// TestDegenerateOps runs every registered op variant on nodes with
// degenerate inputs and attributes (internal/degenerate) under a 64 MiB
// memory budget: each must compile and run, or fail with an error naming
// what is wrong — never a recovered panic ("internal error"), never a hang.
// The class of issue 10 item 4 (Concat with no inputs, negative sizes,
// NaN scales...), hunted for every op at once.
func TestDegenerateOps(t *testing.T) {
	degenerate.UnderBudget(t)
	var ran, refused, panics int
	for _, op := range Registry() {
		g := degenerate.New(uint64(len(op.Type))*7919 + uint64(op.Since))
		for i := 0; i < *degenerateCases; i++ {
			n, inits := g.Node(op.Domain, op.Type)
			if s := onnxpb.NodeSchema(op.Domain, op.Type, op.Since); s != nil && i%4 != 0 {
				n, inits = g.NodeFor(s, op.Domain, op.Type)
			}
			mp := degenerate.Model(n, inits, op.Since)
			err, hung := degenerate.Run(func() error { return runDegenerate(mp) })
			switch {
			case hung:
				t.Errorf("%s %s (since %d) case %d: no answer within 5s: %s", op.Domain, op.Type, op.Since, i, degenerate.Describe(n))
				return // the goroutine is still running
			case err == nil:
				ran++
			case degenerate.Internal(err):
				panics++
				t.Errorf("%s (since %d) case %d: %v\n  node: %s", op.Type, op.Since, i, err, degenerate.Describe(n))
			default:
				refused++
			}
		}
	}
	testenv.Report("onnx degenerate ops: %d ran, %d refused, %d panicked", ran, refused, panics)
}

func runDegenerate(mp *onnxpb.ModelProto) error {
	m, err := degenerate.Parse(mp)
	if err != nil {
		return err
	}
	p, err := Compile(m)
	if err != nil {
		return err
	}
	_, err = p.Run(nil)
	return err
}
