package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// SgemmPacked's few-rows path (2 ≤ M ≤ 8, a prefill) against the naive
// loop: odd sizes, several K blocks, both layouts of A and B, padded C rows
// that must stay untouched, beta 0 over a NaN-filled C, both kernels.
func TestSgemmPackedFewRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	shapes := []struct{ n, k int }{{1, 1}, {17, 3}, {37, 300}, {192, 576}, {33, 513}, {100, 257}, {5, 1000}}
	for _, asm := range []bool{true, false} {
		if asm && !hasAVX2FMA {
			continue
		}
		saved := useAsm
		useAsm = asm
		for m := 2; m <= packedFewRowsMaxM; m++ {
			for si, sh := range shapes {
				for _, transA := range []bool{false, true} {
					transB := (m+si)%2 == 1
					n, k := sh.n, sh.k
					ldb, rows := n+3, k
					if transB {
						ldb, rows = k+2, n
					}
					b := randSlice(rng, rows*ldb)
					lda, aRows := k+1, m
					if transA {
						lda, aRows = m+2, k
					}
					a := randSlice(rng, (aRows-1)*lda+(lda-1))
					pb, err := PackB(transB, k, n, b, ldb)
					if err != nil {
						t.Fatal(err)
					}
					ldc := n + 2
					for _, beta := range []float32{0, 0.5} {
						cAll, c := guarded(rng, (m-1)*ldc+n, 0)
						if beta == 0 {
							for i := range c {
								c[i] = float32(math.NaN())
							}
						}
						cin := append([]float32(nil), c...)
						want := make([]float64, len(c))
						naiveSgemm(transA, transB, m, n, k, -1.25, a, lda, b, ldb, beta, want, cin, ldc)
						SgemmPacked(transA, m, -1.25, a, lda, pb, beta, c, ldc)
						name := fmt.Sprintf("asm=%v m=%d n=%d k=%d transA=%v transB=%v beta=%g", asm, m, n, k, transA, transB, beta)
						checkGuards(t, name, cAll)
						tol := 1e-6 * float64(k+4)
						for i := 0; i < m; i++ {
							for j := 0; j < ldc && i*ldc+j < len(c); j++ {
								idx := i*ldc + j
								if j >= n {
									if math.Float32bits(c[idx]) != math.Float32bits(cin[idx]) {
										t.Fatalf("%s: padding C[%d,%d] changed", name, i, j)
									}
									continue
								}
								if d := math.Abs(float64(c[idx]) - want[idx]); !(d <= tol*(1+math.Abs(want[idx]))) {
									t.Fatalf("%s: C[%d,%d] = %g, want %g", name, i, j, c[idx], want[idx])
								}
							}
						}
					}
				}
			}
		}
		useAsm = saved
	}
}

// A NaN in packed B reaches every row of its column on the few-rows path,
// and no other column, even where A is zero.
func TestSgemmPackedFewRowsNaN(t *testing.T) {
	for _, m := range []int{2, 6, 7, 8} {
		const n, k = 50, 300
		a := make([]float32, m*k)
		b := make([]float32, k*n)
		b[270*n+17] = float32(math.NaN()) // second K block
		pb, err := PackB(false, k, n, b, n)
		if err != nil {
			t.Fatal(err)
		}
		c := make([]float32, m*n)
		SgemmPacked(false, m, 1, a, k, pb, 0, c, n)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				if v := c[i*n+j]; (j == 17) != math.IsNaN(float64(v)) {
					t.Fatalf("m=%d: C[%d,%d] = %g", m, i, j, v)
				}
			}
		}
	}
}

func benchPackedRows(b *testing.B, m, k, n int, fewRows bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	pb, err := PackB(false, k, n, randSlice(rng, k*n), n)
	if err != nil {
		b.Fatal(err)
	}
	a, c := randSlice(rng, m*k), make([]float32, m*n)
	b.SetBytes(int64(4 * k * n))
	for i := 0; i < b.N; i++ {
		if fewRows {
			SgemmPacked(false, m, 1, a, k, pb, 0, c, n)
		} else {
			blockedSgemm(2, false, false, m, n, k, 1, a, k, nil, 0, pb, 0, c, n)
		}
	}
}

func BenchmarkPackedFewRows6x576x1536(b *testing.B) { benchPackedRows(b, 6, 576, 1536, true) }
func BenchmarkPackedBlocked6x576x1536(b *testing.B) { benchPackedRows(b, 6, 576, 1536, false) }
func BenchmarkPackedFewRows6x1536x576(b *testing.B) { benchPackedRows(b, 6, 1536, 576, true) }
func BenchmarkPackedBlocked6x1536x576(b *testing.B) { benchPackedRows(b, 6, 1536, 576, false) }
func BenchmarkPackedFewRows6x576x192(b *testing.B)  { benchPackedRows(b, 6, 576, 192, true) }
func BenchmarkPackedBlocked6x576x192(b *testing.B)  { benchPackedRows(b, 6, 576, 192, false) }
