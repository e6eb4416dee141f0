package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// MatMul (numpy semantics), Gemm, MatMulInteger and QLinearMatMul.
// float32 products go through kernel.Sgemm; other types use a plain loop.

func init() {
	register("", "MatMul", 1, buildMatMul)
	register("", "Gemm", 1, buildGemm)
	register("", "MatMulInteger", 10, buildMatMulInteger)
	register("", "QLinearMatMul", 10, buildQLinearMatMul)
}

// matmulShapes resolves numpy matmul shapes: 1-D operands are promoted
// (and the promoted dim dropped from the result), batch dims broadcast.
func matmulShapes(as, bs []int) (batch, aBatch, bBatch []int, m, k, n int, outShape []int, err error) {
	if len(as) == 0 || len(bs) == 0 {
		err = fmt.Errorf("MatMul operands must have rank ≥ 1, got %v and %v", as, bs)
		return
	}
	a2, b2 := as, bs
	if len(as) == 1 {
		a2 = []int{1, as[0]}
	}
	if len(bs) == 1 {
		b2 = []int{bs[0], 1}
	}
	m, k = a2[len(a2)-2], a2[len(a2)-1]
	k2 := b2[len(b2)-2]
	n = b2[len(b2)-1]
	if k != k2 {
		err = fmt.Errorf("MatMul inner dims differ: %v × %v", as, bs)
		return
	}
	aBatch, bBatch = a2[:len(a2)-2], b2[:len(b2)-2]
	batch, err = broadcastShapes(aBatch, bBatch)
	if err != nil {
		return
	}
	outShape = append(append([]int{}, batch...), m, n)
	if len(as) == 1 {
		outShape = append(outShape[:len(outShape)-2], n)
	}
	if len(bs) == 1 {
		outShape = outShape[:len(outShape)-1]
	}
	return
}

// batchedMatMul multiplies broadcast batches with core(m, n, k, a, b, c).
func batchedMatMul[T any](a, b []T, as, bs []int, core func(m, n, k int, a, b, c []T)) ([]T, []int, error) {
	batch, aBatch, bBatch, m, k, n, outShape, err := matmulShapes(as, bs)
	if err != nil {
		return nil, nil, err
	}
	nb := tensor.NumElements(batch)
	out := newSlice[T](nb, m, n)
	if len(bBatch) == 0 || tensor.NumElements(bBatch) == 1 && tensor.NumElements(aBatch) == nb {
		// fold a's batch into rows: one (nb·m)×k by k×n product
		core(nb*m, n, k, a, b, out)
		return out, outShape, nil
	}
	ia := broadcastIndex(aBatch, batch)
	ib := broadcastIndex(bBatch, batch)
	for i := 0; i < nb; i++ {
		core(m, n, k, a[ia[i]*m*k:(ia[i]+1)*m*k], b[ib[i]*k*n:(ib[i]+1)*k*n], out[i*m*n:(i+1)*m*n])
	}
	return out, outShape, nil
}

func sgemmCore(m, n, k int, a, b, c []float32) {
	kernel.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
}

func naiveCore[T number](m, n, k int, a, b, c []T) {
	kernel.ParallelFor(m, max(1, 4096/(n*k+1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := c[i*n : (i+1)*n]
			for p := 0; p < k; p++ {
				av := a[i*k+p]
				if av == 0 {
					continue
				}
				for j, bv := range b[p*n : (p+1)*n] {
					row[j] += av * bv
				}
			}
		}
	})
}

