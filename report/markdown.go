package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/bytesize"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"

	"github.com/webnn-graph/webnn-graph/parity"
)

// Markdown writes report.md: the verdict, a table of the cases when there
// are several, the per-output table of each case shown in full (see
// FewCases; other failing cases folded in <details>, passing ones only in
// the case table), the localisation if any, and the conversion summary
// folded in <details>, so it fits a pull-request comment.
func Markdown(w io.Writer, v *Verify) {
	icon := map[string]string{VerdictPass: "✅", VerdictFail: "❌", VerdictRefused: "⛔", VerdictError: "⚠️"}[v.Verdict]
	fmt.Fprintf(w, "## %s webnn-graph verify: **%s** — %s\n\n", icon, v.Verdict, mdCode(displayName(v.Model)))
	failed, total := v.Failed()
	cases := ""
	if n := len(v.Cases); n > 1 {
		cases = fmt.Sprintf(" in %d cases", n)
		if v.Verdict != VerdictPass {
			cases = fmt.Sprintf(", in %d of %d cases", v.FailedCases(), n)
		}
	}
	switch v.Verdict {
	case VerdictPass:
		fmt.Fprintf(w, "%d comparisons%s within tolerance", total, cases)
	case VerdictFail:
		fmt.Fprintf(w, "%d of %d comparisons out of tolerance%s", failed, total, cases)
	case VerdictRefused:
		fmt.Fprintf(w, "the conversion refused %d node(s); nothing was run", len(v.Refusals))
	case VerdictError:
		fmt.Fprintf(w, "error: %s", mdEscape(v.Error))
	}
	fmt.Fprintf(w, " · model %s · graph %s · %s, atol %g, rtol %g\n\n", mdCode(v.Model), mdCode(v.Graph), v.Precision, v.Tolerance.Atol, v.Tolerance.Rtol)

	if len(v.Refusals) > 0 {
		fmt.Fprintf(w, "### Refused nodes\n\n")
		for _, r := range v.Refusals {
			fmt.Fprintf(w, "- %s\n", mdCode(r))
		}
		fmt.Fprintln(w)
	}
	worst, full, folded := v.caseOrder(false)
	if len(v.Cases) > 1 {
		markdownCaseTable(w, v, worst)
	}
	for _, i := range full {
		c := &v.Cases[i]
		if len(v.Cases) > 1 || c.Name != "" {
			note := ""
			if i == worst && len(v.Cases) > FewCases {
				note = " (worst)"
			}
			fmt.Fprintf(w, "### Case %s%s\n\n", mdCode(caseTitle(c, i)), note)
		}
		markdownCase(w, c, false)
	}
	if len(folded) > 0 {
		// Only their failing rows, and only so many, so that the comment
		// stays well under GitHub's 65 536 characters whatever the number
		// of cases; report.html and the JUnit XML have every row.
		fmt.Fprintf(w, "<details><summary>%d other failing case(s): their failing comparisons</summary>\n\n", len(folded))
		for n, i := range folded {
			if n == MaxFoldedMarkdown {
				rest := make([]string, 0, len(folded)-n)
				for _, j := range folded[n:] {
					rest = append(rest, mdCode(caseTitle(&v.Cases[j], j)))
				}
				fmt.Fprintf(w, "and %s (see report.html).\n\n", strings.Join(rest, ", "))
				break
			}
			c := &v.Cases[i]
			fmt.Fprintf(w, "#### Case %s\n\n", mdCode(caseTitle(c, i)))
			markdownCase(w, c, true)
		}
		fmt.Fprintf(w, "</details>\n\n")
	}
	if cv := v.Conversion; cv != nil {
		markdownConversion(w, cv)
	}
}

// MaxFoldedMarkdown is how many other failing cases report.md shows the
// failing comparisons of; the rest are named.
const MaxFoldedMarkdown = 8

