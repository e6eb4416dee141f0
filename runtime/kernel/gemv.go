package kernel

import "runtime"

// gemv computes c[j] = alpha·Σ_p x[p*incx]·B(p,j) + beta·c[j] for j < n, where
// B(p,j) is b[p*ldb+j] (B stored [K,N]) or, when bT, b[j*ldb+p] (stored [N,K]).
// It is the M = 1 case of Sgemm (decode steps) and is memory-bound: every
// element of B is read exactly once, as a contiguous stream.
func gemv(workers int, bT bool, n, k int, alpha float32, x []float32, incx int, b []float32, ldb int, beta float32, c []float32) {
	c = c[:n]
	// Fold alpha and the stride into a contiguous copy of x.
	var xp *[]float32
	if incx != 1 || alpha != 1 {
		xp = getFloats(k)
		xs := *xp
		for p := range xs {
			xs[p] = alpha * x[p*incx]
		}
		x = xs
		defer putFloats(xp)
	}
	x = x[:k]
	if bT {
		gemvT(workers, n, k, x, b, ldb, beta, c)
		return
	}
	gemvN(workers, n, k, x, b, ldb, beta, c)
}

// gemvN is gemv for B stored [K,N] (a weight used in place, as ONNX
// MatMul stores it). Memory-bound, so the loop is built around the stream of
// B: the rows are claimed in contiguous chunks (each a sequential region of
// memory, read once) by the workers, each accumulating into its own partial
// c (in L1/L2), and the partials are added at the end, which costs a few
// rows' worth of traffic.
func gemvN(workers, n, k int, x, b []float32, ldb int, beta float32, c []float32) {
	if workers <= 1 || k < 16 || k*n < 1<<15 {
		scaleC(1, n, beta, c, n)
		gemvNRows(k, x, b, ldb, c)
		return
	}
	// Chunks of at least 64 KiB of B and whole groups of eight rows.
	grain := roundUp(max(8, (16<<10)/max(n, 1)), 8)
	pp := getFloats(workers * n)
	defer putFloats(pp)
	partial := *pp
	var used [maxGemvWorkers]bool
	if workers > maxGemvWorkers {
		workers = maxGemvWorkers
	}
	parallelForWorkers(workers, k, grain, func(w, lo, hi int) {
		acc := partial[w*n : (w+1)*n]
		if !used[w] {
			clear(acc)
			used[w] = true
		}
		gemvNRows(hi-lo, x[lo:hi], b[lo*ldb:], ldb, acc)
	})
	var parts [maxGemvWorkers][]float32
	np := 0
	for w := 0; w < workers; w++ {
		if used[w] {
			parts[np] = partial[w*n : (w+1)*n]
			np++
		}
	}
	sumPartials(c, parts[:np], beta)
}

// maxGemvWorkers bounds the goroutines of one GEMV (its partial sums live
// in a fixed array).
const maxGemvWorkers = 64

// sumPartials sets c = Σ parts + beta·c.
func sumPartials(c []float32, parts [][]float32, beta float32) {
	if len(parts) == 0 {
		scaleC(1, len(c), beta, c, len(c))
		return
	}
	p0 := parts[0][:len(c)]
	if beta == 0 && useAsm {
		// The same sums in the same order as the loop below (an FMA by one
		// rounds once, as the addition does), a vector at a time; the
		// first two parts in one pass.
		rest := parts[1:]
		if len(rest) > 0 {
			Arith(ArithAdd, c, p0, rest[0], false, false, 0, 0)
			rest = rest[1:]
		} else {
			copy(c, p0)
		}
		for _, p := range rest {
			axpy(1, p[:len(c)], c)
		}
		return
	}
	for j := range c {
		s := p0[j]
		for _, p := range parts[1:] {
			s += p[j]
		}
		if beta == 0 {
			c[j] = s
		} else {
			c[j] = s + beta*c[j]
		}
	}
}

// gemvNRows does c[j] += Σ_{p<k} x[p]·b[p*ldb+j] for j < len(c): eight rows
// of B at a time across the whole row, so the rows stream sequentially.
func gemvNRows(k int, x, b []float32, ldb int, c []float32) {
	n := len(c)
	if n == 0 || k == 0 {
		return
	}
	_ = b[(k-1)*ldb+n-1]
	vec := 0
	if useAsm {
		vec = n &^ 31
	}
	p := 0
	if vec > 0 {
		for ; p+8 <= k; p += 8 {
			gemvNKernel8AVX2(vec, &x[p], &b[p*ldb], ldb, &c[0])
		}
		for ; p+4 <= k; p += 4 {
			gemvNKernel4AVX2(vec, &x[p], &b[p*ldb], ldb, &c[0])
		}
	}
	for ; p < k; p++ {
		axpy(x[p], b[p*ldb:p*ldb+vec], c[:vec])
	}
	if vec < n {
		for p := 0; p < k; p++ {
			axpy(x[p], b[p*ldb+vec:p*ldb+n], c[vec:])
		}
	}
}

