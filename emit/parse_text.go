package emit

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Warning is something the text parser accepted but dropped, exactly as
// the Rust webnn-graph parser does (e.g. a positional number argument).
type Warning struct {
	Line, Col int
	Msg       string
}

func (w Warning) String() string { return fmt.Sprintf("%d:%d: %s", w.Line, w.Col, w.Msg) }

// ParseText parses the .webnn text form. It accepts what the newest
// webnn-graph pest grammar accepts (formats-and-loader.md §6) with the Rust
// parser's semantics; errors are *SyntaxError with line:col.
func ParseText(src []byte) (*graph.Graph, error) {
	g, _, err := ParseTextWarnings(src)
	return g, err
}

// ParseTextWarnings is ParseText that also returns what was dropped.
func ParseTextWarnings(src []byte) (*graph.Graph, []Warning, error) {
	if !utf8.Valid(src) {
		line, col := 1, 1
		for i := 0; i < len(src); {
			r, n := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, nil, &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf("invalid UTF-8 byte 0x%02x", src[i])}
			}
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col += n
			}
			i += n
		}
	}
	p := &textParser{lx: newLexer(src)}
	g, err := p.file()
	if err != nil {
		return nil, nil, err
	}
	return g, p.warnings, nil
}

type textParser struct {
	lx       *lexer
	buf      [2]token // lookahead
	nbuf     int
	warnings []Warning
	depth    int // nesting of [ and { in the value being parsed
	// declared holds the names seen per section ("input", "const",
	// "output"): a name declared twice is refused here, as the JSON form
	// (an object keyed by name) cannot hold it.
	declared map[string]map[string]bool
}

// declare refuses a second declaration of name in section what.
func (p *textParser) declare(what string, t token) error {
	if p.declared == nil {
		p.declared = map[string]map[string]bool{}
	}
	if p.declared[what] == nil {
		p.declared[what] = map[string]bool{}
	}
	if p.declared[what][t.text] {
		return p.errf(t, "%s %q is declared twice", what, t.text)
	}
	p.declared[what][t.text] = true
	return nil
}

// maxValueDepth bounds the nesting of option values: value() recurses
// once per level, and a file of two million '[' would otherwise exhaust
// the goroutine stack ("fatal error: stack overflow"). Real options nest
// two or three levels; the JSON reader has the same limit.
const maxValueDepth = maxJSONDepth

func (p *textParser) fill(n int) {
	for p.nbuf < n {
		p.buf[p.nbuf] = p.lx.next()
		p.nbuf++
	}
}

func (p *textParser) peek() token {
	p.fill(1)
	return p.buf[0]
}

// peek2 is the token after peek.
func (p *textParser) peek2() token {
	p.fill(2)
	return p.buf[1]
}

// next consumes a token.
func (p *textParser) next() token {
	p.fill(1)
	t := p.buf[0]
	p.buf[0] = p.buf[1]
	p.nbuf--
	return t
}

func (p *textParser) errf(t token, format string, args ...any) error {
	if t.kind == tErr && p.lx.err != nil {
		return p.lx.err // the lexical error is the first problem in the file
	}
	return &SyntaxError{Line: int(t.line), Col: int(t.col), Msg: fmt.Sprintf(format, args...)}
}

func (p *textParser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *textParser) expect(s, context string) (token, error) {
	return p.expectCtx(s, context, "", "")
}

// expectCtx is expect whose context is context+name+suffix, concatenated
// only on error (the hot path allocates nothing).
func (p *textParser) expectCtx(s, context, name, suffix string) (token, error) {
	t := p.next()
	if t.kind != tPunct || t.text != s {
		return token{}, p.errf(t, "expected '%s' %s%s%s, got %s", s, context, name, suffix, t.describe())
	}
	return t, nil
}

func (p *textParser) expectIdent(context string) (token, error) {
	t := p.next()
	if t.kind != tIdent {
		return token{}, p.errf(t, "expected an identifier %s, got %s", context, t.describe())
	}
	return t, nil
}

