package onnxrt

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/x448/float16"
)

// Helpers shared by the op files: shape arithmetic, dtype promotion of the
// half-precision types, typed data movement by index lists and scalar
// reads of small (shape-like) tensors.

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

type float interface{ ~float32 | ~float64 }

type number interface{ integer | float }

// strides returns row-major strides of shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis int64, rank int) (int, error) {
	a := int(axis)
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return a, nil
}

// broadcastShapes applies ONNX multidirectional (numpy) broadcasting.
func broadcastShapes(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case o == d || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v are not broadcastable", shapes)
			}
		}
	}
	return out, nil
}

// broadcastsTo reports whether in broadcasts to out itself (not to a
// larger shape).
func broadcastsTo(in, out []int) bool {
	r, err := broadcastShapes(in, out)
	return err == nil && sameShape(r, out)
}

// broadcastIndex returns, for every element of outShape, the flat index of
// the element of a tensor of shape in (broadcast to outShape) it reads.
func broadcastIndex(in, outShape []int) []int {
	idx := newIndex(outShape)
	n := len(idx)
	if n == 0 {
		return idx
	}
	rank := len(outShape)
	if rank == 0 {
		return idx
	}
	ist := make([]int, rank)
	st := strides(in)
	off := rank - len(in)
	for i := range in {
		if in[i] != 1 {
			ist[off+i] = st[i]
		}
	}
	// rows of the last dim, with an odometer over the outer dims
	last := outShape[rank-1]
	lastSt := ist[rank-1]
	counter := make([]int, rank-1)
	base := 0
	for o := 0; o < n/last; o++ {
		row := idx[o*last : (o+1)*last]
		for j := range row {
			row[j] = base + j*lastSt
		}
		for d := rank - 2; d >= 0; d-- {
			counter[d]++
			base += ist[d]
			if counter[d] < outShape[d] {
				break
			}
			base -= ist[d] * counter[d]
			counter[d] = 0
		}
	}
	return idx
}

// broadcastKind classifies how an operand of shape in maps onto out:
// "tile" when its elements repeat with period len (its shape is a suffix
// of out, leading dims 1), "spread" when each element covers a block of
// `block` consecutive outputs (its shape is out with trailing dims 1).
func broadcastKind(in, out []int) (kind string, block int) {
	off := len(out) - len(in)
	if off < 0 {
		return "", 0
	}
	padded := make([]int, len(out))
	for i := range padded {
		padded[i] = 1
		if i >= off {
			padded[i] = in[i-off]
		}
	}
	// tile: padded == [1,…,1, out[j+1:]…]
	j := len(out) - 1
	for j >= 0 && padded[j] == out[j] {
		j--
	}
	tile := true
	for i := 0; i <= j; i++ {
		if padded[i] != 1 {
			tile = false
			break
		}
	}
	if tile {
		return "tile", 0
	}
	// spread: padded == [out[:i]…, 1,…,1]
	i := 0
	for i < len(out) && padded[i] == out[i] {
		i++
	}
	for q := i; q < len(out); q++ {
		if padded[q] != 1 {
			return "", 0
		}
	}
	return "spread", tensor.NumElements(out[i:])
}

// take builds a tensor of the given shape whose element i is src[idx[i]].
func take(src *tensor.Tensor, idx []int, shape []int) *tensor.Tensor {
	out := &tensor.Tensor{DType: src.DType, Shape: append([]int{}, shape...)}
	switch d := src.Data.(type) {
	case []float32:
		out.Data = takeT(d, idx)
	case []float64:
		out.Data = takeT(d, idx)
	case []uint16:
		out.Data = takeT(d, idx)
	case []int16:
		out.Data = takeT(d, idx)
	case []int8:
		out.Data = takeT(d, idx)
	case []uint8:
		out.Data = takeT(d, idx)
	case []int32:
		out.Data = takeT(d, idx)
	case []uint32:
		out.Data = takeT(d, idx)
	case []int64:
		out.Data = takeT(d, idx)
	case []uint64:
		out.Data = takeT(d, idx)
	case []bool:
		out.Data = takeT(d, idx)
	case []string:
		out.Data = takeT(d, idx)
	case []complex64:
		out.Data = takeT(d, idx)
	case []complex128:
		out.Data = takeT(d, idx)
	default:
		panic(fmt.Sprintf("take: unsupported data %T", src.Data))
	}
	return out
}

func takeT[T any](src []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = src[j]
	}
	return out
}

// reshaped returns a tensor sharing t's data with a new shape.
func reshaped(t *tensor.Tensor, shape []int) *tensor.Tensor {
	return &tensor.Tensor{DType: t.DType, Shape: append([]int{}, shape...), Data: t.Data}
}

