// QuantizeLinear / DequantizeLinear. WebNN's quantizeLinear and
// dequantizeLinear broadcast scale and zero point blockwise: both must have
// the input's rank, so per-tensor values become [1, …, 1] and per-axis
// values [1, …, C, …, 1].

package lower

import (
	"fmt"
	"github.com/webnn-graph/webnn-graph/emit"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// quantParam returns input i reshaped to the blockwise-broadcastable shape
// for an input of rank r quantised along axis (per-tensor when scalar).
func (c *ctx) quantParam(n *srcNode, i, r int, axis int64) (string, error) {
	s, err := c.inShape(n, i)
	if err != nil {
		return "", err
	}
	target := make([]shapeinfer.Expr, r)
	for k := range target {
		target[k] = shapeinfer.Const(1)
	}
	switch {
	case len(s) == 0 || len(s) == 1 && s[0].Equal(shapeinfer.Const(1)):
	case len(s) == 1:
		if axis < 0 || axis >= int64(r) {
			return "", fmt.Errorf("axis %d is outside an input of rank %d", axis, r)
		}
		target[axis] = s[0]
	case len(s) == r:
		target = s // blocked: already the input's rank
	default:
		return "", fmt.Errorf("%w: scale/zero point of rank %d for input rank %d", ErrUnsupported, len(s), r)
	}
	if st, ok := staticInts(target); ok {
		shape := make([]int, len(st))
		for k, v := range st {
			shape[k] = int(v)
		}
		if op, ok, err := c.reshapedConst(n, i, shape); err != nil || ok {
			return op, err
		}
	}
	x, err := c.in(n, i)
	if err != nil {
		return "", err
	}
	if sameShape(s, target) {
		return x, nil
	}
	return c.reshapeTo(n, x, target)
}

func (c *ctx) quantArgs(n *srcNode, zpType tensor.DType) (x, scale, zp string, err error) {
	if x, err = c.in(n, 0); err != nil {
		return
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return
	}
	if bs := attrInt(n, "block_size", 0); bs != 0 {
		// Blocked quantization: scale (and zero point) have the input's
		// rank with the blocked axis divided by block_size, which is WebNN's
		// block-wise broadcast of the quantization parameters.
		ss, _ := c.inShape(n, 1)
		xs, _ := c.inShape(n, 0)
		var axis int64
		if axis, err = normAxis(attrInt(n, "axis", 1), r); err != nil {
			return
		}
		if len(ss) != r || len(xs) != r {
			err = fmt.Errorf("%w: block_size=%d with a scale of rank %d for input rank %d", ErrUnsupported, bs, len(ss), r)
			return
		}
		in, ok1 := xs[axis].Value()
		blocks, ok2 := ss[axis].Value()
		if !ok1 || !ok2 || bs <= 0 || blocks*bs != in {
			// ONNX allows a ragged last block (ceil(in/bs) blocks); WebNN's
			// block-wise broadcast needs an exact multiple.
			err = fmt.Errorf("%w: block_size=%d does not tile axis %d (size %s, %s blocks) exactly", ErrUnsupported, bs, axis, xs[axis].String(), ss[axis].String())
			return
		}
	}
	axis := int64(0)
	if ss, _ := c.inShape(n, 1); len(ss) == 1 && !ss[0].Equal(shapeinfer.Const(1)) {
		if axis, err = normAxis(attrInt(n, "axis", 1), r); err != nil {
			return
		}
	}
	if scale, err = c.quantParam(n, 1, r, axis); err != nil {
		return
	}
	if n.hasInput(2) {
		zp, err = c.quantParam(n, 2, r, axis)
		return
	}
	shape := make([]int, r)
	ss, _ := c.inShape(n, 1)
	for k := range shape {
		shape[k] = 1
		if len(ss) == 1 && r > 0 {
			if v, ok := ss[0].Value(); ok && k == int(axis) {
				shape[k] = int(v)
			}
		}
		if len(ss) == r && r > 1 { // blocked: the scale's shape
			v, ok := ss[k].Value()
			if !ok {
				err = fmt.Errorf("%w: blocked scale with a dynamic shape", ErrUnsupported)
				return
			}
			shape[k] = int(v)
		}
	}
	zp, err = c.scalar(zpType, 0, shape...)
	return
}

func lowerQuantize(c *ctx, n *srcNode) error {
	zt := tensor.Uint8
	if n.hasInput(2) {
		zt = c.dtypeOf(n, 2)
	} else if od := attrInt(n, "output_dtype", 0); od != 0 {
		zt = tensor.DType(od)
	}
	if zt != tensor.Uint8 && zt != tensor.Int8 && zt != tensor.Uint4 && zt != tensor.Int4 {
		return fmt.Errorf("%w: quantized type %v", ErrUnsupported, zt)
	}
	x, scale, zp, err := c.quantArgs(n, zt)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "quantizeLinear", []string{x, scale, zp}, nil))
	return nil
}

