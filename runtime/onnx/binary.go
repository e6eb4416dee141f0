package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Elementwise binary ops with multidirectional broadcasting: arithmetic,
// comparison, logic, bit shifts and the variadic Sum/Min/Max/Mean.

func init() {
	for _, op := range []string{"Add", "Sub", "Mul", "Div"} {
		register("", op, 1, buildArith(op))
	}
	register("", "Pow", 1, buildPow)
	register("", "Mod", 10, buildMod)
	for _, op := range []string{"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"} {
		register("", op, 1, buildCompare(op))
	}
	for _, op := range []string{"And", "Or", "Xor"} {
		register("", op, 1, buildLogic(op))
	}
	for _, op := range []string{"BitwiseAnd", "BitwiseOr", "BitwiseXor"} {
		register("", op, 18, buildArith(op))
	}
	register("", "BitShift", 11, buildBitShift)
	for _, op := range []string{"Sum", "Min", "Max", "Mean"} {
		register("", op, 1, buildVariadic(op))
	}
	register("", "Where", 9, buildWhere)
}

// binTyped applies f elementwise over the broadcast of a and b.
func binTyped[T, R any](a, b *tensor.Tensor, dt tensor.DType, f func(x, y T) R) (*tensor.Tensor, error) {
	shape, err := broadcastShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	ad, ok1 := a.Data.([]T)
	bd, ok2 := b.Data.([]T)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("operand types %v and %v do not match", a.DType, b.DType)
	}
	n := tensor.NumElements(shape)
	out := newSlice[R](n)
	grain := 1 << 15
	switch {
	case n == 0:
	case sameShape(a.Shape, b.Shape):
		kernel.ParallelFor(n, grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = f(ad[i], bd[i])
			}
		})
	case len(bd) == 1 && len(ad) == n:
		y := bd[0]
		kernel.ParallelFor(n, grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = f(ad[i], y)
			}
		})
	case len(ad) == 1 && len(bd) == n:
		x := ad[0]
		kernel.ParallelFor(n, grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = f(x, bd[i])
			}
		})
	case len(ad) == n:
		// a is full size: b repeats (tile) or covers blocks (spread)
		switch kind, block := broadcastKind(b.Shape, shape); kind {
		case "tile":
			m := len(bd)
			kernel.ParallelFor(n/m, max(1, grain/m), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					o, x := out[r*m:(r+1)*m], ad[r*m:(r+1)*m]
					for j, y := range bd {
						o[j] = f(x[j], y)
					}
				}
			})
			return &tensor.Tensor{DType: dt, Shape: shape, Data: out}, nil
		case "spread":
			kernel.ParallelFor(len(bd), max(1, grain/max(block, 1)), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					y := bd[r]
					o, x := out[r*block:(r+1)*block], ad[r*block:(r+1)*block]
					for j := range o {
						o[j] = f(x[j], y)
					}
				}
			})
			return &tensor.Tensor{DType: dt, Shape: shape, Data: out}, nil
		}
		fallthrough
	default:
		ia := broadcastIndex(a.Shape, shape)
		ib := broadcastIndex(b.Shape, shape)
		kernel.ParallelFor(n, grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = f(ad[ia[i]], bd[ib[i]])
			}
		})
	}
	return &tensor.Tensor{DType: dt, Shape: shape, Data: out}, nil
}

func floatArith[T float](op string) func(x, y T) T {
	switch op {
	case "Add":
		return func(x, y T) T { return x + y }
	case "Sub":
		return func(x, y T) T { return x - y }
	case "Mul":
		return func(x, y T) T { return x * y }
	case "Div":
		return func(x, y T) T { return x / y }
	case "Min":
		return func(x, y T) T {
			if x != x || x < y {
				return x
			}
			if y != y {
				return y
			}
			return y
		}
	case "Max":
		return func(x, y T) T {
			if x != x || x > y {
				return x
			}
			return y
		}
	}
	return nil
}

func intArith[T integer](op string) func(x, y T) T {
	switch op {
	case "Add":
		return func(x, y T) T { return x + y }
	case "Sub":
		return func(x, y T) T { return x - y }
	case "Mul":
		return func(x, y T) T { return x * y }
	case "Div":
		return func(x, y T) T {
			if y == 0 {
				return 0
			}
			return x / y
		}
	case "Min":
		return func(x, y T) T { return min(x, y) }
	case "Max":
		return func(x, y T) T { return max(x, y) }
	case "BitwiseAnd":
		return func(x, y T) T { return x & y }
	case "BitwiseOr":
		return func(x, y T) T { return x | y }
	case "BitwiseXor":
		return func(x, y T) T { return x ^ y }
	}
	return nil
}

