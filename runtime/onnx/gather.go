package onnxrt

import (
	"fmt"
	"math"
	"sort"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Indexing ops: Gather, GatherElements, GatherND, ScatterND,
// ScatterElements (Scatter), OneHot, NonZero, TopK, CumSum, Unique.
// Indices are bounds-checked; negative indices count from the end.

func init() {
	register("", "Gather", 1, buildGather)
	register("", "GatherElements", 11, buildGatherElements)
	register("", "GatherND", 11, buildGatherND)
	register("", "ScatterND", 11, buildScatterND)
	register("", "ScatterElements", 11, buildScatterElements)
	register("", "Scatter", 9, buildScatterElements)
	register("", "OneHot", 9, buildOneHot)
	register("", "NonZero", 9, buildNonZero)
	register("", "TopK", 1, buildTopK)
	register("", "CumSum", 11, buildCumulative(false))
	register("", "Unique", 11, buildUnique)
}

// fixIndex normalises a possibly negative index into [0, dim).
func fixIndex(i int64, dim int) (int, error) {
	j := i
	if j < 0 {
		j += int64(dim)
	}
	if j < 0 || j >= int64(dim) {
		return 0, fmt.Errorf("index %d out of range for dim %d", i, dim)
	}
	return int(j), nil
}

func buildGather(n *node) (kernelFn, error) {
	axis := n.i("axis", 0)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, ind := in[0], in[1]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		iv, err := ints(ind)
		if err != nil {
			return nil, fmt.Errorf("indices: %w", err)
		}
		dim := x.Shape[ax]
		outer := tensor.NumElements(x.Shape[:ax])
		inner := tensor.NumElements(x.Shape[ax+1:])
		shape := append(append(append([]int{}, x.Shape[:ax]...), ind.Shape...), x.Shape[ax+1:]...)
		idx := make([]int, 0, outer*len(iv)*inner)
		for o := 0; o < outer; o++ {
			for _, i := range iv {
				j, err := fixIndex(i, dim)
				if err != nil {
					return nil, err
				}
				base := (o*dim + j) * inner
				for k := 0; k < inner; k++ {
					idx = append(idx, base+k)
				}
			}
		}
		return []*tensor.Tensor{take(x, idx, shape)}, nil
	}, nil
}

func buildGatherElements(n *node) (kernelFn, error) {
	axis := n.i("axis", 0)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, ind := in[0], in[1]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		if len(ind.Shape) != len(x.Shape) {
			return nil, fmt.Errorf("indices rank %d differs from data rank %d", len(ind.Shape), len(x.Shape))
		}
		iv, err := ints(ind)
		if err != nil {
			return nil, err
		}
		xst := strides(x.Shape)
		ist := strides(ind.Shape)
		idx := make([]int, len(iv))
		for p, i := range iv {
			j, err := fixIndex(i, x.Shape[ax])
			if err != nil {
				return nil, err
			}
			off := 0
			for d := range ind.Shape {
				c := (p / ist[d]) % ind.Shape[d]
				if d == ax {
					c = j
				}
				off += c * xst[d]
			}
			idx[p] = off
		}
		return []*tensor.Tensor{take(x, idx, ind.Shape)}, nil
	}, nil
}

