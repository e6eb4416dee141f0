// Matrix products: MatMul (batched, broadcast batch dims), Gemm,
// MatMulInteger, QLinearMatMul, com.microsoft MatMulNBits, and Einsum.

package shapeinfer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// matmulShape follows numpy matmul: 1-D operands get a 1 prepended
// (a) or appended (b) that is removed from the result.
func (c *nodeCtx) matmulShape(a, b []Expr) ([]Expr, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	if len(a) == 0 || len(b) == 0 {
		return nil, c.errorf("MatMul operands must not be scalars")
	}
	aa, bb := a, b
	if len(a) == 1 {
		aa = []Expr{Const(1), a[0]}
	}
	if len(b) == 1 {
		bb = []Expr{b[0], Const(1)}
	}
	k1, k2 := aa[len(aa)-1], bb[len(bb)-2]
	if !k1.Equal(k2) {
		v1, ok1 := k1.Value()
		v2, ok2 := k2.Value()
		if ok1 && ok2 {
			return nil, c.errorf("inner dims %d and %d differ", v1, v2)
		}
		c.s.constraint(k1, k2)
	}
	batch, err := c.broadcast(aa[:len(aa)-2], bb[:len(bb)-2])
	if err != nil {
		return nil, err
	}
	out := append(batch, aa[len(aa)-2], bb[len(bb)-1])
	if len(a) == 1 && len(b) == 1 {
		// vector · vector: a scalar.
		return out[:len(out)-2], nil
	}
	if len(b) == 1 {
		out = out[:len(out)-1]
	}
	if len(a) == 1 {
		out = append(out[:len(out)-2], out[len(out)-1:]...)
	}
	return out, nil
}

