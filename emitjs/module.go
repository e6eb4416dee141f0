package emitjs

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

//go:embed prelude.js
var prelude string

// Options say where the module finds the graph's files, as URLs relative
// to the module itself.
type Options struct {
	WeightsURL  string // default "model.weights"
	ManifestURL string // default "manifest.json"
}

// Module returns the ES module that builds g through WebNN. g should have
// passed graph.Validate; Module reports what WebNN cannot express (an op
// or option without a WebNN equivalent, a size over undeclared dims), one
// problem per line.
func Module(g *graph.Graph, opts Options) ([]byte, error) {
	if opts.WeightsURL == "" {
		opts.WeightsURL = "model.weights"
	}
	if opts.ManifestURL == "" {
		opts.ManifestURL = "manifest.json"
	}
	e := &emitter{g: g, slot: map[string]int{}, sizeIdx: map[string]int{}, dimMax: map[string]int64{}, useIdx: map[useKey]int{}, constSlot: map[int]bool{}}
	e.declareDims()
	e.body.WriteString("function buildGraph(b, d, x) {\n  const {T, N, k, seq, last} = x;\n  const v = [];\n")
	e.inputs()
	e.consts()
	for i := range g.Nodes {
		e.node(&g.Nodes[i])
	}
	e.outputs()
	e.body.WriteString("}\n")
	if len(e.errs) > 0 {
		return nil, errors.New(strings.Join(e.errs, "\n"))
	}
	return e.assemble(opts)
}

// useKey is one (op, role, data type) the graph needs from the context;
// role "" is a graph input, constant or output (opSupportLimits.input…).
type useKey struct{ op, role, dtype string }

type emitter struct {
	g         *graph.Graph
	slot      map[string]int // operand name → index into v[]
	dtypes    []tensor.DType // data type of each slot
	rustnn    []int          // rustnn operand index → slot (inputs, consts, node outputs)
	dims      []string       // declared dynamic dims, in first-use order
	dimMax    map[string]int64
	sizes     []sizeSlot // distinct dynamic sizes; d[i] in the generated code
	sizeIdx   map[string]int
	constRows []string // JS literals of the CONSTS table
	uses      []useKey
	useAt     []string // the first node needing each use
	useIdx    map[useKey]int
	body      strings.Builder
	errs      []string
	numType   tensor.DType // the type MLNumber options of the current node are cast to
	// constSlot marks node results the module builds as constants (shape).
	constSlot map[int]bool
}

type sizeSlot struct {
	expr string
	max  int64
}

func (e *emitter) errorf(format string, args ...any) {
	e.errs = append(e.errs, "emit-js: "+fmt.Sprintf(format, args...))
}

func (e *emitter) use(op, role string, dt tensor.DType, at string) {
	k := useKey{op, role, dt.String()}
	if _, ok := e.useIdx[k]; ok {
		return
	}
	e.useIdx[k] = len(e.uses)
	e.uses = append(e.uses, k)
	e.useAt = append(e.useAt, at)
}

func (e *emitter) newSlot(name string, dt tensor.DType) int {
	i := len(e.dtypes)
	e.slot[name] = i
	e.dtypes = append(e.dtypes, dt)
	e.rustnn = append(e.rustnn, i)
	return i
}

// declareDims records every dynamic input dim with the smallest maxSize
// it is declared with.
func (e *emitter) declareDims() {
	for _, in := range e.g.Inputs {
		for _, d := range in.Desc.Shape {
			if !d.IsDynamic() {
				continue
			}
			if m, ok := e.dimMax[d.Name]; !ok {
				e.dims = append(e.dims, d.Name)
				e.dimMax[d.Name] = d.MaxSize
			} else if d.MaxSize < m {
				e.dimMax[d.Name] = d.MaxSize
			}
		}
	}
}

