// Attention building blocks exported by ONNX Runtime's transformer
// optimizer: RotaryEmbedding (com.microsoft and ai.onnx 23), decomposed
// into gather/slice/mul/sub/add/concat as ORT's WebNN EP does, and
// MultiHeadAttention / GroupQueryAttention decomposed into
// matmul/softmax with an explicit causal mask.

package lower

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
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
	if len(cs) == 0 {
		return fmt.Errorf("cos cache must have rank ≥ 1, got a scalar")
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

// lowerGroupQueryAttention (com.microsoft) decomposes GQA for the
// non-shared KV cache: present = concat(past, new) along the sequence,
// the kv_num_heads K/V heads are repeated (reshape, expand, reshape) to
// num_heads, and query s attends keys 0…past+s (a mask built from iota
// constants sliced to the dynamic sizes, applied with where). The graph
// assumes every batch row holds past + sequence valid tokens (seqlens_k[b]
// = past + sequence − 1, no padding behind the cache), which is what a
// batch-1 or equal-length decoder feeds; rows that disagree at run time
// get NaN outputs (gqaSeqlensGuard). total_sequence_length is not read.
// Rotary (do_rotary) rotates Q and the new K at positions past + s.
// Refused: local_window_size ≠ −1, smooth_softmax, qk_output, inputs past
// sin_cache (position_ids, attention_bias, head_sink), and a present output
// declared as long as the past (shared buffer).
func lowerGroupQueryAttention(c *ctx, n *srcNode) error {
	N, KV := attrInt(n, "num_heads", 0), attrInt(n, "kv_num_heads", 0)
	if N <= 0 || KV <= 0 || N%KV != 0 {
		return fmt.Errorf("%w: num_heads %d is not a positive multiple of kv_num_heads %d", ErrUnsupported, N, KV)
	}
	if w := attrInt(n, "local_window_size", -1); w != -1 {
		return unsupportedAttr("local_window_size", w)
	}
	for _, a := range []string{"smooth_softmax", "qk_output"} {
		if v := attrInt(n, a, 0); v != 0 {
			return unsupportedAttr(a, v)
		}
	}
	for i, what := range map[int]string{9: "position_ids", 10: "attention_bias", 11: "head_sink"} {
		if n.hasInput(i) {
			return fmt.Errorf("%w: input %s", ErrUnsupported, what)
		}
	}
	qs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	if len(qs) != 3 {
		return fmt.Errorf("%w: query of rank %d", ErrUnsupported, len(qs))
	}
	hidden, ok := qs[2].Value()
	if !ok {
		return fmt.Errorf("%w: dynamic hidden size", ErrUnsupported)
	}
	packed := !n.hasInput(1)
	if packed != !n.hasInput(2) {
		return fmt.Errorf("%w: key without value (or value without key)", ErrUnsupported)
	}
	heads := N
	if packed {
		heads = N + 2*KV
	}
	if hidden%heads != 0 {
		return fmt.Errorf("query hidden size %d is not a multiple of %d heads", hidden, heads)
	}
	H := hidden / heads
	B, S := qs[0], qs[1]
	one := shapeinfer.Const(1)
	q, err := c.in(n, 0)
	if err != nil {
		return err
	}
	// part slices columns [start, start+width) of the packed query.
	part := func(start, width int64) (string, error) {
		sz, err := c.dimsOption([]shapeinfer.Expr{B, S, shapeinfer.Const(width)})
		if err != nil {
			return "", err
		}
		return c.op(n, "slice", []string{q}, map[string]any{"starts": []any{int64(0), int64(0), start}, "sizes": sz}), nil
	}
	// toBNSH turns [B, S, heads·H] into [B, heads, S, H].
	toBNSH := func(x string, hs int64) (string, error) {
		r, err := c.reshapeTo(n, x, []shapeinfer.Expr{B, S, shapeinfer.Const(hs), shapeinfer.Const(H)})
		if err != nil {
			return "", err
		}
		return c.op(n, "transpose", []string{r}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})}), nil
	}
	var k, v string
	if packed {
		if k, err = part(N*H, KV*H); err != nil {
			return err
		}
		if v, err = part((N+KV)*H, KV*H); err != nil {
			return err
		}
		if q, err = part(0, N*H); err != nil {
			return err
		}
	} else {
		for i, want := range []int64{1, 2} {
			s, err := c.inShape(n, int(want))
			if err != nil {
				return err
			}
			if len(s) != 3 || !s[1].Equal(S) {
				return fmt.Errorf("%w: %s of shape %v with query %v", ErrUnsupported, []string{"key", "value"}[i], s, qs)
			}
			if w, ok := s[2].Value(); !ok || w != KV*H {
				return fmt.Errorf("%s hidden size %v, want kv_num_heads·head_size = %d", []string{"key", "value"}[i], s[2], KV*H)
			}
		}
		if k, err = c.in(n, 1); err != nil {
			return err
		}
		if v, err = c.in(n, 2); err != nil {
			return err
		}
	}
	if q, err = toBNSH(q, N); err != nil {
		return err
	}
	if k, err = toBNSH(k, KV); err != nil {
		return err
	}
	if v, err = toBNSH(v, KV); err != nil {
		return err
	}
	if n.hasInput(3) != n.hasInput(4) {
		return fmt.Errorf("%w: past_key without past_value", ErrUnsupported)
	}
	P := shapeinfer.Const(0)
	if n.hasInput(3) {
		ps, err := c.inShape(n, 3)
		if err != nil {
			return err
		}
		if len(ps) != 4 {
			return fmt.Errorf("%w: past_key of rank %d", ErrUnsupported, len(ps))
		}
		P = ps[2]
		if p, ok := P.Value(); ok && p == 0 {
			P = shapeinfer.Const(0)
		}
		if sharedPresent(c, n, P) {
			return fmt.Errorf("%w: present_key declared as long as past_key (shared past/present buffer)", ErrUnsupported)
		}
	}
	T := P.Add(S)
	dt := c.dtypeOf(n, 0)
	i64 := func(v float64) (string, error) { return c.scalar(tensor.Int64, v) }
	k0, err := i64(0)
	if err != nil {
		return err
	}
	k1, err := i64(1)
	if err != nil {
		return err
	}
	sIdx, err := c.iota(n, S)
	if err != nil {
		return err
	}
	sRow, err := c.reshapeTo(n, sIdx, []shapeinfer.Expr{one, S})
	if err != nil {
		return err
	}
	// seqlens_k[b] + 1 is row b's total length: its valid keys.
	if !n.hasInput(5) {
		return fmt.Errorf("seqlens_k is missing")
	}
	sk, err := c.in(n, 5)
	if err != nil {
		return err
	}
	if ks, err := c.inShape(n, 5); err != nil {
		return err
	} else if len(ks) < 1 || len(ks) > 2 {
		return fmt.Errorf("%w: seqlens_k of rank %d", ErrUnsupported, len(ks))
	}
	sk = c.op(n, "cast", []string{sk}, map[string]any{"to": tensor.Int64.String()})
	if sk, err = c.reshapeTo(n, sk, []shapeinfer.Expr{B, one}); err != nil {
		return err
	}
	total := c.op(n, "add", []string{sk, k1}, nil) // [B, 1]
	// Row b's past: 0 for a first prompt (past empty), else seqlens_k[b] +
	// 1 − sequence; its new tokens sit at past_b … past_b + S − 1.
	noPast := P.Equal(shapeinfer.Const(0))
	pastB := k0
	if !noPast {
		pOp, err := c.dimOperand(n, P)
		if err != nil {
			return err
		}
		sOp, err := c.dimOperand(n, S)
		if err != nil {
			return err
		}
		decode := c.op(n, "sub", []string{total, sOp}, nil)
		pastB = c.op(n, "where", []string{c.op(n, "equal", []string{pOp, k0}, nil), k0, decode}, nil) // [B, 1]
	}
	pos := sRow // [1 or B, S]
	posB := one
	if !noPast {
		pos, posB = c.op(n, "add", []string{sRow, pastB}, nil), B
	}
	if attrInt(n, "do_rotary", 0) != 0 {
		if !n.hasInput(7) || !n.hasInput(8) {
			return fmt.Errorf("do_rotary without cos_cache/sin_cache")
		}
		if q, err = gqaRotary(c, n, q, []shapeinfer.Expr{B, shapeinfer.Const(N), S, shapeinfer.Const(H)}, pos, posB, H); err != nil {
			return err
		}
		if k, err = gqaRotary(c, n, k, []shapeinfer.Expr{B, shapeinfer.Const(KV), S, shapeinfer.Const(H)}, pos, posB, H); err != nil {
			return err
		}
	}
	tIdx, err := c.iota(n, T)
	if err != nil {
		return err
	}
	tRow, err := c.reshapeTo(n, tIdx, []shapeinfer.Expr{one, T})
	if err != nil {
		return err
	}
	if n.hasInput(3) {
		// present[b, :, t] = new[t − past_b] for past_b ≤ t < past_b + S,
		// past[b, :, t] for t < past_b, zeros after (ONNX Runtime clears
		// the present buffer): a gatherElements of the new rows and two
		// wheres, per row.
		pk, err := c.in(n, 3)
		if err != nil {
			return err
		}
		pv, err := c.in(n, 4)
		if err != nil {
			return err
		}
		sOp, err := c.dimOperand(n, S)
		if err != nil {
			return err
		}
		rel := c.op(n, "sub", []string{tRow, pastB}, nil) // [B, T]
		inNew := c.op(n, "logicalAnd", []string{c.op(n, "greaterOrEqual", []string{rel, k0}, nil), c.op(n, "lesser", []string{rel, sOp}, nil)}, nil)
		inPast := c.op(n, "lesser", []string{tRow, pastB}, nil)
		relc := c.op(n, "max", []string{c.op(n, "min", []string{rel, c.op(n, "sub", []string{sOp, k1}, nil)}, nil), k0}, nil)
		b1t1 := []shapeinfer.Expr{B, one, T, one}
		if relc, err = c.reshapeTo(n, relc, b1t1); err != nil {
			return err
		}
		if inNew, err = c.reshapeTo(n, inNew, b1t1); err != nil {
			return err
		}
		if inPast, err = c.reshapeTo(n, inPast, b1t1); err != nil {
			return err
		}
		full, err := c.dimsOption([]shapeinfer.Expr{B, shapeinfer.Const(KV), T, shapeinfer.Const(H)})
		if err != nil {
			return err
		}
		idx := c.op(n, "expand", []string{relc}, map[string]any{"newShape": full})
		zs, err := c.dimsOption([]shapeinfer.Expr{B, shapeinfer.Const(KV), S, shapeinfer.Const(H)})
		if err != nil {
			return err
		}
		fz, err := c.scalar(dt, 0)
		if err != nil {
			return err
		}
		zeros := c.op(n, "expand", []string{fz}, map[string]any{"newShape": zs})
		place := func(past, cur string) string {
			g := c.op(n, "gatherElements", []string{cur, idx}, map[string]any{"axis": int64(2)})
			pp := c.op(n, "concat", []string{past, zeros}, map[string]any{"axis": int64(2)})
			return c.op(n, "where", []string{inNew, g, c.op(n, "where", []string{inPast, pp, fz}, nil)}, nil)
		}
		k, v = place(pk, k), place(pv, v)
	}
	c.bind(n, 1, k)
	c.bind(n, 2, v)
	if G := N / KV; G > 1 {
		repeat := func(x string) (string, error) {
			r, err := c.reshapeTo(n, x, []shapeinfer.Expr{B, shapeinfer.Const(KV), one, T, shapeinfer.Const(H)})
			if err != nil {
				return "", err
			}
			sz, err := c.dimsOption([]shapeinfer.Expr{B, shapeinfer.Const(KV), shapeinfer.Const(G), T, shapeinfer.Const(H)})
			if err != nil {
				return "", err
			}
			e := c.op(n, "expand", []string{r}, map[string]any{"newShape": sz})
			return c.reshapeTo(n, e, []shapeinfer.Expr{B, shapeinfer.Const(N), T, shapeinfer.Const(H)})
		}
		if k, err = repeat(k); err != nil {
			return err
		}
		if v, err = repeat(v); err != nil {
			return err
		}
	}
	scale := float64(attrFloat(n, "scale", 0))
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(H))
	}
	sc, err := c.scalar(dt, scale)
	if err != nil {
		return err
	}
	kt := c.op(n, "transpose", []string{k}, map[string]any{"permutation": intsAny([]int64{0, 1, 3, 2})})
	scores := c.op(n, "mul", []string{c.op(n, "matmul", []string{q, kt}, nil), sc}, nil)
	if softcap := float64(attrFloat(n, "softcap", 0)); softcap > 0 {
		inv, err := c.scalar(dt, 1/softcap)
		if err != nil {
			return err
		}
		cp, err := c.scalar(dt, softcap)
		if err != nil {
			return err
		}
		scores = c.op(n, "mul", []string{c.op(n, "tanh", []string{c.op(n, "mul", []string{scores, inv}, nil)}, nil), cp}, nil)
	}
	// Query s of row b sees keys t < min(past_b + s + 1, seqlens_k[b] + 1):
	// causal, and never past the row's valid length (a right-padded first
	// prompt), as ONNX Runtime's kernel limits each softmax.
	limit := c.op(n, "min", []string{c.op(n, "add", []string{pos, k1}, nil), total}, nil) // [B, S]
	if limit, err = c.reshapeTo(n, limit, []shapeinfer.Expr{B, one, S, one}); err != nil {
		return err
	}
	visible := c.op(n, "lesser", []string{tIdx, limit}, nil) // [B, 1, S, T]
	lowest := -math.MaxFloat32
	if dt == tensor.Float16 {
		lowest = -65504
	}
	neg, err := c.scalar(dt, lowest)
	if err != nil {
		return err
	}
	scores = c.op(n, "where", []string{visible, scores, neg}, nil)
	p := c.op(n, "softmax", []string{scores}, map[string]any{"axis": int64(3)})
	o := c.op(n, "transpose", []string{c.op(n, "matmul", []string{p, v}, nil)}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})})
	out, err := c.reshapeTo(n, o, []shapeinfer.Expr{B, S, shapeinfer.Const(N * H)})
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// sharedPresent reports whether the model declares present_key with the
// past's sequence length: ORT then writes into the shared buffer, which
// this decomposition (present = concat) does not model.
func sharedPresent(c *ctx, n *srcNode, past shapeinfer.Expr) bool {
	if !n.hasOutput(1) {
		return false
	}
	for _, o := range c.m.Proto.GetGraph().GetOutput() {
		if o.GetName() != n.Output[1] {
			continue
		}
		_, dims, ok := onnxpb.ValueType(o)
		if !ok || len(dims) != 4 {
			return false
		}
		d := dims[2]
		if p, ok := past.Value(); ok {
			return d.Known && d.Value == p
		}
		return !d.Known && d.Param != "" && past.Equal(shapeinfer.Sym(d.Param))
	}
	return false
}

