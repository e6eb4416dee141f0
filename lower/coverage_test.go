package lower

import (
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// randWeights is a float32 constant of the given shape with small values.
func randWeights(rng *rand.Rand, shape ...int) *tensor.Tensor {
	x := randF32(rng, shape...)
	for i, v := range x.Data.([]float32) {
		x.Data.([]float32)[i] = v * 0.5
	}
	return x
}

func gruModel(t *testing.T, rbnZero bool) *onnxpb.Model {
	rng := rand.New(rand.NewSource(3))
	const h, in = 3, 2
	b := randWeights(rng, 1, 6*h)
	if rbnZero {
		for i := 5 * h; i < 6*h; i++ {
			b.Data.([]float32)[i] = 0
		}
	}
	return newModel(14).input("x", tensor.Float32, 4, "batch_size", in).
		init("w", randWeights(rng, 1, 3*h, in)).init("r", randWeights(rng, 1, 3*h, h)).init("b", b).
		node("GRU", "gru", strs("x", "w", "r", "b"), strs("y", "yh"), aInt("hidden_size", h), aInt("linear_before_reset", 1)).
		output("y", tensor.Float32, 4, 1, "batch_size", h).output("yh", tensor.Float32, 1, "batch_size", h).build(t)
}

func ceilPoolModel(t *testing.T, op string) *onnxpb.Model {
	return newModel(17).input("x", tensor.Float32, "batch_size", 2, "height", "width").
		node(op, "pool", strs("x"), strs("y"), aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1), aInt("ceil_mode", 1)).
		output("y", tensor.Float32, "batch_size", 2, "h2", "w2").build(t)
}

// resizeToShapeOf resizes x to y's height and width, the sizes built by
// Shape/Slice/Concat as torch exports F.interpolate(x, size=y.shape[-2:]).
func resizeToShapeOf(t *testing.T) *onnxpb.Model {
	return newModel(18).input("x", tensor.Float32, "n", 3, "h", "w").input("y", tensor.Float32, "n", 1, "H", "W").
		init("s0", i64(0)).init("s2", i64(2)).init("s4", i64(4)).
		node("Shape", "shx", strs("x"), strs("sx")).
		node("Shape", "shy", strs("y"), strs("sy")).
		node("Slice", "nc", strs("sx", "s0", "s2"), strs("nc")).
		node("Slice", "hw", strs("sy", "s2", "s4"), strs("hw")).
		node("Concat", "cat", strs("nc", "hw"), strs("sizes"), aInt("axis", 0)).
		node("Resize", "resize", strs("x", "", "", "sizes"), strs("z"), aString("mode", "linear")).
		output("z", tensor.Float32, "n", 3, "H", "W").build(t)
}

// padToMultiple pads the last axis of x [n, 3, w] to a multiple of 4 at
// its end, the amount (4 − w mod 4) mod 4 computed from x's shape.
func padToMultiple(t *testing.T, mode string) *onnxpb.Model {
	return newModel(18).input("x", tensor.Float32, "n", 3, "w").
		init("s2", i64(2)).init("s3", i64(3)).init("four", i64(4)).init("zeros", i64(0, 0, 0, 0, 0)).
		node("Shape", "sh", strs("x"), strs("sx")).
		node("Slice", "w", strs("sx", "s2", "s3"), strs("w")).
		node("Mod", "m1", strs("w", "four"), strs("r")).
		node("Sub", "sub", strs("four", "r"), strs("d")).
		node("Mod", "m2", strs("d", "four"), strs("p")).
		node("Concat", "cat", strs("zeros", "p"), strs("pads"), aInt("axis", 0)).
		node("Pad", "pad", strs("x", "pads"), strs("y"), aString("mode", mode)).
		output("y", tensor.Float32, "n", 3, "w4").build(t)
}

// padToLength pads the last axis of x [batch_size, N] with zeros to a
// fixed length, the amount length − N computed from x's shape (Whisper's
// feature extractor pads its samples to 480000 so).
func padToLength(t *testing.T, length int64) *onnxpb.Model {
	return newModel(17).input("x", tensor.Float32, "batch_size", "N").
		init("len", i64(length)).init("zeros", i64(0, 0, 0)).
		node("Shape", "shape", strs("x"), strs("s"), aInt("start", 1)).
		node("Sub", "rest", strs("len", "s"), strs("r")).
		node("Concat", "pads", strs("zeros", "r"), strs("p"), aInt("axis", 0)).
		node("Pad", "pad", strs("x", "p"), strs("y")).
		output("y", tensor.Float32, "batch_size", length).build(t)
}

