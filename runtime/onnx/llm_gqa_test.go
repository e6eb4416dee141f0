package onnxrt

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// gqaCase describes one GroupQueryAttention run: sizes, cache layout and
// per-batch valid lengths (seqlens_k = valid − 1).
type gqaCase struct {
	B, S, P, N, KV, H int
	valid             []int // per batch; nil: P+S for every batch
	total             int   // total_sequence_length; 0: P+S
	packed            bool
	rotaryHalf        int // 0: no rotary
	interleaved       bool
	scale, softcap    float32
}

// gqaReference computes GQA from its definition in float64: K/V of batch b
// are its past's first past_b rows followed by the new (rotated) rows at
// past_b; query head h reads KV head h/(N/KV); query s sees keys ≤ past_b+s.
func gqaReference(tc gqaCase, q, k, v, pk, pv, cos, sin []float64) (out, presK, presV []float64, T int) {
	total := tc.total
	if total == 0 {
		total = tc.P + tc.S
	}
	T = max(total, tc.P)
	shared := tc.P > 0 && T == tc.P
	B, S, N, KV, H := tc.B, tc.S, tc.N, tc.KV, tc.H
	presK = make([]float64, B*KV*T*H)
	presV = make([]float64, B*KV*T*H)
	out = make([]float64, B*S*N*H)
	rot := func(x []float64, pos int) []float64 {
		y := append([]float64(nil), x...)
		for i := 0; i < tc.rotaryHalf; i++ {
			a, b := i, i+tc.rotaryHalf
			if tc.interleaved {
				a, b = 2*i, 2*i+1
			}
			c, s := cos[pos*tc.rotaryHalf+i], sin[pos*tc.rotaryHalf+i]
			y[a], y[b] = x[a]*c-x[b]*s, x[b]*c+x[a]*s
		}
		return y
	}
	// element (b, s, head, d) of the new q/k/v, packed or not
	at := func(src []float64, b, s, head, d, heads, off int) float64 {
		if tc.packed {
			return q[(b*S+s)*(N+2*KV)*H+off+head*H+d]
		}
		return src[((b*S+s)*heads+head)*H+d]
	}
	for b := 0; b < B; b++ {
		valid := tc.P + tc.S
		if tc.valid != nil {
			valid = tc.valid[b]
		}
		past := valid - S
		if S == total && !shared {
			past = 0
		}
		for h := 0; h < KV; h++ {
			for t := 0; t < T; t++ {
				base := ((b*KV+h)*T + t) * H
				switch {
				case t >= past && t < past+S:
					kr, vr := make([]float64, H), make([]float64, H)
					for d := 0; d < H; d++ {
						kr[d] = at(k, b, t-past, h, d, KV, N*H)
						vr[d] = at(v, b, t-past, h, d, KV, (N+KV)*H)
					}
					copy(presK[base:], rot(kr, t))
					copy(presV[base:], vr)
				case t < tc.P && (t < past || shared):
					copy(presK[base:base+H], pk[((b*KV+h)*tc.P+t)*H:])
					copy(presV[base:base+H], pv[((b*KV+h)*tc.P+t)*H:])
				}
			}
		}
		scale := float64(tc.scale)
		if scale == 0 {
			scale = 1 / math.Sqrt(float64(H))
		}
		for h := 0; h < N; h++ {
			g := h / (N / KV)
			for s := 0; s < S; s++ {
				qr := make([]float64, H)
				for d := range qr {
					qr[d] = at(q, b, s, h, d, N, 0)
				}
				qr = rot(qr, past+s)
				w := make([]float64, T)
				sum := 0.0
				for t := 0; t < T; t++ {
					if t > past+s || t >= valid {
						continue // masked: weight 0 (causal; a padded prompt row stops at its length)
					}
					x := 0.0
					for d := 0; d < H; d++ {
						x += qr[d] * presK[((b*KV+g)*T+t)*H+d]
					}
					x *= scale
					if tc.softcap > 0 {
						x = float64(tc.softcap) * math.Tanh(x/float64(tc.softcap))
					}
					w[t] = math.Exp(x)
					sum += w[t]
				}
				for d := 0; d < H; d++ {
					acc := 0.0
					for t := 0; t < T; t++ {
						acc += w[t] / sum * presV[((b*KV+g)*T+t)*H+d]
					}
					out[((b*S+s)*N+h)*H+d] = acc
				}
			}
		}
	}
	return out, presK, presV, T
}

func randTensor(rng *rand.Rand, shape ...int) (*tensor.Tensor, []float64) {
	t := tensor.New(tensor.Float32, shape)
	d := t.Data.([]float32)
	f := make([]float64, len(d))
	for i := range d {
		d[i] = float32(rng.NormFloat64())
		f[i] = float64(d[i])
	}
	return t, f
}

