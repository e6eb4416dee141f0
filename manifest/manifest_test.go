package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

func TestParse(t *testing.T) {
	m, err := Parse([]byte(`{"format": "wg-weights-manifest", "version": 1, "endianness": "little",
	  "tensors": {"b": {"dataType": "float16", "shape": [2, 3], "byteOffset": 64, "byteLength": 12, "layout": "row-major"},
	              "a": {"dataType": "int4", "shape": [3], "byteOffset": 8, "byteLength": 3, "layout": null},
	              "c": {"byteOffset": 0, "byteLength": 5}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Names(), []string{"a", "b", "c"}) {
		t.Errorf("names %v", m.Names())
	}
	want := Entry{DataType: "float16", Shape: []int64{2, 3}, ByteOffset: 64, ByteLength: 12, Layout: "row-major"}
	if !reflect.DeepEqual(m.Tensors["b"], want) {
		t.Errorf("b = %+v", m.Tensors["b"])
	}
	if m.Tensors["a"].Layout != "" || m.Tensors["c"].DataType != "" {
		t.Errorf("a/c = %+v %+v", m.Tensors["a"], m.Tensors["c"])
	}
}

func TestParseErrors(t *testing.T) {
	const h = `{"format": "wg-weights-manifest", "version": 1, "endianness": "little", "tensors": `
	tests := []struct{ src, want string }{
		{``, `manifest: invalid JSON: EOF`},
		{`{"tensors": {}} {}`, `manifest: trailing data after the JSON object`},
		{`{"format": "webnn-graph-json", "tensors": {}}`, `manifest: format "webnn-graph-json" is not "wg-weights-manifest"`},
		{`{"version": 2, "tensors": {}}`, `manifest: version 2 is not supported (want 1)`},
		{`{"endianness": "big", "tensors": {}}`, `manifest: endianness "big" is not supported (want "little")`},
		{`{"format": "wg-weights-manifest"}`, `manifest: missing "tensors" object`},
		{h + `{"w": {"byteOffset": 0}}}`, `manifest: entry "w": missing byteOffset or byteLength`},
		{h + `{"w": {"byteOffset": -1, "byteLength": 4}}}`, `manifest: entry "w": byteOffset must be a non-negative integer, not -1`},
		{h + `{"w": {"byteOffset": 9223372036854775807, "byteLength": 4}}}`, `manifest: entry "w": byte range 9223372036854775807+4 overflows`},
		{h + `{"w": {"dataType": "float64", "shape": [1], "byteOffset": 0, "byteLength": 8}}}`, `manifest: entry "w": unknown data type "float64"`},
		{h + `{"w": {"dataType": "float32", "byteOffset": 0, "byteLength": 8}}}`, `manifest: entry "w": dataType and shape must be given together`},
		{h + `{"w": {"dataType": "float32", "shape": [3], "byteOffset": 0, "byteLength": 8}}}`, `manifest: entry "w": byteLength 8 does not match float32[3] (12 bytes)`},
		{h + `{"w": {"dataType": "float32", "shape": [4294967296, 4294967296], "byteOffset": 0, "byteLength": 8}}}`, `manifest: entry "w": shape [4294967296 4294967296] is too large`},
		{h + `{"w": {"dataType": "float32", "shape": [1], "byteOffset": 0, "byteLength": 4, "layout": "col-major"}}}`, `manifest: entry "w": layout "col-major" is not supported (want "row-major")`},
		{h + `{"w": {"dataType": 1, "shape": [1], "byteOffset": 0, "byteLength": 4}}}`, `manifest: entry "w": dataType must be a string, not a number`},
		{h + `{"w": {"dataType": "float32", "shape": "1", "byteOffset": 0, "byteLength": 4}}}`, `manifest: entry "w": shape must be an array of non-negative integers, not a string`},
		{h + `{"w": {"dataType": "float32", "shape": [1.5], "byteOffset": 0, "byteLength": 4}}}`, `manifest: entry "w": shape must be an array of non-negative integers; element 0 is 1.5`},
		{h + `{"w": {"byteOffset": "0", "byteLength": 4}}}`, `manifest: entry "w": byteOffset must be a non-negative integer, not a string`},
		{h + `{"w": [1]}}`, `manifest: entry "w": must be an object, not an array`},
		{h + `[]}`, `manifest: tensors must be an object, not an array`},
		{`[]`, `manifest: the top level must be an object, not an array`},
		{`{"format": 3, "tensors": {}}`, `manifest: format must be a string, not a number`},
		{h + `{}, "files": {"model.weights": {"byteLength": 1, "sha256": "x"}}}`, `manifest: files: "model.weights": sha256 must be 64 lowercase hex digits`},
		{h + `{}, "onnxNames": {"inputs": {"a": 1}}}`, `manifest: onnxNames.inputs: "a" must be a string, not a number`},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.src))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Parse(%q)\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	m := New()
	m.Tensors["a"] = Entry{ByteOffset: 8, ByteLength: 4}
	m.Tensors["b"] = Entry{ByteOffset: 64, ByteLength: 16}
	if err := m.Check(80); err != nil {
		t.Errorf("Check(80): %v", err)
	}
	want := `manifest: tensor "b": bytes [64, 80) lie beyond the weights file (79 bytes)`
	if err := m.Check(79); err == nil || err.Error() != want {
		t.Errorf("Check(79) = %v, want %s", err, want)
	}
	m.Tensors["c"] = Entry{ByteOffset: 100, ByteLength: 0}
	if err := m.Check(80); err == nil || !strings.Contains(err.Error(), `tensor "c"`) {
		t.Errorf("offset beyond file: %v", err)
	}
}

func TestLookup(t *testing.T) {
	m := New()
	for _, k := range []string{"model.weight.0", "onnx::weight", "exact_key", "a.b", "a_b", "w::z", "w__z"} {
		m.Tensors[k] = Entry{ByteLength: 1}
	}
	for ref, want := range map[string]string{
		"model_weight_0": "model.weight.0", // "." → "_"
		"model.weight.0": "model.weight.0",
		"onnx__weight":   "onnx::weight", // "::" → "__"
		"exact_key":      "exact_key",
		"a.b":            "a.b", // exact key wins over the ambiguous normalisation
		"a_b":            "a_b",
		"w::z":           "w::z",
	} {
		k, _, err := m.Lookup(ref)
		if err != nil || k != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", ref, k, err, want)
		}
	}
	for ref, want := range map[string]string{
		"a/b":   `weights ref "a/b" is not in the manifest`,
		"w..z":  `weights ref "w..z" is ambiguous: manifest keys ["w::z" "w__z"] all normalise to "w__z"`,
		"a:b":   `weights ref "a:b" is not in the manifest`,
		"x.y.z": `weights ref "x.y.z" is not in the manifest`,
	} {
		if _, _, err := m.Lookup(ref); err == nil || err.Error() != want {
			t.Errorf("Lookup(%q) error = %v, want %s", ref, err, want)
		}
	}
	if n, ok := m.WeightLen("model_weight_0"); !ok || n != 1 {
		t.Errorf("WeightLen = %d %v", n, ok)
	}
	if _, ok := m.WeightLen("nope"); ok {
		t.Errorf("WeightLen found nope")
	}
}

func TestWriteFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := New()
	m.Tensors["b"] = Entry{DataType: "float32", Shape: []int64{2}, ByteOffset: 64, ByteLength: 8}
	m.Tensors["a"] = Entry{DataType: "uint4", Shape: []int64{}, ByteOffset: 8, ByteLength: 1, Layout: "row-major"}
	path := filepath.Join(dir, "manifest.json")
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	m.Tensors["b"] = Entry{DataType: "float32", Shape: []int64{2}, ByteOffset: 64, ByteLength: 8, Layout: "row-major"}
	if !reflect.DeepEqual(m, m2) {
		t.Errorf("round trip:\n%+v\n%+v", m, m2)
	}
	b, _ := os.ReadFile(path)
	want := `{
  "format": "wg-weights-manifest",
  "version": 1,
  "endianness": "little",
  "tensors": {
    "a": {
      "dataType": "uint4",
      "shape": [],
      "byteOffset": 8,
      "byteLength": 1,
      "layout": "row-major"
    },
    "b": {
      "dataType": "float32",
      "shape": [
        2
      ],
      "byteOffset": 64,
      "byteLength": 8,
      "layout": "row-major"
    }
  }
}
`
	if string(b) != want {
		t.Errorf("file:\n%s", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := m.WriteFile(filepath.Join(dir, "missing", "m.json")); err == nil || !strings.HasPrefix(err.Error(), "manifest: ") {
		t.Errorf("WriteFile into a missing dir: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "nope.json")); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("Read missing: %v", err)
	}
}

// The corpus manifests (written by webnn-graph and by rustnn's tests) read.
func TestCompatManifests(t *testing.T) {
	root := testenv.Shared(t, "compat/webnn-graph")
	for rel, n := range map[string]int{
		"tarekziade-webnn-graph/examples/resnet_head.manifest.json":                                      2,
		"tarekziade-webnn-graph/examples/weights.manifest.json":                                          2,
		"rustnn-rustnn/examples/mobilenetv2_manifest.json":                                               106,
		"rustnn-rustnn/embedded/src-loader/test_load_with_manifest_and_weights.manifest.json":            1,
		"rustnn-rustnn/embedded/src-loader/test_load_with_sanitized_weight_names.manifest.json":          1,
		"rustnn-rustnn/embedded/src-loader/test_load_with_namespace_separator_in_manifest.manifest.json": 1,
	} {
		m, err := Read(filepath.Join(root, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if len(m.Tensors) != n {
			t.Errorf("%s: %d tensors, want %d", rel, len(m.Tensors), n)
		}
	}
	// byteLength 100 for float32[2]: rustnn (Apr 2026) refuses the load too.
	_, err := Read(filepath.Join(root, "rustnn-rustnn/embedded/src-loader/test_load_with_weights_out_of_bounds.manifest.json"))
	if err == nil || !strings.HasSuffix(err.Error(), `manifest: entry "weight": byteLength 100 does not match float32[2] (8 bytes)`) {
		t.Errorf("out-of-bounds manifest: %v", err)
	}
}

func FuzzManifestRead(f *testing.F) {
	f.Add([]byte(`{"format":"wg-weights-manifest","version":1,"endianness":"little","tensors":{"w":{"dataType":"float32","shape":[2],"byteOffset":8,"byteLength":8,"layout":"row-major"}}}`))
	f.Add([]byte(`{"tensors":{"a.b":{"byteOffset":0,"byteLength":0},"a_b":{"byteOffset":1,"byteLength":2}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		_ = m.Check(1 << 20)
		for _, k := range m.Names() {
			m.Lookup(k)
			m.Lookup(Normalize(k))
		}
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Parse(b)
		if err != nil {
			t.Fatalf("re-read of written manifest: %v\n%s", err, b)
		}
		if len(m2.Tensors) != len(m.Tensors) {
			t.Fatalf("tensor count changed")
		}
	})
}
