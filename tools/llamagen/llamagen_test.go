package llamagen

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

var tiny = Config{Name: "llama-tiny", Vocab: 96, Hidden: 32, Intermediate: 48, Layers: 2, Heads: 4, KVHeads: 2,
	MaxPositions: 64, RMSNormEps: 1e-5, RopeTheta: 10000, Seed: 7, WeightStdDev: 0.2}

type resultWeights map[string]lower.Weight

func (r resultWeights) WeightBytes(ref string) ([]byte, error) { return r[ref].Data() }

// A generated model converts, and the WebNN runtime's greedy decode (KV
// cache in place) matches the ONNX interpreter's, step by step.
func TestGeneratedModelConvertsAndMatches(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, tiny); err != nil {
		t.Fatal(err)
	}
	m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	res, err := lower.Convert(m, lower.Options{Name: "model"})
	if err != nil {
		t.Fatal(err)
	}
	ws := resultWeights{}
	for _, w := range res.Weights {
		ws[w.Key] = w
	}
	wp, err := webnn.Compile(res.Graph, ws)
	if err != nil {
		t.Fatal(err)
	}
	op, err := onnxrt.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	ident := map[string]string{} // ONNX name → graph identifier
	for id, name := range res.Names {
		ident[name] = id
	}
	presentOf := map[string]string{}
	for l := 0; l < tiny.Layers; l++ {
		for _, kv := range []string{"key", "value"} {
			presentOf[ident[fmt.Sprintf("past_key_values.%d.%s", l, kv)]] = ident[fmt.Sprintf("present.%d.%s", l, kv)]
		}
	}
	cache, err := wp.NewCache(presentOf)
	if err != nil {
		t.Fatal(err)
	}
	i64 := func(v ...int64) *tensor.Tensor {
		x := tensor.New(tensor.Int64, []int{1, len(v)})
		copy(x.Data.([]int64), v)
		return x
	}
	past := map[string]*tensor.Tensor{}
	for l := 0; l < tiny.Layers; l++ {
		for _, kv := range []string{"key", "value"} {
			past[fmt.Sprintf("past_key_values.%d.%s", l, kv)] = tensor.New(tensor.Float32, []int{1, tiny.KVHeads, 0, tiny.Hidden / tiny.Heads})
		}
	}
	feed := []int64{5, 17, 3, 60}
	n := 0
	for step := 0; step < 5; step++ {
		mask := make([]int64, n+len(feed))
		for i := range mask {
			mask[i] = 1
		}
		pos := make([]int64, len(feed))
		for i := range pos {
			pos[i] = int64(n + i)
		}
		in := map[string]*tensor.Tensor{"input_ids": i64(feed...), "attention_mask": i64(mask...), "position_ids": i64(pos...)}
		oin := map[string]*tensor.Tensor{}
		for k, v := range past {
			oin[k] = v
		}
		for k, v := range in {
			oin[k] = v
		}
		want, err := op.Run(oin)
		if err != nil {
			t.Fatal(err)
		}
		win := map[string]*tensor.Tensor{}
		for k, v := range in {
			win[ident[k]] = v
		}
		got, err := wp.RunCached(cache, win)
		if err != nil {
			t.Fatal(err)
		}
		wl, gl := want["logits"].Data.([]float32), got[ident["logits"]].Data.([]float32)
		if len(wl) != len(gl) {
			t.Fatalf("step %d: logits %v vs %v", step, want["logits"].Shape, got[ident["logits"]].Shape)
		}
		var worst float64
		for i := range wl {
			worst = math.Max(worst, math.Abs(float64(wl[i]-gl[i])))
		}
		if worst > 1e-4 {
			t.Fatalf("step %d: logits differ by %g", step, worst)
		}
		best := 0
		last := wl[len(wl)-tiny.Vocab:]
		for i := range last {
			if last[i] > last[best] {
				best = i
			}
		}
		for k := range past {
			past[k] = want["present"+k[len("past_key_values"):]]
		}
		n += len(feed)
		feed = []int64{int64(best)}
	}
}
