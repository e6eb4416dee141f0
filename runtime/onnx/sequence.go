package onnxrt

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Sequence and optional values and their ops: SequenceEmpty,
// SequenceConstruct, SequenceInsert, SequenceAt, SequenceErase,
// SequenceLength, SplitToSequence, ConcatFromSequence, SequenceMap,
// Optional, OptionalHasElement, OptionalGetElement.
//
// Values flow through the interpreter as *tensor.Tensor; a sequence is
// carried as a tensor of the private dtype SequenceDType whose Data is
// []*tensor.Tensor, and an empty optional as one of dtype NoneDType.

const (
	// SequenceDType marks a value holding an ONNX sequence of tensors
	// (Data is []*tensor.Tensor).
	SequenceDType tensor.DType = -100
	// NoneDType marks an empty ONNX optional value.
	NoneDType tensor.DType = -101
)

// NewSequence wraps tensors as a sequence value.
func NewSequence(ts []*tensor.Tensor) *tensor.Tensor {
	return &tensor.Tensor{DType: SequenceDType, Data: append([]*tensor.Tensor{}, ts...)}
}

// SequenceOf returns the elements of a sequence value.
func SequenceOf(t *tensor.Tensor) ([]*tensor.Tensor, bool) {
	if t == nil || t.DType != SequenceDType {
		return nil, false
	}
	s, ok := t.Data.([]*tensor.Tensor)
	return s, ok
}

func noneValue() *tensor.Tensor { return &tensor.Tensor{DType: NoneDType} }

func init() {
	register("", "SequenceEmpty", 11, buildSequenceEmpty)
	register("", "SequenceConstruct", 11, buildSequenceConstruct)
	register("", "SequenceInsert", 11, buildSequenceInsert)
	register("", "SequenceAt", 11, buildSequenceAt)
	register("", "SequenceErase", 11, buildSequenceErase)
	register("", "SequenceLength", 11, buildSequenceLength)
	register("", "SplitToSequence", 11, buildSplitToSequence)
	register("", "ConcatFromSequence", 11, buildConcatFromSequence)
	register("", "SequenceMap", 17, buildSequenceMap)
	register("", "Optional", 15, buildOptional)
	register("", "OptionalHasElement", 15, buildOptionalHasElement)
	register("", "OptionalGetElement", 15, buildOptionalGetElement)
}

func seqArg(t *tensor.Tensor) ([]*tensor.Tensor, error) {
	s, ok := SequenceOf(t)
	if !ok {
		return nil, fmt.Errorf("expected a sequence, got %v", t)
	}
	return s, nil
}

// seqPos resolves a (possibly negative) position; insert allows len.
func seqPos(t *tensor.Tensor, n int, insert bool) (int, error) {
	p, err := scalarInt(t)
	if err != nil {
		return 0, fmt.Errorf("position: %w", err)
	}
	limit := int64(n)
	if insert {
		limit++
	}
	if p < 0 {
		p += int64(n)
	}
	if p < 0 || p >= limit {
		return 0, fmt.Errorf("position %d out of range for a sequence of %d", p, n)
	}
	return int(p), nil
}

func buildSequenceEmpty(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		return []*tensor.Tensor{NewSequence(nil)}, nil
	}, nil
}

func buildSequenceConstruct(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		return []*tensor.Tensor{NewSequence(in)}, nil
	}, nil
}

func buildSequenceInsert(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := seqArg(in[0])
		if err != nil {
			return nil, err
		}
		pos := len(s)
		if p := opt(in, 2); p != nil {
			if pos, err = seqPos(p, len(s), true); err != nil {
				return nil, err
			}
		}
		out := append(append(append([]*tensor.Tensor{}, s[:pos]...), in[1]), s[pos:]...)
		return []*tensor.Tensor{NewSequence(out)}, nil
	}, nil
}

func buildSequenceAt(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := seqArg(in[0])
		if err != nil {
			return nil, err
		}
		pos, err := seqPos(in[1], len(s), false)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{s[pos]}, nil
	}, nil
}

