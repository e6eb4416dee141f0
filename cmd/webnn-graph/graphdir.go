package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/weights"
)

// loadedGraph is a graph file with the weights and manifest beside it.
type loadedGraph struct {
	path  string // the graph file (DIR/model.webnn for a directory)
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
//
// path may also be a conversion directory: its model.webnn (else
// model.json) is read, opened inside that directory as the weights are.
func (a *app) loadGraph(path, weightsPath, manifestPath string, full bool) (*loadedGraph, error) {
	path, src, err := readGraphArg(path)
	if err != nil {
		return nil, err
	}
	g, err := emit.ParseGraphFile(path, src)
	if err != nil {
		return nil, err
	}
	l := &loadedGraph{path: path, g: g}
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

// loadValidGraph is loadGraph of a graph argument (file or conversion
// directory) followed by the format's validation (graph.Validate: sizes
// checked for overflow, consts against the weights), for the commands that
// read a graph without running it (diff, emit-js, emit-html). full also
// hashes the whole weights file against its header's digest (emit-js
// publishes the weights: a corrupted copy is not passed on).
func (a *app) loadValidGraph(arg string, full bool) (*loadedGraph, error) {
	l, err := a.loadGraph(arg, "", "", full)
	if err != nil {
		return nil, err
	}
	var sizes graph.WeightSizes
	if l.store != nil {
		sizes = l.store
	}
	if err := graph.Validate(l.g, sizes); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// graphFileNames are the graph files looked for in a conversion directory.
var graphFileNames = []string{"model.webnn", "model.json"}

// readGraphArg reads a graph named on the command line: a file as given
// (links followed: the user named it), or the graph of a conversion
// directory, which is a file of the directory like its weights: confined
// to it (a link out is refused) and regular. It returns the graph file's
// path and content.
func readGraphArg(arg string) (string, []byte, error) {
	st, err := os.Stat(arg)
	if err != nil || !st.IsDir() {
		src, err := confine.ReadRegular(arg, 0)
		return arg, src, err
	}
	root, err := confine.NewRoot(arg)
	if err != nil {
		return "", nil, err
	}
	for _, n := range graphFileNames {
		if !root.Exists(n) {
			continue
		}
		p := filepath.Join(arg, n)
		f, err := root.Open(n)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", arg, err)
		}
		defer f.Close()
		src, err := confine.ReadAll(f, p, 0)
		return p, src, err
	}
	return "", nil, fmt.Errorf("%s: a directory without %s", arg, strings.Join(graphFileNames, " or "))
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
			if full {
				if err := s.VerifyPin(pin); err != nil {
					return err
				}
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