// gqaRotary rotates x [B, heads, S, H] by the cos/sin cache rows (inputs 7
// and 8, [max_position, rotary/2]) at positions pos [S, 1]: halves, or
// adjacent pairs when rotary_interleaved; features past the rotary dim
// pass through.
func gqaRotary(c *ctx, n *srcNode, x string, s4 []shapeinfer.Expr, pos string, posB shapeinfer.Expr, H int64) (string, error) {
	cs, err := c.inShape(n, 7)
	if err != nil {
		return "", err
	}
	if len(cs) != 2 {
		return "", fmt.Errorf("%w: cos_cache of rank %d", ErrUnsupported, len(cs))
	}
	half, ok := cs[1].Value()
	if !ok || 2*half > H || half == 0 {
		return "", fmt.Errorf("%w: rotary dim %v with head size %d", ErrUnsupported, cs[1], H)
	}
	interleaved := attrInt(n, "rotary_interleaved", 0) != 0
	trig := make([]string, 2)
	for i, idx := range []int{7, 8} {
		t, err := c.in(n, idx)
		if err != nil {
			return "", err
		}
		g := c.op(n, "gather", []string{t, pos}, map[string]any{"axis": int64(0)}) // [B or 1, S, half]
		shape := []shapeinfer.Expr{posB, shapeinfer.Const(1), s4[2], shapeinfer.Const(half)}
		if interleaved {
			shape = append(shape, shapeinfer.Const(1))
		}
		if g, err = c.reshapeTo(n, g, shape); err != nil {
			return "", err
		}
		trig[i] = g
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
	rd := 2 * half
	var parts []string
	if !interleaved {
		x1, err := slice(x, s4, 3, 0, half)
		if err != nil {
			return "", err
		}
		x2, err := slice(x, s4, 3, half, half)
		if err != nil {
			return "", err
		}
		o1, o2 := rotate(x1, x2)
		parts = []string{o1, o2}
	} else {
		xr := x
		if rd < H {
			if xr, err = slice(x, s4, 3, 0, rd); err != nil {
				return "", err
			}
		}
		s5 := []shapeinfer.Expr{s4[0], s4[1], s4[2], shapeinfer.Const(half), shapeinfer.Const(2)}
		if xr, err = c.reshapeTo(n, xr, s5); err != nil {
			return "", err
		}
		x1, err := slice(xr, s5, 4, 0, 1)
		if err != nil {
			return "", err
		}
		x2, err := slice(xr, s5, 4, 1, 1)
		if err != nil {
			return "", err
		}
		o1, o2 := rotate(x1, x2)
		pair := c.op(n, "concat", []string{o1, o2}, map[string]any{"axis": int64(4)})
		r, err := c.reshapeTo(n, pair, []shapeinfer.Expr{s4[0], s4[1], s4[2], shapeinfer.Const(rd)})
		if err != nil {
			return "", err
		}
		parts = []string{r}
	}
	if rd < H {
		pass, err := slice(x, s4, 3, rd, H-rd)
		if err != nil {
			return "", err
		}
		parts = append(parts, pass)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return c.op(n, "concat", parts, map[string]any{"axis": int64(3)}), nil
}

// lowerMSAttention (com.microsoft.Attention, optimum --optimize O2/O3 for
// BERT and GPT-2): Q, K, V = input·W + bias split by qkv_hidden_sizes,
// heads, the past prepended to K and V (present = [K; V]), softmax(Q·Kᵀ·
// scale + mask + attention_bias)·V. The mask is ONNX Runtime's
// PrepareMask, built with where: raw 2-D [B, T] or 3-D [B, S, T] masks put
// mask_filter_value where the mask is ≤ 0, 1-D [B] end positions (or [2B]
// ends then starts) outside [start, end); unidirectional puts the lowest
// float on keys after past + s. Refused: 4-D (Megatron) masks, do_rotary,
// past_present_share_buffer.
func lowerMSAttention(c *ctx, n *srcNode) error {
	N := attrInt(n, "num_heads", 0)
	if N <= 0 {
		return fmt.Errorf("num_heads %d", N)
	}
	for _, a := range []string{"do_rotary", "past_present_share_buffer"} {
		if v := attrInt(n, a, 0); v != 0 {
			return unsupportedAttr(a, v)
		}
	}
	if n.hasInput(6) {
		return fmt.Errorf("%w: past_sequence_length (shared past/present buffer)", ErrUnsupported)
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	ws, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	if len(xs) != 3 || len(ws) != 2 {
		return fmt.Errorf("%w: input of rank %d, weights of rank %d", ErrUnsupported, len(xs), len(ws))
	}
	B, S := xs[0], xs[1]
	total, ok := ws[1].Value()
	if !ok {
		return fmt.Errorf("%w: dynamic weight width", ErrUnsupported)
	}
	hq, hk, hv := total/3, total/3, total/3
	if sz := attrInts(n, "qkv_hidden_sizes"); len(sz) == 3 {
		hq, hk, hv = sz[0], sz[1], sz[2]
	}
	if hq+hk+hv != total || hq != hk || hq%N != 0 || hv%N != 0 {
		return fmt.Errorf("weights of width %d for Q, K, V of %d, %d, %d and %d heads", total, hq, hk, hv, N)
	}
	dq, dv := hq/N, hv/N
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	w, err := c.in(n, 1)
	if err != nil {
		return err
	}
	qkv := c.op(n, "matmul", []string{x, w}, nil)
	if n.hasInput(2) {
		b, err := c.in(n, 2)
		if err != nil {
			return err
		}
		qkv = c.op(n, "add", []string{qkv, b}, nil)
	}
	part := func(start, width, d int64) (string, error) {
		sz, err := c.dimsOption([]shapeinfer.Expr{B, S, shapeinfer.Const(width)})
		if err != nil {
			return "", err
		}
		p := c.op(n, "slice", []string{qkv}, map[string]any{"starts": intsAny([]int64{0, 0, start}), "sizes": sz})
		r, err := c.reshapeTo(n, p, []shapeinfer.Expr{B, S, shapeinfer.Const(N), shapeinfer.Const(d)})
		if err != nil {
			return "", err
		}
		return c.op(n, "transpose", []string{r}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})}), nil
	}
	q, err := part(0, hq, dq)
	if err != nil {
		return err
	}
	k, err := part(hq, hk, dq)
	if err != nil {
		return err
	}
	v, err := part(hq+hk, hv, dv)
	if err != nil {
		return err
	}
	P := shapeinfer.Const(0)
	if n.hasInput(4) {
		ps, err := c.inShape(n, 4)
		if err != nil {
			return err
		}
		if len(ps) != 5 || dq != dv {
			return fmt.Errorf("%w: past of shape %s", ErrUnsupported, shapeinfer.ShapeString(ps))
		}
		P = ps[3]
		past, err := c.in(n, 4)
		if err != nil {
			return err
		}
		half := func(i int64) (string, error) {
			sz, err := c.dimsOption([]shapeinfer.Expr{shapeinfer.Const(1), B, shapeinfer.Const(N), P, shapeinfer.Const(dq)})
			if err != nil {
				return "", err
			}
			s := c.op(n, "slice", []string{past}, map[string]any{"starts": intsAny([]int64{i, 0, 0, 0, 0}), "sizes": sz})
			return c.reshapeTo(n, s, []shapeinfer.Expr{B, shapeinfer.Const(N), P, shapeinfer.Const(dq)})
		}
		pk, err := half(0)
		if err != nil {
			return err
		}
		pv, err := half(1)
		if err != nil {
			return err
		}
		k = c.op(n, "concat", []string{pk, k}, map[string]any{"axis": int64(2)})
		v = c.op(n, "concat", []string{pv, v}, map[string]any{"axis": int64(2)})
	}
	T := P.Add(S)
	if n.hasOutput(1) {
		if dq != dv {
			return fmt.Errorf("%w: present with Q/K and V head sizes %d and %d", ErrUnsupported, dq, dv)
		}
		five := []shapeinfer.Expr{shapeinfer.Const(1), B, shapeinfer.Const(N), T, shapeinfer.Const(dq)}
		k5, err := c.reshapeTo(n, k, five)
		if err != nil {
			return err
		}
		v5, err := c.reshapeTo(n, v, five)
		if err != nil {
			return err
		}
		c.bind(n, 1, c.op(n, "concat", []string{k5, v5}, map[string]any{"axis": int64(0)}))
	}
	dt := c.dtypeOf(n, 0)
	scale := float64(attrFloat(n, "scale", 0))
	if scale == 0 {
		scale = float64(float32(1 / math.Sqrt(float64(dq))))
	}
	sc, err := c.scalar(dt, scale)
	if err != nil {
		return err
	}
	kt := c.op(n, "transpose", []string{k}, map[string]any{"permutation": intsAny([]int64{0, 1, 3, 2})})
	scores := c.op(n, "mul", []string{c.op(n, "matmul", []string{q, kt}, nil), sc}, nil)
	mask, err := c.msAttentionMask(n, B, S, P, T, dt)
	if err != nil {
		return err
	}
	if mask != "" {
		scores = c.op(n, "add", []string{scores, mask}, nil)
	}
	if n.hasInput(5) {
		ab, err := c.in(n, 5)
		if err != nil {
			return err
		}
		scores = c.op(n, "add", []string{scores, ab}, nil)
	}
	p := c.op(n, "softmax", []string{scores}, map[string]any{"axis": int64(3)})
	o := c.op(n, "transpose", []string{c.op(n, "matmul", []string{p, v}, nil)}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})})
	out, err := c.reshapeTo(n, o, []shapeinfer.Expr{B, S, shapeinfer.Const(hv)})
	if err != nil {
		return err
	}
	c.bind(n, 0, out)
	return nil
}

