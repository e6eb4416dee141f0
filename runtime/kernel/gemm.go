package kernel

import (
	"fmt"
	"runtime"
	"sync"
)

// Blocking of the packed GEMM (Goto/BLIS scheme). A micro-kernel computes an
// MR×NR tile of C from an MR-row panel of packed A and an NR-column panel of
// packed B; KC is chosen so that one B micro-panel (KC·NR·4 = 16 KiB) stays in
// L1 and an MC×KC block of A (96 KiB) in L2; NC bounds the packed B block.
const (
	gemmMR = 6
	gemmNR = 16
	gemmKC = 256
	gemmMC = 96
	gemmNC = 3072
	// gemmDirectMaxM is the largest M for which B is read in place.
	gemmDirectMaxM = 32
)

// useAsm chooses the assembly micro-kernels; tests flip it to compare both.
var useAsm = hasAVX2FMA

// useAVX512 chooses the AVX-512 GEMM micro-kernel where the CPU has it
// (with useAsm); tests flip it to compare it with the AVX2 one.
var useAVX512 = hasAVX2FMA && hasAVX512

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// where op(X) is X or Xᵀ. op(A) is m×k, op(B) is k×n, C is m×n with row
// stride ldc ≥ n. A is stored m×k (lda ≥ k) or, when transA, k×m (lda ≥ m);
// B is stored k×n (ldb ≥ n) or, when transB, n×k (ldb ≥ k).
// With beta == 0 C is overwritten (NaNs in C are ignored). Slices too short
// for the shapes make it panic; callers validate shapes.
// The loop it must equal (up to summation order and FMA rounding):
//
//	for i, j: c[i*ldc+j] = alpha*Σ_p opA[i,p]*opB[p,j] + beta*c[i*ldc+j]
//
// Work is split over GOMAXPROCS goroutines.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(runtime.GOMAXPROCS(0), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemm is Sgemm over at most workers goroutines.
func sgemm(workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	switch {
	case m == 1:
		incA := 1
		if transA {
			incA = lda
		}
		gemv(workers, transB, n, k, alpha, a, incA, b, ldb, beta, c)
		return
	case n == 1 && ldc == 1:
		// C (m×1) = op(A)·b is Cᵀ (1×m) = bᵀ·op(A)ᵀ: the same GEMV with the
		// roles of A and B swapped.
		incB := ldb
		if transB {
			incB = 1
		}
		gemv(workers, !transA, m, k, alpha, b, incB, a, lda, beta, c)
		return
	case m*n*k <= 8*8*8:
		smallSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	case m <= fewRowsMaxM && !transA && !transB && useAsm:
		gemmFewRows(workers, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blockedSgemm(workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, nil, beta, c, ldc)
}

// smallSgemm is the plain loop for tiny products where packing costs more
// than it saves.
func smallSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		for j := range crow {
			var s float32
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
				s += av * bv
			}
			if beta == 0 {
				crow[j] = alpha * s
			} else {
				crow[j] = alpha*s + beta*crow[j]
			}
		}
	}
}

// scaleC does C = beta·C (beta == 0 overwrites with zeros).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// floatPool recycles packing buffers; slices are kept by pointer so Put does
// not allocate.
var floatPool sync.Pool

func getFloats(n int) *[]float32 {
	if p, _ := floatPool.Get().(*[]float32); p != nil {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
		floatPool.Put(p)
	}
	s := make([]float32, n, n+n/4)
	return &s
}

