package webnn

import (
	"fmt"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Constants are used in place: a @weights or @bytes constant whose bytes
// are the little-endian elements of its Go slice type, suitably aligned,
// becomes a tensor whose data is a view of those bytes (the mapped weights
// file, or the mapped ONNX external data for an in-memory conversion), so
// a model's weights are resident once, in the page cache, however many
// programs read them. Matmul and gemm read their weight operands in place
// as well (kernel.Sgemm streams a [K,N] matrix row by row); the measured
// alternative, packing every weight once into the GEMM's panel order, cost
// a second copy of the weights in RSS and a second of Compile, and was no
// faster at decode (docs/benchmarks.md).
//
// Kernels never write into their operands, and the mappings are private
// and writable (onnxpb, weights): a stray write would get a private page,
// never a fault.

// viewBytes returns the elements of b as dt's Go slice type without
// copying, when dt has a fixed-size Go element type, b holds exactly n of
// them and is aligned for it on a little-endian machine; otherwise nil.
func viewBytes(dt tensor.DType, b []byte, n int) any {
	if n <= 0 || !littleEndian || dt.Size() <= 0 || len(b)%dt.Size() != 0 || len(b)/dt.Size() != n {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	if uintptr(p)%uintptr(dt.Size()) != 0 {
		return nil
	}
	switch dt {
	case tensor.Float32:
		return unsafe.Slice((*float32)(p), n)
	case tensor.Float16, tensor.BFloat16, tensor.Uint16:
		return unsafe.Slice((*uint16)(p), n)
	case tensor.Int8:
		return unsafe.Slice((*int8)(p), n)
	case tensor.Uint8:
		return unsafe.Slice((*uint8)(p), n)
	case tensor.Int32:
		return unsafe.Slice((*int32)(p), n)
	case tensor.Uint32:
		return unsafe.Slice((*uint32)(p), n)
	case tensor.Int64:
		return unsafe.Slice((*int64)(p), n)
	case tensor.Uint64:
		return unsafe.Slice((*uint64)(p), n)
	}
	return nil
}

var littleEndian = func() bool {
	v := uint16(1)
	return *(*byte)(unsafe.Pointer(&v)) == 1
}()

// decodeConst turns a graph constant into a tensor: a view of its bytes
// where viewBytes allows, else a decoded copy.
func decodeConst(k *graph.Const, ws graph.WeightSource) (*tensor.Tensor, error) {
	shape, ok := k.Desc.StaticShape()
	if !ok {
		return nil, fmt.Errorf("constant with dynamic shape %v", k.Desc)
	}
	dt := k.Desc.DType
	if !dt.IsWebNN() {
		return nil, fmt.Errorf("unsupported data type %v", dt)
	}
	var b []byte
	switch k.Kind {
	case graph.ConstWeights:
		if ws == nil {
			return nil, fmt.Errorf("@weights(%q) but no weights were given", k.Ref)
		}
		var err error
		if b, err = ws.WeightBytes(k.Ref); err != nil {
			return nil, fmt.Errorf("@weights(%q): %w", k.Ref, err)
		}
	case graph.ConstBytes:
		b = k.Bytes
	case graph.ConstScalar:
		t, err := tensor.Alloc(dt, shape)
		if err != nil {
			return nil, err
		}
		if err := fillNumber(t, string(k.Scalar)); err != nil {
			return nil, fmt.Errorf("@scalar(%s): %w", k.Scalar, err)
		}
		return t, nil
	default:
		return nil, fmt.Errorf("unknown const kind %d", k.Kind)
	}
	n, err := tensor.Elements(shape)
	if err != nil {
		return nil, err
	}
	// int4/uint4 weights are one byte per element, or two per byte (the
	// webnn target writes them packed): the length tells.
	if (dt == tensor.Int4 || dt == tensor.Uint4) && k.Kind == graph.ConstWeights && n > 1 && int64(len(b)) == k.Desc.PackedByteLength() {
		return tensor.FromBytes(dt, shape, b, true)
	}
	if d := viewBytes(dt, b, n); d != nil {
		return &tensor.Tensor{DType: dt, Shape: shape, Data: d}, nil
	}
	return tensor.FromBytes(dt, shape, b, false)
}