// msAttentionMask builds the additive mask [B or 1, 1, S, T] of
// com.microsoft.Attention ("" when there is none).
func (c *ctx) msAttentionMask(n *srcNode, B, S, P, T shapeinfer.Expr, dt tensor.DType) (string, error) {
	mfv, err := c.scalar(dt, float64(attrFloat(n, "mask_filter_value", -10000)))
	if err != nil {
		return "", err
	}
	zero, err := c.scalar(dt, 0)
	if err != nil {
		return "", err
	}
	one := shapeinfer.Const(1)
	var mask string
	if n.hasInput(3) {
		ms, err := c.inShape(n, 3)
		if err != nil {
			return "", err
		}
		m, err := c.in(n, 3)
		if err != nil {
			return "", err
		}
		k0, err := c.scalar(c.dtypeOf(n, 3), 0)
		if err != nil {
			return "", err
		}
		switch {
		case len(ms) == 2:
			masked := c.op(n, "lesserOrEqual", []string{m, k0}, nil)
			if masked, err = c.reshapeTo(n, masked, []shapeinfer.Expr{B, one, one, T}); err != nil {
				return "", err
			}
			mask = c.op(n, "where", []string{masked, mfv, zero}, nil)
		case len(ms) == 3:
			masked := c.op(n, "lesserOrEqual", []string{m, k0}, nil)
			if masked, err = c.reshapeTo(n, masked, []shapeinfer.Expr{B, one, S, T}); err != nil {
				return "", err
			}
			mask = c.op(n, "where", []string{masked, mfv, zero}, nil)
		case len(ms) == 1:
			tIdx, err := c.iota(n, T)
			if err != nil {
				return "", err
			}
			m64 := c.op(n, "cast", []string{m}, map[string]any{"to": "int64"})
			endsStarts := func(start int64) (string, error) {
				sz, err := c.dimsOption([]shapeinfer.Expr{B})
				if err != nil {
					return "", err
				}
				var s string
				if start == 0 {
					s = c.op(n, "slice", []string{m64}, map[string]any{"starts": []any{int64(0)}, "sizes": sz})
				} else {
					// the second half of [2B]: B values from B on, read as
					// the last B (a dynamic start is not a slice start)
					s = c.op(n, "slice", []string{c.op(n, "reverse", []string{m64}, map[string]any{"axes": []any{int64(0)}})}, map[string]any{"starts": []any{int64(0)}, "sizes": sz})
					s = c.op(n, "reverse", []string{s}, map[string]any{"axes": []any{int64(0)}})
				}
				return c.reshapeTo(n, s, []shapeinfer.Expr{B, one, one, one})
			}
			var outside string
			switch {
			case ms[0].Equal(B):
				end, err := c.reshapeTo(n, m64, []shapeinfer.Expr{B, one, one, one})
				if err != nil {
					return "", err
				}
				outside = c.op(n, "greaterOrEqual", []string{tIdx, end}, nil)
			case ms[0].Equal(B.Mul(shapeinfer.Const(2))):
				end, err := endsStarts(0)
				if err != nil {
					return "", err
				}
				start, err := endsStarts(1)
				if err != nil {
					return "", err
				}
				outside = c.op(n, "logicalOr", []string{c.op(n, "greaterOrEqual", []string{tIdx, end}, nil), c.op(n, "lesser", []string{tIdx, start}, nil)}, nil)
			default:
				return "", fmt.Errorf("%w: 1-D mask_index of length %s for batch %s (3·batch+2 and other forms)", ErrUnsupported, ms[0].String(), B.String())
			}
			mask = c.op(n, "where", []string{outside, mfv, zero}, nil)
		default:
			return "", fmt.Errorf("%w: mask_index of rank %d (4-D Megatron masks)", ErrUnsupported, len(ms))
		}
	}
	if attrInt(n, "unidirectional", 0) != 0 {
		sIdx, err := c.iota(n, S)
		if err != nil {
			return "", err
		}
		tIdx, err := c.iota(n, T)
		if err != nil {
			return "", err
		}
		pos, err := c.reshapeTo(n, sIdx, []shapeinfer.Expr{S, one})
		if err != nil {
			return "", err
		}
		if !P.Equal(shapeinfer.Const(0)) {
			pOp, err := c.dimOperand(n, P)
			if err != nil {
				return "", err
			}
			pos = c.op(n, "add", []string{pos, pOp}, nil)
		}
		future := c.op(n, "greater", []string{tIdx, pos}, nil) // [S, T]
		lowest := -math.MaxFloat32
		if dt == tensor.Float16 {
			lowest = -65504
		}
		low, err := c.scalar(dt, lowest)
		if err != nil {
			return "", err
		}
		if mask == "" {
			mask = zero
		}
		mask = c.op(n, "where", []string{future, low, mask}, nil)
	}
	return mask, nil
}

