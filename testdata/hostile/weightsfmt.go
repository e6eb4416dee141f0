package hostile

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
)

// Rows for the weights' own descriptions (a SafeTensors header, a
// manifest) that lie: a shape whose byte size wraps to the data range
// given, a tensor described twice. Both describe bytes the runtimes view
// without copying, so a wrong size is an out-of-range view, not a refusal.

const classWeightsFmt = "10.3/10.7 weights headers: sizes and duplicate entries"

// rawSafetensors writes a SafeTensors file of header JSON hdr and data
// bytes, the header padded to 8 bytes as the format asks.
func rawSafetensors(hdr string, data []byte) func(path string) error {
	return func(path string) error {
		if pad := len(hdr) % 8; pad != 0 {
			hdr += strings.Repeat(" ", 8-pad)
		}
		b := make([]byte, 8, 8+len(hdr)+len(data))
		binary.LittleEndian.PutUint64(b, uint64(len(hdr)))
		b = append(append(b, hdr...), data...)
		return os.WriteFile(path, b, 0o644)
	}
}

// hugeConstGraph replaces dir/model.webnn with AddGraphText whose w is
// declared with the given shape text.
func hugeConstGraph(shape string) func(dir string) error {
	return func(dir string) error {
		text := strings.Replace(AddGraphText, "w: f32[64]", "w: f32["+shape+"]", 1)
		return os.WriteFile(filepath.Join(dir, "model.webnn"), []byte(text), 0o644)
	}
}

func setupAll(fs ...func(string) error) func(string) error {
	return func(dir string) error {
		for _, f := range fs {
			if err := f(dir); err != nil {
				return err
			}
		}
		return nil
	}
}

func init() {
	run := []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}
	validate := []string{"validate", "{dir}/model.webnn"}
	// [2^62] float32 is 2^64 bytes: it wrapped to 0 and matched the empty
	// data range; run viewed 2^62 floats over no bytes (an internal error).
	wraps := rawSafetensors(`{"w": {"dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 0]}}`, nil)
	twice := rawSafetensors(`{"w": {"dtype": "F32", "shape": [64], "data_offsets": [0, 256]}, "w": {"dtype": "F32", "shape": [64], "data_offsets": [256, 512]}}`, make([]byte, 512))
	register(
		Case{Name: "safetensors-byte-size-wraps-run", Class: classWeightsFmt,
			Setup: setupAll(safetensorsWith(wraps), hugeConstGraph("4611686018427387904")),
			Args:  run, Exit: 1, Msg: "byte size overflows"},
		Case{Name: "safetensors-byte-size-wraps-validate", Class: classWeightsFmt,
			Setup: safetensorsWith(wraps), Args: validate, Exit: 1, Msg: "byte size overflows"},
		Case{Name: "safetensors-tensor-twice-run", Class: classWeightsFmt,
			Setup: safetensorsWith(twice), Args: run, Exit: 1, Msg: `member "w" is given twice`},
		Case{Name: "manifest-tensor-twice-validate", Class: classWeightsFmt,
			Setup: func(dir string) error {
				if err := AddGraph(dir); err != nil {
					return err
				}
				p := filepath.Join(dir, "manifest.json")
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				// The entry again, first, pointing at other bytes.
				s := strings.Replace(string(b), `"tensors": {`, `"tensors": {"w": {"dataType": "float32", "shape": [64], "byteOffset": 0, "byteLength": 256},`, 1)
				return os.WriteFile(p, []byte(s), 0o644)
			}, Args: validate, Exit: 1, Msg: `member "w" of tensors is given twice`},
	)
}
