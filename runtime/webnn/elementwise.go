package webnn

import (
	"fmt"
	"math"
	"slices"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Element-wise binary, comparison and logical ops with numpy broadcasting.

type integer interface {
	~int8 | ~uint8 | ~int32 | ~uint32 | ~int64 | ~uint64
}

type number interface {
	integer | ~float32
}

func init() {
	for _, op := range []string{"add", "sub", "mul", "div", "max", "min", "pow"} {
		register(op, 2, 2, true, compileBinary(op))
	}
	for _, op := range []string{"equal", "notEqual", "greater", "greaterOrEqual", "lesser", "lesserOrEqual"} {
		register(op, 2, 2, true, compileCompare(op))
	}
	for _, op := range []string{"logicalAnd", "logicalOr", "logicalXor"} {
		register(op, 2, 2, false, compileLogical(op))
	}
	register("where", 3, 3, false, compileWhere)
}

// broadcastPlan is a binary op's broadcast shape and strides for the
// operand shapes it was last made for. Each step keeps one and remakes it
// only when its operand shapes change (in a decode loop most never do), so
// a run does not recompute them per op. Runs are serialised, so a step's
// plan is never used concurrently.
type broadcastPlan struct {
	a, b, out   []int
	sa, sb, so  []int
	strides     [][]int
	initialized bool
}

// update makes p the plan for operand shapes a and b.
func (p *broadcastPlan) update(a, b []int) error {
	if p.initialized && slices.Equal(p.a, a) && slices.Equal(p.b, b) {
		return nil
	}
	p.initialized = false
	out, err := broadcastShapes(a, b)
	if err != nil {
		return err
	}
	p.a, p.b, p.out = append(p.a[:0], a...), append(p.b[:0], b...), out
	p.sa, p.sb, p.so = bstrides(a, out), bstrides(b, out), stridesOf(out)
	p.strides = [][]int{p.sa, p.sb, p.so}
	p.initialized = true
	return nil
}

// binaryLoop computes out = f(a, b) over the broadcast shape oshape.
func binaryLoop[T, U any](out []U, a, b []T, ashape, bshape, oshape []int, f func(T, T) U) {
	if fastBinary(out, a, b, f) {
		return
	}
	sa, sb, so := bstrides(ashape, oshape), bstrides(bshape, oshape), stridesOf(oshape)
	stridedBinary(out, a, b, oshape, [][]int{sa, sb, so}, f)
}

// binaryLoopPlan is binaryLoop with a prepared plan.
func binaryLoopPlan[T, U any](out []U, a, b []T, p *broadcastPlan, f func(T, T) U) {
	if fastBinary(out, a, b, f) {
		return
	}
	stridedBinary(out, a, b, p.out, p.strides, f)
}

// stridedBinary is the general broadcasting loop; strides are a's, b's and
// out's.
func stridedBinary[T, U any](out []U, a, b []T, oshape []int, strides [][]int, f func(T, T) U) {
	r := len(oshape)
	ia, ib := 0, 0
	if r > 0 {
		ia, ib = strides[0][r-1], strides[1][r-1]
	}
	forEachRow(oshape, strides, func(offs []int, m int) {
		pa, pb, po := offs[0], offs[1], offs[2]
		for j := 0; j < m; j++ {
			out[po+j] = f(a[pa], b[pb])
			pa += ia
			pb += ib
		}
	})
}

// fastBinary handles equal sizes and a scalar operand, reporting whether it did.
func fastBinary[T, U any](out []U, a, b []T, f func(T, T) U) bool {
	n := len(out)
	switch {
	case len(a) == n && len(b) == n:
		kernel.ParallelFor(n, 16384, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = f(a[i], b[i])
			}
		})
		return true
	case len(b) == 1 && len(a) == n:
		bv := b[0]
		for i := range out {
			out[i] = f(a[i], bv)
		}
		return true
	case len(a) == 1 && len(b) == n:
		av := a[0]
		for i := range out {
			out[i] = f(av, b[i])
		}
		return true
	}
	return false
}

func floatBinary(op string) func(a, b float32) float32 {
	switch op {
	case "add":
		return func(a, b float32) float32 { return a + b }
	case "sub":
		return func(a, b float32) float32 { return a - b }
	case "mul":
		return func(a, b float32) float32 { return a * b }
	case "div":
		return func(a, b float32) float32 { return a / b }
	case "max":
		return func(a, b float32) float32 {
			if a != a || b != b {
				return float32(math.NaN())
			}
			if a > b {
				return a
			}
			return b
		}
	case "min":
		return func(a, b float32) float32 {
			if a != a || b != b {
				return float32(math.NaN())
			}
			if a < b {
				return a
			}
			return b
		}
	case "pow":
		return func(a, b float32) float32 { return float32(math.Pow(float64(a), float64(b))) }
	}
	return nil
}