// arith dispatches a same-typed binary arithmetic op on the dtype.
func arith(op string, a, b *tensor.Tensor) (*tensor.Tensor, error) {
	if a.DType != b.DType {
		return nil, fmt.Errorf("operand dtypes differ: %v and %v", a.DType, b.DType)
	}
	if isHalf(a.DType) {
		r, err := arith(op, toF32(a), toF32(b))
		return fromF32(r, a.DType), err
	}
	var f any
	switch a.DType {
	case tensor.Float32:
		f = floatArith[float32](op)
	case tensor.Float64:
		f = floatArith[float64](op)
	case tensor.Int8:
		f = intArith[int8](op)
	case tensor.Int16:
		f = intArith[int16](op)
	case tensor.Int32:
		f = intArith[int32](op)
	case tensor.Int64:
		f = intArith[int64](op)
	case tensor.Uint8:
		f = intArith[uint8](op)
	case tensor.Uint16:
		f = intArith[uint16](op)
	case tensor.Uint32:
		f = intArith[uint32](op)
	case tensor.Uint64:
		f = intArith[uint64](op)
	}
	switch f := f.(type) {
	case func(x, y float32) float32:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y float64) float64:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y int8) int8:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y int16) int16:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y int32) int32:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y int64) int64:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y uint8) uint8:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y uint16) uint16:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y uint32) uint32:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	case func(x, y uint64) uint64:
		if f != nil {
			return binTyped(a, b, a.DType, f)
		}
	}
	return nil, fmt.Errorf("%s is not defined for %v", op, a.DType)
}

func buildArith(op string) builder {
	return func(n *node) (kernelFn, error) {
		// opset < 7: legacy broadcast attribute with axis
		legacyAxis := int64(-1 << 40)
		if n.opset < 7 && n.i("broadcast", 0) == 1 && n.has("axis") {
			legacyAxis = n.i("axis", 0)
		}
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if len(in) != 2 || in[0] == nil || in[1] == nil {
				return nil, fmt.Errorf("expects 2 inputs")
			}
			b := in[1]
			if legacyAxis != -1<<40 {
				b = legacyBroadcast(in[0], b, legacyAxis)
			}
			r, err := arith(op, in[0], b)
			return []*tensor.Tensor{r}, err
		}, nil
	}
}

// legacyBroadcast reshapes b for opset<7 broadcast with an explicit axis.
func legacyBroadcast(a, b *tensor.Tensor, axis int64) *tensor.Tensor {
	ax := int(axis)
	if ax < 0 {
		ax += len(a.Shape)
	}
	shape := append([]int{}, b.Shape...)
	for len(shape)+ax < len(a.Shape) {
		shape = append(shape, 1)
	}
	return reshaped(b, shape)
}

func buildPow(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, y := in[0], in[1]
		hx := x.DType
		x = toF32(x)
		yf, err := floats(y)
		if err != nil {
			return nil, err
		}
		yt := &tensor.Tensor{DType: tensor.Float64, Shape: y.Shape, Data: yf}
		var r *tensor.Tensor
		switch xd := x.Data.(type) {
		case []float32:
			if len(yf) == 1 && yf[0] == 2 {
				out := make([]float32, len(xd))
				for i, v := range xd {
					out[i] = v * v
				}
				r = f32Tensor(x.Shape, out)
			} else {
				r, err = powTyped(xd, x, yt)
			}
		case []float64:
			r, err = powTyped(xd, x, yt)
		case []int32:
			r, err = powTyped(xd, x, yt)
		case []int64:
			r, err = powTyped(xd, x, yt)
		default:
			return nil, fmt.Errorf("Pow is not defined for %v", x.DType)
		}
		return []*tensor.Tensor{fromF32(r, hx)}, err
	}, nil
}

func powTyped[T number](_ []T, x, y *tensor.Tensor) (*tensor.Tensor, error) {
	xf := &tensor.Tensor{DType: tensor.Float64, Shape: x.Shape, Data: convSlice[T, float64](x.Data.([]T))}
	r, err := binTyped(xf, y, x.DType, func(a, b float64) T { return T(math.Pow(a, b)) })
	return r, err
}

