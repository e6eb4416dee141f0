package onnxpb

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// maxElements bounds the element count of one tensor: far above any real
// model, low enough that element count × 16 bytes cannot overflow.
const maxElements = 1 << 44

// tensorShape checks t's data type and dims and returns them with the
// element count.
func tensorShape(t *TensorProto) (tensor.DType, []int, int, error) {
	dt := tensor.DType(t.GetDataType())
	if dt == tensor.Undefined || (dt.Size() == 0 && dt != tensor.String) {
		return 0, nil, 0, fmt.Errorf("unsupported data type %d%s", t.GetDataType(), dtypeHint(t.GetDataType()))
	}
	shape := make([]int, len(t.GetDims()))
	n := int64(1)
	for i, d := range t.GetDims() {
		if d < 0 {
			return 0, nil, 0, fmt.Errorf("negative dimension %d in dims %v", d, t.GetDims())
		}
		if d > maxElements || (d > 0 && n > maxElements/d) {
			return 0, nil, 0, fmt.Errorf("dims %v hold too many elements", t.GetDims())
		}
		n *= d
		shape[i] = int(d)
	}
	return dt, shape, int(n), nil
}

func dtypeHint(v int32) string {
	if name, ok := TensorProto_DataType_name[v]; ok {
		return " (" + name + ")"
	}
	return ""
}

// storedSize is the number of bytes n elements of dt take in raw_data or
// external data: int4/uint4 are packed two per byte.
func storedSize(dt tensor.DType, n int) int {
	if dt == tensor.Int4 || dt == tensor.Uint4 {
		return (n + 1) / 2
	}
	return n * dt.Size()
}

func tensorLabel(t *TensorProto) string {
	return strconv.Quote(t.GetName())
}

// isExternal reports whether t's bytes live in an external file.
func isExternal(t *TensorProto) bool {
	return t.GetDataLocation() == TensorProto_EXTERNAL
}

// externalRef is a parsed external_data entry list.
type externalRef struct {
	location  string // cleaned, relative
	offset    int64
	length    int64
	hasLength bool
}

func parseExternal(t *TensorProto) (externalRef, error) {
	var r externalRef
	for _, kv := range t.GetExternalData() {
		switch kv.GetKey() {
		case "location":
			r.location = kv.GetValue()
		case "offset", "length":
			v, err := strconv.ParseInt(kv.GetValue(), 10, 64)
			if err != nil || v < 0 {
				return r, fmt.Errorf("external data %s %q is not a non-negative integer", kv.GetKey(), kv.GetValue())
			}
			if kv.GetKey() == "offset" {
				r.offset = v
			} else {
				r.length, r.hasLength = v, true
			}
		}
	}
	if r.location == "" {
		return r, fmt.Errorf("external data has no location")
	}
	if strings.IndexByte(r.location, 0) >= 0 {
		return r, fmt.Errorf("external data location %q holds a NUL byte", r.location)
	}
	// Where the location leads (links followed) is checked when it is
	// opened: package confine refuses anything outside the model directory.
	r.location = filepath.Clean(filepath.FromSlash(r.location))
	return r, nil
}

// window returns the byte range [offset, offset+length) of a file of the
// given size, checking bounds.
func (r externalRef) window(size int64, path string) (int64, int64, error) {
	if r.offset > size {
		return 0, 0, fmt.Errorf("external data offset %d beyond end of %s (%d bytes)", r.offset, path, size)
	}
	length := size - r.offset
	if r.hasLength {
		if r.length > length {
			return 0, 0, fmt.Errorf("external data offset %d + length %d beyond end of %s (%d bytes)", r.offset, r.length, path, size)
		}
		length = r.length
	}
	return r.offset, length, nil
}

