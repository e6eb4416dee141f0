package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// guarded returns a slice of n values surrounded by guard NaNs: the returned
// slice views the middle; the guards are checked by checkGuards.
const guardLen = 37

func guarded(rng *rand.Rand, n int, fill float32) (all, mid []float32) {
	all = make([]float32, n+2*guardLen)
	for i := range all {
		all[i] = float32(math.NaN())
	}
	mid = all[guardLen : guardLen+n]
	for i := range mid {
		if rng == nil {
			mid[i] = fill
		} else {
			mid[i] = rng.Float32()*2 - 1
		}
	}
	return all, mid
}

func checkGuards(t *testing.T, name string, all []float32) {
	t.Helper()
	n := len(all)
	for i := 0; i < guardLen; i++ {
		if !math.IsNaN(float64(all[i])) || !math.IsNaN(float64(all[n-1-i])) {
			t.Fatalf("%s: write outside the matrix (guard %d)", name, i)
		}
	}
}

// naiveSgemm is the triple loop in float64 that Sgemm must equal.
func naiveSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float64, cin []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			s *= float64(alpha)
			if beta != 0 {
				s += float64(beta) * float64(cin[i*ldc+j])
			}
			c[i*ldc+j] = s
		}
	}
}

type gemmCase struct {
	m, n, k          int
	padA, padB, padC int
}

var gemmShapes = func() []gemmCase {
	var cs []gemmCase
	dims := []int{1, 2, 5, 6, 7, 9, 16, 17, 31, 33, 65}
	for _, m := range dims {
		for _, n := range dims {
			for _, k := range []int{1, 3, 29} {
				cs = append(cs, gemmCase{m, n, k, 0, 0, 0})
			}
		}
	}
	cs = append(cs,
		gemmCase{1, 576, 576, 0, 0, 0},
		gemmCase{1, 1000, 300, 3, 0, 0},
		gemmCase{300, 1, 200, 0, 5, 2},
		gemmCase{70, 90, 300, 1, 2, 3},
		gemmCase{100, 130, 270, 0, 0, 0},
		gemmCase{131, 67, 300, 7, 9, 11},
		gemmCase{13, 40, 600, 0, 0, 0},   // three K blocks, direct B path
		gemmCase{40, 3100, 300, 1, 3, 2}, // two column blocks (NC) × two K blocks, packed B
		gemmCase{5, 3200, 260, 0, 1, 0},  // two column blocks, direct B
		gemmCase{6, 1537, 64, 0, 0, 0},
		gemmCase{9, 64, 700, 0, 3, 0},
		gemmCase{33, 33, 1, 2, 2, 2},
		gemmCase{0, 5, 5, 0, 0, 0},
		gemmCase{5, 0, 5, 0, 0, 0},
		gemmCase{5, 5, 0, 0, 0, 0},
	)
	return cs
}()

func testSgemmAll(t *testing.T, name string, gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	rng := rand.New(rand.NewPCG(1, 2))
	count := 0
	for ci, tc := range gemmShapes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, -1.5}, {0, 2}, {-1, 0}} {
				if ci%3 != 0 && ab[0] != 1 && tc.m*tc.n*tc.k < 1e5 && tc.m > 9 {
					continue // keep the test fast: alpha/beta variants on a subset of small shapes
				}
				if tc.m*tc.n*tc.k > 1e6 && ab != [2]float32{1, 0} && ab != [2]float32{0.5, -1.5} {
					continue // large shapes: one overwrite and one accumulate variant
				}
				runSgemmCase(t, name, gemm, rng, tc, tr[0], tr[1], ab[0], ab[1])
				count++
			}
		}
	}
	t.Logf("%s: %d cases", name, count)
}

