package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestBoolInputs runs the ONNX node tests whose graph inputs are bool (a
// bool is uint8 in WebNN) through the CLI: verify with its own generated
// inputs, and convert + run on the test's own inputs given as numpy bool
// arrays, whose outputs must come back as the test's expected outputs,
// bool ones as bool. Tests the converter refuses (If, Loop, Compress, ...)
// are skipped.
func TestBoolInputs(t *testing.T) {
	root := testenv.ONNXNodeTests(t)
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	sort.Strings(dirs)
	var passed, failed, skipped int
	var failures []string
	for _, dir := range dirs {
		model := filepath.Join(dir, "model.onnx")
		m, err := onnxpb.Load(model)
		if err != nil {
			continue
		}
		inits := map[string]bool{}
		for _, in := range m.Graph().GetInitializer() {
			inits[in.GetName()] = true
		}
		var inputs, outputs []string
		hasBool := false
		for _, vi := range m.Graph().GetInput() {
			if inits[vi.GetName()] {
				continue
			}
			inputs = append(inputs, vi.GetName())
			if dt, _, ok := onnxpb.ValueType(vi); ok && dt == tensor.Bool {
				hasBool = true
			}
		}
		for _, vi := range m.Graph().GetOutput() {
			outputs = append(outputs, vi.GetName())
		}
		m.Close()
		if !hasBool {
			continue
		}
		name := filepath.Base(dir)
		err = boolCase(t, model, dir, inputs, outputs)
		switch {
		case err == nil:
			passed++
		case strings.Contains(err.Error(), "not expressible") || strings.Contains(err.Error(), "not supported"):
			skipped++
		default:
			failed++
			failures = append(failures, fmt.Sprintf("%s: %v", name, err))
		}
	}
	testenv.Report("bool-inputs: %d passed, %d failed, %d skipped", passed, failed, skipped)
	for _, f := range failures {
		t.Error(f)
	}
	if passed < 27 {
		t.Errorf("only %d bool-input node tests pass, want at least 27", passed)
	}
}

func boolCase(t *testing.T, model, dir string, inputs, outputs []string) error {
	if status, stdout, stderr := cli(t, "verify", model); status != 0 {
		return fmt.Errorf("verify with generated inputs: %s%s", lastLine(stderr), lastLine(stdout))
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return nil
	}
	work := t.TempDir()
	g := filepath.Join(work, "g")
	if status, _, stderr := cli(t, "convert", model, "-o", g); status != 0 {
		return fmt.Errorf("convert: %s", lastLine(stderr))
	}
	in := map[string]*tensor.Tensor{}
	for i, name := range inputs {
		tp, err := onnxpb.ReadTensorFile(filepath.Join(sets[0], fmt.Sprintf("input_%d.pb", i)))
		if err != nil {
			return err
		}
		if in[name], err = onnxpb.DecodeTensor(tp, sets[0]); err != nil {
			return err
		}
	}
	npz := filepath.Join(work, "in.npz")
	if err := tensor.WriteNPZ(npz, inputs, in); err != nil {
		return err
	}
	out := filepath.Join(work, "out.npz")
	if status, _, stderr := cli(t, "run", filepath.Join(g, "model.webnn"), "--inputs", npz, "-o", out); status != 0 {
		return fmt.Errorf("run on the test's bool inputs: %s", lastLine(stderr))
	}
	got, _, err := tensor.ReadNPZ(out)
	if err != nil {
		return err
	}
	for i, name := range outputs {
		p := filepath.Join(sets[0], fmt.Sprintf("output_%d.pb", i))
		if _, err := os.Stat(p); err != nil {
			continue
		}
		tp, err := onnxpb.ReadTensorFile(p)
		if err != nil {
			return err
		}
		want, err := onnxpb.DecodeTensor(tp, sets[0])
		if err != nil {
			return err
		}
		g := got[name]
		if g == nil {
			return fmt.Errorf("run -o wrote no %q (has %v)", name, sortedKeys(got))
		}
		if g.DType != want.DType || !reflect.DeepEqual(g.Shape, want.Shape) {
			return fmt.Errorf("output %q: %v%v, want %v%v", name, g.DType, g.Shape, want.DType, want.Shape)
		}
		if want.DType == tensor.Bool && !reflect.DeepEqual(g.Data, want.Data) {
			return fmt.Errorf("output %q differs from the expected bools", name)
		}
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
