// Conv and ConvTranspose: WebNN conv2d/convTranspose2d in NCHW with OIHW
// (IOHW) filters, the layouts ONNX uses, so no transposes are needed.
// 1-D convolutions are reshaped to 2-D with a height of 1.

package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// convGeometry holds the 2-D parameters of a Conv/pool node.
type convGeometry struct {
	kernel    []int64 // kH, kW
	strides   []int64
	dilations []int64
	padding   []int64 // WebNN order: top, bottom, left, right
	// reverse lists the NCHW axes to reverse before the op and after it
	// (sameDynamicPads: SAME padding whose end, not beginning, is the same
	// for every size is a constant beginning padding of the reversed axis).
	// The op's weights are reversed on those axes too.
	reverse []any
}

// geometry reads kernel/strides/dilations/pads/auto_pad for spatial rank
// sr (1 or 2). kernel comes from the attribute or, for Conv, the weights.
func (c *ctx) geometry(n *srcNode, sr int, kernel []int64, inSpatial []shapeinfer.Expr) (*convGeometry, error) {
	if len(kernel) != sr {
		return nil, fmt.Errorf("%w: kernel_shape %v does not match spatial rank %d", ErrUnsupported, kernel, sr)
	}
	get := func(name string, def int64) ([]int64, error) {
		v := attrInts(n, name)
		if v == nil {
			v = make([]int64, sr)
			for i := range v {
				v[i] = def
			}
		}
		if len(v) != sr {
			return nil, fmt.Errorf("attribute %s=%v does not match spatial rank %d", name, v, sr)
		}
		return v, nil
	}
	strides, err := get("strides", 1)
	if err != nil {
		return nil, err
	}
	dil, err := get("dilations", 1)
	if err != nil {
		return nil, err
	}
	pads := attrInts(n, "pads")
	if pads == nil {
		pads = make([]int64, 2*sr)
	}
	if len(pads) != 2*sr {
		return nil, fmt.Errorf("attribute pads=%v does not match spatial rank %d", pads, sr)
	}
	var reverse []any
	switch ap := attrString(n, "auto_pad", "NOTSET"); ap {
	case "NOTSET":
	case "VALID":
		pads = make([]int64, 2*sr)
	case "SAME_UPPER", "SAME_LOWER":
		for i := 0; i < sr; i++ {
			in, ok := inSpatial[i].Value()
			if !ok {
				b, e, rev, ok := sameDynamicPads(kernel[i], strides[i], dil[i], ap == "SAME_UPPER", attrInt(n, "ceil_mode", 0) != 0)
				if !ok {
					return nil, fmt.Errorf("%w: auto_pad=%s with stride %d over the dynamic dim %q: both its beginning and its end padding depend on the size (on the size mod %d), which no one padding expresses; make it static with %s", ErrUnsupported, ap, strides[i], inSpatial[i].String(), strides[i], freezeHint(inSpatial[i]))
				}
				pads[i], pads[i+sr] = b, e
				if rev {
					reverse = append(reverse, int64(4-sr+i))
				}
				continue
			}
			out := (in + strides[i] - 1) / strides[i]
			total := max((out-1)*strides[i]+(kernel[i]-1)*dil[i]+1-in, 0)
			if ap == "SAME_UPPER" {
				pads[i], pads[i+sr] = total/2, total-total/2
			} else {
				pads[i], pads[i+sr] = total-total/2, total/2
			}
		}
	default:
		return nil, unsupportedAttr("auto_pad", ap)
	}
	g := &convGeometry{kernel: kernel, strides: strides, dilations: dil, reverse: reverse}
	if sr == 1 {
		g.kernel = []int64{1, kernel[0]}
		g.strides = []int64{1, strides[0]}
		g.dilations = []int64{1, dil[0]}
		g.padding = []int64{0, 0, pads[0], pads[1]}
	} else {
		g.padding = []int64{pads[0], pads[2], pads[1], pads[3]}
	}
	return g, nil
}

// reversed applies reverse over g's reversed axes (none: x unchanged).
func (c *ctx) reversed(n *srcNode, g *convGeometry, x string) string {
	if len(g.reverse) == 0 {
		return x
	}
	return c.op(n, "reverse", []string{x}, map[string]any{"axes": g.reverse})
}