func runSgemmCase(t *testing.T, name string, gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int), rng *rand.Rand, tc gemmCase, transA, transB bool, alpha, beta float32) {
	t.Helper()
	m, n, k := tc.m, tc.n, tc.k
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+tc.padA, bc+tc.padB, n+tc.padC
	aAll, a := guarded(rng, max(0, (ar-1)*lda+ac), 0)
	bAll, b := guarded(rng, max(0, (br-1)*ldb+bc), 0)
	cAll, c := guarded(rng, max(0, (m-1)*ldc+n), 0)
	if beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN()) // beta == 0 must ignore NaNs in C
		}
	}
	cin := append([]float32(nil), c...)
	want := make([]float64, len(c))
	naiveSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, want, cin, ldc)
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	label := fmt.Sprintf("%s m=%d n=%d k=%d tA=%v tB=%v alpha=%g beta=%g ld=%d,%d,%d", name, m, n, k, transA, transB, alpha, beta, lda, ldb, ldc)
	checkGuards(t, label+" A", aAll)
	checkGuards(t, label+" B", bAll)
	checkGuards(t, label+" C", cAll)
	tol := 1e-6 * float64(k+4)
	for i := 0; i < m; i++ {
		for j := 0; j < ldc && i*ldc+j < len(c); j++ {
			idx := i*ldc + j
			if j >= n {
				if math.Float32bits(c[idx]) != math.Float32bits(cin[idx]) {
					t.Fatalf("%s: padding C[%d,%d] changed", label, i, j)
				}
				continue
			}
			if d := math.Abs(float64(c[idx]) - want[idx]); !(d <= tol*(1+math.Abs(want[idx]))) {
				t.Fatalf("%s: C[%d,%d] = %g, want %g", label, i, j, c[idx], want[idx])
			}
		}
	}
}

func TestSgemm(t *testing.T) { testSgemmAll(t, "Sgemm", Sgemm) }

// TestSgemmPureGo runs the same cases with the assembly kernels switched off,
// so both implementations are checked against the naive loop.
func TestSgemmPureGo(t *testing.T) {
	if !useAsm {
		t.Skip("assembly kernels not in use; TestSgemm already covers the pure-Go path")
	}
	useAsm = false
	defer func() { useAsm = true }()
	testSgemmAll(t, "SgemmGo", Sgemm)
}

func TestSgemmPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, asm := range []bool{true, false} {
		if asm && !hasAVX2FMA {
			continue
		}
		saved := useAsm
		useAsm = asm
		for _, tc := range []struct{ m, n, k int }{{1, 1, 1}, {1, 37, 300}, {1, 1536, 576}, {1, 100, 700}, {3, 50, 513}, {9, 576, 300}, {70, 33, 17}, {40, 3100, 300}, {1, 3300, 270}} {
			for _, transB := range []bool{false, true} {
				ldb := tc.n + 3
				if transB {
					ldb = tc.k + 2
				}
				rows := tc.k
				if transB {
					rows = tc.n
				}
				b := randSlice(rng, rows*ldb)
				a := randSlice(rng, tc.m*tc.k)
				pb, err := PackB(transB, tc.k, tc.n, b, ldb)
				if err != nil {
					t.Fatal(err)
				}
				for _, beta := range []float32{0, 0.5} {
					cAll, c := guarded(rng, tc.m*tc.n, 0)
					cin := append([]float32(nil), c...)
					want := make([]float64, len(c))
					naiveSgemm(false, transB, tc.m, tc.n, tc.k, 1.5, a, tc.k, b, ldb, beta, want, cin, tc.n)
					SgemmPacked(false, tc.m, 1.5, a, tc.k, pb, beta, c, tc.n)
					name := fmt.Sprintf("SgemmPacked asm=%v m=%d n=%d k=%d transB=%v beta=%g", asm, tc.m, tc.n, tc.k, transB, beta)
					checkGuards(t, name, cAll)
					compareF64(t, name, c, want, 1e-6*float64(tc.k+4))
				}
			}
		}
		useAsm = saved
	}
	if _, err := PackB(false, 4, 4, make([]float32, 15), 4); err == nil {
		t.Error("PackB with a short slice: want an error")
	}
}