// size returns the JavaScript for one dynamic size: d[i], where the module
// evaluates expression expr at the build's sizes and checks it against max.
func (e *emitter) size(expr string, max int64, where string) string {
	x, err := graph.ParseSizeExpr(expr)
	if err != nil {
		e.errorf("%s: size %q: %v", where, expr, err)
		return "0"
	}
	if v, ok := x.Constant(); ok {
		return strconv.FormatInt(v, 10)
	}
	for _, s := range x.Symbols() {
		if _, ok := e.dimMax[s]; !ok {
			e.errorf("%s: size %q uses %q, which no graph input declares", where, expr, s)
			return "0"
		}
	}
	key := expr
	if i, ok := e.sizeIdx[key]; ok {
		if max > 0 && (e.sizes[i].max == 0 || max < e.sizes[i].max) {
			e.sizes[i].max = max
		}
		return fmt.Sprintf("d[%d]", i)
	}
	e.sizeIdx[key] = len(e.sizes)
	e.sizes = append(e.sizes, sizeSlot{expr, max})
	return fmt.Sprintf("d[%d]", len(e.sizes)-1)
}

func (e *emitter) shape(dims []graph.Dim, where string) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		if d.IsDynamic() {
			parts[i] = e.size(d.Name, e.dimMax[d.Name], where)
		} else {
			parts[i] = strconv.FormatInt(d.Size, 10)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// dataType is the JavaScript for a data type argument: int64 goes through
// T() so the module can carry it as int32.
func dataType(dt tensor.DType) string {
	if dt == tensor.Int64 {
		return `T("int64")`
	}
	return strconv.Quote(dt.String())
}

func (e *emitter) inputs() {
	for _, in := range e.g.Inputs {
		i := e.newSlot(in.Name, in.Desc.DType)
		e.use("input", "", in.Desc.DType, in.Name)
		fmt.Fprintf(&e.body, "  v[%d] = b.input(%s, {dataType: %s, shape: %s});\n",
			i, jsString(in.Name), dataType(in.Desc.DType), e.shape(in.Desc.Shape, fmt.Sprintf("input %q", in.Name)))
	}
}

func (e *emitter) consts() {
	for ci, c := range e.g.Consts {
		i := e.newSlot(c.Name, c.Desc.DType)
		e.use("constant", "", c.Desc.DType, c.Name)
		shape, ok := c.Desc.StaticShape()
		if !ok {
			e.errorf("const %q: dynamic shape %v", c.Name, c.Desc)
			continue
		}
		var src string
		switch c.Kind {
		case graph.ConstWeights:
			src = fmt.Sprintf("{w: %s}", jsString(c.Ref))
		case graph.ConstBytes:
			src = fmt.Sprintf("{b: %q}", base64.StdEncoding.EncodeToString(c.Bytes))
		case graph.ConstScalar:
			b, err := scalarBytes(c.Desc.DType, string(c.Scalar))
			if err != nil {
				e.errorf("const %q: @scalar(%s): %v", c.Name, c.Scalar, err)
				continue
			}
			src = fmt.Sprintf("{s: %q}", base64.StdEncoding.EncodeToString(b))
		}
		e.constRows = append(e.constRows, fmt.Sprintf("[%s, %s, %s, %s]", jsString(c.Name), jsString(c.Desc.DType.String()), intList(shape), src))
		fmt.Fprintf(&e.body, "  v[%d] = k(%d);\n", i, ci)
	}
}

func (e *emitter) outputs() {
	e.body.WriteString("  return {\n")
	for _, o := range e.g.Outputs {
		s, ok := e.slot[o.Operand]
		if !ok {
			e.errorf("output %q: operand %q is not defined", o.Name, o.Operand)
			continue
		}
		ref := fmt.Sprintf("v[%d]", s)
		if s < len(e.g.Inputs)+len(e.g.Consts) || e.constSlot[s] {
			// WebNN refuses an input or constant as a graph output.
			ref = fmt.Sprintf("b.identity(%s, {label: %s})", ref, jsString("output:"+o.Name))
			e.use("identity", "input", e.dtypes[s], o.Name)
		}
		e.use("output", "", e.dtypes[s], o.Name)
		fmt.Fprintf(&e.body, "    %s: %s,\n", jsString(o.Name), ref)
	}
	e.body.WriteString("  };\n")
}

// operandRef returns v[i] for an operand named by a node input or an
// operand-valued option (a name, or rustnn's operand index).
func (e *emitter) operandRef(val any, where string) (int, bool) {
	switch x := val.(type) {
	case string:
		s, ok := e.slot[x]
		if !ok {
			e.errorf("%s: operand %q is not defined", where, x)
		}
		return s, ok
	}
	i, err := toInt(val)
	if err != nil || i < 0 || i >= int64(len(e.rustnn)) {
		e.errorf("%s: %v names no operand", where, val)
		return 0, false
	}
	return e.rustnn[i], true
}

func (e *emitter) node(n *graph.Node) {
	where := fmt.Sprintf("node %q (%s)", n.ID, n.Op)
	c := calls[n.Op]
	if c == nil {
		if n.Op == "constant" {
			e.errorf("%s: constant(data=…) nodes (the Rust converter's) have no WebNN builder call; convert the ONNX model with webnn-graph", where)
		} else {
			e.errorf("%s: op %q has no WebNN builder call", where, n.Op)
		}
		e.defineOutputs(n, tensor.Undefined)
		return
	}
	// Positional operands, then extras passed as operand options.
	var args []string
	inT := make([]tensor.DType, 0, len(n.Inputs))
	roles := map[string]int{}
	var order []string
	setRole := func(role string, s int) {
		if _, dup := roles[role]; dup {
			e.errorf("%s: %s given twice (positionally and as an option)", where, role)
		}
		roles[role] = s
		order = append(order, role)
	}
	if c.operands[0] == "inputs" {
		refs := make([]string, 0, len(n.Inputs))
		for _, in := range n.Inputs {
			s, ok := e.operandRef(in, where)
			if !ok {
				e.defineOutputs(n, tensor.Undefined)
				return
			}
			refs = append(refs, fmt.Sprintf("v[%d]", s))
			inT = append(inT, e.dtypes[s])
			e.use(c.method, "inputs", e.dtypes[s], n.ID)
		}
		args = append(args, "["+strings.Join(refs, ", ")+"]")
	} else {
		if len(n.Inputs) > len(c.operands)+len(c.extras) {
			e.errorf("%s: %d operand inputs, WebNN's %s takes at most %d", where, len(n.Inputs), c.method, len(c.operands)+len(c.extras))
			e.defineOutputs(n, tensor.Undefined)
			return
		}
		for i, in := range n.Inputs {
			s, ok := e.operandRef(in, where)
			if !ok {
				e.defineOutputs(n, tensor.Undefined)
				return
			}
			inT = append(inT, e.dtypes[s])
			if i < len(c.operands) {
				setRole(c.operands[i], s)
			} else {
				setRole(c.extras[i-len(c.operands)], s)
			}
		}
	}
	e.numType = tensor.Undefined
	if len(inT) > 0 {
		e.numType = inT[0]
	}
	// Options: each IR key maps to one parameter or option member.
	vals := map[string]any{}
	keys := make([]string, 0, len(n.Options))
	for k := range n.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := n.Options[k]
		mb, ok := c.findMember(k)
		if !ok {
			e.errorf("%s: option %q has no WebNN equivalent", where, k)
			continue
		}
		if mb.nonSpec {
			if x, err := toInt(v); err != nil || x != mb.dropIf {
				e.errorf("%s: option %s=%v has no WebNN equivalent (only %d does)", where, k, v, mb.dropIf)
			}
			continue
		}
		if mb.kind == kOperand {
			if s, ok := e.operandRef(v, fmt.Sprintf("%s: option %s", where, k)); ok {
				setRole(mb.name, s)
			}
			continue
		}
		if _, dup := vals[mb.name]; dup {
			e.errorf("%s: option %s given twice (as %q and an alias)", where, mb.name, k)
			continue
		}
		vals[mb.name] = v
	}
	for _, role := range c.operands {
		if role == "inputs" {
			break
		}
		s, ok := roles[role]
		if !ok {
			if role == "zeroPoint" {
				continue // synthesized below
			}
			e.errorf("%s: missing operand %s", where, role)
			e.defineOutputs(n, tensor.Undefined)
			return
		}
		args = append(args, fmt.Sprintf("v[%d]", s))
		e.use(c.method, role, e.dtypes[s], n.ID)
	}
	if (n.Op == "quantizeLinear" || n.Op == "dequantizeLinear") && !hasRole(roles, "zeroPoint") {
		// WebNN requires the zero point; ONNX's default is 0 (uint8 for quantize).
		zt := tensor.Uint8
		if n.Op == "dequantizeLinear" {
			zt = e.dtypes[roles["input"]]
		}
		args = append(args, fmt.Sprintf("x.zeros(v[%d], %s)", roles["scale"], dataType(zt)))
		e.use(c.method, "zeroPoint", zt, n.ID)
		inT = append(inT, zt)
	}
	// Positional parameters kept in options.
	firstRef := "v[?]"
	if len(n.Inputs) > 0 {
		if s, ok := e.slot[n.Inputs[0]]; ok {
			firstRef = fmt.Sprintf("v[%d]", s)
		}
	}
	for _, mb := range c.args {
		v, ok := vals[mb.name]
		if !ok {
			switch mb.def {
			case "":
				e.errorf("%s: missing %s", where, mb.name)
				args = append(args, "undefined")
			case "last":
				args = append(args, "last("+firstRef+")")
			default:
				args = append(args, mb.def)
			}
			continue
		}
		args = append(args, e.value(&mb, v, fmt.Sprintf("%s: %s", where, mb.name)))
	}
	// The options dictionary: members in table order, operand options, label.
	var opts []string
	switch c.special {
	case "squeeze", "unsqueeze", "shape":
	default:
		for i := range c.options {
			mb := &c.options[i]
			if v, ok := vals[mb.name]; ok && mb.kind != kOperand {
				opts = append(opts, mb.name+": "+e.value(mb, v, fmt.Sprintf("%s: %s", where, mb.name)))
			}
		}
		for _, role := range order {
			if !isPositional(c, role) {
				s := roles[role]
				opts = append(opts, fmt.Sprintf("%s: v[%d]", role, s))
				e.use(c.method, role, e.dtypes[s], n.ID)
			}
		}
	}
	opts = append(opts, "label: "+jsString(n.ID))
	optObj := "{" + strings.Join(opts, ", ") + "}"

	out := e.resultType(c, n, inT, vals)
	var expr string
	switch c.special {
	case "squeeze", "unsqueeze":
		axes := "null"
		if v, ok := vals["axes"]; ok {
			axes = e.value(&mAxes, v, where+": axes")
		}
		expr = fmt.Sprintf("b.reshape(%s, x.%s(%s, %s), %s)", args[0], c.special, args[0], axes, optObj)
	case "shape":
		expr = fmt.Sprintf("x.shape(%s)", args[0])
		e.use("constant", "", tensor.Int64, n.ID)
	default:
		expr = fmt.Sprintf("b.%s(%s)", c.method, strings.Join(append(args, optObj), ", "))
	}
	outs := n.OutputNames()
	if c.seq {
		slots := make([]string, len(outs))
		for i, o := range outs {
			slots[i] = fmt.Sprintf("v[%d]", e.newSlot(o, out))
			e.use(c.method, outRole(c, i), out, n.ID)
		}
		fmt.Fprintf(&e.body, "  [%s] = seq(%s, %d, %s);\n", strings.Join(slots, ", "), expr, len(outs), jsString(n.ID))
		return
	}
	if len(outs) != 1 {
		e.errorf("%s: defines %d outputs, WebNN's %s returns one", where, len(outs), c.method)
	}
	s := e.newSlot(outs[0], out)
	if c.special == "shape" {
		e.constSlot[s] = true
	} else {
		e.use(c.method, "output", out, n.ID)
	}
	fmt.Fprintf(&e.body, "  v[%d] = %s;\n", s, expr)
	for _, o := range outs[1:] {
		e.newSlot(o, out)
	}
}

