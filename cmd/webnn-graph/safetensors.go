package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

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
	return publishGraphDir(dir, "model.safetensors", files, names, types, g, func(set *atomicdir.Set) (*manifest.Manifest, error) {
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
		return man, nil
	})
}