func matmul(c *nodeCtx) ([]*Info, error) {
	a, err := c.need(0)
	if err != nil {
		return nil, err
	}
	bIdx := 1
	dt := a.DType
	switch c.n.GetOpType() {
	case "MatMulInteger":
		dt = tensor.Int32
	case "QLinearMatMul":
		bIdx = 3
		if zp := c.input(7); zp != nil {
			dt = zp.DType
		}
	}
	b, err := c.need(bIdx)
	if err != nil {
		return nil, err
	}
	shape, err := c.matmulShape(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	return []*Info{{DType: dt, Shape: shape}}, nil
}

func gemm(c *nodeCtx) ([]*Info, error) {
	a, err := c.need(0)
	if err != nil {
		return nil, err
	}
	b, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if a.Shape == nil || b.Shape == nil {
		return []*Info{{DType: a.DType}}, nil
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return nil, c.errorf("A and B must be 2-D, have %s and %s", ShapeString(a.Shape), ShapeString(b.Shape))
	}
	m, k1 := a.Shape[0], a.Shape[1]
	if c.attrInt("transA", 0) != 0 {
		m, k1 = k1, m
	}
	k2, n := b.Shape[0], b.Shape[1]
	if c.attrInt("transB", 0) != 0 {
		k2, n = n, k2
	}
	if err := c.agree(k1, k2, "inner dims"); err != nil {
		return nil, err
	}
	shape := []Expr{m, n}
	if cc := c.input(2); cc != nil && cc.Shape != nil {
		if len(cc.Shape) > 2 {
			return nil, c.errorf("C %s does not broadcast to %s", ShapeString(cc.Shape), ShapeString(shape))
		}
		off := 2 - len(cc.Shape)
		for i, d := range cc.Shape {
			if v, ok := d.Value(); ok && v == 1 {
				continue
			}
			if err := c.agree(d, shape[off+i], "C dim and output dim"); err != nil {
				return nil, err
			}
		}
	}
	return []*Info{{DType: a.DType, Shape: shape}}, nil
}

// matMulNBits (com.microsoft): A [..., K] times a 4-bit B of N columns.
func matMulNBits(c *nodeCtx) ([]*Info, error) {
	a, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if a.Shape == nil || len(a.Shape) == 0 {
		return []*Info{{DType: a.DType}}, nil
	}
	k := c.attrInt("K", 0)
	n := c.attrInt("N", 0)
	if n <= 0 || k <= 0 {
		return nil, fmt.Errorf("attributes K and N are required")
	}
	if err := c.agree(a.Shape[len(a.Shape)-1], Const(k), "A's last dim and K"); err != nil {
		return nil, err
	}
	shape := append(append([]Expr{}, a.Shape[:len(a.Shape)-1]...), Const(n))
	return []*Info{{DType: a.DType, Shape: shape}}, nil
}

// einsum supports explicit and implicit equations with letters and one
// ellipsis per operand.
func einsum(c *nodeCtx) ([]*Info, error) {
	eq := strings.ReplaceAll(string(c.attrString("equation")), " ", "")
	lhs, rhs, explicit := strings.Cut(eq, "->")
	terms := strings.Split(lhs, ",")
	if len(terms) != len(c.in) {
		return nil, c.errorf("equation %q has %d operands, node has %d inputs", eq, len(terms), len(c.in))
	}
	dims := map[rune]Expr{}
	count := map[rune]int{}
	var ell []Expr
	for i, t := range terms {
		in, err := c.need(i)
		if err != nil {
			return nil, err
		}
		if in.Shape == nil {
			return []*Info{{DType: in.DType}}, nil
		}
		letters := []rune(strings.Replace(t, "...", ".", 1))
		nell := len(in.Shape) - (len(letters) - strings.Count(t, "..."))
		if nell < 0 {
			return nil, c.errorf("operand %d has rank %d, fewer than the letters of %q", i, len(in.Shape), t)
		}
		if !strings.Contains(t, "...") && len(letters) != len(in.Shape) {
			return nil, c.errorf("operand %d has rank %d, equation term %q has %d letters", i, len(in.Shape), t, len(letters))
		}
		pos := 0
		for _, l := range letters {
			if l == '.' {
				part := in.Shape[pos : pos+nell]
				b, err := c.broadcast(ell, part)
				if ell == nil {
					b = part
				} else if err != nil {
					return nil, err
				}
				ell = b
				pos += nell
				continue
			}
			d := in.Shape[pos]
			pos++
			count[l]++
			if old, ok := dims[l]; ok {
				if ov, ok := old.Value(); ok && ov == 1 {
					dims[l] = d
				} else if dv, ok := d.Value(); !ok || dv != 1 {
					if err := c.agree(old, d, fmt.Sprintf("einsum index %q:", string(l))); err != nil {
						return nil, err
					}
				}
			} else {
				dims[l] = d
			}
		}
	}
	if !explicit {
		var ls []rune
		for l, n := range count {
			if n == 1 {
				ls = append(ls, l)
			}
		}
		slices.Sort(ls)
		rhs = string(ls)
		if ell != nil {
			rhs = "..." + rhs
		}
	}
	var shape []Expr
	for _, l := range strings.Replace(rhs, "...", ".", 1) {
		if l == '.' {
			shape = append(shape, ell...)
			continue
		}
		d, ok := dims[l]
		if !ok {
			return nil, c.errorf("output index %q is not in any operand", string(l))
		}
		shape = append(shape, d)
	}
	if shape == nil {
		shape = []Expr{}
	}
	return []*Info{{DType: c.in[0].DType, Shape: shape}}, nil
}

// groupQueryAttention (com.microsoft GroupQueryAttention): query is
// [B, S, num_heads·H], or [B, S, (num_heads + 2·kv_num_heads)·H] when key
// and value come packed in it; output is [B, S, num_heads·H] and
// present_key/present_value are [B, kv_num_heads, past + S, H], the
// concatenated cache (a shared past/present buffer is declared by the
// model's own output shapes and refused by the lowering).
func groupQueryAttention(c *nodeCtx) ([]*Info, error) {
	q, err := c.need(0)
	if err != nil {
		return nil, err
	}
	numHeads, kvHeads := c.attrInt("num_heads", 0), c.attrInt("kv_num_heads", 0)
	if numHeads <= 0 || kvHeads <= 0 {
		return nil, fmt.Errorf("attributes num_heads and kv_num_heads are required")
	}
	unknown := []*Info{{DType: q.DType}, {DType: q.DType}, {DType: q.DType}}
	if q.Shape == nil {
		return unknown, nil
	}
	if len(q.Shape) != 3 {
		return nil, c.errorf("query has rank %d, want 3 ([batch, sequence, hidden])", len(q.Shape))
	}
	hidden, ok := q.Shape[2].Value()
	if !ok {
		return unknown, nil
	}
	heads := numHeads
	if c.input(1) == nil { // key and value packed into query
		heads += 2 * kvHeads
	}
	if hidden%heads != 0 {
		return nil, c.errorf("query hidden size %d is not a multiple of %d heads", hidden, heads)
	}
	headSize := hidden / heads
	past := Const(0)
	if pk := c.input(3); pk != nil && len(pk.Shape) == 4 {
		past = pk.Shape[2]
		// The cache is [batch, kv_num_heads, past, head_size]: this pins
		// a genai kv_cache_dim to the head size.
		if err := c.agree(pk.Shape[1], Const(kvHeads), "past_key heads and kv_num_heads"); err != nil {
			return nil, err
		}
		if err := c.agree(pk.Shape[3], Const(headSize), "past_key head size and hidden / heads"); err != nil {
			return nil, err
		}
	}
	b, s := q.Shape[0], q.Shape[1]
	// total_sequence_length is the length of key/value after appending
	// the new tokens (the cache is not a shared max-length buffer, as the
	// lowering assumes): this pins a genai mask's total_sequence_length
	// to past + sequence.
	if tl := c.input(6); tl != nil && len(tl.Value) == 1 && c.input(3) != nil {
		if err := c.agree(tl.Value[0], past.Add(s), "total_sequence_length and past + sequence"); err != nil {
			return nil, err
		}
	}
	present := []Expr{b, Const(kvHeads), past.Add(s), Const(headSize)}
	return []*Info{
		{DType: q.DType, Shape: []Expr{b, s, Const(numHeads * headSize)}},
		{DType: q.DType, Shape: present},
		{DType: q.DType, Shape: append([]Expr{}, present...)},
	}, nil
}

// fusedMatMul (com.microsoft.FusedMatMul) is MatMul of its operands read
// through transBatch (first dim moved behind the batch dims) and trans
// (last two swapped).
func fusedMatMul(c *nodeCtx) ([]*Info, error) {
	a, err := c.need(0)
	if err != nil {
		return nil, err
	}
	b, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if a.Shape == nil || b.Shape == nil {
		return []*Info{{DType: a.DType}}, nil
	}
	logical := func(s []Expr, batch, trans bool) []Expr {
		r := len(s)
		if r < 2 {
			return s
		}
		out := append([]Expr{}, s...)
		if batch && r > 2 {
			out = append(append(append([]Expr{}, s[1:r-1]...), s[0]), s[r-1])
		}
		if trans {
			out[r-2], out[r-1] = out[r-1], out[r-2]
		}
		return out
	}
	as := logical(a.Shape, c.attrInt("transBatchA", 0) != 0, c.attrInt("transA", 0) != 0)
	bs := logical(b.Shape, c.attrInt("transBatchB", 0) != 0, c.attrInt("transB", 0) != 0)
	shape, err := c.matmulShape(as, bs)
	if err != nil {
		return nil, err
	}
	return []*Info{{DType: a.DType, Shape: shape}}, nil
}
