// Signal processing: STFT and DFT lowered exactly (to float32 rounding)
// where the frame length, step, window and DFT length are known at
// conversion. A DFT of static length is a linear map, so it is a matmul
// with the DFT basis; an STFT is that map applied to every frame, which
// is a strided convolution whose kernels are the windowed basis
// functions. The twiddles are computed in float64 from exact integer
// angles (k·t mod n) and rounded to float32 once.

package lower

import (
	"fmt"
	"hash/fnv"
	"math"

	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// maxBasisElems bounds the DFT basis / STFT kernels webnn-graph builds
// (64 MiB of float32): a longer transform is refused rather than turned
// into a huge constant.
const maxBasisElems = 1 << 24

// twiddle returns cos and sin of sign·2π·(k·t mod n)/n in float64.
func twiddle(k, t, n int, sign float64) (float64, float64) {
	ang := sign * 2 * math.Pi * float64((k*t)%n) / float64(n)
	return math.Cos(ang), math.Sin(ang)
}

// stftParams reads what the STFT lowering needs to be static.
type stftParams struct {
	step, frameLen, bins int
	window               []float64 // nil: rectangular, or dynWindow
	dynWindow            bool      // the window is computed in the graph
	complexIn            bool
}

func (c *ctx) stftParams(n *srcNode) (*stftParams, error) {
	if dt := c.dtypeOf(n, 0); dt != tensor.Float32 {
		return nil, fmt.Errorf("%w: STFT of %s (the kernels are built in float32)", ErrNotImplemented, dt)
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return nil, err
	}
	p := &stftParams{}
	switch {
	case len(xs) == 2:
	case len(xs) == 3 && xs[2].Equal(shapeinfer.Const(1)):
	case len(xs) == 3 && xs[2].Equal(shapeinfer.Const(2)):
		p.complexIn = true
	default:
		return nil, fmt.Errorf("%w: signal of shape %v (want [batch, length], [batch, length, 1] or [batch, length, 2])", ErrUnsupported, xs)
	}
	steps, ok := c.constInts(n, 1)
	if !ok || len(steps) != 1 {
		return nil, c.notConstant(n, 1, "frame_step", "it is the convolution's stride")
	}
	if steps[0] <= 0 || steps[0] > math.MaxInt32 {
		return nil, fmt.Errorf("%w: frame_step %d", ErrUnsupported, steps[0])
	}
	p.step = int(steps[0])
	if n.hasInput(2) {
		if w, ok := c.constFloats(n, 2); ok {
			p.window = w
			p.frameLen = len(w)
		} else {
			// A window computed in the graph multiplies the kernels there.
			ws, err := c.inShape(n, 2)
			if err != nil {
				return nil, err
			}
			wl, static := int64(0), false
			if len(ws) == 1 {
				wl, static = ws[0].Value()
			}
			if !static || wl <= 0 || wl > math.MaxInt32 {
				return nil, fmt.Errorf("%w: window of shape %v: its length must be static (it is the kernel size)", ErrUnsupported, ws)
			}
			p.dynWindow = true
			p.frameLen = int(wl)
		}
	}
	if n.hasInput(3) {
		fl, ok := c.constInts(n, 3)
		if !ok || len(fl) != 1 {
			return nil, c.notConstant(n, 3, "frame_length", "it is the kernel size")
		}
		if p.frameLen != 0 && fl[0] != int64(p.frameLen) {
			return nil, fmt.Errorf("%w: frame_length %d differs from the window's %d values", ErrUnsupported, fl[0], p.frameLen)
		}
		if fl[0] <= 0 || fl[0] > math.MaxInt32 {
			return nil, fmt.Errorf("%w: frame_length %d", ErrUnsupported, fl[0])
		}
		p.frameLen = int(fl[0])
	}
	if p.frameLen == 0 {
		return nil, fmt.Errorf("%w: STFT with neither a window nor a frame_length", ErrUnsupported)
	}
	p.bins = p.frameLen
	if attrInt(n, "onesided", 1) == 1 {
		p.bins = p.frameLen/2 + 1
	}
	ch := 1
	if p.complexIn {
		ch = 2
	}
	if e, ok := checked.Mul(2*p.bins*ch, p.frameLen); !ok || e > maxBasisElems {
		return nil, fmt.Errorf("%w: frame_length %d needs %d×%d kernel values, above the %d webnn-graph builds", ErrUnsupported, p.frameLen, 2*p.bins*ch, p.frameLen, maxBasisElems)
	}
	if c.bases[p.basisKey()] == "" {
		c.canBuild(n.base+"_stft_kernels", int64(2*p.bins*ch*p.frameLen)*4)
	}
	return p, nil
}

// basisKey names the kernels an STFT builds: the same frame length,
// bins, channels and window give the same kernels, built once however
// many nodes use them (a model of a thousand STFTs holds one basis).
func (p *stftParams) basisKey() string {
	h := fnv.New64a()
	var buf [8]byte
	for _, w := range p.window {
		bits := math.Float64bits(w)
		for i := range buf {
			buf[i] = byte(bits >> (8 * i))
		}
		h.Write(buf[:])
	}
	return fmt.Sprintf("stft %d %d %v %x", p.frameLen, p.bins, p.complexIn, h.Sum64())
}

// sharedBasis returns the constant built for key (basisKey), building it
// with build the first time.
func (c *ctx) sharedBasis(key string, build func() (string, error)) (string, error) {
	if id := c.bases[key]; id != "" {
		return id, nil
	}
	id, err := build()
	if err == nil {
		c.bases[key] = id
	}
	return id, err
}

// basisKey names the basis a DFT builds (see stftParams.basisKey).
func (p *dftParams) basisKey() string {
	return fmt.Sprintf("dft %d %d %d %v %v", p.dim, p.length, p.bins, p.complexIn, p.inverse)
}

func checkSTFT(c *ctx, n *srcNode) error {
	_, err := c.stftParams(n)
	return err
}

// lowerSTFT: the signal as a [batch, channels, 1, length] image (channels
// 1 real, 2 complex), a conv2d of stride frame_step with 2·bins kernels
// (per bin its real and imaginary part: Σ w·x·cos and −Σ w·x·sin for a
// real signal), then [batch, bins, 2, frames] transposed to ONNX's
// [batch, frames, bins, 2]. A constant window is folded into the kernels
// (w·cos rounded once); a computed one multiplies them in the graph.
func lowerSTFT(c *ctx, n *srcNode) error {
	p, err := c.stftParams(n)
	if err != nil {
		return err
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	out, err := c.outShape(n, 0)
	if err != nil {
		return err
	}
	if len(out) != 4 {
		return fmt.Errorf("%w: STFT output shape %v", ErrUnsupported, out)
	}
	ch := 1
	one := shapeinfer.Const(1)
	if p.complexIn {
		ch = 2
		x = c.op(n, "transpose", []string{x}, map[string]any{"permutation": intsAny([]int{0, 2, 1})})
	}
	if x, err = c.reshapeTo(n, x, []shapeinfer.Expr{xs[0], shapeinfer.Const(int64(ch)), one, xs[1]}); err != nil {
		return err
	}
	W := p.frameLen
	kw, err := c.sharedBasis(p.basisKey(), func() (string, error) { return c.stftKernels(n, p, ch) })
	if err != nil {
		return err
	}
	if p.dynWindow {
		win, err := c.in(n, 2)
		if err != nil {
			return err
		}
		one := shapeinfer.Const(1)
		if win, err = c.reshapeTo(n, win, []shapeinfer.Expr{one, one, one, shapeinfer.Const(int64(W))}); err != nil {
			return err
		}
		kw = c.op(n, "mul", []string{kw, win}, nil)
	}
	y := c.op(n, "conv2d", []string{x, kw}, map[string]any{
		"padding":   intsAny([]int{0, 0, 0, 0}),
		"strides":   intsAny([]int{1, p.step}),
		"dilations": intsAny([]int{1, 1}),
	})
	if y, err = c.reshapeTo(n, y, []shapeinfer.Expr{out[0], out[2], shapeinfer.Const(2), out[1]}); err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "transpose", []string{y}, map[string]any{"permutation": intsAny([]int{0, 3, 1, 2})}))
	return nil
}

