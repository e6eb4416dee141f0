// Normalisations. The team's loader contract forbids operand-valued
// options, so scale and bias are always applied with mul/add after the
// WebNN normalisation op (formats-and-loader.md §7.4).

package lower

import (
	"fmt"
	"strconv"

	"github.com/webnn-graph/webnn-graph/graph"

	"github.com/webnn-graph/webnn-graph/tensor"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// channelOperand returns input i (shape [C]) reshaped to [C, 1, …] so it
// broadcasts along axis 1 of a rank-r tensor.
func (c *ctx) channelOperand(n *srcNode, i, r int) (string, error) {
	s, err := c.inShape(n, i)
	if err != nil {
		return "", err
	}
	if len(s) != 1 {
		return "", fmt.Errorf("%w: input %d has rank %d, want 1", ErrUnsupported, i, len(s))
	}
	target := []shapeinfer.Expr{s[0]}
	for len(target) < r-1 {
		target = append(target, shapeinfer.Const(1))
	}
	if st, ok := staticInts(target); ok {
		shape := make([]int, len(st))
		for k, v := range st {
			shape[k] = int(v)
		}
		if op, ok, err := c.reshapedConst(n, i, shape); err != nil || ok {
			return op, err
		}
	}
	x, err := c.in(n, i)
	if err != nil {
		return "", err
	}
	return c.reshapeTo(n, x, target)
}

// scaleBias applies mul(scale) and add(bias) when present.
func (c *ctx) scaleBias(n *srcNode, x string, scale, bias string) string {
	if scale != "" {
		x = c.op(n, "mul", []string{x, scale}, nil)
	}
	if bias != "" {
		x = c.op(n, "add", []string{x, bias}, nil)
	}
	return x
}

func checkBatchNorm(c *ctx, n *srcNode) error {
	if n.opset < 9 && attrInt(n, "spatial", 1) != 1 {
		return unsupportedAttr("spatial", 0)
	}
	if attrInt(n, "training_mode", 0) != 0 {
		return unsupportedAttr("training_mode", 1)
	}
	for i := 1; i < len(n.Output); i++ {
		if n.Output[i] != "" && c.users[n.Output[i]] > 0 {
			return fmt.Errorf("%w: training output %d is used", ErrUnsupported, i)
		}
	}
	return nil
}

// lowerBatchNorm: (x − mean) / sqrt(var + ε) · scale + bias with the
// per-channel operands reshaped to [C, 1, …]. Decomposed rather than WebNN
// batchNormalization because rustnn ≤ 0.5.12 mis-infers a
// batchNormalization fed by another normalisation (BN → relu → BN fails
// to load there), see layerNorm.
func lowerBatchNorm(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r < 2 {
		return fmt.Errorf("%w: rank-%d BatchNormalization", ErrUnsupported, r)
	}
	if c.target.NativeNormalization && c.dtypeOf(n, 0) != tensor.Float16 && c.precision != "float16" {
		// The target's batchNormalization takes 1-D mean and variance.
		stats, err := c.ins(n, 3, 4)
		if err != nil {
			return err
		}
		out := c.op(n, "batchNormalization", []string{x, stats[0], stats[1]}, map[string]any{"axis": int64(1), "epsilon": graph.Number(strconv.FormatFloat(float64(attrFloat(n, "epsilon", 1e-5)), 'g', -1, 32))})
		scale, err := c.channelOperand(n, 1, r)
		if err != nil {
			return err
		}
		bias, err := c.channelOperand(n, 2, r)
		if err != nil {
			return err
		}
		c.bind(n, 0, c.scaleBias(n, out, scale, bias))
		return nil
	}
	mean, err := c.channelOperand(n, 3, r)
	if err != nil {
		return err
	}
	variance, err := c.channelOperand(n, 4, r)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 0)
	half := dt == tensor.Float16
	if half {
		x = c.op(n, "cast", []string{x}, map[string]any{"to": "float32"})
		mean = c.op(n, "cast", []string{mean}, map[string]any{"to": "float32"})
		variance = c.op(n, "cast", []string{variance}, map[string]any{"to": "float32"})
		dt = tensor.Float32
	}
	eps, err := c.scalar(dt, float64(attrFloat(n, "epsilon", 1e-5)))
	if err != nil {
		return err
	}
	out := c.op(n, "div", []string{c.op(n, "sub", []string{x, mean}, nil), c.op(n, "sqrt", []string{c.op(n, "add", []string{variance, eps}, nil)}, nil)}, nil)
	if half {
		out = c.op(n, "cast", []string{out}, map[string]any{"to": "float16"})
	}
	scale, err := c.channelOperand(n, 1, r)
	if err != nil {
		return err
	}
	bias, err := c.channelOperand(n, 2, r)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.scaleBias(n, out, scale, bias))
	return nil
}

