package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Conv, ConvTranspose, ConvInteger and QLinearConv over any number of
// spatial dims (im2col / col2im around a GEMM), with auto_pad, groups,
// strides and dilations.

func init() {
	register("", "Conv", 1, buildConv)
	register("", "ConvTranspose", 1, buildConvTranspose)
	register("", "ConvInteger", 10, buildConvInteger)
	register("", "QLinearConv", 10, buildQLinearConv)
}

// windowAttrs are the attributes Conv and the pools share.
type windowAttrs struct {
	autoPad   string
	kernel    []int64
	strides   []int64
	dilations []int64
	pads      []int64
	ceil      bool
}

func readWindowAttrs(n *node) windowAttrs {
	return windowAttrs{
		autoPad:   n.s("auto_pad", "NOTSET"),
		kernel:    n.ints("kernel_shape"),
		strides:   n.ints("strides"),
		dilations: n.ints("dilations"),
		pads:      n.ints("pads"),
		ceil:      n.i("ceil_mode", 0) == 1,
	}
}

// maxWindowAttr bounds kernel sizes, strides, dilations and pads: far
// beyond any real model, and small enough that the window arithmetic on
// tensor dims cannot overflow.
const maxWindowAttr = 1 << 31

// check validates the attributes for r spatial dims (ONNX: kernel_shape,
// strides and dilations at least 1, pads at least 0, one per dim), naming
// the attribute that breaks a rule.
func (w windowAttrs) check(r int) error {
	for _, a := range []struct {
		name string
		v    []int64
		n    int
		min  int64
	}{
		{"kernel_shape", w.kernel, r, 1},
		{"strides", w.strides, r, 1},
		{"dilations", w.dilations, r, 1},
		{"pads", w.pads, 2 * r, 0},
	} {
		if err := checkAttrInts(a.name, a.v, a.n, a.min, maxWindowAttr); err != nil {
			return err
		}
	}
	return nil
}

// checkAttrInts checks an optional list attribute: n entries (n ≥ 0),
// each within [lo, hi].
func checkAttrInts(name string, v []int64, n int, lo, hi int64) error {
	if v == nil {
		return nil
	}
	if n >= 0 && len(v) != n {
		return fmt.Errorf("attribute %s %v has %d values, want %d", name, v, len(v), n)
	}
	for i, x := range v {
		if x < lo || x > hi {
			return fmt.Errorf("attribute %s[%d] = %d is outside [%d, %d]", name, i, x, lo, hi)
		}
	}
	return nil
}

// window is a resolved sliding-window geometry for spatial dims.
type window struct {
	in, k, s, d, pb, pe, out []int
}

