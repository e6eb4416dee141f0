// How the dims of graph inputs are named: a dim_param is a plain name
// (batch_size), arithmetic over such names (optimum's
// "past_sequence_length + sequence_length"), an opaque label
// ("encoder_sequence_length / 2", "seq-len"), or anonymous ("?", "",
// "-1", "unk__3", "DynamicDimension.0", no dim_param at all). Plain names
// are symbols; expressions become Exprs over them; every opaque label and
// every anonymous dim gets its own readable symbol <input>_dim<axis>
// (opaque labels written identically share one).

package shapeinfer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/onnxpb"
)

// DimKind classifies how a graph input declares one of its dims.
type DimKind uint8

const (
	DimStatic     DimKind = iota // dim_value
	DimNamed                     // a plain name: batch_size
	DimExpression                // arithmetic over named dims: past_sequence_length + sequence_length
	DimOpaque                    // any other label: "encoder_sequence_length / 2", "seq-len"
	DimAnonymous                 // "?", "", "-1", "unk__N", "DynamicDimension.N", "None", or no dim_param
)

func (k DimKind) String() string {
	return [...]string{"static", "named", "expression", "opaque", "anonymous"}[k]
}

// InputDim is one axis of a graph input as the model declares it.
type InputDim struct {
	Kind  DimKind
	Param string // the dim_param as written ("" when none)
	Value int64  // DimStatic: the size
	// Name is the dim's name in a converted graph: the dim_param for a
	// plain name, else <input>_dim<axis> (an opaque label shares the name
	// of its first occurrence); "" for a static dim.
	Name string
	Expr Expr // DimExpression: the parsed expression (before unification)
}

var (
	anonymousRe = regexp.MustCompile(`^(\?|-1|None|none|unk__\d+|DynamicDimension\.\d+)$`)
	plainNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// IsAnonymousDimParam reports whether a dim_param names no dim at all
// ("?", "", "-1", "unk__N", "DynamicDimension.N", "None"): exporters write
// these for "some size", so two of them are never the same dim.
func IsAnonymousDimParam(p string) bool {
	return strings.TrimSpace(p) == "" || anonymousRe.MatchString(strings.TrimSpace(p))
}

// DimSymbol returns the symbol name for axis of input: <input>_dim<axis>,
// with every character outside [A-Za-z0-9_] replaced by '_'
// (past_key_values.0.key → past_key_values_0_key_dim2).
func DimSymbol(input string, axis int) string {
	s := sanitize(input)
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return fmt.Sprintf("%s_dim%d", s, axis)
}

// DeclaredDims classifies the dims of every graph input of m (initializers
// listed as inputs excluded), by input name. A dim_param is an expression
// when it parses as +, -, *, // and parentheses over integers and names
// that some input declares as plain dims; otherwise a label that is not a
// plain name is opaque.
func DeclaredDims(m *onnxpb.Model) map[string][]InputDim {
	g := m.Graph()
	inits := map[string]bool{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = true
	}
	type decl struct {
		name string
		dims []onnxpb.DimProto
	}
	var ins []decl
	plain := map[string]bool{}
	for _, vi := range g.GetInput() {
		if inits[vi.GetName()] {
			continue
		}
		_, dims, ok := onnxpb.ValueType(vi)
		if !ok {
			continue
		}
		ins = append(ins, decl{vi.GetName(), dims})
		for _, d := range dims {
			if !d.Known && plainNameRe.MatchString(d.Param) && !IsAnonymousDimParam(d.Param) {
				plain[d.Param] = true
			}
		}
	}
	out := map[string][]InputDim{}
	opaque := map[string]string{} // label → its shared name
	for _, in := range ins {
		if in.dims == nil {
			out[in.name] = nil
			continue
		}
		ds := make([]InputDim, len(in.dims))
		for i, d := range in.dims {
			p := strings.TrimSpace(d.Param)
			switch {
			case d.Known:
				ds[i] = InputDim{Kind: DimStatic, Value: d.Value}
			case IsAnonymousDimParam(p):
				ds[i] = InputDim{Kind: DimAnonymous, Param: d.Param, Name: DimSymbol(in.name, i)}
			case plainNameRe.MatchString(p):
				ds[i] = InputDim{Kind: DimNamed, Param: d.Param, Name: p}
			default:
				if e, ok := parseDimParam(p, plain); ok {
					ds[i] = InputDim{Kind: DimExpression, Param: d.Param, Name: DimSymbol(in.name, i), Expr: e}
					if n, isSym := e.SymName(); isSym { // "(batch_size)"
						ds[i] = InputDim{Kind: DimNamed, Param: d.Param, Name: n}
					} else if v, isConst := e.Value(); isConst && v >= 0 { // "2 * 8"
						ds[i] = InputDim{Kind: DimStatic, Param: d.Param, Value: v}
					}
					break
				}
				name, seen := opaque[p]
				if !seen {
					name = DimSymbol(in.name, i)
					opaque[p] = name
				}
				ds[i] = InputDim{Kind: DimOpaque, Param: d.Param, Name: name}
			}
		}
		out[in.name] = ds
	}
	return out
}

// parseDimParam parses a dim_param made of integers, names in plain,
// + - * // and parentheses. Anything else (a name no input declares, "/",
// "%", a function) is not an expression.
func parseDimParam(p string, plain map[string]bool) (e Expr, ok bool) {
	if len(p) > maxDimParamLen {
		return Expr{}, false
	}
	defer func() {
		// an expression past the normal form's size limits (or one
		// overflowing int64) is no size either
		if r := recover(); r != nil {
			if _, isOverflow := r.(*OverflowError); !isOverflow {
				panic(r)
			}
			e, ok = Expr{}, false
		}
	}()
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch == '/':
			if i+1 >= len(p) || p[i+1] != '/' {
				return Expr{}, false // true division: not a size
			}
			b.WriteByte('/')
			i++
		case ch == '%' || ch == ',' || ch == '.' || ch == ':':
			return Expr{}, false
		case ch == '-' && i > 0 && i+1 < len(p) && isIdentChar(p[i-1]) && isIdentStart(p[i+1]):
			return Expr{}, false // seq-len is a name, not a difference
		default:
			b.WriteByte(ch)
		}
	}
	e, err := ParseExpr(b.String())
	if err != nil {
		return Expr{}, false
	}
	for _, s := range e.Symbols() {
		if !plain[s] {
			return Expr{}, false
		}
	}
	if strings.Contains(b.String(), "max(") || strings.Contains(b.String(), "min(") {
		return Expr{}, false
	}
	if e.dividesByNonPositive() {
		return Expr{}, false // "n // 0" is not a size
	}
	return e, true
}

