package kernel

import (
	"fmt"
	"runtime"
)

// PackedB is a k×n right-hand operand op(B) packed once into the panel order
// of the GEMM micro-kernel, for constant weights multiplied many times
// (interpreters pack each constant MatMul/Gemm weight once per program).
// Layout: K blocks of gemmKC rows; inside a block, panels of gemmNR columns
// (zero-padded), each stored row by row. A decode step (M = 1) reads it as
// one sequential stream.
type PackedB struct {
	k, n int
	nPad int // n rounded up to gemmNR
	data []float32
}

// K returns the shared dimension.
func (p *PackedB) K() int { return p.k }

// N returns the number of columns.
func (p *PackedB) N() int { return p.n }

// PackB packs op(B) (k×n; B stored k×n with row stride ldb ≥ n, or n×k
// with ldb ≥ k when transB). ONNX MatMul weights [K,N] are PackB(false, K, N, w, N).
func PackB(transB bool, k, n int, b []float32, ldb int) (*PackedB, error) {
	if k < 1 || n < 1 {
		return nil, fmt.Errorf("PackB: empty operand %dx%d", k, n)
	}
	rows, cols, minLd := k, n, n
	if transB {
		rows, cols, minLd = n, k, k
	}
	if ldb < minLd || len(b) < (rows-1)*ldb+cols {
		return nil, fmt.Errorf("PackB: %d elements with ldb %d cannot hold a %dx%d operand", len(b), ldb, rows, cols)
	}
	p := &PackedB{k: k, n: n, nPad: roundUp(n, gemmNR)}
	p.data = make([]float32, k*p.nPad)
	nPanels := p.nPad / gemmNR
	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		block := p.data[pc*p.nPad : (pc+kc)*p.nPad]
		ParallelFor(nPanels, 8, func(lo, hi int) {
			for q := lo; q < hi; q++ {
				packBPanel(block[q*gemmNR*kc:(q+1)*gemmNR*kc], transB, b, ldb, q*gemmNR, min(gemmNR, n-q*gemmNR), pc, kc)
			}
		})
	}
	return p, nil
}

// SgemmPacked computes C = alpha·op(A)·B + beta·C with B prepacked by PackB
// (op(A) is m×pb.K(), C is m×pb.N() with row stride ldc). M = 1 runs a
// streaming GEMV over the packed panels; larger M the blocked GEMM without
// repacking B.
func SgemmPacked(transA bool, m int, alpha float32, a []float32, lda int, pb *PackedB, beta float32, c []float32, ldc int) {
	n, k := pb.n, pb.k
	if m <= 0 {
		return
	}
	if alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if m == 1 {
		incA := 1
		if transA {
			incA = lda
		}
		gemvPacked(workers, alpha, a, incA, pb, beta, c[:n])
		return
	}
	if m <= packedFewRowsMaxM {
		gemmPackedFewRows(workers, transA, m, alpha, a, lda, pb, beta, c, ldc)
		return
	}
	blockedSgemm(workers, transA, false, m, n, k, alpha, a, lda, nil, 0, pb, beta, c, ldc)
}

// packedFewRowsMaxM is the largest M (a prefill's prompt length) that
// SgemmPacked runs as a multi-row GEMV.
const packedFewRowsMaxM = 8

// gemmPackedFewRows is SgemmPacked for a few rows of A (prefill of a short
// prompt): like gemvPacked it makes one parallel pass over the packed
// panels, each read once from memory for all rows, where the blocked GEMM
// would make two parallel phases (pack A, multiply) per K block. A is packed
// once up front (it is tiny); each panel's columns are computed by the
// MR×NR micro-kernel over every K block, accumulating in a register tile.
func gemmPackedFewRows(workers int, transA bool, m int, alpha float32, a []float32, lda int, pb *PackedB, beta float32, c []float32, ldc int) {
	n, k := pb.n, pb.k
	mPanels := (m + gemmMR - 1) / gemmMR
	pa := getFloats(mPanels * gemmMR * k)
	defer putFloats(pa)
	packedA := *pa
	for t := 0; t < mPanels; t++ {
		// layout [t][p][r]: K block pc of panel t starts at t*MR*k + pc*MR
		packAPanel(packedA[t*gemmMR*k:(t+1)*gemmMR*k], transA, a, lda, t*gemmMR, min(gemmMR, m-t*gemmMR), 0, k, alpha)
	}
	nPanels := pb.nPad / gemmNR
	parallelFor(workers, nPanels, max(1, 2048/(k*mPanels)), func(lo, hi int) {
		var tile [gemmMR * gemmNR]float32
		for q := lo; q < hi; q++ {
			j0 := q * gemmNR
			cols := min(gemmNR, n-j0)
			for t := 0; t < mPanels; t++ {
				for pc := 0; pc < k; pc += gemmKC {
					kc := min(gemmKC, k-pc)
					off := pc*pb.nPad + q*gemmNR*kc
					panel := pb.data[off : off+gemmNR*kc]
					ap := packedA[t*gemmMR*k+pc*gemmMR : t*gemmMR*k+(pc+kc)*gemmMR]
					if useAsm {
						sgemmKernel6x16AVX2(kc, &ap[0], &panel[0], &tile[0], gemmNR, pc > 0)
					} else {
						sgemmKernel6x16Go(kc, ap, panel, tile[:], gemmNR, pc > 0)
					}
				}
				rows := min(gemmMR, m-t*gemmMR)
				for r := 0; r < rows; r++ {
					i := t*gemmMR + r
					dst := c[i*ldc+j0 : i*ldc+j0+cols]
					for j := range dst {
						dst[j] = addScaled(tile[r*gemmNR+j], beta, dst[j])
					}
				}
			}
		}
	})
}

// gemvPacked does c = alpha·x·B + beta·c over packed panels: block by block,
// each goroutine streams its range of panels, accumulating 16 columns at a time.
func gemvPacked(workers int, alpha float32, x []float32, incx int, pb *PackedB, beta float32, c []float32) {
	k, n := pb.k, pb.n
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
	nPanels := pb.nPad / gemmNR
	// Small chunks (a few panels): narrow projections such as 576×192
	// (12 panels) still split over every worker.
	parallelFor(workers, nPanels, max(1, 2048/k), func(lo, hi int) {
		var acc [gemmNR]float32
		for q := lo; q < hi; q++ {
			acc = [gemmNR]float32{}
			for pc := 0; pc < k; pc += gemmKC {
				kc := min(gemmKC, k-pc)
				off := pc*pb.nPad + q*gemmNR*kc
				panel := pb.data[off : off+gemmNR*kc]
				if useAsm {
					gemvPanelAVX2(kc, &x[pc], &panel[0], &acc)
				} else {
					gemvPanelGo(x[pc:pc+kc], panel, &acc)
				}
			}
			j0 := q * gemmNR
			cols := min(gemmNR, n-j0)
			for j := 0; j < cols; j++ {
				c[j0+j] = addScaled(acc[j], beta, c[j0+j])
			}
		}
	})
}

// gemvPanelGo does acc[j] += Σ_p x[p]·panel[p*NR+j].
func gemvPanelGo(x, panel []float32, acc *[gemmNR]float32) {
	panel = panel[:len(x)*gemmNR]
	for p, xv := range x {
		row := (*[gemmNR]float32)(panel[p*gemmNR:])
		for j := range acc {
			acc[j] += xv * row[j]
		}
	}
}
