package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// Folded axes. A Reshape that folds a dynamic dim with others into one
// axis (attention folding heads into the batch: [B, H, S, D] → [B·H, S,
// D], as Whisper's, BART's and Marian's eager attention do) would write the
// size B·H, which a target such as rustnn-0.5 cannot evaluate (it reads
// only NAME ± K and silently uses maxSize otherwise). Instead of
// emitting that size, the lowering keeps the folded value split: the ONNX
// value [B·H, S, D] is held as an operand of shape [B, H, S, D], each
// logical axis spanning a run of consecutive physical axes. The ops that
// follow carry the split through — Transpose permutes whole runs, MatMul
// broadcasts over the batch runs (a 4-D matmul instead of a 3-D one),
// Softmax and element-wise ops work on the physical axes, and a Reshape
// that unfolds the value again needs no op at all. Only a consumer that
// needs the folded size itself (or a graph output) turns the value back
// into its logical shape, and that reshape is then refused for the target
// with the --freeze that makes it static. The mechanism is general: any
// reshape whose target dims are products of consecutive input dims, in
// any op sequence, not a pattern of one model.

// splitValue is an ONNX value held with more axes than it has.
type splitValue struct {
	operand string
	phys    []shapeinfer.Expr // the operand's shape
	groups  [][2]int          // logical axis → physical axes [start, end)
}

// logicalRank is the rank of the ONNX value.
func (s *splitValue) logicalRank() int { return len(s.groups) }

// single reports whether logical axis i is one physical axis.
func (s *splitValue) single(i int) bool { return s.groups[i][1]-s.groups[i][0] == 1 }

// evaluable reports whether the target reads size e (after the rewrites
// loaderForm tries).
func (c *ctx) evaluable(e shapeinfer.Expr) bool {
	if _, ok := e.Value(); ok {
		return true
	}
	_, err := c.loaderForm(e)
	return err == nil
}

// splitReshape lowers a reshape of operand x (physical shape in, which is
// the input's logical shape unless the input is split) to logical shape
// out when some dim of out is a product the target cannot evaluate but its
// factors are consecutive dims of in. It binds n's output and returns true;
// false means the plain lowering applies (nothing emitted).
func (c *ctx) splitReshape(n *srcNode, x string, in, out []shapeinfer.Expr) (bool, error) {
	needed := false
	for _, d := range out {
		if !c.evaluable(d) {
			needed = true
			break
		}
	}
	if !needed && !c.isSplit(n.Input[0]) {
		return false, nil
	}
	runs, ok := alignReshape(in, out)
	if !ok {
		return false, nil
	}
	sv := &splitValue{}
	kept := false
	for j, r := range runs {
		start := len(sv.phys)
		switch {
		case r[1]-r[0] > 1 && !c.evaluable(out[j]):
			// A folded dim the target cannot read: keep its factors.
			for _, d := range in[r[0]:r[1]] {
				if !c.evaluable(d) {
					return false, nil
				}
				sv.phys = append(sv.phys, d)
			}
			kept = true
		case c.evaluable(out[j]):
			sv.phys = append(sv.phys, out[j])
		default:
			return false, nil
		}
		sv.groups = append(sv.groups, [2]int{start, len(sv.phys)})
	}
	op := x
	if !sameShape(sv.phys, in) {
		dims, err := c.dimsOption(sv.phys)
		if err != nil {
			return true, err
		}
		op = c.op(n, "reshape", []string{x}, map[string]any{"newShape": dims})
	}
	if !kept {
		c.bind(n, 0, op)
		return true, nil
	}
	sv.operand = op
	c.bindSplit(n, 0, sv)
	return true, nil
}

// alignReshape maps each dim of out to the run of dims of in it covers:
// equal, a product of consecutive dims of in (a fold), or one of several
// dims whose product is a dim of in (runs [i, i+1) for each). Static 1s
// on either side are absorbed. ok is false for any other reshape.
func alignReshape(in, out []shapeinfer.Expr) ([][2]int, bool) {
	one := shapeinfer.Const(1)
	runs := make([][2]int, len(out))
	i := 0
	for j := 0; j < len(out); {
		if i < len(in) && out[j].Equal(in[i]) {
			runs[j] = [2]int{i, i + 1}
			i, j = i+1, j+1
			continue
		}
		if out[j].Equal(one) {
			runs[j] = [2]int{i, i} // a new unit axis
			j++
			continue
		}
		if i < len(in) && in[i].Equal(one) {
			i++
			continue
		}
		if i >= len(in) {
			return nil, false
		}
		// fold: out[j] = in[i] · … · in[k-1]
		prod, k := in[i], i+1
		for k < len(in) && !prod.Equal(out[j]) {
			prod = prod.Mul(in[k])
			k++
		}
		if prod.Equal(out[j]) {
			runs[j] = [2]int{i, k}
			i, j = k, j+1
			continue
		}
		// unfold: in[i] = out[j] · … · out[t-1]
		prod, t := out[j], j+1
		for t < len(out) && !prod.Equal(in[i]) {
			prod = prod.Mul(out[t])
			t++
		}
		if !prod.Equal(in[i]) {
			return nil, false
		}
		for u := j; u < t; u++ {
			runs[u] = [2]int{i, i + 1}
		}
		i, j = i+1, t
	}
	for ; i < len(in); i++ {
		if !in[i].Equal(one) {
			return nil, false
		}
	}
	return runs, true
}

