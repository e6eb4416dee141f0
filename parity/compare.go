// Package parity compares what the two reference runtimes compute: the
// outputs of a conversion (Compare, used by verify) and, when they differ,
// every intermediate value, to name the first ONNX node whose WebNN
// lowering computes something else (Localize).
package parity

import (
	"fmt"
	"math"
	"math/bits"
	"sort"

	"github.com/x448/float16"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Float64s widens any numeric tensor to float64 (bool as 0/1).
func Float64s(t *tensor.Tensor) ([]float64, bool) {
	if t == nil {
		return nil, false
	}
	switch d := t.Data.(type) {
	case []float32:
		return widen(d), true
	case []float64:
		return d, true
	case []uint16:
		out := make([]float64, len(d))
		switch t.DType {
		case tensor.Float16:
			for i, v := range d {
				out[i] = float64(float16.Frombits(v).Float32())
			}
		case tensor.BFloat16:
			for i, v := range d {
				out[i] = float64(math.Float32frombits(uint32(v) << 16))
			}
		default:
			for i, v := range d {
				out[i] = float64(v)
			}
		}
		return out, true
	case []int8:
		return widen(d), true
	case []uint8:
		return widen(d), true
	case []int16:
		return widen(d), true
	case []int32:
		return widen(d), true
	case []uint32:
		return widen(d), true
	case []int64:
		return widen(d), true
	case []uint64:
		return widen(d), true
	case []bool:
		out := make([]float64, len(d))
		for i, v := range d {
			if v {
				out[i] = 1
			}
		}
		return out, true
	}
	return nil, false
}

func widen[T int8 | uint8 | int16 | int32 | uint32 | int64 | uint64 | float32](d []T) []float64 {
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

// Tolerance is the pass criterion |got − want| ≤ Atol + Rtol·|want|.
type Tolerance struct{ Atol, Rtol float64 }

// Histogram bins of a comparison's distributions (Comparison.AbsHist,
// Comparison.ULPHist).
//
// AbsEdges are the decade edges of the absolute-error histogram: bin 0
// counts exact matches, bin 1 errors below AbsEdges[0], bin i+1 errors in
// [AbsEdges[i-1], AbsEdges[i]), the last bin errors ≥ the last edge
// (NaN/Inf mismatches included).
var AbsEdges = []float64{1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100}

// ULPBins is the number of ULP histogram bins: bin 0 counts 0 ULP, bin k
// (k ≥ 1) distances in [2^(k-1), 2^k).
const ULPBins = 33

// Comparison is the result of comparing a tensor against an expected
// one: errors, where the worst one is, and whether every element is
// within tolerance.
type Comparison struct {
	Output     string   `json:"output"`
	Pair       string   `json:"pair"` // "webnn vs onnx", "onnx vs reference", …
	Shape      []int    `json:"shape"`
	DType      string   `json:"dtype,omitempty"`
	MaxAbs     float64  `json:"maxAbs"`
	MaxRel     float64  `json:"maxRel"`
	WorstIndex []int    `json:"worstIndex"`
	Got        float64  `json:"got"`
	Want       float64  `json:"want"`
	ULPp99     float64  `json:"ulpP99"`
	Argmax     *float64 `json:"argmaxAgreement,omitempty"` // fraction of rows whose argmax agrees
	Atol       float64  `json:"atol"`
	Rtol       float64  `json:"rtol"`
	Pass       bool     `json:"pass"`
	Failing    int      `json:"failing,omitempty"` // elements out of tolerance
	Elements   int      `json:"elements"`
	// NonFinite counts the elements that are NaN, or the same infinity, on
	// both sides: they agree, but no number was compared there, which a
	// reader must see (an output that is all NaN in both runtimes passes).
	NonFinite int    `json:"nonFinite,omitempty"`
	Problem   string `json:"problem,omitempty"` // shape/dtype mismatch, missing output
	AbsHist   []int  `json:"absErrorHistogram,omitempty"`
	ULPHist   []int  `json:"ulpHistogram,omitempty"`
	// Excess is how far past tolerance the worst element is (a ratio),
	// for picking the worst of several comparisons.
	Excess float64 `json:"-"`
}

// Options of Compare.
type Options struct {
	// Logits adds argmax agreement over the last axis.
	Logits bool
	// Detail adds the ULP p99 and the error and ULP histograms.
	Detail bool
	// TensorScale measures the relative tolerance against the tensor's
	// scale rather than each element: |got − want| ≤ atol + rtol·max(|want|,
	// M), M the largest finite |want| below 1e30 (mask sentinels such as
	// −3.4e38 are left out). Intermediates need it: the rounding error of a
	// sum or product of many terms scales with the terms, not with the
	// result, so an element that cancels to nearly zero would otherwise
	// fail although the tensor is right.
	TensorScale bool
	// HalfRange clamps want into float16's finite range (±65504) before
	// comparing, as the float16 precision pass saturates constants such as
	// −3.4e38 attention-mask fills.
	HalfRange bool
}

// Compare compares got against want. Shapes must match exactly; NaN must
// meet NaN and ±Inf the same infinity.
func Compare(output, pair string, got, want *tensor.Tensor, tol Tolerance, opts Options) Comparison {
	c := Comparison{Output: output, Pair: pair, Atol: tol.Atol, Rtol: tol.Rtol}
	if got == nil || want == nil {
		c.Problem = "output missing"
		c.Excess = math.Inf(1)
		return c
	}
	c.Shape = want.Shape
	c.DType = want.DType.String()
	if !sameShape(got.Shape, want.Shape) {
		c.Problem = fmt.Sprintf("shape %v, expected %v", got.Shape, want.Shape)
		c.Excess = math.Inf(1)
		return c
	}
	g, ok1 := Float64s(got)
	w, ok2 := Float64s(want)
	if !ok1 || !ok2 {
		c.Problem = fmt.Sprintf("cannot compare %v with %v", got.DType, want.DType)
		c.Excess = math.Inf(1)
		return c
	}
	if opts.HalfRange {
		w = append([]float64(nil), w...)
		for i, v := range w {
			w[i] = math.Max(-65504, math.Min(65504, v))
		}
	}
	compareValues(&c, g, w, want.Shape, tol, opts, want.DType == tensor.Float32)
	return c
}

// compareValues fills c from the widened values.
func compareValues(c *Comparison, g, w []float64, shape []int, tol Tolerance, opts Options, float32ULP bool) {
	c.Pass = true
	c.Elements = len(w)
	worst := -1
	var ulps []float64
	if opts.Detail {
		c.AbsHist = make([]int, len(AbsEdges)+2)
		if float32ULP {
			ulps = make([]float64, 0, len(g))
			c.ULPHist = make([]int, ULPBins)
		}
	}
	mismatch := func(i int) {
		c.Pass = false
		c.Failing++
		c.MaxAbs = math.Inf(1)
		c.Excess = math.Inf(1)
		worst = i
		if c.AbsHist != nil {
			c.AbsHist[len(c.AbsHist)-1]++
		}
	}
	scale := 0.0
	if opts.TensorScale {
		for _, v := range w {
			if a := math.Abs(v); a < 1e30 && a > scale {
				scale = a
			}
		}
	}
	for i := range g {
		a, b := g[i], w[i]
		if math.IsNaN(a) || math.IsNaN(b) {
			if math.IsNaN(a) != math.IsNaN(b) {
				mismatch(i)
				continue
			}
			c.NonFinite++
			if c.AbsHist != nil {
				c.AbsHist[0]++
			}
			continue
		}
		if math.IsInf(a, 0) || math.IsInf(b, 0) {
			if a != b {
				mismatch(i)
				continue
			}
			c.NonFinite++
			if c.AbsHist != nil {
				c.AbsHist[0]++
			}
			continue
		}
		d := math.Abs(a - b)
		if worst < 0 || d > c.MaxAbs {
			c.MaxAbs = d
			worst = i
		}
		if rel := d / math.Max(math.Abs(b), 1e-30); d > 0 && rel > c.MaxRel {
			c.MaxRel = rel
		}
		t := tol.Atol + tol.Rtol*math.Max(math.Abs(b), scale)
		if d > t {
			c.Pass = false
			c.Failing++
			if ex := d / math.Max(t, 1e-30); ex > c.Excess {
				c.Excess = ex
			}
		}
		if c.AbsHist != nil {
			c.AbsHist[absBin(d)]++
		}
		if ulps != nil {
			u := ulpDiff32(float32(a), float32(b))
			ulps = append(ulps, float64(u))
			c.ULPHist[ulpBin(u)]++
		}
	}
	if worst >= 0 {
		c.WorstIndex = unravel(worst, shape)
		c.Got, c.Want = g[worst], w[worst]
	}
	if len(ulps) > 0 {
		sort.Float64s(ulps)
		c.ULPp99 = ulps[int(math.Ceil(0.99*float64(len(ulps))))-1]
	}
	if opts.Logits && len(shape) >= 1 && shape[len(shape)-1] > 1 {
		last := shape[len(shape)-1]
		rows := len(w) / last
		agree := 0
		for r := 0; r < rows; r++ {
			if Argmax(g[r*last:(r+1)*last]) == Argmax(w[r*last:(r+1)*last]) {
				agree++
			}
		}
		if rows > 0 {
			frac := float64(agree) / float64(rows)
			c.Argmax = &frac
		}
	}
}

func absBin(d float64) int {
	if d == 0 {
		return 0
	}
	return 1 + sort.SearchFloat64s(AbsEdges, math.Nextafter(d, math.Inf(1)))
}

func ulpBin(u int64) int {
	if u <= 0 {
		return 0
	}
	return min(bits.Len64(uint64(u)), ULPBins-1)
}

// Argmax is the index of the largest value (the first on ties).
func Argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// ulpDiff32 is the distance between two float32 values in units in the
// last place, reading the bit patterns as sign-magnitude integers.
func ulpDiff32(a, b float32) int64 {
	ia, ib := signMag(math.Float32bits(a)), signMag(math.Float32bits(b))
	d := ia - ib
	if d < 0 {
		d = -d
	}
	return d
}

func signMag(u uint32) int64 {
	if u&0x80000000 != 0 {
		return -int64(u & 0x7fffffff)
	}
	return int64(u)
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

func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}
