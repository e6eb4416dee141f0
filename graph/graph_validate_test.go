package graph

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/tensor"
)

func desc(dt tensor.DType, dims ...Dim) Desc { return Desc{DType: dt, Shape: dims} }

func validGraph() *Graph {
	return &Graph{
		Name: "g", Version: 2,
		Inputs: []Input{{Name: "x", Desc: desc(tensor.Float32, Dynamic("batch", 8), Static(4))}},
		Consts: []Const{
			{Name: "w", Desc: desc(tensor.Float32, Static(4), Static(4)), Kind: ConstWeights, Ref: "enc.w"},
			{Name: "s", Desc: desc(tensor.Float32), Kind: ConstScalar, Scalar: "0.5"},
			{Name: "m", Desc: desc(tensor.Int4, Static(3)), Kind: ConstBytes, Bytes: []byte{1, 2, 3}},
		},
		Nodes: []Node{
			{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}},
			{ID: "a", Op: "split", Inputs: []string{"y"}, Outputs: []string{"a", "b"}},
			{ID: "c", Op: "concat", Inputs: []string{"a", "b"}, Options: map[string]any{"axis": int64(1)}},
			{ID: "z", Op: "conv2d", Inputs: []string{"c", "w", "s"}},
		},
		Outputs: []Output{{Name: "out", Operand: "z"}, {Name: "b", Operand: "b"}},
	}
}

type sizeMap map[string]int64

func (m sizeMap) WeightLen(ref string) (int64, bool) { n, ok := m[ref]; return n, ok }

type sizeErr struct{}

func (sizeErr) WeightLen(string) (int64, bool) { return 0, false }
func (sizeErr) WeightByteLength(ref string) (int64, error) {
	return 0, fmt.Errorf("weights ref %q is ambiguous", ref)
}

