package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/atomicdir"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// setNames are the files of a converted graph directory, in publishing
// order: the manifest, which pins the others, comes last.
// model.safetensors (--weights-format safetensors) is a name of the set so
// that a later conversion replaces it: rustnn would prefer a stale one.
var setNames = []string{"model.webnn", "model.json", "model.weights", "model.safetensors", "manifest.json"}

// outFile is a small file written beside the weights.
type outFile struct {
	name string
	data []byte
}

// writeGraphDir builds the output set (files, the weights writeWeights
// adds, and the manifest pinning them all with the ONNX name map) in a
// private staging directory and publishes it into dir atomically
// (publishGraphDir).
func writeGraphDir(dir string, files []outFile, names, types map[string]string, g *graph.Graph, writeWeights func(*weights.Writer) error) ([]string, error) {
	return publishGraphDir(dir, "model.weights", files, names, types, g, func(set *atomicdir.Set) (*manifest.Manifest, error) {
		wf, err := set.Create("model.weights")
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		w, err := weights.NewFileWriter(wf, filepath.Join(dir, "model.weights"))
		if err != nil {
			return nil, err
		}
		// Also on a panic (a budget error unwinds as one): the writer's
		// hashing goroutine reads the model's mapped pages and must stop
		// before the caller unmaps them (a no-op after Finish).
		defer w.Abort()
		if err := writeWeights(w); err != nil {
			return nil, err
		}
		man, err := w.Finish()
		if err != nil {
			return nil, err
		}
		man.Files = map[string]manifest.FilePin{"model.weights": {ByteLength: w.Size(), SHA256: w.Digest()}}
		return man, nil
	})
}

// publishGraphDir is the publishing both weights formats share: in an
// atomicdir set for dir, writeConstants writes the constants file (named
// constants) and returns the manifest that pins it; then the files, and
// last that manifest, pinning the files too and holding the ONNX name
// map and types, are added and the set is published. After a failure or a
// crash at any moment dir holds the old set or the new one, and nothing
// this process made is left behind. It returns the paths written.
func publishGraphDir(dir, constants string, files []outFile, names, types map[string]string, g *graph.Graph, writeConstants func(*atomicdir.Set) (*manifest.Manifest, error)) ([]string, error) {
	set, err := atomicdir.Begin(dir, setNames)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	defer set.Abort() // a no-op once published
	man, err := writeConstants(set)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := set.WriteFile(f.name, f.data); err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		man.Files[f.name] = pinOf(f.data)
	}
	man.ONNXNames = nameMap(g, names)
	if len(types) > 0 {
		man.ONNXTypes = types
	}
	mb, err := man.Marshal()
	if err != nil {
		return nil, err
	}
	if err := set.WriteFile("manifest.json", mb); err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	if err := set.Commit(); err != nil {
		return nil, fmt.Errorf("convert: publishing %s: %w", dir, err)
	}
	var written []string
	for _, f := range files {
		written = append(written, filepath.Join(dir, f.name))
	}
	return append(written, filepath.Join(dir, constants), filepath.Join(dir, "manifest.json")), nil
}

func pinOf(data []byte) manifest.FilePin {
	sum := sha256.Sum256(data)
	return manifest.FilePin{ByteLength: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

// nameMap records, for every graph input and output, the ONNX name it was
// converted from (identifiers with no ONNX name map to themselves).
func nameMap(g *graph.Graph, names map[string]string) *manifest.NameMap {
	nm := &manifest.NameMap{Inputs: map[string]string{}, Outputs: map[string]string{}}
	onnx := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	for _, in := range g.Inputs {
		nm.Inputs[in.Name] = onnx(in.Name)
	}
	for _, o := range g.Outputs {
		nm.Outputs[o.Name] = onnx(o.Name)
	}
	return nm
}

// onnxTypes lists the graph inputs and outputs that are bool in the ONNX
// model (uint8 in WebNN), by identifier.
func onnxTypes(m *onnxpb.Model, g *graph.Graph, names map[string]string) map[string]string {
	bools := map[string]bool{}
	for _, vis := range [][]*onnxpb.ValueInfoProto{m.Graph().GetInput(), m.Graph().GetOutput()} {
		for _, vi := range vis {
			if dt, _, ok := onnxpb.ValueType(vi); ok && dt == tensor.Bool {
				bools[vi.GetName()] = true
			}
		}
	}
	types := map[string]string{}
	onnx := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	for _, in := range g.Inputs {
		if bools[onnx(in.Name)] && in.Desc.DType != tensor.Bool {
			types[in.Name] = "bool"
		}
	}
	for _, o := range g.Outputs {
		if bools[onnx(o.Name)] {
			types[o.Name] = "bool"
		}
	}
	return types
}
