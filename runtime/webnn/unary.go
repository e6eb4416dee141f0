package webnn

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Unary math, activations, clamp, prelu, cast and the is*/logicalNot tests.

func init() {
	math1 := map[string]func(float64) float64{
		"ceil": math.Ceil, "floor": math.Floor, "sqrt": math.Sqrt, "exp": math.Exp, "log": math.Log,
		"sin": math.Sin, "cos": math.Cos, "tan": math.Tan, "erf": math.Erf, "roundEven": math.RoundToEven,
		"reciprocal": func(v float64) float64 { return 1 / v },
		"tanh":       math.Tanh,
		"gelu":       func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) },
		"softplus": func(v float64) float64 {
			if v > 30 {
				return v
			}
			return math.Log1p(math.Exp(v))
		},
		"softsign":  func(v float64) float64 { return v / (1 + math.Abs(v)) },
		"hardSwish": func(v float64) float64 { return v * math.Max(0, math.Min(6, v+3)) / 6 },
	}
	for op, f := range math1 {
		register(op, 1, 1, true, compileFloatUnary(op, f))
	}
	register("sigmoid", 1, 1, true, compileSigmoid)
	for _, op := range []string{"abs", "neg", "sign", "relu"} {
		register(op, 1, 1, true, compileSignedUnary(op))
	}
	register("elu", 1, 1, true, func(nc *nodeCompiler) (kernelFn, error) {
		alpha, err := nc.optFloat(1, "alpha")
		if err != nil {
			return nil, err
		}
		return floatMap(func(v float64) float64 {
			if v >= 0 {
				return v
			}
			return alpha * math.Expm1(v)
		}), nil
	})
	register("leakyRelu", 1, 1, true, func(nc *nodeCompiler) (kernelFn, error) {
		alpha, err := nc.optFloat(0.01, "alpha")
		if err != nil {
			return nil, err
		}
		return floatMap(func(v float64) float64 {
			if v >= 0 {
				return v
			}
			return alpha * v
		}), nil
	})
	register("hardSigmoid", 1, 1, true, func(nc *nodeCompiler) (kernelFn, error) {
		alpha, err := nc.optFloat(0.2, "alpha")
		if err != nil {
			return nil, err
		}
		beta, err := nc.optFloat(0.5, "beta")
		if err != nil {
			return nil, err
		}
		return floatMap(func(v float64) float64 { return math.Max(0, math.Min(1, alpha*v+beta)) }), nil
	})
	register("linear", 1, 1, true, func(nc *nodeCompiler) (kernelFn, error) {
		alpha, err := nc.optFloat(1, "alpha")
		if err != nil {
			return nil, err
		}
		beta, err := nc.optFloat(0, "beta")
		if err != nil {
			return nil, err
		}
		return floatMap(func(v float64) float64 { return alpha*v + beta }), nil
	})
	register("isNaN", 1, 1, true, compileFloatTest(func(v float32) bool { return v != v }))
	register("isInfinite", 1, 1, true, compileFloatTest(func(v float32) bool { return math.IsInf(float64(v), 0) }))
	register("logicalNot", 1, 1, false, func(nc *nodeCompiler) (kernelFn, error) {
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if in[0].DType != tensor.Uint8 {
				return nil, fmt.Errorf("input must be uint8, got %v", in[0].DType)
			}
			out := x.alloc(tensor.Uint8, in[0].Shape)
			o := out.Data.([]uint8)
			for i, v := range in[0].Data.([]uint8) {
				o[i] = b2u8(v == 0)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	})
	register("clamp", 1, 1, true, compileClamp)
	register("prelu", 2, 2, true, compilePrelu)
	register("cast", 1, 1, false, compileCast)
}

