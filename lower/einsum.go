// Einsum decomposed into transpose/reshape/matmul/reduceSum: each operand
// is transposed to [batch, kept, contracted] order and the contraction is
// one batched matmul; indices only one operand has and the output lacks
// are summed first. Repeated indices within an operand (diagonals) and
// ellipses are refused.

package lower

import (
	"fmt"
	"strings"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// parseEinsum splits "ab,bc->ac" into operand and output index strings;
// an implicit output is the sorted indices that appear once.
func parseEinsum(eq string) ([]string, string, error) {
	eq = strings.ReplaceAll(eq, " ", "")
	if strings.Contains(eq, ".") {
		return nil, "", fmt.Errorf("%w: ellipsis in Einsum equation %q", ErrUnsupported, eq)
	}
	lhs, out, explicit := strings.Cut(eq, "->")
	ins := strings.Split(lhs, ",")
	for _, in := range ins {
		seen := map[rune]bool{}
		for _, r := range in {
			if seen[r] {
				return nil, "", fmt.Errorf("%w: repeated index %q in Einsum operand %q (diagonal)", ErrUnsupported, r, in)
			}
			seen[r] = true
		}
	}
	if !explicit {
		count := map[rune]int{}
		for _, in := range ins {
			for _, r := range in {
				count[r]++
			}
		}
		var b strings.Builder
		for r := 'A'; r <= 'z'; r++ {
			if count[r] == 1 {
				b.WriteRune(r)
			}
		}
		out = b.String()
	}
	return ins, out, nil
}

func lowerEinsum(c *ctx, n *srcNode) error {
	ins, out, err := parseEinsum(attrString(n, "equation", ""))
	if err != nil {
		return err
	}
	if len(ins) != len(n.Input) || len(ins) == 0 || len(ins) > 2 {
		return fmt.Errorf("%w: Einsum with %d operands (1 or 2 supported)", ErrUnsupported, len(ins))
	}
	dims := map[rune]shapeinfer.Expr{}
	ops := make([]string, len(ins))
	for i, idx := range ins {
		s, err := c.inShape(n, i)
		if err != nil {
			return err
		}
		if len(s) != len(idx) {
			return fmt.Errorf("Einsum operand %d has rank %d, equation says %d", i, len(s), len(idx))
		}
		for k, r := range idx {
			dims[r] = s[k]
		}
		if ops[i], err = c.in(n, i); err != nil {
			return err
		}
	}
	inOut := func(r rune) bool { return strings.ContainsRune(out, r) }
	// Sum away indices that only one operand has and the output drops.
	for i := range ins {
		var axes []any
		var kept strings.Builder
		for k, r := range ins[i] {
			other := len(ins) == 2 && strings.ContainsRune(ins[1-i], r)
			if !inOut(r) && !other {
				axes = append(axes, int64(k))
			} else {
				kept.WriteRune(r)
			}
		}
		if len(axes) > 0 {
			ops[i] = c.op(n, "reduceSum", []string{ops[i]}, map[string]any{"axes": axes, "keepDimensions": false})
			ins[i] = kept.String()
		}
	}
	if len(ins) == 1 {
		return c.einsumFinish(n, ops[0], ins[0], out, dims)
	}
	a, b := ins[0], ins[1]
	var batch, aKeep, bKeep, contract []rune
	for _, r := range a {
		switch inB := strings.ContainsRune(b, r); {
		case inB && inOut(r):
			batch = append(batch, r)
		case inB:
			contract = append(contract, r)
		default:
			aKeep = append(aKeep, r)
		}
	}
	for _, r := range b {
		if !strings.ContainsRune(a, r) {
			bKeep = append(bKeep, r)
		}
	}
	prod := func(rs []rune) shapeinfer.Expr {
		p := shapeinfer.Const(1)
		for _, r := range rs {
			p = p.Mul(dims[r])
		}
		return p
	}
	arrange := func(op, have string, order []rune, shape []shapeinfer.Expr) (string, error) {
		if perm := permutationOf(have, order); perm != nil {
			op = c.op(n, "transpose", []string{op}, map[string]any{"permutation": intsAny(perm)})
		}
		return c.reshapeTo(n, op, shape)
	}
	cat := func(parts ...[]rune) []rune {
		var out []rune
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	A, err := arrange(ops[0], a, cat(batch, aKeep, contract), []shapeinfer.Expr{prod(batch), prod(aKeep), prod(contract)})
	if err != nil {
		return err
	}
	B, err := arrange(ops[1], b, cat(batch, contract, bKeep), []shapeinfer.Expr{prod(batch), prod(contract), prod(bKeep)})
	if err != nil {
		return err
	}
	m := c.op(n, "matmul", []string{A, B}, nil)
	have := cat(batch, aKeep, bKeep)
	shape := []shapeinfer.Expr{}
	for _, r := range have {
		shape = append(shape, dims[r])
	}
	r, err := c.reshapeTo(n, m, shape)
	if err != nil {
		return err
	}
	return c.einsumFinish(n, r, string(have), out, dims)
}

// einsumFinish transposes an operand indexed by have into the output order.
func (c *ctx) einsumFinish(n *srcNode, op, have, out string, dims map[rune]shapeinfer.Expr) error {
	if len(have) != len(out) {
		return fmt.Errorf("%w: Einsum output %q from %q", ErrUnsupported, out, have)
	}
	if perm := permutationOf(have, []rune(out)); perm != nil {
		op = c.op(n, "transpose", []string{op}, map[string]any{"permutation": intsAny(perm)})
	} else if len(out) == 0 || have == out {
		op = c.op(n, "identity", []string{op}, nil)
	}
	c.bind(n, 0, op)
	return nil
}

// permutationOf returns the transpose permutation taking indices have to
// order, or nil when it is the identity.
func permutationOf(have string, order []rune) []int64 {
	perm := make([]int64, len(order))
	identity := true
	for i, r := range order {
		perm[i] = int64(strings.IndexRune(have, r))
		if perm[i] != int64(i) {
			identity = false
		}
	}
	if identity {
		return nil
	}
	return perm
}