// expectInt reads an `int` (digits only) as int64.
func (p *textParser) expectInt(context string) (int64, token, error) {
	t := p.next()
	if t.kind != tNumber || !isAllDigits(t.text) {
		return 0, t, p.errf(t, "expected a non-negative integer %s, got %s", context, t.describe())
	}
	v, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return 0, t, p.errf(t, "integer %s %s is out of range", t.text, context)
	}
	return v, t, nil
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func (p *textParser) file() (*graph.Graph, error) {
	g := &graph.Graph{}
	t := p.next()
	if t.kind != tIdent || t.text != "webnn_graph" {
		return nil, p.errf(t, "expected header 'webnn_graph \"name\" vN {', got %s", t.describe())
	}
	t = p.next()
	if t.kind != tString {
		return nil, p.errf(t, "expected the graph name string after webnn_graph, got %s", t.describe())
	}
	g.Name = t.text
	// "v" ~ int, with optional whitespace between: the lexer gives "v2" or "v" 2.
	t = p.next()
	var vtext string
	switch {
	case t.kind == tIdent && t.text == "v":
		n := p.next()
		if n.kind != tNumber || !isAllDigits(n.text) {
			return nil, p.errf(n, "expected the version number after 'v', got %s", n.describe())
		}
		vtext = n.text
	case t.kind == tIdent && len(t.text) > 1 && t.text[0] == 'v' && isAllDigits(t.text[1:]):
		vtext = t.text[1:]
	default:
		return nil, p.errf(t, "expected the version 'vN' after the graph name, got %s", t.describe())
	}
	v, err := strconv.ParseInt(vtext, 10, 32)
	if err != nil {
		return nil, p.errf(t, "version %s is out of range", vtext)
	}
	g.Version = int(v)
	if t := p.peek(); t.kind == tAt {
		if t.text != "quantized" {
			return nil, p.errf(t, "expected '@quantized' or '{' after the version, got %s", t.describe())
		}
		p.next()
		g.Quantized = true
	}
	if _, err := p.expect("{", "to open the graph"); err != nil {
		return nil, err
	}
	for {
		t := p.next()
		switch {
		case t.kind == tEOF:
			return g, nil
		case t.kind == tPunct && t.text == "}":
			// pest accepts "}" as a block: missing or extra braces are tolerated.
		case t.kind == tIdent && t.text == "inputs":
			if err := p.block(t, func() error { return p.inputDecl(g) }); err != nil {
				return nil, err
			}
		case t.kind == tIdent && t.text == "consts":
			if err := p.block(t, func() error { return p.constDecl(g) }); err != nil {
				return nil, err
			}
		case t.kind == tIdent && t.text == "nodes":
			if err := p.block(t, func() error { return p.stmt(g) }); err != nil {
				return nil, err
			}
		case t.kind == tIdent && t.text == "outputs":
			if err := p.block(t, func() error { return p.outputItem(g) }); err != nil {
				return nil, err
			}
		default:
			return nil, p.errf(t, "expected a block (inputs, consts, nodes, outputs) or '}', got %s", t.describe())
		}
	}
}

func (p *textParser) block(kw token, item func() error) error {
	if _, err := p.expectCtx("{", "after '", kw.text, "'"); err != nil {
		return err
	}
	for !p.isPunct("}") {
		if p.peek().kind == tErr {
			return p.lx.err
		}
		if p.peek().kind == tEOF {
			return p.errf(p.peek(), "unterminated %s block (opened at %d:%d)", kw.text, kw.line, kw.col)
		}
		if err := item(); err != nil {
			return err
		}
	}
	p.next()
	return nil
}

// commentOf returns the # lines just before t, joined by "\n".
func (p *textParser) commentOf(t token) string { return t.comment }

func (p *textParser) inputDecl(g *graph.Graph) error {
	name, err := p.expectIdent("(input name)")
	if err != nil {
		return err
	}
	if err := p.declare("input", name); err != nil {
		return err
	}
	if _, err := p.expectCtx(":", "after input name ", name.text, ""); err != nil {
		return err
	}
	d, err := p.ty(true)
	if err != nil {
		return err
	}
	if _, err := p.expectCtx(";", "after input declaration ", name.text, ""); err != nil {
		return err
	}
	g.Inputs = append(g.Inputs, graph.Input{Name: name.text, Desc: d, Comment: p.commentOf(name)})
	return nil
}

func (p *textParser) ty(allowDyn bool) (graph.Desc, error) {
	t := p.next()
	var d graph.Desc
	if t.kind != tIdent {
		return d, p.errf(t, "expected a data type (f32, f16, i32, u32, i64, u64, i8, u8, i4, u4), got %s", t.describe())
	}
	dt, ok := shortDTypes[t.text]
	if !ok {
		return d, p.errf(t, "unknown data type %q (want f32, f16, i32, u32, i64, u64, i8, u8, i4, u4)", t.text)
	}
	d.DType = dt
	if _, err := p.expect("[", "to open the shape"); err != nil {
		return d, err
	}
	d.Shape = []graph.Dim{}
	if p.isPunct("]") {
		p.next()
		return d, nil
	}
	for {
		t := p.peek()
		if t.kind == tIdent && t.text == "dyn" {
			p.next()
			if !allowDyn {
				return d, p.errf(t, "constant shapes must be static (dyn is allowed on inputs only)")
			}
			if _, err := p.expect("(", "after dyn"); err != nil {
				return d, err
			}
			s := p.next()
			if s.kind != tString {
				return d, p.errf(s, "expected the dynamic dimension name string, got %s", s.describe())
			}
			if s.text == "" {
				return d, p.errf(s, "dynamic dimension with an empty name")
			}
			if _, err := p.expect(",", "after the dynamic dimension name"); err != nil {
				return d, err
			}
			max, _, err := p.expectInt("(dynamic dimension maxSize)")
			if err != nil {
				return d, err
			}
			if _, err := p.expect(")", "to close dyn("); err != nil {
				return d, err
			}
			d.Shape = append(d.Shape, graph.Dynamic(s.text, max))
		} else {
			v, _, err := p.expectInt("(shape dimension)")
			if err != nil {
				return d, err
			}
			d.Shape = append(d.Shape, graph.Static(v))
		}
		t = p.next()
		if t.kind == tPunct && t.text == "]" {
			return d, nil
		}
		if t.kind != tPunct || t.text != "," {
			return d, p.errf(t, "expected ',' or ']' in shape, got %s", t.describe())
		}
	}
}