func hasRole(roles map[string]int, r string) bool { _, ok := roles[r]; return ok }

func isPositional(c *call, role string) bool {
	for _, r := range c.operands {
		if r == role {
			return true
		}
	}
	return false
}

func outRole(c *call, i int) string {
	if len(c.outputs) == 1 {
		return c.outputs[0]
	}
	if i < len(c.outputs) {
		return c.outputs[i]
	}
	return c.outputs[len(c.outputs)-1]
}

// defineOutputs keeps later nodes resolvable after an error.
func (e *emitter) defineOutputs(n *graph.Node, dt tensor.DType) {
	for _, o := range n.OutputNames() {
		e.newSlot(o, dt)
	}
}

func (e *emitter) resultType(c *call, n *graph.Node, in []tensor.DType, vals map[string]any) tensor.DType {
	first := tensor.Undefined
	if len(in) > 0 {
		first = in[0]
	}
	switch c.result {
	case boolResult:
		return tensor.Uint8
	case castResult, indexResult:
		v, ok := vals[map[resultRule]string{castResult: "dataType", indexResult: "outputDataType"}[c.result]]
		if !ok {
			return tensor.Int32
		}
		s, _ := v.(string)
		dt, err := tensor.ParseWebNN(s)
		if err != nil {
			return tensor.Undefined
		}
		return dt
	case zeroPointType:
		if len(in) > 2 {
			return in[2]
		}
		return tensor.Uint8
	case scaleType, trueValueType:
		if len(in) > 1 {
			return in[1]
		}
	case int64Result:
		return tensor.Int64
	}
	return first
}

