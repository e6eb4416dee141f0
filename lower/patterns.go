// Pattern recognition: decomposed subgraphs that equal a native WebNN op
// within float32 tolerance are emitted as that op. Matching happens when
// the pattern's last node is pulled; the inner nodes are then never pulled
// and so never emitted (unless something else uses them).

package lower

import "math"

// producerOp returns the node producing v when its op type is op (default
// domain), else nil.
func (c *ctx) producerOp(v, op string) *srcNode {
	p := c.producer[v]
	if p == nil || p.GetOpType() != op || p.domain() != "" {
		return nil
	}
	return p
}

// isScalarConst reports whether v is a constant whose elements all equal
// want within a relative tolerance.
func (c *ctx) isScalarConst(v string, want float64) bool {
	in := c.info(v)
	if in == nil || in.Const == nil || in.Const.Len() == 0 || in.Const.Len() > 1 {
		return false
	}
	f, ok := tensorFloats(in.Const)
	if !ok {
		return false
	}
	return math.Abs(f[0]-want) <= 1e-6*math.Abs(want)
}

// otherInput returns the input of a two-input node that is not v.
func otherInput(n *srcNode, v string) (string, bool) {
	if len(n.Input) != 2 {
		return "", false
	}
	switch v {
	case n.Input[0]:
		return n.Input[1], true
	case n.Input[1]:
		return n.Input[0], true
	}
	return "", false
}

// matchErfTerm matches 1 + erf(x/√2) (or x·(1/√2)) and returns x.
func (c *ctx) matchErfTerm(v string) (string, bool) {
	add := c.producerOp(v, "Add")
	if add == nil || len(add.Input) != 2 {
		return "", false
	}
	for k := 0; k < 2; k++ {
		erfOut, one := add.Input[k], add.Input[1-k]
		if !c.isScalarConst(one, 1) {
			continue
		}
		erf := c.producerOp(erfOut, "Erf")
		if erf == nil {
			continue
		}
		if div := c.producerOp(erf.Input[0], "Div"); div != nil && c.isScalarConst(div.Input[1], math.Sqrt2) {
			return div.Input[0], true
		}
		if mul := c.producerOp(erf.Input[0], "Mul"); mul != nil {
			for j := 0; j < 2; j++ {
				if c.isScalarConst(mul.Input[1-j], 1/math.Sqrt2) {
					return mul.Input[j], true
				}
			}
		}
	}
	return "", false
}

// matchErfGelu matches the exact GELU x·0.5·(1 + erf(x/√2)) ending at Mul
// node n, in the two association orders exporters produce, and returns x.
func (c *ctx) matchErfGelu(n *srcNode) (string, bool) {
	if n.GetOpType() != "Mul" || len(n.Input) != 2 || !c.dtypeOf(n, 0).IsFloat() {
		return "", false
	}
	for k := 0; k < 2; k++ {
		a, b := n.Input[k], n.Input[1-k]
		// (x · (1 + erf(x/√2))) · 0.5
		if c.isScalarConst(b, 0.5) {
			if inner := c.producerOp(a, "Mul"); inner != nil {
				for j := 0; j < 2; j++ {
					if x, ok := c.matchErfTerm(inner.Input[1-j]); ok && x == inner.Input[j] {
						return x, true
					}
				}
			}
		}
		// (x · 0.5) · (1 + erf(x/√2))
		if half := c.producerOp(a, "Mul"); half != nil {
			for j := 0; j < 2; j++ {
				if c.isScalarConst(half.Input[1-j], 0.5) {
					if x, ok := c.matchErfTerm(b); ok && x == half.Input[j] {
						return x, true
					}
				}
			}
		}
	}
	return "", false
}

// lowerMul is mul, or gelu when n ends an exact-GELU pattern.
func lowerMul(c *ctx, n *srcNode) error {
	if x, ok := c.matchErfGelu(n); ok {
		op, err := c.value(x)
		if err != nil {
			return err
		}
		c.bind(n, 0, c.op(n, "gelu", []string{op}, nil))
		return nil
	}
	xs, err := c.binaryInputs(n)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "mul", xs, nil))
	return nil
}