func matmul(a, b *tensor.Tensor) (*tensor.Tensor, error) {
	if a.DType != b.DType {
		return nil, fmt.Errorf("MatMul operand dtypes differ: %v and %v", a.DType, b.DType)
	}
	var data any
	var shape []int
	var err error
	switch ad := a.Data.(type) {
	case []float32:
		data, shape, err = batchedMatMul(ad, b.Data.([]float32), a.Shape, b.Shape, sgemmCore)
	case []float64:
		data, shape, err = batchedMatMul(ad, b.Data.([]float64), a.Shape, b.Shape, naiveCore[float64])
	case []int32:
		data, shape, err = batchedMatMul(ad, b.Data.([]int32), a.Shape, b.Shape, naiveCore[int32])
	case []int64:
		data, shape, err = batchedMatMul(ad, b.Data.([]int64), a.Shape, b.Shape, naiveCore[int64])
	case []uint32:
		data, shape, err = batchedMatMul(ad, b.Data.([]uint32), a.Shape, b.Shape, naiveCore[uint32])
	case []uint64:
		data, shape, err = batchedMatMul(ad, b.Data.([]uint64), a.Shape, b.Shape, naiveCore[uint64])
	default:
		return nil, fmt.Errorf("MatMul is not defined for %v", a.DType)
	}
	if err != nil {
		return nil, err
	}
	return &tensor.Tensor{DType: a.DType, Shape: shape, Data: data}, nil
}

func buildMatMul(n *node) (kernelFn, error) {
	// A constant 2-D float32 right operand (a weight) is read in place (a
	// view of the mapped external data, shared with anything else reading
	// the same model): kernel.Sgemm streams it row by row at M = 1 and
	// packs panels of it on the fly for larger M, so no second copy of the
	// weights is kept.
	w := n.constInput(1)
	if w == nil || w.DType != tensor.Float32 || len(w.Shape) != 2 || w.Len() == 0 {
		w = nil
	}
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a := in[0]
		if w != nil && in[1] == w && a.DType == tensor.Float32 && len(a.Shape) >= 2 && a.Shape[len(a.Shape)-1] == w.Shape[0] {
			k, nn := w.Shape[0], w.Shape[1]
			rows := a.Len() / k
			out := newSlice[float32](rows, nn)
			if rows > 0 {
				kernel.Sgemm(false, false, rows, nn, k, 1, a.Data.([]float32), k, w.Data.([]float32), nn, 0, out, nn)
			}
			shape := append(append([]int{}, a.Shape[:len(a.Shape)-1]...), nn)
			return []*tensor.Tensor{f32Tensor(shape, out)}, nil
		}
		r, err := matmul(a, in[1])
		return []*tensor.Tensor{r}, err
	}), nil
}

func buildGemm(n *node) (kernelFn, error) {
	transA := n.i("transA", 0) == 1
	transB := n.i("transB", 0) == 1
	alpha := n.f("alpha", 1)
	beta := n.f("beta", 1)
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b, cc := in[0], in[1], opt(in, 2)
		if len(a.Shape) != 2 || len(b.Shape) != 2 {
			return nil, fmt.Errorf("Gemm needs 2-D A and B, got %v and %v", a.Shape, b.Shape)
		}
		m, k := a.Shape[0], a.Shape[1]
		if transA {
			m, k = k, m
		}
		k2, nn := b.Shape[0], b.Shape[1]
		if transB {
			k2, nn = nn, k2
		}
		if k != k2 {
			return nil, fmt.Errorf("Gemm inner dims differ: A %v B %v (transA=%v transB=%v)", a.Shape, b.Shape, transA, transB)
		}
		shape := []int{m, nn}
		var cIdx []int
		if cc != nil && beta != 0 {
			bs, err := broadcastShapes(cc.Shape, shape)
			if err != nil || !sameShape(bs, shape) {
				return nil, fmt.Errorf("C %v does not broadcast to %v", cc.Shape, shape)
			}
			cIdx = broadcastIndex(cc.Shape, shape)
		}
		switch ad := a.Data.(type) {
		case []float32:
			out := newSlice[float32](m, nn)
			bt := float32(0)
			if cIdx != nil {
				cd := cc.Data.([]float32)
				for i, j := range cIdx {
					out[i] = beta * cd[j]
				}
				bt = 1
			}
			lda, ldb := k, nn
			if transA {
				lda = m
			}
			if transB {
				ldb = k
			}
			kernel.Sgemm(transA, transB, m, nn, k, alpha, ad, lda, b.Data.([]float32), ldb, bt, out, nn)
			return []*tensor.Tensor{f32Tensor(shape, out)}, nil
		}
		// other types: float64 arithmetic
		av, err := floats(a)
		if err != nil {
			return nil, err
		}
		bv, _ := floats(b)
		out := newSlice[float64](m, nn)
		for i := 0; i < m; i++ {
			for j := 0; j < nn; j++ {
				s := 0.0
				for p := 0; p < k; p++ {
					x := av[i*k+p]
					if transA {
						x = av[p*m+i]
					}
					y := bv[p*nn+j]
					if transB {
						y = bv[j*k+p]
					}
					s += x * y
				}
				out[i*nn+j] = float64(alpha) * s
			}
		}
		if cIdx != nil {
			cv, _ := floats(cc)
			for i, j := range cIdx {
				out[i] += float64(beta) * cv[j]
			}
		}
		return []*tensor.Tensor{fromFloat64(a.DType, shape, out)}, nil
	}), nil
}