func checkLayerNorm(c *ctx, n *srcNode) error { return nil }

// statsUsed reports whether LayerNormalization's Mean or InvStdDev output
// is consumed.
func (c *ctx) statsUsed(n *srcNode) bool {
	for i := 1; i < len(n.Output); i++ {
		if n.Output[i] != "" && c.users[n.Output[i]] > 0 {
			return true
		}
	}
	return false
}

// lowerLayerNorm: layerNormalization over axes [axis, rank) without
// scale/bias options, then mul/add.
func lowerLayerNorm(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", -1), r)
	if err != nil {
		return err
	}
	var axes []any
	for a := axis; a < int64(r); a++ {
		axes = append(axes, a)
	}
	var out string
	if c.statsUsed(n) {
		// Mean and InvStdDev are outputs too: decompose so they exist.
		dt := c.dtypeOf(n, 0)
		eps, err := c.scalar(dt, float64(attrFloat(n, "epsilon", 1e-5)))
		if err != nil {
			return err
		}
		red := map[string]any{"axes": axes, "keepDimensions": true}
		mean := c.op(n, "reduceMean", []string{x}, red)
		d := c.op(n, "sub", []string{x, mean}, nil)
		v := c.op(n, "reduceMean", []string{c.op(n, "mul", []string{d, d}, nil)}, red)
		inv := c.op(n, "reciprocal", []string{c.op(n, "sqrt", []string{c.op(n, "add", []string{v, eps}, nil)}, nil)}, nil)
		out = c.op(n, "mul", []string{d, inv}, nil)
		c.bind(n, 1, mean)
		c.bind(n, 2, inv)
	} else if out, err = c.layerNorm(n, x, c.dtypeOf(n, 0), axes, float64(attrFloat(n, "epsilon", 1e-5))); err != nil {
		return err
	}
	var scale, bias string
	if n.hasInput(1) {
		if scale, err = c.in(n, 1); err != nil {
			return err
		}
	}
	if n.hasInput(2) {
		if bias, err = c.in(n, 2); err != nil {
			return err
		}
	}
	c.bind(n, 0, c.scaleBias(n, out, scale, bias))
	return nil
}

func lowerInstanceNorm(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r < 3 {
		return fmt.Errorf("%w: rank-%d InstanceNormalization (needs N, C and a spatial axis)", ErrUnsupported, r)
	}
	// Normalised over the spatial axes per instance and channel, with the
	// layer-norm decomposition (rustnn ≤ 0.5.12 mis-infers chained
	// instanceNormalization ops too); any spatial rank works this way.
	var axes []any
	for a := 2; a < r; a++ {
		axes = append(axes, int64(a))
	}
	var out string
	if eps := float64(attrFloat(n, "epsilon", 1e-5)); c.target.NativeNormalization && r == 4 && c.dtypeOf(n, 0) != tensor.Float16 && c.precision != "float16" {
		// The target's own op (NCHW); scale and bias follow as mul/add.
		out = c.op(n, "instanceNormalization", []string{x}, map[string]any{"epsilon": graph.Number(strconv.FormatFloat(eps, 'g', -1, 32)), "layout": "nchw"})
	} else if out, err = c.layerNorm(n, x, c.dtypeOf(n, 0), axes, eps); err != nil {
		return err
	}
	scale, err := c.channelOperand(n, 1, r)
	if err != nil {
		return err
	}
	bias, err := c.channelOperand(n, 2, r)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.scaleBias(n, out, scale, bias))
	return nil
}