// lstmDynamicSeq is a bidirectional LSTM with biases over a dynamic
// sequence length seq (a CRNN OCR head over an image's width).
func lstmDynamicSeq(t *testing.T) *onnxpb.Model {
	r := rand.New(rand.NewSource(6))
	const h, in = 3, 2
	return newModel(14).input("x", tensor.Float32, "seq", "batch_size", in).
		init("w", randWeights(r, 2, 4*h, in)).init("r", randWeights(r, 2, 4*h, h)).init("b", randWeights(r, 2, 8*h)).
		node("LSTM", "lstm", strs("x", "w", "r", "b"), strs("y"), aInt("hidden_size", h), aString("direction", "bidirectional")).
		output("y", tensor.Float32, "seq", 2, "batch_size", h).build(t)
}

func sliceOdd(t *testing.T) *onnxpb.Model {
	return newModel(18).input("x", tensor.Float32, "n", "d").
		init("st", i64(1)).init("en", i64(math.MaxInt64)).init("ax", i64(1)).init("step", i64(2)).
		node("Slice", "sl", strs("x", "st", "en", "ax", "step"), strs("y")).
		output("y", tensor.Float32, "n", "d2").build(t)
}

func TestCoverage(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, tc := range []struct {
		name   string
		model  func(t *testing.T) *onnxpb.Model
		inputs map[string]*tensor.Tensor
	}{
		{"GRU linear_before_reset=1 (resetAfter)", func(t *testing.T) *onnxpb.Model { return gruModel(t, true) },
			map[string]*tensor.Tensor{"x": randF32(rng, 4, 2, 2)}},
		// unrolled: the candidate gate's recurrent bias sits inside the
		// reset product, which the fused gru cannot take without an
		// operand-valued recurrentBias
		{"GRU linear_before_reset=1 with a recurrent candidate bias", func(t *testing.T) *onnxpb.Model { return gruModel(t, false) },
			map[string]*tensor.Tensor{"x": randF32(rng, 4, 2, 2)}},
		{"LSTM with relu cell activation", func(t *testing.T) *onnxpb.Model {
			r := rand.New(rand.NewSource(5))
			const h, in = 3, 2
			return newModel(14).input("x", tensor.Float32, 3, 2, in).
				init("w", randWeights(r, 1, 4*h, in)).init("r", randWeights(r, 1, 4*h, h)).
				node("LSTM", "lstm", strs("x", "w", "r"), strs("y"), aInt("hidden_size", h),
					&onnxpb.AttributeProto{Name: "activations", Type: onnxpb.AttributeProto_STRINGS, Strings: [][]byte{[]byte("Sigmoid"), []byte("Relu"), []byte("Tanh")}}).
				output("y", tensor.Float32, 3, 1, 2, h).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 3, 2, 2)}},
		{"Pad with negative pads crops", func(t *testing.T) *onnxpb.Model {
			return newModel(18).input("x", tensor.Float32, "n", 5).
				init("pads", i64(1, -2, 0, 1)).
				node("Pad", "pad", strs("x", "pads"), strs("y")).
				output("y", tensor.Float32, "m", 4).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 3, 5)}},
		{"MaxPool ceil_mode drops a window in the padding", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 1, 2, 5, 5).
				node("MaxPool", "pool", strs("x"), strs("y"), aInts("kernel_shape", 2, 2), aInts("strides", 2, 2), aInts("pads", 0, 1, 0, 1), aInt("ceil_mode", 1)).
				output("y", tensor.Float32, 1, 2, 3, 3).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 2, 5, 5)}},
		{"AveragePool ceil_mode", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 1, 2, 5, 5).
				node("AveragePool", "pool", strs("x"), strs("y"), aInts("kernel_shape", 2, 2), aInts("strides", 2, 2), aInt("ceil_mode", 1)).
				output("y", tensor.Float32, 1, 2, 3, 3).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 2, 5, 5)}},
		// ResNet's stem pool over dynamic dims: with end padding 1 ≤ extent 3 −
		// stride 2 no last window can start in the padding, so the ceil size
		// is one formula of the dim (odd and even sizes both checked).
		{"MaxPool ceil_mode 3/2/1 over dynamic dims, odd size", func(t *testing.T) *onnxpb.Model {
			return ceilPoolModel(t, "MaxPool")
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 2, 7, 9)}},
		{"MaxPool ceil_mode 3/2/1 over dynamic dims, even size", func(t *testing.T) *onnxpb.Model {
			return ceilPoolModel(t, "MaxPool")
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 2, 8, 6)}},
		{"AveragePool ceil_mode 3/2/1 over dynamic dims", func(t *testing.T) *onnxpb.Model {
			return ceilPoolModel(t, "AveragePool")
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 2, 6, 7)}},
		// F.interpolate(x, size=y.shape[-2:]): sizes from another input's
		// shape, kept as dynamic resample2d sizes (up- and downsampling).
		{"Resize linear to another tensor's spatial dims, upsampling", func(t *testing.T) *onnxpb.Model {
			return resizeToShapeOf(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 3, 5), "y": randF32(rng, 2, 1, 7, 8)}},
		{"Resize linear to another tensor's spatial dims, downsampling", func(t *testing.T) *onnxpb.Model {
			return resizeToShapeOf(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 3, 8, 6), "y": randF32(rng, 1, 1, 4, 3)}},
		// Swin's pad to a multiple of the window: pads (4 − w mod 4) mod 4
		// from the input's shape, over-padded to 3 and sliced back.
		{"Pad to a multiple of 4 computed from a dynamic dim, pad 3", func(t *testing.T) *onnxpb.Model {
			return padToMultiple(t, "constant")
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 5)}},
		{"Pad to a multiple of 4 computed from a dynamic dim, pad 0", func(t *testing.T) *onnxpb.Model {
			return padToMultiple(t, "constant")
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 3, 8)}},
		{"Pad edge to a multiple of 4 computed from a dynamic dim", func(t *testing.T) *onnxpb.Model {
			return padToMultiple(t, "edge")
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 6)}},
		// WebNN's lstm steps is the built graph's sequence length: a size
		// expression for a target that binds dims before building.
		{"LSTM bidirectional over a dynamic sequence length, 5 steps", lstmDynamicSeq,
			map[string]*tensor.Tensor{"x": randF32(rng, 5, 2, 2)}},
		{"LSTM bidirectional over a dynamic sequence length, 1 step", lstmDynamicSeq,
			map[string]*tensor.Tensor{"x": randF32(rng, 1, 3, 2)}},
		// Whisper's pad of N samples to a fixed length: over-padded by
		// length − 1 (below twice the length) and sliced back to it.
		{"Pad to a fixed length computed from a dynamic dim", func(t *testing.T) *onnxpb.Model {
			return padToLength(t, 100000)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 1234)}},
		// x[:, 1::2] of a dynamic dim (Swin's patch merging): odd, even, and
		// a dim below the start (empty).
		{"Slice from 1 by step 2 over a dynamic dim, odd", func(t *testing.T) *onnxpb.Model {
			return sliceOdd(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 7)}},
		{"Slice from 1 by step 2 over a dynamic dim, even", func(t *testing.T) *onnxpb.Model {
			return sliceOdd(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 6)}},
		{"Slice from 1 by step 2 over a dynamic dim, empty", func(t *testing.T) *onnxpb.Model {
			return sliceOdd(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 1)}},
		{"AveragePool count_include_pad=1", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, "batch_size", 2, 4, 4).
				node("AveragePool", "pool", strs("x"), strs("y"), aInts("kernel_shape", 3, 3), aInts("pads", 1, 1, 1, 1), aInt("count_include_pad", 1)).
				output("y", tensor.Float32, "batch_size", 2, 4, 4).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 2, 4, 4)}},
		{"Resize linear scale 0.5 becomes sizes", func(t *testing.T) *onnxpb.Model {
			return newModel(13).input("x", tensor.Float32, 1, 1, 4, 6).
				init("scales", f32([]int{4}, 1, 1, 0.5, 0.5)).
				node("Resize", "resize", strs("x", "", "scales"), strs("y"), aString("mode", "linear")).
				output("y", tensor.Float32, 1, 1, 2, 3).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 1, 1, 4, 6)}},
		{"MeanVarianceNormalization", func(t *testing.T) *onnxpb.Model {
			return newModel(13).input("x", tensor.Float32, 2, 3, 2, 2).
				node("MeanVarianceNormalization", "mvn", strs("x"), strs("y")).
				output("y", tensor.Float32, 2, 3, 2, 2).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 2, 2)}},
		{"InstanceNormalization 1-D spatial", func(t *testing.T) *onnxpb.Model {
			return newModel(13).input("x", tensor.Float32, 2, 3, 5).
				init("s", f32([]int{3}, 0.5, 1, 2)).init("b", f32([]int{3}, 0.1, 0, -0.1)).
				node("InstanceNormalization", "in", strs("x", "s", "b"), strs("y")).
				output("y", tensor.Float32, 2, 3, 5).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 5)}},
		{"BatchNormalization chained", func(t *testing.T) *onnxpb.Model {
			return newModel(15).input("x", tensor.Float32, "batch_size", 3, 2, 2).
				init("s", f32([]int{3}, 0.5, 1, 2)).init("b", f32([]int{3}, 0.1, 0, -0.1)).
				init("m", f32([]int{3}, 0.2, -0.3, 0)).init("v", f32([]int{3}, 1.5, 0.5, 2)).
				node("BatchNormalization", "bn1", strs("x", "s", "b", "m", "v"), strs("h")).
				node("Relu", "relu", strs("h"), strs("hr")).
				node("BatchNormalization", "bn2", strs("hr", "s", "b", "m", "v"), strs("y")).
				output("y", tensor.Float32, "batch_size", 3, 2, 2).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 2, 2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crossCheck(t, tc.model(t), tc.inputs, 1e-5)
		})
	}
}

