package emit

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"
)

// PrintText renders g in the canonical .webnn layout that every loader
// generation reads (formats-and-loader.md §0, §6.6): header `v2` when an
// input has a dynamic dim (else g.Version, 1 when unset); inputs, consts,
// nodes and outputs in the graph's order; options sorted by key; plain
// decimal numbers; Comment fields as `#` lines before their item. It
// refuses (with an error naming the item) identifiers outside
// [A-Za-z_][A-Za-z0-9_]* or starting with true/false/null, non-finite
// numbers, and outputs whose name differs from their operand.
func PrintText(g *graph.Graph) ([]byte, error) { return PrintTextWith(g, TextOptions{}) }

// TextOptions adjusts PrintTextWith.
type TextOptions struct {
	// GrammarIdents accepts every identifier the newest pest grammar reads
	// ([A-Za-z_/$][A-Za-z0-9_./]*; no true/false/null prefix where the name
	// is used as a value) instead of the safe subset. For re-printing
	// third-party graphs; rustnn's sanitizer may mangle such names (§6.5).
	GrammarIdents bool
}

// PrintTextWith is PrintText with options.
func PrintTextWith(g *graph.Graph, opts TextOptions) ([]byte, error) {
	if g == nil {
		return nil, errors.New("print: graph is nil")
	}
	p := &textPrinter{b: make([]byte, 0, 256+64*(len(g.Nodes)+len(g.Consts)+len(g.Inputs))), loose: opts.GrammarIdents}
	if err := p.graph(g); err != nil {
		return nil, fmt.Errorf("print: %w", err)
	}
	return p.b, nil
}

type textPrinter struct {
	b     []byte
	loose bool
}

// ident checks a name; asValue marks names read in value positions
// (node inputs), where a true/false/null prefix breaks the grammar.
func (p *textPrinter) ident(name, what string, asValue bool) error {
	if p.identOK(name, asValue) {
		return nil
	}
	return p.identErr(name, what)
}

func (p *textPrinter) identOK(name string, asValue bool) bool {
	if !p.loose {
		return IsIdent(name)
	}
	return isGrammarIdent(name) && !(asValue && hasLiteralPrefix(name))
}

func (p *textPrinter) identErr(name, what string) error {
	if !p.loose {
		return checkIdent(name, what)
	}
	return fmt.Errorf("%s %q is not an identifier of the webnn-graph grammar", what, name)
}

func isGrammarIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

func (p *textPrinter) str(s string) { p.b = append(p.b, s...) }

// graphVersion is the header version PrintText writes.
func graphVersion(g *graph.Graph) (int, error) {
	for _, in := range g.Inputs {
		if in.Desc.HasDynamic() {
			return 2, nil
		}
	}
	switch g.Version {
	case 0:
		return 1, nil
	case 1, 2:
		return g.Version, nil
	}
	return 0, fmt.Errorf("graph version %d is not supported (want 1 or 2)", g.Version)
}

