package kernel

import "fmt"

// Layout names the memory order of a 4-D activation tensor.
type Layout uint8

const (
	NCHW Layout = iota // batch, channels, height, width (ONNX and WebNN default)
	NHWC               // batch, height, width, channels
)

// FilterLayout names the memory order of a convolution filter, as WebNN
// spells them: O = output channels, I = input channels per group.
type FilterLayout uint8

const (
	OIHW FilterLayout = iota // conv2d default (ONNX)
	HWIO
	OHWI
	IHWO
	IOHW // convTranspose2d default (ONNX ConvTranspose): [C, OutC/Groups, KH, KW]
	HWOI
)

// Conv2DParams describes a 2-D convolution. Zero strides and dilations mean
// 1; zero Groups means 1. Filter is [OutC, C/Groups, KH, KW] in OIHW order
// (or the same dimensions permuted as FilterLayout says).
type Conv2DParams struct {
	N, C, H, W                           int // input batch, channels, height, width
	OutC                                 int // output channels
	KH, KW                               int // filter height, width
	StrideH, StrideW                     int
	DilationH, DilationW                 int
	PadTop, PadBottom, PadLeft, PadRight int
	Groups                               int
	InputLayout                          Layout       // layout of in and out
	FilterLayout                         FilterLayout // layout of filter
}

func (p *Conv2DParams) normalize() {
	p.StrideH = max(p.StrideH, 1)
	p.StrideW = max(p.StrideW, 1)
	p.DilationH = max(p.DilationH, 1)
	p.DilationW = max(p.DilationW, 1)
	p.Groups = max(p.Groups, 1)
}

// OutH returns the output height: floor((H + pads − dilated kernel) / stride) + 1.
func (p Conv2DParams) OutH() int {
	p.normalize()
	return convOutSize(p.H, p.KH, p.StrideH, p.DilationH, p.PadTop, p.PadBottom)
}

// OutW returns the output width.
func (p Conv2DParams) OutW() int {
	p.normalize()
	return convOutSize(p.W, p.KW, p.StrideW, p.DilationW, p.PadLeft, p.PadRight)
}

func convOutSize(in, k, stride, dil, pad0, pad1 int) int {
	span := in + pad0 + pad1 - (dil*(k-1) + 1)
	if span < 0 {
		return 0
	}
	return span/stride + 1
}

// Validate reports whether the parameters are consistent and the slices
// long enough: in N·C·H·W, filter OutC·C/Groups·KH·KW, bias OutC (or nil),
// out N·OutC·OutH·OutW.
func (p Conv2DParams) Validate(in, filter, bias, out []float32) error {
	p.normalize()
	switch {
	case p.N < 0 || p.C < 1 || p.H < 0 || p.W < 0 || p.OutC < 1 || p.KH < 1 || p.KW < 1:
		return fmt.Errorf("conv2d: bad sizes N=%d C=%d H=%d W=%d outC=%d kernel=%dx%d", p.N, p.C, p.H, p.W, p.OutC, p.KH, p.KW)
	case p.PadTop < 0 || p.PadBottom < 0 || p.PadLeft < 0 || p.PadRight < 0:
		return fmt.Errorf("conv2d: negative padding [%d %d %d %d]", p.PadTop, p.PadBottom, p.PadLeft, p.PadRight)
	case p.C%p.Groups != 0 || p.OutC%p.Groups != 0:
		return fmt.Errorf("conv2d: channels in=%d out=%d not divisible by groups=%d", p.C, p.OutC, p.Groups)
	case p.InputLayout > NHWC || p.FilterLayout > IHWO:
		return fmt.Errorf("conv2d: unknown layout %d/%d", p.InputLayout, p.FilterLayout)
	}
	oh, ow := p.OutH(), p.OutW()
	if n := p.N * p.C * p.H * p.W; len(in) < n {
		return fmt.Errorf("conv2d: input has %d elements, need %d", len(in), n)
	}
	if n := p.OutC * (p.C / p.Groups) * p.KH * p.KW; len(filter) < n {
		return fmt.Errorf("conv2d: filter has %d elements, need %d", len(filter), n)
	}
	if bias != nil && len(bias) < p.OutC {
		return fmt.Errorf("conv2d: bias has %d elements, need %d", len(bias), p.OutC)
	}
	if n := p.N * p.OutC * oh * ow; len(out) < n {
		return fmt.Errorf("conv2d: output has %d elements, need %d", len(out), n)
	}
	return nil
}

