package lower

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
)

// zooModels lists the zoo models every conversion test covers.
var zooModels = []string{"mobilenet_v2", "bert-tiny", "gpt2-tiny", "smollm-tiny", "bert-tiny-fp16", "bert-tiny-qdq", "smollm-135m"}

func loadZoo(t *testing.T, name string) (*onnxpb.Model, string) {
	t.Helper()
	dir := testenv.ZooModel(t, name)
	m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	t.Cleanup(func() { m.Close() })
	return m, dir
}

// TestZooConvert converts every zoo model with its dims kept dynamic; the
// graph must validate and keep one output per ONNX output.
func TestZooConvert(t *testing.T) {
	for _, name := range zooModels {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && name == "smollm-135m" {
				t.Skip("skipping the 135M model in -short mode")
			}
			m, _ := loadZoo(t, name)
			start := time.Now()
			res, err := Convert(m, Options{Name: name})
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			// Every dynamic size must be one rustnn evaluates (NAME ± K);
			// the zoo models need no warning.
			for _, w := range res.Warnings {
				t.Errorf("warning: %s", w)
			}
			for _, tb := range res.Tightened {
				t.Logf("%s: %s ≤ %d (was %d; %s)", name, tb.Name, tb.Max, tb.Was, tb.Reason)
			}
			g := res.Graph
			if len(g.Outputs) != len(m.Graph().GetOutput()) {
				t.Errorf("%d outputs, ONNX has %d", len(g.Outputs), len(m.Graph().GetOutput()))
			}
			hist := map[string]int{}
			for _, n := range g.Nodes {
				hist[n.Op]++
			}
			var wbytes int64
			for _, w := range res.Weights {
				wbytes += w.Desc.ByteLength()
			}
			t.Logf("%s: %d inputs, %d consts, %d nodes, %d weights (%d bytes), v%d, %v; ops %v",
				name, len(g.Inputs), len(g.Consts), len(g.Nodes), len(res.Weights), wbytes, g.Version, time.Since(start), hist)
		})
	}
}

// BenchmarkConvert measures Convert (shape inference included; weights
// are not read) on the zoo transformer models.
func BenchmarkConvert(b *testing.B) {
	for _, name := range []string{"bert-tiny", "smollm-tiny", "smollm-135m"} {
		b.Run(name, func(b *testing.B) {
			dir := testenv.ZooModel(b, name)
			m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Convert(m, Options{Name: name}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
