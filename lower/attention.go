// Attention building blocks exported by ONNX Runtime's transformer
// optimizer: RotaryEmbedding (com.microsoft and ai.onnx 23), decomposed
// into gather/slice/mul/sub/add/concat as ORT's WebNN EP does.

package lower

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// lowerRotaryEmbedding rotates the first rotary_embedding_dim features of
// every head by the cos/sin of its position: halves (x1, x2) → (x1·cos −
// x2·sin, x2·cos + x1·sin), or adjacent pairs when interleaved; the rest
// passes through.
func lowerRotaryEmbedding(c *ctx, n *srcNode) error {
	ms := n.domain() == msDomain
	xi, ci, si, pi := 0, 1, 2, 3
	if ms {
		xi, pi, ci, si = 0, 1, 2, 3
	}
	if attrInt(n, "is_packed_batching", 0) != 0 {
		return unsupportedAttr("is_packed_batching", 1)
	}
	xs, err := c.inShape(n, xi)
	if err != nil {
		return err
	}
	cs, err := c.inShape(n, ci)
	if err != nil {
		return err
	}
	half := cs[len(cs)-1]
	halfV, ok := half.Value()
	if !ok {
		return fmt.Errorf("%w: dynamic rotary dim", ErrUnsupported)
	}
	x, err := c.in(n, xi)
	if err != nil {
		return err
	}
	heads := attrInt(n, "num_heads", 0)
	var s4 []shapeinfer.Expr // working layout
	threeD := len(xs) == 3
	switch len(xs) {
	case 3:
		h := shapeinfer.Const(2 * halfV)
		if rd := attrInt(n, "rotary_embedding_dim", 0); heads == 0 && rd != 0 {
			return fmt.Errorf("%w: 3-D input with rotary_embedding_dim but no num_heads", ErrUnsupported)
		}
		if heads > 0 {
			h = xs[2].FloorDiv(shapeinfer.Const(heads))
		}
		nh := xs[2].FloorDiv(h)
		s4 = []shapeinfer.Expr{xs[0], xs[1], nh, h}
		if x, err = c.reshapeTo(n, x, s4); err != nil {
			return err
		}
	case 4:
		s4 = xs
	default:
		return fmt.Errorf("%w: rank-%d input", ErrUnsupported, len(xs))
	}
	H, ok := s4[3].Value()
	if !ok {
		return fmt.Errorf("%w: dynamic head size", ErrUnsupported)
	}
	rd := 2 * halfV
	if v := attrInt(n, "rotary_embedding_dim", 0); v != 0 && v != rd {
		return fmt.Errorf("rotary_embedding_dim %d does not match the cache's %d", v, rd)
	}
	if rd > H {
		return fmt.Errorf("rotary dim %d exceeds head size %d", rd, H)
	}
	// cos/sin at each position: [B, S, half].
	trig := make([]string, 2)
	for k, idx := range []int{ci, si} {
		t, err := c.in(n, idx)
		if err != nil {
			return err
		}
		if n.hasInput(pi) {
			ps, err := c.inShape(n, pi)
			if err != nil {
				return err
			}
			if len(ps) != 2 {
				return fmt.Errorf("%w: position_ids of rank %d (offset form)", ErrUnsupported, len(ps))
			}
			p, err := c.in(n, pi)
			if err != nil {
				return err
			}
			t = c.op(n, "gather", []string{t, p}, map[string]any{"axis": int64(0)})
		} else if len(cs) != 3 {
			return fmt.Errorf("%w: cos_cache without position_ids must be [batch, sequence, rotary/2]", ErrUnsupported)
		}
		// Broadcast layout: [B, S, 1, half] for 3-D input, [B, 1, S, half] for 4-D.
		bs := []shapeinfer.Expr{s4[0], s4[1], shapeinfer.Const(1), half}
		if !threeD {
			bs = []shapeinfer.Expr{s4[0], shapeinfer.Const(1), s4[2], half}
		}
		if attrInt(n, "interleaved", 0) != 0 {
			bs = append(bs, shapeinfer.Const(1))
		}
		if trig[k], err = c.reshapeTo(n, t, bs); err != nil {
			return err
		}
	}
	cos, sin := trig[0], trig[1]
	slice := func(t string, shape []shapeinfer.Expr, axis int, start, size int64) (string, error) {
		st := make([]any, len(shape))
		sz := make([]shapeinfer.Expr, len(shape))
		for i := range shape {
			st[i], sz[i] = int64(0), shape[i]
		}
		st[axis], sz[axis] = start, shapeinfer.Const(size)
		d, err := c.dimsOption(sz)
		if err != nil {
			return "", err
		}
		return c.op(n, "slice", []string{t}, map[string]any{"starts": st, "sizes": d}), nil
	}
	rotate := func(x1, x2 string) (string, string) {
		o1 := c.op(n, "sub", []string{c.op(n, "mul", []string{x1, cos}, nil), c.op(n, "mul", []string{x2, sin}, nil)}, nil)
		o2 := c.op(n, "add", []string{c.op(n, "mul", []string{x2, cos}, nil), c.op(n, "mul", []string{x1, sin}, nil)}, nil)
		return o1, o2
	}
	var parts []string
	if attrInt(n, "interleaved", 0) == 0 {
		x1, err := slice(x, s4, 3, 0, halfV)
		if err != nil {
			return err
		}
		x2, err := slice(x, s4, 3, halfV, halfV)
		if err != nil {
			return err
		}
		o1, o2 := rotate(x1, x2)
		parts = []string{o1, o2}
	} else {
		xr := x
		if rd < H {
			if xr, err = slice(x, s4, 3, 0, rd); err != nil {
				return err
			}
		}
		s5 := []shapeinfer.Expr{s4[0], s4[1], s4[2], half, shapeinfer.Const(2)}
		if xr, err = c.reshapeTo(n, xr, s5); err != nil {
			return err
		}
		x1, err := slice(xr, s5, 4, 0, 1)
		if err != nil {
			return err
		}
		x2, err := slice(xr, s5, 4, 1, 1)
		if err != nil {
			return err
		}
		o1, o2 := rotate(x1, x2)
		pair := c.op(n, "concat", []string{o1, o2}, map[string]any{"axis": int64(4)})
		r, err := c.reshapeTo(n, pair, []shapeinfer.Expr{s4[0], s4[1], s4[2], shapeinfer.Const(rd)})
		if err != nil {
			return err
		}
		parts = []string{r}
	}
	if rd < H {
		pass, err := slice(x, s4, 3, rd, H-rd)
		if err != nil {
			return err
		}
		parts = append(parts, pass)
	}
	out := parts[0]
	if len(parts) > 1 {
		out = c.op(n, "concat", parts, map[string]any{"axis": int64(3)})
	}
	if threeD {
		if out, err = c.reshapeTo(n, out, xs); err != nil {
			return err
		}
	}
	c.bind(n, 0, out)
	return nil
}

