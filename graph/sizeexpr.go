package graph

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/webnn-graph/webnn-graph/internal/checked"
)

// SizeExpr is a parsed size expression, the `name` of a dynamic size
// ({"name": EXPR, "maxSize": N}) in newShape/sizes options:
//
//	expr := term (("+"|"-") term)* ; term := factor (("*"|"/"|"%") factor)*
//	factor := INT | IDENT | "(" expr ")" | ("max"|"min") "(" expr "," expr ")"
//
// "/" is floor division.
type SizeExpr struct {
	op   byte // 0 literal, 'v' variable, or + - * / % M(max) m(min)
	val  int64
	name string
	l, r *SizeExpr
}

// Constant returns the value of an expression without dims.
func (e *SizeExpr) Constant() (int64, bool) {
	switch e.op {
	case 0:
		return e.val, true
	case 'v':
		return 0, false
	}
	if _, ok := e.l.Constant(); !ok {
		return 0, false
	}
	if _, ok := e.r.Constant(); !ok {
		return 0, false
	}
	v, err := e.Eval(nil)
	return v, err == nil
}

// Eval evaluates the expression with the dims bound in env.
func (e *SizeExpr) Eval(env map[string]int64) (int64, error) {
	switch e.op {
	case 0:
		return e.val, nil
	case 'v':
		v, ok := env[e.name]
		if !ok {
			return 0, fmt.Errorf("dynamic dim %q is not bound by any input", e.name)
		}
		return v, nil
	}
	a, err := e.l.Eval(env)
	if err != nil {
		return 0, err
	}
	b, err := e.r.Eval(env)
	if err != nil {
		return 0, err
	}
	var v int64
	ok := true
	switch e.op {
	case '+':
		v, ok = checked.Add(a, b)
	case '-':
		if b == math.MinInt64 {
			ok = false
		} else {
			v, ok = checked.Add(a, -b)
		}
	case '*':
		v, ok = checked.Mul(a, b)
	}
	if !ok {
		return 0, fmt.Errorf("size expression overflows int64: %d %c %d", a, e.op, b)
	}
	switch e.op {
	case '+', '-', '*':
		return v, nil
	case '/', '%':
		if b == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		if e.op == '/' {
			return q, nil
		}
		return a - q*b, nil
	case 'M':
		return max(a, b), nil
	case 'm':
		return min(a, b), nil
	}
	return 0, fmt.Errorf("bad expression operator %q", e.op)
}

type exprParser struct {
	toks []string
	pos  int
	src  string
}

// maxSizeExprLen bounds a size expression's text: real ones are a few
// dim names long, and the bound keeps parsing and evaluation (both
// recursive) shallow whatever a hostile graph writes.
const maxSizeExprLen = 1024

