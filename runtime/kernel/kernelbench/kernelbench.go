// Package kernelbench holds the benchmark bodies of runtime/kernel, shared
// by the package's `go test -bench` functions and tools/benchreport (which
// runs them in-process next to their baselines). Each constructor returns
// the function to hand to testing.Benchmark plus the work one call does.
package kernelbench

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
)

// Case is one benchmark body with the work of one operation.
type Case struct {
	Flops float64 // floating-point operations per op (2 per multiply-add)
	Bytes float64 // bytes of operands streamed per op (memory-bound kernels)
	Op    func()  // one operation, safe to call repeatedly
	Err   error   // set instead of Op when the case could not be built
}

// Bench runs Op b.N times (the body for testing.Benchmark and go test -bench).
func (c Case) Bench(b *testing.B) {
	if c.Err != nil {
		b.Fatal(c.Err)
	}
	for i := 0; i < b.N; i++ {
		c.Op()
	}
}

func filled(n int, seed float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i%17)*0.05*seed - 0.3
	}
	return s
}

// Sgemm benchmarks kernel.Sgemm on m×k · k×n (B stored transposed when transB).
func Sgemm(m, n, k int, transB bool) Case {
	a, bm, c := filled(m*k, 1), filled(k*n, 2), make([]float32, m*n)
	ldb := n
	if transB {
		ldb = k
	}
	return Case{Flops: 2 * float64(m) * float64(n) * float64(k), Op: func() {
		kernel.Sgemm(false, transB, m, n, k, 1, a, k, bm, ldb, 0, c, n)
	}}
}

// GonumSgemm benchmarks gonum's pure-Go Sgemm (blas/gonum) on the same shape:
// the baseline for compute-bound GEMM rows.
func GonumSgemm(m, n, k int, transB bool) Case {
	a, bm, c := filled(m*k, 1), filled(k*n, 2), make([]float32, m*n)
	ldb, tB := n, blas.NoTrans
	if transB {
		ldb, tB = k, blas.Trans
	}
	impl := gonum.Implementation{}
	return Case{Flops: 2 * float64(m) * float64(n) * float64(k), Op: func() {
		impl.Sgemm(blas.NoTrans, tB, m, n, k, 1, a, k, bm, ldb, 0, c, n)
	}}
}

// coldCopies returns how many copies of a size-byte operand to rotate over
// so the working set (≥ 64 MiB) cannot stay in the last-level cache: a
// decode step streams all weights from DRAM, so that is what counts.
func coldCopies(size int) int {
	return max(1, (64<<20+size-1)/size)
}

// Gemv benchmarks a decode-step product 1×k · k×n with B stored [K,N]
// (or [N,K] when transB), weights cold (rotated over copies).
func Gemv(k, n int, transB bool) Case {
	copies := coldCopies(4 * k * n)
	ws := make([][]float32, copies)
	for i := range ws {
		ws[i] = filled(k*n, float32(i+1))
	}
	x, c := filled(k, 1), make([]float32, n)
	ldb := n
	if transB {
		ldb = k
	}
	next := 0
	return Case{Flops: 2 * float64(k) * float64(n), Bytes: 4 * float64(k) * float64(n), Op: func() {
		next++
		kernel.Sgemm(false, transB, 1, n, k, 1, x, k, ws[next%copies], ldb, 0, c, n)
	}}
}

// FewRows benchmarks a short prompt's prefill product m×k · k×n (B stored
// [K,N] in place), weights cold as in Gemv: memory-bound like a decode
// step, with m times its arithmetic.
func FewRows(m, k, n int) Case {
	copies := coldCopies(4 * k * n)
	ws := make([][]float32, copies)
	for i := range ws {
		ws[i] = filled(k*n, float32(i+1))
	}
	a, c := filled(m*k, 1), make([]float32, m*n)
	next := 0
	return Case{Flops: 2 * float64(m) * float64(k) * float64(n), Bytes: 4 * float64(k) * float64(n), Op: func() {
		next++
		kernel.Sgemm(false, false, m, n, k, 1, a, k, ws[next%copies], n, 0, c, n)
	}}
}

// GemvPacked is Gemv with weights prepacked by kernel.PackB.
func GemvPacked(k, n int) Case {
	copies := coldCopies(4 * k * n)
	ws := make([]*kernel.PackedB, copies)
	var packErr error
	for i := range ws {
		ws[i], packErr = kernel.PackB(false, k, n, filled(k*n, float32(i+1)), n)
		if packErr != nil {
			break
		}
	}
	x, c := filled(k, 1), make([]float32, n)
	if packErr != nil {
		return Case{Err: packErr}
	}
	next := 0
	return Case{Flops: 2 * float64(k) * float64(n), Bytes: 4 * float64(k) * float64(n), Op: func() {
		next++
		kernel.SgemmPacked(false, 1, 1, x, k, ws[next%copies], 0, c, n)
	}}
}

// GonumGemv is gonum's Sgemm on the Gemv shape (B stored [K,N]), cold.
func GonumGemv(k, n int) Case {
	copies := coldCopies(4 * k * n)
	ws := make([][]float32, copies)
	for i := range ws {
		ws[i] = filled(k*n, float32(i+1))
	}
	x, c := filled(k, 1), make([]float32, n)
	impl := gonum.Implementation{}
	next := 0
	return Case{Flops: 2 * float64(k) * float64(n), Bytes: 4 * float64(k) * float64(n), Op: func() {
		next++
		impl.Sgemm(blas.NoTrans, blas.NoTrans, 1, n, k, 1, x, k, ws[next%copies], n, 0, c, n)
	}}
}

