package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
)

// loadONNX loads a model to convert or run: its external data may lie in
// its own directory and the --allow-external-path directories, nowhere
// else, and it may import no opset newer than the converter and the
// interpreter know (unless --allow-newer-opset): an operator redefined in
// a newer opset would be converted or run with the old semantics.
func (a *app) loadONNX(path string) (*onnxpb.Model, error) {
	m, err := onnxpb.LoadWithOptions(path, onnxpb.LoadOptions{AllowExternal: a.allowExternal})
	if err != nil {
		return nil, err
	}
	if !a.allowNewerOpset {
		if newer := newerOpsets(m.Opsets); len(newer) > 0 {
			m.Close()
			return nil, fmt.Errorf("onnx: %s: imports %s, newer than webnn-graph knows; it may redefine operators (--allow-newer-opset accepts it, reading each operator by its newest known definition)",
				path, strings.Join(newer, ", "))
		}
	}
	return m, nil
}

// knownOpsets is, per domain, the newest opset version in which the
// lowering or the interpreter registry knows an operator (re)definition.
var knownOpsets = func() map[string]int64 {
	k := map[string]int64{}
	for _, e := range lower.Registry() {
		k[e.Domain] = max(k[e.Domain], e.Since, e.Until)
	}
	for _, o := range onnxrt.Registry() {
		k[o.Domain] = max(k[o.Domain], o.Since)
	}
	return k
}()

// newerOpsets lists the imports newer than knownOpsets ("ai.onnx 30
// (newest known 26)"); domains neither registry knows are left to the
// per-operator refusals.
func newerOpsets(opsets map[string]int64) []string {
	var out []string
	for d, v := range opsets {
		known, ok := knownOpsets[d]
		if ok && v > known {
			name := d
			if name == "" {
				name = "ai.onnx"
			}
			out = append(out, fmt.Sprintf("opset %s %d (newest known %d)", name, v, known))
		}
	}
	sort.Strings(out)
	return out
}
