// Constants of the emitted graph: initializers (stored in the weights file,
// bytes fetched lazily), folded values (inline @bytes or @scalar when small,
// generated weights keys otherwise), and shape tensors whose elements are
// symbolic expressions over input dims, rebuilt from WebNN ops.

package lower

import (
	le "encoding/binary"
	"errors"
	"fmt"
	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"math"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// webnnDType maps an ONNX element type to the WebNN operand type that
// carries it: bool travels as uint8 (0/1); types WebNN lacks are refused.
func webnnDType(dt tensor.DType) (tensor.DType, error) {
	switch {
	case dt == tensor.Bool:
		return tensor.Uint8, nil
	case dt.IsWebNN():
		return dt, nil
	}
	return tensor.Undefined, dtypeRefusal(dt)
}

// dtypeRefusal says why a data type is refused: float64, strings and
// complex numbers have no exact WebNN type; int16, uint16 and bfloat16
// could be widened exactly (to int32 / float32), which webnn-graph does
// only for constants.
func dtypeRefusal(dt tensor.DType) error {
	switch dt {
	case tensor.Undefined:
		// elem_type 0: the file is malformed, not beyond WebNN.
		return errors.New("data type is UNDEFINED (elem_type 0): the model does not state it")
	case tensor.Int16, tensor.Uint16, tensor.BFloat16:
		return fmt.Errorf("%w: data type %v is not a WebNN type and is not widened here", ErrUnsupported, dt)
	}
	return fmt.Errorf("%w: data type %v has no WebNN equivalent", ErrNotInWebNN, dt)
}

// staticDesc builds a static descriptor.
func staticDesc(dt tensor.DType, shape []int) graph.Desc {
	d := graph.Desc{DType: dt, Shape: make([]graph.Dim, len(shape))}
	for i, s := range shape {
		d.Shape[i] = graph.Static(int64(s))
	}
	return d
}

// initializerConst declares initializer t as a const. Types WebNN carries
// as stored are served zero-copy from the model; others (bool, packed
// int4/uint4, float64, bfloat16) are converted when the weights are read.
func (c *ctx) initializerConst(t *onnxpb.TensorProto) (string, error) {
	return c.tensorProtoConst(t, t.GetName())
}

// tensorProtoConst declares a const for a tensor proto (initializer or
// Constant node value) named name.
func (c *ctx) tensorProtoConst(t *onnxpb.TensorProto, name string) (string, error) {
	dt := tensor.DType(t.GetDataType())
	shape := make([]int, len(t.GetDims()))
	for i, d := range t.GetDims() {
		shape[i] = int(d)
	}
	n := tensor.NumElements(shape)
	// Small initializers go inline (shape constants, scalars).
	if info := c.info(name); info != nil && info.Const != nil && n*max(dt.Size(), 1) < smallConstBytes {
		return c.constTensor(emit.Sanitize(name), info.Const, name)
	}
	wdt := dt
	var convert func(b []byte) ([]byte, error)
	m := c.m
	switch dt {
	case tensor.Bool:
		wdt = tensor.Uint8
	case tensor.Int4, tensor.Uint4:
		convert = func([]byte) ([]byte, error) {
			tt, err := m.Tensor(t)
			if err != nil {
				return nil, err
			}
			return tt.Bytes(), nil
		}
	case tensor.Float64:
		wdt = tensor.Float32
		convert = func(b []byte) ([]byte, error) {
			out := make([]byte, len(b)/2)
			for i := 0; i < len(b)/8; i++ {
				v := math.Float64frombits(le.LittleEndian.Uint64(b[8*i:]))
				le.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(v)))
			}
			return out, nil
		}
	case tensor.BFloat16:
		wdt = tensor.Float32
		convert = func(b []byte) ([]byte, error) {
			out := make([]byte, 2*len(b))
			for i := 0; i < len(b)/2; i++ {
				le.LittleEndian.PutUint32(out[4*i:], uint32(le.LittleEndian.Uint16(b[2*i:]))<<16)
			}
			return out, nil
		}
	default:
		if !dt.IsWebNN() {
			return "", fmt.Errorf("tensor %q: %w", name, dtypeRefusal(dt))
		}
	}
	id := c.ids.fresh(emit.Sanitize(name))
	key := c.weightKey(emit.Sanitize(name))
	desc := staticDesc(wdt, shape)
	c.weights = append(c.weights, Weight{Key: key, Desc: desc, Data: func() ([]byte, error) {
		b, err := m.RawBytes(t)
		if err != nil {
			return nil, err
		}
		if convert != nil {
			return convert(b)
		}
		return b, nil
	}})
	c.g.Consts = append(c.g.Consts, graph.Const{Name: id, Desc: desc, Kind: graph.ConstWeights, Ref: key, Comment: commentFor(name, id)})
	return id, nil
}

