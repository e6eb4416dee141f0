// The float16 precision pass (Options.Precision = "float16"): a float32
// graph is rewritten to compute in float16 after emission. Intermediate
// operands carry no types in the IR, so it is enough to convert the
// float32 constants (finite values saturated to ±65504, as fp16 export
// tools do, so -FLT_MAX masks stay finite), retarget casts to float32,
// and cast float32 graph inputs in and float32 outputs back out, keeping
// the model's interface unchanged.

package lower

import (
	le "encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

const maxHalf = 65504

// saturateHalf converts f to half bits, mapping finite values beyond the
// float16 range to ±65504.
func saturateHalf(f float32) uint16 {
	if !math.IsInf(float64(f), 0) && !math.IsNaN(float64(f)) {
		f = float32(math.Max(-maxHalf, math.Min(maxHalf, float64(f))))
	}
	return floatToHalf(f)
}

func f32BytesToF16(b []byte) []byte {
	out := make([]byte, len(b)/2)
	for i := 0; i < len(b)/4; i++ {
		h := saturateHalf(math.Float32frombits(le.LittleEndian.Uint32(b[4*i:])))
		le.LittleEndian.PutUint16(out[2*i:], h)
	}
	return out
}

// toFloat16 rewrites the emitted graph to compute in float16.
func (c *ctx) toFloat16() error {
	g := c.g
	weights := map[string]int{}
	for i, w := range c.weights {
		weights[w.Key] = i
	}
	for i := range g.Consts {
		k := &g.Consts[i]
		if k.Desc.DType != tensor.Float32 || c.keepF32[k.Name] {
			continue
		}
		k.Desc.DType = tensor.Float16
		switch k.Kind {
		case graph.ConstScalar:
			v, err := k.Scalar.Float64()
			if err != nil {
				return fmt.Errorf("const %q: %v", k.Name, err)
			}
			v = math.Max(-maxHalf, math.Min(maxHalf, v))
			k.Scalar = graph.Number(strconv.FormatFloat(float64(halfToFloat(floatToHalf(float32(v)))), 'g', -1, 32))
		case graph.ConstBytes:
			k.Bytes = f32BytesToF16(k.Bytes)
		case graph.ConstWeights:
			wi, ok := weights[k.Ref]
			if !ok {
				return fmt.Errorf("const %q: weights key %q not found", k.Name, k.Ref)
			}
			w := &c.weights[wi]
			if w.Desc.DType == tensor.Float32 {
				w.Desc.DType = tensor.Float16
				data := w.Data
				w.Data = func() ([]byte, error) {
					b, err := data()
					if err != nil {
						return nil, err
					}
					return f32BytesToF16(b), nil
				}
			}
		}
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Op == "cast" && !c.keepF32[n.ID] {
			for _, key := range []string{"to", "dataType"} {
				if n.Options[key] == "float32" {
					n.Options[key] = "float16"
				}
			}
		}
	}
	// Inputs: cast float32 inputs to float16 first.
	renamed := map[string]string{}
	var pre []graph.Node
	for _, in := range g.Inputs {
		if in.Desc.DType != tensor.Float32 {
			continue
		}
		id := c.ids.fresh(in.Name + "_f16")
		pre = append(pre, graph.Node{ID: id, Op: "cast", Inputs: []string{in.Name}, Options: map[string]any{"to": "float16"}, Comment: "float16 precision"})
		renamed[in.Name] = id
	}
	for i := range g.Nodes {
		for j, x := range g.Nodes[i].Inputs {
			if r, ok := renamed[x]; ok {
				g.Nodes[i].Inputs[j] = r
			}
		}
	}
	g.Nodes = append(pre, g.Nodes...)
	// Outputs: float32 ONNX outputs are cast back.
	outputTypes := map[string]tensor.DType{}
	for _, o := range c.m.Proto.GetGraph().GetOutput() {
		if in := c.info(o.GetName()); in != nil {
			outputTypes[c.outIdent[o.GetName()]] = in.DType
		}
	}
	for oi, o := range g.Outputs {
		if outputTypes[o.Name] != tensor.Float32 {
			continue
		}
		inner := c.ids.fresh(o.Name + "_f16")
		for i := range g.Nodes {
			if g.Nodes[i].ID == o.Operand && g.Nodes[i].Outputs == nil {
				g.Nodes[i].ID = inner
			}
			for j, x := range g.Nodes[i].Inputs {
				if x == o.Operand {
					g.Nodes[i].Inputs[j] = inner
				}
			}
		}
		g.Nodes = append(g.Nodes, graph.Node{ID: o.Name, Op: "cast", Inputs: []string{inner}, Options: map[string]any{"to": "float32"}, Comment: "float16 precision"})
		g.Outputs[oi].Operand = o.Name
	}
	return nil
}
