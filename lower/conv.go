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
	switch ap := attrString(n, "auto_pad", "NOTSET"); ap {
	case "NOTSET":
	case "VALID":
		pads = make([]int64, 2*sr)
	case "SAME_UPPER", "SAME_LOWER":
		for i := 0; i < sr; i++ {
			in, ok := inSpatial[i].Value()
			if !ok {
				b, e, ok := sameDynamicPads(kernel[i], strides[i], dil[i], ap == "SAME_UPPER")
				if !ok {
					return nil, fmt.Errorf("%w: auto_pad=%s with stride %d over the dynamic dim %q: its beginning padding depends on the size (on the size mod %d), which one padding cannot express; make it static with %s", ErrUnsupported, ap, strides[i], inSpatial[i].String(), strides[i], freezeHint(inSpatial[i]))
				}
				pads[i], pads[i+sr] = b, e
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

// sameDynamicPads is the padding of auto_pad=SAME_* over a dynamic dim,
// when one padding serves every size. The SAME total padding,
// max(0, (ceil(in/s) - 1)·s + extent - in), depends on in mod s only; with
// stride 1 it is constant. Where the beginning padding is the same for
// every size (PaddleOCR's stem MaxPool, kernel 2 stride 1; kernel 2
// stride 2), padding the end by its largest value gives the same windows
// (a window never reaches the extra end padding's pad values unless SAME
// pads there too, and pad values do not count: zeros for Conv, ignored
// by pools), and the output size floor((in + begin + end - extent)/s) + 1
// is checked to be ceil(in/s) for every size. ok is false otherwise
// (kernel 3 stride 2 pads 0 at the beginning of even sizes, 1 of odd).
func sameDynamicPads(k, s, d int64, upper bool) (begin, end int64, ok bool) {
	if k < 1 || s < 1 || d < 1 || k > 1<<20 || s > 1<<20 || d > 1<<20 {
		return 0, 0, false
	}
	ext := (k-1)*d + 1
	split := func(total int64) (int64, int64) {
		if upper {
			return total / 2, total - total/2
		}
		return total - total/2, total / 2
	}
	// Sizes 1 .. 2·(s + ext) cover every residue, and the small sizes
	// where the max(0, ·) clips.
	limit := 2 * (s + ext)
	begin = -1
	for in := int64(1); in <= limit; in++ {
		total := max((in+s-1)/s*s-s+ext-in, 0)
		b, e := split(total)
		if begin >= 0 && b != begin {
			return 0, 0, false
		}
		begin = b
		end = max(end, e)
	}
	for in := int64(1); in <= limit; in++ {
		if (in+begin+end-ext)/s+1 != (in+s-1)/s {
			return 0, 0, false
		}
	}
	return begin, end, true
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
	return c.emitConv(n, "conv2d", x, w, opts, sr)
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
	return c.emitConv(n, "convTranspose2d", x, w, opts, sr)
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
func (c *ctx) emitConv(n *srcNode, op, x, w string, opts map[string]any, sr int) error {
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
