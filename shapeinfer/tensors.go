// Conversions between tensor.Tensor and the int64 / float64 working
// arrays of the constant folder, and the decoding of small initializers.

package shapeinfer

import (
	"math"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/x448/float16"
)

// int64s returns t's elements as int64 (integers and bools only).
func int64s(t *tensor.Tensor) ([]int64, bool) {
	switch d := t.Data.(type) {
	case []int64:
		return append([]int64(nil), d...), true
	case []int32:
		return convert[int32, int64](d), true
	case []int16:
		return convert[int16, int64](d), true
	case []int8:
		return convert[int8, int64](d), true
	case []uint8:
		if t.DType != tensor.Uint8 && t.DType != tensor.Uint4 {
			return nil, false
		}
		return convert[uint8, int64](d), true
	case []uint16:
		if t.DType != tensor.Uint16 {
			return nil, false
		}
		return convert[uint16, int64](d), true
	case []uint32:
		return convert[uint32, int64](d), true
	case []uint64:
		return convert[uint64, int64](d), true
	case []bool:
		out := make([]int64, len(d))
		for i, b := range d {
			if b {
				out[i] = 1
			}
		}
		return out, true
	}
	return nil, false
}

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

func convert[S, D number](s []S) []D {
	out := make([]D, len(s))
	for i, v := range s {
		out[i] = D(v)
	}
	return out
}

// float64s returns t's elements as float64 (any numeric type).
func float64s(t *tensor.Tensor) ([]float64, bool) {
	switch d := t.Data.(type) {
	case []float32:
		return convert[float32, float64](d), true
	case []float64:
		return append([]float64(nil), d...), true
	case []uint16:
		out := make([]float64, len(d))
		switch t.DType {
		case tensor.Float16:
			for i, b := range d {
				out[i] = float64(float16.Frombits(b).Float32())
			}
		case tensor.BFloat16:
			for i, b := range d {
				out[i] = float64(math.Float32frombits(uint32(b) << 16))
			}
		default:
			for i, b := range d {
				out[i] = float64(b)
			}
		}
		return out, true
	}
	v, ok := int64s(t)
	if !ok {
		return nil, false
	}
	return convert[int64, float64](v), true
}

// tensorFromInt64s builds a tensor of dt from integer values (saturating
// nothing: values are taken modulo the type as a Go conversion does).
func tensorFromInt64s(dt tensor.DType, shape []int, v []int64) (*tensor.Tensor, bool) {
	if tensor.NumElements(shape) != len(v) {
		return nil, false
	}
	t := &tensor.Tensor{DType: dt, Shape: append([]int{}, shape...)}
	switch dt {
	case tensor.Int64:
		t.Data = append([]int64(nil), v...)
	case tensor.Int32:
		t.Data = convert[int64, int32](v)
	case tensor.Int16:
		t.Data = convert[int64, int16](v)
	case tensor.Int8:
		t.Data = convert[int64, int8](v)
	case tensor.Uint8:
		t.Data = convert[int64, uint8](v)
	case tensor.Uint16:
		t.Data = convert[int64, uint16](v)
	case tensor.Uint32:
		t.Data = convert[int64, uint32](v)
	case tensor.Uint64:
		t.Data = convert[int64, uint64](v)
	case tensor.Bool:
		b := make([]bool, len(v))
		for i, x := range v {
			b[i] = x != 0
		}
		t.Data = b
	case tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16:
		return tensorFromFloat64s(dt, shape, convert[int64, float64](v))
	default:
		return nil, false
	}
	return t, true
}

// tensorFromFloat64s builds a tensor of dt from float values; integer
// types truncate toward zero as ONNX Cast does.
func tensorFromFloat64s(dt tensor.DType, shape []int, v []float64) (*tensor.Tensor, bool) {
	if tensor.NumElements(shape) != len(v) {
		return nil, false
	}
	t := &tensor.Tensor{DType: dt, Shape: append([]int{}, shape...)}
	switch dt {
	case tensor.Float32:
		t.Data = convert[float64, float32](v)
	case tensor.Float64:
		t.Data = append([]float64(nil), v...)
	case tensor.Float16:
		b := make([]uint16, len(v))
		for i, x := range v {
			b[i] = float16.Fromfloat32(float32(x)).Bits()
		}
		t.Data = b
	case tensor.BFloat16:
		b := make([]uint16, len(v))
		for i, x := range v {
			bits := math.Float32bits(float32(x))
			// Round to nearest even, as ONNX Cast to bfloat16.
			bits += 0x7FFF + (bits>>16)&1
			b[i] = uint16(bits >> 16)
		}
		t.Data = b
	case tensor.Bool:
		b := make([]bool, len(v))
		for i, x := range v {
			b[i] = x != 0
		}
		t.Data = b
	default:
		if !isIntLike(dt) {
			return nil, false
		}
		iv := make([]int64, len(v))
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, false
			}
			iv[i] = int64(x)
		}
		return tensorFromInt64s(dt, shape, iv)
	}
	return t, true
}

// decodeTensor decodes a small initializer or Constant value through the
// model's loader (external data included); string tensors are not
// decoded (nil, nil).
func decodeTensor(m *onnxpb.Model, tp *onnxpb.TensorProto) (*tensor.Tensor, error) {
	if tensor.DType(tp.GetDataType()) == tensor.String {
		return nil, nil
	}
	return m.Tensor(tp)
}
