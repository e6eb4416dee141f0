package main

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/parity"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// runtimesDisagree reports whether a webnn-vs-onnx comparison failed (a
// difference against the reference alone is not the lowering's to find).
func runtimesDisagree(cs []comparison) bool {
	for _, c := range cs {
		if c.Pair == "webnn vs onnx" && !c.Pass {
			return true
		}
	}
	return false
}

// localize runs verify --localize: both runtimes again, comparing every
// intermediate value (see parity.Localizer). lowered is the in-memory
// conversion when verify made one; for a graph given with --graph the
// model is converted again in memory with the options the graph was made
// with, for the map of which operand carries which ONNX value.
func localize(m *onnxpb.Model, modelPath string, prog *onnxrt.Program, wr runner, lowered *lower.Result, f *verifyFlags, in, win map[string]*tensor.Tensor) (*parity.Localization, error) {
	w, ok := wr.(*webnnRunner)
	if !ok {
		return nil, fmt.Errorf("verify --localize: the graph under test is not a WebNN graph")
	}
	if lowered == nil {
		opts := parity.OptionsFromGraph(m, w.g)
		if f.precision != "" {
			opts.Precision = f.precision
		}
		res, _, _, err := lowerForTarget(m, opts, false)
		if err != nil {
			return nil, fmt.Errorf("verify --localize: converting %s again for the value map: %w", modelPath, err)
		}
		lowered = res
	}
	l := &parity.Localizer{
		Model: m, ONNX: prog, Graph: w.g, Weights: w.ws, Map: lowered,
		ONNXInputs: in, WebNNInputs: win,
		Tol: parity.Tolerance{Atol: f.atol, Rtol: f.rtol},
	}
	loc, err := l.Run()
	if err != nil {
		return nil, fmt.Errorf("verify --localize: %w", err)
	}
	return loc, nil
}
