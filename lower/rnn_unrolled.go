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
	case "LSTM":
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

// lowerRecurrentUnrolled emits n step by step (see the file comment).
func lowerRecurrentUnrolled(c *ctx, n *srcNode) error {
	op := n.GetOpType()
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
		hint := ""
		if syms := S.Symbols(); len(syms) > 0 {
			hint = fmt.Sprintf("; --freeze %s=N makes it static", syms[0])
		}
		return fmt.Errorf("%w: %s over a dynamic sequence length %q: WebNN has no loops, so the recurrence is unrolled, which needs a static step count%s", ErrUnsupported, op, S.String(), hint)
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
	if H <= 0 {
		gh, ok := ws[1].Value()
		if !ok {
			return fmt.Errorf("%w: hidden size unknown", ErrUnsupported)
		}
		H = gh / gates
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
		wd, err := slice2(w, d, 0, GH, Iv, true)
		if err != nil {
			return err
		}
		rd, err := slice2(r, d, 0, GH, H, true)
		if err != nil {
			return err
		}
		// input projection of every step: [S, B, I]·[I, G·H]
		xw := c.op(n, "matmul", []string{x, c.op(n, "transpose", []string{wd}, map[string]any{"permutation": intsAny([]int64{1, 0})})}, nil)
		var rbn string // GRU's recurrent bias of the candidate gate, [H]
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
			xw = c.op(n, "add", []string{xw, c.op(n, "add", []string{wb, rb}, nil)}, nil)
		}
		rdT := c.op(n, "transpose", []string{rd}, map[string]any{"permutation": intsAny([]int64{1, 0})})
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
				g := c.op(n, "add", []string{xt, c.op(n, "matmul", []string{h, rdT}, nil)}, nil)
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
