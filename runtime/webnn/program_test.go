package webnn

import (
	"fmt"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func TestExpr(t *testing.T) {
	env := map[string]int64{"past_sequence_length": 5, "sequence_length": 3, "a": 7}
	cases := []struct {
		src  string
		want int64
		err  string
	}{
		{"past_sequence_length + sequence_length", 8, ""},
		{"(sequence_length + 1) / 2", 2, ""},
		{"max(a, sequence_length) - min(a, 3)", 4, ""},
		{"0 - 7 / 2", -3, ""},
		{"(0 - 7) / 2", -4, ""},
		{"a % 3 * 2", 2, ""},
		{"a - 2 - 1", 4, ""},
		{"42", 42, ""},
		{"batch", 0, `"batch" is not bound`},
		{"a / (a - 7)", 0, "division by zero"},
		{"a +", 0, "unexpected end"},
		{"a $ 2", 0, "unexpected"},
	}
	for _, c := range cases {
		e, err := graph.ParseSizeExpr(c.src)
		var v int64
		if err == nil {
			v, err = e.Eval(env)
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.src, err, c.err)
			}
			continue
		}
		if err != nil || v != c.want {
			t.Errorf("%q = %d, %v; want %d", c.src, v, err, c.want)
		}
	}
}

type mapWeights map[string][]byte

func (m mapWeights) WeightBytes(ref string) ([]byte, error) {
	b, ok := m[ref]
	if !ok {
		return nil, fmt.Errorf("no weight %q", ref)
	}
	return b, nil
}

// dynGraph: x f32[dyn(seq,4), 2], y f32[dyn(seq,4)];
// r = reshape(x, [seq*2]); s = add(r, w(@weights, [1])); z = concat(s, y*@scalar 2)
func dynGraph() *graph.Graph {
	seq := graph.Dynamic("seq", 4)
	return &graph.Graph{
		Name: "dyn", Version: 2,
		Inputs: []graph.Input{
			{Name: "x", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{seq, graph.Static(2)}}},
			{Name: "y", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{seq}}},
		},
		Consts: []graph.Const{
			{Name: "w", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(1)}}, Kind: graph.ConstWeights, Ref: "w"},
			{Name: "two", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(1)}}, Kind: graph.ConstScalar, Scalar: "2"},
		},
		Nodes: []graph.Node{
			{ID: "r", Op: "reshape", Inputs: []string{"x"}, Options: map[string]any{"newShape": []any{map[string]any{"name": "seq * 2", "maxSize": int64(8)}}}},
			{ID: "s", Op: "add", Inputs: []string{"r", "w"}},
			{ID: "y2", Op: "mul", Inputs: []string{"y", "two"}},
			{ID: "z", Op: "concat", Inputs: []string{"s", "y2"}, Options: map[string]any{"axis": int64(0)}},
		},
		Outputs: []graph.Output{{Name: "z", Operand: "z"}},
	}
}

func TestDynamicRun(t *testing.T) {
	ws := mapWeights{"w": ft([]int{1}, 10).Bytes()}
	p, err := Compile(dynGraph(), ws)
	if err != nil {
		t.Fatal(err)
	}
	// sizes change between runs (buffers are reused), including 0
	for _, seq := range []int{3, 1, 0, 4} {
		x := make([]float32, seq*2)
		y := make([]float32, seq)
		want := make([]float32, 0, seq*3)
		for i := range x {
			x[i] = float32(i)
			want = append(want, float32(i)+10)
		}
		for i := range y {
			y[i] = float32(i + 1)
			want = append(want, 2*float32(i+1))
		}
		res, err := p.Run(map[string]*tensor.Tensor{"x": ft([]int{seq, 2}, x...), "y": ft([]int{seq}, y...)})
		if err != nil {
			t.Fatalf("seq=%d: %v", seq, err)
		}
		if err := sameTensor(res["z"], ft([]int{seq * 3}, want...)); err != nil {
			t.Fatalf("seq=%d: %v", seq, err)
		}
		clear(res["z"].Data.([]float32)) // outputs are copies: must not disturb the next run
	}
}