// layerNorm emits (x − mean) / sqrt(var + ε) over axes with primitives
// (reduceMean, sub, mul, reduceMean, add, sqrt, div) instead of WebNN
// layerNormalization: rustnn ≤ 0.5.12, the reference loader, loses the
// output shape of a layerNormalization whose input derives from another
// one (LN → LN, LN → relu → LN come back with shape ()), so graphs with the
// fused op do not load there. The decomposition is what the spec defines
// the op as; float16 values (float16 models, and float32 models under
// Precision "float16") are normalised in float32, as ONNX Runtime does,
// and cast back: the cast in and the epsilon are marked so that the
// float16 pass keeps them float32.
func (c *ctx) layerNorm(n *srcNode, x string, dt tensor.DType, axes []any, eps float64) (string, error) {
	half := dt == tensor.Float16 || dt == tensor.Float32 && c.precision == "float16"
	var e string
	if half {
		x = c.op(n, "cast", []string{x}, map[string]any{"to": "float32"})
		c.keepF32[x] = true
		num, ok := floatNumber(eps, 32)
		if !ok {
			return "", fmt.Errorf("epsilon %g is not a float32", eps)
		}
		e = c.ids.fresh(n.base + "_eps")
		c.g.Consts = append(c.g.Consts, graph.Const{Name: e, Desc: staticDesc(tensor.Float32, nil), Kind: graph.ConstScalar, Scalar: num})
		c.keepF32[e] = true
	} else {
		var err error
		if e, err = c.scalar(dt, eps); err != nil {
			return "", err
		}
	}
	var out string
	if c.target.NativeNormalization {
		// The target's own op (scale and bias follow as mul/add, so no
		// operand-valued option is needed).
		out = c.op(n, "layerNormalization", []string{x}, map[string]any{"axes": axes, "epsilon": graph.Number(strconv.FormatFloat(eps, 'g', -1, 32))})
	} else {
		red := map[string]any{"axes": axes, "keepDimensions": true}
		mean := c.op(n, "reduceMean", []string{x}, red)
		d := c.op(n, "sub", []string{x, mean}, nil)
		v := c.op(n, "reduceMean", []string{c.op(n, "mul", []string{d, d}, nil)}, red)
		out = c.op(n, "div", []string{d, c.op(n, "sqrt", []string{c.op(n, "add", []string{v, e}, nil)}, nil)}, nil)
	}
	if half {
		out = c.op(n, "cast", []string{out}, map[string]any{"to": "float16"})
	}
	return out, nil
}

// rmsNorm emits x / sqrt(mean(x², axes) + ε) · scale.
func (c *ctx) rmsNorm(n *srcNode, x string, r int, axis int64, eps float64, scale string, dtIdx int) (string, error) {
	var axes []any
	for a := axis; a < int64(r); a++ {
		axes = append(axes, a)
	}
	dt := c.dtypeOf(n, dtIdx)
	two, err := c.scalar(dt, 2)
	if err != nil {
		return "", err
	}
	e, err := c.scalar(dt, eps)
	if err != nil {
		return "", err
	}
	ms := c.op(n, "reduceMean", []string{c.op(n, "pow", []string{x, two}, nil)}, map[string]any{"axes": axes, "keepDimensions": true})
	out := c.op(n, "div", []string{x, c.op(n, "sqrt", []string{c.op(n, "add", []string{ms, e}, nil)}, nil)}, nil)
	if scale != "" {
		out = c.op(n, "mul", []string{out, scale}, nil)
	}
	return out, nil
}

