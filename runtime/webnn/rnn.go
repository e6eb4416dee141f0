package webnn

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// gru, gruCell, lstm, lstmCell (spec emulation semantics; float32 math).

func init() {
	register("gru", 3, 3, true, compileGru)
	register("gruCell", 4, 4, true, compileGruCell)
	register("lstm", 3, 3, true, compileLstm)
	register("lstmCell", 5, 5, true, compileLstmCell)
}

type actFn func(float64) float64

func activationByName(s string) (actFn, error) {
	switch s {
	case "sigmoid":
		return func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, nil
	case "tanh":
		return math.Tanh, nil
	case "relu":
		return func(v float64) float64 { return math.Max(v, 0) }, nil
	}
	return nil, fmt.Errorf("unknown recurrent activation %q", s)
}

func readActivations(nc *nodeCompiler, def []string) ([]actFn, error) {
	names := def
	if v, _, ok := nc.get("activations"); ok {
		l, isList := v.([]any)
		if !isList || len(l) != len(def) {
			return nil, fmt.Errorf("option activations must list %d names, got %v", len(def), v)
		}
		names = make([]string, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("option activations[%d]: not a string: %v", i, e)
			}
			names[i] = s
		}
	}
	out := make([]actFn, len(names))
	for i, n := range names {
		f, err := activationByName(n)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// matVecRows computes acc[b][r] += Σ_k w[r][k]·v[b][k] for rows r in [r0, r0+n).
func gateInput(acc []float64, w []float32, wOff, rows, k int, v []float32, batch int) {
	for b := 0; b < batch; b++ {
		vb := v[b*k : (b+1)*k]
		for r := 0; r < rows; r++ {
			wr := w[wOff+r*k : wOff+(r+1)*k]
			var s float64
			for j, x := range wr {
				s += float64(x) * float64(vb[j])
			}
			acc[b*rows+r] += s
		}
	}
}

// gruStep runs one GRU cell step.
// w [3H, I], r [3H, H]; bias/rbias [3H] or nil; h [B, H] → hOut [B, H].
func gruStep(x []float32, batch, inSize, hs int, w, rw, bias, rbias, h, hOut []float32, resetAfter bool, zrn bool, acts []actFn) {
	// gate row offsets by layout
	zOff, rOff, nOff := 0, hs, 2*hs
	if !zrn { // rzn
		rOff, zOff = 0, hs
	}
	gx := make([]float64, batch*3*hs) // W x + b
	gh := make([]float64, batch*3*hs) // R h + rb
	gateInput(gx, w, 0, 3*hs, inSize, x, batch)
	gateInput(gh, rw, 0, 3*hs, hs, h, batch)
	for b := 0; b < batch; b++ {
		for j := 0; j < 3*hs; j++ {
			if bias != nil {
				gx[b*3*hs+j] += float64(bias[j])
			}
			if rbias != nil {
				gh[b*3*hs+j] += float64(rbias[j])
			}
		}
	}
	for b := 0; b < batch; b++ {
		base := b * 3 * hs
		for j := 0; j < hs; j++ {
			z := acts[0](gx[base+zOff+j] + gh[base+zOff+j])
			r := acts[0](gx[base+rOff+j] + gh[base+rOff+j])
			var n float64
			if resetAfter {
				n = acts[1](gx[base+nOff+j] + r*gh[base+nOff+j])
			} else {
				// R_n (r ⊙ h) + rb_n
				var s float64
				for k := 0; k < hs; k++ {
					rk := acts[0](gx[base+rOff+k] + gh[base+rOff+k])
					s += float64(rw[(nOff+j)*hs+k]) * rk * float64(h[b*hs+k])
				}
				if rbias != nil {
					s += float64(rbias[nOff+j])
				}
				n = acts[1](gx[base+nOff+j] + s)
			}
			hOut[b*hs+j] = float32((1-z)*n + z*float64(h[b*hs+j]))
		}
	}
}

// lstmStep runs one LSTM cell step (layout iofg or ifgo).
func lstmStep(x []float32, batch, inSize, hs int, w, rw, bias, rbias, peep, h, c, hOut, cOut []float32, iofg bool, acts []actFn) {
	iOff, oOff, fOff, gOff := 0, hs, 2*hs, 3*hs
	if !iofg { // ifgo
		iOff, fOff, gOff, oOff = 0, hs, 2*hs, 3*hs
	}
	g4 := make([]float64, batch*4*hs)
	gateInput(g4, w, 0, 4*hs, inSize, x, batch)
	gateInput(g4, rw, 0, 4*hs, hs, h, batch)
	for b := 0; b < batch; b++ {
		base := b * 4 * hs
		for j := 0; j < 4*hs; j++ {
			if bias != nil {
				g4[base+j] += float64(bias[j])
			}
			if rbias != nil {
				g4[base+j] += float64(rbias[j])
			}
		}
		for j := 0; j < hs; j++ {
			cp := float64(c[b*hs+j])
			pi, po, pf := 0.0, 0.0, 0.0
			if peep != nil {
				pi, po, pf = float64(peep[j]), float64(peep[hs+j]), float64(peep[2*hs+j])
			}
			ig := acts[0](g4[base+iOff+j] + pi*cp)
			fg := acts[0](g4[base+fOff+j] + pf*cp)
			gg := acts[1](g4[base+gOff+j])
			cn := fg*cp + ig*gg
			og := acts[0](g4[base+oOff+j] + po*cn)
			cOut[b*hs+j] = float32(cn)
			hOut[b*hs+j] = float32(og * acts[2](cn))
		}
	}
}

func optSlice(in []*tensor.Tensor, i int, what string, n int) ([]float32, error) {
	if i < 0 || in[i] == nil {
		return nil, nil
	}
	d, err := f32(in[i], what)
	if err != nil {
		return nil, err
	}
	if len(d) != n {
		return nil, fmt.Errorf("%s has %d elements (shape %v), want %d", what, len(d), in[i].Shape, n)
	}
	return d, nil
}

func checkLen(t *tensor.Tensor, what string, shape ...int) ([]float32, error) {
	d, err := f32(t, what)
	if err != nil {
		return nil, err
	}
	if !sameShape(t.Shape, shape) {
		return nil, fmt.Errorf("%s shape %v, want %v", what, t.Shape, shape)
	}
	return d, nil
}

func compileGruCell(nc *nodeCompiler) (kernelFn, error) {
	hsz, err := nc.optInt(0, "hiddenSize", "hidden_size")
	if err != nil {
		return nil, err
	}
	bi, err := nc.operand(-1, "bias")
	if err != nil {
		return nil, err
	}
	rbi, err := nc.operand(-1, "recurrentBias", "recurrent_bias")
	if err != nil {
		return nil, err
	}
	resetAfter, err := nc.optBool(true, "resetAfter", "reset_after")
	if err != nil {
		return nil, err
	}
	layout, err := nc.optString("zrn", "layout")
	if err != nil {
		return nil, err
	}
	acts, err := readActivations(nc, []string{"sigmoid", "tanh"})
	if err != nil {
		return nil, err
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		hs := int(hsz)
		if len(in[0].Shape) != 2 {
			return nil, fmt.Errorf("input %v must be 2-D", in[0].Shape)
		}
		batch, isz := in[0].Shape[0], in[0].Shape[1]
		if hs == 0 {
			if len(in[3].Shape) != 2 {
				return nil, fmt.Errorf("hiddenSize missing and hiddenState %v is not 2-D", in[3].Shape)
			}
			hs = in[3].Shape[1]
		}
		xd, _ := f32(in[0], "input")
		w, err := checkLen(in[1], "weight", 3*hs, isz)
		if err != nil {
			return nil, err
		}
		rw, err := checkLen(in[2], "recurrentWeight", 3*hs, hs)
		if err != nil {
			return nil, err
		}
		h, err := checkLen(in[3], "hiddenState", batch, hs)
		if err != nil {
			return nil, err
		}
		bias, err := optSlice(in, bi, "bias", 3*hs)
		if err != nil {
			return nil, err
		}
		rbias, err := optSlice(in, rbi, "recurrentBias", 3*hs)
		if err != nil {
			return nil, err
		}
		out := x.alloc(tensor.Float32, []int{batch, hs})
		gruStep(xd, batch, isz, hs, w, rw, bias, rbias, h, out.Data.([]float32), resetAfter, layout != "rzn", acts)
		return []*tensor.Tensor{out}, nil
	}, nil
}

func compileLstmCell(nc *nodeCompiler) (kernelFn, error) {
	hsz, err := nc.optInt(0, "hiddenSize", "hidden_size")
	if err != nil {
		return nil, err
	}
	bi, err := nc.operand(-1, "bias")
	if err != nil {
		return nil, err
	}
	rbi, err := nc.operand(-1, "recurrentBias", "recurrent_bias")
	if err != nil {
		return nil, err
	}
	pi, err := nc.operand(-1, "peepholeWeight", "peephole_weight")
	if err != nil {
		return nil, err
	}
	layout, err := nc.optString("iofg", "layout")
	if err != nil {
		return nil, err
	}
	acts, err := readActivations(nc, []string{"sigmoid", "tanh", "tanh"})
	if err != nil {
		return nil, err
	}
	nc.nout = 2
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		hs := int(hsz)
		if len(in[0].Shape) != 2 {
			return nil, fmt.Errorf("input %v must be 2-D", in[0].Shape)
		}
		batch, isz := in[0].Shape[0], in[0].Shape[1]
		if hs == 0 {
			if len(in[3].Shape) != 2 {
				return nil, fmt.Errorf("hiddenSize missing and hiddenState %v is not 2-D", in[3].Shape)
			}
			hs = in[3].Shape[1]
		}
		xd, _ := f32(in[0], "input")
		w, err := checkLen(in[1], "weight", 4*hs, isz)
		if err != nil {
			return nil, err
		}
		rw, err := checkLen(in[2], "recurrentWeight", 4*hs, hs)
		if err != nil {
			return nil, err
		}
		h, err := checkLen(in[3], "hiddenState", batch, hs)
		if err != nil {
			return nil, err
		}
		c, err := checkLen(in[4], "cellState", batch, hs)
		if err != nil {
			return nil, err
		}
		bias, err := optSlice(in, bi, "bias", 4*hs)
		if err != nil {
			return nil, err
		}
		rbias, err := optSlice(in, rbi, "recurrentBias", 4*hs)
		if err != nil {
			return nil, err
		}
		peep, err := optSlice(in, pi, "peepholeWeight", 3*hs)
		if err != nil {
			return nil, err
		}
		ho := x.alloc(tensor.Float32, []int{batch, hs})
		co := x.alloc(tensor.Float32, []int{batch, hs})
		lstmStep(xd, batch, isz, hs, w, rw, bias, rbias, peep, h, c, ho.Data.([]float32), co.Data.([]float32), layout != "ifgo", acts)
		return []*tensor.Tensor{ho, co}, nil
	}, nil
}

