package emitjs

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/bytesize"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

//go:embed page.html
var pageTemplate string

var pageTmpl = template.Must(template.New("page").Parse(pageTemplate))

// PageOptions say how the page finds the module.
type PageOptions struct {
	Module string // URL of the module emit-js wrote, relative to the page (default "model.js")
}

// Page returns a self-contained HTML page for g (no network access
// besides the module and its weights, served beside it): the model
// summary, the graph drawn as SVG, and a form that builds and runs the
// graph through the module, timing each run.
func Page(g *graph.Graph, opts PageOptions) ([]byte, error) {
	if opts.Module == "" {
		opts.Module = "model.js"
	}
	// An import specifier must be a URL or start with /, ./ or ../.
	if !strings.Contains(opts.Module, "://") && !strings.HasPrefix(opts.Module, "/") && !strings.HasPrefix(opts.Module, "./") && !strings.HasPrefix(opts.Module, "../") {
		opts.Module = "./" + opts.Module
	}
	name := g.Name
	if name == "" {
		name = "graph"
	}
	p := pageData{Name: name, Module: opts.Module, Nodes: len(g.Nodes), Consts: len(g.Consts)}
	dimMax := map[string]int64{}
	var dimOrder []string
	for _, in := range g.Inputs {
		var dims []string
		for _, d := range in.Desc.Shape {
			if d.IsDynamic() {
				dims = append(dims, fmt.Sprintf("%s ≤ %d", d.Name, d.MaxSize))
				if m, ok := dimMax[d.Name]; !ok {
					dimOrder = append(dimOrder, d.Name)
					dimMax[d.Name] = d.MaxSize
				} else if d.MaxSize < m {
					dimMax[d.Name] = d.MaxSize
				}
			} else {
				dims = append(dims, fmt.Sprint(d.Size))
			}
		}
		onnx := ""
		if in.Comment != "" && in.Comment != in.Name && !strings.ContainsAny(in.Comment, " \n") {
			onnx = textsafe.Text(in.Comment) // html/template leaves ESC, CR and C1 as they are
		}
		p.Inputs = append(p.Inputs, pageIO{Name: in.Name, ONNX: onnx, Type: in.Desc.DType.String(), Dims: "[" + strings.Join(dims, ", ") + "]"})
	}
	for _, o := range g.Outputs {
		p.Outputs = append(p.Outputs, pageIO{Name: o.Name})
	}
	for _, d := range dimOrder {
		p.Dims = append(p.Dims, pageDim{Name: d, Max: dimMax[d], Default: defaultSize(d, dimMax[d])})
	}
	hist := map[string]int{}
	for _, n := range g.Nodes {
		hist[n.Op]++
	}
	for op, n := range hist {
		p.Ops = append(p.Ops, pageOp{Op: op, Count: n, Family: opFamily(op)})
	}
	sort.Slice(p.Ops, func(i, j int) bool {
		if p.Ops[i].Count != p.Ops[j].Count {
			return p.Ops[i].Count > p.Ops[j].Count
		}
		return p.Ops[i].Op < p.Ops[j].Op
	})
	for i := range p.Ops {
		p.Ops[i].Percent = 100 * float64(p.Ops[i].Count) / float64(p.Ops[0].Count)
	}
	for _, c := range g.Consts {
		p.WeightBytes += c.Desc.ByteLength()
	}
	p.WeightText = fmt.Sprintf("%s bytes", groupDigits(p.WeightBytes))
	if p.WeightBytes >= 1024 {
		p.WeightText += " (" + bytesize.Format(p.WeightBytes) + ")"
	}
	if len(g.Nodes)+len(g.Inputs)+len(g.Outputs) <= maxDrawnNodes {
		d := layout(g)
		p.SVG = template.HTML(d.svg())
		p.Drawn = true
	}
	data := map[string]any{"dims": p.Dims, "inputs": inputHints(g)}
	js, err := marshalJS(data)
	if err != nil {
		return nil, err
	}
	p.Data = template.JS(js)
	var out bytes.Buffer
	if err := pageTmpl.Execute(&out, &p); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type pageData struct {
	Name, Module    string
	Nodes, Consts   int
	WeightBytes     int64
	WeightText      string
	Inputs, Outputs []pageIO
	Dims            []pageDim
	Ops             []pageOp
	SVG             template.HTML
	Drawn           bool
	Data            template.JS
}

type pageIO struct{ Name, ONNX, Type, Dims string }

type pageDim struct {
	Name    string `json:"name"`
	Max     int64  `json:"max"`
	Default int64  `json:"default"`
}

type pageOp struct {
	Op      string
	Count   int
	Family  string
	Percent float64
}

// defaultSize is the size the page's form starts with: batch and past 1,
// sequence lengths 8, anything else its bound up to 64.
func defaultSize(name string, max int64) int64 {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "batch") || strings.Contains(n, "past"):
		return 1
	case strings.Contains(n, "total"):
		return min(max, 9)
	case strings.Contains(n, "seq") || strings.Contains(n, "length"):
		return min(max, 8)
	}
	return min(max, 64)
}

// inputHint tells the page how to make a random value for an input:
// integers that index a table stay inside it; masks are ones.
type inputHint struct {
	Name  string `json:"name"`
	Range int64  `json:"range,omitempty"` // integers in [0, range)
	Kind  string `json:"kind,omitempty"`  // "mask", "position", "zero"
}

func inputHints(g *graph.Graph) []inputHint {
	consts := map[string]*graph.Const{}
	for i := range g.Consts {
		consts[g.Consts[i].Name] = &g.Consts[i]
	}
	// origin follows casts back to a graph input.
	origin := map[string]string{}
	for _, in := range g.Inputs {
		origin[in.Name] = in.Name
	}
	rng := map[string]int64{}
	for _, n := range g.Nodes {
		if n.Op == "cast" && len(n.Inputs) == 1 {
			if o, ok := origin[n.Inputs[0]]; ok {
				origin[n.ID] = o
			}
		}
		if n.Op == "gather" && len(n.Inputs) == 2 {
			in, ok := origin[n.Inputs[1]]
			k := consts[n.Inputs[0]]
			if !ok || k == nil {
				continue
			}
			axis, _ := toInt(n.Options["axis"])
			if axis < 0 || int(axis) >= len(k.Desc.Shape) {
				continue
			}
			if size := k.Desc.Shape[axis].Size; size > 0 && (rng[in] == 0 || size < rng[in]) {
				rng[in] = size
			}
		}
	}
	var out []inputHint
	for _, in := range g.Inputs {
		h := inputHint{Name: in.Name, Range: rng[in.Name]}
		name := strings.ToLower(in.Name + " " + in.Comment)
		if in.Desc.DType.IsInt() {
			switch {
			case strings.Contains(name, "mask"):
				h.Kind = "mask"
			case strings.Contains(name, "position"):
				h.Kind = "position"
			case strings.Contains(name, "token_type"):
				h.Kind = "zero"
			}
			if h.Range == 0 && h.Kind == "" {
				h.Range = 10
			}
		}
		if in.Desc.DType == tensor.Uint8 && h.Range == 0 {
			h.Range = 2
		}
		out = append(out, h)
	}
	return out
}

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