// axpy does y += alpha·x (len(y) ≥ len(x)).
func axpy(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	if useAsm {
		_ = y[len(x)-1]
		axpyAVX2(len(x), alpha, &x[0], &y[0])
		return
	}
	axpyGo(alpha, x, y)
}

// axpyGo does y += alpha·x.
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// gemvT is gemv for B stored [N,K]: one dot product per output, four
// outputs at a time so x is loaded once for four rows of B.
func gemvT(workers, n, k int, x, b []float32, ldb int, beta float32, c []float32) {
	grain := max(4, 65536/max(k, 1))
	grain = (grain + 3) &^ 3
	parallelFor(workers, n, grain, func(lo, hi int) {
		var out [4]float32
		vec := 0
		if useAsm {
			vec = k &^ 7
		}
		j := lo
		if vec > 0 {
			for ; j+4 <= hi; j += 4 {
				_ = b[(j+3)*ldb+k-1]
				dot4AVX2(vec, &x[0], &b[j*ldb], ldb, &out)
				for r := 0; r < 4; r++ {
					s := out[r] + dotGo(x[vec:k], b[(j+r)*ldb+vec:(j+r)*ldb+k])
					c[j+r] = addScaled(s, beta, c[j+r])
				}
			}
		}
		for ; j < hi; j++ {
			c[j] = addScaled(dotGo(x, b[j*ldb:j*ldb+k]), beta, c[j])
		}
	})
}

func addScaled(s, beta, c float32) float32 {
	if beta == 0 {
		return s
	}
	return s + beta*c
}

// dotGo returns Σ x[i]·y[i] with four partial sums.
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// fewRowsMaxM is the largest M that gemmFewRows takes (a short prompt's
// prefill): up to it, streaming B once with every row of A applied to each
// block of B while it is in L1 beats packing B, which costs as much as the
// product at these sizes.
const fewRowsMaxM = 16

// gemmFewRows computes C = alpha·A·B + beta·C for a few rows of A (m ≤
// fewRowsMaxM, A not transposed) and B stored [K,N] in place. Like gemvN,
// B's rows are claimed in contiguous chunks and read once, sequentially,
// each worker accumulating into private partial rows of C. A is packed in
// panels of six rows (alpha folded in, rows past m zero), so that eight
// rows of B are streamed once, a register-width of columns at a time, and
// applied to six rows of A while in registers (fewRowsKernel6x8AVX2): one
// pass over memory whose loads are spread evenly through the arithmetic.
func gemmFewRows(workers, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	panels := (m + gemmMR - 1) / gemmMR
	rows := panels * gemmMR
	ap := getFloats(rows * k)
	defer putFloats(ap)
	pa := *ap // panel t is pa[t*6*k:], laid out [p][6]
	for t := 0; t < panels; t++ {
		packAPanel(pa[t*gemmMR*k:(t+1)*gemmMR*k], false, a, lda, t*gemmMR, min(gemmMR, m-t*gemmMR), 0, k, alpha)
	}
	if workers > maxGemvWorkers {
		workers = maxGemvWorkers
	}
	if workers <= 1 || m*k*n < 1<<16 {
		workers = 1
	}
	grain := roundUp(max(8, (16<<10)/max(n, 1)), 8)
	pp := getFloats(workers * rows * n)
	defer putFloats(pp)
	partial := *pp // worker w's rows×n partial C
	var used [maxGemvWorkers]bool
	parallelForWorkers(workers, k, grain, func(w, lo, hi int) {
		acc := partial[w*rows*n : (w+1)*rows*n]
		if !used[w] {
			clear(acc)
			used[w] = true
		}
		fewRowsChunk(m, n, k, pa, lo, hi, b, ldb, acc)
	})
	parts := make([][]float32, 0, workers)
	for i := 0; i < m; i++ {
		parts = parts[:0]
		for w := 0; w < workers; w++ {
			if used[w] {
				parts = append(parts, partial[(w*rows+i)*n:(w*rows+i+1)*n])
			}
		}
		sumPartials(c[i*ldc:i*ldc+n], parts, beta)
	}
}