// isHalf reports whether dt is stored as 16-bit patterns computed in float32.
func isHalf(dt tensor.DType) bool { return dt == tensor.Float16 || dt == tensor.BFloat16 }

func f16to32(b uint16) float32 { return float16.Frombits(b).Float32() }
func f32to16(f float32) uint16 { return float16.Fromfloat32(f).Bits() }

func bf16to32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }
func f32tobf16(f float32) uint16 {
	u := math.Float32bits(f)
	if f != f {
		return uint16(u>>16) | 0x40
	}
	// round to nearest even
	u += 0x7FFF + (u>>16)&1
	return uint16(u >> 16)
}

// toF32 returns a float32 view of a float16/bfloat16 tensor (other tensors
// are returned unchanged).
func toF32(t *tensor.Tensor) *tensor.Tensor {
	if t == nil || !isHalf(t.DType) {
		return t
	}
	src := t.Data.([]uint16)
	out := make([]float32, len(src))
	if t.DType == tensor.Float16 {
		for i, v := range src {
			out[i] = f16to32(v)
		}
	} else {
		for i, v := range src {
			out[i] = bf16to32(v)
		}
	}
	return &tensor.Tensor{DType: tensor.Float32, Shape: t.Shape, Data: out}
}

// fromF32 converts a float32 tensor back to dt when dt is a half type.
func fromF32(t *tensor.Tensor, dt tensor.DType) *tensor.Tensor {
	if t == nil || !isHalf(dt) || t.DType != tensor.Float32 {
		return t
	}
	src := t.Data.([]float32)
	out := make([]uint16, len(src))
	if dt == tensor.Float16 {
		for i, v := range src {
			out[i] = f32to16(v)
		}
	} else {
		for i, v := range src {
			out[i] = f32tobf16(v)
		}
	}
	return &tensor.Tensor{DType: dt, Shape: t.Shape, Data: out}
}

// halfWrap runs f on float32 copies of half-precision inputs and converts
// float32 outputs back to the half type of the first half input.
func halfWrap(f kernelFn) kernelFn {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		var half tensor.DType
		for i, t := range in {
			if t != nil && isHalf(t.DType) {
				if half == 0 {
					half = t.DType
				}
				in[i] = toF32(t)
			}
		}
		out, err := f(c, in)
		if err != nil || half == 0 {
			return out, err
		}
		for i, t := range out {
			out[i] = fromF32(t, half)
		}
		return out, nil
	}
}

// ints reads an integer tensor (any integer dtype) as []int64.
func ints(t *tensor.Tensor) ([]int64, error) {
	if t == nil {
		return nil, nil
	}
	switch d := t.Data.(type) {
	case []int64:
		return append([]int64{}, d...), nil
	case []int32:
		return convSlice[int32, int64](d), nil
	case []int16:
		return convSlice[int16, int64](d), nil
	case []int8:
		return convSlice[int8, int64](d), nil
	case []uint8:
		return convSlice[uint8, int64](d), nil
	case []uint16:
		if t.DType == tensor.Uint16 {
			return convSlice[uint16, int64](d), nil
		}
	case []uint32:
		return convSlice[uint32, int64](d), nil
	case []uint64:
		return convSlice[uint64, int64](d), nil
	}
	return nil, fmt.Errorf("expected an integer tensor, got %v", t.DType)
}

// floats reads any numeric tensor as []float64.
func floats(t *tensor.Tensor) ([]float64, error) {
	if t == nil {
		return nil, nil
	}
	t = toF32(t)
	switch d := t.Data.(type) {
	case []float32:
		return convSlice[float32, float64](d), nil
	case []float64:
		return append([]float64{}, d...), nil
	case []bool:
		out := make([]float64, len(d))
		for i, v := range d {
			if v {
				out[i] = 1
			}
		}
		return out, nil
	}
	v, err := ints(t)
	if err != nil {
		return nil, fmt.Errorf("expected a numeric tensor, got %v", t.DType)
	}
	return convSlice[int64, float64](v), nil
}

func convSlice[S, D number](s []S) []D {
	out := make([]D, len(s))
	for i, v := range s {
		out[i] = D(v)
	}
	return out
}

func toInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func toInt64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func i64Tensor(shape []int, v []int64) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int64, Shape: append([]int{}, shape...), Data: v}
}

func f32Tensor(shape []int, v []float32) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Float32, Shape: append([]int{}, shape...), Data: v}
}

