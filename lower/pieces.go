// Values held in pieces. A decoder without an attention-mask input (optimum
// Whisper's decoder_with_past) builds its causal mask from
// Range(0, past + sequence): the length past_decoder_sequence_length +
// decoder_sequence_length is a sum of two input dims that no input declares
// as one, so a target that evaluates only NAME ± K sizes (rustnn-0.5)
// cannot read it. A concat needs no size, though: the lowering holds such
// a value as pieces along one axis, each piece's length one of the summed
// dims (arange(p + s) is arange(p) and p + arange(s)), and carries the
// pieces through the ops that would write the sum as a size — reshapes
// that insert or remove unit axes, Expand, identity Slices — and through
// element-wise ops between them (the comparison that makes the mask), piece
// by piece. Any other consumer gets the concatenation of the pieces, which
// again writes no size. Exact for any values; used only where the target
// cannot read the length.

package lower

import (
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// pieceValue is an ONNX value held as operands concatenated along axis.
type pieceValue struct {
	axis   int
	pieces []string
	sizes  []shapeinfer.Expr // each piece's length along axis
	joined string            // the concatenation, once emitted
}

// maxPieces bounds how many dims a length may sum to be held in pieces.
const maxPieces = 4

func (c *ctx) bindPieces(n *srcNode, i int, pv *pieceValue) {
	if !n.hasOutput(i) {
		return
	}
	if c.pieces == nil {
		c.pieces = map[string]*pieceValue{}
	}
	c.pieces[n.Output[i]] = pv
}

// joinPieces is the whole value: the pieces concatenated (no size written).
func (c *ctx) joinPieces(v string, pv *pieceValue) (string, error) {
	if pv.joined != "" {
		c.operand[v] = pv.joined
		return pv.joined, nil
	}
	comment := v
	if p := c.producer[v]; p != nil {
		comment = p.label
	}
	id := c.ids.fresh(pv.pieces[0] + "_join")
	c.g.Nodes = append(c.g.Nodes, graph.Node{ID: id, Op: "concat", Inputs: append([]string(nil), pv.pieces...), Options: map[string]any{"axis": int64(pv.axis)}, Comment: comment})
	c.noteShapeLoss(&c.g.Nodes[len(c.g.Nodes)-1])
	c.operand[v] = id
	pv.joined = id
	return id, nil
}

// valueOrPieces returns v's operand, or its pieces when it is held so.
func (c *ctx) valueOrPieces(v string) (string, *pieceValue, error) {
	if pv := c.pieces[v]; pv != nil {
		return "", pv, nil
	}
	op, sv, err := c.valueOrSplit(v)
	if err != nil {
		return "", nil, err
	}
	if sv != nil {
		op, err = c.value(v)
		return op, nil, err
	}
	if op == "" {
		if pv := c.pieces[v]; pv != nil {
			return "", pv, nil
		}
	}
	return op, nil, nil
}

// lengthPieces splits a length the target cannot read into lengths it can
// (a sum of input dims plus a constant); false when there is no such split.
func (c *ctx) lengthPieces(e shapeinfer.Expr) ([]shapeinfer.Expr, bool) {
	if c.evaluable(e) {
		return nil, false
	}
	syms, k, ok := e.SumParts()
	if !ok || len(syms) < 2 || len(syms) > maxPieces {
		return nil, false
	}
	out := make([]shapeinfer.Expr, len(syms))
	for i, s := range syms {
		out[i] = shapeinfer.Sym(s)
	}
	out[0] = out[0].Add(shapeinfer.Const(k))
	for _, d := range out {
		if !c.evaluable(d) || d.MinValue(c.bounds) < 0 {
			return nil, false
		}
	}
	return out, true
}

// rangePieces emits iota[0:n_i] + o_i for each piece length n_i (o_i the
// lengths before it), scaled by delta and offset by start as the whole
// Range would be, and binds n's output to the pieces.
func (c *ctx) rangePieces(n *srcNode, lengths []shapeinfer.Expr, iota string, dt tensor.DType) error {
	pv := &pieceValue{axis: 0, sizes: lengths}
	var offset string
	for i, d := range lengths {
		size, err := c.dimOption(d)
		if err != nil {
			return err
		}
		x := c.op(n, "slice", []string{iota}, map[string]any{"starts": []any{int64(0)}, "sizes": []any{size}})
		if i > 0 {
			prev, err := c.dimOperand(n, lengths[i-1])
			if err != nil {
				return err
			}
			if offset == "" {
				offset = prev
			} else {
				offset = c.op(n, "add", []string{offset, prev}, nil)
			}
			o := offset
			if dt != tensor.Int64 {
				o = c.op(n, "cast", []string{o}, map[string]any{"to": dt.String()})
			}
			x = c.op(n, "add", []string{x, o}, nil)
		}
		pv.pieces = append(pv.pieces, x)
	}
	for i, x := range pv.pieces {
		if d, ok := c.constFloats(n, 2); !ok || len(d) != 1 || d[0] != 1 {
			delta, err := c.in(n, 2)
			if err != nil {
				return err
			}
			x = c.op(n, "mul", []string{x, delta}, nil)
		}
		if s, ok := c.constFloats(n, 0); !ok || len(s) != 1 || s[0] != 0 {
			start, err := c.in(n, 0)
			if err != nil {
				return err
			}
			x = c.op(n, "add", []string{x, start}, nil)
		}
		pv.pieces[i] = x
	}
	c.bindPieces(n, 0, pv)
	return nil
}

// pieceOps are the element-wise ops carried piece by piece (the same
// WebNN op on each piece is the op on the whole, element for element).
var pieceOps = map[string]string{
	"Add": "add", "Sub": "sub", "Mul": "mul",
	"Equal": "equal", "Less": "lesser", "LessOrEqual": "lesserOrEqual", "Greater": "greater", "GreaterOrEqual": "greaterOrEqual",
	"And": "logicalAnd", "Or": "logicalOr", "Xor": "logicalXor", "Not": "logicalNot", "Neg": "neg", "Identity": "",
}

// emitPieces carries n's piecewise inputs through n when it can; false
// (nothing emitted) lets n's own lowering run on the joined value.
func (c *ctx) emitPieces(n *srcNode) (bool, error) {
	data := carriesPieces(n)
	if data == 0 || !c.mayPiece(n, data) {
		return false, nil
	}
	op := n.GetOpType()
	_, elementwise := pieceOps[op]
	ops := make([]string, data)
	pvs := make([]*pieceValue, data)
	found := false
	for i := range data {
		if !n.hasInput(i) {
			return false, nil
		}
		o, pv, err := c.valueOrPieces(n.Input[i])
		if err != nil {
			return true, err
		}
		ops[i], pvs[i] = o, pv
		found = found || pv != nil
	}
	if !found {
		return false, nil
	}
	out, err := c.outShape(n, 0)
	if err != nil {
		return false, nil
	}
	if elementwise {
		return c.piecesElementwise(n, pieceOps[op], ops, pvs, out)
	}
	in, err := c.inShape(n, 0)
	if err != nil {
		return false, nil
	}
	pv := pvs[0]
	axis := -1
	switch op {
	case "Expand":
		axis = pv.axis + len(out) - len(in)
		if axis < 0 || !out[axis].Equal(in[pv.axis]) {
			return false, nil
		}
	case "Slice":
		if !sameShape(in, out) {
			return false, nil
		}
		if _, _, _, steps, err := c.sliceParams(n, len(in)); err != nil {
			return false, nil
		} else {
			for _, s := range steps {
				if s != 1 {
					return false, nil
				}
			}
		}
		c.bindPieces(n, 0, pv)
		return true, nil
	default:
		if axis = unitReshapeAxis(in, out, pv.axis); axis < 0 {
			return false, nil
		}
	}
	shapes, ok := c.pieceShapes(out, axis, pv.sizes)
	if !ok {
		return false, nil
	}
	res := &pieceValue{axis: axis, sizes: pv.sizes}
	for i, x := range pv.pieces {
		dims, err := c.dimsOption(shapes[i])
		if err != nil {
			return true, err
		}
		wop := "reshape"
		if op == "Expand" {
			wop = "expand"
		}
		res.pieces = append(res.pieces, c.op(n, wop, []string{x}, map[string]any{"newShape": dims}))
	}
	c.bindPieces(n, 0, res)
	return true, nil
}

// carriesPieces returns how many leading inputs of n are data a piecewise
// value can be carried through n by (0: none).
func carriesPieces(n *srcNode) int {
	if n.domain() != "" || len(n.Input) == 0 || !n.hasOutput(0) {
		return 0
	}
	switch op := n.GetOpType(); {
	case op == "Reshape" || op == "Unsqueeze" || op == "Squeeze" || op == "Flatten" || op == "Expand" || op == "Slice":
		return 1
	default:
		if _, ok := pieceOps[op]; ok && n.opset >= 7 {
			return len(n.Input)
		}
	}
	return 0
}

// mayPiece reports whether a data input of n may be held in pieces: a
// forward pass over the graph (once) marks the outputs of Ranges whose
// length splits into lengths the target reads and of the ops that may
// carry them. Only then does emitPieces pull n's inputs ahead of n's own
// lowering (which could match a pattern over them).
func (c *ctx) mayPiece(n *srcNode, data int) bool {
	if c.pieceable == nil {
		c.pieceable = map[string]bool{}
		for _, m := range c.nodes {
			if !c.live[m] || len(m.Output) == 0 {
				continue
			}
			if m.GetOpType() == "Range" && m.domain() == "" {
				if info := c.info(m.Output[0]); info.Rank() == 1 {
					if _, ok := c.lengthPieces(info.Shape[0]); ok {
						c.pieceable[m.Output[0]] = true
					}
				}
				continue
			}
			for i := range carriesPieces(m) {
				if c.pieceable[m.Input[i]] {
					c.pieceable[m.Output[0]] = true
				}
			}
		}
	}
	for i := range data {
		if c.pieceable[n.Input[i]] {
			return true
		}
	}
	return false
}

// piecesElementwise applies webnn op to each piece; the other operands
// either are held in the same pieces along the same result axis or
// broadcast along it (length 1 there, or absent).
func (c *ctx) piecesElementwise(n *srcNode, op string, ops []string, pvs []*pieceValue, out []shapeinfer.Expr) (bool, error) {
	var ref *pieceValue
	axis := -1
	for i, pv := range pvs {
		s, err := c.inShape(n, i)
		if err != nil {
			return false, nil
		}
		if pv == nil {
			continue
		}
		a := pv.axis + len(out) - len(s)
		if ref == nil {
			ref, axis = pv, a
			continue
		}
		if a != axis || !sameShape(pv.sizes, ref.sizes) {
			return false, nil
		}
	}
	for i, pv := range pvs {
		if pv != nil {
			continue
		}
		s, _ := c.inShape(n, i)
		if j := axis - (len(out) - len(s)); j >= 0 && !s[j].Equal(shapeinfer.Const(1)) {
			return false, nil // whole along the axis: join instead
		}
	}
	res := &pieceValue{axis: axis, sizes: ref.sizes}
	for k := range ref.pieces {
		xs := make([]string, len(ops))
		for i, pv := range pvs {
			xs[i] = ops[i]
			if pv != nil {
				xs[i] = pv.pieces[k]
			}
		}
		if op == "" {
			res.pieces = append(res.pieces, xs[0])
			continue
		}
		res.pieces = append(res.pieces, c.op(n, op, xs, nil))
	}
	c.bindPieces(n, 0, res)
	return true, nil
}

// pieceShapes is out with the piece axis set to each piece's length; false
// when another dim is one the target cannot read.
func (c *ctx) pieceShapes(out []shapeinfer.Expr, axis int, sizes []shapeinfer.Expr) ([][]shapeinfer.Expr, bool) {
	for j, d := range out {
		if j != axis && !c.evaluable(d) {
			return nil, false
		}
	}
	shapes := make([][]shapeinfer.Expr, len(sizes))
	for i, d := range sizes {
		s := append([]shapeinfer.Expr(nil), out...)
		s[axis] = d
		shapes[i] = s
	}
	return shapes, true
}

// unitReshapeAxis maps axis of in to out for a reshape that only inserts
// or removes static unit axes; -1 for any other reshape.
func unitReshapeAxis(in, out []shapeinfer.Expr, axis int) int {
	one := shapeinfer.Const(1)
	var from, to []int
	for i, d := range in {
		if !d.Equal(one) {
			from = append(from, i)
		}
	}
	for i, d := range out {
		if !d.Equal(one) {
			to = append(to, i)
		}
	}
	if len(from) != len(to) {
		return -1
	}
	res := -1
	for k := range from {
		if !in[from[k]].Equal(out[to[k]]) {
			return -1
		}
		if from[k] == axis {
			res = to[k]
		}
	}
	return res
}
