package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/parity"
	"github.com/webnn-graph/webnn-graph/report"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Cases of verify. Every --inputs file, and every *.npz of an --inputs
// directory (a zoo model's cases/), is one case; without --inputs the one
// case is generated from --seed. The model is converted (or --graph
// loaded) once, then the cases run one at a time through both runtimes:
// a case's inputs, outputs and reference are dropped before the next is
// read, and only its comparison summaries are kept.

// verifyCase is one set of inputs to run.
type verifyCase struct {
	Name string // the npz's file name without .npz; "generated (seed N)"
	Path string // the npz as the user names it; "" for generated inputs
	file string // the npz to read: Path, resolved inside its directory
	// Ref is the reference npz (--reference, or the file of the same name
	// in a --reference directory); "" uses the case's own out.* keys.
	Ref string
}

// caseReport is one case's outcome. It holds no tensors.
type caseReport struct {
	Name        string             `json:"name"`
	Path        string             `json:"path,omitempty"`
	Inputs      map[string][]int   `json:"inputs"`
	Comparisons []comparison       `json:"comparisons"`
	Pass        bool               `json:"pass"`
	Worst       string             `json:"worst,omitempty"` // its comparison furthest out of tolerance
	Seconds     map[string]float64 `json:"seconds"`

	inputs []report.Input // for the report, sorted by name
	worst  *comparison    // the failing comparison furthest out of tolerance
}

// listCases expands --inputs into cases, in the order given, a
// directory's *.npz sorted by name, and pairs each with its reference.
// A case file in a directory is read only if it resolves inside that
// directory (links out of it are refused).
func listCases(inputs []string, reference string, seed uint64) ([]verifyCase, error) {
	var cases []verifyCase
	if len(inputs) == 0 {
		cases = append(cases, verifyCase{Name: fmt.Sprintf("generated (seed %d)", seed)})
	}
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("--inputs: %w", err)
		}
		if !st.IsDir() {
			cases = append(cases, verifyCase{Name: caseName(in), Path: in, file: in})
			continue
		}
		files, err := npzFiles(in)
		if err != nil {
			return nil, fmt.Errorf("--inputs %s: %w", in, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("--inputs %s: no .npz files in the directory", in)
		}
		for _, c := range files {
			cases = append(cases, c)
		}
	}
	// Two cases of one name (a.npz from two directories) are named by path.
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.Name]++
	}
	for i := range cases {
		if seen[cases[i].Name] > 1 && cases[i].Path != "" {
			cases[i].Name = filepath.ToSlash(cases[i].Path)
		}
	}
	if reference == "" {
		return cases, nil
	}
	st, err := os.Stat(reference)
	if err != nil {
		return nil, fmt.Errorf("--reference: %w", err)
	}
	if !st.IsDir() {
		if len(cases) > 1 {
			return nil, usagef("--reference %s is one file but there are %d cases: give a directory holding a reference of each case's file name, or leave --reference out to compare each case against its own out.* keys", reference, len(cases))
		}
		cases[0].Ref = reference
		return cases, nil
	}
	root, err := confine.NewRoot(reference)
	if err != nil {
		return nil, fmt.Errorf("--reference: %w", err)
	}
	for i := range cases {
		if cases[i].Path == "" {
			return nil, usagef("--reference %s is a directory: it holds references of --inputs files, and there are none", reference)
		}
		base := filepath.Base(cases[i].Path)
		p, err := root.Resolve(base)
		if err != nil {
			return nil, fmt.Errorf("--reference %s: the reference of case %s: %w", reference, cases[i].Name, err)
		}
		cases[i].Ref = p
	}
	return cases, nil
}

// npzFiles lists the *.npz of dir as cases, sorted by name, each file
// resolved inside dir.
func npzFiles(dir string) ([]verifyCase, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	root, err := confine.NewRoot(dir)
	if err != nil {
		return nil, err
	}
	var out []verifyCase
	for _, e := range entries { // sorted by file name
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".npz") {
			continue
		}
		real, err := root.Resolve(e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, verifyCase{Name: caseName(e.Name()), Path: filepath.Join(dir, e.Name()), file: real})
	}
	return out, nil
}

