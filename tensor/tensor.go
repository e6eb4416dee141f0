package tensor

import (
	"fmt"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/internal/membudget"
)

// Tensor is a dense, row-major tensor. Data holds a typed Go slice whose
// element type depends on DType:
//
//	Float32           []float32
//	Float64           []float64
//	Float16, BFloat16 []uint16 (IEEE half / bfloat16 bit patterns)
//	Int8, Int4        []int8   (int4: one element per byte, sign-extended)
//	Uint8, Uint4      []uint8  (uint4: one element per byte)
//	Float8*           []uint8  (bit patterns)
//	Int16 / Uint16    []int16 / []uint16
//	Int32 / Uint32    []int32 / []uint32
//	Int64 / Uint64    []int64 / []uint64
//	Bool              []bool
//	String            []string
//	Complex64/128     []complex64 / []complex128
//
// A scalar has an empty (non-nil or nil) Shape and one element.
type Tensor struct {
	DType DType
	Shape []int
	Data  any
}

// NumElements is the product of shape (1 for a scalar). A shape with a
// negative dim or whose product overflows int panics with a
// *membudget.Error (the runtimes and the converter recover it and report
// the node); code that meets shapes from a model before any tensor of that
// shape exists should use Elements.
func NumElements(shape []int) int {
	n, ok := checked.Product(shape)
	if !ok {
		_, err := membudget.Check(nil, 1, shape)
		panic(err)
	}
	return n
}

// Elements is NumElements with an error instead of a panic.
func Elements(shape []int) (int, error) {
	n, ok := checked.Product(shape)
	if !ok {
		_, err := membudget.Check(nil, 1, shape)
		return 0, err
	}
	return n, nil
}

// elemBytes is the memory one element of dt takes (a string header for
// strings), for the memory budget.
func elemBytes(dt DType) int {
	if dt == String {
		return 16
	}
	return max(dt.Size(), 1)
}

// Alloc is New with an error, not a panic, when the tensor's size
// overflows or is over the memory budget (see membudget).
func Alloc(dt DType, shape []int) (*Tensor, error) {
	n, err := checkAlloc(dt, shape)
	if err != nil {
		return nil, err
	}
	return &Tensor{DType: dt, Shape: append([]int{}, shape...), Data: makeSlice(dt, n)}, nil
}

// CheckAlloc returns the error New(dt, shape) would panic with, or nil:
// for kernels that build an index or scratch before the result itself.
func CheckAlloc(dt DType, shape []int) error {
	_, err := checkAlloc(dt, shape)
	return err
}

// checkAlloc returns the element count of a tensor of dt and shape after
// checking it against the memory budget.
func checkAlloc(dt DType, shape []int) (int, error) {
	if _, err := membudget.Check(dt, elemBytes(dt), shape); err != nil {
		return 0, err
	}
	n, _ := checked.Product(shape)
	return n, nil
}

// Len is the number of elements.
func (t *Tensor) Len() int { return NumElements(t.Shape) }

// New allocates a zero tensor. The shape slice is copied. A tensor whose
// size overflows or is over the memory budget is never allocated: New
// panics with a *membudget.Error, which the runtimes and the converter
// recover and report against the node (Alloc returns it instead).
func New(dt DType, shape []int) *Tensor {
	n, err := checkAlloc(dt, shape)
	if err != nil {
		panic(err)
	}
	return &Tensor{DType: dt, Shape: append([]int{}, shape...), Data: makeSlice(dt, n)}
}

// MakeSlice allocates the typed slice that holds n elements of dt, after
// checking it against the memory budget as New does.
func MakeSlice(dt DType, n int) any {
	if _, err := membudget.Check(dt, elemBytes(dt), []int{n}); err != nil {
		panic(err)
	}
	return makeSlice(dt, n)
}

func makeSlice(dt DType, n int) any {
	switch dt {
	case Float32:
		return make([]float32, n)
	case Float64:
		return make([]float64, n)
	case Float16, BFloat16, Uint16:
		return make([]uint16, n)
	case Int8, Int4:
		return make([]int8, n)
	case Uint8, Uint4, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ:
		return make([]uint8, n)
	case Int16:
		return make([]int16, n)
	case Int32:
		return make([]int32, n)
	case Uint32:
		return make([]uint32, n)
	case Int64:
		return make([]int64, n)
	case Uint64:
		return make([]uint64, n)
	case Bool:
		return make([]bool, n)
	case String:
		return make([]string, n)
	case Complex64:
		return make([]complex64, n)
	case Complex128:
		return make([]complex128, n)
	}
	panic(fmt.Sprintf("tensor: MakeSlice of %v", dt))
}

