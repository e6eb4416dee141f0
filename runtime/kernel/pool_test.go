package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naivePool2D evaluates each window tap by tap (NCHW).
func naivePool2D(p Pool2DParams, in []float32) []float64 {
	p.normalize()
	out := make([]float64, p.N*p.C*p.OutH*p.OutW)
	for nc := 0; nc < p.N*p.C; nc++ {
		for y := 0; y < p.OutH; y++ {
			for x := 0; x < p.OutW; x++ {
				mx, sum, sq := math.Inf(-1), 0.0, 0.0
				valid, padded := 0, 0
				for i := 0; i < p.KH; i++ {
					for j := 0; j < p.KW; j++ {
						iy := y*p.StrideH - p.PadTop + i*p.DilationH
						ix := x*p.StrideW - p.PadLeft + j*p.DilationW
						if iy >= -p.PadTop && iy < p.H+p.PadBottom && ix >= -p.PadLeft && ix < p.W+p.PadRight {
							padded++
						}
						if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
							continue
						}
						v := float64(in[(nc*p.H+iy)*p.W+ix])
						valid++
						mx = math.Max(mx, v)
						sum += v
						sq += v * v
					}
				}
				var r float64
				switch p.Kind {
				case MaxPool:
					if valid > 0 {
						r = mx
					}
				case AveragePool:
					d := valid
					if p.CountIncludePad {
						d = padded
					}
					if d > 0 {
						r = sum / float64(d)
					}
				case L2Pool:
					r = math.Sqrt(sq)
				}
				out[(nc*p.OutH+y)*p.OutW+x] = r
			}
		}
	}
	return out
}

func TestPool2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := []Pool2DParams{
		{N: 1, C: 2, H: 6, W: 6, KH: 2, KW: 2, StrideH: 2, StrideW: 2},
		{N: 2, C: 3, H: 7, W: 5, KH: 3, KW: 3, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},
		{N: 1, C: 2, H: 7, W: 7, KH: 3, KW: 3, StrideH: 2, StrideW: 2, OutH: 4, OutW: 4},                                                   // ceil mode: last window past the input
		{N: 1, C: 2, H: 8, W: 9, KH: 3, KW: 2, DilationH: 2, DilationW: 3, PadTop: 2, PadBottom: 1, PadLeft: 0, PadRight: 2},               // dilated
		{N: 1, C: 4, H: 7, W: 7, KH: 7, KW: 7},                                                                                             // global (mobilenet_v2 head)
		{N: 1, C: 1, H: 5, W: 5, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1, OutH: 4, OutW: 4}, // ceil + pads
	}
	for si, s := range shapes {
		for _, kind := range []PoolKind{MaxPool, AveragePool, L2Pool} {
			for _, incl := range []bool{false, true} {
				p := s
				p.Kind = kind
				p.CountIncludePad = incl
				in := randSlice(rng, p.N*p.C*p.H*p.W)
				want := naivePool2D(p, in)
				oAll, out := guarded(nil, len(want), float32(math.NaN()))
				if err := Pool2D(p, in, out); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("pool shape %d kind %d includePad %v", si, kind, incl)
				checkGuards(t, name, oAll)
				compareF64(t, name, out, want, 1e-5)
				// NHWC gives the transposed result.
				p.Layout = NHWC
				inT := make([]float32, len(in))
				transposeNCHWToNHWC(inT, in, p.N, p.H*p.W, p.C)
				outT := make([]float32, len(want))
				if err := Pool2D(p, inT, outT); err != nil {
					t.Fatal(err)
				}
				oh, ow := p.OutSize()
				back := make([]float32, len(want))
				transposeNHWCToNCHW(back, outT, p.N, oh*ow, p.C)
				compareF64(t, name+" NHWC", back, want, 1e-5)
			}
		}
	}
	if err := Pool2D(Pool2DParams{N: 1, C: 1, H: 4, W: 4, KH: 2, KW: 2}, make([]float32, 15), make([]float32, 9)); err == nil {
		t.Error("short input: want an error")
	}
}

func TestSoftmaxLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 3, 8, 17, 576} {
		rows := 5
		x := randSlice(rng, rows*n)
		x[0] = 80 // large values must not overflow
		y := make([]float32, len(x))
		Softmax(y, x, n)
		for r := 0; r < rows; r++ {
			row := x[r*n : (r+1)*n]
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, float64(v))
			}
			var s float64
			for _, v := range row {
				s += math.Exp(float64(v) - m)
			}
			for i, v := range row {
				want := math.Exp(float64(v)-m) / s
				if d := math.Abs(float64(y[r*n+i]) - want); d > 1e-6+2e-6*want {
					t.Fatalf("softmax n=%d [%d,%d] = %g want %g", n, r, i, y[r*n+i], want)
				}
			}
		}
		// SoftmaxAxis over a middle axis equals Softmax of the transposed data.
		inner := 3
		xa := randSlice(rng, 2*n*inner)
		ya := make([]float32, len(xa))
		SoftmaxAxis(ya, xa, 2, n, inner)
		for o := 0; o < 2; o++ {
			for i := 0; i < inner; i++ {
				col := make([]float32, n)
				for a := 0; a < n; a++ {
					col[a] = xa[(o*n+a)*inner+i]
				}
				sm := make([]float32, n)
				Softmax(sm, col, n)
				for a := 0; a < n; a++ {
					if d := math.Abs(float64(sm[a] - ya[(o*n+a)*inner+i])); d > 1e-6 {
						t.Fatalf("SoftmaxAxis n=%d differs at %d,%d,%d", n, o, a, i)
					}
				}
			}
		}
		// LayerNorm against the float64 definition, with and without affine.
		scale, bias := randSlice(rng, n), randSlice(rng, n)
		for _, affine := range []bool{false, true} {
			sc, bi := scale, bias
			if !affine {
				sc, bi = nil, nil
			}
			LayerNorm(y, x, n, sc, bi, 1e-5)
			for r := 0; r < rows; r++ {
				row := x[r*n : (r+1)*n]
				var mean, vr float64
				for _, v := range row {
					mean += float64(v)
				}
				mean /= float64(n)
				for _, v := range row {
					vr += (float64(v) - mean) * (float64(v) - mean)
				}
				vr /= float64(n)
				for i, v := range row {
					want := (float64(v) - mean) / math.Sqrt(vr+1e-5)
					if affine {
						want = want*float64(scale[i]) + float64(bias[i])
					}
					if d := math.Abs(float64(y[r*n+i]) - want); d > 1e-5*(1+math.Abs(want)) {
						t.Fatalf("layerNorm n=%d affine=%v [%d,%d] = %g want %g", n, affine, r, i, y[r*n+i], want)
					}
				}
			}
		}
	}
}

// TestSoftmaxMasked: additive −Inf masks give exact zeros; an all −Inf
// row gives NaN (0/0), as the definition does.
func TestSoftmaxMasked(t *testing.T) {
	inf := float32(math.Inf(-1))
	x := []float32{0, inf, 1, inf, 2, 3, inf, 0.5, 1, 2, 3, 4, inf, inf, 0, 1, 2}
	y := make([]float32, len(x))
	Softmax(y, x, len(x))
	var sum float64
	for i, v := range y {
		if x[i] == inf && v != 0 {
			t.Fatalf("masked position %d = %g, want 0", i, v)
		}
		sum += float64(v)
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Fatalf("softmax sums to %g", sum)
	}
	all := []float32{inf, inf, inf}
	Softmax(all, all, 3)
	if all[0] == all[0] {
		t.Fatalf("all −Inf row = %g, want NaN", all[0])
	}
}

