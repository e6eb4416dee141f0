package onnxpb

import (
	"fmt"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

//go:generate python3 gen_schemas.py

// Schema is what the ONNX operator schema of one op version says a node
// must look like: how many inputs and outputs, which element types each
// takes, which attributes of which type it has. Every schema of the onnx
// package is in schemaTable (schemas_gen.go, generated from onnx.defs).
//
// The converter and the ONNX interpreter check each node against its
// schema before anything reads it, so a node with a missing input, a
// float32 where int64 indices belong, or an attribute of the wrong type
// is refused with a message naming what is wrong, instead of reaching an
// op implementation that assumes the spec was followed.
type Schema struct {
	Domain         string
	Op             string
	Since          int64
	MinIn, MaxIn   int
	MinOut, MaxOut int
	Inputs         []formal
	Outputs        []formal
	Attrs          []attrSpec
}

type formalOption uint8

const (
	formalSingle formalOption = iota
	formalOptional
	formalVariadic
)

// formal is one formal input or output.
type formal struct {
	option formalOption
	types  uint64 // bit d: tensor.DType d allowed; bit 63: non-tensor values too
	param  string // type parameter shared with other formals ("" if none)
}

const anyNonTensor = 1 << 63

type attrSpec struct {
	name     string
	typ      AttributeProto_AttributeType
	required bool
}

var schemaIndex = func() map[[2]string][]*Schema {
	m := map[[2]string][]*Schema{}
	for _, table := range [][]Schema{schemaTable, contribSchemas} {
		for i := range table {
			s := &table[i]
			k := [2]string{s.Domain, s.Op}
			m[k] = append(m[k], s)
		}
	}
	return m
}()

// contribSchemas are the com.microsoft ops webnn-graph reads, written from
// ONNX Runtime's ContribOperators.md (the onnx package has no schema of
// them): arity and attribute types; T is the float types.
var contribSchemas = func() []Schema {
	const floats = 1<<tensor.Float32 | 1<<tensor.Float16 | 1<<tensor.BFloat16 | 1<<tensor.Float64
	t := func(opts ...formalOption) []formal {
		fs := make([]formal, len(opts))
		for i, o := range opts {
			fs[i] = formal{option: o, types: floats, param: "T"}
		}
		return fs
	}
	// anyIn: the first req inputs required, the rest optional, any type
	anyIn := func(n int, req ...int) []formal {
		fs := make([]formal, n)
		for i := range fs {
			fs[i] = formal{option: formalOptional, types: anyNonTensor}
		}
		for _, i := range req {
			fs[i].option = formalSingle
		}
		return fs
	}
	const (
		s, o = formalSingle, formalOptional
		fl   = AttributeProto_FLOAT
		in   = AttributeProto_INT
	)
	// pattern: one formal per input, s required, o optional, any type
	pattern := func(opts ...formalOption) []formal {
		fs := make([]formal, len(opts))
		for i, o := range opts {
			fs[i] = formal{option: o, types: anyNonTensor}
		}
		return fs
	}
	ms := "com.microsoft"
	return []Schema{
		{ms, "Attention", 1, 2, 7, 1, 2, pattern(s, s, o, o, o, o, o), anyIn(2), []attrSpec{{"num_heads", in, true}, {"unidirectional", in, false}, {"do_rotary", in, false}, {"past_present_share_buffer", in, false}, {"mask_filter_value", fl, false}, {"scale", fl, false}}},
		{ms, "EmbedLayerNormalization", 1, 7, 9, 2, 3, pattern(s, o, s, s, o, s, s, o, o), anyIn(3), []attrSpec{{"epsilon", fl, false}, {"mask_index_type", in, false}}},
		{ms, "GatherBlockQuantized", 1, 3, 4, 1, 1, pattern(s, s, s, o), anyIn(1), []attrSpec{{"bits", in, false}, {"block_size", in, false}, {"gather_axis", in, false}, {"quantize_axis", in, false}}},
		{ms, "DynamicQuantizeMatMul", 1, 3, 5, 1, 1, pattern(s, s, s, o, o), anyIn(1), nil},
		{ms, "MatMulIntegerToFloat", 1, 4, 7, 1, 1, pattern(s, s, s, s, o, o, o), anyIn(1), nil},
		{ms, "QGemm", 1, 6, 9, 1, 1, pattern(s, s, s, s, s, s, o, o, o), anyIn(1), []attrSpec{{"alpha", fl, false}, {"transA", in, false}, {"transB", in, false}}},
		{ms, "QLinearAdd", 1, 7, 8, 1, 1, pattern(s, s, o, s, s, o, s, o), anyIn(1), nil},
		{ms, "QLinearMul", 1, 7, 8, 1, 1, pattern(s, s, o, s, s, o, s, o), anyIn(1), nil},
		{ms, "QLinearSigmoid", 1, 4, 5, 1, 1, pattern(s, s, o, s, o), anyIn(1), nil},
		{ms, "QLinearLeakyRelu", 1, 4, 5, 1, 1, pattern(s, s, o, s, o), anyIn(1), []attrSpec{{"alpha", fl, false}}},
		{ms, "QLinearConcat", 1, 5, 1 << 31, 1, 1, []formal{{option: formalSingle, types: anyNonTensor}, {option: formalSingle, types: anyNonTensor}, {option: formalVariadic, types: anyNonTensor}}, anyIn(1), []attrSpec{{"axis", in, true}}},
		{ms, "QLinearGlobalAveragePool", 1, 5, 5, 1, 1, pattern(s, s, s, s, s), anyIn(1), []attrSpec{{"channels_last", in, false}}},
		{ms, "DynamicQuantizeLSTM", 1, 12, 12, 0, 3, pattern(s, s, s, o, o, o, o, o, s, s, s, s), anyIn(3), []attrSpec{{"hidden_size", in, false}, {"direction", AttributeProto_STRING, false}, {"activations", AttributeProto_STRINGS, false}, {"clip", fl, false}, {"input_forget", in, false}}},
		{ms, "Gelu", 1, 1, 1, 1, 1, t(s), t(s), nil},
		{ms, "FastGelu", 1, 1, 2, 1, 1, t(s, o), t(s), nil},
		{ms, "BiasGelu", 1, 2, 2, 1, 1, t(s, s), t(s), nil},
		{ms, "QuickGelu", 1, 1, 1, 1, 1, t(s), t(s), []attrSpec{{"alpha", fl, false}}},
		{ms, "BiasAdd", 1, 3, 3, 1, 1, t(s, s, s), t(s), nil},
		{ms, "FusedMatMul", 1, 2, 2, 1, 1, t(s, s), t(s), []attrSpec{{"alpha", fl, false}, {"transA", in, false}, {"transB", in, false}, {"transBatchA", in, false}, {"transBatchB", in, false}}},
		{ms, "SkipLayerNormalization", 1, 3, 5, 1, 4, t(s, s, s, o, o), anyIn(4), []attrSpec{{"epsilon", fl, false}}},
		{ms, "SkipSimplifiedLayerNormalization", 1, 3, 4, 1, 4, t(s, s, s, o), anyIn(4), []attrSpec{{"epsilon", fl, false}}},
		{ms, "SimplifiedLayerNormalization", 1, 2, 2, 1, 3, anyIn(2, 0, 1), anyIn(3), []attrSpec{{"axis", in, false}, {"epsilon", fl, false}, {"stash_type", in, false}}},
		// ONNX Runtime registers it in the default domain too
		{"", "SimplifiedLayerNormalization", 1, 2, 2, 1, 3, anyIn(2, 0, 1), anyIn(3), []attrSpec{{"axis", in, false}, {"epsilon", fl, false}, {"stash_type", in, false}}},
		{ms, "MatMulNBits", 1, 3, 6, 1, 1, anyIn(6, 0, 1, 2), anyIn(1), []attrSpec{{"K", in, true}, {"N", in, true}, {"bits", in, false}, {"block_size", in, true}, {"accuracy_level", in, false}}},
		{ms, "GroupQueryAttention", 1, 7, 12, 1, 4, anyIn(12, 0, 5, 6), anyIn(4), []attrSpec{{"num_heads", in, true}, {"kv_num_heads", in, true}, {"scale", fl, false}, {"do_rotary", in, false}, {"rotary_interleaved", in, false}, {"local_window_size", in, false}, {"softcap", fl, false}, {"smooth_softmax", in, false}}},
	}
}()

// LookupSchema returns the schema of op in domain ("" or "ai.onnx" for the
// default domain) at opset version, or nil when the onnx package knows
// none (custom domains such as com.microsoft).
func LookupSchema(domain, op string, version int64) *Schema {
	if domain == "ai.onnx" {
		domain = ""
	}
	var best *Schema
	for _, s := range schemaIndex[[2]string{domain, op}] {
		if s.Since <= version && (best == nil || s.Since > best.Since) {
			best = s
		}
	}
	return best
}

// NodeSchema is the schema to check a node of op at version against:
// LookupSchema's, or, for a version before the op existed (which some
// runtimes accept), the op's first schema; nil when the onnx package
// knows the op in no version.
func NodeSchema(domain, op string, version int64) *Schema {
	if s := LookupSchema(domain, op, version); s != nil {
		return s
	}
	if domain == "ai.onnx" {
		domain = ""
	}
	var first *Schema
	for _, s := range schemaIndex[[2]string{domain, op}] {
		if first == nil || s.Since < first.Since {
			first = s
		}
	}
	return first
}

// formalOf is the formal parameter node input (or output) i maps to.
func formalOf(fs []formal, i int) *formal {
	switch {
	case i < len(fs):
		return &fs[i]
	case len(fs) > 0 && fs[len(fs)-1].option == formalVariadic:
		return &fs[len(fs)-1]
	}
	return nil
}

// CheckNode checks n's structure against the schema: the number of inputs
// and outputs, that no required input is left empty, and that every
// attribute the schema names has its type and every required one is
// there. Unknown attributes are left alone.
func (s *Schema) CheckNode(n *NodeProto) error {
	ins := n.GetInput()
	last := len(ins)
	for last > 0 && ins[last-1] == "" {
		last-- // trailing empty names are absent optional inputs
	}
	if last < s.MinIn || last > s.MaxIn {
		return fmt.Errorf("has %d inputs, %s takes %s", last, s.Op, countRange(s.MinIn, s.MaxIn))
	}
	for i := range ins {
		if f := formalOf(s.Inputs, i); ins[i] == "" && (f == nil || f.option != formalOptional) && i < s.MaxIn {
			return fmt.Errorf("input %d is required but left empty", i)
		}
	}
	if outs := len(n.GetOutput()); outs < s.MinOut || outs > s.MaxOut {
		return fmt.Errorf("has %d outputs, %s gives %s", outs, s.Op, countRange(s.MinOut, s.MaxOut))
	}
	have := map[string]*AttributeProto{}
	for _, a := range n.GetAttribute() {
		have[a.GetName()] = a
	}
	for _, spec := range s.Attrs {
		a, ok := have[spec.name]
		switch {
		case !ok && spec.required:
			return fmt.Errorf("attribute %s is required", spec.name)
		case ok && a.GetRefAttrName() == "" && attrType(a) != spec.typ:
			return fmt.Errorf("attribute %s is %s, the schema says %s", spec.name, attrTypeName(attrType(a)), attrTypeName(spec.typ))
		}
	}
	return nil
}

// attrType is a's type, read from the field it fills when the type field
// is unset (older exporters).
func attrType(a *AttributeProto) AttributeProto_AttributeType {
	if t := a.GetType(); t != AttributeProto_UNDEFINED {
		return t
	}
	switch {
	case len(a.GetInts()) > 0:
		return AttributeProto_INTS
	case len(a.GetFloats()) > 0:
		return AttributeProto_FLOATS
	case len(a.GetStrings()) > 0:
		return AttributeProto_STRINGS
	case a.GetT() != nil:
		return AttributeProto_TENSOR
	case a.GetG() != nil:
		return AttributeProto_GRAPH
	case a.GetS() != nil:
		return AttributeProto_STRING
	case a.GetF() != 0:
		return AttributeProto_FLOAT
	}
	return AttributeProto_INT
}

func attrTypeName(t AttributeProto_AttributeType) string {
	return strings.ToLower(t.String())
}

func countRange(lo, hi int) string {
	switch {
	case lo == hi:
		return fmt.Sprint(lo)
	case hi >= 1<<30:
		return fmt.Sprintf("at least %d", lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// CheckInputTypes checks the element types of the node's inputs (0 for an
// absent input or a value that is not a tensor) against the schema's type
// constraints: each allowed for its formal parameter, and inputs sharing a
// type parameter of one type.
func (s *Schema) CheckInputTypes(dtypes []tensor.DType) error {
	bound := map[string]int{}
	for i, dt := range dtypes {
		f := formalOf(s.Inputs, i)
		if f == nil || dt == tensor.Undefined || f.types&anyNonTensor != 0 {
			continue
		}
		if dt >= 63 || f.types&(1<<uint(dt)) == 0 {
			return fmt.Errorf("input %d is %v, %s takes %s there", i, dt, s.Op, typeList(f.types))
		}
		if f.param == "" {
			continue
		}
		if j, ok := bound[f.param]; ok && dtypes[j] != dt {
			return fmt.Errorf("inputs %d and %d are %v and %v, but %s needs one type for both (%s)", j, i, dtypes[j], dt, s.Op, f.param)
		}
		bound[f.param] = i
	}
	return nil
}

func typeList(mask uint64) string {
	var names []string
	for d := 1; d < 63; d++ {
		if mask&(1<<uint(d)) != 0 {
			names = append(names, tensor.DType(d).String())
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Input describes formal input i: the tensor types it may be (nil when it
// may be any value), the type parameter it shares with other inputs, and
// whether it may be left out. ok is false past the last input.
func (s *Schema) Input(i int) (types []tensor.DType, param string, optional, ok bool) {
	f := formalOf(s.Inputs, i)
	if f == nil || i >= s.MaxIn {
		return nil, "", false, false
	}
	if f.types&anyNonTensor == 0 {
		for d := 1; d < 63; d++ {
			if f.types&(1<<uint(d)) != 0 {
				types = append(types, tensor.DType(d))
			}
		}
	}
	return types, f.param, f.option == formalOptional, true
}

// AttrNames lists the attributes the schema names, with their types.
func (s *Schema) AttrNames() map[string]AttributeProto_AttributeType {
	m := make(map[string]AttributeProto_AttributeType, len(s.Attrs))
	for _, a := range s.Attrs {
		m[a.name] = a.typ
	}
	return m
}
