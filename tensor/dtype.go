// Package tensor holds the data types and the dense tensor value shared by
// the WebNN graph IR, the ONNX loader and both interpreters in runtime/.
//
// DType numbers follow ONNX's TensorProto.DataType so that an ONNX elem_type
// converts with a plain cast; WebNN names (float32, int64, …) and the short
// names of the .webnn text grammar (f32, i64, …) are attached as methods.
package tensor

import "fmt"

// DType is a tensor element type, numbered as ONNX's TensorProto.DataType.
type DType int32

const (
	Undefined      DType = 0
	Float32        DType = 1
	Uint8          DType = 2
	Int8           DType = 3
	Uint16         DType = 4
	Int16          DType = 5
	Int32          DType = 6
	Int64          DType = 7
	String         DType = 8
	Bool           DType = 9
	Float16        DType = 10
	Float64        DType = 11
	Uint32         DType = 12
	Uint64         DType = 13
	Complex64      DType = 14
	Complex128     DType = 15
	BFloat16       DType = 16
	Float8E4M3FN   DType = 17
	Float8E4M3FNUZ DType = 18
	Float8E5M2     DType = 19
	Float8E5M2FNUZ DType = 20
	Uint4          DType = 21
	Int4           DType = 22
)

var dtypeInfo = map[DType]struct {
	name  string // WebNN / JSON name, or ONNX-ish name for non-WebNN types
	short string // .webnn text grammar name; "" when WebNN has no such type
	size  int    // bytes per element in the Go representation (int4/uint4: 1)
}{
	Float32:        {"float32", "f32", 4},
	Float16:        {"float16", "f16", 2},
	Int32:          {"int32", "i32", 4},
	Uint32:         {"uint32", "u32", 4},
	Int64:          {"int64", "i64", 8},
	Uint64:         {"uint64", "u64", 8},
	Int8:           {"int8", "i8", 1},
	Uint8:          {"uint8", "u8", 1},
	Int4:           {"int4", "i4", 1},
	Uint4:          {"uint4", "u4", 1},
	Uint16:         {"uint16", "", 2},
	Int16:          {"int16", "", 2},
	String:         {"string", "", 0},
	Bool:           {"bool", "", 1},
	Float64:        {"float64", "", 8},
	Complex64:      {"complex64", "", 8},
	Complex128:     {"complex128", "", 16},
	BFloat16:       {"bfloat16", "", 2},
	Float8E4M3FN:   {"float8e4m3fn", "", 1},
	Float8E4M3FNUZ: {"float8e4m3fnuz", "", 1},
	Float8E5M2:     {"float8e5m2", "", 1},
	Float8E5M2FNUZ: {"float8e5m2fnuz", "", 1},
}

// String returns the WebNN name (float32, int64, …) for WebNN types and a
// descriptive name for the other ONNX types.
func (d DType) String() string {
	if i, ok := dtypeInfo[d]; ok {
		return i.name
	}
	return fmt.Sprintf("dtype(%d)", int32(d))
}

// Short returns the .webnn text grammar name (f32, i64, …), or "" when the
// type is not a WebNN operand type.
func (d DType) Short() string { return dtypeInfo[d].short }

// IsWebNN reports whether d is one of the ten WebNN operand data types.
func (d DType) IsWebNN() bool { return dtypeInfo[d].short != "" }

// Size is the number of bytes one element takes in memory and in the
// weights file. int4/uint4 count one byte per element, as rustnn's
// validator does (see docs/formats.md).
func (d DType) Size() int { return dtypeInfo[d].size }

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool {
	switch d {
	case Float32, Float16, Float64, BFloat16, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ:
		return true
	}
	return false
}

// IsInt reports whether d is a (signed or unsigned) integer type.
func (d DType) IsInt() bool {
	switch d {
	case Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Int4, Uint4:
		return true
	}
	return false
}

// ParseWebNN maps a WebNN/JSON name ("float32") or a text grammar name
// ("f32") to a DType. Only the ten WebNN operand types are accepted.
func ParseWebNN(s string) (DType, error) {
	for d, i := range dtypeInfo {
		if i.short != "" && (s == i.name || s == i.short) {
			return d, nil
		}
	}
	return Undefined, fmt.Errorf("unknown data type %q", s)
}
