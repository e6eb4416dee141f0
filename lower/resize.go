// Resize / Upsample → resample2d. WebNN resamples two spatial axes with
// half-pixel coordinates: linear, and nearest rounding half down
// (ceil(c - 0.5)). ONNX modes that map onto that exactly are lowered; the
// rest (cubic, antialias, other coordinate modes) are refused.

package lower

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
)

func lowerResize(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	in, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	out, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	if len(in) != 4 {
		return fmt.Errorf("%w: rank-%d Resize (resample2d is 4-D)", ErrUnsupported, len(in))
	}
	if a := attrInt(n, "antialias", 0); a != 0 {
		return unsupportedAttr("antialias", a)
	}
	if e := attrInt(n, "exclude_outside", 0); e != 0 {
		return unsupportedAttr("exclude_outside", e)
	}
	if p := attrString(n, "keep_aspect_ratio_policy", "stretch"); p != "stretch" {
		return unsupportedAttr("keep_aspect_ratio_policy", p)
	}
	if ax := attrInts(n, "axes"); ax != nil {
		return unsupportedAttr("axes", ax)
	}
	// Inputs: opset 10 and Upsample (X, scales); 11+ (X, roi, scales, sizes).
	scalesIdx, sizesIdx := 2, 3
	if n.opset < 11 || n.GetOpType() == "Upsample" {
		scalesIdx, sizesIdx = 1, -1
	}
	var scales []float64
	var sizes []int64
	var dynSizes []shapeinfer.Expr // sizes known as expressions over input dims
	if sizesIdx > 0 && n.hasInput(sizesIdx) {
		if s, ok := c.constInts(n, sizesIdx); ok && len(s) == 4 {
			sizes = s
		} else if info := c.info(n.Input[sizesIdx]); info != nil && len(info.Value) == 4 {
			// F.interpolate(x, size=y.shape[-2:]) (SegFormer's decode
			// head, FPNs): the sizes are another tensor's spatial dims.
			dynSizes = info.Value
		} else {
			return c.notConstant(n, sizesIdx, "sizes", "resample2d takes 4 sizes known when the graph is built")
		}
	} else if n.hasInput(scalesIdx) {
		s, ok := c.constFloats(n, scalesIdx)
		if !ok || len(s) != 4 {
			return fmt.Errorf("%w: scales input is not a constant of 4 values (the output shape would depend on tensor data)", ErrNotInWebNN)
		}
		scales = s
	} else if n.opset < 10 && n.GetOpType() == "Upsample" {
		for _, f := range attrFloats(n, "scales") {
			scales = append(scales, float64(f))
		}
	}
	if scales == nil && sizes == nil && dynSizes == nil {
		return fmt.Errorf("%w: neither scales nor sizes is given", ErrUnsupported)
	}
	for i := 0; i < 2; i++ {
		if scales != nil && scales[i] != 1 || (sizes != nil || dynSizes != nil) && !out[i].Equal(in[i]) {
			return fmt.Errorf("%w: resizing axis %d (resample2d resizes the two spatial axes only)", ErrUnsupported, i)
		}
	}
	mode := attrString(n, "mode", "nearest")
	ctm := attrString(n, "coordinate_transformation_mode", "half_pixel")
	if n.opset < 11 {
		ctm = "asymmetric"
	}
	opts := map[string]any{"axes": []any{int64(2), int64(3)}}
	integerUpscale := scales != nil && isPositiveInt(scales[2]) && isPositiveInt(scales[3])
	switch mode {
	case "nearest":
		nm := attrString(n, "nearest_mode", "round_prefer_floor")
		if n.opset < 11 {
			nm = "floor"
		}
		// ceil(c-0.5) with half-pixel c equals floor(i/k) under asymmetric
		// coordinates when the scale k is a positive integer.
		ok := ctm == "half_pixel" && nm == "round_prefer_floor" ||
			integerUpscale && (ctm == "asymmetric" && nm == "floor" || ctm == "half_pixel" && nm == "floor")
		if !ok {
			return fmt.Errorf("%w: nearest Resize with coordinate_transformation_mode=%s, nearest_mode=%s", ErrUnsupported, ctm, nm)
		}
		opts["mode"] = "nearest-neighbor"
	case "linear", "bilinear":
		if ctm != "half_pixel" && ctm != "pytorch_half_pixel" {
			return fmt.Errorf("%w: linear Resize with coordinate_transformation_mode=%s", ErrUnsupported, ctm)
		}
		if ctm == "pytorch_half_pixel" {
			// Differs from half_pixel only where an output size is 1.
			for _, d := range out[2:] {
				if v, ok := d.Value(); !ok || v == 1 {
					return fmt.Errorf("%w: pytorch_half_pixel with an output size of 1 or dynamic", ErrUnsupported)
				}
			}
		}
		opts["mode"] = "linear"
	default:
		return unsupportedAttr("mode", mode)
	}
	if dynSizes != nil {
		// Sizes from shapes: WebNN maps coordinates with out/in, as ONNX
		// does when sizes are given, so only the sizes' form matters.
		if c.target.Sizes != target.SizesAny {
			return fmt.Errorf("%w: resample2d sizes [%s, %s] follow input dims, and %s reads resample2d sizes as numbers only (it evaluates dynamic sizes in reshape, expand and slice); convert with --target webnn or make them static with %s",
				ErrTargetLimit, dynSizes[2], dynSizes[3], c.target.Name, freezeHint(dynSizes[2:]...))
		}
		d, err := c.dimsOption(dynSizes[2:])
		if err != nil {
			return err
		}
		opts["sizes"] = d
	} else if sizes != nil {
		opts["sizes"] = intsAny(sizes[2:])
	} else if outSizes, err := resizeScaleSizes(in[2:], scales[2:]); err != nil {
		return err
	} else if outSizes != nil {
		opts["sizes"] = outSizes
	} else {
		opts["scales"] = []any{scales[2], scales[3]}
	}
	c.bind(n, 0, c.op(n, "resample2d", []string{x}, opts))
	return nil
}

func isPositiveInt(f float64) bool { return f >= 1 && f == math.Trunc(f) }

// resizeScaleSizes decides how a scaled Resize maps onto resample2d. ONNX
// maps output coordinates back with the given scale, WebNN with the ratio
// output/input size; they agree only when in×scale is an integer (the
// output size then is exactly in×scale). Static spatial dims get explicit
// sizes; dynamic ones keep the scales, which must be positive integers so
// that every input size qualifies (nil sizes then).
func resizeScaleSizes(in []shapeinfer.Expr, scales []float64) ([]any, error) {
	var out []any
	for i, d := range in {
		v, ok := d.Value()
		if !ok {
			if isPositiveInt(scales[0]) && isPositiveInt(scales[1]) {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: Resize scale %g of a dynamic spatial dim: only positive integer scales keep in×scale an integer for every size (ONNX maps coordinates with the scale, WebNN with output/input sizes); make it static with %s", ErrUnsupported, scales[i], freezeHint(d))
		}
		// ONNX computes in float32: floor(in·scale).
		p := float32(v) * float32(scales[i])
		if p != float32(math.Trunc(float64(p))) || p < 1 {
			return nil, fmt.Errorf("%w: Resize of spatial axis %d: %d×%g = %g is not an integer, and ONNX maps coordinates with the scale where WebNN uses output/input sizes", ErrUnsupported, i+2, v, scales[i], p)
		}
		out = append(out, int64(p))
	}
	return out, nil
}
