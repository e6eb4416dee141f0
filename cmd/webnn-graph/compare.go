package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/x448/float16"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// asFloat64s widens any numeric tensor to float64 (bool as 0/1).
func asFloat64s(t *tensor.Tensor) ([]float64, bool) {
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

// comparison is the result of comparing an output against an expected
// tensor: errors, where the worst one is, and whether it is within
// tolerance (|got - want| ≤ atol + rtol·|want| for every element).
type comparison struct {
	Output     string   `json:"output"`
	Pair       string   `json:"pair"` // "webnn vs onnx", "onnx vs reference", …
	Shape      []int    `json:"shape"`
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
	Problem    string   `json:"problem,omitempty"` // shape/dtype mismatch, missing output
	excess     float64  // how far past tolerance (ratio), for picking the worst
}

// compareTensors compares got against want.
func compareTensors(output, pair string, got, want *tensor.Tensor, atol, rtol float64, logitsLike bool) comparison {
	c := comparison{Output: output, Pair: pair, Atol: atol, Rtol: rtol}
	if got == nil || want == nil {
		c.Problem = "output missing"
		c.excess = math.Inf(1)
		return c
	}
	c.Shape = want.Shape
	if !sameShape(got.Shape, want.Shape) {
		c.Problem = fmt.Sprintf("shape %v, expected %v", got.Shape, want.Shape)
		c.excess = math.Inf(1)
		return c
	}
	g, ok1 := asFloat64s(got)
	w, ok2 := asFloat64s(want)
	if !ok1 || !ok2 {
		c.Problem = fmt.Sprintf("cannot compare %v with %v", got.DType, want.DType)
		c.excess = math.Inf(1)
		return c
	}
	c.Pass = true
	worst := -1
	ulps := make([]float64, 0, len(g))
	for i := range g {
		a, b := g[i], w[i]
		if math.IsNaN(a) || math.IsNaN(b) {
			if math.IsNaN(a) != math.IsNaN(b) {
				c.Pass = false
				c.MaxAbs = math.Inf(1)
				c.excess = math.Inf(1)
				worst = i
			}
			continue
		}
		if math.IsInf(a, 0) || math.IsInf(b, 0) {
			if a != b {
				c.Pass = false
				c.MaxAbs = math.Inf(1)
				c.excess = math.Inf(1)
				worst = i
			}
			continue
		}
		d := math.Abs(a - b)
		if d > c.MaxAbs || worst < 0 {
			if d > c.MaxAbs {
				c.MaxAbs = d
				worst = i
			}
			if worst < 0 {
				worst = i
			}
		}
		if rel := d / math.Max(math.Abs(b), 1e-30); d > 0 && rel > c.MaxRel {
			c.MaxRel = rel
		}
		tol := atol + rtol*math.Abs(b)
		if d > tol {
			c.Pass = false
			if ex := d / math.Max(tol, 1e-30); ex > c.excess {
				c.excess = ex
			}
		}
		if want.DType == tensor.Float32 {
			ulps = append(ulps, float64(ulpDiff32(float32(a), float32(b))))
		}
	}
	if worst >= 0 {
		c.WorstIndex = unravel(worst, want.Shape)
		c.Got, c.Want = g[worst], w[worst]
	}
	if len(ulps) > 0 {
		sort.Float64s(ulps)
		c.ULPp99 = ulps[int(math.Ceil(0.99*float64(len(ulps))))-1]
	}
	if logitsLike && len(want.Shape) >= 1 && want.Shape[len(want.Shape)-1] > 1 {
		last := want.Shape[len(want.Shape)-1]
		rows := len(w) / last
		agree := 0
		for r := 0; r < rows; r++ {
			if argmax(g[r*last:(r+1)*last]) == argmax(w[r*last:(r+1)*last]) {
				agree++
			}
		}
		if rows > 0 {
			frac := float64(agree) / float64(rows)
			c.Argmax = &frac
		}
	}
	return c
}

func argmax(v []float64) int {
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
