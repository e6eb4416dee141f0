package weights

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// safetensorsOf is a one-tensor uint8 SafeTensors file holding data.
func safetensorsOf(key, data string) string {
	var b bytes.Buffer
	if _, err := WriteSafetensors(&b, []Tensor{{Key: key, Desc: graph.Desc{DType: tensor.Uint8, Shape: []graph.Dim{graph.Static(int64(len(data)))}}, Data: func() ([]byte, error) { return []byte(data), nil }}}, nil); err != nil {
		panic(err)
	}
	return b.String()
}

func TestSafetensorsRoundTrip(t *testing.T) {
	f32 := graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(2), graph.Static(3)}}
	i64 := graph.Desc{DType: tensor.Int64, Shape: []graph.Dim{graph.Static(2)}}
	wData := make([]byte, 24)
	for i := range wData {
		wData[i] = byte(i)
	}
	idx := []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := WriteSafetensors(f, []Tensor{
		{Key: "layer.0.weight", Desc: f32, Data: func() ([]byte, error) { return wData, nil }},
		{Key: "idx", Desc: i64, Data: func() ([]byte, error) { return idx, nil }},
	}, map[string]string{"producer": "test"})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if int64(len(raw)) != n {
		t.Fatalf("wrote %d bytes, reported %d", len(raw), n)
	}
	hl := binary.LittleEndian.Uint64(raw)
	if hl%8 != 0 || !strings.Contains(string(raw[8:8+hl]), `"layer.0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}`) {
		t.Errorf("header %q", raw[8:8+hl])
	}
	s, err := OpenSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// rustnn's lookup: exact, then "." → "_".
	for ref, want := range map[string][]byte{"layer.0.weight": wData, "layer_0_weight": wData, "idx": idx} {
		b, err := s.WeightBytes(ref)
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("WeightBytes(%q) = %v, %v", ref, b, err)
		}
	}
	g := &graph.Graph{Version: 1, Consts: []graph.Const{{Name: "w", Desc: f32, Kind: graph.ConstWeights, Ref: "layer.0.weight"}}}
	if err := s.CheckConsts(g); err != nil {
		t.Error(err)
	}
}

func TestSafetensorsRefused(t *testing.T) {
	u4 := graph.Desc{DType: tensor.Uint4, Shape: []graph.Dim{graph.Static(4)}}
	if _, err := WriteSafetensors(&bytes.Buffer{}, []Tensor{{Key: "q", Desc: u4, Data: func() ([]byte, error) { return make([]byte, 4), nil }}}, nil); err == nil || !strings.Contains(err.Error(), "4-bit") {
		t.Errorf("uint4 tensor: %v, want a refusal", err)
	}
	header := func(h string) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, uint64(len(h)))
		b.WriteString(h)
		b.Write(make([]byte, 16))
		return b.Bytes()
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"short", []byte{1, 2}, "too short"},
		{"header beyond file", append([]byte{255, 255, 255, 0, 0, 0, 0, 0}, 'x'), "does not fit"},
		{"bad json", header(`{"a":`), "header"},
		{"unknown dtype", header(`{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`), "not one a WebNN constant can take"},
		{"outside data", header(`{"a":{"dtype":"U8","shape":[32],"data_offsets":[0,32]}}`), "outside the data"},
		{"length mismatch", header(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`), "needs 8"},
		{"overlap", header(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`), "overlap"},
		{"negative shape", header(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}`), "shape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseSafetensors(tc.file, int64(len(tc.file)), "m.safetensors")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzSafetensors: any file is parsed or refused, never a panic, and an
// accepted one's entries lie inside it.
func FuzzSafetensors(f *testing.F) {
	f.Add([]byte(safetensorsOf("w", "abc")))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseSafetensors(b, int64(len(b)), "f")
		if err != nil {
			return
		}
		if err := m.Check(int64(len(b))); err != nil {
			t.Fatalf("accepted a header whose entries lie outside: %v", err)
		}
	})
}