// sameDynamicPads is the padding of auto_pad=SAME_* over a dynamic dim,
// when one padding serves every size. The SAME total padding,
// max(0, (ceil(in/s) - 1)·s + extent - in), depends on in mod s only; with
// stride 1 it is constant. Where the beginning padding is the same for
// every size (PaddleOCR's stem MaxPool, kernel 2 stride 1; kernel 2
// stride 2), padding the end by its largest value gives the same windows:
// the extra end padding holds pad values only (zeros for Conv, ignored by
// pools). Where instead the end padding is the same for every size
// (kernel 3 stride 2, TF's SAME convolutions: even sizes pad [0, 1], odd
// [1, 1]), the reversed axis has a constant beginning padding (reverse:
// the op runs on the reversed axis, with reversed weights, and its output
// is reversed back). With stride 2 one of the two always holds. Both are
// checked by enumerating the sizes 1 .. 2·(stride + extent), which cover
// every residue and the small sizes where the max(0, ·) clips: the
// windows the padding gives must be SAME's, and the output size
// floor((in + begin + end - extent)/s) + 1 must be ceil(in/s) (with
// ceil_mode, the division exact as well).
func sameDynamicPads(k, s, d int64, upper, ceil bool) (begin, end int64, reverse, ok bool) {
	if k < 1 || s < 1 || d < 1 || k > 1<<16 || s > 1<<16 || d > 1<<16 {
		return 0, 0, false, false
	}
	ext := (k-1)*d + 1
	pads := func(in int64) (b, e int64) {
		total := max((in+s-1)/s*s-s+ext-in, 0)
		if upper {
			return total / 2, total - total/2
		}
		return total - total/2, total / 2
	}
	limit := 2 * (s + ext)
	// fits reports whether padding [pb, pe] on the axis (reversed or not)
	// gives SAME's windows and output size for every size.
	fits := func(pb, pe int64, rev bool) bool {
		for in := int64(1); in <= limit; in++ {
			out := (in + s - 1) / s
			span := in + pb + pe - ext
			if span < 0 || span/s+1 != out || (ceil && span%s != 0) {
				return false
			}
			b, _ := pads(in)
			for j := int64(0); j < out; j++ {
				want := s*j - b // SAME's window j starts here
				got := s*j - pb
				if rev {
					// the window at reversed position m = out-1-j starts at
					// -pb + s·m and covers in-1-(start + ext - 1) onward
					m := out - 1 - j
					got = in - ext - (s*m - pb)
				}
				if got != want {
					return false
				}
			}
		}
		return true
	}
	var maxB, maxE int64
	for in := int64(1); in <= limit; in++ {
		b, e := pads(in)
		maxB, maxE = max(maxB, b), max(maxE, e)
	}
	b1, e1 := pads(1)
	constB, constE := true, true
	for in := int64(2); in <= limit; in++ {
		b, e := pads(in)
		constB = constB && b == b1
		constE = constE && e == e1
	}
	switch {
	case constB && fits(b1, maxE, false):
		return b1, maxE, false, true
	case constE && fits(e1, maxB, true):
		return e1, maxB, true, true
	}
	return 0, 0, false, false
}

func checkConv(c *ctx, n *srcNode) error {
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r != 3 && r != 4 {
		return fmt.Errorf("%w: %d-D convolution (WebNN has conv2d only)", ErrUnsupported, r-2)
	}
	return nil
}

func lowerConv(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	xShape, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	wShape, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	sr := len(xShape) - 2
	if sr != 1 && sr != 2 || len(wShape) != sr+2 {
		return fmt.Errorf("%w: %d-D convolution (WebNN has conv2d only)", ErrUnsupported, sr)
	}
	kernel := attrInts(n, "kernel_shape")
	if kernel == nil {
		ws, ok := staticInts(wShape[2:])
		if !ok {
			return fmt.Errorf("%w: kernel shape is not static", ErrUnsupported)
		}
		kernel = ws
	}
	g, err := c.geometry(n, sr, kernel, xShape[2:])
	if err != nil {
		return err
	}
	x, w := xs[0], xs[1]
	if sr == 1 {
		one := shapeinfer.Const(1)
		if x, err = c.reshapeTo(n, x, []shapeinfer.Expr{xShape[0], xShape[1], one, xShape[2]}); err != nil {
			return err
		}
		if w, err = c.reshapeTo(n, w, []shapeinfer.Expr{wShape[0], wShape[1], one, wShape[2]}); err != nil {
			return err
		}
	}
	opts := map[string]any{
		"padding":   intsAny(g.padding),
		"strides":   intsAny(g.strides),
		"dilations": intsAny(g.dilations),
	}
	if len(g.reverse) > 0 {
		x, w = c.reversed(n, g, x), c.reversed(n, g, w)
	}
	return c.emitConv(n, "conv2d", x, w, opts, sr, g)
}

func checkConvTranspose(c *ctx, n *srcNode) error {
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r != 3 && r != 4 {
		return fmt.Errorf("%w: %d-D transposed convolution (WebNN has convTranspose2d only)", ErrUnsupported, r-2)
	}
	switch ap := attrString(n, "auto_pad", "NOTSET"); ap {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return unsupportedAttr("auto_pad", ap)
	}
	return nil
}