// mayFold reports whether some Reshape of the graph produces a dim the
// target cannot evaluate (computed once).
func (c *ctx) mayFold() bool {
	if c.foldScan == 0 {
		c.foldScan = 1
		for _, n := range c.nodes {
			if n.GetOpType() != "Reshape" || !c.live[n] || len(n.Output) == 0 {
				continue
			}
			if info := c.info(n.Output[0]); info != nil {
				for _, d := range info.Shape {
					if !c.evaluable(d) {
						c.foldScan = 2
					}
				}
			}
		}
	}
	return c.foldScan == 2
}

func (c *ctx) isSplit(v string) bool {
	_, ok := c.splitAxes[v]
	return ok
}

func (c *ctx) bindSplit(n *srcNode, i int, sv *splitValue) {
	if !n.hasOutput(i) {
		return
	}
	if c.splitAxes == nil {
		c.splitAxes = map[string]*splitValue{}
	}
	c.splitAxes[n.Output[i]] = sv
}

// materialize turns a split value into an operand of its logical shape
// (for a consumer that does not carry splits, or a graph output). For a
// target that cannot evaluate the folded size this is where the
// conversion is refused.
func (c *ctx) materialize(v string, sv *splitValue) (string, error) {
	info := c.info(v)
	if info == nil || info.Shape == nil {
		return "", fmt.Errorf("internal: split value %q has no shape", v)
	}
	dims, err := c.dimsOption(info.Shape)
	if err != nil {
		return "", err
	}
	id := c.ids.fresh(sv.operand + "_unfold")
	comment := v
	if p := c.producer[v]; p != nil {
		comment = p.label
	}
	c.g.Nodes = append(c.g.Nodes, graph.Node{ID: id, Op: "reshape", Inputs: []string{sv.operand}, Options: map[string]any{"newShape": dims}, Comment: comment})
	c.operand[v] = id
	return id, nil
}

// splitHandlers carry split inputs through an op; each returns false
// (having emitted nothing) when it cannot, and the op's own lowering then
// gets materialized inputs.
var splitHandlers = map[string]func(c *ctx, n *srcNode, ins []*splitValue, ops []string) (bool, error){
	"Transpose": splitTranspose,
	"MatMul":    splitMatMul,
	"Gemm":      splitGemm,
	"Softmax":   splitSoftmax,
	"Reshape":   splitReshapeNode,
	"Identity":  splitUnary(""),
	"Relu":      splitUnary("relu"),
	"Sigmoid":   splitUnary("sigmoid"),
	"Tanh":      splitUnary("tanh"),
	"Exp":       splitUnary("exp"),
	"Erf":       splitUnary("erf"),
	"Sqrt":      splitUnary("sqrt"),
	"Neg":       splitUnary("neg"),
	"Add":       splitBinary("add"),
	"Sub":       splitBinary("sub"),
	"Mul":       splitBinary("mul"),
	"Div":       splitBinary("div"),
}

// emitSplit runs n's split handler when an input of n is split. It only
// acts in a graph with a reshape whose size the target cannot read, so
// other graphs are emitted exactly as before.
func (c *ctx) emitSplit(n *srcNode) (bool, error) {
	if !c.mayFold() {
		return false, nil
	}
	h := splitHandlers[n.GetOpType()]
	if h == nil {
		return false, nil
	}
	ins := make([]*splitValue, len(n.Input))
	ops := make([]string, len(n.Input))
	any := false
	for i, v := range n.Input {
		if v == "" || i > 0 && n.GetOpType() == "Reshape" {
			continue // a Reshape's shape input is folded, never data
		}
		op, sv, err := c.valueOrSplit(v)
		if err != nil {
			return true, err
		}
		ins[i], ops[i] = sv, op
		any = any || sv != nil
	}
	if !any {
		return false, nil
	}
	return h(c, n, ins, ops)
}

