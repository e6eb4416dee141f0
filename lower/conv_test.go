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
// depends on the size) converts once and matches runtime/onnx at every
// size, the small ones included.
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

// TestSameAutoPadDynamicRefused: where the beginning padding depends on
// the size, the refusal says so and names the --freeze.
func TestSameAutoPadDynamicRefused(t *testing.T) {
	m := newModel(17).input("x", tensor.Float32, 1, 1, 8, "w").
		node("AveragePool", "p", strs("x"), strs("y"), aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aString("auto_pad", "SAME_UPPER")).
		output("y", tensor.Float32).build(t)
	_, err := Convert(m, Options{})
	want := `auto_pad=SAME_UPPER with stride 2 over the dynamic dim "w": its beginning padding depends on the size (on the size mod 2), which one padding cannot express; make it static with --freeze w=N`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}
