// What a refusal says: whether WebNN itself cannot express the model
// (ErrNotInWebNN), webnn-graph has not implemented it (ErrNotImplemented,
// and the plain ErrUnsupported), or the target loader cannot read it
// (ErrTargetLimit); which --freeze would lift it; and which refusal is
// the first cause — an op without a lowering or a shape rule — with the
// refusals it causes downstream grouped under it.

package lower

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// refusalKind is a class of refusal; every kind matches
// errors.Is(err, ErrUnsupported).
type refusalKind struct{ text string }

func (k *refusalKind) Error() string        { return k.text }
func (k *refusalKind) Is(target error) bool { return target == ErrUnsupported }

var (
	// ErrNotInWebNN marks what the WebNN specification cannot express:
	// shapes that depend on tensor data (WebNN graphs are built with
	// static shapes), data types it lacks (float64, string), control
	// flow, random numbers.
	ErrNotInWebNN error = &refusalKind{"not expressible in WebNN"}
	// ErrNotImplemented marks what webnn-graph does not lower although
	// WebNN could express it (an op without a lowering, a decomposition
	// not written).
	ErrNotImplemented error = &refusalKind{"not implemented in webnn-graph"}
	// ErrTargetLimit marks what the target loader cannot read although
	// WebNN can express it (rustnn 0.5.12's size forms).
	ErrTargetLimit error = &refusalKind{"a limit of the target loader, not of WebNN"}
)

// inexpressibleOps are ONNX ops WebNN cannot express at all, with why.
var inexpressibleOps = map[string]string{
	"NonZero":                   "its output shape depends on tensor data (WebNN graphs have static shapes)",
	"Unique":                    "its output shape depends on tensor data (WebNN graphs have static shapes)",
	"Compress":                  "its output shape depends on tensor data (WebNN graphs have static shapes)",
	"NonMaxSuppression":         "its output shape depends on tensor data (WebNN graphs have static shapes)",
	"StringNormalizer":          "WebNN has no string tensors",
	"StringConcat":              "WebNN has no string tensors",
	"StringSplit":               "WebNN has no string tensors",
	"RegexFullMatch":            "WebNN has no string tensors",
	"TfIdfVectorizer":           "its output depends on n-gram tables WebNN has no op for",
	"ai.onnx.ml.ZipMap":         "its output is a sequence of maps (WebNN values are tensors)",
	"ai.onnx.ml.DictVectorizer": "its input is a map (WebNN values are tensors)",
	"SequenceAt":                "WebNN has no sequence values",
	"SequenceConstruct":         "WebNN has no sequence values",
	"SequenceEmpty":             "WebNN has no sequence values",
	"SequenceErase":             "WebNN has no sequence values",
	"SequenceInsert":            "WebNN has no sequence values",
	"SequenceLength":            "WebNN has no sequence values",
	"SequenceMap":               "WebNN has no sequence values",
	"SplitToSequence":           "WebNN has no sequence values",
	"ConcatFromSequence":        "WebNN has no sequence values",
	"Optional":                  "WebNN has no optional values",
	"OptionalGetElement":        "WebNN has no optional values",
	"OptionalHasElement":        "WebNN has no optional values",
	"RandomNormal":              "WebNN has no random number generation",
	"RandomNormalLike":          "WebNN has no random number generation",
	"RandomUniform":             "WebNN has no random number generation",
	"RandomUniformLike":         "WebNN has no random number generation",
	"Multinomial":               "WebNN has no random number generation",
	"Bernoulli":                 "WebNN has no random number generation",
	"DynamicTimeWarping":        "its output shape depends on tensor data (WebNN graphs have static shapes)",
}

// unloweredOps are ops the reference interpreter (runtime/onnx) runs but
// webnn-graph does not lower, with why.
var unloweredOps = map[string]string{
	"com.microsoft.QLinearSoftmax": "ONNX Runtime rounds e·floor(1/y_scale)/sum from a quotient more precise than float32 " +
		"(a float32 quotient that lands on a tie goes the way of the exact one); WebNN's float32 div rounds first, and " +
		"resolving those ties with error-free float32 transformations would rely on every backend keeping IEEE " +
		"round-to-nearest without contraction — the lowering is refused rather than off by one quantum on ties",
}

