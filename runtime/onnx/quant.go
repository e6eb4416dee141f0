package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// QuantizeLinear / DequantizeLinear (per-tensor, per-axis, blocked;
// int8/uint8/int16/uint16/int32/int4/uint4) and DynamicQuantizeLinear.

func init() {
	register("", "QuantizeLinear", 10, buildQuantizeLinear)
	register("", "DequantizeLinear", 10, buildDequantizeLinear)
	register("", "DynamicQuantizeLinear", 11, buildDynamicQuantizeLinear)
}

// paramIndex returns, for every element of shape, the index into a
// quantization parameter: scalar (len 1), per-axis (1-D of shape[axis])
// or blocked (same rank, axis dim = ceil(shape[axis]/block)).
func paramIndex(shape []int, param *tensor.Tensor, axis, block int) ([]int, error) {
	idx := newIndex(shape)
	if param.Len() == 1 && (len(param.Shape) == 0 || block == 0) {
		return idx, nil
	}
	if axis < 0 {
		axis += len(shape)
	}
	if axis < 0 || axis >= len(shape) {
		return nil, fmt.Errorf("axis %d out of range for shape %v", axis, shape)
	}
	st := strides(shape)
	if block <= 0 {
		if len(param.Shape) != 1 || param.Shape[0] != shape[axis] {
			return nil, fmt.Errorf("per-axis parameter of shape %v does not match dim %d (%d) of %v", param.Shape, axis, shape[axis], shape)
		}
		for i := range idx {
			idx[i] = (i / st[axis]) % shape[axis]
		}
		return idx, nil
	}
	if len(param.Shape) != len(shape) {
		return nil, fmt.Errorf("blocked parameter of shape %v does not match rank of %v", param.Shape, shape)
	}
	pst := strides(param.Shape)
	for i := range idx {
		j := 0
		for d := range shape {
			c := (i / st[d]) % shape[d]
			if d == axis {
				c /= block
			}
			if c >= param.Shape[d] {
				return nil, fmt.Errorf("blocked parameter of shape %v too small for %v with block %d", param.Shape, shape, block)
			}
			j += c * pst[d]
		}
		idx[i] = j
	}
	return idx, nil
}

// dequantize returns (x - zp) * scale as float64.
func dequantize(x, scale, zp *tensor.Tensor, axis, block int) ([]float64, error) {
	if err := sameParams(scale, zp); err != nil {
		return nil, err
	}
	xv, err := floats(x)
	if err != nil {
		return nil, err
	}
	sv, err := floats(scale)
	if err != nil {
		return nil, err
	}
	idx, err := paramIndex(x.Shape, scale, axis, block)
	if err != nil {
		return nil, err
	}
	var zv []float64
	if zp != nil {
		if zv, err = floats(zp); err != nil {
			return nil, err
		}
	}
	out := make([]float64, len(xv))
	for i, v := range xv {
		z := 0.0
		if zv != nil {
			z = zv[idx[i]]
		}
		out[i] = (v - z) * sv[idx[i]]
	}
	return out, nil
}

// quantize returns saturate(round(v / scale) + zp) as a tensor of dt.
func quantize(v []float64, shape []int, scale, zp *tensor.Tensor, dt tensor.DType, axis, block int) (*tensor.Tensor, error) {
	if err := sameParams(scale, zp); err != nil {
		return nil, err
	}
	sv, err := floats(scale)
	if err != nil {
		return nil, err
	}
	idx, err := paramIndex(shape, scale, axis, block)
	if err != nil {
		return nil, err
	}
	var zv []float64
	if zp != nil {
		if zv, err = floats(zp); err != nil {
			return nil, err
		}
	}
	out := make([]float64, len(v))
	for i, x := range v {
		z := 0.0
		if zv != nil {
			z = zv[idx[i]]
		}
		out[i] = saturate(math.RoundToEven(x/sv[idx[i]])+z, dt)
	}
	return fromFloat64(dt, shape, out), nil
}

