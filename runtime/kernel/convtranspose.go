package kernel

import "fmt"

// ConvTranspose2DParams describes a 2-D transposed convolution (the gradient
// of Conv2D with respect to its input). Filter is [C, OutC/Groups, KH, KW]
// (IOHW, the ONNX and WebNN default; HWOI and OHWI are also accepted).
// The output size is (H−1)·stride + (KH−1)·dilation + 1 − pads + OutputPad.
type ConvTranspose2DParams struct {
	N, C, H, W                           int
	OutC                                 int
	KH, KW                               int
	StrideH, StrideW                     int
	DilationH, DilationW                 int
	PadTop, PadBottom, PadLeft, PadRight int
	OutputPadH, OutputPadW               int
	Groups                               int
	InputLayout                          Layout
	FilterLayout                         FilterLayout // IOHW (also the zero value), HWOI or OHWI
}

func (p *ConvTranspose2DParams) normalize() {
	p.StrideH = max(p.StrideH, 1)
	p.StrideW = max(p.StrideW, 1)
	p.DilationH = max(p.DilationH, 1)
	p.DilationW = max(p.DilationW, 1)
	p.Groups = max(p.Groups, 1)
	if p.FilterLayout == OIHW { // zero value: the default layout
		p.FilterLayout = IOHW
	}
}

// OutH returns the output height.
func (p ConvTranspose2DParams) OutH() int {
	p.normalize()
	return (p.H-1)*p.StrideH + (p.KH-1)*p.DilationH + 1 - p.PadTop - p.PadBottom + p.OutputPadH
}

// OutW returns the output width.
func (p ConvTranspose2DParams) OutW() int {
	p.normalize()
	return (p.W-1)*p.StrideW + (p.KW-1)*p.DilationW + 1 - p.PadLeft - p.PadRight + p.OutputPadW
}

// Validate checks the parameters and slice lengths: in N·C·H·W, filter
// C·OutC/Groups·KH·KW, bias OutC (or nil), out N·OutC·OutH·OutW.
func (p ConvTranspose2DParams) Validate(in, filter, bias, out []float32) error {
	p.normalize()
	switch {
	case p.N < 0 || p.C < 1 || p.H < 1 || p.W < 1 || p.OutC < 1 || p.KH < 1 || p.KW < 1:
		return fmt.Errorf("convTranspose2d: bad sizes N=%d C=%d H=%d W=%d outC=%d kernel=%dx%d", p.N, p.C, p.H, p.W, p.OutC, p.KH, p.KW)
	case p.PadTop < 0 || p.PadBottom < 0 || p.PadLeft < 0 || p.PadRight < 0 || p.OutputPadH < 0 || p.OutputPadW < 0:
		return fmt.Errorf("convTranspose2d: negative padding")
	case p.C%p.Groups != 0 || p.OutC%p.Groups != 0:
		return fmt.Errorf("convTranspose2d: channels in=%d out=%d not divisible by groups=%d", p.C, p.OutC, p.Groups)
	case p.FilterLayout != IOHW && p.FilterLayout != HWOI && p.FilterLayout != OHWI:
		return fmt.Errorf("convTranspose2d: filter layout %d not supported (want IOHW, HWOI or OHWI)", p.FilterLayout)
	case p.InputLayout > NHWC:
		return fmt.Errorf("convTranspose2d: unknown input layout %d", p.InputLayout)
	}
	oh, ow := p.OutH(), p.OutW()
	if oh < 1 || ow < 1 {
		return fmt.Errorf("convTranspose2d: output size %dx%d is empty", oh, ow)
	}
	if n := p.N * p.C * p.H * p.W; len(in) < n {
		return fmt.Errorf("convTranspose2d: input has %d elements, need %d", len(in), n)
	}
	if n := p.C * (p.OutC / p.Groups) * p.KH * p.KW; len(filter) < n {
		return fmt.Errorf("convTranspose2d: filter has %d elements, need %d", len(filter), n)
	}
	if bias != nil && len(bias) < p.OutC {
		return fmt.Errorf("convTranspose2d: bias has %d elements, need %d", len(bias), p.OutC)
	}
	if n := p.N * p.OutC * oh * ow; len(out) < n {
		return fmt.Errorf("convTranspose2d: output has %d elements, need %d", len(out), n)
	}
	return nil
}