// zeroPointed returns q - zp as int32, with zp a scalar or one value per
// row (axis along dim axisDim of shape) — MatMulInteger semantics.
func zeroPointed(q, zp *tensor.Tensor, axisDim int) ([]int32, error) {
	v, err := ints(q)
	if err != nil {
		return nil, err
	}
	out := make([]int32, len(v))
	var z []int64
	if zp != nil {
		if z, err = ints(zp); err != nil {
			return nil, err
		}
	}
	if len(z) > 1 && (axisDim < 0 || axisDim >= len(q.Shape) || len(z) != q.Shape[axisDim]) {
		return nil, fmt.Errorf("zero point %v must be a scalar or have one value per row of %v", zp.Shape, q.Shape)
	}
	st := strides(q.Shape)
	for i, x := range v {
		zz := int64(0)
		switch {
		case len(z) == 1:
			zz = z[0]
		case len(z) > 1 && axisDim >= 0:
			zz = z[(i/st[axisDim])%q.Shape[axisDim]]
		}
		out[i] = int32(x - zz)
	}
	return out, nil
}

func buildMatMulInteger(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b := in[0], in[1]
		// A's zero point is per row (dim -2), B's per column (dim -1).
		av, err := zeroPointed(a, opt(in, 2), len(a.Shape)-2)
		if err != nil {
			return nil, err
		}
		bv, err := zeroPointed(b, opt(in, 3), len(b.Shape)-1)
		if err != nil {
			return nil, err
		}
		out, shape, err := batchedMatMul(av, bv, a.Shape, b.Shape, naiveCore[int32])
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{{DType: tensor.Int32, Shape: shape, Data: out}}, nil
	}, nil
}

// saturate rounds half to even and clamps to the range of dt.
func saturate(v float64, dt tensor.DType) float64 {
	v = math.RoundToEven(v)
	lo, hi := 0.0, 255.0
	switch dt {
	case tensor.Int8:
		lo, hi = -128, 127
	case tensor.Uint16:
		lo, hi = 0, 65535
	case tensor.Int16:
		lo, hi = -32768, 32767
	case tensor.Int4:
		lo, hi = -8, 7
	case tensor.Uint4:
		lo, hi = 0, 15
	case tensor.Int32:
		lo, hi = math.MinInt32, math.MaxInt32
	}
	return math.Max(lo, math.Min(hi, v))
}

func buildQLinearMatMul(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, as, az, b, bs, bz, ys, yz := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]
		ad, err := dequantize(a, as, az, len(a.Shape)-2, 0)
		if err != nil {
			return nil, err
		}
		bd, err := dequantize(b, bs, bz, len(b.Shape)-1, 0)
		if err != nil {
			return nil, err
		}
		out, shape, err := batchedMatMul(ad, bd, a.Shape, b.Shape, naiveCore[float64])
		if err != nil {
			return nil, err
		}
		y, err := quantize(out, shape, ys, yz, yz.DType, -1, 0)
		return []*tensor.Tensor{y}, err
	}, nil
}