// resolve computes output sizes and pads for input spatial dims.
func (w windowAttrs) resolve(in, kernelShape []int) (*window, error) {
	r := len(in)
	g := &window{in: in, k: kernelShape, s: make([]int, r), d: make([]int, r), pb: make([]int, r), pe: make([]int, r), out: make([]int, r)}
	if len(kernelShape) != r {
		return nil, fmt.Errorf("kernel shape %v does not match %d spatial dims", kernelShape, r)
	}
	if err := w.check(r); err != nil {
		return nil, err
	}
	for i, k := range kernelShape {
		if k < 1 {
			return nil, fmt.Errorf("kernel shape %v has an empty dim", kernelShape)
		}
		if _, ok := checked.Mul(k-1, maxWindowAttr); !ok {
			return nil, fmt.Errorf("kernel dim %d (%d) is too large", i, k)
		}
	}
	for i := 0; i < r; i++ {
		g.s[i], g.d[i] = 1, 1
		if w.strides != nil {
			if len(w.strides) != r {
				return nil, fmt.Errorf("strides %v do not match %d spatial dims", w.strides, r)
			}
			g.s[i] = int(w.strides[i])
		}
		if w.dilations != nil {
			if len(w.dilations) != r {
				return nil, fmt.Errorf("dilations %v do not match %d spatial dims", w.dilations, r)
			}
			g.d[i] = int(w.dilations[i])
		}
		if g.s[i] <= 0 || g.d[i] <= 0 {
			return nil, fmt.Errorf("strides %v and dilations %v must be positive", w.strides, w.dilations)
		}
		ek := (g.k[i]-1)*g.d[i] + 1
		switch w.autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			g.out[i] = (in[i] + g.s[i] - 1) / g.s[i]
			total := max(0, (g.out[i]-1)*g.s[i]+ek-in[i])
			if w.autoPad == "SAME_UPPER" {
				g.pb[i] = total / 2
			} else {
				g.pb[i] = total - total/2
			}
			g.pe[i] = total - g.pb[i]
		case "VALID":
			g.out[i] = (in[i]-ek)/g.s[i] + 1
		case "NOTSET", "":
			if w.pads != nil {
				if len(w.pads) != 2*r {
					return nil, fmt.Errorf("pads %v do not match %d spatial dims", w.pads, r)
				}
				g.pb[i], g.pe[i] = int(w.pads[i]), int(w.pads[i+r])
			}
			span := in[i] + g.pb[i] + g.pe[i] - ek
			if w.ceil {
				g.out[i] = (span+g.s[i]-1)/g.s[i] + 1
				// the last window must start inside the input or left pad
				if (g.out[i]-1)*g.s[i] >= in[i]+g.pb[i] {
					g.out[i]--
				}
			} else {
				g.out[i] = floorDiv(span, g.s[i]) + 1
			}
		default:
			return nil, fmt.Errorf("unknown auto_pad %q", w.autoPad)
		}
		if g.out[i] <= 0 {
			return nil, fmt.Errorf("window %v (dilations %v) is larger than padded input %v", kernelShape, g.d, in)
		}
	}
	return g, nil
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// offsets returns, for each kernel position and output position, the flat
// input spatial offset, or -1 in padding.
func (g *window) offsets() (off []int, kpos, opos int) {
	kpos = tensor.NumElements(g.k)
	opos = tensor.NumElements(g.out)
	off = newSlice[int](kpos, opos)
	ist := strides(g.in)
	r := len(g.in)
	kc := make([]int, r)
	for kp := 0; kp < kpos; kp++ {
		oc := make([]int, r)
		for op := 0; op < opos; op++ {
			o := 0
			for d := 0; d < r; d++ {
				c := oc[d]*g.s[d] - g.pb[d] + kc[d]*g.d[d]
				if c < 0 || c >= g.in[d] {
					o = -1
					break
				}
				o += c * ist[d]
			}
			off[kp*opos+op] = o
			for d := r - 1; d >= 0; d-- {
				oc[d]++
				if oc[d] < g.out[d] {
					break
				}
				oc[d] = 0
			}
		}
		for d := r - 1; d >= 0; d-- {
			kc[d]++
			if kc[d] < g.k[d] {
				break
			}
			kc[d] = 0
		}
	}
	return off, kpos, opos
}

// convCore computes a grouped N-d convolution: x [N, C, …], w [M, C/g, k…].
func convCore[T float](x []T, xs []int, w []T, ws []int, bias []T, g *window, group int, gemm func(m, n, k int, a, b, c []T)) ([]T, []int, error) {
	nb, ch := xs[0], xs[1]
	m := ws[0]
	if group <= 0 || ch%group != 0 || m%group != 0 || ws[1]*group != ch {
		return nil, nil, fmt.Errorf("weights %v do not fit input %v with group %d", ws, xs, group)
	}
	cg, mg := ch/group, m/group
	off, kpos, opos := g.offsets()
	inSp := tensor.NumElements(g.in)
	outShape := append([]int{nb, m}, g.out...)
	out := newSlice[T](nb, m, opos)
	rows := cg * kpos
	col := newSlice[T](rows, opos)
	for b := 0; b < nb; b++ {
		for gi := 0; gi < group; gi++ {
			xg := x[(b*ch+gi*cg)*inSp:]
			kernel.ParallelFor(cg, max(1, 1<<14/(kpos*opos+1)), func(lo, hi int) {
				for c := lo; c < hi; c++ {
					xc := xg[c*inSp : (c+1)*inSp]
					for kp := 0; kp < kpos; kp++ {
						dst := col[(c*kpos+kp)*opos : (c*kpos+kp+1)*opos]
						src := off[kp*opos : (kp+1)*opos]
						for i, o := range src {
							if o >= 0 {
								dst[i] = xc[o]
							} else {
								dst[i] = 0
							}
						}
					}
				}
			})
			wg := w[gi*mg*rows : (gi+1)*mg*rows]
			og := out[(b*m+gi*mg)*opos : (b*m+(gi+1)*mg)*opos]
			gemm(mg, opos, rows, wg, col, og)
		}
	}
	if bias != nil {
		for b := 0; b < nb; b++ {
			for j := 0; j < m; j++ {
				o := out[(b*m+j)*opos : (b*m+j+1)*opos]
				for i := range o {
					o[i] += bias[j]
				}
			}
		}
	}
	return out, outShape, nil
}

