package onnxrt

import (
	"fmt"
	"math"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// The com.microsoft quantized ops ONNX Runtime's quantizer writes
// (quantize_dynamic: DynamicQuantizeMatMul, MatMulIntegerToFloat,
// DynamicQuantizeLSTM; quantize_static in QOperator format: QGemm and the
// QLinear* family), with ONNX Runtime's arithmetic: activations quantized
// per tensor from their min and max (GetQuantizationParameter), integer
// products accumulated exactly, results scaled in float32 and requantized
// with round-half-to-even.

func init() {
	register(msDomain, "DynamicQuantizeMatMul", 1, buildDynamicQuantizeMatMul)
	register(msDomain, "MatMulIntegerToFloat", 1, buildMatMulIntegerToFloat)
	register(msDomain, "QGemm", 1, buildQGemm)
	register(msDomain, "QLinearAdd", 1, buildQLinearBinary("Add"))
	register(msDomain, "QLinearMul", 1, buildQLinearBinary("Mul"))
	register(msDomain, "QLinearSigmoid", 1, buildQLinearUnary("Sigmoid"))
	register(msDomain, "QLinearLeakyRelu", 1, buildQLinearUnary("LeakyRelu"))
	register(msDomain, "QLinearConcat", 1, buildQLinearConcat)
	register(msDomain, "QLinearGlobalAveragePool", 1, buildQLinearGlobalAveragePool)
	register(msDomain, "QLinearAveragePool", 1, buildQLinearAveragePool)
	register(msDomain, "QLinearSoftmax", 1, buildQLinearSoftmax)
	register(msDomain, "DynamicQuantizeLSTM", 1, buildDynamicQuantizeLSTM)
}

// dynamicQuantParams is ONNX Runtime's GetQuantizationParameter for uint8:
// the range of the data widened to include 0, scale (max−min)/255 (1 when
// the range is empty), zero point round-half-even(−min/scale) clamped.
func dynamicQuantParams(v []float64) (scale float32, zp float32) {
	lo, hi := float32(0), float32(0)
	for _, x := range v {
		lo = min(lo, float32(x))
		hi = max(hi, float32(x))
	}
	if hi == lo {
		return 1, 0
	}
	scale = (hi - lo) / 255
	z := float32(0) - lo/scale
	z = max(0, min(255, z))
	return scale, float32(math.RoundToEven(float64(z)))
}

// quantizeU8 is ONNX Runtime's (Par)QuantizeLinearStd: round-half-even of
// x/scale, plus the zero point, saturated to [0, 255].
func quantizeU8(x float64, scale, zp float32) float64 {
	q := math.RoundToEven(float64(float32(x) / scale))
	return math.Max(0, math.Min(255, q+float64(zp)))
}

// quantValues returns a quantized tensor's values as float64.
func quantValues(t *tensor.Tensor) ([]float64, error) {
	switch d := t.Data.(type) {
	case []uint8:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out, nil
	case []int8:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("expects int8 or uint8, got %v", t.DType)
}

// perColumn returns the values of a scale or zero point that is a scalar
// (every column) or a vector of n (one per column).
func perColumn(t *tensor.Tensor, n int, what string) ([]float64, error) {
	v, err := floats(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	switch len(v) {
	case 1:
		out := make([]float64, n)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	case n:
		return v, nil
	}
	return nil, fmt.Errorf("%s has %d elements, want 1 or %d", what, len(v), n)
}

// intMatMulScaled computes (A − azp)·(B − bzp) exactly (int64), then
// float32(acc) · float32(aScale·bScale[col]) (+ bias[col]), as MLAS's
// scale-bias output processor does. a holds integer values [.., K], b is
// [K, N].
func intMatMulScaled(a []float64, aShape []int, azp float64, b *tensor.Tensor, bzp []float64, aScale float32, bScale []float64, bias []float64) (*tensor.Tensor, error) {
	if len(b.Shape) != 2 {
		return nil, fmt.Errorf("B must be 2-D, is %v", b.Shape)
	}
	K, N := b.Shape[0], b.Shape[1]
	if len(aShape) < 1 || aShape[len(aShape)-1] != K {
		return nil, fmt.Errorf("A %v and B %v do not multiply", aShape, b.Shape)
	}
	bv, err := quantValues(b)
	if err != nil {
		return nil, fmt.Errorf("B: %w", err)
	}
	M := len(a) / K
	out := make([]float32, M*N)
	mult := make([]float32, N)
	for j := range mult {
		mult[j] = aScale * float32(bScale[j])
	}
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			var acc int64
			for k := 0; k < K; k++ {
				acc += int64(a[i*K+k]-azp) * int64(bv[k*N+j]-bzp[j])
			}
			y := float32(acc) * mult[j]
			if bias != nil {
				y += float32(bias[j])
			}
			out[i*N+j] = y
		}
	}
	shape := append(append([]int{}, aShape[:len(aShape)-1]...), N)
	return f32Tensor(shape, out), nil
}

func buildDynamicQuantizeMatMul(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b, bs := in[0], in[1], in[2]
		av, err := floats(a)
		if err != nil {
			return nil, err
		}
		scale, zp := dynamicQuantParams(av)
		q := make([]float64, len(av))
		for i, v := range av {
			q[i] = quantizeU8(v, scale, zp)
		}
		if len(b.Shape) != 2 {
			return nil, fmt.Errorf("B must be 2-D, is %v", b.Shape)
		}
		N := b.Shape[1]
		bScale, err := perColumn(bs, N, "b_scale")
		if err != nil {
			return nil, err
		}
		bzp := make([]float64, N)
		if t := opt(in, 3); t != nil {
			if bzp, err = perColumn(t, N, "b_zero_point"); err != nil {
				return nil, err
			}
		}
		var bias []float64
		if t := opt(in, 4); t != nil {
			if bias, err = perColumn(t, N, "bias"); err != nil {
				return nil, err
			}
		}
		y, err := intMatMulScaled(q, a.Shape, float64(zp), b, bzp, scale, bScale, bias)
		return []*tensor.Tensor{y}, err
	}, nil
}