// dftParams reads what the DFT lowering needs to be static.
type dftParams struct {
	axis, dim, length, bins int
	complexIn, inverse      bool
}

func (c *ctx) dftParams(n *srcNode) (*dftParams, error) {
	if dt := c.dtypeOf(n, 0); dt != tensor.Float32 {
		return nil, fmt.Errorf("%w: DFT of %s (the basis is built in float32)", ErrNotImplemented, dt)
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(xs)
	if r < 2 {
		return nil, fmt.Errorf("%w: DFT input of rank %d", ErrUnsupported, r)
	}
	p := &dftParams{inverse: attrInt(n, "inverse", 0) == 1}
	switch {
	case xs[r-1].Equal(shapeinfer.Const(1)):
	case xs[r-1].Equal(shapeinfer.Const(2)):
		p.complexIn = true
	default:
		return nil, fmt.Errorf("%w: DFT input's last dim %s is not 1 (real) or 2 (complex)", ErrUnsupported, xs[r-1])
	}
	axis := attrInt(n, "axis", 1)
	if n.opset >= 20 {
		axis = -2
		if n.hasInput(2) {
			a, ok := c.constInts(n, 2)
			if !ok || len(a) != 1 {
				return nil, c.notConstant(n, 2, "axis", "the basis is built for one axis")
			}
			axis = a[0]
		}
	}
	if axis < -int64(r) || axis >= int64(r) {
		return nil, fmt.Errorf("%w: DFT axis %d of rank %d", ErrUnsupported, axis, r)
	}
	if axis < 0 {
		axis += int64(r)
	}
	if int(axis) == r-1 {
		return nil, fmt.Errorf("%w: DFT over the last (real/complex) axis", ErrUnsupported)
	}
	p.axis = int(axis)
	d, ok := xs[p.axis].Value()
	if !ok {
		return nil, fmt.Errorf("%w: DFT over the dynamic axis %d (%s): the basis is built at conversion for a static length; make it static with %s", ErrUnsupported, p.axis, xs[p.axis], freezeHint(xs[p.axis]))
	}
	p.dim, p.length = int(d), int(d)
	if n.hasInput(1) {
		l, ok := c.constInts(n, 1)
		if !ok || len(l) != 1 {
			return nil, c.notConstant(n, 1, "dft_length", "the basis is built for one length")
		}
		if l[0] <= 0 || l[0] > math.MaxInt32 {
			return nil, fmt.Errorf("%w: dft_length %d", ErrUnsupported, l[0])
		}
		p.length = int(l[0])
	}
	if p.length <= 0 {
		return nil, fmt.Errorf("%w: DFT of length %d", ErrUnsupported, p.length)
	}
	p.bins = p.length
	if attrInt(n, "onesided", 0) == 1 {
		p.bins = p.length/2 + 1
	}
	ch := 1
	if p.complexIn {
		ch = 2
	}
	if e, ok := checked.Mul(p.dim*ch, 2*p.bins); !ok || e > maxBasisElems {
		return nil, fmt.Errorf("%w: a DFT of length %d over %d values needs a %d×%d basis, above the %d values webnn-graph builds", ErrUnsupported, p.length, p.dim, p.dim*ch, 2*p.bins, maxBasisElems)
	}
	if c.bases[p.basisKey()] == "" {
		c.canBuild(n.base+"_dft_basis", int64(p.dim*ch*2*p.bins)*4)
	}
	return p, nil
}

func checkDFT(c *ctx, n *srcNode) error {
	_, err := c.dftParams(n)
	return err
}

// lowerDFT: the signal axis moved next to the real/complex axis, both
// flattened into rows of dim·channels values, a matmul with the basis
// [dim·channels, bins·2] (zero rows past dft_length truncate, a longer
// dft_length zero-pads), then the bins moved back to the axis.
func lowerDFT(c *ctx, n *srcNode) error {
	p, err := c.dftParams(n)
	if err != nil {
		return err
	}
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	xs, err := c.inShape(n, 0)
	if err != nil {
		return err
	}
	r := len(xs)
	ch := 1
	if p.complexIn {
		ch = 2
	}
	// perm moves the axis to r-2; others keep their order.
	var perm []int
	var others []shapeinfer.Expr
	for i := 0; i < r-1; i++ {
		if i != p.axis {
			perm = append(perm, i)
			others = append(others, xs[i])
		}
	}
	perm = append(perm, p.axis, r-1)
	moved := p.axis != r-2
	if moved {
		x = c.op(n, "transpose", []string{x}, map[string]any{"permutation": intsAny(perm)})
	}
	rows := others
	if len(rows) == 0 {
		rows = []shapeinfer.Expr{shapeinfer.Const(1)}
	}
	flat := append(append([]shapeinfer.Expr{}, rows...), shapeinfer.Const(int64(p.dim*ch)))
	if x, err = c.reshapeTo(n, x, flat); err != nil {
		return err
	}
	basis, err := c.sharedBasis(p.basisKey(), func() (string, error) { return c.dftBasis(n, p, ch) })
	if err != nil {
		return err
	}
	y := c.op(n, "matmul", []string{x, basis}, nil)
	back := append(append([]shapeinfer.Expr{}, others...), shapeinfer.Const(int64(p.bins)), shapeinfer.Const(2))
	if y, err = c.reshapeTo(n, y, back); err != nil {
		return err
	}
	if moved {
		inv := make([]int, r)
		for i, v := range perm {
			inv[v] = i
		}
		y = c.op(n, "transpose", []string{y}, map[string]any{"permutation": intsAny(inv)})
	}
	c.bind(n, 0, y)
	return nil
}

// stftKernels builds the windowed DFT basis of an STFT as conv2d kernels
// [2·bins, channels, 1, frame length].
func (c *ctx) stftKernels(n *srcNode, p *stftParams, ch int) (string, error) {
	W := p.frameLen
	w := tensor.New(tensor.Float32, []int{2 * p.bins, ch, 1, W})
	wd := w.Data.([]float32)
	for k := 0; k < p.bins; k++ {
		for t := 0; t < W; t++ {
			win := 1.0
			if p.window != nil {
				win = p.window[t]
			}
			cs, sn := twiddle(k, t, W, -1) // e^{-iθ}: cos θ, −sin θ
			// (xr + i·xi)(cs + i·sn): re = xr·cs − xi·sn, im = xr·sn + xi·cs.
			re, im := (2*k)*ch*W, (2*k+1)*ch*W
			wd[re+t] = float32(win * cs)
			wd[im+t] = float32(win * sn)
			if ch == 2 {
				wd[re+W+t] = float32(-win * sn)
				wd[im+W+t] = float32(win * cs)
			}
		}
	}
	return c.constTensor(n.base+"_stft_kernels", w, "")
}

// dftBasis builds a DFT's basis [dim·channels, 2·bins] for a matmul.
func (c *ctx) dftBasis(n *srcNode, p *dftParams, ch int) (string, error) {
	sign := -1.0
	scale := 1.0
	if p.inverse {
		sign, scale = 1, 1/float64(p.length)
	}
	b := tensor.New(tensor.Float32, []int{p.dim * ch, 2 * p.bins})
	bd := b.Data.([]float32)
	for t := 0; t < min(p.dim, p.length); t++ {
		for k := 0; k < p.bins; k++ {
			cs, sn := twiddle(k, t, p.length, sign)
			// (xr + i·xi)(cs + i·sn): re = xr·cs − xi·sn, im = xr·sn + xi·cs.
			row := t * ch
			bd[row*2*p.bins+2*k] = float32(scale * cs)
			bd[row*2*p.bins+2*k+1] = float32(scale * sn)
			if ch == 2 {
				bd[(row+1)*2*p.bins+2*k] = float32(-scale * sn)
				bd[(row+1)*2*p.bins+2*k+1] = float32(scale * cs)
			}
		}
	}
	return c.constTensor(n.base+"_dft_basis", b, "")
}