func lowerDequantize(c *ctx, n *srcNode) error {
	xt := c.dtypeOf(n, 0)
	x, scale, zp, err := c.quantArgs(n, xt)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "dequantizeLinear", []string{x, scale, zp}, nil))
	return nil
}

// exactFloatAccumulation is the largest dot-product length for which an
// integer matmul/conv computed in float32 stays exact: every partial sum
// of products of 8-bit differences (|a−za|·|b−zb| ≤ 255²) is an integer
// below 2^24.
const exactFloatAccumulation = (1 << 24) / (255 * 255)

// integerOperand dequantizes input i with scale 1 and zero point zpIdx
// (absent → 0) to float32: exactly a − za.
func (c *ctx) integerOperand(n *srcNode, i, zpIdx int) (string, error) {
	x, err := c.in(n, i)
	if err != nil {
		return "", err
	}
	dt := c.dtypeOf(n, i)
	if dt != tensor.Uint8 && dt != tensor.Int8 {
		return "", fmt.Errorf("%w: integer input of type %v", ErrUnsupported, dt)
	}
	r, err := c.rankOf(n, i)
	if err != nil {
		return "", err
	}
	ones := make([]int, r)
	for k := range ones {
		ones[k] = 1
	}
	scale, err := c.scalar(tensor.Float32, 1, ones...)
	if err != nil {
		return "", err
	}
	var zp string
	if zpIdx >= 0 && n.hasInput(zpIdx) {
		zs, err := c.inShape(n, zpIdx)
		if err != nil {
			return "", err
		}
		target := exprs(make([]int64, r)...)
		for k := range target {
			target[k] = shapeinfer.Const(1)
		}
		if len(zs) == 1 && !zs[0].Equal(shapeinfer.Const(1)) {
			// Per-row of A (axis r-2) or per-column of B / per-output-channel of W.
			axis := r - 1
			if i == 0 && n.GetOpType() == "MatMulInteger" {
				axis = r - 2
			}
			if n.GetOpType() == "ConvInteger" || n.GetOpType() == "QLinearConv" {
				axis = 0
			}
			target[axis] = zs[0]
			st, _ := staticInts(target)
			scaleShape := make([]int, r)
			for k := range scaleShape {
				scaleShape[k] = int(st[k])
			}
			if scale, err = c.scalar(tensor.Float32, 1, scaleShape...); err != nil {
				return "", err
			}
		}
		if st, ok := staticInts(target); ok {
			shape := make([]int, len(st))
			for k, v := range st {
				shape[k] = int(v)
			}
			op, ok, err := c.reshapedConst(n, zpIdx, shape)
			if err != nil {
				return "", err
			}
			if ok {
				zp = op
			}
		}
		if zp == "" {
			z, err := c.in(n, zpIdx)
			if err != nil {
				return "", err
			}
			if zp, err = c.reshapeTo(n, z, target); err != nil {
				return "", err
			}
		}
	} else {
		if zp, err = c.scalar(dt, 0, ones...); err != nil {
			return "", err
		}
	}
	return c.op(n, "dequantizeLinear", []string{x, scale, zp}, nil), nil
}

// checkAccumulation refuses integer dot products too long to stay exact
// in float32.
func checkAccumulation(k shapeinfer.Expr, b Bounds) error {
	if k.MaxValue(b) > exactFloatAccumulation {
		return fmt.Errorf("%w: integer accumulation over %s terms may exceed float32's exact range (max %d)", ErrUnsupported, k.String(), exactFloatAccumulation)
	}
	return nil
}

// Bounds aliases shapeinfer.Bounds for brevity here.
type Bounds = shapeinfer.Bounds