func f64gemm(m, n, k int, a, b, c []float64) { naiveCore(m, n, k, a, b, c) }

// conv runs Conv on float32 or float64 tensors.
func conv(x, w, b *tensor.Tensor, wa windowAttrs, group int) (*tensor.Tensor, error) {
	if len(x.Shape) < 3 || len(w.Shape) != len(x.Shape) {
		return nil, fmt.Errorf("input %v and weights %v must be [N,C,spatial…] and [M,C/group,k…]", x.Shape, w.Shape)
	}
	ks := w.Shape[2:]
	if wa.kernel != nil && !sameShape(toInts(wa.kernel), ks) {
		return nil, fmt.Errorf("kernel_shape %v does not match weights %v", wa.kernel, w.Shape)
	}
	g, err := wa.resolve(x.Shape[2:], ks)
	if err != nil {
		return nil, err
	}
	switch xd := x.Data.(type) {
	case []float32:
		var bias []float32
		if b != nil {
			bias = b.Data.([]float32)
		}
		out, shape, err := convCore(xd, x.Shape, w.Data.([]float32), w.Shape, bias, g, group, sgemmCore)
		if err != nil {
			return nil, err
		}
		return f32Tensor(shape, out), nil
	case []float64:
		var bias []float64
		if b != nil {
			bias, _ = floats(b)
		}
		wv, _ := floats(w)
		out, shape, err := convCore(xd, x.Shape, wv, w.Shape, bias, g, group, f64gemm)
		if err != nil {
			return nil, err
		}
		return &tensor.Tensor{DType: tensor.Float64, Shape: shape, Data: out}, nil
	}
	return nil, fmt.Errorf("Conv is not defined for %v", x.DType)
}

func buildConv(n *node) (kernelFn, error) {
	wa := readWindowAttrs(n)
	group := int(n.i("group", 1))
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, err := conv(in[0], in[1], opt(in, 2), wa, group)
		return []*tensor.Tensor{r}, err
	}), nil
}

func f64Tensor(shape []int, v []float64) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Float64, Shape: append([]int{}, shape...), Data: v}
}

func buildConvInteger(n *node) (kernelFn, error) {
	wa := readWindowAttrs(n)
	group := int(n.i("group", 1))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, w := in[0], in[1]
		xv, err := dequantize(x, f64Tensor(nil, []float64{1}), opt(in, 2), 1, 0)
		if err != nil {
			return nil, err
		}
		wv, err := dequantizeAxis0(w, f64Tensor(nil, []float64{1}), opt(in, 3))
		if err != nil {
			return nil, err
		}
		r, err := conv(f64Tensor(x.Shape, xv), f64Tensor(w.Shape, wv), nil, wa, group)
		if err != nil {
			return nil, err
		}
		v := r.Data.([]float64)
		iv := make([]int64, len(v))
		for i, f := range v {
			iv[i] = int64(f)
		}
		return []*tensor.Tensor{fromInt64(tensor.Int32, r.Shape, iv)}, nil
	}, nil
}

