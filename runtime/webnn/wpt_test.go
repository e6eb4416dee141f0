package webnn

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// The WPT WebNN conformance vectors (../shared/conformance/wpt-webnn, schema
// in its README) run through Compile/Run and are checked with the suite's
// own tolerance per case.

type wptFile struct {
	Op    string    `json:"op"`
	Cases []wptCase `json:"cases"`
}

type wptCase struct {
	Name      string         `json:"name"`
	Graph     wptGraph       `json:"graph"`
	Tolerance wptTolerance   `json:"tolerance"`
	Notes     []string       `json:"notes"`
	Raw       map[string]any `json:"-"`
}

type wptTolerance struct {
	MetricType string      `json:"metricType"`
	Value      json.Number `json:"value"`
}

type wptOperand struct {
	Data       any `json:"data"`
	Descriptor struct {
		Shape    []int  `json:"shape"`
		DataType string `json:"dataType"`
	} `json:"descriptor"`
	Constant bool `json:"constant"`
}

type wptGraph struct {
	Inputs          map[string]wptOperand `json:"inputs"`
	Operators       []wptOperator         `json:"operators"`
	ExpectedOutputs map[string]wptOperand `json:"expectedOutputs"`
}

type wptOperator struct {
	Name      string           `json:"name"`
	Arguments []map[string]any `json:"arguments"`
	Outputs   any              `json:"outputs"`
}

func loadWPT(path string) (*wptFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	dec.UseNumber()
	var w wptFile
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &w, nil
}

// wptNumbers flattens an operand's data into its element texts; a single
// number with a shape of several elements fills the tensor.
func wptNumbers(o wptOperand) ([]string, error) {
	n := tensor.NumElements(o.Descriptor.Shape)
	var l []any
	switch d := o.Data.(type) {
	case []any:
		l = d
	default:
		l = []any{d}
	}
	out := make([]string, 0, n)
	for _, v := range l {
		switch x := v.(type) {
		case json.Number:
			out = append(out, string(x))
		case string:
			out = append(out, x)
		case bool:
			if x {
				out = append(out, "1")
			} else {
				out = append(out, "0")
			}
		case nil:
			return nil, fmt.Errorf("null value (lossy export)")
		default:
			return nil, fmt.Errorf("unexpected data element %v (%T)", v, v)
		}
	}
	if len(out) == 1 && n > 1 {
		out = append(out, make([]string, n-1)...)
		for i := range out {
			out[i] = out[0]
		}
	}
	if len(out) != n {
		return nil, fmt.Errorf("data has %d values, shape %v needs %d", len(out), o.Descriptor.Shape, n)
	}
	return out, nil
}

func isSingle(d any) bool {
	_, isList := d.([]any)
	return !isList
}

