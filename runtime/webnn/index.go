package webnn

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// gather, gatherElements, gatherND, scatterElements, scatterND. Negative
// indices count from the end; indices outside [-size, size) are an error
// naming the index and the axis.

func init() {
	register("gather", 2, 2, false, compileGather)
	register("gatherElements", 2, 2, false, compileGatherElements)
	register("gatherND", 2, 2, false, compileGatherND)
	register("scatterElements", 3, 3, false, compileScatterElements)
	register("scatterND", 3, 3, false, compileScatterND)
}

// indexValues reads an index tensor as int64.
func indexValues(t *tensor.Tensor) ([]int64, error) {
	switch d := t.Data.(type) {
	case []int64:
		return d, nil
	case []int32:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out, nil
	case []uint32:
		out := make([]int64, len(d))
		for i, v := range d {
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("indices must be int32, uint32 or int64, got %v", t.DType)
}

func fixIndex(v int64, size int, pos int, axis int) (int, error) {
	return fixIndexMode(v, size, pos, axis, false)
}

// fixIndexMode wraps negative indices; out-of-range ones are clamped
// (spec behaviour) or reported.
func fixIndexMode(v int64, size int, pos int, axis int, clampIdx bool) (int, error) {
	if clampIdx && size > 0 {
		v = min(max(v, -int64(size)), int64(size)-1)
	}
	if v < 0 {
		v += int64(size)
	}
	if v < 0 || v >= int64(size) {
		return 0, fmt.Errorf("index %d (at position %d) out of range for axis %d of size %d", v, pos, axis, size)
	}
	return int(v), nil
}

func compileGather(nc *nodeCompiler) (kernelFn, error) {
	clampIdx := nc.c.opts.ClampIndices
	axis, err := nc.optInt(0, "axis")
	if err != nil {
		return nil, err
	}
	bd, err := nc.optInt(0, "batchDimensions", "batch_dimensions")
	if err != nil {
		return nil, err
	}
	if bd != 0 {
		return nil, fmt.Errorf("batchDimensions %d not supported", bd)
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, it := in[0], in[1]
		ax := int(axis)
		if err := checkAxis(ax, len(t.Shape), "axis"); err != nil {
			return nil, err
		}
		idx, err := indexValues(it)
		if err != nil {
			return nil, err
		}
		oshape := append(append(append([]int{}, t.Shape[:ax]...), it.Shape...), t.Shape[ax+1:]...)
		out := x.alloc(t.DType, oshape)
		es := t.DType.Size()
		outer := tensor.NumElements(t.Shape[:ax])
		size := t.Shape[ax]
		inner := tensor.NumElements(t.Shape[ax+1:]) * es
		ob, ib := rawBytes(out), rawBytes(t)
		fixed := make([]int, len(idx))
		for j, v := range idx {
			if fixed[j], err = fixIndexMode(v, size, j, ax, clampIdx); err != nil {
				return nil, err
			}
		}
		p := 0
		for o := 0; o < outer; o++ {
			for _, k := range fixed {
				src := (o*size + k) * inner
				copy(ob[p:p+inner], ib[src:src+inner])
				p += inner
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileGatherElements(nc *nodeCompiler) (kernelFn, error) {
	clampIdx := nc.c.opts.ClampIndices
	axis, err := nc.optInt(0, "axis")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, it := in[0], in[1]
		ax := int(axis)
		if err := checkAxis(ax, len(t.Shape), "axis"); err != nil {
			return nil, err
		}
		if len(it.Shape) != len(t.Shape) {
			return nil, fmt.Errorf("indices rank %d differs from input rank %d", len(it.Shape), len(t.Shape))
		}
		for d := range t.Shape {
			if d != ax && it.Shape[d] > t.Shape[d] {
				return nil, fmt.Errorf("indices shape %v exceeds input shape %v on axis %d", it.Shape, t.Shape, d)
			}
		}
		idx, err := indexValues(it)
		if err != nil {
			return nil, err
		}
		fixed := make([]int, len(idx))
		for i, v := range idx {
			if fixed[i], err = fixIndexMode(v, t.Shape[ax], i, ax, clampIdx); err != nil {
				return nil, err
			}
		}
		out := x.alloc(t.DType, it.Shape)
		pos := 0
		copyByIndex(out, t, func(oi, si []int) bool {
			copy(si, oi)
			si[ax] = fixed[pos]
			pos++
			return true
		}, nil)
		return []*tensor.Tensor{out}, nil
	}, nil
}

// ndOffsets resolves gatherND/scatterND index tuples to element offsets of
// the slices they address.
func ndOffsets(t, it *tensor.Tensor, clampIdx bool) (offs []int, sliceShape []int, err error) {
	r := len(it.Shape)
	if r < 1 {
		return nil, nil, fmt.Errorf("indices must have rank ≥ 1")
	}
	k := it.Shape[r-1]
	if k > len(t.Shape) {
		return nil, nil, fmt.Errorf("index tuples of length %d for input rank %d", k, len(t.Shape))
	}
	idx, err := indexValues(it)
	if err != nil {
		return nil, nil, err
	}
	st := stridesOf(t.Shape)
	n := tensor.NumElements(it.Shape[:r-1])
	offs = make([]int, n)
	for i := 0; i < n; i++ {
		o := 0
		for j := 0; j < k; j++ {
			v, err := fixIndexMode(idx[i*k+j], t.Shape[j], i*k+j, j, clampIdx)
			if err != nil {
				return nil, nil, err
			}
			o += v * st[j]
		}
		offs[i] = o
	}
	return offs, t.Shape[k:], nil
}

func compileGatherND(nc *nodeCompiler) (kernelFn, error) {
	clampIdx := nc.c.opts.ClampIndices
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, it := in[0], in[1]
		offs, slice, err := ndOffsets(t, it, clampIdx)
		if err != nil {
			return nil, err
		}
		oshape := append(append([]int{}, it.Shape[:len(it.Shape)-1]...), slice...)
		out := x.alloc(t.DType, oshape)
		es := t.DType.Size()
		chunk := tensor.NumElements(slice) * es
		ob, ib := rawBytes(out), rawBytes(t)
		for i, o := range offs {
			copy(ob[i*chunk:(i+1)*chunk], ib[o*es:o*es+chunk])
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileScatterElements(nc *nodeCompiler) (kernelFn, error) {
	clampIdx := nc.c.opts.ClampIndices
	axis, err := nc.optInt(0, "axis")
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, it, u := in[0], in[1], in[2]
		ax := int(axis)
		if err := checkAxis(ax, len(t.Shape), "axis"); err != nil {
			return nil, err
		}
		if u.DType != t.DType {
			return nil, fmt.Errorf("updates are %v, input is %v", u.DType, t.DType)
		}
		if !sameShape(it.Shape, u.Shape) || len(it.Shape) != len(t.Shape) {
			return nil, fmt.Errorf("indices %v and updates %v must have one shape of the input's rank %d", it.Shape, u.Shape, len(t.Shape))
		}
		idx, err := indexValues(it)
		if err != nil {
			return nil, err
		}
		out := x.alloc(t.DType, t.Shape)
		es := t.DType.Size()
		ob, ub := rawBytes(out), rawBytes(u)
		copy(ob, rawBytes(t))
		st := stridesOf(t.Shape)
		pos := make([]int, len(it.Shape))
		for i := range idx {
			k, err := fixIndexMode(idx[i], t.Shape[ax], i, ax, clampIdx)
			if err != nil {
				return nil, err
			}
			o := 0
			for d, v := range pos {
				if d == ax {
					v = k
				}
				o += v * st[d]
			}
			copy(ob[o*es:(o+1)*es], ub[i*es:(i+1)*es])
			nextIndex(pos, it.Shape)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileScatterND(nc *nodeCompiler) (kernelFn, error) {
	clampIdx := nc.c.opts.ClampIndices
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t, it, u := in[0], in[1], in[2]
		if u.DType != t.DType {
			return nil, fmt.Errorf("updates are %v, input is %v", u.DType, t.DType)
		}
		offs, slice, err := ndOffsets(t, it, clampIdx)
		if err != nil {
			return nil, err
		}
		want := append(append([]int{}, it.Shape[:len(it.Shape)-1]...), slice...)
		if u.Len() != tensor.NumElements(want) {
			return nil, fmt.Errorf("updates shape %v, want %v", u.Shape, want)
		}
		out := x.alloc(t.DType, t.Shape)
		es := t.DType.Size()
		ob, ub := rawBytes(out), rawBytes(u)
		copy(ob, rawBytes(t))
		chunk := tensor.NumElements(slice) * es
		for i, o := range offs {
			copy(ob[o*es:o*es+chunk], ub[i*chunk:(i+1)*chunk])
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