func buildMod(n *node) (kernelFn, error) {
	fmod := n.i("fmod", 0) == 1
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b := in[0], in[1]
		if a.DType != b.DType {
			return nil, fmt.Errorf("operand dtypes differ: %v and %v", a.DType, b.DType)
		}
		var r *tensor.Tensor
		var err error
		switch a.DType {
		case tensor.Float32:
			r, err = binTyped(a, b, a.DType, func(x, y float32) float32 { return float32(floatMod(float64(x), float64(y), fmod)) })
		case tensor.Float64:
			r, err = binTyped(a, b, a.DType, func(x, y float64) float64 { return floatMod(x, y, fmod) })
		case tensor.Int8:
			r, err = binTyped(a, b, a.DType, intMod[int8](fmod))
		case tensor.Int16:
			r, err = binTyped(a, b, a.DType, intMod[int16](fmod))
		case tensor.Int32:
			r, err = binTyped(a, b, a.DType, intMod[int32](fmod))
		case tensor.Int64:
			r, err = binTyped(a, b, a.DType, intMod[int64](fmod))
		case tensor.Uint8:
			r, err = binTyped(a, b, a.DType, intMod[uint8](fmod))
		case tensor.Uint16:
			r, err = binTyped(a, b, a.DType, intMod[uint16](fmod))
		case tensor.Uint32:
			r, err = binTyped(a, b, a.DType, intMod[uint32](fmod))
		case tensor.Uint64:
			r, err = binTyped(a, b, a.DType, intMod[uint64](fmod))
		default:
			return nil, fmt.Errorf("Mod is not defined for %v", a.DType)
		}
		return []*tensor.Tensor{r}, err
	}), nil
}

func floatMod(x, y float64, fmod bool) float64 {
	m := math.Mod(x, y)
	if !fmod && m != 0 && (m < 0) != (y < 0) {
		m += y
	}
	return m
}

func intMod[T integer](fmod bool) func(x, y T) T {
	return func(x, y T) T {
		if y == 0 {
			return 0
		}
		m := x % y
		if !fmod && m != 0 && (m < 0) != (y < 0) {
			m += y
		}
		return m
	}
}

func cmpFunc[T number | ~string](op string) func(x, y T) bool {
	switch op {
	case "Equal":
		return func(x, y T) bool { return x == y }
	case "Less":
		return func(x, y T) bool { return x < y }
	case "Greater":
		return func(x, y T) bool { return x > y }
	case "LessOrEqual":
		return func(x, y T) bool { return x <= y }
	case "GreaterOrEqual":
		return func(x, y T) bool { return x >= y }
	}
	return nil
}

func compare(op string, a, b *tensor.Tensor) (*tensor.Tensor, error) {
	if a.DType != b.DType {
		return nil, fmt.Errorf("operand dtypes differ: %v and %v", a.DType, b.DType)
	}
	a, b = toF32(a), toF32(b)
	bt := tensor.Bool
	switch a.DType {
	case tensor.Float32:
		return binTyped(a, b, bt, cmpFunc[float32](op))
	case tensor.Float64:
		return binTyped(a, b, bt, cmpFunc[float64](op))
	case tensor.Int8:
		return binTyped(a, b, bt, cmpFunc[int8](op))
	case tensor.Int16:
		return binTyped(a, b, bt, cmpFunc[int16](op))
	case tensor.Int32:
		return binTyped(a, b, bt, cmpFunc[int32](op))
	case tensor.Int64:
		return binTyped(a, b, bt, cmpFunc[int64](op))
	case tensor.Uint8:
		return binTyped(a, b, bt, cmpFunc[uint8](op))
	case tensor.Uint16:
		return binTyped(a, b, bt, cmpFunc[uint16](op))
	case tensor.Uint32:
		return binTyped(a, b, bt, cmpFunc[uint32](op))
	case tensor.Uint64:
		return binTyped(a, b, bt, cmpFunc[uint64](op))
	case tensor.String:
		return binTyped(a, b, bt, cmpFunc[string](op))
	case tensor.Bool:
		if op == "Equal" {
			return binTyped(a, b, bt, func(x, y bool) bool { return x == y })
		}
	}
	return nil, fmt.Errorf("%s is not defined for %v", op, a.DType)
}

func buildCompare(op string) builder {
	return func(n *node) (kernelFn, error) {
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			r, err := compare(op, in[0], in[1])
			return []*tensor.Tensor{r}, err
		}, nil
	}
}

func buildLogic(op string) builder {
	var f func(x, y bool) bool
	switch op {
	case "And":
		f = func(x, y bool) bool { return x && y }
	case "Or":
		f = func(x, y bool) bool { return x || y }
	case "Xor":
		f = func(x, y bool) bool { return x != y }
	}
	return func(n *node) (kernelFn, error) {
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if in[0].DType != tensor.Bool || in[1].DType != tensor.Bool {
				return nil, fmt.Errorf("%s needs bool inputs, got %v and %v", op, in[0].DType, in[1].DType)
			}
			r, err := binTyped(in[0], in[1], tensor.Bool, f)
			return []*tensor.Tensor{r}, err
		}, nil
	}
}

