package emit

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// JSONFormat is the "format" value of the JSON graph form.
const JSONFormat = "webnn-graph-json"

// PrintJSON renders g as webnn-graph-json (formats-and-loader.md §4):
// inputs, consts and outputs as objects in the graph's order, nodes as an
// array, options sorted by key, numbers as plain decimals. Comment fields
// are written as "comment" members, which webnn-graph ignores.
func PrintJSON(g *graph.Graph) ([]byte, error) {
	b, err := printJSON(g)
	if err != nil {
		return nil, fmt.Errorf("print json: %w", err)
	}
	return b, nil
}

func printJSON(g *graph.Graph) ([]byte, error) {
	v, err := graphVersion(g)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 512+160*len(g.Nodes)+96*(len(g.Consts)+len(g.Inputs)))
	b = append(b, "{\n  \"format\": \"webnn-graph-json\",\n  \"version\": "...)
	b = strconv.AppendInt(b, int64(v), 10)
	if g.Name != "" {
		if !utf8.ValidString(g.Name) {
			return nil, errors.New("graph name is not valid UTF-8")
		}
		b = append(b, ",\n  \"name\": "...)
		b = appendJSONString(b, g.Name)
	}
	if g.Quantized {
		b = append(b, ",\n  \"quantized\": true"...)
	}
	b = append(b, ",\n  \"inputs\": {"...)
	for i := range g.Inputs {
		in := &g.Inputs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		if b, err = appendJSONKey(b, in.Name, "input"); err != nil {
			return nil, err
		}
		b = append(b, '{')
		if b, err = appendJSONDesc(b, in.Desc); err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		if b, err = appendJSONComment(b, in.Comment); err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		b = append(b, '}')
	}
	b = closeJSON(b, len(g.Inputs) > 0, "\n  }")
	b = append(b, ",\n  \"consts\": {"...)
	for i := range g.Consts {
		c := &g.Consts[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		if b, err = appendJSONKey(b, c.Name, "const"); err != nil {
			return nil, err
		}
		b = append(b, '{')
		if b, err = appendJSONDesc(b, c.Desc); err != nil {
			return nil, fmt.Errorf("const %q: %w", c.Name, err)
		}
		b = append(b, ", \"init\": "...)
		switch c.Kind {
		case graph.ConstWeights:
			if !utf8.ValidString(c.Ref) {
				return nil, fmt.Errorf("const %q: weights ref is not valid UTF-8", c.Name)
			}
			b = append(b, "{\"kind\": \"weights\", \"ref\": "...)
			b = appendJSONString(b, c.Ref)
			b = append(b, '}')
		case graph.ConstScalar:
			if !c.Scalar.Valid() {
				return nil, fmt.Errorf("const %q: @scalar value %q is not a plain decimal number", c.Name, string(c.Scalar))
			}
			b = append(b, "{\"kind\": \"scalar\", \"value\": "...)
			b = append(b, trimLeadingZeros(string(c.Scalar))...)
			b = append(b, '}')
		case graph.ConstBytes:
			b = append(b, "{\"kind\": \"inlineBytes\", \"bytes\": ["...)
			for j, x := range c.Bytes {
				if j > 0 {
					b = append(b, ", "...)
				}
				b = strconv.AppendUint(b, uint64(x), 10)
			}
			b = append(b, "]}"...)
		default:
			return nil, fmt.Errorf("const %q: unknown const kind %d", c.Name, int(c.Kind))
		}
		if b, err = appendJSONComment(b, c.Comment); err != nil {
			return nil, fmt.Errorf("const %q: %w", c.Name, err)
		}
		b = append(b, '}')
	}
	b = closeJSON(b, len(g.Consts) > 0, "\n  }")
	b = append(b, ",\n  \"nodes\": ["...)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if i > 0 {
			b = append(b, ',')
		}
		what := nodeWhat{n}
		if !utf8.ValidString(n.ID) || !utf8.ValidString(n.Op) {
			return nil, fmt.Errorf("%s: id or op is not valid UTF-8", what)
		}
		b = append(b, "\n    {\"id\": "...)
		b = appendJSONString(b, n.ID)
		b = append(b, ", \"op\": "...)
		b = appendJSONString(b, n.Op)
		b = append(b, ", \"inputs\": ["...)
		for j, in := range n.Inputs {
			if j > 0 {
				b = append(b, ", "...)
			}
			if !utf8.ValidString(in) {
				return nil, fmt.Errorf("%s: input name is not valid UTF-8", what)
			}
			b = appendJSONString(b, in)
		}
		b = append(b, "], \"options\": "...)
		opts := n.Options
		if opts == nil {
			opts = map[string]any{}
		}
		if b, err = appendValue(b, opts, true); err != nil {
			return nil, fmt.Errorf("%s: options: %w", what, err)
		}
		if n.Outputs != nil {
			b = append(b, ", \"outputs\": ["...)
			for j, o := range n.Outputs {
				if j > 0 {
					b = append(b, ", "...)
				}
				if !utf8.ValidString(o) {
					return nil, fmt.Errorf("%s: output name is not valid UTF-8", what)
				}
				b = appendJSONString(b, o)
			}
			b = append(b, ']')
		}
		if b, err = appendJSONComment(b, n.Comment); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		b = append(b, '}')
	}
	b = closeJSON(b, len(g.Nodes) > 0, "\n  ]")
	b = append(b, ",\n  \"outputs\": {"...)
	for i, o := range g.Outputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		if b, err = appendJSONKey(b, o.Name, "output"); err != nil {
			return nil, err
		}
		if !utf8.ValidString(o.Operand) {
			return nil, fmt.Errorf("output %q: operand name is not valid UTF-8", o.Name)
		}
		b = appendJSONString(b, o.Operand)
	}
	b = closeJSON(b, len(g.Outputs) > 0, "\n  }")
	b = append(b, "\n}\n"...)
	return b, nil
}

