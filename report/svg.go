package report

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/textsafe"
)

// Inline SVG charts for report.html. Every chart is a fixed-size viewBox
// that scales to its container; text is escaped; nothing is fetched.

const (
	colorOK     = "#2da44e"
	colorBad    = "#cf222e"
	colorBar    = "#0969da"
	colorMuted  = "#8c959f"
	colorGrid   = "#d8dee4"
	colorText   = "#24292f"
	colorMarker = "#bf8700"
)

// bar is one histogram bin.
type bar struct {
	label string // axis label (may be empty to skip)
	tip   string // hover text
	n     int
	color string
}

// histogramSVG draws vertical bars on a log scale of counts (error
// distributions span many decades of counts), with an optional vertical
// marker between bins at markerAt (bin index + fraction).
func histogramSVG(title string, bars []bar, markerAt float64, markerLabel string) string {
	const W, H = 460, 190
	const left, right, top, bottom = 40, 10, 26, 44
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	maxN := 1
	total := 0
	for _, b := range bars {
		maxN = max(maxN, b.n)
		total += b.n
	}
	lmax := math.Log10(float64(maxN) + 1)
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, W, H, esc(title))
	fmt.Fprintf(&s, `<text x="%d" y="16" class="ct">%s</text>`, left, esc(title))
	// grid: decades of counts
	for d := 0; float64(d) <= lmax; d++ {
		y := float64(top) + ph - ph*math.Log10(math.Pow(10, float64(d))+1)/lmax
		fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="0.6"/>`, left, W-right, y, y, colorGrid)
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" class="ax" text-anchor="end">%s</text>`, left-4, y+3, countLabel(int(math.Pow(10, float64(d)))))
	}
	bw := pw / float64(max(len(bars), 1))
	for i, b := range bars {
		x := float64(left) + float64(i)*bw
		if b.n > 0 {
			h := ph * math.Log10(float64(b.n)+1) / lmax
			fmt.Fprintf(&s, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" rx="1.5"><title>%s: %d (%.1f%%)</title></rect>`,
				x+1, float64(top)+ph-h, math.Max(bw-2, 1), h, b.color, esc(b.tip), b.n, 100*float64(b.n)/float64(max(total, 1)))
		}
		if b.label != "" {
			lx, ly := x+bw/2, float64(H-bottom)+12
			fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" class="ax" text-anchor="end" transform="rotate(-40 %.1f %.1f)">%s</text>`, lx+3, ly, lx+3, ly, esc(b.label))
		}
	}
	fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s"/>`, left, W-right, H-bottom, H-bottom, colorMuted)
	if markerAt >= 0 {
		x := float64(left) + markerAt*bw
		fmt.Fprintf(&s, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-dasharray="4 3" stroke-width="1.5"/>`, x, x, top-10, H-bottom, colorMarker)
		fmt.Fprintf(&s, `<text x="%.1f" y="%d" class="ax mk">%s</text>`, x+4, top-6, esc(markerLabel))
	}
	s.WriteString(`</svg>`)
	return s.String()
}

func countLabel(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// hbarSVG draws labelled horizontal bars (the op histogram).
func hbarSVG(title string, labels []string, values []int) string {
	const W = 460
	const rowH, top, labelW = 18, 26, 150
	H := top + rowH*len(labels) + 8
	maxV := 1
	for _, v := range values {
		maxV = max(maxV, v)
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, W, H, esc(title))
	fmt.Fprintf(&s, `<text x="0" y="16" class="ct">%s</text>`, esc(title))
	pw := float64(W - labelW - 50)
	for i, l := range labels {
		y := top + i*rowH
		w := pw * float64(values[i]) / float64(maxV)
		fmt.Fprintf(&s, `<text x="%d" y="%d" class="ax lb" text-anchor="end">%s</text>`, labelW-6, y+12, esc(l))
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s" rx="2"><title>%s: %d</title></rect>`, labelW, y+2, math.Max(w, 1), rowH-5, colorBar, esc(l), values[i])
		fmt.Fprintf(&s, `<text x="%.1f" y="%d" class="ax">%d</text>`, float64(labelW)+w+4, y+12, values[i])
	}
	s.WriteString(`</svg>`)
	return s.String()
}

