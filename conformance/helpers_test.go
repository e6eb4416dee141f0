package conformance

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/x448/float16"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// resultWeights serves lower.Result.Weights to the runtime, fetching each
// tensor's bytes once.
type resultWeights struct {
	byKey map[string]lower.Weight
	cache map[string][]byte
}

func newResultWeights(ws []lower.Weight) *resultWeights {
	r := &resultWeights{byKey: make(map[string]lower.Weight, len(ws)), cache: map[string][]byte{}}
	for _, w := range ws {
		r.byKey[w.Key] = w
	}
	return r
}

func (r *resultWeights) WeightBytes(ref string) ([]byte, error) {
	if b, ok := r.cache[ref]; ok {
		return b, nil
	}
	w, ok := r.byKey[ref]
	if !ok {
		return nil, fmt.Errorf("weights: no tensor %q in the conversion result", ref)
	}
	b, err := w.Data()
	if err != nil {
		return nil, fmt.Errorf("weights: %q: %w", ref, err)
	}
	r.cache[ref] = b
	return b, nil
}

// tolerance is |got - want| <= atol + rtol*|want|.
type tolerance struct{ rtol, atol float64 }

// onnxTolerance is what ONNX's backend tests use (onnx/backend/test/runner:
// rtol 1e-3, atol 1e-7). float16 results get a few half-precision ulps
// more (fp16 epsilon is 9.8e-4, so rtol 1e-3 is one ulp and a single
// different rounding of an intermediate fails it).
func onnxTolerance(dt tensor.DType) tolerance {
	if dt == tensor.Float16 || dt == tensor.BFloat16 {
		return tolerance{rtol: 4e-3, atol: 1e-5}
	}
	return tolerance{rtol: 1e-3, atol: 1e-7}
}

// compareTensors checks got (a WebNN result) against want (an ONNX
// reference): same shape; ONNX bool equals WebNN uint8 0/1; integers
// exact; floats within tol, NaN equal to NaN and infinities equal by sign.
// It returns "" when they match, else a short description of the first
// difference.
func compareTensors(got, want *tensor.Tensor, tol tolerance) string {
	if !slices.Equal(got.Shape, want.Shape) {
		return fmt.Sprintf("shape %v, want %v", got.Shape, want.Shape)
	}
	if want.DType == tensor.Bool {
		if got.DType != tensor.Uint8 && got.DType != tensor.Bool {
			return fmt.Sprintf("data type %v, want uint8 (ONNX bool)", got.DType)
		}
		g, _ := asFloat64(got)
		w, _ := asFloat64(want)
		for i := range w {
			if g[i] != w[i] {
				return fmt.Sprintf("[%d] = %v, want %v (bool) %s", i, g[i], w[i], sample(g, w, i))
			}
		}
		return ""
	}
	if got.DType != want.DType {
		return fmt.Sprintf("data type %v, want %v", got.DType, want.DType)
	}
	g, err := asFloat64(got)
	if err != nil {
		return err.Error()
	}
	w, err := asFloat64(want)
	if err != nil {
		return err.Error()
	}
	if want.DType == tensor.Int64 || want.DType == tensor.Uint64 {
		gi, wi := got.Data, want.Data
		if !equalInts(gi, wi) {
			for i := range w {
				if g[i] != w[i] {
					return fmt.Sprintf("[%d] = %v, want %v %s", i, g[i], w[i], sample(g, w, i))
				}
			}
			return "int64 values differ"
		}
		return ""
	}
	exact := !want.DType.IsFloat()
	worst, worstErr := -1, 0.0
	for i := range w {
		a, b := g[i], w[i]
		if a == b || math.IsNaN(a) && math.IsNaN(b) {
			continue
		}
		if exact || math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
			return fmt.Sprintf("[%d] = %v, want %v %s", i, a, b, sample(g, w, i))
		}
		d := math.Abs(a - b)
		lim := tol.atol + tol.rtol*math.Abs(b)
		if d > lim && d/lim > worstErr {
			worst, worstErr = i, d/lim
		}
	}
	if worst >= 0 {
		return fmt.Sprintf("[%d] = %v, want %v (diff %.3g, %.3gx the tolerance) %s", worst, g[worst], w[worst], math.Abs(g[worst]-w[worst]), worstErr, sample(g, w, worst))
	}
	return ""
}