func TestMatMulBatched(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	tests := []struct{ a, b []int }{
		{[]int{2, 3, 4}, []int{2, 4, 5}},
		{[]int{2, 3, 4}, []int{4, 5}},          // shared weights
		{[]int{3, 4}, []int{2, 3, 4, 5}},       // rank padding
		{[]int{2, 1, 3, 4}, []int{1, 3, 4, 5}}, // both broadcast
		{[]int{1, 9, 1, 64}, []int{1, 9, 64, 12}},
		{[]int{2, 3, 70, 40}, []int{2, 3, 40, 90}},
	}
	for _, tc := range tests {
		out, err := MatMulBroadcastShape(tc.a, tc.b)
		if err != nil {
			t.Fatal(err)
		}
		a, b := randSlice(rng, prod(tc.a)), randSlice(rng, prod(tc.b))
		c := make([]float32, prod(out))
		if err := MatMulBatched(a, tc.a, b, tc.b, c); err != nil {
			t.Fatal(err)
		}
		rank := len(out)
		m, k, n := out[rank-2], tc.a[len(tc.a)-1], out[rank-1]
		batch := prod(out[:rank-2])
		for i := 0; i < batch; i++ {
			// Decode the batch index and pick each operand's matrix.
			oa, ob, rest := 0, 0, i
			sa, sb := m*k, k*n
			for d := rank - 3; d >= 0; d-- {
				idx := rest % out[d]
				rest /= out[d]
				if da := dimFromEnd(tc.a, rank-d); da != 1 {
					oa += idx * sa
					sa *= da
				}
				if db := dimFromEnd(tc.b, rank-d); db != 1 {
					ob += idx * sb
					sb *= db
				}
			}
			want := make([]float64, m*n)
			naiveSgemm(false, false, m, n, k, 1, a[oa:], k, b[ob:], n, 0, want, nil, n)
			compareF64(t, fmt.Sprintf("MatMulBatched %v×%v batch %d", tc.a, tc.b, i), c[i*m*n:(i+1)*m*n], want, 1e-6*float64(k+4))
		}
	}
	for _, tc := range []struct{ a, b []int }{{[]int{2, 3, 4}, []int{3, 5, 6}}, {[]int{3, 4}, []int{5, 6}}, {[]int{4}, []int{4, 1}}} {
		if _, err := MatMulBroadcastShape(tc.a, tc.b); err == nil {
			t.Errorf("MatMulBroadcastShape(%v, %v): want an error", tc.a, tc.b)
		}
	}
}

func TestAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 70, 129} {
		x := randSlice(rng, n)
		yAll, y := guarded(rng, n, 0)
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(y[i]) + 0.75*float64(x[i])
		}
		axpy(0.75, x, y)
		checkGuards(t, fmt.Sprintf("axpy n=%d", n), yAll)
		compareF64(t, fmt.Sprintf("axpy n=%d", n), y, want, 1e-6)
	}
}

// TestSgemmNaNPropagates checks that a NaN in B reaches every output that
// depends on it on each path (GEMV both layouts, direct, packed, blocked,
// small), even where the matching A element is zero.
func TestSgemmNaNPropagates(t *testing.T) {
	for _, tc := range []struct{ m, n, k int }{{1, 40, 37}, {3, 3, 3}, {9, 50, 70}, {70, 50, 70}} {
		for _, transB := range []bool{false, true} {
			a := make([]float32, tc.m*tc.k) // zeros
			b := make([]float32, tc.k*tc.n)
			col, row := 5%tc.n, 2
			ldb := tc.n
			if transB {
				ldb = tc.k
				b[col*ldb+row] = float32(math.NaN())
			} else {
				b[row*ldb+col] = float32(math.NaN())
			}
			c := make([]float32, tc.m*tc.n)
			Sgemm(false, transB, tc.m, tc.n, tc.k, 1, a, tc.k, b, ldb, 0, c, tc.n)
			for i := 0; i < tc.m; i++ {
				if v := c[i*tc.n+col]; v == v {
					t.Fatalf("m=%d n=%d k=%d transB=%v: C[%d,%d] = %g, want NaN", tc.m, tc.n, tc.k, transB, i, col, v)
				}
				if v := c[i*tc.n+(col+1)%tc.n]; v != 0 {
					t.Fatalf("m=%d n=%d k=%d transB=%v: NaN leaked into column %d", tc.m, tc.n, tc.k, transB, (col+1)%tc.n)
				}
			}
			if !transB {
				pb, err := PackB(false, tc.k, tc.n, b, ldb)
				if err != nil {
					t.Fatal(err)
				}
				SgemmPacked(false, tc.m, 1, a, tc.k, pb, 0, c, tc.n)
				if v := c[col]; v == v {
					t.Fatalf("SgemmPacked m=%d: C[0,%d] = %g, want NaN", tc.m, col, v)
				}
			}
		}
	}
}