func buildMatMulIntegerToFloat(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b, as, bs := in[0], in[1], in[2], in[3]
		if len(b.Shape) != 2 {
			return nil, fmt.Errorf("B must be 2-D, is %v", b.Shape)
		}
		N := b.Shape[1]
		// ORT's fusion may swap the scales when it lacks shapes: a
		// per-column scale given as A's is B's.
		if as.Len() > 1 && bs.Len() == 1 {
			as, bs = bs, as
		}
		asv, err := floats(as)
		if err != nil || len(asv) != 1 {
			return nil, fmt.Errorf("a_scale must be a scalar")
		}
		bScale, err := perColumn(bs, N, "b_scale")
		if err != nil {
			return nil, err
		}
		av, err := quantValues(a)
		if err != nil {
			return nil, fmt.Errorf("A: %w", err)
		}
		azp := 0.0
		if t := opt(in, 4); t != nil {
			v, err := floats(t)
			if err != nil || len(v) != 1 {
				return nil, fmt.Errorf("a_zero_point must be a scalar")
			}
			azp = v[0]
		}
		bzp := make([]float64, N)
		if t := opt(in, 5); t != nil {
			if bzp, err = perColumn(t, N, "b_zero_point"); err != nil {
				return nil, err
			}
		}
		var bias []float64
		if t := opt(in, 6); t != nil {
			if bias, err = perColumn(t, N, "bias"); err != nil {
				return nil, err
			}
		}
		y, err := intMatMulScaled(av, a.Shape, azp, b, bzp, float32(asv[0]), bScale, bias)
		return []*tensor.Tensor{y}, err
	}, nil
}

