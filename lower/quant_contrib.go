// The com.microsoft quantized ops of ONNX Runtime's quantizer, lowered to
// reproduce ONNX Runtime's arithmetic: activations quantized per tensor
// from their range (dynQuantU8: the range widened to include 0, scale
// (max−min)/255 or 1 for an empty range, zero point rounded half to even),
// integer products as float32 matmuls of exact small integers, results
// scaled by float32 products of the scales computed in ONNX Runtime's
// order, requantization with round-half-even and saturation. Integer
// accumulation in float32 is exact while every partial sum stays below
// 2^24 (the common case); beyond that a float result differs from ONNX
// Runtime's by float32 rounding only, and ops with a quantized output
// refuse accumulations that could get there (checkAccumulation).
// Element-wise QLinear maps of one input (Sigmoid, LeakyRelu, Concat's
// requantization) are 256-entry lookup tables computed at conversion,
// as ONNX Runtime's kernels are.

package lower

import (
	"fmt"
	"math"
	"slices"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// dynQuantU8 emits ONNX Runtime's dynamic uint8 quantization of the
// float32 tensor x (every element; its rank r): it returns x quantized and
// centred (q − zero point) as float32, exact integers, and the scale (a
// scalar).
func (c *ctx) dynQuantU8(n *srcNode, x string, r int) (centered, scale string, err error) {
	all := make([]any, r)
	ones := make([]any, r)
	for i := range all {
		all[i], ones[i] = int64(i), int64(1)
	}
	k := func(v float64) (string, error) { return c.scalar(tensor.Float32, v) }
	zero, err := k(0)
	if err != nil {
		return "", "", err
	}
	one, err := k(1)
	if err != nil {
		return "", "", err
	}
	qmax, err := k(255)
	if err != nil {
		return "", "", err
	}
	red := map[string]any{"axes": all, "keepDimensions": false}
	lo := c.op(n, "min", []string{c.op(n, "reduceMin", []string{x}, red), zero}, nil)
	hi := c.op(n, "max", []string{c.op(n, "reduceMax", []string{x}, red), zero}, nil)
	scale = c.op(n, "where", []string{c.op(n, "equal", []string{hi, lo}, nil), one, c.op(n, "div", []string{c.op(n, "sub", []string{hi, lo}, nil), qmax}, nil)}, nil)
	zpf := c.op(n, "roundEven", []string{c.op(n, "clamp", []string{c.op(n, "sub", []string{zero, c.op(n, "div", []string{lo, scale}, nil)}, nil)}, map[string]any{"minValue": 0.0, "maxValue": 255.0})}, nil)
	zp := c.op(n, "cast", []string{zpf}, map[string]any{"to": "uint8"})
	q := c.op(n, "quantizeLinear", []string{x, c.op(n, "reshape", []string{scale}, map[string]any{"newShape": ones}), c.op(n, "reshape", []string{zp}, map[string]any{"newShape": ones})}, nil)
	centered = c.op(n, "sub", []string{c.op(n, "cast", []string{q}, map[string]any{"to": "float32"}), zpf}, nil)
	return centered, scale, nil
}

// constF32s returns input i's constant values as float32 (scales), or an
// error naming it.
func (c *ctx) constF32s(n *srcNode, i int, what string) ([]float32, error) {
	v, ok := c.constFloats(n, i)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a constant", ErrUnsupported, what)
	}
	out := make([]float32, len(v))
	for k, x := range v {
		out[k] = float32(x)
	}
	return out, nil
}

// f32Const adds a float32 constant of the given shape.
func (c *ctx) f32Const(n *srcNode, name string, v []float32, shape ...int) (string, error) {
	return c.constTensor(n.base+"_"+name, &tensor.Tensor{DType: tensor.Float32, Shape: shape, Data: v}, "")
}

