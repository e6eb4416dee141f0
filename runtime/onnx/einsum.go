package onnxrt

import (
	"fmt"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Einsum with any equation: explicit or implicit output, ellipsis
// broadcasting, repeated labels (diagonals). Evaluated as one loop over
// every label; float32 operands whose equation is a batched matrix
// product would be faster through MatMul, but Einsum is rare in exported
// models and the loop is the spec's definition.

func init() {
	register("", "Einsum", 12, buildEinsum)
}

// maxEinsumWork bounds the loop over every label combination times the
// operands each step multiplies: 60 operands of distinct labels of size 2
// would loop 2^60 times. Real equations (attention at verify's dims,
// bilinear forms) stay far below; a graph past it is refused, not run for
// years.
const maxEinsumWork = 1 << 31

func buildEinsum(n *node) (kernelFn, error) {
	eq := strings.ReplaceAll(n.s("equation", ""), " ", "")
	if eq == "" {
		return nil, fmt.Errorf("missing equation")
	}
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		lhs, rhs, explicit := strings.Cut(eq, "->")
		terms := strings.Split(lhs, ",")
		if len(terms) != len(in) {
			return nil, fmt.Errorf("equation %q has %d operands, got %d inputs", eq, len(terms), len(in))
		}
		// Expand "..." into per-operand broadcast labels (digits).
		ellRank := 0
		for i, t := range terms {
			if strings.Contains(t, "...") {
				ellRank = max(ellRank, len(in[i].Shape)-(len(t)-3))
			}
		}
		ellLabels := ""
		for i := 0; i < ellRank; i++ {
			ellLabels += string(rune('0' + i))
		}
		size := map[rune]int{}
		labels := make([][]rune, len(terms))
		for i, t := range terms {
			if in[i] == nil {
				return nil, fmt.Errorf("operand %d is missing", i)
			}
			if strings.Contains(t, "...") {
				r := len(in[i].Shape) - (len(t) - 3)
				if r < 0 || strings.Count(t, "...") > 1 {
					return nil, fmt.Errorf("term %q does not match input shape %v", terms[i], in[i].Shape)
				}
				t = strings.Replace(t, "...", ellLabels[ellRank-r:], 1)
			}
			labels[i] = []rune(t)
			if len(labels[i]) != len(in[i].Shape) {
				return nil, fmt.Errorf("term %q does not match input shape %v", terms[i], in[i].Shape)
			}
			for j, l := range labels[i] {
				d := in[i].Shape[j]
				if s, ok := size[l]; ok && s != d {
					if s == 1 && l >= '0' && l <= '9' {
						size[l] = d
						continue
					}
					if d == 1 && l >= '0' && l <= '9' {
						continue
					}
					return nil, fmt.Errorf("label %q has sizes %d and %d", l, s, d)
				}
				size[l] = d
			}
		}
		var out []rune
		if explicit {
			out = []rune(strings.Replace(rhs, "...", ellLabels, 1))
			seenOut := map[rune]bool{}
			for _, l := range out {
				if _, ok := size[l]; !ok || seenOut[l] {
					return nil, fmt.Errorf("output label %q of %q is repeated or in no operand", l, eq)
				}
				seenOut[l] = true
			}
		} else {
			count := map[rune]int{}
			for _, ls := range labels {
				for _, l := range ls {
					count[l]++
				}
			}
			out = []rune(ellLabels)
			var single []rune
			for l, c := range count {
				if c == 1 && (l < '0' || l > '9') {
					single = append(single, l)
				}
			}
			sort.Slice(single, func(a, b int) bool { return single[a] < single[b] })
			out = append(out, single...)
		}
		// all labels: output first, then summed
		all := append([]rune{}, out...)
		seen := map[rune]bool{}
		for _, l := range out {
			seen[l] = true
		}
		for _, ls := range labels {
			for _, l := range ls {
				if !seen[l] {
					seen[l] = true
					all = append(all, l)
				}
			}
		}
		pos := map[rune]int{}
		dims := make([]int, len(all))
		for i, l := range all {
			pos[l] = i
			dims[i] = size[l]
		}
		vals := make([][]float64, len(in))
		idxStride := make([][]int, len(in)) // per operand, stride for each of all labels
		for i, t := range in {
			v, err := floats(t)
			if err != nil {
				return nil, err
			}
			vals[i] = v
			st := strides(t.Shape)
			idxStride[i] = make([]int, len(all))
			for j, l := range labels[i] {
				if t.Shape[j] == 1 && size[l] != 1 {
					continue // broadcast ellipsis dim
				}
				idxStride[i][pos[l]] += st[j]
			}
		}
		outShape := make([]int, len(out))
		for i, l := range out {
			outShape[i] = size[l]
		}
		nOut := tensor.NumElements(outShape)
		res := newSlice[float64](nOut)
		total, ok := checked.Product(dims)
		if work, ok2 := checked.Mul(total, len(in)); !ok || !ok2 || work > maxEinsumWork {
			return nil, fmt.Errorf("equation %q over label sizes %v with %d operands is more than %d multiplications", eq, dims, len(in), maxEinsumWork)
		}
		counter := make([]int, len(all))
		offs := make([]int, len(in))
		ost := strides(outShape)
		for it := 0; it < total; it++ {
			p := 1.0
			for i := range in {
				p *= vals[i][offs[i]]
			}
			o := 0
			for j := range out {
				o += counter[j] * ost[j]
			}
			res[o] += p
			for d := len(all) - 1; d >= 0; d-- {
				counter[d]++
				for i := range in {
					offs[i] += idxStride[i][d]
				}
				if counter[d] < dims[d] {
					break
				}
				for i := range in {
					offs[i] -= idxStride[i][d] * counter[d]
				}
				counter[d] = 0
			}
		}
		return []*tensor.Tensor{fromFloat64(in[0].DType, outShape, res)}, nil
	}), nil
}