// lowerMatMulInteger: (A−za)·(B−zb) in float32 (exact, see
// exactFloatAccumulation), cast to int32.
func lowerMatMulInteger(c *ctx, n *srcNode) error {
	sa, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	sb, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	if len(sa) < 2 || len(sb) < 2 {
		return fmt.Errorf("%w: 1-D MatMulInteger", ErrUnsupported)
	}
	K := sa[len(sa)-1]
	k, static := K.Value()
	if !static {
		if err := checkAccumulation(K, c.bounds); err != nil {
			return err
		}
	}
	a, err := c.integerOperand(n, 0, 2)
	if err != nil {
		return err
	}
	b, err := c.integerOperand(n, 1, 3)
	if err != nil {
		return err
	}
	if !static || k <= exactFloatAccumulation {
		m := c.op(n, "matmul", []string{a, b}, nil)
		c.bind(n, 0, c.op(n, "cast", []string{m}, map[string]any{"to": "int32"}))
		return nil
	}
	// A long dot product: float32 matmuls over chunks of K short enough to
	// stay exact, each cast to int32, summed in int32 (exact, as ONNX's
	// int32 accumulation).
	chunk := func(x string, s []shapeinfer.Expr, axis int, start, size int64) (string, error) {
		starts := make([]any, len(s))
		sizes := append([]shapeinfer.Expr(nil), s...)
		for i := range starts {
			starts[i] = int64(0)
		}
		starts[axis], sizes[axis] = start, shapeinfer.Const(size)
		sz, err := c.dimsOption(sizes)
		if err != nil {
			return "", err
		}
		return c.op(n, "slice", []string{x}, map[string]any{"starts": starts, "sizes": sz}), nil
	}
	var acc string
	for start := int64(0); start < k; start += exactFloatAccumulation {
		size := min(int64(exactFloatAccumulation), k-start)
		ac, err := chunk(a, sa, len(sa)-1, start, size)
		if err != nil {
			return err
		}
		bc, err := chunk(b, sb, len(sb)-2, start, size)
		if err != nil {
			return err
		}
		part := c.op(n, "cast", []string{c.op(n, "matmul", []string{ac, bc}, nil)}, map[string]any{"to": "int32"})
		if acc == "" {
			acc = part
		} else {
			acc = c.op(n, "add", []string{acc, part}, nil)
		}
	}
	c.bind(n, 0, acc)
	return nil
}

// convIntegerAcc emits the exact integer convolution (x−zx)*(w−zw) in
// float32 for ConvInteger (inputs x, w, zx, zw) and QLinearConv (x, ·, zx,
// w, ·, zw).
func (c *ctx) convIntegerAcc(n *srcNode, xi, zxi, wi, zwi int) (acc string, isInt32 bool, err error) {
	ws, err := c.inShape(n, wi)
	if err != nil {
		return "", false, err
	}
	xs, err := c.inShape(n, xi)
	if err != nil {
		return "", false, err
	}
	sr := len(xs) - 2
	if sr != 1 && sr != 2 || len(ws) != len(xs) {
		return "", false, fmt.Errorf("%w: %d-D integer convolution (1-D and 2-D are supported)", ErrUnsupported, sr)
	}
	k := ws[1]
	for _, d := range ws[2:] {
		k = k.Mul(d)
	}
	// A dot product too long for float32's exact integers runs as
	// convolutions over chunks of input channels, summed in int32.
	chunkCh := int64(0)
	if kv, ok := k.Value(); ok && kv > exactFloatAccumulation {
		_, chOK := ws[1].Value()
		kk := shapeinfer.Const(1)
		for _, d := range ws[2:] {
			kk = kk.Mul(d)
		}
		kkv, kOK := kk.Value()
		if !chOK || !kOK || kkv > exactFloatAccumulation || attrInt(n, "group", 1) != 1 {
			return "", false, checkAccumulation(k, c.bounds)
		}
		chunkCh = exactFloatAccumulation / kkv
	} else if err := checkAccumulation(k, c.bounds); err != nil {
		return "", false, err
	}
	x, err := c.integerOperand(n, xi, zxi)
	if err != nil {
		return "", false, err
	}
	w, err := c.integerOperand(n, wi, zwi)
	if err != nil {
		return "", false, err
	}
	kernel := attrInts(n, "kernel_shape")
	if kernel == nil {
		if kernel, _ = staticInts(ws[2:]); kernel == nil {
			return "", false, fmt.Errorf("%w: kernel shape is not static", ErrUnsupported)
		}
	}
	g, err := c.geometry(n, sr, kernel, xs[2:])
	if err != nil {
		return "", false, err
	}
	if sr == 1 {
		// 1-D runs as 2-D with a height of 1 (as Conv)
		one := shapeinfer.Const(1)
		if x, err = c.reshapeTo(n, x, []shapeinfer.Expr{xs[0], xs[1], one, xs[2]}); err != nil {
			return "", false, err
		}
		if w, err = c.reshapeTo(n, w, []shapeinfer.Expr{ws[0], ws[1], one, ws[2]}); err != nil {
			return "", false, err
		}
	}
	opts := map[string]any{"padding": intsAny(g.padding), "strides": intsAny(g.strides), "dilations": intsAny(g.dilations)}
	if grp := attrInt(n, "group", 1); grp != 1 {
		opts["groups"] = grp
	}
	x, w = c.reversed(n, g, x), c.reversed(n, g, w)
	if chunkCh == 0 {
		return c.reversed(n, g, c.op(n, "conv2d", []string{x, w}, opts)), false, nil
	}
	cin, _ := ws[1].Value()
	x4, w4 := xs, ws
	if sr == 1 {
		one := shapeinfer.Const(1)
		x4 = []shapeinfer.Expr{xs[0], xs[1], one, xs[2]}
		w4 = []shapeinfer.Expr{ws[0], ws[1], one, ws[2]}
	}
	slice := func(v string, s []shapeinfer.Expr, start, size int64) (string, error) {
		sizes := append([]shapeinfer.Expr(nil), s...)
		sizes[1] = shapeinfer.Const(size)
		sz, err := c.dimsOption(sizes)
		if err != nil {
			return "", err
		}
		return c.op(n, "slice", []string{v}, map[string]any{"starts": []any{int64(0), start, int64(0), int64(0)}, "sizes": sz}), nil
	}
	for start := int64(0); start < cin; start += chunkCh {
		size := min(chunkCh, cin-start)
		xc, err := slice(x, x4, start, size)
		if err != nil {
			return "", false, err
		}
		wc, err := slice(w, w4, start, size)
		if err != nil {
			return "", false, err
		}
		part := c.op(n, "cast", []string{c.op(n, "conv2d", []string{xc, wc}, opts)}, map[string]any{"to": "int32"})
		if acc == "" {
			acc = part
		} else {
			acc = c.op(n, "add", []string{acc, part}, nil)
		}
	}
	return c.reversed(n, g, acc), true, nil
}