func TestSumFloats(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 128, 1000, 4096} {
		x := make([]float32, n)
		var want float64
		for i := range x {
			x[i] = float32(i%9) - 3
			want += float64(x[i])
		}
		if got := sumFloats(x); math.Abs(float64(got)-want) > 1e-3 {
			t.Errorf("sumFloats(n=%d) = %g, want %g", n, got, want)
		}
	}
	if bw := MeasureReadBandwidth(8<<20, 4); !(bw > 0) {
		t.Errorf("MeasureReadBandwidth = %g", bw)
	}
}

func TestValidateSgemm(t *testing.T) {
	buf := make([]float32, 100)
	tests := []struct {
		name          string
		tA, tB        bool
		m, n, k       int
		la, lb, lc    int
		lda, ldb, ldc int
		want          string
	}{
		{"ok", false, false, 3, 4, 5, 15, 20, 12, 5, 4, 4, ""},
		{"ok transposed", true, true, 3, 4, 5, 15, 20, 12, 3, 5, 4, ""},
		{"short A", false, false, 3, 4, 5, 14, 20, 12, 5, 4, 4, "A has 14 elements"},
		{"short B stride", false, false, 3, 4, 5, 15, 20, 12, 5, 3, 4, "B row stride 3 < 4"},
		{"short C", false, false, 3, 4, 5, 15, 20, 11, 5, 4, 4, "C has 11 elements"},
		{"negative", false, false, -1, 4, 5, 15, 20, 12, 5, 4, 4, "negative size"},
		{"empty", false, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	}
	for _, tc := range tests {
		err := ValidateSgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, buf[:tc.la], tc.lda, buf[:tc.lb], tc.ldb, buf[:tc.lc], tc.ldc)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.want != "" && (err == nil || !contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// GemvShared equals one Sgemm per matrix.
func TestGemvShared(t *testing.T) {
	for _, k := range []int{5, 64, 576} {
		ns := []int{576, 192, 33}
		x := make([]float32, k)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		var bs, cs [][]float32
		for j, n := range ns {
			b := make([]float32, k*n)
			for i := range b {
				b[i] = float32((i*(j+3))%11) - 5
			}
			bs = append(bs, b)
			cs = append(cs, make([]float32, n))
		}
		GemvShared(x, bs, ns, cs)
		for j, n := range ns {
			want := make([]float32, n)
			Sgemm(false, false, 1, n, k, 1, x, k, bs[j], n, 0, want, n)
			for i := range want {
				if d := want[i] - cs[j][i]; d > 1e-3 || d < -1e-3 {
					t.Fatalf("k=%d matrix %d [%d]: %g, want %g", k, j, i, cs[j][i], want[i])
				}
			}
		}
	}
}

// TestGemmFewRows checks the few-rows path (A packed in panels of six,
// eight rows of B per kernel call) at every m it takes, on one and two
// workers, with row counts that leave rows over (k%8), columns beyond the
// vector width (n%16), several panels (m > 6) and strided operands.
func TestGemmFewRows(t *testing.T) {
	if !useAsm {
		t.Skip("gemmFewRows runs with the assembly kernels only")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for m := 2; m <= fewRowsMaxM; m++ {
		for _, s := range []struct{ n, k, pad int }{{16, 8, 0}, {48, 37, 3}, {1000, 61, 1}, {577, 300, 0}, {2100, 40, 5}} {
			for _, workers := range []int{1, 2} {
				for _, beta := range []float32{0, 0.5} {
					lda, ldb, ldc := s.k+s.pad, s.n+s.pad, s.n+2*s.pad
					a := randSlice(rng, (m-1)*lda+s.k)
					b := randSlice(rng, (s.k-1)*ldb+s.n)
					cAll, c := guarded(rng, (m-1)*ldc+s.n, 0)
					cin := append([]float32(nil), c...)
					want := make([]float64, len(c))
					naiveSgemm(false, false, m, s.n, s.k, 1.5, a, lda, b, ldb, beta, want, cin, ldc)
					gemmFewRows(workers, m, s.n, s.k, 1.5, a, lda, b, ldb, beta, c, ldc)
					name := fmt.Sprintf("gemmFewRows m=%d n=%d k=%d pad=%d workers=%d beta=%g", m, s.n, s.k, s.pad, workers, beta)
					checkGuards(t, name, cAll)
					for i := 0; i < m; i++ {
						for j := 0; j < ldc && i*ldc+j < len(c); j++ {
							idx := i*ldc + j
							if j >= s.n {
								if math.Float32bits(c[idx]) != math.Float32bits(cin[idx]) {
									t.Fatalf("%s: padding C[%d,%d] changed", name, i, j)
								}
								continue
							}
							if d := math.Abs(float64(c[idx]) - want[idx]); !(d <= 1e-6*float64(s.k+4)*(1+math.Abs(want[idx]))) {
								t.Fatalf("%s: C[%d,%d] = %g, want %g", name, i, j, c[idx], want[idx])
							}
						}
					}
				}
			}
		}
	}
}

// TestSumPartials checks the vector path (beta == 0) against the plain sum
// in the same order, bit for bit, and the scalar path's beta.
func TestSumPartials(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{1, 7, 8, 33, 1000} {
		for parts := 1; parts <= 3; parts++ {
			ps := make([][]float32, parts)
			for i := range ps {
				ps[i] = randSlice(rng, n)
			}
			for _, beta := range []float32{0, 0.5} {
				c := randSlice(rng, n)
				want := make([]float32, n)
				for j := range want {
					s := ps[0][j]
					for _, p := range ps[1:] {
						s += p[j]
					}
					if beta != 0 {
						s += beta * c[j]
					}
					want[j] = s
				}
				sumPartials(c, ps, beta)
				for j := range c {
					if math.Float32bits(c[j]) != math.Float32bits(want[j]) {
						t.Fatalf("n=%d parts=%d beta=%g: c[%d] = %g, want %g", n, parts, beta, j, c[j], want[j])
					}
				}
			}
		}
	}
}

// TestSgemmAVX512SameBits checks that the AVX-512 micro-kernel (pairs of
// full B panels) gives the AVX2 kernel's bits: the same FMAs in the same
// order for every element, edge tiles included.
func TestSgemmAVX512SameBits(t *testing.T) {
	if !useAsm || !hasAVX512 {
		t.Skip("no AVX-512 here")
	}
	rng := rand.New(rand.NewPCG(51, 52))
	for _, s := range []struct{ m, n, k int }{{33, 32, 5}, {40, 70, 300}, {100, 130, 270}, {64, 1536, 576}, {37, 3100, 260}, {200, 48, 17}} {
		for _, beta := range []float32{0, 1, 0.5} {
			a := randSlice(rng, s.m*s.k)
			b := randSlice(rng, s.k*s.n)
			c0 := randSlice(rng, s.m*s.n)
			c1, c2 := append([]float32(nil), c0...), append([]float32(nil), c0...)
			useAVX512 = false
			Sgemm(false, false, s.m, s.n, s.k, 1.25, a, s.k, b, s.n, beta, c1, s.n)
			useAVX512 = true
			Sgemm(false, false, s.m, s.n, s.k, 1.25, a, s.k, b, s.n, beta, c2, s.n)
			for i := range c1 {
				if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
					t.Fatalf("%v beta=%g: [%d] AVX-512 %g, AVX2 %g", s, beta, i, c2[i], c1[i])
				}
			}
		}
	}
	useAVX512 = hasAVX2FMA && hasAVX512
}
