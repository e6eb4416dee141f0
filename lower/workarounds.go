package lower

import (
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
)

// Loader workarounds the target asks for (target.Workarounds). Each one
// is exact: it changes how a graph is written, never what it computes.

// shapeLostOps are the ops whose outputs rustnn 0.5.12's shape inference
// leaves without a shape (rank 0), measured with pywebnn (a slice of the
// output comes back unsliced): conv2d, convTranspose2d, resample2d, pad,
// the normalisations, clamp and several activations, the scatter/gather
// element ops, split, triangular. gather along an axis other than 0 gets a
// wrong rank (indices' rank) instead.
var shapeLostOps = map[string]bool{
	"conv2d": true, "convTranspose2d": true, "resample2d": true, "pad": true,
	"batchNormalization": true, "instanceNormalization": true, "layerNormalization": true,
	"clamp": true, "hardSwish": true, "hardSigmoid": true, "elu": true, "leakyRelu": true, "prelu": true,
	"logicalNot": true, "roundEven": true, "gatherElements": true, "scatterElements": true,
	"scatterND": true, "split": true, "triangular": true, "argMax": true, "argMin": true,
}

// shapeKeepOps infer their output shape without their first input's:
// a reshape states it (the anchor below), a constant-filled op has none.
// Every other op whose input has lost its shape is taken to lose it too:
// rustnn passes the loss through element-wise ops, transpose, concat,
// softmax, matmul and pools, and a binary op with a lost input takes the
// other input's shape (mul of a lost [1,2,4,4] and a [4] gives rank 1).
var shapeKeepOps = map[string]bool{"reshape": true}

// shapeSensitiveOps go wrong in rustnn 0.5.12 when their first input has
// lost its shape, measured with pywebnn: slice, pad and resample2d become
// identities (silently wrong); split, expand, gather, gatherElements,
// gatherND and reverse fail to build; batchNormalization and
// instanceNormalization fail in ONNX Runtime; layerNormalization returns a
// scalar; a pool without windowDimensions loses its kernel (one with its
// window is fine). Each returns
// the Workarounds field that covers it.
var shapeSensitiveOps = map[string]func(*target.Workarounds) bool{
	"resample2d":            func(w *target.Workarounds) bool { return w.ResampleAfterConv },
	"split":                 func(w *target.Workarounds) bool { return w.SplitAfterConv },
	"slice":                 func(w *target.Workarounds) bool { return w.ShapeLoss },
	"pad":                   func(w *target.Workarounds) bool { return w.ShapeLoss },
	"expand":                func(w *target.Workarounds) bool { return w.ShapeLoss },
	"gather":                func(w *target.Workarounds) bool { return w.ShapeLoss },
	"gatherElements":        func(w *target.Workarounds) bool { return w.ShapeLoss },
	"gatherND":              func(w *target.Workarounds) bool { return w.ShapeLoss },
	"reverse":               func(w *target.Workarounds) bool { return w.ShapeLoss },
	"batchNormalization":    func(w *target.Workarounds) bool { return w.ShapeLoss },
	"instanceNormalization": func(w *target.Workarounds) bool { return w.ShapeLoss },
	"layerNormalization":    func(w *target.Workarounds) bool { return w.ShapeLoss },
	"averagePool2d":         func(w *target.Workarounds) bool { return w.ShapeLoss },
	"maxPool2d":             func(w *target.Workarounds) bool { return w.ShapeLoss },
	"l2Pool2d":              func(w *target.Workarounds) bool { return w.ShapeLoss },
}

// noteShapeLoss records, for a node just emitted, whether the target's
// loader loses the shape of its outputs (c.lostShape), from the op and
// its inputs; only targets with shape-loss workarounds keep the record.
func (c *ctx) noteShapeLoss(nd *graph.Node) {
	w := &c.target.Workarounds
	if !w.ResampleAfterConv && !w.SplitAfterConv && !w.ShapeLoss {
		return
	}
	lost := shapeLostOps[nd.Op]
	if nd.Op == "gather" {
		axis, _ := nd.Options["axis"].(int64)
		lost = axis != 0
	}
	if !lost && !shapeKeepOps[nd.Op] {
		for _, in := range nd.Inputs {
			if c.lostShape[in] {
				lost = true
				break
			}
		}
	}
	if !lost {
		return
	}
	if c.lostShape == nil {
		c.lostShape = map[string]bool{}
	}
	c.lostShape[nd.ID] = true
	for _, o := range nd.Outputs {
		c.lostShape[o] = true
	}
}

// anchorLostInput returns inputs with the first one reshaped to its own
// shape when op goes wrong on an operand whose shape the target's loader
// lost (shapeSensitiveOps): the reshape gives rustnn the shape back. The
// shape is that of the ONNX value the operand carries; an operand inside
// a decomposition, with no ONNX value, is left as it is. A shape the
// loader cannot read (a size outside its forms) refuses the node, as a
// limit of the loader: the graph it would write is one rustnn computes
// wrongly.
func (c *ctx) anchorLostInput(n *srcNode, op string, inputs []string, opts map[string]any) []string {
	covered := shapeSensitiveOps[op]
	if len(inputs) == 0 || covered == nil || !covered(&c.target.Workarounds) || !c.lostShape[inputs[0]] {
		return inputs
	}
	if _, windowed := opts["windowDimensions"]; windowed {
		return inputs // a pool with its window states its kernel
	}
	x := inputs[0]
	shape := c.opShapes[x]
	value := ""
	for v, operand := range c.operand {
		if shape != nil {
			break
		}
		if operand == x && (value == "" || v < value) {
			if s, err := c.shapeOf(v); err == nil {
				shape, value = s, v
			}
		}
	}
	if shape == nil {
		// Inside a decomposition that does not state the operand's shape
		// (shapedOp): left as is. The loss is worked out conservatively
		// (any op with a lost input), so refusing here would refuse
		// graphs rustnn runs (the unrolled quantized LSTM, CumProd).
		return inputs
	}
	dims, err := c.dimsOption(shape)
	if err != nil {
		panic(anchorRefusal{err})
	}
	a := c.op(n, "reshape", []string{x}, map[string]any{"newShape": dims})
	return append([]string{a}, inputs[1:]...)
}

// shapedOp is c.op for an operand inside a decomposition (no ONNX value
// carries it) whose shape the lowering knows: anchorLostInput reshapes it
// to that shape where the target loses it.
func (c *ctx) shapedOp(n *srcNode, op string, inputs []string, opts map[string]any, shape []shapeinfer.Expr) string {
	id := c.op(n, op, inputs, opts)
	if c.lostShape[id] {
		if c.opShapes == nil {
			c.opShapes = map[string][]shapeinfer.Expr{}
		}
		c.opShapes[id] = shape
	}
	return id
}

// anchorRefusal carries a refusal out of c.op (which returns no error) to
// the node's guard.
type anchorRefusal struct{ err error }

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