// markdownCase writes one case: inputs, the per-output table (only its
// failing rows when failingOnly), the worst comparison, the localisation
// and the decode run.
func markdownCase(w io.Writer, c *Case, failingOnly bool) {
	if c.Error != "" {
		fmt.Fprintf(w, "**ERROR**: %s\n\n", mdEscape(c.Error))
	}
	if len(c.Inputs) > 0 {
		parts := make([]string, len(c.Inputs))
		for j, in := range c.Inputs {
			parts[j] = fmt.Sprintf("%s %s%v", mdCode(in.Name), in.DType, in.Shape)
		}
		fmt.Fprintf(w, "Inputs: %s\n\n", strings.Join(parts, ", "))
	}
	if len(c.Comparisons) > 0 {
		fmt.Fprintf(w, "| output | compared | shape | max abs | max rel | worst at (got / want) | ULP p99 | argmax | result |\n")
		fmt.Fprintf(w, "|---|---|---|---:|---:|---|---:|---:|---|\n")
		for j := range c.Comparisons {
			x := &c.Comparisons[j]
			if failingOnly && x.Pass {
				continue
			}
			res := "ok"
			if !x.Pass {
				res = "**" + mdEscape(status(x)) + "**"
			}
			worst := "–"
			if x.WorstIndex != nil {
				worst = fmt.Sprintf("%v (%.7g / %.7g)", x.WorstIndex, x.Got, x.Want)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %.0f | %s | %s |\n",
				mdCode(x.Output), x.Pair, fmtShape(x.Shape), fmtErr(x.MaxAbs), fmtErr(x.MaxRel), worst, x.ULPp99, argmaxText(x), res)
		}
		fmt.Fprintln(w)
	}
	if c.Worst != "" {
		fmt.Fprintf(w, "Worst: %s\n\n", mdEscape(c.Worst))
	}
	if c.Localization != nil {
		markdownLocalization(w, c.Localization)
	}
	if d := c.Decode; d != nil && len(d.Steps) > 0 {
		agree, pass := 0, 0
		worst := 0.0
		for _, s := range d.Steps {
			if s.ArgmaxAgrees {
				agree++
			}
			if s.Pass {
				pass++
			}
			worst = max(worst, s.MaxAbs)
		}
		fmt.Fprintf(w, "Greedy decode, %d steps from a %d-token prompt: argmax agrees at %d, logits within tolerance at %d, worst logits max abs %s.\n\n",
			len(d.Steps), len(d.Prompt), agree, pass, fmtErr(worst))
		fmt.Fprintf(w, "<details><summary>Per step</summary>\n\n| step | tokens fed | onnx token | webnn token | logits max abs | result |\n|---:|---:|---:|---:|---:|---|\n")
		for _, s := range d.Steps {
			res := "ok"
			if !s.ArgmaxAgrees {
				res = "**argmax differs**"
			} else if !s.Pass {
				res = "**FAIL**"
			}
			fmt.Fprintf(w, "| %d | %d | %d | %d | %s | %s |\n", s.Step, s.Tokens, s.ONNXToken, s.WebNNToken, fmtErr(s.MaxAbs), res)
		}
		fmt.Fprintf(w, "\n</details>\n\n")
	}
}

