// Loss functions (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss) as
// ONNX defines them in their function bodies: the log-probability of each
// target class is picked with gatherElements, weighted, and reduced.
// ignore_index targets are masked (and replaced by class 0 before the
// gather so the index is always valid).

package lower

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// nllLoss emits the NLL of log-probabilities logp (shape xs) for targets
// (input ti of n) with optional class weights (input wi, -1 when absent).
func (c *ctx) nllLoss(n *srcNode, logp string, xs []shapeinfer.Expr, ti, wi int) (string, error) {
	if len(xs) < 2 {
		return "", fmt.Errorf("%w: input of rank %d", ErrUnsupported, len(xs))
	}
	t, err := c.in(n, ti)
	if err != nil {
		return "", err
	}
	ts, err := c.inShape(n, ti)
	if err != nil {
		return "", err
	}
	if len(ts) != len(xs)-1 {
		return "", fmt.Errorf("target of rank %d does not fit input of rank %d", len(ts), len(xs))
	}
	dt := c.dtypeOf(n, 0)
	tdt := c.dtypeOf(n, ti)
	var valid string // uint8 mask of non-ignored targets
	if hasAttr(n, "ignore_index") {
		ign, err := c.scalar(tdt, float64(attrInt(n, "ignore_index", 0)))
		if err != nil {
			return "", err
		}
		zero, err := c.scalar(tdt, 0)
		if err != nil {
			return "", err
		}
		valid = c.op(n, "notEqual", []string{t, ign}, nil)
		t = c.op(n, "where", []string{valid, t, zero}, nil)
	}
	us := append([]shapeinfer.Expr{ts[0], shapeinfer.Const(1)}, ts[1:]...)
	tu, err := c.reshapeTo(n, t, us)
	if err != nil {
		return "", err
	}
	picked, err := c.reshapeTo(n, c.op(n, "gatherElements", []string{logp, tu}, map[string]any{"axis": int64(1)}), ts)
	if err != nil {
		return "", err
	}
	loss := c.op(n, "neg", []string{picked}, nil)
	var w string
	if wi >= 0 && n.hasInput(wi) {
		weight, err := c.in(n, wi)
		if err != nil {
			return "", err
		}
		w = c.op(n, "gather", []string{weight, t}, map[string]any{"axis": int64(0)})
	}
	if valid != "" {
		wdt, err := webnnDType(dt)
		if err != nil {
			return "", err
		}
		m := c.op(n, "cast", []string{valid}, map[string]any{"to": wdt.String()})
		if w == "" {
			w = m
		} else {
			w = c.op(n, "mul", []string{w, m}, nil)
		}
	}
	if w != "" {
		loss = c.op(n, "mul", []string{loss, w}, nil)
	}
	all := make([]any, len(ts))
	for i := range all {
		all[i] = int64(i)
	}
	red := map[string]any{"axes": all, "keepDimensions": false}
	switch r := attrString(n, "reduction", "mean"); r {
	case "none":
		return loss, nil
	case "sum":
		return c.op(n, "reduceSum", []string{loss}, red), nil
	case "mean":
		if w == "" {
			return c.op(n, "reduceMean", []string{loss}, red), nil
		}
		return c.op(n, "div", []string{c.op(n, "reduceSum", []string{loss}, red), c.op(n, "reduceSum", []string{w}, red)}, nil), nil
	default:
		return "", unsupportedAttr("reduction", r)
	}
}

func lowerNLLLoss(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	out, err := c.nllLoss(n, x, xs, 1, 2)
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// lowerSoftmaxCrossEntropyLoss: NLL of log-softmax over the class axis 1;
// the log-probabilities are the optional second output.
func lowerSoftmaxCrossEntropyLoss(c *ctx, n *srcNode) error {
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if !c.dtypeOf(n, 0).IsFloat() || c.dtypeOf(n, 0) == tensor.Float64 {
		return fmt.Errorf("%w: scores of type %v", ErrUnsupported, c.dtypeOf(n, 0))
	}
	keep := map[string]any{"axes": []any{int64(1)}, "keepDimensions": true}
	d := c.op(n, "sub", []string{x, c.op(n, "reduceMax", []string{x}, keep)}, nil)
	logp := c.op(n, "sub", []string{d, c.op(n, "reduceLogSumExp", []string{d}, keep)}, nil)
	out, err := c.nllLoss(n, logp, xs, 1, 2)
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	c.bind(n, 1, logp)
	return nil
}
