package graph

import (
	"fmt"
	"strings"
)

// WeightSizes reports the stored byte length of a @weights ref (a weights
// store or a manifest implements it); false when the ref is unknown.
// An implementation that also has WeightByteLength(ref) (int64, error)
// gets its error text (e.g. an ambiguous key) into the report.
type WeightSizes interface {
	WeightLen(ref string) (int64, bool)
}

type weightSizesErr interface {
	WeightByteLength(ref string) (int64, error)
}

// ValidationError lists every problem Validate found, in graph order.
// Error() is one line: the first problem and how many more there are.
type ValidationError struct {
	Problems []string
	Omitted  int // problems beyond the first maxProblems, not listed
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return "validate: invalid graph"
	}
	s := "validate: " + e.Problems[0]
	if n := len(e.Problems) - 1 + e.Omitted; n == 1 {
		s += " (and 1 more problem)"
	} else if n > 1 {
		s += fmt.Sprintf(" (and %d more problems)", n)
	}
	return s
}

// maxProblems bounds the list so a broken 100k-node graph does not build
// a 100k-line error.
const maxProblems = 100

// Validate checks the structural rules every loader relies on: version 1
// or 2; unique operand names across inputs, consts and node outputs; every
// node input and graph output defined before use (so the node list is in
// topological order and acyclic); known op names with a valid positional
// input count; WebNN data types; dynamic dims only on inputs; const byte
// sizes equal to numel × element size (int4/uint4: one byte per element),
// checked against sizes for @weights refs when sizes is not nil.
// It returns nil or a *ValidationError.
func Validate(g *Graph, sizes WeightSizes) error {
	if g == nil {
		return &ValidationError{Problems: []string{"graph is nil"}}
	}
	v := &validator{g: g, defined: make(map[string]item, len(g.Inputs)+len(g.Consts)+len(g.Nodes))}
	if g.Version != 1 && g.Version != 2 {
		v.addf("graph version %d is not supported (want 1 or 2)", g.Version)
	}
	for i := range g.Inputs {
		in := &g.Inputs[i]
		it := item{itemInput, i}
		v.checkName(in.Name, it)
		v.checkDesc(in.Desc, it, true)
		v.define(in.Name, it)
	}
	for i := range g.Consts {
		c := &g.Consts[i]
		it := item{itemConst, i}
		what := lazy{v, it}
		v.checkName(c.Name, it)
		ok := v.checkDesc(c.Desc, it, false)
		v.define(c.Name, it)
		if !ok {
			continue
		}
		want := c.Desc.ByteLength()
		switch c.Kind {
		case ConstWeights:
			if c.Ref == "" {
				v.addf("%s: empty @weights ref", what)
			} else if sizes != nil {
				var n int64
				var err error
				if se, ok := sizes.(weightSizesErr); ok {
					n, err = se.WeightByteLength(c.Ref)
				} else if l, ok := sizes.WeightLen(c.Ref); ok {
					n = l
				} else {
					err = fmt.Errorf("weights %q are not in the weights manifest", c.Ref)
				}
				if err != nil {
					v.addf("%s: %v", what, err)
				} else if !c.Desc.DataLenOK(n) {
					v.addf("%s: weights %q hold %d bytes, %s needs %d", what, c.Ref, n, c.Desc, want)
				}
			}
		case ConstScalar:
			if !c.Scalar.Valid() {
				v.addf("%s: @scalar value %q is not a plain decimal number", what, string(c.Scalar))
			}
		case ConstBytes:
			if int64(len(c.Bytes)) != want {
				v.addf("%s: @bytes has %d bytes, %s needs %d", what, len(c.Bytes), c.Desc, want)
			}
		default:
			v.addf("%s: unknown const kind %d", what, int(c.Kind))
		}
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		it := item{itemNode, i}
		what := lazy{v, it}
		if n.Op == "" {
			v.addf("%s: has no op (an alias `y = x;` is not a WebNN operation; use identity)", what)
		} else if info, ok := Ops[n.Op]; !ok {
			v.addf("%s: unknown op %q", what, n.Op)
		} else if len(n.Inputs) < info.MinInputs || (info.MaxInputs >= 0 && len(n.Inputs) > info.MaxInputs) {
			v.addf("%s: has %d positional inputs, %s takes %s", what, len(n.Inputs), n.Op, countRange(info))
		}
		if len(n.Options) > 0 {
			v.checkOptions(n, what)
			v.checkSizes(n, what)
		}
		if n.Op == "constant" {
			v.checkConstantNode(n, what)
		}
		if n.ID == "" {
			v.addf("node #%d (%s): empty id", i, n.Op)
		}
		for _, in := range n.Inputs {
			if _, ok := v.defined[in]; ok {
				continue
			}
			if j := v.definedLater(in, i); j >= 0 {
				v.addf("%s: input %q is defined by a later node %q (nodes are not in topological order, or there is a cycle)", what, in, g.Nodes[j].ID)
			} else {
				v.addf("%s: input %q is not defined", what, in)
			}
		}
		if n.Outputs != nil && len(n.Outputs) == 0 {
			v.addf("%s: empty output list", what)
		}
		for _, o := range n.OutputNames() {
			v.checkName(o, it)
			v.define(o, it)
		}
	}
	seenOut := map[string]bool{}
	for _, o := range g.Outputs {
		what := fmt.Sprintf("output %q", o.Name)
		if o.Name == "" {
			v.addf("output bound to %q: empty name", o.Operand)
		} else if seenOut[o.Name] {
			v.addf("%s: declared twice", what)
		}
		seenOut[o.Name] = true
		if _, ok := v.defined[o.Operand]; !ok {
			v.addf("%s: operand %q is not defined", what, o.Operand)
		}
	}
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems, Omitted: v.dropped}
}

