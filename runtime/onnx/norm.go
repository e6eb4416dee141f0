package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Normalizations: BatchNormalization (inference, and training-mode
// statistics), InstanceNormalization, LayerNormalization,
// GroupNormalization, LRN, MeanVarianceNormalization, LpNormalization.

func init() {
	register("", "BatchNormalization", 1, buildBatchNorm)
	register("", "InstanceNormalization", 1, buildInstanceNorm)
	register("", "LayerNormalization", 17, buildLayerNorm)
	register("", "GroupNormalization", 18, buildGroupNorm)
	register("", "LRN", 1, buildLRN)
	register("", "MeanVarianceNormalization", 9, buildMVN)
	register("", "LpNormalization", 1, buildLpNorm)
}

// perChannel returns, for [N, C, …], C and the spatial size.
func perChannel(shape []int) (n, c, sp int) {
	if len(shape) == 0 {
		return 1, 1, 1
	}
	n = shape[0]
	if len(shape) > 1 {
		c = shape[1]
	} else {
		c = 1
	}
	return n, c, tensor.NumElements(shape) / max(n*c, 1)
}

func buildBatchNorm(n *node) (kernelFn, error) {
	eps := float64(n.f("epsilon", 1e-5))
	momentum := float64(n.f("momentum", 0.9))
	training := n.i("training_mode", 0) == 1
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		scale, _ := floats(in[1])
		bias, _ := floats(in[2])
		mean, _ := floats(in[3])
		variance, _ := floats(in[4])
		nb, ch, sp := perChannel(x.Shape)
		if len(scale) != ch || len(bias) != ch || len(mean) != ch || len(variance) != ch {
			return nil, fmt.Errorf("scale/bias/mean/var must have %d elements", ch)
		}
		var outs []*tensor.Tensor
		if training {
			bm := newSlice[float64](ch)
			bv := newSlice[float64](ch)
			cnt := float64(nb * sp)
			for b := 0; b < nb; b++ {
				for j := 0; j < ch; j++ {
					for _, e := range xv[(b*ch+j)*sp : (b*ch+j+1)*sp] {
						bm[j] += e
					}
				}
			}
			for j := range bm {
				bm[j] /= cnt
			}
			for b := 0; b < nb; b++ {
				for j := 0; j < ch; j++ {
					for _, e := range xv[(b*ch+j)*sp : (b*ch+j+1)*sp] {
						bv[j] += (e - bm[j]) * (e - bm[j])
					}
				}
			}
			for j := range bv {
				bv[j] /= cnt
			}
			rm := newSlice[float64](ch)
			rv := newSlice[float64](ch)
			for j := range rm {
				rm[j] = mean[j]*momentum + bm[j]*(1-momentum)
				rv[j] = variance[j]*momentum + bv[j]*(1-momentum)
			}
			mean, variance = bm, bv
			outs = append(outs, nil, fromFloat64(in[3].DType, in[3].Shape, rm), fromFloat64(in[4].DType, in[4].Shape, rv))
		} else {
			outs = append(outs, nil)
		}
		out := make([]float64, len(xv))
		for b := 0; b < nb; b++ {
			for j := 0; j < ch; j++ {
				k := scale[j] / math.Sqrt(variance[j]+eps)
				base := (b*ch + j) * sp
				for i := 0; i < sp; i++ {
					out[base+i] = (xv[base+i]-mean[j])*k + bias[j]
				}
			}
		}
		outs[0] = fromFloat64(x.DType, x.Shape, out)
		return outs, nil
	}), nil
}

