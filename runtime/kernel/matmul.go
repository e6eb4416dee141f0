package kernel

import (
	"fmt"
	"runtime"
)

// SgemmStridedBatched runs batch independent products
// C_i = alpha·op(A_i)·op(B_i) + beta·C_i with A_i = a[i*strideA:], B_i =
// b[i*strideB:], C_i = c[i*strideC:] (a stride of 0 reuses one operand for
// every batch: broadcasting). Small products run one per goroutine; large
// ones one after another, each split over all cores.
func SgemmStridedBatched(transA, transB bool, batch, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC int) {
	if batch <= 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if batch == 1 || m*n*k >= 1<<18 {
		for i := 0; i < batch; i++ {
			sgemm(workers, transA, transB, m, n, k, alpha, a[i*strideA:], lda, b[i*strideB:], ldb, beta, c[i*strideC:], ldc)
		}
		return
	}
	ParallelFor(batch, max(1, (1<<16)/max(1, m*n*k)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sgemm(1, transA, transB, m, n, k, alpha, a[i*strideA:], lda, b[i*strideB:], ldb, beta, c[i*strideC:], ldc)
		}
	})
}

// MatMulBroadcastShape returns the output shape of MatMulBatched for
// operands [..., M, K] and [..., K, N] (both rank ≥ 2), broadcasting the
// batch dimensions numpy-style (the shorter shape is padded with leading 1s).
func MatMulBroadcastShape(aShape, bShape []int) ([]int, error) {
	if len(aShape) < 2 || len(bShape) < 2 {
		return nil, fmt.Errorf("matmul: operands must have rank ≥ 2, got %v and %v", aShape, bShape)
	}
	m, k := aShape[len(aShape)-2], aShape[len(aShape)-1]
	k2, n := bShape[len(bShape)-2], bShape[len(bShape)-1]
	if k != k2 {
		return nil, fmt.Errorf("matmul: inner dimensions differ: %v × %v (%d vs %d)", aShape, bShape, k, k2)
	}
	rank := max(len(aShape), len(bShape))
	out := make([]int, rank)
	for i := 0; i < rank-2; i++ {
		da, db := dimFromEnd(aShape, rank-i), dimFromEnd(bShape, rank-i)
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("matmul: batch dimensions %v and %v do not broadcast (%d vs %d)", aShape[:len(aShape)-2], bShape[:len(bShape)-2], da, db)
		}
	}
	out[rank-2], out[rank-1] = m, n
	return out, nil
}

// dimFromEnd returns shape[len(shape)-fromEnd], or 1 past the front.
func dimFromEnd(shape []int, fromEnd int) int {
	if i := len(shape) - fromEnd; i >= 0 {
		return shape[i]
	}
	return 1
}

// MatMulBatched computes c = a × b for row-major a [..., M, K] and
// b [..., K, N] with broadcast batch dimensions (MatMulBroadcastShape gives
// c's shape). Batches that share an operand reuse it without copying.
func MatMulBatched(a []float32, aShape []int, b []float32, bShape []int, c []float32) error {
	outShape, err := MatMulBroadcastShape(aShape, bShape)
	if err != nil {
		return err
	}
	rank := len(outShape)
	m, k, n := aShape[len(aShape)-2], aShape[len(aShape)-1], bShape[len(bShape)-1]
	batch := 1
	for _, d := range outShape[:rank-2] {
		batch *= d
	}
	if got, want := len(a), prod(aShape); got < want {
		return fmt.Errorf("matmul: a has %d elements, shape %v needs %d", got, aShape, want)
	}
	if got, want := len(b), prod(bShape); got < want {
		return fmt.Errorf("matmul: b has %d elements, shape %v needs %d", got, bShape, want)
	}
	if got, want := len(c), batch*m*n; got < want {
		return fmt.Errorf("matmul: c has %d elements, shape %v needs %d", got, outShape, want)
	}
	if batch == 0 || m == 0 || n == 0 {
		return nil
	}
	// Batch strides of a and b per output batch dim (0 where broadcast).
	sa := batchStrides(aShape, rank, m*k)
	sb := batchStrides(bShape, rank, k*n)
	idx := make([]int, rank-2)
	offA := make([]int, batch)
	offB := make([]int, batch)
	for i := 0; i < batch; i++ {
		oa, ob := 0, 0
		for d := range idx {
			oa += idx[d] * sa[d]
			ob += idx[d] * sb[d]
		}
		offA[i], offB[i] = oa, ob
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < outShape[d] {
				break
			}
			idx[d] = 0
		}
	}
	// Common cases as one strided call: b shared by every batch
	// (activations × weights) or both operands batched alike.
	if strideA, strideB, ok := uniformOffsets(offA, offB); ok {
		SgemmStridedBatched(false, false, batch, m, n, k, 1, a, k, strideA, b, n, strideB, 0, c, n, m*n)
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	if m*n*k >= 1<<18 {
		for i := 0; i < batch; i++ {
			sgemm(workers, false, false, m, n, k, 1, a[offA[i]:], k, b[offB[i]:], n, 0, c[i*m*n:], n)
		}
		return nil
	}
	ParallelFor(batch, max(1, (1<<16)/max(1, m*n*k)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sgemm(1, false, false, m, n, k, 1, a[offA[i]:], k, b[offB[i]:], n, 0, c[i*m*n:], n)
		}
	})
	return nil
}

func prod(s []int) int {
	p := 1
	for _, d := range s {
		p *= d
	}
	return p
}

// batchStrides returns, for each of the rank-2 output batch dims, the
// element stride of the operand along it (0 where the operand has size 1).
func batchStrides(shape []int, rank, matSize int) []int {
	st := make([]int, rank-2)
	s := matSize
	for i := rank - 3; i >= 0; i-- {
		d := dimFromEnd(shape, rank-i)
		if d != 1 {
			st[i] = s
		}
		s *= d
	}
	return st
}

// uniformOffsets reports whether offA[i] = i·strideA and offB[i] = i·strideB.
func uniformOffsets(offA, offB []int) (strideA, strideB int, ok bool) {
	if len(offA) > 1 {
		strideA, strideB = offA[1], offB[1]
	}
	for i := range offA {
		if offA[i] != i*strideA || offB[i] != i*strideB {
			return 0, 0, false
		}
	}
	return strideA, strideB, true
}

// SgemmOffsets runs len(offC) products C_i = op(A_i)·op(B_i) (alpha 1,
// beta 0) with A_i = a[offA[i]:], B_i = b[offB[i]:] and C_i = c[offC[i]:]:
// the batch of a matmul whose operands are strided views (a grouped-query
// attention's key/value heads shared by several query heads, a KV cache
// with spare capacity between heads). Small products run one per
// goroutine; large ones one after another, each split over all cores.
func SgemmOffsets(transA, transB bool, m, n, k int, a []float32, lda int, offA []int, b []float32, ldb int, offB []int, c []float32, ldc int, offC []int) {
	batch := len(offC)
	if batch == 0 || m <= 0 || n <= 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if batch == 1 || m*n*k >= 1<<18 {
		for i := 0; i < batch; i++ {
			sgemm(workers, transA, transB, m, n, k, 1, a[offA[i]:], lda, b[offB[i]:], ldb, 0, c[offC[i]:], ldc)
		}
		return
	}
	ParallelFor(batch, max(1, (1<<16)/max(1, m*n*k)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sgemm(1, transA, transB, m, n, k, 1, a[offA[i]:], lda, b[offB[i]:], ldb, 0, c[offC[i]:], ldc)
		}
	})
}
