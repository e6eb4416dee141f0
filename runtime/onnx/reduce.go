package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Reductions (ReduceSum, ReduceMean, … with axes as attribute or input
// depending on the opset), ArgMax/ArgMin, and the softmax family.

func init() {
	// axes moved from attribute to input: ReduceSum at 13, the others at 18.
	for _, op := range []string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
		"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"} {
		register("", op, 1, buildReduce(op))
	}
	register("", "ArgMax", 1, buildArg(true))
	register("", "ArgMin", 1, buildArg(false))
	register("", "Softmax", 1, buildSoftmax("Softmax"))
	register("", "LogSoftmax", 1, buildSoftmax("LogSoftmax"))
	register("", "Hardmax", 1, buildSoftmax("Hardmax"))
}

// reduceLayout returns the output shape (with kept dims) and, for every
// input element, the flat index of the output element it folds into.
func reduceLayout(shape []int, reduce []bool) (keptShape []int, idx []int) {
	keptShape = make([]int, len(shape))
	for d := range shape {
		keptShape[d] = shape[d]
		if reduce[d] {
			keptShape[d] = 1
		}
	}
	ost := strides(keptShape)
	coords := make([][]int, len(shape))
	st := make([]int, len(shape))
	for d := range shape {
		coords[d] = iota(shape[d])
		if !reduce[d] {
			st[d] = ost[d]
		}
	}
	return keptShape, gridIndex(shape, coords, st)
}

// reduceAxes turns an axes list into a per-dim mask; empty axes reduce
// everything unless noop is set.
func reduceAxes(rank int, axes []int64, noop bool) ([]bool, bool, error) {
	mask := make([]bool, rank)
	if len(axes) == 0 {
		if noop {
			return mask, true, nil
		}
		for d := range mask {
			mask[d] = true
		}
		return mask, false, nil
	}
	for _, a := range axes {
		ax, err := normAxis(a, rank)
		if err != nil {
			return nil, false, err
		}
		mask[ax] = true
	}
	return mask, false, nil
}

func squeezeShape(kept []int, mask []bool, keep bool) []int {
	if keep {
		return kept
	}
	out := []int{}
	for d, v := range kept {
		if !mask[d] {
			out = append(out, v)
		}
	}
	return out
}

