// Package target describes the programs that load converted graphs, each
// as a small table of what it reads: which ops, which dynamic size
// expressions, which data types, how int4 weights are stored, and which of
// its bugs the lowering routes around. The lowering consults the table
// (lower.Options.Target), `validate --target` checks a graph against it;
// nothing else needs to know which loader a graph is for. This follows
// esbuild's per-engine feature tables: one place says what a target can
// do, and each stage asks it instead of taking a flag.
//
// How to consult it from a lowering (lower/): the conversion's target is
// c.target (never nil). Branch on a feature, not on the name:
//
//	if c.target.NativeNormalization { … emit layerNormalization … } else { … decompose … }
//	if c.target.Workarounds.SplitAfterConv { … reshape to the static shape first … }
//
// A new loader quirk gets a field here (with a comment naming the bug, the
// loader version and the regression test) and a row in docs/formats.md.
package target

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// SizeForms says which dynamic size expressions (the "name" of a
// {"name", "maxSize"} entry in reshape/expand newShape and slice sizes) a
// loader evaluates at run time.
type SizeForms int

const (
	// SizesOffset: NAME, NAME + K or NAME - K, where NAME is a dynamic dim
	// a graph input declares and K an integer. rustnn 0.5.12 splits the
	// string at its last '+' (else '-') when the right-hand side parses as
	// an integer, trims the rest and looks it up among the dims of the
	// op's inputs, then of the graph inputs; anything else silently
	// becomes maxSize (converters/onnx.rs parse_dynamic_dim_expr and
	// build_runtime_shape_input).
	SizesOffset SizeForms = iota
	// SizesAny: every expression of the size grammar (graph.ParseSizeExpr:
	// + - * floor-division % min max, parentheses). The loader binds the
	// dims to numbers before it builds the graph (emit-js's build(sizes),
	// WebNN graphs being static-shaped) and evaluates the expression itself.
	SizesAny
)

// Int64Rule says how int64 values reach the loader.
type Int64Rule int

const (
	// Int64Keep keeps int64 inputs, constants, casts and indices.
	Int64Keep Int64Rule = iota
	// Int64ToInt32 declares every int64 input, constant, cast and
	// argMin/argMax result as int32: opSupportLimits() of common browser
	// backends (CoreML, TFLite, some DirectML ops) lack int64, while
	// int32 is everywhere. Constants are converted at conversion time and
	// refused when a value does not fit; inputs are converted by the
	// caller (emit-js's module, `webnn-graph run`), which must check each
	// value fits int32. Outputs that were int64 come back as int32.
	Int64ToInt32
)

// Workarounds are loader bugs the lowering routes around. Each field names
// the bug and the regression test that fails when the workaround is
// removed.
type Workarounds struct {
	// rustnn 0.5.12's shape inference gives conv2d, convTranspose2d and
	// resample2d outputs no shape (rank 0), and element-wise ops pass
	// that on. Two ops then go wrong:
	//
	// ResampleAfterConv: a resample2d of such an operand becomes an
	// identity (the upsampling is silently lost: [1,4,8,8] instead of
	// [1,4,16,16]). The lowering reshapes the operand to its own shape
	// first, which gives rustnn the shape back.
	// Test: TestPywebnnWorkarounds/rustnn-0.5/resample_after_conv.
	ResampleAfterConv bool
	// SplitAfterConv: a split of such an operand fails with "split axis 1
	// out of bounds for rank 0". The same reshape fixes it.
	// Test: TestPywebnnWorkarounds/rustnn-0.5/split_after_conv.
	SplitAfterConv bool
	// BidirectionalLSTM: rustnn 0.5.12 builds a bidirectional lstm's
	// default bias as [1, 8·hidden] where ONNX Runtime needs
	// [2, 8·hidden], so the graph does not run. The lowering emits a
	// forward and a backward op and concatenates their outputs (gru too).
	// Test: TestPywebnnWorkarounds/rustnn-0.5/bidirectional_lstm.
	BidirectionalLSTM bool
	// GlobalPoolWindow: rustnn 0.5.12 writes a pool without
	// windowDimensions (WebNN's global pool) as an ONNX pool without
	// kernel_shape, which ONNX Runtime rejects. Where the spatial dims are
	// static the lowering states the window anyway; where they are
	// dynamic it emits reduceMean/reduceMax/reduceL2 over axes 2 and 3.
	// Test: TestPywebnnWorkarounds/rustnn-0.5/global_pool_dynamic.
	GlobalPoolWindow bool
	// Int4Weights: rustnn 0.5.12 cannot build an int4/uint4 constant
	// written as @scalar or @bytes ("int4/uint4 constants not supported in
	// scalar export"; MatMulNBits' default zero point 8 is such a splat),
	// so the lowering writes every int4/uint4 constant to the weights
	// file, one byte per element.
	// Test: TestPywebnnWorkarounds/rustnn-0.5/int4_default_zero_point.
	Int4Weights bool
	// ShapeLoss: rustnn 0.5.12 loses the output shape of many more ops
	// than conv2d (pad, clamp, leakyRelu, prelu, hardSwish, the
	// normalisations, split, …; lower/workarounds.go lists what was
	// measured) and passes the loss on; a slice or pad of such an operand
	// is then an identity (silently wrong: Whisper's log-mel front end
	// pads twice and its reflect pad vanished), and expand, gather,
	// gatherElements, gatherND and reverse fail to build. The lowering
	// reshapes such an operand to its own shape before those ops.
	// Test: TestPywebnnWorkarounds/rustnn-0.5/shape_loss.
	ShapeLoss bool
}