// floatMap applies f (computed in float64, rounded once) to a float32 tensor.
func floatMap(f func(float64) float64) kernelFn {
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		src, ok := in[0].Data.([]float32)
		if !ok {
			return nil, fmt.Errorf("input must be float32 or float16, got %v", in[0].DType)
		}
		out := x.alloc(tensor.Float32, in[0].Shape)
		o := out.Data.([]float32)
		kernel.ParallelFor(len(src), 8192, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				o[i] = float32(f(float64(src[i])))
			}
		})
		return []*tensor.Tensor{out}, nil
	}
}

func compileFloatUnary(op string, f func(float64) float64) func(nc *nodeCompiler) (kernelFn, error) {
	return func(nc *nodeCompiler) (kernelFn, error) {
		nc.st.ewKind, nc.st.ewF = ewUnary, f
		return floatMap(f), nil
	}
}

func signedMap[T int8 | int32 | int64](op string, src, dst []T) {
	for i, v := range src {
		switch op {
		case "abs":
			if v < 0 {
				v = -v
			}
		case "neg":
			v = -v
		case "sign":
			switch {
			case v > 0:
				v = 1
			case v < 0:
				v = -1
			}
		case "relu":
			v = max(v, 0)
		}
		dst[i] = v
	}
}

func compileSignedUnary(op string) func(nc *nodeCompiler) (kernelFn, error) {
	ff := map[string]func(float64) float64{
		"abs": math.Abs,
		"neg": func(v float64) float64 { return -v },
		"sign": func(v float64) float64 {
			switch {
			case v > 0:
				return 1
			case v < 0:
				return -1
			}
			return v // ±0 and NaN stay
		},
		"relu": func(v float64) float64 {
			if v > 0 {
				return v
			}
			if v != v {
				return v
			}
			return 0
		},
	}[op]
	return func(nc *nodeCompiler) (kernelFn, error) {
		nc.st.ewKind, nc.st.ewF = ewUnary, ff
		fk := floatMap(ff)
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			t := in[0]
			switch d := t.Data.(type) {
			case []float32:
				return fk(x, in)
			case []int8:
				out := x.alloc(t.DType, t.Shape)
				signedMap(op, d, out.Data.([]int8))
				return []*tensor.Tensor{out}, nil
			case []int32:
				out := x.alloc(t.DType, t.Shape)
				signedMap(op, d, out.Data.([]int32))
				return []*tensor.Tensor{out}, nil
			case []int64:
				out := x.alloc(t.DType, t.Shape)
				signedMap(op, d, out.Data.([]int64))
				return []*tensor.Tensor{out}, nil
			}
			return nil, fmt.Errorf("unsupported data type %v", t.DType)
		}, nil
	}
}