func lowerRMSNorm(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", -1), r)
	if err != nil {
		return err
	}
	out, err := c.rmsNorm(n, xs[0], r, axis, float64(attrFloat(n, "epsilon", 1e-5)), xs[1], 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// skipSum adds input, skip and the optional bias (input 4 for
// SkipLayerNormalization, 3 for the simplified form).
func (c *ctx) skipSum(n *srcNode, biasIdx int) (string, error) {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return "", err
	}
	s := c.op(n, "add", xs, nil)
	if n.hasInput(biasIdx) {
		b, err := c.in(n, biasIdx)
		if err != nil {
			return "", err
		}
		s = c.op(n, "add", []string{s, b}, nil)
	}
	return s, nil
}

func lowerSkipLayerNorm(c *ctx, n *srcNode) error {
	s, err := c.skipSum(n, 4)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r < 1 {
		return fmt.Errorf("input must have a hidden axis, got a scalar")
	}
	out, err := c.layerNorm(n, s, c.dtypeOf(n, 0), []any{int64(r - 1)}, float64(attrFloat(n, "epsilon", 1e-12)))
	if err != nil {
		return err
	}
	gamma, err := c.in(n, 2)
	if err != nil {
		return err
	}
	var beta string
	if n.hasInput(3) {
		if beta, err = c.in(n, 3); err != nil {
			return err
		}
	}
	c.bind(n, 0, c.scaleBias(n, out, gamma, beta))
	c.bind(n, 3, s)
	return nil
}

func lowerSkipRMSNorm(c *ctx, n *srcNode) error {
	s, err := c.skipSum(n, 3)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	if r < 1 {
		return fmt.Errorf("input must have a hidden axis, got a scalar")
	}
	gamma, err := c.in(n, 2)
	if err != nil {
		return err
	}
	out, err := c.rmsNorm(n, s, r, int64(r-1), float64(attrFloat(n, "epsilon", 1e-12)), gamma, 0)
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	c.bind(n, 3, s)
	return nil
}

// lowerLRN: x / (bias + α/size · Σ_window x²)^β over channels. The window
// sum is an average pool (times size) over channels laid out as a spatial
// axis, zero-padded explicitly so every window has size elements.
func lowerLRN(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	s, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(s) != 4 {
		return fmt.Errorf("%w: rank-%d LRN", ErrUnsupported, len(s))
	}
	size := attrInt(n, "size", 0)
	if size <= 0 || size > 1<<31 {
		return unsupportedAttr("size", size)
	}
	dt := c.dtypeOf(n, 0)
	lo, hi := (size-1)/2, size-1-(size-1)/2
	hw := s[2].Mul(s[3])
	sq := c.op(n, "mul", []string{x, x}, nil)
	r, err := c.reshapeTo(n, sq, []shapeinfer.Expr{s[0], shapeinfer.Const(1), s[1], hw})
	if err != nil {
		return err
	}
	p := c.op(n, "pad", []string{r}, map[string]any{"beginningPadding": intsAny([]int64{0, 0, lo, 0}), "endingPadding": intsAny([]int64{0, 0, hi, 0})})
	avg := c.op(n, "averagePool2d", []string{p}, map[string]any{"windowDimensions": intsAny([]int64{size, 1})})
	back, err := c.reshapeTo(n, avg, s)
	if err != nil {
		return err
	}
	alpha, err := c.scalar(dt, float64(attrFloat(n, "alpha", 1e-4)))
	if err != nil {
		return err
	}
	bias, err := c.scalar(dt, float64(attrFloat(n, "bias", 1)))
	if err != nil {
		return err
	}
	beta, err := c.scalar(dt, float64(attrFloat(n, "beta", 0.75)))
	if err != nil {
		return err
	}
	den := c.op(n, "pow", []string{c.op(n, "add", []string{c.op(n, "mul", []string{back, alpha}, nil), bias}, nil), beta}, nil)
	c.bind(n, 0, c.op(n, "div", []string{x, den}, nil))
	return nil
}

// lowerGroupNorm: reshape to [N, G, rest], layerNormalization over the
// last axis, reshape back; scale/bias are per group before opset 21 and
// per channel from 21.
func lowerGroupNorm(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	s, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(s) < 3 {
		return fmt.Errorf("%w: rank-%d GroupNormalization", ErrUnsupported, len(s))
	}
	g := attrInt(n, "num_groups", 0)
	if g <= 0 || g > graph.MaxDim {
		return unsupportedAttr("num_groups", g)
	}
	if ch, ok := s[1].Value(); ok && (g > max(ch, 1) || ch%g != 0) {
		return fmt.Errorf("num_groups %d does not divide the %d channels", g, ch)
	}
	G := shapeinfer.Const(g)
	rest := s[1].FloorDiv(G)
	for _, d := range s[2:] {
		rest = rest.Mul(d)
	}
	r, err := c.reshapeTo(n, x, []shapeinfer.Expr{s[0], G, rest})
	if err != nil {
		return err
	}
	out, err := c.layerNorm(n, r, c.dtypeOf(n, 0), []any{int64(2)}, float64(attrFloat(n, "epsilon", 1e-5)))
	if err != nil {
		return err
	}
	if n.opset < 21 {
		// scale/bias have shape [G]: apply on the grouped layout.
		sc, err := c.channelOperand(n, 1, 3)
		if err != nil {
			return err
		}
		bi, err := c.channelOperand(n, 2, 3)
		if err != nil {
			return err
		}
		out = c.scaleBias(n, out, sc, bi)
		if out, err = c.reshapeTo(n, out, s); err != nil {
			return err
		}
	} else {
		if out, err = c.reshapeTo(n, out, s); err != nil {
			return err
		}
		sc, err := c.channelOperand(n, 1, len(s))
		if err != nil {
			return err
		}
		bi, err := c.channelOperand(n, 2, len(s))
		if err != nil {
			return err
		}
		out = c.scaleBias(n, out, sc, bi)
	}
	c.bind(n, 0, out)
	return nil
}

// lowerMVN: MeanVarianceNormalization, (x − mean) / (√var + 1e-9) over
// axes (default [0, 2, 3]); ONNX's function body adds its epsilon after
// the square root.
func lowerMVN(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	raw := attrInts(n, "axes")
	if raw == nil {
		raw = []int64{0, 2, 3}
	}
	axes, err := normAxes(raw, r)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 0)
	if !dt.IsFloat() {
		return fmt.Errorf("%w: MeanVarianceNormalization of %v", ErrUnsupported, dt)
	}
	eps, err := c.scalar(dt, 1e-9)
	if err != nil {
		return err
	}
	red := map[string]any{"axes": intsAny(axes), "keepDimensions": true}
	d := c.op(n, "sub", []string{x, c.op(n, "reduceMean", []string{x}, red)}, nil)
	v := c.op(n, "reduceMean", []string{c.op(n, "mul", []string{d, d}, nil)}, red)
	c.bind(n, 0, c.op(n, "div", []string{d, c.op(n, "add", []string{c.op(n, "sqrt", []string{v}, nil), eps}, nil)}, nil))
	return nil
}