func (c *ctx) weightKey(want string) string {
	k := want
	for i := 2; c.weightKeys[k]; i++ {
		k = fmt.Sprintf("%s_%d", want, i)
	}
	c.weightKeys[k] = true
	return k
}

// constTensor declares a const holding t: @scalar when every element is
// equal, @bytes when small, else a weights entry with a generated key.
func (c *ctx) constTensor(name string, t *tensor.Tensor, comment string) (string, error) {
	wdt, err := webnnDType(t.DType)
	if err != nil {
		if t.DType == tensor.Float64 {
			t = toFloat32(t)
			wdt = tensor.Float32
		} else {
			return "", err
		}
	}
	for i, d := range t.Shape {
		if d > graph.MaxDim {
			return "", fmt.Errorf("%w: constant %s has dim %d = %d, above WebNN's largest dimension %d", ErrUnsupported, name, i, d, int64(graph.MaxDim))
		}
	}
	desc := staticDesc(wdt, t.Shape)
	int4Weights := c.target.Int4Weights && (wdt == tensor.Int4 || wdt == tensor.Uint4)
	if num, ok := splatNumber(t); ok && t.Len() > 0 && !int4Weights {
		key := "scalar:" + desc.String() + "=" + string(num)
		if op, ok := c.scalarMemo[key]; ok {
			return op, nil
		}
		id := c.ids.fresh(name)
		c.g.Consts = append(c.g.Consts, graph.Const{Name: id, Desc: desc, Kind: graph.ConstScalar, Scalar: num, Comment: commentFor(comment, id)})
		c.scalarMemo[key] = id
		return id, nil
	}
	b := t.Bytes()
	id := c.ids.fresh(name)
	if len(b) < smallConstBytes && !int4Weights {
		c.g.Consts = append(c.g.Consts, graph.Const{Name: id, Desc: desc, Kind: graph.ConstBytes, Bytes: b, Comment: commentFor(comment, id)})
		return id, nil
	}
	c.holdBuilt(name, int64(len(b)))
	key := c.weightKey(id)
	c.weights = append(c.weights, Weight{Key: key, Desc: desc, Data: func() ([]byte, error) { return b, nil }})
	c.g.Consts = append(c.g.Consts, graph.Const{Name: id, Desc: desc, Kind: graph.ConstWeights, Ref: key, Comment: commentFor(comment, id)})
	return id, nil
}

// holdBuilt counts n more bytes of constants the conversion has built (a
// folded value, a DFT basis) and holds in memory until the weights file
// is written. Each was checked against the memory budget when it was
// made, but not their sum: a 700-byte model of ten STFTs of distinct
// frame lengths wrote 167 MB of bases past --max-memory 64MiB, and a
// thousand of them would fill a disk. Their total is held to the budget.
func (c *ctx) holdBuilt(name string, n int64) {
	c.canBuild(name, n)
	c.builtBytes += n
}

// canBuild is holdBuilt's check without the counting, for a lowering to
// call before it computes a large constant (a DFT basis takes longer to
// compute than to refuse). Past the budget it ends the conversion (a
// *ConstantsTooLargeError panic, passed on by guard): every later
// constant would be refused the same way.
func (c *ctx) canBuild(name string, n int64) {
	if _, total := membudget.Limits(); c.builtBytes+n > total {
		e := &ConstantsTooLargeError{Const: name, Bytes: c.builtBytes + n, Limit: total}
		if c.cur != nil {
			e.Node, e.Op = c.cur.label, c.cur.GetOpType()
		}
		panic(e)
	}
}

// ConstantsTooLargeError is a conversion stopped because the constants it
// built passed the memory budget (see holdBuilt).
type ConstantsTooLargeError struct {
	Node, Op, Const string
	Bytes, Limit    int64
}

func (e *ConstantsTooLargeError) Error() string {
	return fmt.Sprintf("node %q (%s): constant %s would bring the constants built at conversion to %d bytes (%s), past the memory budget of %s (raise it with --max-memory)",
		e.Node, e.Op, e.Const, e.Bytes, membudget.Human(e.Bytes), membudget.Human(e.Limit))
}

