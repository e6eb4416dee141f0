package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Elementwise unary math and activations. Float ops evaluate in float64
// and round once to the storage type (float16 through float32).

// floatUnary maps each op to a builder of its scalar function (attributes
// are read once).
var floatUnary = map[string]func(n *node) func(float64) float64{
	"Sqrt":       fixed(math.Sqrt),
	"Exp":        fixed(math.Exp),
	"Log":        fixed(math.Log),
	"Reciprocal": fixed(func(x float64) float64 { return 1 / x }),
	"Floor":      fixed(math.Floor),
	"Ceil":       fixed(math.Ceil),
	"Round":      fixed(math.RoundToEven),
	"Sin":        fixed(math.Sin),
	"Cos":        fixed(math.Cos),
	"Tan":        fixed(math.Tan),
	"Asin":       fixed(math.Asin),
	"Acos":       fixed(math.Acos),
	"Atan":       fixed(math.Atan),
	"Sinh":       fixed(math.Sinh),
	"Cosh":       fixed(math.Cosh),
	"Asinh":      fixed(math.Asinh),
	"Acosh":      fixed(math.Acosh),
	"Atanh":      fixed(math.Atanh),
	"Tanh":       fixed(math.Tanh),
	"Erf":        fixed(math.Erf),
	"Sigmoid":    fixed(sigmoid),
	"Softplus":   fixed(softplus),
	"Softsign":   fixed(func(x float64) float64 { return x / (1 + math.Abs(x)) }),
	"Mish":       fixed(func(x float64) float64 { return x * math.Tanh(softplus(x)) }),
	"HardSwish":  fixed(func(x float64) float64 { return x * math.Max(0, math.Min(1, x/6+0.5)) }),
	"LeakyRelu": func(n *node) func(float64) float64 {
		alpha := float64(n.f("alpha", 0.01))
		return func(x float64) float64 {
			if x < 0 {
				return alpha * x
			}
			return x
		}
	},
	"Elu": func(n *node) func(float64) float64 {
		alpha := float64(n.f("alpha", 1))
		return func(x float64) float64 {
			if x < 0 {
				return alpha * (math.Exp(x) - 1)
			}
			return x
		}
	},
	"Celu": func(n *node) func(float64) float64 {
		alpha := float64(n.f("alpha", 1))
		return func(x float64) float64 { return math.Max(0, x) + math.Min(0, alpha*(math.Exp(x/alpha)-1)) }
	},
	"Selu": func(n *node) func(float64) float64 {
		alpha := float64(n.f("alpha", 1.67326319217681884765625))
		gamma := float64(n.f("gamma", 1.05070102214813232421875))
		return func(x float64) float64 {
			if x <= 0 {
				return gamma * (alpha*math.Exp(x) - alpha)
			}
			return gamma * x
		}
	},
	"HardSigmoid": func(n *node) func(float64) float64 {
		alpha := float64(n.f("alpha", 0.2))
		beta := float64(n.f("beta", 0.5))
		return func(x float64) float64 { return math.Max(0, math.Min(1, alpha*x+beta)) }
	},
	"ThresholdedRelu": func(n *node) func(float64) float64 {
		alpha := float64(n.f("alpha", 1))
		return func(x float64) float64 {
			if x > alpha {
				return x
			}
			return 0
		}
	},
	"Shrink": func(n *node) func(float64) float64 {
		lambd := float64(n.f("lambd", 0.5))
		bias := float64(n.f("bias", 0))
		return func(x float64) float64 {
			switch {
			case x < -lambd:
				return x + bias
			case x > lambd:
				return x - bias
			}
			return 0
		}
	},
	"Gelu": func(n *node) func(float64) float64 {
		if n.s("approximate", "none") == "tanh" {
			return func(x float64) float64 {
				return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
			}
		}
		return func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
	},
}

func fixed(f func(float64) float64) func(n *node) func(float64) float64 {
	return func(*node) func(float64) float64 { return f }
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

func init() {
	for op, mk := range floatUnary {
		since := int64(1)
		if op == "Gelu" {
			since = 20
		}
		register("", op, since, buildFloatUnary(mk))
	}
	for _, op := range []string{"Abs", "Neg", "Sign", "Relu"} {
		register("", op, 1, buildSignedUnary(op))
	}
	register("", "IsNaN", 9, buildIsNaN)
	register("", "IsInf", 10, buildIsInf)
	register("", "Not", 1, buildNot)
	register("", "BitwiseNot", 18, buildBitwiseNot)
	register("", "Identity", 1, buildIdentity)
	register("", "Dropout", 1, buildDropout)
	register("", "Clip", 1, buildClip6)
	register("", "Clip", 11, buildClip11)
	register("", "PRelu", 1, buildPRelu)
}

// mapFloat applies f to every element of a float tensor.
func mapFloat(t *tensor.Tensor, f func(float64) float64) (*tensor.Tensor, error) {
	half := t.DType
	t = toF32(t)
	var out *tensor.Tensor
	switch d := t.Data.(type) {
	case []float32:
		o := make([]float32, len(d))
		kernel.ParallelFor(len(d), 1<<14, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				o[i] = float32(f(float64(d[i])))
			}
		})
		out = f32Tensor(t.Shape, o)
	case []float64:
		o := make([]float64, len(d))
		kernel.ParallelFor(len(d), 1<<14, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				o[i] = f(d[i])
			}
		})
		out = &tensor.Tensor{DType: tensor.Float64, Shape: append([]int{}, t.Shape...), Data: o}
	default:
		return nil, fmt.Errorf("expects a float tensor, got %v", half)
	}
	return fromF32(out, half), nil
}

