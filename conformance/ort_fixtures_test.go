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
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

const (
	ortFixtureDir      = "testdata/ort"
	ortExpectedFile    = "testdata/ort-fixtures-expected.txt"
	ortExpectedHeading = `Fixtures of testdata/ort (outputs computed by ONNX Runtime, see gen.py)
that do not pass: "<case>/onnxrt" when runtime/onnx disagrees with ONNX
Runtime, "<case>/lowered" (target rustnn-0.5) or "<case>/lowered-webnn"
(target webnn) when the conversion is refused or the WebNN graph disagrees.
A refusal must say why; a disagreement is a bug.
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
	refDiff float64 // max abs: runtime/onnx vs ORT
	refErr  string  // runtime/onnx failed or disagreed with ORT
}

// ortLowered is one target's conversion of a fixture.
type ortLowered struct {
	diff float64 // max abs: runtime/webnn vs ORT
	out  outcome
	why  string
}

func runORTReference(data []byte, sets []ortSet, tl tolerance) (r ortFixtureResult) {
	m, err := onnxpb.Parse(data, "")
	if err != nil {
		return ortFixtureResult{refErr: err.Error()}
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
	return r
}

func runORTLowered(data []byte, sets []ortSet, tl tolerance, tgt *target.Target) (r ortLowered) {
	defer func() {
		if p := recover(); p != nil {
			r.out, r.why = failed, fmt.Sprintf("panic: %v", p)
		}
	}()
	m, err := onnxpb.Parse(data, "")
	if err != nil {
		return ortLowered{out: skipped, why: err.Error()}
	}
	lr, err, panicked := convert(m, lower.Options{Target: tgt})
	if err != nil {
		if panicked || !isRefusal(err) {
			return ortLowered{out: failed, why: "convert: " + firstLine(err.Error(), 300)}
		}
		return ortLowered{out: refused, why: firstLine(err.Error(), 300)}
	}
	text, err := emit.PrintText(lr.Graph)
	if err != nil {
		return ortLowered{out: failed, why: "print: " + err.Error()}
	}
	parsed, err := emit.ParseText(text)
	if err != nil {
		return ortLowered{out: failed, why: "parse: " + firstLine(err.Error(), 300)}
	}
	prog, err := webnn.Compile(parsed, newResultWeights(lr.Weights))
	if err != nil {
		return ortLowered{out: failed, why: "compile: " + firstLine(err.Error(), 300)}
	}
	byONNX := map[string]string{}
	for id, n := range lr.Names {
		byONNX[n] = id
	}
	declared := map[string]tensor.DType{}
	for _, in := range lr.Graph.Inputs {
		declared[in.Name] = in.Desc.DType
	}
	r.out = passed
	for k, s := range sets {
		feeds := map[string]*tensor.Tensor{}
		for n, t := range s.in {
			if id, ok := byONNX[n]; ok {
				t = boolToUint8(t)
				if declared[id] == tensor.Int32 && t.DType == tensor.Int64 {
					t = int64ToInt32(t)
				}
				feeds[id] = t
			}
		}
		got, err := prog.Run(feeds)
		if err != nil {
			return ortLowered{out: failed, why: fmt.Sprintf("set %d: run: %s", k, firstLine(err.Error(), 300))}
		}
		for o, want := range s.out {
			g := got[byONNX[o]]
			if g == nil {
				return ortLowered{out: failed, why: fmt.Sprintf("set %d: no output %s", k, o)}
			}
			if tgt.Int64 == target.Int64ToInt32 && want.DType == tensor.Int64 && g.DType == tensor.Int32 {
				g = int32ToInt64(g) // the target's documented int64 rule
			}
			r.diff = math.Max(r.diff, maxAbsDiff(g, want))
			if d := compareTensors(g, want, tl); d != "" && r.out == passed {
				r.out, r.why = failed, fmt.Sprintf("set %d output %s: %s (webnn vs ONNX Runtime)", k, o, d)
			}
		}
	}
	return r
}

func int32ToInt64(t *tensor.Tensor) *tensor.Tensor {
	src := t.Data.([]int32)
	dst := make([]int64, len(src))
	for i, v := range src {
		dst[i] = int64(v)
	}
	return &tensor.Tensor{DType: tensor.Int64, Shape: t.Shape, Data: dst}
}

func int64ToInt32(t *tensor.Tensor) *tensor.Tensor {
	src := t.Data.([]int64)
	dst := make([]int32, len(src))
	for i, v := range src {
		dst[i] = int32(v)
	}
	return &tensor.Tensor{DType: tensor.Int32, Shape: t.Shape, Data: dst}
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
	var counts [2][4]int
	for _, name := range names {
		c := man.Cases[name]
		tol := c.Tol
		if tol == 0 {
			tol = 1e-5
		}
		data, err := os.ReadFile(filepath.Join(ortFixtureDir, name+".onnx"))
		if err != nil {
			t.Fatal(err)
		}
		sets, err := loadORTSets(filepath.Join(ortFixtureDir, name+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		tl := tolerance{rtol: tol, atol: tol}
		check := func(key, why string) {
			current[key] = why
			if _, ok := expected[key]; !ok {
				t.Errorf("%s: %s", key, why)
			}
		}
		passes := func(key string) {
			if _, ok := expected[key]; ok {
				t.Logf("%s passes now; remove it from %s", key, ortExpectedFile)
			}
		}
		r := runORTReference(data, sets, tl)
		if r.refErr != "" {
			refBad++
			check(name+"/onnxrt", r.refErr)
		} else {
			refOK++
			passes(name + "/onnxrt")
		}
		line := fmt.Sprintf("%-36s %-30s onnxrt-vs-ORT %-9.3g", name, strings.Join(c.Ops, ","), r.refDiff)
		for i, tgt := range []*target.Target{target.RustnnV05, target.WebNN} {
			key := name + "/lowered"
			if tgt != target.RustnnV05 {
				key += "-" + tgt.Name
			}
			l := runORTLowered(data, sets, tl, tgt)
			counts[i][l.out]++
			switch l.out {
			case refused, failed:
				check(key, l.out.String()+": "+strings.ReplaceAll(l.why, "\n", " "))
			case passed:
				passes(key)
			}
			line += fmt.Sprintf(" | %s: webnn-vs-ORT %-9.3g %s", tgt.Name, l.diff, l.out)
		}
		t.Log(line)
	}
	testenv.Report("ort-fixtures (onnxruntime %s): %d cases; runtime/onnx vs ORT %d matched, %d differ; lowered rustnn-0.5 %d passed, %d failed, %d refused; webnn %d passed, %d failed, %d refused",
		man.ORT, len(names), refOK, refBad, counts[0][passed], counts[0][failed], counts[0][refused], counts[1][passed], counts[1][failed], counts[1][refused])
	if updating() {
		if err := writeExpectations(ortExpectedFile, ortExpectedHeading, current); err != nil {
			t.Fatal(err)
		}
	}
}