// markdownCaseTable writes one row per case: its result and its worst
// comparison.
func markdownCaseTable(w io.Writer, v *Verify, worst int) {
	fmt.Fprintf(w, "| case | result | worst output | compared | max abs | max rel |\n|---|---|---|---|---:|---:|\n")
	for i := range v.Cases {
		c := &v.Cases[i]
		name := mdCode(caseTitle(c, i))
		if i == worst && len(v.Cases) > FewCases {
			name += " (worst)"
		}
		res := caseResultText(c)
		if c.Verdict() != VerdictPass {
			res = "**" + mdEscape(res) + "**"
		}
		out, pair, abs, rel := "–", "–", "–", "–"
		if x := c.WorstComparison(); x != nil {
			out, pair, abs, rel = mdCode(x.Output), x.Pair, fmtErr(x.MaxAbs), fmtErr(x.MaxRel)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", name, res, out, pair, abs, rel)
	}
	fmt.Fprintln(w)
}

func markdownLocalization(w io.Writer, loc *parity.Localization) {
	fmt.Fprintf(w, "### First diverging node\n\n")
	if !loc.Found {
		fmt.Fprintf(w, "%s\n\n", mdEscape(loc.Summary))
		return
	}
	n := loc.Node
	fmt.Fprintf(w, "%s (**%s**), #%d of %d in topological order", mdCode(n.Name), opName(n), loc.Position, loc.Nodes)
	if len(n.Attributes) > 0 {
		parts := make([]string, len(n.Attributes))
		for i, a := range n.Attributes {
			parts[i] = a.Name + "=" + a.Value
		}
		fmt.Fprintf(w, " · attributes %s", mdCode(strings.Join(parts, ", ")))
	}
	fmt.Fprintf(w, "\n\n")
	if len(n.FusedFrom) > 0 {
		fmt.Fprintf(w, "Lowered together with (one pattern): %s\n\n", mdEscape(strings.Join(n.FusedFrom, ", ")))
	}
	fmt.Fprintf(w, "| | value | kind | WebNN operand | result |\n|---|---|---|---|---|\n")
	for _, o := range n.Outputs {
		fmt.Fprintf(w, "| output | %s | %s | %s | %s |\n", mdCode(o.Name), kindText(o), mdCode(o.Operand), mdEscape(verdictMD(o)))
	}
	for _, in := range n.Inputs {
		fmt.Fprintf(w, "| input | %s | %s | %s | %s |\n", mdCode(in.Name), kindText(in), mdCode(in.Operand), mdEscape(verdictMD(in)))
	}
	fmt.Fprintln(w)
	if len(n.WebNNOps) > 0 {
		fmt.Fprintf(w, "WebNN ops lowered from it:\n\n```\n")
		for _, op := range n.WebNNOps {
			fmt.Fprintln(w, op)
		}
		fmt.Fprintf(w, "```\n\n")
	}
	fmt.Fprintf(w, "Compared %d ONNX values (%d agree); %d folded, %d fused, %d unmatched.", loc.Compared, loc.Agree, loc.Folded, loc.Fused, loc.Unmatched)
	if len(loc.Later) > 0 {
		fmt.Fprintf(w, " Next diverging: %s.", mdEscape(strings.Join(loc.Later, ", ")))
	}
	fmt.Fprintf(w, "\n\n")
}

func kindText(v parity.ValueReport) string {
	if v.Via != "" {
		return v.Kind + " of " + mdEscape(v.Via)
	}
	return v.Kind
}

// verdictMD is the value's verdict, with the note when it explains a difference.
func verdictMD(v parity.ValueReport) string {
	s := verdict(v)
	if v.Cmp != nil && v.Note != "" {
		s += " — " + v.Note
	}
	return s
}

func markdownConversion(w io.Writer, cv *Conversion) {
	fmt.Fprintf(w, "<details><summary>Conversion: %d nodes, %d consts, %s of weights, %d warning(s)</summary>\n\n", cv.Nodes, cv.Consts, bytesize.Format(cv.WeightBytes), len(cv.Warnings))
	if len(cv.Inputs) > 0 {
		fmt.Fprintf(w, "| input | ONNX name | type |\n|---|---|---|\n")
		for _, in := range cv.Inputs {
			fmt.Fprintf(w, "| %s | %s | %s |\n", mdCode(in.Name), mdCode(in.ONNX), mdCode(in.Type))
		}
		fmt.Fprintln(w)
	}
	if len(cv.Dims) > 0 {
		fmt.Fprintf(w, "| dynamic dim | bound | from |\n|---|---|---|\n")
		for _, d := range cv.Dims {
			from := d.Source
			if d.Reason != "" {
				from += ": " + d.Reason
			}
			fmt.Fprintf(w, "| %s | %d..%d | %s |\n", mdCode(d.Name), d.Min, d.Max, mdEscape(from))
		}
		fmt.Fprintln(w)
	}
	if len(cv.Ops) > 0 {
		parts := []string{}
		for _, oc := range sortedOps(cv.Ops) {
			parts = append(parts, fmt.Sprintf("%s×%d", oc.op, oc.n))
		}
		fmt.Fprintf(w, "Ops: %s\n\n", strings.Join(parts, " "))
	}
	if len(cv.Outputs) > 0 {
		outs := make([]string, len(cv.Outputs))
		for i, o := range cv.Outputs {
			outs[i] = mdCode(o)
		}
		fmt.Fprintf(w, "Outputs: %s\n\n", strings.Join(outs, ", "))
	}
	for _, warn := range cv.Warnings {
		fmt.Fprintf(w, "- ⚠️ %s\n", mdEscape(warn))
	}
	if len(cv.Warnings) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "</details>\n")
}

// mdEscape keeps text from breaking a table row or starting markup
// (links and images included: names come from the model, and the report
// is posted as a pull-request comment).
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'", "[", `\[`, "]", `\]`)
	return r.Replace(oneLine(s))
}

// mdCode is s as inline code, or "–" when empty.
func mdCode(s string) string {
	if s == "" {
		return "–"
	}
	return "`" + strings.ReplaceAll(strings.ReplaceAll(oneLine(s), "`", "'"), "|", `\|`) + "`"
}

// oneLine replaces line breaks with spaces and other control characters
// with U+FFFD: a name from the model must not end a table row (a code
// span cannot cross lines, so what follows would render as Markdown) or
// carry bytes a viewer shows as garbage.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			return ' '
		case textsafe.Unsafe(r):
			return '\uFFFD'
		}
		return r
	}, s)
}