// reduceMeanAxes returns the normalised axes of a keepdims ReduceMean node.
func (c *ctx) reduceMeanAxes(n *srcNode) ([]int64, bool) {
	if n == nil || attrInt(n, "keepdims", 1) != 1 {
		return nil, false
	}
	s, err := c.inShape(n, 0)
	if err != nil {
		return nil, false
	}
	var axes []int64
	if n.opset >= 18 {
		a, ok := c.constInts(n, 1)
		if !ok {
			return nil, false
		}
		axes = a
	} else {
		axes = attrInts(n, "axes")
	}
	if len(axes) == 0 {
		return nil, false
	}
	norm, err := normAxes(axes, len(s))
	if err != nil {
		return nil, false
	}
	return norm, true
}

func sameAxes(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[int64]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}

// matchLayerNorm matches the decomposed layer normalisation ending at Div
// node n: (x − mean(x)) / sqrt(mean((x − mean(x))²) + ε), with the
// square written as Pow(·, 2) or Mul(·, ·). It returns x, the axes and ε.
func (c *ctx) matchLayerNorm(n *srcNode) (string, []int64, float64, bool) {
	if n.GetOpType() != "Div" || len(n.Input) != 2 || !c.dtypeOf(n, 0).IsFloat() {
		return "", nil, 0, false
	}
	sub := c.producerOp(n.Input[0], "Sub")
	sqrt := c.producerOp(n.Input[1], "Sqrt")
	if sub == nil || sqrt == nil {
		return "", nil, 0, false
	}
	x := sub.Input[0]
	mean := c.producerOp(sub.Input[1], "ReduceMean")
	if mean == nil || mean.Input[0] != x {
		return "", nil, 0, false
	}
	axes, ok := c.reduceMeanAxes(mean)
	if !ok {
		return "", nil, 0, false
	}
	add := c.producerOp(sqrt.Input[0], "Add")
	if add == nil {
		return "", nil, 0, false
	}
	for k := 0; k < 2; k++ {
		varOut, epsIn := add.Input[k], add.Input[1-k]
		in := c.info(epsIn)
		if in == nil || in.Const == nil || in.Const.Len() != 1 {
			continue
		}
		eps, _ := tensorFloats(in.Const)
		v := c.producerOp(varOut, "ReduceMean")
		vAxes, ok := c.reduceMeanAxes(v)
		if !ok || !sameAxes(axes, vAxes) {
			continue
		}
		// v's input must be (x − mean)², from the same Sub or a twin.
		isDiff := func(val string) bool {
			if val == sub.Output[0] {
				return true
			}
			s := c.producerOp(val, "Sub")
			return s != nil && s.Input[0] == x && s.Input[1] == sub.Input[1]
		}
		if p := c.producerOp(v.Input[0], "Pow"); p != nil && isDiff(p.Input[0]) && c.isScalarConst(p.Input[1], 2) {
			return x, axes, eps[0], true
		}
		if m := c.producerOp(v.Input[0], "Mul"); m != nil && isDiff(m.Input[0]) && m.Input[0] == m.Input[1] {
			return x, axes, eps[0], true
		}
	}
	return "", nil, 0, false
}

// lowerDiv is div, or the canonical layer-norm decomposition (layerNorm)
// when n ends a decomposed layer normalisation.
func lowerDiv(c *ctx, n *srcNode) error {
	if x, axes, eps, ok := c.matchLayerNorm(n); ok {
		op, err := c.value(x)
		if err != nil {
			return err
		}
		out, err := c.layerNorm(n, op, c.dtypeOf(n, 0), intsAny(axes), eps)
		if err != nil {
			return err
		}
		c.bind(n, 0, out)
		return nil
	}
	xs, err := c.binaryInputs(n)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "div", xs, nil))
	return nil
}