func parseF64(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// wptTensor builds the tensor the suite would pass (float32 via
// Float32Array, float16 via round-to-nearest-even).
func wptTensor(o wptOperand) (_ *tensor.Tensor, err error) {
	dt, err := tensor.ParseWebNN(o.Descriptor.DataType)
	if err != nil {
		return nil, err
	}
	vals, err := wptNumbers(o)
	if err != nil {
		return nil, err
	}
	t := tensor.New(dt, o.Descriptor.Shape)
	fill := len(vals) > 1 && len(vals) == t.Len() && isSingle(o.Data)
	if fill {
		vals = vals[:1]
	}
	defer func() {
		if fill && err == nil {
			b := rawBytes(t)
			es := dt.Size()
			for p := es; p < len(b); p *= 2 {
				copy(b[p:], b[:p])
			}
		}
	}()
	for i, s := range vals {
		var f float64
		var iv int64
		var uv uint64
		if dt.IsFloat() {
			if f, err = parseF64(s); err != nil {
				return nil, err
			}
		} else if dt == tensor.Uint64 || dt == tensor.Uint32 {
			if uv, err = strconv.ParseUint(s, 10, 64); err != nil {
				return nil, err
			}
		} else if iv, err = strconv.ParseInt(s, 10, 64); err != nil {
			fv, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil {
				return nil, err
			}
			iv = int64(fv)
		}
		switch d := t.Data.(type) {
		case []float32:
			d[i] = float32(f)
		case []uint16:
			d[i] = f64ToHalf(f)
		case []int8:
			d[i] = int8(iv)
		case []uint8:
			d[i] = uint8(iv)
		case []int32:
			d[i] = int32(iv)
		case []uint32:
			d[i] = uint32(uv)
		case []int64:
			d[i] = iv
		case []uint64:
			d[i] = uv
		}
	}
	return t, nil
}

// f64ToHalf rounds a double straight to binary16 (nearest even), as the
// suite's toHalf does; going through float32 could round twice.
func f64ToHalf(f float64) uint16 {
	h := kernel.Float32To16(float32(f))
	if f != f || math.IsInf(f, 0) {
		return h
	}
	// pick the nearer of h and its neighbours, judged in float64
	best, bestErr := h, math.Abs(float64(kernel.Float16To32(h))-f)
	for _, c := range []uint16{h - 1, h + 1} {
		if c&0x7c00 == 0x7c00 && c&0x3ff != 0 {
			continue
		}
		if (c^h)&0x8000 != 0 {
			continue
		}
		v := float64(kernel.Float16To32(c))
		e := math.Abs(v - f)
		if e < bestErr || (e == bestErr && c&1 == 0 && best&1 == 1) {
			best, bestErr = c, e
		}
	}
	return best
}

// wptOption converts decoded JSON values to graph option values.
func wptOption(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		if strings.ContainsAny(string(x), ".eE") {
			f, _ := strconv.ParseFloat(string(x), 64)
			if strconv.FormatFloat(f, 'g', -1, 64) == string(x) || !strings.ContainsAny(string(x), "0123456789") {
				return f
			}
		}
		return graph.Number(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = wptOption(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = wptOption(e)
		}
		return out
	}
	return v
}

// wptBuild turns a case into a graph plus its run inputs.
func wptBuild(c *wptCase) (*graph.Graph, map[string]*tensor.Tensor, error) {
	g := &graph.Graph{Name: "wpt", Version: 1}
	feeds := map[string]*tensor.Tensor{}
	defined := map[string]bool{}
	names := make([]string, 0, len(c.Graph.Inputs))
	for n := range c.Graph.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := c.Graph.Inputs[n]
		t, err := wptTensor(o)
		if err != nil {
			return nil, nil, fmt.Errorf("input %s: %w", n, err)
		}
		desc := graph.Desc{DType: t.DType}
		for _, d := range t.Shape {
			desc.Shape = append(desc.Shape, graph.Static(int64(d)))
		}
		defined[n] = true
		if o.Constant {
			g.Consts = append(g.Consts, graph.Const{Name: n, Desc: desc, Kind: graph.ConstBytes, Bytes: t.Bytes()})
		} else {
			g.Inputs = append(g.Inputs, graph.Input{Name: n, Desc: desc})
			feeds[n] = t
		}
	}
	for i, op := range c.Graph.Operators {
		node := graph.Node{Op: op.Name, Options: map[string]any{}}
		for _, arg := range op.Arguments {
			for k, v := range arg {
				switch {
				case k == "options":
					m, ok := v.(map[string]any)
					if !ok {
						return nil, nil, fmt.Errorf("operator %d: options is %T", i, v)
					}
					for ok, ov := range m {
						node.Options[ok] = wptOption(ov)
					}
				case k == "inputs":
					l, ok := v.([]any)
					if !ok {
						return nil, nil, fmt.Errorf("operator %d: inputs is %T", i, v)
					}
					for _, e := range l {
						s, _ := e.(string)
						node.Inputs = append(node.Inputs, s)
					}
				default:
					if s, ok := v.(string); ok && defined[s] {
						node.Inputs = append(node.Inputs, s)
					} else {
						node.Options[k] = wptOption(v)
					}
				}
			}
		}
		switch o := op.Outputs.(type) {
		case string:
			node.ID = o
			defined[o] = true
		case []any:
			for _, e := range o {
				s, _ := e.(string)
				node.Outputs = append(node.Outputs, s)
				defined[s] = true
			}
			if len(node.Outputs) > 0 {
				node.ID = node.Outputs[0]
			}
		}
		g.Nodes = append(g.Nodes, node)
	}
	outs := make([]string, 0, len(c.Graph.ExpectedOutputs))
	for n := range c.Graph.ExpectedOutputs {
		outs = append(outs, n)
	}
	sort.Strings(outs)
	for _, n := range outs {
		g.Outputs = append(g.Outputs, graph.Output{Name: n, Operand: n})
	}
	return g, feeds, nil
}

