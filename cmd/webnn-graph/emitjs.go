package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/emitjs"
	"github.com/webnn-graph/webnn-graph/internal/atomicdir"
	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/weights"
)

type emitJSFlags struct {
	out         string
	weightsBase string
}

func (a *app) emitJSCommand() *cobra.Command {
	f := &emitJSFlags{}
	cmd := &cobra.Command{
		Use:   "emit-js GRAPH -o DIR",
		Short: "Write an ES module that builds and runs the graph through the browser's WebNN API",
		Long: `Write DIR/model.js: a dependency-free ES module that fetches the graph's weights
(model.weights and manifest.json, copied beside it, or hard-linked), builds the graph with
MLGraphBuilder for concrete sizes of its dynamic dimensions and runs it with MLTensors:

  import { load } from "./model.js";
  const model = await load();
  const run = await model.build({batch_size: 1, sequence_length: 7});
  const outputs = await run.compute({input_ids: BigInt64Array.from([...]), ...});

GRAPH is a .webnn or .json graph, or a directory holding model.webnn (a convert output).
--weights-base URL writes no weights: the module fetches model.weights and manifest.json from
URL, relative to the module (e.g. ../bert-tiny-webnn/).`,
		Args: exactArgs(1, "one graph file or conversion directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.emitWeb(args[0], f, false)
			return err
		},
	}
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "output directory (required)")
	cmd.Flags().StringVar(&f.weightsBase, "weights-base", "", "fetch the weights from this URL (relative to the module) instead of copying them")
	return cmd
}

func (a *app) emitHTMLCommand() *cobra.Command {
	f := &emitJSFlags{}
	cmd := &cobra.Command{
		Use:   "emit-html GRAPH -o DIR",
		Short: "Write a web page that shows the graph and runs it with WebNN",
		Long: `Write DIR/index.html and DIR/model.js (see emit-js): a self-contained page with the model
summary (inputs and their dimensions, outputs, op histogram, weight bytes), the graph drawn as
SVG, and a form that builds the graph for chosen sizes and runs it on random or given inputs,
showing the time per run and statistics of each output. Serve DIR over http (for example
'python3 -m http.server -d DIR') and open it in a browser with WebNN; elsewhere the page says
that WebNN is not available and still shows the summary and the graph.`,
		Args: exactArgs(1, "one graph file or conversion directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.emitWeb(args[0], f, true)
			return err
		},
	}
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "output directory (required)")
	cmd.Flags().StringVar(&f.weightsBase, "weights-base", "", "fetch the weights from this URL (relative to the page) instead of copying them")
	return cmd
}

