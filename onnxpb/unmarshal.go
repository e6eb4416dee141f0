package onnxpb

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Zero-copy decoding.
//
// The Go protobuf runtime copies every bytes field while unmarshalling,
// so decoding a model whose weights sit in raw_data would hold them twice
// (once in the mapped file, once on the heap). unmarshalModel avoids
// that: a first pass walks the wire format along the message paths that
// can hold a TensorProto and writes a copy of the file in which every
// TensorProto.raw_data field is replaced by a small unknown field (the
// marker) holding the index of the bytes' position in the file. The copy
// is what proto.Unmarshal decodes; its size is the model without its
// weights. A second pass over the decoded messages points each tensor's
// RawData at its bytes inside the original buffer and drops the marker.
//
// Nested message lengths in the copy are written as 5-byte varints
// (non-minimal encodings are valid protobuf), so the copy is produced in
// one pass without sizing its sub-messages first.
//
// When the first pass meets anything it does not understand, decoding
// falls back to a plain proto.Unmarshal of the original bytes, whose
// verdict (and error message) is then authoritative.

// markerField is the field number of the marker; the highest valid
// protobuf field number, which no ONNX message uses.
const markerField = protowire.MaxValidNumber

// maxNesting bounds the recursion of the first pass (subgraphs inside
// subgraphs); deeper inputs take the plain path.
const maxNesting = 1000

// msgKind names the messages the first pass descends into.
type msgKind uint8

const (
	kindOther msgKind = iota
	kindModel
	kindGraph
	kindNode
	kindAttribute
	kindTensor
	kindSparseTensor
	kindFunction
	kindTrainingInfo
)

// childKind is the kind of sub-message field num of a kind message, or
// kindOther when the field cannot lead to a TensorProto.
func childKind(k msgKind, num protowire.Number) msgKind {
	switch k {
	case kindModel:
		switch num {
		case 7:
			return kindGraph
		case 20:
			return kindTrainingInfo
		case 25:
			return kindFunction
		}
	case kindGraph:
		switch num {
		case 1:
			return kindNode
		case 5:
			return kindTensor
		case 15:
			return kindSparseTensor
		}
	case kindNode:
		if num == 5 {
			return kindAttribute
		}
	case kindAttribute:
		switch num {
		case 5, 10:
			return kindTensor
		case 6, 11:
			return kindGraph
		case 22, 23:
			return kindSparseTensor
		}
	case kindSparseTensor:
		if num == 1 || num == 2 {
			return kindTensor
		}
	case kindFunction:
		switch num {
		case 7:
			return kindNode
		case 11:
			return kindAttribute
		}
	case kindTrainingInfo:
		if num == 1 || num == 2 {
			return kindGraph
		}
	}
	return kindOther
}

// byteRange is where one raw_data value lies in the original buffer.
type byteRange struct{ off, n int }

type rewriter struct {
	out  []byte
	refs []byteRange
}

var errRewrite = errors.New("onnx: unexpected wire data")

// msg appends the rewritten form of message b (of kind k, starting at
// offset base of the original buffer) to w.out.
func (w *rewriter) msg(k msgKind, b []byte, base, depth int) error {
	if depth > maxNesting {
		return errRewrite
	}
	for i := 0; i < len(b); {
		num, typ, n := protowire.ConsumeTag(b[i:])
		if n < 0 {
			return errRewrite
		}
		if k == kindTensor && num == markerField {
			// The file uses the marker's number itself: let the plain
			// decoder keep it as the unknown field it is.
			return errRewrite
		}
		if typ != protowire.BytesType {
			m := protowire.ConsumeFieldValue(num, typ, b[i+n:])
			if m < 0 {
				return errRewrite
			}
			w.out = append(w.out, b[i:i+n+m]...)
			i += n + m
			continue
		}
		v, m := protowire.ConsumeBytes(b[i+n:])
		if m < 0 {
			return errRewrite
		}
		valueOff := base + i + n + m - len(v)
		switch {
		case k == kindTensor && num == 9:
			w.out = protowire.AppendTag(w.out, markerField, protowire.VarintType)
			w.out = protowire.AppendVarint(w.out, uint64(len(w.refs)))
			w.refs = append(w.refs, byteRange{valueOff, len(v)})
		case childKind(k, num) != kindOther:
			w.out = append(w.out, b[i:i+n]...)
			at := len(w.out)
			w.out = append(w.out, 0, 0, 0, 0, 0)
			if err := w.msg(childKind(k, num), v, valueOff, depth+1); err != nil {
				return err
			}
			size := len(w.out) - at - 5
			if size >= 1<<35 {
				return errRewrite
			}
			putVarint5(w.out[at:at+5], uint64(size))
		default:
			w.out = append(w.out, b[i:i+n+m]...)
		}
		i += n + m
	}
	return nil
}

