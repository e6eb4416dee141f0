package onnxpb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestReleasePagesKeepsData checks that dropping the resident pages of
// mapped weights loses nothing: the bytes read back equal a copy taken
// before, and slices outside the mappings are ignored.
func TestReleasePagesKeepsData(t *testing.T) {
	m, err := Load(filepath.Join(testenv.ZooModel(t, "mobilenet_v2"), "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	released := 0
	for _, init := range m.Graph().GetInitializer() {
		b, err := m.RawBytes(init)
		if err != nil {
			t.Fatal(err)
		}
		want := bytes.Clone(b)
		m.ReleasePages(b)
		if !bytes.Equal(b, want) {
			t.Fatalf("%s: bytes changed after ReleasePages", init.GetName())
		}
		if len(b) >= 8192 {
			released++
		}
	}
	if released == 0 {
		t.Fatal("no initializer spans a whole page; the test checks nothing")
	}
	heap := []byte("not mapped")
	m.ReleasePages(heap)
	if string(heap) != "not mapped" {
		t.Fatal("ReleasePages touched memory outside the mappings")
	}
}

// FileRange locates bytes of the model's mappings in their open files:
// external data and raw_data inside the model file, when the file is 1 MiB
// or more; a small file, a heap slice or a closed model give nothing.
func TestFileRange(t *testing.T) {
	const n = 300 << 10 // float32s: 1.2 MB
	big := make([]byte, 4*n)
	for i := range big {
		big[i] = byte(i * 13)
	}
	small := f32Bytes(1, 2, 3, 4)
	inline := &TensorProto{Name: "inline", DataType: int32(tensor.Float32), Dims: []int64{n}, RawData: big}
	mp := testModel([]*TensorProto{
		extTensor("ext", []int64{n - 16}, "big.bin", 64, 4*(n-16)),
		extTensor("tiny", []int64{4}, "small.bin", 0, 16),
		inline,
	})
	dir := t.TempDir()
	path := writeModel(t, dir, "m.onnx", mp, map[string][]byte{"big.bin": big, "small.bin": small})
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var extBytes []byte
	for _, tc := range []struct {
		name   string
		file   []byte // the bytes of the file it lies in; nil: not located
		offset int64  // want, when file is the external file
	}{
		{"ext", big, 64},
		{"tiny", nil, 0},
		{"inline", file, -1},
	} {
		var init *TensorProto
		for _, i := range m.Graph().GetInitializer() {
			if i.GetName() == tc.name {
				init = i
			}
		}
		b, err := m.RawBytes(init)
		if err != nil {
			t.Fatal(err)
		}
		if tc.name == "ext" {
			extBytes = b
		}
		f, off, ok := m.FileRange(b)
		if ok != (tc.file != nil) {
			t.Fatalf("%s: FileRange ok = %v", tc.name, ok)
		}
		if !ok {
			continue
		}
		if tc.offset >= 0 && off != tc.offset {
			t.Errorf("%s: offset %d, want %d", tc.name, off, tc.offset)
		}
		got := make([]byte, len(b))
		if _, err := f.ReadAt(got, off); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b) || !bytes.Equal(tc.file[off:off+int64(len(b))], b) {
			t.Errorf("%s: the file at offset %d does not hold the tensor's bytes", tc.name, off)
		}
		if _, _, ok := m.FileRange(b[:len(b):len(b)][len(b)-1:]); !ok {
			t.Errorf("%s: last byte not located", tc.name)
		}
	}
	if _, _, ok := m.FileRange(bytes.Clone(big)); ok {
		t.Error("a heap slice was located in a file")
	}
	m.Close()
	if _, _, ok := m.FileRange(extBytes); ok { // compares addresses only
		t.Error("FileRange located bytes after Close")
	}
}
