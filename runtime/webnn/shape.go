package webnn

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// broadcastShapes applies numpy bidirectional broadcasting.
func broadcastShapes(shapes ...[]int) ([]int, error) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := r - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case o == d || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v are not broadcastable", shapes)
			}
		}
	}
	return out, nil
}

// unidirectional checks that from broadcasts to to (expand, prelu slope, gemm c).
func unidirectional(from, to []int) error {
	if len(from) > len(to) {
		return fmt.Errorf("shape %v does not broadcast to %v", from, to)
	}
	off := len(to) - len(from)
	for i, d := range from {
		if d != 1 && d != to[off+i] {
			return fmt.Errorf("shape %v does not broadcast to %v", from, to)
		}
	}
	return nil
}

// stridesOf gives row-major element strides.
func stridesOf(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// bstrides gives the strides of shape read as broadcast into out (0 on
// broadcast dims), aligned to out's rank.
func bstrides(shape, out []int) []int {
	s := make([]int, len(out))
	st := stridesOf(shape)
	off := len(out) - len(shape)
	for i, d := range shape {
		if d != 1 {
			s[off+i] = st[i]
		}
	}
	return s
}

// forEachIndex walks the row-major positions of shape and hands fn the
// offsets into each operand (given by strides), one inner row at a time:
// fn(offsets at row start, row length, inner strides).
func forEachRow(shape []int, strides [][]int, fn func(offs []int, n int)) {
	r := len(shape)
	k := len(strides)
	offs := make([]int, k)
	if r == 0 {
		fn(offs, 1)
		return
	}
	if tensor.NumElements(shape) == 0 {
		return
	}
	idx := make([]int, r-1)
	inner := shape[r-1]
	for {
		fn(offs, inner)
		// advance the outer index
		d := r - 2
		for ; d >= 0; d-- {
			idx[d]++
			for j := 0; j < k; j++ {
				offs[j] += strides[j][d]
			}
			if idx[d] < shape[d] {
				break
			}
			for j := 0; j < k; j++ {
				offs[j] -= strides[j][d] * shape[d]
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normAxis checks an axis against a rank.
func checkAxis(axis, rank int, what string) error {
	if axis < 0 || axis >= rank {
		return fmt.Errorf("%s %d out of range for rank %d", what, axis, rank)
	}
	return nil
}