// ndOffsets resolves GatherND/ScatterND index tuples into flat offsets of
// slices of x; returns offsets and the slice size.
func ndOffsets(x *tensor.Tensor, ind *tensor.Tensor, batchDims int) ([]int, int, []int, error) {
	iv, err := ints(ind)
	if err != nil {
		return nil, 0, nil, err
	}
	r := len(ind.Shape)
	if r == 0 {
		return nil, 0, nil, fmt.Errorf("indices must have rank ≥ 1")
	}
	if batchDims < 0 || batchDims >= r || batchDims > len(x.Shape) {
		return nil, 0, nil, fmt.Errorf("batch_dims %d must be below the rank of indices %v and at most that of data %v", batchDims, ind.Shape, x.Shape)
	}
	for d := 0; d < batchDims; d++ {
		if ind.Shape[d] != x.Shape[d] {
			return nil, 0, nil, fmt.Errorf("indices %v and data %v differ in batch dim %d", ind.Shape, x.Shape, d)
		}
	}
	k := ind.Shape[r-1]
	if batchDims+k > len(x.Shape) {
		return nil, 0, nil, fmt.Errorf("index tuples of length %d too long for data %v", k, x.Shape)
	}
	xst := strides(x.Shape)
	slice := tensor.NumElements(x.Shape[batchDims+k:])
	tuples := len(iv) / max(k, 1)
	if k == 0 {
		tuples = tensor.NumElements(ind.Shape[:r-1])
	}
	perBatch := tuples / max(tensor.NumElements(ind.Shape[:batchDims]), 1)
	batchSize := tensor.NumElements(x.Shape[:batchDims])
	_ = batchSize
	offs := newSlice[int](tuples)
	for t := 0; t < tuples; t++ {
		b := t / max(perBatch, 1)
		off := 0
		if batchDims > 0 {
			off = b * xst[batchDims-1]
		}
		for j := 0; j < k; j++ {
			d := batchDims + j
			i, err := fixIndex(iv[t*k+j], x.Shape[d])
			if err != nil {
				return nil, 0, nil, err
			}
			off += i * xst[d]
		}
		offs[t] = off
	}
	outShape := append(append([]int{}, ind.Shape[:r-1]...), x.Shape[batchDims+k:]...)
	return offs, slice, outShape, nil
}

func buildGatherND(n *node) (kernelFn, error) {
	batchDims := int(n.i("batch_dims", 0))
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		offs, slice, shape, err := ndOffsets(x, in[1], batchDims)
		if err != nil {
			return nil, err
		}
		idx := make([]int, 0, len(offs)*slice)
		for _, o := range offs {
			for s := 0; s < slice; s++ {
				idx = append(idx, o+s)
			}
		}
		return []*tensor.Tensor{take(x, idx, shape)}, nil
	}, nil
}

// scatterCombine writes updates into a float64 copy of x at the given
// (destination, source) pairs with a reduction, then converts back.
func scatterApply(x, upd *tensor.Tensor, dst, src []int, reduction string) (*tensor.Tensor, error) {
	if reduction == "none" {
		// exact data movement for every dtype: out = x, then out[dst]=upd[src]
		ext := concatData(x, upd)
		idx := iota(x.Len())
		m := x.Len()
		for i, d := range dst {
			idx[d] = m + src[i]
		}
		return take(ext, idx, x.Shape), nil
	}
	xv, err := floats(x)
	if err != nil {
		return nil, err
	}
	uv, err := floats(upd)
	if err != nil {
		return nil, err
	}
	for i, d := range dst {
		u := uv[src[i]]
		switch reduction {
		case "add":
			xv[d] += u
		case "mul":
			xv[d] *= u
		case "max":
			xv[d] = math.Max(xv[d], u)
		case "min":
			xv[d] = math.Min(xv[d], u)
		default:
			return nil, fmt.Errorf("unknown reduction %q", reduction)
		}
	}
	return fromFloat64(x.DType, x.Shape, xv), nil
}

func buildScatterND(n *node) (kernelFn, error) {
	reduction := n.s("reduction", "none")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, ind, upd := in[0], in[1], in[2]
		offs, slice, shape, err := ndOffsets(x, ind, 0)
		if err != nil {
			return nil, err
		}
		if !sameShape(shape, upd.Shape) {
			return nil, fmt.Errorf("updates shape %v, want %v", upd.Shape, shape)
		}
		var dst, src []int
		for t, o := range offs {
			for s := 0; s < slice; s++ {
				dst = append(dst, o+s)
				src = append(src, t*slice+s)
			}
		}
		r, err := scatterApply(x, upd, dst, src, reduction)
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildScatterElements(n *node) (kernelFn, error) {
	axis := n.i("axis", 0)
	reduction := n.s("reduction", "none")
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, ind, upd := in[0], in[1], in[2]
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		iv, err := ints(ind)
		if err != nil {
			return nil, err
		}
		if !sameShape(ind.Shape, upd.Shape) || len(ind.Shape) != len(x.Shape) {
			return nil, fmt.Errorf("indices %v, updates %v and data %v do not fit", ind.Shape, upd.Shape, x.Shape)
		}
		xst := strides(x.Shape)
		ist := strides(ind.Shape)
		dst := make([]int, len(iv))
		src := iota(len(iv))
		for p, i := range iv {
			j, err := fixIndex(i, x.Shape[ax])
			if err != nil {
				return nil, err
			}
			off := 0
			for d := range ind.Shape {
				c := (p / ist[d]) % ind.Shape[d]
				if d == ax {
					c = j
				}
				off += c * xst[d]
			}
			dst[p] = off
		}
		r, err := scatterApply(x, upd, dst, src, reduction)
		return []*tensor.Tensor{r}, err
	}, nil
}

