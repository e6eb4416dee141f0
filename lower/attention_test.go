package lower

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// rotaryReference applies rotary embedding to x laid out [B, N, S, H]
// (the reference the lowering must match).
func rotaryReference(x []float32, B, N, S, H int, pos []int64, cos, sin []float32, half int, interleaved bool) []float32 {
	out := append([]float32(nil), x...)
	for b := 0; b < B; b++ {
		for h := 0; h < N; h++ {
			for s := 0; s < S; s++ {
				base := ((b*N+h)*S + s) * H
				p := int(pos[b*S+s])
				for i := 0; i < half; i++ {
					c, sn := float64(cos[p*half+i]), float64(sin[p*half+i])
					i1, i2 := base+i, base+i+half
					if interleaved {
						i1, i2 = base+2*i, base+2*i+1
					}
					x1, x2 := float64(x[i1]), float64(x[i2])
					out[i1] = float32(x1*c - x2*sn)
					out[i2] = float32(x2*c + x1*sn)
				}
			}
		}
	}
	return out
}

func TestRotaryEmbedding(t *testing.T) {
	const B, N, S, H, maxPos = 2, 2, 3, 6, 5
	rng := rand.New(rand.NewSource(3))
	for _, tc := range []struct {
		half        int
		interleaved bool
		threeD      bool
	}{{3, false, false}, {3, true, false}, {2, false, false}, {2, true, true}, {3, false, true}} {
		t.Run(fmt.Sprintf("half%d_interleaved%v_3d%v", tc.half, tc.interleaved, tc.threeD), func(t *testing.T) {
			x := randF32(rng, B, N, S, H)
			cos, sin := randF32(rng, maxPos, tc.half), randF32(rng, maxPos, tc.half)
			pos := &tensor.Tensor{DType: tensor.Int64, Shape: []int{B, S}, Data: []int64{2, 0, 1, 4, 4, 3}}
			want := rotaryReference(x.Data.([]float32), B, N, S, H, pos.Data.([]int64), cos.Data.([]float32), sin.Data.([]float32), tc.half, tc.interleaved)
			in, wantT := x, &tensor.Tensor{DType: tensor.Float32, Shape: []int{B, N, S, H}, Data: want}
			xdims := []any{"batch_size", N, "sequence_length", H}
			if tc.threeD {
				in, wantT = toBSNH(x), toBSNH(wantT)
				in.Shape = []int{B, S, N * H}
				wantT.Shape = in.Shape
				xdims = []any{"batch_size", "sequence_length", N * H}
			}
			m := newModel(17).domain("com.microsoft", 1).
				input("x", tensor.Float32, xdims...).input("pos", tensor.Int64, "batch_size", "sequence_length").
				init("cos", cos).init("sin", sin).
				msNode("RotaryEmbedding", "rope", strs("x", "pos", "cos", "sin"), strs("y"),
					aInt("interleaved", map[bool]int64{false: 0, true: 1}[tc.interleaved]), aInt("num_heads", N), aInt("rotary_embedding_dim", int64(2*tc.half))).
				output("y", tensor.Float32, xdims...).build(t)
			res, err := Convert(m, Options{})
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			prog, err := webnn.Compile(res.Graph, weightSource(res))
			if err != nil {
				t.Skipf("runtime/webnn cannot compile it yet: %v", err)
			}
			out, err := prog.Run(map[string]*tensor.Tensor{"x": in, "pos": pos})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			abs, _, err := compareOutputs(out["y"], wantT)
			if err != nil || abs > 1e-5 {
				t.Errorf("max abs error %g, err %v", abs, err)
			}
		})
	}
}

// toBSNH transposes [B, N, S, H] to [B, S, N, H].
func toBSNH(t *tensor.Tensor) *tensor.Tensor {
	B, N, S, H := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
	src := t.Data.([]float32)
	out := tensor.New(tensor.Float32, []int{B, S, N, H})
	dst := out.Data.([]float32)
	for b := 0; b < B; b++ {
		for n := 0; n < N; n++ {
			for s := 0; s < S; s++ {
				copy(dst[((b*S+s)*N+n)*H:((b*S+s)*N+n+1)*H], src[((b*N+n)*S+s)*H:((b*N+n)*S+s+1)*H])
			}
		}
	}
	return out
}