// definedLater returns the first node at or after i that defines name, or
// -1; it tells "undefined" from "out of order" (only on the error path).
func (v *validator) definedLater(name string, i int) int {
	if len(v.problems) >= maxProblems {
		return -1
	}
	for j := i; j < len(v.g.Nodes); j++ {
		for _, o := range v.g.Nodes[j].OutputNames() {
			if o == name {
				return j
			}
		}
	}
	return -1
}

func countRange(info OpInfo) string {
	switch {
	case info.MaxInputs < 0:
		return fmt.Sprintf("at least %d", info.MinInputs)
	case info.MinInputs == info.MaxInputs:
		return fmt.Sprintf("exactly %d", info.MinInputs)
	default:
		return fmt.Sprintf("%d to %d", info.MinInputs, info.MaxInputs)
	}
}

type validator struct {
	g        *Graph
	defined  map[string]item // operand name → what defined it
	problems []string
	dropped  int
	// inputDims are the dim names the inputs declare (built on first use).
	inputDims map[string]bool
}

// item names an input, const or node; its description is built only when
// a problem is reported, so a valid graph costs no formatting.
type item struct {
	kind uint8
	i    int
}

const (
	itemInput uint8 = iota
	itemConst
	itemNode
)

func (v *validator) describe(it item) string {
	switch it.kind {
	case itemInput:
		return fmt.Sprintf("input %q", v.g.Inputs[it.i].Name)
	case itemConst:
		return fmt.Sprintf("const %q", v.g.Consts[it.i].Name)
	}
	n := &v.g.Nodes[it.i]
	if n.Op == "" {
		return fmt.Sprintf("node %q", n.ID)
	}
	return fmt.Sprintf("node %q (%s)", n.ID, n.Op)
}

// lazy formats as the item's description (a fmt.Stringer for addf).
type lazy struct {
	v  *validator
	it item
}

func (l lazy) String() string { return l.v.describe(l.it) }

func (v *validator) addf(format string, args ...any) {
	if len(v.problems) >= maxProblems {
		v.dropped++
		return
	}
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func (v *validator) checkName(name string, it item) {
	if name == "" {
		v.addf("%s: empty name", lazy{v, it})
	} else if strings.TrimSpace(name) != name {
		v.addf("%s: name %q has leading or trailing space", lazy{v, it}, name)
	}
}

func (v *validator) define(name string, it item) {
	if name == "" {
		return
	}
	if prev, ok := v.defined[name]; ok {
		v.addf("%s: name %q is already defined by %s", lazy{v, it}, name, lazy{v, prev})
		return
	}
	v.defined[name] = it
}

// checkDesc checks the data type and dims; dynamic dims only where allowed.
// It reports whether the byte size is computable.
func (v *validator) checkDesc(d Desc, it item, allowDynamic bool) bool {
	what := lazy{v, it}
	ok := true
	if !d.DType.IsWebNN() {
		v.addf("%s: data type %s is not a WebNN operand type", what, d.DType)
		ok = false
	}
	for i, x := range d.Shape {
		if x.IsDynamic() {
			if !allowDynamic {
				v.addf("%s: dim %d is dynamic %s; constant shapes must be static", what, i, x)
				ok = false
			} else if x.MaxSize < 1 {
				v.addf("%s: dynamic dim %q has maxSize %d (want ≥ 1)", what, x.Name, x.MaxSize)
			} else if x.MaxSize > MaxDim {
				v.addf("%s: dynamic dim %q has maxSize %d, above WebNN's largest dimension %d", what, x.Name, x.MaxSize, int64(MaxDim))
				ok = false
			}
			continue
		}
		if x.Size < 0 {
			v.addf("%s: dim %d is negative (%d)", what, i, x.Size)
			ok = false
			continue
		}
		if x.Size > MaxDim {
			v.addf("%s: dim %d is %d, above WebNN's largest dimension %d", what, i, x.Size, int64(MaxDim))
			ok = false
		}
	}
	if ok && d.ByteLength() < 0 {
		v.addf("%s: shape %s is too large: its byte size overflows int64", what, d)
		return false
	}
	return ok
}

// MaxDim is the largest dimension WebNN allows (dimensions are unsigned
// longs).
const MaxDim = 1<<32 - 1
