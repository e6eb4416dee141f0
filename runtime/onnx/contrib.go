package onnxrt

import (
	"fmt"
	"math"

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
	register(msDomain, "EmbedLayerNormalization", 1, buildEmbedLayerNorm)
	register(msDomain, "Attention", 1, buildMSAttention)
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
					q[i*per+k] = int(b >> (uint(k * bits)) & mask)
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

// buildEmbedLayerNorm: word[input_ids] + position[position_ids or
// 0…S−1] (+ segment[segment_ids]), layer-normed and scaled; mask_index
// counts the mask values equal to 1 per row (ONNX Runtime's count);
// embedding_sum is the sum.
func buildEmbedLayerNorm(n *node) (kernelFn, error) {
	eps := float64(n.f("epsilon", 1e-12))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		ids, word, posT, gamma, beta := in[0], in[2], in[3], in[5], in[6]
		if len(ids.Shape) != 2 || len(word.Shape) != 2 || len(posT.Shape) != 2 {
			return nil, fmt.Errorf("input_ids %v, word_embedding %v, position_embedding %v", ids.Shape, word.Shape, posT.Shape)
		}
		B, S, H := ids.Shape[0], ids.Shape[1], word.Shape[1]
		iv, err := ints(ids)
		if err != nil {
			return nil, err
		}
		wv, _ := floats(word)
		pv, _ := floats(posT)
		var sv []float64
		var segIDs []int64
		if s, t := opt(in, 1), opt(in, 4); s != nil && t != nil {
			if segIDs, err = ints(s); err != nil {
				return nil, err
			}
			sv, _ = floats(t)
		}
		var posIDs []int64
		posBatch := false
		if p := opt(in, 8); p != nil {
			if posIDs, err = ints(p); err != nil {
				return nil, err
			}
			posBatch = len(p.Shape) == 2 && p.Shape[0] == B && B > 1
		}
		gv, _ := floats(gamma)
		bv, _ := floats(beta)
		row := func(table []float64, rows int, i int64, what string) ([]float64, error) {
			if i < 0 || int(i) >= rows {
				return nil, fmt.Errorf("%s index %d out of range [0, %d)", what, i, rows)
			}
			return table[int(i)*H : (int(i)+1)*H], nil
		}
		sum := make([]float64, B*S*H)
		for b := 0; b < B; b++ {
			for s := 0; s < S; s++ {
				w, err := row(wv, word.Shape[0], iv[b*S+s], "input_ids")
				if err != nil {
					return nil, err
				}
				pi := int64(s)
				if posIDs != nil {
					if posBatch {
						pi = posIDs[b*S+s]
					} else {
						pi = posIDs[s]
					}
				}
				p, err := row(pv, posT.Shape[0], pi, "position_ids")
				if err != nil {
					return nil, err
				}
				o := sum[(b*S+s)*H : (b*S+s+1)*H]
				for k := range o {
					o[k] = float64(float32(w[k]) + float32(p[k]))
				}
				if sv != nil {
					sg, err := row(sv, len(sv)/H, segIDs[b*S+s], "segment_ids")
					if err != nil {
						return nil, err
					}
					for k := range o {
						o[k] = float64(float32(o[k]) + float32(sg[k]))
					}
				}
			}
		}
		out, _, _ := rowNorm(sum, len(sum)/max(H, 1), H, gv, bv, eps, false)
		mi := make([]float64, B)
		if m := opt(in, 7); m != nil {
			mv, err := ints(m)
			if err != nil {
				return nil, err
			}
			for b := 0; b < B; b++ {
				for s := 0; s < S; s++ {
					if mv[b*S+s] == 1 {
						mi[b]++
					}
				}
			}
		}
		dt := word.DType
		return []*tensor.Tensor{
			fromFloat64(dt, []int{B, S, H}, out),
			fromFloat64(tensor.Int32, []int{B}, mi),
			fromFloat64(dt, []int{B, S, H}, sum),
		}, nil
	}, nil
}

