package graph

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// unsignedOptions are option keys whose values WebNN defines as unsigned
// integers (or lists of them). rustnn deserialises them into u32 and, when
// one is negative or fractional, silently replaces the whole options
// dictionary with defaults (formats-and-loader.md §7.3), so Validate
// refuses them. Keys marked true may also hold dynamic sizes
// {"name": expr, "maxSize": n}: newShape and sizes entries, and the steps
// of lstm/gru (the sequence length, read when the graph is built for
// concrete dims, as emit-js builds it).
var unsignedOptions = map[string]bool{
	"axis": false, "axes": false, "permutation": false, "starts": false,
	"newShape": true, "sizes": true, "splits": false, "windowDimensions": false,
	"padding": false, "strides": false, "dilations": false, "outputPadding": false,
	"outputSizes": false, "beginningPadding": false, "endingPadding": false,
	"repetitions": false, "groups": false, "batchDimensions": false,
	"steps": true, "hiddenSize": false,
}

// checkOptions reports option values rustnn would silently drop.
func (v *validator) checkOptions(n *Node, what fmt.Stringer) {
	for k, val := range n.Options {
		dynOK, ok := unsignedOptions[k]
		if !ok {
			continue
		}
		if msg := checkUnsigned(val, dynOK, true); msg != "" {
			v.addf("%s: option %s: %s", what, k, msg)
		}
	}
}

// checkUnsigned returns "" when val is a non-negative integer (or a list
// of them, or a dynamic size where allowed).
func checkUnsigned(val any, dynOK, listOK bool) string {
	switch x := val.(type) {
	case int64:
		if x < 0 {
			return fmt.Sprintf("%d is negative (WebNN takes unsigned values; rustnn would drop the options)", x)
		}
		return ""
	case int:
		return checkUnsigned(int64(x), dynOK, listOK)
	case int32:
		return checkUnsigned(int64(x), dynOK, listOK)
	case uint32, uint64:
		return ""
	case Number:
		if !x.IsInt() {
			return fmt.Sprintf("%s is not an integer", x)
		}
		if len(x) > 0 && x[0] == '-' && x != "-0" {
			return fmt.Sprintf("%s is negative (WebNN takes unsigned values; rustnn would drop the options)", x)
		}
		if _, err := strconv.ParseUint(string(x), 10, 32); err != nil && x != "-0" {
			return fmt.Sprintf("%s does not fit in 32 bits", x)
		}
		return ""
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return fmt.Sprintf("%v is not an integer", x)
		}
		if x < 0 {
			return fmt.Sprintf("%v is negative (WebNN takes unsigned values; rustnn would drop the options)", x)
		}
		return fmt.Sprintf("%v is a float; write integers as int64 (it would print as %v.0)", x, x)
	case Dim:
		if x.IsDynamic() {
			if !dynOK {
				return "a dynamic size is not allowed here"
			}
			return ""
		}
		return checkUnsigned(x.Size, dynOK, listOK)
	case map[string]any:
		if !dynOK {
			return "an object is not allowed here"
		}
		if name, ok := x["name"].(string); !ok || name == "" {
			return `a dynamic size needs a non-empty string "name"`
		}
		if msg := checkUnsigned(x["maxSize"], false, false); msg != "" {
			return "maxSize " + msg
		}
		return ""
	}
	if !listOK {
		return fmt.Sprintf("%v (%T) is not an unsigned integer", val, val)
	}
	check := func(i int, e any) string {
		if msg := checkUnsigned(e, dynOK, false); msg != "" {
			return fmt.Sprintf("[%d]: %s", i, msg)
		}
		return ""
	}
	switch x := val.(type) {
	case []any:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	case []int64:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	case []int:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	case []Dim:
		for i, e := range x {
			if m := check(i, e); m != "" {
				return m
			}
		}
		return ""
	}
	return fmt.Sprintf("%v (%T) is not an unsigned integer or a list of them", val, val)
}

// checkSizes reports dynamic sizes that no loader can evaluate: an
// expression outside the size grammar (ParseSizeExpr) or one that reads a
// dim no graph input declares. run refuses both, so validate does too.
func (v *validator) checkSizes(n *Node, what fmt.Stringer) {
	for _, d := range DynamicSizes(n) {
		e, err := ParseSizeExpr(d.Expr)
		if err != nil {
			v.addf("%s: option %s[%d]: %v", what, d.Key, d.Index, err)
			continue
		}
		if v.inputDims == nil {
			v.inputDims = InputDims(v.g)
		}
		for _, s := range e.Symbols() {
			if !v.inputDims[s] {
				v.addf("%s: option %s[%d]: size expression %q reads dim %q, which no graph input declares", what, d.Key, d.Index, d.Expr, s)
			}
		}
	}
}

// ConstantNodeType maps the dataType spellings of a `constant` node (the
// Rust webnn-graph converter's form: dataType, shape, data = base64 of the
// little-endian bytes) to data types: WebNN names and the Rust enum names
// it writes ("Float32"), as rustnn accepts both.
func ConstantNodeType(s string) (tensor.DType, bool) {
	if dt, err := tensor.ParseWebNN(s); err == nil {
		return dt, true
	}
	dt, err := tensor.ParseWebNN(strings.ToLower(s[:min(1, len(s))]) + s[min(1, len(s)):])
	return dt, err == nil
}

// checkConstantNode checks a `constant(dataType=…, shape=[…], data="base64")`
// node: known type, static shape, data of numel × element size bytes.
func (v *validator) checkConstantNode(n *Node, what fmt.Stringer) {
	_, _, err := ConstantNodeValue(n)
	if err != nil {
		v.addf("%s: %v", what, err)
	}
}

// ConstantNodeValue decodes a `constant` node's options into its
// descriptor and bytes.
func ConstantNodeValue(n *Node) (Desc, []byte, error) {
	dts, _ := n.Options["dataType"].(string)
	dt, ok := ConstantNodeType(dts)
	if !ok {
		return Desc{}, nil, fmt.Errorf("constant: dataType %q is not a WebNN data type", dts)
	}
	desc := Desc{DType: dt}
	shape, ok := n.Options["shape"]
	if !ok {
		return Desc{}, nil, fmt.Errorf("constant: no shape option")
	}
	var dims []any
	switch x := shape.(type) {
	case []any:
		dims = x
	case []int64:
		for _, d := range x {
			dims = append(dims, d)
		}
	default:
		return Desc{}, nil, fmt.Errorf("constant: shape %v is not a list", shape)
	}
	for i, d := range dims {
		if msg := checkUnsigned(d, false, false); msg != "" {
			return Desc{}, nil, fmt.Errorf("constant: shape[%d]: %s", i, msg)
		}
		var sz int64
		switch x := d.(type) {
		case int64:
			sz = x
		case Number:
			sz, _ = strconv.ParseInt(string(x), 10, 64)
		}
		desc.Shape = append(desc.Shape, Static(sz))
	}
	data, _ := n.Options["data"].(string)
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return Desc{}, nil, fmt.Errorf("constant: data is not base64: %v", err)
	}
	if want := desc.ByteLength(); want < 0 || int64(len(b)) != want {
		return Desc{}, nil, fmt.Errorf("constant: data has %d bytes, %s needs %d", len(b), desc, desc.ByteLength())
	}
	return desc, b, nil
}