func (p *textPrinter) graph(g *graph.Graph) error {
	v, err := graphVersion(g)
	if err != nil {
		return err
	}
	name := g.Name
	if name == "" {
		name = "graph"
	}
	if !utf8.ValidString(name) {
		return errors.New("graph name is not valid UTF-8")
	}
	p.str("webnn_graph ")
	p.b = appendDSLString(p.b, name)
	p.str(" v")
	p.b = strconv.AppendInt(p.b, int64(v), 10)
	if g.Quantized {
		p.str(" @quantized")
	}
	p.str(" {\n")
	if len(g.Inputs) > 0 {
		p.str("  inputs {\n")
		for i := range g.Inputs {
			in := &g.Inputs[i]
			if err := p.ident(in.Name, "input", false); err != nil {
				return err
			}
			p.comment(in.Comment)
			p.str("    ")
			p.str(in.Name)
			p.str(": ")
			if err := p.desc(in.Desc, true); err != nil {
				return fmt.Errorf("input %q: %w", in.Name, err)
			}
			p.str(";\n")
		}
		p.str("  }\n\n")
	}
	if len(g.Consts) > 0 {
		p.str("  consts {\n")
		for i := range g.Consts {
			c := &g.Consts[i]
			if err := p.ident(c.Name, "const", false); err != nil {
				return err
			}
			p.comment(c.Comment)
			p.str("    ")
			p.str(c.Name)
			p.str(": ")
			if err := p.desc(c.Desc, false); err != nil {
				return fmt.Errorf("const %q: %w", c.Name, err)
			}
			switch c.Kind {
			case graph.ConstWeights:
				if !utf8.ValidString(c.Ref) {
					return fmt.Errorf("const %q: weights ref is not valid UTF-8", c.Name)
				}
				p.str(" @weights(")
				p.b = appendDSLString(p.b, c.Ref)
				p.str(")")
			case graph.ConstScalar:
				if !c.Scalar.Valid() {
					return fmt.Errorf("const %q: @scalar value %q is not a plain decimal number", c.Name, string(c.Scalar))
				}
				p.str(" @scalar(")
				p.str(trimLeadingZeros(string(c.Scalar)))
				p.str(")")
			case graph.ConstBytes:
				p.str(" @bytes([")
				for j, x := range c.Bytes {
					if j > 0 {
						p.str(", ")
					}
					p.b = strconv.AppendUint(p.b, uint64(x), 10)
				}
				p.str("])")
			default:
				return fmt.Errorf("const %q: unknown const kind %d", c.Name, int(c.Kind))
			}
			p.str(";\n")
		}
		p.str("  }\n\n")
	}
	if len(g.Nodes) > 0 {
		p.str("  nodes {\n")
		for i := range g.Nodes {
			if err := p.node(&g.Nodes[i]); err != nil {
				return err
			}
		}
		p.str("  }\n\n")
	}
	p.str("  outputs {")
	for _, o := range g.Outputs {
		if o.Name != o.Operand {
			return fmt.Errorf("output %q is bound to operand %q; the text form cannot rename outputs", o.Name, o.Operand)
		}
		if err := p.ident(o.Name, "output", false); err != nil {
			return err
		}
		p.str(" ")
		p.str(o.Name)
		p.str(";")
	}
	if len(g.Outputs) > 0 {
		p.str(" ")
	}
	p.str("}\n}\n")
	return nil
}

func checkIdent(name, what string) error {
	if IsIdent(name) {
		return nil
	}
	return fmt.Errorf("%s %q is not a safe identifier ([A-Za-z_][A-Za-z0-9_]*, not starting with true/false/null)", what, name)
}

func (p *textPrinter) comment(c string) {
	if c == "" {
		return
	}
	// A comment carries an ONNX name: its control characters would drive
	// the terminal of whoever cats the file (or end the line early for a
	// parser that takes CR as a line end).
	for _, line := range strings.Split(textsafe.Text(c), "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			p.str("    #\n")
			continue
		}
		p.str("    # ")
		p.str(line)
		p.str("\n")
	}
}

func (p *textPrinter) desc(d graph.Desc, allowDyn bool) error {
	s := d.DType.Short()
	if s == "" {
		return fmt.Errorf("data type %s is not a WebNN operand type", d.DType)
	}
	p.str(s)
	p.str("[")
	for i, x := range d.Shape {
		if i > 0 {
			p.str(", ")
		}
		if x.IsDynamic() {
			if !allowDyn {
				return fmt.Errorf("dim %d is dynamic; constant shapes must be static", i)
			}
			if !utf8.ValidString(x.Name) {
				return fmt.Errorf("dim %d: name is not valid UTF-8", i)
			}
			if x.MaxSize < 0 {
				return fmt.Errorf("dim %d: negative maxSize %d", i, x.MaxSize)
			}
			p.str("dyn(")
			p.b = appendDSLString(p.b, x.Name)
			p.str(", ")
			p.b = strconv.AppendInt(p.b, x.MaxSize, 10)
			p.str(")")
			continue
		}
		if x.Size < 0 {
			return fmt.Errorf("dim %d is negative (%d)", i, x.Size)
		}
		p.b = strconv.AppendInt(p.b, x.Size, 10)
	}
	p.str("]")
	return nil
}

// nodeWhat describes a node in errors, formatted only when used.
type nodeWhat struct{ n *graph.Node }

func (w nodeWhat) String() string { return fmt.Sprintf("node %q (%s)", w.n.ID, w.n.Op) }