func buildReduce(op string) builder {
	return func(n *node) (kernelFn, error) {
		keep := n.i("keepdims", 1) == 1
		noop := n.i("noop_with_empty_axes", 0) == 1
		inputFrom := int64(18)
		if op == "ReduceSum" {
			inputFrom = 13
		}
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			axes, _, err := axesArg(n, in, 1, inputFrom)
			if err != nil {
				return nil, err
			}
			mask, isNoop, err := reduceAxes(len(x.Shape), axes, noop)
			if err != nil {
				return nil, err
			}
			if isNoop {
				return []*tensor.Tensor{x}, nil
			}
			if x.DType == tensor.Float32 && (op == "ReduceMean" || op == "ReduceSum") {
				return []*tensor.Tensor{reduceSumF32(x, mask, keep, op == "ReduceMean")}, nil
			}
			v, err := floats(x)
			if err != nil {
				return nil, err
			}
			kept, idx := reduceLayout(x.Shape, mask)
			m := tensor.NumElements(kept)
			acc := newSlice[float64](m)
			cnt := 1
			for d, r := range mask {
				if r {
					cnt *= x.Shape[d]
				}
			}
			switch op {
			case "ReduceMax":
				for i := range acc {
					acc[i] = math.Inf(-1)
				}
				if !x.DType.IsFloat() && cnt == 0 {
					for i := range acc {
						acc[i] = minOf(x.DType)
					}
				}
				for i, j := range idx {
					if v[i] > acc[j] || v[i] != v[i] {
						acc[j] = v[i]
					}
				}
			case "ReduceMin":
				for i := range acc {
					acc[i] = math.Inf(1)
				}
				if !x.DType.IsFloat() && cnt == 0 {
					for i := range acc {
						acc[i] = maxOf(x.DType)
					}
				}
				for i, j := range idx {
					if v[i] < acc[j] || v[i] != v[i] {
						acc[j] = v[i]
					}
				}
			case "ReduceProd":
				for i := range acc {
					acc[i] = 1
				}
				for i, j := range idx {
					acc[j] *= v[i]
				}
			case "ReduceLogSumExp":
				mx := newSlice[float64](m)
				for i := range mx {
					mx[i] = math.Inf(-1)
				}
				for i, j := range idx {
					mx[j] = math.Max(mx[j], v[i])
				}
				for i, j := range idx {
					acc[j] += math.Exp(v[i] - mx[j])
				}
				for j := range acc {
					acc[j] = math.Log(acc[j]) + mx[j]
					if math.IsInf(mx[j], -1) {
						acc[j] = math.Inf(-1)
					}
				}
			default:
				for i, j := range idx {
					x := v[i]
					switch op {
					case "ReduceL1":
						x = math.Abs(x)
					case "ReduceL2", "ReduceSumSquare":
						x *= x
					}
					acc[j] += x
				}
				for j := range acc {
					switch op {
					case "ReduceMean":
						acc[j] /= float64(cnt)
					case "ReduceL2":
						acc[j] = math.Sqrt(acc[j])
					case "ReduceLogSum":
						acc[j] = math.Log(acc[j])
					}
				}
			}
			return []*tensor.Tensor{fromFloat64(x.DType, squeezeShape(kept, mask, keep), acc)}, nil
		}, nil
	}
}

// reduceSumF32 is the float32 fast path (sums accumulate in float64).
func reduceSumF32(x *tensor.Tensor, mask []bool, keep, mean bool) *tensor.Tensor {
	d := x.Data.([]float32)
	// Fast path when the reduced axes are the trailing ones.
	trailing := true
	seen := false
	for i := range mask {
		if mask[i] {
			seen = true
		} else if seen {
			trailing = false
		}
	}
	keptShape := make([]int, len(x.Shape))
	cnt := 1
	for i, s := range x.Shape {
		keptShape[i] = s
		if mask[i] {
			keptShape[i] = 1
			cnt *= s
		}
	}
	m := tensor.NumElements(keptShape)
	out := newSlice[float32](m)
	if trailing {
		for j := 0; j < m; j++ {
			s := 0.0
			for _, v := range d[j*cnt : (j+1)*cnt] {
				s += float64(v)
			}
			if mean {
				s /= float64(cnt)
			}
			out[j] = float32(s)
		}
	} else {
		_, idx := reduceLayout(x.Shape, mask)
		acc := newSlice[float64](m)
		for i, j := range idx {
			acc[j] += float64(d[i])
		}
		for j := range acc {
			if mean {
				acc[j] /= float64(cnt)
			}
			out[j] = float32(acc[j])
		}
	}
	return f32Tensor(squeezeShape(keptShape, mask, keep), out)
}

func minOf(dt tensor.DType) float64 {
	switch dt {
	case tensor.Int8:
		return math.MinInt8
	case tensor.Int16:
		return math.MinInt16
	case tensor.Int32:
		return math.MinInt32
	case tensor.Int64:
		return math.MinInt64
	}
	return 0
}

func maxOf(dt tensor.DType) float64 {
	switch dt {
	case tensor.Int8:
		return math.MaxInt8
	case tensor.Int16:
		return math.MaxInt16
	case tensor.Int32:
		return math.MaxInt32
	case tensor.Int64:
		return math.MaxInt64
	case tensor.Uint8:
		return math.MaxUint8
	case tensor.Uint16:
		return math.MaxUint16
	case tensor.Uint32:
		return math.MaxUint32
	case tensor.Uint64:
		return math.MaxUint64
	}
	return math.Inf(1)
}

