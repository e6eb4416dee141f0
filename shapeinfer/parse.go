// ParseExpr reads the EXPR grammar that Expr.String prints (team.md):
//
//	expr   := term (("+"|"-") term)*
//	term   := factor (("*"|"/"|"%") factor)*
//	factor := INT | IDENT | "(" expr ")" | ("max"|"min") "(" expr "," expr ")"
//
// "/" is floor division, "%" floor modulo. A leading "-" before an INT is
// accepted for negative constants.

package shapeinfer

import (
	"fmt"
	"strconv"
)

// ParseExpr parses src into its normal form.
func ParseExpr(src string) (Expr, error) {
	p := &exprParser{src: src}
	p.next()
	e, err := p.expr()
	if err != nil {
		return Expr{}, err
	}
	if p.tok != tokEOF {
		return Expr{}, p.errorf("unexpected %q", p.text)
	}
	return e, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokInt
	tokIdent
	tokOp // one of + - * / % ( ) ,
)

type exprParser struct {
	src  string
	pos  int // offset after the current token
	at   int // offset of the current token
	tok  tokKind
	text string
}

func (p *exprParser) errorf(format string, args ...any) error {
	return fmt.Errorf("shapeinfer: expression %q at offset %d: %s", p.src, p.at, fmt.Sprintf(format, args...))
}

func isIdentStart(ch byte) bool {
	return ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
}

func isIdentChar(ch byte) bool {
	// Dim names from ONNX files may contain '.' or ':' ("batch.size");
	// they are kept as one identifier.
	return isIdentStart(ch) || ch >= '0' && ch <= '9' || ch == '.' || ch == ':'
}

func (p *exprParser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	p.at = p.pos
	if p.pos >= len(p.src) {
		p.tok, p.text = tokEOF, ""
		return
	}
	ch := p.src[p.pos]
	switch {
	case ch >= '0' && ch <= '9':
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		p.tok = tokInt
	case isIdentStart(ch):
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
		p.tok = tokIdent
	default:
		p.pos++
		p.tok = tokOp
	}
	p.text = p.src[p.at:p.pos]
}

func (p *exprParser) expr() (Expr, error) {
	e, err := p.term()
	if err != nil {
		return Expr{}, err
	}
	for p.tok == tokOp && (p.text == "+" || p.text == "-") {
		op := p.text
		p.next()
		t, err := p.term()
		if err != nil {
			return Expr{}, err
		}
		if op == "+" {
			e = e.Add(t)
		} else {
			e = e.Sub(t)
		}
	}
	return e, nil
}

func (p *exprParser) term() (Expr, error) {
	e, err := p.factor()
	if err != nil {
		return Expr{}, err
	}
	for p.tok == tokOp && (p.text == "*" || p.text == "/" || p.text == "%") {
		op := p.text
		p.next()
		f, err := p.factor()
		if err != nil {
			return Expr{}, err
		}
		switch op {
		case "*":
			e = e.Mul(f)
		case "/":
			e = e.FloorDiv(f)
		default:
			e = e.Mod(f)
		}
	}
	return e, nil
}

func (p *exprParser) factor() (Expr, error) {
	switch p.tok {
	case tokInt:
		v, err := strconv.ParseInt(p.text, 10, 64)
		if err != nil {
			return Expr{}, p.errorf("bad integer %q", p.text)
		}
		p.next()
		return Const(v), nil
	case tokIdent:
		name := p.text
		p.next()
		if (name == "max" || name == "min") && p.tok == tokOp && p.text == "(" {
			p.next()
			a, err := p.expr()
			if err != nil {
				return Expr{}, err
			}
			if p.tok != tokOp || p.text != "," {
				return Expr{}, p.errorf("expected \",\" in %s(…)", name)
			}
			p.next()
			b, err := p.expr()
			if err != nil {
				return Expr{}, err
			}
			if err := p.expect(")"); err != nil {
				return Expr{}, err
			}
			if name == "max" {
				return a.Max(b), nil
			}
			return a.Min(b), nil
		}
		return Sym(name), nil
	case tokOp:
		switch p.text {
		case "(":
			p.next()
			e, err := p.expr()
			if err != nil {
				return Expr{}, err
			}
			return e, p.expect(")")
		case "-":
			p.next()
			if p.tok != tokInt {
				return Expr{}, p.errorf("\"-\" must precede an integer")
			}
			f, err := p.factor()
			return f.Neg(), err
		}
	case tokEOF:
		return Expr{}, p.errorf("unexpected end")
	}
	return Expr{}, p.errorf("unexpected %q", p.text)
}

func (p *exprParser) expect(s string) error {
	if p.tok != tokOp || p.text != s {
		if p.tok == tokEOF {
			return p.errorf("expected %q, found end", s)
		}
		return p.errorf("expected %q, found %q", s, p.text)
	}
	p.next()
	return nil
}
