package lower

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func aGraph(name string, g *onnxpb.GraphProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_GRAPH, G: g}
}

// srModel is silero-vad's shape: y = If(sr == 16000, x·2, x·3), sr an
// int64 scalar input.
func srModel(t *testing.T) *onnxpb.Model {
	branch := func(name, k string) *onnxpb.GraphProto {
		return &onnxpb.GraphProto{Name: name,
			Node:   []*onnxpb.NodeProto{{OpType: "Mul", Input: []string{"x", k}, Output: []string{name + "_out"}}},
			Output: []*onnxpb.ValueInfoProto{valueInfo(name+"_out", tensor.Float32, "n", 4)}}
	}
	return newModel(16).input("x", tensor.Float32, "n", 4).input("sr", tensor.Int64).
		init("k16", &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{16000}}).
		init("two", f32([]int{}, 2)).init("three", f32([]int{}, 3)).
		node("Equal", "eq", strs("sr", "k16"), strs("c")).
		node("If", "if", strs("c"), strs("y0"), aGraph("then_branch", branch("then", "two")), aGraph("else_branch", branch("else", "three"))).
		node("Relu", "relu", strs("y0"), strs("y")).
		output("y", tensor.Float32, "n", 4).build(t)
}

// TestFreezeInputFoldsIf: the pinned input leaves the graph, the If folds
// into the branch the value selects, results equal runtime/onnx fed the
// same value, and the caller's model is unchanged afterwards.
func TestFreezeInputFoldsIf(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	x := randF32(rng, 3, 4)
	for _, tc := range []struct {
		sr   int64
		want float32
	}{{16000, 2}, {8000, 3}} {
		m := srModel(t)
		nodes, inputs := len(m.Graph().GetNode()), len(m.Graph().GetInput())
		res, err := Convert(m, Options{FreezeInputs: map[string]string{"sr": strconv.FormatInt(tc.sr, 10)}})
		if err != nil {
			t.Fatalf("sr=%d: %v", tc.sr, err)
		}
		if len(m.Graph().GetNode()) != nodes || len(m.Graph().GetInput()) != inputs {
			t.Errorf("the caller's model changed: %d nodes, %d inputs", len(m.Graph().GetNode()), len(m.Graph().GetInput()))
		}
		if len(res.Graph.Inputs) != 1 {
			t.Errorf("graph inputs %v, want x only", res.Graph.Inputs)
		}
		for _, nd := range res.Graph.Nodes {
			if nd.Op == "mul" {
				continue
			}
			if nd.Op != "relu" && nd.Op != "identity" {
				t.Errorf("unexpected op %s (the If should fold to one mul)", nd.Op)
			}
		}
		prog, err := webnn.Compile(res.Graph, weightSource(res))
		if err != nil {
			t.Fatal(err)
		}
		got, err := prog.Run(graphInputs(res, map[string]*tensor.Tensor{"x": x}))
		if err != nil {
			t.Fatal(err)
		}
		ref, err := onnxrt.Compile(m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Run(map[string]*tensor.Tensor{"x": x, "sr": {DType: tensor.Int64, Shape: []int{}, Data: []int64{tc.sr}}})
		if err != nil {
			t.Fatal(err)
		}
		if abs, _, err := compareOutputs(got["y"], want["y"]); err != nil || abs > 1e-6 {
			t.Errorf("sr=%d: max abs %g, err %v", tc.sr, abs, err)
		}
	}
}

// TestFreezeInputErrors: values that do not fit the input are refused
// with the input named; without the pin the If is refused with the hint.
func TestFreezeInputErrors(t *testing.T) {
	for _, tc := range []struct {
		pins map[string]string
		want string
	}{
		{map[string]string{"nope": "1"}, "no graph input of that name"},
		{map[string]string{"sr": "16000,1"}, "2 values for shape []"},
		{map[string]string{"sr": "1.5"}, "not an integer"},
		{map[string]string{"sr": "abc"}, "not a number"},
		{map[string]string{"x": "1"}, "dynamic"},
	} {
		_, err := Convert(srModel(t), Options{FreezeInputs: tc.pins})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("pins %v: error %v, want one containing %q", tc.pins, err, tc.want)
		}
	}
}

