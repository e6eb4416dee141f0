// Package graphdiff compares two WebNN graphs (typically two conversions
// of a model) the way a reviewer asks about a re-conversion: which inputs,
// outputs and dynamic dims changed, which nodes were added, removed or
// changed (matched by name, then by structure), which constants' bytes
// changed (by hash, with the largest element difference when both are
// readable), and the weight bytes in total.
//
// A change of a dynamic dim's bound changes more than the inputs that
// declare it: the maxSize of every size option computed from it (reshape
// newShape, slice sizes, expand) and constants sized by the bound (an iota
// of 2048 rows becomes one of 512). Those follow from the dim change and
// are counted under it, not listed as changes of their own, so a diff of
// two conversions that differ only in --dim bounds lists exactly the
// changed dims.
package graphdiff

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/parity"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Side is one graph of a comparison with its weights (nil when they are
// not available: const bytes are then compared by reference only).
type Side struct {
	Path    string
	Graph   *graph.Graph
	Weights graph.WeightSource
}

// Diff is the result of Compare. Every list is sorted for stable output.
type Diff struct {
	A         string       `json:"a"`
	B         string       `json:"b"`
	Identical bool         `json:"identical"`
	Changes   int          `json:"changes"` // number of listed differences
	Header    []Change     `json:"header,omitempty"`
	Inputs    IODiff       `json:"inputs"`
	Outputs   IODiff       `json:"outputs"`
	Dims      []DimChange  `json:"dims,omitempty"`
	Follow    *Follow      `json:"followFromDims,omitempty"`
	Nodes     NodeDiff     `json:"nodes"`
	Consts    ConstDiff    `json:"consts"`
	Weights   WeightTotals `json:"weights"`
}

// Change is one field that differs.
type Change struct {
	What string `json:"what"`
	A    string `json:"a"`
	B    string `json:"b"`
}

// IODiff lists graph inputs or outputs added, removed and changed.
type IODiff struct {
	Added   []string   `json:"added,omitempty"`   // "name: type"
	Removed []string   `json:"removed,omitempty"` // "name: type"
	Changed []IOChange `json:"changed,omitempty"`
}

// IOChange is an input or output present in both with a different
// type, shape (other than dim bounds, see Dims) or operand.
type IOChange struct {
	Name    string   `json:"name"`
	Changes []Change `json:"changes"`
}

// DimChange is a dynamic dim whose bound differs, or that one graph lacks.
type DimChange struct {
	Name string `json:"name"`
	A    int64  `json:"a"` // maxSize in A, 0 when A has no such dim
	B    int64  `json:"b"`
}

// Follow counts what changed only because dim bounds did.
type Follow struct {
	Options int      `json:"options"` // node options whose dynamic maxSize changed with the bounds
	Consts  []string `json:"consts,omitempty"`
}

// NodeDiff lists nodes added, removed, changed and renamed.
type NodeDiff struct {
	Added   []NodeRef    `json:"added,omitempty"`
	Removed []NodeRef    `json:"removed,omitempty"`
	Changed []NodeChange `json:"changed,omitempty"`
	Renamed []Rename     `json:"renamed,omitempty"`
	Same    int          `json:"same"`
}

// NodeRef names a node.
type NodeRef struct {
	ID string `json:"id"`
	Op string `json:"op"`
}

// NodeChange is a node of both graphs (matched by name, or by structure
// when renamed) whose op, inputs or options differ.
type NodeChange struct {
	ID      string   `json:"id"` // in B
	AID     string   `json:"aId,omitempty"`
	Op      string   `json:"op"`
	Changes []Change `json:"changes"`
}

// Rename is a node or const matched by structure or content under a new name.
type Rename struct {
	A  string `json:"a"`
	B  string `json:"b"`
	Op string `json:"op,omitempty"` // node op, or the const's type
}

// ConstDiff lists constants added, removed, changed and renamed.
type ConstDiff struct {
	Added   []string      `json:"added,omitempty"` // "name: type"
	Removed []string      `json:"removed,omitempty"`
	Changed []ConstChange `json:"changed,omitempty"`
	Renamed []Rename      `json:"renamed,omitempty"`
	Same    int           `json:"same"`
}

