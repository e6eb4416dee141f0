package report

import (
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/parity"
	"github.com/webnn-graph/webnn-graph/tensor"
)

var update = flag.Bool("update", false, "rewrite report/testdata/*.md from the renderer")

// sample builds a Verify from real comparisons: a failing logits output,
// a passing one, a decode run with one differing step and a localisation.
func sample() *Verify {
	want := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{0.5, -1, 2, 0.25, 1, 2, 3, 4}}
	close := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{0.50001, -1, 2, 0.25, 1, 2, 3, 4.00002}}
	far := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{0.5, -1, 2, 0.25, 1, 2, 5, 4}}
	tol := parity.Tolerance{Atol: 1e-4, Rtol: 1e-4}
	opts := parity.Options{Detail: true, Logits: true}
	cmpFail := parity.Compare("logits", "webnn vs onnx", far, want, tol, opts)
	cmpOK := parity.Compare("hidden|state <b>", "webnn vs onnx", close, want, tol, parity.Options{Detail: true})
	in := parity.Compare("x", "webnn vs onnx", want, want, tol, parity.Options{})
	bad := parity.Compare("/layer.1/Softmax_output_0", "webnn vs onnx", far, want, tol, parity.Options{})
	return &Verify{
		Model: "/models/tiny-lm/model.onnx", Graph: "converted in memory", Precision: "float32", Tolerance: tol,
		Cases: []Case{{
			Inputs:      []Input{{Name: "input_ids", DType: "int64", Shape: []int{1, 4}}},
			Comparisons: []parity.Comparison{cmpFail, cmpOK},
			Worst:       "logits (webnn vs onnx): max abs 2 at [1 2] (got 5, want 3)",
			Localization: &parity.Localization{
				Found: true, Position: 42, Nodes: 100, Compared: 30, Agree: 27, Folded: 60, Fused: 4,
				Node: &parity.NodeReport{
					Name: "/layer.1/Softmax", OpType: "Softmax", Attributes: []parity.Attr{{Name: "axis", Value: "-1"}},
					Outputs:  []parity.ValueReport{{Name: "/layer.1/Softmax_output_0", Kind: parity.KindNode, Operand: "layer_1_Softmax", Cmp: &bad}},
					Inputs:   []parity.ValueReport{{Name: "/layer.1/Add_output_0", Kind: parity.KindNode, Operand: "layer_1_Add", Cmp: &in}, {Name: "/Constant_output_0", Kind: parity.KindFolded, Note: "known at conversion time"}},
					WebNNOps: []string{"layer_1_Softmax = softmax(layer_1_Add, axis=2)"},
				},
				Later:   []string{"/layer.1/MatMul (MatMul)"},
				Summary: "first diverging node: \"/layer.1/Softmax\" (Softmax)",
			},
			Decode: &Decode{Prompt: []int64{1, 2, 3, 4}, Steps: []Step{
				{Step: 0, Tokens: 4, ONNXToken: 7, WebNNToken: 7, ArgmaxAgrees: true, MaxAbs: 2e-6, Pass: true},
				{Step: 1, Tokens: 1, ONNXToken: 9, WebNNToken: 9, ArgmaxAgrees: true, MaxAbs: 3e-6, Pass: true},
				{Step: 2, Tokens: 1, ONNXToken: 11, WebNNToken: 12, ArgmaxAgrees: false, MaxAbs: 0.3, Pass: false},
			}},
		}},
		Conversion: &Conversion{
			Inputs:  []GraphInput{{Name: "input_ids", Type: `i64[dyn("batch_size", 8), dyn("sequence_length", 2048)]`}, {Name: "past_0", ONNX: "past.0", Type: "f32[1, 2]"}},
			Outputs: []string{"logits"},
			Dims: []Dim{{Name: "batch_size", Min: 1, Max: 8, Source: "default"},
				{Name: "sequence_length", Min: 1, Max: 2048, Source: "model limit", Reason: "default 4096 lowered to it: position table of 2048 rows"}},
			Ops: map[string]int{"matmul": 4, "add": 7, "softmax": 1}, Nodes: 12, Consts: 5, WeightBytes: 3 << 20,
			Warnings: []string{"a dynamic size rustnn ≤ 0.5.12 cannot evaluate"},
		},
		Verdict: VerdictFail, Seconds: map[string]float64{"total": 1.5},
	}
}

