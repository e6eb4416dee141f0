package tensor

import (
	"bytes"
	"encoding/binary"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// npyBytes builds a .npy file by hand: version major, header dict, data.
func npyBytes(major byte, dict string, data []byte) []byte {
	prefix := 10
	if major > 1 {
		prefix = 12
	}
	total := (prefix + len(dict) + 1 + 63) / 64 * 64
	h := []byte(npyMagic)
	h = append(h, major, 0)
	if major == 1 {
		h = binary.LittleEndian.AppendUint16(h, uint16(total-prefix))
	} else {
		h = binary.LittleEndian.AppendUint32(h, uint32(total-prefix))
	}
	h = append(h, dict...)
	for len(h) < total-1 {
		h = append(h, ' ')
	}
	h = append(h, '\n')
	return append(h, data...)
}

// allDTypes holds one tensor per numpy-representable type.
func allDTypes() []*Tensor {
	return []*Tensor{
		{DType: Float32, Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-30, -7}},
		{DType: Float64, Shape: []int{2}, Data: []float64{1.25, -1e300}},
		{DType: Float16, Shape: []int{3}, Data: []uint16{0x3C00, 0xC000, 0x7C00}},
		{DType: Int8, Shape: []int{2}, Data: []int8{-128, 127}},
		{DType: Uint8, Shape: []int{2}, Data: []uint8{0, 255}},
		{DType: Int16, Shape: []int{1}, Data: []int16{-300}},
		{DType: Uint16, Shape: []int{1}, Data: []uint16{65535}},
		{DType: Int32, Shape: []int{2, 1}, Data: []int32{-1, 1 << 30}},
		{DType: Uint32, Shape: []int{1}, Data: []uint32{1 << 31}},
		{DType: Int64, Shape: []int{1, 4}, Data: []int64{1, 2, -3, 1 << 40}},
		{DType: Uint64, Shape: []int{1}, Data: []uint64{1 << 63}},
		{DType: Bool, Shape: []int{3}, Data: []bool{true, false, true}},
		{DType: Complex64, Shape: []int{1}, Data: []complex64{complex(1, -1)}},
		{DType: Complex128, Shape: []int{1}, Data: []complex128{complex(0.5, 2)}},
		{DType: String, Shape: []int{2}, Data: []string{"héllo", ""}},
		{DType: Float32, Shape: []int{}, Data: []float32{42}},
		{DType: Int64, Shape: []int{0, 3}, Data: []int64{}},
	}
}

// TestWriteNPYRefuses checks that types without a numpy equivalent and
// inconsistent tensors are refused.
func TestWriteNPYRefuses(t *testing.T) {
	tests := []struct {
		t    *Tensor
		want string
	}{
		{&Tensor{DType: BFloat16, Shape: []int{1}, Data: []uint16{0}}, "bfloat16 has no numpy data type"},
		{&Tensor{DType: Int4, Shape: []int{1}, Data: []int8{0}}, "int4 has no numpy data type"},
		{&Tensor{DType: Float8E4M3FN, Shape: []int{1}, Data: []uint8{0}}, "float8e4m3fn has no numpy data type"},
		{&Tensor{DType: Float32, Shape: []int{3}, Data: []float32{0}}, "data holds 1 elements, shape needs 3"},
		{&Tensor{DType: Float32, Shape: []int{1}, Data: []int32{0}}, "data is []int32, want []float32"},
	}
	for _, tc := range tests {
		err := WriteNPY(&bytes.Buffer{}, tc.t)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WriteNPY(%v) = %v, want %q", tc.t, err, tc.want)
		}
	}
	if err := WriteNPZ(filepath.Join(t.TempDir(), "x.npz"), []string{"a"}, nil); err == nil {
		t.Errorf("WriteNPZ with a missing tensor succeeded")
	}
}

