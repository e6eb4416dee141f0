package emitjs

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"
)

// The drawing of a graph: a layered DAG layout computed here, at emit
// time, so the page needs no layout library. Graph inputs sit on the top
// layer; every node one layer below its deepest operand (longest path);
// outputs under what they name. Within a layer nodes are ordered by the
// mean x of their operands and placed there where there is room, so
// chains stay straight and residual branches step aside. Constants are not drawn: they are listed in each
// node's tooltip. The page scrolls the drawing; graphs of tens of
// thousands of nodes stay a few megabytes of SVG.

const (
	boxH     = 30
	layerGap = 28
	nodeGap  = 18
	margin   = 16
	charW    = 7.0 // average width of a 12px sans-serif character
)

// maxDrawnNodes bounds the drawing; larger graphs get the summary only.
const maxDrawnNodes = 40000

const longEdge = 40

// longEdge: an edge spanning more layers is drawn as two dashed stubs
// (under its source, over its target) rather than a line across the
// drawing: a decoder's position_ids feed every layer's rotary gather, and
// thirty full-height lines would hide the graph. Residual connections
// (a few dozen layers) stay lines.

type box struct {
	id, label, sub string
	kind           string // "input", "output" or the op family (colour)
	tip            string
	layer          int
	x, w           float64 // x is the centre
	preds          []int
}

// drawing is the laid-out graph.
type drawing struct {
	boxes         []box
	width, height float64
}

// opFamily groups op names for colour.
func opFamily(op string) string {
	switch op {
	case "matmul", "gemm", "conv2d", "convTranspose2d", "gru", "gruCell", "lstm", "lstmCell":
		return "linalg"
	case "relu", "sigmoid", "tanh", "gelu", "softmax", "elu", "leakyRelu", "hardSigmoid", "hardSwish",
		"softplus", "softsign", "linear", "prelu", "clamp", "erf":
		return "act"
	case "layerNormalization", "instanceNormalization", "batchNormalization", "averagePool2d", "l2Pool2d",
		"maxPool2d", "globalAveragePool", "globalMaxPool", "cumulativeSum", "argMin", "argMax":
		return "norm"
	case "reshape", "transpose", "slice", "concat", "split", "gather", "gatherElements", "gatherND",
		"expand", "pad", "tile", "reverse", "squeeze", "unsqueeze", "shape", "identity", "resample2d",
		"scatterElements", "scatterND", "triangular", "where":
		return "move"
	case "cast", "quantizeLinear", "dequantizeLinear":
		return "cast"
	case "equal", "notEqual", "greater", "greaterOrEqual", "lesser", "lesserOrEqual", "logicalAnd",
		"logicalOr", "logicalXor", "logicalNot", "isNaN", "isInfinite":
		return "logic"
	}
	if strings.HasPrefix(op, "reduce") {
		return "norm"
	}
	return "math"
}

func textWidth(s string) float64 { return float64(len([]rune(s)))*charW + 16 }

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n/2-1]) + "…" + string(r[len(r)-(n-n/2):])
}

