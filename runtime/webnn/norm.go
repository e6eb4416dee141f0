package webnn

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// batchNormalization, instanceNormalization, layerNormalization.
// Scale and bias come from positional inputs (webnn-graph style) or from
// operand-valued options (spec style).

func init() {
	register("batchNormalization", 3, 5, true, compileBatchNorm)
	register("instanceNormalization", 1, 3, true, compileInstanceNorm)
	register("layerNormalization", 1, 3, true, compileLayerNorm)
}

func optVec(in []*tensor.Tensor, i int, n int, what string) ([]float32, error) {
	if i < 0 || in[i] == nil {
		return nil, nil
	}
	d, err := f32(in[i], what)
	if err != nil {
		return nil, err
	}
	if len(d) != n {
		return nil, fmt.Errorf("%s has %d elements (shape %v), want %d", what, len(d), in[i].Shape, n)
	}
	return d, nil
}

func compileBatchNorm(nc *nodeCompiler) (kernelFn, error) {
	si, err := nc.operand(3, "scale")
	if err != nil {
		return nil, err
	}
	bi, err := nc.operand(4, "bias")
	if err != nil {
		return nil, err
	}
	axis, err := nc.optInt(1, "axis")
	if err != nil {
		return nil, err
	}
	eps, err := nc.optFloat(1e-5, "epsilon")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		src, err := f32(t, "input")
		if err != nil {
			return nil, err
		}
		ax := int(axis)
		if err := checkAxis(ax, len(t.Shape), "axis"); err != nil {
			return nil, err
		}
		c := t.Shape[ax]
		mean, err := optVec(in, 1, c, "mean")
		if err != nil {
			return nil, err
		}
		variance, err := optVec(in, 2, c, "variance")
		if err != nil {
			return nil, err
		}
		scale, err := optVec(in, si, c, "scale")
		if err != nil {
			return nil, err
		}
		bias, err := optVec(in, bi, c, "bias")
		if err != nil {
			return nil, err
		}
		inner := tensor.NumElements(t.Shape[ax+1:])
		out := x.alloc(tensor.Float32, t.Shape)
		dst := out.Data.([]float32)
		for i, v := range src {
			ch := i / max(inner, 1) % c
			y := (float64(v) - float64(mean[ch])) / math.Sqrt(float64(variance[ch])+eps)
			if scale != nil {
				y *= float64(scale[ch])
			}
			if bias != nil {
				y += float64(bias[ch])
			}
			dst[i] = float32(y)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileInstanceNorm(nc *nodeCompiler) (kernelFn, error) {
	si, err := nc.operand(1, "scale")
	if err != nil {
		return nil, err
	}
	bi, err := nc.operand(2, "bias")
	if err != nil {
		return nil, err
	}
	eps, err := nc.optFloat(1e-5, "epsilon")
	if err != nil {
		return nil, err
	}
	layout, err := nc.optString("nchw", "layout")
	if err != nil {
		return nil, err
	}
	if layout != "nchw" && layout != "nhwc" {
		return nil, fmt.Errorf("unknown layout %q", layout)
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		src, err := f32(t, "input")
		if err != nil {
			return nil, err
		}
		if len(t.Shape) != 4 {
			return nil, fmt.Errorf("input %v must be 4-D", t.Shape)
		}
		nhwc := layout == "nhwc"
		n, c, h, w := nchwDims(t.Shape, nhwc)
		scale, err := optVec(in, si, c, "scale")
		if err != nil {
			return nil, err
		}
		bias, err := optVec(in, bi, c, "bias")
		if err != nil {
			return nil, err
		}
		out := x.alloc(tensor.Float32, t.Shape)
		dst := out.Data.([]float32)
		hw := h * w
		// element (b, ch, p) lives at base(b,ch) + p*step
		at := func(b, ch, p int) int {
			if nhwc {
				return (b*hw+p)*c + ch
			}
			return (b*c+ch)*hw + p
		}
		for b := 0; b < n; b++ {
			for ch := 0; ch < c; ch++ {
				var sum float64
				for p := 0; p < hw; p++ {
					sum += float64(src[at(b, ch, p)])
				}
				mean := sum / float64(hw)
				var sq float64
				for p := 0; p < hw; p++ {
					d := float64(src[at(b, ch, p)]) - mean
					sq += d * d
				}
				inv := 1 / math.Sqrt(sq/float64(hw)+eps)
				sc, bs := 1.0, 0.0
				if scale != nil {
					sc = float64(scale[ch])
				}
				if bias != nil {
					bs = float64(bias[ch])
				}
				for p := 0; p < hw; p++ {
					i := at(b, ch, p)
					dst[i] = float32((float64(src[i])-mean)*inv*sc + bs)
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileLayerNorm(nc *nodeCompiler) (kernelFn, error) {
	si, err := nc.operand(1, "scale")
	if err != nil {
		return nil, err
	}
	bi, err := nc.operand(2, "bias")
	if err != nil {
		return nil, err
	}
	eps, err := nc.optFloat(1e-5, "epsilon")
	if err != nil {
		return nil, err
	}
	axes, hasAxes, err := nc.optAxes("axes")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		src, err := f32(t, "input")
		if err != nil {
			return nil, err
		}
		r := len(t.Shape)
		ax := axes
		if !hasAxes {
			ax = make([]int, 0, r)
			for i := 1; i < r; i++ {
				ax = append(ax, i)
			}
		}
		p, err := planReduce(t.Shape, ax, false, true)
		if err != nil {
			return nil, err
		}
		// scale/bias have the input's dims at axes, in axes order
		pshape := make([]int, len(ax))
		for j, a := range ax {
			pshape[j] = t.Shape[a]
		}
		pstr := stridesOf(pshape)
		sstr := make([]int, r)
		for j, a := range ax {
			sstr[a] = pstr[j]
		}
		var scale, bias []float32
		for _, it := range []struct {
			i   int
			dst *[]float32
			nm  string
		}{{si, &scale, "scale"}, {bi, &bias, "bias"}} {
			if it.i < 0 || in[it.i] == nil {
				continue
			}
			d, err := f32(in[it.i], it.nm)
			if err != nil {
				return nil, err
			}
			if !sameShape(in[it.i].Shape, pshape) && len(d) != tensor.NumElements(pshape) {
				return nil, fmt.Errorf("%s shape %v, want %v", it.nm, in[it.i].Shape, pshape)
			}
			*it.dst = d
		}
		nOut := tensor.NumElements(p.oshape)
		mean := make([]float64, nOut)
		vari := make([]float64, nOut)
		p.visit(t.Shape, func(o, i int) { mean[o] += float64(src[i]) })
		cnt := float64(max(p.count, 1))
		for o := range mean {
			mean[o] /= cnt
		}
		p.visit(t.Shape, func(o, i int) { d := float64(src[i]) - mean[o]; vari[o] += d * d })
		for o := range vari {
			vari[o] = 1 / math.Sqrt(vari[o]/cnt+eps)
		}
		out := x.alloc(tensor.Float32, t.Shape)
		dst := out.Data.([]float32)
		if r == 0 {
			y := (float64(src[0]) - mean[0]) * vari[0]
			if scale != nil {
				y *= float64(scale[0])
			}
			if bias != nil {
				y += float64(bias[0])
			}
			dst[0] = float32(y)
			return []*tensor.Tensor{out}, nil
		}
		io, is, iss := p.outStride[r-1], p.inStrides[r-1], sstr[r-1]
		forEachRow(t.Shape, [][]int{p.outStride, p.inStrides, sstr}, func(offs []int, m int) {
			o, i, s := offs[0], offs[1], offs[2]
			for j := 0; j < m; j++ {
				y := (float64(src[i]) - mean[o]) * vari[o]
				if scale != nil {
					y *= float64(scale[s])
				}
				if bias != nil {
					y += float64(bias[s])
				}
				dst[i] = float32(y)
				o += io
				i += is
				s += iss
			}
		})
		return []*tensor.Tensor{out}, nil
	}, nil
}
