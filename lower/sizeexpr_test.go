package lower

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
)

// dimsFixtures are the models of testdata/dims (made by gen_fixtures.py).
var dimsFixtures = []string{"optimum_decoder", "genai_decoder", "vit_patch", "paddle_cls", "meta_dims"}

func loadFixture(t testing.TB, name string) *onnxpb.Model {
	t.Helper()
	m, err := onnxpb.Load(filepath.Join(testenv.RepoRoot(), "testdata", "dims", name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// rewriteDimParam renames a dim_param on every graph input and output, as
// testdata/dims/gen_fixtures.py's rewrite_smollm does on disk: the zoo's
// smollm-tiny with total_sequence_length becomes optimum's
// "past_sequence_length + sequence_length" form.
func rewriteDimParam(m *onnxpb.Model, from, to string) {
	g := m.Proto.GetGraph()
	for _, vi := range append(append(append([]*onnxpb.ValueInfoProto{}, g.GetInput()...), g.GetOutput()...), g.GetValueInfo()...) {
		for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
			if p, ok := d.Value.(*onnxpb.TensorShapeProto_Dimension_DimParam); ok && p.DimParam == from {
				p.DimParam = to
			}
		}
	}
}

// sizeModels returns every model the size round trip covers: the zoo
// (where present), the dims fixtures, and smollm-tiny in optimum's form.
func sizeModels(t *testing.T) map[string]*onnxpb.Model {
	out := map[string]*onnxpb.Model{}
	for _, name := range dimsFixtures {
		out[name] = loadFixture(t, name)
	}
	if testenv.SharedDir() == "" {
		t.Log("zoo absent: round trip over the fixtures only")
		return out
	}
	for _, name := range zooModels {
		if testing.Short() && name == "smollm-135m" {
			continue
		}
		p := filepath.Join(testenv.SharedDir(), "zoo", name, "model.onnx")
		if _, err := os.Stat(p); err != nil {
			continue
		}
		m, _ := loadZoo(t, name)
		out[name] = m
	}
	if p := filepath.Join(testenv.SharedDir(), "zoo", "smollm-tiny", "model.onnx"); fileExists(p) {
		m, err := onnxpb.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		rewriteDimParam(m, "total_sequence_length", "past_sequence_length + sequence_length")
		out["smollm-tiny-optimum"] = m
	}
	return out
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// sizeSettings are the --dim/--freeze settings every model is converted
// with (names a model lacks are ignored by it).
var sizeSettings = []struct {
	name string
	opts Options
}{
	{"defaults", Options{}},
	{"dims", Options{Dims: shapeinfer.Bounds{"batch_size": {Min: 1, Max: 4}, "sequence_length": {Min: 1, Max: 32}, "past_sequence_length": {Min: 0, Max: 31}}}},
	{"batch2", Options{Freeze: map[string]int64{"batch_size": 2}}},
	{"decode", Options{Freeze: map[string]int64{"sequence_length": 1}}},
	{"total", Options{Dims: shapeinfer.Bounds{"total_sequence_length": {Min: 1, Max: 40}}}},
}

// TestSizeExprRoundTrip prints every dynamic size of every converted
// model in both output forms, parses the forms back, parses each size
// expression, and evaluates it at random dims that respect the graph's
// relations against the value shape inference computed. A printer that
// dropped parentheses (batch_size * past_sequence_length +
// sequence_length for B·(P+S)) fails here.
func TestSizeExprRoundTrip(t *testing.T) {
	models := sizeModels(t)
	names := make([]string, 0, len(models))
	for n := range models {
		names = append(names, n)
	}
	sort.Strings(names)
	var checked, distinct, convs int
	for _, name := range names {
		m := models[name]
		for _, st := range sizeSettings {
			for _, tg := range target.All() {
				t.Run(name+"/"+st.name+"/"+tg.Name, func(t *testing.T) {
					opts := st.opts
					opts.Name = "m"
					opts = onlyDeclared(m, opts)
					opts.Target = tg
					res, err := Convert(m, opts)
					if err != nil {
						t.Fatalf("convert: %v", err)
					}
					si, err := InferDims(m, opts)
					if err != nil {
						t.Fatal(err)
					}
					convs++
					printed := emittedSizes(t, res.Graph)
					for _, sz := range res.Sizes {
						if !printed[sz.Text] {
							t.Errorf("size %q is not in the printed graph", sz.Text)
						}
					}
					rng := rand.New(rand.NewPCG(uint64(len(name)), uint64(convs)))
					for trial := 0; trial < 8; trial++ {
						env, err := si.Bind(nil, func(sym string) int64 {
							b := si.Bounds.Of(sym)
							return b.Min + rng.Int64N(min(b.Max, b.Min+40)-b.Min+1)
						})
						if err != nil {
							t.Fatalf("bind: %v", err)
						}
						for _, sz := range res.Sizes {
							back, err := shapeinfer.ParseExpr(sz.Text)
							if err != nil {
								t.Fatalf("size %q does not parse: %v", sz.Text, err)
							}
							loaded, err := graph.ParseSizeExpr(sz.Text)
							if err != nil {
								t.Fatalf("size %q does not parse in the format's grammar: %v", sz.Text, err)
							}
							got, err1 := back.Eval(env)
							want, err2 := sz.Of.Eval(env)
							asLoaded, err3 := loaded.Eval(env)
							if err1 != nil || err2 != nil || err3 != nil {
								t.Fatalf("size %q (%s): %v %v %v (env %v)", sz.Text, sz.Of, err1, err2, err3, env)
							}
							if got != want || asLoaded != want {
								t.Errorf("size %q = %d (format grammar %d), shape inference's %s = %d at %v", sz.Text, got, asLoaded, sz.Of, want, env)
							}
							checked++
						}
					}
					distinct += len(res.Sizes)
				})
			}
		}
	}
	testenv.Report("size-exprs: %d distinct sizes printed, parsed back and evaluated %d times in %d conversions, 0 mismatches", distinct, checked, convs)
}

// onlyDeclared drops settings for dims a model does not declare.
func onlyDeclared(m *onnxpb.Model, opts Options) Options {
	decl := shapeinfer.DeclaredDims(m)
	has := map[string]bool{}
	for _, ds := range decl {
		for _, d := range ds {
			has[d.Name] = true
		}
	}
	out := Options{Name: opts.Name, Dims: shapeinfer.Bounds{}, Freeze: map[string]int64{}}
	for k, v := range opts.Dims {
		if has[k] {
			out.Dims[k] = v
		}
	}
	for k, v := range opts.Freeze {
		if has[k] {
			out.Freeze[k] = v
		}
	}
	return out
}

// emittedSizes prints g as text and JSON, parses both back, checks they
// hold the same dynamic sizes, and returns them.
func emittedSizes(t *testing.T, g *graph.Graph) map[string]bool {
	t.Helper()
	text, err := emit.PrintText(g)
	if err != nil {
		t.Fatal(err)
	}
	js, err := emit.PrintJSON(g)
	if err != nil {
		t.Fatal(err)
	}
	g1, err := emit.ParseText(text)
	if err != nil {
		t.Fatalf("text form does not parse back: %v", err)
	}
	g2, err := emit.ParseJSON(js)
	if err != nil {
		t.Fatalf("JSON form does not parse back: %v", err)
	}
	s1, s2 := sizesOf(g1), sizesOf(g2)
	if fmt.Sprint(sortedSet(s1)) != fmt.Sprint(sortedSet(s2)) {
		t.Errorf("text and JSON forms hold different sizes:\n%v\n%v", sortedSet(s1), sortedSet(s2))
	}
	return s1
}

func sizesOf(g *graph.Graph) map[string]bool {
	out := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if n, ok := x["name"].(string); ok {
				if _, dyn := x["maxSize"]; dyn {
					out[n] = true
					return
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case graph.Dim:
			if x.Name != "" {
				out[x.Name] = true
			}
		case []graph.Dim:
			for _, d := range x {
				walk(d)
			}
		}
	}
	for _, n := range g.Nodes {
		for _, o := range n.Options {
			walk(o)
		}
	}
	for _, in := range g.Inputs {
		for _, d := range in.Desc.Shape {
			walk(d)
		}
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
