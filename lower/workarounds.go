package lower

import "github.com/webnn-graph/webnn-graph/shapeinfer"

// Loader workarounds the target asks for (target.Workarounds). Each one
// is exact: it changes how a graph is written, never what it computes.

// shapeLostOps are the ops whose outputs rustnn 0.5.12's shape inference
// leaves without a shape (rank 0), measured with pywebnn: a split of such
// an operand fails ("split axis 1 out of bounds for rank 0") and a
// resample2d of it becomes an identity. Element-wise ops pass the loss on.
var shapeLostOps = map[string]bool{"conv2d": true, "convTranspose2d": true, "resample2d": true}

// shapePassOps carry their first input's shape through in rustnn's
// inference (and so its loss).
var shapePassOps = map[string]bool{
	"add": true, "sub": true, "mul": true, "div": true, "max": true, "min": true, "pow": true,
	"relu": true, "sigmoid": true, "tanh": true, "identity": true, "cast": true, "clamp": true,
	"elu": true, "gelu": true, "hardSigmoid": true, "hardSwish": true, "leakyRelu": true,
	"linear": true, "softplus": true, "softsign": true, "prelu": true, "neg": true, "abs": true,
	"exp": true, "log": true, "sqrt": true, "erf": true, "floor": true, "ceil": true,
	"reciprocal": true, "where": true,
}

// anchorShape returns x, the operand of n's input i, reshaped to that
// input's own shape when the target loses the shape of x (x derives from a
// conv2d, convTranspose2d or resample2d through element-wise ops only):
// the reshape gives rustnn the shape back. enabled is the workaround's
// field in target.Workarounds.
func (c *ctx) anchorShape(n *srcNode, x string, i int, enabled bool) (string, error) {
	if !enabled || !c.shapeLost(x, 0) {
		return x, nil
	}
	shape, err := c.inShape(n, i)
	if err != nil {
		return "", err
	}
	dims, err := c.dimsOption(shape)
	if err != nil {
		return "", err
	}
	return c.op(n, "reshape", []string{x}, map[string]any{"newShape": dims}), nil
}

// shapeLost reports whether operand x has no shape in rustnn's inference.
func (c *ctx) shapeLost(x string, depth int) bool {
	if depth > 64 {
		return false
	}
	for i := len(c.g.Nodes) - 1; i >= 0; i-- {
		nd := &c.g.Nodes[i]
		if nd.ID != x && (len(nd.Outputs) == 0 || nd.Outputs[0] != x) {
			continue
		}
		if shapeLostOps[nd.Op] {
			return true
		}
		if !shapePassOps[nd.Op] {
			return false
		}
		for _, in := range nd.Inputs {
			if c.shapeLost(in, depth+1) {
				return true
			}
		}
		return false
	}
	return false // an input or a constant
}

// globalPoolAsReduce is GlobalAveragePool / GlobalMaxPool / GlobalLpPool
// over dynamic spatial dims as reduceMean / reduceMax / reduceL2 over
// the spatial axes (2 …): WebNN's pools without windowDimensions cover the whole
// input, but rustnn 0.5.12 writes such an averagePool2d as an ONNX
// AveragePool without kernel_shape, which ONNX Runtime rejects
// (target.Workarounds.GlobalPoolWindow). The reductions are the same sums.
func (c *ctx) globalPoolAsReduce(n *srcNode, x string, spatial []shapeinfer.Expr) (string, bool) {
	if !c.target.GlobalPoolWindow {
		return "", false
	}
	if _, static := staticInts(spatial); static {
		return "", false
	}
	op := map[string]string{"GlobalAveragePool": "reduceMean", "GlobalMaxPool": "reduceMax", "GlobalLpPool": "reduceL2"}[n.GetOpType()]
	if op == "" {
		return "", false
	}
	axes := make([]int64, len(spatial))
	for i := range axes {
		axes[i] = int64(2 + i)
	}
	return c.op(n, op, []string{x}, map[string]any{"axes": intsAny(axes), "keepDimensions": true}), true
}
