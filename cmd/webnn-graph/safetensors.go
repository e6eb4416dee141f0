package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/atomicdir"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/weights"
)

// writeGraphDirSafetensors is writeGraphDir for --weights-format
// safetensors: the constants go to model.safetensors (which rustnn's newer
// loaders and pywebnn read instead of model.weights + a manifest), and
// manifest.json keeps only what the set needs besides: the files it pins
// (model.safetensors by size and the SHA-256 of the whole file, which
// readers check by size, and by content where they read it whole) and
// the ONNX name map. Published atomically like the default set.
func writeGraphDirSafetensors(dir string, files []outFile, names, types map[string]string, g *graph.Graph, ts []weights.Tensor) ([]string, error) {
	set, err := atomicdir.Begin(dir, setNames)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	defer set.Abort()
	sf, err := set.Create("model.safetensors")
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	sum := sha256.New() // the format has no digest of its own: the pin is of the whole file
	size, err := weights.WriteSafetensors(io.MultiWriter(sf, sum), ts, map[string]string{"producer": "webnn-graph"})
	if err == nil {
		err = sf.Sync()
	}
	if cerr := sf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	man := manifest.New()
	man.Files = map[string]manifest.FilePin{"model.safetensors": {ByteLength: size, SHA256: hex.EncodeToString(sum.Sum(nil))}}
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
	return append(written, filepath.Join(dir, "model.safetensors"), filepath.Join(dir, "manifest.json")), nil
}