// TestReadNPYHeaders reads hand-made files: the three format versions,
// byte orders, header variants, and the refusals.
func TestReadNPYHeaders(t *testing.T) {
	le := []byte{1, 0, 0, 0, 2, 0, 0, 0}
	be := []byte{0, 0, 0, 1, 0, 0, 0, 2}
	tests := []struct {
		name  string
		file  []byte
		shape []int
		want  any
		err   string
	}{
		{"v1", npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", le), []int{2}, []int32{1, 2}, ""},
		{"v2", npyBytes(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", le), []int{1, 2}, []int32{1, 2}, ""},
		{"v3", npyBytes(3, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", le), []int{2}, []int32{1, 2}, ""},
		{"big-endian", npyBytes(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be), []int{2}, []int32{1, 2}, ""},
		{"big-endian f2", npyBytes(1, "{'descr': '>f2', 'fortran_order': False, 'shape': (1,), }", []byte{0x3C, 0}), []int{1}, []uint16{0x3C00}, ""},
		{"key order, no trailing comma", npyBytes(1, `{"shape": (2,), "fortran_order": False, "descr": "<i4"}`, le), []int{2}, []int32{1, 2}, ""},
		{"scalar", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", []byte{0, 0, 0x80, 0x3F}), []int{}, []float32{1}, ""},
		{"bytes string", npyBytes(1, "{'descr': '|S3', 'fortran_order': False, 'shape': (2,), }", []byte("ab\x00xyz")), []int{2}, []string{"ab", "xyz"}, ""},
		{"fortran", npyBytes(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }", le), nil, nil, "fortran_order arrays are not supported"},
		{"bad magic", []byte("\x93NUMPX\x01\x00"), nil, nil, "bad magic"},
		{"version 4", npyBytes(1, "{}", nil)[:6:6], nil, nil, "reading magic"},
		{"truncated data", npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", le), nil, nil, "unexpected EOF"},
		{"unknown dtype", npyBytes(1, "{'descr': '<V8', 'fortran_order': False, 'shape': (1,), }", le), nil, nil, `unsupported dtype "<V8"`},
		{"object", npyBytes(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", le), nil, nil, `unsupported dtype "|O"`},
		{"missing shape", npyBytes(1, "{'descr': '<i4', 'fortran_order': False}", le), nil, nil, `missing key "shape"`},
		{"huge shape", npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", le), nil, nil, "is too large"},
		{"claims much, has little", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }", le), nil, nil, "unexpected EOF"},
		{"empty", nil, nil, nil, "reading magic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadNPY(bytes.NewReader(tc.file))
			// A reader that cannot tell its size takes the chunked path.
			got2, err2 := ReadNPY(struct{ io.Reader }{bytes.NewReader(tc.file)})
			if (err == nil) != (err2 == nil) || err == nil && !reflect.DeepEqual(got, got2) {
				t.Errorf("sized reader: %v, %v; unsized reader: %v, %v", got, err, got2, err2)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Data, tc.want) || len(got.Shape) != len(tc.shape) || (len(tc.shape) > 0 && !reflect.DeepEqual(got.Shape, tc.shape)) {
				t.Errorf("got %v %#v, want %v %#v", got.Shape, got.Data, tc.shape, tc.want)
			}
		})
	}
}

// FuzzReadNPY feeds arbitrary bytes to ReadNPY; what it accepts must
// write back and read again to the same tensor.
func FuzzReadNPY(f *testing.F) {
	for _, tt := range allDTypes() {
		var b bytes.Buffer
		if err := WriteNPY(&b, tt); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add(npyBytes(3, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", []byte{0, 0, 0, 1, 0, 0, 0, 2}))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadNPY(bytes.NewReader(data))
		if err != nil {
			return
		}
		if got.DType == String {
			return // NUL-padded strings do not round-trip byte for byte
		}
		var b bytes.Buffer
		if err := WriteNPY(&b, got); err != nil {
			t.Fatalf("WriteNPY of a tensor ReadNPY accepted: %v", err)
		}
		again, err := ReadNPY(&b)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if again.DType != got.DType || !reflect.DeepEqual(again.Shape, got.Shape) || !bytes.Equal(again.Bytes(), got.Bytes()) {
			t.Fatalf("round trip changed %v into %v", got, again)
		}
	})
}