func lowerConvInteger(c *ctx, n *srcNode) error {
	acc, isInt32, err := c.convIntegerAcc(n, 0, 2, 1, 3)
	if err != nil {
		return err
	}
	if acc, err = c.convBack1D(n, acc); err != nil {
		return err
	}
	if !isInt32 {
		acc = c.op(n, "cast", []string{acc}, map[string]any{"to": "int32"})
	}
	c.bind(n, 0, acc)
	return nil
}

// convBack1D reshapes a 1-D convolution's 4-D result back to its output
// shape (a no-op for 2-D).
func (c *ctx) convBack1D(n *srcNode, v string) (string, error) {
	os, err := c.outShape(n, 0)
	if err != nil || len(os) != 3 {
		return v, err
	}
	return c.reshapeTo(n, v, os)
}

// requantize multiplies an exact integer accumulator by sa·sb/sy and
// quantizes it with scale 1 and the output zero point: round half to even
// and saturate, as ONNX's QLinear ops do.
func (c *ctx) requantize(n *srcNode, acc string, sa, sb, sy, zy int, outShapeRank int, perChannelAxis int) (string, error) {
	ops := make([]string, 3)
	for k, i := range []int{sa, sb, sy} {
		s, err := c.in(n, i)
		if err != nil {
			return "", err
		}
		if k == 1 {
			// per-channel scales broadcast along perChannelAxis.
			if ss, _ := c.inShape(n, i); len(ss) == 1 && !ss[0].Equal(shapeinfer.Const(1)) {
				target := make([]shapeinfer.Expr, outShapeRank-perChannelAxis)
				target[0] = ss[0]
				for j := 1; j < len(target); j++ {
					target[j] = shapeinfer.Const(1)
				}
				if s, err = c.reshapeTo(n, s, target); err != nil {
					return "", err
				}
			}
		}
		ops[k] = s
	}
	mult := c.op(n, "div", []string{c.op(n, "mul", []string{ops[0], ops[1]}, nil), ops[2]}, nil)
	y := c.op(n, "mul", []string{acc, mult}, nil)
	ones := make([]int, outShapeRank)
	for k := range ones {
		ones[k] = 1
	}
	one, err := c.scalar(tensor.Float32, 1, ones...)
	if err != nil {
		return "", err
	}
	zt := c.dtypeOf(n, zy)
	var zp string
	if n.hasInput(zy) {
		op, ok, err := c.reshapedConst(n, zy, ones)
		if err != nil {
			return "", err
		}
		if ok {
			zp = op
		} else {
			z, err := c.in(n, zy)
			if err != nil {
				return "", err
			}
			if zp, err = c.reshapeTo(n, z, exprs(intsOf(ones)...)); err != nil {
				return "", err
			}
		}
	} else {
		zt = tensor.Uint8
		if zp, err = c.scalar(zt, 0, ones...); err != nil {
			return "", err
		}
	}
	return c.op(n, "quantizeLinear", []string{y, one, zp}, nil), nil
}