// buildQGemm: Y = alpha·(A − azp)(B − bzp)·a_scale·b_scale (+ C, an int32
// bias in the product's scale, added to the integer accumulator), as
// float, or requantized to y_scale / y_zero_point when given.
func buildQGemm(n *node) (kernelFn, error) {
	transA, transB := n.i("transA", 0) != 0, n.i("transB", 0) != 0
	alpha := n.f("alpha", 1)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, as, azpT, b, bs, bzpT := in[0], in[1], in[2], in[3], in[4], in[5]
		var err error
		if transA {
			if a, err = transpose(a, []int{1, 0}); err != nil {
				return nil, err
			}
		}
		if transB {
			if b, err = transpose(b, []int{1, 0}); err != nil {
				return nil, err
			}
		}
		if len(a.Shape) != 2 || len(b.Shape) != 2 || a.Shape[1] != b.Shape[0] {
			return nil, fmt.Errorf("A %v and B %v do not multiply", a.Shape, b.Shape)
		}
		M, K, N := a.Shape[0], a.Shape[1], b.Shape[1]
		av, err := quantValues(a)
		if err != nil {
			return nil, err
		}
		bv, err := quantValues(b)
		if err != nil {
			return nil, err
		}
		asv, err := floats(as)
		if err != nil || len(asv) != 1 {
			return nil, fmt.Errorf("a_scale must be a scalar")
		}
		azv, err := floats(azpT)
		if err != nil || len(azv) != 1 {
			return nil, fmt.Errorf("a_zero_point must be a scalar")
		}
		bScale, err := perColumn(bs, N, "b_scale")
		if err != nil {
			return nil, err
		}
		bzp, err := perColumn(bzpT, N, "b_zero_point")
		if err != nil {
			return nil, err
		}
		acc := make([]int64, M*N)
		for i := 0; i < M; i++ {
			for j := 0; j < N; j++ {
				var s int64
				for k := 0; k < K; k++ {
					s += int64(av[i*K+k]-azv[0]) * int64(bv[k*N+j]-bzp[j])
				}
				acc[i*N+j] = s
			}
		}
		if ct := opt(in, 6); ct != nil {
			cv, err := ints(ct)
			if err != nil {
				return nil, fmt.Errorf("C: %w", err)
			}
			ci := broadcastIndex(ct.Shape, []int{M, N})
			if ci == nil {
				return nil, fmt.Errorf("C %v does not broadcast to [%d, %d]", ct.Shape, M, N)
			}
			for i := range acc {
				acc[i] += cv[ci[i]]
			}
		}
		ys, yz := opt(in, 7), opt(in, 8)
		if ys == nil {
			out := make([]float32, M*N)
			for i := range out {
				out[i] = float32(acc[i]) * (alpha * float32(asv[0]) * float32(bScale[i%N]))
			}
			return []*tensor.Tensor{f32Tensor([]int{M, N}, out)}, nil
		}
		ysv, err := floats(ys)
		if err != nil || len(ysv) != 1 {
			return nil, fmt.Errorf("y_scale must be a scalar")
		}
		dt := tensor.Uint8
		yzp := 0.0
		if yz != nil {
			dt = yz.DType
			v, err := floats(yz)
			if err != nil || len(v) != 1 {
				return nil, fmt.Errorf("y_zero_point must be a scalar")
			}
			yzp = v[0]
		}
		out := make([]float64, M*N)
		for i := range out {
			mult := alpha * float32(asv[0]) * float32(bScale[i%N]) / float32(ysv[0])
			out[i] = saturate(math.RoundToEven(float64(float32(acc[i])*mult))+yzp, dt)
		}
		return []*tensor.Tensor{fromFloat64(dt, []int{M, N}, out)}, nil
	}, nil
}

// qparams reads a quantized operand's scale and zero point (inputs si and
// zi; the zero point may be absent: 0).
func qparams(in []*tensor.Tensor, si, zi int) (scale, zp float32, err error) {
	s, err := floats(in[si])
	if err != nil || len(s) != 1 {
		return 0, 0, fmt.Errorf("input %d: scale must be a scalar", si)
	}
	if t := opt(in, zi); t != nil {
		z, err := floats(t)
		if err != nil || len(z) != 1 {
			return 0, 0, fmt.Errorf("input %d: zero point must be a scalar", zi)
		}
		zp = float32(z[0])
	}
	return float32(s[0]), zp, nil
}

// requantize is MlasQuantizeLinear: round-half-even(v / scale) + zp,
// saturated to dt.
func requantize(v float32, scale, zp float32, dt tensor.DType) float64 {
	return saturate(math.RoundToEven(float64(v/scale))+float64(zp), dt)
}

// buildQLinearBinary: C = quantize(dequantize(A) op dequantize(B)) with
// numpy broadcasting, in float32 (MLAS's QLinearAdd/QLinearMul).
func buildQLinearBinary(op string) builder {
	return func(n *node) (kernelFn, error) {
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			a, b := in[0], in[3]
			as, az, err := qparams(in, 1, 2)
			if err != nil {
				return nil, err
			}
			bsc, bz, err := qparams(in, 4, 5)
			if err != nil {
				return nil, err
			}
			cs, cz, err := qparams(in, 6, 7)
			if err != nil {
				return nil, err
			}
			av, err := quantValues(a)
			if err != nil {
				return nil, err
			}
			bv, err := quantValues(b)
			if err != nil {
				return nil, err
			}
			shape, err := broadcastShapes(a.Shape, b.Shape)
			if err != nil {
				return nil, err
			}
			ia, ib := broadcastIndex(a.Shape, shape), broadcastIndex(b.Shape, shape)
			out := make([]float64, tensor.NumElements(shape))
			for i := range out {
				x := (float32(av[ia[i]]) - az) * as
				y := (float32(bv[ib[i]]) - bz) * bsc
				var r float32
				if op == "Add" {
					r = x + y
				} else {
					r = x * y
				}
				out[i] = requantize(r, cs, cz, a.DType)
			}
			return []*tensor.Tensor{fromFloat64(a.DType, shape, out)}, nil
		}, nil
	}
}