func buildInstanceNorm(n *node) (kernelFn, error) {
	eps := float64(n.f("epsilon", 1e-5))
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		scale, _ := floats(in[1])
		bias, _ := floats(in[2])
		nb, ch, sp := perChannel(x.Shape)
		if len(scale) != ch || len(bias) != ch {
			return nil, fmt.Errorf("scale/bias must have %d elements", ch)
		}
		out := make([]float64, len(xv))
		for b := 0; b < nb; b++ {
			for j := 0; j < ch; j++ {
				base := (b*ch + j) * sp
				normalize(xv[base:base+sp], out[base:base+sp], eps)
				for i := 0; i < sp; i++ {
					out[base+i] = out[base+i]*scale[j] + bias[j]
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}), nil
}

// normalize writes (x - mean)/sqrt(var + eps) and returns mean and 1/std.
func normalize(x, out []float64, eps float64) (float64, float64) {
	m := 0.0
	for _, e := range x {
		m += e
	}
	m /= float64(len(x))
	v := 0.0
	for _, e := range x {
		v += (e - m) * (e - m)
	}
	v /= float64(len(x))
	inv := 1 / math.Sqrt(v+eps)
	for i, e := range x {
		out[i] = (e - m) * inv
	}
	return m, inv
}

func buildLayerNorm(n *node) (kernelFn, error) {
	axis := n.i("axis", -1)
	eps := float64(n.f("epsilon", 1e-5))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, sc, bi := in[0], in[1], opt(in, 2)
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		outer := tensor.NumElements(x.Shape[:ax])
		inner := tensor.NumElements(x.Shape[ax:])
		normShape := x.Shape[ax:]
		if !broadcastsTo(sc.Shape, normShape) {
			return nil, fmt.Errorf("scale %v does not broadcast to %v", sc.Shape, normShape)
		}
		if bi != nil && !broadcastsTo(bi.Shape, normShape) {
			return nil, fmt.Errorf("bias %v does not broadcast to %v", bi.Shape, normShape)
		}
		si := broadcastIndex(sc.Shape, normShape)
		sv, err := floats(sc)
		if err != nil {
			return nil, err
		}
		var bv []float64
		var bidx []int
		if bi != nil {
			bv, _ = floats(bi)
			bidx = broadcastIndex(bi.Shape, normShape)
		}
		statShape := append([]int{}, x.Shape...)
		for d := ax; d < len(statShape); d++ {
			statShape[d] = 1
		}
		means := newSlice[float64](outer)
		invs := newSlice[float64](outer)
		if xd, ok := x.Data.([]float32); ok {
			out := make([]float32, len(xd))
			row := newSlice[float64](inner)
			nrm := newSlice[float64](inner)
			for o := 0; o < outer; o++ {
				for i, e := range xd[o*inner : (o+1)*inner] {
					row[i] = float64(e)
				}
				means[o], invs[o] = normalize(row, nrm, eps)
				dst := out[o*inner : (o+1)*inner]
				for i := range dst {
					y := nrm[i] * sv[si[i]]
					if bv != nil {
						y += bv[bidx[i]]
					}
					dst[i] = float32(y)
				}
			}
			return []*tensor.Tensor{f32Tensor(x.Shape, out), fromFloat64(tensor.Float32, statShape, means), fromFloat64(tensor.Float32, statShape, invs)}, nil
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(xv))
		for o := 0; o < outer; o++ {
			seg := out[o*inner : (o+1)*inner]
			means[o], invs[o] = normalize(xv[o*inner:(o+1)*inner], seg, eps)
			for i := range seg {
				seg[i] *= sv[si[i]]
				if bv != nil {
					seg[i] += bv[bidx[i]]
				}
			}
		}
		statDT := x.DType
		if n.has("stash_type") && n.i("stash_type", 1) == 1 {
			statDT = tensor.Float32
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out), fromFloat64(statDT, statShape, means), fromFloat64(statDT, statShape, invs)}, nil
	}, nil
}

