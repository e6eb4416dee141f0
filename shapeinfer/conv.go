// Convolution, pooling and resizing: Conv, ConvInteger, QLinearConv,
// ConvTranspose, MaxPool, AveragePool, LpPool, Global*Pool, Resize,
// Upsample. Spatial sizes follow the ONNX operator docs (auto_pad,
// ceil_mode, dilations).

package shapeinfer

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func (c *nodeCtx) attrString(name string) string { return onnxpb.AttrString(c.n, name, "") }

func intsOr(v []int64, n int, def int64) []int64 {
	if v != nil {
		return v
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = def
	}
	return out
}

// windowOut computes one spatial output size of a sliding window.
func (c *nodeCtx) windowOut(in Expr, k, stride, dil, padB, padE int64, autoPad string, ceilMode bool) (Expr, error) {
	if stride <= 0 || dil <= 0 || k <= 0 {
		return Expr{}, fmt.Errorf("kernel, strides and dilations must be positive")
	}
	ek := dil*(k-1) + 1
	switch autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		return in.Add(Const(stride - 1)).FloorDiv(Const(stride)), nil
	case "VALID":
		if err := c.atLeast(in.Sub(Const(ek)), 0, func() string {
			return fmt.Sprintf("the input size %s must be at least the kernel extent %d (auto_pad=VALID)", in, ek)
		}); err != nil {
			return Expr{}, err
		}
		return in.Sub(Const(ek)).Add(Const(stride)).FloorDiv(Const(stride)), nil
	case "", "NOTSET":
	default:
		return Expr{}, fmt.Errorf("unknown auto_pad %q", autoPad)
	}
	span := in.Add(Const(padB + padE - ek))
	// Every window must fit the padded input (ONNX Runtime refuses an
	// input smaller than the kernel extent); over a dynamic dim that is a
	// minimum of the dim.
	if err := c.atLeast(span, 0, func() string {
		if padB+padE != 0 {
			return fmt.Sprintf("the input size %s padded by %d must be at least the kernel extent %d", in, padB+padE, ek)
		}
		return fmt.Sprintf("the input size %s must be at least the kernel extent %d", in, ek)
	}); err != nil {
		return Expr{}, err
	}
	if !ceilMode {
		return span.FloorDiv(Const(stride)).Add(Const(1)), nil
	}
	out := span.Add(Const(stride - 1)).FloorDiv(Const(stride)).Add(Const(1))
	// The last window must start inside the input or the begin padding.
	if v, ok := out.Value(); ok {
		iv, _ := in.Value()
		if (v-1)*stride >= iv+padB {
			out = Const(v - 1)
		}
		return out, nil
	}
	if padE+stride > ek {
		return c.s.fresh(c, "ceil"), nil
	}
	return out, nil
}

// spatial computes the output spatial dims of a conv or pool over x.
func (c *nodeCtx) spatial(x []Expr, kernel []int64, ceilMode bool) ([]Expr, error) {
	ns := len(x) - 2
	if len(kernel) != ns {
		return nil, c.errorf("kernel has %d dims, input has %d spatial dims", len(kernel), ns)
	}
	strides := intsOr(c.attrInts("strides"), ns, 1)
	dil := intsOr(c.attrInts("dilations"), ns, 1)
	pads := intsOr(c.attrInts("pads"), 2*ns, 0)
	if len(strides) != ns || len(dil) != ns || len(pads) != 2*ns {
		return nil, c.errorf("strides/dilations/pads do not match %d spatial dims", ns)
	}
	autoPad := c.attrString("auto_pad")
	out := make([]Expr, ns)
	for i := range ns {
		o, err := c.windowOut(x[2+i], kernel[i], strides[i], dil[i], pads[i], pads[i+ns], autoPad, ceilMode)
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

func conv(c *nodeCtx) ([]*Info, error) {
	xi, wi := 0, 1
	dt := tensor.DType(0)
	switch c.n.GetOpType() {
	case "QLinearConv":
		xi, wi = 0, 3
		if zp := c.input(7); zp != nil {
			dt = zp.DType
		}
	case "ConvInteger":
		dt = tensor.Int32
	}
	x, err := c.need(xi)
	if err != nil {
		return nil, err
	}
	w, err := c.need(wi)
	if err != nil {
		return nil, err
	}
	if dt == 0 {
		dt = x.DType
	}
	if x.Shape == nil || w.Shape == nil {
		return []*Info{{DType: dt}}, nil
	}
	if len(x.Shape) < 3 || len(w.Shape) != len(x.Shape) {
		return nil, c.errorf("input %s and weight %s ranks do not fit", ShapeString(x.Shape), ShapeString(w.Shape))
	}
	group := c.attrInt("group", 1)
	if err := c.agree(x.Shape[1], w.Shape[1].Mul(Const(group)), "input channels and weight channels × group"); err != nil {
		return nil, err
	}
	kernel := c.attrInts("kernel_shape")
	if kernel == nil {
		ks, ok := toInts(w.Shape[2:])
		if !ok {
			return nil, fmt.Errorf("kernel shape is not static")
		}
		for _, k := range ks {
			kernel = append(kernel, int64(k))
		}
	}
	sp, err := c.spatial(x.Shape, kernel, false)
	if err != nil {
		return nil, err
	}
	return []*Info{{DType: dt, Shape: append([]Expr{x.Shape[0], w.Shape[0]}, sp...)}}, nil
}

func convTranspose(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	w, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil || w.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	if len(x.Shape) < 3 || len(w.Shape) != len(x.Shape) {
		return nil, c.errorf("input %s and weight %s ranks do not fit", ShapeString(x.Shape), ShapeString(w.Shape))
	}
	ns := len(x.Shape) - 2
	group := c.attrInt("group", 1)
	if err := c.agree(x.Shape[1], w.Shape[0], "input channels and weight dim 0"); err != nil {
		return nil, err
	}
	kernel := c.attrInts("kernel_shape")
	if kernel == nil {
		ks, ok := toInts(w.Shape[2:])
		if !ok {
			return nil, fmt.Errorf("kernel shape is not static")
		}
		for _, k := range ks {
			kernel = append(kernel, int64(k))
		}
	}
	strides := intsOr(c.attrInts("strides"), ns, 1)
	dil := intsOr(c.attrInts("dilations"), ns, 1)
	pads := intsOr(c.attrInts("pads"), 2*ns, 0)
	outPad := intsOr(c.attrInts("output_padding"), ns, 0)
	outShape := c.attrInts("output_shape")
	autoPad := c.attrString("auto_pad")
	if len(kernel) != ns || len(strides) != ns || len(dil) != ns || len(pads) != 2*ns || len(outPad) != ns {
		return nil, c.errorf("attributes do not match %d spatial dims", ns)
	}
	shape := []Expr{x.Shape[0], w.Shape[1].Mul(Const(group))}
	for i := range ns {
		if outShape != nil {
			shape = append(shape, Const(outShape[len(outShape)-ns+i]))
			continue
		}
		in := x.Shape[2+i]
		if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
			shape = append(shape, in.Mul(Const(strides[i])))
			continue
		}
		pb, pe := pads[i], pads[i+ns]
		if autoPad == "VALID" {
			pb, pe = 0, 0
		}
		o := in.Sub(Const(1)).Mul(Const(strides[i])).Add(Const(outPad[i] + dil[i]*(kernel[i]-1) + 1 - pb - pe))
		shape = append(shape, o)
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

func pool(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}, {DType: tensor.Int64}}, nil
	}
	if len(x.Shape) < 3 {
		return nil, c.errorf("input %s needs a batch, a channel and spatial dims", ShapeString(x.Shape))
	}
	kernel := c.attrInts("kernel_shape")
	if kernel == nil {
		return nil, fmt.Errorf("attribute kernel_shape is required")
	}
	sp, err := c.spatial(x.Shape, kernel, c.attrInt("ceil_mode", 0) != 0)
	if err != nil {
		return nil, err
	}
	shape := append([]Expr{x.Shape[0], x.Shape[1]}, sp...)
	return []*Info{{DType: x.DType, Shape: shape}, {DType: tensor.Int64, Shape: shape}}, nil
}