func putFloats(p *[]float32) { floatPool.Put(p) }

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// blockedSgemm is the packed, cache-blocked, parallel path. When pre is not
// nil it holds B already packed (b and ldb are then unused).
func blockedSgemm(workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, pre *PackedB, beta float32, c []float32, ldc int) {
	if beta != 0 && beta != 1 {
		scaleC(m, n, beta, c, ldc)
	}
	mPanels := (m + gemmMR - 1) / gemmMR
	kcMax := min(k, gemmKC)
	ncMax := min(roundUp(n, gemmNR), gemmNC)
	pa := getFloats(mPanels * gemmMR * kcMax)
	defer putFloats(pa)
	packedA := *pa
	var packedB []float32
	if pre == nil {
		pb := getFloats(ncMax * kcMax)
		defer putFloats(pb)
		packedB = *pb
	}
	threads := workers
	// Few rows of A: B is read in place by the strided micro-kernel instead
	// of being packed (packing would cost as much as the product).
	direct := pre == nil && !transB && useAsm && m <= gemmDirectMaxM
	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		accumulate := pc > 0 || beta != 0
		packAllA := true
		for jc := 0; jc < n; jc += gemmNC {
			nc := min(gemmNC, n-jc)
			nPanels := (nc + gemmNR - 1) / gemmNR
			// Pack B's block (and, on the first column block, all of A's
			// K-slice) in one parallel phase.
			aJobs, bJobs := 0, nPanels
			if packAllA {
				aJobs = mPanels
			}
			if pre != nil {
				bJobs = 0
				off := pc*pre.nPad + jc*kc
				packedB = pre.data[off : off+nPanels*gemmNR*kc]
			}
			parallelFor(workers, aJobs+bJobs, 4, func(lo, hi int) {
				for t := lo; t < hi; t++ {
					if t < aJobs {
						packAPanel(packedA[t*gemmMR*kc:(t+1)*gemmMR*kc], transA, a, lda, t*gemmMR, min(gemmMR, m-t*gemmMR), pc, kc, alpha)
					} else {
						q := t - aJobs
						if direct && q*gemmNR+gemmNR <= nc {
							continue // full panel: read in place
						}
						packBPanel(packedB[q*gemmNR*kc:(q+1)*gemmNR*kc], transB, b, ldb, jc+q*gemmNR, min(gemmNR, nc-q*gemmNR), pc, kc)
					}
				}
			})
			packAllA = false
			// Tasks: row blocks of MC × column chunks, enough for every thread.
			mBlocks := (m + gemmMC - 1) / gemmMC
			colChunks := 1
			if mBlocks < 2*threads {
				colChunks = min(nPanels, (2*threads+mBlocks-1)/mBlocks)
			}
			panelsPerChunk := (nPanels + colChunks - 1) / colChunks
			colChunks = (nPanels + panelsPerChunk - 1) / panelsPerChunk
			parallelFor(workers, mBlocks*colChunks, 1, func(lo, hi int) {
				for t := lo; t < hi; t++ {
					ib, jb := t/colChunks, t%colChunks
					i0 := ib * gemmMC
					i1 := min(m, i0+gemmMC)
					q0 := jb * panelsPerChunk
					q1 := min(nPanels, q0+panelsPerChunk)
					blk := gemmBlock{packedA: packedA, packedB: packedB, kc: kc, pc: pc, jc: jc, nc: nc, c: c, ldc: ldc, accumulate: accumulate}
					if direct {
						blk.b, blk.ldb = b, ldb
					}
					blk.run(i0, i1, q0, q1)
				}
			})
		}
	}
}

// gemmBlock is one (K block, column block) step of the blocked GEMM.
type gemmBlock struct {
	packedA, packedB []float32
	b                []float32 // when not nil, full B panels are read in place (row stride ldb)
	ldb              int
	kc, pc, jc, nc   int
	c                []float32
	ldc              int
	accumulate       bool
}

// run is the macro-kernel: the micro-kernel over rows [i0,i1) and B panels
// [q0,q1). Each B micro-panel is reused from L1 by every row panel.
func (g *gemmBlock) run(i0, i1, q0, q1 int) {
	g.runPanels(i0, i1, q0, q1, useAVX512)
}

