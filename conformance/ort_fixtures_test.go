package conformance

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

const (
	ortFixtureDir      = "testdata/ort"
	ortExpectedFile    = "testdata/ort-fixtures-expected.txt"
	ortExpectedHeading = `Fixtures of testdata/ort (outputs computed by ONNX Runtime, see gen.py)
that do not pass: "<case>/onnxrt" when runtime/onnx disagrees with ONNX
Runtime, "<case>/lowered" when the conversion is refused or the WebNN graph
disagrees. A refusal must say why; a disagreement is a bug.
Regenerate: CONFORMANCE_UPDATE=1 go test ./conformance -run TestORTFixtures`
)

type ortManifest struct {
	ORT   string `json:"onnxruntime"`
	Cases map[string]struct {
		Ops  []string `json:"ops"`
		Tol  float64  `json:"tol"`
		Sets int      `json:"sets"`
	} `json:"cases"`
}

// ortSet is one input set of a fixture with ORT's outputs.
type ortSet struct {
	in, out map[string]*tensor.Tensor
}

func loadORTSets(path string) ([]ortSet, error) {
	arrays, _, err := tensor.ReadNPZ(path)
	if err != nil {
		return nil, err
	}
	var sets []ortSet
	for key, t := range arrays {
		kind, name, ok := strings.Cut(key, ".")
		if !ok {
			return nil, fmt.Errorf("%s: key %q", path, key)
		}
		var k int
		var dir string
		switch {
		case strings.HasPrefix(kind, "in"):
			dir = "in"
			_, err = fmt.Sscanf(kind, "in%d", &k)
		case strings.HasPrefix(kind, "out"):
			dir = "out"
			_, err = fmt.Sscanf(kind, "out%d", &k)
		default:
			err = fmt.Errorf("key %q", key)
		}
		if err != nil || k < 0 || k > 64 {
			return nil, fmt.Errorf("%s: key %q", path, key)
		}
		for len(sets) <= k {
			sets = append(sets, ortSet{in: map[string]*tensor.Tensor{}, out: map[string]*tensor.Tensor{}})
		}
		if dir == "in" {
			sets[k].in[name] = t
		} else {
			sets[k].out[name] = t
		}
	}
	return sets, nil
}

// maxAbsDiff is the largest |got − want| over the elements (NaN where
// exactly one side is NaN counts as +Inf).
func maxAbsDiff(got, want *tensor.Tensor) float64 {
	g, err1 := asFloat64(got)
	w, err2 := asFloat64(want)
	if err1 != nil || err2 != nil || len(g) != len(w) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range g {
		if math.IsNaN(g[i]) != math.IsNaN(w[i]) {
			return math.Inf(1)
		}
		if d := math.Abs(g[i] - w[i]); d > m {
			m = d
		}
	}
	return m
}

// ortFixtureResult is what one fixture gave.
type ortFixtureResult struct {
	refDiff, lowDiff float64 // max abs: runtime/onnx vs ORT, webnn vs ORT
	refErr           string  // runtime/onnx failed or disagreed with ORT
	low              outcome
	lowWhy           string
}