// fewRowsCols is the column block of gemmFewRows when A has more than one
// panel: eight rows of it are 16 KiB, re-read from L1 by the later panels.
const fewRowsCols = 512

// fewRowsChunk does acc[i][j] += Σ_{lo≤p<hi} A[i][p]·b[p*ldb+j] for i < m,
// j < n, with A packed by gemmFewRows in pa and acc holding its padded
// rows (a multiple of six) × n. Each accumulator sums its rows in
// increasing p, as gemvN and the packed kernels do.
func fewRowsChunk(m, n, k int, pa []float32, lo, hi int, b []float32, ldb int, acc []float32) {
	_ = b[(hi-1)*ldb+n-1]
	panels := (m + gemmMR - 1) / gemmMR
	vec := 0
	if useAsm {
		vec = n &^ 15
	}
	p := lo
	if vec > 0 {
		p8 := lo + (hi-lo)&^7
		cols := vec
		if panels > 1 {
			cols = fewRowsCols
		}
		for j0 := 0; j0 < vec; j0 += cols {
			w := min(cols, vec-j0)
			for q := lo; q < p8; q += 8 {
				for t := 0; t < panels; t++ {
					fewRowsTile(w, pa[t*gemmMR*k+q*gemmMR:], b[q*ldb+j0:], ldb, acc[t*gemmMR*n+j0:], n)
				}
			}
		}
		p = p8
	}
	// Rows left over (and everything without assembly), then the columns
	// beyond the vector width.
	at := func(i, p int) float32 { return pa[(i/gemmMR)*gemmMR*k+p*gemmMR+i%gemmMR] }
	for ; p < hi; p++ {
		for i := 0; i < m; i++ {
			axpy(at(i, p), b[p*ldb:p*ldb+vec], acc[i*n:i*n+vec])
		}
	}
	if vec < n {
		for p := lo; p < hi; p++ {
			for i := 0; i < m; i++ {
				axpy(at(i, p), b[p*ldb+vec:p*ldb+n], acc[i*n+vec:i*n+n])
			}
		}
	}
}

// fewRowsTile applies eight rows of B (w columns, w%16 == 0) to a panel of
// six packed rows of A, adding into six rows of c (row stride ldc).
func fewRowsTile(w int, a, b []float32, ldb int, c []float32, ldc int) {
	_ = b[7*ldb+w-1]
	_ = c[5*ldc+w-1]
	_ = a[8*gemmMR-1]
	fewRowsKernel6x8AVX2(w, &a[0], &b[0], ldb, &c[0], ldc)
}

// GemvShared computes c[i] = x·B[i] for matrices B[i] stored [K, N[i]] in
// place that share the vector x (a layer's query/key/value projections, its
// gate and up projections): one parallel pass over the rows of all of them,
// as gemvN does for one, so a decode step synchronises its workers once
// per group instead of once per matrix.
func GemvShared(x []float32, b [][]float32, n []int, c [][]float32) {
	k := len(x)
	workers := min(runtime.GOMAXPROCS(0), maxGemvWorkers)
	total := 0
	for _, ni := range n {
		total += ni
	}
	if workers <= 1 || k < 16 || k*total < 1<<15 {
		for i := range b {
			clear(c[i][:n[i]])
			gemvNRows(k, x, b[i], n[i], c[i][:n[i]])
		}
		return
	}
	grain := roundUp(max(8, (16<<10)/max(total, 1)), 8)
	pp := getFloats(workers * total)
	defer putFloats(pp)
	partial := *pp
	var used [maxGemvWorkers]bool
	parallelForWorkers(workers, k, grain, func(w, lo, hi int) {
		acc := partial[w*total : (w+1)*total]
		if !used[w] {
			clear(acc)
			used[w] = true
		}
		off := 0
		for i := range b {
			gemvNRows(hi-lo, x[lo:hi], b[i][lo*n[i]:], n[i], acc[off:off+n[i]])
			off += n[i]
		}
	})
	var parts [maxGemvWorkers][]float32
	off := 0
	for i := range b {
		np := 0
		for w := 0; w < workers; w++ {
			if used[w] {
				parts[np] = partial[w*total+off : w*total+off+n[i]]
				np++
			}
		}
		sumPartials(c[i][:n[i]], parts[:np], 0)
		off += n[i]
	}
}
