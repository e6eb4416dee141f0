package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func TestTokenAgreement(t *testing.T) {
	cases := []struct {
		name        string
		ours, other []int64
		want        string
	}{
		{"identical", []int64{1, 2, 3}, []int64{1, 2, 3}, "identical (3 tokens)"},
		{"prefill differs", []int64{9, 2}, []int64{1, 2}, "DIVERGE at token 0 (the prefill): ours 9, theirs 1"},
		{"step differs", []int64{1, 2, 7, 4}, []int64{1, 2, 3, 4}, "DIVERGE at token 2 (step 2): ours 7, theirs 3 (the 2 before agree)"},
		{"reference shorter", []int64{1, 2, 3}, []int64{1, 2}, "the first 2 identical (ours 3 tokens, theirs 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := tokenAgreement(c.ours, c.other); !strings.HasPrefix(got, c.want) {
				t.Errorf("tokenAgreement = %q, want prefix %q", got, c.want)
			}
		})
	}
}

// fakePython writes a stand-in interpreter: it passes the import check and
// then behaves as ort_decode.py --serve would, printing script (a shell
// snippet) instead of running ONNX Runtime.
func fakePython(t *testing.T, script string) string {
	p := filepath.Join(t.TempDir(), "python3")
	body := "#!/bin/sh\nif [ \"$1\" = -c ]; then exit 0; fi\n" + script + "\n"
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestORTSessionProtocol(t *testing.T) {
	const ready = `echo '{"ready": true, "ort_version": "9.9", "threads": 2, "graph_optimization_level": "ORT_ENABLE_ALL"}'`
	const result = `{"prefill_ms": 20.5, "tokens_per_s": 35.2, "fastest_step_ms": 27, "tokens": [5, 6]}`
	cases := []struct {
		name    string
		script  string
		wantTPS float64
		wantErr string
	}{
		{"log lines are skipped", "echo 'W: some ORT warning' >&2; echo 'a log line'; " + ready +
			"; while read l; do echo '" + result + "'; done", 35.2, ""},
		{"crash before ready", "echo 'Traceback: boom' >&2; exit 1", 0, "Traceback: boom"},
		{"result without tokens", ready + `; while read l; do echo '{"tokens_per_s": 3, "tokens": []}'; done`, 0, "no tokens"},
		{"not json", ready + `; while read l; do echo '{oops'; done`, 0, "not a JSON result"},
		{"ends instead of decoding", ready, 0, "ended"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := startORT(fakePython(t, c.script), "model.onnx", []int64{1, 2}, 1, 2, true)
			var r *ortResult
			if err == nil {
				defer s.close()
				r, err = s.decode()
			}
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.TokensPerS != c.wantTPS || r.Version != "9.9" || r.OptLevel != "ORT_ENABLE_ALL" {
				t.Errorf("result %+v: want %v tokens/s with the session's version and optimization level", *r, c.wantTPS)
			}
		})
	}
}

func TestEmptyPastShape(t *testing.T) {
	desc := graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{
		graph.Dynamic("batch_size", 8), graph.Static(3), graph.Dynamic("past_sequence_length", 4096), graph.Static(64)}}
	got := emptyPastShape(desc)
	want := []int{1, 3, 0, 64}
	if len(got) != len(want) {
		t.Fatalf("shape %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("shape %v, want %v", got, want)
		}
	}
}

func TestLastArgmax(t *testing.T) {
	cases := []struct {
		name    string
		logits  *tensor.Tensor
		want    int64
		wantErr bool
	}{
		{"last row wins", f32Tensor([]int{1, 2, 3}, 9, 0, 0, 0, 1, 5), 2, false},
		{"first of ties", f32Tensor([]int{1, 1, 4}, 1, 3, 3, 0), 1, false},
		{"missing", nil, 0, true},
		{"not float32", tensor.New(tensor.Int64, []int{1, 1, 2}), 0, true},
		{"empty vocabulary", f32Tensor([]int{1, 1, 0}), 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := lastArgmax(c.logits)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err == nil && got != c.want {
				t.Errorf("argmax = %d, want %d", got, c.want)
			}
		})
	}
}

