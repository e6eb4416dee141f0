package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// com.microsoft GroupQueryAttention: causal self-attention where
// kv_num_heads K/V heads are shared by groups of num_heads/kv_num_heads
// query heads, with a BNSH KV cache. Semantics follow ONNX Runtime's CPU
// kernel: batch b holds seqlens_k[b]+1 valid keys; its past length is
// seqlens_k[b]+1−S (0 for the first prompt, S == total_sequence_length);
// present is max(total_sequence_length, past buffer) long and receives
// the past's valid rows (all of it when the buffer is shared, i.e. present
// length equals the past's) then the new K/V at the past length. Query s
// attends keys 0…past+s. Computed in float64.

func init() {
	register(msDomain, "GroupQueryAttention", 1, buildGroupQueryAttention)
}

func buildGroupQueryAttention(n *node) (kernelFn, error) {
	numHeads := int(n.i("num_heads", 0))
	kvHeads := int(n.i("kv_num_heads", 0))
	if numHeads <= 0 || kvHeads <= 0 || numHeads%kvHeads != 0 {
		return nil, fmt.Errorf("num_heads %d must be a positive multiple of kv_num_heads %d", numHeads, kvHeads)
	}
	if w := n.i("local_window_size", -1); w != -1 {
		return nil, fmt.Errorf("local_window_size %d is not supported (only -1)", w)
	}
	if v := n.i("smooth_softmax", 0); v != 0 {
		return nil, fmt.Errorf("smooth_softmax %d is not supported", v)
	}
	if v := n.i("qk_output", 0); v != 0 {
		return nil, fmt.Errorf("qk_output %d is not supported", v)
	}
	for i := 9; i < n.numInputs(); i++ {
		if n.proto.GetInput()[i] != "" {
			return nil, fmt.Errorf("input %d (position_ids / attention_bias / head_sink) is not supported", i)
		}
	}
	doRotary := n.i("do_rotary", 0) != 0
	interleaved := n.i("rotary_interleaved", 0) != 0
	scaleAttr := float64(n.f("scale", 0))
	softcap := float64(n.f("softcap", 0))
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		q := in[0]
		if len(q.Shape) != 3 {
			return nil, fmt.Errorf("query %v must be [batch, sequence, hidden]", q.Shape)
		}
		B, S := q.Shape[0], q.Shape[1]
		key, value := opt(in, 1), opt(in, 2)
		packed := key == nil
		if packed != (value == nil) {
			return nil, fmt.Errorf("key and value must both be given or both absent (packed QKV)")
		}
		var H int
		if packed {
			if q.Shape[2]%(numHeads+2*kvHeads) != 0 {
				return nil, fmt.Errorf("packed QKV hidden %d is not a multiple of num_heads + 2·kv_num_heads = %d", q.Shape[2], numHeads+2*kvHeads)
			}
			H = q.Shape[2] / (numHeads + 2*kvHeads)
		} else {
			if q.Shape[2]%numHeads != 0 {
				return nil, fmt.Errorf("query hidden %d is not a multiple of num_heads %d", q.Shape[2], numHeads)
			}
			H = q.Shape[2] / numHeads
			for _, t := range []*tensor.Tensor{key, value} {
				if len(t.Shape) != 3 || t.Shape[0] != B || t.Shape[1] != S || t.Shape[2] != kvHeads*H {
					return nil, fmt.Errorf("key/value %v must be [%d, %d, %d]", t.Shape, B, S, kvHeads*H)
				}
			}
		}
		qv, err := floats(q)
		if err != nil {
			return nil, err
		}
		// qAt/kAt/vAt: element d of head h at (b, s) of the new tokens.
		var kv, vv []float64
		qStride, qOff, kOff, vOff := numHeads*H, 0, 0, 0
		kStride := kvHeads * H
		if packed {
			qStride = (numHeads + 2*kvHeads) * H
			kStride = qStride
			kv, vv = qv, qv
			kOff, vOff = numHeads*H, (numHeads+kvHeads)*H
		} else {
			if kv, err = floats(key); err != nil {
				return nil, err
			}
			if vv, err = floats(value); err != nil {
				return nil, err
			}
		}
		pk, pvT := opt(in, 3), opt(in, 4)
		if (pk == nil) != (pvT == nil) {
			return nil, fmt.Errorf("past_key and past_value must both be given or both absent")
		}
		P := 0
		var pkv, pvv []float64
		if pk != nil {
			if len(pk.Shape) != 4 || pk.Shape[0] != B || pk.Shape[1] != kvHeads || pk.Shape[3] != H || !sameShape(pk.Shape, pvT.Shape) {
				return nil, fmt.Errorf("past_key %v / past_value %v must be [%d, %d, past, %d]", pk.Shape, pvT.Shape, B, kvHeads, H)
			}
			P = pk.Shape[2]
			if pkv, err = floats(pk); err != nil {
				return nil, err
			}
			if pvv, err = floats(pvT); err != nil {
				return nil, err
			}
		}
		if opt(in, 5) == nil || opt(in, 6) == nil {
			return nil, fmt.Errorf("seqlens_k and total_sequence_length are required")
		}
		seqlens, err := ints(in[5])
		if err != nil {
			return nil, err
		}
		if len(seqlens) != B {
			return nil, fmt.Errorf("seqlens_k %v must have batch %d elements", in[5].Shape, B)
		}
		total64, err := scalarInt(in[6])
		if err != nil {
			return nil, fmt.Errorf("total_sequence_length: %w", err)
		}
		total := int(total64)
		if total < S {
			return nil, fmt.Errorf("total_sequence_length %d is less than the sequence length %d", total, S)
		}
		presentLen := max(total, P)
		shared := P > 0 && presentLen == P
		firstPrompt := S == total && !shared
		var cosV, sinV []float64
		half := 0
		if doRotary {
			ct, st := opt(in, 7), opt(in, 8)
			if ct == nil || st == nil || len(ct.Shape) != 2 || !sameShape(ct.Shape, st.Shape) {
				return nil, fmt.Errorf("do_rotary needs cos_cache and sin_cache [max_sequence, rotary_dim/2]")
			}
			half = ct.Shape[1]
			if 2*half > H {
				return nil, fmt.Errorf("rotary dim %d exceeds head size %d", 2*half, H)
			}
			cosV, _ = floats(ct)
			sinV, _ = floats(st)
		}
		scale := scaleAttr
		if scale == 0 {
			scale = 1 / math.Sqrt(float64(H))
		}
		NH, KH := numHeads, kvHeads
		group := NH / KH
		outv := newSlice[float64](B, S, NH, H)
		presK := newSlice[float64](B, KH, presentLen, H)
		presV := newSlice[float64](B, KH, presentLen, H)
		qh := newSlice[float64](H)
		scores := newSlice[float64](presentLen)
		rotate := func(x []float64, pos int) error {
			if half == 0 {
				return nil
			}
			if pos < 0 || (pos+1)*half > len(cosV) {
				return fmt.Errorf("rotary position %d is outside the cos/sin cache of %d rows", pos, len(cosV)/half)
			}
			for i := 0; i < half; i++ {
				i1, i2 := i, i+half
				if interleaved {
					i1, i2 = 2*i, 2*i+1
				}
				co, si := cosV[pos*half+i], sinV[pos*half+i]
				x1, x2 := x[i1], x[i2]
				x[i1] = co*x1 - si*x2
				x[i2] = si*x1 + co*x2
			}
			return nil
		}
		for b := 0; b < B; b++ {
			valid := int(seqlens[b]) + 1
			past := valid - S
			if firstPrompt {
				past = 0
			}
			if past < 0 || past+S > presentLen || valid > total {
				return nil, fmt.Errorf("seqlens_k[%d] = %d is inconsistent with sequence %d, past %d and total_sequence_length %d", b, seqlens[b], S, P, total)
			}
			if !shared && past > P {
				return nil, fmt.Errorf("seqlens_k[%d] = %d needs %d past positions, past_key holds %d", b, seqlens[b], past, P)
			}
			for h := 0; h < KH; h++ {
				dst := (b*KH + h) * presentLen * H
				keep := past
				if shared {
					keep = P
				}
				if keep > 0 {
					src := (b*KH + h) * P * H
					copy(presK[dst:dst+keep*H], pkv[src:src+keep*H])
					copy(presV[dst:dst+keep*H], pvv[src:src+keep*H])
				}
				for s := 0; s < S; s++ {
					row := dst + (past+s)*H
					copy(presK[row:row+H], kv[(b*S+s)*kStride+kOff+h*H:][:H])
					copy(presV[row:row+H], vv[(b*S+s)*kStride+vOff+h*H:][:H])
					if err := rotate(presK[row:row+H], past+s); err != nil {
						return nil, err
					}
				}
			}
			for h := 0; h < NH; h++ {
				kvBase := (b*KH + h/group) * presentLen * H
				for s := 0; s < S; s++ {
					copy(qh, qv[(b*S+s)*qStride+qOff+h*H:][:H])
					if err := rotate(qh, past+s); err != nil {
						return nil, err
					}
					// keys 0 … past+s, never past the row's valid length
					// (ONNX Runtime limits a right-padded first prompt's
					// softmax to seqlens_k + 1 keys)
					attend := min(past+s+1, valid)
					mx := math.Inf(-1)
					for j := 0; j < attend; j++ {
						dot := 0.0
						kr := presK[kvBase+j*H:][:H]
						for d, x := range qh {
							dot += x * kr[d]
						}
						dot *= scale
						if softcap > 0 {
							dot = softcap * math.Tanh(dot/softcap)
						}
						scores[j] = dot
						mx = math.Max(mx, dot)
					}
					sum := 0.0
					for j := 0; j < attend; j++ {
						scores[j] = math.Exp(scores[j] - mx)
						sum += scores[j]
					}
					o := outv[((b*S+s)*NH+h)*H:][:H]
					for j := 0; j < attend; j++ {
						p := scores[j] / sum
						vr := presV[kvBase+j*H:][:H]
						for d := range o {
							o[d] += p * vr[d]
						}
					}
				}
			}
		}
		dt := q.DType
		return []*tensor.Tensor{
			fromFloat64(dt, []int{B, S, NH * H}, outv),
			fromFloat64(dt, []int{B, KH, presentLen, H}, presK),
			fromFloat64(dt, []int{B, KH, presentLen, H}, presV),
		}, nil
	}), nil
}
