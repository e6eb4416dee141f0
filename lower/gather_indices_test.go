package lower

import (
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Constant indices out of range for the data are refused at conversion,
// naming the index, where it is and the bound (issue 10 item 7): WebNN
// clamps them, so the converted graph would compute something else.
// (Gather's are caught by shape inference, the others by the lowering.)
func TestConstIndicesOutOfRange(t *testing.T) {
	idx := func(shape []int, v ...int64) *tensor.Tensor {
		return &tensor.Tensor{DType: tensor.Int64, Shape: shape, Data: v}
	}
	for _, c := range []struct {
		name  string
		op    string
		ind   *tensor.Tensor
		extra bool // a third input (updates) of the data's shape
		axis  int64
		want  string // "" = converts
	}{
		{"gather in range, negative", "Gather", idx([]int{2}, 0, -3), false, 0, ""},
		{"gather past the end", "Gather", idx([]int{2}, 1, 3), false, 0, "index 3 is out of range for axis 0 of size 3"},
		{"gather below -size", "Gather", idx([]int{1}, -4), false, 0, "index -4 is out of range"},
		{"gather on axis 1", "Gather", idx([]int{1}, 4), false, 1, "index 4 is out of range for axis 1 of size 4"},
		{"gatherElements", "GatherElements", idx([]int{3, 4}, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 9, 0), false, 0, "index 9 at [2 2]"},
		{"scatterElements", "ScatterElements", idx([]int{3, 4}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5), true, 1, "index -5 at [2 3]"},
		{"gatherND tuple component", "GatherND", idx([]int{1, 2}, 2, 4), false, 0, "index 4 at [0 1] of indices ind is out of range for dim 1 of the data (size 4)"},
		{"scatterND", "ScatterND", idx([]int{1, 2}, 3, 0), true, 0, "index 3 at [0 0]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newModel(17).input("x", tensor.Float32, 3, 4).init("ind", c.ind)
			ins := []string{"x", "ind"}
			if c.extra {
				upd := tensor.New(tensor.Float32, c.ind.Shape)
				if c.op == "ScatterND" {
					upd = tensor.New(tensor.Float32, []int{1})
				}
				b.init("upd", upd)
				ins = append(ins, "upd")
			}
			var attrs []*onnxpb.AttributeProto
			if c.op != "GatherND" && c.op != "ScatterND" {
				attrs = append(attrs, aInt("axis", c.axis))
			}
			b.node(c.op, "g", ins, []string{"y"}, attrs...).output("y", tensor.Float32)
			_, err := Convert(b.build(t), Options{})
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			case c.want != "" && !strings.Contains(err.Error(), `node "g"`):
				t.Fatalf("error does not name the node: %v", err)
			}
		})
	}
}
