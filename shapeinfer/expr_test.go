package shapeinfer

import (
	"math/rand/v2"
	"strings"
	"testing"
)

var (
	a  = Sym("a")
	b  = Sym("b")
	s  = Sym("sequence_length")
	p  = Sym("past_sequence_length")
	bs = Sym("batch_size")
)

func TestExprNormalForm(t *testing.T) {
	tests := []struct {
		name string
		got  Expr
		want string
	}{
		{"cancel", a.Add(b).Sub(b), "a"},
		{"collect", a.Mul(Const(2)).Add(a), "3 * a"},
		{"commute add", b.Add(a), "a + b"},
		{"commute mul", b.Mul(a), "a * b"},
		{"sorted symbols", s.Add(p), "past_sequence_length + sequence_length"},
		{"zero", a.Sub(a), "0"},
		{"const last", Const(1).Add(s), "sequence_length + 1"},
		{"minus const", s.Sub(Const(1)), "sequence_length - 1"},
		{"negative lead", Const(3).Sub(a), "3 - a"},
		{"all negative", a.Neg(), "0 - a"},
		{"negative const", Const(-4), "-4"},
		{"distribute", a.Add(b).Mul(a.Sub(b)), "a * a - b * b"},
		{"power", a.Mul(a).Mul(Const(2)), "2 * a * a"},
		{"pos then neg", b.Sub(a).Add(Const(2)), "b - a + 2"},
		{"div exact coef", a.Mul(Const(2)).FloorDiv(Const(2)), "a"},
		{"div split", a.Mul(Const(2)).Add(Const(1)).FloorDiv(Const(2)), "a"},
		{"div stays", s.Add(Const(1)).FloorDiv(Const(2)), "(sequence_length + 1) / 2"},
		{"div gcd", a.Mul(Const(2)).Add(Const(2)).FloorDiv(Const(4)), "(a + 1) / 2"},
		{"div partial", a.Mul(Const(4)).Add(b).FloorDiv(Const(2)), "2 * a + b / 2"},
		{"div nested", a.FloorDiv(Const(2)).FloorDiv(Const(3)), "a / 6"},
		{"div monomial", bs.Mul(s).Mul(Const(576)).FloorDiv(bs.Mul(s).Mul(Const(9))), "64"},
		{"div monomial rest", bs.Mul(s).Mul(Const(576)).FloorDiv(s), "576 * batch_size"},
		{"div by sum", a.Add(b).Mul(Const(3)).FloorDiv(a.Add(b)), "3"},
		{"div unknown", a.FloorDiv(b), "a / b"},
		{"div by product", a.FloorDiv(b.Mul(Const(2))), "a / (2 * b)"},
		{"div in product", a.FloorDiv(Const(3)).Mul(Const(2)), "2 * (a / 3)"},
		{"div of difference", a.Sub(b).FloorDiv(Const(2)), "(a - b) / 2"},
		{"div const", Const(-7).FloorDiv(Const(2)), "-4"},
		{"mod const", a.Mul(Const(2)).Add(Const(3)).Mod(Const(2)), "1"},
		{"mod stays", a.Mod(Const(4)), "a % 4"},
		{"mod exact", a.Mul(b).Mod(b), "0"},
		{"max same", a.Max(a), "a"},
		{"max nonneg", a.Max(Const(0)), "a"},
		{"max dominant", a.Add(Const(1)).Max(a), "a + 1"},
		{"max sorted", b.Max(a), "max(a, b)"},
		{"max commutes", a.Max(b).Sub(b.Max(a)), "0"},
		{"min nonneg", a.Min(Const(0)), "0"},
		{"min stays", a.Min(Const(256)), "min(256, a)"},
		{"max of difference", s.Sub(Const(1)).Max(Const(0)), "max(0, sequence_length - 1)"},
	}
	for _, tt := range tests {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExprEqualAndValue(t *testing.T) {
	if !p.Add(s).Equal(s.Add(p)) {
		t.Error("p+s != s+p")
	}
	if a.Equal(b) {
		t.Error("a == b")
	}
	if v, ok := a.Add(Const(3)).Sub(a).Value(); !ok || v != 3 {
		t.Errorf("Value = %d, %v; want 3, true", v, ok)
	}
	if _, ok := a.Value(); ok {
		t.Error("a is not constant")
	}
	if (Expr{}).String() != "0" || !(Expr{}).Equal(Const(0)) {
		t.Error("zero Expr is not 0")
	}
	if n, ok := s.SymName(); !ok || n != "sequence_length" {
		t.Errorf("SymName = %q, %v", n, ok)
	}
	if got := strings.Join(p.Add(s).Mul(bs).Symbols(), ","); got != "batch_size,past_sequence_length,sequence_length" {
		t.Errorf("Symbols = %s", got)
	}
}

func TestExprBounds(t *testing.T) {
	bd := Bounds{"a": {1, 10}, "b": {0, 5}}
	tests := []struct {
		e      Expr
		lo, hi int64
	}{
		{a.Add(b), 1, 15},
		{a.Sub(b), -4, 10},
		{a.Mul(b), 0, 50},
		{a.Mul(Const(-2)), -20, -2},
		{a.FloorDiv(Const(3)), 0, 3},
		{a.Add(Const(4)).Mod(Const(3)), 0, 2},
		{a.Max(b.Mul(Const(3))), 1, 15},
		{a.Min(Const(4)), 1, 4},
		{Sym("past_sequence_length").Add(Sym("sequence_length")), 1, 8192},
	}
	for _, tt := range tests {
		if lo, hi := tt.e.MinValue(bd), tt.e.MaxValue(bd); lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: [%d, %d], want [%d, %d]", tt.e, lo, hi, tt.lo, tt.hi)
		}
	}
	// With bounds, max/min decide more.
	if got := a.MaxB(Const(1), bd).String(); got != "a" {
		t.Errorf("MaxB(a, 1) = %s", got)
	}
	if got := a.MinB(Const(256), bd).String(); got != "a" {
		t.Errorf("MinB(a, 256) = %s", got)
	}
	if got := a.MinB(Const(5), bd).String(); got != "min(5, a)" {
		t.Errorf("MinB(a, 5) = %s", got)
	}
}

func TestExprEval(t *testing.T) {
	env := map[string]int64{"a": 7, "b": 2}
	tests := []struct {
		src  string
		want int64
	}{
		{"a + b", 9},
		{"a - 2 * b", 3},
		{"a / b", 3},
		{"(a - 8) / b", -1},
		{"(a - 8) % 3", 2},
		{"max(a, 3 * b)", 7},
		{"min(a, 3 * b)", 6},
		{"a * a - b", 47},
	}
	for _, tt := range tests {
		e, err := ParseExpr(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Eval(env)
		if err != nil || got != tt.want {
			t.Errorf("%s = %d, %v; want %d", tt.src, got, err, tt.want)
		}
	}
	if _, err := a.Add(Sym("c")).Eval(env); err == nil || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("missing symbol: err = %v", err)
	}
	if _, err := a.FloorDiv(b.Sub(Const(2))).Eval(env); err == nil {
		t.Error("division by zero not reported")
	}
}

func TestParseExprRoundTrip(t *testing.T) {
	srcs := []string{
		"past_sequence_length + sequence_length",
		"(sequence_length + 1) / 2",
		"sequence_length - 1",
		"2 * batch_size * sequence_length",
		"max(0, sequence_length - 1)",
		"min(256, past_sequence_length + sequence_length)",
		"a / (2 * b)",
		"2 * (a / 3) + 1",
		"(a - b) / 2",
		"a % 4",
		"3 - a",
		"0 - a - 1",
		"-4",
		"a / b / 3",
		"max(a, b) * min(a, 4)",
		"(a + b) % (a - 1)",
		"max(0, min(256, past_sequence_length + sequence_length) - min(256, past_sequence_length))",
	}
	for _, src := range srcs {
		e, err := ParseExpr(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		back, err := ParseExpr(e.String())
		if err != nil {
			t.Errorf("%s printed as %q: %v", src, e.String(), err)
			continue
		}
		if !back.Equal(e) {
			t.Errorf("%s: printed %q reparsed as %q", src, e.String(), back.String())
		}
		// Evaluation agrees on a few points.
		for _, env := range []map[string]int64{{"a": 9, "b": 4, "sequence_length": 5, "past_sequence_length": 300, "batch_size": 2}, {"a": 3, "b": 1, "sequence_length": 1, "past_sequence_length": 0, "batch_size": 1}} {
			v1, err1 := e.Eval(env)
			v2, err2 := back.Eval(env)
			if v1 != v2 || (err1 == nil) != (err2 == nil) {
				t.Errorf("%s: eval %d/%v vs %d/%v", src, v1, err1, v2, err2)
			}
		}
	}
	// The canonical text is a fixed point.
	for _, src := range []string{"sequence_length + past_sequence_length", "b * a + 2 * a"} {
		e, _ := ParseExpr(src)
		if want := map[string]string{
			"sequence_length + past_sequence_length": "past_sequence_length + sequence_length",
			"b * a + 2 * a":                          "2 * a + a * b",
		}[src]; e.String() != want {
			t.Errorf("%s printed %q, want %q", src, e.String(), want)
		}
	}
}

func TestParseExprErrors(t *testing.T) {
	for _, src := range []string{"", "a +", "(a", "max(a)", "a b", "3 $ 4", "- a", "max(a, b"} {
		if _, err := ParseExpr(src); err == nil {
			t.Errorf("%q: no error", src)
		} else if !strings.HasPrefix(err.Error(), "shapeinfer: expression") {
			t.Errorf("%q: error %q lacks context", src, err)
		}
	}
}

func TestExprEvalMatchesAlgebra(t *testing.T) {
	// Simplifications must not change values: check on a grid.
	exprs := []Expr{
		a.Mul(Const(4)).Add(b).FloorDiv(Const(2)),
		a.Mul(Const(2)).Add(Const(2)).FloorDiv(Const(4)),
		a.FloorDiv(Const(2)).FloorDiv(Const(3)),
		a.Mul(Const(6)).Add(Const(5)).Mod(Const(4)),
		a.Sub(b).Add(Const(7)).FloorDiv(Const(3)),
		a.Sub(Const(5)).FloorDiv(Const(3)),
	}
	for _, e := range exprs {
		for x := int64(0); x < 20; x++ {
			for y := int64(0); y < 7; y++ {
				got, err := e.Eval(map[string]int64{"a": x, "b": y})
				if err != nil {
					t.Fatal(err)
				}
				var want int64
				switch e.String() {
				case exprs[0].String():
					want = floorDiv(4*x+y, 2)
				case exprs[1].String():
					want = floorDiv(2*x+2, 4)
				case exprs[2].String():
					want = floorDiv(floorDiv(x, 2), 3)
				case exprs[3].String():
					want = floorMod(6*x+5, 4)
				case exprs[4].String():
					want = floorDiv(x-y+7, 3)
				case exprs[5].String():
					want = floorDiv(x-5, 3)
				}
				if got != want {
					t.Fatalf("%s at a=%d b=%d: %d, want %d", e, x, y, got, want)
				}
			}
		}
	}
}

func BenchmarkExprReshapeDivide(b *testing.B) {
	total := bs.Mul(s).Mul(Const(576))
	rest := bs.Mul(s).Mul(Const(9))
	for b.Loop() {
		if q := total.FloorDiv(rest); !q.Equal(Const(64)) {
			b.Fatal(q)
		}
	}
}

func BenchmarkExprKVConcat(b *testing.B) {
	for b.Loop() {
		d := p.Add(s)
		if d.MaxB(Const(0), nil).String() != "past_sequence_length + sequence_length" {
			b.Fatal(d)
		}
	}
}

func BenchmarkParseExpr(b *testing.B) {
	for b.Loop() {
		if _, err := ParseExpr("max(0, min(256, past_sequence_length + sequence_length) - min(256, past_sequence_length))"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestExprRandomized builds random expressions alongside a direct
// evaluator and checks that the normal form evaluates the same, and that
// printing and parsing it back gives an equal expression.
func TestExprRandomized(t *testing.T) {
	type ref struct {
		e    Expr
		eval func(env map[string]int64) (int64, bool)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "past_sequence_length", "sequence_length"}
	var gen func(depth int) ref
	gen = func(depth int) ref {
		if depth == 0 || rng.IntN(4) == 0 {
			if rng.IntN(3) == 0 {
				v := int64(rng.IntN(9) - 2)
				return ref{Const(v), func(map[string]int64) (int64, bool) { return v, true }}
			}
			n := names[rng.IntN(len(names))]
			return ref{Sym(n), func(env map[string]int64) (int64, bool) { return env[n], true }}
		}
		x, y := gen(depth-1), gen(depth-1)
		bin := func(e Expr, f func(a, b int64) (int64, bool)) ref {
			return ref{e, func(env map[string]int64) (int64, bool) {
				a, ok1 := x.eval(env)
				b, ok2 := y.eval(env)
				if !ok1 || !ok2 {
					return 0, false
				}
				return f(a, b)
			}}
		}
		switch rng.IntN(7) {
		case 0:
			return bin(x.e.Add(y.e), func(a, b int64) (int64, bool) { return a + b, true })
		case 1:
			return bin(x.e.Sub(y.e), func(a, b int64) (int64, bool) { return a - b, true })
		case 2:
			return bin(x.e.Mul(y.e), func(a, b int64) (int64, bool) { return a * b, true })
		case 3:
			return bin(x.e.FloorDiv(y.e), func(a, b int64) (int64, bool) {
				if b == 0 {
					return 0, false
				}
				return floorDiv(a, b), true
			})
		case 4:
			return bin(x.e.Mod(y.e), func(a, b int64) (int64, bool) {
				if b == 0 {
					return 0, false
				}
				return floorMod(a, b), true
			})
		case 5:
			return bin(x.e.Max(y.e), func(a, b int64) (int64, bool) { return max(a, b), true })
		default:
			return bin(x.e.Min(y.e), func(a, b int64) (int64, bool) { return min(a, b), true })
		}
	}
	checked := 0
	for range 3000 {
		r := gen(4)
		back, err := ParseExpr(r.e.String())
		if err != nil {
			t.Fatalf("%s does not parse: %v", r.e, err)
		}
		if !back.Equal(r.e) {
			t.Fatalf("%s reparsed as %s", r.e, back)
		}
		for range 4 {
			env := map[string]int64{}
			for _, n := range names {
				env[n] = int64(rng.IntN(12))
			}
			want, ok := r.eval(env)
			if !ok {
				continue
			}
			got, err := r.e.Eval(env)
			if err != nil {
				// The normal form may divide by a simplified divisor that is
				// zero where the original was not only if it changed meaning.
				t.Fatalf("%s at %v: %v (want %d)", r.e, env, err, want)
			}
			if got != want {
				t.Fatalf("%s at %v = %d, want %d", r.e, env, got, want)
			}
			checked++
		}
	}
	if checked < 5000 {
		t.Errorf("only %d evaluations checked", checked)
	}
}

func TestExprSubst(t *testing.T) {
	total := Sym("total_sequence_length")
	e := total.Sub(s).Max(Const(0)).Add(a.FloorDiv(Const(2)))
	got := e.Subst(map[string]Expr{"total_sequence_length": p.Add(s), "a": Const(9)})
	if got.String() != "past_sequence_length + 4" {
		t.Errorf("Subst = %s", got)
	}
	if !e.Subst(nil).Equal(e) {
		t.Error("Subst(nil) changed e")
	}
}