// decodeSVG charts a greedy decode: the logits' max abs error per step on
// a log scale (dots green where the argmax agrees, red crosses where it
// does not) against the atol line, and the tokens under the axis.
func decodeSVG(steps []Step, atol float64) string {
	const W, H = 940, 262
	const left, right, top, bottom = 70, 16, 28, 74
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	lo, hi := math.Log10(atol)-1, math.Log10(atol)+1
	for _, st := range steps {
		if st.MaxAbs > 0 && !math.IsInf(st.MaxAbs, 0) {
			l := math.Log10(st.MaxAbs)
			lo, hi = math.Min(lo, math.Floor(l)), math.Max(hi, math.Ceil(l))
		}
	}
	lo = math.Max(lo, -12)
	hi = math.Max(hi, lo+1)
	yOf := func(v float64) float64 {
		if v <= 0 {
			return float64(top) + ph
		}
		l := math.Min(math.Max(math.Log10(v), lo), hi)
		return float64(top) + ph - ph*(l-lo)/(hi-lo)
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart wide" viewBox="0 0 %d %d" role="img" aria-label="logits error per decode step">`, W, H)
	fmt.Fprintf(&s, `<text x="%d" y="16" class="ct">logits max abs error per step (log scale) · ● argmax agrees · ✕ argmax differs</text>`, left)
	for d := math.Ceil(lo); d <= hi; d++ {
		y := yOf(math.Pow(10, d))
		fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="0.6"/>`, left, W-right, y, y, colorGrid)
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" class="ax" text-anchor="end">1e%d</text>`, left-5, y+3, int(d))
	}
	ya := yOf(atol)
	fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="5 3" stroke-width="1.3"/>`, left, W-right, ya, ya, colorMarker)
	fmt.Fprintf(&s, `<text x="%d" y="%.1f" class="ax mk" text-anchor="end">atol %g</text>`, W-right, ya-4, atol)
	n := len(steps)
	xOf := func(i int) float64 {
		if n == 1 {
			return float64(left) + pw/2
		}
		return float64(left) + 10 + (pw-20)*float64(i)/float64(n-1)
	}
	var pts []string
	for i, st := range steps {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(i), yOf(st.MaxAbs)))
	}
	fmt.Fprintf(&s, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`, strings.Join(pts, " "), colorBar)
	every := max(1, n/24)
	for i, st := range steps {
		x, y := xOf(i), yOf(st.MaxAbs)
		tip := fmt.Sprintf("step %d: max abs %.3g, onnx token %d, webnn token %d", st.Step, st.MaxAbs, st.ONNXToken, st.WebNNToken)
		if st.ArgmaxAgrees {
			fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s"><title>%s</title></circle>`, x, y, colorOK, esc(tip))
		} else {
			fmt.Fprintf(&s, `<path d="M%.1f %.1fl9 9m0 -9l-9 9" stroke="%s" stroke-width="2.6"><title>%s</title></path>`, x-4.5, y-4.5, colorBad, esc(tip))
		}
		if i%every == 0 || i == n-1 || !st.ArgmaxAgrees {
			fmt.Fprintf(&s, `<text x="%.1f" y="%d" class="ax" text-anchor="middle">%d</text>`, x, H-bottom+14, st.Step)
			fmt.Fprintf(&s, `<text x="%.1f" y="%d" class="ax tok" text-anchor="middle">%d</text>`, x, H-bottom+30, st.ONNXToken)
			cls := "ax"
			if !st.ArgmaxAgrees {
				cls = "ax tok bad"
			}
			fmt.Fprintf(&s, `<text x="%.1f" y="%d" class="%s" text-anchor="middle">%d</text>`, x, H-bottom+45, cls, st.WebNNToken)
		}
	}
	fmt.Fprintf(&s, `<text x="%d" y="%d" class="ax" text-anchor="end">step</text><text x="%d" y="%d" class="ax" text-anchor="end">onnx token</text><text x="%d" y="%d" class="ax" text-anchor="end">webnn token</text>`,
		left-8, H-bottom+14, left-8, H-bottom+30, left-8, H-bottom+45)
	fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s"/>`, left, W-right, H-bottom, H-bottom, colorMuted)
	s.WriteString(`</svg>`)
	return s.String()
}