func globalPool(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	if len(x.Shape) < 2 {
		return nil, c.errorf("input %s needs a batch and a channel dim", ShapeString(x.Shape))
	}
	shape := append([]Expr{}, x.Shape...)
	for i := 2; i < len(shape); i++ {
		shape[i] = Const(1)
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

// resize takes sizes when given, else floor(dim * scale): exact for
// integer scales and 1/k scales on symbolic dims, any scale on static ones.
func resize(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	scalesIdx, sizesIdx := 2, 3
	if c.n.GetOpType() == "Upsample" || c.opset < 11 {
		scalesIdx, sizesIdx = 1, -1
	}
	var axes []int
	if v := c.attrInts("axes"); v != nil {
		for _, a := range v {
			i, err := normAxis(a, r)
			if err != nil {
				return nil, err
			}
			axes = append(axes, i)
		}
	} else {
		for i := range r {
			axes = append(axes, i)
		}
	}
	shape := append([]Expr{}, x.Shape...)
	if sizesIdx >= 0 {
		if s := c.input(sizesIdx); s != nil && (s.Shape == nil || len(s.Shape) != 1 || !s.Shape[0].Equal(Const(0))) {
			if s.Value == nil {
				return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
			}
			if len(s.Value) != len(axes) {
				return nil, c.errorf("%d sizes for %d axes", len(s.Value), len(axes))
			}
			if p := c.attrString("keep_aspect_ratio_policy"); p != "" && p != "stretch" {
				return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
			}
			for k, a := range axes {
				shape[a] = s.Value[k]
			}
			return []*Info{{DType: x.DType, Shape: shape}}, nil
		}
	}
	var scales []float64
	if c.hasAttr("scales") {
		for _, f := range onnxpb.AttrFloats(c.n, "scales") {
			scales = append(scales, float64(f))
		}
	} else if s := c.input(scalesIdx); s != nil {
		if s.Const == nil {
			return []*Info{{DType: x.DType, Shape: c.rankOnly(x)}}, nil
		}
		scales, _ = float64s(s.Const)
	}
	if len(scales) != len(axes) {
		return nil, c.errorf("%d scales for %d axes", len(scales), len(axes))
	}
	for k, a := range axes {
		sc := scales[k]
		if !(sc > 0) || math.IsInf(sc, 0) {
			return nil, c.errorf("scales[%d] = %v must be a positive finite number", k, sc)
		}
		d := x.Shape[a]
		if v, ok := d.Value(); ok {
			f := math.Floor(float64(v) * sc)
			if f >= 1<<62 {
				return nil, c.errorf("scales[%d] = %v makes axis %d of size %d %v long", k, sc, a, v, f)
			}
			shape[a] = Const(int64(f))
			continue
		}
		switch {
		case sc == math.Trunc(sc) && sc > 0 && sc <= 1<<31:
			shape[a] = d.Mul(Const(int64(sc)))
		case sc > 0 && 1/sc == math.Trunc(1/sc):
			shape[a] = d.FloorDiv(Const(int64(1 / sc)))
		default:
			shape[a] = c.s.fresh(c, fmt.Sprintf("dim%d", a))
		}
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}