func buildSequenceErase(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := seqArg(in[0])
		if err != nil {
			return nil, err
		}
		pos := len(s) - 1
		if p := opt(in, 1); p != nil {
			if pos, err = seqPos(p, len(s), false); err != nil {
				return nil, err
			}
		}
		if pos < 0 {
			return nil, fmt.Errorf("erase from an empty sequence")
		}
		out := append(append([]*tensor.Tensor{}, s[:pos]...), s[pos+1:]...)
		return []*tensor.Tensor{NewSequence(out)}, nil
	}, nil
}

func buildSequenceLength(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := seqArg(in[0])
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{i64Tensor(nil, []int64{int64(len(s))})}, nil
	}, nil
}

func buildSplitToSequence(n *node) (kernelFn, error) {
	axis := n.i("axis", 0)
	keepdims := n.i("keepdims", 1) == 1
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		dim := x.Shape[ax]
		var sizes []int
		squeeze := false
		if s := opt(in, 1); s != nil {
			v, err := ints(s)
			if err != nil {
				return nil, err
			}
			for i, sz := range v {
				if sz < 0 || (len(s.Shape) == 0 && sz == 0) {
					return nil, fmt.Errorf("split[%d] = %d must be positive", i, sz)
				}
			}
			if len(s.Shape) == 0 {
				for rest := dim; rest > 0; rest -= int(v[0]) {
					sizes = append(sizes, min(int(v[0]), rest))
				}
			} else {
				sizes = toInts(v)
			}
		} else {
			for i := 0; i < dim; i++ {
				sizes = append(sizes, 1)
			}
			squeeze = !keepdims
		}
		var out []*tensor.Tensor
		off := 0
		for _, sz := range sizes {
			if off+sz > dim {
				return nil, fmt.Errorf("split sizes %v exceed dim %d", sizes, dim)
			}
			part := sliceAxis(x, ax, off, sz)
			if squeeze {
				shape := append(append([]int{}, x.Shape[:ax]...), x.Shape[ax+1:]...)
				part = reshaped(part, shape)
			}
			out = append(out, part)
			off += sz
		}
		return []*tensor.Tensor{NewSequence(out)}, nil
	}, nil
}

func buildConcatFromSequence(n *node) (kernelFn, error) {
	axis := n.i("axis", 0)
	newAxis := n.i("new_axis", 0) == 1
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := seqArg(in[0])
		if err != nil {
			return nil, err
		}
		if len(s) == 0 {
			return nil, fmt.Errorf("empty sequence")
		}
		if newAxis {
			ax := int(axis)
			if ax < 0 {
				ax += len(s[0].Shape) + 1
			}
			r, err := stack(s, ax)
			return []*tensor.Tensor{r}, err
		}
		r, err := concat(s, axis)
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildSequenceMap(n *node) (kernelFn, error) {
	body, err := n.subgraph("body")
	if err != nil {
		return nil, err
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		s, err := seqArg(in[0])
		if err != nil {
			return nil, err
		}
		outs := make([][]*tensor.Tensor, len(body.outputs))
		for i := range s {
			feeds := []*tensor.Tensor{s[i]}
			for _, extra := range in[1:] {
				if es, ok := SequenceOf(extra); ok {
					if i >= len(es) {
						return nil, fmt.Errorf("additional sequence shorter than the input sequence")
					}
					feeds = append(feeds, es[i])
				} else {
					feeds = append(feeds, extra)
				}
			}
			res, err := c.runGraph(body, feeds)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			for j, r := range res {
				outs[j] = append(outs[j], r)
			}
		}
		res := make([]*tensor.Tensor, len(outs))
		for j := range outs {
			res[j] = NewSequence(outs[j])
		}
		return res, nil
	}, nil
}

func buildOptional(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if v := opt(in, 0); v != nil {
			return []*tensor.Tensor{v}, nil
		}
		return []*tensor.Tensor{noneValue()}, nil
	}, nil
}

func buildOptionalHasElement(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		v := opt(in, 0)
		has := v != nil && v.DType != NoneDType
		return []*tensor.Tensor{{DType: tensor.Bool, Data: []bool{has}}}, nil
	}, nil
}

func buildOptionalGetElement(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		v := opt(in, 0)
		if v == nil || v.DType == NoneDType {
			return nil, fmt.Errorf("optional has no element")
		}
		return []*tensor.Tensor{v}, nil
	}, nil
}