func gqaModel(tc gqaCase, rng *rand.Rand) (testModel, [8][]float64) {
	var ref [8][]float64 // q k v pk pv cos sin
	tm := testModel{inputs: map[string]*tensor.Tensor{}, consts: map[string]*tensor.Tensor{}, outputs: []string{"out", "present_key", "present_value"}}
	ins := []string{"q", "k", "v", "", "", "seqlens_k", "total"}
	if tc.packed {
		tm.inputs["q"], ref[0] = randTensor(rng, tc.B, tc.S, (tc.N+2*tc.KV)*tc.H)
		ins[1], ins[2] = "", ""
	} else {
		tm.inputs["q"], ref[0] = randTensor(rng, tc.B, tc.S, tc.N*tc.H)
		tm.inputs["k"], ref[1] = randTensor(rng, tc.B, tc.S, tc.KV*tc.H)
		tm.inputs["v"], ref[2] = randTensor(rng, tc.B, tc.S, tc.KV*tc.H)
	}
	if tc.P > 0 {
		tm.inputs["pk"], ref[3] = randTensor(rng, tc.B, tc.KV, tc.P, tc.H)
		tm.inputs["pv"], ref[4] = randTensor(rng, tc.B, tc.KV, tc.P, tc.H)
		ins[3], ins[4] = "pk", "pv"
	}
	total := tc.total
	if total == 0 {
		total = tc.P + tc.S
	}
	seqlens := make([]int32, tc.B)
	for b := range seqlens {
		seqlens[b] = int32(tc.P + tc.S - 1)
		if tc.valid != nil {
			seqlens[b] = int32(tc.valid[b] - 1)
		}
	}
	tm.inputs["seqlens_k"] = &tensor.Tensor{DType: tensor.Int32, Shape: []int{tc.B}, Data: seqlens}
	tm.inputs["total"] = &tensor.Tensor{DType: tensor.Int32, Shape: []int{}, Data: []int32{int32(total)}}
	attrs := []*onnxpb.AttributeProto{attrI("num_heads", int64(tc.N)), attrI("kv_num_heads", int64(tc.KV))}
	if tc.scale != 0 {
		attrs = append(attrs, &onnxpb.AttributeProto{Name: "scale", Type: onnxpb.AttributeProto_FLOAT, F: tc.scale})
	}
	if tc.softcap != 0 {
		attrs = append(attrs, &onnxpb.AttributeProto{Name: "softcap", Type: onnxpb.AttributeProto_FLOAT, F: tc.softcap})
	}
	if tc.rotaryHalf > 0 {
		maxPos := max(total, tc.P) + 2
		tm.consts["cos"], ref[5] = randTensor(rng, maxPos, tc.rotaryHalf)
		tm.consts["sin"], ref[6] = randTensor(rng, maxPos, tc.rotaryHalf)
		ins = append(ins, "cos", "sin")
		ri := int64(0)
		if tc.interleaved {
			ri = 1
		}
		attrs = append(attrs, attrI("do_rotary", 1), attrI("rotary_interleaved", ri))
	}
	n := nodeProto("GroupQueryAttention", ins, tm.outputs, attrs...)
	n.Domain = msDomain
	tm.nodes = []*onnxpb.NodeProto{n}
	return tm, ref
}

func TestGroupQueryAttention(t *testing.T) {
	for _, tc := range []gqaCase{
		{B: 1, S: 1, P: 0, N: 1, KV: 1, H: 2},
		{B: 1, S: 3, P: 0, N: 4, KV: 2, H: 4},
		{B: 2, S: 1, P: 4, N: 4, KV: 2, H: 4},
		{B: 2, S: 5, P: 2, N: 4, KV: 2, H: 2},
		{B: 2, S: 2, P: 3, N: 4, KV: 1, H: 4, scale: 0.3, softcap: 2},
		{B: 1, S: 3, P: 1, N: 4, KV: 2, H: 4, packed: true},
		{B: 2, S: 2, P: 2, N: 4, KV: 2, H: 6, rotaryHalf: 2},
		{B: 2, S: 2, P: 2, N: 4, KV: 2, H: 4, rotaryHalf: 2, interleaved: true},
		// shared buffer: past is the 6-long cache, 3 rows valid before this step
		{B: 1, S: 1, P: 6, N: 4, KV: 2, H: 4, valid: []int{4}, total: 4},
		{B: 2, S: 2, P: 6, N: 2, KV: 2, H: 2, valid: []int{3, 6}, total: 6},
		// padded batch without a shared buffer: batch 1 has one past row
		{B: 2, S: 1, P: 2, N: 2, KV: 1, H: 2, valid: []int{3, 2}},
		// right-padded first prompt: row 0 has 2 valid tokens of 4
		{B: 2, S: 4, P: 0, N: 2, KV: 1, H: 4, valid: []int{2, 4}},
	} {
		t.Run(fmt.Sprintf("B%dS%dP%dN%dKV%dH%d_packed%v_rot%d%v_valid%v", tc.B, tc.S, tc.P, tc.N, tc.KV, tc.H, tc.packed, tc.rotaryHalf, tc.interleaved, tc.valid), func(t *testing.T) {
			tm, ref := gqaModel(tc, rand.New(rand.NewSource(int64(tc.B*100+tc.S*10+tc.P))))
			got, err := tm.run(t)
			if err != nil {
				t.Fatal(err)
			}
			out, pk, pv, T := gqaReference(tc, ref[0], ref[1], ref[2], ref[3], ref[4], ref[5], ref[6])
			assertClose(t, got["out"], fromFloat64(tensor.Float32, []int{tc.B, tc.S, tc.N * tc.H}, out))
			assertClose(t, got["present_key"], fromFloat64(tensor.Float32, []int{tc.B, tc.KV, T, tc.H}, pk))
			assertClose(t, got["present_value"], fromFloat64(tensor.Float32, []int{tc.B, tc.KV, T, tc.H}, pv))
		})
	}
}