// fromFloat64 builds a tensor of dtype dt (numeric or half) from float64
// values; used by ops whose reference arithmetic is done in float64.
func fromFloat64(dt tensor.DType, shape []int, v []float64) *tensor.Tensor {
	out := &tensor.Tensor{DType: dt, Shape: append([]int{}, shape...)}
	switch dt {
	case tensor.Float32:
		out.Data = convSlice[float64, float32](v)
	case tensor.Float64:
		out.Data = v
	case tensor.Float16, tensor.BFloat16:
		return fromF32(f32Tensor(shape, convSlice[float64, float32](v)), dt)
	case tensor.Int8, tensor.Int4:
		out.Data = convSlice[float64, int8](v)
	case tensor.Uint8, tensor.Uint4:
		out.Data = convSlice[float64, uint8](v)
	case tensor.Int16:
		out.Data = convSlice[float64, int16](v)
	case tensor.Uint16:
		out.Data = convSlice[float64, uint16](v)
	case tensor.Int32:
		out.Data = convSlice[float64, int32](v)
	case tensor.Uint32:
		out.Data = convSlice[float64, uint32](v)
	case tensor.Int64:
		out.Data = convSlice[float64, int64](v)
	case tensor.Uint64:
		out.Data = convSlice[float64, uint64](v)
	case tensor.Bool:
		b := make([]bool, len(v))
		for i, x := range v {
			b[i] = x != 0
		}
		out.Data = b
	default:
		panic(fmt.Sprintf("fromFloat64: unsupported dtype %v", dt))
	}
	return out
}

// scalarInt reads the single element of an integer tensor.
func scalarInt(t *tensor.Tensor) (int64, error) {
	v, err := ints(t)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("expected one element, got shape %v", t.Shape)
	}
	return v[0], nil
}

func scalarFloat(t *tensor.Tensor) (float64, error) {
	v, err := floats(t)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("expected one element, got shape %v", t.Shape)
	}
	return v[0], nil
}

// opt returns in[i] or nil when the optional input is absent.
func opt(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// transposeIndex returns the gather index for transposing shape by perm.
func transposeIndex(shape []int, perm []int) ([]int, []int) {
	rank := len(shape)
	outShape := make([]int, rank)
	for i, p := range perm {
		outShape[i] = shape[p]
	}
	st := strides(shape)
	pst := make([]int, rank)
	for i, p := range perm {
		pst[i] = st[p]
	}
	idx := newIndex(outShape)
	n := len(idx)
	counter := make([]int, rank)
	cur := 0
	for i := 0; i < n; i++ {
		idx[i] = cur
		for d := rank - 1; d >= 0; d-- {
			counter[d]++
			cur += pst[d]
			if counter[d] < outShape[d] {
				break
			}
			cur -= pst[d] * counter[d]
			counter[d] = 0
		}
	}
	return idx, outShape
}

func iota(n int) []int {
	v := newSlice[int](n)
	for i := range v {
		v[i] = i
	}
	return v
}

// newSlice allocates a zeroed slice of Π dims elements for a kernel's
// result or scratch, after checking the count for overflow and the bytes
// against the memory budget; a refusal panics with *membudget.Error, which
// runNode reports against the node. Every kernel buffer whose size comes
// from a computed shape is made here, not with a bare make.
func newSlice[T any](dims ...int) []T {
	var z T
	if _, err := membudget.Check(nil, int(unsafe.Sizeof(z)), dims); err != nil {
		if e, ok := err.(*membudget.Error); ok {
			e.DType = fmt.Sprintf("%T", z)
		}
		panic(err)
	}
	n, _ := checked.Product(dims)
	return make([]T, n)
}

// newIndex allocates the element index of a result of shape (one int per
// element, so 8 bytes each), checked like newSlice; a refusal names the
// result's shape.
func newIndex(shape []int) []int {
	if _, err := membudget.Check(nil, int(unsafe.Sizeof(int(0))), shape); err != nil {
		if e, ok := err.(*membudget.Error); ok {
			e.DType = "element index of a result of shape "
		}
		panic(err)
	}
	n, _ := checked.Product(shape)
	return make([]int, n)
}

// outputDType reads an attribute naming an output element type (EyeLike's
// dtype, the window ops' output_datatype; default float32), refusing
// types the kernels cannot produce.
func outputDType(n *node, name string) (tensor.DType, error) {
	dt := tensor.DType(n.i(name, int64(tensor.Float32)))
	switch dt {
	case tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16, tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64,
		tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64:
		return dt, nil
	}
	return 0, fmt.Errorf("attribute %s = %d is not a numeric element type", name, int64(dt))
}
