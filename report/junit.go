package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/webnn-graph/webnn-graph/parity"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test reporters):
// <testsuites> with one <testsuite> per case (named "MODEL [case]"), one
// <testcase> per compared output and pair and per decode step; a refused
// conversion is one failing test case, an error one erroring test case
// (in the suite of the case it stopped at).

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string          `xml:"name,attr"`
	Tests     int             `xml:"tests,attr"`
	Failures  int             `xml:"failures,attr"`
	Errors    int             `xml:"errors,attr"`
	Skipped   int             `xml:"skipped,attr"`
	Time      float64         `xml:"time,attr"`
	Timestamp string          `xml:"timestamp,attr,omitempty"`
	Props     *junitProps     `xml:"properties,omitempty"`
	Cases     []junitTestCase `xml:"testcase"`
	SystemOut string          `xml:"system-out,omitempty"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes the run as JUnit XML.
func JUnit(w io.Writer, v *Verify) error {
	model := displayName(v.Model)
	class := "webnn-graph.verify." + strings.ReplaceAll(strings.TrimSuffix(model, filepath.Ext(model)), "/", ".")
	root := junitSuites{Name: "webnn-graph verify " + model, Time: v.Seconds["total"]}
	props := &junitProps{Props: []junitProp{
		{"model", v.Model}, {"graph", v.Graph}, {"precision", v.Precision},
		{"atol", fmt.Sprint(v.Tolerance.Atol)}, {"rtol", fmt.Sprint(v.Tolerance.Rtol)}, {"verdict", v.Verdict},
	}}
	caseError := false // the run's error is that of a case
	for _, c := range v.Cases {
		caseError = caseError || c.Error != ""
	}
	if len(v.Refusals) > 0 || v.Error != "" && !caseError {
		s := junitSuite{Name: model, Timestamp: v.Generated, Props: props, Tests: 1}
		step := "convert"
		if len(v.Cases) > 0 {
			step = "verify" // after the cases ran: the decode run or the localisation
		}
		tc := junitTestCase{Name: step, ClassName: class}
		if len(v.Refusals) > 0 {
			tc.Failure = &junitFailure{Message: fmt.Sprintf("conversion refused %d node(s)", len(v.Refusals)), Type: "refused", Text: strings.Join(v.Refusals, "\n")}
			s.Failures = 1
		} else {
			tc.Error = &junitFailure{Message: firstLine(v.Error), Type: "error", Text: v.Error}
			s.Errors = 1
		}
		s.Cases = append(s.Cases, tc)
		root.Suites = append(root.Suites, s)
	}
	for _, c := range v.Cases {
		name, cclass := model, class
		if c.Name != "" {
			// The case in the class name too: CI systems group test cases by
			// class, and every case has the same outputs.
			name += " [" + c.Name + "]"
			cclass += "." + classPart(c.Name)
		}
		s := junitSuite{Name: name, Timestamp: v.Generated, Props: props, Time: c.Seconds}
		if len(v.Cases) == 1 && c.Seconds == 0 {
			s.Time = v.Seconds["total"]
		}
		for i := range c.Comparisons {
			x := &c.Comparisons[i]
			tc := junitTestCase{Name: fmt.Sprintf("%s (%s)", x.Output, x.Pair), ClassName: cclass}
			if !x.Pass {
				msg := status(x)
				if x.Problem == "" {
					msg = fmt.Sprintf("max abs %.3g at %v (got %.7g, want %.7g) > atol %g + rtol %g·|want|; %d of %d elements out of tolerance",
						x.MaxAbs, x.WorstIndex, x.Got, x.Want, x.Atol, x.Rtol, x.Failing, x.Elements)
				}
				tc.Failure = &junitFailure{Message: msg, Type: "tolerance", Text: comparisonText(x)}
				s.Failures++
			}
			s.Cases = append(s.Cases, tc)
		}
		if c.Decode != nil {
			for _, st := range c.Decode.Steps {
				tc := junitTestCase{Name: fmt.Sprintf("generate step %02d", st.Step), ClassName: cclass + ".generate"}
				if !st.ArgmaxAgrees || !st.Pass {
					msg := fmt.Sprintf("logits max abs %.3g; onnx token %d, webnn token %d", st.MaxAbs, st.ONNXToken, st.WebNNToken)
					tc.Failure = &junitFailure{Message: msg, Type: "generate", Text: msg}
					s.Failures++
				}
				s.Cases = append(s.Cases, tc)
			}
		}
		if c.Error != "" {
			s.Cases = append(s.Cases, junitTestCase{Name: "run", ClassName: cclass, Error: &junitFailure{Message: firstLine(c.Error), Type: "error", Text: c.Error}})
			s.Errors++
		}
		var out strings.Builder
		if c.Worst != "" {
			fmt.Fprintf(&out, "worst: %s\n", c.Worst)
		}
		LocalizationText(&out, c.Localization)
		s.SystemOut = out.String()
		s.Tests = len(s.Cases)
		root.Suites = append(root.Suites, s)
	}
	for _, s := range root.Suites {
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("report: junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func comparisonText(x *parity.Comparison) string {
	return fmt.Sprintf("output %s (%s), shape %v %s\nmax abs %.6g, max rel %.6g, worst at %v: got %.9g, want %.9g\nULP p99 %.0f; %d of %d elements out of tolerance (atol %g, rtol %g)%s",
		x.Output, x.Pair, x.Shape, x.DType, x.MaxAbs, x.MaxRel, x.WorstIndex, x.Got, x.Want, x.ULPp99, x.Failing, x.Elements, x.Atol, x.Rtol, prefixed("\n", x.Problem))
}

// classPart makes a case name one dot-free segment of a class name.
func classPart(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '/', '\\', ' ', '(', ')', '[', ']':
			return '_'
		}
		return r
	}, name)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
