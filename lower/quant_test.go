package lower

import (
	"math"
	"testing"

	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestMatMulNBits checks the 4-bit decomposition against a direct
// dequantize-and-multiply in Go, with K not a multiple of block_size and
// packed zero points.
func TestMatMulNBits(t *testing.T) {
	const K, N, bs = 5, 3, 4
	const blocks = (K + bs - 1) / bs
	packed := make([]uint8, N*blocks*bs/2)
	for i := range packed {
		packed[i] = uint8(i*37 + 11)
	}
	scales := make([]float32, N*blocks)
	for i := range scales {
		scales[i] = 0.05 * float32(i+1)
	}
	zps := []uint8{0x73, 0x2a, 0xf1} // one byte per row holds both blocks' zero points
	a := []float32{0.5, -1, 2, 0.25, 3, -0.5, 1.5, 0, -2, 1}
	m := newModel(17).domain("com.microsoft", 1).
		input("a", tensor.Float32, "batch_size", K).
		init("b", &tensor.Tensor{DType: tensor.Uint8, Shape: []int{N, blocks, bs / 2}, Data: packed}).
		init("scales", &tensor.Tensor{DType: tensor.Float32, Shape: []int{N * blocks}, Data: scales}).
		init("zp", &tensor.Tensor{DType: tensor.Uint8, Shape: []int{N}, Data: zps}).
		msNode("MatMulNBits", "mmnb", strs("a", "b", "scales", "zp"), strs("y"),
			aInt("K", K), aInt("N", N), aInt("bits", 4), aInt("block_size", bs)).
		output("y", tensor.Float32, "batch_size", N).build(t)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Skipf("runtime/webnn cannot compile it yet: %v", err)
	}
	out, err := prog.Run(map[string]*tensor.Tensor{"a": {DType: tensor.Float32, Shape: []int{2, K}, Data: a}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	got := out["y"].Data.([]float32)
	for r := 0; r < 2; r++ {
		for col := 0; col < N; col++ {
			want := 0.0
			for k := 0; k < K; k++ {
				b := k / bs
				e := (col*blocks+b)*bs + k%bs
				q := packed[e/2] >> (4 * uint(e%2)) & 0xF
				z := zps[col] >> (4 * uint(b%2)) & 0xF
				w := float64(int(q)-int(z)) * float64(scales[col*blocks+b])
				want += float64(a[r*K+k]) * w
			}
			if d := math.Abs(float64(got[r*N+col]) - want); d > 1e-4 {
				t.Errorf("y[%d,%d] = %v, want %v", r, col, got[r*N+col], want)
			}
		}
	}
}

// TestGatherBlockQuantized checks the packed 4-bit table lookup against a
// direct dequantization in Go.
func TestGatherBlockQuantized(t *testing.T) {
	const rows, K, bs = 4, 8, 4
	packed := make([]uint8, rows*K/2)
	for i := range packed {
		packed[i] = uint8(i*53 + 7)
	}
	scales := make([]float32, rows*K/bs)
	for i := range scales {
		scales[i] = 0.1 * float32(i+1)
	}
	idx := []int64{3, 0, 2}
	m := newModel(17).domain("com.microsoft", 1).
		input("ids", tensor.Int64, "n").
		init("table", &tensor.Tensor{DType: tensor.Uint8, Shape: []int{rows, K / 2}, Data: packed}).
		init("scales", &tensor.Tensor{DType: tensor.Float32, Shape: []int{rows, K / bs}, Data: scales}).
		msNode("GatherBlockQuantized", "gbq", strs("table", "ids", "scales"), strs("y"), aInt("block_size", bs), aInt("bits", 4)).
		output("y", tensor.Float32, "n", K).build(t)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Skipf("runtime/webnn cannot compile it yet: %v", err)
	}
	out, err := prog.Run(map[string]*tensor.Tensor{"ids": {DType: tensor.Int64, Shape: []int{3}, Data: idx}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	got := out["y"].Data.([]float32)
	for i, r := range idx {
		for k := 0; k < K; k++ {
			e := int(r)*K + k
			q := packed[e/2] >> (4 * uint(e%2)) & 0xF
			want := float64(int(q)-8) * float64(scales[int(r)*(K/bs)+k/bs])
			if d := math.Abs(float64(got[i*K+k]) - want); d > 1e-5 {
				t.Errorf("y[%d,%d] = %v, want %v", i, k, got[i*K+k], want)
			}
		}
	}
}