// FromBytes decodes little-endian raw bytes (ONNX raw_data / weights file
// layout) into a new tensor. int4/uint4 are read one element per byte unless
// packed is true, in which case two elements share a byte, low nibble first
// (ONNX raw_data packing).
func FromBytes(dt DType, shape []int, b []byte, packed bool) (*Tensor, error) {
	n, err := Elements(shape)
	if err != nil {
		return nil, err
	}
	if dt == String {
		return nil, fmt.Errorf("string tensors have no raw byte form")
	}
	want := n
	switch {
	case (dt == Int4 || dt == Uint4) && packed:
		want = n/2 + n%2
	case dt != Int4 && dt != Uint4 && dt != Bool:
		var ok bool
		if want, ok = checked.Mul(n, dt.Size()); !ok {
			return nil, fmt.Errorf("%v tensor of shape %v is too large", dt, shape)
		}
	}
	if len(b) != want {
		return nil, fmt.Errorf("%v tensor of shape %v needs %d bytes, have %d", dt, shape, want, len(b))
	}
	t, err := Alloc(dt, shape)
	if err != nil {
		return nil, err
	}
	if dt == Int4 || dt == Uint4 {
		for i := 0; i < n; i++ {
			var v byte
			if packed {
				v = b[i/2] >> (4 * uint(i%2)) & 0xF
			} else {
				v = b[i]
			}
			if dt == Int4 {
				t.Data.([]int8)[i] = int8(v<<4) >> 4
			} else {
				t.Data.([]uint8)[i] = v & 0xF
			}
		}
		return t, nil
	}
	if dt == Bool {
		d := t.Data.([]bool)
		for i := range d {
			d[i] = b[i] != 0
		}
		return t, nil
	}
	if n > 0 {
		copy(unsafe.Slice((*byte)(dataPtr(t)), want), b)
	}
	return t, nil
}

// Bytes returns the little-endian raw bytes of t (one byte per int4/uint4
// element, one byte per bool). The result never aliases t.Data.
func (t *Tensor) Bytes() []byte {
	n := t.Len()
	switch t.DType {
	case String:
		panic("tensor: Bytes of a string tensor")
	case Bool:
		out := make([]byte, n)
		for i, v := range t.Data.([]bool) {
			if v {
				out[i] = 1
			}
		}
		return out
	}
	size := t.DType.Size()
	out := make([]byte, n*size)
	if n > 0 {
		copy(out, unsafe.Slice((*byte)(dataPtr(t)), n*size))
	}
	return out
}

// dataPtr returns a pointer to the first element of t.Data (n > 0).
// The project targets little-endian machines only (amd64, arm64), so the
// in-memory layout of a typed slice equals the on-disk layout.
func dataPtr(t *Tensor) unsafe.Pointer {
	switch d := t.Data.(type) {
	case []float32:
		return unsafe.Pointer(&d[0])
	case []float64:
		return unsafe.Pointer(&d[0])
	case []uint16:
		return unsafe.Pointer(&d[0])
	case []int16:
		return unsafe.Pointer(&d[0])
	case []int8:
		return unsafe.Pointer(&d[0])
	case []uint8:
		return unsafe.Pointer(&d[0])
	case []int32:
		return unsafe.Pointer(&d[0])
	case []uint32:
		return unsafe.Pointer(&d[0])
	case []int64:
		return unsafe.Pointer(&d[0])
	case []uint64:
		return unsafe.Pointer(&d[0])
	case []complex64:
		return unsafe.Pointer(&d[0])
	case []complex128:
		return unsafe.Pointer(&d[0])
	}
	panic(fmt.Sprintf("tensor: no raw layout for %T", t.Data))
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{DType: t.DType, Shape: append([]int{}, t.Shape...)}
	n := t.Len()
	c.Data = MakeSlice(t.DType, n)
	switch d := t.Data.(type) {
	case []bool:
		copy(c.Data.([]bool), d)
	case []string:
		copy(c.Data.([]string), d)
	default:
		if n > 0 {
			size := t.DType.Size()
			copy(unsafe.Slice((*byte)(dataPtr(c)), n*size), unsafe.Slice((*byte)(dataPtr(t)), n*size))
		}
	}
	return c
}

// String gives a short description such as "float32[1,3,224,224]".
func (t *Tensor) String() string { return fmt.Sprintf("%v%v", t.DType, t.Shape) }

// DataLen is the number of elements in a typed data slice (see Tensor),
// or -1 when data is not one of the slice types a Tensor may hold.
func DataLen(d any) int {
	switch d := d.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	case []uint16:
		return len(d)
	case []int16:
		return len(d)
	case []int8:
		return len(d)
	case []uint8:
		return len(d)
	case []int32:
		return len(d)
	case []uint32:
		return len(d)
	case []int64:
		return len(d)
	case []uint64:
		return len(d)
	case []bool:
		return len(d)
	case []string:
		return len(d)
	case []complex64:
		return len(d)
	case []complex128:
		return len(d)
	}
	return -1
}
