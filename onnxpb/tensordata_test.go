package onnxpb

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// TestTypedFields decodes every data type from its typed storage field
// and from raw_data, with values worked out by hand from onnx.proto's
// rules, and checks that RawBytes of the typed form equals the raw form.
func TestTypedFields(t *testing.T) {
	tests := []struct {
		name  string
		typed *TensorProto // dims and data_type set; raw_data added from raw
		raw   []byte       // the same values as raw_data (nil: no raw form)
		want  any
	}{
		{"float32", &TensorProto{DataType: 1, Dims: []int64{2}, FloatData: []float32{1.5, -2}},
			[]byte{0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0}, []float32{1.5, -2}},
		{"float64", &TensorProto{DataType: 11, Dims: []int64{1}, DoubleData: []float64{0.5}},
			[]byte{0, 0, 0, 0, 0, 0, 0xE0, 0x3F}, []float64{0.5}},
		{"int64", &TensorProto{DataType: 7, Dims: []int64{2}, Int64Data: []int64{-1, 258}},
			[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 2, 1, 0, 0, 0, 0, 0, 0}, []int64{-1, 258}},
		{"int32", &TensorProto{DataType: 6, Dims: []int64{2}, Int32Data: []int32{-2, 65536}},
			[]byte{0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 1, 0}, []int32{-2, 65536}},
		{"int16", &TensorProto{DataType: 5, Dims: []int64{2}, Int32Data: []int32{-3, 300}},
			[]byte{0xFD, 0xFF, 0x2C, 0x01}, []int16{-3, 300}},
		{"int8", &TensorProto{DataType: 3, Dims: []int64{3}, Int32Data: []int32{-128, 127, -1}},
			[]byte{0x80, 0x7F, 0xFF}, []int8{-128, 127, -1}},
		{"uint16", &TensorProto{DataType: 4, Dims: []int64{1}, Int32Data: []int32{65535}},
			[]byte{0xFF, 0xFF}, []uint16{65535}},
		{"uint8", &TensorProto{DataType: 2, Dims: []int64{2}, Int32Data: []int32{255, 7}},
			[]byte{0xFF, 7}, []uint8{255, 7}},
		{"bool", &TensorProto{DataType: 9, Dims: []int64{3}, Int32Data: []int32{1, 0, 1}},
			[]byte{1, 0, 1}, []bool{true, false, true}},
		// float16 1.0 = 0x3C00, -2.0 = 0xC000: bit patterns in int32_data.
		{"float16", &TensorProto{DataType: 10, Dims: []int64{2}, Int32Data: []int32{0x3C00, 0xC000}},
			[]byte{0x00, 0x3C, 0x00, 0xC0}, []uint16{0x3C00, 0xC000}},
		// bfloat16 1.0 = 0x3F80.
		{"bfloat16", &TensorProto{DataType: 16, Dims: []int64{1}, Int32Data: []int32{0x3F80}},
			[]byte{0x80, 0x3F}, []uint16{0x3F80}},
		// float8e4m3fn 1.0 = 0x38; e5m2 1.0 = 0x3C.
		{"float8e4m3fn", &TensorProto{DataType: 17, Dims: []int64{1}, Int32Data: []int32{0x38}}, []byte{0x38}, []uint8{0x38}},
		{"float8e4m3fnuz", &TensorProto{DataType: 18, Dims: []int64{1}, Int32Data: []int32{0x40}}, []byte{0x40}, []uint8{0x40}},
		{"float8e5m2", &TensorProto{DataType: 19, Dims: []int64{1}, Int32Data: []int32{0x3C}}, []byte{0x3C}, []uint8{0x3C}},
		{"float8e5m2fnuz", &TensorProto{DataType: 20, Dims: []int64{1}, Int32Data: []int32{0x40}}, []byte{0x40}, []uint8{0x40}},
		{"uint32", &TensorProto{DataType: 12, Dims: []int64{2}, Uint64Data: []uint64{4294967295, 1}},
			[]byte{0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0}, []uint32{4294967295, 1}},
		{"uint64", &TensorProto{DataType: 13, Dims: []int64{1}, Uint64Data: []uint64{1 << 63}},
			[]byte{0, 0, 0, 0, 0, 0, 0, 0x80}, []uint64{1 << 63}},
		// int4 [1, -1, 7]: nibbles 0x1, 0xF, 0x7 packed low first:
		// byte 0 = 0xF1, byte 1 = 0x07.
		{"int4", &TensorProto{DataType: 22, Dims: []int64{3}, Int32Data: []int32{0xF1, 0x07}},
			[]byte{0xF1, 0x07}, []int8{1, -1, 7}},
		{"uint4", &TensorProto{DataType: 21, Dims: []int64{2, 2}, Int32Data: []int32{0x2F, 0x90}},
			[]byte{0x2F, 0x90}, []uint8{15, 2, 0, 9}},
		{"complex64", &TensorProto{DataType: 14, Dims: []int64{1}, FloatData: []float32{1, -1}},
			[]byte{0, 0, 0x80, 0x3F, 0, 0, 0x80, 0xBF}, []complex64{complex(1, -1)}},
		{"complex128", &TensorProto{DataType: 15, Dims: []int64{1}, DoubleData: []float64{0, 2}},
			[]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40}, []complex128{complex(0, 2)}},
		{"string", &TensorProto{DataType: 8, Dims: []int64{2}, StringData: [][]byte{[]byte("a"), []byte("bc")}},
			nil, []string{"a", "bc"}},
		{"scalar", &TensorProto{DataType: 1, FloatData: []float32{3}}, []byte{0, 0, 0x40, 0x40}, []float32{3}},
		{"empty", &TensorProto{DataType: 1, Dims: []int64{0, 3}}, []byte{}, []float32{}},
	}
	m := &Model{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Tensor(tc.typed)
			if err != nil {
				t.Fatalf("typed: %v", err)
			}
			if !reflect.DeepEqual(got.Data, tc.want) {
				t.Errorf("typed = %#v, want %#v", got.Data, tc.want)
			}
			if tc.raw == nil {
				if _, err := m.RawBytes(tc.typed); err == nil {
					t.Errorf("RawBytes of a string tensor succeeded")
				}
				return
			}
			rawT := &TensorProto{DataType: tc.typed.DataType, Dims: tc.typed.Dims, RawData: tc.raw}
			got, err = m.Tensor(rawT)
			if err != nil {
				t.Fatalf("raw: %v", err)
			}
			if !reflect.DeepEqual(got.Data, tc.want) {
				t.Errorf("raw = %#v, want %#v", got.Data, tc.want)
			}
			rb, err := m.RawBytes(tc.typed)
			if err != nil {
				t.Fatalf("RawBytes(typed): %v", err)
			}
			if !bytes.Equal(rb, tc.raw) {
				t.Errorf("RawBytes(typed) = % x, want % x", rb, tc.raw)
			}
		})
	}
}