// layout lays out g.
func layout(g *graph.Graph) *drawing {
	d := &drawing{}
	producer := map[string]int{} // operand → box
	consts := map[string]*graph.Const{}
	for i := range g.Consts {
		consts[g.Consts[i].Name] = &g.Consts[i]
	}
	for _, in := range g.Inputs {
		producer[in.Name] = len(d.boxes)
		dims := make([]string, len(in.Desc.Shape))
		for i, d := range in.Desc.Shape {
			if d.IsDynamic() {
				dims[i] = d.Name
			} else {
				dims[i] = fmt.Sprint(d.Size)
			}
		}
		d.boxes = append(d.boxes, box{id: "in:" + in.Name, label: shorten(in.Name, 28), kind: "input",
			sub: shorten(in.Desc.DType.String()+" ["+strings.Join(dims, ", ")+"]", 44), tip: fmt.Sprintf("input %s: %s", in.Name, in.Desc)})
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		b := box{id: n.ID, label: n.Op, sub: shorten(n.ID, 30), kind: opFamily(n.Op)}
		var tip strings.Builder
		fmt.Fprintf(&tip, "%s = %s(", n.ID, n.Op)
		seen := map[int]bool{}
		for j, in := range n.Inputs {
			if j > 0 {
				tip.WriteString(", ")
			}
			tip.WriteString(in)
			if k, ok := consts[in]; ok {
				fmt.Fprintf(&tip, " [const %s]", k.Desc)
				continue
			}
			if p, ok := producer[in]; ok && !seen[p] {
				seen[p] = true
				b.preds = append(b.preds, p)
			}
		}
		tip.WriteString(")")
		if len(n.Options) > 0 {
			keys := make([]string, 0, len(n.Options))
			for k := range n.Options {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&tip, "\n  %s = %s", k, shorten(optionText(n.Options[k]), 120))
			}
		}
		if n.Comment != "" {
			fmt.Fprintf(&tip, "\n  ONNX: %s", shorten(n.Comment, 120))
		}
		b.tip = tip.String()
		idx := len(d.boxes)
		for _, o := range n.OutputNames() {
			producer[o] = idx
		}
		d.boxes = append(d.boxes, b)
	}
	for _, o := range g.Outputs {
		b := box{id: "out:" + o.Name, label: shorten(o.Name, 28), sub: "output", kind: "output", tip: "output " + o.Name}
		if p, ok := producer[o.Operand]; ok {
			b.preds = []int{p}
		}
		d.boxes = append(d.boxes, b)
	}
	// Layers: longest path from the inputs (boxes are in topological
	// order), then every box that has consumers moves down to just above
	// the first of them (as late as possible): a decoder's rotary-table
	// gathers, masks and KV-cache inputs sit beside the layer that reads
	// them, not in one wide band at the top. Outputs stay under their
	// operand.
	users := make([][]int, len(d.boxes))
	for i := range d.boxes {
		b := &d.boxes[i]
		b.w = max(textWidth(b.label), textWidth(b.sub)*0.85, 72)
		for _, p := range b.preds {
			b.layer = max(b.layer, d.boxes[p].layer+1)
			users[p] = append(users[p], i)
		}
	}
	for i := len(d.boxes) - 1; i >= 0; i-- {
		b := &d.boxes[i]
		if b.kind == "output" || len(users[i]) == 0 {
			continue
		}
		first := math.MaxInt
		for _, u := range users[i] {
			if d.boxes[u].kind != "output" {
				first = min(first, d.boxes[u].layer)
			}
		}
		if first != math.MaxInt {
			b.layer = first - 1
		}
	}
	for i := range d.boxes {
		if b := &d.boxes[i]; b.kind == "output" && len(b.preds) == 1 {
			b.layer = d.boxes[b.preds[0]].layer + 1
		}
	}
	nLayers := 0
	for i := range d.boxes {
		nLayers = max(nLayers, d.boxes[i].layer+1)
	}
	layers := make([][]int, nLayers)
	for i := range d.boxes {
		layers[d.boxes[i].layer] = append(layers[d.boxes[i].layer], i)
	}
	// x: top-down, each box wants the x of its first operand (the data
	// operand: matmul's x, a residual add's stream), boxes without
	// operands start right of the rest; then bottom-up, boxes without
	// operands want the x of their first consumer. place puts a layer's
	// boxes in order of priority (most connected first), each at the free
	// position nearest to the x it wants, so the main chain keeps one
	// column and branches step aside without drifting.
	prio := func(i int) int { return len(d.boxes[i].preds) + len(users[i]) }
	place := func(layer []int, want []float64) {
		order := make([]int, len(layer))
		for k := range order {
			order[k] = k
		}
		sort.SliceStable(order, func(a, c int) bool { return prio(layer[order[a]]) > prio(layer[order[c]]) })
		type span struct{ lo, hi float64 }
		var placed []span
		free := func(c, w float64) bool {
			for _, p := range placed {
				if c+w/2+nodeGap > p.lo && c-w/2-nodeGap < p.hi {
					return false
				}
			}
			return true
		}
		for _, k := range order {
			w := d.boxes[layer[k]].w
			best := want[k]
			if !free(best, w) {
				bestD := math.Inf(1)
				for _, p := range placed {
					for _, c := range []float64{p.lo - nodeGap - w/2, p.hi + nodeGap + w/2} {
						if dd := math.Abs(c - want[k]); dd < bestD && free(c, w) {
							best, bestD = c, dd
						}
					}
				}
			}
			d.boxes[layer[k]].x = best
			placed = append(placed, span{best - w/2, best + w/2})
		}
	}
	for _, layer := range layers {
		want := make([]float64, len(layer))
		right := math.Inf(-1)
		for k, i := range layer {
			if ps := d.boxes[i].preds; len(ps) > 0 {
				want[k] = d.boxes[ps[0]].x
				right = max(right, want[k])
			}
		}
		if math.IsInf(right, -1) {
			right = 0
		}
		for k, i := range layer {
			if len(d.boxes[i].preds) == 0 {
				right += 180
				want[k] = right
			}
		}
		place(layer, want)
	}
	for l := len(layers) - 2; l >= 0; l-- {
		layer := layers[l]
		want := make([]float64, len(layer))
		moved := false
		for k, i := range layer {
			want[k] = d.boxes[i].x
			if len(d.boxes[i].preds) == 0 && len(users[i]) > 0 {
				want[k] = d.boxes[users[i][0]].x
				moved = true
			}
		}
		if moved {
			place(layer, want)
		}
	}
	// Translate into view.
	minX, maxX := 0.0, 0.0
	for i, b := range d.boxes {
		if i == 0 || b.x-b.w/2 < minX {
			minX = b.x - b.w/2
		}
		if i == 0 || b.x+b.w/2 > maxX {
			maxX = b.x + b.w/2
		}
	}
	for i := range d.boxes {
		d.boxes[i].x += margin - minX
	}
	d.width = maxX - minX + 2*margin
	d.height = float64(len(layers))*(boxH+layerGap) - layerGap + 2*margin
	return d
}

