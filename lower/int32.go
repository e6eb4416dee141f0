package lower

import (
	le "encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// int64ToInt32 applies target.Int64ToInt32 to the emitted graph: int64
// inputs, constants, casts and argMin/argMax results become int32. The IR
// declares data types only there (every other operand's type follows from
// its inputs), so this is the whole rewrite. Constants are converted here
// and refused when a value does not fit int32; inputs are converted by the
// caller, which checks their range (emit-js's module, `webnn-graph run`).
func (c *ctx) int64ToInt32() error {
	if c.target.Int64 != target.Int64ToInt32 {
		return nil
	}
	g := c.g
	for i := range g.Inputs {
		if g.Inputs[i].Desc.DType == tensor.Int64 {
			g.Inputs[i].Desc.DType = tensor.Int32
		}
	}
	weights := map[string]int{}
	for i, w := range c.weights {
		weights[w.Key] = i
	}
	converted := map[string]bool{}
	for i := range g.Consts {
		k := &g.Consts[i]
		if k.Desc.DType != tensor.Int64 {
			continue
		}
		k.Desc.DType = tensor.Int32
		switch k.Kind {
		case graph.ConstScalar:
			v, err := strconv.ParseInt(string(k.Scalar), 10, 64)
			if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
				return fmt.Errorf("int64 constant %q (%s) does not fit int32, which target %s stores int64 as", k.Name, k.Scalar, c.target.Name)
			}
		case graph.ConstBytes:
			b, err := int64BytesToInt32(k.Bytes)
			if err != nil {
				return fmt.Errorf("int64 constant %q: %v, which target %s stores int64 as", k.Name, err, c.target.Name)
			}
			k.Bytes = b
		case graph.ConstWeights:
			if converted[k.Ref] {
				continue
			}
			wi, ok := weights[k.Ref]
			if !ok {
				return fmt.Errorf("const %q: weights key %q not found", k.Name, k.Ref)
			}
			w := &c.weights[wi]
			if w.Desc.DType != tensor.Int64 {
				continue
			}
			data := w.Data
			b, err := data()
			if err != nil {
				return fmt.Errorf("int64 constant %q: %v", k.Name, err)
			}
			if _, err := int64BytesToInt32(b); err != nil {
				return fmt.Errorf("int64 constant %q: %v, which target %s stores int64 as", k.Name, err, c.target.Name)
			}
			w.Desc.DType = tensor.Int32
			w.Data = func() ([]byte, error) {
				b, err := data()
				if err != nil {
					return nil, err
				}
				return int64BytesToInt32(b)
			}
			converted[k.Ref] = true
		}
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		for _, key := range []string{"to", "dataType", "outputDataType"} {
			if v, ok := n.Options[key].(string); ok && v == "int64" && (n.Op == "cast" || n.Op == "argMax" || n.Op == "argMin") {
				n.Options[key] = "int32"
			}
		}
	}
	return nil
}

// int64BytesToInt32 narrows little-endian int64s, refusing values outside
// int32.
func int64BytesToInt32(b []byte) ([]byte, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of int64s", len(b))
	}
	out := make([]byte, len(b)/2)
	for i := 0; i < len(b)/8; i++ {
		v := int64(le.LittleEndian.Uint64(b[8*i:]))
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, fmt.Errorf("element %d is %d, outside int32", i, v)
		}
		le.LittleEndian.PutUint32(out[4*i:], uint32(int32(v)))
	}
	return out, nil
}

// packInt4 applies target.PackedInt4: int4/uint4 weights go to the
// weights file two per byte, low nibble first (WebNN's layout for 4-bit
// constants in browsers), instead of one byte per element. The lowering
// (MatMulNBits, GatherBlockQuantized) builds them a byte each; packing
// here, lazily per weight, halves their size in the file. Readers tell the
// layouts apart by the manifest's byteLength (graph.Desc.DataLenOK).
func (c *ctx) packInt4() {
	if !c.target.PackedInt4 {
		return
	}
	for i := range c.weights {
		w := &c.weights[i]
		if w.Desc.DType != tensor.Int4 && w.Desc.DType != tensor.Uint4 {
			continue
		}
		data := w.Data
		w.Data = func() ([]byte, error) {
			b, err := data()
			if err != nil {
				return nil, err
			}
			return packNibbles(b), nil
		}
	}
}

// packNibbles packs one-byte 4-bit values two to a byte, low nibble first.
func packNibbles(b []byte) []byte {
	out := make([]byte, (len(b)+1)/2)
	for i, v := range b {
		out[i/2] |= (v & 0xF) << (4 * uint(i%2))
	}
	return out
}