// dequantizeAxis0 dequantizes conv weights whose scale / zero point may
// be per output channel (axis 0).
func dequantizeAxis0(w, scale, zp *tensor.Tensor) ([]float64, error) {
	if len(w.Shape) == 0 || scale.Len() == 0 || (scale.Len() != 1 && scale.Len() != w.Shape[0]) || (zp != nil && zp.Len() != 1 && zp.Len() != w.Shape[0]) {
		return nil, fmt.Errorf("scale %v / zero point of weights %v must have one or %s values", scale.Shape, w.Shape, "output-channel")
	}
	if (scale.Len() > 1) || (zp != nil && zp.Len() > 1) {
		if scale.Len() == 1 {
			sv, _ := floats(scale)
			s := newSlice[float64](w.Shape[0])
			for i := range s {
				s[i] = sv[0]
			}
			scale = f64Tensor([]int{w.Shape[0]}, s)
		}
		if zp != nil && zp.Len() == 1 {
			z, _ := floats(zp)
			zz := newSlice[float64](w.Shape[0])
			for i := range zz {
				zz[i] = z[0]
			}
			zp = f64Tensor([]int{w.Shape[0]}, zz)
		}
		return dequantize(w, reshaped(scale, []int{scale.Len()}), reshapedOpt(zp), 0, 0)
	}
	return dequantize(w, scale, zp, 0, 0)
}

func reshapedOpt(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	return reshaped(t, []int{t.Len()})
}

func buildQLinearConv(n *node) (kernelFn, error) {
	wa := readWindowAttrs(n)
	group := int(n.i("group", 1))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, xs, xz, w, ws, wz, ys, yz := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]
		xv, err := dequantize(x, xs, xz, 1, 0)
		if err != nil {
			return nil, err
		}
		wv, err := dequantizeAxis0(w, ws, wz)
		if err != nil {
			return nil, err
		}
		var bias *tensor.Tensor
		if b := opt(in, 8); b != nil {
			bv, _ := floats(b)
			xsv, _ := floats(xs)
			wsv, _ := floats(ws)
			for i := range bv {
				s := wsv[0]
				if len(wsv) > 1 {
					s = wsv[i]
				}
				bv[i] *= xsv[0] * s
			}
			bias = f64Tensor(b.Shape, bv)
		}
		r, err := conv(f64Tensor(x.Shape, xv), f64Tensor(w.Shape, wv), bias, wa, group)
		if err != nil {
			return nil, err
		}
		y, err := quantize(r.Data.([]float64), r.Shape, ys, yz, yz.DType, 1, 0)
		return []*tensor.Tensor{y}, err
	}, nil
}