// Target is one loader's table.
type Target struct {
	Name    string
	Summary string

	// SpecOpsOnly refuses rustnn's non-spec extras (squeeze, unsqueeze,
	// shape, globalAveragePool, globalMaxPool, constant): browsers do not
	// implement them.
	SpecOpsOnly bool
	// Sizes are the dynamic size expressions the loader evaluates.
	Sizes SizeForms
	// NativeNormalization keeps layerNormalization, instanceNormalization
	// (as layerNormalization over the spatial axes) and
	// batchNormalization as single ops; otherwise they are decomposed
	// into reduceMean/sub/mul/add/sqrt/div (rustnn ≤ 0.5.12 mis-infers
	// the output shape of a normalisation fed by another one).
	NativeNormalization bool
	// Int64 is how int64 data reaches the loader.
	Int64 Int64Rule
	// PackedInt4 stores int4/uint4 weights two per byte (low nibble
	// first), as WebNN's MLOperandDataType int4/uint4 constants are laid
	// out in browsers; otherwise one byte per element (rustnn 0.5.12's
	// validator counts one byte per element).
	PackedInt4 bool
	Workarounds
	// Fallback is the target a conversion moves to when this one was not
	// chosen (it is the default) and the only refusals are limits of this
	// loader (lower.OnlyTargetLimits): the model is one WebNN expresses,
	// so `convert` without --target converts it for a loader that reads it
	// instead of refusing, and says so. nil: no fallback.
	Fallback *Target
}

// The targets. Default is the one `convert` uses without --target.
var (
	// RustnnV05 is pywebnn 0.5.12 / rustnn 0.5.12 as published on PyPI
	// and crates.io, the reference loader of the .webnn format.
	RustnnV05 = &Target{
		Name:    "rustnn-0.5",
		Summary: "pywebnn / rustnn 0.5.12: normalisations decomposed, sizes NAME±K, int4 one byte per element, loader bugs routed around",
		Sizes:   SizesOffset,
		Int64:   Int64Keep,
		Workarounds: Workarounds{
			ResampleAfterConv: true,
			SplitAfterConv:    true,
			BidirectionalLSTM: true,
			GlobalPoolWindow:  true,
			Int4Weights:       true,
			ShapeLoss:         true,
		},
		Fallback: WebNN,
	}
	// WebNN is the W3C spec as browsers implement it, reached through
	// emit-js (MLGraphBuilder): fused ops kept, int64 as int32, no
	// loader-specific rewrites.
	WebNN = &Target{
		Name:                "webnn",
		Summary:             "W3C WebNN in browsers (emit-js): native layerNormalization/batchNormalization, int64 as int32, any size expression, packed int4",
		SpecOpsOnly:         true,
		Sizes:               SizesAny,
		NativeNormalization: true,
		Int64:               Int64ToInt32,
		PackedInt4:          true,
	}
	// Default is rustnn-0.5: its graphs load in pywebnn, the reference
	// loader of the format, and use spec ops only, so emit-js runs them in
	// browsers too (casting int64 where a context lacks it); a `webnn`
	// graph can fail in rustnn (chained layerNormalization).
	Default = RustnnV05
)

var all = []*Target{RustnnV05, WebNN}

