package lower

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestRefusals checks that what WebNN cannot express is refused with an
// error naming the node, op type, opset and reason — every refused node at
// once.
func TestRefusals(t *testing.T) {
	tests := []struct {
		name  string
		build func(t *testing.T) *onnxpb.Model
		want  []string // one line each, in graph order
	}{
		{"unknown op", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 4).
				node("NonZero", "/nz", strs("x"), strs("y")).
				output("y", tensor.Int64, 1, "n").build(t)
		}, []string{`lower: node "/nz" (NonZero, opset 17): not expressible in WebNN: NonZero: its output shape depends on tensor data (WebNN graphs have static shapes)`}},
		{"attribute value", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 1, 1, 4, 4).
				node("MaxPool", "pool", strs("x"), strs("y"), aInts("kernel_shape", 2, 2), aInt("storage_order", 1)).
				output("y", tensor.Float32, 1, 1, 3, 3).build(t)
		}, []string{`lower: node "pool" (MaxPool, opset 17): not supported by webnn-graph: attribute storage_order=1 is not supported`}},
		{"3-D conv", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 1, 1, 4, 4, 4).
				init("w", f32([]int{1, 1, 2, 2, 2})).
				node("Conv", "conv3d", strs("x", "w"), strs("y")).
				output("y", tensor.Float32, 1, 1, 3, 3, 3).build(t)
		}, []string{`lower: node "conv3d" (Conv, opset 17): not supported by webnn-graph: 3-D convolution (WebNN has conv2d only)`}},
		{"every refusal listed", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 4).
				node("NonZero", "first", strs("x"), strs("a")).
				node("Unique", "", strs("x"), strs("b")).
				node("Relu", "fine", strs("x"), strs("c")).
				output("a", tensor.Int64, 1, "n").output("b", tensor.Float32, "m").output("c", tensor.Float32, 4).build(t)
		}, []string{
			`lower: node "first" (NonZero, opset 17): not expressible in WebNN: NonZero: its output shape depends on tensor data (WebNN graphs have static shapes)`,
			`lower: node "#1" (Unique, opset 17): not expressible in WebNN: Unique: its output shape depends on tensor data (WebNN graphs have static shapes)`,
		}},
		{"check and emission refusals together", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 4, 4).input("k", tensor.Int64).
				node("NonZero", "nz", strs("x"), strs("a")).
				node("Trilu", "tri", strs("x", "k"), strs("b")).
				output("a", tensor.Int64, 2, "n").output("b", tensor.Float32, 4, 4).build(t)
		}, []string{
			`lower: node "nz" (NonZero, opset 17): not expressible in WebNN: NonZero: its output shape depends on tensor data (WebNN graphs have static shapes)`,
			`lower: node "tri" (Trilu, opset 17): not supported by webnn-graph: k input is not constant`,
		}},
		{"dynamic Range bound", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("n", tensor.Int64).
				node("Constant", "zero", nil, strs("z"), aTensor("value", i64Scalar(0))).
				node("Constant", "one", nil, strs("o"), aTensor("value", i64Scalar(1))).
				node("Range", "range", strs("z", "n", "o"), strs("r")).
				output("r", tensor.Int64, "len").build(t)
		}, []string{`lower: node "range" (Range, opset 17): not expressible in WebNN: Range length depends on tensor data (start/limit/delta are not known from input dims)`}},
		{"knock-ons grouped under the op without a lowering", func(t *testing.T) *onnxpb.Model {
			// The unknown op's output has no shape; the Reshape whose
			// target is computed from it fails only because of it.
			b := newModel(17).domain("com.example", 1).input("x", tensor.Float32, "batch", 8).
				node("Mystery", "mystery", strs("x"), strs("m"))
			b.g.Node[0].Domain = "com.example"
			return b.node("Shape", "shape", strs("m"), strs("s")).
				node("Reshape", "reshape", strs("x", "s"), strs("r")).
				node("Relu", "relu", strs("m"), strs("y")).
				node("NonZero", "nz", strs("x"), strs("z")).
				output("r", tensor.Float32, "batch", 8).output("y", tensor.Float32, "batch", 8).output("z", tensor.Int64, 2, "n").build(t)
		}, []string{
			`lower: node "mystery" (com.example.Mystery, opset 1): not implemented in webnn-graph: no lowering for op com.example.Mystery (docs/ops.md lists the ops webnn-graph lowers)`,
			`  and because of it, node "reshape" (Reshape, opset 17): not supported by webnn-graph: shape of "r" is unknown`,
			`lower: node "nz" (NonZero, opset 17): not expressible in WebNN: NonZero: its output shape depends on tensor data (WebNN graphs have static shapes)`,
		}},
		{"an op without a lowering after another is a first cause too", func(t *testing.T) *onnxpb.Model {
			// skl2onnx's LinearClassifier → Normalizer: Normalizer would be
			// refused whatever its input, so it is not a knock-on.
			b := newModel(17).domain("com.example", 1).input("x", tensor.Float32, "batch", 8).
				node("Mystery", "mystery", strs("x"), strs("m")).
				node("Enigma", "enigma", strs("m"), strs("e"))
			b.g.Node[0].Domain, b.g.Node[1].Domain = "com.example", "com.example"
			return b.node("Reshape", "reshape", strs("x", "e"), strs("r")).
				output("r", tensor.Float32, "batch", 8).build(t)
		}, []string{
			`lower: node "mystery" (com.example.Mystery, opset 1): not implemented in webnn-graph: no lowering for op com.example.Mystery (docs/ops.md lists the ops webnn-graph lowers)`,
			`lower: node "enigma" (com.example.Enigma, opset 1): not implemented in webnn-graph: no lowering for op com.example.Enigma (docs/ops.md lists the ops webnn-graph lowers)`,
			`  and because of it, node "reshape" (Reshape, opset 17): not supported by webnn-graph: shape of "r" is unknown`,
		}},
		{"a freeze lifts it", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 1, 1, "h", "w").
				node("MaxPool", "pool", strs("x"), strs("y"), aInts("kernel_shape", 3, 3), aInts("strides", 3, 3), aString("auto_pad", "SAME_UPPER")).
				output("y", tensor.Float32, 1, 1, "oh", "ow").build(t)
		}, []string{`lower: node "pool" (MaxPool, opset 17): not supported by webnn-graph: auto_pad=SAME_UPPER with stride 3 over the dynamic dim "h": both its beginning and its end padding depend on the size (on the size mod 3), which no one padding expresses; make it static with --freeze h=N`}},
		{"a recurrence over a dynamic length", func(t *testing.T) *onnxpb.Model {
			rng := newRand()
			return newModel(17).input("x", tensor.Float32, "s", 1, 4).
				init("w", randF32(rng, 1, 12, 4)).init("r", randF32(rng, 1, 12, 3)).
				node("GRU", "gru", strs("x", "w", "r"), strs("y"), aInt("hidden_size", 3), aFloat("clip", 2)).
				output("y", tensor.Float32, "s", 1, 1, 3).build(t)
		}, []string{`lower: node "gru" (GRU, opset 17): not supported by webnn-graph: GRU over a dynamic sequence length "s": the recurrence is unrolled (the fused lstm/gru cannot take its states, peepholes or options) and WebNN has no loops, so that needs a static number of steps; --freeze s=N makes it static`}},
		{"a fused recurrence over a dynamic length, for rustnn-0.5", func(t *testing.T) *onnxpb.Model {
			rng := newRand()
			return newModel(17).input("x", tensor.Float32, "s", 1, 4).
				init("w", randF32(rng, 1, 12, 4)).init("r", randF32(rng, 1, 12, 3)).
				node("GRU", "gru", strs("x", "w", "r"), strs("y"), aInt("hidden_size", 3)).
				output("y", tensor.Float32, "s", 1, 1, 3).build(t)
		}, []string{`lower: node "gru" (GRU, opset 17): a limit of the target loader, not of WebNN: dynamic sequence length "s": target rustnn-0.5 takes lstm/gru steps as a number (--target webnn reads it as a size; --freeze s=N makes it static)`}},
		{"data types", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("a", tensor.Float32, 2).
				node("Cast", "to64", strs("a"), strs("y"), aInt("to", int64(tensor.Float64))).
				node("Cast", "to16", strs("a"), strs("z"), aInt("to", int64(tensor.Int16))).
				output("y", tensor.Float64, 2).output("z", tensor.Int16, 2).build(t)
		}, []string{
			`lower: node "to64" (Cast, opset 17): not expressible in WebNN: data type float64 has no WebNN equivalent`,
			`lower: node "to16" (Cast, opset 17): not supported by webnn-graph: data type int16 is not a WebNN type and is not widened here`,
		}},
		{"dead code is not checked", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 4).
				node("NonZero", "unused", strs("x"), strs("a")).
				node("Relu", "r", strs("x"), strs("y")).
				output("y", tensor.Float32, 4).build(t)
		}, nil},
		{"dropout in training mode", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 4).input("train", tensor.Bool).
				node("Dropout", "drop", strs("x", "", "train"), strs("y", "mask")).
				output("y", tensor.Float32, 4).output("mask", tensor.Bool, 4).build(t)
		}, []string{`lower: node "drop" (Dropout, opset 17): not supported by webnn-graph: training_mode is not constant false`}},
		{"reflect pads computed from an input dim", func(t *testing.T) *onnxpb.Model {
			// Whisper's feature extractor pads N samples to 480000 (with
			// zeros: lowered, TestCoverage); reflected, the over-padding
			// that lowering uses would not be exact. The pads depend on
			// dim N only, so freezing N lifts the refusal.
			return newModel(17).input("x", tensor.Float32, "batch_size", "N").
				node("Shape", "shape", strs("x"), strs("s"), aInt("start", 1)).
				node("Constant", "len", nil, strs("l"), aTensor("value", i64(480000))).
				node("Sub", "rest", strs("l", "s"), strs("r")).
				node("Constant", "zeros", nil, strs("z"), aTensor("value", i64(0, 0, 0))).
				node("Concat", "pads", strs("z", "r"), strs("p"), aInt("axis", 0)).
				node("Pad", "pad", strs("x", "p"), strs("y"), aString("mode", "reflect")).
				output("y", tensor.Float32, "batch_size", 480000).build(t)
		}, []string{`lower: node "pad" (Pad, opset 17): not supported by webnn-graph: pads input [0, 0, 0, 480000 - N] depends on dim N (WebNN pad takes static paddings); make it static with --freeze N=SIZE`}},
		{"pads from tensor data", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 2, 3).input("p", tensor.Int64, 4).
				node("Pad", "pad", strs("x", "p"), strs("y")).
				output("y", tensor.Float32, "a", "b").build(t)
		}, []string{`lower: node "pad" (Pad, opset 17): not expressible in WebNN: pads input is not constant (it depends on tensor data; WebNN pad takes static paddings)`}},
		{"DFT over a dynamic axis, STFT with a step from data", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 2, "frames", 1).input("s", tensor.Float32, 2, 64).input("st", tensor.Int64).
				node("DFT", "dft", strs("x"), strs("y"), aInt("axis", 1)).
				node("Constant", "w", nil, strs("w"), aTensor("value", f32([]int{16}))).
				node("STFT", "stft", strs("s", "st", "w"), strs("z")).
				output("y", tensor.Float32, 2, "frames", 2).output("z", tensor.Float32, 2, 13, 9, 2).build(t)
		}, []string{
			`lower: node "dft" (DFT, opset 17): not supported by webnn-graph: DFT over the dynamic axis 1 (frames): the basis is built at conversion for a static length; make it static with --freeze frames=N`,
			`lower: node "stft" (STFT, opset 17): not expressible in WebNN: frame_step input is not constant (it depends on tensor data; it is the convolution's stride)`,
		}},
		{"old opset", func(t *testing.T) *onnxpb.Model {
			return newModel(5).input("x", tensor.Float32, 4).
				node("Relu", "r", strs("x"), strs("y")).
				output("y", tensor.Float32, 4).build(t)
		}, []string{`lower: node "r" (Relu, opset 5): not implemented in webnn-graph: Relu version 1 (selected by opset 5) is outside the versions lowered (6+)`}},
		{"opset newer than the operator table", func(t *testing.T) *onnxpb.Model {
			return newModel(OnnxOpsetMax+1).input("x", tensor.Float32, 4).
				node("Relu", "r", strs("x"), strs("y")).
				output("y", tensor.Float32, 4).build(t)
		}, []string{fmt.Sprintf(`lower: node "r" (Relu, opset %d): not implemented in webnn-graph: opset %d is newer than the ONNX operator versions webnn-graph was checked against (through opset %d): Relu may have changed since`, OnnxOpsetMax+1, OnnxOpsetMax+1, OnnxOpsetMax)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert(tc.build(t), Options{})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("converted, want a refusal")
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("error:\n%s\nwant:\n%s", err, strings.Join(tc.want, "\n"))
			}
			if limit := strings.Contains(strings.Join(tc.want, "\n"), "a limit of the target loader"); OnlyTargetLimits(err) != limit {
				t.Errorf("OnlyTargetLimits = %v, want %v", !limit, limit)
			}
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("errors.Is(err, ErrUnsupported) = false")
			}
			var re *RefusalError
			roots := 0
			for _, w := range tc.want {
				if !strings.HasPrefix(w, "  ") {
					roots++
				}
			}
			if !errors.As(err, &re) || len(re.Errs) != roots {
				t.Errorf("want a *RefusalError with %d first causes", roots)
			}
		})
	}
}

// TestAllowNewerOpset: with Options.AllowNewerOpset (--allow-newer-opset)
// a model importing an ai.onnx opset past the operator table converts,
// each operator read by its newest known definition.
func TestAllowNewerOpset(t *testing.T) {
	m := newModel(OnnxOpsetMax+71).input("x", tensor.Float32, 4).
		node("Relu", "r", strs("x"), strs("y")).
		output("y", tensor.Float32, 4).build(t)
	if _, err := Convert(m, Options{}); err == nil {
		t.Fatal("converted without AllowNewerOpset, want a refusal")
	}
	if _, err := Convert(m, Options{AllowNewerOpset: true}); err != nil {
		t.Fatalf("AllowNewerOpset: %v", err)
	}
}