// lowerQLinearMatMul: a(0) a_scale(1) a_zp(2) b(3) b_scale(4) b_zp(5)
// y_scale(6) y_zp(7).
func lowerQLinearMatMul(c *ctx, n *srcNode) error {
	sa, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(sa) < 2 {
		return fmt.Errorf("%w: 1-D QLinearMatMul", ErrUnsupported)
	}
	if err := checkAccumulation(sa[len(sa)-1], c.bounds); err != nil {
		return err
	}
	a, err := c.integerOperand(n, 0, 2)
	if err != nil {
		return err
	}
	b, err := c.integerOperand(n, 3, 5)
	if err != nil {
		return err
	}
	acc := c.op(n, "matmul", []string{a, b}, nil)
	os, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	y, err := c.requantize(n, acc, 1, 4, 6, 7, len(os), len(os)-1)
	if err != nil {
		return err
	}
	c.bind(n, 0, y)
	return nil
}

// lowerQLinearConv: x(0) x_scale(1) x_zp(2) w(3) w_scale(4) w_zp(5)
// y_scale(6) y_zp(7) B(8, int32).
func lowerQLinearConv(c *ctx, n *srcNode) error {
	acc, isInt32, err := c.convIntegerAcc(n, 0, 2, 3, 5)
	if err != nil {
		return err
	}
	if isInt32 {
		// one rounding of the exact int32 sum, as ONNX Runtime's
		// float(acc)·scale
		acc = c.op(n, "cast", []string{acc}, map[string]any{"to": "float32"})
	}
	if n.hasInput(8) {
		b, err := c.in(n, 8)
		if err != nil {
			return err
		}
		bs, _ := c.inShape(n, 8)
		bf := c.op(n, "cast", []string{b}, map[string]any{"to": "float32"})
		if len(bs) == 1 {
			if bf, err = c.reshapeTo(n, bf, []shapeinfer.Expr{bs[0], shapeinfer.Const(1), shapeinfer.Const(1)}); err != nil {
				return err
			}
		}
		acc = c.op(n, "add", []string{acc, bf}, nil)
	}
	y, err := c.requantize(n, acc, 1, 4, 6, 7, 4, 1)
	if err != nil {
		return err
	}
	if y, err = c.convBack1D(n, y); err != nil {
		return err
	}
	c.bind(n, 0, y)
	return nil
}

// lowerDynamicQuantizeLinear follows the ONNX function body: scale =
// (max(x⁺) − min(x⁻))/255, zero point = saturate(round(−min/scale)),
// y = quantizeLinear(x, scale, zp).
func lowerDynamicQuantizeLinear(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	all := make([]any, r)
	for i := range all {
		all[i] = int64(i)
	}
	zero, err := c.scalar(tensor.Float32, 0)
	if err != nil {
		return err
	}
	qmax, err := c.scalar(tensor.Float32, 255)
	if err != nil {
		return err
	}
	red := map[string]any{"axes": all, "keepDimensions": false}
	lo := c.op(n, "min", []string{c.op(n, "reduceMin", []string{x}, red), zero}, nil)
	hi := c.op(n, "max", []string{c.op(n, "reduceMax", []string{x}, red), zero}, nil)
	one, err := c.scalar(tensor.Float32, 1)
	if err != nil {
		return err
	}
	// ONNX Runtime gives an all-zero input scale 1 (not 0 and a NaN zero point).
	scale := c.op(n, "where", []string{c.op(n, "equal", []string{hi, lo}, nil), one, c.op(n, "div", []string{c.op(n, "sub", []string{hi, lo}, nil), qmax}, nil)}, nil)
	zpf := c.op(n, "clamp", []string{c.op(n, "sub", []string{zero, c.op(n, "div", []string{lo, scale}, nil)}, nil)}, map[string]any{"minValue": 0.0, "maxValue": 255.0})
	zp := c.op(n, "cast", []string{c.op(n, "roundEven", []string{zpf}, nil)}, map[string]any{"to": "uint8"})
	ones := make([]any, r)
	for i := range ones {
		ones[i] = int64(1)
	}
	sr := c.op(n, "reshape", []string{scale}, map[string]any{"newShape": ones})
	zr := c.op(n, "reshape", []string{zp}, map[string]any{"newShape": ones})
	c.bind(n, 0, c.op(n, "quantizeLinear", []string{x, sr, zr}, nil))
	c.bind(n, 1, scale)
	c.bind(n, 2, zp)
	return nil
}

