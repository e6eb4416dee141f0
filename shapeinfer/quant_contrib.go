// Shape rules of the com.microsoft quantized ops ONNX Runtime's quantizer
// writes (DynamicQuantizeMatMul, MatMulIntegerToFloat, QGemm, QLinear*,
// DynamicQuantizeLSTM).

package shapeinfer

import "github.com/webnn-graph/webnn-graph/tensor"

// quantMatMul: MatMul of inputs 0 and 1 with a float32 result (the
// scale's type).
func quantMatMul(c *nodeCtx) ([]*Info, error) {
	a, err := c.need(0)
	if err != nil {
		return nil, err
	}
	b, err := c.need(1)
	if err != nil {
		return nil, err
	}
	dt := tensor.Float32
	if s := c.input(2); s != nil && s.DType != tensor.Undefined {
		dt = s.DType
	}
	shape, err := c.matmulShape(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	return []*Info{{DType: dt, Shape: shape}}, nil
}

// qgemm: [M, N] of A (input 0) and B (input 3) with transA/transB; the
// output zero point's type, or float32 without y_scale.
func qgemm(c *nodeCtx) ([]*Info, error) {
	a, err := c.need(0)
	if err != nil {
		return nil, err
	}
	b, err := c.need(3)
	if err != nil {
		return nil, err
	}
	dt := tensor.Float32
	if c.input(7) != nil {
		dt = tensor.Uint8
		if z := c.input(8); z != nil {
			dt = z.DType
		}
	}
	if a.Shape == nil || b.Shape == nil {
		return []*Info{{DType: dt}}, nil
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
	return []*Info{{DType: dt, Shape: []Expr{m, n}}}, nil
}

// qlinearBinary: inputs 0 and 3 broadcast; input 0's type.
func qlinearBinary(c *nodeCtx) ([]*Info, error) {
	a, err := c.need(0)
	if err != nil {
		return nil, err
	}
	b, err := c.need(3)
	if err != nil {
		return nil, err
	}
	if a.Shape == nil || b.Shape == nil {
		return []*Info{{DType: a.DType}}, nil
	}
	shape, err := c.broadcast(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	return []*Info{{DType: a.DType, Shape: shape}}, nil
}

// qlinearConcat: the X inputs (2, 5, 8, …) concatenated along axis; Y's
// zero point type (input 1).
func qlinearConcat(c *nodeCtx) ([]*Info, error) {
	z, err := c.need(1)
	if err != nil {
		return nil, err
	}
	var shapes [][]Expr
	for i := 2; i < len(c.in); i += 3 {
		x, err := c.need(i)
		if err != nil {
			return nil, err
		}
		if x.Shape == nil {
			return []*Info{{DType: z.DType}}, nil
		}
		shapes = append(shapes, x.Shape)
	}
	if len(shapes) == 0 {
		return nil, c.errorf("no inputs to concatenate")
	}
	r := len(shapes[0])
	axis, err := normAxis(c.attrInt("axis", 0), r)
	if err != nil {
		return nil, err
	}
	out := append([]Expr{}, shapes[0]...)
	for _, s := range shapes[1:] {
		if len(s) != r {
			return nil, c.errorf("inputs of ranks %d and %d", r, len(s))
		}
		for i := range s {
			if i == axis {
				out[i] = out[i].Add(s[i])
				continue
			}
			if err := c.agree(out[i], s[i], "concatenated dims"); err != nil {
				return nil, err
			}
		}
	}
	return []*Info{{DType: z.DType, Shape: out}}, nil
}

// qlinearGlobalPool: spatial dims become 1 (NCHW, or NHWC with
// channels_last).
func qlinearGlobalPool(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	if r < 3 {
		return nil, c.errorf("input %s needs batch, channel and spatial dims", ShapeString(x.Shape))
	}
	shape := append([]Expr{}, x.Shape...)
	lo, hi := 2, r
	if c.attrInt("channels_last", 0) != 0 {
		lo, hi = 1, r-1
	}
	for i := lo; i < hi; i++ {
		shape[i] = Const(1)
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

// qlinearAvgPool (com.microsoft.QLinearAveragePool): AveragePool's
// output size, over NCHW or, with channels_last, NHWC.
func qlinearAvgPool(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil {
		return []*Info{{DType: x.DType}}, nil
	}
	r := len(x.Shape)
	if r < 3 {
		return nil, c.errorf("input %s needs batch, channel and spatial dims", ShapeString(x.Shape))
	}
	kernel := c.attrInts("kernel_shape")
	if kernel == nil {
		return nil, c.errorf("attribute kernel_shape is required")
	}
	last := c.attrInt("channels_last", 0) != 0
	nchw := x.Shape
	if last {
		nchw = append([]Expr{x.Shape[0], x.Shape[r-1]}, x.Shape[1:r-1]...)
	}
	sp, err := c.spatial(nchw, kernel, c.attrInt("ceil_mode", 0) != 0)
	if err != nil {
		return nil, err
	}
	shape := append([]Expr{nchw[0], nchw[1]}, sp...)
	if last {
		shape = append(append([]Expr{nchw[0]}, sp...), nchw[1])
	}
	return []*Info{{DType: x.DType, Shape: shape}}, nil
}

// embedLayerNorm (com.microsoft.EmbedLayerNormalization): output and
// embedding_sum [B, S, hidden], mask_index [B] int32.
func embedLayerNorm(c *nodeCtx) ([]*Info, error) {
	ids, err := c.need(0)
	if err != nil {
		return nil, err
	}
	w, err := c.need(2)
	if err != nil {
		return nil, err
	}
	if ids.Shape == nil || w.Shape == nil {
		return []*Info{{DType: w.DType}, {DType: tensor.Int32}, {DType: w.DType}}, nil
	}
	if len(ids.Shape) != 2 || len(w.Shape) != 2 {
		return nil, c.errorf("input_ids %s and word_embedding %s must be 2-D", ShapeString(ids.Shape), ShapeString(w.Shape))
	}
	out := []Expr{ids.Shape[0], ids.Shape[1], w.Shape[1]}
	return []*Info{{DType: w.DType, Shape: out}, {DType: tensor.Int32, Shape: []Expr{ids.Shape[0]}}, {DType: w.DType, Shape: out}}, nil
}

// msAttention (com.microsoft.Attention): output [B, S, v_hidden], present
// [2, B, heads, past + S, head_size].
func msAttention(c *nodeCtx) ([]*Info, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	w, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if x.Shape == nil || w.Shape == nil {
		return []*Info{{DType: x.DType}, {DType: x.DType}}, nil
	}
	if len(x.Shape) != 3 || len(w.Shape) != 2 {
		return nil, c.errorf("input %s and weights %s", ShapeString(x.Shape), ShapeString(w.Shape))
	}
	total, ok := w.Shape[1].Value()
	if !ok {
		return []*Info{{DType: x.DType}, {DType: x.DType}}, nil
	}
	hq, hv := total/3, total/3
	if sz := c.attrInts("qkv_hidden_sizes"); len(sz) == 3 {
		hq, hv = sz[0], sz[2]
	}
	heads := c.attrInt("num_heads", 1)
	if heads <= 0 {
		return nil, c.errorf("num_heads %d", heads)
	}
	B, S := x.Shape[0], x.Shape[1]
	T := S
	if p := c.input(4); p != nil && p.Shape != nil && len(p.Shape) == 5 {
		T = p.Shape[3].Add(S)
	}
	out := &Info{DType: x.DType, Shape: []Expr{B, S, Const(hv)}}
	present := &Info{DType: x.DType, Shape: []Expr{Const(2), B, Const(heads), T, Const(hq / heads)}}
	return []*Info{out, present}, nil
}

// onnxAttention (ai.onnx Attention, opsets 23–24): Y [B, Nq, S, Dv] (or
// [B, S, Nq·Dv] for 3-D inputs), present key/value [B, Nkv, P + L, D/Dv],
// qk_matmul_output [B, Nq, S, P + L].
func onnxAttention(c *nodeCtx) ([]*Info, error) {
	q, err := c.need(0)
	if err != nil {
		return nil, err
	}
	k, err := c.need(1)
	if err != nil {
		return nil, err
	}
	v, err := c.need(2)
	if err != nil {
		return nil, err
	}
	unknown := []*Info{{DType: q.DType}, {DType: q.DType}, {DType: q.DType}, {DType: q.DType}}
	if q.Shape == nil || k.Shape == nil || v.Shape == nil || len(q.Shape) != len(k.Shape) || len(q.Shape) != len(v.Shape) {
		return unknown, nil
	}
	if r := len(q.Shape); r != 3 && r != 4 {
		return nil, c.errorf("Q, K and V must be rank 3 or 4, got rank %d", r)
	}
	B := q.Shape[0]
	var S, L, Nq, Nkv, D, Dv Expr
	switch len(q.Shape) {
	case 4:
		Nq, S, D = q.Shape[1], q.Shape[2], q.Shape[3]
		Nkv, L, Dv = k.Shape[1], k.Shape[2], v.Shape[3]
	case 3:
		qh, kh := c.attrInt("q_num_heads", 0), c.attrInt("kv_num_heads", 0)
		qw, ok1 := q.Shape[2].Value()
		vw, ok2 := v.Shape[2].Value()
		if qh <= 0 || kh <= 0 || !ok1 || !ok2 {
			return unknown, nil
		}
		Nq, Nkv, S, L = Const(qh), Const(kh), q.Shape[1], k.Shape[1]
		D, Dv = Const(qw/qh), Const(vw/kh)
	default:
		return unknown, nil
	}
	T := L
	if p := c.input(4); p != nil && p.Shape != nil && len(p.Shape) == 4 {
		T = p.Shape[2].Add(L)
	}
	y := []Expr{B, Nq, S, Dv}
	if len(q.Shape) == 3 {
		y = []Expr{B, S, Nq.Mul(Dv)}
	}
	return []*Info{
		{DType: q.DType, Shape: y},
		{DType: q.DType, Shape: []Expr{B, Nkv, T, D}},
		{DType: q.DType, Shape: []Expr{B, Nkv, T, Dv}},
		{DType: q.DType, Shape: []Expr{B, Nq, S, T}},
	}, nil
}