func splitTranspose(c *ctx, n *srcNode, ins []*splitValue, _ []string) (bool, error) {
	sv := ins[0]
	if sv == nil {
		return false, nil
	}
	r := sv.logicalRank()
	perm := attrInts(n, "perm")
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	perm, err := normAxes(perm, r)
	if err != nil {
		return true, err
	}
	out := &splitValue{}
	var phys []any
	for _, a := range perm {
		g := sv.groups[a]
		start := len(out.phys)
		for k := g[0]; k < g[1]; k++ {
			phys = append(phys, int64(k))
			out.phys = append(out.phys, sv.phys[k])
		}
		out.groups = append(out.groups, [2]int{start, len(out.phys)})
	}
	out.operand = c.op(n, "transpose", []string{sv.operand}, map[string]any{"permutation": phys})
	c.bindSplit(n, 0, out)
	return true, nil
}

// splitMatMul: the last two logical axes must be single physical axes; the
// batch axes are broadcast by matmul over the physical batch axes, which
// must be the same on both sides (or absent on an unsplit side).
func splitMatMul(c *ctx, n *srcNode, ins []*splitValue, ops []string) (bool, error) {
	a, b := ins[0], ins[1]
	shapeA, errA := c.inShape(n, 0)
	shapeB, errB := c.inShape(n, 1)
	if errA != nil || errB != nil || len(shapeA) < 2 || len(shapeB) < 2 {
		return false, nil
	}
	view := func(sv *splitValue, op string, shape []shapeinfer.Expr) *splitValue {
		if sv != nil {
			return sv
		}
		g := make([][2]int, len(shape))
		for i := range g {
			g[i] = [2]int{i, i + 1}
		}
		return &splitValue{operand: op, phys: shape, groups: g}
	}
	a, b = view(a, ops[0], shapeA), view(b, ops[1], shapeB)
	ra, rb := a.logicalRank(), b.logicalRank()
	for _, s := range []*splitValue{a, b} {
		r := s.logicalRank()
		if !s.single(r-1) || !s.single(r-2) {
			return false, nil
		}
	}
	batchA, batchB := a.phys[:a.groups[ra-2][0]], b.phys[:b.groups[rb-2][0]]
	var batch []shapeinfer.Expr
	var groups [][2]int
	switch {
	case rb == 2: // a weight matrix: broadcast over every batch axis of a
		batch, groups = batchA, a.groups[:ra-2]
	case ra == 2:
		batch, groups = batchB, b.groups[:rb-2]
	case ra == rb && sameShape(batchA, batchB):
		batch, groups = batchA, a.groups[:ra-2]
	default:
		return false, nil
	}
	out := &splitValue{phys: append(append([]shapeinfer.Expr(nil), batch...), a.phys[len(a.phys)-2], b.phys[len(b.phys)-1])}
	out.groups = append(append([][2]int(nil), groups...), [2]int{len(batch), len(batch) + 1}, [2]int{len(batch) + 1, len(batch) + 2})
	out.operand = c.op(n, "matmul", []string{a.operand, b.operand}, nil)
	c.bindSplit(n, 0, out)
	return true, nil
}

func splitSoftmax(c *ctx, n *srcNode, ins []*splitValue, _ []string) (bool, error) {
	sv := ins[0]
	if sv == nil || n.opset < 13 {
		return false, nil
	}
	axis, err := normAxis(attrInt(n, "axis", -1), sv.logicalRank())
	if err != nil {
		return true, err
	}
	if !sv.single(int(axis)) {
		return false, nil
	}
	out := *sv
	out.operand = c.op(n, "softmax", []string{sv.operand}, map[string]any{"axis": int64(sv.groups[axis][0])})
	c.bindSplit(n, 0, &out)
	return true, nil
}

func splitReshapeNode(c *ctx, n *srcNode, ins []*splitValue, _ []string) (bool, error) {
	sv := ins[0]
	if sv == nil {
		return false, nil
	}
	out, err := c.outShape(n, 0)
	if err != nil {
		return false, nil
	}
	return c.splitReshape(n, sv.operand, sv.phys, out)
}

func splitUnary(op string) func(c *ctx, n *srcNode, ins []*splitValue, _ []string) (bool, error) {
	return func(c *ctx, n *srcNode, ins []*splitValue, _ []string) (bool, error) {
		sv := ins[0]
		if sv == nil {
			return false, nil
		}
		out := *sv
		if op != "" {
			out.operand = c.op(n, op, []string{sv.operand}, nil)
		}
		c.bindSplit(n, 0, &out)
		return true, nil
	}
}