type seqOpts struct {
	steps, hs        int
	returnSeq        bool
	dirs             []bool // per direction: reversed?
	bias, rbias      int
	peep, h0, c0     int
	acts             []actFn
	layoutDefaultAlt bool
}

func readSeqOpts(nc *nodeCompiler, lstm bool) (*seqOpts, error) {
	o := &seqOpts{peep: -1, c0: -1}
	var steps int64
	var err error
	if v, _, ok := nc.get("steps"); ok {
		if _, dyn := v.(map[string]any); dyn {
			// A dynamic size: the sequence length, which is the input's
			// dim 0 by definition (WebNN checks steps against it); the
			// input's actual size is used.
			if _, err := parseDim(v); err != nil {
				return nil, fmt.Errorf("option steps: %w", err)
			}
		} else if steps, err = nc.optInt(0, "steps"); err != nil {
			return nil, err
		}
	}
	hs, err := nc.optInt(0, "hiddenSize", "hidden_size")
	if err != nil {
		return nil, err
	}
	o.steps, o.hs = int(steps), int(hs)
	if o.returnSeq, err = nc.optBool(false, "returnSequence", "return_sequence"); err != nil {
		return nil, err
	}
	dir, err := nc.optString("forward", "direction")
	if err != nil {
		return nil, err
	}
	switch dir {
	case "forward":
		o.dirs = []bool{false}
	case "backward":
		o.dirs = []bool{true}
	case "both":
		o.dirs = []bool{false, true}
	default:
		return nil, fmt.Errorf("unknown direction %q", dir)
	}
	if o.bias, err = nc.operand(-1, "bias"); err != nil {
		return nil, err
	}
	if o.rbias, err = nc.operand(-1, "recurrentBias", "recurrent_bias"); err != nil {
		return nil, err
	}
	if o.h0, err = nc.operand(-1, "initialHiddenState", "initial_hidden_state"); err != nil {
		return nil, err
	}
	if lstm {
		if o.peep, err = nc.operand(-1, "peepholeWeight", "peephole_weight"); err != nil {
			return nil, err
		}
		if o.c0, err = nc.operand(-1, "initialCellState", "initial_cell_state"); err != nil {
			return nil, err
		}
		layout, err := nc.optString("iofg", "layout")
		if err != nil {
			return nil, err
		}
		o.layoutDefaultAlt = layout == "ifgo"
		if o.acts, err = readActivations(nc, []string{"sigmoid", "tanh", "tanh"}); err != nil {
			return nil, err
		}
	} else {
		layout, err := nc.optString("zrn", "layout")
		if err != nil {
			return nil, err
		}
		o.layoutDefaultAlt = layout == "rzn"
		if o.acts, err = readActivations(nc, []string{"sigmoid", "tanh"}); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// runSeq drives gru/lstm over steps and directions.
func runSeq(x *execCtx, in []*tensor.Tensor, o *seqOpts, lstm bool, resetAfter bool) ([]*tensor.Tensor, error) {
	t := in[0]
	if len(t.Shape) != 3 {
		return nil, fmt.Errorf("input %v must be 3-D [steps, batch, inputSize]", t.Shape)
	}
	steps, batch, isz := t.Shape[0], t.Shape[1], t.Shape[2]
	if o.steps != 0 && o.steps != steps {
		return nil, fmt.Errorf("steps %d, input has %d", o.steps, steps)
	}
	hs := o.hs
	nd := len(o.dirs)
	gates := 3
	if lstm {
		gates = 4
	}
	if hs == 0 {
		if len(in[2].Shape) != 3 {
			return nil, fmt.Errorf("hiddenSize missing and recurrentWeight %v is not 3-D", in[2].Shape)
		}
		hs = in[2].Shape[2]
	}
	xd, err := f32(t, "input")
	if err != nil {
		return nil, err
	}
	w, err := checkLen(in[1], "weight", nd, gates*hs, isz)
	if err != nil {
		return nil, err
	}
	rw, err := checkLen(in[2], "recurrentWeight", nd, gates*hs, hs)
	if err != nil {
		return nil, err
	}
	bias, err := optSlice(in, o.bias, "bias", nd*gates*hs)
	if err != nil {
		return nil, err
	}
	rbias, err := optSlice(in, o.rbias, "recurrentBias", nd*gates*hs)
	if err != nil {
		return nil, err
	}
	peep, err := optSlice(in, o.peep, "peepholeWeight", nd*3*hs)
	if err != nil {
		return nil, err
	}
	h0, err := optSlice(in, o.h0, "initialHiddenState", nd*batch*hs)
	if err != nil {
		return nil, err
	}
	c0, err := optSlice(in, o.c0, "initialCellState", nd*batch*hs)
	if err != nil {
		return nil, err
	}
	hOut := x.alloc(tensor.Float32, []int{nd, batch, hs})
	hd := hOut.Data.([]float32)
	var cd []float32
	var cOut *tensor.Tensor
	if lstm {
		cOut = x.alloc(tensor.Float32, []int{nd, batch, hs})
		cd = cOut.Data.([]float32)
	}
	var seq *tensor.Tensor
	if o.returnSeq {
		seq = x.alloc(tensor.Float32, []int{steps, nd, batch, hs})
	}
	bh := batch * hs
	sub := func(s []float32, d, n int) []float32 {
		if s == nil {
			return nil
		}
		return s[d*n : (d+1)*n]
	}
	for d, reversed := range o.dirs {
		h := make([]float32, bh)
		c := make([]float32, bh)
		if h0 != nil {
			copy(h, h0[d*bh:(d+1)*bh])
		}
		if c0 != nil {
			copy(c, c0[d*bh:(d+1)*bh])
		}
		hn := make([]float32, bh)
		cn := make([]float32, bh)
		for s := 0; s < steps; s++ {
			ts := s
			if reversed {
				ts = steps - 1 - s
			}
			xs := xd[ts*batch*isz : (ts+1)*batch*isz]
			wd := w[d*gates*hs*isz : (d+1)*gates*hs*isz]
			rwd := rw[d*gates*hs*hs : (d+1)*gates*hs*hs]
			if lstm {
				lstmStep(xs, batch, isz, hs, wd, rwd, sub(bias, d, 4*hs), sub(rbias, d, 4*hs), sub(peep, d, 3*hs), h, c, hn, cn, !o.layoutDefaultAlt, o.acts)
				c, cn = cn, c
			} else {
				gruStep(xs, batch, isz, hs, wd, rwd, sub(bias, d, 3*hs), sub(rbias, d, 3*hs), h, hn, resetAfter, !o.layoutDefaultAlt, o.acts)
			}
			h, hn = hn, h
			if seq != nil {
				copy(seq.Data.([]float32)[(ts*nd+d)*bh:(ts*nd+d+1)*bh], h)
			}
		}
		copy(hd[d*bh:(d+1)*bh], h)
		if lstm {
			copy(cd[d*bh:(d+1)*bh], c)
		}
	}
	res := []*tensor.Tensor{hOut}
	if lstm {
		res = append(res, cOut)
	}
	if seq != nil {
		res = append(res, seq)
	}
	return res, nil
}

func compileGru(nc *nodeCompiler) (kernelFn, error) {
	o, err := readSeqOpts(nc, false)
	if err != nil {
		return nil, err
	}
	resetAfter, err := nc.optBool(true, "resetAfter", "reset_after")
	if err != nil {
		return nil, err
	}
	nc.nout = 1
	if o.returnSeq {
		nc.nout = 2
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		return runSeq(x, in, o, false, resetAfter)
	}, nil
}

func compileLstm(nc *nodeCompiler) (kernelFn, error) {
	o, err := readSeqOpts(nc, true)
	if err != nil {
		return nil, err
	}
	nc.nout = 2
	if o.returnSeq {
		nc.nout = 3
	}
	return func(x *execCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		return runSeq(x, in, o, true, false)
	}, nil
}