// runPanels is run, taking pairs of full B panels with the AVX-512 kernel
// when wide is set.
func (g *gemmBlock) runPanels(i0, i1, q0, q1 int, wide bool) {
	var tile [gemmMR * gemmNR]float32
	kc, c, ldc := g.kc, g.c, g.ldc
	for q := q0; q < q1; q++ {
		if wide && g.b == nil && q+1 < q1 && (q+2)*gemmNR <= g.nc {
			// Two full panels: full tiles of six rows by the AVX-512
			// kernel (the same sums as the AVX2 one), the last rows below.
			bp0 := g.packedB[q*gemmNR*kc : (q+1)*gemmNR*kc]
			bp1 := g.packedB[(q+1)*gemmNR*kc : (q+2)*gemmNR*kc]
			i := i0
			for ; i+gemmMR <= i1; i += gemmMR {
				ap := g.packedA[(i/gemmMR)*gemmMR*kc : (i/gemmMR+1)*gemmMR*kc]
				off := i*ldc + g.jc + q*gemmNR
				_ = c[off+(gemmMR-1)*ldc+2*gemmNR-1] // bounds: the whole tile lies in c
				sgemmKernel6x32AVX512(kc, &ap[0], &bp0[0], &bp1[0], &c[off], ldc, g.accumulate)
			}
			if i < i1 {
				g.runPanels(i, i1, q, q+2, false)
			}
			q++
			continue
		}
		bp := g.packedB[q*gemmNR*kc : (q+1)*gemmNR*kc]
		j := q * gemmNR
		cols := min(gemmNR, g.nc-j)
		var bDirect *float32
		if g.b != nil && cols == gemmNR {
			off := g.pc*g.ldb + g.jc + j
			_ = g.b[off+(kc-1)*g.ldb+gemmNR-1] // bounds: the whole panel lies in b
			bDirect = &g.b[off]
		}
		for i := i0; i < i1; i += gemmMR {
			rows := min(gemmMR, i1-i)
			ap := g.packedA[(i/gemmMR)*gemmMR*kc : (i/gemmMR+1)*gemmMR*kc]
			full := rows == gemmMR && cols == gemmNR
			var dst []float32
			ldd, acc := gemmNR, false
			if full {
				off := i*ldc + g.jc + j
				_ = c[off+(gemmMR-1)*ldc+gemmNR-1] // bounds: the whole tile lies in c
				dst, ldd, acc = c[off:], ldc, g.accumulate
			} else {
				dst = tile[:]
			}
			switch {
			case bDirect != nil:
				sgemmKernel6x16StridedAVX2(kc, &ap[0], bDirect, g.ldb, &dst[0], ldd, acc)
			case useAsm:
				sgemmKernel6x16AVX2(kc, &ap[0], &bp[0], &dst[0], ldd, acc)
			default:
				sgemmKernel6x16Go(kc, ap, bp, dst, ldd, acc)
			}
			if full {
				continue
			}
			for r := 0; r < rows; r++ {
				d := c[(i+r)*ldc+g.jc+j : (i+r)*ldc+g.jc+j+cols]
				src := tile[r*gemmNR : r*gemmNR+cols]
				if g.accumulate {
					for x, v := range src {
						d[x] += v
					}
				} else {
					copy(d, src)
				}
			}
		}
	}
}