func buildFloatUnary(mk func(n *node) func(float64) float64) builder {
	return func(n *node) (kernelFn, error) {
		f := mk(n)
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			r, err := mapFloat(in[0], f)
			return []*tensor.Tensor{r}, err
		}, nil
	}
}

func signedMap[T number](d []T, op string) []T {
	out := make([]T, len(d))
	for i, v := range d {
		switch op {
		case "Abs":
			if v < 0 {
				v = -v
			}
		case "Neg":
			v = -v
		case "Sign":
			switch {
			case v > 0:
				v = 1
			case v < 0:
				v = 0
				v--
			}
		case "Relu":
			if v < 0 {
				v = 0
			}
		}
		out[i] = v
	}
	return out
}

func buildSignedUnary(op string) builder {
	return func(n *node) (kernelFn, error) {
		return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			t := in[0]
			var d any
			switch x := t.Data.(type) {
			case []float32:
				d = signedMap(x, op)
			case []float64:
				d = signedMap(x, op)
			case []int8:
				d = signedMap(x, op)
			case []int16:
				d = signedMap(x, op)
			case []int32:
				d = signedMap(x, op)
			case []int64:
				d = signedMap(x, op)
			case []uint8:
				d = signedMap(x, op)
			case []uint16:
				d = signedMap(x, op)
			case []uint32:
				d = signedMap(x, op)
			case []uint64:
				d = signedMap(x, op)
			default:
				return nil, fmt.Errorf("%s is not defined for %v", op, t.DType)
			}
			if f, ok := d.([]float32); ok && op == "Sign" {
				for i, v := range t.Data.([]float32) {
					if v != v {
						f[i] = v
					}
				}
			}
			return []*tensor.Tensor{{DType: t.DType, Shape: append([]int{}, t.Shape...), Data: d}}, nil
		}), nil
	}
}

func floatPredicate(t *tensor.Tensor, f func(float64) bool) (*tensor.Tensor, error) {
	v, err := floats(t)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return &tensor.Tensor{DType: tensor.Bool, Shape: append([]int{}, t.Shape...), Data: out}, nil
}

func buildIsNaN(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := floatPredicate(in[0], math.IsNaN)
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildIsInf(n *node) (kernelFn, error) {
	pos := n.i("detect_positive", 1) == 1
	neg := n.i("detect_negative", 1) == 1
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := floatPredicate(in[0], func(x float64) bool {
			return (pos && math.IsInf(x, 1)) || (neg && math.IsInf(x, -1))
		})
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildNot(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		d, ok := in[0].Data.([]bool)
		if !ok {
			return nil, fmt.Errorf("Not needs a bool input, got %v", in[0].DType)
		}
		out := make([]bool, len(d))
		for i, v := range d {
			out[i] = !v
		}
		return []*tensor.Tensor{{DType: tensor.Bool, Shape: append([]int{}, in[0].Shape...), Data: out}}, nil
	}, nil
}

func notMap[T integer](d []T) []T {
	out := make([]T, len(d))
	for i, v := range d {
		out[i] = ^v
	}
	return out
}

func buildBitwiseNot(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		var d any
		switch x := t.Data.(type) {
		case []int8:
			d = notMap(x)
		case []int16:
			d = notMap(x)
		case []int32:
			d = notMap(x)
		case []int64:
			d = notMap(x)
		case []uint8:
			d = notMap(x)
		case []uint16:
			d = notMap(x)
		case []uint32:
			d = notMap(x)
		case []uint64:
			d = notMap(x)
		default:
			return nil, fmt.Errorf("BitwiseNot is not defined for %v", t.DType)
		}
		return []*tensor.Tensor{{DType: t.DType, Shape: append([]int{}, t.Shape...), Data: d}}, nil
	}, nil
}

func buildIdentity(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if in[0] == nil {
			return []*tensor.Tensor{nil}, nil
		}
		return []*tensor.Tensor{in[0]}, nil
	}, nil
}