// TestMarkdownGolden pins report.md's layout (go test ./report -update
// rewrites the golden file; check its diff).
func TestMarkdownGolden(t *testing.T) {
	var b strings.Builder
	Markdown(&b, sample())
	golden := filepath.Join("testdata", "sample.md")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("report.md differs from %s (go test ./report -update, then check the diff):\n%s", golden, b.String())
	}
	for _, s := range []string{"❌", "**FAIL**", `hidden\|state`, "First diverging node", "/layer.1/Softmax", "argmax differs", "model limit"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
}

// TestHTMLSelfContained checks that the page needs nothing from outside
// (no scripts, links or remote resources), escapes the model's names,
// and draws every chart.
func TestHTMLSelfContained(t *testing.T) {
	var b strings.Builder
	HTML(&b, sample())
	page := b.String()
	for _, bad := range []string{"<script", "http://", "https://", "src=", "href=", "@import", "url(", "state <b>"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	for _, want := range []string{"hidden|state &lt;b&gt;", "absolute error", "ULP distance", "logits max abs error per step", "WebNN op histogram", "First diverging node", `class="ax tok bad" text-anchor="middle">12<`} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 6 { // 2 outputs × 2 histograms, decode, ops
		t.Errorf("%d charts, want 6", n)
	}
}

// junitDoc is the part of JUnit XML CI systems read.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Class   string `xml:"classname,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
		} `xml:"testcase"`
		Out string `xml:"system-out"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	cases := []struct {
		name           string
		v              *Verify
		tests, failing int
		errors         int
		hasCase        string
	}{
		{"fail with decode", sample(), 5, 2, 0, "generate step 02"},
		{"refused", &Verify{Model: "m.onnx", Verdict: VerdictRefused, Refusals: []string{`lower: node "n" (NonZero, opset 13): no lowering`}}, 1, 1, 0, "convert"},
		{"error", &Verify{Model: "m.onnx", Verdict: VerdictError, Error: "onnxrt: boom\x00\x01 <&>"}, 1, 0, 1, "convert"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := JUnit(&b, c.v); err != nil {
				t.Fatal(err)
			}
			var doc junitDoc
			if err := xml.Unmarshal([]byte(b.String()), &doc); err != nil {
				t.Fatalf("not XML: %v\n%s", err, b.String())
			}
			if doc.Tests != c.tests || doc.Failures != c.failing || doc.Errors != c.errors {
				t.Errorf("tests %d failures %d errors %d, want %d %d %d", doc.Tests, doc.Failures, doc.Errors, c.tests, c.failing, c.errors)
			}
			found, failures := false, 0
			for _, s := range doc.Suites {
				for _, tc := range s.Cases {
					found = found || tc.Name == c.hasCase
					if tc.Failure != nil {
						failures++
						if tc.Failure.Message == "" {
							t.Errorf("failure of %q has no message", tc.Name)
						}
					}
				}
			}
			if !found || failures != c.failing {
				t.Errorf("case %q found %v, %d failing test cases\n%s", c.hasCase, found, failures, b.String())
			}
		})
	}
	// The localisation goes to the suite's system-out.
	var b strings.Builder
	JUnit(&b, sample())
	var doc junitDoc
	xml.Unmarshal([]byte(b.String()), &doc)
	if !strings.Contains(doc.Suites[0].Out, `first diverging node "/layer.1/Softmax"`) {
		t.Errorf("system-out lacks the localisation:\n%s", doc.Suites[0].Out)
	}
}

// TestHistogramBins checks the decade bins the charts label.
func TestHistogramBins(t *testing.T) {
	want := &tensor.Tensor{DType: tensor.Float32, Shape: []int{5}, Data: []float32{1, 1, 1, 1, 1}}
	got := &tensor.Tensor{DType: tensor.Float32, Shape: []int{5}, Data: []float32{1, 1 + 2e-7, 1 + 3e-5, 1.5, 200}}
	c := parity.Compare("y", "p", got, want, parity.Tolerance{Atol: 1e-4, Rtol: 1e-4}, parity.Options{Detail: true})
	// bins: 0 exact, 1 <1e-12, k ≥ 2 [1e(k-14), 1e(k-13))
	wantBins := map[int]int{0: 1, 7: 1, 9: 1, 13: 1, 16: 1}
	for i, n := range c.AbsHist {
		if n != wantBins[i] {
			t.Errorf("bin %d has %d, want %d (%v)", i, n, wantBins[i], c.AbsHist)
		}
	}
	if c.ULPHist[0] != 1 || c.Failing != 2 || c.Elements != 5 {
		t.Errorf("ULP bin 0 %d, failing %d, elements %d", c.ULPHist[0], c.Failing, c.Elements)
	}
}

// sampleCases builds a run of five cases (more than FewCases): a prefill
// carrying the decode run, two passing steps, the worst failing case and
// a second failing one.
func sampleCases() *Verify {
	want := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{0.5, -1, 2, 0.25, 1, 2, 3, 4}}
	close := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{0.50001, -1, 2, 0.25, 1, 2, 3, 4.00002}}
	off := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{0.5, -1, 2.01, 0.25, 1, 2, 3, 4}}
	far := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 4}, Data: []float32{0.5, -1, 2, 0.25, 1, 2, 5, 4}}
	tol := parity.Tolerance{Atol: 1e-4, Rtol: 1e-4}
	logits := parity.Options{Detail: true, Logits: true}
	state := parity.Options{Detail: true}
	mk := func(name string, l, p *tensor.Tensor) Case {
		c := Case{Name: name, Inputs: []Input{{Name: "input_ids", DType: "int64", Shape: []int{1, 1}}}, Seconds: 0.0125,
			Comparisons: []parity.Comparison{
				parity.Compare("logits", "webnn vs onnx", l, want, tol, logits),
				parity.Compare("logits", "webnn vs reference", l, want, tol, logits),
				parity.Compare("present.0.key", "webnn vs onnx", p, want, tol, state),
			}}
		for i := range c.Comparisons {
			if x := &c.Comparisons[i]; !x.Pass && c.Worst == "" {
				c.Worst = x.Output + " (" + x.Pair + ")"
			}
		}
		return c
	}
	prefill := mk("prefill", want, close)
	prefill.Inputs[0].Shape = []int{1, 4}
	prefill.Decode = &Decode{Prompt: []int64{1, 2, 3, 4}, Steps: []Step{
		{Step: 0, Tokens: 4, ONNXToken: 7, WebNNToken: 7, ArgmaxAgrees: true, MaxAbs: 2e-6, Pass: true},
		{Step: 1, Tokens: 1, ONNXToken: 9, WebNNToken: 9, ArgmaxAgrees: true, MaxAbs: 3e-6, Pass: true},
	}}
	return &Verify{
		Model: "/models/tiny-lm/model.onnx", Graph: "converted in memory", Precision: "float32", Tolerance: tol,
		Cases:   []Case{prefill, mk("step00", close, want), mk("step01", far, want), mk("step02", want, off), mk("step03", close, close)},
		Verdict: VerdictFail, Seconds: map[string]float64{"total": 0.25},
	}
}

// TestCasesMarkdownGolden pins report.md for a run of several cases: the
// case table, the worst case and the decode case in full, the other
// failing case folded, the passing ones only in the table.
func TestCasesMarkdownGolden(t *testing.T) {
	var b strings.Builder
	Markdown(&b, sampleCases())
	golden := filepath.Join("testdata", "cases.md")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("report.md differs from %s (go test ./report -update, then check the diff):\n%s", golden, b.String())
	}
	md := b.String()
	for _, s := range []string{"in 2 of 5 cases", "| `step01` (worst) | **FAIL (2 of 3)** | `logits` |", "### Case `step01` (worst)",
		"### Case `prefill`", "Greedy decode, 2 steps", "1 other failing case(s)", "#### Case `step02`", "| `step03` | ok |"} {
		if !strings.Contains(md, s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
	if strings.Contains(md, "### Case `step00`") || strings.Contains(md, "Case `step03`") {
		t.Errorf("report.md shows a passing case in full:\n%s", md)
	}
	if i, j := strings.Index(md, "### Case `step01`"), strings.Index(md, "### Case `prefill`"); i > j {
		t.Errorf("the worst case is not shown first")
	}
}

// TestCasesHTML checks the page of several cases: the case chart and
// table, every other case folded, distributions of the worst case only.
func TestCasesHTML(t *testing.T) {
	var b strings.Builder
	v := sampleCases()
	HTML(&b, v)
	page := b.String()
	for _, bad := range []string{"<script", "http://", "https://", "src=", "href=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	for _, want := range []string{"worst comparison of each case", "3 / 5</b><span>cases pass", "Outputs · case step01 (worst)",
		"Error distributions · case step01", "Outputs · case prefill", "logits max abs error per step", "FAIL (1 of 3)"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if n := strings.Count(page, `<details class="case">`); n != 3 { // step00, step02, step03
		t.Errorf("%d folded cases, want 3", n)
	}
	if n := strings.Count(page, "Error distributions"); n != 1 {
		t.Errorf("%d distribution sections, want 1 (the worst case)", n)
	}
	// one bar per case, red for the two failing
	chart := casesSVG(v)
	if !strings.Contains(page, chart) || strings.Count(chart, "<rect") != 5 {
		t.Errorf("the case chart is missing or has not one bar per case:\n%s", chart)
	}
	if n := strings.Count(chart, `fill="`+colorBad+`"`); n != 2 {
		t.Errorf("%d red case bars, want 2", n)
	}
	if w := v.WorstCase(); v.Cases[w].Name != "step01" {
		t.Errorf("worst case %q, want step01", v.Cases[w].Name)
	}
}

// TestCasesJUnit checks one suite per case, each case's class distinct,
// failures counted in the failing cases' suites only.
func TestCasesJUnit(t *testing.T) {
	var b strings.Builder
	if err := JUnit(&b, sampleCases()); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	wantFail := map[string]int{"prefill": 0, "step00": 0, "step01": 2, "step02": 1, "step03": 0}
	if len(doc.Suites) != len(wantFail) || doc.Tests != 5*3+2 || doc.Failures != 3 {
		t.Fatalf("%d suites, %d tests, %d failures; want 5, 17, 3", len(doc.Suites), doc.Tests, doc.Failures)
	}
	classes := map[string]string{}
	for _, s := range doc.Suites {
		name := s.Name[strings.Index(s.Name, "[")+1 : len(s.Name)-1]
		f, ok := wantFail[name]
		if !ok || s.Failures != f {
			t.Errorf("suite %q: %d failures, want %d", s.Name, s.Failures, f)
		}
		for _, tc := range s.Cases {
			if other, ok := classes[tc.Class]; ok && other != name {
				t.Errorf("class %q shared by cases %s and %s", tc.Class, other, name)
			}
			classes[tc.Class] = name
		}
	}
}

// TestCaseError checks that a case stopped by an error is reported in its
// own suite and row.
func TestCaseError(t *testing.T) {
	v := sampleCases()
	v.Cases = append(v.Cases[:2], Case{Name: "step01", Error: "case step01: input \"input_ids\" missing"})
	v.Verdict, v.Error = VerdictError, v.Cases[2].Error
	var b strings.Builder
	if err := JUnit(&b, v); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 3 || doc.Errors != 1 || len(doc.Suites[2].Cases) != 1 || doc.Suites[2].Cases[0].Error == nil {
		t.Errorf("the erroring case is not one suite with one erroring test case:\n%s", b.String())
	}
	var md strings.Builder
	Markdown(&md, v)
	if !strings.Contains(md.String(), "| `step01` | **ERROR: case step01: input \"input\\_ids\" missing** |") {
		t.Errorf("report.md lacks the erroring case's row:\n%s", md.String())
	}
}

// TestManyCasesMarkdownSize: a run of 60 failing cases (a corrupted
// weight fails them all) still fits a pull-request comment, with every
// case in the table and the folded tables capped at MaxFoldedMarkdown.
func TestManyCasesMarkdownSize(t *testing.T) {
	v := sampleCases()
	failing := v.Cases[2]
	v.Cases = nil
	for i := 0; i < 60; i++ {
		c := failing
		c.Name = fmt.Sprintf("step%02d", i)
		v.Cases = append(v.Cases, c)
	}
	var b strings.Builder
	Markdown(&b, v)
	md := b.String()
	if len(md) > 60000 {
		t.Errorf("report.md of 60 failing cases is %d bytes, too long for a pull-request comment", len(md))
	}
	if n := strings.Count(md, "#### Case "); n != MaxFoldedMarkdown {
		t.Errorf("%d folded cases shown, want %d", n, MaxFoldedMarkdown)
	}
	for _, s := range []string{"| `step59` | **FAIL (2 of 3)** |", fmt.Sprintf("and `step%02d`, ", MaxFoldedMarkdown+1), "`step59` (see report.html)", "59 other failing case(s)"} {
		if !strings.Contains(md, s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
}