// value writes an IR option value as the JavaScript of a WebNN parameter
// of kind mb.kind, reporting values WebNN cannot take.
func (e *emitter) value(mb *member, v any, where string) string {
	bad := func(format string, args ...any) string {
		e.errorf("%s: %s", where, fmt.Sprintf(format, args...))
		return "undefined"
	}
	switch mb.kind {
	case kUint, kInt:
		if mb.name == "steps" {
			// lstm/gru steps: the sequence length, a dynamic size where
			// the graph's is.
			if s, ok := e.dynSize(v, where); ok {
				return s
			}
		}
		x, err := toInt(v)
		if err != nil {
			return bad("%v is not an integer", v)
		}
		if mb.kind == kUint && (x < 0 || x > math.MaxUint32) {
			return bad("%d is not an unsigned long", x)
		}
		if mb.kind == kInt && (x < math.MinInt32 || x > math.MaxInt32) {
			return bad("%d is not a long", x)
		}
		return strconv.FormatInt(x, 10)
	case kUints, kSizes, kFloats, kEnums:
		list, ok := asList(v)
		if !ok {
			return bad("%v is not a list", v)
		}
		parts := make([]string, len(list))
		elem := *mb
		elem.kind = map[valKind]valKind{kUints: kUint, kSizes: kUint, kFloats: kFloat, kEnums: kEnum}[mb.kind]
		for i, x := range list {
			if mb.kind == kSizes {
				if s, ok := e.dynSize(x, fmt.Sprintf("%s[%d]", where, i)); ok {
					parts[i] = s
					continue
				}
			}
			parts[i] = e.value(&elem, x, fmt.Sprintf("%s[%d]", where, i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case kSplits:
		if _, err := toInt(v); err == nil {
			return e.value(&member{kind: kUint}, v, where)
		}
		return e.value(&member{kind: kUints}, v, where)
	case kFloat:
		return numberLiteral(v, tensor.Float64, bad)
	case kNumber:
		return numberLiteral(v, e.numType, bad)
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return bad("%v is not a boolean", v)
		}
		return strconv.FormatBool(b)
	case kEnum:
		s, ok := v.(string)
		if !ok {
			return bad("%v is not a string", v)
		}
		for _, a := range mb.enum {
			if a == s {
				return jsString(s)
			}
		}
		return bad("%q is not one of %s", s, strings.Join(mb.enum, ", "))
	case kDataType:
		s, _ := v.(string)
		dt, err := tensor.ParseWebNN(s)
		if err != nil {
			return bad("%v is not a WebNN data type", v)
		}
		return dataType(dt)
	}
	return bad("unsupported value %v", v)
}

// dynSize writes a {"name": EXPR, "maxSize": N} size (or a graph.Dim).
func (e *emitter) dynSize(v any, where string) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		name, _ := x["name"].(string)
		if name == "" {
			e.errorf("%s: dynamic size without a name: %v", where, x)
			return "undefined", true
		}
		var max int64
		if m, ok := x["maxSize"]; ok && m != nil {
			max, _ = toInt(m)
		}
		return e.size(name, max, where), true
	case graph.Dim:
		if x.IsDynamic() {
			return e.size(x.Name, x.MaxSize, where), true
		}
		return strconv.FormatInt(x.Size, 10), true
	}
	return "", false
}