// columnScale returns a scale input (scalar or one per column of the N
// output columns) as an operand broadcasting over the last axis.
func (c *ctx) columnScale(n *srcNode, i, N int, what string) (string, []float32, error) {
	v, err := c.constF32s(n, i, what)
	if err != nil {
		// a runtime scale: used as it is ([1] or [N] broadcast the same)
		op, err2 := c.in(n, i)
		return op, nil, err2
	}
	if len(v) != 1 && len(v) != N {
		return "", nil, fmt.Errorf("%s has %d values for %d columns", what, len(v), N)
	}
	op, err := c.f32Const(n, what, v, len(v))
	return op, v, err
}

func lowerDynamicQuantizeMatMul(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	bs, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	if len(bs) != 2 || r < 1 {
		return fmt.Errorf("%w: A of rank %d with B of rank %d", ErrUnsupported, r, len(bs))
	}
	N, ok := bs[1].Value()
	if !ok {
		return fmt.Errorf("%w: dynamic N", ErrUnsupported)
	}
	a, as, err := c.dynQuantU8(n, x, r)
	if err != nil {
		return err
	}
	b, err := c.integerOperand(n, 1, 3)
	if err != nil {
		return err
	}
	bsc, _, err := c.columnScale(n, 2, int(N), "b_scale")
	if err != nil {
		return err
	}
	mult := c.op(n, "mul", []string{as, bsc}, nil)
	y := c.op(n, "mul", []string{c.op(n, "matmul", []string{a, b}, nil), mult}, nil)
	if n.hasInput(4) {
		bias, err := c.in(n, 4)
		if err != nil {
			return err
		}
		y = c.op(n, "add", []string{y, bias}, nil)
	}
	c.bind(n, 0, y)
	return nil
}

func lowerMatMulIntegerToFloat(c *ctx, n *srcNode) error {
	bs, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	if len(bs) != 2 {
		return fmt.Errorf("%w: B of rank %d", ErrUnsupported, len(bs))
	}
	N, ok := bs[1].Value()
	if !ok {
		return fmt.Errorf("%w: dynamic N", ErrUnsupported)
	}
	a, err := c.integerOperand(n, 0, 4)
	if err != nil {
		return err
	}
	b, err := c.integerOperand(n, 1, 5)
	if err != nil {
		return err
	}
	ai, bi := 2, 3
	// ONNX Runtime's fusion may swap the two scales when it lacks shapes;
	// its kernel swaps them back when A's has several values and B's one.
	if as, ok := c.constFloats(n, 2); ok && len(as) > 1 {
		if bsv, ok := c.constFloats(n, 3); ok && len(bsv) == 1 {
			ai, bi = 3, 2
		}
	}
	as, err := c.in(n, ai)
	if err != nil {
		return err
	}
	bsc, _, err := c.columnScale(n, bi, int(N), "b_scale")
	if err != nil {
		return err
	}
	y := c.op(n, "mul", []string{c.op(n, "matmul", []string{a, b}, nil), c.op(n, "mul", []string{as, bsc}, nil)}, nil)
	if n.hasInput(6) {
		bias, err := c.in(n, 6)
		if err != nil {
			return err
		}
		y = c.op(n, "add", []string{y, bias}, nil)
	}
	c.bind(n, 0, y)
	return nil
}