// maxAbsDiff returns the largest |got - want| relative to max(1, |want|),
// or an error text for mismatched shapes and types. NaN vs NaN counts 0.
func maxScaledDiff(got, want *tensor.Tensor) (float64, string) {
	if !slices.Equal(got.Shape, want.Shape) {
		return 0, fmt.Sprintf("shape %v, want %v", got.Shape, want.Shape)
	}
	g, err := asFloat64(got)
	if err != nil {
		return 0, err.Error()
	}
	w, err := asFloat64(want)
	if err != nil {
		return 0, err.Error()
	}
	worst := 0.0
	for i := range w {
		if g[i] == w[i] || math.IsNaN(g[i]) && math.IsNaN(w[i]) {
			continue
		}
		d := math.Abs(g[i]-w[i]) / math.Max(1, math.Abs(w[i]))
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return math.Inf(1), fmt.Sprintf("[%d] = %v, want %v", i, g[i], w[i])
		}
		worst = max(worst, d)
	}
	return worst, ""
}

// sample shows a few elements around i, got/want.
func sample(g, w []float64, i int) string {
	lo, hi := max(0, i-2), min(len(w), i+3)
	return fmt.Sprintf("(elements %d..%d: got %v want %v)", lo, hi-1, short(g[lo:hi]), short(w[lo:hi]))
}

func short(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.6g", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func equalInts(a, b any) bool {
	switch x := a.(type) {
	case []int64:
		y, ok := b.([]int64)
		return ok && slices.Equal(x, y)
	case []uint64:
		y, ok := b.([]uint64)
		return ok && slices.Equal(x, y)
	}
	return false
}

// asFloat64 widens a numeric tensor's elements.
func asFloat64(t *tensor.Tensor) ([]float64, error) {
	out := make([]float64, t.Len())
	switch d := t.Data.(type) {
	case []float32:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []float64:
		copy(out, d)
	case []uint16:
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
	case []int8:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []uint8:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []int16:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []int32:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []uint32:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []int64:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []uint64:
		for i, v := range d {
			out[i] = float64(v)
		}
	case []bool:
		for i, v := range d {
			if v {
				out[i] = 1
			}
		}
	default:
		return nil, fmt.Errorf("cannot compare %v data (%T)", t.DType, t.Data)
	}
	if len(out) != t.Len() {
		return nil, fmt.Errorf("%v%v holds %d elements", t.DType, t.Shape, len(out))
	}
	return out, nil
}

// boolToUint8 turns an ONNX bool tensor into WebNN's uint8 0/1.
func boolToUint8(t *tensor.Tensor) *tensor.Tensor {
	b, ok := t.Data.([]bool)
	if !ok {
		return t
	}
	u := make([]uint8, len(b))
	for i, v := range b {
		if v {
			u[i] = 1
		}
	}
	return &tensor.Tensor{DType: tensor.Uint8, Shape: t.Shape, Data: u}
}

// expectations is a "name  # reason" list from testdata.
type expectations map[string]string

func readExpectations(path string) (expectations, error) {
	out := expectations{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, "#")
		out[strings.TrimSpace(name)] = strings.TrimSpace(reason)
	}
	return out, sc.Err()
}

// writeExpectations rewrites path with a header and one sorted line per entry.
func writeExpectations(path, header string, e expectations) error {
	names := make([]string, 0, len(e))
	for n := range e {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		b.WriteString("# " + l + "\n")
	}
	for _, n := range names {
		reason := strings.ReplaceAll(e[n], "\n", " ")
		fmt.Fprintf(&b, "%s  # %s\n", n, reason)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// firstLine returns s up to its first newline, cut to n bytes.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func updating() bool { return os.Getenv("CONFORMANCE_UPDATE") != "" }