func buildGroupNorm(n *node) (kernelFn, error) {
	groups := int(n.i("num_groups", 1))
	eps := float64(n.f("epsilon", 1e-5))
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		scale, _ := floats(in[1])
		bias, _ := floats(in[2])
		nb, ch, sp := perChannel(x.Shape)
		if groups <= 0 || groups > max(ch, 1) || ch%groups != 0 {
			return nil, fmt.Errorf("%d channels do not split into %d groups", ch, groups)
		}
		cg := ch / groups
		perChannelParams := len(scale) == ch // opset 21; opset 18 has one per group
		if (len(scale) != ch && len(scale) != groups) || len(bias) != len(scale) {
			return nil, fmt.Errorf("scale and bias must have one value per channel (%d) or per group (%d), have %d and %d", ch, groups, len(scale), len(bias))
		}
		out := make([]float64, len(xv))
		for b := 0; b < nb; b++ {
			for g := 0; g < groups; g++ {
				base := (b*ch + g*cg) * sp
				normalize(xv[base:base+cg*sp], out[base:base+cg*sp], eps)
				for j := 0; j < cg; j++ {
					pi := g
					if perChannelParams {
						pi = g*cg + j
					}
					seg := out[base+j*sp : base+(j+1)*sp]
					for i := range seg {
						seg[i] = seg[i]*scale[pi] + bias[pi]
					}
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}), nil
}

func buildLRN(n *node) (kernelFn, error) {
	alpha := float64(n.f("alpha", 1e-4))
	beta := float64(n.f("beta", 0.75))
	bias := float64(n.f("bias", 1))
	size := int(n.i("size", 1))
	if size < 1 {
		return nil, fmt.Errorf("attribute size = %d must be at least 1", size)
	}
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		nb, ch, sp := perChannel(x.Shape)
		// Each element sums min(size, channels) squares: size 2^17+1 over
		// 2^17 channels (a 512 KB input verify generates) is 2^34 steps.
		if work, ok := checked.Mul(len(xv), min(size, ch)); !ok || work > maxPoolWork {
			return nil, fmt.Errorf("size %d over %d channels of %d elements is more than %d steps", size, ch, len(xv), maxPoolWork)
		}
		out := newSlice[float64](len(xv))
		lo := (size - 1) / 2
		hi := size - 1 - lo
		for b := 0; b < nb; b++ {
			for j := 0; j < ch; j++ {
				for i := 0; i < sp; i++ {
					s := 0.0
					for k := max(0, j-lo); k <= min(ch-1, j+hi); k++ {
						e := xv[(b*ch+k)*sp+i]
						s += e * e
					}
					p := (b*ch+j)*sp + i
					out[p] = xv[p] / math.Pow(bias+alpha/float64(size)*s, beta)
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}), nil
}

func buildMVN(n *node) (kernelFn, error) {
	axes := n.ints("axes")
	if axes == nil {
		axes = []int64{0, 2, 3}
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		mask, _, err := reduceAxes(len(x.Shape), axes, false)
		if err != nil {
			return nil, err
		}
		kept, idx := reduceLayout(x.Shape, mask)
		m := tensor.NumElements(kept)
		mean := newSlice[float64](m)
		sq := newSlice[float64](m)
		cnt := float64(len(xv)) / float64(m)
		for i, j := range idx {
			mean[j] += xv[i]
			sq[j] += xv[i] * xv[i]
		}
		out := make([]float64, len(xv))
		for j := range mean {
			mean[j] /= cnt
			sq[j] = math.Sqrt(sq[j]/cnt-mean[j]*mean[j]) + 1e-9
		}
		for i, j := range idx {
			out[i] = (xv[i] - mean[j]) / sq[j]
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}, nil
}

func buildLpNorm(n *node) (kernelFn, error) {
	axis := n.i("axis", -1)
	p := n.i("p", 2)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		outer := tensor.NumElements(x.Shape[:ax])
		dim := x.Shape[ax]
		inner := tensor.NumElements(x.Shape[ax+1:])
		out := make([]float64, len(xv))
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				s := 0.0
				for k := 0; k < dim; k++ {
					e := xv[(o*dim+k)*inner+i]
					if p == 1 {
						s += math.Abs(e)
					} else {
						s += e * e
					}
				}
				if p != 1 {
					s = math.Sqrt(s)
				}
				for k := 0; k < dim; k++ {
					q := (o*dim+k)*inner + i
					if s != 0 {
						out[q] = xv[q] / s
					}
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
	}, nil
}