// Dropout in inference mode is the identity; the mask is all true. With
// training_mode set and a non-zero ratio the result would be random, which
// a reference evaluator cannot reproduce, so it is refused.
func buildDropout(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		if tm := opt(in, 2); tm != nil {
			if b, ok := tm.Data.([]bool); ok && len(b) == 1 && b[0] {
				ratio := 0.5
				if r := opt(in, 1); r != nil {
					ratio, _ = scalarFloat(r)
				}
				if ratio != 0 {
					return nil, fmt.Errorf("training_mode Dropout with ratio %g is random; not supported", ratio)
				}
			}
		}
		mask := tensor.New(tensor.Bool, x.Shape)
		for i := range mask.Data.([]bool) {
			mask.Data.([]bool)[i] = true
		}
		return []*tensor.Tensor{x, mask}, nil
	}, nil
}

func clipTyped[T number](d []T, lo, hi T) []T {
	out := make([]T, len(d))
	for i, v := range d {
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		out[i] = v
	}
	return out
}

// clip clamps t to [lo, hi]; nil bounds are open.
func clip(t, loT, hiT *tensor.Tensor) (*tensor.Tensor, error) {
	half := t.DType
	t = toF32(t)
	lo, hi := math.Inf(-1), math.Inf(1)
	if loT != nil {
		v, err := scalarFloat(loT)
		if err != nil {
			return nil, fmt.Errorf("min: %w", err)
		}
		lo = v
	}
	if hiT != nil {
		v, err := scalarFloat(hiT)
		if err != nil {
			return nil, fmt.Errorf("max: %w", err)
		}
		hi = v
	}
	var d any
	switch x := t.Data.(type) {
	case []float32:
		d = clipTyped(x, float32(lo), float32(hi))
	case []float64:
		d = clipTyped(x, lo, hi)
	case []int8:
		d = clipTyped(x, int8(math.Max(lo, math.MinInt8)), int8(math.Min(hi, math.MaxInt8)))
	case []int16:
		d = clipTyped(x, int16(math.Max(lo, math.MinInt16)), int16(math.Min(hi, math.MaxInt16)))
	case []int32:
		d = clipTyped(x, int32(math.Max(lo, math.MinInt32)), int32(math.Min(hi, math.MaxInt32)))
	case []int64:
		l, h := int64(math.MinInt64), int64(math.MaxInt64)
		if loT != nil {
			v, _ := scalarInt(loT)
			l = v
		}
		if hiT != nil {
			v, _ := scalarInt(hiT)
			h = v
		}
		d = clipTyped(x, l, h)
	case []uint8:
		d = clipTyped(x, uint8(math.Max(lo, 0)), uint8(math.Min(hi, math.MaxUint8)))
	case []uint16:
		d = clipTyped(x, uint16(math.Max(lo, 0)), uint16(math.Min(hi, math.MaxUint16)))
	case []uint32:
		d = clipTyped(x, uint32(math.Max(lo, 0)), uint32(math.Min(hi, math.MaxUint32)))
	case []uint64:
		h := uint64(math.MaxUint64)
		if hiT != nil {
			h = uint64(hi)
		}
		d = clipTyped(x, uint64(math.Max(lo, 0)), h)
	default:
		return nil, fmt.Errorf("Clip is not defined for %v", t.DType)
	}
	return fromF32(&tensor.Tensor{DType: t.DType, Shape: append([]int{}, t.Shape...), Data: d}, half), nil
}

func buildClip6(n *node) (kernelFn, error) {
	lo := fromFloat64(tensor.Float64, nil, []float64{float64(n.f("min", -math.MaxFloat32))})
	hi := fromFloat64(tensor.Float64, nil, []float64{float64(n.f("max", math.MaxFloat32))})
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := clip(in[0], lo, hi)
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildClip11(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := clip(in[0], opt(in, 1), opt(in, 2))
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildPRelu(n *node) (kernelFn, error) {
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, slope := in[0], in[1]
		if n.opset < 7 {
			slope = legacyBroadcast(x, slope, 1)
		}
		var r *tensor.Tensor
		var err error
		switch x.DType {
		case tensor.Float32:
			r, err = binTyped(x, slope, x.DType, func(a, s float32) float32 {
				if a < 0 {
					return a * s
				}
				return a
			})
		case tensor.Float64:
			r, err = binTyped(x, slope, x.DType, func(a, s float64) float64 {
				if a < 0 {
					return a * s
				}
				return a
			})
		case tensor.Int32:
			r, err = binTyped(x, slope, x.DType, func(a, s int32) int32 {
				if a < 0 {
					return a * s
				}
				return a
			})
		case tensor.Int64:
			r, err = binTyped(x, slope, x.DType, func(a, s int64) int64 {
				if a < 0 {
					return a * s
				}
				return a
			})
		default:
			return nil, fmt.Errorf("PRelu is not defined for %v", x.DType)
		}
		return []*tensor.Tensor{r}, err
	}), nil
}