func intBinary[T integer](op string) func(a, b T) T {
	switch op {
	case "add":
		return func(a, b T) T { return a + b }
	case "sub":
		return func(a, b T) T { return a - b }
	case "mul":
		return func(a, b T) T { return a * b }
	case "div":
		// Integer division truncates toward zero; division by zero gives 0
		// instead of a trap (implementation-defined in the spec).
		return func(a, b T) T {
			if b == 0 {
				return 0
			}
			var minusOne T
			minusOne--
			if b == minusOne && minusOne < 0 {
				return -a // avoids the MinInt / -1 trap; wraps like two's complement
			}
			return a / b
		}
	case "max":
		return func(a, b T) T { return max(a, b) }
	case "min":
		return func(a, b T) T { return min(a, b) }
	case "pow":
		return func(a, b T) T {
			var zero T
			if b < zero {
				var one T = 1
				switch {
				case a == one:
					return one
				case a+one == zero: // -1
					if b%2 == 0 {
						return one
					}
					return a
				}
				return zero
			}
			r := T(1)
			base := a
			for e := uint64(b); e > 0; e >>= 1 {
				if e&1 == 1 {
					r *= base
				}
				base *= base
			}
			return r
		}
	}
	return nil
}

func compileBinary(op string) func(nc *nodeCompiler) (kernelFn, error) {
	return func(nc *nodeCompiler) (kernelFn, error) {
		var plan broadcastPlan
		ff := floatBinary(op)
		nc.st.ewKind = ewOpOf[op]
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			a, b := in[0], in[1]
			if a.DType != b.DType {
				return nil, fmt.Errorf("operand data types differ: %v and %v", a.DType, b.DType)
			}
			if err := plan.update(a.Shape, b.Shape); err != nil {
				return nil, err
			}
			out := x.alloc(a.DType, plan.out)
			switch ad := a.Data.(type) {
			case []float32:
				bd := b.Data.([]float32)
				f := ff
				if op == "pow" && len(bd) == 1 && bd[0] == 2 {
					// x² (RMSNorm): the float32 product is the correctly rounded square, as pow's is
					f = func(a, _ float32) float32 { return a * a }
				}
				binaryLoopPlan(out.Data.([]float32), ad, bd, &plan, f)
			case []int32:
				binaryLoopPlan(out.Data.([]int32), ad, b.Data.([]int32), &plan, intBinary[int32](op))
			case []uint32:
				binaryLoopPlan(out.Data.([]uint32), ad, b.Data.([]uint32), &plan, intBinary[uint32](op))
			case []int64:
				binaryLoopPlan(out.Data.([]int64), ad, b.Data.([]int64), &plan, intBinary[int64](op))
			case []uint64:
				binaryLoopPlan(out.Data.([]uint64), ad, b.Data.([]uint64), &plan, intBinary[uint64](op))
			case []int8:
				binaryLoopPlan(out.Data.([]int8), ad, b.Data.([]int8), &plan, intBinary[int8](op))
			case []uint8:
				binaryLoopPlan(out.Data.([]uint8), ad, b.Data.([]uint8), &plan, intBinary[uint8](op))
			default:
				return nil, fmt.Errorf("unsupported data type %v", a.DType)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func compareFn[T number](op string) func(a, b T) uint8 {
	b2u := func(c bool) uint8 {
		if c {
			return 1
		}
		return 0
	}
	switch op {
	case "equal":
		return func(a, b T) uint8 { return b2u(a == b) }
	case "notEqual":
		return func(a, b T) uint8 { return b2u(a != b) }
	case "greater":
		return func(a, b T) uint8 { return b2u(a > b) }
	case "greaterOrEqual":
		return func(a, b T) uint8 { return b2u(a >= b) }
	case "lesser":
		return func(a, b T) uint8 { return b2u(a < b) }
	case "lesserOrEqual":
		return func(a, b T) uint8 { return b2u(a <= b) }
	}
	return nil
}

func compileCompare(op string) func(nc *nodeCompiler) (kernelFn, error) {
	return func(nc *nodeCompiler) (kernelFn, error) {
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			a, b := in[0], in[1]
			if a.DType != b.DType {
				return nil, fmt.Errorf("operand data types differ: %v and %v", a.DType, b.DType)
			}
			oshape, err := broadcastShapes(a.Shape, b.Shape)
			if err != nil {
				return nil, err
			}
			out := x.alloc(tensor.Uint8, oshape)
			o := out.Data.([]uint8)
			switch ad := a.Data.(type) {
			case []float32:
				binaryLoop(o, ad, b.Data.([]float32), a.Shape, b.Shape, oshape, compareFn[float32](op))
			case []int32:
				binaryLoop(o, ad, b.Data.([]int32), a.Shape, b.Shape, oshape, compareFn[int32](op))
			case []uint32:
				binaryLoop(o, ad, b.Data.([]uint32), a.Shape, b.Shape, oshape, compareFn[uint32](op))
			case []int64:
				binaryLoop(o, ad, b.Data.([]int64), a.Shape, b.Shape, oshape, compareFn[int64](op))
			case []uint64:
				binaryLoop(o, ad, b.Data.([]uint64), a.Shape, b.Shape, oshape, compareFn[uint64](op))
			case []int8:
				binaryLoop(o, ad, b.Data.([]int8), a.Shape, b.Shape, oshape, compareFn[int8](op))
			case []uint8:
				binaryLoop(o, ad, b.Data.([]uint8), a.Shape, b.Shape, oshape, compareFn[uint8](op))
			default:
				return nil, fmt.Errorf("unsupported data type %v", a.DType)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func compileLogical(op string) func(nc *nodeCompiler) (kernelFn, error) {
	var f func(a, b uint8) uint8
	switch op {
	case "logicalAnd":
		f = func(a, b uint8) uint8 { return b2u8(a != 0 && b != 0) }
	case "logicalOr":
		f = func(a, b uint8) uint8 { return b2u8(a != 0 || b != 0) }
	case "logicalXor":
		f = func(a, b uint8) uint8 { return b2u8((a != 0) != (b != 0)) }
	}
	return func(nc *nodeCompiler) (kernelFn, error) {
		return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			a, b := in[0], in[1]
			if a.DType != tensor.Uint8 || b.DType != tensor.Uint8 {
				return nil, fmt.Errorf("operands must be uint8, got %v and %v", a.DType, b.DType)
			}
			oshape, err := broadcastShapes(a.Shape, b.Shape)
			if err != nil {
				return nil, err
			}
			out := x.alloc(tensor.Uint8, oshape)
			binaryLoop(out.Data.([]uint8), a.Data.([]uint8), b.Data.([]uint8), a.Shape, b.Shape, oshape, f)
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func b2u8(c bool) uint8 {
	if c {
		return 1
	}
	return 0
}

func compileWhere(nc *nodeCompiler) (kernelFn, error) {
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		c, t, f := in[0], in[1], in[2]
		if c.DType != tensor.Uint8 {
			return nil, fmt.Errorf("condition must be uint8, got %v", c.DType)
		}
		if t.DType != f.DType {
			return nil, fmt.Errorf("trueValue is %v, falseValue is %v", t.DType, f.DType)
		}
		oshape, err := broadcastShapes(c.Shape, t.Shape, f.Shape)
		if err != nil {
			return nil, err
		}
		out := x.alloc(t.DType, oshape)
		es := t.DType.Size()
		ob, tb, fb := rawBytes(out), rawBytes(t), rawBytes(f)
		cd := c.Data.([]uint8)
		sc, st, sf, so := bstrides(c.Shape, oshape), bstrides(t.Shape, oshape), bstrides(f.Shape, oshape), stridesOf(oshape)
		r := len(oshape)
		var ic, it, iff int
		if r > 0 {
			ic, it, iff = sc[r-1], st[r-1], sf[r-1]
		}
		forEachRow(oshape, [][]int{sc, st, sf, so}, func(offs []int, m int) {
			pc, pt, pf, po := offs[0], offs[1], offs[2], offs[3]
			for j := 0; j < m; j++ {
				if cd[pc] != 0 {
					copy(ob[(po+j)*es:(po+j+1)*es], tb[pt*es:(pt+1)*es])
				} else {
					copy(ob[(po+j)*es:(po+j+1)*es], fb[pf*es:(pf+1)*es])
				}
				pc += ic
				pt += it
				pf += iff
			}
		})
		return []*tensor.Tensor{out}, nil
	}, nil
}
