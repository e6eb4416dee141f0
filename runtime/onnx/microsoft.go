package onnxrt

import (
	"fmt"
	"math"
	"sync"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// com.microsoft contrib ops that ONNX Runtime's transformer optimizer and
// quantizer emit: Gelu, FastGelu, BiasGelu, QuickGelu,
// SkipLayerNormalization, SkipSimplifiedLayerNormalization,
// SimplifiedLayerNormalization (which ORT registers in both domains) and
// MatMulNBits. None appears in ../shared/zoo today; they are here so that
// ORT-optimized exports verify instead of failing on an unknown op.

const msDomain = "com.microsoft"

func init() {
	register(msDomain, "Gelu", 1, buildMSGelu("Gelu"))
	register(msDomain, "FastGelu", 1, buildMSGelu("FastGelu"))
	register(msDomain, "BiasGelu", 1, buildMSGelu("BiasGelu"))
	register(msDomain, "QuickGelu", 1, buildMSGelu("QuickGelu"))
	register(msDomain, "SkipLayerNormalization", 1, buildSkipLayerNorm(false))
	register(msDomain, "SkipSimplifiedLayerNormalization", 1, buildSkipLayerNorm(true))
	register(msDomain, "SimplifiedLayerNormalization", 1, buildSimplifiedLayerNorm)
	register("", "SimplifiedLayerNormalization", 1, buildSimplifiedLayerNorm)
	register(msDomain, "MatMulNBits", 1, buildMatMulNBits)
}

func buildMSGelu(kind string) builder {
	return func(n *node) (kernelFn, error) {
		alpha := float64(n.f("alpha", 1.702))
		return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			if b := opt(in, 1); b != nil {
				var err error
				if x, err = arith("Add", x, b); err != nil {
					return nil, fmt.Errorf("bias: %w", err)
				}
			}
			var f func(float64) float64
			switch kind {
			case "FastGelu":
				f = func(v float64) float64 {
					return 0.5 * v * (1 + math.Tanh(0.7978845608028654*(v+0.044715*v*v*v)))
				}
			case "QuickGelu":
				f = func(v float64) float64 { return v * sigmoid(alpha*v) }
			default:
				f = func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }
			}
			r, err := mapFloat(x, f)
			return []*tensor.Tensor{r}, err
		}), nil
	}
}

// rowNorm normalizes each row of x over its last dim (LayerNorm, or RMS
// norm when simplified) and applies gamma / beta.
func rowNorm(x []float64, rows, hidden int, gamma, beta []float64, eps float64, simplified bool) (out, mean, inv []float64) {
	out = make([]float64, len(x))
	mean = newSlice[float64](rows)
	inv = newSlice[float64](rows)
	for r := 0; r < rows; r++ {
		seg := x[r*hidden : (r+1)*hidden]
		m := 0.0
		if !simplified {
			for _, v := range seg {
				m += v
			}
			m /= float64(hidden)
		}
		s := 0.0
		for _, v := range seg {
			s += (v - m) * (v - m)
		}
		iv := 1 / math.Sqrt(s/float64(hidden)+eps)
		for i, v := range seg {
			y := (v - m) * iv * gamma[i]
			if beta != nil {
				y += beta[i]
			}
			out[r*hidden+i] = y
		}
		mean[r], inv[r] = m, iv
	}
	return out, mean, inv
}

func buildSkipLayerNorm(simplified bool) builder {
	return func(n *node) (kernelFn, error) {
		eps := float64(n.f("epsilon", 1e-12))
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x, skip, gammaT := in[0], in[1], in[2]
			betaIdx, biasIdx := 3, 4
			if simplified {
				betaIdx, biasIdx = -1, 3
			}
			sum, err := arith("Add", x, skip)
			if err != nil {
				return nil, fmt.Errorf("skip: %w", err)
			}
			if b := opt(in, biasIdx); b != nil {
				if sum, err = arith("Add", sum, b); err != nil {
					return nil, fmt.Errorf("bias: %w", err)
				}
			}
			v, err := floats(sum)
			if err != nil {
				return nil, err
			}
			if len(sum.Shape) == 0 {
				return nil, fmt.Errorf("input must have a hidden axis, got a scalar")
			}
			hidden := sum.Shape[len(sum.Shape)-1]
			gamma, _ := floats(gammaT)
			var beta []float64
			if betaIdx > 0 {
				beta, _ = floats(opt(in, betaIdx))
			}
			if len(gamma) != hidden || (beta != nil && len(beta) != hidden) {
				return nil, fmt.Errorf("gamma/beta must have %d elements", hidden)
			}
			statShape := append(append([]int{}, sum.Shape[:len(sum.Shape)-1]...), 1)
			out, mean, inv := rowNorm(v, tensor.NumElements(statShape), hidden, gamma, beta, eps, simplified)
			return []*tensor.Tensor{
				fromFloat64(x.DType, sum.Shape, out),
				fromFloat64(tensor.Float32, statShape, mean),
				fromFloat64(tensor.Float32, statShape, inv),
				sum,
			}, nil
		}, nil
	}
}

