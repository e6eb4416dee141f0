package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/weights"
)

// loadedGraph is a graph file with the weights and manifest beside it.
type loadedGraph struct {
	g     *graph.Graph
	store *weights.Store // nil: no weights file (the graph needs none)
	names *manifest.NameMap
	types map[string]string // identifier → ONNX type the graph could not keep
}

func (l *loadedGraph) Close() {
	if l.store != nil {
		l.store.Close()
	}
}

// loadGraph reads a graph file and its weights (weightsPath and
// manifestPath when given, else found beside it, confined to its
// directory), and checks that they belong together: every @weights
// constant agrees with its manifest entry in type and shape, and when the
// manifest pins the files of its output set (convert writes it so) the
// graph and the weights file are the ones pinned: a directory a crash left
// mixed, or a file from another conversion, is refused. full also hashes
// the whole weights file against the digest its header records.
func (a *app) loadGraph(path, weightsPath, manifestPath string, full bool) (*loadedGraph, error) {
	src, err := confine.ReadRegular(path, 0)
	if err != nil {
		return nil, err
	}
	g, err := emit.ParseGraphFile(path, src)
	if err != nil {
		return nil, err
	}
	l := &loadedGraph{g: g}
	switch {
	case weightsPath != "" || manifestPath != "":
		if weightsPath == "" || manifestPath == "" {
			return nil, usagef("--weights and --manifest go together")
		}
		l.store, err = weights.Open(weightsPath, manifestPath)
	default:
		l.store, err = weights.OpenBeside(path, a.allowExternal...)
		if errors.Is(err, weights.ErrNoneBeside) && !hasWeightRefs(g) {
			return l, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if err := l.check(path, src, full); err != nil {
		l.Close()
		return nil, err
	}
	l.names, l.types = l.store.Manifest.ONNXNames, l.store.Manifest.ONNXTypes
	return l, nil
}

func (l *loadedGraph) check(path string, src []byte, full bool) error {
	s := l.store
	if pins := s.Manifest.Files; pins != nil {
		mixed := func(what string) error {
			return fmt.Errorf("%s: %s is not part of the output set %s pins (%s): another conversion's file, or an interrupted one's; convert again",
				filepath.Dir(path), what, filepath.Base(s.ManifestPath), "its size or SHA-256 differs")
		}
		if pin, ok := pins[filepath.Base(path)]; ok && pin != pinOf(src) {
			return mixed(filepath.Base(path))
		}
		if pin, ok := pins[filepath.Base(s.WeightsPath)]; ok {
			if err := s.CheckPin(pin); err != nil {
				return mixed(filepath.Base(s.WeightsPath))
			}
		}
	}
	if full {
		if err := s.VerifyDigest(); err != nil {
			return err
		}
	}
	return s.CheckConsts(l.g)
}
