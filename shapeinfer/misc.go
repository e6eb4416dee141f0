// Less common ops whose output shapes follow from attributes and input
// shapes: recurrent layers (RNN, GRU, LSTM), RoiAlign, GridSample,
// MaxUnpool, Det, window functions and random-like ops.

package shapeinfer

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// recurrent: X is [seq, batch, input] (layout 0) or [batch, seq, input];
// Y is [seq, dirs, batch, hidden] or [batch, seq, dirs, hidden]; Y_h and
// Y_c are [dirs, batch, hidden] or [batch, dirs, hidden].
func recurrent(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	w, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		// unknown rank (produced by an op without a rule, or an If not
		// yet folded): the outputs' shapes are unknown too
		return []*Info{{DType: x.DType}, {DType: x.DType}, {DType: x.DType}}, nil
	}
	if len(x.Shape) != 3 {
		return nil, c.errorf("X must be 3-D, is %s", ShapeString(x.Shape))
	}
	hidden := c.attrInt("hidden_size", 0)
	if hidden <= 0 {
		return nil, fmt.Errorf("attribute hidden_size is required")
	}
	dirs := Const(1)
	if c.attrString("direction") == "bidirectional" {
		dirs = Const(2)
	}
	if w.Shape != nil && len(w.Shape) == 3 {
		if err := c.agree(w.Shape[0], dirs, "W num_directions and direction"); err != nil {
			return nil, err
		}
	}
	seq, batch := x.Shape[0], x.Shape[1]
	layout := c.attrInt("layout", 0)
	if layout != 0 {
		seq, batch = batch, seq
	}
	h := Const(hidden)
	// The initial states and sequence_lens state the batch too: a model
	// that feeds a fixed-size state (speechmos's AECMOS takes h0 of batch
	// 1; silero v5 names the state's batch dim apart from the audio's)
	// pins or relates the batch through them.
	states := []int{5}
	if c.n.GetOpType() != "GRU" && c.n.GetOpType() != "RNN" {
		states = append(states, 6) // LSTM's initial_c
	}
	for _, i := range states {
		st := c.input(i)
		if st == nil || st.Shape == nil {
			continue
		}
		if len(st.Shape) != 3 {
			return nil, c.errorf("input %d (initial state) must be 3-D, is %s", i, ShapeString(st.Shape))
		}
		d, b := st.Shape[0], st.Shape[1]
		if layout != 0 {
			d, b = b, d
		}
		for _, p := range []struct {
			a, b Expr
			what string
		}{{d, dirs, "initial state num_directions and direction"}, {b, batch, "initial state batch and X batch"}, {st.Shape[2], h, "initial state size and hidden_size"}} {
			if err := c.agree(p.a, p.b, p.what); err != nil {
				return nil, err
			}
		}
	}
	if sl := c.input(4); sl != nil && sl.Shape != nil && len(sl.Shape) == 1 {
		if err := c.agree(sl.Shape[0], batch, "sequence_lens length and X batch"); err != nil {
			return nil, err
		}
	}
	y := []Expr{seq, dirs, batch, h}
	yh := []Expr{dirs, batch, h}
	if layout != 0 {
		y = []Expr{batch, seq, dirs, h}
		yh = []Expr{batch, dirs, h}
	}
	return []*Info{{DType: x.DType, Shape: y}, {DType: x.DType, Shape: yh}, {DType: x.DType, Shape: yh}}, nil
}

func roiAlign(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	rois, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil || rois.Shape == nil || len(x.Shape) != 4 || len(rois.Shape) != 2 {
		return nil, c.errorf("X must be 4-D and rois 2-D, are %s and %s", ShapeString(x.Shape), ShapeString(rois.Shape))
	}
	return []*Info{{DType: x.DType, Shape: []Expr{rois.Shape[0], x.Shape[1], Const(c.attrInt("output_height", 1)), Const(c.attrInt("output_width", 1))}}}, nil
}

func gridSample(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	grid, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil || grid.Shape == nil || len(grid.Shape) != len(x.Shape) || len(x.Shape) < 3 {
		return nil, c.errorf("X %s and grid %s ranks do not fit", ShapeString(x.Shape), ShapeString(grid.Shape))
	}
	shape := append([]Expr{x.Shape[0], x.Shape[1]}, grid.Shape[1:len(grid.Shape)-1]...)
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

func maxUnpool(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if s := c.input(2); s != nil {
		if s.Value == nil {
			return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
		}
		return []*Info{{DType: x.DType, Shape: s.Value}}, nil
	}
	if x.Shape == nil || len(x.Shape) < 3 {
		return []*Info{{DType: x.DType}}, nil
	}
	ns := len(x.Shape) - 2
	kernel := c.attrInts("kernel_shape")
	strides := intsOr(c.attrInts("strides"), ns, 1)
	pads := intsOr(c.attrInts("pads"), 2*ns, 0)
	if len(kernel) != ns || len(strides) != ns || len(pads) != 2*ns {
		return nil, c.errorf("attributes do not match %d spatial dims", ns)
	}
	shape := []Expr{x.Shape[0], x.Shape[1]}
	for i := range ns {
		shape = append(shape, x.Shape[2+i].Sub(Const(1)).Mul(Const(strides[i])).Add(Const(kernel[i]-pads[i]-pads[i+ns])))
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

func det(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	if len(x.Shape) < 2 {
		return nil, c.errorf("input %s must have rank 2 or more", ShapeString(x.Shape))
	}
	r := len(x.Shape)
	if err := c.agree(x.Shape[r-2], x.Shape[r-1], "matrix dims"); err != nil {
		return nil, err
	}
	return []*Info{{DType: x.DType, Shape: append([]Expr{}, x.Shape[:r-2]...)}}, nil
}

// window: a 1-D window of the scalar input's length (HannWindow, …).
func window(c *nodeCtx) ([]*Info, error) {
	n, err := c.need(0)
	if err != nil {
		return nil, err
	}
	dt := tensor.DType(c.attrInt("output_datatype", int64(tensor.Float32)))
	if n.Value == nil || len(n.Value) != 1 {
		return []*Info{{DType: dt, Shape: []Expr{c.s.fresh(c, "window")}}}, nil
	}
	return []*Info{{DType: dt, Shape: []Expr{n.Value[0]}}}, nil
}

// randomLike keeps the input's shape; dtype from the attribute or input.
func randomLike(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	out := same(x)
	if dt := c.attrInt("dtype", 0); dt != 0 {
		out.DType = tensor.DType(dt)
	}
	return []*Info{out}, nil
}

// nonZero: [rank, n] with n data-dependent.
func nonZero(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: tensor.Int64}}, nil
	}
	return []*Info{{DType: tensor.Int64, Shape: []Expr{Const(int64(len(x.Shape))), c.s.fresh(c, "count")}}}, nil
}

// compress: the selected axis (or the flattened input) has a
// data-dependent length.
func compress(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	if !c.hasAttr("axis") {
		return []*Info{{DType: x.DType, Shape: []Expr{c.s.fresh(c, "count")}}}, nil
	}
	axis, err := normAxis(c.attrInt("axis", 0), len(x.Shape))
	if err != nil {
		return nil, err
	}
	shape := append([]Expr{}, x.Shape...)
	shape[axis] = c.s.fresh(c, "count")
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}