// Conv2D computes out = conv(in, filter) + bias (bias may be nil):
//
//	out[n,o,y,x] = bias[o] + Σ_{c in group(o), i, j} in[n,c,y·sh−pt+i·dh, x·sw−pl+j·dw]·filter[o,c,i,j]
//
// with out-of-range input positions counting as zero. 1×1 convolutions are a
// single GEMM, depthwise convolutions (Groups == C == OutC) run a direct
// loop, everything else goes through im2col + GEMM.
func Conv2D(p Conv2DParams, in, filter, bias, out []float32) error {
	p.normalize()
	if err := p.Validate(in, filter, bias, out); err != nil {
		return err
	}
	oh, ow := p.OutH(), p.OutW()
	if p.N == 0 || oh == 0 || ow == 0 {
		return nil
	}
	if p.FilterLayout != OIHW {
		buf := getFloats(p.OutC * (p.C / p.Groups) * p.KH * p.KW)
		defer putFloats(buf)
		filterToOIHW(*buf, filter, p.FilterLayout, p.OutC, p.C/p.Groups, p.KH, p.KW)
		filter = *buf
		p.FilterLayout = OIHW
	}
	if p.InputLayout == NHWC {
		ib := getFloats(p.N * p.C * p.H * p.W)
		ob := getFloats(p.N * p.OutC * oh * ow)
		defer putFloats(ib)
		defer putFloats(ob)
		transposeNHWCToNCHW(*ib, in, p.N, p.H*p.W, p.C)
		q := p
		q.InputLayout = NCHW
		conv2DNCHW(q, *ib, filter, bias, *ob, oh, ow)
		transposeNCHWToNHWC(out, *ob, p.N, oh*ow, p.OutC)
		return nil
	}
	conv2DNCHW(p, in, filter, bias, out, oh, ow)
	return nil
}

func conv2DNCHW(p Conv2DParams, in, filter, bias, out []float32, oh, ow int) {
	cg, og := p.C/p.Groups, p.OutC/p.Groups
	if p.Groups == p.C && p.OutC == p.C {
		depthwiseConv2D(p, in, filter, bias, out, oh, ow)
		return
	}
	hw, ohw := p.H*p.W, oh*ow
	kdim := cg * p.KH * p.KW
	pointwise := p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadTop == 0 && p.PadBottom == 0 && p.PadLeft == 0 && p.PadRight == 0
	var col []float32
	if !pointwise {
		cb := getFloats(kdim * ohw)
		defer putFloats(cb)
		col = *cb
	}
	for n := 0; n < p.N; n++ {
		for g := 0; g < p.Groups; g++ {
			src := in[(n*p.C+g*cg)*hw : (n*p.C+(g+1)*cg)*hw]
			dst := out[(n*p.OutC+g*og)*ohw : (n*p.OutC+(g+1)*og)*ohw]
			w := filter[g*og*kdim : (g+1)*og*kdim]
			b := src
			if !pointwise {
				im2col(col, src, cg, p, oh, ow)
				b = col
			}
			beta := float32(0)
			if bias != nil {
				for o := 0; o < og; o++ {
					fill(dst[o*ohw:(o+1)*ohw], bias[g*og+o])
				}
				beta = 1
			}
			Sgemm(false, false, og, ohw, kdim, 1, w, kdim, b, ohw, beta, dst, ohw)
		}
	}
}