func toFloat32(t *tensor.Tensor) *tensor.Tensor {
	out := tensor.New(tensor.Float32, t.Shape)
	for i, v := range t.Data.([]float64) {
		out.Data.([]float32)[i] = float32(v)
	}
	return out
}

// splatNumber returns the common value of t as a plain decimal when every
// element is equal and the value is finite.
func splatNumber(t *tensor.Tensor) (graph.Number, bool) {
	n := t.Len()
	if n == 0 {
		return "", false
	}
	switch d := t.Data.(type) {
	case []float32:
		for _, v := range d[1:] {
			if math.Float32bits(v) != math.Float32bits(d[0]) {
				return "", false
			}
		}
		return floatNumber(float64(d[0]), 64)
	case []float64:
		for _, v := range d[1:] {
			if v != d[0] {
				return "", false
			}
		}
		return floatNumber(float32to64(float32(d[0])), 64)
	case []uint16:
		if t.DType != tensor.Float16 {
			return "", false
		}
		for _, v := range d[1:] {
			if v != d[0] {
				return "", false
			}
		}
		return floatNumber(float64(halfToFloat(d[0])), 64)
	case []int64:
		for _, v := range d[1:] {
			if v != d[0] {
				return "", false
			}
		}
		return graph.Number(strconv.FormatInt(d[0], 10)), true
	case []int32:
		for _, v := range d[1:] {
			if v != d[0] {
				return "", false
			}
		}
		return graph.Number(strconv.FormatInt(int64(d[0]), 10)), true
	case []uint8:
		if t.DType != tensor.Uint8 {
			return "", false
		}
		for _, v := range d[1:] {
			if v != d[0] {
				return "", false
			}
		}
		return graph.Number(strconv.FormatInt(int64(d[0]), 10)), true
	case []int8:
		if t.DType != tensor.Int8 {
			return "", false
		}
		for _, v := range d[1:] {
			if v != d[0] {
				return "", false
			}
		}
		return graph.Number(strconv.FormatInt(int64(d[0]), 10)), true
	case []bool:
		for _, v := range d[1:] {
			if v != d[0] {
				return "", false
			}
		}
		if d[0] {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

func float32to64(f float32) float64 { return float64(f) }

// floatNumber formats v as the shortest decimal that reads back to the
// same float32 (bits 32) or float64; false for Inf/NaN.
func floatNumber(v float64, bits int) (graph.Number, bool) {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return "", false
	}
	return graph.Number(strconv.FormatFloat(v, 'g', -1, bits)), true
}

// halfToFloat converts IEEE half bits to float32.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// subnormal
		f := float32(frac) / 1024 * float32(math.Pow(2, -14))
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// scalar declares a rank-0 (or given shape) const of dtype dt whose
// elements all equal v.
func (c *ctx) scalar(dt tensor.DType, v float64, shape ...int) (string, error) {
	wdt, err := webnnDType(dt)
	if err != nil {
		return "", err
	}
	var num graph.Number
	if dt.IsFloat() {
		var ok bool
		bits := 32
		if dt == tensor.Float64 {
			bits = 64
		}
		if num, ok = floatNumber(v, bits); !ok {
			return c.constTensor("c", splatTensor(dt, v, shape), "")
		}
	} else {
		if c.target.Int4Weights && (wdt == tensor.Int4 || wdt == tensor.Uint4) {
			return c.constTensor(fmt.Sprintf("c_%s_%d", wdt.Short(), int64(v)), splatTensor(dt, v, shape), "")
		}
		num = graph.Number(strconv.FormatInt(int64(v), 10))
	}
	desc := staticDesc(wdt, shape)
	key := "scalar:" + desc.String() + "=" + string(num)
	if op, ok := c.scalarMemo[key]; ok {
		return op, nil
	}
	id := c.ids.fresh(fmt.Sprintf("c_%s_%s", wdt.Short(), sanitizeNumber(string(num))))
	c.g.Consts = append(c.g.Consts, graph.Const{Name: id, Desc: desc, Kind: graph.ConstScalar, Scalar: num})
	c.scalarMemo[key] = id
	return id, nil
}

func sanitizeNumber(s string) string {
	b := []byte(s)
	for i, ch := range b {
		switch ch {
		case '-':
			b[i] = 'm'
		case '.':
			b[i] = 'p'
		case '+':
			b[i] = '_'
		}
	}
	return string(b)
}

// splatTensor builds a tensor of shape filled with v (used for values a
// decimal literal cannot spell, such as -Inf).
func splatTensor(dt tensor.DType, v float64, shape []int) *tensor.Tensor {
	t := tensor.New(dt, shape)
	switch d := t.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v)
		}
	case []float64:
		for i := range d {
			d[i] = v
		}
	case []uint16:
		h := floatToHalf(float32(v))
		for i := range d {
			d[i] = h
		}
	case []int64:
		for i := range d {
			d[i] = int64(v)
		}
	case []int32:
		for i := range d {
			d[i] = int32(v)
		}
	case []int8:
		for i := range d {
			d[i] = int8(v)
		}
	case []uint8:
		for i := range d {
			d[i] = uint8(v)
		}
	}
	return t
}