// Lookup returns the target called name ("" is Default).
func Lookup(name string) (*Target, error) {
	if name == "" {
		return Default, nil
	}
	for _, t := range all {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("unknown target %q (want %s)", name, strings.Join(Names(), " or "))
}

// Names lists the target names.
func Names() []string {
	var out []string
	for _, t := range all {
		out = append(out, t.Name)
	}
	return out
}

// All returns every target, default first.
func All() []*Target {
	out := append([]*Target(nil), all...)
	sort.SliceStable(out, func(i, j int) bool { return out[i] == Default && out[j] != Default })
	return out
}

// OffsetForm parses a size expression the way rustnn 0.5.12 does: the
// text is split at its last '+' when what follows is an integer, else at
// its last '-'; the rest, trimmed, is the dim name. ok is false when the
// name is not a plain identifier (rustnn would then look up a dim named
// like the whole expression, find none, and use maxSize).
func OffsetForm(s string) (name string, k int64, ok bool) {
	s = strings.TrimSpace(s)
	name = s
	if i := strings.LastIndexByte(s, '+'); i >= 0 {
		if v, err := strconv.ParseInt(strings.TrimSpace(s[i+1:]), 10, 64); err == nil {
			name, k = strings.TrimSpace(s[:i]), v
		}
	}
	if name == s {
		if i := strings.LastIndexByte(s, '-'); i >= 0 {
			if v, err := strconv.ParseInt(strings.TrimSpace(s[i+1:]), 10, 64); err == nil {
				name, k = strings.TrimSpace(s[:i]), -v
			}
		}
	}
	return name, k, isIdent(name)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// EvaluatesSize reports whether the target evaluates size expression expr
// exactly, given the dim names the graph inputs declare.
func (t *Target) EvaluatesSize(expr string, inputDims map[string]bool) bool {
	switch t.Sizes {
	case SizesOffset:
		name, _, ok := OffsetForm(expr)
		return ok && inputDims[name] && !DimNameMisread(name)
	default:
		e, err := graph.ParseSizeExpr(expr)
		if err != nil {
			return false
		}
		for _, s := range e.Symbols() {
			if !inputDims[s] {
				return false
			}
		}
		return true
	}
}

// DimNameMisread reports whether rustnn would read a dim name itself as
// NAME±K ("seq-1" is dim "seq" minus one there): such a name cannot be
// used in sizes for rustnn-0.5.
func DimNameMisread(name string) bool {
	n, _, _ := OffsetForm(name)
	return n != strings.TrimSpace(name)
}

// SizeFormsDoc describes the accepted size expressions, for messages.
func (t *Target) SizeFormsDoc() string {
	if t.Sizes == SizesOffset {
		return "NAME, NAME + K or NAME - K with NAME an input dim"
	}
	return "any size expression over input dims"
}

// Check lists what g uses that the target does not read: ops outside its
// set, size expressions it would mis-evaluate, data types it lacks. It
// does not repeat graph.Validate (which every target needs).
func (t *Target) Check(g *graph.Graph) []string {
	var out []string
	dims := graph.InputDims(g)
	if t.Sizes == SizesOffset {
		var names []string
		for d := range dims {
			if DimNameMisread(d) {
				names = append(names, d)
			}
		}
		sort.Strings(names)
		for _, d := range names {
			out = append(out, fmt.Sprintf("dim name %q ends in ±integer, which %s reads as an offset of another dim; rename it", d, t.Name))
		}
	}
	if t.Int64 == Int64ToInt32 {
		for _, in := range g.Inputs {
			if in.Desc.DType == tensor.Int64 {
				out = append(out, fmt.Sprintf("input %q is int64; target %s takes int32 (convert with --target %s)", in.Name, t.Name, t.Name))
			}
		}
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if info, ok := graph.Ops[n.Op]; ok && !info.Spec && t.SpecOpsOnly {
			out = append(out, fmt.Sprintf("node %q: op %s is a rustnn extra, not a WebNN operation (target %s)", n.ID, n.Op, t.Name))
		}
		for _, d := range graph.DynamicSizes(n) {
			if !t.EvaluatesSize(d.Expr, dims) {
				out = append(out, fmt.Sprintf("node %q (%s): option %s[%d]: size expression %q is not one target %s evaluates (%s); it would use maxSize %d", n.ID, n.Op, d.Key, d.Index, d.Expr, t.Name, t.SizeFormsDoc(), d.MaxSize))
			}
		}
		if t.Int64 == Int64ToInt32 {
			if to, _ := n.Options["to"].(string); n.Op == "cast" && to == "int64" {
				out = append(out, fmt.Sprintf("node %q: cast to int64; target %s takes int32", n.ID, t.Name))
			}
		}
	}
	return out
}