func caseName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// verifier runs cases on the one conversion.
type verifier struct {
	f      *verifyFlags
	m      *onnxpb.Model
	si     *shapeinfer.Result // the dims as conversion sees them
	onnxR  *onnxRunner
	wr     runner
	pinned map[string]*tensor.Tensor // --freeze-input values, fed to the ONNX model only
	dims   map[string]int64          // --dim, for generated inputs
	tol    parity.Tolerance
}

// caseInputs are the inputs of the case just run, kept by the caller only
// while it may localise that case.
type caseInputs struct{ onnx, webnn map[string]*tensor.Tensor }

// run reads (or generates) the case's inputs, runs both runtimes and
// compares their outputs with each other and with the reference.
func (v *verifier) run(c verifyCase) (*caseReport, caseInputs, error) {
	cr := &caseReport{Name: c.Name, Path: c.Path, Inputs: map[string][]int{}, Pass: true, Seconds: map[string]float64{}}
	var in map[string]*tensor.Tensor
	var ref map[string]*tensor.Tensor // keys "name" or "out.name"
	if c.Path != "" {
		given, err := readInputs(c.file, nil)
		if err != nil {
			return nil, caseInputs{}, err
		}
		if c.Ref == "" {
			// The case's own outputs are its reference (zoo cases: in.* and out.*).
			ref = map[string]*tensor.Tensor{}
			for k, t := range given {
				if strings.HasPrefix(k, "out.") {
					ref[k] = t
				}
			}
		}
		for name, t := range v.pinned {
			given[name] = t
		}
		if in, err = matchInputs(v.onnxR.Inputs(), given, c.Path); err != nil {
			return nil, caseInputs{}, err
		}
	} else {
		env, err := bindDims(v.si, v.dims)
		if err != nil {
			return nil, caseInputs{}, fmt.Errorf("verify: %w", err)
		}
		if in, err = randomInputs(v.m, v.si, v.onnxR.Inputs(), env, v.f.seed, v.f.padding); err != nil {
			return nil, caseInputs{}, err
		}
	}
	if c.Ref != "" {
		var err error
		if ref, _, err = tensor.ReadNPZ(c.Ref); err != nil {
			return nil, caseInputs{}, err
		}
	}
	for name, t := range v.pinned {
		in[name] = t
	}
	if err := checkInputShapes(v.onnxR.Inputs(), in); err != nil {
		return nil, caseInputs{}, err
	}
	if _, err := shapeinfer.CaseDims(v.m, v.si, func(name string) ([]int, bool) {
		if t := in[name]; t != nil {
			return t.Shape, true
		}
		return nil, false
	}); err != nil {
		return nil, caseInputs{}, fmt.Errorf("verify: inputs: %w", err)
	}
	graphIn := in
	if len(v.pinned) > 0 {
		// pinned inputs are constants of the graph, not its inputs
		graphIn = map[string]*tensor.Tensor{}
		for k, t := range in {
			if v.pinned[k] == nil {
				graphIn[k] = t
			}
		}
	}
	win, err := matchInputs(v.wr.Inputs(), graphIn, "inputs")
	if err != nil {
		return nil, caseInputs{}, err
	}
	for k, t := range in {
		cr.Inputs[k] = t.Shape
		cr.inputs = append(cr.inputs, report.Input{Name: k, DType: t.DType.String(), Shape: t.Shape})
	}
	sort.Slice(cr.inputs, func(i, j int) bool { return cr.inputs[i].Name < cr.inputs[j].Name })

	t0 := time.Now()
	onnxOut, err := v.onnxR.Run(in)
	if err != nil {
		return nil, caseInputs{}, fmt.Errorf("verify: ONNX interpreter: %w", err)
	}
	cr.Seconds["onnx"] = time.Since(t0).Seconds()
	t1 := time.Now()
	webnnOut, err := v.wr.Run(win)
	if err != nil {
		return nil, caseInputs{}, fmt.Errorf("verify: WebNN runtime: %w", err)
	}
	cr.Seconds["webnn"] = time.Since(t1).Seconds()

	t2 := time.Now()
	for _, name := range v.onnxR.Outputs() {
		logits := strings.Contains(strings.ToLower(name), "logits")
		want := onnxOut[name]
		got := findOutput(v.wr, webnnOut, name) // by the ONNX name the graph records
		cr.Comparisons = append(cr.Comparisons, compareTensors(name, "webnn vs onnx", got, want, v.tol.Atol, v.tol.Rtol, logits))
		if ref != nil {
			r := ref["out."+name]
			if r == nil {
				r = ref[name]
			}
			if r == nil {
				continue // the reference need not cover every output
			}
			cr.Comparisons = append(cr.Comparisons,
				compareTensors(name, "onnx vs reference", want, r, v.tol.Atol, v.tol.Rtol, logits),
				compareTensors(name, "webnn vs reference", got, r, v.tol.Atol, v.tol.Rtol, logits))
		}
	}
	cr.Seconds["compare"] = time.Since(t2).Seconds()
	for i := range cr.Comparisons {
		x := &cr.Comparisons[i]
		if !x.Pass {
			cr.Pass = false
			if cr.worst == nil || x.Excess > cr.worst.Excess {
				cr.worst = x
			}
		}
	}
	if cr.worst != nil {
		cr.Worst = describeFailure(cr.worst)
	}
	return cr, caseInputs{in, win}, nil
}

