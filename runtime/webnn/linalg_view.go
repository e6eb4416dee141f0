package webnn

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// matmul over strided views: the key and value operands of attention reach
// matmul as views of the KV cache (transposed, heads repeated for grouped
// queries) and are read in place, each head's matrix with its own offset.

// matrixLayout says how a view's last two axes (R×C) map to a GEMM operand:
// element (r, c) at r·ld + c, or at c·ld + r when trans. ok is false when
// neither holds.
func matrixLayout(v *stridedView) (trans bool, ld int, ok bool) {
	r := len(v.shape)
	rows, cols := v.shape[r-2], v.shape[r-1]
	rd, ok1 := v.axis(r - 2)
	cd, ok2 := v.axis(r - 1)
	if !ok1 || !ok2 {
		return false, 0, false
	}
	switch {
	case cols == 1 && rows == 1:
		return false, 1, true
	case cols == 1 || cd.stride == 1:
		if rows == 1 {
			return false, cols, true
		}
		return false, rd.stride, rd.stride >= cols
	case rows == 1 || rd.stride == 1:
		if cols == 1 {
			return true, rows, true
		}
		return true, cd.stride, cd.stride >= rows
	}
	return false, 0, false
}

// batchOffsets returns, for each batch index of the output batch shape ob
// (row-major), the element offset of v's matrix: v's batch axes align with
// ob's from the right and broadcast where they have size 1.
func batchOffsets(v *stridedView, ob []int, offs []int) []int {
	vb := v.shape[:len(v.shape)-2]
	shift := len(ob) - len(vb)
	idx := make([]int, len(ob))
	n := tensor.NumElements(ob)
	for i := 0; i < n; i++ {
		o := v.off
		for j := range vb {
			if vb[j] != 1 {
				o += v.offsetOf(j, idx[j+shift])
			}
		}
		offs = append(offs, o)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < ob[d] {
				break
			}
			idx[d] = 0
		}
	}
	return offs
}

// matmulViews computes a × b (float32, either operand a view) into a new
// tensor. An operand whose matrices are not one GEMM layout is
// materialised first.
func matmulViews(x *execCtx, a, b *stridedView) (*tensor.Tensor, error) {
	if a.dtype != tensor.Float32 || b.dtype != tensor.Float32 {
		return nil, fmt.Errorf("matmul of %v and %v views", a.dtype, b.dtype)
	}
	oshape, err := kernel.MatMulBroadcastShape(a.shape, b.shape)
	if err != nil {
		return nil, err
	}
	r := len(oshape)
	m, k, n := oshape[r-2], a.shape[len(a.shape)-1], oshape[r-1]
	out := x.alloc(tensor.Float32, oshape)
	if out.Len() == 0 {
		return out, nil
	}
	if k == 0 {
		clear(out.Data.([]float32))
		return out, nil
	}
	ta, lda, ok := matrixLayout(a)
	if !ok {
		a = x.denseCopy(a)
		ta, lda, _ = matrixLayout(a)
	}
	tb, ldb, ok := matrixLayout(b)
	if !ok {
		b = x.denseCopy(b)
		tb, ldb, _ = matrixLayout(b)
	}
	ob := oshape[:r-2]
	offA := batchOffsets(a, ob, nil)
	offB := batchOffsets(b, ob, nil)
	offC := make([]int, len(offA))
	for i := range offC {
		offC[i] = i * m * n
	}
	kernel.SgemmOffsets(ta, tb, m, n, k, a.base.([]float32), lda, offA, b.base.([]float32), ldb, offB, out.Data.([]float32), n, offC)
	return out, nil
}

// denseCopy materialises v into a scratch buffer of the running step.
func (x *execCtx) denseCopy(v *stridedView) *stridedView {
	t := x.alloc(v.dtype, v.shape)
	v.materialize(t)
	return denseView(t)
}