// numberLiteral writes a number. An MLNumber (clamp bound, pad value) for
// an integer operand that is an integer beyond 2^53 is written as a
// BigInt, so 64-bit operands get it exactly; for int64 through N(), which
// saturates it to int32 when the module carries int64 as int32.
func numberLiteral(v any, dt tensor.DType, bad func(string, ...any) string) string {
	var text string
	switch x := v.(type) {
	case graph.Number:
		text = string(x)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return bad("%v is not finite", x)
		}
		text = strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		text = strconv.FormatInt(x, 10)
	case int:
		text = strconv.Itoa(x)
	default:
		return bad("%v is not a number", v)
	}
	if !graph.ValidNumber(text) {
		return bad("%q is not a number", text)
	}
	if n := graph.Number(text); dt.IsInt() && n.IsInt() {
		if i, err := strconv.ParseInt(text, 10, 64); err != nil || i > 1<<53 || i < -(1<<53) {
			if dt == tensor.Int64 {
				return "N(" + text + "n)"
			}
			return text + "n"
		}
	}
	return text
}

func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []int64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case []int:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = int64(e)
		}
		return out, true
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case []graph.Dim:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	}
	if _, err := toInt(v); err == nil {
		return []any{v}, true // a single number stands for a one-element list
	}
	return nil, false
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case graph.Number:
		if i, ok := x.Int64(); ok {
			return i, nil
		}
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	case graph.Dim:
		if !x.IsDynamic() {
			return x.Size, nil
		}
	}
	return 0, fmt.Errorf("not an integer: %v", v)
}