// lowerConvTranspose: convTranspose2d; 1-D runs as 2-D with a height of 1.
// auto_pad=SAME_* makes the output in·stride: the total padding is
// stride·(in−1) + output_padding + (k−1)·dilation + 1 − in·stride, split
// with the odd element at the end (SAME_UPPER) or the beginning
// (SAME_LOWER), as ONNX specifies for ConvTranspose.
func lowerConvTranspose(c *ctx, n *srcNode) error {
	if err := checkConvTranspose(c, n); err != nil {
		return err
	}
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	wShape, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	xShape, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	sr := len(xShape) - 2
	if len(wShape) != sr+2 {
		return fmt.Errorf("%w: weight rank %d for %d-D input", ErrUnsupported, len(wShape), sr)
	}
	kernel := attrInts(n, "kernel_shape")
	if kernel == nil {
		ws, ok := staticInts(wShape[2:])
		if !ok {
			return fmt.Errorf("%w: kernel shape is not static", ErrUnsupported)
		}
		kernel = ws
	}
	ap := attrString(n, "auto_pad", "NOTSET")
	outPad := attrInts(n, "output_padding")
	if outPad != nil && len(outPad) != sr {
		return unsupportedAttr("output_padding", outPad)
	}
	var g *convGeometry
	if ap == "SAME_UPPER" || ap == "SAME_LOWER" {
		g, err = c.sameTransposeGeometry(n, sr, kernel, xShape[2:], outPad, ap == "SAME_UPPER")
	} else {
		g, err = c.geometry(n, sr, kernel, xShape[2:])
	}
	if err != nil {
		return err
	}
	x, w := xs[0], xs[1]
	if sr == 1 {
		one := shapeinfer.Const(1)
		if x, err = c.reshapeTo(n, x, []shapeinfer.Expr{xShape[0], xShape[1], one, xShape[2]}); err != nil {
			return err
		}
		if w, err = c.reshapeTo(n, w, []shapeinfer.Expr{wShape[0], wShape[1], one, wShape[2]}); err != nil {
			return err
		}
	}
	opts := map[string]any{
		"padding":   intsAny(g.padding),
		"strides":   intsAny(g.strides),
		"dilations": intsAny(g.dilations),
	}
	if outPad != nil {
		if sr == 1 {
			outPad = []int64{0, outPad[0]}
		}
		opts["outputPadding"] = intsAny(outPad)
	}
	if os := attrInts(n, "output_shape"); os != nil {
		if len(os) != sr {
			return unsupportedAttr("output_shape", os)
		}
		if sr == 1 {
			os = []int64{1, os[0]}
		}
		opts["outputSizes"] = intsAny(os)
	}
	return c.emitConv(n, "convTranspose2d", x, w, opts, sr, nil)
}

// sameTransposeGeometry is the geometry of a ConvTranspose with
// auto_pad=SAME_UPPER/SAME_LOWER.
func (c *ctx) sameTransposeGeometry(n *srcNode, sr int, kernel []int64, in []shapeinfer.Expr, outPad []int64, upper bool) (*convGeometry, error) {
	get := func(name string) []int64 {
		v := attrInts(n, name)
		if v == nil {
			v = make([]int64, sr)
			for i := range v {
				v[i] = 1
			}
		}
		return v
	}
	strides, dil := get("strides"), get("dilations")
	if len(kernel) != sr || len(strides) != sr || len(dil) != sr {
		return nil, fmt.Errorf("%w: kernel_shape/strides/dilations do not match spatial rank %d", ErrUnsupported, sr)
	}
	pads := make([]int64, 2*sr)
	for i := 0; i < sr; i++ {
		op := int64(0)
		if outPad != nil {
			op = outPad[i]
		}
		// The output size is in·stride, so the total padding,
		// stride·(in - 1) + output_padding + extent - in·stride, does not
		// depend on in: a dynamic dim needs nothing special.
		total := op + (kernel[i]-1)*dil[i] + 1 - strides[i]
		if total < 0 {
			return nil, fmt.Errorf("%w: auto_pad=SAME_* would need negative padding (%d) on spatial axis %d", ErrUnsupported, total, i)
		}
		if upper {
			pads[i], pads[i+sr] = total/2, total-total/2
		} else {
			pads[i], pads[i+sr] = total-total/2, total/2
		}
	}
	g := &convGeometry{kernel: kernel, strides: strides, dilations: dil}
	if sr == 1 {
		g.kernel = []int64{1, kernel[0]}
		g.strides = []int64{1, strides[0]}
		g.dilations = []int64{1, dil[0]}
		g.padding = []int64{0, 0, pads[0], pads[1]}
	} else {
		g.padding = []int64{pads[0], pads[2], pads[1], pads[3]}
	}
	return g, nil
}

// emitConv finishes Conv and ConvTranspose: the group count, the optional
// bias as the third positional input (the form every loader reads), the
// op itself, and for 1-D convolutions (sr == 1, lowered as 2-D over a
// height of 1) the reshape back to the ONNX output shape.
func (c *ctx) emitConv(n *srcNode, op, x, w string, opts map[string]any, sr int, g *convGeometry) error {
	if grp := attrInt(n, "group", 1); grp != 1 {
		opts["groups"] = grp
	}
	ins := []string{x, w}
	if n.hasInput(2) {
		b, err := c.in(n, 2)
		if err != nil {
			return err
		}
		ins = append(ins, b)
	}
	out := c.op(n, op, ins, opts)
	if g != nil {
		out = c.reversed(n, g, out)
	}
	if sr == 1 {
		os, err := c.outShape(n, 0)
		if err != nil {
			return err
		}
		if out, err = c.reshapeTo(n, out, os); err != nil {
			return err
		}
	}
	c.bind(n, 0, out)
	return nil
}
