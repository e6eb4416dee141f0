//go:build amd64 && !noasm

package kernel

import "golang.org/x/sys/cpu"

// hasAVX2FMA selects the assembly kernels. The FMA kernels round once per
// multiply-add, so their results differ from the pure-Go kernels (two
// roundings) in the last bits; both stay within the tests' K-scaled tolerance.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// sgemmKernel6x16AVX2 computes the 6×16 tile Σ_p a[p*6+r]·b[p*16+j] over k
// steps of packed panels and stores it to c (row stride ldc), adding to what
// is there when accumulate is set.
//
//go:noescape
func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, accumulate bool)

// gemvNKernel4AVX2 does c[j] += Σ_{r<4} x[r]·b[r*ldb+j] for j < n, n%32 == 0.
//
//go:noescape
func gemvNKernel4AVX2(n int, x *float32, b *float32, ldb int, c *float32)

// gemvNKernel8AVX2 does c[j] += Σ_{r<8} x[r]·b[r*ldb+j] for j < n, n%32 == 0.
//
//go:noescape
func gemvNKernel8AVX2(n int, x *float32, b *float32, ldb int, c *float32)

// dot4AVX2 does out[r] = Σ_{p<k} x[p]·b[r*ldb+p] for r < 4, k%8 == 0.
//
//go:noescape
func dot4AVX2(k int, x *float32, b *float32, ldb int, out *[4]float32)

// sumAVX2 returns Σ x[i] for i < n, n%64 == 0.
//
//go:noescape
func sumAVX2(n int, x *float32) float32

// gemvPanelAVX2 does acc[j] += Σ_{p<k} x[p]·panel[p*16+j] for j < 16.
//
//go:noescape
func gemvPanelAVX2(k int, x *float32, panel *float32, acc *[16]float32)

// fmaLoopAVX2 runs n iterations of 12 independent register FMAs (peak probe).
//
//go:noescape
func fmaLoopAVX2(n int)

// sgemmKernel6x16StridedAVX2 is sgemmKernel6x16AVX2 reading B in place:
// row p of the 16-column panel starts at b + p*ldb.
//
//go:noescape
func sgemmKernel6x16StridedAVX2(k int, a, b *float32, ldb int, c *float32, ldc int, accumulate bool)

// axpyAVX2 does y[i] += alpha·x[i] for i < n.
//
//go:noescape
func axpyAVX2(n int, alpha float32, x, y *float32)

// expSumAVX2 does y[i] = e^(x[i]−shift) for i < n (n%8 == 0), within 2 ulp
// like Exp32, and returns Σ y[i].
//
//go:noescape
func expSumAVX2(n int, x, y *float32, shift float32) float32

// axpy3AVX2 does y[i] += w[0]·x0[i] + w[1]·x1[i] + w[2]·x2[i] for i < n.
//
//go:noescape
func axpy3AVX2(n int, w *[3]float32, x0, x1, x2, y *float32)

// fewRowsKernel6x8AVX2 does c[i*ldc+j] += Σ_{r<8} a[r*6+i]·b[r*ldb+j] for
// i < 6, j < n (n%16 == 0).
//
//go:noescape
func fewRowsKernel6x8AVX2(n int, a *float32, b *float32, ldb int, c *float32, ldc int)

// maxAVX2 returns the largest x[i] for i < n (n%32 == 0, n ≥ 32), NaN when
// any x[i] is NaN.
//
//go:noescape
func maxAVX2(n int, x *float32) float32

// scaleAVX2 does x[i] *= alpha for i < n (n%32 == 0).
//
//go:noescape
func scaleAVX2(n int, alpha float32, x *float32)

// binVVAVX2 does dst[i] = a[i] op b[i] for i < n (n%32 == 0; op 0 add,
// 1 sub, 2 mul, 3 div).
//
//go:noescape
func binVVAVX2(op int, n int, a, b, dst *float32)

// binVSAVX2 does dst[i] = a[i] op s.
//
//go:noescape
func binVSAVX2(op int, n int, a *float32, s float32, dst *float32)

// binSVAVX2 does dst[i] = s op b[i].
//
//go:noescape
func binSVAVX2(op int, n int, s float32, b, dst *float32)

// negAbsAVX2 does t[i] = −|x[i]| for i < n (n%8 == 0).
//
//go:noescape
func negAbsAVX2(n int, x, t *float32)

// sigmoidFinishAVX2 does dst[i] = e[i]/(1+e[i]) where x[i] < 0, else
// 1/(1+e[i]), for i < n (n%8 == 0).
//
//go:noescape
func sigmoidFinishAVX2(n int, x, e, dst *float32)

// hasAVX512 selects the AVX-512 GEMM micro-kernel (cpu.X86.HasAVX512F
// includes the OS saving the Z registers).
var hasAVX512 = cpu.X86.HasAVX512F

// sgemmKernel6x32AVX512 is sgemmKernel6x16AVX2 over two adjacent packed B
// panels (columns j..j+15 from b0, j+16..j+31 from b1) at once.
//
//go:noescape
func sgemmKernel6x32AVX512(k int, a, b0, b1, c *float32, ldc int, accumulate bool)