func signMagnitude32(f float32) int64 {
	b := math.Float32bits(f)
	if b&0x80000000 != 0 {
		return -int64(b & 0x7fffffff)
	}
	return int64(b)
}

// wptCheck compares one output with the case's tolerance.
func wptCheck(got *tensor.Tensor, want wptOperand, tol wptTolerance) error {
	exp, err := wptTensor(want)
	if err != nil {
		return fmt.Errorf("expected: %w", err)
	}
	if got.DType != exp.DType {
		return fmt.Errorf("data type %v, want %v", got.DType, exp.DType)
	}
	if !sameShape(got.Shape, exp.Shape) && !(len(got.Shape) == 0 && len(exp.Shape) == 0) {
		return fmt.Errorf("shape %v, want %v", got.Shape, exp.Shape)
	}
	tv, _ := strconv.ParseFloat(string(tol.Value), 64)
	atol := tol.MetricType == "ATOL"
	bad := 0
	var first string
	n := exp.Len()
	if isSingle(want.Data) && n > 1000 {
		n = 1000 // the suite compares the first 1000 elements of a filled expectation
	}
	for i := 0; i < n; i++ {
		ok := true
		var gs, es string
		switch g := got.Data.(type) {
		case []float32:
			a, e := g[i], exp.Data.([]float32)[i]
			gs, es = "", ""
			switch {
			case a != a || e != e:
				ok = (a != a) == (e != e)
			case atol:
				ok = a == e || math.Abs(float64(a)-float64(e)) <= tv
			default:
				d := signMagnitude32(a) - signMagnitude32(e)
				if d < 0 {
					d = -d
				}
				ok = float64(d) <= tv
			}
		case []uint16:
			a, e := g[i], exp.Data.([]uint16)[i]
			af, ef := kernel.Float16To32(a), kernel.Float16To32(e)
			gs, es = "", ""
			switch {
			case af != af || ef != ef:
				ok = (af != af) == (ef != ef)
			case atol:
				ok = af == ef || math.Abs(float64(af)-float64(ef)) <= tv
			case af == 0 && ef == 0:
			default:
				d := int64(a) - int64(e)
				if d < 0 {
					d = -d
				}
				ok = float64(d) <= tv
			}
		default:
			ga, ea := intAt(got, i), intAt(exp, i)
			gs, es = "", ""
			_ = ea
			if ga != ea {
				var d float64
				if ga > ea {
					d = float64(ga - ea)
				} else {
					d = float64(ea - ga)
				}
				if got.DType == tensor.Uint64 {
					ua, ue := got.Data.([]uint64)[i], exp.Data.([]uint64)[i]
					d = math.Abs(float64(ua) - float64(ue))
					ok = ua == ue || d <= tv
				} else {
					ok = d <= tv
				}
			}
		}
		if !ok {
			if bad == 0 {
				gs, es = elemString(got, i), elemString(exp, i)
				first = fmt.Sprintf("element %d: got %s, want %s (%s %s)", i, gs, es, tol.MetricType, tol.Value)
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d elements differ; first %s", bad, exp.Len(), first)
	}
	return nil
}

func elemString(t *tensor.Tensor, i int) string {
	switch d := t.Data.(type) {
	case []float32:
		return fmt.Sprint(d[i])
	case []uint16:
		return fmt.Sprint(kernel.Float16To32(d[i]))
	case []uint64:
		return fmt.Sprint(d[i])
	}
	return fmt.Sprint(intAt(t, i))
}

func intAt(t *tensor.Tensor, i int) int64 {
	switch d := t.Data.(type) {
	case []int8:
		return int64(d[i])
	case []uint8:
		return int64(d[i])
	case []int32:
		return int64(d[i])
	case []uint32:
		return int64(d[i])
	case []int64:
		return d[i]
	case []uint64:
		return int64(d[i])
	}
	return 0
}

func readExpectedFailures(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return map[string]string{}, nil
		}
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason := line, ""
		if i := strings.Index(line, " #"); i >= 0 {
			key, reason = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+2:])
		}
		out[key] = reason
	}
	return out, nil
}