// ParseSizeExpr parses a size expression.
func ParseSizeExpr(s string) (*SizeExpr, error) {
	if len(s) > maxSizeExprLen {
		return nil, fmt.Errorf("size expression of %d bytes is longer than %d", len(s), maxSizeExprLen)
	}
	p := &exprParser{src: s}
	for i := 0; i < len(s); {
		r := rune(s[i])
		switch {
		case r == ' ' || r == '\t':
			i++
		case strings.ContainsRune("+-*/%(),", r):
			p.toks = append(p.toks, s[i:i+1])
			i++
		case unicode.IsDigit(r) || unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(s) && (unicode.IsDigit(rune(s[j])) || unicode.IsLetter(rune(s[j])) || s[j] == '_' || s[j] == '.') {
				j++
			}
			p.toks = append(p.toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("size expression %q: unexpected %q", s, r)
		}
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("size expression %q: unexpected %q", s, p.toks[p.pos])
	}
	return e, nil
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) expr() (*SizeExpr, error) {
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t == "+" || t == "-"; t = p.peek() {
		p.pos++
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		l = &SizeExpr{op: t[0], l: l, r: r}
	}
	return l, nil
}

func (p *exprParser) term() (*SizeExpr, error) {
	l, err := p.factor()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t == "*" || t == "/" || t == "%"; t = p.peek() {
		p.pos++
		r, err := p.factor()
		if err != nil {
			return nil, err
		}
		l = &SizeExpr{op: t[0], l: l, r: r}
	}
	return l, nil
}

func (p *exprParser) expect(t string) error {
	if p.peek() != t {
		return fmt.Errorf("size expression %q: expected %q", p.src, t)
	}
	p.pos++
	return nil
}

func (p *exprParser) factor() (*SizeExpr, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("size expression %q: unexpected end", p.src)
	case t == "(":
		p.pos++
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	case t == "-":
		p.pos++
		f, err := p.factor()
		if err != nil {
			return nil, err
		}
		return &SizeExpr{op: '-', l: &SizeExpr{}, r: f}, nil
	case (t == "max" || t == "min") && p.pos+1 < len(p.toks) && p.toks[p.pos+1] == "(":
		p.pos += 2
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		b, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		op := byte('M')
		if t == "min" {
			op = 'm'
		}
		return &SizeExpr{op: op, l: a, r: b}, nil
	case t[0] >= '0' && t[0] <= '9':
		p.pos++
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("size expression %q: bad integer %q", p.src, t)
		}
		return &SizeExpr{val: v}, nil
	case strings.ContainsAny(t[:1], "+*/%),"):
		return nil, fmt.Errorf("size expression %q: unexpected %q", p.src, t)
	}
	p.pos++
	return &SizeExpr{op: 'v', name: t}, nil
}

// Symbols returns the dim names the expression reads, in first-use order.
func (e *SizeExpr) Symbols() []string {
	var out []string
	var walk func(x *SizeExpr)
	walk = func(x *SizeExpr) {
		if x == nil {
			return
		}
		if x.op == 'v' {
			for _, s := range out {
				if s == x.name {
					return
				}
			}
			out = append(out, x.name)
			return
		}
		walk(x.l)
		walk(x.r)
	}
	walk(e)
	return out
}

// DynamicSize is one dynamic entry of a size option: Node.Options[Key][Index]
// is {"name": Expr, "maxSize": MaxSize}.
type DynamicSize struct {
	Key     string
	Index   int
	Expr    string
	MaxSize int64
}

// DynamicSizes lists the dynamic entries of a node's newShape and sizes
// options and its steps (the only options that may hold them; a single
// value has Index 0).
func DynamicSizes(n *Node) []DynamicSize {
	var out []DynamicSize
	for _, key := range []string{"newShape", "sizes", "steps"} {
		val, ok := n.Options[key]
		if !ok {
			continue
		}
		add := func(i int, e any) {
			switch x := e.(type) {
			case Dim:
				if x.IsDynamic() {
					out = append(out, DynamicSize{Key: key, Index: i, Expr: x.Name, MaxSize: x.MaxSize})
				}
			case map[string]any:
				name, _ := x["name"].(string)
				var mx int64
				switch m := x["maxSize"].(type) {
				case int64:
					mx = m
				case Number:
					mx, _ = strconv.ParseInt(string(m), 10, 64)
				}
				out = append(out, DynamicSize{Key: key, Index: i, Expr: name, MaxSize: mx})
			}
		}
		switch xs := val.(type) {
		case map[string]any, Dim:
			add(0, xs)
		case []any:
			for i, e := range xs {
				add(i, e)
			}
		case []Dim:
			for i, e := range xs {
				add(i, e)
			}
		}
	}
	return out
}

// InputDims returns the dynamic dim names declared by the graph's inputs.
func InputDims(g *Graph) map[string]bool {
	out := map[string]bool{}
	for _, in := range g.Inputs {
		for _, d := range in.Desc.Shape {
			if d.IsDynamic() {
				out[d.Name] = true
			}
		}
	}
	return out
}