// putVarint5 writes v as a 5-byte (possibly non-minimal) varint.
func putVarint5(dst []byte, v uint64) {
	for j := 0; j < 4; j++ {
		dst[j] = byte(v&0x7f) | 0x80
		v >>= 7
	}
	dst[4] = byte(v)
}

// unmarshalModel decodes a ModelProto from data. aliased lists the
// tensors whose RawData points into data.
func unmarshalModel(data []byte) (*ModelProto, []*TensorProto, error) {
	w := &rewriter{out: make([]byte, 0, min(len(data), 1<<20))}
	if err := w.msg(kindModel, data, 0, 0); err != nil || len(w.refs) == 0 {
		mp := &ModelProto{}
		if err := proto.Unmarshal(data, mp); err != nil {
			return nil, nil, err
		}
		return mp, nil, nil
	}
	mp := &ModelProto{}
	if err := proto.Unmarshal(w.out, mp); err != nil {
		// The rewritten copy must decode whenever the original does;
		// let the original speak for itself.
		mp = &ModelProto{}
		if err := proto.Unmarshal(data, mp); err != nil {
			return nil, nil, err
		}
		return mp, nil, nil
	}
	f := &fixer{data: data, refs: w.refs}
	f.model(mp)
	return mp, f.aliased, nil
}

// fixer is the second pass: it points RawData of every marked tensor at
// its bytes in data.
type fixer struct {
	data    []byte
	refs    []byteRange
	aliased []*TensorProto
}

func (f *fixer) model(mp *ModelProto) {
	f.graph(mp.GetGraph())
	for _, ti := range mp.GetTrainingInfo() {
		f.graph(ti.GetInitialization())
		f.graph(ti.GetAlgorithm())
	}
	for _, fn := range mp.GetFunctions() {
		for _, n := range fn.GetNode() {
			f.node(n)
		}
		for _, a := range fn.GetAttributeProto() {
			f.attr(a)
		}
	}
}

func (f *fixer) graph(g *GraphProto) {
	if g == nil {
		return
	}
	for _, t := range g.GetInitializer() {
		f.tensor(t)
	}
	for _, s := range g.GetSparseInitializer() {
		f.sparse(s)
	}
	for _, n := range g.GetNode() {
		f.node(n)
	}
}

func (f *fixer) node(n *NodeProto) {
	for _, a := range n.GetAttribute() {
		f.attr(a)
	}
}

func (f *fixer) attr(a *AttributeProto) {
	f.tensor(a.GetT())
	f.graph(a.GetG())
	f.sparse(a.GetSparseTensor())
	for _, t := range a.GetTensors() {
		f.tensor(t)
	}
	for _, g := range a.GetGraphs() {
		f.graph(g)
	}
	for _, s := range a.GetSparseTensors() {
		f.sparse(s)
	}
}

func (f *fixer) sparse(s *SparseTensorProto) {
	if s == nil {
		return
	}
	f.tensor(s.GetValues())
	f.tensor(s.GetIndices())
}

func (f *fixer) tensor(t *TensorProto) {
	if t == nil {
		return
	}
	u := t.ProtoReflect().GetUnknown()
	if len(u) == 0 {
		return
	}
	var rest []byte
	found := false
	for i := 0; i < len(u); {
		num, typ, n := protowire.ConsumeTag(u[i:])
		if n < 0 {
			return // cannot happen: the runtime stored well-formed fields
		}
		m := protowire.ConsumeFieldValue(num, typ, u[i+n:])
		if m < 0 {
			return
		}
		if num == markerField && typ == protowire.VarintType {
			idx, _ := protowire.ConsumeVarint(u[i+n:])
			if idx < uint64(len(f.refs)) {
				r := f.refs[idx]
				t.RawData = f.data[r.off : r.off+r.n : r.off+r.n]
				found = true
				i += n + m
				continue
			}
		}
		rest = append(rest, u[i:i+n+m]...)
		i += n + m
	}
	t.ProtoReflect().SetUnknown(rest)
	if found {
		f.aliased = append(f.aliased, t)
	}
}