// lowerMultiHeadAttention (com.microsoft): separate Q, K, V ([B, S, D] or
// K/V already [B, N, L, H]), optional attention_bias and past K/V;
// softmax(Q·Kᵀ·scale + bias)·V per head. Packed QKV, bias, key padding
// masks, unidirectional and the qk output are refused.
func lowerMultiHeadAttention(c *ctx, n *srcNode) error {
	N := attrInt(n, "num_heads", 0)
	if N <= 0 {
		return unsupportedAttr("num_heads", N)
	}
	if u := attrInt(n, "unidirectional", 0); u != 0 {
		return unsupportedAttr("unidirectional", u)
	}
	for i, what := range map[int]string{3: "bias", 4: "key_padding_mask", 8: "past_sequence_length", 9: "cache_indirection"} {
		if n.hasInput(i) {
			return fmt.Errorf("%w: input %s", ErrUnsupported, what)
		}
	}
	if n.hasOutput(3) && c.users[n.Output[3]] > 0 {
		return fmt.Errorf("%w: the qk output is used", ErrUnsupported)
	}
	if !n.hasInput(1) || !n.hasInput(2) {
		return fmt.Errorf("%w: packed QKV / KV inputs", ErrUnsupported)
	}
	qs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(qs) != 3 {
		return fmt.Errorf("%w: query of rank %d", ErrUnsupported, len(qs))
	}
	Ne := shapeinfer.Const(N)
	H := qs[2].FloorDiv(Ne)
	toHeads := func(i int) (string, []shapeinfer.Expr, error) {
		x, err := c.in(n, i)
		if err != nil {
			return "", nil, err
		}
		s, err := c.inShape(n, i)
		if err != nil {
			return "", nil, err
		}
		if len(s) == 4 {
			return x, s, nil // already [B, N, L, H]
		}
		if len(s) != 3 {
			return "", nil, fmt.Errorf("%w: input %d of rank %d", ErrUnsupported, i, len(s))
		}
		h := s[2].FloorDiv(Ne)
		r, err := c.reshapeTo(n, x, []shapeinfer.Expr{s[0], s[1], Ne, h})
		if err != nil {
			return "", nil, err
		}
		t := c.op(n, "transpose", []string{r}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})})
		return t, []shapeinfer.Expr{s[0], Ne, s[1], h}, nil
	}
	q, _, err := toHeads(0)
	if err != nil {
		return err
	}
	k, _, err := toHeads(1)
	if err != nil {
		return err
	}
	v, vs, err := toHeads(2)
	if err != nil {
		return err
	}
	if n.hasInput(6) != n.hasInput(7) {
		return fmt.Errorf("%w: past_key without past_value", ErrUnsupported)
	}
	if n.hasInput(6) {
		pk, err := c.in(n, 6)
		if err != nil {
			return err
		}
		pv, err := c.in(n, 7)
		if err != nil {
			return err
		}
		k = c.op(n, "concat", []string{pk, k}, map[string]any{"axis": int64(2)})
		v = c.op(n, "concat", []string{pv, v}, map[string]any{"axis": int64(2)})
	}
	c.bind(n, 1, k)
	c.bind(n, 2, v)
	dt := c.dtypeOf(n, 0)
	scale := float64(attrFloat(n, "scale", 0))
	if scale == 0 {
		hv, ok := H.Value()
		if !ok {
			return fmt.Errorf("%w: dynamic head size", ErrUnsupported)
		}
		scale = 1 / math.Sqrt(float64(hv))
	}
	sc, err := c.scalar(dt, scale)
	if err != nil {
		return err
	}
	kt := c.op(n, "transpose", []string{k}, map[string]any{"permutation": intsAny([]int64{0, 1, 3, 2})})
	scores := c.op(n, "mul", []string{c.op(n, "matmul", []string{q, kt}, nil), sc}, nil)
	if n.hasInput(5) {
		b, err := c.in(n, 5)
		if err != nil {
			return err
		}
		scores = c.op(n, "add", []string{scores, b}, nil)
	}
	p := c.op(n, "softmax", []string{scores}, map[string]any{"axis": int64(3)})
	o := c.op(n, "transpose", []string{c.op(n, "matmul", []string{p, v}, nil)}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})})
	out, err := c.reshapeTo(n, o, []shapeinfer.Expr{qs[0], qs[1], Ne.Mul(vs[3])})
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}
