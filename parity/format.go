package parity

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// FormatAttributes renders a node's attributes for a report: scalars and
// lists as written, tensors by type and shape, graphs by name.
func FormatAttributes(n *onnxpb.NodeProto) []Attr {
	var out []Attr
	for _, a := range n.GetAttribute() {
		out = append(out, Attr{Name: a.GetName(), Value: formatAttr(a)})
	}
	return out
}

func formatAttr(a *onnxpb.AttributeProto) string {
	switch a.GetType() {
	case onnxpb.AttributeProto_FLOAT:
		return strconv.FormatFloat(float64(a.GetF()), 'g', -1, 32)
	case onnxpb.AttributeProto_INT:
		return strconv.FormatInt(a.GetI(), 10)
	case onnxpb.AttributeProto_STRING:
		return strconv.Quote(clip(string(a.GetS()), 80))
	case onnxpb.AttributeProto_TENSOR:
		return tensorSummary(a.GetT())
	case onnxpb.AttributeProto_GRAPH:
		return fmt.Sprintf("graph %q (%d nodes)", a.GetG().GetName(), len(a.GetG().GetNode()))
	case onnxpb.AttributeProto_FLOATS:
		parts := make([]string, 0, len(a.GetFloats()))
		for _, f := range a.GetFloats() {
			parts = append(parts, strconv.FormatFloat(float64(f), 'g', -1, 32))
		}
		return listString(parts)
	case onnxpb.AttributeProto_INTS:
		parts := make([]string, 0, len(a.GetInts()))
		for _, i := range a.GetInts() {
			parts = append(parts, strconv.FormatInt(i, 10))
		}
		return listString(parts)
	case onnxpb.AttributeProto_STRINGS:
		parts := make([]string, 0, len(a.GetStrings()))
		for _, s := range a.GetStrings() {
			parts = append(parts, strconv.Quote(clip(string(s), 40)))
		}
		return listString(parts)
	case onnxpb.AttributeProto_TENSORS:
		return fmt.Sprintf("%d tensors", len(a.GetTensors()))
	case onnxpb.AttributeProto_GRAPHS:
		return fmt.Sprintf("%d graphs", len(a.GetGraphs()))
	}
	return a.GetType().String()
}

func tensorSummary(t *onnxpb.TensorProto) string {
	return fmt.Sprintf("tensor %s%v", tensor.DType(t.GetDataType()), t.GetDims())
}

func listString(parts []string) string {
	if len(parts) > 16 {
		parts = append(parts[:16:16], fmt.Sprintf("… (%d)", len(parts)))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// FormatOp renders one WebNN node as "id = op(inputs, key=value, …)".
func FormatOp(n *graph.Node) string {
	args := append([]string(nil), n.Inputs...)
	keys := make([]string, 0, len(n.Options))
	for k := range n.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, k+"="+clip(formatValue(n.Options[k]), 120))
	}
	lhs := n.ID
	if n.Outputs != nil {
		lhs = "[" + strings.Join(n.Outputs, ", ") + "]"
	}
	return fmt.Sprintf("%s = %s(%s)", lhs, n.Op, strings.Join(args, ", "))
}

func formatValue(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if name, ok := x["name"].(string); ok {
			return name // a dynamic dim: its expression says enough
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + formatValue(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}
