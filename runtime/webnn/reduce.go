package webnn

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Reductions, argMin/argMax, cumulativeSum and softmax.

func init() {
	for _, op := range []string{"reduceSum", "reduceMean", "reduceMax", "reduceMin", "reduceProduct",
		"reduceL1", "reduceL2", "reduceLogSum", "reduceLogSumExp", "reduceSumSquare"} {
		register(op, 1, 1, true, compileReduce(op))
	}
	register("argMax", 1, 1, true, compileArg(true))
	register("argMin", 1, 1, true, compileArg(false))
	register("cumulativeSum", 1, 1, true, compileCumSum)
	register("softmax", 1, 1, true, compileSoftmax)
}

// reducePlan maps input positions to output positions.
type reducePlan struct {
	oshape    []int // with kept (size-1) reduced dims
	final     []int // output shape as returned
	inStrides []int
	outStride []int // output strides per input dim; 0 on reduced dims
	count     int   // elements per output
}

func planReduce(shape []int, axes []int, all, keep bool) (*reducePlan, error) {
	r := len(shape)
	red := make([]bool, r)
	if all {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		if err := checkAxis(a, r, "axis"); err != nil {
			return nil, err
		}
		if red[a] && !all {
			return nil, fmt.Errorf("axis %d repeated", a)
		}
		red[a] = true
	}
	p := &reducePlan{oshape: make([]int, r), count: 1}
	for i, d := range shape {
		if red[i] {
			p.oshape[i] = 1
			p.count *= d
			if keep {
				p.final = append(p.final, 1)
			}
		} else {
			p.oshape[i] = d
			p.final = append(p.final, d)
		}
	}
	if p.final == nil {
		p.final = []int{}
	}
	p.inStrides = stridesOf(shape)
	os := stridesOf(p.oshape)
	p.outStride = make([]int, r)
	for i := range os {
		if !red[i] {
			p.outStride[i] = os[i]
		}
	}
	return p, nil
}

// visit calls fn(out, in) for every input element.
func (p *reducePlan) visit(shape []int, fn func(o, i int)) {
	r := len(shape)
	if r == 0 {
		fn(0, 0)
		return
	}
	oi, ii := p.outStride[r-1], p.inStrides[r-1]
	forEachRow(shape, [][]int{p.outStride, p.inStrides}, func(offs []int, m int) {
		o, i := offs[0], offs[1]
		for j := 0; j < m; j++ {
			fn(o, i)
			o += oi
			i += ii
		}
	})
}