func buildConvTranspose(n *node) (kernelFn, error) {
	wa := readWindowAttrs(n)
	group := int(n.i("group", 1))
	outPad := n.ints("output_padding")
	outShapeAttr := n.ints("output_shape")
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, w, b := in[0], in[1], opt(in, 2)
		if len(x.Shape) < 3 || len(w.Shape) != len(x.Shape) {
			return nil, fmt.Errorf("input %v and weights %v must be [N,C,spatial…] and [C,M/group,k…]", x.Shape, w.Shape)
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		wv, _ := floats(w)
		var bv []float64
		if b != nil {
			bv, _ = floats(b)
		}
		r := len(x.Shape) - 2
		nb, ch := x.Shape[0], x.Shape[1]
		if group < 1 || ch%group != 0 || w.Shape[0] != ch {
			return nil, fmt.Errorf("weights %v do not fit input %v with group %d", w.Shape, x.Shape, group)
		}
		cg, mg := ch/group, w.Shape[1]
		m := mg * group
		ks := w.Shape[2:]
		in2 := x.Shape[2:]
		if err := wa.check(r); err != nil {
			return nil, err
		}
		if err := checkAttrInts("output_padding", outPad, r, 0, maxWindowAttr); err != nil {
			return nil, err
		}
		if err := checkAttrInts("output_shape", outShapeAttr, -1, 0, math.MaxInt32); err != nil {
			return nil, err
		}
		if len(outShapeAttr) < r && outShapeAttr != nil {
			return nil, fmt.Errorf("attribute output_shape %v has fewer than %d values", outShapeAttr, r)
		}
		for i, k := range ks {
			if _, ok := checked.Mul(k, maxWindowAttr); !ok || k < 1 {
				return nil, fmt.Errorf("weights %v: kernel dim %d is empty or too large", w.Shape, i)
			}
		}
		s, d, op := make([]int, r), make([]int, r), make([]int, r)
		pb, pe, out := make([]int, r), make([]int, r), make([]int, r)
		for i := 0; i < r; i++ {
			s[i], d[i] = 1, 1
			if wa.strides != nil {
				s[i] = int(wa.strides[i])
			}
			if wa.dilations != nil {
				d[i] = int(wa.dilations[i])
			}
			if outPad != nil {
				op[i] = int(outPad[i])
			}
			if wa.pads != nil {
				pb[i], pe[i] = int(wa.pads[i]), int(wa.pads[i+r])
			}
			ek := (ks[i]-1)*d[i] + 1
			full, ok := checked.Mul(s[i], max(in2[i]-1, 0))
			if ok {
				full, ok = checked.Add(full, op[i]+ek)
			}
			if !ok {
				return nil, fmt.Errorf("output size of spatial dim %d overflows", i)
			}
			switch {
			case outShapeAttr != nil:
				o := int(outShapeAttr[len(outShapeAttr)-r+i])
				total := full - o
				switch {
				case total < 0:
					pb[i] = 0 // the output extends past the last input position
				case wa.autoPad == "SAME_UPPER":
					pb[i] = total / 2
				default:
					pb[i] = total - total/2
				}
				pe[i] = total - pb[i]
				out[i] = o
			case wa.autoPad == "SAME_UPPER" || wa.autoPad == "SAME_LOWER":
				if out[i], ok = checked.Mul(in2[i], s[i]); !ok {
					return nil, fmt.Errorf("output size of spatial dim %d overflows", i)
				}
				total := max(0, full-out[i])
				if wa.autoPad == "SAME_UPPER" {
					pb[i] = total / 2
				} else {
					pb[i] = total - total/2
				}
				pe[i] = total - pb[i]
			default:
				out[i] = full - pb[i] - pe[i]
			}
		}
		inSp := tensor.NumElements(in2)
		kp := tensor.NumElements(ks)
		outSp := tensor.NumElements(out)
		res := newSlice[float64](nb, m, outSp)
		ist := strides(in2)
		ost := strides(out)
		kst := strides(ks)
		for bi := 0; bi < nb; bi++ {
			for gi := 0; gi < group; gi++ {
				for ci := 0; ci < cg; ci++ {
					cin := gi*cg + ci
					xc := xv[(bi*ch+cin)*inSp : (bi*ch+cin+1)*inSp]
					for mi := 0; mi < mg; mi++ {
						cout := gi*mg + mi
						wk := wv[(cin*mg+mi)*kp : (cin*mg+mi+1)*kp]
						dst := res[(bi*m+cout)*outSp : (bi*m+cout+1)*outSp]
						for ip := 0; ip < inSp; ip++ {
							xval := xc[ip]
							if xval == 0 {
								continue
							}
							for kk := 0; kk < kp; kk++ {
								o := 0
								ok := true
								for dd := 0; dd < r; dd++ {
									ic := (ip / ist[dd]) % in2[dd]
									kc := (kk / kst[dd]) % ks[dd]
									oc := ic*s[dd] - pb[dd] + kc*d[dd]
									if oc < 0 || oc >= out[dd] {
										ok = false
										break
									}
									o += oc * ost[dd]
								}
								if ok {
									dst[o] += xval * wk[kk]
								}
							}
						}
					}
				}
			}
			if bv != nil {
				for j := 0; j < m; j++ {
					dst := res[(bi*m+j)*outSp : (bi*m+j+1)*outSp]
					for i := range dst {
						dst[i] += bv[j]
					}
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, append([]int{nb, m}, out...), res)}, nil
	}), nil
}
