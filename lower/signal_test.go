package lower

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// twoSTFTs is two STFTs with the same Hann window and step over two
// signals, and a third with another window.
func twoSTFTs(t *testing.T) *onnxpb.Model {
	hann := make([]float32, 16)
	rect := make([]float32, 16)
	for i := range hann {
		hann[i] = float32(0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/16))
		rect[i] = 1
	}
	return newModel(17).input("a", tensor.Float32, 1, 64, 1).input("b", tensor.Float32, 1, 64, 1).
		init("step", i64(8)).init("hann", f32([]int{16}, hann...)).init("rect", f32([]int{16}, rect...)).
		node("STFT", "sa", strs("a", "step", "hann"), strs("ya")).
		node("STFT", "sb", strs("b", "step", "hann"), strs("yb")).
		node("STFT", "sc", strs("b", "step", "rect"), strs("yc")).
		output("ya", tensor.Float32, 1, 7, 9, 2).output("yb", tensor.Float32, 1, 7, 9, 2).output("yc", tensor.Float32, 1, 7, 9, 2).build(t)
}

// TestSignalBasesShared: STFTs with the same frame, bins and window use
// one kernel constant (a model of many STFTs holds one basis, not one per
// node); another window gets its own; results equal runtime/onnx's.
func TestSignalBasesShared(t *testing.T) {
	m := twoSTFTs(t)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	kernels := 0
	for _, k := range res.Graph.Consts {
		if strings.Contains(k.Name, "stft_kernels") {
			kernels++
		}
	}
	if kernels != 2 {
		t.Errorf("%d STFT kernel constants, want 2 (one per window)", kernels)
	}
	rng := rand.New(rand.NewSource(3))
	crossCheck(t, m, map[string]*tensor.Tensor{"a": randF32(rng, 1, 64, 1), "b": randF32(rng, 1, 64, 1)}, 1e-5)
}