func buildArg(isMax bool) builder {
	return func(n *node) (kernelFn, error) {
		axis := n.i("axis", 0)
		keep := n.i("keepdims", 1) == 1
		last := n.i("select_last_index", 0) == 1
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			ax, err := normAxis(axis, len(x.Shape))
			if err != nil {
				return nil, err
			}
			v, err := floats(x)
			if err != nil {
				return nil, err
			}
			outer := tensor.NumElements(x.Shape[:ax])
			dim := x.Shape[ax]
			inner := tensor.NumElements(x.Shape[ax+1:])
			out := newSlice[int64](outer, inner)
			for o := 0; o < outer; o++ {
				for i := 0; i < inner; i++ {
					best, bi := 0.0, 0
					for k := 0; k < dim; k++ {
						e := v[(o*dim+k)*inner+i]
						better := k == 0
						if !better {
							if isMax {
								better = e > best || (last && e == best)
							} else {
								better = e < best || (last && e == best)
							}
						}
						if better {
							best, bi = e, k
						}
					}
					out[o*inner+i] = int64(bi)
				}
			}
			shape := append([]int{}, x.Shape...)
			shape[ax] = 1
			mask := make([]bool, len(shape))
			mask[ax] = true
			return []*tensor.Tensor{i64Tensor(squeezeShape(shape, mask, keep), out)}, nil
		}, nil
	}
}

func buildSoftmax(op string) builder {
	return func(n *node) (kernelFn, error) {
		def := int64(1)
		if n.opset >= 13 {
			def = -1
		}
		axis := n.i("axis", def)
		return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			r := len(x.Shape)
			ax := int(axis)
			if ax < 0 {
				ax += r
			}
			if ax < 0 || ax >= max(r, 1) {
				return nil, fmt.Errorf("axis %d out of range for rank %d", axis, r)
			}
			var outer, dim, inner int
			if n.opset < 13 {
				// opsets 1–12 coerce the input to 2-D at axis
				outer, dim, inner = tensor.NumElements(x.Shape[:ax]), tensor.NumElements(x.Shape[ax:]), 1
			} else {
				outer, dim, inner = tensor.NumElements(x.Shape[:ax]), x.Shape[ax], tensor.NumElements(x.Shape[ax+1:])
			}
			switch d := x.Data.(type) {
			case []float32:
				return []*tensor.Tensor{f32Tensor(x.Shape, softmaxT(d, outer, dim, inner, op))}, nil
			case []float64:
				return []*tensor.Tensor{{DType: tensor.Float64, Shape: append([]int{}, x.Shape...), Data: softmaxT(d, outer, dim, inner, op)}}, nil
			}
			return nil, fmt.Errorf("%s is not defined for %v", op, x.DType)
		}), nil
	}
}

func softmaxT[T float](d []T, outer, dim, inner int, op string) []T {
	out := make([]T, len(d))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*dim*inner + i
			mx := math.Inf(-1)
			arg := 0
			for k := 0; k < dim; k++ {
				if v := float64(d[base+k*inner]); v > mx {
					mx, arg = v, k
				}
			}
			if op == "Hardmax" {
				for k := 0; k < dim; k++ {
					if k == arg {
						out[base+k*inner] = 1
					}
				}
				continue
			}
			sum := 0.0
			for k := 0; k < dim; k++ {
				e := math.Exp(float64(d[base+k*inner]) - mx)
				sum += e
				if op == "Softmax" {
					out[base+k*inner] = T(e)
				}
			}
			if op == "Softmax" {
				inv := 1 / sum
				for k := 0; k < dim; k++ {
					out[base+k*inner] = T(float64(out[base+k*inner]) * inv)
				}
			} else {
				ls := math.Log(sum)
				for k := 0; k < dim; k++ {
					out[base+k*inner] = T(float64(d[base+k*inner]) - mx - ls)
				}
			}
		}
	}
	return out
}