func TestValidateOK(t *testing.T) {
	if err := Validate(validGraph(), nil); err != nil {
		t.Fatal(err)
	}
	if err := Validate(validGraph(), sizeMap{"enc.w": 64}); err != nil {
		t.Fatal(err)
	}
	g := validGraph()
	g.Version = 1 // dynamic dims under v1 are accepted, as the Rust parser does
	if err := Validate(g, nil); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(g *Graph)
		sizes  WeightSizes
		want   string
	}{
		{"version", func(g *Graph) { g.Version = 3 }, nil, `graph version 3 is not supported (want 1 or 2)`},
		{"undefined input", func(g *Graph) { g.Nodes[0].Inputs[1] = "nope" }, nil, `node "y" (matmul): input "nope" is not defined`},
		{"order", func(g *Graph) { g.Nodes[0].Inputs[0] = "c" }, nil, `node "y" (matmul): input "c" is defined by a later node "c" (nodes are not in topological order, or there is a cycle)`},
		{"self cycle", func(g *Graph) { g.Nodes[2].Inputs[0] = "c" }, nil, `node "c" (concat): input "c" is defined by a later node "c" (nodes are not in topological order, or there is a cycle)`},
		{"duplicate const/input", func(g *Graph) { g.Consts[1].Name = "x" }, nil, `const "x": name "x" is already defined by input "x"`},
		{"duplicate node output", func(g *Graph) { g.Nodes[2].ID = "y" }, nil, `node "y" (concat): name "y" is already defined by node "y" (matmul)`},
		{"duplicate multi-output", func(g *Graph) { g.Nodes[1].Outputs[1] = "w" }, nil, `node "a" (split): name "w" is already defined by const "w"`},
		{"unknown op", func(g *Graph) { g.Nodes[0].Op = "MatMul" }, nil, `node "y" (MatMul): unknown op "MatMul"`},
		{"alias", func(g *Graph) { g.Nodes[2].Op = ""; g.Nodes[2].Inputs = []string{"a"} }, nil, `node "c": has no op (an alias ` + "`y = x;`" + ` is not a WebNN operation; use identity)`},
		{"too few inputs", func(g *Graph) { g.Nodes[0].Inputs = g.Nodes[0].Inputs[:1] }, nil, `node "y" (matmul): has 1 positional inputs, matmul takes exactly 2`},
		{"too many inputs", func(g *Graph) { g.Nodes[3].Inputs = append(g.Nodes[3].Inputs, "x") }, nil, `node "z" (conv2d): has 4 positional inputs, conv2d takes 2 to 3`},
		{"dynamic const", func(g *Graph) { g.Consts[0].Desc.Shape[0] = Dynamic("n", 4) }, nil, `const "w": dim 0 is dynamic dyn("n", 4); constant shapes must be static`},
		{"negative dim", func(g *Graph) { g.Inputs[0].Desc.Shape[1] = Static(-4) }, nil, `input "x": dim 1 is negative (-4)`},
		{"zero maxSize", func(g *Graph) { g.Inputs[0].Desc.Shape[0] = Dynamic("batch", 0) }, nil, `input "x": dynamic dim "batch" has maxSize 0 (want ≥ 1)`},
		{"dtype", func(g *Graph) { g.Inputs[0].Desc.DType = tensor.Float64 }, nil, `input "x": data type float64 is not a WebNN operand type`},
		{"bytes length", func(g *Graph) { g.Consts[2].Bytes = []byte{1, 2} }, nil, `const "m": @bytes has 2 bytes, i4[3] needs 3`},
		{"weights length", func(g *Graph) {}, sizeMap{"enc.w": 32}, `const "w": weights "enc.w" hold 32 bytes, f32[4, 4] needs 64`},
		{"weights missing", func(g *Graph) {}, sizeMap{}, `const "w": weights "enc.w" are not in the weights manifest`},
		{"weights lookup error", func(g *Graph) {}, sizeErr{}, `const "w": weights ref "enc.w" is ambiguous`},
		{"empty ref", func(g *Graph) { g.Consts[0].Ref = "" }, nil, `const "w": empty @weights ref`},
		{"bad scalar", func(g *Graph) { g.Consts[1].Scalar = "inf" }, nil, `const "s": @scalar value "inf" is not a plain decimal number`},
		{"output undefined", func(g *Graph) { g.Outputs[0].Operand = "q" }, nil, `output "out": operand "q" is not defined`},
		{"output twice", func(g *Graph) { g.Outputs[1].Name = "out" }, nil, `output "out": declared twice`},
		{"empty name", func(g *Graph) { g.Inputs[0].Name = ""; g.Nodes[0].Inputs[0] = "w" }, nil, `input "": empty name`},
		{"empty outputs list", func(g *Graph) {
			g.Nodes[1].Outputs = []string{}
			g.Nodes[2].Inputs = []string{"y"}
			g.Outputs = g.Outputs[:1]
		}, nil, `node "a" (split): empty output list`},
		{"negative axis", func(g *Graph) { g.Nodes[2].Options["axis"] = int64(-1) }, nil, `node "c" (concat): option axis: -1 is negative (WebNN takes unsigned values; rustnn would drop the options)`},
		{"negative Number in list", func(g *Graph) { g.Nodes[2].Options["axes"] = []any{Number("0"), Number("-2")} }, nil, `node "c" (concat): option axes: [1]: -2 is negative (WebNN takes unsigned values; rustnn would drop the options)`},
		{"fractional", func(g *Graph) { g.Nodes[2].Options["axis"] = Number("1.5") }, nil, `node "c" (concat): option axis: 1.5 is not an integer`},
		{"float axis", func(g *Graph) { g.Nodes[2].Options["axis"] = 1.0 }, nil, `node "c" (concat): option axis: 1 is a float; write integers as int64 (it would print as 1.0)`},
		{"too big", func(g *Graph) { g.Nodes[2].Options["axis"] = Number("4294967296") }, nil, `node "c" (concat): option axis: 4294967296 does not fit in 32 bits`},
		{"dyn where not allowed", func(g *Graph) {
			g.Nodes[2].Options["permutation"] = []any{map[string]any{"name": "b", "maxSize": int64(2)}}
		}, nil, `node "c" (concat): option permutation: [0]: an object is not allowed here`},
		{"dyn without name", func(g *Graph) { g.Nodes[2].Options["newShape"] = []any{map[string]any{"maxSize": int64(2)}} }, nil, `node "c" (concat): option newShape: [0]: a dynamic size needs a non-empty string "name"`},
		{"dyn negative max", func(g *Graph) {
			g.Nodes[2].Options["sizes"] = []any{map[string]any{"name": "b", "maxSize": Number("-2")}}
		}, nil, `node "c" (concat): option sizes: [0]: maxSize -2 is negative (WebNN takes unsigned values; rustnn would drop the options)`},
		{"string axis", func(g *Graph) { g.Nodes[2].Options["axis"] = "1" }, nil, `node "c" (concat): option axis: 1 (string) is not an unsigned integer or a list of them`},
		{"huge dim", func(g *Graph) { g.Consts[0].Desc.Shape = []Dim{Static(1 << 40), Static(1 << 40)} }, nil, `const "w": dim 0 is 1099511627776, above WebNN's largest dimension 4294967295`},
		{"overflowing shape", func(g *Graph) {
			g.Consts[0].Desc.Shape = []Dim{Static(1 << 31), Static(1 << 31), Static(1 << 31)}
		}, nil, `const "w": shape f32[2147483648, 2147483648, 2147483648] is too large: its byte size overflows int64`},
		{"overflowing input bounds", func(g *Graph) {
			g.Inputs[0].Desc.Shape = []Dim{Dynamic("a", 1<<31), Dynamic("b", 1<<31), Dynamic("c", 1<<31)}
		}, nil, `input "x": shape f32[dyn("a", 2147483648), dyn("b", 2147483648), dyn("c", 2147483648)] is too large: its byte size overflows int64`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := validGraph()
			tc.mutate(g)
			err := Validate(g, tc.sizes)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if ve.Problems[0] != tc.want {
				t.Errorf("first problem\n got %q\nwant %q\nall: %q", ve.Problems[0], tc.want, ve.Problems)
			}
			if !strings.HasPrefix(err.Error(), "validate: "+tc.want) {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestValidateOptionsOK(t *testing.T) {
	g := validGraph()
	g.Nodes[2].Options = map[string]any{
		"axis":        Number("1"),
		"axes":        []int64{0, 2},
		"permutation": []any{int64(1), 0, Number("-0")},
		"newShape":    []any{map[string]any{"name": "batch + 1", "maxSize": Number("9")}, int64(4), Dynamic("batch", 8)},
		"sizes":       []Dim{Static(2), Dynamic("batch - 1", 4)},
		"epsilon":     -1.5, // not an unsigned option
		"diagonal":    int64(-1),
		"padding":     []int{0, 1, 1, 0},
	}
	if err := Validate(g, nil); err != nil {
		t.Fatal(err)
	}
}

func TestValidateListsAll(t *testing.T) {
	g := validGraph()
	g.Nodes[0].Op = "nope"
	g.Nodes[2].Inputs[0] = "zz"
	g.Outputs[0].Operand = "qq"
	err := Validate(g, nil)
	ve := err.(*ValidationError)
	if len(ve.Problems) != 3 {
		t.Fatalf("problems %q", ve.Problems)
	}
	if want := `validate: node "y" (nope): unknown op "nope" (and 2 more problems)`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	// A huge broken graph yields a bounded list.
	big := &Graph{Version: 1}
	for i := 0; i < 1000; i++ {
		big.Nodes = append(big.Nodes, Node{ID: fmt.Sprint("n", i), Op: "relu", Inputs: []string{"missing"}})
	}
	if ve := Validate(big, nil).(*ValidationError); len(ve.Problems) != maxProblems || ve.Omitted != 900 || !strings.HasSuffix(ve.Error(), "(and 999 more problems)") {
		t.Errorf("%d problems kept, %d omitted: %s", len(ve.Problems), ve.Omitted, ve.Error())
	}
	if Validate(nil, nil) == nil {
		t.Errorf("nil graph accepted")
	}
}

func TestValidateSizesAndConstantNodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		node Node
		want string // "" = valid
	}{
		{"size grammar", Node{ID: "r", Op: "reshape", Inputs: []string{"x"}, Options: map[string]any{"newShape": []any{map[string]any{"name": "batch +", "maxSize": Number("8")}, int64(4)}}}, `option newShape[0]: size expression "batch +": unexpected end`},
		{"undeclared dim", Node{ID: "r", Op: "reshape", Inputs: []string{"x"}, Options: map[string]any{"newShape": []any{map[string]any{"name": "4 * seq", "maxSize": Number("8")}, int64(4)}}}, `reads dim "seq", which no graph input declares`},
		{"constant ok", Node{ID: "k", Op: "constant", Options: map[string]any{"dataType": "Float32", "shape": []any{Number("2")}, "data": "AACAPwAAAEA="}}, ""},
		{"constant webnn name", Node{ID: "k", Op: "constant", Options: map[string]any{"dataType": "int32", "shape": []any{}, "data": "AQAAAA=="}}, ""},
		{"constant short data", Node{ID: "k", Op: "constant", Options: map[string]any{"dataType": "float32", "shape": []any{Number("3")}, "data": "AACAPwAAAEA="}}, "constant: data has 8 bytes, f32[3] needs 12"},
		{"constant bad type", Node{ID: "k", Op: "constant", Options: map[string]any{"dataType": "Float64", "shape": []any{}, "data": ""}}, `constant: dataType "Float64" is not a WebNN data type`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := validGraph()
			g.Nodes = append(g.Nodes, tc.node)
			err := Validate(g, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