// opRefusal marks a refusal of the op itself (no lowering, an opset
// outside the table, an op WebNN cannot express): the node would be
// refused whatever its inputs, so it is a first cause in its own right,
// never a knock-on of a refused node upstream.
type opRefusal struct{ err error }

func (e opRefusal) Error() string { return e.err.Error() }
func (e opRefusal) Unwrap() error { return e.err }

// unsupportedOp is the refusal of a node whose op has no lowering.
func unsupportedOp(c *ctx, n *srcNode) error {
	return opRefusal{unsupportedOpReason(c, n)}
}

func unsupportedOpReason(c *ctx, n *srcNode) error {
	op := qualifiedOp(n.domain(), n.GetOpType())
	if other := lookupAny(n.domain(), n.GetOpType()); other != nil {
		if n.domain() == "" {
			if n.opset > onnxOpsetMax {
				return fmt.Errorf("%w: opset %d is newer than the ONNX operator versions webnn-graph was checked against (through opset %d): %s may have changed since", ErrNotImplemented, n.opset, onnxOpsetMax, op)
			}
			if v, inTable, ok := onnxOpVersion(n.GetOpType(), n.opset); inTable && ok {
				return fmt.Errorf("%w: %s version %d (selected by opset %d) is outside the versions lowered (%s)", ErrNotImplemented, op, v, n.opset, other.opsetRange())
			}
		}
		return fmt.Errorf("%w: opset %d is outside the supported range %s", ErrNotImplemented, n.opset, other.opsetRange())
	}
	if why := inexpressibleOps[op]; why != "" {
		return fmt.Errorf("%w: %s: %s", ErrNotInWebNN, op, why)
	}
	if why := unloweredOps[op]; why != "" {
		return fmt.Errorf("%w: no lowering for op %s: %s", ErrNotImplemented, op, why)
	}
	return fmt.Errorf("%w: no lowering for op %s (docs/ops.md lists the ops webnn-graph lowers)", ErrNotImplemented, op)
}

// freezeHint names the flags that make the dims of e static:
// "--freeze height=N --freeze width=N".
func freezeHint(es ...shapeinfer.Expr) string {
	var parts []string
	seen := map[string]bool{}
	for _, e := range es {
		for _, s := range e.Symbols() {
			if !seen[s] && !strings.HasPrefix(s, shapeinfer.UnknownDimPrefix) {
				seen[s] = true
				parts = append(parts, "--freeze "+s+"="+sizePlaceholder(s))
			}
		}
	}
	return strings.Join(parts, " ")
}

// notConstant is the refusal of a node whose input i must be known at
// conversion time and is not. When shape inference knows it as a
// function of input dims (pads = [0, 480000 - N], computed from Shape),
// it depends only on those dims and freezing them lifts the refusal;
// otherwise it depends on tensor data, which WebNN cannot express.
func (c *ctx) notConstant(n *srcNode, i int, what, why string) error {
	if info := c.info(n.Input[i]); info != nil && info.Value != nil {
		var es []string
		for _, e := range info.Value {
			es = append(es, e.String())
		}
		if fix := freezeHint(info.Value...); fix != "" {
			syms := map[string]bool{}
			var names []string
			for _, e := range info.Value {
				for _, s := range e.Symbols() {
					if !syms[s] && !strings.HasPrefix(s, shapeinfer.UnknownDimPrefix) {
						syms[s] = true
						names = append(names, s)
					}
				}
			}
			return fmt.Errorf("%w: %s input [%s] depends on dim %s (%s); make it static with %s",
				ErrUnsupported, what, strings.Join(es, ", "), strings.Join(names, ", "), why, fix)
		}
	}
	return fmt.Errorf("%w: %s input is not constant (it depends on tensor data; %s)", ErrNotInWebNN, what, why)
}

// sizePlaceholder is the value shown in a suggested --freeze: N, or SIZE
// for a dim itself named N ("--freeze N=SIZE", not "N=N").
func sizePlaceholder(dim string) string {
	if strings.EqualFold(dim, "N") {
		return "SIZE"
	}
	return "N"
}