// ConstChange is a constant of both graphs whose type or bytes differ.
type ConstChange struct {
	Name  string `json:"name"`
	AType string `json:"aType"`
	BType string `json:"bType"`
	AHash string `json:"aHash,omitempty"` // sha256 of the bytes, first 16 hex digits
	BHash string `json:"bHash,omitempty"`
	// MaxAbs is the largest element difference and Differing the number
	// of elements that differ, when both are readable with the same type
	// and shape.
	MaxAbs    *float64 `json:"maxAbs,omitempty"`
	Differing int      `json:"differing,omitempty"`
	Elements  int      `json:"elements,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// WeightTotals are the bytes of the @weights constants of each graph.
type WeightTotals struct {
	A int64 `json:"a"`
	B int64 `json:"b"`
}

// Compare compares a and b.
func Compare(a, b Side) (*Diff, error) {
	if a.Graph == nil || b.Graph == nil {
		return nil, fmt.Errorf("graphdiff: missing graph")
	}
	d := &Diff{A: a.Path, B: b.Path}
	c := &comparer{a: a, b: b, d: d, aToB: map[string]string{}}
	c.header()
	c.dims()
	c.inputs()
	if err := c.consts(); err != nil {
		return nil, err
	}
	c.nodes()
	c.outputs()
	d.Weights = WeightTotals{A: weightBytes(a.Graph), B: weightBytes(b.Graph)}
	if c.followOptions > 0 || len(c.followConsts) > 0 {
		d.Follow = &Follow{Options: c.followOptions, Consts: c.followConsts}
	}
	d.Changes = len(d.Header) + len(d.Inputs.Added) + len(d.Inputs.Removed) + len(d.Inputs.Changed) +
		len(d.Outputs.Added) + len(d.Outputs.Removed) + len(d.Outputs.Changed) + len(d.Dims) +
		len(d.Nodes.Added) + len(d.Nodes.Removed) + len(d.Nodes.Changed) + len(d.Nodes.Renamed) +
		len(d.Consts.Added) + len(d.Consts.Removed) + len(d.Consts.Changed) + len(d.Consts.Renamed)
	d.Identical = d.Changes == 0 && d.Follow == nil
	return d, nil
}

type comparer struct {
	a, b Side
	d    *Diff
	// aToB maps operand names of a to their counterparts in b (inputs,
	// consts and node outputs matched so far).
	aToB map[string]string
	// bound maps each dim whose bound changed to its bounds in a and b.
	bound map[string][2]int64
	// What changed only because bounds did (Diff.Follow).
	followOptions int
	followConsts  []string
}

func (c *comparer) header() {
	ga, gb := c.a.Graph, c.b.Graph
	if ga.Name != gb.Name {
		c.d.Header = append(c.d.Header, Change{"name", ga.Name, gb.Name})
	}
	if ga.Quantized != gb.Quantized {
		c.d.Header = append(c.d.Header, Change{"quantized", fmt.Sprint(ga.Quantized), fmt.Sprint(gb.Quantized)})
	}
	// The version follows from dynamic dims (v2 when any); it is listed
	// only when neither graph's dims explain it.
}

// dimBounds collects each dynamic dim's maxSize from a graph's inputs.
func dimBounds(g *graph.Graph) map[string]int64 {
	out := map[string]int64{}
	for _, in := range g.Inputs {
		for _, dm := range in.Desc.Shape {
			if dm.IsDynamic() {
				out[dm.Name] = max(out[dm.Name], dm.MaxSize)
			}
		}
	}
	return out
}

func (c *comparer) dims() {
	ba, bb := dimBounds(c.a.Graph), dimBounds(c.b.Graph)
	c.bound = map[string][2]int64{}
	names := map[string]bool{}
	for k := range ba {
		names[k] = true
	}
	for k := range bb {
		names[k] = true
	}
	for _, k := range sortedSet(names) {
		if ba[k] != bb[k] {
			c.d.Dims = append(c.d.Dims, DimChange{Name: k, A: ba[k], B: bb[k]})
			c.bound[k] = [2]int64{ba[k], bb[k]}
		}
	}
	if c.a.Graph.Version != c.b.Graph.Version && (len(ba) == 0) == (len(bb) == 0) {
		c.d.Header = append(c.d.Header, Change{"version", fmt.Sprint(c.a.Graph.Version), fmt.Sprint(c.b.Graph.Version)})
	}
}

func (c *comparer) inputs() {
	byName := map[string]graph.Input{}
	for _, in := range c.b.Graph.Inputs {
		byName[in.Name] = in
	}
	seen := map[string]bool{}
	for _, ia := range c.a.Graph.Inputs {
		ib, ok := byName[ia.Name]
		if !ok {
			c.d.Inputs.Removed = append(c.d.Inputs.Removed, ia.Name+": "+ia.Desc.String())
			continue
		}
		seen[ia.Name] = true
		c.aToB[ia.Name] = ib.Name
		if ch := c.descChanges(ia.Desc, ib.Desc); len(ch) > 0 {
			c.d.Inputs.Changed = append(c.d.Inputs.Changed, IOChange{Name: ia.Name, Changes: ch})
		}
	}
	for _, ib := range c.b.Graph.Inputs {
		if !seen[ib.Name] {
			c.d.Inputs.Added = append(c.d.Inputs.Added, ib.Name+": "+ib.Desc.String())
		}
	}
}

// descChanges compares operand descriptors; a dynamic dim whose only
// change is its bound is reported under Dims instead.
func (c *comparer) descChanges(a, b graph.Desc) []Change {
	var out []Change
	if a.DType != b.DType {
		out = append(out, Change{"data type", a.DType.String(), b.DType.String()})
	}
	if len(a.Shape) != len(b.Shape) {
		return append(out, Change{"shape", a.String(), b.String()})
	}
	for i := range a.Shape {
		da, db := a.Shape[i], b.Shape[i]
		switch {
		case da.IsDynamic() != db.IsDynamic() || da.IsDynamic() && da.Name != db.Name || !da.IsDynamic() && da.Size != db.Size:
			out = append(out, Change{fmt.Sprintf("dim %d", i), da.String(), db.String()})
		}
	}
	return out
}

func (c *comparer) outputs() {
	byName := map[string]graph.Output{}
	for _, o := range c.b.Graph.Outputs {
		byName[o.Name] = o
	}
	seen := map[string]bool{}
	for _, oa := range c.a.Graph.Outputs {
		ob, ok := byName[oa.Name]
		if !ok {
			c.d.Outputs.Removed = append(c.d.Outputs.Removed, oa.Name)
			continue
		}
		seen[oa.Name] = true
		if mapped := c.mapA(oa.Operand); mapped != ob.Operand {
			was := oa.Operand
			if mapped != oa.Operand {
				was += " (" + mapped + " in b)"
			}
			c.d.Outputs.Changed = append(c.d.Outputs.Changed, IOChange{Name: oa.Name, Changes: []Change{{"operand", was, ob.Operand}}})
		}
	}
	for _, ob := range c.b.Graph.Outputs {
		if !seen[ob.Name] {
			c.d.Outputs.Added = append(c.d.Outputs.Added, ob.Name)
		}
	}
}

// mapA is a's operand name as b calls it (itself when unmatched).
func (c *comparer) mapA(name string) string {
	if m, ok := c.aToB[name]; ok {
		return m
	}
	return name
}

// constInfo is a constant with its content identity.
type constInfo struct {
	k     *graph.Const
	hash  string // of the bytes, or of the scalar's type and value
	data  []byte // nil for scalars and unreadable weights
	err   string
	known bool // hash is of the real content
}

func (c *comparer) constInfos(s Side) (map[string]*constInfo, error) {
	out := map[string]*constInfo{}
	for i := range s.Graph.Consts {
		k := &s.Graph.Consts[i]
		ci := &constInfo{k: k}
		switch k.Kind {
		case graph.ConstScalar:
			ci.hash, ci.known = hashOf([]byte("scalar "+k.Desc.String()+" "+canonNumber(string(k.Scalar)))), true
		case graph.ConstBytes:
			ci.data = k.Bytes
			ci.hash, ci.known = hashOf(k.Bytes), true
		case graph.ConstWeights:
			if s.Weights == nil {
				ci.hash, ci.err = hashOf([]byte("ref "+k.Ref)), "no weights file"
				break
			}
			b, err := s.Weights.WeightBytes(k.Ref)
			if err != nil {
				ci.hash, ci.err = hashOf([]byte("ref "+k.Ref)), err.Error()
				break
			}
			ci.data = b
			ci.hash, ci.known = hashOf(b), true
		}
		out[k.Name] = ci
	}
	return out, nil
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func (c *comparer) consts() error {
	ia, err := c.constInfos(c.a)
	if err != nil {
		return err
	}
	ib, err := c.constInfos(c.b)
	if err != nil {
		return err
	}
	var onlyA, onlyB []string
	for _, name := range sortedKeys(ia) {
		if _, ok := ib[name]; !ok {
			onlyA = append(onlyA, name)
		}
	}
	for _, name := range sortedKeys(ib) {
		if _, ok := ia[name]; !ok {
			onlyB = append(onlyB, name)
		}
	}
	for _, name := range sortedKeys(ia) {
		cb, ok := ib[name]
		if !ok {
			continue
		}
		ca := ia[name]
		c.aToB[name] = name
		if ca.k.Desc.String() == cb.k.Desc.String() && ca.hash == cb.hash && ca.known == cb.known {
			c.d.Consts.Same++
			continue
		}
		if c.sizedByBound(ca, cb) {
			c.followConsts = append(c.followConsts, fmt.Sprintf("%s %s → %s", name, ca.k.Desc, cb.k.Desc))
			continue
		}
		c.d.Consts.Changed = append(c.d.Consts.Changed, constChange(name, ca, cb))
	}
	// Renamed constants: same type and content under another name.
	byContent := map[string][]string{}
	for _, name := range onlyA {
		if ia[name].known {
			key := ia[name].k.Desc.String() + " " + ia[name].hash
			byContent[key] = append(byContent[key], name)
		}
	}
	for _, name := range onlyB {
		cb := ib[name]
		key := cb.k.Desc.String() + " " + cb.hash
		if cands := byContent[key]; cb.known && len(cands) > 0 {
			byContent[key] = cands[1:]
			c.aToB[cands[0]] = name
			c.d.Consts.Renamed = append(c.d.Consts.Renamed, Rename{A: cands[0], B: name, Op: cb.k.Desc.String()})
			delete(ia, cands[0])
			continue
		}
		c.d.Consts.Added = append(c.d.Consts.Added, name+": "+cb.k.Desc.String())
	}
	for _, name := range onlyA {
		if ca, ok := ia[name]; ok {
			c.d.Consts.Removed = append(c.d.Consts.Removed, name+": "+ca.k.Desc.String())
		}
	}
	return nil
}

// sizedByBound reports whether two constants differ only because a dim's
// bound changed: same type and rank, every differing dim equal to that
// dim's old and new bound, and the same values over the common range (an
// iota or position table cut to the bound).
func (c *comparer) sizedByBound(a, b *constInfo) bool {
	if a.data == nil || b.data == nil || a.k.Desc.DType != b.k.Desc.DType || len(a.k.Desc.Shape) != len(b.k.Desc.Shape) {
		return false
	}
	sa, _ := a.k.Desc.StaticShape()
	sb, _ := b.k.Desc.StaticShape()
	differs := false
	for i := range sa {
		if sa[i] == sb[i] {
			continue
		}
		explained := false
		for _, ab := range c.bound {
			// Exactly the bound, or the bound plus a fixed margin both
			// graphs add (an iota of max + 1 rows).
			if int64(sa[i])-ab[0] == int64(sb[i])-ab[1] && math.Abs(float64(int64(sa[i])-ab[0])) <= 1 {
				explained = true
			}
		}
		if !explained {
			return false
		}
		differs = true
	}
	if !differs {
		return false
	}
	ta, err1 := tensor.FromBytes(a.k.Desc.DType, sa, a.data, false)
	tb, err2 := tensor.FromBytes(b.k.Desc.DType, sb, b.data, false)
	if err1 != nil || err2 != nil {
		return false
	}
	va, ok1 := parity.Float64s(ta)
	vb, ok2 := parity.Float64s(tb)
	if !ok1 || !ok2 {
		return false
	}
	common := make([]int, len(sa))
	for i := range sa {
		common[i] = min(sa[i], sb[i])
	}
	n := tensor.NumElements(common)
	idx := make([]int, len(common))
	for e := 0; e < n; e++ {
		rem := e
		for i := len(common) - 1; i >= 0; i-- {
			idx[i] = rem % common[i]
			rem /= common[i]
		}
		if va[flat(idx, sa)] != vb[flat(idx, sb)] && !(math.IsNaN(va[flat(idx, sa)]) && math.IsNaN(vb[flat(idx, sb)])) {
			return false
		}
	}
	return true
}

func flat(idx, shape []int) int {
	off := 0
	for i := range idx {
		off = off*shape[i] + idx[i]
	}
	return off
}

func differ(x, y float64) bool { return x != y && !(math.IsNaN(x) && math.IsNaN(y)) }

// absDiff is |x - y|, infinite where one of them is NaN.
func absDiff(x, y float64) float64 {
	d := math.Abs(x - y)
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	return d
}

func constChange(name string, a, b *constInfo) ConstChange {
	ch := ConstChange{Name: name, AType: a.k.Desc.String(), BType: b.k.Desc.String()}
	if a.known {
		ch.AHash = a.hash
	}
	if b.known {
		ch.BHash = b.hash
	}
	switch {
	case a.err != "" || b.err != "":
		ch.Note = "bytes not readable: " + strings.Trim(a.err+"; "+b.err, "; ")
	case a.k.Desc.String() != b.k.Desc.String():
		ch.Note = "type or shape changed"
	default:
		va, na, ok1 := constElems(a)
		vb, nb, ok2 := constElems(b)
		if !ok1 || !ok2 || na != nb {
			ch.Note = "bytes changed"
			break
		}
		m := 0.0
		if a.k.Kind == graph.ConstScalar && b.k.Kind == graph.ConstScalar {
			// Every element is the same pair: one comparison stands for all.
			if na > 0 && differ(va(0), vb(0)) {
				ch.Differing, m = na, absDiff(va(0), vb(0))
			}
		} else {
			for i := 0; i < na; i++ {
				if x, y := va(i), vb(i); differ(x, y) {
					ch.Differing++
					m = math.Max(m, absDiff(x, y))
				}
			}
		}
		ch.MaxAbs, ch.Elements = &m, na
	}
	return ch
}

// constElems reads a constant's elements without filling a scalar out
// (a @scalar const of 10^10 elements is 17 bytes of text): n elements,
// the i-th given by at. Decoding stored bytes into float64 is checked
// against the memory budget first.
func constElems(ci *constInfo) (at func(int) float64, n int, ok bool) {
	shape, ok := ci.k.Desc.StaticShape()
	if !ok {
		return nil, 0, false
	}
	n, ok = checked.Product(shape)
	if !ok {
		return nil, 0, false
	}
	if ci.k.Kind == graph.ConstScalar {
		v, err := ci.k.Scalar.Float64()
		if err != nil {
			return nil, 0, false
		}
		return func(int) float64 { return v }, n, true
	}
	if ci.data == nil {
		return nil, 0, false
	}
	if _, err := membudget.Check(tensor.Float64, 8, shape); err != nil {
		return nil, 0, false
	}
	t, err := tensor.FromBytes(ci.k.Desc.DType, shape, ci.data, false)
	if err != nil {
		return nil, 0, false
	}
	v, ok := parity.Float64s(t)
	if !ok || len(v) != n {
		return nil, 0, false
	}
	return func(i int) float64 { return v[i] }, n, true
}

// maxStructureCandidates bounds the unmatched nodes of a's that one node
// of b is compared with by structure: two graphs of 50000 same-op nodes
// that match nothing took 50000² comparisons (over a minute for 1 MB
// files). Past the bound a node is reported added rather than renamed.
const maxStructureCandidates = 256

// nodes matches nodes by id, then the rest by structure (op, options and
// inputs as matched so far), in b's order, and compares matched pairs.
func (c *comparer) nodes() {
	ga, gb := c.a.Graph, c.b.Graph
	aByID := map[string]*graph.Node{}
	for i := range ga.Nodes {
		aByID[ga.Nodes[i].ID] = &ga.Nodes[i]
	}
	matched := map[*graph.Node]*graph.Node{} // b → a
	usedA := map[*graph.Node]bool{}
	for i := range gb.Nodes {
		nb := &gb.Nodes[i]
		if na, ok := aByID[nb.ID]; ok && na.Op == nb.Op {
			matched[nb], usedA[na] = na, true
			c.mapOutputs(na, nb)
		}
	}
	// Structure: candidates by op, checked with the inputs mapped so far;
	// b's order is topological, so a renamed chain matches link by link.
	byOp := map[string][]*graph.Node{}
	for i := range ga.Nodes {
		if na := &ga.Nodes[i]; !usedA[na] {
			byOp[na.Op] = append(byOp[na.Op], na)
		}
	}
	for i := range gb.Nodes {
		nb := &gb.Nodes[i]
		if matched[nb] != nil {
			continue
		}
		cands := byOp[nb.Op]
		for len(cands) > 0 && usedA[cands[0]] {
			cands = cands[1:] // matched in order (a renamed chain): skipped once
		}
		byOp[nb.Op] = cands
		tried := 0
		for _, na := range cands {
			if usedA[na] {
				continue
			}
			if tried++; tried > maxStructureCandidates {
				break
			}
			if !c.sameStructure(na, nb) {
				continue
			}
			matched[nb], usedA[na] = na, true
			c.mapOutputs(na, nb)
			c.d.Nodes.Renamed = append(c.d.Nodes.Renamed, Rename{A: na.ID, B: nb.ID, Op: nb.Op})
			break
		}
	}
	// Same id, different op: a changed node rather than a removal and an
	// addition, when nothing else took either.
	for i := range gb.Nodes {
		nb := &gb.Nodes[i]
		if na, ok := aByID[nb.ID]; ok && matched[nb] == nil && !usedA[na] {
			matched[nb], usedA[na] = na, true
			c.mapOutputs(na, nb)
		}
	}
	for i := range gb.Nodes {
		nb := &gb.Nodes[i]
		na := matched[nb]
		if na == nil {
			c.d.Nodes.Added = append(c.d.Nodes.Added, NodeRef{ID: nb.ID, Op: nb.Op})
			continue
		}
		if ch := c.nodeChanges(na, nb); len(ch) > 0 {
			nc := NodeChange{ID: nb.ID, Op: nb.Op, Changes: ch}
			if na.ID != nb.ID {
				nc.AID = na.ID
			}
			c.d.Nodes.Changed = append(c.d.Nodes.Changed, nc)
		} else if na.ID == nb.ID {
			c.d.Nodes.Same++
		}
	}
	for i := range ga.Nodes {
		if na := &ga.Nodes[i]; !usedA[na] {
			c.d.Nodes.Removed = append(c.d.Nodes.Removed, NodeRef{ID: na.ID, Op: na.Op})
		}
	}
}

func (c *comparer) mapOutputs(na, nb *graph.Node) {
	oa, ob := na.OutputNames(), nb.OutputNames()
	for i := range oa {
		if i < len(ob) {
			c.aToB[oa[i]] = ob[i]
		}
	}
}

func (c *comparer) sameStructure(na, nb *graph.Node) bool {
	if na.Op != nb.Op || len(na.Inputs) != len(nb.Inputs) || len(na.OutputNames()) != len(nb.OutputNames()) {
		return false
	}
	for i := range na.Inputs {
		if c.mapA(na.Inputs[i]) != nb.Inputs[i] {
			return false
		}
	}
	_, differ := c.optionChanges(na.Options, nb.Options)
	return len(differ) == 0
}

func (c *comparer) nodeChanges(na, nb *graph.Node) []Change {
	var out []Change
	if na.Op != nb.Op {
		out = append(out, Change{"op", na.Op, nb.Op})
	}
	ia := make([]string, len(na.Inputs))
	for i, in := range na.Inputs {
		ia[i] = c.mapA(in)
	}
	if strings.Join(ia, ", ") != strings.Join(nb.Inputs, ", ") {
		out = append(out, Change{"inputs", strings.Join(na.Inputs, ", "), strings.Join(nb.Inputs, ", ")})
	}
	follows, differ := c.optionChanges(na.Options, nb.Options)
	c.followOptions += follows
	out = append(out, differ...)
	if len(na.OutputNames()) != len(nb.OutputNames()) {
		out = append(out, Change{"outputs", strings.Join(na.OutputNames(), ", "), strings.Join(nb.OutputNames(), ", ")})
	}
	return out
}

// optionChanges compares option dictionaries key by key. A value that
// differs only in the maxSize of dynamic sizes whose expressions use a
// dim with a changed bound follows from that change and is counted, not
// listed.
func (c *comparer) optionChanges(a, b map[string]any) (follows int, differ []Change) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for _, k := range sortedSet(keys) {
		va, oka := a[k]
		vb, okb := b[k]
		if oka && okb {
			sa, sb := c.canon(va, false), c.canon(vb, false)
			if sa == sb {
				continue
			}
			if c.canon(va, true) == c.canon(vb, true) && c.boundsExplain(va, vb) {
				follows++
				continue
			}
		}
		as, bs := "(absent)", "(absent)"
		if oka {
			as = clip(c.canon(va, false), 200)
		}
		if okb {
			bs = clip(c.canon(vb, false), 200)
		}
		differ = append(differ, Change{"option " + k, as, bs})
	}
	return follows, differ
}

// canon renders an option value canonically: numbers by value whatever
// their Go type, maps by sorted key, operand names mapped from a;
// dropMax leaves out the maxSize of dynamic sizes.
func (c *comparer) canon(v any, dropMax bool) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return canonNumber(strconv.FormatFloat(x, 'g', -1, 64))
	case graph.Number:
		return canonNumber(string(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = c.canon(e, dropMax)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if dropMax && k == "maxSize" {
				if _, dyn := x["name"]; dyn {
					continue
				}
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ": " + c.canon(x[k], dropMax)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = c.canon(rv.Index(i).Interface(), dropMax)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

var identRe = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// boundsExplain reports whether every dynamic size in a and b whose
// maxSize differs names a dim whose bound changed.
func (c *comparer) boundsExplain(a, b any) bool {
	ok := true
	var walk func(x, y any)
	walk = func(x, y any) {
		switch xv := x.(type) {
		case []any:
			yv, _ := y.([]any)
			for i := range xv {
				if i < len(yv) {
					walk(xv[i], yv[i])
				}
			}
		case map[string]any:
			yv, _ := y.(map[string]any)
			name, dyn := xv["name"].(string)
			if dyn && c.canon(xv["maxSize"], false) != c.canon(yv["maxSize"], false) {
				uses := false
				for _, id := range identRe.FindAllString(name, -1) {
					if _, changed := c.bound[id]; changed {
						uses = true
					}
				}
				ok = ok && uses
			}
			for k, e := range xv {
				walk(e, yv[k])
			}
		}
	}
	walk(a, b)
	return ok
}

// canonNumber writes a decimal by value: 1, 1.0 and 1e0 are the same.
func canonNumber(s string) string {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return s
}

func weightBytes(g *graph.Graph) int64 {
	var n int64
	for _, k := range g.Consts {
		if k.Kind == graph.ConstWeights {
			n += k.Desc.ByteLength()
		}
	}
	return n
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedSet(m map[string]bool) []string { return sortedKeys(m) }