// buildQLinearUnary maps every quantized value through f in float32 (ORT
// builds a 256-entry lookup table the same way).
func buildQLinearUnary(op string) builder {
	return func(n *node) (kernelFn, error) {
		alpha := n.f("alpha", 0.01)
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			xs, xz, err := qparams(in, 1, 2)
			if err != nil {
				return nil, err
			}
			ys, yz, err := qparams(in, 3, 4)
			if err != nil {
				return nil, err
			}
			xv, err := quantValues(x)
			if err != nil {
				return nil, err
			}
			out := make([]float64, len(xv))
			for i, q := range xv {
				v := (float32(q) - xz) * xs
				var r float32
				if op == "Sigmoid" {
					r = float32(1 / (1 + math.Exp(-float64(v))))
				} else if v >= 0 {
					r = v
				} else {
					r = v * alpha
				}
				out[i] = requantize(r, ys, yz, x.DType)
			}
			return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
		}, nil
	}
}

// buildQLinearConcat: inputs (Y_scale, Y_zero_point, then (x, scale, zp)
// triples) requantized to Y's parameters and concatenated.
func buildQLinearConcat(n *node) (kernelFn, error) {
	axis := n.i("axis", 0)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 5 || (len(in)-2)%3 != 0 {
			return nil, fmt.Errorf("%d inputs, want Y_scale, Y_zero_point and triples", len(in))
		}
		ys, yz, err := qparams(in, 0, 1)
		if err != nil {
			return nil, err
		}
		dt := in[1].DType
		var parts []*tensor.Tensor
		for i := 2; i < len(in); i += 3 {
			x := in[i]
			xs, xz, err := qparams(in, i+1, i+2)
			if err != nil {
				return nil, err
			}
			xv, err := quantValues(x)
			if err != nil {
				return nil, err
			}
			out := make([]float64, len(xv))
			for k, q := range xv {
				if xs == ys && xz == yz {
					out[k] = q
					continue
				}
				out[k] = requantize((float32(q)-xz)*xs, ys, yz, dt)
			}
			parts = append(parts, fromFloat64(dt, x.Shape, out))
		}
		y, err := concat(parts, axis)
		return []*tensor.Tensor{y}, err
	}, nil
}

