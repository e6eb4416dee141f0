// LSTM, GRU and RNN unrolled into primitive ops, one step per time step,
// for what WebNN's lstm/gru cannot take without operand-valued options
// (initial states fed as graph inputs — streaming models carry their
// state from call to call —, peepholes, the candidate gate's recurrent
// bias with linear_before_reset=1, per-batch sequence_lens) or cannot
// express at all (clip, per-direction or parameterised activations, the
// plain RNN op). The sequence length must be static. The input projection
// of every step is one matmul over the whole sequence; each step adds the
// recurrent matmul and the gate arithmetic of the ONNX definition:
//
//	LSTM  i = f(Xi + Hi + Pi⊙C),  f = f(Xf + Hf + Pf⊙C),  c = g(Xc + Hc),
//	      C' = f⊙C + i⊙c,  o = f(Xo + Ho + Po⊙C'),  H' = o⊙h(C')
//	GRU   z = f(Xz + Hz),  r = f(Xr + Hr),
//	      n = g(Xn + (r⊙H)·Rnᵀ + Rbn)   (linear_before_reset=0)
//	      n = g(Xn + r⊙(H·Rnᵀ + Rbn))   (linear_before_reset=1)
//	      H' = (1−z)⊙n + z⊙H
//	RNN   H' = f(X + H·Rᵀ)
//
// (biases Wb + Rb folded into the X terms except GRU's Rbn). With
// sequence_lens, rows whose sequence has ended keep their state and emit
// zeros, as ONNX specifies; a reverse direction starts at each row's last
// valid step the same way.

package lower