func buildOneHot(n *node) (kernelFn, error) {
	axis := n.i("axis", -1)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		ind, depthT, values := in[0], in[1], in[2]
		iv, err := floats(ind)
		if err != nil {
			return nil, err
		}
		df, err := scalarFloat(depthT)
		if err != nil {
			return nil, fmt.Errorf("depth: %w", err)
		}
		if !(df >= 1 && df <= 1<<53) {
			return nil, fmt.Errorf("depth %v must be a positive integer", df)
		}
		depth := int(df)
		if values.Len() != 2 {
			return nil, fmt.Errorf("values must have 2 elements, got %v", values.Shape)
		}
		r := len(ind.Shape) + 1
		ax := int(axis)
		if ax < 0 {
			ax += r
		}
		if ax < 0 || ax >= r {
			return nil, fmt.Errorf("axis %d out of range", axis)
		}
		shape := append(append(append([]int{}, ind.Shape[:ax]...), depth), ind.Shape[ax:]...)
		if err := tensor.CheckAlloc(values.DType, shape); err != nil {
			return nil, err
		}
		outer := tensor.NumElements(ind.Shape[:ax])
		inner := tensor.NumElements(ind.Shape[ax:])
		idx := newSlice[int](outer, depth, inner)
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				v := int(iv[o*inner+i])
				if v < 0 {
					v += depth
				}
				if v >= 0 && v < depth {
					idx[(o*depth+v)*inner+i] = 1
				}
			}
		}
		return []*tensor.Tensor{take(values, idx, shape)}, nil
	}, nil
}

func buildNonZero(n *node) (kernelFn, error) {
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		var nz []bool
		if b, ok := x.Data.([]bool); ok {
			nz = b
		} else if x.DType == tensor.String {
			for _, s := range x.Data.([]string) {
				nz = append(nz, s != "")
			}
		} else {
			v, err := floats(x)
			if err != nil {
				return nil, err
			}
			nz = make([]bool, len(v))
			for i, f := range v {
				nz[i] = f != 0
			}
		}
		var hits []int
		for i, b := range nz {
			if b {
				hits = append(hits, i)
			}
		}
		r := len(x.Shape)
		st := strides(x.Shape)
		out := make([]int64, r*len(hits))
		for j, h := range hits {
			for d := 0; d < r; d++ {
				out[d*len(hits)+j] = int64((h / st[d]) % x.Shape[d])
			}
		}
		return []*tensor.Tensor{i64Tensor([]int{r, len(hits)}, out)}, nil
	}, nil
}

func buildTopK(n *node) (kernelFn, error) {
	axis := n.i("axis", -1)
	largest := n.i("largest", 1) == 1
	sorted := n.i("sorted", 1) == 1
	_ = sorted // results are always sorted, which satisfies both settings
	attrK := n.i("k", 0)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		k := attrK
		if n.opset >= 10 {
			var err error
			if k, err = scalarInt(in[1]); err != nil {
				return nil, fmt.Errorf("K: %w", err)
			}
		}
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		dim := x.Shape[ax]
		if k < 0 || int(k) > dim {
			return nil, fmt.Errorf("K %d out of range for dim %d", k, dim)
		}
		v, err := floats(x)
		if err != nil {
			return nil, err
		}
		outer := tensor.NumElements(x.Shape[:ax])
		inner := tensor.NumElements(x.Shape[ax+1:])
		shape := append([]int{}, x.Shape...)
		shape[ax] = int(k)
		idx := make([]int, 0, outer*int(k)*inner)
		pos := newSlice[int64](outer, int(k), inner)
		order := newSlice[int](dim)
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				for j := range order {
					order[j] = j
				}
				at := func(j int) float64 { return v[(o*dim+j)*inner+i] }
				sort.SliceStable(order, func(a, b int) bool {
					va, vb := at(order[a]), at(order[b])
					if largest {
						return va > vb
					}
					return va < vb
				})
				for j := 0; j < int(k); j++ {
					pos[(o*int(k)+j)*inner+i] = int64(order[j])
				}
			}
		}
		for o := 0; o < outer; o++ {
			for j := 0; j < int(k); j++ {
				for i := 0; i < inner; i++ {
					idx = append(idx, (o*dim+int(pos[(o*int(k)+j)*inner+i]))*inner+i)
				}
			}
		}
		return []*tensor.Tensor{take(x, idx, shape), i64Tensor(shape, pos)}, nil
	}, nil
}

