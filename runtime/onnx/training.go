package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Optimizer update rules of domain ai.onnx.preview.training: Adagrad,
// Momentum (standard and Nesterov), Adam. Each takes R (learning rate),
// T (update count), then groups of same-length tensor lists.

const trainingDomain = "ai.onnx.preview.training"

func init() {
	register(trainingDomain, "Adagrad", 1, buildAdagrad)
	register(trainingDomain, "Momentum", 1, buildMomentum)
	register(trainingDomain, "Adam", 1, buildAdam)
}

// optimizerArgs splits inputs after R and T into `groups` equal lists.
func optimizerArgs(in []*tensor.Tensor, groups int) (r, t float64, lists [][]*tensor.Tensor, err error) {
	if len(in) < 2 || (len(in)-2)%groups != 0 {
		return 0, 0, nil, fmt.Errorf("expected R, T and %d equal groups of tensors, got %d inputs", groups, len(in))
	}
	if r, err = scalarFloat(in[0]); err != nil {
		return
	}
	if t, err = scalarFloat(in[1]); err != nil {
		return
	}
	k := (len(in) - 2) / groups
	for g := 0; g < groups; g++ {
		lists = append(lists, in[2+g*k:2+(g+1)*k])
	}
	for i := 0; i < k; i++ {
		for g := range lists {
			if t := lists[g][i]; t == nil || t.Len() != lists[0][i].Len() {
				return 0, 0, nil, fmt.Errorf("tensor %d of group %d is missing or differs in size from the first group's", i, g)
			}
		}
	}
	return
}

func buildAdagrad(n *node) (kernelFn, error) {
	decay := float64(n.f("decay_factor", 0))
	eps := float64(n.f("epsilon", 1e-6))
	norm := float64(n.f("norm_coefficient", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, t, l, err := optimizerArgs(in, 3)
		if err != nil {
			return nil, err
		}
		rate := r / (1 + t*decay)
		var xs, hs []*tensor.Tensor
		for i := range l[0] {
			x, _ := floats(l[0][i])
			g, _ := floats(l[1][i])
			h, _ := floats(l[2][i])
			for j := range x {
				gr := norm*x[j] + g[j]
				h[j] += gr * gr
				x[j] -= rate * gr / (math.Sqrt(h[j]) + eps)
			}
			xs = append(xs, fromFloat64(l[0][i].DType, l[0][i].Shape, x))
			hs = append(hs, fromFloat64(l[2][i].DType, l[2][i].Shape, h))
		}
		return append(xs, hs...), nil
	}, nil
}

func buildMomentum(n *node) (kernelFn, error) {
	alpha := float64(n.f("alpha", 0))
	beta := float64(n.f("beta", 0))
	nesterov := n.s("mode", "standard") == "nesterov"
	norm := float64(n.f("norm_coefficient", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, t, l, err := optimizerArgs(in, 3)
		if err != nil {
			return nil, err
		}
		b := beta
		if t == 0 {
			b = 1
		}
		var xs, vs []*tensor.Tensor
		for i := range l[0] {
			x, _ := floats(l[0][i])
			g, _ := floats(l[1][i])
			v, _ := floats(l[2][i])
			for j := range x {
				gr := norm*x[j] + g[j]
				v[j] = alpha*v[j] + b*gr
				if nesterov {
					x[j] -= r * (gr + alpha*v[j])
				} else {
					x[j] -= r * v[j]
				}
			}
			xs = append(xs, fromFloat64(l[0][i].DType, l[0][i].Shape, x))
			vs = append(vs, fromFloat64(l[2][i].DType, l[2][i].Shape, v))
		}
		return append(xs, vs...), nil
	}, nil
}

func buildAdam(n *node) (kernelFn, error) {
	alpha := float64(n.f("alpha", 0.9))
	beta := float64(n.f("beta", 0.999))
	eps := float64(n.f("epsilon", 1e-6))
	norm := float64(n.f("norm_coefficient", 0))
	normPost := float64(n.f("norm_coefficient_post", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, t, l, err := optimizerArgs(in, 4)
		if err != nil {
			return nil, err
		}
		rate := r
		if t > 0 {
			rate = r * math.Sqrt(1-math.Pow(beta, t)) / (1 - math.Pow(alpha, t))
		}
		var xs, vs, hs []*tensor.Tensor
		for i := range l[0] {
			x, _ := floats(l[0][i])
			g, _ := floats(l[1][i])
			v, _ := floats(l[2][i])
			h, _ := floats(l[3][i])
			for j := range x {
				gr := norm*x[j] + g[j]
				v[j] = alpha*v[j] + (1-alpha)*gr
				h[j] = beta*h[j] + (1-beta)*gr*gr
				x[j] = (1 - normPost) * (x[j] - rate*v[j]/(math.Sqrt(h[j])+eps))
			}
			xs = append(xs, fromFloat64(l[0][i].DType, l[0][i].Shape, x))
			vs = append(vs, fromFloat64(l[2][i].DType, l[2][i].Shape, v))
			hs = append(hs, fromFloat64(l[3][i].DType, l[3][i].Shape, h))
		}
		return append(append(xs, vs...), hs...), nil
	}, nil
}