// reportCase is the case as the report shows it.
func (cr *caseReport) reportCase() report.Case {
	return report.Case{Name: cr.Name, Inputs: cr.inputs, Comparisons: cr.Comparisons, Worst: cr.Worst,
		Seconds: cr.Seconds["onnx"] + cr.Seconds["webnn"] + cr.Seconds["compare"]}
}

// decodePick chooses the case a decoder's greedy decode starts from: a
// prefill of one sequence (no past) first, then any prefill, then any
// case with input_ids.
type decodePick struct {
	rank   int // 0: none yet
	index  int
	prompt []int64
}

func (d *decodePick) consider(i int, in map[string]*tensor.Tensor) {
	prompt := promptOf(in)
	if prompt == nil {
		return
	}
	rank := 1
	prefill := true
	for k, t := range in {
		if strings.Contains(identKey(k), "past") && t.Len() > 0 {
			prefill = false
		}
	}
	if prefill {
		rank = 2
		for k, t := range in {
			if identKey(k) == "input_ids" && len(t.Shape) > 0 && t.Shape[0] == 1 {
				rank = 3
			}
		}
	}
	if rank > d.rank {
		d.rank, d.index, d.prompt = rank, i, prompt
	}
}

// verifyCases runs every case, localises the first one whose runtimes
// disagree (--localize), runs a decoder's greedy decode once, and prints
// the result. The report sink receives each case as it completes, so a
// run stopped by an error still reports the cases before it.
func (a *app) verifyCases(v *verifier, cases []verifyCase, rep *verifyReport, sink *reportSink, modelPath string, lowered *lower.Result) error {
	f := v.f
	secs := rep.Seconds
	sink.setRun(rep, v.tol)
	var pick decodePick
	for i, c := range cases {
		cr, ins, err := v.run(c)
		if err != nil {
			if len(cases) > 1 {
				err = fmt.Errorf("case %s: %w", c.Name, err)
			}
			sink.addCase(report.Case{Name: c.Name, Error: err.Error()})
			return err
		}
		secs["onnx"] += cr.Seconds["onnx"]
		secs["webnn"] += cr.Seconds["webnn"]
		rep.Cases = append(rep.Cases, *cr)
		sink.addCase(cr.reportCase())
		pick.consider(i, ins.onnx)
		if f.localize && rep.Localization == nil && runtimesDisagree(cr.Comparisons) {
			t4 := time.Now()
			loc, err := localize(v.m, modelPath, v.onnxR.prog, v.wr, lowered, f, ins.onnx, ins.webnn)
			if err != nil {
				return err
			}
			rep.Localization, rep.LocalizedCase = loc, c.Name
			sink.v.Cases[i].Localization = loc
			secs["localize"] = time.Since(t4).Seconds()
		}
	}
	for i := range rep.Cases {
		cr := &rep.Cases[i]
		if cr.Pass {
			continue
		}
		rep.Pass = false
		if w := cr.worst; w != nil && (rep.worst == nil || w.Excess > rep.worst.Excess) {
			rep.worst = w
			rep.Worst, rep.WorstCase = describeFailure(w), cr.Name
			if len(cases) > 1 {
				rep.Worst = "case " + cr.Name + ": " + rep.Worst
			}
		}
	}
	if len(rep.Cases) == 1 {
		rep.Inputs, rep.Comparisons = rep.Cases[0].Inputs, rep.Cases[0].Comparisons
	}

	steps := f.steps
	if steps < 0 && sink.enabled() {
		steps = 8
	}
	if steps > 0 && pick.prompt != nil {
		if _, err := findDecoderIO(v.wr); err == nil {
			t5 := time.Now()
			d, err := decodeCompare(v.onnxR, v.wr, pick.prompt, steps, v.tol)
			if err != nil {
				return fmt.Errorf("verify: %w", err)
			}
			rep.Decode, rep.DecodeCase = d, cases[pick.index].Name
			sink.v.Cases[pick.index].Decode = d
			if !d.Pass() {
				rep.Pass = false
				if rep.Worst == "" {
					rep.Worst, rep.WorstCase = describeDecode(d), rep.DecodeCase
					if len(cases) > 1 {
						rep.Worst = "case " + rep.DecodeCase + ": " + rep.Worst
					}
				}
			}
			secs["decode"] = time.Since(t5).Seconds()
		}
	}
	if err := a.printVerifyResult(*rep, f.jsonOut); err != nil {
		return err
	}
	if !rep.Pass {
		return verifyFailed{failureMessage(rep)}
	}
	return nil
}