// lowerMatMulNBits (com.microsoft): B holds N rows of K values quantized
// in blocks of block_size, bits 4 (nibble-packed, low nibble first) or 8.
// B is unpacked into a uint4/uint8 constant [N, blocks, block_size] (one
// byte per element, read lazily), dequantized blockwise with scales
// [N, blocks, 1] and zero points (packed, or 8 / 128 by default),
// reshaped to [N, K], transposed and multiplied.
func lowerMatMulNBits(c *ctx, n *srcNode) error {
	bits := attrInt(n, "bits", 4)
	if bits != 4 && bits != 8 {
		return unsupportedAttr("bits", bits)
	}
	K, N, bs := attrInt(n, "K", 0), attrInt(n, "N", 0), attrInt(n, "block_size", 0)
	if K <= 0 || N <= 0 || bs <= 0 {
		return fmt.Errorf("%w: K=%d N=%d block_size=%d", ErrUnsupported, K, N, bs)
	}
	if n.hasInput(4) {
		return fmt.Errorf("%w: g_idx input", ErrUnsupported)
	}
	bInit, ok := c.inits[n.Input[1]]
	if !ok {
		return fmt.Errorf("%w: B is not an initializer", ErrUnsupported)
	}
	if K > graph.MaxDim || N > graph.MaxDim || bs > graph.MaxDim {
		return fmt.Errorf("%w: K=%d N=%d block_size=%d past WebNN's largest dimension", ErrUnsupported, K, N, bs)
	}
	blocks := (K + bs - 1) / bs
	qt := tensor.Uint4
	if bits == 8 {
		qt = tensor.Uint8
	}
	// B holds [N, blocks, block_size·bits/8] bytes (ONNX Runtime's
	// layout): a B the attributes do not describe would be read past its
	// end (or only in part).
	bBytes := int64(1)
	for _, d := range bInit.GetDims() {
		if d < 0 || d > graph.MaxDim {
			bBytes = -1
			break
		}
		bBytes *= d
	}
	if want := N * blocks * (bs * bits / 8); bBytes != want || len(bInit.GetDims()) > 3 {
		return fmt.Errorf("B of shape %v for K=%d N=%d block_size=%d bits=%d (want [%d, %d, %d])", bInit.GetDims(), K, N, bs, bits, N, blocks, bs*bits/8)
	}
	total := N * blocks * bs
	m := c.m
	unpack := func(raw []byte, count int64) ([]byte, error) {
		out := make([]byte, count)
		if bits == 8 {
			if int64(len(raw)) < count {
				return nil, fmt.Errorf("B has %d bytes, want %d", len(raw), count)
			}
			copy(out, raw)
			return out, nil
		}
		if int64(len(raw))*2 < count {
			return nil, fmt.Errorf("B has %d bytes, want %d", len(raw), (count+1)/2)
		}
		for i := int64(0); i < count; i++ {
			out[i] = raw[i/2] >> (4 * uint(i%2)) & 0xF
		}
		return out, nil
	}
	desc := staticDesc(qt, []int{int(N), int(blocks), int(bs)})
	id := c.ids.fresh(emit.Sanitize(n.Input[1]) + "_q")
	key := c.weightKey(id)
	c.weights = append(c.weights, Weight{Key: key, Desc: desc, Data: func() ([]byte, error) {
		raw, err := m.RawBytes(bInit)
		if err != nil {
			return nil, err
		}
		return unpack(raw, total)
	}})
	c.g.Consts = append(c.g.Consts, graph.Const{Name: id, Desc: desc, Kind: graph.ConstWeights, Ref: key, Comment: n.Input[1] + " unpacked"})
	pshape := []int{int(N), int(blocks), 1}
	scale, ok, err := c.reshapedConst(n, 2, pshape)
	if err != nil {
		return err
	}
	if !ok {
		s, err := c.in(n, 2)
		if err != nil {
			return err
		}
		scale = c.op(n, "reshape", []string{s}, map[string]any{"newShape": intsAny(pshape)})
	}
	var zp string
	if n.hasInput(3) {
		if c.dtypeOf(n, 3) != tensor.Uint8 {
			return fmt.Errorf("%w: floating-point zero points", ErrUnsupported)
		}
		zt := c.constTensorOf(n, 3)
		if zt == nil {
			return fmt.Errorf("%w: zero_points is not constant", ErrUnsupported)
		}
		raw := zt.Data.([]uint8)
		perRow := (blocks*bits + 7) / 8
		z := tensor.New(qt, pshape)
		zd := z.Data.([]uint8)
		for r := int64(0); r < N; r++ {
			for b := int64(0); b < blocks; b++ {
				if bits == 8 {
					zd[r*blocks+b] = raw[r*perRow+b]
				} else {
					zd[r*blocks+b] = raw[r*perRow+b/2] >> (4 * uint(b%2)) & 0xF
				}
			}
		}
		if zp, err = c.constTensor(id+"_zp", z, ""); err != nil {
			return err
		}
	} else {
		def := 8.0
		if bits == 8 {
			def = 128
		}
		if zp, err = c.scalar(qt, def, pshape...); err != nil {
			return err
		}
	}
	w := c.op(n, "dequantizeLinear", []string{id, scale, zp}, nil)
	w = c.op(n, "reshape", []string{w}, map[string]any{"newShape": intsAny([]int64{N, blocks * bs})})
	if blocks*bs != K {
		w = c.op(n, "slice", []string{w}, map[string]any{"starts": intsAny([]int64{0, 0}), "sizes": intsAny([]int64{N, K})})
	}
	w = c.op(n, "transpose", []string{w}, map[string]any{"permutation": intsAny([]int64{1, 0})})
	a, err := c.in(n, 0)
	if err != nil {
		return err
	}
	out := c.op(n, "matmul", []string{a, w}, nil)
	if n.hasInput(5) {
		b, err := c.in(n, 5)
		if err != nil {
			return err
		}
		out = c.op(n, "add", []string{out, b}, nil)
	}
	c.bind(n, 0, out)
	return nil
}