func TestRunErrors(t *testing.T) {
	ws := mapWeights{"w": ft([]int{1}, 10).Bytes()}
	p, err := Compile(dynGraph(), ws)
	if err != nil {
		t.Fatal(err)
	}
	x3 := ft([]int{3, 2}, 1, 2, 3, 4, 5, 6)
	y3 := ft([]int{3}, 1, 2, 3)
	cases := []struct {
		name   string
		inputs map[string]*tensor.Tensor
		want   string
	}{
		{"unknown input", map[string]*tensor.Tensor{"x": x3, "y": y3, "q": y3}, `unknown input "q"`},
		{"missing input", map[string]*tensor.Tensor{"x": x3}, `input "y" is missing`},
		{"wrong dtype", map[string]*tensor.Tensor{"x": x3, "y": i32t([]int{3}, 1, 2, 3)}, `input "y": data type int32, graph declares float32`},
		{"wrong rank", map[string]*tensor.Tensor{"x": x3, "y": ft([]int{3, 1}, 1, 2, 3)}, `input "y": rank 2`},
		{"static dim", map[string]*tensor.Tensor{"x": ft([]int{2, 3}, 1, 2, 3, 4, 5, 6), "y": ft([]int{2}, 1, 2)}, `input "x": dim 1 is 3, graph declares 2`},
		{"above maxSize", map[string]*tensor.Tensor{"x": ft([]int{5, 2}, make([]float32, 10)...), "y": ft([]int{5}, make([]float32, 5)...)}, `dynamic dim "seq" (dim 0) = 5 exceeds its maxSize 4`},
		{"conflicting binding", map[string]*tensor.Tensor{"x": x3, "y": ft([]int{2}, 1, 2)}, `input "y": dynamic dim "seq" (dim 0) = 2, but input "x" bound it to 3`},
		{"data length", map[string]*tensor.Tensor{"x": x3, "y": ft([]int{3}, 1, 2)}, `input "y": shape [3] needs 3 elements, data has 2`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := p.Run(c.inputs)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	// the program still works after errors
	if _, err := p.Run(map[string]*tensor.Tensor{"x": x3, "y": y3}); err != nil {
		t.Fatal(err)
	}
}

func TestCompileErrors(t *testing.T) {
	f1 := graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(1)}}
	cases := []struct {
		name string
		g    *graph.Graph
		ws   graph.WeightSource
		want string
	}{
		{"undefined operand", &graph.Graph{Inputs: []graph.Input{{Name: "a", Desc: f1}}, Nodes: []graph.Node{{ID: "b", Op: "relu", Inputs: []string{"zz"}}}}, nil, `input operand "zz" is not defined`},
		{"missing weights", &graph.Graph{Consts: []graph.Const{{Name: "w", Desc: f1, Kind: graph.ConstWeights, Ref: "w"}}}, nil, "no weights were given"},
		{"weight size", &graph.Graph{Consts: []graph.Const{{Name: "w", Desc: f1, Kind: graph.ConstWeights, Ref: "w"}}}, mapWeights{"w": []byte{1, 2}}, "needs 4 bytes, have 2"},
		{"bad output", &graph.Graph{Inputs: []graph.Input{{Name: "a", Desc: f1}}, Outputs: []graph.Output{{Name: "o", Operand: "nope"}}}, nil, `operand "nope" is not defined`},
		{"bad option", &graph.Graph{Inputs: []graph.Input{{Name: "a", Desc: f1}}, Nodes: []graph.Node{{ID: "b", Op: "elu", Inputs: []string{"a"}, Options: map[string]any{"alpha": "x"}}}}, nil, "option alpha"},
		{"split outputs", &graph.Graph{Inputs: []graph.Input{{Name: "a", Desc: f1}}, Nodes: []graph.Node{{ID: "b", Op: "split", Inputs: []string{"a"}, Options: map[string]any{"splits": int64(2)}}}}, nil, "defines 2 outputs, the graph names 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(c.g, c.ws)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// rustnn writes operand-valued options as operand indices: inputs sorted by
// name, consts sorted by name, then node outputs in order.
func TestOperandIndexOption(t *testing.T) {
	f2 := graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(1), graph.Static(2)}}
	g := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: f2}},
		Consts: []graph.Const{
			{Name: "bias", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(2)}}, Kind: graph.ConstBytes, Bytes: ft([]int{2}, 1, 1).Bytes()},
			{Name: "scale", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(2)}}, Kind: graph.ConstScalar, Scalar: "2"},
		},
		Nodes: []graph.Node{{ID: "y", Op: "layerNormalization", Inputs: []string{"x"},
			Options: map[string]any{"axes": []any{int64(1)}, "epsilon": 0.0, "scale": int64(2), "bias": int64(1)}}},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}},
	}
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(map[string]*tensor.Tensor{"x": ft([]int{1, 2}, 1, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if err := sameTensor(res["y"], ft([]int{1, 2}, -1, 3)); err != nil {
		t.Fatal(err)
	}
}

// A decode-shaped matmul against a constant weight (read in place)
// and must agree with the plain product.
func TestMatmulConstWeightPacked(t *testing.T) {
	const k, n = 37, 53
	wv := make([]float32, k*n)
	for i := range wv {
		wv[i] = float32(i%7) - 3
	}
	xv := make([]float32, 2*k)
	for i := range xv {
		xv[i] = float32(i%5) * 0.5
	}
	g := &graph.Graph{
		Inputs:  []graph.Input{{Name: "x", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Dynamic("m", 4), graph.Static(k)}}}},
		Consts:  []graph.Const{{Name: "w", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(k), graph.Static(n)}}, Kind: graph.ConstBytes, Bytes: ft([]int{k, n}, wv...).Bytes()}},
		Nodes:   []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}},
	}
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.steps[0].run == nil {
		t.Fatal("no kernel")
	}
	for _, m := range []int{1, 2} {
		res, err := p.Run(map[string]*tensor.Tensor{"x": ft([]int{m, k}, xv[:m*k]...)})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, m*n)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float32
				for q := 0; q < k; q++ {
					s += xv[i*k+q] * wv[q*n+j]
				}
				want[i*n+j] = s
			}
		}
		if err := sameTensor(res["y"], ft([]int{m, n}, want...)); err != nil {
			t.Fatalf("m=%d: %v", m, err)
		}
	}
}