func (p *textPrinter) node(n *graph.Node) error {
	what := nodeWhat{n}
	p.comment(n.Comment)
	p.str("    ")
	if n.Outputs != nil {
		if len(n.Outputs) == 0 {
			return fmt.Errorf("%s: empty output list", what)
		}
		p.str("[")
		for i, o := range n.Outputs {
			if !p.identOK(o, false) {
				return p.identErr(o, what.String()+" output")
			}
			if i > 0 {
				p.str(", ")
			}
			p.str(o)
		}
		p.str("]")
	} else {
		if err := p.ident(n.ID, "node", false); err != nil {
			return err
		}
		p.str(n.ID)
	}
	p.str(" = ")
	if n.Op == "" {
		// The alias form `y = x;` (webnn-graph yields a node with an empty op).
		if len(n.Inputs) != 1 || len(n.Options) != 0 {
			return fmt.Errorf("%s: a node without op must have exactly one input and no options", what)
		}
		if !p.identOK(n.Inputs[0], true) {
			return p.identErr(n.Inputs[0], what.String()+" input")
		}
		p.str(n.Inputs[0])
		p.str(";\n")
		return nil
	}
	if !isPlainIdent(n.Op) {
		return fmt.Errorf("%s: op name is not an identifier", what)
	}
	p.str(n.Op)
	p.str("(")
	for i, in := range n.Inputs {
		if !p.identOK(in, true) {
			return p.identErr(in, what.String()+" input")
		}
		if i > 0 {
			p.str(", ")
		}
		p.str(in)
	}
	if len(n.Options) > 0 {
		keys := make([]string, 0, len(n.Options))
		for k := range n.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if !isPlainIdent(k) {
				return fmt.Errorf("%s: option key %q is not an identifier", what, k)
			}
			if i > 0 || len(n.Inputs) > 0 {
				p.str(", ")
			}
			p.str(k)
			p.str("=")
			var err error
			if p.b, err = appendValue(p.b, n.Options[k], false); err != nil {
				return fmt.Errorf("%s: option %s: %w", what, k, err)
			}
		}
	}
	p.str(");\n")
	return nil
}

// appendDSLString writes s quoted; only '"' and '\' are escaped (the
// grammar has no other escapes; newlines are allowed raw).
func appendDSLString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

func quoteDSL(s string) string { return string(appendDSLString(nil, s)) }

// appendValue writes an option value. json selects JSON string escaping;
// otherwise DSL strings. Numbers are plain decimals in both.
func appendValue(b []byte, v any, json bool) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		if !utf8.ValidString(x) {
			return nil, fmt.Errorf("string %q is not valid UTF-8", x)
		}
		if json {
			return appendJSONString(b, x), nil
		}
		return appendDSLString(b, x), nil
	case graph.Number:
		if !x.Valid() {
			return nil, fmt.Errorf("number %q is not a plain decimal", string(x))
		}
		return append(b, trimLeadingZeros(string(x))...), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		return appendFloat(b, x, 64)
	case float32:
		return appendFloat(b, float64(x), 32)
	case graph.Dim:
		return appendDim(b, x, json)
	case []graph.Dim:
		b = append(b, '[')
		for i, d := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendDim(b, d, json); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendValue(b, e, json); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []int64:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, e, 10)
		}
		return append(b, ']'), nil
	case []int:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(e), 10)
		}
		return append(b, ']'), nil
	case []float64:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendFloat(b, e, 64); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendValue(b, e, json); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			if !utf8.ValidString(k) {
				return nil, fmt.Errorf("object key %q is not valid UTF-8", k)
			}
			if json {
				b = appendJSONString(b, k)
			} else {
				b = appendDSLString(b, k)
			}
			b = append(b, ": "...)
			if b, err = appendValue(b, x[k], json); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("unsupported option value type %T", v)
}

func appendDim(b []byte, d graph.Dim, json bool) ([]byte, error) {
	if !d.IsDynamic() {
		if d.Size < 0 {
			return nil, fmt.Errorf("negative dimension %d", d.Size)
		}
		return strconv.AppendInt(b, d.Size, 10), nil
	}
	return appendValue(b, map[string]any{"name": d.Name, "maxSize": d.MaxSize}, json)
}

// appendFloat writes a finite float as a plain decimal that reads back as
// a float (an integral value keeps a ".0").
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("number %v is not finite (the formats have no inf/nan)", f)
	}
	st := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, bits)
	for _, c := range b[st:] {
		if c == '.' || c == 'e' {
			return b, nil
		}
	}
	return append(b, ".0"...), nil
}