func ulpDiff(a, b float32) int64 {
	ia, ib := int64(int32(math.Float32bits(a))), int64(int32(math.Float32bits(b)))
	if ia < 0 {
		ia = math.MinInt32 - ia
	}
	if ib < 0 {
		ib = math.MinInt32 - ib
	}
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

func TestExp32(t *testing.T) {
	worst := int64(0)
	for b := uint64(0); b < 1<<32; b += 997 {
		x := math.Float32frombits(uint32(b))
		if x != x || x > 100 || x < -110 {
			continue
		}
		got, want := Exp32(x), float32(math.Exp(float64(x)))
		if d := ulpDiff(got, want); d > worst {
			worst = d
			if d > 2 {
				t.Fatalf("Exp32(%g) = %g, want %g (%d ulp)", x, got, want, d)
			}
		}
	}
	for _, x := range []float32{float32(math.Inf(1)), float32(math.Inf(-1)), 88.7, 88.73, -87.3, -103.9, -104, 0} {
		got, want := Exp32(x), float32(math.Exp(float64(x)))
		if ulpDiff(got, want) > 2 {
			t.Errorf("Exp32(%g) = %g, want %g", x, got, want)
		}
	}
	if v := Exp32(float32(math.NaN())); v == v {
		t.Error("Exp32(NaN) is not NaN")
	}
	t.Logf("Exp32 worst error %d ulp", worst)
	// The vector kernel against math.Exp on a sweep, in blocks of 8 with a tail.
	var xs []float32
	for b := uint64(0); b < 1<<32; b += 9973 {
		if x := math.Float32frombits(uint32(b)); x != x || (x < 100 && x > -110) {
			xs = append(xs, x)
		}
	}
	xs = append(xs, float32(math.Inf(1)), float32(math.Inf(-1)), 88.72, 88.73, -87.4, -103.9, -104, -150, -math.MaxFloat32, 1e-30, 0, 0.5, -0.5, 3)
	ys := make([]float32, len(xs))
	Exp(ys, xs)
	for i, x := range xs {
		if x < -103.98 && ys[i] != 0 {
			t.Fatalf("Exp(%g) = %g, want 0", x, ys[i])
		}
	}
	for i, x := range xs {
		want := float32(math.Exp(float64(x)))
		if x != x {
			if ys[i] == ys[i] {
				t.Fatalf("Exp(NaN) = %g", ys[i])
			}
			continue
		}
		if d := ulpDiff(ys[i], want); d > 2 {
			t.Fatalf("Exp(%g) = %g, want %g (%d ulp)", x, ys[i], want, d)
		}
	}
	src := []float32{-1, 0, 0.5, 3, -20, 20, -90, 90, 1e-3, -7.5, 0.25, 2, 4, -4, 8, 15, 16.5}
	dst := make([]float32, len(src))
	for _, f := range []struct {
		name string
		fn   func(dst, src []float32)
		ref  func(float64) float64
	}{
		{"Exp", Exp, math.Exp},
		{"Sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"Tanh", Tanh, math.Tanh},
		{"Erf", Erf, math.Erf},
		{"Gelu", Gelu, func(x float64) float64 { return x * (1 + math.Erf(x/math.Sqrt2)) / 2 }},
	} {
		f.fn(dst, src)
		for i, x := range src {
			if want := float32(f.ref(float64(x))); ulpDiff(dst[i], want) > 3 {
				t.Errorf("%s(%g) = %g, want %g", f.name, x, dst[i], want)
			}
		}
	}
}

// TestSoftmaxRowVector checks the vector maximum and scaling of softmaxRow
// against the scalar loops bit for bit: lengths around the vector width,
// NaN anywhere, rows of −Inf, signed zeros.
func TestSoftmaxRowVector(t *testing.T) {
	if !useAsm {
		t.Skip("assembly kernels not in use")
	}
	scalar := func(dst, src []float32) {
		m := float32(math.Inf(-1))
		for _, v := range src {
			if v > m || v != v {
				m = v
			}
		}
		s := expShiftSum(dst, src, m)
		inv := 1 / s
		for i := range dst {
			dst[i] *= inv
		}
	}
	rng := rand.New(rand.NewPCG(31, 32))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, n := range []int{1, 31, 32, 33, 64, 95, 100, 2048} {
		for trial := 0; trial < 6; trial++ {
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(rng.NormFloat64() * 4)
			}
			switch trial {
			case 1:
				src[rng.IntN(n)] = nan
			case 2:
				src[n-1] = nan
			case 3:
				for i := range src {
					src[i] = -inf
				}
			case 4:
				for i := range src {
					src[i] = float32(math.Copysign(0, float64(i%2)-0.5))
				}
			case 5:
				src[rng.IntN(n)] = inf
			}
			want, got := make([]float32, n), make([]float32, n)
			scalar(want, src)
			softmaxRow(got, src)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("n=%d trial %d: [%d] = %g, want %g", n, trial, i, got[i], want[i])
				}
			}
		}
	}
}