// lowerQGemm: alpha·(A−za)(B−zb)·sa·sb (+ C, int32 in the product's
// scale, added to the accumulator), float or requantized to y_scale /
// y_zero_point. The multipliers are computed at conversion in float32 in
// ONNX Runtime's order (alpha·sa·sb, then / sy).
func lowerQGemm(c *ctx, n *srcNode) error {
	as, ok := c.constFloats(n, 0+1)
	if !ok || len(as) != 1 {
		return fmt.Errorf("%w: a_scale is not a constant scalar", ErrUnsupported)
	}
	sa, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	sb, err := c.inShape(n, 3)
	if err != nil {
		return err
	}
	if len(sa) != 2 || len(sb) != 2 {
		return fmt.Errorf("%w: QGemm of ranks %d and %d", ErrUnsupported, len(sa), len(sb))
	}
	transA, transB := attrInt(n, "transA", 0) != 0, attrInt(n, "transB", 0) != 0
	K, Nd := sb[0], sb[1]
	if transB {
		K, Nd = sb[1], sb[0]
	}
	N, ok := Nd.Value()
	if !ok {
		return fmt.Errorf("%w: dynamic N", ErrUnsupported)
	}
	quantOut := n.hasInput(7)
	if quantOut {
		if err := checkAccumulation(K, c.bounds); err != nil {
			return err
		}
	}
	if zs, err := c.inShape(n, 5); err == nil && transB && len(zs) == 1 && !zs[0].Equal(shapeinfer.Const(1)) && !c.zeroOrAbsent(n, 5) {
		return fmt.Errorf("%w: per-column B zero points with transB", ErrUnsupported)
	}
	a, err := c.integerOperand(n, 0, 2)
	if err != nil {
		return err
	}
	bz := 5
	if c.zeroOrAbsent(n, 5) {
		bz = -1
	}
	b, err := c.integerOperand(n, 3, bz)
	if err != nil {
		return err
	}
	if transA {
		a = c.op(n, "transpose", []string{a}, map[string]any{"permutation": intsAny([]int64{1, 0})})
	}
	if transB {
		b = c.op(n, "transpose", []string{b}, map[string]any{"permutation": intsAny([]int64{1, 0})})
	}
	acc := c.op(n, "matmul", []string{a, b}, nil)
	if n.hasInput(6) {
		cc, err := c.in(n, 6)
		if err != nil {
			return err
		}
		acc = c.op(n, "add", []string{acc, c.op(n, "cast", []string{cc}, map[string]any{"to": "float32"})}, nil)
	}
	bsv, err := c.constF32s(n, 4, "b_scale")
	if err != nil {
		return err
	}
	if len(bsv) != 1 && len(bsv) != int(N) {
		return fmt.Errorf("b_scale has %d values for %d columns", len(bsv), N)
	}
	alpha := attrFloat(n, "alpha", 1)
	mult := make([]float32, len(bsv))
	var ys float32 = 1
	if quantOut {
		y, err := c.constF32s(n, 7, "y_scale")
		if err != nil {
			return err
		}
		if len(y) != 1 {
			return fmt.Errorf("%w: y_scale of %d values", ErrUnsupported, len(y))
		}
		ys = y[0]
	}
	for j, s := range bsv {
		mult[j] = alpha * float32(as[0]) * s
		if quantOut {
			mult[j] /= ys
		}
	}
	m, err := c.f32Const(n, "mult", mult, len(mult))
	if err != nil {
		return err
	}
	y := c.op(n, "mul", []string{acc, m}, nil)
	if !quantOut {
		c.bind(n, 0, y)
		return nil
	}
	dt := tensor.Uint8
	zp := 0.0
	if n.hasInput(8) {
		dt = c.dtypeOf(n, 8)
		z, ok := c.constFloats(n, 8)
		if !ok || len(z) != 1 {
			return fmt.Errorf("%w: y_zero_point is not a constant scalar", ErrUnsupported)
		}
		zp = z[0]
	}
	out, err := c.saturateTo(n, c.op(n, "roundEven", []string{y}, nil), zp, dt)
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// saturateTo adds the zero point to an integer-valued float32 tensor,
// clamps it to dt's range and casts.
func (c *ctx) saturateTo(n *srcNode, v string, zp float64, dt tensor.DType) (string, error) {
	lo, hi := 0.0, 255.0
	switch dt {
	case tensor.Uint8:
	case tensor.Int8:
		lo, hi = -128, 127
	default:
		return "", fmt.Errorf("%w: quantized type %v", ErrUnsupported, dt)
	}
	if zp != 0 {
		z, err := c.scalar(tensor.Float32, zp)
		if err != nil {
			return "", err
		}
		v = c.op(n, "add", []string{v, z}, nil)
	}
	v = c.op(n, "clamp", []string{v}, map[string]any{"minValue": lo, "maxValue": hi})
	return c.op(n, "cast", []string{v}, map[string]any{"to": dt.String()}), nil
}

// qScaleZP reads a constant (scale, zero point) pair of a QLinear op
// (the zero point input may be absent: 0).
func (c *ctx) qScaleZP(n *srcNode, si, zi int) (float32, float32, error) {
	s, ok := c.constFloats(n, si)
	if !ok || len(s) != 1 {
		return 0, 0, fmt.Errorf("%w: scale (input %d) is not a constant scalar", ErrUnsupported, si)
	}
	var z float32
	if zi >= 0 && n.hasInput(zi) {
		zv, ok := c.constFloats(n, zi)
		if !ok || len(zv) != 1 {
			return 0, 0, fmt.Errorf("%w: zero point (input %d) is not a constant scalar", ErrUnsupported, zi)
		}
		z = float32(zv[0])
	}
	return float32(s[0]), z, nil
}

// quantRange is the value range of a quantized type.
func quantRange(dt tensor.DType) (lo, hi int, err error) {
	switch dt {
	case tensor.Uint8:
		return 0, 255, nil
	case tensor.Int8:
		return -128, 127, nil
	}
	return 0, 0, fmt.Errorf("%w: quantized type %v", ErrUnsupported, dt)
}

// requantF32 is ONNX Runtime's float32 requantization: round half to even
// of v / scale, plus the zero point, saturated.
func requantF32(v, scale, zp float32, lo, hi int) float64 {
	q := math.RoundToEven(float64(v/scale)) + float64(zp)
	return math.Max(float64(lo), math.Min(float64(hi), q))
}

// lookupTable maps x (uint8 or int8, input i) through a 256-entry table
// of the output type: a gather with x's values (offset to 0…255) as
// indices.
func (c *ctx) lookupTable(n *srcNode, x string, dt tensor.DType, f func(q int) float64) (string, error) {
	lo, _, err := quantRange(dt)
	if err != nil {
		return "", err
	}
	tab := tensor.New(dt, []int{256})
	for i := 0; i < 256; i++ {
		v := f(i + lo)
		switch d := tab.Data.(type) {
		case []uint8:
			d[i] = uint8(v)
		case []int8:
			d[i] = int8(v)
		}
	}
	t, err := c.constTensor(n.base+"_table", tab, "")
	if err != nil {
		return "", err
	}
	idx := c.op(n, "cast", []string{x}, map[string]any{"to": "int32"})
	if lo != 0 {
		off, err := c.scalar(tensor.Int32, float64(-lo))
		if err != nil {
			return "", err
		}
		idx = c.op(n, "add", []string{idx, off}, nil)
	}
	return c.op(n, "gather", []string{t, idx}, map[string]any{"axis": int64(0)}), nil
}

// lowerQLinearUnary: QLinearSigmoid / QLinearLeakyRelu as a lookup table
// of the dequantize → f (float32) → requantize map.
func lowerQLinearUnary(c *ctx, n *srcNode) error {
	dt := c.dtypeOf(n, 0)
	_, hi, err := quantRange(dt)
	if err != nil {
		return err
	}
	lo, _, _ := quantRange(dt)
	xs, xz, err := c.qScaleZP(n, 1, 2)
	if err != nil {
		return err
	}
	ys, yz, err := c.qScaleZP(n, 3, 4)
	if err != nil {
		return err
	}
	alpha := attrFloat(n, "alpha", 0.01)
	sigmoid := n.GetOpType() == "QLinearSigmoid"
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	out, err := c.lookupTable(n, x, dt, func(q int) float64 {
		v := (float32(q) - xz) * xs
		var r float32
		switch {
		case sigmoid:
			r = float32(1 / (1 + math.Exp(-float64(v))))
		case v >= 0:
			r = v
		default:
			r = v * alpha
		}
		return requantF32(r, ys, yz, lo, hi)
	})
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// lowerQLinearConcat: each input requantized to Y's parameters (a lookup
// table, or as it is when its parameters are Y's), then concatenated.
func lowerQLinearConcat(c *ctx, n *srcNode) error {
	if len(n.Input) < 5 || (len(n.Input)-2)%3 != 0 {
		return fmt.Errorf("%d inputs, want Y_scale, Y_zero_point and (X, scale, zero point) triples", len(n.Input))
	}
	ys, yz, err := c.qScaleZP(n, 0, 1)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 1)
	lo, hi, err := quantRange(dt)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 2)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return err
	}
	var parts []string
	for i := 2; i < len(n.Input); i += 3 {
		x, err := c.in(n, i)
		if err != nil {
			return err
		}
		if c.dtypeOf(n, i) != dt {
			return fmt.Errorf("input %d of type %v, Y %v", i, c.dtypeOf(n, i), dt)
		}
		xs, xz, err := c.qScaleZP(n, i+1, i+2)
		if err != nil {
			return err
		}
		if xs != ys || xz != yz {
			if x, err = c.lookupTable(n, x, dt, func(q int) float64 {
				return requantF32((float32(q)-xz)*xs, ys, yz, lo, hi)
			}); err != nil {
				return err
			}
		}
		parts = append(parts, x)
	}
	if len(parts) == 1 {
		c.bind(n, 0, parts[0])
		return nil
	}
	c.bind(n, 0, c.op(n, "concat", parts, map[string]any{"axis": axis}))
	return nil
}