// lowerGatherBlockQuantized (com.microsoft): dequantize the whole (constant)
// table blockwise along its last axis, then gather rows. Data is uint8
// nibble-packed (bits 4, zero point 8 by default) or int4/uint4 typed.
// constSource follows v back through ops that only reinterpret the shape
// of their input (Reshape, Flatten, Squeeze, Unsqueeze, Identity) to an
// initializer: its bytes, row-major, are v's bytes. onnxruntime-genai ties
// the embedding table to lm_head this way (GatherBlockQuantized reads a
// Reshape of MatMulNBits' packed weight).
func (c *ctx) constSource(v string) (*onnxpb.TensorProto, bool) {
	for depth := 0; depth < 16; depth++ {
		if t, ok := c.inits[v]; ok {
			return t, true
		}
		p := c.producer[v]
		if p == nil || p.domain() != "" || len(p.Input) == 0 {
			return nil, false
		}
		switch p.GetOpType() {
		case "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity":
			v = p.Input[0]
		default:
			return nil, false
		}
	}
	return nil, false
}

// lowerGatherBlockQuantized (com.microsoft): the 2-D table, quantized in
// blocks along its last axis, is unpacked to one value per byte at
// conversion (a constant: an initializer, or a reshape of one — the tied
// lm_head weight), dequantized once in the graph and gathered. uint8 data
// packs 8/bits values per byte (low bits first); int4/uint4 hold one value
// per element. Indices wrap when negative and give zero rows when out of
// range, as ONNX Runtime's kernel does.
func lowerGatherBlockQuantized(c *ctx, n *srcNode) error {
	bits := attrInt(n, "bits", 4)
	if bits != 2 && bits != 4 && bits != 8 {
		return unsupportedAttr("bits", bits)
	}
	bs := attrInt(n, "block_size", 128)
	if bs <= 0 {
		return unsupportedAttr("block_size", bs)
	}
	if len(n.Input) < 3 || n.Input[0] == "" || n.Input[1] == "" || n.Input[2] == "" {
		return fmt.Errorf("needs data, indices and scales inputs")
	}
	init, ok := c.constSource(n.Input[0])
	if !ok {
		return fmt.Errorf("%w: data is computed at run time (not an initializer or a reshape of one)", ErrUnsupported)
	}
	ds, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	dims, ok := staticInts(ds)
	if !ok || len(dims) != 2 {
		return fmt.Errorf("%w: data of shape %s (a 2-D table is supported)", ErrUnsupported, shapeinfer.ShapeString(ds))
	}
	if ga := attrInt(n, "gather_axis", 0); ga != 0 && ga != -2 {
		return unsupportedAttr("gather_axis", ga)
	}
	if qa := attrInt(n, "quantize_axis", 1); qa != 1 && qa != -1 {
		return unsupportedAttr("quantize_axis", qa)
	}
	dt := tensor.DType(init.GetDataType())
	rows, K := dims[0], dims[1]
	per := int64(1)
	qt := tensor.Uint4
	var defZP float64
	switch dt {
	case tensor.Uint8:
		per = 8 / bits
		K *= per
		defZP = float64(int64(1) << (bits - 1))
		if bits == 8 {
			qt = tensor.Uint8
		}
	case tensor.Uint4:
		if bits != 4 {
			return unsupportedAttr("bits", bits)
		}
	case tensor.Int4:
		if bits != 4 {
			return unsupportedAttr("bits", bits)
		}
		qt = tensor.Int4
	default:
		return fmt.Errorf("%w: data type %v", ErrUnsupported, dt)
	}
	blocks := (K + bs - 1) / bs
	if K%bs != 0 {
		return fmt.Errorf("%w: K=%d is not a multiple of block_size %d", ErrUnsupported, K, bs)
	}
	if ss, err := c.inShape(n, 2); err != nil {
		return err
	} else if sv, ok := staticInts(ss); !ok || len(sv) != 2 || sv[0] != rows || sv[1] != blocks {
		return fmt.Errorf("scales of shape %s for a [%d, %d] table in blocks of %d", shapeinfer.ShapeString(ss), rows, K, bs)
	}
	m := c.m
	desc := staticDesc(qt, []int{int(rows), int(blocks), int(bs)})
	id := c.ids.fresh(emit.Sanitize(n.Input[0]) + "_q")
	key := c.weightKey(id)
	unpack := func(raw []byte) []byte {
		if per == 1 {
			return raw
		}
		out := make([]byte, int64(len(raw))*per)
		mask := byte(1<<bits - 1)
		for i, b := range raw {
			for k := int64(0); k < per; k++ {
				out[int64(i)*per+k] = b >> (uint(k) * uint(bits)) & mask
			}
		}
		return out
	}
	c.weights = append(c.weights, Weight{Key: key, Desc: desc, Data: func() ([]byte, error) {
		if dt == tensor.Uint8 {
			raw, err := m.RawBytes(init)
			if err != nil {
				return nil, err
			}
			if int64(len(raw))*per != rows*K {
				return nil, fmt.Errorf("table %q holds %d bytes, want %d", init.GetName(), len(raw), rows*K/per)
			}
			return unpack(raw), nil
		}
		t, err := m.Tensor(init)
		if err != nil {
			return nil, err
		}
		return t.Bytes(), nil
	}})
	c.g.Consts = append(c.g.Consts, graph.Const{Name: id, Desc: desc, Kind: graph.ConstWeights, Ref: key, Comment: n.Input[0] + " unpacked"})
	pshape := []int{int(rows), int(blocks), 1}
	scale, ok, err := c.reshapedConst(n, 2, pshape)
	if err != nil {
		return err
	}
	if !ok {
		s, err := c.in(n, 2)
		if err != nil {
			return err
		}
		scale = c.op(n, "reshape", []string{s}, map[string]any{"newShape": intsAny(pshape)})
	}
	var zp string
	if n.hasInput(3) {
		zt := c.constTensorOf(n, 3)
		if zt == nil {
			return fmt.Errorf("%w: zero_points are not constant", ErrUnsupported)
		}
		z := tensor.New(qt, pshape)
		switch src := zt.Data.(type) {
		case []uint8:
			vals := unpack(src)
			if zt.DType != tensor.Uint8 {
				vals = src
			}
			if len(vals) < int(rows*blocks) {
				return fmt.Errorf("zero_points hold %d values for %d blocks", len(vals), rows*blocks)
			}
			if zd, ok := z.Data.([]uint8); ok {
				copy(zd, vals[:rows*blocks])
			} else {
				return fmt.Errorf("%w: zero_points of type %v for %v data", ErrUnsupported, zt.DType, dt)
			}
		case []int8:
			zd, ok := z.Data.([]int8)
			if !ok || len(src) < int(rows*blocks) {
				return fmt.Errorf("%w: zero_points of type %v for %v data", ErrUnsupported, zt.DType, dt)
			}
			copy(zd, src)
		default:
			return fmt.Errorf("%w: zero_points of type %v", ErrUnsupported, zt.DType)
		}
		if zp, err = c.constTensor(id+"_zp", z, ""); err != nil {
			return err
		}
	} else if zp, err = c.scalar(qt, defZP, pshape...); err != nil {
		return err
	}
	table := c.op(n, "dequantizeLinear", []string{id, scale, zp}, nil)
	table = c.op(n, "reshape", []string{table}, map[string]any{"newShape": intsAny([]int64{rows, K})})
	idx, err := c.in(n, 1)
	if err != nil {
		return err
	}
	is, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	// out-of-range indices read row 0 and are zeroed; negative ones wrap
	idt := c.dtypeOf(n, 1)
	zero, err := c.scalar(idt, 0)
	if err != nil {
		return err
	}
	rowsOp, err := c.scalar(idt, float64(rows))
	if err != nil {
		return err
	}
	idx = c.op(n, "where", []string{c.op(n, "lesser", []string{idx, zero}, nil), c.op(n, "add", []string{idx, rowsOp}, nil), idx}, nil)
	valid := c.op(n, "logicalAnd", []string{c.op(n, "greaterOrEqual", []string{idx, zero}, nil), c.op(n, "lesser", []string{idx, rowsOp}, nil)}, nil)
	idx = c.op(n, "where", []string{valid, idx, zero}, nil)
	g := c.op(n, "gather", []string{table, idx}, map[string]any{"axis": int64(0)})
	if valid, err = c.reshapeTo(n, valid, append(append([]shapeinfer.Expr{}, is...), shapeinfer.Const(1))); err != nil {
		return err
	}
	fz, err := c.scalar(c.dtypeOf(n, 2), 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "where", []string{valid, g, fz}, nil))
	return nil
}
