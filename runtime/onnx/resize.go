package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Resize (opsets 10, 11, 13, 18, 19) and Upsample. Interpolation is
// separable: each resized axis is processed from the last to the first,
// which reproduces the reference evaluator's recursive 1-D interpolation,
// including tf_crop_and_resize extrapolation.

func init() {
	register("", "Resize", 10, buildResize)
	register("", "Upsample", 7, buildUpsample)
}

type resizeAttrs struct {
	mode, coordMode, nearestMode string
	cubicA                       float64
	excludeOutside               bool
	extrapolation                float64
	axes                         []int64
	aspectPolicy                 string
}

// tap is one input index and its weight; an empty tap list means the
// output takes the extrapolation value.
type tap struct {
	i int
	w float64
}

func (ra *resizeAttrs) originalCoord(x float64, scale float64, inLen, outLenI int, roiStart, roiEnd float64) float64 {
	// the reference uses the unrounded resized length in_len·scale
	outLen := scale * float64(inLen)
	switch ra.coordMode {
	case "half_pixel":
		return (x+0.5)/scale - 0.5
	case "half_pixel_symmetric":
		adj := float64(outLenI) / (scale * float64(inLen))
		center := float64(inLen) / 2
		offset := center * (1 - adj)
		return offset + (x+0.5)/scale - 0.5
	case "pytorch_half_pixel":
		if outLen > 1 {
			return (x+0.5)/scale - 0.5
		}
		return 0
	case "align_corners":
		if outLen == 1 {
			return 0
		}
		return x * float64(inLen-1) / (outLen - 1)
	case "asymmetric":
		return x / scale
	case "tf_half_pixel_for_nn":
		return (x + 0.5) / scale
	case "tf_crop_and_resize":
		if outLen > 1 {
			return roiStart*float64(inLen-1) + x*(roiEnd-roiStart)*float64(inLen-1)/(outLen-1)
		}
		return 0.5 * (roiStart + roiEnd) * float64(inLen-1)
	}
	return x / scale
}

func (ra *resizeAttrs) nearest(x float64) int {
	switch ra.nearestMode {
	case "round_prefer_ceil":
		return int(math.Floor(x + 0.5))
	case "floor":
		return int(math.Floor(x))
	case "ceil":
		return int(math.Ceil(x))
	}
	// round_prefer_floor
	if x-math.Floor(x) == 0.5 {
		return int(math.Floor(x))
	}
	return int(math.Round(x))
}

// taps returns the interpolation taps of every output position of an axis.
func (ra *resizeAttrs) taps(inLen, outLen int, scale, roiStart, roiEnd float64) ([][]tap, error) {
	res := make([][]tap, outLen)
	clampI := func(i int) int { return max(0, min(i, inLen-1)) }
	for x := 0; x < outLen; x++ {
		xo := ra.originalCoord(float64(x), scale, inLen, outLen, roiStart, roiEnd)
		if ra.coordMode == "tf_crop_and_resize" && (xo < 0 || xo > float64(inLen-1)) {
			res[x] = nil
			continue
		}
		switch ra.mode {
		case "nearest":
			res[x] = []tap{{clampI(ra.nearest(xo)), 1}}
		case "linear":
			f := math.Floor(xo)
			r := xo - f
			i0 := int(f)
			if xo < 0 && ra.coordMode != "tf_crop_and_resize" {
				// left of the first sample: the edge value
			}
			res[x] = []tap{{clampI(i0), 1 - r}, {clampI(i0 + 1), r}}
		case "cubic":
			f := math.Floor(xo)
			r := xo - f
			a := ra.cubicA
			cs := [4]float64{
				((a*(r+1)-5*a)*(r+1)+8*a)*(r+1) - 4*a,
				((a+2)*r-(a+3))*r*r + 1,
				((a+2)*(1-r)-(a+3))*(1-r)*(1-r) + 1,
				((a*(2-r)-5*a)*(2-r)+8*a)*(2-r) - 4*a,
			}
			i0 := int(f) - 1
			ts := make([]tap, 0, 4)
			sum := 0.0
			for k := 0; k < 4; k++ {
				i := i0 + k
				if ra.excludeOutside && (i < 0 || i >= inLen) {
					continue
				}
				ts = append(ts, tap{clampI(i), cs[k]})
				sum += cs[k]
			}
			if ra.excludeOutside && sum != 0 {
				for k := range ts {
					ts[k].w /= sum
				}
			}
			res[x] = ts
		default:
			return nil, fmt.Errorf("unknown resize mode %q", ra.mode)
		}
	}
	return res, nil
}