// qlinearOperand dequantizes input i with its scale/zero point inputs
// (float32): (x − zp)·scale, ONNX Runtime's first step of QLinearAdd/Mul.
func (c *ctx) qlinearOperand(n *srcNode, i, si, zi int) (string, error) {
	x, err := c.in(n, i)
	if err != nil {
		return "", err
	}
	r, err := c.rankOf(n, i)
	if err != nil {
		return "", err
	}
	s, z, err := c.qScaleZP(n, si, zi)
	if err != nil {
		return "", err
	}
	ones := make([]int, r)
	for k := range ones {
		ones[k] = 1
	}
	sc, err := c.scalar(tensor.Float32, float64(s), ones...)
	if err != nil {
		return "", err
	}
	zp, err := c.scalar(c.dtypeOf(n, i), float64(z), ones...)
	if err != nil {
		return "", err
	}
	return c.op(n, "dequantizeLinear", []string{x, sc, zp}, nil), nil
}

// lowerQLinearBinary: QLinearAdd / QLinearMul as dequantize, add or mul in
// float32, quantizeLinear (divide, round half to even, saturate).
func lowerQLinearBinary(c *ctx, n *srcNode) error {
	a, err := c.qlinearOperand(n, 0, 1, 2)
	if err != nil {
		return err
	}
	b, err := c.qlinearOperand(n, 3, 4, 5)
	if err != nil {
		return err
	}
	op := "add"
	if n.GetOpType() == "QLinearMul" {
		op = "mul"
	}
	v := c.op(n, op, []string{a, b}, nil)
	cs, cz, err := c.qScaleZP(n, 6, 7)
	if err != nil {
		return err
	}
	os, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	ones := make([]int, len(os))
	for k := range ones {
		ones[k] = 1
	}
	sc, err := c.scalar(tensor.Float32, float64(cs), ones...)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 0)
	zp, err := c.scalar(dt, float64(cz), ones...)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "quantizeLinear", []string{v, sc, zp}, nil))
	return nil
}