func shiftFunc[T integer](left bool) func(x, y T) T {
	if left {
		return func(x, y T) T { return x << uint64(y) }
	}
	return func(x, y T) T { return x >> uint64(y) }
}

func buildBitShift(n *node) (kernelFn, error) {
	left := n.s("direction", "") == "LEFT"
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		a, b := in[0], in[1]
		var r *tensor.Tensor
		var err error
		switch a.DType {
		case tensor.Uint8:
			r, err = binTyped(a, b, a.DType, shiftFunc[uint8](left))
		case tensor.Uint16:
			r, err = binTyped(a, b, a.DType, shiftFunc[uint16](left))
		case tensor.Uint32:
			r, err = binTyped(a, b, a.DType, shiftFunc[uint32](left))
		case tensor.Uint64:
			r, err = binTyped(a, b, a.DType, shiftFunc[uint64](left))
		default:
			return nil, fmt.Errorf("BitShift is not defined for %v", a.DType)
		}
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildVariadic(op string) builder {
	return func(n *node) (kernelFn, error) {
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if len(in) == 0 {
				return nil, fmt.Errorf("%s needs at least one input", op)
			}
			acc := in[0]
			fop := op
			if op == "Sum" || op == "Mean" {
				fop = "Add"
			}
			for _, t := range in[1:] {
				var err error
				if acc, err = arith(fop, acc, t); err != nil {
					return nil, err
				}
			}
			if len(in) == 1 {
				acc = reshaped(acc, acc.Shape)
			}
			if op == "Mean" {
				div := fromFloat64(acc.DType, nil, []float64{float64(len(in))})
				var err error
				if acc, err = arith("Div", acc, div); err != nil {
					return nil, err
				}
			}
			return []*tensor.Tensor{acc}, nil
		}, nil
	}
}

func buildWhere(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		cond, x, y := in[0], in[1], in[2]
		if cond.DType != tensor.Bool {
			return nil, fmt.Errorf("condition must be bool, got %v", cond.DType)
		}
		if x.DType != y.DType {
			return nil, fmt.Errorf("X and Y dtypes differ: %v and %v", x.DType, y.DType)
		}
		shape, err := broadcastShapes(cond.Shape, x.Shape, y.Shape)
		if err != nil {
			return nil, err
		}
		cd := cond.Data.([]bool)
		ic := broadcastIndex(cond.Shape, shape)
		ix := broadcastIndex(x.Shape, shape)
		iy := broadcastIndex(y.Shape, shape)
		// Build one index into the concatenation [x; y].
		nx := x.Len()
		idx := make([]int, len(ic))
		for i := range idx {
			if cd[ic[i]] {
				idx[i] = ix[i]
			} else {
				idx[i] = nx + iy[i]
			}
		}
		xy := concatData(x, y)
		return []*tensor.Tensor{take(xy, idx, shape)}, nil
	}, nil
}

// concatData returns a flat tensor holding a's elements followed by b's.
func concatData(ts ...*tensor.Tensor) *tensor.Tensor {
	total := 0
	for _, t := range ts {
		total += t.Len()
	}
	out := tensor.New(ts[0].DType, []int{total})
	off := 0
	for _, t := range ts {
		copyInto(out.Data, off, t.Data)
		off += t.Len()
	}
	return out
}

// copyInto copies src into dst starting at element off (same element type).
func copyInto(dst any, off int, src any) {
	switch d := dst.(type) {
	case []float32:
		copy(d[off:], src.([]float32))
	case []float64:
		copy(d[off:], src.([]float64))
	case []uint16:
		copy(d[off:], src.([]uint16))
	case []int16:
		copy(d[off:], src.([]int16))
	case []int8:
		copy(d[off:], src.([]int8))
	case []uint8:
		copy(d[off:], src.([]uint8))
	case []int32:
		copy(d[off:], src.([]int32))
	case []uint32:
		copy(d[off:], src.([]uint32))
	case []int64:
		copy(d[off:], src.([]int64))
	case []uint64:
		copy(d[off:], src.([]uint64))
	case []bool:
		copy(d[off:], src.([]bool))
	case []string:
		copy(d[off:], src.([]string))
	case []complex64:
		copy(d[off:], src.([]complex64))
	case []complex128:
		copy(d[off:], src.([]complex128))
	default:
		panic(fmt.Sprintf("copyInto: %T", dst))
	}
}