var shortDTypes = map[string]tensor.DType{
	"f32": tensor.Float32, "f16": tensor.Float16, "i32": tensor.Int32, "u32": tensor.Uint32,
	"i64": tensor.Int64, "u64": tensor.Uint64, "i8": tensor.Int8, "u8": tensor.Uint8,
	"i4": tensor.Int4, "u4": tensor.Uint4,
}

func (p *textParser) constDecl(g *graph.Graph) error {
	name, err := p.expectIdent("(const name)")
	if err != nil {
		return err
	}
	if err := p.declare("const", name); err != nil {
		return err
	}
	if _, err := p.expectCtx(":", "after const name ", name.text, ""); err != nil {
		return err
	}
	d, err := p.ty(false)
	if err != nil {
		return err
	}
	c := graph.Const{Name: name.text, Desc: d, Kind: graph.ConstWeights, Ref: name.text, Comment: p.commentOf(name)}
	for p.peek().kind == tAt {
		at := p.next()
		if _, err := p.expectCtx("(", "after @", at.text, ""); err != nil {
			return err
		}
		switch at.text {
		case "weights":
			s := p.next()
			if s.kind != tString {
				return p.errf(s, "expected the weights key string in @weights(...), got %s", s.describe())
			}
			c.Kind, c.Ref, c.Scalar, c.Bytes = graph.ConstWeights, s.text, "", nil
		case "scalar":
			s := p.next()
			if s.kind != tNumber {
				return p.errf(s, "expected a number in @scalar(...), got %s", s.describe())
			}
			c.Kind, c.Ref, c.Scalar, c.Bytes = graph.ConstScalar, "", graph.Number(s.text), nil
		case "bytes":
			if _, err := p.expect("[", "to open the @bytes list"); err != nil {
				return err
			}
			b := []byte{}
			if !p.isPunct("]") {
				for {
					t := p.next()
					if t.kind != tNumber || !isAllDigits(t.text) {
						return p.errf(t, "expected a byte value in @bytes([...]), got %s", t.describe())
					}
					v, err := strconv.ParseUint(t.text, 10, 64)
					if err != nil {
						return p.errf(t, "byte value %s is out of range", t.text)
					}
					b = append(b, byte(v)) // values > 255 wrap, as the Rust parser's `as u8`
					if p.isPunct(",") {
						p.next()
						continue
					}
					break
				}
			}
			if _, err := p.expect("]", "to close the @bytes list"); err != nil {
				return err
			}
			c.Kind, c.Ref, c.Scalar, c.Bytes = graph.ConstBytes, "", "", b
		default:
			return p.errf(at, "unknown const annotation @%s (want @weights, @scalar, @bytes)", at.text)
		}
		if _, err := p.expectCtx(")", "to close @", at.text, "(...)"); err != nil {
			return err
		}
	}
	if _, err := p.expectCtx(";", "after const declaration ", name.text, ""); err != nil {
		return err
	}
	g.Consts = append(g.Consts, c)
	return nil
}