// resizeAxis interpolates v (shape) along axis to outLen.
func resizeAxis(v []float64, shape []int, axis int, taps [][]tap, extrap float64) ([]float64, []int) {
	outer := tensor.NumElements(shape[:axis])
	inLen := shape[axis]
	inner := tensor.NumElements(shape[axis+1:])
	outLen := len(taps)
	out := newSlice[float64](outer, outLen, inner)
	for o := 0; o < outer; o++ {
		for x, ts := range taps {
			dst := out[(o*outLen+x)*inner : (o*outLen+x+1)*inner]
			if ts == nil {
				for i := range dst {
					dst[i] = extrap
				}
				continue
			}
			for _, t := range ts {
				src := v[(o*inLen+t.i)*inner : (o*inLen+t.i+1)*inner]
				for i := range dst {
					dst[i] += t.w * src[i]
				}
			}
		}
	}
	ns := append([]int{}, shape...)
	ns[axis] = outLen
	return out, ns
}

// resize resizes x with per-dim scales (len rank) and output sizes.
func (ra *resizeAttrs) resize(x *tensor.Tensor, scales []float64, sizes []int, roi []float64) (*tensor.Tensor, error) {
	r := len(x.Shape)
	if len(scales) != r || len(sizes) != r {
		return nil, fmt.Errorf("scales %v / sizes %v do not match rank %d", scales, sizes, r)
	}
	for d := range scales {
		if s := scales[d]; !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("scales[%d] = %v must be a positive finite number", d, s)
		}
		if sizes[d] < 0 {
			return nil, fmt.Errorf("sizes[%d] = %d is negative", d, sizes[d])
		}
	}
	// every axis is interpolated in float64: the largest working copy is
	// the result's size in float64
	if err := tensor.CheckAlloc(tensor.Float64, sizes); err != nil {
		return nil, err
	}
	v, err := floats(x)
	if err != nil {
		return nil, err
	}
	shape := append([]int{}, x.Shape...)
	for d := r - 1; d >= 0; d-- {
		if sizes[d] == x.Shape[d] && scales[d] == 1 && ra.coordMode != "tf_crop_and_resize" {
			continue
		}
		rs, re := 0.0, 1.0
		if roi != nil {
			rs, re = roi[d], roi[d+r]
		}
		taps, err := ra.taps(x.Shape[d], sizes[d], scales[d], rs, re)
		if err != nil {
			return nil, err
		}
		v, shape = resizeAxis(v, shape, d, taps, ra.extrapolation)
	}
	if !x.DType.IsFloat() {
		for i := range v {
			v[i] = math.Round(v[i])
		}
	}
	return fromFloat64(x.DType, shape, v), nil
}

