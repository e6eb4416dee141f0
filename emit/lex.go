package emit

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a text-form parse error at a 1-based line and column
// (columns count bytes).
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // pest ident: [A-Za-z_/$][A-Za-z0-9_./]*
	tString         // "…" (text holds the unescaped value)
	tNumber         // -?D+(.D+)?([eE][+-]?D+)?
	tAt             // @name (text holds name without '@')
	tPunct          // one of { } ( ) [ ] , ; : =
	tErr            // a lexical error; the parser stops here
)

type token struct {
	text      string
	line, col int32
	comment   string // the # lines before this token, joined by "\n"
	kind      tokKind
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tErr:
		return "an invalid token"
	case tString:
		return "string " + quoteDSL(t.text)
	case tAt:
		return "'@" + t.text + "'"
	}
	return "'" + t.text + "'"
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '/' || c == '$'
}

func isIdentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lexer produces tokens on demand (no token array: a large graph costs
// no more than its parsed form). Comments are attached to the token that
// follows them. A lexical error yields a tErr token; err holds it.
type lexer struct {
	src             string
	i               int
	line, lineStart int
	comments        []string
	err             *SyntaxError
}

func newLexer(src []byte) *lexer {
	return &lexer{src: string(src), line: 1} // one copy; token texts are substrings
}

func (lx *lexer) errAt(pos int, format string, args ...any) token {
	lx.err = &SyntaxError{Line: lx.line, Col: pos - lx.lineStart + 1, Msg: fmt.Sprintf(format, args...)}
	return token{kind: tErr, line: int32(lx.err.Line), col: int32(lx.err.Col)}
}

// next returns the next token; after tEOF or tErr it keeps returning it.
// comment is the text of the # lines before the token ("" if none).
func (lx *lexer) next() token {
	t, c := lx.scan()
	t.comment = c
	return t
}

func (lx *lexer) scan() (tok token, comment string) {
	if lx.err != nil {
		return token{kind: tErr, line: int32(lx.err.Line), col: int32(lx.err.Col)}, ""
	}
	src, i := lx.src, lx.i
	defer func() { lx.i = i }()
	lx.comments = lx.comments[:0]
	for i < len(src) {
		c := src[i]
		if c == '\n' {
			i++
			lx.line, lx.lineStart = lx.line+1, i
		} else if c == ' ' || c == '\t' || c == '\r' {
			i++
		} else if c == '#' {
			st := i + 1
			for i < len(src) && src[i] != '\n' {
				i++
			}
			lx.comments = append(lx.comments, commentText(src[st:i]))
		} else {
			break
		}
	}
	tok = token{line: int32(lx.line), col: int32(i - lx.lineStart + 1)}
	if len(lx.comments) > 0 {
		comment = strings.Join(lx.comments, "\n")
	}
	if i >= len(src) {
		tok.kind = tEOF
		return tok, comment
	}
	c := src[i]
	switch {
	case isIdentStart(c):
		st := i
		i++ // the start set has '$', which is not an ident char
		for i < len(src) && isIdentChar(src[i]) {
			i++
		}
		tok.kind, tok.text = tIdent, src[st:i]
	case isDigit(c) || c == '-' && i+1 < len(src) && isDigit(src[i+1]):
		st := i
		if c == '-' {
			i++
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
		if i+1 < len(src) && src[i] == '.' && isDigit(src[i+1]) {
			i++
			for i < len(src) && isDigit(src[i]) {
				i++
			}
		}
		if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
			j := i + 1
			if j < len(src) && (src[j] == '+' || src[j] == '-') {
				j++
			}
			if j < len(src) && isDigit(src[j]) {
				i = j
				for i < len(src) && isDigit(src[i]) {
					i++
				}
			}
		}
		tok.kind, tok.text = tNumber, trimLeadingZeros(src[st:i])
	case c == '"':
		i++
		var sb strings.Builder
		plain := i
		for {
			if i >= len(src) {
				lx.err = &SyntaxError{Line: int(tok.line), Col: int(tok.col), Msg: "unterminated string"}
				return token{kind: tErr, line: tok.line, col: tok.col}, ""
			}
			ch := src[i]
			if ch == '"' {
				break
			}
			if ch == '\\' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
				sb.WriteString(src[plain:i])
				sb.WriteByte(src[i+1])
				i += 2
				plain = i
				continue
			}
			if ch == '\n' {
				lx.line, lx.lineStart = lx.line+1, i+1
			}
			i++
		}
		if sb.Len() == 0 {
			tok.text = src[plain:i]
		} else {
			sb.WriteString(src[plain:i])
			tok.text = sb.String()
		}
		i++
		tok.kind = tString
	case c == '@':
		st := i + 1
		i++
		for i < len(src) && isIdentChar(src[i]) {
			i++
		}
		if i == st {
			return lx.errAt(st-1, "expected an annotation name after '@'"), ""
		}
		tok.kind, tok.text = tAt, src[st:i]
	case strings.IndexByte("{}()[],;:=", c) >= 0:
		i++
		tok.kind, tok.text = tPunct, src[i-1:i]
	default:
		if c >= utf8.RuneSelf {
			r, _ := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError {
				return lx.errAt(i, "invalid UTF-8 byte 0x%02x", c), ""
			}
			return lx.errAt(i, "unexpected character %q (identifiers are ASCII)", r), ""
		}
		return lx.errAt(i, "unexpected character %q", rune(c)), ""
	}
	return tok, comment
}

// commentText strips one leading space and trailing blanks from a comment body.
func commentText(s string) string {
	s = strings.TrimRight(s, " \t\r")
	return strings.TrimPrefix(s, " ")
}

// trimLeadingZeros drops redundant leading zeros of the integer part
// ("007" → "7", "-00.5" → "-0.5"): the Rust parser reads numbers through
// serde_json (which normalises them), and JSON forbids leading zeros.
func trimLeadingZeros(s string) string {
	neg := len(s) > 0 && s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	i := 0
	for i+1 < len(d) && d[i] == '0' && isDigit(d[i+1]) {
		i++
	}
	if i == 0 {
		return s
	}
	if neg {
		return "-" + d[i:]
	}
	return d[i:]
}
