package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

func init() {
	register("", "NegativeLogLikelihoodLoss", 12, buildNLLLoss)
	register("", "SoftmaxCrossEntropyLoss", 12, buildSCELoss)
}

// nllLoss computes NLL over input [N, C, d…] (log-probabilities) and
// integer targets [N, d…] with optional class weights.
func nllLoss(input []float64, shape []int, target *tensor.Tensor, weight *tensor.Tensor, reduction string, ignore int64, hasIgnore bool) ([]float64, []int, error) {
	if len(shape) < 2 {
		return nil, nil, fmt.Errorf("input %v must be [N, C, …]", shape)
	}
	nb, ch := shape[0], shape[1]
	sp := tensor.NumElements(shape[2:])
	tv, err := ints(target)
	if err != nil {
		return nil, nil, fmt.Errorf("target: %w", err)
	}
	if len(tv) != nb*sp {
		return nil, nil, fmt.Errorf("target %v does not match input %v", target.Shape, shape)
	}
	var wv []float64
	if weight != nil {
		if wv, err = floats(weight); err != nil {
			return nil, nil, err
		}
		if len(wv) != ch {
			return nil, nil, fmt.Errorf("weight %v must have one value per class (%d)", weight.Shape, ch)
		}
	}
	loss := newSlice[float64](nb, sp)
	wsum := 0.0
	for b := 0; b < nb; b++ {
		for i := 0; i < sp; i++ {
			t := tv[b*sp+i]
			if hasIgnore && t == ignore {
				continue
			}
			if t < 0 || t >= int64(ch) {
				return nil, nil, fmt.Errorf("target %d out of range for %d classes", t, ch)
			}
			w := 1.0
			if wv != nil {
				w = wv[t]
			}
			loss[b*sp+i] = -input[(b*ch+int(t))*sp+i] * w
			wsum += w
		}
	}
	switch reduction {
	case "none":
		return loss, target.Shape, nil
	case "sum", "mean":
		s := 0.0
		for _, l := range loss {
			s += l
		}
		if reduction == "mean" {
			if wsum == 0 {
				s = 0
			} else {
				s /= wsum
			}
		}
		return []float64{s}, []int{}, nil
	}
	return nil, nil, fmt.Errorf("unknown reduction %q", reduction)
}

func buildNLLLoss(n *node) (kernelFn, error) {
	reduction := n.s("reduction", "mean")
	ignore := n.i("ignore_index", 0)
	hasIgnore := n.has("ignore_index")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		l, shape, err := nllLoss(xv, x.Shape, in[1], opt(in, 2), reduction, ignore, hasIgnore)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{fromFloat64(x.DType, shape, l)}, nil
	}, nil
}

func buildSCELoss(n *node) (kernelFn, error) {
	reduction := n.s("reduction", "mean")
	ignore := n.i("ignore_index", 0)
	hasIgnore := n.has("ignore_index")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		if len(x.Shape) < 2 {
			return nil, fmt.Errorf("scores %v must be [N, C, …]", x.Shape)
		}
		nb, ch := x.Shape[0], x.Shape[1]
		sp := tensor.NumElements(x.Shape[2:])
		logp := make([]float64, len(xv))
		for b := 0; b < nb; b++ {
			for i := 0; i < sp; i++ {
				mx := math.Inf(-1)
				for k := 0; k < ch; k++ {
					mx = math.Max(mx, xv[(b*ch+k)*sp+i])
				}
				s := 0.0
				for k := 0; k < ch; k++ {
					s += math.Exp(xv[(b*ch+k)*sp+i] - mx)
				}
				ls := math.Log(s)
				for k := 0; k < ch; k++ {
					p := (b*ch+k)*sp + i
					logp[p] = xv[p] - mx - ls
				}
			}
		}
		l, shape, err := nllLoss(logp, x.Shape, in[1], opt(in, 2), reduction, ignore, hasIgnore)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{fromFloat64(x.DType, shape, l), fromFloat64(x.DType, x.Shape, logp)}, nil
	}, nil
}