func wptRunCase(c *wptCase) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	g, feeds, err := wptBuild(c)
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	p, err := CompileWith(g, nil, Options{ClampIndices: true})
	if err != nil {
		return err
	}
	res, err := p.Run(feeds)
	if err != nil {
		return err
	}
	// A second run reuses every buffer; it must give the same answer
	// (skipped for the few huge cases to keep the suite quick).
	res2 := res
	total := 0
	for _, t := range feeds {
		total += t.Len()
	}
	if total < 1<<20 {
		if res2, err = p.Run(feeds); err != nil {
			return fmt.Errorf("second run: %w", err)
		}
	}
	for _, o := range g.Outputs {
		if err := wptCheck(res[o.Name], c.Graph.ExpectedOutputs[o.Name], c.Tolerance); err != nil {
			return fmt.Errorf("output %s: %w", o.Name, err)
		}
		if err := wptCheck(res2[o.Name], c.Graph.ExpectedOutputs[o.Name], c.Tolerance); err != nil {
			return fmt.Errorf("second run, output %s: %w", o.Name, err)
		}
	}
	return nil
}

func wptLossy(c *wptCase) bool {
	for _, n := range c.Notes {
		if strings.Contains(n, "do not run") || strings.Contains(n, "lost by the exporter") {
			return true
		}
	}
	return false
}

func TestWPT(t *testing.T) {
	dir := testenv.Shared(t, "conformance/wpt-webnn")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	expected, err := readExpectedFailures(filepath.Join("testdata", "wpt-expected-failures.txt"))
	if err != nil {
		t.Fatal(err)
	}
	type count struct{ pass, fail, skip int }
	perOp := map[string]*count{}
	var total count
	var f32Pass, f32All int
	seen := map[string]bool{}
	var newFailures []string
	for _, path := range files {
		stem := strings.TrimSuffix(filepath.Base(path), ".json")
		if stem == "index" {
			continue
		}
		w, err := loadWPT(path)
		if err != nil {
			t.Fatal(err)
		}
		cnt := perOp[stem]
		if cnt == nil {
			cnt = &count{}
			perOp[stem] = cnt
		}
		for i := range w.Cases {
			c := &w.Cases[i]
			key := stem + ": " + c.Name
			seen[key] = true
			if wptLossy(c) {
				cnt.skip++
				total.skip++
				continue
			}
			isF32 := false
			for _, o := range c.Graph.ExpectedOutputs {
				if o.Descriptor.DataType == "float32" {
					isF32 = true
				}
			}
			err := wptRunCase(c)
			if isF32 {
				f32All++
			}
			reason, listed := expected[key]
			if err == nil {
				cnt.pass++
				total.pass++
				if isF32 {
					f32Pass++
				}
				if listed {
					t.Logf("now passes (remove from wpt-expected-failures.txt): %s", key)
				}
				continue
			}
			cnt.fail++
			total.fail++
			if !listed {
				newFailures = append(newFailures, fmt.Sprintf("%s  # %v", key, err))
				t.Errorf("%s: %v", key, err)
			} else {
				t.Logf("expected failure %s (%s): %v", key, reason, err)
			}
		}
	}
	for key := range expected {
		if !seen[key] {
			t.Logf("wpt-expected-failures.txt lists an unknown case: %s", key)
		}
	}
	stems := make([]string, 0, len(perOp))
	for s := range perOp {
		stems = append(stems, s)
	}
	sort.Strings(stems)
	for _, s := range stems {
		c := perOp[s]
		t.Logf("wpt-webnn %-40s %3d passed %3d failed %3d skipped", s, c.pass, c.fail, c.skip)
	}
	run := total.pass + total.fail
	testenv.Report("wpt-webnn: %d passed, %d failed, %d skipped (float32 %d/%d = %.1f%%, all %.1f%%)",
		total.pass, total.fail, total.skip, f32Pass, f32All, 100*float64(f32Pass)/float64(max(f32All, 1)), 100*float64(total.pass)/float64(max(run, 1)))
	if os.Getenv("WPT_WRITE_FAILURES") != "" {
		os.WriteFile(os.Getenv("WPT_WRITE_FAILURES"), []byte(strings.Join(newFailures, "\n")+"\n"), 0o644)
	}
}