// lowerEmbedLayerNorm (com.microsoft.EmbedLayerNormalization, BERT's
// embeddings fused by ORT's optimizer): word[input_ids] +
// position[position_ids or 0…S−1] (+ segment[segment_ids]), layer-normed
// over the hidden axis, scaled and shifted; mask_index is the count of
// mask values equal to 1 per row (as ONNX Runtime counts), embedding_sum
// the sum before normalisation.
func lowerEmbedLayerNorm(c *ctx, n *srcNode) error {
	is, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(is) != 2 {
		return fmt.Errorf("%w: input_ids of rank %d", ErrUnsupported, len(is))
	}
	B, S := is[0], is[1]
	ws, err := c.inShape(n, 2)
	if err != nil {
		return err
	}
	if len(ws) != 2 {
		return fmt.Errorf("word_embedding of rank %d", len(ws))
	}
	H := ws[1]
	gather := func(table, idx int) (string, error) {
		t, err := c.in(n, table)
		if err != nil {
			return "", err
		}
		i, err := c.in(n, idx)
		if err != nil {
			return "", err
		}
		return c.op(n, "gather", []string{t, i}, map[string]any{"axis": int64(0)}), nil
	}
	sum, err := gather(2, 0)
	if err != nil {
		return err
	}
	var pos string
	if n.hasInput(8) {
		if pos, err = gather(3, 8); err != nil {
			return err
		}
	} else {
		pe, err := c.in(n, 3)
		if err != nil {
			return err
		}
		sz, err := c.dimsOption([]shapeinfer.Expr{S, H})
		if err != nil {
			return err
		}
		pos = c.op(n, "slice", []string{pe}, map[string]any{"starts": intsAny([]int64{0, 0}), "sizes": sz})
	}
	sum = c.op(n, "add", []string{sum, pos}, nil)
	if n.hasInput(1) && n.hasInput(4) {
		seg, err := gather(4, 1)
		if err != nil {
			return err
		}
		sum = c.op(n, "add", []string{sum, seg}, nil)
	}
	out, err := c.layerNorm(n, sum, c.dtypeOf(n, 2), []any{int64(2)}, float64(attrFloat(n, "epsilon", 1e-12)))
	if err != nil {
		return err
	}
	gamma, err := c.in(n, 5)
	if err != nil {
		return err
	}
	beta, err := c.in(n, 6)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.scaleBias(n, out, gamma, beta))
	if n.hasOutput(1) {
		var mi string
		if n.hasInput(7) {
			m, err := c.in(n, 7)
			if err != nil {
				return err
			}
			one, err := c.scalar(c.dtypeOf(n, 7), 1)
			if err != nil {
				return err
			}
			ones := c.op(n, "cast", []string{c.op(n, "equal", []string{m, one}, nil)}, map[string]any{"to": "int32"})
			mi = c.op(n, "reduceSum", []string{ones}, map[string]any{"axes": []any{int64(1)}, "keepDimensions": false})
		} else {
			z, err := c.scalar(tensor.Int32, 0)
			if err != nil {
				return err
			}
			sz, err := c.dimsOption([]shapeinfer.Expr{B})
			if err != nil {
				return err
			}
			mi = c.op(n, "expand", []string{z}, map[string]any{"newShape": sz})
		}
		c.bind(n, 1, mi)
	}
	c.bind(n, 2, sum)
	return nil
}
