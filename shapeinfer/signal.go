// Signal processing: STFT and DFT (opset 17; DFT's axis became an input
// at opset 20).

package shapeinfer

import "fmt"

// scalarExpr returns the known value of a scalar (or 1-element) input.
func (c *nodeCtx) scalarExpr(i int) (Expr, bool) {
	in := c.input(i)
	if in == nil || len(in.Value) != 1 {
		return Expr{}, false
	}
	return in.Value[0], true
}

// stft: signal [batch, length] or [batch, length, 1|2] → [batch, frames,
// bins, 2]; every frame must fit the signal.
func stft(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	if r := len(x.Shape); r != 2 && r != 3 {
		return nil, c.errorf("signal %s is not [batch, length] or [batch, length, 1|2]", ShapeString(x.Shape))
	}
	if len(x.Shape) == 3 {
		if v, ok := x.Shape[2].Value(); ok && v != 1 && v != 2 {
			return nil, c.errorf("signal %s is not [batch, length] or [batch, length, 1|2]", ShapeString(x.Shape))
		}
	}
	// The spec's frame_step and frame_length are scalars and the window
	// 1-D; anything else has no frame length to build the output from.
	for i, what := range []string{1: "frame_step", 3: "frame_length"} {
		if in := c.input(i); what != "" && in != nil && in.Shape != nil && !isOneValue(in.Shape) {
			return nil, c.errorf("%s %s is not a scalar", what, ShapeString(in.Shape))
		}
	}
	if w := c.input(2); w != nil && w.Shape != nil && len(w.Shape) != 1 {
		return nil, c.errorf("window %s is not 1-D", ShapeString(w.Shape))
	}
	if err := c.binaryAttr("onesided"); err != nil {
		return nil, err
	}
	var frameLen Expr
	haveLen := false
	if c.input(3) != nil {
		frameLen, haveLen = c.scalarExpr(3)
	} else if w := c.input(2); w != nil && len(w.Shape) == 1 {
		frameLen, haveLen = w.Shape[0], true
	}
	step, haveStep := c.scalarExpr(1)
	stepV, stepConst := step.Value()
	fl, flConst := frameLen.Value()
	if !haveLen || !haveStep || !stepConst || !flConst {
		return []*Info{{DType: x.DType, Shape: []Expr{x.Shape[0], c.s.fresh(c, "count"), c.s.fresh(c, "count"), Const(2)}}}, nil
	}
	if stepV <= 0 || fl <= 0 {
		return nil, c.errorf("frame_step %d and frame_length %d must be positive", stepV, fl)
	}
	L := x.Shape[1]
	if err := c.atLeast(L.Sub(Const(fl)), 0, func() string {
		return fmt.Sprintf("the signal length %s must be at least the frame length %d", L, fl)
	}); err != nil {
		return nil, err
	}
	frames := L.Sub(Const(fl)).FloorDiv(Const(stepV)).Add(Const(1))
	bins := fl
	if c.attrInt("onesided", 1) == 1 {
		bins = fl/2 + 1
	}
	return []*Info{{DType: x.DType, Shape: []Expr{x.Shape[0], frames, Const(bins), Const(2)}}}, nil
}

// dft: the input with its DFT axis resized to the bins and its last dim
// (1: real, 2: complex) made 2.
func dft(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	if r < 2 {
		return nil, c.errorf("input %s has no trailing real/complex dim", ShapeString(x.Shape))
	}
	if v, ok := x.Shape[r-1].Value(); ok && v != 1 && v != 2 {
		return nil, c.errorf("input %s does not end in 1 (real) or 2 (complex)", ShapeString(x.Shape))
	}
	if in := c.input(1); in != nil && in.Shape != nil && !isOneValue(in.Shape) {
		return nil, c.errorf("dft_length %s is not a scalar", ShapeString(in.Shape))
	}
	for _, a := range []string{"onesided", "inverse"} {
		if err := c.binaryAttr(a); err != nil {
			return nil, err
		}
	}
	axis := c.attrInt("axis", 1)
	if c.opset >= 20 {
		axis = -2
		if c.input(2) != nil {
			v, ok := c.scalarExpr(2)
			a, isConst := v.Value()
			if !ok || !isConst {
				return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
			}
			axis = a
		}
	}
	ax, err := normAxis(axis, r)
	if err != nil || ax == r-1 {
		return nil, c.errorf("axis %d is not a signal axis of %s", axis, ShapeString(x.Shape))
	}
	length := x.Shape[ax]
	if c.input(1) != nil {
		v, ok := c.scalarExpr(1)
		if !ok {
			out := c.rankOnly(x)
			out[ax], out[r-1] = c.s.fresh(c, "count"), Const(2)
			return []*Info{{DType: x.DType, Shape: out}}, nil
		}
		length = v
	}
	bins := length
	if c.attrInt("onesided", 0) == 1 {
		bins = length.FloorDiv(Const(2)).Add(Const(1))
	}
	out := append([]Expr{}, x.Shape...)
	out[ax], out[r-1] = bins, Const(2)
	return []*Info{{DType: x.DType, Shape: out}}, nil
}

// isOneValue reports whether shape holds exactly one element (a scalar,
// or [1] as exporters write scalars).
func isOneValue(shape []Expr) bool {
	for _, d := range shape {
		if v, ok := d.Value(); !ok || v != 1 {
			return false
		}
	}
	return true
}

// binaryAttr checks a flag attribute the spec allows only as 0 or 1: any
// other value would be read as one or the other, differently by each
// runtime.
func (c *nodeCtx) binaryAttr(name string) error {
	if v := c.attrInt(name, 0); v != 0 && v != 1 {
		return c.errorf("attribute %s is %d (want 0 or 1)", name, v)
	}
	return nil
}
