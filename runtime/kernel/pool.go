package kernel

import (
	"fmt"
	"math"
)

// PoolKind selects the reduction of a pooling window.
type PoolKind uint8

const (
	MaxPool     PoolKind = iota // max over the window's input positions
	AveragePool                 // mean (divisor per CountIncludePad)
	L2Pool                      // sqrt(Σ x²) over the window's input positions
)

// Pool2DParams describes 2-D pooling. Zero strides and dilations mean 1.
// OutH/OutW of zero mean the floor formula; callers with ceil rounding
// (ONNX ceil_mode, WebNN roundingType "ceil") or explicit outputSizes set
// them, and windows may then run past the padded input.
type Pool2DParams struct {
	Kind                                 PoolKind
	N, C, H, W                           int
	KH, KW                               int
	StrideH, StrideW                     int
	DilationH, DilationW                 int
	PadTop, PadBottom, PadLeft, PadRight int
	OutH, OutW                           int
	// CountIncludePad makes AveragePool divide by the number of window
	// taps inside the padded input [−pad, size+pad) (ONNX
	// count_include_pad=1) instead of the taps inside the input.
	CountIncludePad bool
	Layout          Layout
}

func (p *Pool2DParams) normalize() {
	p.StrideH = max(p.StrideH, 1)
	p.StrideW = max(p.StrideW, 1)
	p.DilationH = max(p.DilationH, 1)
	p.DilationW = max(p.DilationW, 1)
	if p.OutH == 0 {
		p.OutH = convOutSize(p.H, p.KH, p.StrideH, p.DilationH, p.PadTop, p.PadBottom)
	}
	if p.OutW == 0 {
		p.OutW = convOutSize(p.W, p.KW, p.StrideW, p.DilationW, p.PadLeft, p.PadRight)
	}
}

// OutSize returns the output height and width Pool2D will produce.
func (p Pool2DParams) OutSize() (int, int) {
	p.normalize()
	return p.OutH, p.OutW
}

// Pool2D reduces every window of in into out ([N, C, OutH, OutW] in NCHW,
// [N, OutH, OutW, C] in NHWC). Input positions outside [0,H)×[0,W) never
// take part in max or l2; a window with no input position yields 0
// (−Inf would poison later ops; such windows only arise from padding).
func Pool2D(p Pool2DParams, in, out []float32) error {
	p.normalize()
	switch {
	case p.N < 0 || p.C < 0 || p.H < 0 || p.W < 0 || p.KH < 1 || p.KW < 1 || p.OutH < 0 || p.OutW < 0:
		return fmt.Errorf("pool2d: bad sizes N=%d C=%d H=%d W=%d window=%dx%d out=%dx%d", p.N, p.C, p.H, p.W, p.KH, p.KW, p.OutH, p.OutW)
	case p.PadTop < 0 || p.PadBottom < 0 || p.PadLeft < 0 || p.PadRight < 0:
		return fmt.Errorf("pool2d: negative padding")
	case p.Kind > L2Pool || p.Layout > NHWC:
		return fmt.Errorf("pool2d: unknown kind %d or layout %d", p.Kind, p.Layout)
	case len(in) < p.N*p.C*p.H*p.W:
		return fmt.Errorf("pool2d: input has %d elements, need %d", len(in), p.N*p.C*p.H*p.W)
	case len(out) < p.N*p.C*p.OutH*p.OutW:
		return fmt.Errorf("pool2d: output has %d elements, need %d", len(out), p.N*p.C*p.OutH*p.OutW)
	}
	if p.Layout == NHWC {
		ib := getFloats(p.N * p.C * p.H * p.W)
		ob := getFloats(p.N * p.C * p.OutH * p.OutW)
		defer putFloats(ib)
		defer putFloats(ob)
		transposeNHWCToNCHW(*ib, in, p.N, p.H*p.W, p.C)
		pool2DNCHW(p, *ib, *ob)
		transposeNCHWToNHWC(out, *ob, p.N, p.OutH*p.OutW, p.C)
		return nil
	}
	pool2DNCHW(p, in, out)
	return nil
}

// tapRange returns the taps t in [0,k) with lo <= start + t·dil < hi.
func tapRange(start, k, dil, lo, hi int) (int, int) {
	t0 := 0
	if start < lo {
		t0 = (lo - start + dil - 1) / dil
	}
	t1 := k
	if last := start + (k-1)*dil; last >= hi {
		if start >= hi {
			return t0, t0
		}
		t1 = (hi-1-start)/dil + 1
	}
	if t1 < t0 {
		t1 = t0
	}
	return t0, t1
}

func pool2DNCHW(p Pool2DParams, in, out []float32) {
	hw, ohw := p.H*p.W, p.OutH*p.OutW
	ParallelFor(p.N*p.C, max(1, 4096/max(ohw*p.KH*p.KW, 1)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			plane := in[nc*hw : (nc+1)*hw]
			dst := out[nc*ohw : (nc+1)*ohw]
			for y := 0; y < p.OutH; y++ {
				sy := y*p.StrideH - p.PadTop
				i0, i1 := tapRange(sy, p.KH, p.DilationH, 0, p.H)
				for x := 0; x < p.OutW; x++ {
					sx := x*p.StrideW - p.PadLeft
					j0, j1 := tapRange(sx, p.KW, p.DilationW, 0, p.W)
					var r float32
					switch p.Kind {
					case MaxPool:
						r = float32(math.Inf(-1))
						for i := i0; i < i1; i++ {
							row := plane[(sy+i*p.DilationH)*p.W:]
							for j := j0; j < j1; j++ {
								if v := row[sx+j*p.DilationW]; v > r || v != v {
									r = v
									if v != v {
										i, j = i1, j1 // NaN wins
									}
								}
							}
						}
						if i0 == i1 || j0 == j1 {
							r = 0
						}
					case AveragePool:
						var s float32
						for i := i0; i < i1; i++ {
							row := plane[(sy+i*p.DilationH)*p.W:]
							for j := j0; j < j1; j++ {
								s += row[sx+j*p.DilationW]
							}
						}
						count := (i1 - i0) * (j1 - j0)
						if p.CountIncludePad {
							a0, a1 := tapRange(sy, p.KH, p.DilationH, -p.PadTop, p.H+p.PadBottom)
							b0, b1 := tapRange(sx, p.KW, p.DilationW, -p.PadLeft, p.W+p.PadRight)
							count = (a1 - a0) * (b1 - b0)
						}
						if count > 0 {
							r = s / float32(count)
						}
					case L2Pool:
						var s float32
						for i := i0; i < i1; i++ {
							row := plane[(sy+i*p.DilationH)*p.W:]
							for j := j0; j < j1; j++ {
								v := row[sx+j*p.DilationW]
								s += v * v
							}
						}
						r = float32(math.Sqrt(float64(s)))
					}
					dst[y*p.OutW+x] = r
				}
			}
		}
	})
}