func jsString(s string) string {
	b, _ := marshalJS(s)
	return string(b)
}

// marshalJS is json.Marshal (which escapes C0 controls, <, >, &, U+2028
// and U+2029) that also writes the C1 controls U+0080–U+009F as \u
// escapes: JSON allows them raw, but a name carrying them would reach the
// terminal of whoever cats the module (U+009B is a CSI).
func marshalJS(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || !bytes.Contains(b, []byte{0xc2}) {
		return b, err
	}
	var out bytes.Buffer
	for i := 0; i < len(b); i++ {
		if b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			fmt.Fprintf(&out, `\u%04x`, b[i+1])
			i++
			continue
		}
		out.WriteByte(b[i])
	}
	return out.Bytes(), nil
}

func intList(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// scalarBytes is one element of a @scalar constant, little-endian, cast
// from its decimal text as the WebNN runtime casts MLNumbers: floats
// rounded (float16 through float32), integers truncated and saturated.
func scalarBytes(dt tensor.DType, text string) ([]byte, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return nil, fmt.Errorf("not a number: %q", text)
		}
	}
	b := make([]byte, 8)
	switch dt {
	case tensor.Float32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(f)))
		return b[:4], nil
	case tensor.Float16:
		binary.LittleEndian.PutUint16(b, kernel.Float32To16(float32(f)))
		return b[:2], nil
	}
	bf, _, err := big.ParseFloat(text, 10, 256, big.ToZero)
	if err != nil {
		return nil, fmt.Errorf("not a number: %q", text)
	}
	v, _ := bf.Int(nil)
	clamp := func(lo, hi *big.Int) *big.Int {
		if v.Cmp(lo) < 0 {
			return lo
		}
		if v.Cmp(hi) > 0 {
			return hi
		}
		return v
	}
	switch dt {
	case tensor.Int64, tensor.Int32, tensor.Int8, tensor.Int4:
		bits := map[tensor.DType]uint{tensor.Int64: 64, tensor.Int32: 32, tensor.Int8: 8, tensor.Int4: 4}[dt]
		lo := new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), bits-1))
		hi := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bits-1), big.NewInt(1))
		x := clamp(lo, hi).Int64()
		binary.LittleEndian.PutUint64(b, uint64(x))
		return b[:dt.Size()], nil
	case tensor.Uint64, tensor.Uint32, tensor.Uint8, tensor.Uint4:
		bits := map[tensor.DType]uint{tensor.Uint64: 64, tensor.Uint32: 32, tensor.Uint8: 8, tensor.Uint4: 4}[dt]
		hi := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bits), big.NewInt(1))
		binary.LittleEndian.PutUint64(b, clamp(big.NewInt(0), hi).Uint64())
		return b[:dt.Size()], nil
	}
	return nil, fmt.Errorf("data type %v", dt)
}