// ConvTranspose2D computes
//
//	out[n,o,y,x] = bias[o] + Σ in[n,c,iy,ix]·filter[c,o%og,i,j] over y = iy·sh − pt + i·dh, x = ix·sw − pl + j·dw
//
// for c in o's group, as a GEMM (filterᵀ·input) followed by col2im.
func ConvTranspose2D(p ConvTranspose2DParams, in, filter, bias, out []float32) error {
	p.normalize()
	if err := p.Validate(in, filter, bias, out); err != nil {
		return err
	}
	oh, ow := p.OutH(), p.OutW()
	og := p.OutC / p.Groups
	if p.N == 0 {
		return nil
	}
	if p.FilterLayout != IOHW {
		buf := getFloats(p.C * og * p.KH * p.KW)
		defer putFloats(buf)
		f := *buf
		for c := 0; c < p.C; c++ {
			for o := 0; o < og; o++ {
				for i := 0; i < p.KH; i++ {
					for j := 0; j < p.KW; j++ {
						var s int
						if p.FilterLayout == HWOI {
							s = ((i*p.KW+j)*og+o)*p.C + c
						} else { // OHWI
							s = ((o*p.KH+i)*p.KW+j)*p.C + c
						}
						f[((c*og+o)*p.KH+i)*p.KW+j] = filter[s]
					}
				}
			}
		}
		filter = f
	}
	if p.InputLayout == NHWC {
		ib := getFloats(p.N * p.C * p.H * p.W)
		ob := getFloats(p.N * p.OutC * oh * ow)
		defer putFloats(ib)
		defer putFloats(ob)
		transposeNHWCToNCHW(*ib, in, p.N, p.H*p.W, p.C)
		convTranspose2DNCHW(p, *ib, filter, bias, *ob, oh, ow)
		transposeNCHWToNHWC(out, *ob, p.N, oh*ow, p.OutC)
		return nil
	}
	convTranspose2DNCHW(p, in, filter, bias, out, oh, ow)
	return nil
}

func convTranspose2DNCHW(p ConvTranspose2DParams, in, filter, bias, out []float32, oh, ow int) {
	cg, og := p.C/p.Groups, p.OutC/p.Groups
	hw, ohw := p.H*p.W, oh*ow
	rows := og * p.KH * p.KW
	cb := getFloats(rows * hw)
	defer putFloats(cb)
	col := *cb
	for n := 0; n < p.N; n++ {
		for g := 0; g < p.Groups; g++ {
			src := in[(n*p.C+g*cg)*hw : (n*p.C+(g+1)*cg)*hw]
			w := filter[g*cg*rows : (g+1)*cg*rows] // [cg, og·KH·KW]
			Sgemm(true, false, rows, hw, cg, 1, w, rows, src, hw, 0, col, hw)
			dst := out[(n*p.OutC+g*og)*ohw : (n*p.OutC+(g+1)*og)*ohw]
			ParallelFor(og, 1, func(lo, hi int) {
				for o := lo; o < hi; o++ {
					plane := dst[o*ohw : (o+1)*ohw]
					var b float32
					if bias != nil {
						b = bias[g*og+o]
					}
					fill(plane, b)
					for i := 0; i < p.KH; i++ {
						for j := 0; j < p.KW; j++ {
							crow := col[((o*p.KH+i)*p.KW+j)*hw : ((o*p.KH+i)*p.KW+j+1)*hw]
							for iy := 0; iy < p.H; iy++ {
								y := iy*p.StrideH - p.PadTop + i*p.DilationH
								if y < 0 || y >= oh {
									continue
								}
								for ix := 0; ix < p.W; ix++ {
									x := ix*p.StrideW - p.PadLeft + j*p.DilationW
									if x >= 0 && x < ow {
										plane[y*ow+x] += crow[iy*p.W+ix]
									}
								}
							}
						}
					}
				}
			})
		}
	}
}