// runBoth runs m converted (res) on the WebNN runtime and m itself on
// runtime/onnx with the same inputs, and returns the largest difference of
// output y.
func runBoth(t *testing.T, m *onnxpb.Model, res *Result, feeds map[string]*tensor.Tensor) float64 {
	t.Helper()
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Fatal(err)
	}
	got, err := prog.Run(graphInputs(res, feeds))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := onnxrt.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	abs, _, err := compareOutputs(got["y"], want["y"])
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestDataIfSelectsBranches: an If whose condition is tensor data and
// whose branches give the same shape (openWakeWord's verifier head:
// "p >= 0.5 ? verifier(x) : p") computes both and selects with where,
// for either value of the condition; sr stays a graph input.
func TestDataIfSelectsBranches(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	x := randF32(rng, 3, 4)
	m := srModel(t)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, nd := range res.Graph.Nodes {
		ops[nd.Op]++
	}
	if ops["where"] != 1 || ops["mul"] != 2 {
		t.Errorf("ops %v, want both branches' mul and one where", ops)
	}
	for _, sr := range []int64{16000, 8000} {
		feeds := map[string]*tensor.Tensor{"x": x, "sr": {DType: tensor.Int64, Shape: []int{}, Data: []int64{sr}}}
		if abs := runBoth(t, m, res, feeds); abs > 0 {
			t.Errorf("sr=%d: max abs %g", sr, abs)
		}
	}
}

// TestDataIfConstantBranches: an If on a bool input whose branches are
// constants (ONNX's test_if). The inference made while the If's output
// was bound to the then branch knows that branch's constant as the
// output's value; after the selection becomes a Where it must be
// inferred again, or the graph returns the then branch for every
// condition (it did, silently).
func TestDataIfConstantBranches(t *testing.T) {
	branch := func(name string, v ...float32) *onnxpb.GraphProto {
		return &onnxpb.GraphProto{Name: name,
			Node:   []*onnxpb.NodeProto{{OpType: "Constant", Output: []string{name + "_out"}, Attribute: []*onnxpb.AttributeProto{aTensor("value", f32([]int{len(v)}, v...))}}},
			Output: []*onnxpb.ValueInfoProto{valueInfo(name+"_out", tensor.Float32, len(v))}}
	}
	m := newModel(11).input("k", tensor.Int64).
		init("one", &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{1}}).
		node("Equal", "eq", strs("k", "one"), strs("cond")).
		node("If", "if", strs("cond"), strs("y"), aGraph("then_branch", branch("then", 1, 2, 3)), aGraph("else_branch", branch("else", 3, 2, 1))).
		output("y", tensor.Float32, 3).build(t)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int64{1, 0} {
		feeds := map[string]*tensor.Tensor{"k": {DType: tensor.Int64, Shape: []int{}, Data: []int64{k}}}
		if abs := runBoth(t, m, res, feeds); abs > 0 {
			t.Errorf("k=%d: max abs %g", k, abs)
		}
	}
}

// TestDataIfSelectRefusals: an If on data whose branches give different
// shapes, or whose untaken branch would pin a dim, stays refused, with
// the --freeze-input that folds it and why selecting is not exact.
func TestDataIfSelectRefusals(t *testing.T) {
	build := func(then *onnxpb.GraphProto, extra func(*modelBuilder)) *onnxpb.Model {
		els := &onnxpb.GraphProto{Name: "else",
			Node:   []*onnxpb.NodeProto{{OpType: "Mul", Input: []string{"x", "three"}, Output: []string{"else_out"}}},
			Output: []*onnxpb.ValueInfoProto{valueInfo("else_out", tensor.Float32)}}
		b := newModel(16).input("x", tensor.Float32, "n", 4).input("sr", tensor.Int64).
			init("k16", &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{16000}}).
			init("three", f32([]int{}, 3))
		if extra != nil {
			extra(b)
		}
		return b.node("Equal", "eq", strs("sr", "k16"), strs("c")).
			node("If", "if", strs("c"), strs("y"), aGraph("then_branch", then), aGraph("else_branch", els)).
			output("y", tensor.Float32).build(t)
	}
	for _, tc := range []struct {
		name string
		m    *onnxpb.Model
		want string
	}{
		{"shapes differ", build(&onnxpb.GraphProto{Name: "then",
			Node:   []*onnxpb.NodeProto{{OpType: "ReduceSum", Input: []string{"x"}, Output: []string{"then_out"}, Attribute: []*onnxpb.AttributeProto{aInt("keepdims", 0)}}},
			Output: []*onnxpb.ValueInfoProto{valueInfo("then_out", tensor.Float32)}}, nil),
			"the branches give output 0 the shapes [] and [n, 4]"},
		{"untaken branch pins n", build(&onnxpb.GraphProto{Name: "then",
			Node:   []*onnxpb.NodeProto{{OpType: "Add", Input: []string{"x", "w"}, Output: []string{"then_out"}}},
			Output: []*onnxpb.ValueInfoProto{valueInfo("then_out", tensor.Float32)}}, func(b *modelBuilder) { b.init("w", f32([]int{3, 4}, make([]float32, 12)...)) }),
			"would constrain the dims (relation n = 3"},
	} {
		_, err := Convert(tc.m, Options{})
		if err == nil || !strings.Contains(err.Error(), "--freeze-input sr=VALUE") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want the --freeze-input hint and %q", tc.name, err, tc.want)
		}
	}
}

