// Package checked is overflow-checked integer arithmetic for sizes: the one
// place where shape products, byte counts and offsets computed from
// untrusted models are multiplied. A wrapped product is how a shape of
// [2^31, 2^31, 2^31] used to "run" as 0 elements; every product of dims in
// webnn-graph goes through Mul or Product instead of a bare `*`.
package checked

import (
	"math/bits"
	"unsafe"
)

// Int is the integer types sizes are held in.
type Int interface {
	~int | ~int64 | ~int32
}

// Mul returns a·b and true, or 0 and false when the product does not fit
// in T. Negative operands are allowed (the sign follows the usual rules);
// callers that need sizes check for negative dims separately (Product does).
func Mul[T Int](a, b T) (T, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := (a < 0) != (b < 0)
	ua, ub := abs64(int64(a)), abs64(int64(b))
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 {
		return 0, false
	}
	limit := uint64(maxOf[T]())
	if neg {
		limit++ // |min| = max + 1
	}
	if lo > limit {
		return 0, false
	}
	if neg {
		return T(-int64(lo-1) - 1), true
	}
	return T(lo), true
}

// Add returns a+b and true, or 0 and false on overflow.
func Add[T Int](a, b T) (T, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	// For narrower T the wrap is caught above too: a+b is computed in T.
	return s, true
}

// Product returns the product of dims (1 for none) and true, or 0 and false
// when a dim is negative or the product does not fit in T. A zero dim makes
// the product 0 whatever the other dims are, in any order.
func Product[T Int](dims []T) (T, bool) {
	n := T(1)
	for _, d := range dims {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			n = 0
		}
	}
	if n == 0 {
		return 0, true
	}
	for _, d := range dims {
		var ok bool
		if n, ok = Mul(n, d); !ok {
			return 0, false
		}
	}
	return n, true
}

// ProductOf is Product of its arguments.
func ProductOf[T Int](dims ...T) (T, bool) { return Product(dims) }

func abs64(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

func maxOf[T Int]() int64 {
	var z T
	return int64(^uint64(0) >> (65 - 8*unsafe.Sizeof(z)))
}