func convSizes(p kernel.Conv2DParams) (in, filter, out int, flops float64) {
	groups := max(p.Groups, 1)
	in = p.N * p.C * p.H * p.W
	filter = p.OutC * p.C / groups * p.KH * p.KW
	out = p.N * p.OutC * p.OutH() * p.OutW()
	flops = 2 * float64(out) * float64(p.C/groups*p.KH*p.KW)
	return
}

// Conv2D benchmarks kernel.Conv2D with bias.
func Conv2D(p kernel.Conv2DParams) Case {
	ni, nf, no, flops := convSizes(p)
	in, f, bias, out := filled(ni, 1), filled(nf, 2), filled(p.OutC, 3), make([]float32, no)
	if err := p.Validate(in, f, bias, out); err != nil {
		return Case{Err: err}
	}
	return Case{Flops: flops, Bytes: 4 * float64(ni+nf+no), Op: func() {
		_ = kernel.Conv2D(p, in, f, bias, out) // validated above
	}}
}

// Im2colGonumConv2D is the straightforward Go convolution: im2col per group,
// then gonum's Sgemm (the baseline for GEMM-shaped convolutions).
func Im2colGonumConv2D(p kernel.Conv2DParams) Case {
	ni, nf, no, flops := convSizes(p)
	in, f, out := filled(ni, 1), filled(nf, 2), make([]float32, no)
	groups := max(p.Groups, 1)
	sh, sw := max(p.StrideH, 1), max(p.StrideW, 1)
	dh, dw := max(p.DilationH, 1), max(p.DilationW, 1)
	oh, ow := p.OutH(), p.OutW()
	cg, og := p.C/groups, p.OutC/groups
	kdim := cg * p.KH * p.KW
	col := make([]float32, kdim*oh*ow)
	impl := gonum.Implementation{}
	return Case{Flops: flops, Bytes: 4 * float64(ni+nf+no), Op: func() {
		for n := 0; n < p.N; n++ {
			for g := 0; g < groups; g++ {
				for r := 0; r < kdim; r++ {
					c, i, j := g*cg+r/(p.KH*p.KW), r/p.KW%p.KH, r%p.KW
					for y := 0; y < oh; y++ {
						for x := 0; x < ow; x++ {
							iy, ix := y*sh-p.PadTop+i*dh, x*sw-p.PadLeft+j*dw
							v := float32(0)
							if iy >= 0 && iy < p.H && ix >= 0 && ix < p.W {
								v = in[((n*p.C+c)*p.H+iy)*p.W+ix]
							}
							col[r*oh*ow+y*ow+x] = v
						}
					}
				}
				impl.Sgemm(blas.NoTrans, blas.NoTrans, og, oh*ow, kdim, 1, f[g*og*kdim:], kdim, col, oh*ow, 0, out[(n*p.OutC+g*og)*oh*ow:], oh*ow)
			}
		}
	}}
}

// Softmax benchmarks kernel.Softmax over rows of n.
func Softmax(rows, n int) Case {
	x, y := filled(rows*n, 1), make([]float32, rows*n)
	return Case{Bytes: 8 * float64(rows*n), Op: func() {
		kernel.Softmax(y, x, n)
	}}
}

// NaiveSoftmax is the textbook stable softmax with float64 math.Exp.
func NaiveSoftmax(rows, n int) Case {
	x, y := filled(rows*n, 1), make([]float32, rows*n)
	return Case{Bytes: 8 * float64(rows*n), Op: func() {
		for r := 0; r < rows; r++ {
			row, out := x[r*n:(r+1)*n], y[r*n:(r+1)*n]
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, float64(v))
			}
			var s float64
			for j, v := range row {
				e := math.Exp(float64(v) - m)
				out[j] = float32(e)
				s += e
			}
			for j := range out {
				out[j] = float32(float64(out[j]) / s)
			}
		}
	}}
}

// LayerNorm benchmarks kernel.LayerNorm with scale and bias.
func LayerNorm(rows, n int) Case {
	x, y, sc, bi := filled(rows*n, 1), make([]float32, rows*n), filled(n, 2), filled(n, 3)
	return Case{Bytes: 8 * float64(rows*n), Op: func() {
		kernel.LayerNorm(y, x, n, sc, bi, 1e-5)
	}}
}

// NaiveLayerNorm is the textbook two-pass layer normalisation in float64.
func NaiveLayerNorm(rows, n int) Case {
	x, y, sc, bi := filled(rows*n, 1), make([]float32, rows*n), filled(n, 2), filled(n, 3)
	return Case{Bytes: 8 * float64(rows*n), Op: func() {
		for r := 0; r < rows; r++ {
			row, out := x[r*n:(r+1)*n], y[r*n:(r+1)*n]
			var mean, vr float64
			for _, v := range row {
				mean += float64(v)
			}
			mean /= float64(n)
			for _, v := range row {
				vr += (float64(v) - mean) * (float64(v) - mean)
			}
			inv := 1 / math.Sqrt(vr/float64(n)+1e-5)
			for j, v := range row {
				out[j] = float32((float64(v)-mean)*inv*float64(sc[j]) + float64(bi[j]))
			}
		}
	}}
}

// Mobilenet blocks used by the conv rows: an expand 1×1 (24→144) and a
// depthwise 3×3 at 56×56, from mobilenet_v2's second stage.
var (
	MobilenetPointwise = kernel.Conv2DParams{N: 1, C: 24, H: 56, W: 56, OutC: 144, KH: 1, KW: 1}
	MobilenetDepthwise = kernel.Conv2DParams{N: 1, C: 96, H: 56, W: 56, OutC: 96, KH: 3, KW: 3, Groups: 96,
		PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}
	MobilenetStem = kernel.Conv2DParams{N: 1, C: 3, H: 224, W: 224, OutC: 32, KH: 3, KW: 3, StrideH: 2, StrideW: 2,
		PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}
)