// failureMessage is verify's last line when it fails.
func failureMessage(rep *verifyReport) string {
	failed, total, failedCases := 0, 0, 0
	for _, cr := range rep.Cases {
		if !cr.Pass {
			failedCases++
		}
		for _, c := range cr.Comparisons {
			total++
			if !c.Pass {
				failed++
			}
		}
	}
	if d := rep.Decode; d != nil {
		total += len(d.Steps)
		for _, st := range d.Steps {
			if !st.Pass || !st.ArgmaxAgrees {
				failed++
			}
		}
	}
	msg := fmt.Sprintf("verify failed: %d of %d comparisons out of tolerance", failed, total)
	if len(rep.Cases) > 1 {
		msg += fmt.Sprintf(" in %d of %d cases", failedCases, len(rep.Cases))
	}
	msg += "; worst: " + rep.Worst
	if l := rep.Localization; l != nil && l.Found {
		msg += fmt.Sprintf("; first diverging node: %q (%s)", l.Node.Name, l.Node.OpType)
		if len(rep.Cases) > 1 {
			msg += " in case " + rep.LocalizedCase
		}
	}
	return msg
}

// printCases prints one line per case (several cases): its result and
// its comparison using most of its tolerance, then the full tables of the
// failing cases.
func (a *app) printCases(r verifyReport) {
	w := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "case\tcompared\tworst output\tpair\tmax abs\tmax rel\tresult")
	for i := range r.Cases {
		cr := &r.Cases[i]
		rc := report.Case{Comparisons: cr.Comparisons}
		out, pair, abs, rel := "-", "-", "-", "-"
		if x := rc.WorstComparison(); x != nil {
			out, pair, abs, rel = x.Output, x.Pair, fmt.Sprintf("%.3g", x.MaxAbs), fmt.Sprintf("%.3g", x.MaxRel)
		}
		res := "ok"
		if !cr.Pass {
			n := 0
			for _, c := range cr.Comparisons {
				if !c.Pass {
					n++
				}
			}
			res = fmt.Sprintf("FAIL (%d of %d)", n, len(cr.Comparisons))
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", cr.Name, len(cr.Comparisons), out, pair, abs, rel, res)
	}
	w.Flush()
	for i := range r.Cases {
		if cr := &r.Cases[i]; !cr.Pass {
			fmt.Fprintf(a.stdout, "case %s:\n", cr.Name)
			a.printComparisons(cr.Comparisons)
		}
	}
}