// assemble joins the generated tables, the fixed runtime (prelude.js) and
// the build function into one module.
func (e *emitter) assemble(opts Options) ([]byte, error) {
	g := e.g
	name := g.Name
	if name == "" {
		name = "graph"
	}
	info := moduleInfo{Name: name, Nodes: len(g.Nodes), Consts: len(g.Consts), Dims: map[string]int64{}, Ops: map[string]int{}}
	for _, d := range e.dims {
		info.Dims[d] = e.dimMax[d]
	}
	for _, n := range g.Nodes {
		info.Ops[n.Op]++
	}
	for _, c := range g.Consts {
		info.WeightBytes += c.Desc.ByteLength()
	}
	for _, in := range g.Inputs {
		mi := ioInfo{Name: in.Name, DataType: in.Desc.DType.String(), Shape: []any{}}
		if in.Comment != "" && in.Comment != in.Name && !strings.ContainsAny(in.Comment, " \n") {
			mi.ONNXName = in.Comment
		}
		for _, d := range in.Desc.Shape {
			if d.IsDynamic() {
				mi.Shape = append(mi.Shape, d.Name)
			} else {
				mi.Shape = append(mi.Shape, d.Size)
			}
		}
		info.Inputs = append(info.Inputs, mi)
	}
	for _, o := range g.Outputs {
		dt := tensor.Undefined
		if s, ok := e.slot[o.Operand]; ok {
			dt = e.dtypes[s]
		}
		info.Outputs = append(info.Outputs, ioInfo{Name: o.Name, DataType: dt.String()})
	}
	infoJSON, err := marshalJS(info)
	if err != nil {
		return nil, err
	}
	var w strings.Builder
	fmt.Fprintf(&w, "// WebNN graph %s: %d nodes. Generated by webnn-graph emit-js; do not edit.\n", jsString(name), len(g.Nodes))
	w.WriteString(`//
// A dependency-free ES module: it fetches the graph's weights, builds the graph
// through the W3C WebNN API for concrete sizes of its dynamic dimensions, and runs it.
//
//   import { load } from "./model.js";
//   const model = await load();                     // fetches the manifest and the weights
//   const run = await model.build({ /* dim: size, ... */ });   // one MLGraph per size set, cached
//   const outputs = await run.compute({ /* input: typed array, ... */ });
//
`)
	fmt.Fprintf(&w, "export const info = %s;\n\n", infoJSON)
	fmt.Fprintf(&w, "const FILES = {weights: %s, manifest: %s};\n", jsString(opts.WeightsURL), jsString(opts.ManifestURL))
	w.WriteString("const DIMS = [")
	for i, d := range e.dims {
		if i > 0 {
			w.WriteString(", ")
		}
		fmt.Fprintf(&w, "[%s, %d]", jsString(d), e.dimMax[d])
	}
	w.WriteString("];\nconst SIZES = [")
	for i, s := range e.sizes {
		if i > 0 {
			w.WriteString(", ")
		}
		fmt.Fprintf(&w, "[%s, %d]", jsString(s.expr), s.max)
	}
	w.WriteString("];\nconst USES = [\n")
	for i, u := range e.uses {
		fmt.Fprintf(&w, "  [%s, %s, %s, %s],\n", jsString(u.op), jsString(u.role), jsString(u.dtype), jsString(e.useAt[i]))
	}
	w.WriteString("];\nconst CONSTS = [\n")
	for _, c := range e.constRows {
		w.WriteString("  " + c + ",\n")
	}
	w.WriteString("];\n\n")
	w.WriteString(prelude)
	w.WriteString("\n")
	w.WriteString(e.body.String())
	return []byte(w.String()), nil
}

type moduleInfo struct {
	Name        string           `json:"name"`
	Nodes       int              `json:"nodes"`
	Consts      int              `json:"consts"`
	WeightBytes int64            `json:"weightBytes"`
	Inputs      []ioInfo         `json:"inputs"`
	Outputs     []ioInfo         `json:"outputs"`
	Dims        map[string]int64 `json:"dims"`
	Ops         map[string]int   `json:"ops"`
}

type ioInfo struct {
	Name     string `json:"name"`
	ONNXName string `json:"onnxName,omitempty"`
	DataType string `json:"dataType"`
	Shape    []any  `json:"shape,omitempty"`
}