func compileFloatTest(f func(float32) bool) func(nc *nodeCompiler) (kernelFn, error) {
	return func(nc *nodeCompiler) (kernelFn, error) {
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			out := x.alloc(tensor.Uint8, in[0].Shape)
			o := out.Data.([]uint8)
			if src, ok := in[0].Data.([]float32); ok {
				for i, v := range src {
					o[i] = b2u8(f(v))
				}
			} else {
				clear(o) // integers are never NaN or infinite
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func clampLoop[T number](src, dst []T, lo, hi T) {
	for i, v := range src {
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		dst[i] = v
	}
}

func compileClamp(nc *nodeCompiler) (kernelFn, error) {
	var lo, hi *mlNumber
	if v, k, ok := nc.get("minValue", "min_value", "min"); ok {
		m, err := parseMLNumber(v)
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", k, err)
		}
		lo = &m
	}
	if v, k, ok := nc.get("maxValue", "max_value", "max"); ok {
		m, err := parseMLNumber(v)
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", k, err)
		}
		hi = &m
	}
	// bound casts an MLNumber to the operand type, or gives the type's extreme.
	bound := func(dt tensor.DType, m *mlNumber, low bool) *tensor.Tensor {
		if m == nil {
			if dt == tensor.Float32 {
				if low {
					return scalarOf(dt, mlNumber{f: math.Inf(-1)})
				}
				return scalarOf(dt, mlNumber{f: math.Inf(1)})
			}
			if low {
				return scalarOf(dt, mlNumber{f: math.Inf(-1), text: "-1e400"})
			}
			return scalarOf(dt, mlNumber{f: math.Inf(1), text: "1e400"})
		}
		return scalarOf(dt, *m)
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		out := x.alloc(t.DType, t.Shape)
		l, h := bound(t.DType, lo, true), bound(t.DType, hi, false)
		switch d := t.Data.(type) {
		case []float32:
			lv, hv := l.Data.([]float32)[0], h.Data.([]float32)[0]
			o := out.Data.([]float32)
			for i, v := range d {
				if v < lv {
					v = lv
				}
				if v > hv {
					v = hv
				}
				o[i] = v
			}
		case []int8:
			clampLoop(d, out.Data.([]int8), l.Data.([]int8)[0], h.Data.([]int8)[0])
		case []uint8:
			clampLoop(d, out.Data.([]uint8), l.Data.([]uint8)[0], h.Data.([]uint8)[0])
		case []int32:
			clampLoop(d, out.Data.([]int32), l.Data.([]int32)[0], h.Data.([]int32)[0])
		case []uint32:
			clampLoop(d, out.Data.([]uint32), l.Data.([]uint32)[0], h.Data.([]uint32)[0])
		case []int64:
			clampLoop(d, out.Data.([]int64), l.Data.([]int64)[0], h.Data.([]int64)[0])
		case []uint64:
			clampLoop(d, out.Data.([]uint64), l.Data.([]uint64)[0], h.Data.([]uint64)[0])
		default:
			return nil, fmt.Errorf("unsupported data type %v", t.DType)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func preluFn[T number](x, s T) T {
	if x >= 0 {
		return x
	}
	return s * x
}

func compilePrelu(nc *nodeCompiler) (kernelFn, error) {
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, s := in[0], in[1]
		if a.DType != s.DType {
			return nil, fmt.Errorf("slope is %v, input is %v", s.DType, a.DType)
		}
		if err := unidirectional(s.Shape, a.Shape); err != nil {
			return nil, fmt.Errorf("slope: %w", err)
		}
		out := x.alloc(a.DType, a.Shape)
		switch d := a.Data.(type) {
		case []float32:
			binaryLoop(out.Data.([]float32), d, s.Data.([]float32), a.Shape, s.Shape, a.Shape, preluFn[float32])
		case []int8:
			binaryLoop(out.Data.([]int8), d, s.Data.([]int8), a.Shape, s.Shape, a.Shape, preluFn[int8])
		case []int32:
			binaryLoop(out.Data.([]int32), d, s.Data.([]int32), a.Shape, s.Shape, a.Shape, preluFn[int32])
		case []int64:
			binaryLoop(out.Data.([]int64), d, s.Data.([]int64), a.Shape, s.Shape, a.Shape, preluFn[int64])
		default:
			return nil, fmt.Errorf("unsupported data type %v", a.DType)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileCast(nc *nodeCompiler) (kernelFn, error) {
	name, err := nc.optString("", "to", "dataType", "type", "data_type")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("cast needs a target data type (option to/dataType)")
	}
	to, err := tensor.ParseWebNN(name)
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		out := x.alloc(to, in[0].Shape)
		if err := castInto(out, in[0]); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// castInto converts src into dst (same element count). Float → integer
// truncates toward zero and saturates (NaN → 0); integer → integer wraps as
// two's complement; anything → float16 rounds to nearest even.
func castInto(dst, src *tensor.Tensor) error {
	n := src.Len()
	switch s := src.Data.(type) {
	case []float32:
		return castFloats(dst, n, func(i int) float64 { return float64(s[i]) })
	case []uint16:
		if src.DType != tensor.Float16 {
			break
		}
		if d, ok := dst.Data.([]uint16); ok && dst.DType == tensor.Float16 {
			copy(d, s)
			return nil
		}
		return castFloats(dst, n, func(i int) float64 { return float64(kernel.Float16To32(s[i])) })
	case []int8:
		return castInts(dst, n, func(i int) int64 { return int64(s[i]) })
	case []int32:
		return castInts(dst, n, func(i int) int64 { return int64(s[i]) })
	case []int64:
		return castInts(dst, n, func(i int) int64 { return s[i] })
	case []uint8:
		return castUints(dst, n, func(i int) uint64 { return uint64(s[i]) })
	case []uint32:
		return castUints(dst, n, func(i int) uint64 { return uint64(s[i]) })
	case []uint64:
		return castUints(dst, n, func(i int) uint64 { return s[i] })
	}
	return fmt.Errorf("cannot cast from %v", src.DType)
}

func castFloats(dst *tensor.Tensor, n int, get func(int) float64) error {
	switch d := dst.Data.(type) {
	case []float32:
		for i := 0; i < n; i++ {
			d[i] = float32(get(i))
		}
	case []uint16:
		if dst.DType != tensor.Float16 {
			return fmt.Errorf("cannot cast to %v", dst.DType)
		}
		for i := 0; i < n; i++ {
			d[i] = kernel.Float32To16(float32(get(i)))
		}
	case []int8:
		lo, hi := int64(math.MinInt8), int64(math.MaxInt8)
		if dst.DType == tensor.Int4 {
			lo, hi = -8, 7
		}
		for i := 0; i < n; i++ {
			d[i] = int8(satInt(get(i), lo, hi))
		}
	case []uint8:
		hi := uint64(math.MaxUint8)
		if dst.DType == tensor.Uint4 {
			hi = 15
		}
		for i := 0; i < n; i++ {
			d[i] = uint8(satUint(get(i), hi))
		}
	case []int32:
		for i := 0; i < n; i++ {
			d[i] = int32(satInt(get(i), math.MinInt32, math.MaxInt32))
		}
	case []uint32:
		for i := 0; i < n; i++ {
			d[i] = uint32(satUint(get(i), math.MaxUint32))
		}
	case []int64:
		for i := 0; i < n; i++ {
			d[i] = satInt(get(i), math.MinInt64, math.MaxInt64)
		}
	case []uint64:
		for i := 0; i < n; i++ {
			d[i] = satUint(get(i), math.MaxUint64)
		}
	default:
		return fmt.Errorf("cannot cast to %v", dst.DType)
	}
	return nil
}

func castInts(dst *tensor.Tensor, n int, get func(int) int64) error {
	switch d := dst.Data.(type) {
	case []float32:
		for i := 0; i < n; i++ {
			d[i] = float32(get(i))
		}
	case []uint16:
		for i := 0; i < n; i++ {
			d[i] = kernel.Float32To16(float32(get(i)))
		}
	case []int8:
		for i := 0; i < n; i++ {
			d[i] = int8(get(i))
		}
	case []uint8:
		for i := 0; i < n; i++ {
			d[i] = uint8(get(i))
		}
	case []int32:
		for i := 0; i < n; i++ {
			d[i] = int32(get(i))
		}
	case []uint32:
		for i := 0; i < n; i++ {
			d[i] = uint32(get(i))
		}
	case []int64:
		for i := 0; i < n; i++ {
			d[i] = get(i)
		}
	case []uint64:
		for i := 0; i < n; i++ {
			d[i] = uint64(get(i))
		}
	default:
		return fmt.Errorf("cannot cast to %v", dst.DType)
	}
	return nil
}

func castUints(dst *tensor.Tensor, n int, get func(int) uint64) error {
	switch d := dst.Data.(type) {
	case []float32:
		for i := 0; i < n; i++ {
			d[i] = float32(get(i))
		}
	case []uint16:
		for i := 0; i < n; i++ {
			d[i] = kernel.Float32To16(float32(get(i)))
		}
	default:
		return castInts(dst, n, func(i int) int64 { return int64(get(i)) })
	}
	return nil
}