// splitBinary: one side split, the other either split the same way or an
// unsplit operand that broadcasts without touching a split run (size 1
// there, or absent), which is reshaped to the physical rank.
func splitBinary(op string) func(c *ctx, n *srcNode, ins []*splitValue, ops []string) (bool, error) {
	return func(c *ctx, n *srcNode, ins []*splitValue, ops []string) (bool, error) {
		if len(ins) != 2 || n.opset < 7 {
			return false, nil
		}
		var sv *splitValue
		var other string
		var otherIdx int
		switch {
		case ins[0] != nil && ins[1] != nil:
			if !sameShape(ins[0].phys, ins[1].phys) || fmt.Sprint(ins[0].groups) != fmt.Sprint(ins[1].groups) {
				return false, nil
			}
			out := *ins[0]
			out.operand = c.op(n, op, []string{ins[0].operand, ins[1].operand}, nil)
			c.bindSplit(n, 0, &out)
			return true, nil
		case ins[0] != nil:
			sv, other, otherIdx = ins[0], ops[1], 1
		default:
			sv, other, otherIdx = ins[1], ops[0], 0
		}
		os, err := c.inShape(n, otherIdx)
		if err != nil || len(os) > sv.logicalRank() {
			return false, nil
		}
		// Align os to the logical axes from the right; expand it to
		// physical axes.
		off := sv.logicalRank() - len(os)
		var phys []shapeinfer.Expr
		for j := off; j < sv.logicalRank(); j++ {
			d := os[j-off]
			w := sv.groups[j][1] - sv.groups[j][0]
			if w == 1 {
				phys = append(phys, d)
				continue
			}
			if v, ok := d.Value(); !ok || v != 1 {
				return false, nil // it would have to be split too
			}
			for k := 0; k < w; k++ {
				phys = append(phys, shapeinfer.Const(1))
			}
		}
		if !sameShape(phys, os) {
			if other, err = c.reshapeTo(n, other, phys); err != nil {
				return true, err
			}
		}
		xs := []string{sv.operand, other}
		if otherIdx == 0 {
			xs = []string{other, sv.operand}
		}
		out := *sv
		out.operand = c.op(n, op, xs, nil)
		c.bindSplit(n, 0, &out)
		return true, nil
	}
}

// splitGemm: Gemm of a split A ([M, K] with M folded, e.g. GPT-2's Conv1D
// flattening [b, s, k] to [b·s, k]) as a matmul over A's physical axes
// with B (transposed when transB), then alpha, and C when it broadcasts
// along the last axis only ([N] or [1, N]).
func splitGemm(c *ctx, n *srcNode, ins []*splitValue, ops []string) (bool, error) {
	a := ins[0]
	if a == nil || ins[1] != nil || len(ins) > 2 && ins[2] != nil || attrInt(n, "transA", 0) != 0 || !a.single(1) {
		return false, nil
	}
	bs, err := c.inShape(n, 1)
	if err != nil || len(bs) != 2 {
		return false, nil
	}
	if n.hasInput(2) {
		cs, err := c.inShape(n, 2)
		if err != nil || len(cs) > 2 || len(cs) == 2 && !cs[0].Equal(shapeinfer.Const(1)) {
			return false, nil
		}
	}
	b := ops[1]
	nOut := bs[1]
	if attrInt(n, "transB", 0) != 0 {
		b = c.op(n, "transpose", []string{b}, map[string]any{"permutation": intsAny([]int64{1, 0})})
		nOut = bs[0]
	}
	out := c.op(n, "matmul", []string{a.operand, b}, nil)
	if alpha := float64(attrFloat(n, "alpha", 1)); alpha != 1 {
		k, err := c.scalar(c.dtypeOf(n, 0), alpha)
		if err != nil {
			return true, err
		}
		out = c.op(n, "mul", []string{out, k}, nil)
	}
	if beta := float64(attrFloat(n, "beta", 1)); n.hasInput(2) && beta != 0 {
		cc := ops[2]
		if beta != 1 {
			k, err := c.scalar(c.dtypeOf(n, 2), beta)
			if err != nil {
				return true, err
			}
			cc = c.op(n, "mul", []string{cc, k}, nil)
		}
		out = c.op(n, "add", []string{out, cc}, nil)
	}
	sv := &splitValue{operand: out, phys: append(append([]shapeinfer.Expr(nil), a.phys[:a.groups[1][0]]...), nOut)}
	sv.groups = [][2]int{a.groups[0], {a.groups[1][0], a.groups[1][0] + 1}}
	c.bindSplit(n, 0, sv)
	return true, nil
}