// packAPanel packs rows [i, i+rows) × columns [pc, pc+kc) of op(A), scaled by
// alpha, as dst[p*MR+r]; rows beyond the matrix are zero.
func packAPanel(dst []float32, transA bool, a []float32, lda, i, rows, pc, kc int, alpha float32) {
	if rows < gemmMR {
		clear(dst)
	}
	if transA {
		for p := 0; p < kc; p++ {
			src := a[(pc+p)*lda+i : (pc+p)*lda+i+rows]
			d := dst[p*gemmMR : p*gemmMR+rows]
			for r, v := range src {
				d[r] = alpha * v
			}
		}
		return
	}
	if rows == gemmMR {
		// Six rows read side by side, the panel written in order.
		r0 := a[i*lda+pc : i*lda+pc+kc]
		r1 := a[(i+1)*lda+pc : (i+1)*lda+pc+kc]
		r2 := a[(i+2)*lda+pc : (i+2)*lda+pc+kc]
		r3 := a[(i+3)*lda+pc : (i+3)*lda+pc+kc]
		r4 := a[(i+4)*lda+pc : (i+4)*lda+pc+kc]
		r5 := a[(i+5)*lda+pc : (i+5)*lda+pc+kc]
		// Equal lengths, so indexing by p < len(r0) needs no bounds checks.
		r1, r2, r3, r4, r5 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)], r4[:len(r0)], r5[:len(r0)]
		dst = dst[:kc*gemmMR]
		if alpha == 1 {
			for p := range r0 {
				d := (*[gemmMR]float32)(dst[p*gemmMR:])
				d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			return
		}
		for p := range r0 {
			d := (*[gemmMR]float32)(dst[p*gemmMR:])
			d[0], d[1], d[2], d[3], d[4], d[5] = alpha*r0[p], alpha*r1[p], alpha*r2[p], alpha*r3[p], alpha*r4[p], alpha*r5[p]
		}
		return
	}
	for r := 0; r < rows; r++ {
		src := a[(i+r)*lda+pc : (i+r)*lda+pc+kc]
		for p, v := range src {
			dst[p*gemmMR+r] = alpha * v
		}
	}
}

// packBPanel packs rows [pc, pc+kc) × columns [j, j+cols) of op(B) as
// dst[p*NR+x]; columns beyond the matrix are zero.
func packBPanel(dst []float32, transB bool, b []float32, ldb, j, cols, pc, kc int) {
	if cols < gemmNR {
		clear(dst)
	}
	if transB {
		for x := 0; x < cols; x++ {
			src := b[(j+x)*ldb+pc : (j+x)*ldb+pc+kc]
			for p, v := range src {
				dst[p*gemmNR+x] = v
			}
		}
		return
	}
	for p := 0; p < kc; p++ {
		copy(dst[p*gemmNR:p*gemmNR+cols], b[(pc+p)*ldb+j:(pc+p)*ldb+j+cols])
	}
}

// sgemmKernel6x16Go is the portable micro-kernel: the loop the assembly one
// must equal.
func sgemmKernel6x16Go(k int, a, b, c []float32, ldc int, accumulate bool) {
	var acc [gemmMR][gemmNR]float32
	a = a[:k*gemmMR]
	b = b[:k*gemmNR]
	for p := 0; p < k; p++ {
		bv := (*[gemmNR]float32)(b[p*gemmNR:])
		av := (*[gemmMR]float32)(a[p*gemmMR:])
		for r := 0; r < gemmMR; r++ {
			x := av[r]
			row := &acc[r]
			for j := 0; j < gemmNR; j++ {
				row[j] += x * bv[j]
			}
		}
	}
	for r := 0; r < gemmMR; r++ {
		dst := (*[gemmNR]float32)(c[r*ldc:])
		if accumulate {
			for j := 0; j < gemmNR; j++ {
				dst[j] += acc[r][j]
			}
		} else {
			*dst = acc[r]
		}
	}
}

// ValidateSgemm reports, as an error naming the operand and the sizes,
// whether Sgemm with these arguments would read or write outside a, b or c
// (Sgemm itself does not check: it would panic). Interpreters call it once
// per node when shapes are bound.
func ValidateSgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	if m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("sgemm: negative size m=%d n=%d k=%d", m, n, k)
	}
	check := func(name string, s []float32, rows, cols, ld int) error {
		if rows == 0 || cols == 0 {
			return nil
		}
		if ld < cols {
			return fmt.Errorf("sgemm: %s row stride %d < %d columns", name, ld, cols)
		}
		if need := (rows-1)*ld + cols; len(s) < need {
			return fmt.Errorf("sgemm: %s has %d elements, %dx%d with stride %d needs %d", name, len(s), rows, cols, ld, need)
		}
		return nil
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if err := check("A", a, ar, ac, lda); err != nil {
		return err
	}
	if err := check("B", b, br, bc, ldb); err != nil {
		return err
	}
	return check("C", c, m, n, ldc)
}