func f32Tensor(shape []int, v ...float32) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape)
	copy(t.Data.([]float32), v)
	return t
}

func TestBusy(t *testing.T) {
	cases := []struct {
		load  string
		cores int
		want  bool
	}{
		{"0.50 0.40 0.30", 2, false},
		{"12.24 12.87 12.67", 2, true},
		{"unknown", 2, false},
	}
	for _, c := range cases {
		if got := busy(c.load, c.cores); got != c.want {
			t.Errorf("busy(%q, %d) = %v, want %v", c.load, c.cores, got, c.want)
		}
	}
}

// smollmTiny returns the zoo's smollm-tiny (weights included) and its meta.
func smollmTiny(t *testing.T) (string, meta) {
	dir := testenv.Shared(t, "zoo/smollm-tiny")
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var md meta
	if err := json.Unmarshal(b, &md); err != nil {
		t.Fatal(err)
	}
	if len(md.PromptIDs) == 0 || len(md.GreedyTokens) < 4 {
		t.Fatalf("meta.json: %d prompt ids, %d greedy tokens", len(md.PromptIDs), len(md.GreedyTokens))
	}
	return dir, md
}

// TestDecodeMatchesReference decodes smollm-tiny with our runtime, with
// the KV cache kept in place (RunCached) and fed back (Run), and checks the
// greedy tokens against meta.json.
func TestDecodeMatchesReference(t *testing.T) {
	for _, cached := range []bool{true, false} {
		t.Run(fmt.Sprintf("cached=%v", cached), func(t *testing.T) { testDecodeMatchesReference(t, cached) })
	}
}

func testDecodeMatchesReference(t *testing.T, cached bool) {
	dir, md := smollmTiny(t)
	ld, err := loadDecoder(filepath.Join(dir, "model.onnx"), cached)
	if err != nil {
		t.Fatal(err)
	}
	defer ld.model.Close()
	if got := len(ld.dec.kv); got != 4 {
		t.Errorf("%d past key/value inputs, want 4 (2 layers)", got)
	}
	steps := len(md.GreedyTokens) - 1
	r, err := ld.dec.run(md.PromptIDs, steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := tokenAgreement(r.tokens, md.GreedyTokens); !strings.HasPrefix(got, "identical") {
		t.Errorf("tokens %v vs reference %v: %s", r.tokens, md.GreedyTokens, got)
	}
	st, err := oursStats([]*decodeRun{r})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.steps) != steps || st.tps <= 0 || st.prefillMs <= 0 {
		t.Errorf("timing: %d steps (want %d), %.1f tokens/s, prefill %.1f ms", len(r.steps), steps, st.tps, st.prefillMs)
	}
}