// TestDynamicStepsTargetLimit: rustnn 0.5 takes lstm steps as a number,
// so a dynamic sequence length is its loader's limit (a plain convert then
// falls back to webnn), named with the --freeze that lifts it.
func TestDynamicStepsTargetLimit(t *testing.T) {
	_, err := Convert(lstmDynamicSeq(t), Options{})
	if !errors.Is(err, ErrTargetLimit) || !OnlyTargetLimits(err) || !strings.Contains(err.Error(), "--freeze seq=") {
		t.Errorf("rustnn-0.5: err = %v, want its loader limit naming --freeze seq", err)
	}
}

func TestCoverageRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model func(t *testing.T) *onnxpb.Model
	}{
		{"Resize scale whose product is not an integer", func(t *testing.T) *onnxpb.Model {
			return newModel(13).input("x", tensor.Float32, 1, 1, 2, 4).
				init("scales", f32([]int{4}, 1, 1, 0.6, 0.6)).
				node("Resize", "resize", strs("x", "", "scales"), strs("y"), aString("mode", "linear")).
				output("y", tensor.Float32, 1, 1, 1, 2).build(t)
		}},
		{"Resize fractional scale of a dynamic dim", func(t *testing.T) *onnxpb.Model {
			return newModel(13).input("x", tensor.Float32, 1, 1, "height", "width").
				init("scales", f32([]int{4}, 1, 1, 0.5, 0.5)).
				node("Resize", "resize", strs("x", "", "scales"), strs("y"), aString("mode", "linear")).
				output("y", tensor.Float32, 1, 1, "h2", "w2").build(t)
		}},
		{"Resize to another tensor's dynamic spatial dims for rustnn-0.5", resizeToShapeOf},
		{"MaxPool ceil_mode with stride 2 over a dynamic dim, end padding that may start a dropped window", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 1, 2, "height", 5).
				node("MaxPool", "pool", strs("x"), strs("y"), aInts("kernel_shape", 2, 2), aInts("strides", 2, 2), aInts("pads", 1, 0, 1, 0), aInt("ceil_mode", 1)).
				output("y", tensor.Float32, 1, 2, "h2", 3).build(t)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert(tc.model(t), Options{})
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("want a refusal, got %v", err)
			}
		})
	}
}
