package webnn

import (
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestNoPanics feeds every registered op operands of odd shapes and types
// (scalars, empty tensors, mismatched ranks, integer data) and requires an
// error or a result, never a recovered panic.
func TestNoPanics(t *testing.T) {
	operands := []*tensor.Tensor{
		ft([]int{}, 1),
		ft([]int{0}),
		ft([]int{3}, 1, 2, 3),
		ft([]int{2, 2}, 1, 2, 3, 4),
		ft([]int{1, 2, 2, 2}, 1, 2, 3, 4, 5, 6, 7, 8),
		i32t([]int{2}, 5, -9),
		u8t([]int{2, 1}, 1, 0),
		i64t([]int{1, 1}, 7),
		f16t([]int{2}, 1, 2),
	}
	optionSets := []map[string]any{
		nil,
		{"axis": int64(1), "axes": []any{int64(0)}, "newShape": []any{int64(2), int64(2)}, "starts": []any{int64(0)}, "sizes": []any{int64(1)},
			"beginningPadding": []any{int64(1)}, "endingPadding": []any{int64(1)}, "repetitions": []any{int64(2)}, "splits": int64(2), "to": "int32",
			"permutation": []any{int64(1), int64(0)}, "windowDimensions": []any{int64(1), int64(1)}, "hiddenSize": int64(1), "steps": int64(1)},
		{"axis": int64(7), "axes": []any{int64(5)}, "padding": []any{int64(9), int64(9), int64(9), int64(9)}, "strides": []any{int64(3), int64(3)},
			"groups": int64(2), "splits": []any{int64(1), int64(1)}, "to": "uint8", "newShape": []any{int64(4)}, "scales": []any{2.0, 2.0}},
		{"dilations": []any{int64(2), int64(2)}, "outputSizes": []any{int64(3), int64(3)}, "outputPadding": []any{int64(1), int64(1)}, "inputLayout": "nhwc",
			"filterLayout": "ohwi", "layout": "nhwc", "outputShapeRounding": "ceil", "mode": "linear", "sizes": []any{int64(0), int64(3)}, "keepDimensions": true,
			"returnSequence": true, "direction": "both", "c": "in0", "scale": "in0", "bias": "in1", "alpha": 0.0, "upper": false, "diagonal": int64(-9)},
	}
	ops := make([]string, 0, len(opTable))
	for op := range opTable {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		spec := opTable[op]
		counts := []int{spec.minIn}
		if spec.maxIn > spec.minIn {
			counts = append(counts, spec.maxIn)
		}
		for _, n := range counts {
			for _, opts := range optionSets {
				for i := range operands {
					for j := range operands {
						ins := make([]*tensor.Tensor, n)
						for k := range ins {
							ins[k] = operands[(i+k*j)%len(operands)]
						}
						nout := 1
						switch op {
						case "split":
							nout = 2
						case "lstm", "lstmCell":
							nout = 2
						}
						_, err := runOp(op, opts, nout, ins...)
						if err != nil && strings.Contains(err.Error(), "internal error") {
							t.Errorf("%s %v on %v: %v", op, opts, ins, firstLineOf(err.Error()))
						}
					}
				}
			}
		}
	}
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