// TestORTDecodeMatchesReference runs ort_decode.py on smollm-tiny (skipped
// without python3 + onnxruntime) and checks its tokens against meta.json.
func TestORTDecodeMatchesReference(t *testing.T) {
	dir, md := smollmTiny(t)
	steps := len(md.GreedyTokens) - 1
	s, err := startORT("python3", filepath.Join(dir, "model.onnx"), md.PromptIDs, steps, 1, true)
	var un *ortUnavailable
	if errors.As(err, &un) {
		t.Skip(un.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	r, err := s.decode()
	if err != nil {
		t.Fatal(err)
	}
	if got := tokenAgreement(r.Tokens, md.GreedyTokens); !strings.HasPrefix(got, "identical") {
		t.Errorf("ORT tokens %v vs reference %v: %s", r.Tokens, md.GreedyTokens, got)
	}
	if r.OptLevel != "ORT_ENABLE_ALL" || r.Threads != 1 {
		t.Errorf("session: %s, %d threads; want ORT_ENABLE_ALL, 1", r.OptLevel, r.Threads)
	}
}

func TestORTUnavailable(t *testing.T) {
	_, err := startORT("/nonexistent/python3", "model.onnx", []int64{1}, 1, 1, true)
	var un *ortUnavailable
	if !errors.As(err, &un) || !strings.Contains(err.Error(), "pip install onnxruntime numpy") {
		t.Errorf("err = %v, want an ortUnavailable naming the pip install", err)
	}
}

func TestWeightTraffic(t *testing.T) {
	w := func(name string, n int64) graph.Const {
		return graph.Const{Name: name, Ref: name, Kind: graph.ConstWeights,
			Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(n)}}}
	}
	node := func(id, op string, in ...string) graph.Node { return graph.Node{ID: id, Op: op, Inputs: in} }
	cases := []struct {
		name            string
		consts          []graph.Const
		nodes           []graph.Node
		total, perToken int64
		tables          []string
	}{
		{"embedding gathered, matmul weight streamed",
			[]graph.Const{w("embed", 100), w("proj", 10)},
			[]graph.Node{node("e", "gather", "embed", "ids"), node("y", "matmul", "e", "proj")},
			440, 40, []string{"embed"}},
		{"rotary table sliced then gathered",
			[]graph.Const{w("cos", 50)},
			[]graph.Node{node("s", "slice", "cos"), node("g", "gather", "s", "pos")},
			200, 0, []string{"cos"}},
		{"tied table also used by a matmul is streamed",
			[]graph.Const{w("embed", 100)},
			[]graph.Node{node("e", "gather", "embed", "ids"), node("y", "matmul", "e", "embed")},
			400, 400, nil},
		{"a weight used as gather indices is streamed",
			[]graph.Const{w("idx", 8)},
			[]graph.Node{node("g", "gather", "x", "idx")},
			32, 32, nil},
		{"sliced table read elementwise is streamed",
			[]graph.Const{w("cos", 50)},
			[]graph.Node{node("s", "slice", "cos"), node("m", "mul", "s", "x")},
			200, 200, nil},
		{"scalars and duplicate refs count once",
			[]graph.Const{w("a", 10), {Name: "b", Ref: "a", Kind: graph.ConstWeights, Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(10)}}},
				{Name: "s", Kind: graph.ConstScalar, Scalar: "1", Desc: graph.Desc{DType: tensor.Float32}}},
			[]graph.Node{node("y", "add", "a", "b")},
			40, 40, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &graph.Graph{Consts: c.consts, Nodes: c.nodes}
			total, perToken, tables := weightTraffic(g)
			var names []string
			for _, tc := range tables {
				names = append(names, tc.Name)
			}
			if total != c.total || perToken != c.perToken || strings.Join(names, ",") != strings.Join(c.tables, ",") {
				t.Errorf("got total %d, per token %d, tables %v; want %d, %d, %v", total, perToken, names, c.total, c.perToken, c.tables)
			}
		})
	}
}

func TestSummarise(t *testing.T) {
	cases := []struct {
		name                    string
		prefill                 []float64
		steps                   [][]float64
		tokens                  [][]int64
		wantTPS, wantEnv        float64
		wantFastest, wantPrefil float64
		wantDiverged            bool
		wantErr                 bool
	}{
		{"one run", []float64{30}, [][]float64{{100, 300}}, [][]int64{{1, 2, 3}}, 5, 5, 100, 30, false, false},
		{"envelope takes each step's best", []float64{40, 30}, [][]float64{{100, 500}, {400, 100}}, [][]int64{{1, 2, 3}, {1, 2, 3}},
			4, 10, 100, 30, false, false},
		{"runs disagree on tokens", []float64{1, 1}, [][]float64{{100}, {100}}, [][]int64{{1, 2}, {1, 3}}, 10, 10, 100, 1, true, false},
		{"no runs", nil, nil, nil, 0, 0, 0, 0, false, true},
		{"ragged runs", []float64{1, 1}, [][]float64{{100}, {100, 100}}, [][]int64{{1}, {1}}, 0, 0, 0, 0, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := summarise("x", c.prefill, c.steps, c.tokens)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			if s.tps != c.wantTPS || s.envelopeTPS != c.wantEnv || s.fastestMs != c.wantFastest || s.prefillMs != c.wantPrefil || (s.diverged != "") != c.wantDiverged {
				t.Errorf("got tps %v envelope %v fastest %v prefill %v diverged %q", s.tps, s.envelopeTPS, s.fastestMs, s.prefillMs, s.diverged)
			}
		})
	}
}
