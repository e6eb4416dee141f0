package onnxrt

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Small com.microsoft ops of ORT's transformer optimizer (FusedMatMul,
// BiasAdd) and the ai.onnx ops of opsets 24–26 that are one formula each
// (Swish, CumProd, TensorScatter).

func init() {
	register(msDomain, "FusedMatMul", 1, buildFusedMatMul)
	register(msDomain, "BiasAdd", 1, buildBiasAdd)
	register("", "Swish", 24, buildSwish)
	register("", "CumProd", 26, buildCumulative(true))
	register("", "TensorScatter", 24, buildTensorScatter)
	register(msDomain, "GatherBlockQuantized", 1, buildGatherBlockQuantized)
}

// batchTransposePerm is FusedMatMul's transBatch layout: the operand is
// stored [d1, …, d_{r−2}, d0, d_{r−1}] relative to the logical [d0, …]:
// the first dim moves behind the batch dims (ORT's MatMulComputeHelper).
func batchTransposePerm(rank int) []int {
	perm := make([]int, rank)
	for i := 0; i < rank-2; i++ {
		perm[i] = i + 1
	}
	perm[rank-2] = 0
	perm[rank-1] = rank - 1
	return perm
}

func lastTwoPerm(rank int) []int {
	perm := iota(rank)
	perm[rank-2], perm[rank-1] = perm[rank-1], perm[rank-2]
	return perm
}

func buildFusedMatMul(n *node) (kernelFn, error) {
	transA, transB := n.i("transA", 0) != 0, n.i("transB", 0) != 0
	batchA, batchB := n.i("transBatchA", 0) != 0, n.i("transBatchB", 0) != 0
	alpha := float64(n.f("alpha", 1))
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b := in[0], in[1]
		var err error
		prep := func(x *tensor.Tensor, batch, trans bool) (*tensor.Tensor, error) {
			if batch && len(x.Shape) > 2 {
				if x, err = transpose(x, batchTransposePerm(len(x.Shape))); err != nil {
					return nil, err
				}
			}
			if trans && len(x.Shape) >= 2 {
				if x, err = transpose(x, lastTwoPerm(len(x.Shape))); err != nil {
					return nil, err
				}
			}
			return x, nil
		}
		if a, err = prep(a, batchA, transA); err != nil {
			return nil, err
		}
		if b, err = prep(b, batchB, transB); err != nil {
			return nil, err
		}
		y, err := matmul(a, b)
		if err != nil {
			return nil, err
		}
		if alpha != 1 {
			if y, err = mapFloat(y, func(v float64) float64 { return alpha * v }); err != nil {
				return nil, err
			}
		}
		return []*tensor.Tensor{y}, nil
	}), nil
}

// BiasAdd: X + bias + skip (bias broadcast over the last dim).
func buildBiasAdd(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := arith("Add", in[0], in[1])
		if err != nil {
			return nil, fmt.Errorf("bias: %w", err)
		}
		if s, err = arith("Add", s, in[2]); err != nil {
			return nil, fmt.Errorf("skip: %w", err)
		}
		return []*tensor.Tensor{s}, nil
	}, nil
}

func buildSwish(n *node) (kernelFn, error) {
	alpha := float64(n.f("alpha", 1))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := mapFloat(in[0], func(x float64) float64 { return x * sigmoid(alpha*x) })
		return []*tensor.Tensor{r}, err
	}, nil
}