func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// im2col writes col[(c·KH+i)·KW+j, y·ow+x] = in[c, y·sh−pt+i·dh, x·sw−pl+j·dw]
// (zero outside the input) for the cg channels of src.
func im2col(col, src []float32, cg int, p Conv2DParams, oh, ow int) {
	ohw := oh * ow
	rows := cg * p.KH * p.KW
	ParallelFor(rows, max(1, 8192/max(ohw, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			c := r / (p.KH * p.KW)
			i := r / p.KW % p.KH
			j := r % p.KW
			plane := src[c*p.H*p.W : (c+1)*p.H*p.W]
			dst := col[r*ohw : (r+1)*ohw]
			for y := 0; y < oh; y++ {
				iy := y*p.StrideH - p.PadTop + i*p.DilationH
				row := dst[y*ow : (y+1)*ow]
				if iy < 0 || iy >= p.H {
					clear(row)
					continue
				}
				srow := plane[iy*p.W : (iy+1)*p.W]
				x0 := p.PadLeft - j*p.DilationW
				if p.StrideW == 1 {
					// Contiguous: ix = x − x0 for x in [x0, x0+W).
					lo := min(max(x0, 0), ow)
					hi := min(max(x0+p.W, 0), ow)
					clear(row[:lo])
					if hi > lo {
						copy(row[lo:hi], srow[lo-x0:hi-x0])
					}
					clear(row[max(hi, lo):])
					continue
				}
				for x := range row {
					ix := x*p.StrideW - x0
					if ix >= 0 && ix < p.W {
						row[x] = srow[ix]
					} else {
						row[x] = 0
					}
				}
			}
		}
	})
}

// depthwiseConv2D handles Groups == C == OutC: one KH×KW filter per channel.
// Each channel plane is first copied into a zero-padded buffer split into
// stride phases (phase r of a row holds columns r, r+s, r+2s, …), so every
// filter tap becomes a contiguous multiply-add over a whole output row with
// no bounds checks, whatever the padding, stride and dilation.
func depthwiseConv2D(p Conv2DParams, in, filter, bias, out []float32, oh, ow int) {
	hw, ohw := p.H*p.W, oh*ow
	sh, sw, dh, dw := p.StrideH, p.StrideW, p.DilationH, p.DilationW
	// Padded rows needed: up to the last tap of the last output row.
	hp := (oh-1)*sh + (p.KH-1)*dh + 1
	// Phase length: every tap reads ow elements from offset (j·dw)/sw.
	wq := ow + ((p.KW-1)*dw)/sw + 1
	ParallelFor(p.N*p.C, 1, func(lo, hi int) {
		buf := getFloats(hp * sw * wq)
		defer putFloats(buf)
		padded := *buf
		for nc := lo; nc < hi; nc++ {
			c := nc % p.C
			plane := in[nc*hw : (nc+1)*hw]
			dst := out[nc*ohw : (nc+1)*ohw]
			w := filter[c*p.KH*p.KW : (c+1)*p.KH*p.KW]
			fillPhases(padded, plane, p, hp, wq)
			var b float32
			if bias != nil {
				b = bias[c]
			}
			fill(dst, b)
			for y := 0; y < oh; y++ {
				drow := dst[y*ow : (y+1)*ow]
				for i := 0; i < p.KH; i++ {
					prow := padded[(y*sh+i*dh)*sw*wq : (y*sh+i*dh+1)*sw*wq]
					taps := w[i*p.KW : (i+1)*p.KW]
					j := 0
					if useAsm {
						for ; j+3 <= p.KW; j += 3 {
							x0 := tapRow(prow, j, dw, sw, wq, ow)
							x1 := tapRow(prow, j+1, dw, sw, wq, ow)
							x2 := tapRow(prow, j+2, dw, sw, wq, ow)
							axpy3AVX2(ow, (*[3]float32)(taps[j:j+3]), &x0[0], &x1[0], &x2[0], &drow[0])
						}
					}
					for ; j < p.KW; j++ {
						axpy(taps[j], tapRow(prow, j, dw, sw, wq, ow), drow)
					}
				}
			}
		}
	})
}