func buildSimplifiedLayerNorm(n *node) (kernelFn, error) {
	eps := float64(n.f("epsilon", 1e-5))
	axis := n.i("axis", -1)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		hidden := tensor.NumElements(x.Shape[ax:])
		v, err := floats(x)
		if err != nil {
			return nil, err
		}
		gamma, _ := floats(in[1])
		if len(gamma) != hidden {
			return nil, fmt.Errorf("scale must have %d elements", hidden)
		}
		out, _, inv := rowNorm(v, tensor.NumElements(x.Shape[:ax]), hidden, gamma, nil, eps, true)
		statShape := append([]int{}, x.Shape...)
		for d := ax; d < len(statShape); d++ {
			statShape[d] = 1
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out), fromFloat64(tensor.Float32, statShape, inv)}, nil
	}, nil
}

// dequantizeNBits expands MatMulNBits' blocked B [N, blocks, blob] into a
// float32 [K, N] matrix: w[k][n] = (q - zp) · scale[n, k/block].
func dequantizeNBits(b, scales, zp *tensor.Tensor, k, nn, bits, block int) ([]float32, error) {
	if bits != 4 && bits != 8 && bits != 2 {
		return nil, fmt.Errorf("bits %d is not supported", bits)
	}
	q, ok := b.Data.([]uint8)
	if !ok {
		return nil, fmt.Errorf("B must be uint8, got %v", b.DType)
	}
	blocks := (k + block - 1) / block
	blob := block * bits / 8
	if len(q) != nn*blocks*blob {
		return nil, fmt.Errorf("B has %d bytes, want N %d × blocks %d × %d", len(q), nn, blocks, blob)
	}
	sv, err := floats(scales)
	if err != nil {
		return nil, err
	}
	if len(sv) != nn*blocks {
		return nil, fmt.Errorf("scales have %d elements, want %d", len(sv), nn*blocks)
	}
	per := 8 / bits
	mask := uint8(1<<bits - 1)
	zpOf := func(col, blk int) float64 { return float64(int(1) << (bits - 1)) }
	if zp != nil {
		if zq, ok := zp.Data.([]uint8); ok && zp.DType == tensor.Uint8 {
			stride := (blocks + per - 1) / per
			if len(zq) != nn*stride {
				return nil, fmt.Errorf("zero_points have %d bytes, want %d", len(zq), nn*stride)
			}
			zpOf = func(col, blk int) float64 {
				byt := zq[col*stride+blk/per]
				return float64(byt >> (uint(blk%per) * uint(bits)) & mask)
			}
		} else {
			zv, err := floats(zp)
			if err != nil {
				return nil, err
			}
			if len(zv) != nn*blocks {
				return nil, fmt.Errorf("zero_points have %d elements, want %d", len(zv), nn*blocks)
			}
			// zero points of the scales' type are used as given: w = (q - zp)·s
			zpOf = func(col, blk int) float64 { return zv[col*blocks+blk] }
		}
	}
	w := newSlice[float32](k, nn)
	for col := 0; col < nn; col++ {
		for blk := 0; blk < blocks; blk++ {
			s := sv[col*blocks+blk]
			z := zpOf(col, blk)
			base := (col*blocks + blk) * blob
			for i := 0; i < block; i++ {
				kk := blk*block + i
				if kk >= k {
					break
				}
				byt := q[base+i/per]
				v := float64(byt >> (uint(i%per) * uint(bits)) & mask)
				w[kk*nn+col] = float32((v - z) * s)
			}
		}
	}
	return w, nil
}

func buildMatMulNBits(n *node) (kernelFn, error) {
	k := int(n.i("K", 0))
	nn := int(n.i("N", 0))
	bits := int(n.i("bits", 4))
	block := int(n.i("block_size", 0))
	if k <= 0 || nn <= 0 || block <= 0 {
		return nil, fmt.Errorf("K %d, N %d and block_size %d must be positive", k, nn, block)
	}
	if n.numInputs() > 4 && n.proto.GetInput()[4] != "" {
		return nil, fmt.Errorf("g_idx (act-order) is not supported")
	}
	constB := n.constInput(1) != nil && n.constInput(2) != nil && (n.numInputs() < 4 || n.proto.GetInput()[3] == "" || n.constInput(3) != nil)
	var once sync.Once
	var packed *kernel.PackedB
	var onceErr error
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a := in[0]
		ad, ok := a.Data.([]float32)
		if !ok || a.Shape[len(a.Shape)-1] != k {
			return nil, fmt.Errorf("A %v must be float with last dim K=%d", a, k)
		}
		var pb *kernel.PackedB
		if constB {
			once.Do(func() {
				w, err := dequantizeNBits(in[1], in[2], opt(in, 3), k, nn, bits, block)
				if err != nil {
					onceErr = err
					return
				}
				packed, onceErr = kernel.PackB(false, k, nn, w, nn)
			})
			pb, _ = packed, onceErr
			if onceErr != nil {
				return nil, onceErr
			}
		} else {
			w, err := dequantizeNBits(in[1], in[2], opt(in, 3), k, nn, bits, block)
			if err != nil {
				return nil, err
			}
			if pb, err = kernel.PackB(false, k, nn, w, nn); err != nil {
				return nil, err
			}
		}
		rows := a.Len() / k
		out := newSlice[float32](rows, nn)
		kernel.SgemmPacked(false, rows, 1, ad, k, pb, 0, out, nn)
		shape := append(append([]int{}, a.Shape[:len(a.Shape)-1]...), nn)
		y := f32Tensor(shape, out)
		if bias := opt(in, 5); bias != nil {
			var err error
			if y, err = arith("Add", y, bias); err != nil {
				return nil, fmt.Errorf("bias: %w", err)
			}
		}
		return []*tensor.Tensor{y}, nil
	}), nil
}
