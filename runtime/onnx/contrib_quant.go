package onnxrt

import (
	"fmt"
	"math"

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
		return []*tensor.Tensor{fromFloat64(x.DType, shape, out)}, nil
	}, nil
}