// RawBytes returns t's elements as little-endian bytes as ONNX stores
// them (int4/uint4 nibble-packed, bool one byte each). raw_data and
// external data are returned without copying; they stay valid until
// Close. Tensors held in typed fields (float_data, int32_data, …) are
// encoded into a new slice.
func (m *Model) RawBytes(t *TensorProto) ([]byte, error) {
	dt, shape, n, err := tensorShape(t)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
	}
	if dt == tensor.String {
		return nil, fmt.Errorf("onnx: tensor %s: string tensors have no raw bytes", tensorLabel(t))
	}
	want := storedSize(dt, n)
	var b []byte
	switch {
	case isExternal(t):
		b, err = m.externalBytes(t)
		if err != nil {
			return nil, err
		}
	case len(t.GetRawData()) > 0 || !hasTypedData(t):
		m.mu.Lock()
		closed := m.closed
		m.mu.Unlock()
		if closed {
			return nil, fmt.Errorf("onnx: tensor %s: model is closed", tensorLabel(t))
		}
		b = t.GetRawData()
	default:
		tt, err := decodeTyped(t, dt, shape, n)
		if err != nil {
			return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
		}
		return packedBytes(tt), nil
	}
	if len(b) != want {
		return nil, fmt.Errorf("onnx: tensor %s: %v%v needs %d bytes, data has %d", tensorLabel(t), dt, shape, want, len(b))
	}
	return b, nil
}

// externalBytes returns the mapped bytes of an external tensor, mapping
// its file on first use.
func (m *Model) externalBytes(t *TensorProto) ([]byte, error) {
	ref, err := parseExternal(t)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("onnx: tensor %s: model is closed", tensorLabel(t))
	}
	f := m.maps[ref.location]
	if f == nil {
		if m.root == nil {
			if m.root, err = confine.NewRoot(m.baseDir, m.allow...); err != nil {
				return nil, fmt.Errorf("onnx: tensor %s: external data: model directory: %v", tensorLabel(t), err)
			}
		}
		fd, err := m.root.Open(ref.location)
		if err != nil {
			return nil, fmt.Errorf("onnx: tensor %s: external data %v", tensorLabel(t), err)
		}
		data, _, err := mapOpened(fd, ref.location)
		if err != nil {
			fd.Close()
			return nil, fmt.Errorf("onnx: tensor %s: external data: %v", tensorLabel(t), err)
		}
		f = &mappedFile{path: ref.location, data: data}
		if m.keepOpen(len(data)) {
			f.fd = fd
		} else {
			fd.Close()
		}
		if m.maps == nil {
			m.maps = make(map[string]*mappedFile)
		}
		m.maps[ref.location] = f
	}
	off, length, err := ref.window(int64(len(f.data)), f.path)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
	}
	return f.data[off : off+length : off+length], nil
}

// Tensor decodes t into a dense tensor (int4/uint4 unpacked to one
// element per byte). The result never aliases the model's mappings.
func (m *Model) Tensor(t *TensorProto) (*tensor.Tensor, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("onnx: tensor %s: model is closed", tensorLabel(t))
	}
	return decode(t, m.RawBytes)
}

// DecodeTensor decodes t without a Model; external data is read (not
// mapped) from files relative to baseDir.
func DecodeTensor(t *TensorProto, baseDir string) (*tensor.Tensor, error) {
	return decode(t, func(t *TensorProto) ([]byte, error) {
		dt, shape, n, err := tensorShape(t)
		if err != nil {
			return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
		}
		want := storedSize(dt, n)
		b := t.GetRawData()
		if isExternal(t) {
			if b, err = readExternal(t, baseDir, want); err != nil {
				return nil, err
			}
		}
		if len(b) != want {
			return nil, fmt.Errorf("onnx: tensor %s: %v%v needs %d bytes, data has %d", tensorLabel(t), dt, shape, want, len(b))
		}
		return b, nil
	})
}