func boxY(layer int) float64 { return margin + float64(layer)*(boxH+layerGap) }

// svg writes the drawing: edges first, then boxes with a <title> tooltip
// each; data-id carries the node id for the page's search.
func (d *drawing) svg() string {
	var w strings.Builder
	fmt.Fprintf(&w, `<svg id="graph-svg" xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="graph drawing">`,
		d.width, d.height, d.width, d.height)
	w.WriteString(`<g class="edges">`)
	for _, b := range d.boxes {
		y2 := boxY(b.layer)
		for k, p := range b.preds {
			a := d.boxes[p]
			y1 := boxY(a.layer) + boxH
			if b.layer-a.layer > longEdge {
				off := float64(k-len(b.preds)/2) * 6
				fmt.Fprintf(&w, `<path class="stub" d="M%.1f %.1fv12M%.1f %.1fv-12"/>`, a.x, y1, b.x+off, y2)
				continue
			}
			mid := (y1 + y2) / 2
			if b.layer-a.layer > 1 {
				mid = y1 + layerGap
			}
			fmt.Fprintf(&w, `<path d="M%.1f %.1fC%.1f %.1f %.1f %.1f %.1f %.1f"/>`, a.x, y1, a.x, mid, b.x, y2-layerGap/2, b.x, y2)
		}
	}
	w.WriteString(`</g><g class="nodes">`)
	for _, b := range d.boxes {
		y := boxY(b.layer)
		fmt.Fprintf(&w, `<g class="n k-%s" data-id="%s" transform="translate(%.1f %.1f)"><title>%s</title><rect x="%.1f" width="%.1f" height="%d" rx="6"/><text class="l" y="13">%s</text><text class="s" y="25">%s</text></g>`,
			b.kind, svgText(b.id), b.x, y, svgText(b.tip), -b.w/2, b.w, boxH, svgText(b.label), svgText(b.sub))
	}
	w.WriteString(`</g></svg>`)
	return w.String()
}

// optionText prints an option value compactly for a tooltip.
func optionText(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = optionText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if name, ok := x["name"].(string); ok {
			return name
		}
	case string:
		return fmt.Sprintf("%q", x)
	case graph.Dim:
		if x.IsDynamic() {
			return x.Name
		}
		return fmt.Sprint(x.Size)
	}
	return fmt.Sprint(v)
}

// svgText escapes s for the drawing's text and attributes; the names in
// it come from the model, and a NUL or other control character would make
// the page malformed (textsafe).
func svgText(s string) string { return html.EscapeString(textsafe.Text(s)) }
