package webnn

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/webnn-graph/webnn-graph/graph"
)

// opSpec registers one op: operand arity and the function that turns a node
// into a kernel. floatF16 asks the runner to compute float16 in float32.
type opSpec struct {
	minIn, maxIn int // maxIn -1: unbounded
	floatF16     bool
	compile      func(nc *nodeCompiler) (kernelFn, error)
}

var opTable = map[string]opSpec{}

func register(name string, minIn, maxIn int, floatF16 bool, fn func(nc *nodeCompiler) (kernelFn, error)) {
	opTable[name] = opSpec{minIn: minIn, maxIn: maxIn, floatF16: floatF16, compile: fn}
}

// nodeCompiler reads one node's options while its kernel is built.
type nodeCompiler struct {
	c    *compiler
	n    *graph.Node
	st   *step
	opts map[string]any
	nout int // expected number of outputs; 0 = whatever the graph names
}

// get returns the first present, non-nil option among keys.
func (nc *nodeCompiler) get(keys ...string) (any, string, bool) {
	for _, k := range keys {
		if v, ok := nc.opts[k]; ok && v != nil {
			return v, k, true
		}
	}
	return nil, "", false
}

func (nc *nodeCompiler) optInt(def int64, keys ...string) (int64, error) {
	v, k, ok := nc.get(keys...)
	if !ok {
		return def, nil
	}
	i, err := toInt(v)
	if err != nil {
		return 0, fmt.Errorf("option %s: %w", k, err)
	}
	return i, nil
}

func (nc *nodeCompiler) optFloat(def float64, keys ...string) (float64, error) {
	v, k, ok := nc.get(keys...)
	if !ok {
		return def, nil
	}
	f, err := toFloat(v)
	if err != nil {
		return 0, fmt.Errorf("option %s: %w", k, err)
	}
	return f, nil
}

func (nc *nodeCompiler) optBool(def bool, keys ...string) (bool, error) {
	v, k, ok := nc.get(keys...)
	if !ok {
		return def, nil
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		if b == "true" {
			return true, nil
		}
		if b == "false" {
			return false, nil
		}
	case int64:
		return b != 0, nil
	}
	return false, fmt.Errorf("option %s: not a boolean: %v", k, v)
}

func (nc *nodeCompiler) optString(def string, keys ...string) (string, error) {
	v, k, ok := nc.get(keys...)
	if !ok {
		return def, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", fmt.Errorf("option %s: not a string: %v", k, v)
	}
	return s, nil
}

// optInts returns an int list option; ok is false when absent.
func (nc *nodeCompiler) optInts(keys ...string) ([]int, bool, error) {
	v, k, ok := nc.get(keys...)
	if !ok {
		return nil, false, nil
	}
	l, err := toInts(v)
	if err != nil {
		return nil, true, fmt.Errorf("option %s: %w", k, err)
	}
	return l, true, nil
}

func (nc *nodeCompiler) optFloats(keys ...string) ([]float64, bool, error) {
	v, k, ok := nc.get(keys...)
	if !ok {
		return nil, false, nil
	}
	l, isList := v.([]any)
	if !isList {
		return nil, true, fmt.Errorf("option %s: not a list: %v", k, v)
	}
	out := make([]float64, len(l))
	for i, e := range l {
		f, err := toFloat(e)
		if err != nil {
			return nil, true, fmt.Errorf("option %s[%d]: %w", k, i, err)
		}
		out[i] = f
	}
	return out, true, nil
}

// optAxes reads a list of axes; negative values are rejected (the spec's
// axes are unsigned).
func (nc *nodeCompiler) optAxes(keys ...string) ([]int, bool, error) {
	l, ok, err := nc.optInts(keys...)
	if err != nil || !ok {
		return l, ok, err
	}
	for _, a := range l {
		if a < 0 {
			return nil, true, fmt.Errorf("option %s: negative axis %d", keys[0], a)
		}
	}
	return l, true, nil
}

// operand finds an optional operand: the positional input at pos when the
// node has one, else an option among keys naming an operand (by name, or by
// rustnn's operand index). It returns the index into the kernel's inputs,
// or -1 when absent.
func (nc *nodeCompiler) operand(pos int, keys ...string) (int, error) {
	if pos >= 0 && pos < len(nc.n.Inputs) {
		return pos, nil
	}
	v, k, ok := nc.get(keys...)
	if !ok {
		return -1, nil
	}
	var slot int
	switch x := v.(type) {
	case string:
		s, ok := nc.c.slotOf[x]
		if !ok {
			return -1, fmt.Errorf("option %s names operand %q, which is not defined", k, x)
		}
		slot = s
	default:
		i, err := toInt(v)
		if err != nil {
			return -1, fmt.Errorf("option %s: not an operand: %v", k, v)
		}
		if i < 0 || int(i) >= len(nc.c.rustnnIndex) {
			return -1, fmt.Errorf("option %s: operand index %d out of range", k, i)
		}
		slot = nc.c.rustnnIndex[i]
	}
	nc.st.ins = append(nc.st.ins, slot)
	return len(nc.st.ins) - 1, nil
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("integer %d out of range", x)
		}
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, fmt.Errorf("not an integer: %v", x)
		}
		return int64(x), nil
	case graph.Number:
		return parseIntText(string(x))
	case json.Number:
		return parseIntText(string(x))
	case string:
		return parseIntText(x)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("not an integer: %v (%T)", v, v)
}

