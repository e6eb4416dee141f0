package onnxrt

import (
	"fmt"
	"math"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Text ops: StringNormalizer, TfIdfVectorizer.

func init() {
	register("", "StringNormalizer", 10, buildStringNormalizer)
	register("", "TfIdfVectorizer", 9, buildTfIdfVectorizer)
}

// maxTfIdfWork bounds TfIdfVectorizer's n-gram probes (rows × gram
// lengths × skips × positions × gram length).
const maxTfIdfWork = 1 << 31

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
	// The attributes are the model's: a negative count or index was an
	// index out of range, and max_gram_length or max_skip_count 2^40 a
	// loop of 2^40 empty rounds.
	if minN < 1 || maxN < minN || maxSkip < 0 {
		return nil, fmt.Errorf("min_gram_length %d, max_gram_length %d and max_skip_count %d must satisfy 1 ≤ min ≤ max and skips ≥ 0", minN, maxN, maxSkip)
	}
	for k, c := range counts {
		if c < 0 || c > int64(len(pool)) || k > 0 && c < counts[k-1] {
			return nil, fmt.Errorf("ngram_counts %v must be non-decreasing starts in the pool of %d entries", counts, len(pool))
		}
	}
	// pool n-gram key → output slot
	slot := map[string]int{}
	outLen := 0
	for _, ix := range indexes {
		if ix < 0 || ix > math.MaxInt32 {
			return nil, fmt.Errorf("ngram_indexes holds %d, not an output index", ix)
		}
		outLen = max(outLen, int(ix)+1)
	}
	// The pool holds n-grams of len(counts) lengths at most: longer ones
	// have no slot and are not looked for.
	maxN = min(maxN, len(counts))
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
		// A skip past the row's length finds no n-gram of 2 or more.
		skips := min(maxSkip, width)
		if work, ok := checked.ProductOf(rows, max(maxN-minN+1, 0), skips+1, width, max(maxN, 1)); !ok || work > maxTfIdfWork {
			return nil, fmt.Errorf("%d rows of %d tokens with n-grams of %d..%d and up to %d skips is more than %d steps", rows, width, minN, maxN, skips, maxTfIdfWork)
		}
		for r := 0; r < rows; r++ {
			row := toks[r*width : (r+1)*width]
			cnt := out[r*outLen : (r+1)*outLen]
			for g := minN; g <= maxN; g++ {
				for skip := 0; skip <= skips; skip++ {
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
