package webnn

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// matmul, gemm, conv2d, convTranspose2d and the pools: thin shells over the
// kernel package.

func init() {
	register("matmul", 2, 2, true, compileMatmul)
	register("gemm", 2, 3, true, compileGemm)
	register("conv2d", 2, 3, true, compileConv2d)
	register("convTranspose2d", 2, 3, true, compileConvTranspose2d)
	register("averagePool2d", 1, 1, true, compilePool(kernel.AveragePool, false))
	register("maxPool2d", 1, 1, true, compilePool(kernel.MaxPool, false))
	register("l2Pool2d", 1, 1, true, compilePool(kernel.L2Pool, false))
	register("globalAveragePool", 1, 1, true, compilePool(kernel.AveragePool, true))
	register("globalMaxPool", 1, 1, true, compilePool(kernel.MaxPool, true))
}

func f32(t *tensor.Tensor, what string) ([]float32, error) {
	d, ok := t.Data.([]float32)
	if !ok {
		return nil, fmt.Errorf("%s must be float32 or float16, got %v", what, t.DType)
	}
	return d, nil
}

func compileMatmul(nc *nodeCompiler) (kernelFn, error) {
	nc.st.takesViews = true
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(x.inViews) == 2 && (x.inViews[0] != nil || x.inViews[1] != nil) {
			va, vb := x.inViews[0], x.inViews[1]
			if va == nil {
				va = denseView(in[0])
			}
			if vb == nil {
				vb = denseView(in[1])
			}
			out, err := matmulViews(x, va, vb)
			if err != nil {
				return nil, err
			}
			return []*tensor.Tensor{out}, nil
		}
		a, b := in[0], in[1]
		if a.DType != b.DType {
			return nil, fmt.Errorf("a is %v, b is %v", a.DType, b.DType)
		}
		ad, err := f32(a, "a")
		if err != nil {
			return nil, err
		}
		bd, err := f32(b, "b")
		if err != nil {
			return nil, err
		}
		oshape, err := kernel.MatMulBroadcastShape(a.Shape, b.Shape)
		if err != nil {
			return nil, err
		}
		out := x.alloc(tensor.Float32, oshape)
		od := out.Data.([]float32)
		if err := kernel.MatMulBatched(ad, a.Shape, bd, b.Shape, od); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileGemm(nc *nodeCompiler) (kernelFn, error) {
	ci, err := nc.operand(2, "c")
	if err != nil {
		return nil, err
	}
	alpha, err := nc.optFloat(1, "alpha")
	if err != nil {
		return nil, err
	}
	beta, err := nc.optFloat(1, "beta")
	if err != nil {
		return nil, err
	}
	ta, err := nc.optBool(false, "aTranspose", "a_transpose", "transA")
	if err != nil {
		return nil, err
	}
	tb, err := nc.optBool(false, "bTranspose", "b_transpose", "transB")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b := in[0], in[1]
		if len(a.Shape) != 2 || len(b.Shape) != 2 {
			return nil, fmt.Errorf("a %v and b %v must be 2-D", a.Shape, b.Shape)
		}
		ad, err := f32(a, "a")
		if err != nil {
			return nil, err
		}
		bd, err := f32(b, "b")
		if err != nil {
			return nil, err
		}
		m, k := a.Shape[0], a.Shape[1]
		if ta {
			m, k = k, m
		}
		k2, n := b.Shape[0], b.Shape[1]
		if tb {
			k2, n = n, k2
		}
		if k != k2 {
			return nil, fmt.Errorf("inner dimensions differ: %v × %v", a.Shape, b.Shape)
		}
		out := x.alloc(tensor.Float32, []int{m, n})
		od := out.Data.([]float32)
		cb := float32(0)
		if ci >= 0 && in[ci] != nil && beta != 0 {
			c := in[ci]
			cd, err := f32(c, "c")
			if err != nil {
				return nil, err
			}
			if err := unidirectional(c.Shape, out.Shape); err != nil {
				return nil, fmt.Errorf("c: %w", err)
			}
			bc := float32(beta)
			binaryLoop(od, od, cd, out.Shape, c.Shape, out.Shape, func(_, c float32) float32 { return bc * c })
			cb = 1
		}
		kernel.Sgemm(ta, tb, m, n, k, float32(alpha), ad, a.Shape[1], bd, b.Shape[1], cb, od, n)
		return []*tensor.Tensor{out}, nil
	}, nil
}