// TestGroupQueryAttentionByHand: two heads share one KV head of size 1.
// Query 0 sees only key 0, so its output is v0; query 1 is zero, so both
// keys weigh ½ and its output is (v0 + v1) / 2.
func TestGroupQueryAttentionByHand(t *testing.T) {
	n := nodeProto("GroupQueryAttention", []string{"q", "k", "v", "", "", "seqlens_k", "total"}, []string{"out", "pk", "pv"}, attrI("num_heads", 2), attrI("kv_num_heads", 1))
	n.Domain = msDomain
	tm := testModel{nodes: []*onnxpb.NodeProto{n}, outputs: []string{"out", "pk"}, inputs: map[string]*tensor.Tensor{
		"q":         f32([]int{1, 2, 2}, 3, -1, 0, 0),
		"k":         f32([]int{1, 2, 1}, 5, 7),
		"v":         f32([]int{1, 2, 1}, 2, 4),
		"seqlens_k": {DType: tensor.Int32, Shape: []int{1}, Data: []int32{1}},
		"total":     {DType: tensor.Int32, Shape: []int{}, Data: []int32{2}},
	}}
	got, err := tm.run(t)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, got["out"], f32([]int{1, 2, 2}, 2, 2, 3, 3))
	assertClose(t, got["pk"], f32([]int{1, 1, 2, 1}, 5, 7))
}

func TestGroupQueryAttentionRefusals(t *testing.T) {
	for _, tc := range []struct {
		attrs  []*onnxpb.AttributeProto
		valid  []int
		wantIn string
	}{
		{[]*onnxpb.AttributeProto{attrI("num_heads", 3), attrI("kv_num_heads", 2)}, nil, "multiple of kv_num_heads"},
		{[]*onnxpb.AttributeProto{attrI("num_heads", 2), attrI("kv_num_heads", 1), attrI("local_window_size", 4)}, nil, "local_window_size 4"},
		{[]*onnxpb.AttributeProto{attrI("num_heads", 2), attrI("kv_num_heads", 1), attrI("smooth_softmax", 1)}, nil, "smooth_softmax"},
		{[]*onnxpb.AttributeProto{attrI("num_heads", 2), attrI("kv_num_heads", 1)}, []int{9}, "seqlens_k[0] = 8 is inconsistent"},
	} {
		t.Run(tc.wantIn, func(t *testing.T) {
			gc := gqaCase{B: 1, S: 2, P: 1, N: 2, KV: 1, H: 2, valid: tc.valid}
			tm, _ := gqaModel(gc, rand.New(rand.NewSource(1)))
			tm.nodes[0].Attribute = tc.attrs
			_, err := tm.run(t)
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("error %v, want one containing %q", err, tc.wantIn)
			}
		})
	}
}

// BenchmarkGroupQueryAttention: one decode step over a 256-token cache.
func BenchmarkGroupQueryAttention(b *testing.B) {
	for _, tc := range []gqaCase{
		{B: 1, S: 1, P: 256, N: 8, KV: 2, H: 64},
		{B: 1, S: 32, P: 0, N: 8, KV: 2, H: 64, rotaryHalf: 32},
	} {
		b.Run(fmt.Sprintf("S%dP%d", tc.S, tc.P), func(b *testing.B) {
			tm, _ := gqaModel(tc, rand.New(rand.NewSource(1)))
			p, err := tm.compile(&testing.T{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Run(tm.inputs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