// readExternal reads t's external bytes, which must be want bytes long
// (checked before reading, so a wrong length never reads a whole file).
func readExternal(t *TensorProto, baseDir string, want int) ([]byte, error) {
	ref, err := parseExternal(t)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
	}
	root, err := confine.NewRoot(baseDir)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: external data: model directory: %v", tensorLabel(t), err)
	}
	path := ref.location
	f, err := root.Open(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: external data %v", tensorLabel(t), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: external data: %v", tensorLabel(t), err)
	}
	off, length, err := ref.window(st.Size(), path)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
	}
	if length != int64(want) {
		dt := tensor.DType(t.GetDataType())
		return nil, fmt.Errorf("onnx: tensor %s: %v%v needs %d bytes, data has %d", tensorLabel(t), dt, t.GetDims(), want, length)
	}
	b := make([]byte, length)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return nil, fmt.Errorf("onnx: tensor %s: external data: %v", tensorLabel(t), err)
	}
	return b, nil
}

// decode turns t into a tensor, fetching raw or external bytes with raw.
func decode(t *TensorProto, raw func(*TensorProto) ([]byte, error)) (*tensor.Tensor, error) {
	dt, shape, n, err := tensorShape(t)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
	}
	if !isExternal(t) && (len(t.GetRawData()) == 0 && hasTypedData(t) || dt == tensor.String) {
		tt, err := decodeTyped(t, dt, shape, n)
		if err != nil {
			return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
		}
		return tt, nil
	}
	if !isExternal(t) && len(t.GetRawData()) == 0 && n > 0 {
		return nil, fmt.Errorf("onnx: tensor %s: %v%v has no data", tensorLabel(t), dt, shape)
	}
	b, err := raw(t)
	if err != nil {
		return nil, err
	}
	if dt == tensor.Int4 || dt == tensor.Uint4 {
		return unpack4(dt, shape, n, b), nil
	}
	tt, err := tensor.FromBytes(dt, shape, b, false)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %s: %v", tensorLabel(t), err)
	}
	return tt, nil
}

// hasTypedData reports whether any typed storage field is set.
func hasTypedData(t *TensorProto) bool {
	return len(t.GetFloatData()) > 0 || len(t.GetInt32Data()) > 0 || len(t.GetStringData()) > 0 ||
		len(t.GetInt64Data()) > 0 || len(t.GetDoubleData()) > 0 || len(t.GetUint64Data()) > 0
}