// buildTensorScatter writes update into past_cache along axis at each
// batch row's write index (0 when absent; modulo the cache length in
// circular mode).
func buildTensorScatter(n *node) (kernelFn, error) {
	axis := n.i("axis", -2)
	mode := n.s("mode", "linear")
	if mode != "linear" && mode != "circular" {
		return nil, fmt.Errorf("mode %q is not linear or circular", mode)
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		past, upd := in[0], in[1]
		r := len(past.Shape)
		ax, err := normAxis(axis, r)
		if err != nil {
			return nil, err
		}
		if ax == 0 {
			return nil, fmt.Errorf("axis 0 is the batch axis")
		}
		if len(upd.Shape) != r || past.DType != upd.DType {
			return nil, fmt.Errorf("update %v %v does not match past_cache %v %v", upd.DType, upd.Shape, past.DType, past.Shape)
		}
		for i := range past.Shape {
			if i != ax && past.Shape[i] != upd.Shape[i] {
				return nil, fmt.Errorf("update %v differs from past_cache %v outside axis %d", upd.Shape, past.Shape, ax)
			}
		}
		M, S := past.Shape[ax], upd.Shape[ax]
		if S > M {
			return nil, fmt.Errorf("update length %d exceeds the cache length %d", S, M)
		}
		B := past.Shape[0]
		w := newSlice[int64](B)
		if wi := opt(in, 2); wi != nil {
			if w, err = ints(wi); err != nil {
				return nil, err
			}
			if len(w) != B {
				return nil, fmt.Errorf("write_indices has %d elements for batch %d", len(w), B)
			}
		}
		out := tensor.New(past.DType, past.Shape)
		copyRange(out.Data, 0, past.Data, 0, past.Len())
		inner := tensor.NumElements(past.Shape[ax+1:])
		mid := tensor.NumElements(past.Shape[1:ax])
		for b := 0; b < B; b++ {
			for m := 0; m < mid; m++ {
				prefix := b*mid + m
				for s := 0; s < S; s++ {
					t := w[b] + int64(s)
					if mode == "circular" {
						t %= int64(M)
					}
					if t < 0 || t >= int64(M) {
						return nil, fmt.Errorf("write index %d + %d is outside the cache of %d", w[b], s, M)
					}
					copyRange(out.Data, (prefix*M+int(t))*inner, upd.Data, (prefix*S+s)*inner, inner)
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// buildGatherBlockQuantized gathers rows of a block-quantized table and
// dequantizes them: (q − zero point) · scale, with one scale (and zero
// point) per block_size elements along quantize_axis. uint8 data packs
// 8/bits values per byte along the last axis, low bits first; int4/uint4
// data holds one value per element. Default zero points: 2^(bits−1) for
// uint8, 0 for int4/uint4. An index outside [−s, s) gives zeros.
func buildGatherBlockQuantized(n *node) (kernelFn, error) {
	bits := int(n.i("bits", 4))
	block := int(n.i("block_size", 128))
	qaxis := n.i("quantize_axis", 1)
	gaxis := n.i("gather_axis", 0)
	if bits != 2 && bits != 4 && bits != 8 {
		return nil, fmt.Errorf("bits %d", bits)
	}
	if block <= 0 {
		return nil, fmt.Errorf("block_size %d", block)
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		data, ind, scales, zpT := in[0], in[1], in[2], opt(in, 3)
		r := len(data.Shape)
		qa, err := normAxis(qaxis, r)
		if err != nil {
			return nil, err
		}
		ga, err := normAxis(gaxis, r)
		if err != nil {
			return nil, err
		}
		// logical values of the table, one per element
		shape := append([]int{}, data.Shape...)
		var q []int
		defZP := 0
		switch data.DType {
		case tensor.Uint8:
			per := 8 / bits
			if per > 1 && (qa != r-1 && ga == r-1) {
				return nil, fmt.Errorf("packed uint8 data with gather_axis on the packed axis")
			}
			shape[r-1] *= per
			raw := data.Data.([]uint8)
			q = make([]int, len(raw)*per)
			mask := uint8(1<<bits - 1)
			for i, b := range raw {
				for k := 0; k < per; k++ {
					q[i*per+k] = int(b >> (uint(k*bits)) & mask)
				}
			}
			defZP = 1 << (bits - 1)
		case tensor.Uint4:
			for _, v := range data.Data.([]uint8) {
				q = append(q, int(v))
			}
		case tensor.Int4:
			for _, v := range data.Data.([]int8) {
				q = append(q, int(v))
			}
		default:
			return nil, fmt.Errorf("data type %v", data.DType)
		}
		if len(scales.Shape) != r {
			return nil, fmt.Errorf("scales %v must have data's rank %d", scales.Shape, r)
		}
		nb := (shape[qa] + block - 1) / block
		for i := range shape {
			want := shape[i]
			if i == qa {
				want = nb
			}
			if scales.Shape[i] != want {
				return nil, fmt.Errorf("scales %v do not match data %v (quantize axis %d, block %d)", scales.Shape, shape, qa, block)
			}
		}
		sv, err := floats(scales)
		if err != nil {
			return nil, err
		}
		var zp []int
		if zpT != nil {
			switch zpT.DType {
			case tensor.Uint8:
				per := 8 / bits
				mask := uint8(1<<bits - 1)
				for _, b := range zpT.Data.([]uint8) {
					for k := 0; k < per; k++ {
						zp = append(zp, int(b>>(uint(k*bits))&mask))
					}
				}
			case tensor.Uint4:
				for _, v := range zpT.Data.([]uint8) {
					zp = append(zp, int(v))
				}
			case tensor.Int4:
				for _, v := range zpT.Data.([]int8) {
					zp = append(zp, int(v))
				}
			default:
				return nil, fmt.Errorf("zero_points type %v", zpT.DType)
			}
		}
		st := strides(shape)
		sst := strides(scales.Shape)
		deq := func(flat int) float64 {
			si := 0
			rem := flat
			for d := 0; d < r; d++ {
				co := rem / st[d]
				rem %= st[d]
				if d == qa {
					co /= block
				}
				si += co * sst[d]
			}
			z := defZP
			if zp != nil && si < len(zp) {
				z = zp[si]
			}
			return float64(q[flat]-z) * sv[si]
		}
		iv, err := ints(ind)
		if err != nil {
			return nil, fmt.Errorf("indices: %w", err)
		}
		dim := shape[ga]
		outer := tensor.NumElements(shape[:ga])
		inner := tensor.NumElements(shape[ga+1:])
		outShape := append(append(append([]int{}, shape[:ga]...), ind.Shape...), shape[ga+1:]...)
		out := make([]float64, 0, outer*len(iv)*inner)
		for o := 0; o < outer; o++ {
			for _, i := range iv {
				j := int(i)
				if j < 0 {
					j += dim
				}
				if j < 0 || j >= dim {
					out = append(out, make([]float64, inner)...)
					continue
				}
				base := (o*dim + j) * inner
				for k := 0; k < inner; k++ {
					out = append(out, deq(base+k))
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(scales.DType, outShape, out)}, nil
	}, nil
}
