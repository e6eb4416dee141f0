package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestArith checks every operation and operand form against a plain Go
// loop bit for bit, at lengths around the vector width, with NaN, ±Inf,
// signed zeros and subnormals among the operands, and in place.
func TestArith(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-40, -3}
	val := func() float32 {
		if rng.IntN(5) == 0 {
			return special[rng.IntN(len(special))]
		}
		return float32(rng.NormFloat64() * 10)
	}
	ref := func(op ArithOp, x, y float32) float32 {
		switch op {
		case ArithAdd:
			return x + y
		case ArithSub:
			return x - y
		case ArithMul:
			return x * y
		}
		return x / y
	}
	for _, asm := range []bool{true, false} {
		if asm && !hasAVX2FMA {
			continue
		}
		saved := useAsm
		useAsm = asm
		for _, n := range []int{0, 1, 31, 32, 33, 64, 100, 1000} {
			for op := ArithAdd; op <= ArithDiv; op++ {
				for form := 0; form < 4; form++ {
					a, b := make([]float32, n), make([]float32, n)
					for i := range a {
						a[i], b[i] = val(), val()
					}
					a0, b0 := val(), val()
					as, bs := form == 1 || form == 3, form == 2 || form == 3
					dst := make([]float32, n)
					inPlace := form == 0 && n%2 == 1
					if inPlace {
						dst = append([]float32(nil), a...)
					}
					want := make([]float32, n)
					for i := range want {
						x, y := a0, b0
						if !as {
							x = a[i]
						}
						if !bs {
							y = b[i]
						}
						want[i] = ref(op, x, y)
					}
					if inPlace {
						Arith(op, dst, dst, b, as, bs, a0, b0)
					} else {
						Arith(op, dst, a, b, as, bs, a0, b0)
					}
					for i := range want {
						if math.Float32bits(dst[i]) != math.Float32bits(want[i]) && !(dst[i] != dst[i] && want[i] != want[i]) {
							t.Fatalf("asm=%v n=%d op=%d form=%d: [%d] = %g, want %g", asm, n, op, form, i, dst[i], want[i])
						}
					}
				}
			}
		}
		useAsm = saved
	}
}

// TestSigmoidVector checks Sigmoid's vector passes against the scalar
// formula bit for bit (lengths around the vector width and the 256-element
// block, NaN, ±Inf, signed zeros, large magnitudes), in place too.
func TestSigmoidVector(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-40, 100, -100}
	for _, n := range []int{1, 7, 8, 9, 255, 256, 257, 1000} {
		src := make([]float32, n)
		for i := range src {
			if rng.IntN(6) == 0 {
				src[i] = special[rng.IntN(len(special))]
			} else {
				src[i] = float32(rng.NormFloat64() * 6)
			}
		}
		// The exponentials as Sigmoid takes them (the vector exp, which
		// differs from Exp32 in the last bits), then the scalar formula.
		es := make([]float32, roundUp(n, 8))
		for i, v := range src {
			es[i] = -abs32(v)
		}
		expShiftSum(es, es, 0)
		want := make([]float32, n)
		for i, v := range src {
			e := es[i]
			if v < 0 {
				want[i] = e / (1 + e)
			} else {
				want[i] = 1 / (1 + e)
			}
		}
		got := make([]float32, n)
		Sigmoid(got, src)
		inPlace := append([]float32(nil), src...)
		Sigmoid(inPlace, inPlace)
		for i := range want {
			for _, g := range []float32{got[i], inPlace[i]} {
				if math.Float32bits(g) != math.Float32bits(want[i]) && !(g != g && want[i] != want[i]) {
					t.Fatalf("n=%d: sigmoid(%g) = %g, want %g", n, src[i], g, want[i])
				}
			}
		}
	}
}

func BenchmarkArithAddVV9x512x512(b *testing.B) {
	x, y := make([]float32, 9*512*512), make([]float32, 9*512*512)
	b.SetBytes(3 * 4 * int64(len(x)))
	for i := 0; i < b.N; i++ {
		Arith(ArithAdd, x, x, y, false, false, 0, 0)
	}
}

func BenchmarkSigmoid6x1536(b *testing.B) {
	x := make([]float32, 6*1536)
	for i := range x {
		x[i] = float32(i%97)*0.1 - 5
	}
	y := make([]float32, len(x))
	b.SetBytes(8 * int64(len(x)))
	for i := 0; i < b.N; i++ {
		Sigmoid(y, x)
	}
}
