package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Pooling: MaxPool (with Indices), AveragePool (count_include_pad),
// LpPool, the Global* pools and MaxUnpool, over any spatial rank.

func init() {
	register("", "MaxPool", 1, buildPool("max"))
	register("", "AveragePool", 1, buildPool("avg"))
	register("", "LpPool", 1, buildPool("lp"))
	register("", "GlobalMaxPool", 1, buildGlobalPool("max"))
	register("", "GlobalAveragePool", 1, buildGlobalPool("avg"))
	register("", "GlobalLpPool", 1, buildGlobalPool("lp"))
	register("", "MaxUnpool", 9, buildMaxUnpool)
}

// maxPoolWork bounds a pooling node's steps (outputs × window elements):
// a 100-byte model asking for a 2^21 window over 2^22 values would loop
// 2^42 times. Real pooling (7×7 over a feature map, 3×3×3 over video) is
// many orders of magnitude below; global pooling, linear in its input, is
// not bounded by it.
const maxPoolWork = 1 << 31

func buildPool(kind string) builder {
	return func(n *node) (kernelFn, error) {
		wa := readWindowAttrs(n)
		if wa.kernel == nil {
			return nil, fmt.Errorf("kernel_shape is required")
		}
		includePad := n.i("count_include_pad", 0) == 1
		storageOrder := n.i("storage_order", 0)
		p := float64(n.i("p", 2))
		if n.opset < 2 && kind == "lp" {
			p = float64(n.f("p", 2))
		}
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			if len(x.Shape) < 3 {
				return nil, fmt.Errorf("input %v must be [N,C,spatial…]", x.Shape)
			}
			g, err := wa.resolve(x.Shape[2:], toInts(wa.kernel))
			if err != nil {
				return nil, err
			}
			v, err := floats(x)
			if err != nil {
				return nil, err
			}
			r := len(g.in)
			nc := x.Shape[0] * x.Shape[1]
			inSp := tensor.NumElements(g.in)
			outSp := tensor.NumElements(g.out)
			kp := tensor.NumElements(g.k)
			if work, ok := checked.ProductOf(nc, outSp, kp); !ok || work > maxPoolWork {
				return nil, fmt.Errorf("a window of %v over %d outputs of %d channels is more than %d steps (a window this large is no real model's pooling)", g.k, outSp, nc, maxPoolWork)
			}
			out := newSlice[float64](nc, outSp)
			var indices []int64
			if kind == "max" {
				indices = newSlice[int64](nc, outSp)
			}
			ist := strides(g.in)
			ost := strides(g.out)
			kst := strides(g.k)
			for ci := 0; ci < nc; ci++ {
				xc := v[ci*inSp : (ci+1)*inSp]
				for op := 0; op < outSp; op++ {
					acc := 0.0
					if kind == "max" {
						acc = math.Inf(-1)
					}
					best := -1
					count := 0
					padCount := 1
					for d := 0; d < r; d++ {
						// the window clipped to the padded input (count_include_pad)
						start := ((op/ost[d])%g.out[d])*g.s[d] - g.pb[d]
						end := min(start+(g.k[d]-1)*g.d[d]+1, g.in[d]+g.pe[d])
						cnt := 0
						for pos := start; pos < end; pos += g.d[d] {
							cnt++
						}
						padCount *= cnt
					}
					for kk := 0; kk < kp; kk++ {
						off := 0
						ok := true
						for d := 0; d < r; d++ {
							oc := (op / ost[d]) % g.out[d]
							kc := (kk / kst[d]) % g.k[d]
							ic := oc*g.s[d] - g.pb[d] + kc*g.d[d]
							if ic < 0 || ic >= g.in[d] {
								ok = false
								break
							}
							off += ic * ist[d]
						}
						if !ok {
							continue
						}
						e := xc[off]
						count++
						switch kind {
						case "max":
							if e > acc || best < 0 {
								acc, best = e, off
							}
						case "avg":
							acc += e
						case "lp":
							acc += math.Pow(math.Abs(e), p)
						}
					}
					switch kind {
					case "avg":
						div := count
						if includePad {
							div = padCount
						}
						acc /= float64(max(div, 1))
					case "lp":
						acc = math.Pow(acc, 1/p)
					case "max":
						idx := best
						if storageOrder == 1 && best >= 0 {
							// column-major index within the spatial block
							idx = 0
							mul := 1
							for d := 0; d < r; d++ {
								idx += ((best / ist[d]) % g.in[d]) * mul
								mul *= g.in[d]
							}
						}
						indices[ci*outSp+op] = int64(ci*inSp + idx)
					}
					out[ci*outSp+op] = acc
				}
			}
			shape := append([]int{x.Shape[0], x.Shape[1]}, g.out...)
			res := []*tensor.Tensor{fromFloat64(x.DType, shape, out)}
			if indices != nil {
				res = append(res, i64Tensor(shape, indices))
			}
			return res, nil
		}, nil
	}
}