// lowerONNXAttention (ai.onnx Attention, opsets 23 and 24; torch's dynamo
// exporter writes it for scaled_dot_product_attention): Q, K, V in BNSH
// (3-D inputs split with q_num_heads / kv_num_heads), the past prepended
// (present outputs), K/V heads repeated for grouped queries, scores ·
// scale, softcap, a float attn_mask added, then a boolean attn_mask,
// is_causal (bottom-right: key j for query i iff j ≤ i + past, or +
// nonpad_kv_seqlen − S without a past) and nonpad_kv_seqlen (keys ≥ it)
// mask with the lowest float; rows with nothing left give zeros (the
// opset 23/24 errata) instead of NaN. Refused: the qk_matmul_output
// output, an attn_mask shorter than the keys.
func lowerONNXAttention(c *ctx, n *srcNode) error {
	// opset 25 adds sliding windows
	for _, a := range []string{"left_window_size", "right_window_size"} {
		if w := attrInt(n, a, -1); w != -1 {
			return unsupportedAttr(a, w)
		}
	}
	if n.hasOutput(3) && c.users[n.Output[3]] > 0 {
		return fmt.Errorf("%w: the qk_matmul_output output", ErrUnsupported)
	}
	qs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	ks, err := c.inShape(n, 1)
	if err != nil {
		return err
	}
	vs, err := c.inShape(n, 2)
	if err != nil {
		return err
	}
	if len(qs) != len(ks) || len(qs) != len(vs) || (len(qs) != 3 && len(qs) != 4) {
		return fmt.Errorf("%w: Q, K, V of ranks %d, %d, %d", ErrUnsupported, len(qs), len(ks), len(vs))
	}
	B := qs[0]
	var S, L shapeinfer.Expr
	var Nq, Nkv, D, Dv int64
	toBNSH := func(i int, s []shapeinfer.Expr, heads int64) (string, shapeinfer.Expr, int64, error) {
		x, err := c.in(n, i)
		if err != nil {
			return "", shapeinfer.Expr{}, 0, err
		}
		if len(s) == 4 {
			h, ok := s[1].Value()
			d, ok2 := s[3].Value()
			if !ok || !ok2 {
				return "", shapeinfer.Expr{}, 0, fmt.Errorf("%w: dynamic heads or head size in %s", ErrUnsupported, shapeinfer.ShapeString(s))
			}
			if heads != 0 && heads != h {
				return "", shapeinfer.Expr{}, 0, fmt.Errorf("%d heads, attribute says %d", h, heads)
			}
			return x, s[2], d, nil
		}
		w, ok := s[2].Value()
		if !ok || heads <= 0 || w%heads != 0 {
			return "", shapeinfer.Expr{}, 0, fmt.Errorf("%w: 3-D input %s needs q_num_heads/kv_num_heads dividing its width", ErrUnsupported, shapeinfer.ShapeString(s))
		}
		r, err := c.reshapeTo(n, x, []shapeinfer.Expr{s[0], s[1], shapeinfer.Const(heads), shapeinfer.Const(w / heads)})
		if err != nil {
			return "", shapeinfer.Expr{}, 0, err
		}
		return c.op(n, "transpose", []string{r}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})}), s[1], w / heads, nil
	}
	qh, kh := attrInt(n, "q_num_heads", 0), attrInt(n, "kv_num_heads", 0)
	if len(qs) == 4 {
		qh, _ = qs[1].Value()
		kh, _ = ks[1].Value()
	}
	Nq, Nkv = qh, kh
	if Nq <= 0 || Nkv <= 0 || Nq%Nkv != 0 {
		return fmt.Errorf("%w: %d query heads for %d key/value heads", ErrUnsupported, Nq, Nkv)
	}
	q, S, D, err := toBNSH(0, qs, Nq)
	if err != nil {
		return err
	}
	k, L, dk, err := toBNSH(1, ks, Nkv)
	if err != nil {
		return err
	}
	v, _, dv, err := toBNSH(2, vs, Nkv)
	if err != nil {
		return err
	}
	if dk != D {
		return fmt.Errorf("query head size %d, key %d", D, dk)
	}
	Dv = dv
	P := shapeinfer.Const(0)
	if n.hasInput(4) != n.hasInput(5) {
		return fmt.Errorf("past_key without past_value")
	}
	if n.hasInput(4) {
		ps, err := c.inShape(n, 4)
		if err != nil {
			return err
		}
		if len(ps) != 4 {
			return fmt.Errorf("past_key of rank %d", len(ps))
		}
		P = ps[2]
		pk, err := c.in(n, 4)
		if err != nil {
			return err
		}
		pv, err := c.in(n, 5)
		if err != nil {
			return err
		}
		k = c.op(n, "concat", []string{pk, k}, map[string]any{"axis": int64(2)})
		v = c.op(n, "concat", []string{pv, v}, map[string]any{"axis": int64(2)})
	}
	T := P.Add(L)
	c.bind(n, 1, k)
	c.bind(n, 2, v)
	one := shapeinfer.Const(1)
	if G := Nq / Nkv; G > 1 {
		repeat := func(x string, d int64) (string, error) {
			r, err := c.reshapeTo(n, x, []shapeinfer.Expr{B, shapeinfer.Const(Nkv), one, T, shapeinfer.Const(d)})
			if err != nil {
				return "", err
			}
			sz, err := c.dimsOption([]shapeinfer.Expr{B, shapeinfer.Const(Nkv), shapeinfer.Const(G), T, shapeinfer.Const(d)})
			if err != nil {
				return "", err
			}
			return c.reshapeTo(n, c.op(n, "expand", []string{r}, map[string]any{"newShape": sz}), []shapeinfer.Expr{B, shapeinfer.Const(Nq), T, shapeinfer.Const(d)})
		}
		if k, err = repeat(k, D); err != nil {
			return err
		}
		if v, err = repeat(v, Dv); err != nil {
			return err
		}
	}
	dt := c.dtypeOf(n, 0)
	scale := float64(attrFloat(n, "scale", 0))
	if !hasAttr(n, "scale") || scale == 0 {
		scale = 1 / math.Sqrt(float64(D))
	}
	sc, err := c.scalar(dt, scale)
	if err != nil {
		return err
	}
	kt := c.op(n, "transpose", []string{k}, map[string]any{"permutation": intsAny([]int64{0, 1, 3, 2})})
	scores := c.op(n, "mul", []string{c.op(n, "matmul", []string{q, kt}, nil), sc}, nil)
	if softcap := float64(attrFloat(n, "softcap", 0)); softcap > 0 {
		inv, err := c.scalar(dt, 1/softcap)
		if err != nil {
			return err
		}
		cp, err := c.scalar(dt, softcap)
		if err != nil {
			return err
		}
		scores = c.op(n, "mul", []string{c.op(n, "tanh", []string{c.op(n, "mul", []string{scores, inv}, nil)}, nil), cp}, nil)
	}
	// masked: where the boolean mask, causality or nonpad_kv_seqlen rule
	// a key out ([…, S, T] broadcastable, "" when nothing is)
	var masked string
	or := func(m string) {
		if masked == "" {
			masked = m
		} else {
			masked = c.op(n, "logicalOr", []string{masked, m}, nil)
		}
	}
	if n.hasInput(3) {
		ms, err := c.inShape(n, 3)
		if err != nil {
			return err
		}
		if len(ms) == 0 || !ms[len(ms)-1].Equal(T) && !ms[len(ms)-1].Equal(one) {
			return fmt.Errorf("%w: attn_mask of shape %s for %s keys (a shorter mask is padded by ONNX; not lowered)", ErrUnsupported, shapeinfer.ShapeString(ms), T.String())
		}
		m, err := c.in(n, 3)
		if err != nil {
			return err
		}
		if c.dtypeOf(n, 3) == tensor.Bool {
			or(c.op(n, "logicalNot", []string{m}, nil))
		} else {
			scores = c.op(n, "add", []string{scores, m}, nil)
		}
	}
	tIdx, err := c.iota(n, T)
	if err != nil {
		return err
	}
	var npOp string
	if n.hasInput(6) {
		if n.hasInput(4) {
			return fmt.Errorf("nonpad_kv_seqlen together with past_key")
		}
		np, err := c.in(n, 6)
		if err != nil {
			return err
		}
		np = c.op(n, "cast", []string{np}, map[string]any{"to": "int64"})
		if npOp, err = c.reshapeTo(n, np, []shapeinfer.Expr{B, one, one, one}); err != nil {
			return err
		}
		or(c.op(n, "greaterOrEqual", []string{tIdx, npOp}, nil))
	}
	if attrInt(n, "is_causal", 0) != 0 {
		sIdx, err := c.iota(n, S)
		if err != nil {
			return err
		}
		limit, err := c.reshapeTo(n, sIdx, []shapeinfer.Expr{S, one})
		if err != nil {
			return err
		}
		switch {
		case npOp != "":
			// offset = nonpad − S per batch row
			sOp, err := c.dimOperand(n, S)
			if err != nil {
				return err
			}
			limit = c.op(n, "add", []string{limit, c.op(n, "sub", []string{npOp, sOp}, nil)}, nil) // [B, 1, S, 1]
		case !P.Equal(shapeinfer.Const(0)):
			pOp, err := c.dimOperand(n, P)
			if err != nil {
				return err
			}
			limit = c.op(n, "add", []string{limit, pOp}, nil)
		}
		or(c.op(n, "greater", []string{tIdx, limit}, nil))
	}
	lowest := -math.MaxFloat32
	if dt == tensor.Float16 {
		lowest = -65504
	}
	low, err := c.scalar(dt, lowest)
	if err != nil {
		return err
	}
	if masked != "" {
		scores = c.op(n, "where", []string{masked, low, scores}, nil)
	}
	p := c.op(n, "softmax", []string{scores}, map[string]any{"axis": int64(3)})
	o := c.op(n, "matmul", []string{p, v}, nil)
	if masked != "" || n.hasInput(3) {
		// rows with no key left (every score masked, or −inf from a float
		// mask) give zeros
		mx := c.op(n, "reduceMax", []string{scores}, map[string]any{"axes": []any{int64(3)}, "keepDimensions": true})
		zero, err := c.scalar(dt, 0)
		if err != nil {
			return err
		}
		o = c.op(n, "where", []string{c.op(n, "lesserOrEqual", []string{mx, low}, nil), zero, o}, nil)
	}
	if len(qs) == 3 {
		o = c.op(n, "transpose", []string{o}, map[string]any{"permutation": intsAny([]int64{0, 2, 1, 3})})
		if o, err = c.reshapeTo(n, o, []shapeinfer.Expr{B, S, shapeinfer.Const(Nq * Dv)}); err != nil {
			return err
		}
	}
	c.bind(n, 0, o)
	return nil
}