func parseIntText(s string) (int64, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) {
		return 0, fmt.Errorf("not an integer: %q", s)
	}
	return int64(f), nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case graph.Number, json.Number, string:
		m, err := parseMLNumber(x)
		return m.f, err
	}
	return 0, fmt.Errorf("not a number: %v (%T)", v, v)
}

// maxOptionInt bounds integer options: WebNN's sizes, axes, paddings,
// strides and repetitions are unsigned longs (32 bits). Values past that
// can only make later size arithmetic overflow.
const maxOptionInt = 1<<32 - 1

func toInts(v any) ([]int, error) {
	var out []int
	switch l := v.(type) {
	case []any:
		out = make([]int, len(l))
		for i, e := range l {
			x, err := toInt(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = int(x)
		}
	case []int64:
		out = make([]int, len(l))
		for i, e := range l {
			out[i] = int(e)
		}
	case []int:
		out = append([]int(nil), l...)
	default:
		// a single number stands for a one-element list
		x, err := toInt(v)
		if err != nil {
			return nil, fmt.Errorf("not a list of integers: %v", v)
		}
		out = []int{int(x)}
	}
	for i, x := range out {
		if x > maxOptionInt || x < -maxOptionInt {
			return nil, fmt.Errorf("[%d]: %d is outside the range of a WebNN unsigned long", i, x)
		}
	}
	return out, nil
}

// dimExpr is one size in newShape/sizes: a static value or an expression
// over dynamic dim names, bounded by maxSize.
type dimExpr struct {
	static  int
	expr    *graph.SizeExpr
	text    string
	maxSize int64
}

func (d dimExpr) eval(env map[string]int64) (int, error) {
	if d.expr == nil {
		return d.static, nil
	}
	v, err := d.expr.Eval(env)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", d.text, err)
	}
	if v < 0 {
		return 0, fmt.Errorf("size %q evaluates to %d", d.text, v)
	}
	if d.maxSize > 0 && v > d.maxSize {
		return 0, fmt.Errorf("size %q evaluates to %d, above its maxSize %d", d.text, v, d.maxSize)
	}
	return int(v), nil
}

func evalDims(ds []dimExpr, env map[string]int64) ([]int, error) {
	out := make([]int, len(ds))
	for i, d := range ds {
		v, err := d.eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// optDims reads a size list whose entries are integers or
// {"name": EXPR, "maxSize": N} objects.
func (nc *nodeCompiler) optDims(keys ...string) ([]dimExpr, bool, error) {
	v, k, ok := nc.get(keys...)
	if !ok {
		return nil, false, nil
	}
	l, isList := v.([]any)
	if !isList {
		if li, err := toInts(v); err == nil {
			out := make([]dimExpr, len(li))
			for i, x := range li {
				out[i] = dimExpr{static: x}
			}
			return out, true, nil
		}
		return nil, true, fmt.Errorf("option %s: not a list: %v", k, v)
	}
	out := make([]dimExpr, len(l))
	for i, e := range l {
		d, err := parseDim(e)
		if err != nil {
			return nil, true, fmt.Errorf("option %s[%d]: %w", k, i, err)
		}
		out[i] = d
	}
	return out, true, nil
}

func parseDim(e any) (dimExpr, error) {
	switch x := e.(type) {
	case map[string]any:
		name, _ := x["name"].(string)
		if name == "" {
			return dimExpr{}, fmt.Errorf("dynamic size without a name: %v", x)
		}
		var maxSize int64
		if m, ok := x["maxSize"]; ok && m != nil {
			v, err := toInt(m)
			if err != nil {
				return dimExpr{}, fmt.Errorf("maxSize: %w", err)
			}
			// graph.Validate refuses it; run does not validate, and a
			// negative maxSize would turn the per-run check off. (A size
			// expression's maxSize may pass 2^32: a product's bound.)
			if v < 0 {
				return dimExpr{}, fmt.Errorf("maxSize %d is negative", v)
			}
			maxSize = v
		}
		ex, err := graph.ParseSizeExpr(name)
		if err != nil {
			return dimExpr{}, err
		}
		if c, ok := ex.Constant(); ok {
			if c < 0 || c > maxOptionInt {
				return dimExpr{}, fmt.Errorf("size %d is outside the range of a WebNN unsigned long", c)
			}
			return dimExpr{static: int(c)}, nil
		}
		return dimExpr{expr: ex, text: name, maxSize: maxSize}, nil
	case graph.Dim:
		if x.IsDynamic() {
			ex, err := graph.ParseSizeExpr(x.Name)
			if err != nil {
				return dimExpr{}, err
			}
			return dimExpr{expr: ex, text: x.Name, maxSize: x.MaxSize}, nil
		}
		if x.Size < 0 || x.Size > maxOptionInt {
			return dimExpr{}, fmt.Errorf("size %d is outside the range of a WebNN unsigned long", x.Size)
		}
		return dimExpr{static: int(x.Size)}, nil
	}
	v, err := toInt(e)
	if err != nil {
		return dimExpr{}, err
	}
	if v < 0 {
		return dimExpr{}, fmt.Errorf("negative size %d", v)
	}
	if v > maxOptionInt {
		return dimExpr{}, fmt.Errorf("size %d is outside the range of a WebNN unsigned long", v)
	}
	return dimExpr{static: int(v)}, nil
}
