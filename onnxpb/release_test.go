package onnxpb

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
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