func pair(nc *nodeCompiler, def [2]int, keys ...string) ([2]int, error) {
	l, ok, err := nc.optInts(keys...)
	if err != nil || !ok {
		return def, err
	}
	if len(l) != 2 {
		return def, fmt.Errorf("option %s must have 2 values, got %v", keys[0], l)
	}
	return [2]int{l[0], l[1]}, nil
}

func quad(nc *nodeCompiler, keys ...string) ([4]int, error) {
	l, ok, err := nc.optInts(keys...)
	if err != nil || !ok {
		return [4]int{}, err
	}
	if len(l) != 4 {
		return [4]int{}, fmt.Errorf("option %s must have 4 values, got %v", keys[0], l)
	}
	return [4]int{l[0], l[1], l[2], l[3]}, nil
}

type convOpts struct {
	pad                [4]int
	strides, dilations [2]int
	groups             int
	nhwc               bool
	filterLayout       kernel.FilterLayout
	biasIdx            int
}

func readConvOpts(nc *nodeCompiler, transpose bool) (*convOpts, error) {
	o := &convOpts{}
	var err error
	if o.pad, err = quad(nc, "padding", "pads"); err != nil {
		return nil, err
	}
	if o.strides, err = pair(nc, [2]int{1, 1}, "strides"); err != nil {
		return nil, err
	}
	if o.dilations, err = pair(nc, [2]int{1, 1}, "dilations"); err != nil {
		return nil, err
	}
	g, err := nc.optInt(1, "groups")
	if err != nil {
		return nil, err
	}
	if g < 1 {
		return nil, fmt.Errorf("groups %d must be positive", g)
	}
	o.groups = int(g)
	layout, err := nc.optString("nchw", "inputLayout", "input_layout", "layout")
	if err != nil {
		return nil, err
	}
	switch layout {
	case "nchw":
	case "nhwc":
		o.nhwc = true
	default:
		return nil, fmt.Errorf("unknown inputLayout %q", layout)
	}
	def := "oihw"
	if transpose {
		def = "iohw"
	}
	fl, err := nc.optString(def, "filterLayout", "filter_layout")
	if err != nil {
		return nil, err
	}
	layouts := map[string]kernel.FilterLayout{"oihw": kernel.OIHW, "hwio": kernel.HWIO, "ohwi": kernel.OHWI, "ihwo": kernel.IHWO}
	if transpose {
		layouts = map[string]kernel.FilterLayout{"iohw": kernel.IOHW, "hwoi": kernel.HWOI, "ohwi": kernel.OHWI}
	}
	l, ok := layouts[fl]
	if !ok {
		return nil, fmt.Errorf("unknown filterLayout %q", fl)
	}
	o.filterLayout = l
	if o.biasIdx, err = nc.operand(2, "bias"); err != nil {
		return nil, err
	}
	return o, nil
}

// nchwDims reads N, C, H, W from a 4-D activation shape.
func nchwDims(s []int, nhwc bool) (n, c, h, w int) {
	if nhwc {
		return s[0], s[3], s[1], s[2]
	}
	return s[0], s[1], s[2], s[3]
}

func outShape4(n, c, h, w int, nhwc bool) []int {
	if nhwc {
		return []int{n, h, w, c}
	}
	return []int{n, c, h, w}
}

// convOperands checks that a convolution's input and filter are 4-D and
// returns their float32 data and the optional bias (nil when absent).
func convOperands(o *convOpts, in []*tensor.Tensor) (td, fd, bias []float32, err error) {
	t, f := in[0], in[1]
	if len(t.Shape) != 4 || len(f.Shape) != 4 {
		return nil, nil, nil, fmt.Errorf("input %v and filter %v must be 4-D", t.Shape, f.Shape)
	}
	if td, err = f32(t, "input"); err != nil {
		return nil, nil, nil, err
	}
	if fd, err = f32(f, "filter"); err != nil {
		return nil, nil, nil, err
	}
	if o.biasIdx >= 0 && in[o.biasIdx] != nil {
		if bias, err = f32(in[o.biasIdx], "bias"); err != nil {
			return nil, nil, nil, err
		}
	}
	return td, fd, bias, nil
}

