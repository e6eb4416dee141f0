package onnxrt

import (
	"fmt"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Text ops: StringNormalizer, TfIdfVectorizer.

func init() {
	register("", "StringNormalizer", 10, buildStringNormalizer)
	register("", "TfIdfVectorizer", 9, buildTfIdfVectorizer)
}

func buildTfIdfVectorizer(n *node) (kernelFn, error) {
	minN := int(n.i("min_gram_length", 1))
	maxN := int(n.i("max_gram_length", 1))
	maxSkip := int(n.i("max_skip_count", 0))
	mode := n.s("mode", "TF")
	counts := n.ints("ngram_counts")
	indexes := n.ints("ngram_indexes")
	weights := n.floats("weights")
	var pool []string
	if p := n.ints("pool_int64s"); p != nil {
		for _, v := range p {
			pool = append(pool, fmt.Sprint(v))
		}
	} else {
		pool = n.strings("pool_strings")
	}
	// pool n-gram key → output slot
	slot := map[string]int{}
	outLen := 0
	for _, ix := range indexes {
		outLen = max(outLen, int(ix)+1)
	}
	j := 0
	for k := range counts {
		start := int(counts[k])
		end := len(pool)
		if k+1 < len(counts) {
			end = int(counts[k+1])
		}
		gram := k + 1
		for p := start; p+gram <= end; p += gram {
			if j >= len(indexes) {
				return nil, fmt.Errorf("ngram_indexes has %d entries, the pool more n-grams", len(indexes))
			}
			slot[strings.Join(pool[p:p+gram], "\x00")] = j
			j++
		}
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		var toks []string
		if s, ok := x.Data.([]string); ok {
			toks = s
		} else {
			v, err := ints(x)
			if err != nil {
				return nil, err
			}
			for _, t := range v {
				toks = append(toks, fmt.Sprint(t))
			}
		}
		rows, width := 1, len(toks)
		if len(x.Shape) == 2 {
			rows, width = x.Shape[0], x.Shape[1]
		}
		out := newSlice[float64](rows, outLen)
		for r := 0; r < rows; r++ {
			row := toks[r*width : (r+1)*width]
			cnt := out[r*outLen : (r+1)*outLen]
			for g := minN; g <= maxN; g++ {
				for skip := 0; skip <= maxSkip; skip++ {
					if g == 1 && skip > 0 {
						break
					}
					step := skip + 1
					for i := 0; i+(g-1)*step < len(row); i++ {
						parts := make([]string, g)
						for q := 0; q < g; q++ {
							parts[q] = row[i+q*step]
						}
						if jx, ok := slot[strings.Join(parts, "\x00")]; ok {
							cnt[indexes[jx]]++
						}
					}
				}
			}
			for i := range cnt {
				wt := 1.0
				if weights != nil && i < len(weights) {
					wt = float64(weights[i])
				}
				switch mode {
				case "IDF":
					if cnt[i] > 0 {
						cnt[i] = wt
					}
				case "TFIDF":
					cnt[i] *= wt
				}
			}
		}
		shape := []int{outLen}
		if len(x.Shape) == 2 {
			shape = []int{rows, outLen}
		}
		return []*tensor.Tensor{fromFloat64(tensor.Float32, shape, out)}, nil
	}, nil
}

func buildStringNormalizer(n *node) (kernelFn, error) {
	action := n.s("case_change_action", "NONE")
	sensitive := n.i("is_case_sensitive", 0) == 1
	stop := map[string]bool{}
	for _, w := range n.strings("stopwords") {
		if !sensitive {
			w = strings.ToLower(w)
		}
		stop[w] = true
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		s, ok := x.Data.([]string)
		if !ok {
			return nil, fmt.Errorf("input must be a string tensor, got %v", x.DType)
		}
		if len(x.Shape) > 2 || (len(x.Shape) == 2 && x.Shape[0] != 1) {
			return nil, fmt.Errorf("input must be [C] or [1, C], got %v", x.Shape)
		}
		var out []string
		for _, w := range s {
			key := w
			if !sensitive {
				key = strings.ToLower(w)
			}
			if stop[key] {
				continue
			}
			switch action {
			case "LOWER":
				w = strings.ToLower(w)
			case "UPPER":
				w = strings.ToUpper(w)
			}
			out = append(out, w)
		}
		if len(out) == 0 {
			out = []string{""}
		}
		shape := []int{len(out)}
		if len(x.Shape) == 2 {
			shape = []int{1, len(out)}
		}
		return []*tensor.Tensor{{DType: tensor.String, Shape: shape, Data: out}}, nil
	}, nil
}
