package lower

import (
	"flag"
	"fmt"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/degenerate"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
)

var degenerateCases = flag.Int("degenerate", 40, "random degenerate nodes per lowering")

// TestDegenerateLowerings converts, for every lowering of the registry,
// nodes with degenerate inputs and attributes (internal/degenerate; their
// first inputs graph inputs half of the time, so nothing folds) under a 64
// MiB memory budget. Each conversion must succeed or refuse with a reason
// — never a recovered panic or an invalid emitted graph ("internal
// error"), never a hang — and a graph it emits must compile in
// runtime/webnn.
func TestDegenerateLowerings(t *testing.T) {
	degenerate.UnderBudget(t)
	var converted, refused, bad int
	for ei, e := range Registry() {
		g := degenerate.New(uint64(ei)*104729 + 3)
		for i := 0; i < *degenerateCases; i++ {
			opset := e.Since
			if i%2 == 1 {
				opset = max(e.Since, min(21, e.Until+21*boolInt(e.Until == 0)))
			}
			n, inits := g.Node(e.Domain, e.OpType)
			if s := onnxpb.NodeSchema(e.Domain, e.OpType, opset); s != nil && i%4 != 0 {
				n, inits = g.NodeFor(s, e.Domain, e.OpType)
			}
			mp := degenerate.Model(n, inits, opset)
			if i%3 != 0 {
				mp = degenerate.WithInputs(mp, 1+i%2)
			}
			err, hung := degenerate.Run(func() error { return convertDegenerate(mp) })
			switch {
			case hung:
				t.Errorf("%s (opset %d) case %d: no answer within 5s", e.OpType, opset, i)
				return
			case err == nil:
				converted++
			case degenerate.Internal(err):
				bad++
				t.Errorf("%s (opset %d) case %d: %v", e.OpType, opset, i, err)
			default:
				refused++
			}
		}
	}
	testenv.Report("lower degenerate nodes: %d converted, %d refused, %d internal errors", converted, refused, bad)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func convertDegenerate(mp *onnxpb.ModelProto) error {
	m, err := degenerate.Parse(mp)
	if err != nil {
		return err
	}
	res, err := Convert(m, Options{})
	if err != nil {
		return err
	}
	ws := map[string][]byte{}
	for _, w := range res.Weights {
		if ws[w.Key], err = w.Data(); err != nil {
			return fmt.Errorf("internal error: weight %q: %v", w.Key, err)
		}
	}
	if _, err := webnn.Compile(res.Graph, weightMap(ws)); err != nil {
		return fmt.Errorf("internal error: the emitted graph does not compile: %v", err)
	}
	return nil
}

type weightMap map[string][]byte

func (w weightMap) WeightBytes(ref string) ([]byte, error) {
	b, ok := w[ref]
	if !ok {
		return nil, fmt.Errorf("no weight %q", ref)
	}
	return b, nil
}