// TestTensorErrors checks malformed tensors: wrong counts, bad dims and
// types. None may allocate what the dims claim before checking.
func TestTensorErrors(t *testing.T) {
	tests := []struct {
		name string
		t    *TensorProto
		want string
	}{
		{"too few floats", &TensorProto{Name: "a", DataType: 1, Dims: []int64{3}, FloatData: []float32{1}}, `tensor "a": float32[3] needs 3 float_data entries, has 1`},
		{"raw too short", &TensorProto{Name: "a", DataType: 1, Dims: []int64{3}, RawData: make([]byte, 8)}, `tensor "a": float32[3] needs 12 bytes, data has 8`},
		{"no data", &TensorProto{Name: "a", DataType: 1, Dims: []int64{3}}, `tensor "a": float32[3] has no data`},
		{"negative dim", &TensorProto{Name: "a", DataType: 1, Dims: []int64{-1}}, `negative dimension -1`},
		{"absurd dims", &TensorProto{Name: "a", DataType: 1, Dims: []int64{1 << 40, 1 << 40}, RawData: make([]byte, 4)}, `hold too many elements`},
		{"huge but bounded", &TensorProto{Name: "a", DataType: 1, Dims: []int64{1 << 30, 1 << 10}, RawData: make([]byte, 4)}, `needs 4398046511104 bytes, data has 4`},
		{"undefined type", &TensorProto{Name: "a", DataType: 0, Dims: []int64{1}}, `unsupported data type 0 (UNDEFINED)`},
		{"float4", &TensorProto{Name: "a", DataType: 23, Dims: []int64{1}, RawData: []byte{1}}, `unsupported data type 23 (FLOAT4E2M1)`},
		{"unknown type", &TensorProto{Name: "a", DataType: 99, Dims: []int64{1}}, `unsupported data type 99`},
		{"uint32 overflow", &TensorProto{Name: "a", DataType: 12, Dims: []int64{1}, Uint64Data: []uint64{1 << 32}}, `does not fit uint32`},
		{"int4 count", &TensorProto{Name: "a", DataType: 22, Dims: []int64{3}, Int32Data: []int32{1}}, `needs 2 int32_data entries, has 1`},
		{"wrong field", &TensorProto{Name: "a", DataType: 7, Dims: []int64{1}, Int32Data: []int32{1}}, `needs 1 int64_data entries, has 0`},
	}
	m := &Model{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Tensor(tc.t)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Tensor: %v, want error containing %q", err, tc.want)
			}
			if _, err := DecodeTensor(tc.t, ""); err == nil {
				t.Errorf("DecodeTensor succeeded")
			}
		})
	}
}

