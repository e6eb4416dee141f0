// Package shapeinfer computes, for every value of an ONNX model's main
// graph, its element type, its shape as symbolic dims, the known element
// values of small integer "shape tensors", and fully known constants. The
// lowering uses it to keep dynamic dims (batch_size, sequence_length,
// past_sequence_length, …) dynamic in the emitted WebNN graph and to
// refuse what cannot be expressed — never to guess a static shape.
//
// Dims are Expr values: constants, the named dims of the graph inputs,
// and sums, products, floor-divisions, modulos, max and min of them,
// printed in the EXPR grammar that runtime/webnn evaluates
// ("past_sequence_length + sequence_length", "(sequence_length + 1) / 2").
// DeclaredDims reads each input dim: a plain dim_param is a symbol, one
// that is arithmetic over such names is that Expr, any other label and
// every anonymous dim ("?", "unk__3", none) is a symbol "<input>_dim<i>"
// of its own.
//
// Unification (unify.go): every equality an op requires between two dims
// (broadcast of non-1 dims, MatMul's inner dims, Concat's other dims,
// Conv's channels, Reshape's element count, Squeeze's 1) that can be solved
// for a symbol replaces that symbol everywhere, and inference runs again
// (Result.Relations: "kv_cache_dim = 16 (fixed by node …)"); the symbols
// left are the graph's degrees of freedom, and Result.Bind picks values
// for them that satisfy every relation.
// Each symbol has a Bound (Options.Bounds, else DefaultMin/DefaultBound,
// listed in Result.Defaulted); the bounds decide max/min and clamps
// (Slice ends, Range lengths) symbolically. Options.Freeze turns a dim
// into a constant.
//
// Infer visits nodes in topological order (the file order is not trusted;
// a cycle is an error naming a node). One rule per op, in family files
// (elementwise.go, shape_ops.go, linalg.go, conv.go, reduce.go, misc.go),
// registered in the table of rules.go. A rule computes shapes, propagates
// Info.Value through shape arithmetic (Shape, Gather, Concat, Slice,
// Unsqueeze, Add/Mul/Div…, Equal/Where, Range, Expand, ReduceProd…) and
// folds constants (integers through Expr arithmetic, floats elementwise in
// float64, data movement through index maps), so Shape → Gather → Concat →
// Reshape chains resolve symbolically.
//
// Errors: Infer fails only for malformed graphs (cycle, undefined input,
// duplicate output) and for static inconsistencies (a broadcast, MatMul,
// Concat, Reshape… whose constant dims cannot agree), as a *NodeError
// naming the node ("shapeinfer: node "/model/layers.0/MatMul" (MatMul):
// inner dims 576 and 64 differ"); those match errors.Is(err,
// ErrInconsistent). It does not fail for:
//
//   - ops without a rule: their outputs get an Info of unknown type and
//     rank, and the node is listed in Result.Unknown (the lowering refuses
//     it with its own error);
//   - data-dependent sizes (NonZero, a Slice whose starts are runtime
//     values, Range over runtime floats): a made-up symbol named
//     UnknownDimPrefix+"<n>_<node>_<what>" stands for the dim, listed in
//     Result.UnknownDims (see Result.HasUnknownDims);
//   - two different symbolic dims meeting in a broadcast or concat that
//     unification cannot solve for a symbol (min(2048, past + sequence)
//     == past + sequence): they are assumed equal, the simpler is kept,
//     and the assumption is recorded in Result.Constraints;
//   - an op whose rule fails only because an input descends from an op
//     without a rule (Result.KnockOns): its outputs are unknown too.
package shapeinfer