// emitWeb writes model.js (and with page index.html), plus the weights
// and manifest unless the module fetches them from elsewhere, as one
// output set (package atomicdir): a failure or a crash leaves the old
// files or the new ones, never a mixture, and removes only what this
// process made.
func (a *app) emitWeb(arg string, f *emitJSFlags, page bool) ([]string, error) {
	cmdName := "emit-js"
	if page {
		cmdName = "emit-html"
	}
	if f.out == "" {
		return nil, usagef("%s needs -o DIR", cmdName)
	}
	l, err := a.loadValidGraph(arg, true)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	g, store := l.g, l.store
	opts := emitjs.Options{}
	// A SafeTensors sidecar carries its own index, which the module cannot
	// read: it gets a manifest written from that index (offsets into the
	// .safetensors file) beside it, whichever way the weights come.
	var stManifest []byte
	if store != nil && strings.HasSuffix(store.WeightsPath, ".safetensors") {
		if stManifest, err = store.Manifest.Marshal(); err != nil {
			return nil, err
		}
	}
	manifestURL := func(u string) string {
		if stManifest != nil {
			return safetensorsManifest
		}
		return u
	}
	copyWeights := false
	switch {
	case f.weightsBase != "":
		base := f.weightsBase
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		opts.WeightsURL, opts.ManifestURL = base+"model.weights", base+"manifest.json"
		if store != nil {
			opts.WeightsURL, opts.ManifestURL = base+filepath.Base(store.WeightsPath), manifestURL(base+filepath.Base(store.ManifestPath))
		}
	case store != nil && sameDir(filepath.Dir(store.WeightsPath), f.out) && sameDir(filepath.Dir(store.ManifestPath), f.out):
		opts.WeightsURL, opts.ManifestURL = filepath.Base(store.WeightsPath), manifestURL(filepath.Base(store.ManifestPath))
	case store != nil:
		copyWeights = true
		opts.WeightsURL, opts.ManifestURL = weightsCopyName(store), manifestURL("manifest.json")
	}
	module, err := emitjs.Module(g, opts)
	if err != nil {
		return nil, err
	}
	files := []outFile{{name: "model.js", data: module}}
	if page {
		html, err := emitjs.Page(g, emitjs.PageOptions{Module: "model.js"})
		if err != nil {
			return nil, err
		}
		files = append(files, outFile{name: "index.html", data: html})
	}
	// The set's names: what this command writes, the page (or module) last.
	// The weights only when copied: in the graph's own directory they are
	// the graph's, not this set's.
	var names []string
	switch {
	case copyWeights && stManifest != nil:
		names = append(names, weightsCopyName(store), safetensorsManifest)
	case copyWeights:
		names = append(names, weightsCopyName(store), "manifest.json")
	case stManifest != nil:
		names = append(names, safetensorsManifest)
	}
	for _, fl := range files {
		names = append(names, fl.name)
	}
	if copyWeights {
		// The weights and manifest would replace those of the conversion
		// held there, leaving its graph beside another graph's weights.
		for _, n := range graphFileNames {
			if _, err := os.Lstat(filepath.Join(f.out, n)); err == nil {
				return nil, fmt.Errorf("%s: %s holds another graph's conversion (%s): its weights and manifest would be replaced; emit into a directory of its own, or into the graph's own directory", cmdName, f.out, n)
			}
		}
	}
	set, err := atomicdir.Begin(f.out, names)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmdName, err)
	}
	defer set.Abort() // a no-op once published
	if copyWeights {
		if err := a.linkBeside(set, store.WeightsPath, weightsCopyName(store)); err != nil {
			return nil, fmt.Errorf("%s: %w", cmdName, err)
		}
		if stManifest == nil {
			if err := a.linkBeside(set, store.ManifestPath, "manifest.json"); err != nil {
				return nil, fmt.Errorf("%s: %w", cmdName, err)
			}
		}
	}
	if stManifest != nil {
		if err := set.WriteFile(safetensorsManifest, stManifest); err != nil {
			return nil, fmt.Errorf("%s: %w", cmdName, err)
		}
	}
	for _, fl := range files {
		if err := set.WriteFile(fl.name, fl.data); err != nil {
			return nil, fmt.Errorf("%s: %w", cmdName, err)
		}
	}
	if err := set.Commit(); err != nil {
		return nil, fmt.Errorf("%s: publishing %s: %w", cmdName, f.out, err)
	}
	var written []string
	for _, n := range names {
		written = append(written, filepath.Join(f.out, n))
	}
	if !a.quiet {
		for _, w := range written {
			fmt.Fprintf(a.stdout, "wrote %s\n", w)
		}
	}
	return written, nil
}

// safetensorsManifest is the manifest emit-js writes for a SafeTensors
// sidecar: the tensors of its header, with offsets into the file.
const safetensorsManifest = "model.safetensors.manifest.json"

// weightsCopyName is the name the weights get beside the module.
func weightsCopyName(s *weights.Store) string {
	if strings.HasSuffix(s.WeightsPath, ".safetensors") {
		return "model.safetensors"
	}
	return "model.weights"
}

// linkBeside places the file at path (the weights or manifest found beside
// the graph) into set as name: opened inside its directory as when it was
// read (no link out, regular files only), then hard-linked by descriptor
// or copied, so the output never holds a link.
func (a *app) linkBeside(set *atomicdir.Set, path, name string) error {
	root, err := confine.NewRoot(filepath.Dir(path), a.allowExternal...)
	if err != nil {
		return err
	}
	src, err := root.Open(filepath.Base(path))
	if err != nil {
		return err
	}
	defer src.Close()
	return set.Link(name, src)
}

func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