// TestReadTensorFile decodes every input_N.pb / output_N.pb of the ONNX
// node tests. Sequence/optional/map values (a few tests) are not
// TensorProtos and parse as empty tensors; those are counted as skipped.
func TestReadTensorFile(t *testing.T) {
	root := testenv.ONNXNodeTests(t)
	files, _ := filepath.Glob(filepath.Join(root, "*", "test_data_set_*", "*put_*.pb"))
	if len(files) == 0 {
		t.Skip("no .pb files")
	}
	passed, failed, skipped := 0, 0, 0
	for _, f := range files {
		tp, err := ReadTensorFile(f)
		if err != nil {
			failed++
			t.Errorf("%v", err)
			continue
		}
		if !declaredTensor(t, f) {
			skipped++
			continue
		}
		if _, err := DecodeTensor(tp, filepath.Dir(f)); err != nil {
			failed++
			t.Errorf("%s: %v", f, err)
			continue
		}
		passed++
	}
	testenv.Report("onnx-tensor-files: %d passed, %d failed, %d skipped", passed, failed, skipped)
	if _, err := ReadTensorFile(filepath.Join(t.TempDir(), "absent.pb")); err == nil {
		t.Errorf("ReadTensorFile of a missing file succeeded")
	}
}

// declaredTensor reports whether the test model declares the value that
// file f (…/test_data_set_K/input_N.pb or output_N.pb) holds as a tensor.
func declaredTensor(t *testing.T, f string) bool {
	m, err := Load(filepath.Join(filepath.Dir(filepath.Dir(f)), "model.onnx"))
	if err != nil {
		t.Errorf("%s: %v", f, err)
		return false
	}
	defer m.Close()
	g := m.Graph()
	inits := map[string]bool{}
	for _, i := range g.GetInitializer() {
		inits[i.GetName()] = true
	}
	var vals []*ValueInfoProto
	if strings.HasPrefix(filepath.Base(f), "input_") {
		for _, in := range g.GetInput() {
			if !inits[in.GetName()] {
				vals = append(vals, in)
			}
		}
	} else {
		vals = g.GetOutput()
	}
	var k int
	fmt.Sscanf(strings.TrimLeft(filepath.Base(f), "inputo_"), "%d", &k)
	if k >= len(vals) {
		t.Errorf("%s: model declares %d values", f, len(vals))
		return false
	}
	_, _, ok := ValueType(vals[k])
	return ok
}