func buildResize(n *node) (kernelFn, error) {
	ra := &resizeAttrs{
		mode:           n.s("mode", "nearest"),
		coordMode:      n.s("coordinate_transformation_mode", "half_pixel"),
		nearestMode:    n.s("nearest_mode", "round_prefer_floor"),
		cubicA:         float64(n.f("cubic_coeff_a", -0.75)),
		excludeOutside: n.i("exclude_outside", 0) == 1,
		extrapolation:  float64(n.f("extrapolation_value", 0)),
		axes:           n.ints("axes"),
		aspectPolicy:   n.s("keep_aspect_ratio_policy", "stretch"),
	}
	if n.i("antialias", 0) == 1 {
		return nil, fmt.Errorf("antialias resize is not supported")
	}
	if n.opset < 11 {
		ra.coordMode = "asymmetric"
		ra.nearestMode = "floor"
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		r := len(x.Shape)
		var roiT, scalesT, sizesT *tensor.Tensor
		if n.opset < 11 {
			scalesT = opt(in, 1)
		} else {
			roiT, scalesT, sizesT = opt(in, 1), opt(in, 2), opt(in, 3)
		}
		axes := make([]int, 0, r)
		if ra.axes != nil {
			for _, a := range ra.axes {
				ax, err := normAxis(a, r)
				if err != nil {
					return nil, err
				}
				axes = append(axes, ax)
			}
		} else {
			axes = iota(r)
		}
		scales := make([]float64, r)
		sizes := append([]int{}, x.Shape...)
		for d := range scales {
			scales[d] = 1
		}
		if sizesT != nil && sizesT.Len() > 0 {
			sv, err := ints(sizesT)
			if err != nil {
				return nil, err
			}
			if len(sv) != len(axes) {
				return nil, fmt.Errorf("sizes %v do not match %d axes", sv, len(axes))
			}
			if ra.aspectPolicy != "stretch" {
				sc := math.Inf(1)
				if ra.aspectPolicy == "not_smaller" {
					sc = math.Inf(-1)
				}
				for i, a := range axes {
					s := float64(sv[i]) / float64(x.Shape[a])
					if ra.aspectPolicy == "not_larger" {
						sc = math.Min(sc, s)
					} else {
						sc = math.Max(sc, s)
					}
				}
				for _, a := range axes {
					scales[a] = sc
					sizes[a] = floatSize(math.Round(sc * float64(x.Shape[a])))
				}
			} else {
				for i, a := range axes {
					sizes[a] = int(sv[i])
					scales[a] = float64(sizes[a]) / float64(x.Shape[a])
				}
			}
		} else if scalesT != nil && scalesT.Len() > 0 {
			sv, err := floats(scalesT)
			if err != nil {
				return nil, err
			}
			if len(sv) != len(axes) {
				return nil, fmt.Errorf("scales %v do not match %d axes", sv, len(axes))
			}
			for i, a := range axes {
				scales[a] = sv[i]
				sizes[a] = floatSize(math.Floor(float64(x.Shape[a]) * float64(float32(sv[i]))))
			}
		} else {
			return nil, fmt.Errorf("either scales or sizes must be given")
		}
		var roi []float64
		if roiT != nil && roiT.Len() > 0 && ra.coordMode == "tf_crop_and_resize" {
			rv, err := floats(roiT)
			if err != nil {
				return nil, err
			}
			roi = newSlice[float64](2, r)
			for d := 0; d < r; d++ {
				roi[d], roi[d+r] = 0, 1
			}
			if len(rv) == 2*r {
				copy(roi, rv)
			} else if len(rv) == 2*len(axes) {
				for i, a := range axes {
					roi[a], roi[a+r] = rv[i], rv[i+len(axes)]
				}
			}
		}
		y, err := ra.resize(x, scales, sizes, roi)
		return []*tensor.Tensor{y}, err
	}, nil
}

func buildUpsample(n *node) (kernelFn, error) {
	ra := &resizeAttrs{mode: n.s("mode", "nearest"), coordMode: "asymmetric", nearestMode: "floor"}
	attrScales := n.floats("scales")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		var sv []float64
		if n.opset >= 9 {
			var err error
			if sv, err = floats(in[1]); err != nil {
				return nil, err
			}
		} else {
			for _, s := range attrScales {
				sv = append(sv, float64(s))
			}
		}
		if len(sv) != len(x.Shape) {
			return nil, fmt.Errorf("scales %v do not match rank %d", sv, len(x.Shape))
		}
		sizes := make([]int, len(sv))
		for d := range sv {
			sizes[d] = floatSize(math.Floor(float64(x.Shape[d]) * sv[d]))
		}
		y, err := ra.resize(x, sv, sizes, nil)
		return []*tensor.Tensor{y}, err
	}, nil
}

// floatSize converts a computed output size to int; NaN, infinite or
// negative sizes become -1 (refused by resize), sizes past 2^53 are
// clamped there (refused by the memory budget).
func floatSize(v float64) int {
	switch {
	case !(v >= 0):
		return -1
	case v > 1<<53:
		return 1 << 53
	}
	return int(v)
}