// TestDataIfNestedSelectGivesUp: an If on data whose then branch holds
// another If on data with branches of different shapes: selecting the
// outer one waits on the inner one, which fails, so both stay refused
// (not selected again and again until the round limit).
func TestDataIfNestedSelectGivesUp(t *testing.T) {
	inner := &onnxpb.GraphProto{Name: "inner",
		Node: []*onnxpb.NodeProto{{OpType: "If", Input: []string{"c"}, Output: []string{"in_out"}, Attribute: []*onnxpb.AttributeProto{
			aGraph("then_branch", &onnxpb.GraphProto{Name: "it", Node: []*onnxpb.NodeProto{{OpType: "ReduceSum", Input: []string{"x"}, Output: []string{"it_out"}}},
				Output: []*onnxpb.ValueInfoProto{valueInfo("it_out", tensor.Float32)}}),
			aGraph("else_branch", &onnxpb.GraphProto{Name: "ie", Node: []*onnxpb.NodeProto{{OpType: "Neg", Input: []string{"x"}, Output: []string{"ie_out"}}},
				Output: []*onnxpb.ValueInfoProto{valueInfo("ie_out", tensor.Float32)}}),
		}}},
		Output: []*onnxpb.ValueInfoProto{valueInfo("in_out", tensor.Float32)}}
	els := &onnxpb.GraphProto{Name: "else", Node: []*onnxpb.NodeProto{{OpType: "Relu", Input: []string{"x"}, Output: []string{"e_out"}}},
		Output: []*onnxpb.ValueInfoProto{valueInfo("e_out", tensor.Float32)}}
	m := newModel(16).input("x", tensor.Float32, "n", 4).input("sr", tensor.Int64).
		init("k16", &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{16000}}).
		node("Equal", "eq", strs("sr", "k16"), strs("c")).
		node("If", "if", strs("c"), strs("y"), aGraph("then_branch", inner), aGraph("else_branch", els)).
		output("y", tensor.Float32).build(t)
	_, err := Convert(m, Options{})
	if err == nil || !strings.Contains(err.Error(), "--freeze-input sr=VALUE") || strings.Contains(err.Error(), "nested more than") {
		t.Errorf("error %v, want the If refused with the --freeze-input hint", err)
	}
}

// TestLoopEarlyExitRefused: a Loop whose body computes its condition from
// data may stop early, so it is not unrolled.
func TestLoopEarlyExitRefused(t *testing.T) {
	body := &onnxpb.GraphProto{Name: "body",
		Input: []*onnxpb.ValueInfoProto{valueInfo("i", tensor.Int64), valueInfo("c_in", tensor.Bool), valueInfo("acc_in", tensor.Float32, 1)},
		Node: []*onnxpb.NodeProto{
			{OpType: "Add", Input: []string{"acc_in", "acc_in"}, Output: []string{"acc_out"}},
			{OpType: "ReduceSum", Input: []string{"acc_out"}, Output: []string{"s"}, Attribute: []*onnxpb.AttributeProto{aInt("keepdims", 0)}},
			{OpType: "Less", Input: []string{"s", "lim"}, Output: []string{"c_out"}},
		},
		Output: []*onnxpb.ValueInfoProto{valueInfo("c_out", tensor.Bool), valueInfo("acc_out", tensor.Float32, 1)}}
	m := newModel(13).input("x", tensor.Float32, 1).
		init("trips", &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{5}}).init("lim", f32([]int{}, 10)).
		node("Loop", "loop", strs("trips", "", "x"), strs("y"), aGraph("body", body)).
		output("y", tensor.Float32, 1).build(t)
	_, err := Convert(m, Options{})
	if err == nil || !strings.Contains(err.Error(), "may stop early") {
		t.Errorf("error %v, want a refusal saying the loop may stop early", err)
	}
}