func runORTFixture(name string, tol float64) (r ortFixtureResult) {
	defer func() {
		if p := recover(); p != nil {
			r.low, r.lowWhy = failed, fmt.Sprintf("panic: %v", p)
		}
	}()
	data, err := os.ReadFile(filepath.Join(ortFixtureDir, name+".onnx"))
	if err != nil {
		return ortFixtureResult{refErr: err.Error(), low: skipped, lowWhy: err.Error()}
	}
	sets, err := loadORTSets(filepath.Join(ortFixtureDir, name+".npz"))
	if err != nil {
		return ortFixtureResult{refErr: err.Error(), low: skipped, lowWhy: err.Error()}
	}
	tl := tolerance{rtol: tol, atol: tol}
	m, err := onnxpb.Parse(data, "")
	if err != nil {
		return ortFixtureResult{refErr: err.Error(), low: skipped, lowWhy: err.Error()}
	}
	ref, err := onnxrt.Compile(m)
	if err != nil {
		r.refErr = "compile: " + firstLine(err.Error(), 200)
	}
	for k, s := range sets {
		if ref == nil {
			break
		}
		got, err := ref.Run(s.in)
		if err != nil {
			r.refErr = fmt.Sprintf("set %d: %s", k, firstLine(err.Error(), 200))
			break
		}
		for o, want := range s.out {
			g := got[o]
			if g == nil {
				r.refErr = fmt.Sprintf("set %d: no output %s", k, o)
				break
			}
			r.refDiff = math.Max(r.refDiff, maxAbsDiff(g, want))
			if d := compareTensors(g, want, tl); d != "" && r.refErr == "" {
				r.refErr = fmt.Sprintf("set %d output %s: %s", k, o, d)
			}
		}
	}
	m2, _ := onnxpb.Parse(data, "")
	lr, err, panicked := convert(m2, lower.Options{})
	if err != nil {
		if panicked || !isRefusal(err) {
			return ortFixtureResult{refDiff: r.refDiff, refErr: r.refErr, low: failed, lowWhy: "convert: " + firstLine(err.Error(), 300)}
		}
		r.low, r.lowWhy = refused, firstLine(err.Error(), 300)
		return r
	}
	text, err := emit.PrintText(lr.Graph)
	if err != nil {
		r.low, r.lowWhy = failed, "print: "+err.Error()
		return r
	}
	parsed, err := emit.ParseText(text)
	if err != nil {
		r.low, r.lowWhy = failed, "parse: "+firstLine(err.Error(), 300)
		return r
	}
	prog, err := webnn.Compile(parsed, newResultWeights(lr.Weights))
	if err != nil {
		r.low, r.lowWhy = failed, "compile: "+firstLine(err.Error(), 300)
		return r
	}
	byONNX := map[string]string{}
	for id, n := range lr.Names {
		byONNX[n] = id
	}
	r.low = passed
	for k, s := range sets {
		feeds := map[string]*tensor.Tensor{}
		for n, t := range s.in {
			if id, ok := byONNX[n]; ok {
				feeds[id] = boolToUint8(t)
			}
		}
		got, err := prog.Run(feeds)
		if err != nil {
			r.low, r.lowWhy = failed, fmt.Sprintf("set %d: run: %s", k, firstLine(err.Error(), 300))
			return r
		}
		for o, want := range s.out {
			g := got[byONNX[o]]
			if g == nil {
				r.low, r.lowWhy = failed, fmt.Sprintf("set %d: no output %s", k, o)
				return r
			}
			r.lowDiff = math.Max(r.lowDiff, maxAbsDiff(g, want))
			if d := compareTensors(g, want, tl); d != "" && r.low == passed {
				r.low, r.lowWhy = failed, fmt.Sprintf("set %d output %s: %s (webnn vs ONNX Runtime)", k, o, d)
			}
		}
	}
	return r
}

// TestORTFixtures runs every fixture of testdata/ort twice: runtime/onnx
// against the outputs ONNX Runtime computed when the fixture was made, and
// Convert → text → runtime/webnn against the same outputs. It logs the
// largest absolute difference of each (go test -v shows the table).
func TestORTFixtures(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(ortFixtureDir, "cases.json"))
	if err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	var man ortManifest
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	expected, err := readExpectations(ortExpectedFile)
	if err != nil {
		t.Fatal(err)
	}
	current := expectations{}
	names := make([]string, 0, len(man.Cases))
	for n := range man.Cases {
		names = append(names, n)
	}
	sort.Strings(names)
	var refOK, refBad int
	var counts [4]int
	for _, name := range names {
		c := man.Cases[name]
		tol := c.Tol
		if tol == 0 {
			tol = 1e-5
		}
		r := runORTFixture(name, tol)
		check := func(key, why string) {
			current[key] = why
			if _, ok := expected[key]; !ok {
				t.Errorf("%s: %s", key, why)
			}
		}
		if r.refErr != "" {
			refBad++
			check(name+"/onnxrt", r.refErr)
		} else {
			refOK++
			if _, ok := expected[name+"/onnxrt"]; ok {
				t.Logf("%s/onnxrt passes now; remove it from %s", name, ortExpectedFile)
			}
		}
		counts[r.low]++
		switch r.low {
		case refused, failed:
			check(name+"/lowered", r.low.String()+": "+strings.ReplaceAll(r.lowWhy, "\n", " "))
		case passed:
			if _, ok := expected[name+"/lowered"]; ok {
				t.Logf("%s/lowered passes now; remove it from %s", name, ortExpectedFile)
			}
		}
		t.Logf("%-40s %-34s onnxrt-vs-ORT %-9.3g webnn-vs-ORT %-9.3g %s", name, strings.Join(c.Ops, ","), r.refDiff, r.lowDiff, r.low)
	}
	testenv.Report("ort-fixtures (onnxruntime %s): %d cases; runtime/onnx vs ORT %d matched, %d differ; lowered %d passed, %d failed, %d refused",
		man.ORT, len(names), refOK, refBad, counts[passed], counts[failed], counts[refused])
	if updating() {
		if err := writeExpectations(ortExpectedFile, ortExpectedHeading, current); err != nil {
			t.Fatal(err)
		}
	}
}
