// LSTM and GRU → WebNN lstm / gru. The team's loader contract forbids
// operand-valued options, so biases are folded into the weights: the
// input gets a constant 1 feature and W a column holding Wb + Rb. That is
// exact for LSTM and for GRU with linear_before_reset=0 (where the
// recurrent bias of the candidate gate is added outside the reset
// product), and for linear_before_reset=1 (WebNN resetAfter) when that
// bias is zero. Initial states and peepholes must be absent or zero: WebNN
// takes them as operand-valued options, which the loader contract forbids.

package lower

import (
	"fmt"
	"strings"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
)

// zeroOrAbsent reports whether optional input i is missing or a constant
// of zeros.
func (c *ctx) zeroOrAbsent(n *srcNode, i int) bool {
	if !n.hasInput(i) {
		return true
	}
	v, ok := c.constFloats(n, i)
	if !ok {
		return false
	}
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func lowerRecurrent(c *ctx, n *srcNode) error {
	if why := c.recurrentUnrollReason(n); why != "" {
		return lowerRecurrentUnrolled(c, n)
	}
	lstm := n.GetOpType() == "LSTM"
	gates := int64(3)
	if lstm {
		gates = 4
	}
	batchFirst := attrInt(n, "layout", 0) == 1
	if hasAttr(n, "clip") {
		return unsupportedAttr("clip", attrFloat(n, "clip", 0))
	}
	if lstm && attrInt(n, "input_forget", 0) != 0 {
		return unsupportedAttr("input_forget", 1)
	}
	var webnnActs []any
	if acts := attrStrings(n, "activations"); acts != nil {
		// WebNN takes one activation list for every direction; ONNX lists
		// them per direction, so both halves must agree.
		per := 2
		if lstm {
			per = 3
		}
		if len(acts) != per && len(acts) != 2*per || len(acts) == 2*per && strings.Join(acts[:per], ",") != strings.Join(acts[per:], ",") {
			return fmt.Errorf("%w: activations %v differ between directions", ErrUnsupported, acts)
		}
		for _, a := range acts[:per] {
			w, ok := map[string]string{"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu"}[a]
			if !ok {
				return fmt.Errorf("%w: recurrent activation %s (WebNN has sigmoid, tanh and relu)", ErrUnsupported, a)
			}
			webnnActs = append(webnnActs, w)
		}
		if def := map[bool]string{true: "sigmoid,tanh,tanh", false: "sigmoid,tanh"}[lstm]; strings.Join(anyStrings(webnnActs), ",") == def {
			webnnActs = nil
		}
	}
	if hasAttr(n, "activation_alpha") || hasAttr(n, "activation_beta") {
		return fmt.Errorf("%w: activation_alpha/activation_beta", ErrUnsupported)
	}
	resetAfter := !lstm && attrInt(n, "linear_before_reset", 0) != 0
	if resetAfter && n.hasInput(3) && !c.zeroRecurrentCandidateBias(n) {
		// The recurrent bias of the candidate gate sits inside the reset
		// product (r ⊙ (Rn·h + Rbn)); folding it into the input weights
		// would move it out, and WebNN's recurrentBias is an operand-valued
		// option, which the loader contract forbids.
		return fmt.Errorf("%w: linear_before_reset=1 with a non-zero recurrent bias of the candidate gate", ErrUnsupported)
	}
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
	if batchFirst {
		xs = []shapeinfer.Expr{xs[1], xs[0], xs[2]}
	}
	steps, ok := xs[0].Value()
	var stepsOpt any = steps
	if !ok {
		hint := ""
		if fix := freezeHint(xs[0]); fix != "" {
			hint = "; " + fix + " makes it static"
		}
		if c.target.Sizes != target.SizesAny {
			// WebNN's steps is the sequence length of the graph as built:
			// a loader that binds the dims before building (emit-js) reads
			// it as a size expression; rustnn 0.5 takes a number.
			return fmt.Errorf("%w: dynamic sequence length %q: target %s takes lstm/gru steps as a number (--target webnn reads it as a size%s)", ErrTargetLimit, xs[0].String(), c.target.Name, hint)
		}
		if n.hasInput(4) {
			return fmt.Errorf("%w: sequence_lens with a dynamic sequence length %q%s", ErrUnsupported, xs[0].String(), hint)
		}
		if stepsOpt, err = c.dimOption(xs[0]); err != nil {
			return err
		}
	}
	hidden := attrInt(n, "hidden_size", 0)
	if hidden <= 0 {
		h, ok := ws[1].Value()
		if !ok {
			return fmt.Errorf("%w: hidden size unknown", ErrUnsupported)
		}
		hidden = h / gates
	}
	if n.hasInput(4) {
		if sl, ok := c.constInts(n, 4); !ok || !allEqual(sl, steps) {
			return fmt.Errorf("%w: sequence_lens is not constant %d", ErrUnsupported, steps)
		}
	}
	stateIdx := []int{5}
	if lstm {
		stateIdx = []int{5, 6, 7}
	}
	for _, i := range stateIdx {
		if !c.zeroOrAbsent(n, i) {
			return fmt.Errorf("%w: input %d (initial state or peephole) is not absent or zero", ErrUnsupported, i)
		}
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	if batchFirst {
		x = c.op(n, "transpose", []string{x}, map[string]any{"permutation": intsAny([]int64{1, 0, 2})})
	}
	// bindOut binds a WebNN output, transposed back for layout=1:
	// sequence [steps, dirs, batch, h] → [batch, steps, dirs, h]; states
	// [dirs, batch, h] → [batch, dirs, h].
	bindOut := func(i int, op string, seq bool) {
		if batchFirst && n.hasOutput(i) {
			perm := []int64{1, 0, 2}
			if seq {
				perm = []int64{2, 0, 1, 3}
			}
			op = c.op(n, "transpose", []string{op}, map[string]any{"permutation": intsAny(perm)})
		}
		c.bind(n, i, op)
	}
	w, err := c.in(n, 1)
	if err != nil {
		return err
	}
	r, err := c.in(n, 2)
	if err != nil {
		return err
	}
	dirs := ws[0]
	if n.hasInput(3) {
		// x' = [x, 1]; W' = [W, Wb + Rb].
		b, err := c.in(n, 3)
		if err != nil {
			return err
		}
		gh := shapeinfer.Const(gates * hidden)
		wb := c.op(n, "slice", []string{b}, map[string]any{"starts": intsAny([]int64{0, 0}), "sizes": []any{mustDim(c, dirs), gates * hidden}})
		rb := c.op(n, "slice", []string{b}, map[string]any{"starts": intsAny([]int64{0, gates * hidden}), "sizes": []any{mustDim(c, dirs), gates * hidden}})
		bsum, err := c.reshapeTo(n, c.op(n, "add", []string{wb, rb}, nil), []shapeinfer.Expr{dirs, gh, shapeinfer.Const(1)})
		if err != nil {
			return err
		}
		w = c.op(n, "concat", []string{w, bsum}, map[string]any{"axis": int64(2)})
		one, err := c.scalar(c.dtypeOf(n, 0), 1)
		if err != nil {
			return err
		}
		ones, err := c.dimsOption([]shapeinfer.Expr{xs[0], xs[1], shapeinfer.Const(1)})
		if err != nil {
			return err
		}
		x = c.op(n, "concat", []string{x, c.op(n, "expand", []string{one}, map[string]any{"newShape": ones})}, map[string]any{"axis": int64(2)})
	}
	dir := map[string]string{"forward": "forward", "reverse": "backward", "bidirectional": "both"}[attrString(n, "direction", "forward")]
	if dir == "" {
		return unsupportedAttr("direction", attrString(n, "direction", ""))
	}
	opts := map[string]any{"steps": stepsOpt, "hiddenSize": hidden, "returnSequence": true, "direction": dir}
	if webnnActs != nil {
		opts["activations"] = webnnActs
	}
	op := "gru"
	if lstm {
		op = "lstm"
		opts["layout"] = "iofg"
	} else {
		opts["layout"] = "zrn"
		opts["resetAfter"] = resetAfter
	}
	nOut := 2
	if lstm {
		nOut = 3
	}
	var outs []string
	if dir == "both" && c.target.BidirectionalLSTM {
		outs, err = c.splitDirections(n, op, x, w, r, opts, nOut, lstm, gates*hidden, hidden)
		if err != nil {
			return err
		}
	} else {
		outs = c.opMulti(n, op, []string{x, w, r}, opts, nOut)
	}
	if lstm {
		bindOut(0, outs[2], true)
		bindOut(1, outs[0], false)
		bindOut(2, outs[1], false)
		return nil
	}
	bindOut(0, outs[1], true)
	bindOut(1, outs[0], false)
	return nil
}

// splitDirections emits a bidirectional lstm/gru as a forward and a
// backward op on each direction's half of W and R, and concatenates their
// outputs (sequence on axis 1, states on axis 0): rustnn 0.5.12 builds a
// bidirectional lstm's default bias as [1, 8·hidden] where ONNX Runtime
// needs [2, 8·hidden], so the graph does not run there
// (target.Workarounds.BidirectionalLSTM). Exact: the directions are
// independent.
func (c *ctx) splitDirections(n *srcNode, op, x, w, r string, opts map[string]any, nOut int, lstm bool, gh, hidden int64) ([]string, error) {
	wShape, err := c.wInputSize(n)
	if err != nil {
		return nil, err
	}
	per := make([][]string, 2)
	for d, name := range []string{"forward", "backward"} {
		wd := c.op(n, "slice", []string{w}, map[string]any{"starts": intsAny([]int64{int64(d), 0, 0}), "sizes": intsAny([]int64{1, gh, wShape})})
		rd := c.op(n, "slice", []string{r}, map[string]any{"starts": intsAny([]int64{int64(d), 0, 0}), "sizes": intsAny([]int64{1, gh, hidden})})
		o := make(map[string]any, len(opts))
		for k, v := range opts {
			o[k] = v
		}
		o["direction"] = name
		per[d] = c.opMulti(n, op, []string{x, wd, rd}, o, nOut)
	}
	seq := nOut - 1 // lstm: [hidden, cell, sequence]; gru: [hidden, sequence]
	outs := make([]string, nOut)
	for i := range outs {
		axis := int64(0)
		if i == seq {
			axis = 1
		}
		outs[i] = c.op(n, "concat", []string{per[0][i], per[1][i]}, map[string]any{"axis": axis})
	}
	return outs, nil
}

// wInputSize is the input size of W (its last axis) after the bias
// column was appended: the ONNX input's size, plus one when input 3 (B)
// is present.
func (c *ctx) wInputSize(n *srcNode) (int64, error) {
	ws, err := c.inShape(n, 1)
	if err != nil {
		return 0, err
	}
	k, ok := ws[2].Value()
	if !ok {
		return 0, fmt.Errorf("%w: input size of W is dynamic", ErrUnsupported)
	}
	if n.hasInput(3) {
		k++
	}
	return k, nil
}

// zeroRecurrentCandidateBias reports whether GRU's bias input is a
// constant whose Rbn part (the last hidden_size values of each direction's
// row [Wbz, Wbr, Wbn, Rbz, Rbr, Rbn]) is zero.
func (c *ctx) zeroRecurrentCandidateBias(n *srcNode) bool {
	b, ok := c.constFloats(n, 3)
	if !ok {
		return false
	}
	bs, err := c.inShape(n, 3)
	if err != nil || len(bs) != 2 {
		return false
	}
	row, ok := bs[1].Value()
	if !ok || row%6 != 0 {
		return false
	}
	h := int(row / 6)
	for start := 0; start < len(b); start += int(row) {
		for _, v := range b[start+5*h : start+6*h] {
			if v != 0 {
				return false
			}
		}
	}
	return true
}

func anyStrings(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i], _ = x.(string)
	}
	return out
}

func allEqual(xs []int64, v int64) bool {
	for _, x := range xs {
		if x != v {
			return false
		}
	}
	return true
}

// mustDim renders a dim for an option; a failure surfaces later through
// Validate, so it falls back to the expression text.
func mustDim(c *ctx, e shapeinfer.Expr) any {
	d, err := c.dimOption(e)
	if err != nil {
		return e.String()
	}
	return d
}

// dynamicStepsRefusal refuses a recurrence over a dynamic sequence length,
// naming the --freeze that makes it static. WebNN's lstm and gru take a
// static number of steps, and WebNN has no loops to unroll one over a
// length known only at run time.
func dynamicStepsRefusal(op string, steps shapeinfer.Expr) error {
	hint := ""
	if fix := freezeHint(steps); fix != "" {
		hint = "; " + fix + " makes it static"
	}
	return fmt.Errorf("%w: %s over a dynamic sequence length %q: the recurrence is unrolled (the fused lstm/gru cannot take its states, peepholes or options) and WebNN has no loops, so that needs a static number of steps%s", ErrUnsupported, op, steps.String(), hint)
}