// A long chain reuses a handful of buffers, views included, and repeated
// runs allocate none.
func TestBufferReuseByLiveness(t *testing.T) {
	const n = 1000
	g := &graph.Graph{Inputs: []graph.Input{{Name: "x", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(n)}}}}}
	prev := "x"
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("n%d", i)
		if i%5 == 4 {
			g.Nodes = append(g.Nodes, graph.Node{ID: id, Op: "reshape", Inputs: []string{prev}, Options: map[string]any{"newShape": []any{int64(n)}}})
		} else {
			g.Nodes = append(g.Nodes, graph.Node{ID: id, Op: "add", Inputs: []string{prev, prev}})
		}
		prev = id
	}
	g.Outputs = []graph.Output{{Name: "y", Operand: prev}}
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, n)
	x[0] = 1
	for run := 0; run < 3; run++ {
		res, err := p.Run(map[string]*tensor.Tensor{"x": ft([]int{n}, x...)})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res["y"].Data.([]float32)[0], float32(1<<40); got != want {
			t.Fatalf("run %d: y[0] = %v, want %v", run, got, want)
		}
		if k := len(p.pool.owned); k > 3 {
			t.Fatalf("run %d: %d pooled buffers for a chain, want ≤ 3", run, k)
		}
	}
}

func BenchmarkRunDecodeBlock(b *testing.B) {
	// a small decoder-like block: matmul with a constant weight, add, softmax, layerNorm-free mul
	const k, n = 576, 1536
	w := make([]float32, k*n)
	for i := range w {
		w[i] = float32(i%13) * 0.01
	}
	g := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(1), graph.Static(k)}}}},
		Consts: []graph.Const{{Name: "w", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(k), graph.Static(n)}}, Kind: graph.ConstBytes, Bytes: ft([]int{k, n}, w...).Bytes()}},
		Nodes: []graph.Node{
			{ID: "h", Op: "matmul", Inputs: []string{"x", "w"}},
			{ID: "s", Op: "sigmoid", Inputs: []string{"h"}},
			{ID: "m", Op: "mul", Inputs: []string{"h", "s"}},
			{ID: "y", Op: "softmax", Inputs: []string{"m"}, Options: map[string]any{"axis": int64(1)}},
		},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}},
	}
	p, err := Compile(g, nil)
	if err != nil {
		b.Fatal(err)
	}
	in := map[string]*tensor.Tensor{"x": ft([]int{1, k}, make([]float32, k)...)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Run(in); err != nil {
			b.Fatal(err)
		}
	}
}

// gemm with a constant B (read in place); both transposes, alpha,
// beta and c must still hold.
func TestGemmConstPacked(t *testing.T) {
	b := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6) // bTranspose: op(B) = 3×2
	for _, tb := range []bool{false, true} {
		bshape := []int{2, 3}
		aval := ft([]int{1, 2}, 1, 2)
		want := ft([]int{1, 3}, 2*9+1, 2*12+1, 2*15+1) // 2·(a·B) + c
		if tb {
			aval = ft([]int{1, 3}, 1, 2, 3)
			want = ft([]int{1, 2}, 2*14+1, 2*32+1)
		}
		g := &graph.Graph{
			Inputs: []graph.Input{{Name: "a", Desc: descOf(aval)}},
			Consts: []graph.Const{
				{Name: "b", Desc: descOf(&tensor.Tensor{DType: tensor.Float32, Shape: bshape}), Kind: graph.ConstBytes, Bytes: b.Bytes()},
				{Name: "c", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(1)}}, Kind: graph.ConstScalar, Scalar: "1"},
			},
			Nodes:   []graph.Node{{ID: "y", Op: "gemm", Inputs: []string{"a", "b", "c"}, Options: map[string]any{"alpha": 2.0, "bTranspose": tb}}},
			Outputs: []graph.Output{{Name: "y", Operand: "y"}},
		}
		p, err := Compile(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(map[string]*tensor.Tensor{"a": aval})
		if err != nil {
			t.Fatal(err)
		}
		if err := sameTensor(res["y"], want); err != nil {
			t.Errorf("bTranspose=%v: %v", tb, err)
		}
	}
}