// decodeTyped decodes the typed storage fields following onnx.proto's
// rules: int32_data holds every type of 16 bits or less (float16,
// bfloat16 and float8 as bit patterns, int4/uint4 two per entry),
// uint64_data holds uint32 and uint64, float_data and double_data also
// hold complex64/complex128 as (real, imaginary) pairs.
func decodeTyped(t *TensorProto, dt tensor.DType, shape []int, n int) (*tensor.Tensor, error) {
	field := func(name string, have, want int) error {
		if have != want {
			return fmt.Errorf("%v%v needs %d %s entries, has %d", dt, shape, want, name, have)
		}
		return nil
	}
	out := &tensor.Tensor{DType: dt, Shape: shape}
	i32 := t.GetInt32Data()
	switch dt {
	case tensor.Float32:
		if err := field("float_data", len(t.GetFloatData()), n); err != nil {
			return nil, err
		}
		out.Data = append([]float32(nil), t.GetFloatData()...)
	case tensor.Complex64:
		src := t.GetFloatData()
		if err := field("float_data", len(src), 2*n); err != nil {
			return nil, err
		}
		d := make([]complex64, n)
		for i := range d {
			d[i] = complex(src[2*i], src[2*i+1])
		}
		out.Data = d
	case tensor.Float64:
		if err := field("double_data", len(t.GetDoubleData()), n); err != nil {
			return nil, err
		}
		out.Data = append([]float64(nil), t.GetDoubleData()...)
	case tensor.Complex128:
		src := t.GetDoubleData()
		if err := field("double_data", len(src), 2*n); err != nil {
			return nil, err
		}
		d := make([]complex128, n)
		for i := range d {
			d[i] = complex(src[2*i], src[2*i+1])
		}
		out.Data = d
	case tensor.Int64:
		if err := field("int64_data", len(t.GetInt64Data()), n); err != nil {
			return nil, err
		}
		out.Data = append([]int64(nil), t.GetInt64Data()...)
	case tensor.Uint64:
		if err := field("uint64_data", len(t.GetUint64Data()), n); err != nil {
			return nil, err
		}
		out.Data = append([]uint64(nil), t.GetUint64Data()...)
	case tensor.Uint32:
		src := t.GetUint64Data()
		if err := field("uint64_data", len(src), n); err != nil {
			return nil, err
		}
		d := make([]uint32, n)
		for i, v := range src {
			if v > math.MaxUint32 {
				return nil, fmt.Errorf("uint64_data[%d] = %d does not fit uint32", i, v)
			}
			d[i] = uint32(v)
		}
		out.Data = d
	case tensor.String:
		src := t.GetStringData()
		if err := field("string_data", len(src), n); err != nil {
			return nil, err
		}
		d := make([]string, n)
		for i, s := range src {
			d[i] = string(s)
		}
		out.Data = d
	case tensor.Int32:
		if err := field("int32_data", len(i32), n); err != nil {
			return nil, err
		}
		out.Data = append([]int32(nil), i32...)
	case tensor.Int16:
		if err := field("int32_data", len(i32), n); err != nil {
			return nil, err
		}
		d := make([]int16, n)
		for i, v := range i32 {
			d[i] = int16(v)
		}
		out.Data = d
	case tensor.Uint16, tensor.Float16, tensor.BFloat16:
		if err := field("int32_data", len(i32), n); err != nil {
			return nil, err
		}
		d := make([]uint16, n)
		for i, v := range i32 {
			d[i] = uint16(v)
		}
		out.Data = d
	case tensor.Int8:
		if err := field("int32_data", len(i32), n); err != nil {
			return nil, err
		}
		d := make([]int8, n)
		for i, v := range i32 {
			d[i] = int8(v)
		}
		out.Data = d
	case tensor.Uint8, tensor.Float8E4M3FN, tensor.Float8E4M3FNUZ, tensor.Float8E5M2, tensor.Float8E5M2FNUZ:
		if err := field("int32_data", len(i32), n); err != nil {
			return nil, err
		}
		d := make([]uint8, n)
		for i, v := range i32 {
			d[i] = uint8(v)
		}
		out.Data = d
	case tensor.Bool:
		if err := field("int32_data", len(i32), n); err != nil {
			return nil, err
		}
		d := make([]bool, n)
		for i, v := range i32 {
			d[i] = v != 0
		}
		out.Data = d
	case tensor.Int4, tensor.Uint4:
		// Two elements per int32 entry, low nibble first.
		if err := field("int32_data", len(i32), (n+1)/2); err != nil {
			return nil, err
		}
		b := make([]byte, len(i32))
		for i, v := range i32 {
			b[i] = byte(v)
		}
		return unpack4(dt, shape, n, b), nil
	default:
		return nil, fmt.Errorf("%v has no typed storage field", dt)
	}
	return out, nil
}

// unpack4 unpacks n int4/uint4 elements stored two per byte, low nibble
// first; len(b) is (n+1)/2.
func unpack4(dt tensor.DType, shape []int, n int, b []byte) *tensor.Tensor {
	if dt == tensor.Int4 {
		d := make([]int8, n)
		for i := range d {
			d[i] = int8(b[i/2]>>(4*uint(i%2))<<4) >> 4
		}
		return &tensor.Tensor{DType: dt, Shape: shape, Data: d}
	}
	d := make([]uint8, n)
	for i := range d {
		d[i] = b[i/2] >> (4 * uint(i%2)) & 0xF
	}
	return &tensor.Tensor{DType: dt, Shape: shape, Data: d}
}

// packedBytes is t's raw form as ONNX stores it: like t.Bytes but with
// int4/uint4 packed two per byte, low nibble first.
func packedBytes(t *tensor.Tensor) []byte {
	if t.DType != tensor.Int4 && t.DType != tensor.Uint4 {
		return t.Bytes()
	}
	one := t.Bytes()
	out := make([]byte, (len(one)+1)/2)
	for i, v := range one {
		out[i/2] |= (v & 0xF) << (4 * uint(i%2))
	}
	return out
}
