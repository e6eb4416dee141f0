package lower

import (
	"fmt"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestSameAutoPadDynamic: auto_pad=SAME_* over dynamic spatial dims where
// one padding serves every size (stride 1, PaddleOCR's kernel-2 stem
// MaxPool; kernel 2 stride 2; ConvTranspose, whose SAME padding never
// depends on the size), or serves every size of the reversed axis
// (kernel 3 stride 2, TF's SAME convolutions) converts once and matches
// runtime/onnx at every size, the small ones included.
func TestSameAutoPadDynamic(t *testing.T) {
	rng := newRand()
	w := randF32(rng, 2, 1, 3, 3)
	w4 := randF32(rng, 2, 1, 4, 2)
	wt := randF32(rng, 1, 2, 3, 3)
	for _, tc := range []struct {
		name  string
		build func(*modelBuilder) *modelBuilder
	}{
		{"maxpool k2 s1 upper", func(b *modelBuilder) *modelBuilder {
			return b.node("MaxPool", "p", strs("x"), strs("y"), aInts("kernel_shape", 2, 2), aString("auto_pad", "SAME_UPPER"))
		}},
		{"maxpool k2 s2 upper", func(b *modelBuilder) *modelBuilder {
			return b.node("MaxPool", "p", strs("x"), strs("y"), aInts("kernel_shape", 2, 2), aInts("strides", 2, 2), aString("auto_pad", "SAME_UPPER"))
		}},
		{"avgpool k3 s1 lower", func(b *modelBuilder) *modelBuilder {
			return b.node("AveragePool", "p", strs("x"), strs("y"), aInts("kernel_shape", 3, 2), aString("auto_pad", "SAME_LOWER"))
		}},
		{"avgpool k2 s2 counting pads", func(b *modelBuilder) *modelBuilder {
			return b.node("AveragePool", "p", strs("x"), strs("y"), aInts("kernel_shape", 2, 2), aInts("strides", 2, 2), aString("auto_pad", "SAME_UPPER"), aInt("count_include_pad", 1))
		}},
		{"conv k3 s1 upper", func(b *modelBuilder) *modelBuilder {
			return b.init("w", w).node("Conv", "c", strs("x", "w"), strs("y"), aString("auto_pad", "SAME_UPPER"))
		}},
		{"conv k4x2 s1 lower dilated", func(b *modelBuilder) *modelBuilder {
			return b.init("w", w4).node("Conv", "c", strs("x", "w"), strs("y"), aString("auto_pad", "SAME_LOWER"), aInts("dilations", 2, 1))
		}},
		{"maxpool k3 s2 upper (end constant: reversed)", func(b *modelBuilder) *modelBuilder {
			return b.node("MaxPool", "p", strs("x"), strs("y"), aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aString("auto_pad", "SAME_UPPER"))
		}},
		{"avgpool k3 s2 lower counting pads", func(b *modelBuilder) *modelBuilder {
			return b.node("AveragePool", "p", strs("x"), strs("y"), aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aString("auto_pad", "SAME_LOWER"), aInt("count_include_pad", 1))
		}},
		{"conv k3 s2 upper (TF SAME)", func(b *modelBuilder) *modelBuilder {
			return b.init("w", w).node("Conv", "c", strs("x", "w"), strs("y"), aInts("strides", 2, 2), aString("auto_pad", "SAME_UPPER"))
		}},
		{"conv k4x2 s2x1 upper", func(b *modelBuilder) *modelBuilder {
			return b.init("w", w4).node("Conv", "c", strs("x", "w"), strs("y"), aInts("strides", 2, 1), aString("auto_pad", "SAME_UPPER"))
		}},
		{"convtranspose k3 s2 upper", func(b *modelBuilder) *modelBuilder {
			return b.init("w", wt).node("ConvTranspose", "c", strs("x", "w"), strs("y"), aInts("strides", 2, 2), aString("auto_pad", "SAME_UPPER"))
		}},
	} {
		for _, hw := range [][2]int{{1, 1}, {2, 3}, {5, 4}, {7, 6}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, hw[0], hw[1]), func(t *testing.T) {
				m := tc.build(newModel(17).input("x", tensor.Float32, 1, 1, "h", "w")).
					output("y", tensor.Float32).build(t)
				crossCheck(t, m, map[string]*tensor.Tensor{"x": randF32(rng, 1, 1, hw[0], hw[1])}, 1e-5)
			})
		}
	}
}

// TestSameAutoPadDynamic1D: a 1-D Conv and MaxPool (run as 2-D over a
// height of 1) whose SAME padding is reversed on the length axis.
func TestSameAutoPadDynamic1D(t *testing.T) {
	rng := newRand()
	w := randF32(rng, 2, 1, 3)
	for _, l := range []int{1, 2, 5, 8} {
		m := newModel(17).input("x", tensor.Float32, 1, 1, "l").init("w", w).
			node("Conv", "c", strs("x", "w"), strs("c"), aInts("strides", 2), aString("auto_pad", "SAME_UPPER")).
			node("MaxPool", "p", strs("c"), strs("y"), aInts("kernel_shape", 3), aInts("strides", 2), aString("auto_pad", "SAME_UPPER")).
			output("y", tensor.Float32).build(t)
		crossCheck(t, m, map[string]*tensor.Tensor{"x": randF32(rng, 1, 1, l)}, 1e-5)
	}
}

// TestSameAutoPadDynamicRefused: where both the beginning and the end
// padding depend on the size (kernel 3 stride 3), the refusal says so and
// names the --freeze.
func TestSameAutoPadDynamicRefused(t *testing.T) {
	m := newModel(17).input("x", tensor.Float32, 1, 1, 8, "w").
		node("AveragePool", "p", strs("x"), strs("y"), aInts("kernel_shape", 3, 3), aInts("strides", 3, 3), aString("auto_pad", "SAME_UPPER")).
		output("y", tensor.Float32).build(t)
	_, err := Convert(m, Options{})
	want := `auto_pad=SAME_UPPER with stride 3 over the dynamic dim "w": both its beginning and its end padding depend on the size (on the size mod 3), which no one padding expresses; make it static with --freeze w=N`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}