// refusal builds the error listing every refused node: first causes in
// graph order, each with the refusals downstream of it (knock-on
// effects) grouped under it. A node without a shape rule whose unknown
// shapes make later nodes fail is named as their cause.
func (c *ctx) refusal() error {
	seen := map[string]bool{}
	byIndex := map[int]*NodeError{}
	var errs []*NodeError
	for _, e := range c.errs {
		k := e.Error()
		if seen[k] {
			continue
		}
		seen[k] = true
		errs = append(errs, e)
		if e.OpType != "" {
			if _, dup := byIndex[e.index]; !dup {
				byIndex[e.index] = e
			}
		}
	}
	// Nodes without a shape rule that did not fail themselves: when a
	// refused node descends from one, the missing rule is the cause.
	noRule := map[string]bool{}
	for _, u := range c.si.Unknown {
		noRule[u] = true
	}
	nodeAt := map[int]*srcNode{}
	for _, n := range c.nodes {
		nodeAt[n.index] = n
	}
	// rootOf returns the earliest refused (or rule-less) ancestor of n.
	memo := map[*srcNode]*srcNode{}
	var ancestor func(n *srcNode, depth int) *srcNode
	ancestor = func(n *srcNode, depth int) *srcNode {
		if r, ok := memo[n]; ok {
			return r
		}
		memo[n] = nil // cycle guard
		var best *srcNode
		for _, in := range n.Input {
			p := c.producer[in]
			if p == nil || depth > 100000 {
				continue
			}
			var cand *srcNode
			if pe := byIndex[p.index]; pe != nil && errors.As(pe.Err, new(opRefusal)) {
				cand = p // a first cause of its own: what is above it is not why
			} else {
				cand = ancestor(p, depth+1)
			}
			if cand == nil && (byIndex[p.index] != nil || noRule[p.label] && c.live[p]) {
				cand = p
			}
			if cand != nil && (best == nil || cand.index < best.index) {
				best = cand
			}
		}
		memo[n] = best
		return best
	}
	roots := map[int]*NodeError{}
	var order []*NodeError
	for _, e := range errs {
		n := nodeAt[e.index]
		if e.OpType == "" || n == nil {
			order = append(order, e)
			continue
		}
		var r *srcNode
		if !errors.As(e.Err, new(opRefusal)) {
			r = ancestor(n, 0)
		}
		if r == nil {
			if _, ok := roots[e.index]; !ok {
				roots[e.index] = e
				order = append(order, e)
			}
			continue
		}
		root, ok := roots[r.index]
		if !ok {
			root = byIndex[r.index]
			if root == nil {
				root = newNodeError(r, fmt.Errorf("%w: no shape inference rule for op %s, so the shapes after it are unknown", ErrNotImplemented, qualifiedOp(r.domain(), r.GetOpType())))
			}
			roots[r.index] = root
			order = append(order, root)
		}
		if root != e {
			root.KnockOns = append(root.KnockOns, e)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].index < order[j].index })
	return &RefusalError{Errs: order}
}

// RefusalError lists every node a conversion refused: the first causes,
// each with its knock-on effects.
type RefusalError struct{ Errs []*NodeError }

func (e *RefusalError) Error() string {
	var lines []string
	for _, ne := range e.Errs {
		lines = append(lines, ne.Error())
		for _, k := range ne.KnockOns {
			lines = append(lines, "  and because of it, "+strings.TrimPrefix(k.Error(), "lower: "))
		}
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the node errors (knock-ons included) to errors.Is /
// errors.As.
func (e *RefusalError) Unwrap() []error {
	var out []error
	for _, ne := range e.Errs {
		out = append(out, ne)
		for _, k := range ne.KnockOns {
			out = append(out, k)
		}
	}
	return out
}

// OnlyTargetLimits reports whether err is a refusal whose every first
// cause is a limit of the target loader (ErrTargetLimit): the model is one
// WebNN expresses, and a target that reads more would take it. Knock-on
// refusals are not looked at: they follow from their first cause.
func OnlyTargetLimits(err error) bool {
	var re *RefusalError
	if errors.As(err, &re) {
		if len(re.Errs) == 0 {
			return false
		}
		for _, ne := range re.Errs {
			if !errors.Is(ne.Err, ErrTargetLimit) {
				return false
			}
		}
		return true
	}
	var ne *NodeError
	return errors.As(err, &ne) && errors.Is(ne.Err, ErrTargetLimit)
}