// maxDimParamLen bounds the dim_params read as expressions (exporters
// write a few dozen characters); a longer one is an opaque name.
const maxDimParamLen = 1024

// dimKeys maps the names a user may give a dim (--dim, --freeze, a dims
// file, metadata) to the dims they mean: the symbol name, the dim_param as
// written (ORT's freeDimensionOverrides use "encoder_sequence_length / 2"
// and "unk__3"), and <input>_dim<axis> of every non-static axis. The
// first input declaring a key wins.
func dimKeys(decl map[string][]InputDim) map[string]InputDim {
	keys := map[string]InputDim{}
	for _, in := range sortedKeys(decl) {
		for i, d := range decl[in] {
			for _, k := range d.keys(in, i) {
				if _, taken := keys[k]; !taken {
					keys[k] = d
				}
			}
		}
	}
	return keys
}

// keys lists the names that refer to axis i of input in.
func (d InputDim) keys(in string, i int) []string {
	if d.Kind == DimStatic {
		return nil
	}
	out := []string{d.Name, DimSymbol(in, i)}
	switch p := strings.TrimSpace(d.Param); p {
	case "", "?", "-1", "None", "none":
		// Shared by every anonymous dim: names none of them.
	default:
		out = append(out, p)
	}
	return out
}

// dimOrder numbers the named and labelled dims in the order the inputs
// declare them; unification keeps the earlier of two equal symbols.
func dimOrder(m *onnxpb.Model, decl map[string][]InputDim) map[string]int {
	order := map[string]int{}
	for _, vi := range m.Graph().GetInput() {
		for _, d := range decl[vi.GetName()] {
			if d.Kind == DimNamed || d.Kind == DimOpaque || d.Kind == DimAnonymous {
				if _, ok := order[d.Name]; !ok {
					order[d.Name] = len(order)
				}
			}
		}
	}
	return order
}

// DescribeDim renders a declared dim for messages: `batch_size`,
// `"past_sequence_length + sequence_length"`, `x_dim2 (anonymous "?")`.
func (d InputDim) String() string {
	switch d.Kind {
	case DimStatic:
		return strconv.FormatInt(d.Value, 10)
	case DimNamed:
		return d.Name
	case DimExpression:
		return d.Expr.String()
	case DimOpaque:
		return fmt.Sprintf("%s (label %q)", d.Name, d.Param)
	}
	if d.Param == "" {
		return d.Name + " (anonymous)"
	}
	return fmt.Sprintf("%s (anonymous %q)", d.Name, d.Param)
}
