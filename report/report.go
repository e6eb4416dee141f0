// Package report renders what verify found for people and CI systems:
// report.md (short enough for a pull-request comment), report.html (one
// self-contained page with inline SVG charts, no network) and JUnit XML.
// It only renders; verify (cmd/webnn-graph) runs the comparisons and fills
// a Verify.
package report

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/atomicdir"
	"github.com/webnn-graph/webnn-graph/parity"
)

// Verdicts of a verify run.
const (
	VerdictPass    = "PASS"
	VerdictFail    = "FAIL"
	VerdictRefused = "REFUSED" // the conversion refused nodes; nothing was run
	VerdictError   = "ERROR"   // a runtime failed
)

// Verify is everything a report shows about one verify run.
type Verify struct {
	Model     string           `json:"model"`
	Graph     string           `json:"graph"` // "converted in memory" or the graph file
	Verdict   string           `json:"verdict"`
	Tolerance parity.Tolerance `json:"tolerance"`
	Precision string           `json:"precision"` // float32, float16, quantized
	Cases     []Case           `json:"cases"`
	// Conversion describes the graph under test; nil when there is none.
	Conversion *Conversion        `json:"conversion,omitempty"`
	Refusals   []string           `json:"refusals,omitempty"`
	Error      string             `json:"error,omitempty"`
	Seconds    map[string]float64 `json:"seconds,omitempty"`
	Generated  string             `json:"generated,omitempty"` // timestamp, for the page footer
	Tool       string             `json:"tool,omitempty"`      // "webnn-graph <version>"
}

// Case is one set of inputs run through both runtimes.
type Case struct {
	Name         string               `json:"name"`
	Inputs       []Input              `json:"inputs"`
	Comparisons  []parity.Comparison  `json:"comparisons"`
	Worst        string               `json:"worst,omitempty"`
	Localization *parity.Localization `json:"localization,omitempty"`
	Decode       *Decode              `json:"decode,omitempty"`
	// Error is why the case could not be run (its inputs do not fit the
	// model, a runtime failed); the run stops there.
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds,omitempty"` // both runtimes and the comparisons
}

// Pass reports whether every comparison and decode step of the case passed.
func (c *Case) Pass() bool {
	if c.Error != "" {
		return false
	}
	for _, x := range c.Comparisons {
		if !x.Pass {
			return false
		}
	}
	return c.Decode == nil || c.Decode.Pass()
}

// Input is one input tensor of a case.
type Input struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// Decode is a greedy generate run of a decoder on both runtimes, the
// ONNX interpreter's token fed to both at every step so their logits stay
// comparable.
type Decode struct {
	Prompt []int64 `json:"prompt"`
	Steps  []Step  `json:"steps"`
}

// Pass reports whether every step's logits were within tolerance with
// the same argmax.
func (d *Decode) Pass() bool {
	for _, s := range d.Steps {
		if !s.Pass || !s.ArgmaxAgrees {
			return false
		}
	}
	return true
}

// Step is one decode step.
type Step struct {
	Step         int     `json:"step"`
	Tokens       int     `json:"tokens"` // tokens fed (the prompt at step 0, then 1)
	ONNXToken    int64   `json:"onnxToken"`
	WebNNToken   int64   `json:"webnnToken"`
	ArgmaxAgrees bool    `json:"argmaxAgrees"`
	MaxAbs       float64 `json:"maxAbs"` // logits of the last position
	MaxRel       float64 `json:"maxRel"`
	Pass         bool    `json:"pass"` // logits within tolerance
}

// Conversion summarises the graph under test.
type Conversion struct {
	Inputs      []GraphInput   `json:"inputs"`
	Outputs     []string       `json:"outputs"`
	Dims        []Dim          `json:"dims"`
	Ops         map[string]int `json:"ops"`
	Nodes       int            `json:"nodes"`
	Consts      int            `json:"consts"`
	WeightBytes int64          `json:"weightBytes"`
	Warnings    []string       `json:"warnings,omitempty"`
}

// GraphInput is one graph input: identifier, ONNX name and type.
type GraphInput struct {
	Name string `json:"name"`
	ONNX string `json:"onnxName,omitempty"`
	Type string `json:"type"`
}

// Dim is one dynamic dimension with its bound and where the bound came from.
type Dim struct {
	Name   string `json:"name"`
	Min    int64  `json:"min"`
	Max    int64  `json:"max"`
	Source string `json:"source"`           // "--dim", "default", "model limit", "graph file"
	Reason string `json:"reason,omitempty"` // why a default was lowered to a model limit
}

// Failed counts the failing comparisons and decode steps.
func (v *Verify) Failed() (failed, total int) {
	for i := range v.Cases {
		f, t := v.Cases[i].failedCount()
		failed, total = failed+f, total+t
	}
	return failed, total
}

// WriteFiles writes dir/report.md and dir/report.html as one output set
// (package atomicdir): both new or both old, whatever happens; a link
// planted at either name is replaced, never written through; a failure
// leaves nothing of this process's (parents it created included).
func WriteFiles(dir string, v *Verify) ([]string, error) {
	var md, html strings.Builder
	Markdown(&md, v)
	HTML(&html, v)
	files := []struct{ name, data string }{{"report.md", md.String()}, {"report.html", html.String()}}
	set, err := atomicdir.Begin(dir, []string{"report.md", "report.html"})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer set.Abort() // a no-op once published
	var written []string
	for _, f := range files {
		if err := set.WriteFile(f.name, []byte(f.data)); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		written = append(written, filepath.Join(dir, f.name))
	}
	if err := set.Commit(); err != nil {
		return nil, fmt.Errorf("report: publishing %s: %w", dir, err)
	}
	return written, nil
}

// WriteJUnitFile writes JUnit XML to path (atomicdir.WriteFile: an
// unpredictable O_EXCL temporary renamed over path).
func WriteJUnitFile(path string, v *Verify) error {
	var b strings.Builder
	if err := JUnit(&b, v); err != nil {
		return err
	}
	if err := atomicdir.WriteFile(path, []byte(b.String())); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// sortedOps returns the op histogram, most frequent first.
func sortedOps(h map[string]int) []opCount {
	out := make([]opCount, 0, len(h))
	for k, v := range h {
		out = append(out, opCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].op < out[j].op
	})
	return out
}

type opCount struct {
	op string
	n  int
}

// fmtShape prints a shape as [1 7 4096].
func fmtShape(s []int) string { return fmt.Sprint(s) }

// fmtErr prints an error magnitude compactly.
func fmtErr(x float64) string { return fmt.Sprintf("%.3g", x) }

// argmaxText is a comparison's argmax agreement, or "–".
func argmaxText(c *parity.Comparison) string {
	if c.Argmax == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100**c.Argmax)
}

// status is "ok", or "FAIL" with the problem.
func status(c *parity.Comparison) string {
	if c.Pass {
		return "ok"
	}
	if c.Problem != "" {
		return "FAIL: " + c.Problem
	}
	return "FAIL"
}

// displayName is the model file with its directory when the file name
// alone says little (exports are often all called model.onnx).
func displayName(model string) string {
	base := filepath.Base(model)
	if dir := filepath.Base(filepath.Dir(model)); dir != "." && dir != "/" && dir != "" {
		return dir + "/" + base
	}
	return base
}
