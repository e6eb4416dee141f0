package weights

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func desc(dt tensor.DType, shape ...int64) graph.Desc {
	d := graph.Desc{DType: dt, Shape: []graph.Dim{}}
	for _, s := range shape {
		d.Shape = append(d.Shape, graph.Static(s))
	}
	return d
}

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestWriterStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	wp, mp := filepath.Join(dir, "model.weights"), filepath.Join(dir, "manifest.json")
	w, err := NewWriter(wp)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 3<<20) // larger than the write buffer
	for i := range big {
		big[i] = byte(i * 7)
	}
	adds := []struct {
		key  string
		d    graph.Desc
		data []byte
	}{
		{"a.weight", desc(tensor.Float32, 3), f32bytes(1, 2, 3)},
		{"b", desc(tensor.Int8, 5), []byte{1, 2, 3, 4, 5}},
		{"a_copy", desc(tensor.Float32, 3), f32bytes(1, 2, 3)},   // identical bytes: stored once
		{"same_len", desc(tensor.Float32, 3), f32bytes(1, 2, 4)}, // same length, other bytes
		{"as_int", desc(tensor.Int32, 3), f32bytes(1, 2, 3)},     // same bytes, other type: still shared
		{"empty", desc(tensor.Float32, 0), []byte{}},
		{"big", desc(tensor.Uint8, 3<<20), big},
		{"big2", desc(tensor.Uint8, 3<<20), append([]byte(nil), big...)},
		{"onnx::W", desc(tensor.Int4, 2), []byte{0x0f, 0x01}},
	}
	for _, a := range adds {
		if err := w.Add(a.key, a.d, a.data); err != nil {
			t.Fatalf("Add(%s): %v", a.key, err)
		}
	}
	m, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(mp); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(wp)
	if string(raw[:4]) != "WGWT" || binary.LittleEndian.Uint32(raw[4:8]) != 1 {
		t.Errorf("header %q", raw[:8])
	}
	if m.Tensors["a.weight"].ByteOffset != 64 {
		t.Errorf("first tensor at %d, want 64", m.Tensors["a.weight"].ByteOffset)
	}
	for k, e := range m.Tensors {
		if e.ByteOffset%Alignment != 0 && e.ByteLength > 0 {
			t.Errorf("%s at %d: not %d-aligned", k, e.ByteOffset, Alignment)
		}
	}
	if m.Tensors["a_copy"].ByteOffset != m.Tensors["a.weight"].ByteOffset || m.Tensors["as_int"].ByteOffset != m.Tensors["a.weight"].ByteOffset {
		t.Errorf("identical tensors not shared: %+v", m.Tensors)
	}
	if m.Tensors["big2"].ByteOffset != m.Tensors["big"].ByteOffset {
		t.Errorf("identical big tensors not shared")
	}
	if m.Tensors["same_len"].ByteOffset == m.Tensors["a.weight"].ByteOffset {
		t.Errorf("different tensors shared")
	}
	if m.Tensors["as_int"].DataType != "int32" || m.Tensors["onnx::W"].DataType != "int4" {
		t.Errorf("data types: %+v", m.Tensors)
	}
	// Stored once: the file holds a, b, same_len, big, onnx::W (+ padding).
	if want := int64(64 + 64 + 64 + 64 + 3<<20 + 2); int64(len(raw)) != want {
		t.Errorf("file size %d, want %d", len(raw), want)
	}
	if sum := sha256.Sum256(raw[DataStart:]); !bytes.Equal(raw[DigestOffset:DigestOffset+32], sum[:]) || hex.EncodeToString(sum[:]) != w.Digest() {
		t.Errorf("header digest %x, Digest() %s, content digest %x", raw[DigestOffset:DigestOffset+32], w.Digest(), sum)
	}
	for i := DigestOffset + 32; i < 64; i++ {
		if raw[i] != 0 {
			t.Fatalf("padding byte %d = %d", i, raw[i])
		}
	}

	s, err := Open(wp, mp)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, a := range adds {
		got, err := s.WeightBytes(a.key)
		if err != nil || !bytes.Equal(got, a.data) {
			t.Errorf("WeightBytes(%s): %v (%d bytes)", a.key, err, len(got))
		}
	}
	// Normalised lookups (rustnn's resolver rules).
	if got, err := s.WeightBytes("a_weight"); err != nil || !bytes.Equal(got, f32bytes(1, 2, 3)) {
		t.Errorf("a_weight: %v", err)
	}
	if got, err := s.WeightBytes("onnx__W"); err != nil || len(got) != 2 {
		t.Errorf("onnx__W: %v", err)
	}
	if _, err := s.WeightBytes("nope"); err == nil || !strings.Contains(err.Error(), `weights ref "nope" is not in the manifest`) {
		t.Errorf("missing ref: %v", err)
	}
	if n, ok := s.WeightLen("big"); !ok || n != 3<<20 {
		t.Errorf("WeightLen = %d %v", n, ok)
	}
	var _ graph.WeightSource = s
	var _ graph.WeightSizes = s
	// A graph that uses the weights validates against the store.
	g := &graph.Graph{Version: 1, Consts: []graph.Const{{Name: "a", Desc: desc(tensor.Float32, 3), Kind: graph.ConstWeights, Ref: "a_weight"}}}
	if err := graph.Validate(g, s); err != nil {
		t.Errorf("Validate: %v", err)
	}
	g.Consts[0].Desc = desc(tensor.Float32, 4)
	if err := graph.Validate(g, s); err == nil {
		t.Errorf("Validate accepted a size mismatch")
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(filepath.Join(dir, "w.weights"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		d    graph.Desc
		data []byte
		want string
	}{
		{"", desc(tensor.Float32, 1), f32bytes(1), "weights: empty tensor key"},
		{"a", desc(tensor.Float32, 2), f32bytes(1), `weights: tensor "a": got 4 bytes, f32[2] needs 8`},
		{"d", graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Dynamic("b", 2)}}, f32bytes(1, 2), `weights: tensor "d": shape f32[dyn("b", 2)] is not static`},
		{"f", desc(tensor.Float64, 1), make([]byte, 8), `weights: tensor "f": data type float64 is not a WebNN operand type`},
	}
	for _, tc := range tests {
		if err := w.Add(tc.key, tc.d, tc.data); err == nil || err.Error() != tc.want {
			t.Errorf("Add(%q) = %v, want %s", tc.key, err, tc.want)
		}
	}
	if err := w.Add("ok", desc(tensor.Float32, 1), f32bytes(1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("ok", desc(tensor.Float32, 1), f32bytes(2)); err == nil || err.Error() != `weights: tensor "ok" added twice` {
		t.Errorf("duplicate key: %v", err)
	}
	if _, err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("late", desc(tensor.Float32, 1), f32bytes(1)); err == nil {
		t.Errorf("Add after Finish accepted")
	}
	if _, err := NewWriter(filepath.Join(dir, "missing", "w")); err == nil || !strings.HasPrefix(err.Error(), "weights: ") {
		t.Errorf("NewWriter in a missing dir: %v", err)
	}
	w2, _ := NewWriter(filepath.Join(dir, "abort.weights"))
	if err := w2.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "abort.weights")); !os.IsNotExist(err) {
		t.Errorf("Abort left the file")
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	man := `{"format":"wg-weights-manifest","version":1,"endianness":"little","tensors":{"w":{"dataType":"float32","shape":[2],"byteOffset":8,"byteLength":8,"layout":"row-major"}}}`
	writeFiles(t, dir, map[string]string{
		"m.json":    man,
		"short.bin": "WGWT\x01\x00\x00\x00abcd",     // 12 bytes: tensor needs [8, 16)
		"ok.bin":    "WGWT\x01\x00\x00\x00abcdefgh", // 16 bytes
		"empty.bin": "",
		"bad.json":  `{"tensors": 1}`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	if _, err := Open(p("short.bin"), p("m.json")); err == nil || err.Error() != p("m.json")+`: manifest: tensor "w": bytes [8, 16) lie beyond the weights file (12 bytes) (weights file `+p("short.bin")+`)` {
		t.Errorf("short weights: %v", err)
	}
	if _, err := Open(p("empty.bin"), p("m.json")); err == nil || !strings.Contains(err.Error(), "(0 bytes)") {
		t.Errorf("empty weights: %v", err)
	}
	if _, err := Open(p("nope.bin"), p("m.json")); err == nil || !strings.Contains(err.Error(), "nope.bin") {
		t.Errorf("missing weights: %v", err)
	}
	if _, err := Open(p("ok.bin"), p("bad.json")); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("bad manifest: %v", err)
	}
	if _, err := Open(dir, p("m.json")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory as weights: %v", err)
	}
	s, err := Open(p("ok.bin"), p("m.json"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.WeightBytes("w"); err != nil || string(b) != "abcdefgh" {
		t.Errorf("w = %q %v", b, err)
	}
	s.Close()
	if _, err := s.WeightBytes("w"); err == nil {
		t.Errorf("WeightBytes after Close")
	}
}

func TestOpenBeside(t *testing.T) {
	man := func(off int) string {
		return `{"tensors":{"w":{"dataType":"uint8","shape":[1],"byteOffset":` + string(rune('0'+off)) + `,"byteLength":1}}}`
	}
	tests := []struct {
		name  string
		files map[string]string
		graph string
		want  string // byte read for "w", or error substring
	}{
		{"model names", map[string]string{"model.weights": "A", "manifest.json": man(0)}, "model.webnn", "A"},
		{"stem names win", map[string]string{"g.weights": "S", "model.weights": "M", "g.manifest.json": man(0), "manifest.json": man(1)}, "g.webnn", "S"},
		{"stem weights, plain manifest", map[string]string{"g.weights": "xS", "manifest.json": man(1)}, "g.json", "S"},
		{"model weights for any stem", map[string]string{"model.weights": "M", "g.manifest.json": man(0)}, "g.webnn", "M"},
		{"no weights", map[string]string{"manifest.json": man(0)}, "g.webnn", "no weights file beside"},
		{"no manifest", map[string]string{"model.weights": "M"}, "model.webnn", "no manifest beside"},
		{"safetensors preferred, checked", map[string]string{"model.safetensors": "", "model.weights": "M", "manifest.json": man(0)}, "model.webnn", "too short for a header"},
		{"safetensors preferred", map[string]string{"model.safetensors": safetensorsOf("w", "T"), "model.weights": "M", "manifest.json": man(0)}, "model.webnn", "T"},
		{"stem weights before model safetensors", map[string]string{"g.weights": "S", "g.manifest.json": man(0), "model.safetensors": safetensorsOf("w", "T")}, "g.webnn", "S"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			s, err := OpenBeside(filepath.Join(dir, tc.graph))
			if len(tc.want) > 1 {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want error containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			b, err := s.WeightBytes("w")
			if err != nil || string(b) != tc.want {
				t.Errorf("w = %q %v, want %q", b, err, tc.want)
			}
		})
	}
}

// The rustnn test fixtures in the corpus are headerless blobs with offset 0
// and keys that need the resolver's normalisation.
func TestCompatWeights(t *testing.T) {
	root := testenv.Shared(t, "compat/webnn-graph/rustnn-rustnn/embedded/src-loader")
	for graphFile, ref := range map[string]string{
		"test_load_with_manifest_and_weights.json":            "weight",
		"test_load_with_sanitized_weight_names.json":          "model_weight_0",
		"test_load_with_namespace_separator_in_manifest.json": "onnx__weight",
	} {
		s, err := OpenBeside(filepath.Join(root, graphFile))
		if err != nil {
			t.Errorf("%s: %v", graphFile, err)
			continue
		}
		want, _ := os.ReadFile(strings.TrimSuffix(filepath.Join(root, graphFile), ".json") + ".weights")
		b, err := s.WeightBytes(ref)
		if err != nil || len(b) != 8 || !bytes.Equal(b, want) {
			t.Errorf("%s: %q = %v %v", graphFile, ref, b, err)
		}
		s.Close()
	}
	_, err := OpenBeside(filepath.Join(root, "test_load_with_weights_out_of_bounds.json"))
	if err == nil || !strings.Contains(err.Error(), `"weight"`) {
		t.Errorf("out of bounds: %v", err)
	}
}

func FuzzWeightsOpen(f *testing.F) {
	f.Add([]byte(`{"format":"wg-weights-manifest","version":1,"endianness":"little","tensors":{"w":{"dataType":"float32","shape":[2],"byteOffset":8,"byteLength":8}}}`), []byte("WGWT\x01\x00\x00\x00\x00\x00\x80?\x00\x00\x00@"))
	f.Add([]byte(`{"tensors":{"a.b":{"byteOffset":0,"byteLength":3},"a_b":{"byteOffset":2,"byteLength":1}}}`), []byte("xyz"))
	f.Fuzz(func(t *testing.T, man, blob []byte) {
		dir := t.TempDir()
		mp, wp := filepath.Join(dir, "manifest.json"), filepath.Join(dir, "model.weights")
		if os.WriteFile(mp, man, 0o644) != nil || os.WriteFile(wp, blob, 0o644) != nil {
			t.Skip()
		}
		s, err := Open(wp, mp)
		if err != nil {
			return
		}
		defer s.Close()
		for _, k := range s.Manifest.Names() {
			e := s.Manifest.Tensors[k]
			b, err := s.WeightBytes(k)
			if err != nil {
				t.Fatalf("entry %q checked at Open but unreadable: %v", k, err)
			}
			if !bytes.Equal(b, blob[e.ByteOffset:e.ByteOffset+e.ByteLength]) {
				t.Fatalf("entry %q: wrong bytes", k)
			}
			s.WeightBytes(manifest.Normalize(k))
		}
	})
}