func buildGlobalPool(kind string) builder {
	return func(n *node) (kernelFn, error) {
		p := float64(n.i("p", 2))
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			if len(x.Shape) < 2 {
				return nil, fmt.Errorf("input %v must be [N,C,spatial…]", x.Shape)
			}
			nc := x.Shape[0] * x.Shape[1]
			sp := tensor.NumElements(x.Shape[2:])
			shape := []int{x.Shape[0], x.Shape[1]}
			for range x.Shape[2:] {
				shape = append(shape, 1)
			}
			if xd, ok := x.Data.([]float32); ok && kind == "avg" {
				out := newSlice[float32](nc)
				for i := range out {
					s := 0.0
					for _, e := range xd[i*sp : (i+1)*sp] {
						s += float64(e)
					}
					out[i] = float32(s / float64(sp))
				}
				return []*tensor.Tensor{f32Tensor(shape, out)}, nil
			}
			v, err := floats(x)
			if err != nil {
				return nil, err
			}
			out := newSlice[float64](nc)
			for i := range out {
				seg := v[i*sp : (i+1)*sp]
				acc := 0.0
				switch kind {
				case "max":
					acc = math.Inf(-1)
					for _, e := range seg {
						acc = math.Max(acc, e)
					}
				case "avg":
					for _, e := range seg {
						acc += e
					}
					acc /= float64(sp)
				case "lp":
					for _, e := range seg {
						acc += math.Pow(math.Abs(e), p)
					}
					acc = math.Pow(acc, 1/p)
				}
				out[i] = acc
			}
			return []*tensor.Tensor{fromFloat64(x.DType, shape, out)}, nil
		}, nil
	}
}

func buildMaxUnpool(n *node) (kernelFn, error) {
	wa := readWindowAttrs(n)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, ind := in[0], in[1]
		r := len(x.Shape) - 2
		if r < 1 {
			return nil, fmt.Errorf("input %v must be [N,C,spatial…]", x.Shape)
		}
		if err := wa.check(r); err != nil {
			return nil, err
		}
		if len(wa.kernel) != r {
			return nil, fmt.Errorf("kernel_shape %v must have %d values", wa.kernel, r)
		}
		// Indices refer to the default unpooled shape; an explicit
		// output_shape places each element at the same coordinates there.
		shape := []int{x.Shape[0], x.Shape[1]}
		for i := 0; i < r; i++ {
			s, pb, pe := 1, 0, 0
			if wa.strides != nil {
				s = int(wa.strides[i])
			}
			if wa.pads != nil {
				pb, pe = int(wa.pads[i]), int(wa.pads[i+r])
			}
			d := (x.Shape[i+2]-1)*s + int(wa.kernel[i]) - pb - pe
			if d < 0 {
				return nil, fmt.Errorf("pads %v leave spatial dim %d negative", wa.pads, i)
			}
			shape = append(shape, d)
		}
		defShape := shape
		if os := opt(in, 2); os != nil {
			s, err := ints(os)
			if err != nil {
				return nil, err
			}
			shape = toInts(s)
			if len(shape) != len(defShape) {
				return nil, fmt.Errorf("output_shape %v does not match rank %d", shape, len(defShape))
			}
		}
		dst, ost := strides(defShape), strides(shape)
		v, err := floats(x)
		if err != nil {
			return nil, err
		}
		iv, err := ints(ind)
		if err != nil {
			return nil, err
		}
		out := newSlice[float64](shape...)
		total := tensor.NumElements(defShape)
		for i, j := range iv {
			if j < 0 || int(j) >= total {
				return nil, fmt.Errorf("index %d out of range for unpooled shape %v", j, defShape)
			}
			o := 0
			for d := range defShape {
				c := (int(j) / dst[d]) % defShape[d]
				if c >= shape[d] {
					return nil, fmt.Errorf("index %d falls outside output_shape %v", j, shape)
				}
				o += c * ost[d]
			}
			out[o] = v[i]
		}
		return []*tensor.Tensor{fromFloat64(x.DType, shape, out)}, nil
	}, nil
}