// buildQLinearGlobalAveragePool: per channel, the integer sum of (x −
// x_zero_point) over the spatial dims times x_scale / (y_scale · count),
// requantized (MLAS's QLinearGlobalAveragePool).
func buildQLinearGlobalAveragePool(n *node) (kernelFn, error) {
	channelsLast := n.i("channels_last", 0) != 0
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		y, err := qlinearGlobalAvg(in, channelsLast)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

// qlinearGlobalAvg is QLinearGlobalAveragePool on in (x, x_scale,
// x_zero_point, y_scale, y_zero_point).
func qlinearGlobalAvg(in []*tensor.Tensor, channelsLast bool) (*tensor.Tensor, error) {
	x := in[0]
	xs, xz, err := qparams(in, 1, 2)
	if err != nil {
		return nil, err
	}
	ys, yz, err := qparams(in, 3, 4)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 3 {
		return nil, fmt.Errorf("input %v needs batch, channel and spatial dims", x.Shape)
	}
	xv, err := quantValues(x)
	if err != nil {
		return nil, err
	}
	B := x.Shape[0]
	var C, S int
	if channelsLast {
		C = x.Shape[len(x.Shape)-1]
		S = tensor.NumElements(x.Shape[1 : len(x.Shape)-1])
	} else {
		C = x.Shape[1]
		S = tensor.NumElements(x.Shape[2:])
	}
	scale := xs / (ys * float32(S))
	out := make([]float64, B*C)
	for b := 0; b < B; b++ {
		for ch := 0; ch < C; ch++ {
			var sum int64
			for s := 0; s < S; s++ {
				idx := (b*C+ch)*S + s
				if channelsLast {
					idx = (b*S+s)*C + ch
				}
				sum += int64(xv[idx])
			}
			sum -= int64(xz) * int64(S)
			out[b*C+ch] = saturate(math.RoundToEven(float64(float32(sum)*scale))+float64(yz), x.DType)
		}
	}
	shape := append([]int{}, x.Shape...)
	if channelsLast {
		for i := 1; i < len(shape)-1; i++ {
			shape[i] = 1
		}
	} else {
		for i := 2; i < len(shape); i++ {
			shape[i] = 1
		}
	}
	return fromFloat64(x.DType, shape, out), nil
}

// buildQLinearAveragePool is ONNX Runtime's QLinearAveragePool: x
// dequantized to float32 (x_scale · (x − x_zero_point)), each window's
// elements inside the input summed in float32 in row-major order, divided
// by the count (the window clipped to the input, or the kernel size with
// count_include_pad), then round-half-even(v / y_scale + y_zero_point)
// saturated. A kernel covering the whole unpadded input goes through
// QLinearGlobalAveragePool, as in ONNX Runtime. Dilations are not read
// (ONNX Runtime ignores them), so other than 1 they are refused.
func buildQLinearAveragePool(n *node) (kernelFn, error) {
	wa := readWindowAttrs(n)
	if wa.kernel == nil {
		return nil, fmt.Errorf("kernel_shape is required")
	}
	for _, d := range wa.dilations {
		if d != 1 {
			return nil, fmt.Errorf("dilations %v (ONNX Runtime's QLinearAveragePool ignores them)", wa.dilations)
		}
	}
	includePad := n.i("count_include_pad", 0) != 0
	channelsLast := n.i("channels_last", 0) != 0
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		r := len(x.Shape)
		if r < 3 || r > 5 {
			return nil, fmt.Errorf("input %v: want 1 to 3 spatial dims", x.Shape)
		}
		xs, xz, err := qparams(in, 1, 2)
		if err != nil {
			return nil, err
		}
		ys, yz, err := qparams(in, 3, 4)
		if err != nil {
			return nil, err
		}
		N := x.Shape[0]
		C := x.Shape[1]
		sp := x.Shape[2:]
		if channelsLast {
			C = x.Shape[r-1]
			sp = x.Shape[1 : r-1]
		}
		g, err := wa.resolve(sp, toInts(wa.kernel))
		if err != nil {
			return nil, err
		}
		global := true
		for i := range sp {
			if g.k[i] != sp[i] || g.pb[i] != 0 || g.pe[i] != 0 {
				global = false
			}
		}
		if global {
			y, err := qlinearGlobalAvg(in, channelsLast)
			if err != nil {
				return nil, err
			}
			return []*tensor.Tensor{y}, nil
		}
		xv, err := quantValues(x)
		if err != nil {
			return nil, err
		}
		inSp := tensor.NumElements(sp)
		outSp := tensor.NumElements(g.out)
		kp := tensor.NumElements(g.k)
		ist, ost, kst := strides(sp), strides(g.out), strides(g.k)
		out := make([]float64, N*C*outSp)
		for b := 0; b < N; b++ {
			for ch := 0; ch < C; ch++ {
				// at maps a spatial offset of channel ch to x's index.
				at := func(s int) int {
					if channelsLast {
						return (b*inSp+s)*C + ch
					}
					return (b*C+ch)*inSp + s
				}
				for op := 0; op < outSp; op++ {
					var acc float32
					count := 0
					for kk := 0; kk < kp; kk++ {
						off := 0
						ok := true
						for d := range sp {
							ic := ((op/ost[d])%g.out[d])*g.s[d] - g.pb[d] + (kk/kst[d])%g.k[d]
							if ic < 0 || ic >= sp[d] {
								ok = false
								break
							}
							off += ic * ist[d]
						}
						if !ok {
							continue
						}
						// explicit conversions: no fused multiply-add (Go may fuse)
						acc = float32(acc + float32(xs*float32(xv[at(off)]-float64(xz))))
						count++
					}
					if includePad {
						count = kp
					}
					acc /= float32(count)
					q := math.RoundToEven(float64(float32(float32(acc/ys) + yz)))
					oi := (b*C+ch)*outSp + op
					if channelsLast {
						oi = (b*outSp+op)*C + ch
					}
					out[oi] = saturate(q, x.DType)
				}
			}
		}
		shape := append([]int{N, C}, g.out...)
		if channelsLast {
			shape = append(append([]int{N}, g.out...), C)
		}
		return []*tensor.Tensor{fromFloat64(x.DType, shape, out)}, nil
	}, nil
}

