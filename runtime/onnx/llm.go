package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Opset-23 transformer building blocks: RMSNormalization and
// RotaryEmbedding (the spec's reference semantics, computed in float64).

func init() {
	register("", "RMSNormalization", 23, buildRMSNorm)
	register("", "RotaryEmbedding", 23, buildRotaryEmbedding)
}

func buildRMSNorm(n *node) (kernelFn, error) {
	axis := n.i("axis", -1)
	eps := float64(n.f("epsilon", 1e-5))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, sc := in[0], in[1]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		normShape := x.Shape[ax:]
		if !broadcastsTo(sc.Shape, normShape) {
			return nil, fmt.Errorf("scale %v does not broadcast to %v", sc.Shape, normShape)
		}
		si := broadcastIndex(sc.Shape, normShape)
		sv, err := floats(sc)
		if err != nil {
			return nil, err
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		inner := tensor.NumElements(normShape)
		out := make([]float64, len(xv))
		for o := 0; o < len(xv)/max(inner, 1); o++ {
			seg := xv[o*inner : (o+1)*inner]
			ms := 0.0
			for _, v := range seg {
				ms += v * v
			}
			inv := 1 / math.Sqrt(ms/float64(inner)+eps)
			for i, v := range seg {
				out[o*inner+i] = v * inv * sv[si[i]]
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}, nil
}

func buildRotaryEmbedding(n *node) (kernelFn, error) {
	interleaved := n.i("interleaved", 0) == 1
	numHeads := int(n.i("num_heads", 0))
	rotDim := int(n.i("rotary_embedding_dim", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, cosT, sinT, pos := in[0], in[1], in[2], opt(in, 3)
		var b, s, heads, hs int
		fourD := len(x.Shape) == 4
		switch {
		case fourD: // [batch, heads, seq, head_size]
			b, heads, s, hs = x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
		case len(x.Shape) == 3 && numHeads > 0 && x.Shape[2]%numHeads == 0:
			b, s, heads, hs = x.Shape[0], x.Shape[1], numHeads, x.Shape[2]/numHeads
		default:
			return nil, fmt.Errorf("X %v must be [B,H,S,D], or [B,S,H·D] with num_heads", x.Shape)
		}
		rd := rotDim
		if rd == 0 {
			rd = hs
		}
		half := rd / 2
		if rd > hs || rd%2 != 0 {
			return nil, fmt.Errorf("rotary_embedding_dim %d does not fit head size %d", rd, hs)
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		cv, _ := floats(cosT)
		sv, _ := floats(sinT)
		if len(cv) != len(sv) {
			return nil, fmt.Errorf("cos cache %v and sin cache %v differ", cosT.Shape, sinT.Shape)
		}
		if pos == nil && len(cv) < b*s*half {
			return nil, fmt.Errorf("cos cache %v has fewer than batch %d × seq %d rows of %d", cosT.Shape, b, s, half)
		}
		var pv []int64
		if pos != nil {
			if pv, err = ints(pos); err != nil {
				return nil, err
			}
			if len(pv) != b*s && len(pv) != s {
				return nil, fmt.Errorf("position_ids %v do not match batch %d × seq %d", pos.Shape, b, s)
			}
		}
		// cache row (length half) for batch bi, position si
		row := func(bi, si int) (int, error) {
			if pv == nil {
				return (bi*s + si) * half, nil
			}
			p := pv[si]
			if len(pv) == b*s {
				p = pv[bi*s+si]
			}
			if p < 0 || p > int64(len(cv)) || (int(p)+1)*half > len(cv) {
				return 0, fmt.Errorf("position %d out of range for a cache of %d rows", p, len(cv)/max(half, 1))
			}
			return int(p) * half, nil
		}
		out := append([]float64{}, xv...)
		for bi := 0; bi < b; bi++ {
			for si := 0; si < s; si++ {
				r, err := row(bi, si)
				if err != nil {
					return nil, err
				}
				for h := 0; h < heads; h++ {
					var base int
					if fourD {
						base = ((bi*heads+h)*s + si) * hs
					} else {
						base = ((bi*s+si)*heads + h) * hs
					}
					for i := 0; i < half; i++ {
						i1, i2 := base+i, base+half+i
						if interleaved {
							i1, i2 = base+2*i, base+2*i+1
						}
						x1, x2 := xv[i1], xv[i2]
						co, si := cv[r+i], sv[r+i]
						out[i1] = co*x1 - si*x2
						out[i2] = si*x1 + co*x2
					}
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}, nil
}

func init() {
	register("", "Attention", 23, buildAttention)
}

// buildAttention is opset 23/24 Attention: scaled dot-product attention
// with optional past key/value (returned as presents), boolean or additive
// mask (padded with "masked" up to the total length), bottom-right causal
// masking offset by the past length (or by nonpad_kv_seqlen − q_len),
// grouped-query heads, softcap and the qk_matmul_output modes.
func buildAttention(n *node) (kernelFn, error) {
	causal := n.i("is_causal", 0) == 1
	qHeadsAttr := int(n.i("q_num_heads", 0))
	kvHeadsAttr := int(n.i("kv_num_heads", 0))
	hasScale := n.has("scale")
	scaleAttr := float64(n.f("scale", 0))
	softcap := float64(n.f("softcap", 0))
	qkMode := n.i("qk_matmul_output_mode", 0)
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		q, k, v := in[0], in[1], in[2]
		mask, pastK, pastV, nonpad := opt(in, 3), opt(in, 4), opt(in, 5), opt(in, 6)
		if len(q.Shape) != len(k.Shape) || len(q.Shape) != len(v.Shape) || (len(q.Shape) != 3 && len(q.Shape) != 4) {
			return nil, fmt.Errorf("Q %v, K %v, V %v must all be 3-D or 4-D", q.Shape, k.Shape, v.Shape)
		}
		threeD := len(q.Shape) == 3
		to4 := func(t *tensor.Tensor, heads int) (*tensor.Tensor, error) {
			if !threeD {
				return t, nil
			}
			if heads <= 0 || t.Shape[2]%heads != 0 {
				return nil, fmt.Errorf("3-D input %v needs q_num_heads/kv_num_heads dividing its hidden size", t.Shape)
			}
			return transpose(reshaped(t, []int{t.Shape[0], t.Shape[1], heads, t.Shape[2] / heads}), []int{0, 2, 1, 3})
		}
		var err error
		if q, err = to4(q, qHeadsAttr); err != nil {
			return nil, err
		}
		if k, err = to4(k, kvHeadsAttr); err != nil {
			return nil, err
		}
		if v, err = to4(v, kvHeadsAttr); err != nil {
			return nil, err
		}
		if pastK != nil {
			if k, err = concat([]*tensor.Tensor{pastK, k}, 2); err != nil {
				return nil, fmt.Errorf("past_key: %w", err)
			}
		}
		if pastV != nil {
			if v, err = concat([]*tensor.Tensor{pastV, v}, 2); err != nil {
				return nil, fmt.Errorf("past_value: %w", err)
			}
		}
		b, hq, sq, d := q.Shape[0], q.Shape[1], q.Shape[2], q.Shape[3]
		hkv, total, dv := k.Shape[1], k.Shape[2], v.Shape[3]
		if k.Shape[0] != b || v.Shape[0] != b || k.Shape[3] != d || v.Shape[1] != hkv || v.Shape[2] != total || hkv == 0 || hq%hkv != 0 {
			return nil, fmt.Errorf("Q %v, K %v, V %v do not fit (batch, heads, head size)", q.Shape, k.Shape, v.Shape)
		}
		reps := hq / hkv
		scale := 1 / math.Sqrt(float64(d))
		if hasScale {
			scale = scaleAttr
		}
		qv, _ := floats(q)
		kv, _ := floats(k)
		vv, _ := floats(v)
		// additive bias [B, Hq, Sq, T]
		bias := newSlice[float64](b, hq, sq, total)
		if mask != nil {
			mshape := append([]int{}, mask.Shape...)
			if len(mshape) == 0 || mshape[len(mshape)-1] > total {
				return nil, fmt.Errorf("attn_mask %v does not fit total length %d", mask.Shape, total)
			}
			mv, err := floats(mask)
			if err != nil {
				return nil, err
			}
			isBool := mask.DType == tensor.Bool
			mlen := mshape[len(mshape)-1]
			full := append(append([]int{}, mshape[:len(mshape)-1]...), total)
			padded := newSlice[float64](full...)
			for i := range padded {
				row, col := i/total, i%total
				switch {
				case col >= mlen:
					padded[i] = math.Inf(-1)
				case isBool && mv[row*mlen+col] == 0:
					padded[i] = math.Inf(-1)
				case isBool:
					padded[i] = 0
				default:
					padded[i] = mv[row*mlen+col]
				}
			}
			outShape := []int{b, hq, sq, total}
			if _, err := broadcastShapes(full, outShape); err != nil || len(full) > 4 {
				return nil, fmt.Errorf("attn_mask %v does not broadcast to %v", mask.Shape, outShape)
			}
			for i, j := range broadcastIndex(full, outShape) {
				bias[i] = padded[j]
			}
		}
		var offsets []int
		var npv []int64
		if nonpad != nil {
			if npv, err = ints(nonpad); err != nil || len(npv) != b {
				return nil, fmt.Errorf("nonpad_kv_seqlen %v must hold one length per batch", nonpad.Shape)
			}
		}
		if causal {
			offsets = newSlice[int](b)
			for bi := range offsets {
				switch {
				case pastK != nil:
					offsets[bi] = pastK.Shape[2]
				case npv != nil:
					offsets[bi] = int(npv[bi]) - sq
				}
			}
		}
		y := newSlice[float64](b, hq, sq, dv)
		qkOut := newSlice[float64](b, hq, sq, total)
		row := newSlice[float64](total)
		for bi := 0; bi < b; bi++ {
			for h := 0; h < hq; h++ {
				kh := h / reps
				for i := 0; i < sq; i++ {
					qrow := qv[((bi*hq+h)*sq+i)*d:][:d]
					base := ((bi*hq+h)*sq + i) * total
					for j := 0; j < total; j++ {
						krow := kv[((bi*hkv+kh)*total+j)*d:][:d]
						s := 0.0
						for t := 0; t < d; t++ {
							s += qrow[t] * krow[t]
						}
						s *= scale
						if softcap > 0 {
							s = softcap * math.Tanh(s/softcap)
						}
						raw := s
						s += bias[base+j]
						if causal && j > i+offsets[bi] {
							s = math.Inf(-1)
						}
						if npv != nil && int64(j) >= npv[bi] {
							s = math.Inf(-1)
						}
						row[j] = s
						qkOut[base+j] = raw
						if qkMode == 2 {
							qkOut[base+j] = s
						}
					}
					mx := math.Inf(-1)
					for _, s := range row {
						mx = math.Max(mx, s)
					}
					if math.IsInf(mx, -1) {
						// a fully masked row gives zeros, not NaN (opset
						// 23/24 errata; ONNX Runtime does the same)
						continue
					}
					sum := 0.0
					for j, s := range row {
						row[j] = math.Exp(s - mx)
						sum += row[j]
					}
					yrow := y[((bi*hq+h)*sq+i)*dv:][:dv]
					for j, p := range row {
						p /= sum
						if qkMode == 3 {
							qkOut[base+j] = p
						}
						vrow := vv[((bi*hkv+kh)*total+j)*dv:][:dv]
						for t := range yrow {
							yrow[t] += p * vrow[t]
						}
					}
				}
			}
		}
		yt := fromFloat64(in[0].DType, []int{b, hq, sq, dv}, y)
		if threeD {
			yt, _ = transpose(yt, []int{0, 2, 1, 3})
			yt = reshaped(yt, []int{b, sq, hq * dv})
		}
		return []*tensor.Tensor{yt, k, v, fromFloat64(in[0].DType, []int{b, hq, sq, total}, qkOut)}, nil
	}), nil
}
