package webnn

import (
	"fmt"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Weight matrices of matmul/gemm are packed once at Compile. Keeping their
// decoded copy as well would double the resident weights (0.5 GB on
// smollm-135m), so a constant whose only readers are packing kernels is
// never decoded: see compiler.deferred.

// packOnlyConsts names the float32 2-D constants (from weights or bytes)
// whose every positional use is operand 1 of a matmul or gemm and that are
// not graph outputs. Operand-valued options are checked after compilation
// (settleDeferred), since they are resolved by the kernels' compilers.
func packOnlyConsts(g *graph.Graph) map[string]bool {
	cand := map[string]bool{}
	for i := range g.Consts {
		k := &g.Consts[i]
		if k.Desc.DType != tensor.Float32 || len(k.Desc.Shape) != 2 || (k.Kind != graph.ConstWeights && k.Kind != graph.ConstBytes) {
			continue
		}
		if shape, ok := k.Desc.StaticShape(); !ok || tensor.NumElements(shape) == 0 {
			continue
		}
		cand[k.Name] = false // no packing use seen yet
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		for pos, in := range n.Inputs {
			seen, ok := cand[in]
			if !ok {
				continue
			}
			if pos == 1 && (n.Op == "matmul" || n.Op == "gemm") {
				if !seen {
					cand[in] = true
				}
				continue
			}
			delete(cand, in)
		}
	}
	for _, o := range g.Outputs {
		delete(cand, o.Operand)
	}
	out := map[string]bool{}
	for name, used := range cand {
		if used {
			out[name] = true
		}
	}
	return out
}

// packConstB packs the node's constant operand 1 as the kernel's B (k×n,
// stored transposed when transB), or returns nil when operand 1 is not a
// float32 2-D constant. A deferred constant is read straight from its
// weight bytes and the step is marked as never reading its data.
func (nc *nodeCompiler) packConstB(transB bool) (*kernel.PackedB, error) {
	if len(nc.st.ins) < 2 || nc.st.ins[1] < 0 {
		return nil, nil
	}
	slot := nc.st.ins[1]
	w := nc.c.consts[slot]
	if w == nil || w.DType != tensor.Float32 || len(w.Shape) != 2 || w.Len() == 0 {
		return nil, nil
	}
	k, n := w.Shape[0], w.Shape[1]
	if transB {
		k, n = n, k
	}
	k0, deferred := nc.c.deferred[slot]
	if !deferred {
		pb, err := kernel.PackB(transB, k, n, w.Data.([]float32), w.Shape[1])
		if err != nil {
			return nil, nil // fall back to the unpacked kernel
		}
		return pb, nil
	}
	data, err := constFloats(k0, nc.c.ws)
	if err != nil {
		return nil, fmt.Errorf("const %q: %w", k0.Name, err)
	}
	pb, err := kernel.PackB(transB, k, n, data, w.Shape[1])
	if err != nil {
		return nil, fmt.Errorf("const %q: %w", k0.Name, err)
	}
	nc.st.packedB = true
	return pb, nil
}

// constFloats returns a float32 constant's elements: a view of its bytes
// when they are 4-byte aligned on a little-endian machine (valid only while
// the weight source is, so it is read during Compile only), else a decoded
// copy.
func constFloats(k *graph.Const, ws graph.WeightSource) ([]float32, error) {
	shape, _ := k.Desc.StaticShape()
	n := tensor.NumElements(shape)
	var b []byte
	switch k.Kind {
	case graph.ConstWeights:
		if ws == nil {
			return nil, fmt.Errorf("@weights(%q) but no weights were given", k.Ref)
		}
		var err error
		if b, err = ws.WeightBytes(k.Ref); err != nil {
			return nil, fmt.Errorf("@weights(%q): %w", k.Ref, err)
		}
	case graph.ConstBytes:
		b = k.Bytes
	}
	if len(b) == 4*n && n > 0 && littleEndian && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n), nil
	}
	t, err := tensor.FromBytes(tensor.Float32, shape, b, false)
	if err != nil {
		return nil, err
	}
	return t.Data.([]float32), nil
}

var littleEndian = func() bool {
	v := uint16(1)
	return *(*byte)(unsafe.Pointer(&v)) == 1
}()

// settleDeferred decodes every deferred constant that some step reads other
// than as its packed operand 1 (an operand-valued option, a kernel that did
// not pack it), so such a reader sees the real data.
func (c *compiler) settleDeferred(steps []*step) error {
	if len(c.deferred) == 0 {
		return nil
	}
	needed := map[int]bool{}
	for _, st := range steps {
		for i, s := range st.ins {
			if _, ok := c.deferred[s]; ok && !(i == 1 && st.packedB) {
				needed[s] = true
			}
		}
	}
	for s := range needed {
		k := c.deferred[s]
		t, err := decodeConst(k, c.ws)
		if err != nil {
			return fmt.Errorf("webnn: const %q: %w", k.Name, err)
		}
		c.consts[s] = t
		delete(c.deferred, s)
	}
	return nil
}