func compileConv2d(nc *nodeCompiler) (kernelFn, error) {
	o, err := readConvOpts(nc, false)
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, f := in[0], in[1]
		td, fd, bias, err := convOperands(o, in)
		if err != nil {
			return nil, err
		}
		n, c, h, w := nchwDims(t.Shape, o.nhwc)
		fs := f.Shape
		var outC, fi, kh, kw int
		switch o.filterLayout {
		case kernel.OIHW:
			outC, fi, kh, kw = fs[0], fs[1], fs[2], fs[3]
		case kernel.HWIO:
			kh, kw, fi, outC = fs[0], fs[1], fs[2], fs[3]
		case kernel.OHWI:
			outC, kh, kw, fi = fs[0], fs[1], fs[2], fs[3]
		case kernel.IHWO:
			fi, kh, kw, outC = fs[0], fs[1], fs[2], fs[3]
		}
		if fi*o.groups != c {
			return nil, fmt.Errorf("filter %v has %d input channels per group, input has %d channels in %d groups", fs, fi, c, o.groups)
		}
		if bias != nil && len(bias) != outC {
			return nil, fmt.Errorf("bias has %d elements, filter has %d output channels", len(bias), outC)
		}
		p := kernel.Conv2DParams{N: n, C: c, H: h, W: w, OutC: outC, KH: kh, KW: kw,
			StrideH: o.strides[0], StrideW: o.strides[1], DilationH: o.dilations[0], DilationW: o.dilations[1],
			PadTop: o.pad[0], PadBottom: o.pad[1], PadLeft: o.pad[2], PadRight: o.pad[3],
			Groups: o.groups, FilterLayout: o.filterLayout}
		if o.nhwc {
			p.InputLayout = kernel.NHWC
		}
		oh, ow := p.OutH(), p.OutW()
		if oh < 1 || ow < 1 {
			return nil, fmt.Errorf("output size %dx%d is empty", oh, ow)
		}
		out := x.alloc(tensor.Float32, outShape4(n, outC, oh, ow, o.nhwc))
		if err := kernel.Conv2D(p, td, fd, bias, out.Data.([]float32)); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileConvTranspose2d(nc *nodeCompiler) (kernelFn, error) {
	o, err := readConvOpts(nc, true)
	if err != nil {
		return nil, err
	}
	outPad, err := pair(nc, [2]int{0, 0}, "outputPadding", "output_padding")
	if err != nil {
		return nil, err
	}
	sizes, hasSizes, err := nc.optInts("outputSizes", "output_sizes")
	if err != nil {
		return nil, err
	}
	if hasSizes && len(sizes) != 2 {
		return nil, fmt.Errorf("outputSizes must have 2 values, got %v", sizes)
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, f := in[0], in[1]
		td, fd, bias, err := convOperands(o, in)
		if err != nil {
			return nil, err
		}
		n, c, h, w := nchwDims(t.Shape, o.nhwc)
		fs := f.Shape
		var og, fi, kh, kw int
		switch o.filterLayout {
		case kernel.IOHW:
			fi, og, kh, kw = fs[0], fs[1], fs[2], fs[3]
		case kernel.HWOI:
			kh, kw, og, fi = fs[0], fs[1], fs[2], fs[3]
		case kernel.OHWI:
			og, kh, kw, fi = fs[0], fs[1], fs[2], fs[3]
		}
		if fi != c {
			return nil, fmt.Errorf("filter %v has %d input channels, input has %d", fs, fi, c)
		}
		outC := og * o.groups
		if bias != nil && len(bias) != outC {
			return nil, fmt.Errorf("bias has %d elements, output has %d channels", len(bias), outC)
		}
		p := kernel.ConvTranspose2DParams{N: n, C: c, H: h, W: w, OutC: outC, KH: kh, KW: kw,
			StrideH: o.strides[0], StrideW: o.strides[1], DilationH: o.dilations[0], DilationW: o.dilations[1],
			PadTop: o.pad[0], PadBottom: o.pad[1], PadLeft: o.pad[2], PadRight: o.pad[3],
			OutputPadH: outPad[0], OutputPadW: outPad[1], Groups: o.groups, FilterLayout: o.filterLayout}
		if o.nhwc {
			p.InputLayout = kernel.NHWC
		}
		if hasSizes {
			p.OutputPadH, p.OutputPadW = 0, 0
			bh, bw := p.OutH(), p.OutW()
			p.OutputPadH, p.OutputPadW = sizes[0]-bh, sizes[1]-bw
			if p.OutputPadH < 0 || p.OutputPadW < 0 || p.OutputPadH >= p.StrideH || p.OutputPadW >= p.StrideW {
				return nil, fmt.Errorf("outputSizes %v not reachable from computed %dx%d with strides %v", sizes, bh, bw, o.strides)
			}
		}
		oh, ow := p.OutH(), p.OutW()
		if oh < 1 || ow < 1 {
			return nil, fmt.Errorf("output size %dx%d is empty", oh, ow)
		}
		out := x.alloc(tensor.Float32, outShape4(n, outC, oh, ow, o.nhwc))
		if err := kernel.ConvTranspose2D(p, td, fd, bias, out.Data.([]float32)); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// maxPoolWork bounds a windowed pooling's steps (outputs × window
// elements): a 2^11×2^11 window over as many outputs is 2^44 steps from a
// few bytes of graph. Real pooling stays orders of magnitude below; global
// pooling, linear in its input, is not bounded by it.
const maxPoolWork = 1 << 31

func compilePool(kind kernel.PoolKind, global bool) func(nc *nodeCompiler) (kernelFn, error) {
	return func(nc *nodeCompiler) (kernelFn, error) {
		window, hasWindow, err := nc.optInts("windowDimensions", "window_dimensions", "kernelShape")
		if err != nil {
			return nil, err
		}
		if hasWindow && len(window) != 2 {
			return nil, fmt.Errorf("windowDimensions must have 2 values, got %v", window)
		}
		pad, err := quad(nc, "padding", "pads")
		if err != nil {
			return nil, err
		}
		strides, err := pair(nc, [2]int{1, 1}, "strides")
		if err != nil {
			return nil, err
		}
		dil, err := pair(nc, [2]int{1, 1}, "dilations")
		if err != nil {
			return nil, err
		}
		layout, err := nc.optString("nchw", "layout", "inputLayout")
		if err != nil {
			return nil, err
		}
		if layout != "nchw" && layout != "nhwc" {
			return nil, fmt.Errorf("unknown layout %q", layout)
		}
		rounding, err := nc.optString("floor", "outputShapeRounding", "roundingType", "rounding_type")
		if err != nil {
			return nil, err
		}
		if rounding != "floor" && rounding != "ceil" {
			return nil, fmt.Errorf("unknown outputShapeRounding %q", rounding)
		}
		sizes, hasSizes, err := nc.optInts("outputSizes", "output_sizes")
		if err != nil {
			return nil, err
		}
		if hasSizes && len(sizes) != 2 {
			return nil, fmt.Errorf("outputSizes must have 2 values, got %v", sizes)
		}
		nhwc := layout == "nhwc"
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			t := in[0]
			if len(t.Shape) != 4 {
				return nil, fmt.Errorf("input %v must be 4-D", t.Shape)
			}
			td, isF32 := t.Data.([]float32)
			if !isF32 && kind != kernel.MaxPool {
				return nil, fmt.Errorf("input must be float32 or float16, got %v", t.DType)
			}
			n, c, h, w := nchwDims(t.Shape, nhwc)
			kh, kw := h, w
			if hasWindow && !global {
				kh, kw = window[0], window[1]
			}
			p := kernel.Pool2DParams{Kind: kind, N: n, C: c, H: h, W: w, KH: kh, KW: kw,
				StrideH: strides[0], StrideW: strides[1], DilationH: dil[0], DilationW: dil[1],
				PadTop: pad[0], PadBottom: pad[1], PadLeft: pad[2], PadRight: pad[3]}
			if global {
				p = kernel.Pool2DParams{Kind: kind, N: n, C: c, H: h, W: w, KH: h, KW: w}
			}
			if nhwc {
				p.Layout = kernel.NHWC
			}
			outSize := func(size, k, s, d, p0, p1 int) int {
				span := size + p0 + p1 - ((k-1)*d + 1)
				if span < 0 {
					return 0
				}
				if rounding == "ceil" {
					return (span+s-1)/s + 1
				}
				return span/s + 1
			}
			p.OutH = outSize(h, kh, max(p.StrideH, 1), max(p.DilationH, 1), p.PadTop, p.PadBottom)
			p.OutW = outSize(w, kw, max(p.StrideW, 1), max(p.DilationW, 1), p.PadLeft, p.PadRight)
			if hasSizes && !global {
				p.OutH, p.OutW = sizes[0], sizes[1]
			}
			if p.OutH < 1 || p.OutW < 1 {
				return nil, fmt.Errorf("window %dx%d larger than padded input %dx%d", kh, kw, h, w)
			}
			if work, ok := checked.ProductOf(n, c, p.OutH, p.OutW, kh, kw); !global && (!ok || work > maxPoolWork) {
				return nil, fmt.Errorf("a %dx%d window over %dx%d outputs of %d channels is more than %d steps (a window this large is no real model's pooling)", kh, kw, p.OutH, p.OutW, n*c, maxPoolWork)
			}
			if !isF32 {
				out := x.alloc(t.DType, outShape4(n, c, p.OutH, p.OutW, nhwc))
				if err := maxPoolAny(p, nhwc, t, out); err != nil {
					return nil, err
				}
				return []*tensor.Tensor{out}, nil
			}
			out := x.alloc(tensor.Float32, outShape4(n, c, p.OutH, p.OutW, nhwc))
			if err := kernel.Pool2D(p, td, out.Data.([]float32)); err != nil {
				return nil, err
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

// maxPoolAny is max pooling for the integer types (maxPool2d accepts any
// data type; the kernel package pools float32 only).
func maxPoolAny(p kernel.Pool2DParams, nhwc bool, in, out *tensor.Tensor) error {
	switch d := in.Data.(type) {
	case []int8:
		maxPoolLoop(p, nhwc, d, out.Data.([]int8))
	case []uint8:
		maxPoolLoop(p, nhwc, d, out.Data.([]uint8))
	case []int32:
		maxPoolLoop(p, nhwc, d, out.Data.([]int32))
	case []uint32:
		maxPoolLoop(p, nhwc, d, out.Data.([]uint32))
	case []int64:
		maxPoolLoop(p, nhwc, d, out.Data.([]int64))
	case []uint64:
		maxPoolLoop(p, nhwc, d, out.Data.([]uint64))
	default:
		return fmt.Errorf("unsupported data type %v", in.DType)
	}
	return nil
}

func maxPoolLoop[T integer](p kernel.Pool2DParams, nhwc bool, src, dst []T) {
	sh, sw := max(p.StrideH, 1), max(p.StrideW, 1)
	dh, dw := max(p.DilationH, 1), max(p.DilationW, 1)
	at := func(b, ch, y, x, hh, ww int) int {
		if nhwc {
			return ((b*hh+y)*ww+x)*p.C + ch
		}
		return ((b*p.C+ch)*hh+y)*ww + x
	}
	for b := 0; b < p.N; b++ {
		for ch := 0; ch < p.C; ch++ {
			for oy := 0; oy < p.OutH; oy++ {
				for ox := 0; ox < p.OutW; ox++ {
					var best T
					found := false
					for i := 0; i < p.KH; i++ {
						y := oy*sh - p.PadTop + i*dh
						if y < 0 || y >= p.H {
							continue
						}
						for j := 0; j < p.KW; j++ {
							x := ox*sw - p.PadLeft + j*dw
							if x < 0 || x >= p.W {
								continue
							}
							v := src[at(b, ch, y, x, p.H, p.W)]
							if !found || v > best {
								best, found = v, true
							}
						}
					}
					dst[at(b, ch, oy, ox, p.OutH, p.OutW)] = best
				}
			}
		}
	}
}