// tapRow returns the ow inputs that filter column j multiplies for one
// output row, from a padded row stored as sw phases of wq elements.
func tapRow(prow []float32, j, dw, sw, wq, ow int) []float32 {
	off := j * dw
	r, q := off%sw, off/sw
	return prow[r*wq+q : r*wq+q+ow]
}

// fillPhases copies plane (H×W) into dst as hp padded rows, each split into
// sw phases of wq elements: dst[(y·sw + r)·wq + t] = input at padded row y,
// padded column t·sw + r (zero outside the input).
func fillPhases(dst, plane []float32, p Conv2DParams, hp, wq int) {
	sw := p.StrideW
	for y := 0; y < hp; y++ {
		row := dst[y*sw*wq : (y+1)*sw*wq]
		iy := y - p.PadTop
		if iy < 0 || iy >= p.H {
			clear(row)
			continue
		}
		src := plane[iy*p.W : (iy+1)*p.W]
		if sw == 1 {
			// Zero left pad, copy, zero the rest.
			lo := min(p.PadLeft, wq)
			clear(row[:lo])
			n := copy(row[lo:], src)
			clear(row[lo+n:])
			continue
		}
		for r := 0; r < sw; r++ {
			ph := row[r*wq : (r+1)*wq]
			// Valid t: 0 ≤ t·sw + r − PadLeft < W.
			t0 := 0
			if d := p.PadLeft - r; d > 0 {
				t0 = min((d+sw-1)/sw, wq)
			}
			t1 := t0
			if last := p.W - 1 + p.PadLeft - r; last >= 0 {
				t1 = max(t0, min(wq, last/sw+1))
			}
			clear(ph[:t0])
			ix := t0*sw + r - p.PadLeft
			for t := t0; t < t1; t++ {
				ph[t] = src[ix]
				ix += sw
			}
			clear(ph[t1:])
		}
	}
}

// filterToOIHW permutes a filter stored in layout l into OIHW order.
func filterToOIHW(dst, src []float32, l FilterLayout, o, i, kh, kw int) {
	for a := 0; a < o; a++ {
		for b := 0; b < i; b++ {
			for y := 0; y < kh; y++ {
				for x := 0; x < kw; x++ {
					var s int
					switch l {
					case HWIO:
						s = ((y*kw+x)*i+b)*o + a
					case OHWI:
						s = ((a*kh+y)*kw+x)*i + b
					case IHWO:
						s = ((b*kh+y)*kw+x)*o + a
					default:
						s = ((a*i+b)*kh+y)*kw + x
					}
					dst[((a*i+b)*kh+y)*kw+x] = src[s]
				}
			}
		}
	}
}

// transposeNHWCToNCHW permutes n images of hw pixels × c channels.
func transposeNHWCToNCHW(dst, src []float32, n, hw, c int) {
	for b := 0; b < n; b++ {
		Transpose2D(dst[b*hw*c:(b+1)*hw*c], src[b*hw*c:(b+1)*hw*c], hw, c)
	}
}

func transposeNCHWToNHWC(dst, src []float32, n, hw, c int) {
	for b := 0; b < n; b++ {
		Transpose2D(dst[b*hw*c:(b+1)*hw*c], src[b*hw*c:(b+1)*hw*c], c, hw)
	}
}

// Transpose2D writes the transpose of the rows×cols row-major matrix src
// into dst (cols×rows), in cache-sized tiles.
func Transpose2D(dst, src []float32, rows, cols int) {
	const tile = 32
	src = src[:rows*cols]
	dst = dst[:rows*cols]
	for r0 := 0; r0 < rows; r0 += tile {
		r1 := min(rows, r0+tile)
		for c0 := 0; c0 < cols; c0 += tile {
			c1 := min(cols, c0+tile)
			for r := r0; r < r1; r++ {
				for c := c0; c < c1; c++ {
					dst[c*rows+r] = src[r*cols+c]
				}
			}
		}
	}
}