import (
	"fmt"
	"math"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// maxUnrolledSteps bounds steps × directions of an unrolled recurrence.
const maxUnrolledSteps = 2048

// rnnActivation is one ONNX recurrent activation with its parameters.
type rnnActivation struct {
	name        string
	alpha, beta float64
}

// rnnActivations resolves the activations attribute (defaults per op,
// one list per direction) with activation_alpha/beta consumed in order by
// the functions that take them, as ONNX Runtime reads them.
func rnnActivations(n *srcNode, dirs int) ([][]rnnActivation, error) {
	var def []string
	switch n.GetOpType() {
	case "LSTM", "DynamicQuantizeLSTM":
		def = []string{"Sigmoid", "Tanh", "Tanh"}
	case "GRU":
		def = []string{"Sigmoid", "Tanh"}
	default:
		def = []string{"Tanh"}
	}
	per := len(def)
	names := attrStrings(n, "activations")
	if names == nil {
		for d := 0; d < dirs; d++ {
			names = append(names, def...)
		}
	}
	if len(names) == per && dirs == 2 {
		names = append(names, names...)
	}
	if len(names) != per*dirs {
		return nil, fmt.Errorf("%d activations for %d direction(s) of %s", len(names), dirs, n.GetOpType())
	}
	alphas, betas := attrFloats(n, "activation_alpha"), attrFloats(n, "activation_beta")
	ai, bi := 0, 0
	take := func(xs []float32, i *int, def float64) float64 {
		if *i < len(xs) {
			v := float64(xs[*i])
			*i++
			return v
		}
		return def
	}
	out := make([][]rnnActivation, dirs)
	for k, name := range names {
		a := rnnActivation{name: name}
		switch strings.ToLower(name) {
		case "sigmoid", "tanh", "relu", "softsign", "softplus":
		case "leakyrelu":
			a.alpha = take(alphas, &ai, 0.01)
		case "thresholdedrelu":
			a.alpha = take(alphas, &ai, 1)
		case "elu":
			a.alpha = take(alphas, &ai, 1)
		case "hardsigmoid":
			a.alpha, a.beta = take(alphas, &ai, 0.2), take(betas, &bi, 0.5)
		case "affine":
			a.alpha, a.beta = take(alphas, &ai, 1), take(betas, &bi, 0)
		case "scaledtanh":
			a.alpha, a.beta = take(alphas, &ai, 1), take(betas, &bi, 1)
		default:
			return nil, fmt.Errorf("%w: recurrent activation %s", ErrUnsupported, name)
		}
		out[k/per] = append(out[k/per], a)
	}
	return out, nil
}

// apply emits the activation on x.
func (a rnnActivation) apply(c *ctx, n *srcNode, x string, dt tensor.DType) (string, error) {
	k := func(v float64) (string, error) { return c.scalar(dt, v) }
	switch strings.ToLower(a.name) {
	case "sigmoid":
		return c.op(n, "sigmoid", []string{x}, nil), nil
	case "tanh":
		return c.op(n, "tanh", []string{x}, nil), nil
	case "relu":
		return c.op(n, "relu", []string{x}, nil), nil
	case "softsign":
		return c.op(n, "softsign", []string{x}, nil), nil
	case "softplus":
		return c.op(n, "softplus", []string{x}, nil), nil
	case "leakyrelu":
		return c.op(n, "leakyRelu", []string{x}, map[string]any{"alpha": a.alpha}), nil
	case "elu":
		return c.op(n, "elu", []string{x}, map[string]any{"alpha": a.alpha}), nil
	case "hardsigmoid":
		return c.op(n, "hardSigmoid", []string{x}, map[string]any{"alpha": a.alpha, "beta": a.beta}), nil
	case "thresholdedrelu":
		th, err := k(a.alpha)
		if err != nil {
			return "", err
		}
		zero, err := k(0)
		if err != nil {
			return "", err
		}
		return c.op(n, "where", []string{c.op(n, "greater", []string{x, th}, nil), x, zero}, nil), nil
	case "affine":
		al, err := k(a.alpha)
		if err != nil {
			return "", err
		}
		be, err := k(a.beta)
		if err != nil {
			return "", err
		}
		return c.op(n, "add", []string{c.op(n, "mul", []string{x, al}, nil), be}, nil), nil
	case "scaledtanh":
		al, err := k(a.alpha)
		if err != nil {
			return "", err
		}
		be, err := k(a.beta)
		if err != nil {
			return "", err
		}
		return c.op(n, "mul", []string{c.op(n, "tanh", []string{c.op(n, "mul", []string{x, be}, nil)}, nil), al}, nil), nil
	}
	return "", fmt.Errorf("%w: recurrent activation %s", ErrUnsupported, a.name)
}

// recurrentUnrollReason says why a node cannot use WebNN's fused lstm/gru
// (so it is unrolled), or "" when it can.
func (c *ctx) recurrentUnrollReason(n *srcNode) string {
	lstm := n.GetOpType() == "LSTM"
	switch {
	case n.GetOpType() == "RNN":
		return "WebNN has no plain RNN op"
	case hasAttr(n, "clip"):
		return "clip"
	case hasAttr(n, "activation_alpha") || hasAttr(n, "activation_beta"):
		return "activation parameters"
	}
	if acts := attrStrings(n, "activations"); acts != nil {
		per := 2
		if lstm {
			per = 3
		}
		if len(acts) == 2*per && strings.Join(acts[:per], ",") != strings.Join(acts[per:], ",") {
			return "activations differ between directions"
		}
		for _, a := range acts {
			if a != "Sigmoid" && a != "Tanh" && a != "Relu" {
				return "activation " + a
			}
		}
	}
	if !lstm && attrInt(n, "linear_before_reset", 0) != 0 && n.hasInput(3) && !c.zeroRecurrentCandidateBias(n) {
		return "linear_before_reset=1 with a recurrent bias of the candidate gate"
	}
	if n.hasInput(4) {
		xs, err := c.inShape(n, 0)
		if err == nil && len(xs) == 3 {
			steps := xs[0]
			if attrInt(n, "layout", 0) == 1 {
				steps = xs[1]
			}
			v, ok := steps.Value()
			if sl, known := c.constInts(n, 4); !ok || !known || !allEqual(sl, v) {
				return "sequence_lens"
			}
		}
	}
	states := []int{5}
	if lstm {
		states = []int{5, 6, 7}
	}
	for _, i := range states {
		if !c.zeroOrAbsent(n, i) {
			if i == 7 {
				return "peepholes"
			}
			return "initial states"
		}
	}
	return ""
}

// checkRecurrentWeights refuses W and R whose static dims disagree with
// the directions, the hidden size (an attribute a hostile model may set
// far past its weights) and the input size: W [D, G·H, I] and R [D, G·H, H]
// (DynamicQuantizeLSTM: W [D, I, G·H], R [D, H, G·H]).
func checkRecurrentWeights(c *ctx, n *srcNode, dq bool, dirs, gates, H int64, I shapeinfer.Expr) error {
	if H <= 0 || H > graph.MaxDim {
		return fmt.Errorf("hidden_size %d", H)
	}
	iv, iok := I.Value()
	want := map[int][3]int64{1: {dirs, gates * H, iv}, 2: {dirs, gates * H, H}}
	if dq {
		want = map[int][3]int64{1: {dirs, iv, gates * H}, 2: {dirs, H, gates * H}}
	}
	for _, i := range []int{1, 2} {
		s, err := c.inShape(n, i)
		if err != nil {
			return err
		}
		if len(s) != 3 {
			return fmt.Errorf("%s of rank %d, want 3", map[int]string{1: "W", 2: "R"}[i], len(s))
		}
		for d := 0; d < 3; d++ {
			if !iok && ((dq && i == 1 && d == 1) || (!dq && i == 1 && d == 2)) {
				continue
			}
			if v, ok := s[d].Value(); ok && v != want[i][d] {
				return fmt.Errorf("%s of shape %s for %d direction(s), hidden_size %d and input size %s (want %v)",
					map[int]string{1: "W", 2: "R"}[i], shapeinfer.ShapeString(s), dirs, H, I.String(), want[i])
			}
		}
	}
	return nil
}

// lowerRecurrentUnrolled emits n step by step (see the file comment).
func lowerRecurrentUnrolled(c *ctx, n *srcNode) error {
	op := n.GetOpType()
	// com.microsoft.DynamicQuantizeLSTM: LSTM with int8/uint8 weights
	// W [D, I, 4H], R [D, H, 4H] and ONNX Runtime's dynamic quantization
	// of X and of each step's hidden state (dqProduct).
	dq := op == "DynamicQuantizeLSTM"
	if dq {
		op = "LSTM"
	}
	gates := map[string]int64{"LSTM": 4, "GRU": 3, "RNN": 1}[op]
	if op == "LSTM" && attrInt(n, "input_forget", 0) != 0 {
		return unsupportedAttr("input_forget", 1)
	}
	batchFirst := attrInt(n, "layout", 0) == 1
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	ws, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	if len(xs) != 3 || len(ws) != 3 {
		return fmt.Errorf("input ranks %d and %d, want 3", len(xs), len(ws))
	}
	S, B, I := xs[0], xs[1], xs[2]
	if batchFirst {
		S, B = xs[1], xs[0]
	}
	steps, ok := S.Value()
	if !ok {
		return dynamicStepsRefusal(op, S)
	}
	dirName := attrString(n, "direction", "forward")
	dirs := map[string]int{"forward": 1, "reverse": 1, "bidirectional": 2}[dirName]
	if dirs == 0 {
		return unsupportedAttr("direction", dirName)
	}
	if steps <= 0 {
		return fmt.Errorf("%w: %s over %d steps", ErrUnsupported, op, steps)
	}
	if steps*int64(dirs) > maxUnrolledSteps {
		return fmt.Errorf("%w: %s over %d steps × %d direction(s), more than the unrolling limit %d", ErrUnsupported, op, steps, dirs, maxUnrolledSteps)
	}
	H := attrInt(n, "hidden_size", 0)
	if H <= 0 && dq {
		rs, err := c.inShape(n, 2)
		if err != nil {
			return err
		}
		if len(rs) != 3 {
			return fmt.Errorf("%w: hidden size unknown (R of rank %d)", ErrUnsupported, len(rs))
		}
		h, ok := rs[1].Value()
		if !ok {
			return fmt.Errorf("%w: hidden size unknown", ErrUnsupported)
		}
		H = h
	}
	if H <= 0 {
		gh, ok := ws[1].Value()
		if !ok {
			return fmt.Errorf("%w: hidden size unknown", ErrUnsupported)
		}
		H = gh / gates
	}
	if err := checkRecurrentWeights(c, n, dq, int64(dirs), gates, H, I); err != nil {
		return err
	}
	acts, err := rnnActivations(n, dirs)
	if err != nil {
		return err
	}
	dt := c.dtypeOf(n, 0)
	clip := -1.0
	if hasAttr(n, "clip") {
		clip = float64(attrFloat(n, "clip", 0))
		if clip <= 0 || math.IsNaN(clip) {
			return unsupportedAttr("clip", clip)
		}
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	if batchFirst {
		x = c.op(n, "transpose", []string{x}, map[string]any{"permutation": intsAny([]int64{1, 0, 2})})
	}
	w, err := c.in(n, 1)
	if err != nil {
		return err
	}
	r, err := c.in(n, 2)
	if err != nil {
		return err
	}
	one := shapeinfer.Const(1)
	cst := shapeinfer.Const
	// optional inputs
	in := func(i int) (string, error) {
		if !n.hasInput(i) {
			return "", nil
		}
		return c.in(n, i)
	}
	bias, err := in(3)
	if err != nil {
		return err
	}
	seqLens, err := in(4)
	if err != nil {
		return err
	}
	h0, err := in(5)
	if err != nil {
		return err
	}
	var c0, peep string
	if op == "LSTM" {
		if c0, err = in(6); err != nil {
			return err
		}
		if peep, err = in(7); err != nil {
			return err
		}
	}
	if seqLens != "" {
		if sl, ok := c.constInts(n, 4); ok && allEqual(sl, steps) {
			seqLens = "" // every sequence is full
		} else if dq {
			// ONNX Runtime quantizes only the first max(sequence_lens)
			// steps of X, a range known at run time only.
			return fmt.Errorf("%w: DynamicQuantizeLSTM with sequence_lens shorter than the sequence", ErrUnsupported)
		} else {
			if c.dtypeOf(n, 4) != tensor.Int64 {
				seqLens = c.op(n, "cast", []string{seqLens}, map[string]any{"to": tensor.Int64.String()})
			}
			if seqLens, err = c.reshapeTo(n, seqLens, []shapeinfer.Expr{B, one}); err != nil {
				return err
			}
		}
	}
	// sliceRows returns rows [start, start+size) of the 2-D (or d-th
	// matrix of a 3-D) operand.
	slice2 := func(v string, d int, r0, rows, cols int64, threeD bool) (string, error) {
		if threeD {
			s := c.op(n, "slice", []string{v}, map[string]any{"starts": intsAny([]int64{int64(d), r0, 0}), "sizes": intsAny([]int64{1, rows, cols})})
			return c.reshapeTo(n, s, exprs(rows, cols))
		}
		return c.op(n, "slice", []string{v}, map[string]any{"starts": intsAny([]int64{int64(d), r0}), "sizes": intsAny([]int64{1, rows})}), nil
	}
	Iv, ok := I.Value()
	if !ok {
		return fmt.Errorf("%w: dynamic input size %q", ErrUnsupported, I.String())
	}
	zeroState := func() (string, error) {
		z, err := c.scalar(dt, 0)
		if err != nil {
			return "", err
		}
		sz, err := c.dimsOption([]shapeinfer.Expr{B, cst(H)})
		if err != nil {
			return "", err
		}
		return c.op(n, "expand", []string{z}, map[string]any{"newShape": sz}), nil
	}
	// stateOf returns direction d's initial state from input v ([D, B, H],
	// or [B, D, H] with layout 1), or zeros.
	stateOf := func(v string, d int) (string, error) {
		if v == "" {
			return zeroState()
		}
		starts := []any{int64(d), int64(0), int64(0)}
		sizes := []shapeinfer.Expr{one, B, cst(H)}
		if batchFirst {
			starts = []any{int64(0), int64(d), int64(0)}
			sizes = []shapeinfer.Expr{B, one, cst(H)}
		}
		sz, err := c.dimsOption(sizes)
		if err != nil {
			return "", err
		}
		s := c.op(n, "slice", []string{v}, map[string]any{"starts": starts, "sizes": sz})
		return c.reshapeTo(n, s, []shapeinfer.Expr{B, cst(H)})
	}
	var clipLo, clipHi float64 = -clip, clip
	clipped := func(v string) string {
		if clip < 0 {
			return v
		}
		return c.op(n, "clamp", []string{v}, map[string]any{"minValue": clipLo, "maxValue": clipHi})
	}
	act := func(a rnnActivation, v string) (string, error) { return a.apply(c, n, clipped(v), dt) }
	zero, err := c.scalar(dt, 0)
	if err != nil {
		return err
	}
	oneF, err := c.scalar(dt, 1)
	if err != nil {
		return err
	}
	var ys, yhs, ycs []string
	for d := 0; d < dirs; d++ {
		reverse := dirName == "reverse" || d == 1
		a := acts[d]
		GH := gates * H
		var xw, rdT string
		var dqr *dqProduct
		if dq {
			var dqx *dqProduct
			if dqx, err = c.newDQProduct(n, 1, 8, 9, d, Iv, GH); err != nil {
				return err
			}
			if dqr, err = c.newDQProduct(n, 2, 10, 11, d, H, GH); err != nil {
				return err
			}
			// the input projection quantizes all of X at once
			if xw, err = dqx.apply(c, n, x, []shapeinfer.Expr{S, B, I}, 0); err != nil {
				return err
			}
		} else {
			wd, err := slice2(w, d, 0, GH, Iv, true)
			if err != nil {
				return err
			}
			rd, err := slice2(r, d, 0, GH, H, true)
			if err != nil {
				return err
			}
			// input projection of every step: [S, B, I]·[I, G·H]
			xw = c.op(n, "matmul", []string{x, c.op(n, "transpose", []string{wd}, map[string]any{"permutation": intsAny([]int64{1, 0})})}, nil)
			rdT = c.op(n, "transpose", []string{rd}, map[string]any{"permutation": intsAny([]int64{1, 0})})
		}
		var dqBias string // DynamicQuantizeLSTM adds Wb + Rb after both products, as ORT
		var rbn string    // GRU's recurrent bias of the candidate gate, [H]
		if bias != "" {
			bd, err := c.reshapeTo(n, c.op(n, "slice", []string{bias}, map[string]any{"starts": intsAny([]int64{int64(d), 0}), "sizes": intsAny([]int64{1, 2 * GH})}), exprs(2*GH))
			if err != nil {
				return err
			}
			wb := c.op(n, "slice", []string{bd}, map[string]any{"starts": intsAny([]int64{0}), "sizes": intsAny([]int64{GH})})
			rb := c.op(n, "slice", []string{bd}, map[string]any{"starts": intsAny([]int64{GH}), "sizes": intsAny([]int64{GH})})
			if op == "GRU" && attrInt(n, "linear_before_reset", 0) != 0 {
				// Rbn sits inside the reset product: keep it apart and
				// add zeros in its place to the X term.
				rbzr := c.op(n, "slice", []string{rb}, map[string]any{"starts": intsAny([]int64{0}), "sizes": intsAny([]int64{2 * H})})
				rbn = c.op(n, "slice", []string{rb}, map[string]any{"starts": intsAny([]int64{2 * H}), "sizes": intsAny([]int64{H})})
				zeroN, err := c.scalar(dt, 0, int(H))
				if err != nil {
					return err
				}
				rb = c.op(n, "concat", []string{rbzr, zeroN}, map[string]any{"axis": int64(0)})
			}
			if dq {
				dqBias = c.op(n, "add", []string{wb, rb}, nil)
			} else {
				xw = c.op(n, "add", []string{xw, c.op(n, "add", []string{wb, rb}, nil)}, nil)
			}
		}
		var rzrT, rnT string
		if op == "GRU" {
			rzrT = c.op(n, "slice", []string{rdT}, map[string]any{"starts": intsAny([]int64{0, 0}), "sizes": intsAny([]int64{H, 2 * H})})
			rnT = c.op(n, "slice", []string{rdT}, map[string]any{"starts": intsAny([]int64{0, 2 * H}), "sizes": intsAny([]int64{H, H})})
		}
		var pi, po, pf string
		if peep != "" {
			pd, err := c.reshapeTo(n, c.op(n, "slice", []string{peep}, map[string]any{"starts": intsAny([]int64{int64(d), 0}), "sizes": intsAny([]int64{1, 3 * H})}), exprs(3*H))
			if err != nil {
				return err
			}
			part := func(k int64) string {
				return c.op(n, "slice", []string{pd}, map[string]any{"starts": intsAny([]int64{k * H}), "sizes": intsAny([]int64{H})})
			}
			pi, po, pf = part(0), part(1), part(2)
		}
		h, err := stateOf(h0, d)
		if err != nil {
			return err
		}
		var cell string
		if op == "LSTM" {
			if cell, err = stateOf(c0, d); err != nil {
				return err
			}
		}
		ysd := make([]string, steps)
		gatesOf := func(v string, k int64) (string, error) {
			sz, err := c.dimsOption([]shapeinfer.Expr{B, cst(H)})
			if err != nil {
				return "", err
			}
			return c.op(n, "slice", []string{v}, map[string]any{"starts": intsAny([]int64{0, k * H}), "sizes": sz}), nil
		}
		for i := int64(0); i < steps; i++ {
			t := i
			if reverse {
				t = steps - 1 - i
			}
			sz, err := c.dimsOption([]shapeinfer.Expr{one, B, cst(GH)})
			if err != nil {
				return err
			}
			xt, err := c.reshapeTo(n, c.op(n, "slice", []string{xw}, map[string]any{"starts": intsAny([]int64{t, 0, 0}), "sizes": sz}), []shapeinfer.Expr{B, cst(GH)})
			if err != nil {
				return err
			}
			var hNew, cNew string
			switch op {
			case "RNN":
				if hNew, err = act(a[0], c.op(n, "add", []string{xt, c.op(n, "matmul", []string{h, rdT}, nil)}, nil)); err != nil {
					return err
				}
			case "GRU":
				sz2, err := c.dimsOption([]shapeinfer.Expr{B, cst(2 * H)})
				if err != nil {
					return err
				}
				xzr := c.op(n, "slice", []string{xt}, map[string]any{"starts": intsAny([]int64{0, 0}), "sizes": sz2})
				xn, err := gatesOf(xt, 2)
				if err != nil {
					return err
				}
				zr := c.op(n, "add", []string{xzr, c.op(n, "matmul", []string{h, rzrT}, nil)}, nil)
				zg, err := gatesOf(zr, 0)
				if err != nil {
					return err
				}
				rg, err := gatesOf(zr, 1)
				if err != nil {
					return err
				}
				z, err := act(a[0], zg)
				if err != nil {
					return err
				}
				rr, err := act(a[0], rg)
				if err != nil {
					return err
				}
				var hn string
				if attrInt(n, "linear_before_reset", 0) != 0 {
					hr := c.op(n, "matmul", []string{h, rnT}, nil)
					if rbn != "" {
						hr = c.op(n, "add", []string{hr, rbn}, nil)
					}
					hn = c.op(n, "mul", []string{rr, hr}, nil)
				} else {
					hn = c.op(n, "matmul", []string{c.op(n, "mul", []string{rr, h}, nil), rnT}, nil)
				}
				nn, err := act(a[1], c.op(n, "add", []string{xn, hn}, nil))
				if err != nil {
					return err
				}
				// (1 − z)⊙n + z⊙H
				hNew = c.op(n, "add", []string{c.op(n, "mul", []string{c.op(n, "sub", []string{oneF, z}, nil), nn}, nil), c.op(n, "mul", []string{z, h}, nil)}, nil)
			case "LSTM":
				var rec string
				if dq {
					if rec, err = dqr.apply(c, n, h, []shapeinfer.Expr{B, cst(H)}, dqlstmThreads(H)); err != nil {
						return err
					}
				} else {
					rec = c.op(n, "matmul", []string{h, rdT}, nil)
				}
				g := c.op(n, "add", []string{xt, rec}, nil)
				if dqBias != "" {
					g = c.op(n, "add", []string{g, dqBias}, nil)
				}
				gi, err := gatesOf(g, 0)
				if err != nil {
					return err
				}
				gO, err := gatesOf(g, 1)
				if err != nil {
					return err
				}
				gf, err := gatesOf(g, 2)
				if err != nil {
					return err
				}
				gc, err := gatesOf(g, 3)
				if err != nil {
					return err
				}
				if pi != "" {
					gi = c.op(n, "add", []string{gi, c.op(n, "mul", []string{pi, cell}, nil)}, nil)
					gf = c.op(n, "add", []string{gf, c.op(n, "mul", []string{pf, cell}, nil)}, nil)
				}
				ig, err := act(a[0], gi)
				if err != nil {
					return err
				}
				fg, err := act(a[0], gf)
				if err != nil {
					return err
				}
				cc, err := act(a[1], gc)
				if err != nil {
					return err
				}
				cNew = c.op(n, "add", []string{c.op(n, "mul", []string{fg, cell}, nil), c.op(n, "mul", []string{ig, cc}, nil)}, nil)
				if po != "" {
					gO = c.op(n, "add", []string{gO, c.op(n, "mul", []string{po, cNew}, nil)}, nil)
				}
				og, err := act(a[0], gO)
				if err != nil {
					return err
				}
				hc, err := a[2].apply(c, n, cNew, dt) // h(C) is not clipped
				if err != nil {
					return err
				}
				hNew = c.op(n, "mul", []string{og, hc}, nil)
			}
			yt := hNew
			if seqLens != "" {
				tOp, err := c.scalar(tensor.Int64, float64(t))
				if err != nil {
					return err
				}
				live := c.op(n, "lesser", []string{tOp, seqLens}, nil) // [B, 1]
				yt = c.op(n, "where", []string{live, hNew, zero}, nil)
				hNew = c.op(n, "where", []string{live, hNew, h}, nil)
				if cNew != "" {
					cNew = c.op(n, "where", []string{live, cNew, cell}, nil)
				}
			}
			h, cell = hNew, cNew
			if n.hasOutput(0) {
				if ysd[t], err = c.reshapeTo(n, yt, []shapeinfer.Expr{one, one, B, cst(H)}); err != nil {
					return err
				}
			}
		}
		if n.hasOutput(0) {
			y := ysd[0]
			if steps > 1 {
				y = c.op(n, "concat", ysd, map[string]any{"axis": int64(0)})
			}
			ys = append(ys, y)
		}
		yh, err := c.reshapeTo(n, h, []shapeinfer.Expr{one, B, cst(H)})
		if err != nil {
			return err
		}
		yhs = append(yhs, yh)
		if op == "LSTM" {
			yc, err := c.reshapeTo(n, cell, []shapeinfer.Expr{one, B, cst(H)})
			if err != nil {
				return err
			}
			ycs = append(ycs, yc)
		}
	}
	cat := func(vs []string, axis int64) string {
		if len(vs) == 1 {
			return vs[0]
		}
		return c.op(n, "concat", vs, map[string]any{"axis": axis})
	}
	if n.hasOutput(0) && steps > 0 {
		y := cat(ys, 1) // [S, D, B, H]
		if batchFirst {
			y = c.op(n, "transpose", []string{y}, map[string]any{"permutation": intsAny([]int64{2, 0, 1, 3})})
		}
		c.bind(n, 0, y)
	}
	state := func(vs []string) string {
		s := cat(vs, 0) // [D, B, H]
		if batchFirst {
			s = c.op(n, "transpose", []string{s}, map[string]any{"permutation": intsAny([]int64{1, 0, 2})})
		}
		return s
	}
	c.bind(n, 1, state(yhs))
	if op == "LSTM" {
		c.bind(n, 2, state(ycs))
	}
	return nil
}

// dqProduct is one of DynamicQuantizeLSTM's quantized products: a
// direction's weight matrix [K, G] (int8/uint8, centred on its zero
// point at run time) and its scale, per direction or per column.
type dqProduct struct {
	w     string // float32 [K, G]: q − zero point
	scale string // float32 [1] or [G]
}

// newDQProduct reads direction d of the weight input wi ([D, K, G]) with
// its scale si and zero point zi ([D] or [D, G]).
func (c *ctx) newDQProduct(n *srcNode, wi, si, zi, d int, K, G int64) (*dqProduct, error) {
	w, err := c.in(n, wi)
	if err != nil {
		return nil, err
	}
	wdt := c.dtypeOf(n, wi)
	if wdt != tensor.Int8 && wdt != tensor.Uint8 {
		return nil, fmt.Errorf("%w: weights of type %v", ErrUnsupported, wdt)
	}
	ws, err := c.inShape(n, wi)
	if err != nil {
		return nil, err
	}
	if sv, ok := staticInts(ws); !ok || len(sv) != 3 || sv[1] != K || sv[2] != G {
		return nil, fmt.Errorf("weights of shape %s, want [directions, %d, %d]", shapeinfer.ShapeString(ws), K, G)
	}
	per := func(i int) (string, int64, error) {
		s, err := c.inShape(n, i)
		if err != nil {
			return "", 0, err
		}
		v, err := c.in(n, i)
		if err != nil {
			return "", 0, err
		}
		switch len(s) {
		case 1:
			return c.op(n, "slice", []string{v}, map[string]any{"starts": intsAny([]int64{int64(d)}), "sizes": intsAny([]int64{1})}), 1, nil
		case 2:
			if g, ok := s[1].Value(); ok && g == G {
				sl := c.op(n, "slice", []string{v}, map[string]any{"starts": intsAny([]int64{int64(d), 0}), "sizes": intsAny([]int64{1, G})})
				r, err := c.reshapeTo(n, sl, exprs(G))
				return r, G, err
			}
		}
		return "", 0, fmt.Errorf("%w: scale/zero point of shape %s", ErrUnsupported, shapeinfer.ShapeString(s))
	}
	scale, _, err := per(si)
	if err != nil {
		return nil, err
	}
	zp, zn, err := per(zi)
	if err != nil {
		return nil, err
	}
	sl, err := c.reshapeTo(n, c.op(n, "slice", []string{w}, map[string]any{"starts": intsAny([]int64{int64(d), 0, 0}), "sizes": intsAny([]int64{1, K, G})}), exprs(K, G))
	if err != nil {
		return nil, err
	}
	if zp, err = c.reshapeTo(n, zp, exprs(1, zn)); err != nil {
		return nil, err
	}
	one, err := c.scalar(tensor.Float32, 1, 1, int(zn))
	if err != nil {
		return nil, err
	}
	return &dqProduct{w: c.op(n, "dequantizeLinear", []string{sl, one, zp}, nil), scale: scale}, nil
}

// apply quantizes a ([..., K] float32) as ONNX Runtime does — per tensor
// when threads is 0, else per row group of the 2-D a (dynQuantRows) — and
// returns float32(Σ integer products) · (a_scale · w_scale).
func (p *dqProduct) apply(c *ctx, n *srcNode, a string, shape []shapeinfer.Expr, threads int64) (string, error) {
	var centered, scale string
	var err error
	if threads == 0 {
		centered, scale, err = c.dynQuantU8(n, a, len(shape))
	} else {
		k, ok := shape[1].Value()
		if !ok {
			return "", fmt.Errorf("%w: dynamic row length %q", ErrUnsupported, shape[1].String())
		}
		centered, scale, err = c.dynQuantRows(n, a, shape[0], k, threads)
	}
	if err != nil {
		return "", err
	}
	acc := c.op(n, "matmul", []string{centered, p.w}, nil)
	return c.op(n, "mul", []string{acc, c.op(n, "mul", []string{scale, p.scale}, nil)}, nil), nil
}

// dqlstmThreads is the number of threads ONNX Runtime's LSTM splits the
// batch over in each step's recurrent product (see runtime/onnx's
// dqlstmRowChunk): min(hardware threads − 1, 2 | 5 | 7 | 11 for hidden
// sizes up to 128 | 256 | 512 | 1024), here for a machine with at least
// 12 hardware threads. Each thread quantizes its ceil(batch / threads)
// consecutive rows on their own.
func dqlstmThreads(hidden int64) int64 {
	switch {
	case hidden <= 128:
		return 2
	case hidden <= 256:
		return 5
	case hidden <= 512:
		return 7
	}
	return 11
}

// dynQuantRows quantizes h [B, K] as dynQuantU8 does, separately for each
// of ONNX Runtime's row groups: rows [k·c, (k+1)·c) with c = ceil(B /
// threads). Row by row when B cannot exceed threads; otherwise each
// group's range is taken over h with the other rows zeroed (the range
// always includes 0, so that changes nothing) and gathered back per row,
// which works for a dynamic B too. It returns the centred values and the
// scale per row ([B, 1]).
func (c *ctx) dynQuantRows(n *srcNode, h string, B shapeinfer.Expr, K, threads int64) (string, string, error) {
	k := func(v float64) (string, error) { return c.scalar(tensor.Float32, v) }
	zero, err := k(0)
	if err != nil {
		return "", "", err
	}
	one, err := k(1)
	if err != nil {
		return "", "", err
	}
	qmax, err := k(255)
	if err != nil {
		return "", "", err
	}
	scaleOf := func(lo, hi string) string {
		return c.op(n, "where", []string{c.op(n, "equal", []string{hi, lo}, nil), one, c.op(n, "div", []string{c.op(n, "sub", []string{hi, lo}, nil), qmax}, nil)}, nil)
	}
	zeroPoint := func(lo, scale string) string {
		return c.op(n, "roundEven", []string{c.op(n, "clamp", []string{c.op(n, "sub", []string{zero, c.op(n, "div", []string{lo, scale}, nil)}, nil)}, map[string]any{"minValue": 0.0, "maxValue": 255.0})}, nil)
	}
	var scale, zpf string
	if B.MaxValue(c.bounds) <= threads {
		red := map[string]any{"axes": []any{int64(1)}, "keepDimensions": true}
		lo := c.op(n, "min", []string{c.op(n, "reduceMin", []string{h}, red), zero}, nil)
		hi := c.op(n, "max", []string{c.op(n, "reduceMax", []string{h}, red), zero}, nil)
		scale = scaleOf(lo, hi)
		zpf = zeroPoint(lo, scale)
	} else {
		b, err := c.dimOperand(n, B)
		if err != nil {
			return "", "", err
		}
		t1, err := c.scalar(tensor.Int64, float64(threads-1))
		if err != nil {
			return "", "", err
		}
		tn, err := c.scalar(tensor.Int64, float64(threads))
		if err != nil {
			return "", "", err
		}
		chunk := c.op(n, "div", []string{c.op(n, "add", []string{b, t1}, nil), tn}, nil) // ceil(B / threads)
		rows, err := c.iota(n, B)
		if err != nil {
			return "", "", err
		}
		if rows, err = c.reshapeTo(n, rows, []shapeinfer.Expr{B, shapeinfer.Const(1)}); err != nil {
			return "", "", err
		}
		group := c.op(n, "div", []string{rows, chunk}, nil) // [B, 1]
		all := map[string]any{"axes": []any{int64(0), int64(1)}, "keepDimensions": false}
		var los, his []string
		for g := int64(0); g < threads; g++ {
			gk, err := c.scalar(tensor.Int64, float64(g))
			if err != nil {
				return "", "", err
			}
			hg := c.op(n, "where", []string{c.op(n, "equal", []string{group, gk}, nil), h, zero}, nil)
			lo := c.op(n, "min", []string{c.op(n, "reduceMin", []string{hg}, all), zero}, nil)
			hi := c.op(n, "max", []string{c.op(n, "reduceMax", []string{hg}, all), zero}, nil)
			los = append(los, c.op(n, "reshape", []string{lo}, map[string]any{"newShape": intsAny([]int64{1})}))
			his = append(his, c.op(n, "reshape", []string{hi}, map[string]any{"newShape": intsAny([]int64{1})}))
		}
		// Each row gathers its group's min and scale, and computes the zero
		// point itself: rustnn 0.5.12 gives a clamp's output no shape, so a
		// gather of per-group zero points fails to load there ("axis 0 is
		// out of bounds for shape with 0 dimensions").
		glo := c.op(n, "concat", los, map[string]any{"axis": int64(0)})
		gs := scaleOf(glo, c.op(n, "concat", his, map[string]any{"axis": int64(0)}))
		scale = c.op(n, "gather", []string{gs, group}, map[string]any{"axis": int64(0)}) // [B, 1]
		zpf = zeroPoint(c.op(n, "gather", []string{glo, group}, map[string]any{"axis": int64(0)}), scale)
	}
	zp := c.op(n, "cast", []string{zpf}, map[string]any{"to": "uint8"})
	q := c.op(n, "quantizeLinear", []string{h, scale, zp}, nil)
	centered := c.op(n, "sub", []string{c.op(n, "cast", []string{q}, map[string]any{"to": "float32"}), zpf}, nil)
	return centered, scale, nil
}

func firstSym(e shapeinfer.Expr) string {
	if s := e.Symbols(); len(s) > 0 {
		return s[0]
	}
	return e.String()
}