// buildMSAttention is com.microsoft.Attention (ORT's fused self-attention
// of BERT and GPT-2 exports): Q, K, V = input·W + bias (split by
// qkv_hidden_sizes), per head softmax(Q·Kᵀ·scale + mask + attention_bias)·V
// over the past and new keys; present = [K; V]. The mask follows ONNX
// Runtime's PrepareMask: a raw 2-D [B, T] or 3-D [B, S, T] mask sets
// masked (≤ 0) positions to mask_filter_value, a 1-D [B] mask (end
// positions) or [2B] (ends, then starts) does so outside [start, end),
// and unidirectional sets keys after past + s to the lowest float.
func buildMSAttention(n *node) (kernelFn, error) {
	N := int(n.i("num_heads", 0))
	if N <= 0 {
		return nil, fmt.Errorf("num_heads must be positive")
	}
	causal := n.i("unidirectional", 0) != 0
	mfv := n.f("mask_filter_value", -10000)
	scaleAttr := n.f("scale", 0)
	sizes := n.ints("qkv_hidden_sizes")
	if n.i("do_rotary", 0) != 0 || n.i("past_present_share_buffer", 0) != 0 {
		return nil, fmt.Errorf("do_rotary and past_present_share_buffer are not supported")
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, w := in[0], in[1]
		if len(x.Shape) != 3 || len(w.Shape) != 2 || w.Shape[0] != x.Shape[2] {
			return nil, fmt.Errorf("input %v and weights %v", x.Shape, w.Shape)
		}
		B, S, Din := x.Shape[0], x.Shape[1], x.Shape[2]
		hq, hk, hv := w.Shape[1]/3, w.Shape[1]/3, w.Shape[1]/3
		if len(sizes) == 3 {
			hq, hk, hv = int(sizes[0]), int(sizes[1]), int(sizes[2])
		}
		if hq+hk+hv != w.Shape[1] || hq%N != 0 || hv%N != 0 || hq != hk {
			return nil, fmt.Errorf("weights %v do not hold Q, K, V of %d, %d, %d for %d heads", w.Shape, hq, hk, hv, N)
		}
		dq, dv := hq/N, hv/N
		xv, _ := floats(x)
		wv, _ := floats(w)
		var bv []float64
		if b := opt(in, 2); b != nil {
			bv, _ = floats(b)
		}
		qkv := make([]float64, B*S*w.Shape[1])
		for r := 0; r < B*S; r++ {
			for j := 0; j < w.Shape[1]; j++ {
				var s float32
				for k := 0; k < Din; k++ {
					s += float32(xv[r*Din+k]) * float32(wv[k*w.Shape[1]+j])
				}
				if bv != nil {
					s += float32(bv[j])
				}
				qkv[r*w.Shape[1]+j] = float64(s)
			}
		}
		P := 0
		var past []float64
		if p := opt(in, 4); p != nil {
			if len(p.Shape) != 5 || p.Shape[0] != 2 || p.Shape[1] != B || p.Shape[2] != N || p.Shape[4] != dq || dq != dv {
				return nil, fmt.Errorf("past %v must be [2, %d, %d, past, %d]", p.Shape, B, N, dq)
			}
			P = p.Shape[3]
			past, _ = floats(p)
		}
		T := P + S
		// K and V per (b, head, t)
		kAt := func(b, h, t, d int) float64 {
			if t < P {
				return past[(((0*B+b)*N+h)*P+t)*dq+d]
			}
			return qkv[(b*S+t-P)*w.Shape[1]+hq+h*dq+d]
		}
		vAt := func(b, h, t, d int) float64 {
			if t < P {
				return past[(((1*B+b)*N+h)*P+t)*dv+d]
			}
			return qkv[(b*S+t-P)*w.Shape[1]+hq+hk+h*dv+d]
		}
		// mask [B, S, T]
		mask := make([]float32, B*S*T)
		if m := opt(in, 3); m != nil {
			mv, err := ints(m)
			if err != nil {
				return nil, err
			}
			switch {
			case len(m.Shape) == 2 && sameShape(m.Shape, []int{B, T}):
				for b := 0; b < B; b++ {
					for s := 0; s < S; s++ {
						for t := 0; t < T; t++ {
							if mv[b*T+t] <= 0 {
								mask[(b*S+s)*T+t] = mfv
							}
						}
					}
				}
			case len(m.Shape) == 3 && sameShape(m.Shape, []int{B, S, T}):
				for i, v := range mv {
					if v <= 0 {
						mask[i] = mfv
					}
				}
			case len(m.Shape) == 1 && (m.Shape[0] == B || m.Shape[0] == 2*B):
				for b := 0; b < B; b++ {
					end := int(mv[b])
					start := 0
					if m.Shape[0] == 2*B {
						start = min(int(mv[B+b]), T)
					}
					for s := 0; s < S; s++ {
						for t := 0; t < T; t++ {
							if t >= end || t < start {
								mask[(b*S+s)*T+t] = mfv
							}
						}
					}
				}
			default:
				return nil, fmt.Errorf("mask_index of shape %v is not supported", m.Shape)
			}
		}
		if causal {
			for b := 0; b < B; b++ {
				for s := 0; s < S; s++ {
					for t := P + s + 1; t < T; t++ {
						mask[(b*S+s)*T+t] = -math.MaxFloat32
					}
				}
			}
		}
		var ab []float64
		var abShape []int
		if t := opt(in, 5); t != nil {
			ab, _ = floats(t)
			abShape = t.Shape
			if len(abShape) != 4 || abShape[2] != S || abShape[3] != T || (abShape[0] != 1 && abShape[0] != B) || (abShape[1] != 1 && abShape[1] != N) {
				return nil, fmt.Errorf("attention_bias %v", abShape)
			}
		}
		scale := scaleAttr
		if scale == 0 {
			scale = float32(1 / math.Sqrt(float64(dq)))
		}
		out := make([]float64, B*S*N*dv)
		sc := make([]float64, T)
		for b := 0; b < B; b++ {
			for h := 0; h < N; h++ {
				for s := 0; s < S; s++ {
					mx := math.Inf(-1)
					for t := 0; t < T; t++ {
						var dot float32
						for d := 0; d < dq; d++ {
							dot += float32(qkv[(b*S+s)*w.Shape[1]+h*dq+d]) * float32(kAt(b, h, t, d))
						}
						v := dot*scale + mask[(b*S+s)*T+t]
						if ab != nil {
							bb, hh := b, h
							if abShape[0] == 1 {
								bb = 0
							}
							if abShape[1] == 1 {
								hh = 0
							}
							v += float32(ab[((bb*abShape[1]+hh)*S+s)*T+t])
						}
						sc[t] = float64(v)
						mx = math.Max(mx, sc[t])
					}
					sum := 0.0
					for t := range sc {
						sc[t] = math.Exp(sc[t] - mx)
						sum += sc[t]
					}
					for d := 0; d < dv; d++ {
						acc := 0.0
						for t := 0; t < T; t++ {
							acc += sc[t] / sum * vAt(b, h, t, d)
						}
						out[((b*S+s)*N+h)*dv+d] = acc
					}
				}
			}
		}
		outs := []*tensor.Tensor{fromFloat64(x.DType, []int{B, S, N * dv}, out)}
		if dq == dv {
			present := make([]float64, 2*B*N*T*dq)
			for b := 0; b < B; b++ {
				for h := 0; h < N; h++ {
					for t := 0; t < T; t++ {
						for d := 0; d < dq; d++ {
							present[(((0*B+b)*N+h)*T+t)*dq+d] = kAt(b, h, t, d)
							present[(((1*B+b)*N+h)*T+t)*dq+d] = vAt(b, h, t, d)
						}
					}
				}
			}
			outs = append(outs, fromFloat64(x.DType, []int{2, B, N, T, dq}, present))
		}
		return outs, nil
	}, nil
}