// buildCumulative is CumSum, or CumProd when prod.
func buildCumulative(prod bool) builder {
	return func(n *node) (kernelFn, error) {
		exclusive := n.i("exclusive", 0) == 1
		reverse := n.i("reverse", 0) == 1
		id := 0.0
		if prod {
			id = 1
		}
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x := in[0]
			a, err := scalarInt(in[1])
			if err != nil {
				return nil, fmt.Errorf("axis: %w", err)
			}
			ax, err := normAxis(a, len(x.Shape))
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
			out := make([]float64, len(v))
			for o := 0; o < outer; o++ {
				for i := 0; i < inner; i++ {
					s := id
					for j := 0; j < dim; j++ {
						k := j
						if reverse {
							k = dim - 1 - j
						}
						p := (o*dim+k)*inner + i
						if exclusive {
							out[p] = s
						}
						if prod {
							s *= v[p]
						} else {
							s += v[p]
						}
						if !exclusive {
							out[p] = s
						}
					}
				}
			}
			return []*tensor.Tensor{fromFloat64(x.DType, x.Shape, out)}, nil
		}, nil
	}
}

func buildUnique(n *node) (kernelFn, error) {
	sortedOut := n.i("sorted", 1) == 1
	hasAxis := n.has("axis")
	axis := n.i("axis", 0)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		if !hasAxis {
			x = reshaped(x, []int{x.Len()})
			axis = 0
		}
		ax, err := normAxis(axis, len(x.Shape))
		if err != nil {
			return nil, err
		}
		v, err := floats(x)
		if err != nil {
			return nil, err
		}
		dim := x.Shape[ax]
		outer := tensor.NumElements(x.Shape[:ax])
		inner := tensor.NumElements(x.Shape[ax+1:])
		slice := func(j int) []float64 {
			s := make([]float64, 0, outer*inner)
			for o := 0; o < outer; o++ {
				s = append(s, v[(o*dim+j)*inner:(o*dim+j+1)*inner]...)
			}
			return s
		}
		less := func(a, b []float64) int {
			for i := range a {
				if a[i] < b[i] {
					return -1
				}
				if a[i] > b[i] {
					return 1
				}
			}
			return 0
		}
		var uniq []int // first occurrence positions
		var keys [][]float64
		inverse := newSlice[int64](dim)
		counts := []int64{}
		for j := 0; j < dim; j++ {
			s := slice(j)
			found := -1
			for u, k := range keys {
				if less(k, s) == 0 {
					found = u
					break
				}
			}
			if found < 0 {
				found = len(keys)
				keys = append(keys, s)
				uniq = append(uniq, j)
				counts = append(counts, 0)
			}
			inverse[j] = int64(found)
			counts[found]++
		}
		order := iota(len(keys))
		if sortedOut {
			sort.SliceStable(order, func(a, b int) bool { return less(keys[order[a]], keys[order[b]]) < 0 })
		}
		rank := make([]int64, len(order))
		for newPos, old := range order {
			rank[old] = int64(newPos)
		}
		firsts := make([]int64, len(order))
		cnts := make([]int64, len(order))
		for newPos, old := range order {
			firsts[newPos] = int64(uniq[old])
			cnts[newPos] = counts[old]
		}
		for j := range inverse {
			inverse[j] = rank[inverse[j]]
		}
		coords := make([][]int, len(x.Shape))
		for d := range coords {
			coords[d] = iota(x.Shape[d])
		}
		coords[ax] = toInts(firsts)
		shape := append([]int{}, x.Shape...)
		shape[ax] = len(firsts)
		y := take(x, gridIndex(shape, coords, strides(x.Shape)), shape)
		return []*tensor.Tensor{y, i64Tensor([]int{len(firsts)}, firsts), i64Tensor([]int{dim}, inverse), i64Tensor([]int{len(cnts)}, cnts)}, nil
	}, nil
}
