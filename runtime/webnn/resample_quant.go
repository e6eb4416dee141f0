package webnn

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// resample2d, quantizeLinear, dequantizeLinear.

func init() {
	register("resample2d", 1, 1, true, compileResample)
	register("quantizeLinear", 2, 3, true, compileQuantize)
	register("dequantizeLinear", 2, 3, true, compileDequantize)
}

func compileResample(nc *nodeCompiler) (kernelFn, error) {
	mode, err := nc.optString("nearest-neighbor", "mode")
	if err != nil {
		return nil, err
	}
	if mode != "nearest-neighbor" && mode != "linear" {
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	scales, hasScales, err := nc.optFloats("scales")
	if err != nil {
		return nil, err
	}
	if hasScales && len(scales) != 2 {
		return nil, fmt.Errorf("scales must have 2 values, got %v", scales)
	}
	// sizes may be dynamic ({"name": EXPR, "maxSize": N}: a Resize whose
	// sizes come from another tensor's shape), bound per run.
	sizeDims, hasSizes, err := nc.optDims("sizes")
	if err != nil {
		return nil, err
	}
	if hasSizes && len(sizeDims) != 2 {
		return nil, fmt.Errorf("sizes must have 2 values, got %d", len(sizeDims))
	}
	axes, hasAxes, err := nc.optAxes("axes")
	if err != nil {
		return nil, err
	}
	if !hasAxes {
		axes = []int{2, 3}
	}
	if len(axes) != 2 || axes[0] == axes[1] {
		return nil, fmt.Errorf("axes must be two distinct axes, got %v", axes)
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		var sizes []int
		if hasSizes {
			s, err := evalDims(sizeDims, x.env)
			if err != nil {
				return nil, err
			}
			sizes = s
		}
		t := in[0]
		src, isF32 := t.Data.([]float32)
		if !isF32 && (mode != "nearest-neighbor" || (t.DType != tensor.Uint8 && t.DType != tensor.Int8)) {
			return nil, fmt.Errorf("%s resampling of %v is not supported (float32, float16; uint8/int8 nearest-neighbor)", mode, t.DType)
		}
		if len(t.Shape) != 4 {
			return nil, fmt.Errorf("input %v must be 4-D", t.Shape)
		}
		for _, a := range axes {
			if err := checkAxis(a, 4, "axis"); err != nil {
				return nil, err
			}
		}
		oshape := append([]int(nil), t.Shape...)
		var scale [2]float64
		for j, a := range axes {
			if hasSizes {
				oshape[a] = sizes[j]
				scale[j] = float64(sizes[j]) / float64(t.Shape[a])
			} else {
				s := 1.0
				if hasScales {
					s = scales[j]
				}
				if s <= 0 {
					return nil, fmt.Errorf("scale %v must be positive", s)
				}
				oshape[a] = int(math.Floor(float64(t.Shape[a]) * s))
				// coordinates map with the realised ratio out/in, as the
				// suite's half-pixel cases expect (4/3 for 3 → 4, not 1.5)
				scale[j] = float64(oshape[a]) / float64(t.Shape[a])
			}
		}
		out := x.alloc(t.DType, oshape)
		dst, _ := out.Data.([]float32)
		ob, ib := rawBytes(out), rawBytes(t) // 8-bit nearest-neighbor copies bytes
		ist := stridesOf(t.Shape)
		a0, a1 := axes[0], axes[1]
		idx := make([]int, 4)
		coord := func(o int, s float64, size int) float64 {
			c := (float64(o)+0.5)/s - 0.5
			return c
		}
		for i := 0; i < out.Len(); i++ {
			base := 0
			for d := 0; d < 4; d++ {
				if d != a0 && d != a1 {
					base += idx[d] * ist[d]
				}
			}
			c0 := coord(idx[a0], scale[0], t.Shape[a0])
			c1 := coord(idx[a1], scale[1], t.Shape[a1])
			if mode == "nearest-neighbor" {
				n0 := min(max(int(math.Ceil(c0-0.5)), 0), t.Shape[a0]-1)
				n1 := min(max(int(math.Ceil(c1-0.5)), 0), t.Shape[a1]-1)
				if isF32 {
					dst[i] = src[base+n0*ist[a0]+n1*ist[a1]]
				} else {
					ob[i] = ib[base+n0*ist[a0]+n1*ist[a1]]
				}
			} else {
				c0 = min(max(c0, 0), float64(t.Shape[a0]-1))
				c1 = min(max(c1, 0), float64(t.Shape[a1]-1))
				y0, x0 := int(math.Floor(c0)), int(math.Floor(c1))
				y1, x1 := min(y0+1, t.Shape[a0]-1), min(x0+1, t.Shape[a1]-1)
				fy, fx := c0-float64(y0), c1-float64(x0)
				at := func(y, x int) float64 { return float64(src[base+y*ist[a0]+x*ist[a1]]) }
				v := (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x1)) + fy*((1-fx)*at(y1, x0)+fx*at(y1, x1))
				dst[i] = float32(v)
			}
			nextIndex(idx, oshape)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// blockIndex maps an input element to its scale/zeroPoint element under
// WebNN's blockwise broadcasting (each input dim a multiple of the scale
// dim; a missing leading scale dim counts as 1).
type blockMap struct {
	strides []int // per input dim: scale stride (0 when the scale dim is 1)
	block   []int // per input dim: input elements per scale element
}

func newBlockMap(in, s []int) (*blockMap, error) {
	r := len(in)
	if len(s) > r {
		return nil, fmt.Errorf("scale rank %d exceeds input rank %d", len(s), r)
	}
	full := make([]int, r)
	for i := range full {
		full[i] = 1
	}
	copy(full[r-len(s):], s)
	st := stridesOf(full)
	m := &blockMap{strides: make([]int, r), block: make([]int, r)}
	for d := 0; d < r; d++ {
		if full[d] == 0 || in[d]%full[d] != 0 {
			return nil, fmt.Errorf("input shape %v is not a block multiple of scale shape %v", in, s)
		}
		m.block[d] = in[d] / max(full[d], 1)
		m.strides[d] = st[d]
	}
	return m, nil
}

func (m *blockMap) each(shape []int, fn func(i, s int)) {
	idx := make([]int, len(shape))
	n := tensor.NumElements(shape)
	for i := 0; i < n; i++ {
		s := 0
		for d, v := range idx {
			s += v / m.block[d] * m.strides[d]
		}
		fn(i, s)
		nextIndex(idx, shape)
	}
}

func intGetter(t *tensor.Tensor) func(i int) int64 {
	switch d := t.Data.(type) {
	case []int8:
		return func(i int) int64 { return int64(d[i]) }
	case []uint8:
		return func(i int) int64 { return int64(d[i]) }
	case []int32:
		return func(i int) int64 { return int64(d[i]) }
	case []uint32:
		return func(i int) int64 { return int64(d[i]) }
	case []int64:
		return func(i int) int64 { return d[i] }
	}
	return nil
}

func compileDequantize(nc *nodeCompiler) (kernelFn, error) {
	zi, err := nc.operand(2, "zeroPoint", "zero_point")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, s := in[0], in[1]
		get := intGetter(t)
		if get == nil {
			return nil, fmt.Errorf("input must be an integer type, got %v", t.DType)
		}
		sd, err := f32(s, "scale")
		if err != nil {
			return nil, err
		}
		m, err := newBlockMap(t.Shape, s.Shape)
		if err != nil {
			return nil, err
		}
		zp := func(int) int64 { return 0 }
		if zi >= 0 && in[zi] != nil {
			z := in[zi]
			if z.DType != t.DType || !sameShape(z.Shape, s.Shape) {
				return nil, fmt.Errorf("zeroPoint %v%v must match input type %v and scale shape %v", z.DType, z.Shape, t.DType, s.Shape)
			}
			zp = intGetter(z)
		}
		out := x.alloc(tensor.Float32, t.Shape)
		dst := out.Data.([]float32)
		m.each(t.Shape, func(i, j int) { dst[i] = float32(float64(get(i)-zp(j)) * float64(sd[j])) })
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileQuantize(nc *nodeCompiler) (kernelFn, error) {
	zi, err := nc.operand(2, "zeroPoint", "zero_point")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, s := in[0], in[1]
		td, err := f32(t, "input")
		if err != nil {
			return nil, err
		}
		sd, err := f32(s, "scale")
		if err != nil {
			return nil, err
		}
		m, err := newBlockMap(t.Shape, s.Shape)
		if err != nil {
			return nil, err
		}
		odt := tensor.Uint8
		zp := func(int) int64 { return 0 }
		if zi >= 0 && in[zi] != nil {
			z := in[zi]
			if !sameShape(z.Shape, s.Shape) {
				return nil, fmt.Errorf("zeroPoint shape %v must match scale shape %v", z.Shape, s.Shape)
			}
			odt = z.DType
			if zp = intGetter(z); zp == nil {
				return nil, fmt.Errorf("zeroPoint must be an integer type, got %v", z.DType)
			}
		}
		var lo, hi int64
		switch odt {
		case tensor.Uint8:
			lo, hi = 0, 255
		case tensor.Int8:
			lo, hi = -128, 127
		case tensor.Uint4:
			lo, hi = 0, 15
		case tensor.Int4:
			lo, hi = -8, 7
		case tensor.Int32:
			lo, hi = math.MinInt32, math.MaxInt32
		case tensor.Uint32:
			lo, hi = 0, math.MaxUint32
		default:
			return nil, fmt.Errorf("unsupported output type %v", odt)
		}
		out := x.alloc(odt, t.Shape)
		var set func(i int, v int64)
		switch d := out.Data.(type) {
		case []uint8:
			set = func(i int, v int64) { d[i] = uint8(v) }
		case []int8:
			set = func(i int, v int64) { d[i] = int8(v) }
		case []int32:
			set = func(i int, v int64) { d[i] = int32(v) }
		case []uint32:
			set = func(i int, v int64) { d[i] = uint32(v) }
		}
		m.each(t.Shape, func(i, j int) {
			// the quotient is rounded to float32 first, as the spec's
			// input-typed division (and ONNX) does
			q := math.RoundToEven(float64(td[i]/sd[j])) + float64(zp(j))
			if q != q {
				q = 0
			}
			set(i, int64(min(max(q, float64(lo)), float64(hi))))
		})
		return []*tensor.Tensor{out}, nil
	}, nil
}
