package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/bytesize"

	"github.com/webnn-graph/webnn-graph/parity"
)

// LocalizationText prints a localisation for the terminal.
func LocalizationText(w io.Writer, loc *parity.Localization) {
	if loc == nil {
		return
	}
	if !loc.Found {
		fmt.Fprintf(w, "localize: %s\n", loc.Summary)
		return
	}
	n := loc.Node
	fmt.Fprintf(w, "localize: first diverging node %q (%s), #%d of %d in topological order\n", n.Name, opName(n), loc.Position, loc.Nodes)
	if len(n.Attributes) > 0 {
		parts := make([]string, len(n.Attributes))
		for i, a := range n.Attributes {
			parts[i] = a.Name + "=" + a.Value
		}
		fmt.Fprintf(w, "  attributes: %s\n", strings.Join(parts, ", "))
	}
	if len(n.WebNNOps) > 0 {
		fmt.Fprintf(w, "  WebNN ops lowered from it:\n")
		for _, op := range n.WebNNOps {
			fmt.Fprintf(w, "    %s\n", op)
		}
	}
	if len(n.FusedFrom) > 0 {
		fmt.Fprintf(w, "  fused with it (one pattern, lowered together): %s\n", strings.Join(n.FusedFrom, ", "))
	}
	for _, o := range n.Outputs {
		fmt.Fprintf(w, "  output %s\n", valueLine(o))
	}
	for _, in := range n.Inputs {
		fmt.Fprintf(w, "  input  %s\n", valueLine(in))
	}
	fmt.Fprintf(w, "  compared %d ONNX values (%d agree); %d folded, %d fused, %d unmatched; at most %s of ONNX intermediates kept%s\n",
		loc.Compared, loc.Agree, loc.Folded, loc.Fused, loc.Unmatched, bytesize.Format(loc.PeakKeptBytes), passesText(loc))
	if len(loc.Later) > 0 {
		fmt.Fprintf(w, "  next diverging nodes: %s\n", strings.Join(loc.Later, ", "))
	}
}

func opName(n *parity.NodeReport) string {
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return n.Domain + "." + n.OpType
	}
	return n.OpType
}

// valueLine is one value of a localisation: name, kind, operand, verdict.
func valueLine(v parity.ValueReport) string {
	kind := v.Kind
	if v.Via != "" {
		kind += " of " + v.Via
	}
	s := fmt.Sprintf("%q (%s)", v.Name, kind)
	if v.Operand != "" {
		s += " → " + v.Operand
	}
	s += ": " + verdict(v)
	if v.Note != "" && v.Cmp != nil {
		s += " — " + v.Note
	}
	return s
}

// verdict is "agrees (max abs …)", "DIFFERS …" or why it was not compared.
func verdict(v parity.ValueReport) string {
	c := v.Cmp
	switch {
	case c == nil:
		return v.Note
	case c.Problem != "":
		return "DIFFERS: " + c.Problem
	case c.Pass:
		return fmt.Sprintf("agrees (max abs %.3g)", c.MaxAbs)
	}
	return fmt.Sprintf("DIFFERS: max abs %.3g, max rel %.3g at %v (webnn %.7g, onnx %.7g)", c.MaxAbs, c.MaxRel, c.WorstIndex, c.Got, c.Want)
}

// passesText notes a localisation done in several windows.
func passesText(loc *parity.Localization) string {
	if loc.Passes > 1 {
		return fmt.Sprintf(" (in %d windows of the topological order, one run of each runtime per window)", loc.Passes)
	}
	return ""
}
