package onnxrt

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Cast and CastLike between every numeric type, bool, float16/bfloat16
// and string.

func init() {
	register("", "Cast", 1, buildCast)
	register("", "CastLike", 15, buildCastLike)
}

func buildCast(n *node) (kernelFn, error) {
	to := tensor.DType(n.i("to", 0))
	if n.opset < 6 {
		if s := n.s("to", ""); s != "" {
			return nil, fmt.Errorf("Cast with string 'to' (opset %d) is not supported", n.opset)
		}
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := castTo(in[0], to)
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildCastLike(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := castTo(in[0], in[1].DType)
		return []*tensor.Tensor{r}, err
	}, nil
}

// castTo converts x to dt with C-style numeric conversion (float → int
// truncates toward zero), numpy-style string formatting and parsing.
func castTo(x *tensor.Tensor, dt tensor.DType) (*tensor.Tensor, error) {
	if x.DType == dt {
		return x, nil
	}
	shape := x.Shape
	switch {
	case dt == tensor.String:
		v, err := floats(x)
		if err != nil {
			return nil, err
		}
		out := make([]string, len(v))
		for i, f := range v {
			out[i] = formatFloat(f, x.DType)
		}
		return &tensor.Tensor{DType: dt, Shape: append([]int{}, shape...), Data: out}, nil
	case x.DType == tensor.String:
		s := x.Data.([]string)
		v := make([]float64, len(s))
		for i, str := range s {
			f, err := strconv.ParseFloat(strings.TrimSpace(str), 64)
			if err != nil && !strings.Contains(err.Error(), "range") {
				return nil, fmt.Errorf("cannot parse %q as a number", str)
			}
			v[i] = f
		}
		return fromFloat64(dt, shape, v), nil
	}
	if x.DType.IsInt() && dt.IsInt() || x.DType == tensor.Bool && dt.IsInt() {
		var v []int64
		var err error
		if x.DType == tensor.Bool {
			b := x.Data.([]bool)
			v = make([]int64, len(b))
			for i, t := range b {
				if t {
					v[i] = 1
				}
			}
		} else if v, err = ints(x); err != nil {
			return nil, err
		}
		return fromInt64(dt, shape, v), nil
	}
	v, err := floats(x)
	if err != nil {
		return nil, err
	}
	if dt.IsInt() {
		// truncate toward zero; out-of-range values wrap like C on x86
		iv := make([]int64, len(v))
		for i, f := range v {
			switch {
			case math.IsNaN(f):
				iv[i] = math.MinInt64
			case f >= 9.2e18 && dt == tensor.Uint64:
				iv[i] = int64(uint64(f))
			default:
				iv[i] = int64(f)
			}
		}
		return fromInt64(dt, shape, iv), nil
	}
	if dt == tensor.Float16 || dt == tensor.BFloat16 || dt == tensor.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return fromF32(f32Tensor(shape, f), dt), nil
	}
	switch dt {
	case tensor.Float64, tensor.Bool:
		return fromFloat64(dt, shape, v), nil
	}
	return nil, fmt.Errorf("Cast from %v to %v is not supported", x.DType, dt)
}

func fromInt64(dt tensor.DType, shape []int, v []int64) *tensor.Tensor {
	out := &tensor.Tensor{DType: dt, Shape: append([]int{}, shape...)}
	switch dt {
	case tensor.Int8, tensor.Int4:
		out.Data = convSlice[int64, int8](v)
	case tensor.Uint8, tensor.Uint4:
		out.Data = convSlice[int64, uint8](v)
	case tensor.Int16:
		out.Data = convSlice[int64, int16](v)
	case tensor.Uint16:
		out.Data = convSlice[int64, uint16](v)
	case tensor.Int32:
		out.Data = convSlice[int64, int32](v)
	case tensor.Uint32:
		out.Data = convSlice[int64, uint32](v)
	case tensor.Int64:
		out.Data = v
	case tensor.Uint64:
		out.Data = convSlice[int64, uint64](v)
	default:
		panic(fmt.Sprintf("fromInt64: %v", dt))
	}
	return out
}

// formatFloat prints like numpy's str() of the source precision.
func formatFloat(f float64, src tensor.DType) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	}
	bits := 64
	if src == tensor.Float32 || isHalf(src) {
		bits = 32
	}
	if src.IsInt() || src == tensor.Bool {
		return strconv.FormatInt(int64(f), 10)
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, bits)
		return s
	}
	s := strconv.FormatFloat(f, 'f', -1, bits)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