func closeJSON(b []byte, nonEmpty bool, close string) []byte {
	if nonEmpty {
		return append(b, close...)
	}
	return append(b, close[len(close)-1])
}

func appendJSONKey(b []byte, k, what string) ([]byte, error) {
	if !utf8.ValidString(k) {
		return nil, fmt.Errorf("%s name %q is not valid UTF-8", what, k)
	}
	b = appendJSONString(b, k)
	return append(b, ": "...), nil
}

func appendJSONComment(b []byte, c string) ([]byte, error) {
	if c == "" {
		return b, nil
	}
	if !utf8.ValidString(c) {
		return nil, errors.New("comment is not valid UTF-8")
	}
	b = append(b, ", \"comment\": "...)
	return appendJSONString(b, c), nil
}

func appendJSONDesc(b []byte, d graph.Desc) ([]byte, error) {
	if !d.DType.IsWebNN() {
		return nil, fmt.Errorf("data type %s is not a WebNN operand type", d.DType)
	}
	b = append(b, "\"dataType\": \""...)
	b = append(b, d.DType.String()...)
	b = append(b, "\", \"shape\": "...)
	return appendValue(b, d.Shape, true)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string (no HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ParseJSON parses the webnn-graph-json form. Object member order of
// inputs, consts and outputs is kept; numbers in options and @scalar values
// become graph.Number with their exact text; unknown members are ignored.
func ParseJSON(src []byte) (*graph.Graph, error) {
	g, err := parseJSON(src)
	if err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return g, nil
}

func parseJSON(src []byte) (*graph.Graph, error) {
	r := &jsonReader{src: src}
	if r.peek() == 0 && r.i >= len(src) {
		return nil, errors.New("empty input")
	}
	g := &graph.Graph{}
	var format *string
	var version *string
	err := r.object(func() string { return "the graph" }, func(key string, pos int) error {
		if r.isNull() {
			return nil // serde reads null as an absent optional field
		}
		switch key {
		case "format":
			s, err := r.strOf(func() string { return "format" })
			format = &s
			return err
		case "version":
			pos := r.i
			n, err := r.number()
			if err != nil {
				return err
			}
			v, perr := strconv.ParseInt(n, 10, 32)
			if perr != nil {
				return r.errAt(pos, "version %s is not an integer", n)
			}
			version = &n
			g.Version = int(v)
			return nil
		case "name":
			s, err := r.strOf(func() string { return "name" })
			g.Name = s
			return err
		case "quantized":
			b, err := r.boolean()
			g.Quantized = b
			return err
		case "inputs":
			return r.object(func() string { return "inputs" }, func(name string, pos int) error {
				in := graph.Input{Name: name}
				err := r.desc(&in.Desc, &in.Comment, nil, func() string { return "input " + strconv.Quote(name) })
				g.Inputs = append(g.Inputs, in)
				return err
			})
		case "consts":
			return r.object(func() string { return "consts" }, func(name string, pos int) error {
				c := graph.Const{Name: name}
				hasInit := false
				err := r.desc(&c.Desc, &c.Comment, func(key string) (bool, error) {
					if key != "init" {
						return false, nil
					}
					hasInit = true
					return true, r.constInit(&c)
				}, func() string { return "const " + strconv.Quote(name) })
				if err == nil && !hasInit {
					err = r.errAt(pos, "const %q: missing \"init\"", name)
				}
				g.Consts = append(g.Consts, c)
				return err
			})
		case "nodes":
			return r.array(func() string { return "nodes" }, func(i int) error {
				n, err := r.node(i)
				g.Nodes = append(g.Nodes, n)
				return err
			})
		case "outputs":
			return r.object(func() string { return "outputs" }, func(name string, pos int) error {
				if r.peek() != '"' {
					return r.errAt(r.i, "output %q: expected the operand name string, got %s", name, r.describeNext())
				}
				op, err := r.str()
				g.Outputs = append(g.Outputs, graph.Output{Name: name, Operand: op})
				return err
			})
		}
		return r.skip() // unknown members are ignored, as serde does
	})
	if err != nil {
		return nil, err
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if format == nil {
		return nil, fmt.Errorf("missing \"format\": %q", JSONFormat)
	}
	if *format != JSONFormat {
		return nil, fmt.Errorf("format %q is not %q", *format, JSONFormat)
	}
	if version == nil {
		return nil, errors.New("missing \"version\"")
	}
	return g, nil
}

// desc reads an input or const object: dataType, shape, comment; other
// members go to extra (which reports whether it consumed the value).
func (r *jsonReader) desc(d *graph.Desc, comment *string, extra func(string) (bool, error), what func() string) error {
	start := r.i
	hasType, hasShape := false, false
	err := r.object(what, func(key string, pos int) error {
		switch key {
		case "dataType":
			p := r.i
			s, err := r.strOf(func() string { return what() + " dataType" })
			if err != nil {
				return err
			}
			dt, err := tensor.ParseWebNN(s)
			if err != nil {
				return r.errAt(p, "%s: %v", what(), err)
			}
			d.DType, hasType = dt, true
			return nil
		case "shape":
			hasShape = true
			d.Shape = make([]graph.Dim, 0, 4)
			return r.array(func() string { return what() + " shape" }, func(i int) error {
				dim, err := r.dim(what, i)
				d.Shape = append(d.Shape, dim)
				return err
			})
		case "comment":
			if r.isNull() {
				return nil
			}
			s, err := r.strOf(func() string { return what() + " comment" })
			*comment = s
			return err
		}
		if extra != nil {
			if done, err := extra(key); done || err != nil {
				return err
			}
		}
		return r.skip()
	})
	if err != nil {
		return err
	}
	if !hasType {
		return r.errAt(start, "%s: missing \"dataType\"", what())
	}
	if !hasShape {
		return r.errAt(start, "%s: missing \"shape\"", what())
	}
	return nil
}

func (r *jsonReader) dim(what func() string, i int) (graph.Dim, error) {
	pos := r.i
	if r.peek() != '{' {
		n, err := r.number()
		if err != nil {
			return graph.Dim{}, r.errAt(pos, "%s: shape[%d] is not a dimension (u32 or {\"name\", \"maxSize\"})", what(), i)
		}
		v, perr := strconv.ParseUint(n, 10, 32)
		if perr != nil {
			return graph.Dim{}, r.errAt(pos, "%s: shape[%d] = %s is not a dimension (u32 or {\"name\", \"maxSize\"})", what(), i, n)
		}
		return graph.Static(int64(v)), nil
	}
	var name *string
	var max *uint64
	err := r.object(func() string { return "dynamic dimension" }, func(key string, _ int) error {
		switch key {
		case "name":
			s, err := r.strOf(func() string { return fmt.Sprintf("%s: shape[%d] name", what(), i) })
			name = &s
			return err
		case "maxSize":
			p := r.i
			n, err := r.number()
			if err != nil {
				return err
			}
			v, perr := strconv.ParseUint(n, 10, 32)
			if perr != nil {
				return r.errAt(p, "%s: shape[%d]: maxSize %s is not a u32", what(), i, n)
			}
			max = &v
			return nil
		}
		return r.skip()
	})
	if err != nil {
		return graph.Dim{}, err
	}
	if name == nil || max == nil {
		return graph.Dim{}, r.errAt(pos, "%s: shape[%d]: dynamic dimension needs \"name\" and \"maxSize\"", what(), i)
	}
	if *name == "" {
		return graph.Dim{}, r.errAt(pos, "%s: shape[%d]: dynamic dimension with an empty name", what(), i)
	}
	return graph.Dynamic(*name, int64(*max)), nil
}

func (r *jsonReader) constInit(c *graph.Const) error {
	pos := r.i
	what := "const " + strconv.Quote(c.Name)
	var kind, ref, value *string
	var bytes []byte
	hasBytes := false
	err := r.object(func() string { return what + " init" }, func(key string, _ int) error {
		switch key {
		case "kind":
			s, err := r.strOf(func() string { return what + " init kind" })
			kind = &s
			return err
		case "ref":
			s, err := r.strOf(func() string { return what + " init ref" })
			ref = &s
			return err
		case "value":
			p := r.i
			if r.peek() != '-' && (r.peek() < '0' || r.peek() > '9') {
				return r.errAt(p, "%s: scalar value must be a number, got %s", what, r.describeNext())
			}
			n, err := r.number()
			value = &n
			return err
		case "bytes":
			hasBytes = true
			bytes = []byte{}
			return r.array(func() string { return what + " bytes" }, func(i int) error {
				p := r.i
				n, err := r.number()
				if err != nil {
					return err
				}
				v, perr := strconv.ParseUint(n, 10, 8)
				if perr != nil {
					return r.errAt(p, "%s: bytes[%d] = %s is not a byte value 0..255", what, i, n)
				}
				bytes = append(bytes, byte(v))
				return nil
			})
		}
		return r.skip()
	})
	if err != nil {
		return err
	}
	if kind == nil {
		return r.errAt(pos, "%s: init without \"kind\"", what)
	}
	switch *kind {
	case "weights":
		if ref == nil {
			return r.errAt(pos, "%s: weights init without \"ref\"", what)
		}
		c.Kind, c.Ref = graph.ConstWeights, *ref
	case "scalar":
		if value == nil {
			return r.errAt(pos, "%s: scalar init without \"value\"", what)
		}
		c.Kind, c.Scalar = graph.ConstScalar, graph.Number(*value)
	case "inlineBytes":
		if !hasBytes {
			return r.errAt(pos, "%s: inlineBytes init without \"bytes\"", what)
		}
		c.Kind, c.Bytes = graph.ConstBytes, bytes
	default:
		return r.errAt(pos, "%s: unknown init kind %q (want weights, scalar, inlineBytes)", what, *kind)
	}
	return nil
}

func (r *jsonReader) node(i int) (graph.Node, error) {
	var n graph.Node
	pos := r.i
	hasID, hasOp := false, false
	what := func() string {
		if hasID {
			return fmt.Sprintf("node %q", n.ID)
		}
		return fmt.Sprintf("nodes[%d]", i)
	}
	err := r.object(func() string { return "node" }, func(key string, _ int) error {
		switch key {
		case "id":
			s, err := r.strOf(func() string { return fmt.Sprintf("nodes[%d] id", i) })
			n.ID, hasID = s, true
			return err
		case "op":
			s, err := r.strOf(func() string { return what() + " op" })
			n.Op, hasOp = s, true
			return err
		case "inputs":
			ins, err := r.strings(func() string { return what() + " inputs" })
			n.Inputs = ins
			return err
		case "outputs":
			outs, err := r.strings(func() string { return what() + " outputs" })
			n.Outputs = outs
			return err
		case "options":
			if r.isNull() {
				return nil
			}
			if r.peek() != '{' {
				return r.errAt(r.i, "%s: options must be an object, got %s", what(), r.describeNext())
			}
			v, err := r.value()
			if m := v.(map[string]any); len(m) > 0 {
				n.Options = m
			}
			return err
		case "comment":
			if r.isNull() {
				return nil
			}
			s, err := r.strOf(func() string { return what() + " comment" })
			n.Comment = s
			return err
		}
		return r.skip()
	})
	if err != nil {
		return n, err
	}
	if !hasID || !hasOp {
		return n, r.errAt(pos, "nodes[%d]: missing \"id\" or \"op\"", i)
	}
	if n.Inputs == nil {
		n.Inputs = []string{}
	}
	return n, nil
}

func lineCol(src []byte, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
	return line, col
}