// qlinearSoftmaxTable is ONNX Runtime's float32 exponent table of
// QLinearSoftmax (QlinearBuildLookupTableUint32, EXP_OUT_DTYPE float) for
// x_scale and rows of d elements: entry i is exp((i − 255 + shift) ·
// x_scale) computed in float64 and rounded to float32, where shift =
// max(0, logf(FLT_MAX / d) − 5) / x_scale — FLT_MAX / d and its logarithm
// in float32 (C++ picks the float overload of log). An element x of a row
// whose largest element is m reads entry x − m + 255, for int8 and uint8
// alike.
func qlinearSoftmaxTable(xScale float32, d int) []float32 {
	shift := float64(float32(math.Log(float64(float32(math.MaxFloat32) / float32(d)))))
	shift = math.Max(0, shift-5) / float64(xScale)
	tab := make([]float32, 256)
	for i := range tab {
		tab[i] = float32(math.Exp((float64(i) - 255 + shift) * float64(xScale)))
	}
	return tab
}

// buildQLinearSoftmax is ONNX Runtime's QLinearSoftmax: per row (the dims
// from axis on, flattened, below the opset attribute's 13; the axis dim
// from 13 on), e = table[x − max + 255] (qlinearSoftmaxTable), the row's
// float32 sum in element order, then e · floor(1 / y_scale) / sum rounded
// half to even from its float64 quotient (ONNX Runtime 1.32's results on
// rows whose float32 quotient lands on a tie follow the exact quotient),
// plus y_zero_point, saturated (ONNX Runtime 1.32 saturates int8 too). x_zero_point
// is not read.
func buildQLinearSoftmax(n *node) (kernelFn, error) {
	if !n.has("opset") {
		return nil, fmt.Errorf("attribute opset is required")
	}
	opset := n.i("opset", 13)
	axis := n.i("axis", map[bool]int64{true: 1, false: -1}[opset < 13])
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		a, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		xs, _, err := qparams(in, 1, 2)
		if err != nil {
			return nil, err
		}
		ys, yz, err := qparams(in, 3, 4)
		if err != nil {
			return nil, err
		}
		xv, err := quantValues(x)
		if err != nil {
			return nil, err
		}
		// rows of D elements, inner apart: outer · D · inner
		outer := tensor.NumElements(x.Shape[:a])
		D, inner := x.Shape[a], tensor.NumElements(x.Shape[a+1:])
		if opset < 13 {
			D, inner = tensor.NumElements(x.Shape[a:]), 1
		}
		out := make([]float64, len(xv))
		if len(xv) == 0 {
			return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
		}
		tab := qlinearSoftmaxTable(xs, D)
		yScale := float32(math.Floor(float64(1 / ys)))
		for o := 0; o < outer; o++ {
			for k := 0; k < inner; k++ {
				at := func(j int) int { return (o*D+j)*inner + k }
				m := xv[at(0)]
				for j := 1; j < D; j++ {
					m = math.Max(m, xv[at(j)])
				}
				var sum float32
				for j := 0; j < D; j++ {
					sum = float32(sum + tab[int(xv[at(j)]-m)+255])
				}
				for j := 0; j < D; j++ {
					e := tab[int(xv[at(j)]-m)+255]
					q := math.RoundToEven(float64(e)*float64(yScale)/float64(sum)) + float64(yz)
					out[at(j)] = saturate(q, x.DType)
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}, nil
}

// dqlstmRowChunk is the number of batch rows ONNX Runtime's LSTM quantizes
// together in each step's recurrent product: the batch split over its
// hidden threads, min(hardware threads − 1, 2 | 5 | 7 | 11 for hidden
// sizes up to 128 | 256 | 512 | 1024). The thread count is the machine's;
// this follows a machine with at least 12 hardware threads (the caps
// decide), so a batch up to the cap is quantized row by row. Batch 1 is
// the same everywhere.
func dqlstmRowChunk(batch, hidden int) int {
	hmt := 11
	switch {
	case hidden <= 128:
		hmt = 2
	case hidden <= 256:
		hmt = 5
	case hidden <= 512:
		hmt = 7
	}
	return (batch + hmt - 1) / hmt
}

// buildDynamicQuantizeLSTM is LSTM with int8/uint8 weights W [D, I, 4H]
// and R [D, H, 4H] (gates i, o, f, c; per-direction or per-column scales
// and zero points) computed as ONNX Runtime does: the input projection
// quantizes all of X at once, each step quantizes the hidden state of the
// whole batch, both per tensor (GetQuantizationParameter); each integer
// product is scaled by float32(a_scale·w_scale) and accumulated into the
// gates (X·W + H·R), to which Wb + Rb is added. ONNX Runtime may split a
// batch across threads and quantize each part on its own; this is its
// single-part result (always the case for batch 1).
func buildDynamicQuantizeLSTM(n *node) (kernelFn, error) {
	hidden := int(n.i("hidden_size", 0))
	direction := n.s("direction", "forward")
	dirs := 1
	if direction == "bidirectional" {
		dirs = 2
	}
	if n.i("input_forget", 0) != 0 {
		return nil, fmt.Errorf("input_forget is not supported")
	}
	hasClip := n.has("clip")
	clip := float64(n.f("clip", 0))
	names := n.strings("activations")
	if names == nil {
		for d := 0; d < dirs; d++ {
			names = append(names, "Sigmoid", "Tanh", "Tanh")
		}
	}
	if len(names) != 3*dirs {
		return nil, fmt.Errorf("%d activations for %d directions", len(names), dirs)
	}
	alphas, betas := n.floats("activation_alpha"), n.floats("activation_beta")
	acts := make([][]func(float64) float64, dirs)
	ai, bi := 0, 0
	for k, name := range names {
		var a, b float64
		usesA, usesB := false, false
		switch strings.ToLower(name) {
		case "affine", "scaledtanh", "hardsigmoid":
			usesA, usesB = true, true
		case "leakyrelu", "thresholdedrelu", "elu":
			usesA = true
		}
		hasA, hasB := usesA && ai < len(alphas), usesB && bi < len(betas)
		if hasA {
			a = float64(alphas[ai])
			ai++
		}
		if hasB {
			b = float64(betas[bi])
			bi++
		}
		f, err := rnnActivation(name, a, b, hasA, hasB)
		if err != nil {
			return nil, err
		}
		acts[k/3] = append(acts[k/3], f)
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, w, r := in[0], in[1], in[2]
		if len(x.Shape) != 3 || len(w.Shape) != 3 || len(r.Shape) != 3 {
			return nil, fmt.Errorf("X %v, W %v, R %v must be 3-D", x.Shape, w.Shape, r.Shape)
		}
		S, B, I := x.Shape[0], x.Shape[1], x.Shape[2]
		H := hidden
		if H == 0 {
			H = r.Shape[1]
		}
		G := 4 * H
		if !sameShape(w.Shape, []int{dirs, I, G}) || !sameShape(r.Shape, []int{dirs, H, G}) {
			return nil, fmt.Errorf("W %v / R %v do not fit %d directions, hidden %d, input %d", w.Shape, r.Shape, dirs, H, I)
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		wv, err := quantValues(w)
		if err != nil {
			return nil, fmt.Errorf("W: %w", err)
		}
		rv, err := quantValues(r)
		if err != nil {
			return nil, fmt.Errorf("R: %w", err)
		}
		perDir := func(t *tensor.Tensor, what string) ([]float64, int, error) {
			v, err := floats(t)
			if err != nil {
				return nil, 0, fmt.Errorf("%s: %w", what, err)
			}
			switch len(v) {
			case dirs:
				return v, 1, nil
			case dirs * G:
				return v, G, nil
			}
			return nil, 0, fmt.Errorf("%s has %d values for %d directions × %d", what, len(v), dirs, G)
		}
		ws, wsn, err := perDir(in[8], "W_scale")
		if err != nil {
			return nil, err
		}
		wz, wzn, err := perDir(in[9], "W_zero_point")
		if err != nil {
			return nil, err
		}
		rs, rsn, err := perDir(in[10], "R_scale")
		if err != nil {
			return nil, err
		}
		rz, rzn, err := perDir(in[11], "R_zero_point")
		if err != nil {
			return nil, err
		}
		at := func(v []float64, per, d, col int) float64 {
			if per == 1 {
				return v[d]
			}
			return v[d*G+col]
		}
		bias := make([]float64, dirs*2*G)
		if t := opt(in, 3); t != nil {
			if bias, err = floats(t); err != nil {
				return nil, err
			}
		}
		if t := opt(in, 4); t != nil {
			l, err := ints(t)
			if err != nil {
				return nil, err
			}
			for _, v := range l {
				if int(v) != S {
					return nil, fmt.Errorf("sequence_lens other than the sequence length are not supported")
				}
			}
		}
		state := func(i int) ([]float64, error) {
			if t := opt(in, i); t != nil {
				return floats(t)
			}
			return make([]float64, dirs*B*H), nil
		}
		h0, err := state(5)
		if err != nil {
			return nil, err
		}
		c0, err := state(6)
		if err != nil {
			return nil, err
		}
		var peep []float64
		if t := opt(in, 7); t != nil {
			if peep, err = floats(t); err != nil {
				return nil, err
			}
		}
		clipf := func(v float64) float64 {
			if hasClip {
				return math.Max(-clip, math.Min(clip, v))
			}
			return v
		}
		// gemm quantizes a (rows × k) per tensor and returns float32 of
		// (aq − azp)·(wq − wzp) · (a_scale · w_scale) per column.
		gemm := func(a []float64, rows, k int, wq []float64, d int, sc []float64, scn int, zp []float64, zpn int) []float32 {
			as, azp := dynamicQuantParams(a)
			q := make([]float64, len(a))
			for i, v := range a {
				q[i] = quantizeU8(v, as, azp) - float64(azp)
			}
			out := make([]float32, rows*G)
			for i := 0; i < rows; i++ {
				for j := 0; j < G; j++ {
					var acc int64
					for kk := 0; kk < k; kk++ {
						acc += int64(q[i*k+kk]) * int64(wq[(d*k+kk)*G+j]-at(zp, zpn, d, j))
					}
					out[i*G+j] = float32(acc) * (as * float32(at(sc, scn, d, j)))
				}
			}
			return out
		}
		y := make([]float64, S*dirs*B*H)
		yh := make([]float64, dirs*B*H)
		yc := make([]float64, dirs*B*H)
		for d := 0; d < dirs; d++ {
			reverse := direction == "reverse" || d == 1
			f, g, hh := acts[d][0], acts[d][1], acts[d][2]
			xw := gemm(xv, S*B, I, wv, d, ws, wsn, wz, wzn)
			hs := append([]float64{}, h0[d*B*H:(d+1)*B*H]...)
			cs := append([]float64{}, c0[d*B*H:(d+1)*B*H]...)
			for step := 0; step < S; step++ {
				t := step
				if reverse {
					t = S - 1 - step
				}
				// ORT quantizes the hidden state in chunks of rows, one
				// per thread (dqlstmRowChunk).
				hr := make([]float32, 0, B*G)
				chunk := dqlstmRowChunk(B, H)
				for r0 := 0; r0 < B; r0 += chunk {
					r1 := min(B, r0+chunk)
					hr = append(hr, gemm(hs[r0*H:r1*H], r1-r0, H, rv, d, rs, rsn, rz, rzn)...)
				}
				nh := make([]float64, B*H)
				for b := 0; b < B; b++ {
					gate := make([]float64, G)
					for j := 0; j < G; j++ {
						v := xw[(t*B+b)*G+j] + hr[b*G+j]
						gate[j] = float64(v + float32(bias[d*2*G+j]+bias[d*2*G+G+j]))
					}
					for q := 0; q < H; q++ {
						pi, po, pf := 0.0, 0.0, 0.0
						if peep != nil {
							pi, po, pf = peep[d*3*H+q], peep[d*3*H+H+q], peep[d*3*H+2*H+q]
						}
						C := cs[b*H+q]
						iG := f(clipf(gate[q] + pi*C))
						fG := f(clipf(gate[2*H+q] + pf*C))
						cG := g(clipf(gate[3*H+q]))
						C = fG*C + iG*cG
						oG := f(clipf(gate[H+q] + po*C))
						cs[b*H+q] = C
						nh[b*H+q] = oG * hh(C)
					}
				}
				hs = nh
				copy(y[(t*dirs+d)*B*H:], hs)
			}
			copy(yh[d*B*H:], hs)
			copy(yc[d*B*H:], cs)
		}
		return []*tensor.Tensor{
			fromFloat64(tensor.Float32, []int{S, dirs, B, H}, y),
			fromFloat64(tensor.Float32, []int{dirs, B, H}, yh),
			fromFloat64(tensor.Float32, []int{dirs, B, H}, yc),
		}, nil
	}, nil
}