// esc escapes s for HTML text and attributes; control characters (see
// textsafe: all but newline and tab) become U+FFFD.
func esc(s string) string {
	return html.EscapeString(textsafe.Text(s))
}

// casesSVG charts each case's worst comparison as a share of its
// tolerance on a log scale, the dashed line at the tolerance: a bar
// reaching above it fails. A case with an exact worst comparison has no
// bar; an erroring case or a missing output reaches the top.
func casesSVG(v *Verify) string {
	const W, H = 940, 250
	const left, right, top, bottom = 64, 16, 30, 78
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	lo, hi := -3.0, 1.0
	ratios := make([]float64, len(v.Cases))
	for i := range v.Cases {
		c := &v.Cases[i]
		ratios[i] = math.Inf(1)
		if x := c.WorstComparison(); x != nil && c.Error == "" {
			ratios[i] = Ratio(x)
		}
		if r := ratios[i]; r > 0 && !math.IsInf(r, 0) {
			l := math.Log10(r)
			lo, hi = math.Min(lo, math.Floor(l)), math.Max(hi, math.Ceil(l))
		}
	}
	lo, hi = math.Max(lo, -8), math.Min(hi, 8)
	yOf := func(r float64) float64 {
		if r <= 0 {
			return float64(top) + ph
		}
		l := math.Min(math.Max(math.Log10(r), lo), hi)
		return float64(top) + ph - ph*(l-lo)/(hi-lo)
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="worst error per case">`, W, H)
	fmt.Fprintf(&s, `<text x="%d" y="16" class="ct">worst comparison of each case, as a share of its tolerance atol + rtol·|want| (log scale)</text>`, left)
	for d := lo; d <= hi; d++ {
		y := yOf(math.Pow(10, d))
		fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="0.6"/>`, left, W-right, y, y, colorGrid)
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" class="ax" text-anchor="end">%s</text>`, left-5, y+3, ratioText(math.Pow(10, d)))
	}
	bw := pw / float64(max(len(v.Cases), 1))
	for i := range v.Cases {
		c := &v.Cases[i]
		name := caseTitle(c, i)
		x := float64(left) + float64(i)*bw
		r := ratios[i]
		color := colorOK
		if c.Verdict() != VerdictPass {
			color = colorBad
		}
		tip := fmt.Sprintf("%s: %s", name, caseResultText(c))
		if w := c.WorstComparison(); w != nil {
			tip += fmt.Sprintf("; worst %s (%s), max abs %.3g, %s of tolerance", w.Output, w.Pair, w.MaxAbs, ratioText(r))
		}
		y := yOf(r)
		bx, bwid := x+bw*0.2, math.Max(bw*0.6, 1)
		fmt.Fprintf(&s, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" rx="1.5"><title>%s</title></rect>`,
			bx, y, bwid, math.Max(float64(top)+ph-y, 0.5), color, esc(tip))
		if math.IsInf(r, 1) {
			fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" class="ax bad" text-anchor="middle">∞</text>`, x+bw/2, y-3)
		}
		label := name
		if rs := []rune(label); len(rs) > 18 {
			label = string(rs[:17]) + "…"
		}
		lx, ly := x+bw/2, float64(H-bottom)+12
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" class="ax" text-anchor="end" transform="rotate(-40 %.1f %.1f)">%s</text>`, lx+3, ly, lx+3, ly, esc(label))
	}
	yt := yOf(1)
	fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="5 3" stroke-width="1.3"/>`, left, W-right, yt, yt, colorMarker)
	fmt.Fprintf(&s, `<text x="%d" y="%.1f" class="ax mk" text-anchor="end">tolerance</text>`, W-right, yt-4)
	fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s"/>`, left, W-right, H-bottom, H-bottom, colorMuted)
	s.WriteString(`</svg>`)
	return s.String()
}
