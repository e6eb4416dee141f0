package webnn

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/degenerate"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

var degenerateCases = flag.Int("degenerate", 40, "random degenerate nodes per op")

// webnnTypes are the operand types the degenerate graphs use.
var webnnTypes = []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float16, tensor.Int32, tensor.Int64, tensor.Uint8, tensor.Int8, tensor.Uint32}

// optionNames are the option names WebNN ops read (runtime/webnn's
// opt* calls), each drawn with degenerate values.
var optionNames = []string{"axis", "axes", "keepDimensions", "newShape", "permutation", "beginningPadding", "endingPadding",
	"strides", "dilations", "groups", "padding", "windowDimensions", "outputSizes", "scales", "sizes", "starts", "repetitions",
	"splits", "dataType", "alpha", "beta", "epsilon", "minValue", "maxValue", "mode", "value", "roundingType", "inputLayout",
	"filterLayout", "outputPadding", "direction", "activations", "hiddenSize", "layout", "bias", "scale", "aTranspose",
	"bTranspose", "batchDimensions", "exclusive", "upper", "diagonal", "hiddenState", "initialHiddenState",
	"initialCellState", "recurrentBias", "peepholeWeight", "returnSequence", "resetAfter", "outputShapeRounding", "zeroPoint"}

var optionStrings = []string{"", "bogus", "nchw", "nhwc", "oihw", "hwio", "ohwi", "ihwo", "floor", "ceil", "constant", "edge",
	"reflection", "symmetric", "linear", "nearest-neighbor", "forward", "backward", "both", "zrn", "rzn", "iofg", "ifgo",
	"float32", "int64", "uint8", "relu", "sigmoid", "tanh", "in0", "in1", "nope"}

// TestDegenerateOps runs every WebNN op of the runtime on constant
// operands of degenerate shapes, types and values with degenerate options,
// under a 64 MiB memory budget: each must compile and run or fail with an
// error — never a recovered panic ("internal error"), never a hang.
func TestDegenerateOps(t *testing.T) {
	degenerate.UnderBudget(t)
	ops := make([]string, 0, len(opTable))
	for name := range opTable {
		ops = append(ops, name)
	}
	sort.Strings(ops)
	var ran, refused, panics int
	for oi, op := range ops {
		spec := opTable[op]
		g := degenerate.New(uint64(oi)*7919 + 17)
		for i := 0; i < *degenerateCases; i++ {
			gr := degenerateGraph(g, op, spec)
			err, hung := degenerate.Run(func() error { return runDegenerateGraph(gr) })
			switch {
			case hung:
				t.Errorf("%s case %d: no answer within 5s: %s", op, i, describeGraph(gr))
				return
			case err == nil:
				ran++
			case degenerate.Internal(err):
				panics++
				t.Errorf("%s case %d: %v\n  %s", op, i, err, describeGraph(gr))
			default:
				refused++
			}
		}
	}
	testenv.Report("webnn degenerate ops: %d ran, %d refused, %d panicked", ran, refused, panics)
}

func degenerateGraph(g *degenerate.Gen, op string, spec opSpec) *graph.Graph {
	gr := &graph.Graph{Version: 1, Name: "degenerate"}
	hi := spec.maxIn
	if hi < 0 || hi > spec.minIn+3 {
		hi = spec.minIn + 3
	}
	n := spec.minIn + g.R.IntN(hi-spec.minIn+1)
	if g.R.IntN(10) == 0 && n > 0 {
		n-- // sometimes too few
	}
	node := graph.Node{ID: "y", Op: op, Options: map[string]any{}}
	for i := 0; i < n; i++ {
		dt := webnnTypes[g.R.IntN(len(webnnTypes))]
		t := g.TensorOf(dt, g.Shape())
		name := fmt.Sprintf("in%d", i)
		desc := graph.Desc{DType: dt}
		for _, d := range t.Shape {
			desc.Shape = append(desc.Shape, graph.Static(int64(d)))
		}
		gr.Consts = append(gr.Consts, graph.Const{Name: name, Desc: desc, Kind: graph.ConstBytes, Bytes: t.Bytes()})
		node.Inputs = append(node.Inputs, name)
	}
	for k := g.R.IntN(5); k > 0; k-- {
		node.Options[optionNames[g.R.IntN(len(optionNames))]] = optionValue(g.R)
	}
	if g.R.IntN(4) == 0 {
		node.Outputs = []string{"y0", "y1", "y2"}[:1+g.R.IntN(3)]
	}
	gr.Nodes = []graph.Node{node}
	for _, o := range node.OutputNames() {
		gr.Outputs = append(gr.Outputs, graph.Output{Name: o, Operand: o})
	}
	return gr
}

func optionValue(r *rand.Rand) any {
	ints := []int64{0, 1, -1, 2, 3, 1 << 31, 1 << 40, math.MinInt64, math.MaxInt64, 4294967295}
	switch r.IntN(6) {
	case 0:
		return ints[r.IntN(len(ints))]
	case 1:
		l := make([]any, r.IntN(6))
		for i := range l {
			l[i] = ints[r.IntN(len(ints))]
		}
		return l
	case 2:
		fs := []float64{0, -1, 0.5, math.NaN(), math.Inf(1), 1e30}
		return fs[r.IntN(len(fs))]
	case 3:
		return optionStrings[r.IntN(len(optionStrings))]
	case 4:
		return r.IntN(2) == 0
	}
	l := make([]any, r.IntN(4))
	for i := range l {
		l[i] = optionStrings[r.IntN(len(optionStrings))]
	}
	return l
}

func runDegenerateGraph(g *graph.Graph) error {
	p, err := Compile(g, nil)
	if err != nil {
		return err
	}
	_, err = p.Run(map[string]*tensor.Tensor{})
	return err
}

func describeGraph(g *graph.Graph) string {
	var ins []string
	for _, c := range g.Consts {
		ins = append(ins, c.Name+":"+c.Desc.String())
	}
	n := g.Nodes[0]
	return fmt.Sprintf("%s(%s) %v", n.Op, strings.Join(ins, ", "), n.Options)
}