func buildQuantizeLinear(n *node) (kernelFn, error) {
	axis := int(n.i("axis", 1))
	block := int(n.i("block_size", 0))
	outDT := tensor.DType(n.i("output_dtype", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, scale, zp := in[0], in[1], opt(in, 2)
		dt := tensor.Uint8
		if zp != nil {
			dt = zp.DType
		} else if outDT != 0 {
			dt = outDT
		}
		switch dt {
		case tensor.Uint8, tensor.Int8, tensor.Uint16, tensor.Int16, tensor.Int4, tensor.Uint4:
		default:
			return nil, fmt.Errorf("QuantizeLinear to %v is not supported", dt)
		}
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		// the reference divides in the input precision
		if x.DType == tensor.Float32 {
			sv, _ := floats(scale)
			idx, err := paramIndex(x.Shape, scale, axis, block)
			if err != nil {
				return nil, err
			}
			for i := range xv {
				xv[i] = float64(float32(xv[i]) / float32(sv[idx[i]]))
			}
			one := fromFloat64(tensor.Float64, scale.Shape, make([]float64, scale.Len()))
			for i := range one.Data.([]float64) {
				one.Data.([]float64)[i] = 1
			}
			scale = one
		}
		y, err := quantize(xv, x.Shape, scale, zp, dt, axis, block)
		return []*tensor.Tensor{y}, err
	}, nil
}

func buildDequantizeLinear(n *node) (kernelFn, error) {
	axis := int(n.i("axis", 1))
	block := int(n.i("block_size", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, scale, zp := in[0], in[1], opt(in, 2)
		v, err := dequantize(x, scale, zp, axis, block)
		if err != nil {
			return nil, err
		}
		dt := scale.DType
		if x.DType == tensor.Float32 {
			dt = tensor.Float32
		}
		if scale.DType == tensor.Float32 {
			// match float32 arithmetic of the reference: (x - zp) in
			// float32 then one float32 multiply
			sv, _ := floats(scale)
			idx, _ := paramIndex(x.Shape, scale, axis, block)
			xv, _ := floats(x)
			var zv []float64
			if zp != nil {
				zv, _ = floats(zp)
			}
			out := make([]float32, len(xv))
			for i := range xv {
				z := float32(0)
				if zv != nil {
					z = float32(zv[idx[i]])
				}
				out[i] = (float32(xv[i]) - z) * float32(sv[idx[i]])
			}
			return []*tensor.Tensor{f32Tensor(x.Shape, out)}, nil
		}
		return []*tensor.Tensor{fromFloat64(dt, x.Shape, v)}, nil
	}, nil
}

func buildDynamicQuantizeLinear(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		xv, err := floats(x)
		if err != nil {
			return nil, err
		}
		// ONNX Runtime's parameters: an all-zero input gets scale 1.
		scale, zp := dynamicQuantParams(xv)
		out := make([]float64, len(xv))
		for i, v := range xv {
			out[i] = quantizeU8(v, scale, zp)
		}
		return []*tensor.Tensor{
			fromFloat64(tensor.Uint8, x.Shape, out),
			f32Tensor(nil, []float32{scale}),
			fromFloat64(tensor.Uint8, nil, []float64{float64(zp)}),
		}, nil
	}, nil
}

// sameParams checks that a zero point (when given) has the scale's shape,
// as ONNX requires: each scale has its zero point. A scalar and a
// one-element vector are both per-tensor and pair with each other, as in
// ONNX Runtime (onnx.quantize writes a [1] scale with a scalar zero point
// for pipecat's smart-turn model).
func sameParams(scale, zp *tensor.Tensor) error {
	if scale == nil {
		return fmt.Errorf("scale is missing")
	}
	perTensor := func(t *tensor.Tensor) bool { return t.Len() == 1 && len(t.Shape) <= 1 }
	if zp != nil && !sameShape(scale.Shape, zp.Shape) && !(perTensor(scale) && perTensor(zp)) {
		return fmt.Errorf("zero point of shape %v does not match scale of shape %v", zp.Shape, scale.Shape)
	}
	if scale.Len() == 0 {
		return fmt.Errorf("scale is empty")
	}
	return nil
}