// lowerQLinearGlobalAveragePool: the exact integer sum of x over the
// spatial dims minus count·x_zero_point, times x_scale / (y_scale ·
// count) in float32, rounded half to even, plus y_zero_point, saturated.
func lowerQLinearGlobalAveragePool(c *ctx, n *srcNode) error {
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	r := len(xs)
	if r < 3 {
		return fmt.Errorf("input of rank %d", r)
	}
	channelsLast := attrInt(n, "channels_last", 0) != 0
	var axes []any
	count := int64(1)
	lo, hi := 2, r
	if channelsLast {
		lo, hi = 1, r-1
	}
	for a := lo; a < hi; a++ {
		v, ok := xs[a].Value()
		if !ok {
			return fmt.Errorf("%w: dynamic spatial dim %q (the requantization scale depends on the count)", ErrUnsupported, xs[a].String())
		}
		count *= v
		axes = append(axes, int64(a))
	}
	if count > 1<<24/256 {
		return fmt.Errorf("%w: %d spatial elements, the integer sum may leave float32's exact range", ErrUnsupported, count)
	}
	sx, zx, err := c.qScaleZP(n, 1, 2)
	if err != nil {
		return err
	}
	sy, zy, err := c.qScaleZP(n, 3, 4)
	if err != nil {
		return err
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	sum := c.op(n, "reduceSum", []string{c.op(n, "cast", []string{x}, map[string]any{"to": "float32"})}, map[string]any{"axes": axes, "keepDimensions": true})
	if zx != 0 {
		off, err := c.scalar(tensor.Float32, float64(zx)*float64(count))
		if err != nil {
			return err
		}
		sum = c.op(n, "sub", []string{sum, off}, nil)
	}
	scale, err := c.scalar(tensor.Float32, float64(sx/(sy*float32(count))))
	if err != nil {
		return err
	}
	out, err := c.saturateTo(n, c.op(n, "roundEven", []string{c.op(n, "mul", []string{sum, scale}, nil)}, nil), float64(zy), c.dtypeOf(n, 0))
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// maxQLinearPoolWindow bounds the kernel positions of a lowered
// QLinearAveragePool (one slice and one add each).
const maxQLinearPoolWindow = 1024

// lowerQLinearAveragePool is ONNX Runtime's QLinearAveragePool, exactly:
// x dequantized to float32 (x_scale · (x − x_zero_point)), each window's
// elements summed in float32 in ONNX Runtime's order — one strided slice
// per kernel position, added in row-major order over zero padding (an
// added zero changes no sum) —, divided by the count (the window clipped
// to the input, a constant per output position, or the kernel size with
// count_include_pad), then round-half-even(v / y_scale + y_zero_point)
// saturated. WebNN's averagePool2d is not used: its summation order is
// the implementation's. A kernel covering the whole unpadded input is
// QLinearGlobalAveragePool in ONNX Runtime, and lowered as that.
func lowerQLinearAveragePool(c *ctx, n *srcNode) error {
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	r := len(xs)
	if r < 3 || r > 5 {
		return fmt.Errorf("%w: input of rank %d (ONNX Runtime pools 1 to 3 spatial dims)", ErrUnsupported, r)
	}
	sr := r - 2
	channelsLast := attrInt(n, "channels_last", 0) != 0
	nchw := xs
	if channelsLast {
		nchw = append([]shapeinfer.Expr{xs[0], xs[r-1]}, xs[1:r-1]...)
	}
	ys, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	outNCHW := ys
	if channelsLast {
		outNCHW = append([]shapeinfer.Expr{ys[0], ys[r-1]}, ys[1:r-1]...)
	}
	kernel := attrInts(n, "kernel_shape")
	if len(kernel) != sr {
		return fmt.Errorf("kernel_shape %v for %d spatial dims", kernel, sr)
	}
	for _, d := range attrInts(n, "dilations") {
		if d != 1 {
			return unsupportedAttr("dilations", attrInts(n, "dilations"))
		}
	}
	strides := attrInts(n, "strides")
	if strides == nil {
		strides = slices.Repeat([]int64{1}, sr)
	}
	pads := attrInts(n, "pads")
	if pads == nil {
		pads = make([]int64, 2*sr)
	}
	if len(strides) != sr || len(pads) != 2*sr {
		return fmt.Errorf("strides %v / pads %v for %d spatial dims", strides, pads, sr)
	}
	for i := 0; i < sr; i++ {
		if kernel[i] <= 0 || strides[i] <= 0 || pads[i] < 0 || pads[sr+i] < 0 || kernel[i] > graph.MaxDim || strides[i] > graph.MaxDim || pads[i] > graph.MaxDim || pads[sr+i] > graph.MaxDim {
			return fmt.Errorf("kernel_shape %v, strides %v, pads %v: each must be positive (pads non-negative) and at most %d", kernel, strides, pads, int64(graph.MaxDim))
		}
	}
	in := make([]int64, sr)
	out := make([]int64, sr)
	for i := 0; i < sr; i++ {
		v, ok := nchw[2+i].Value()
		o, ok2 := outNCHW[2+i].Value()
		if !ok || !ok2 {
			return fmt.Errorf("%w: dynamic spatial dim %q (the window counts and paddings are computed at conversion); make it static with %s", ErrUnsupported, nchw[2+i].String(), freezeHint(nchw[2+i]))
		}
		in[i], out[i] = v, o
	}
	pb := make([]int64, sr)
	pe := make([]int64, sr)
	global := true
	for i := 0; i < sr; i++ {
		switch ap := attrString(n, "auto_pad", "NOTSET"); ap {
		case "SAME_UPPER", "SAME_LOWER":
			total := max(0, (out[i]-1)*strides[i]+kernel[i]-in[i])
			pb[i] = total / 2
			if ap == "SAME_LOWER" {
				pb[i] = total - total/2
			}
			pe[i] = total - pb[i]
		case "VALID":
		case "NOTSET", "":
			pb[i], pe[i] = pads[i], pads[sr+i]
		default:
			return unsupportedAttr("auto_pad", ap)
		}
		if kernel[i] != in[i] || pb[i] != 0 || pe[i] != 0 {
			global = false
		}
	}
	if global {
		return lowerQLinearGlobalAveragePool(c, n)
	}
	kp := int64(1)
	for _, k := range kernel {
		kp *= k // each ≤ MaxDim: stops before it can wrap
		if kp > maxQLinearPoolWindow {
			break
		}
	}
	if kp > maxQLinearPoolWindow {
		return fmt.Errorf("%w: %d kernel positions (the exact lowering emits one slice per position, up to %d)", ErrUnsupported, kp, maxQLinearPoolWindow)
	}
	dt := c.dtypeOf(n, 0)
	lo, hi, err := quantRange(dt)
	if err != nil {
		return err
	}
	sx, zx, err := c.qScaleZP(n, 1, 2)
	if err != nil {
		return err
	}
	sy, zy, err := c.qScaleZP(n, 3, 4)
	if err != nil {
		return err
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	if channelsLast {
		perm := append([]int64{0, int64(r - 1)}, intRange(1, int64(r-1))...)
		x = c.op(n, "transpose", []string{x}, map[string]any{"permutation": intsAny(perm)})
	}
	v := c.op(n, "cast", []string{x}, map[string]any{"to": "float32"})
	if zx != 0 {
		z, err := c.scalar(tensor.Float32, float64(zx))
		if err != nil {
			return err
		}
		v = c.op(n, "sub", []string{v, z}, nil)
	}
	s, err := c.scalar(tensor.Float32, float64(sx))
	if err != nil {
		return err
	}
	v = c.op(n, "mul", []string{v, s}, nil)
	// Zero padding so that every window's slice lies inside: the begin
	// pads, and at the end what the last window needs.
	padB, padE := []int64{0, 0}, []int64{0, 0}
	padded := false
	for i := 0; i < sr; i++ {
		e := max(0, (out[i]-1)*strides[i]+kernel[i]-in[i]-pb[i])
		padB, padE = append(padB, pb[i]), append(padE, e)
		padded = padded || pb[i] != 0 || e != 0
	}
	if padded {
		v = c.op(n, "pad", []string{v}, map[string]any{"beginningPadding": intsAny(padB), "endingPadding": intsAny(padE)})
	}
	// WebNN slice sizes are the extent read: (out − 1)·stride + 1.
	sizes := []shapeinfer.Expr{nchw[0], nchw[1]}
	for i := 0; i < sr; i++ {
		sizes = append(sizes, shapeinfer.Const((out[i]-1)*strides[i]+1))
	}
	step := append([]int64{1, 1}, strides...)
	var acc string
	for kk := int64(0); kk < kp; kk++ {
		begin := []shapeinfer.Expr{shapeinfer.Const(0), shapeinfer.Const(0)}
		rest := kk
		kc := make([]int64, sr)
		for d := sr - 1; d >= 0; d-- {
			kc[d] = rest % kernel[d]
			rest /= kernel[d]
		}
		for d := 0; d < sr; d++ {
			begin = append(begin, shapeinfer.Const(kc[d]))
		}
		opts, err := c.sliceOptions(begin, sizes, step, nil)
		if err != nil {
			return err
		}
		sl := c.op(n, "slice", []string{v}, opts)
		if acc == "" {
			acc = sl
		} else {
			acc = c.op(n, "add", []string{acc, sl}, nil)
		}
	}
	// The divisor: the kernel size, or each window's count of input
	// elements.
	var div string
	counts := make([]float32, 0)
	same := true
	if attrInt(n, "count_include_pad", 0) == 0 {
		total := int64(1)
		for _, o := range out {
			total *= o
		}
		counts = make([]float32, total)
		for p := int64(0); p < total; p++ {
			rest := p
			cnt := int64(1)
			for d := sr - 1; d >= 0; d-- {
				o := rest % out[d]
				rest /= out[d]
				st := o*strides[d] - pb[d]
				cnt *= min(st+kernel[d], in[d]) - max(st, 0)
			}
			counts[p] = float32(cnt)
			if counts[p] != counts[0] {
				same = false
			}
		}
	}
	switch {
	case len(counts) == 0:
		div, err = c.scalar(tensor.Float32, float64(kp))
	case same:
		div, err = c.scalar(tensor.Float32, float64(counts[0]))
	default:
		shape := []int{1, 1}
		for _, o := range out {
			shape = append(shape, int(o))
		}
		div, err = c.f32Const(n, "counts", counts, shape...)
	}
	if err != nil {
		return err
	}
	y := c.op(n, "div", []string{acc, div}, nil)
	ysc, err := c.scalar(tensor.Float32, float64(sy))
	if err != nil {
		return err
	}
	y = c.op(n, "div", []string{y, ysc}, nil)
	if zy != 0 {
		z, err := c.scalar(tensor.Float32, float64(zy))
		if err != nil {
			return err
		}
		y = c.op(n, "add", []string{y, z}, nil)
	}
	y = c.op(n, "roundEven", []string{y}, nil)
	y = c.op(n, "clamp", []string{y}, map[string]any{"minValue": float64(lo), "maxValue": float64(hi)})
	y = c.op(n, "cast", []string{y}, map[string]any{"to": dt.String()})
	if channelsLast {
		perm := append(append([]int64{0}, intRange(2, int64(r))...), 1)
		y = c.op(n, "transpose", []string{y}, map[string]any{"permutation": intsAny(perm)})
	}
	c.bind(n, 0, y)
	return nil
}

// intRange is lo, lo+1, …, hi−1.
func intRange(lo, hi int64) []int64 {
	var out []int64
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}