func compileReduce(op string) func(nc *nodeCompiler) (kernelFn, error) {
	return func(nc *nodeCompiler) (kernelFn, error) {
		axes, hasAxes, err := nc.optAxes("axes")
		if err != nil {
			return nil, err
		}
		keep, err := nc.optBool(false, "keepDimensions", "keep_dimensions", "keepDims")
		if err != nil {
			return nil, err
		}
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			t := in[0]
			p, err := planReduce(t.Shape, axes, !hasAxes, keep)
			if err != nil {
				return nil, err
			}
			out := x.alloc(t.DType, p.final)
			switch d := t.Data.(type) {
			case []float32:
				reduceFloat(op, p, t.Shape, d, out.Data.([]float32))
			case []int32:
				err = reduceInt(op, p, t.Shape, d, out.Data.([]int32))
			case []uint32:
				err = reduceInt(op, p, t.Shape, d, out.Data.([]uint32))
			case []int64:
				err = reduceInt(op, p, t.Shape, d, out.Data.([]int64))
			case []uint64:
				err = reduceInt(op, p, t.Shape, d, out.Data.([]uint64))
			case []int8:
				err = reduceInt(op, p, t.Shape, d, out.Data.([]int8))
			case []uint8:
				err = reduceInt(op, p, t.Shape, d, out.Data.([]uint8))
			default:
				err = fmt.Errorf("unsupported data type %v", t.DType)
			}
			if err != nil {
				return nil, err
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func reduceFloat(op string, p *reducePlan, shape []int, src, dst []float32) {
	n := len(dst)
	acc := make([]float64, n)
	switch op {
	case "reduceMax", "reduceLogSumExp":
		for i := range acc {
			acc[i] = math.Inf(-1)
		}
	case "reduceMin":
		for i := range acc {
			acc[i] = math.Inf(1)
		}
	case "reduceProduct":
		for i := range acc {
			acc[i] = 1
		}
	}
	switch op {
	case "reduceSum", "reduceMean", "reduceLogSum":
		p.visit(shape, func(o, i int) { acc[o] += float64(src[i]) })
	case "reduceL1":
		p.visit(shape, func(o, i int) { acc[o] += math.Abs(float64(src[i])) })
	case "reduceL2", "reduceSumSquare":
		p.visit(shape, func(o, i int) { v := float64(src[i]); acc[o] += v * v })
	case "reduceProduct":
		p.visit(shape, func(o, i int) { acc[o] *= float64(src[i]) })
	case "reduceMax", "reduceLogSumExp":
		p.visit(shape, func(o, i int) {
			v := float64(src[i])
			if v > acc[o] || v != v {
				acc[o] = v
			}
		})
	case "reduceMin":
		p.visit(shape, func(o, i int) {
			v := float64(src[i])
			if v < acc[o] || v != v {
				acc[o] = v
			}
		})
	}
	if op == "reduceLogSumExp" {
		m := append([]float64(nil), acc...)
		clear(acc)
		p.visit(shape, func(o, i int) {
			if !math.IsInf(m[o], 0) {
				acc[o] += math.Exp(float64(src[i]) - m[o])
			}
		})
		for o := range acc {
			if math.IsInf(m[o], 0) {
				acc[o] = m[o]
			} else {
				acc[o] = m[o] + math.Log(acc[o])
			}
		}
	}
	for o, v := range acc {
		switch op {
		case "reduceMean":
			v /= float64(p.count)
		case "reduceL2":
			v = math.Sqrt(v)
		case "reduceLogSum":
			v = math.Log(v)
		}
		dst[o] = float32(v)
	}
}

func reduceInt[T integer](op string, p *reducePlan, shape []int, src, dst []T) error {
	var zero T
	init := zero
	switch op {
	case "reduceProduct":
		init = 1
	case "reduceMax":
		init = minOf[T]()
	case "reduceMin":
		init = ^zero
		if init < 0 { // signed: max value
			init = -(minOf[T]() + 1)
		}
	case "reduceSum", "reduceL1", "reduceSumSquare":
	default:
		return fmt.Errorf("%s does not take integer input", op)
	}
	for i := range dst {
		dst[i] = init
	}
	switch op {
	case "reduceSum":
		p.visit(shape, func(o, i int) { dst[o] += src[i] })
	case "reduceL1":
		p.visit(shape, func(o, i int) {
			v := src[i]
			if v < 0 {
				v = -v
			}
			dst[o] += v
		})
	case "reduceSumSquare":
		p.visit(shape, func(o, i int) { dst[o] += src[i] * src[i] })
	case "reduceProduct":
		p.visit(shape, func(o, i int) { dst[o] *= src[i] })
	case "reduceMax":
		p.visit(shape, func(o, i int) { dst[o] = max(dst[o], src[i]) })
	case "reduceMin":
		p.visit(shape, func(o, i int) { dst[o] = min(dst[o], src[i]) })
	}
	return nil
}

// minOf is the smallest value of an integer type.
func minOf[T integer]() T {
	var zero T
	m := ^zero
	if m > 0 {
		return 0 // unsigned
	}
	// signed: the top bit alone
	var v T = 1
	for v<<1 != 0 {
		v <<= 1
	}
	return v
}

func compileArg(isMax bool) func(nc *nodeCompiler) (kernelFn, error) {
	return func(nc *nodeCompiler) (kernelFn, error) {
		axis, err := nc.optInt(0, "axis")
		if err != nil {
			return nil, err
		}
		keep, err := nc.optBool(false, "keepDimensions", "keep_dimensions")
		if err != nil {
			return nil, err
		}
		odt := tensor.Int32
		if s, err := nc.optString("int32", "outputDataType", "output_data_type"); err != nil {
			return nil, err
		} else if odt, err = tensor.ParseWebNN(s); err != nil || (odt != tensor.Int32 && odt != tensor.Int64) {
			return nil, fmt.Errorf("outputDataType %q must be int32 or int64", s)
		}
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			t := in[0]
			ax := int(axis)
			p, err := planReduce(t.Shape, []int{ax}, false, keep)
			if err != nil {
				return nil, err
			}
			out := x.alloc(odt, p.final)
			n := out.Len()
			idx := make([]int64, n)
			best := make([]float64, n)
			seen := make([]bool, n)
			get := anyToFloat64(t)
			if get == nil {
				return nil, fmt.Errorf("unsupported data type %v", t.DType)
			}
			axStride := p.inStrides[ax]
			p.visit(t.Shape, func(o, i int) {
				v := get(i)
				k := int64(i / axStride % t.Shape[ax])
				if !seen[o] || (isMax && v > best[o]) || (!isMax && v < best[o]) {
					best[o], idx[o], seen[o] = v, k, true
				}
			})
			switch d := out.Data.(type) {
			case []int32:
				for i, v := range idx {
					d[i] = int32(v)
				}
			case []int64:
				copy(d, idx)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

// anyToFloat64 reads elements of a (non-half) numeric tensor as float64.
func anyToFloat64(t *tensor.Tensor) func(i int) float64 {
	switch d := t.Data.(type) {
	case []float32:
		return func(i int) float64 { return float64(d[i]) }
	case []int8:
		return func(i int) float64 { return float64(d[i]) }
	case []uint8:
		return func(i int) float64 { return float64(d[i]) }
	case []int32:
		return func(i int) float64 { return float64(d[i]) }
	case []uint32:
		return func(i int) float64 { return float64(d[i]) }
	case []int64:
		return func(i int) float64 { return float64(d[i]) }
	case []uint64:
		return func(i int) float64 { return float64(d[i]) }
	}
	return nil
}

func cumsumLoop[T number, A number | float64](src, dst []T, outer, n, inner int, exclusive, reversed bool, conv func(A) T) {
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			var acc A
			for k := 0; k < n; k++ {
				j := k
				if reversed {
					j = n - 1 - k
				}
				p := (o*n+j)*inner + in
				v := A(src[p])
				if exclusive {
					dst[p] = conv(acc)
					acc += v
				} else {
					acc += v
					dst[p] = conv(acc)
				}
			}
		}
	}
}

func compileCumSum(nc *nodeCompiler) (kernelFn, error) {
	axis, err := nc.optInt(0, "axis")
	if err != nil {
		return nil, err
	}
	exclusive, err := nc.optBool(false, "exclusive")
	if err != nil {
		return nil, err
	}
	reversed, err := nc.optBool(false, "reversed", "reverse")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		ax := int(axis)
		if err := checkAxis(ax, len(t.Shape), "axis"); err != nil {
			return nil, err
		}
		outer, n, inner := tensor.NumElements(t.Shape[:ax]), t.Shape[ax], tensor.NumElements(t.Shape[ax+1:])
		out := x.alloc(t.DType, t.Shape)
		switch d := t.Data.(type) {
		case []float32:
			cumsumLoop(d, out.Data.([]float32), outer, n, inner, exclusive, reversed, func(a float64) float32 { return float32(a) })
		case []int32:
			cumsumLoop(d, out.Data.([]int32), outer, n, inner, exclusive, reversed, func(a int32) int32 { return a })
		case []uint32:
			cumsumLoop(d, out.Data.([]uint32), outer, n, inner, exclusive, reversed, func(a uint32) uint32 { return a })
		case []int64:
			cumsumLoop(d, out.Data.([]int64), outer, n, inner, exclusive, reversed, func(a int64) int64 { return a })
		case []uint64:
			cumsumLoop(d, out.Data.([]uint64), outer, n, inner, exclusive, reversed, func(a uint64) uint64 { return a })
		default:
			return nil, fmt.Errorf("unsupported data type %v", t.DType)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileSoftmax(nc *nodeCompiler) (kernelFn, error) {
	axis, err := nc.optInt(-1, "axis")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := in[0]
		src, ok := t.Data.([]float32)
		if !ok {
			return nil, fmt.Errorf("input must be float32 or float16, got %v", t.DType)
		}
		ax := int(axis)
		if ax < 0 {
			ax = len(t.Shape) - 1
		}
		if err := checkAxis(ax, len(t.Shape), "axis"); err != nil {
			return nil, err
		}
		outer, n, inner := tensor.NumElements(t.Shape[:ax]), t.Shape[ax], tensor.NumElements(t.Shape[ax+1:])
		// In place when the scores are not read again (attention's
		// [heads, queries, keys] block is the largest buffer of a long
		// prefill); exp within 2 ulp, vectorised (kernel.SoftmaxAxis).
		out := x.allocReuse(0, tensor.Float32, t.Shape)
		if out.Len() > 0 && n > 0 {
			kernel.SoftmaxAxis(out.Data.([]float32), src, outer, n, inner)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