func (p *textParser) outputItem(g *graph.Graph) error {
	for {
		t, err := p.expectIdent("(output name)")
		if err != nil {
			return err
		}
		if err := p.declare("output", t); err != nil {
			return err
		}
		g.Outputs = append(g.Outputs, graph.Output{Name: t.text, Operand: t.text})
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	if p.isPunct(";") {
		p.next()
	}
	return nil
}

func (p *textParser) stmt(g *graph.Graph) error {
	first := p.peek()
	n := graph.Node{Comment: p.commentOf(first)}
	if p.isPunct("[") {
		p.next()
		for {
			t, err := p.expectIdent("(output name in [...] =)")
			if err != nil {
				return err
			}
			n.Outputs = append(n.Outputs, t.text)
			if p.isPunct(",") {
				p.next()
				continue
			}
			break
		}
		if _, err := p.expect("]", "to close the output list"); err != nil {
			return err
		}
		n.ID = n.Outputs[0]
	} else {
		t, err := p.expectIdent("(node name)")
		if err != nil {
			return err
		}
		n.ID = t.text
	}
	if _, err := p.expectCtx("=", "after ", n.ID, ""); err != nil {
		return err
	}
	rhs := p.next()
	switch {
	case rhs.kind == tIdent && p.isPunct("("):
		p.next()
		n.Op = rhs.text
		if err := p.args(&n); err != nil {
			return err
		}
	case rhs.kind == tIdent:
		// `y = x;`: the Rust parser makes a node with an empty op.
		n.Inputs = []string{rhs.text}
	default:
		return p.errf(rhs, "expected an operation call or an operand name after '=', got %s", rhs.describe())
	}
	if _, err := p.expectCtx(";", "after the statement defining ", n.ID, ""); err != nil {
		return err
	}
	g.Nodes = append(g.Nodes, n)
	return nil
}

// args parses `args? ")"` after the opening parenthesis.
func (p *textParser) args(n *graph.Node) error {
	if p.isPunct(")") {
		p.next()
		return nil
	}
	for {
		t := p.peek()
		if t2 := p.peek2(); t.kind == tIdent && t2.kind == tPunct && t2.text == "=" {
			p.next()
			p.next()
			v, err := p.value()
			if err != nil {
				return err
			}
			if n.Options == nil {
				n.Options = map[string]any{}
			}
			n.Options[t.text] = v
		} else {
			v, err := p.value()
			if err != nil {
				return err
			}
			p.positional(n, t, v)
		}
		c := p.next()
		if c.kind == tPunct && c.text == ")" {
			return nil
		}
		if c.kind != tPunct || c.text != "," {
			return p.errf(c, "expected ',' or ')' in the arguments of %s, got %s", n.Op, c.describe())
		}
	}
}

// positional applies the Rust parser's rule: identifiers and strings are
// inputs, arrays are flattened, other literals are dropped.
func (p *textParser) positional(n *graph.Node, t token, v any) {
	switch x := v.(type) {
	case string:
		n.Inputs = append(n.Inputs, x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				n.Inputs = append(n.Inputs, s)
			} else {
				p.warnf(t, "positional array element %s of %s dropped (only operand names are kept)", describeValue(e), n.Op)
			}
		}
	default:
		p.warnf(t, "positional %s argument of %s dropped, as webnn-graph does (use a named option)", describeValue(v), n.Op)
	}
}

func describeValue(v any) string {
	switch x := v.(type) {
	case graph.Number:
		return "number " + string(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%v", v)
}

func (p *textParser) warnf(t token, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Line: int(t.line), Col: int(t.col), Msg: fmt.Sprintf(format, args...)})
}

// value parses `literal | ident`.
func (p *textParser) value() (any, error) {
	t := p.next()
	switch t.kind {
	case tIdent:
		switch t.text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		if hasLiteralPrefix(t.text) {
			// pest lexes the literal prefix and then fails on the rest.
			return nil, p.errf(t, "identifier %q starts with true/false/null, which the webnn-graph grammar reads as a literal here", t.text)
		}
		return t.text, nil
	case tString:
		return t.text, nil
	case tNumber:
		return graph.Number(t.text), nil
	case tPunct:
		if t.text == "[" || t.text == "{" {
			if p.depth++; p.depth > maxValueDepth {
				return nil, p.errf(t, "values nested deeper than %d", maxValueDepth)
			}
			defer func() { p.depth-- }()
		}
		switch t.text {
		case "[":
			arr := make([]any, 0, 4)
			if p.isPunct("]") {
				p.next()
				return arr, nil
			}
			for {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
				c := p.next()
				if c.kind == tPunct && c.text == "]" {
					return arr, nil
				}
				if c.kind != tPunct || c.text != "," {
					return nil, p.errf(c, "expected ',' or ']' in array, got %s", c.describe())
				}
			}
		case "{":
			obj := map[string]any{}
			if p.isPunct("}") {
				p.next()
				return obj, nil
			}
			for {
				k := p.next()
				if k.kind != tIdent && k.kind != tString {
					return nil, p.errf(k, "expected an object key (identifier or string), got %s", k.describe())
				}
				if _, err := p.expect(":", "after object key"); err != nil {
					return nil, err
				}
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				obj[k.text] = v
				c := p.next()
				if c.kind == tPunct && c.text == "}" {
					return obj, nil
				}
				if c.kind != tPunct || c.text != "," {
					return nil, p.errf(c, "expected ',' or '}' in object, got %s", c.describe())
				}
			}
		}
	}
	return nil, p.errf(t, "expected a value (identifier, string, number, true, false, null, array or object), got %s", t.describe())
}