// floatToHalf converts a float32 to IEEE half bits (round to nearest even).
func floatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	frac := b & 0x7fffff
	if exp == 0xff {
		if frac != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 31 {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		m := frac | 0x800000
		shift := uint32(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | frac>>13
	rem := frac & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++
	}
	return sign | uint16(h)
}

// dimOption renders a size for an option: an int64 when static, else the
// dynamic object {"name": EXPR, "maxSize": N}.
func (c *ctx) dimOption(e shapeinfer.Expr) (any, error) {
	if v, ok := e.Value(); ok {
		if v < 0 {
			return nil, fmt.Errorf("size %d is negative", v)
		}
		return v, nil
	}
	for _, s := range e.Symbols() {
		if !c.inputSyms[s] {
			return nil, fmt.Errorf("%w: size %q depends on tensor data, not only on input dims (WebNN graphs have static shapes)", ErrNotInWebNN, e.String())
		}
	}
	orig := e
	e, err := c.loaderForm(e)
	if err != nil {
		return nil, err
	}
	for _, s := range e.Symbols() {
		c.symbols[s] = true
	}
	mx := e.MaxValue(c.bounds)
	if mx < 0 {
		return nil, fmt.Errorf("size %q is never positive", e.String())
	}
	c.recordSize(e.String(), orig)
	return map[string]any{"name": e.String(), "maxSize": mx}, nil
}

// loaderForm rewrites a dynamic size into a form the target evaluates
// (rustnn-0.5: `NAME`, `NAME + K`, `NAME - K` with NAME an input dim; see
// target.SizeForms): it simplifies min/max under the bounds, then tries
// each equality shapeinfer assumed (past_sequence_length +
// sequence_length == total_sequence_length) solved for one of its
// symbols. A size that stays in another form is refused for the target —
// the loader would silently use its maxSize — naming the expression and
// the --freeze that makes it static.
func (c *ctx) loaderForm(e shapeinfer.Expr) (shapeinfer.Expr, error) {
	// The simplest form every target reads is preferred whatever the
	// target; then anything the target evaluates.
	offset := func(x shapeinfer.Expr) bool {
		return target.RustnnV05.EvaluatesSize(x.String(), c.inputSyms)
	}
	forms := []func(shapeinfer.Expr) bool{offset, func(x shapeinfer.Expr) bool {
		return c.target.EvaluatesSize(x.String(), c.inputSyms)
	}}
	for _, ok := range forms {
		if ok(e) {
			return e, nil
		}
		if x := e.SubstB(nil, c.bounds); ok(x) {
			return x, nil
		}
		for _, sub := range c.dimSubs {
			if x := e.SubstB(sub, c.bounds); ok(x) {
				return x, nil
			}
		}
	}
	return e, c.sizeRefusal(e)
}

// sizeRefusal is the error for a size expression the target cannot
// evaluate: it names the expression, what the target reads and the flags
// that make the size static.
func (c *ctx) sizeRefusal(e shapeinfer.Expr) error {
	var fix []string
	for _, s := range e.Symbols() {
		fix = append(fix, "--freeze "+s+"="+sizePlaceholder(s))
	}
	other := "webnn"
	if c.target.Name == other {
		other = ""
	}
	kind := ErrTargetLimit
	if c.target.Name == "webnn" {
		kind = ErrUnsupported
	}
	msg := fmt.Sprintf("%v: size expression %q is not one target %s evaluates (%s; it would use maxSize %d instead); make it static with %s",
		kind, e.String(), c.target.Name, c.target.SizeFormsDoc(), e.MaxValue(c.bounds), strings.Join(fix, " "))
	if other != "" {
		msg += " or convert with --target " + other
	}
	return &sizeError{msg: msg, kind: kind}
}

// sizeError is a refused size expression; it unwraps to its kind
// (ErrTargetLimit for rustnn-0.5), which matches ErrUnsupported.
type sizeError struct {
	msg  string
	kind error
}

func (e *sizeError) Error() string { return e.msg }
func (e *sizeError) Unwrap() error { return e.kind }

// warn records a warning once.
func (c *ctx) warn(msg string) {
	for _, w := range c.warnings {
		if w == msg {
			return
		}
	}
	c.warnings = append(c.warnings, msg)
}

// dimsOption renders a shape for newShape/sizes options.
func (c *ctx) dimsOption(es []shapeinfer.Expr) ([]any, error) {
	if es == nil {
		return nil, fmt.Errorf("%w: shape is unknown", ErrUnsupported)
	}
	out := make([]any, len(es))
	for i, e := range es {
		d, err := c.dimOption(e)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// dimOperand builds an int64 tensor of shape [1] holding the value of the
// dim expression e at run time: a splat of ones sliced to e elements and
// summed. It is exact for every e in [0, max].
func (c *ctx) dimOperand(n *srcNode, e shapeinfer.Expr) (string, error) {
	if v, ok := e.Value(); ok {
		return c.constTensor("c_i64", &tensor.Tensor{DType: tensor.Int64, Shape: []int{1}, Data: []int64{v}}, "")
	}
	if e.MinValue(c.bounds) < 0 {
		return "", fmt.Errorf("%w: value %q may be negative, cannot be rebuilt from a slice length", ErrUnsupported, e.String())
	}
	size, err := c.dimOption(e)
	if err != nil {
		return "", err
	}
	mx := size.(map[string]any)["maxSize"].(int64)
	if mx > 1<<24 {
		return "", fmt.Errorf("%w: value %q may reach %d, too large to rebuild", ErrUnsupported, e.String(), mx)
	}
	ones, err := c.scalar(tensor.Int64, 1, int(max(mx, 1)))
	if err != nil {
		return "", err
	}
	sl := c.op(n, "slice", []string{ones}, map[string]any{"starts": []any{int64(0)}, "sizes": []any{size}})
	return c.op(n, "reduceSum", []string{sl}, map[string]any{"axes": []any{int64(0)}, "keepDimensions": true}), nil
}

// fromValue builds the tensor a shape-valued ONNX value holds (elements
// known as expressions over input dims) without the ops that computed it.
func (c *ctx) fromValue(n *srcNode, info *shapeinfer.Info) (string, error) {
	shape, ok := info.StaticShape()
	if !ok {
		return "", fmt.Errorf("%w: shape tensor has a dynamic shape %s", ErrUnsupported, shapeinfer.ShapeString(info.Shape))
	}
	if len(info.Value) != tensor.NumElements(shape) {
		return "", fmt.Errorf("internal: value has %d elements for shape %v", len(info.Value), shape)
	}
	var pieces []string
	var run []int64
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		op, err := c.constTensor(n.base+"_v", &tensor.Tensor{DType: tensor.Int64, Shape: []int{len(run)}, Data: run}, "")
		if err != nil {
			return err
		}
		pieces = append(pieces, op)
		run = nil
		return nil
	}
	for _, e := range info.Value {
		if v, ok := e.Value(); ok {
			run = append(run, v)
			continue
		}
		if err := flush(); err != nil {
			return "", err
		}
		op, err := c.dimOperand(n, e)
		if err != nil {
			return "", err
		}
		pieces = append(pieces, op)
	}
	if err := flush(); err != nil {
		return "", err
	}
	var out string
	switch len(pieces) {
	case 0:
		return c.constTensor(n.base, &tensor.Tensor{DType: tensor.Int64, Shape: shape, Data: []int64{}}, "")
	case 1:
		out = pieces[0]
	default:
		out = c.op(n, "concat", pieces, map[string]any{"axis": int64(0)})
	}
	if len(shape) != 1 {
		out = c.op(n, "reshape", []string{out}, map[string]any{"newShape": intsAny(shape)})
	}
	if info.DType != tensor.Int64 {
		dt, err := webnnDType(info.DType)
		if err != nil {
			return "", err
		}
		out = c.op(n, "cast", []string{out}, map[string]any{"to": dt.String()})
	}
	return out, nil
}

func intsAny[T int | int64 | int32](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}