// mhaReference computes softmax(Q·Kᵀ·scale + bias)·V per head for
// q [B,S,N·H], k/v [B,L,N·H] with past [B,N,P,H].
func mhaReference(q, k, v, pk, pv, bias []float32, B, S, L, P, N, H int) []float32 {
	T := P + L
	out := make([]float32, B*S*N*H)
	key := func(b, h, t, d int) float64 {
		if t < P {
			return float64(pk[((b*N+h)*P+t)*H+d])
		}
		return float64(k[(b*L+t-P)*N*H+h*H+d])
	}
	val := func(b, h, t, d int) float64 {
		if t < P {
			return float64(pv[((b*N+h)*P+t)*H+d])
		}
		return float64(v[(b*L+t-P)*N*H+h*H+d])
	}
	scale := 1 / math.Sqrt(float64(H))
	for b := 0; b < B; b++ {
		for h := 0; h < N; h++ {
			for s := 0; s < S; s++ {
				sc := make([]float64, T)
				mx := math.Inf(-1)
				for t := 0; t < T; t++ {
					dot := 0.0
					for d := 0; d < H; d++ {
						dot += float64(q[(b*S+s)*N*H+h*H+d]) * key(b, h, t, d)
					}
					sc[t] = dot*scale + float64(bias[s*T+t])
					mx = math.Max(mx, sc[t])
				}
				sum := 0.0
				for t := range sc {
					sc[t] = math.Exp(sc[t] - mx)
					sum += sc[t]
				}
				for d := 0; d < H; d++ {
					acc := 0.0
					for t := 0; t < T; t++ {
						acc += sc[t] / sum * val(b, h, t, d)
					}
					out[(b*S+s)*N*H+h*H+d] = float32(acc)
				}
			}
		}
	}
	return out
}

func TestMultiHeadAttention(t *testing.T) {
	const B, S, L, P, N, H = 2, 3, 3, 2, 2, 4
	rng := rand.New(rand.NewSource(5))
	q, k, v := randF32(rng, B, S, N*H), randF32(rng, B, L, N*H), randF32(rng, B, L, N*H)
	pk, pv := randF32(rng, B, N, P, H), randF32(rng, B, N, P, H)
	bias := randF32(rng, 1, 1, S, P+L)
	m := newModel(17).domain("com.microsoft", 1).
		input("q", tensor.Float32, "batch_size", "sequence_length", N*H).
		input("k", tensor.Float32, "batch_size", "sequence_length", N*H).
		input("v", tensor.Float32, "batch_size", "sequence_length", N*H).
		input("bias", tensor.Float32, 1, 1, "sequence_length", "total_sequence_length").
		input("pk", tensor.Float32, "batch_size", N, "past_sequence_length", H).
		input("pv", tensor.Float32, "batch_size", N, "past_sequence_length", H).
		msNode("MultiHeadAttention", "mha", strs("q", "k", "v", "", "", "bias", "pk", "pv"), strs("y", "present_k", "present_v"), aInt("num_heads", N)).
		output("y", tensor.Float32, "batch_size", "sequence_length", N*H).
		output("present_k", tensor.Float32, "batch_size", N, "total_sequence_length", H).
		output("present_v", tensor.Float32, "batch_size", N, "total_sequence_length", H).build(t)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Skipf("runtime/webnn cannot compile it yet: %v", err)
	}
	out, err := prog.Run(map[string]*tensor.Tensor{"q": q, "k": k, "v": v, "bias": bias, "pk": pk, "pv": pv})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := mhaReference(q.Data.([]float32), k.Data.([]float32), v.Data.([]float32), pk.Data.([]float32), pv.Data.([]float32), bias.Data.([]float32), B, S, L, P, N, H)
	abs, _, err := compareOutputs(out["y"], &tensor.Tensor{DType: tensor.Float32, Shape: []int{B, S, N * H}, Data: want})
	if err != nil || abs > 1e-5 {
		t.Errorf("output: max abs error %g, err %v", abs, err)
	}
	if got := out["present_k"]; got == nil || fmt.Sprint(got.Shape) != fmt.Sprint([]int{B, N, P + L, H}) {
		t.Errorf("present_k shape %v", got)
	}
}
