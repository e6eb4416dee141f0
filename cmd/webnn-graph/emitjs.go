package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/emitjs"
	"github.com/webnn-graph/webnn-graph/graph"
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

// graphPathOf accepts a graph file or a directory holding model.webnn
// (or model.json).
func graphPathOf(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return p, nil
	}
	for _, n := range []string{"model.webnn", "model.json"} {
		q := filepath.Join(p, n)
		if st, err := os.Stat(q); err == nil && st.Mode().IsRegular() {
			return q, nil
		}
	}
	return "", fmt.Errorf("%s: no model.webnn or model.json in this directory", p)
}

// emitWeb writes model.js (and with page index.html) plus the weights
// into f.out, under temporary names renamed at the end.
func (a *app) emitWeb(arg string, f *emitJSFlags, page bool) ([]string, error) {
	cmdName := "emit-js"
	if page {
		cmdName = "emit-html"
	}
	if f.out == "" {
		return nil, usagef("%s needs -o DIR", cmdName)
	}
	path, err := graphPathOf(arg)
	if err != nil {
		return nil, err
	}
	g, err := emit.LoadGraphFile(path)
	if err != nil {
		return nil, err
	}
	var store *weights.Store
	if hasWeightRefs(g) {
		if store, err = weights.OpenBeside(path); err != nil {
			return nil, err
		}
		defer store.Close()
	}
	var sizes graph.WeightSizes
	if store != nil {
		sizes = store
	}
	if err := graph.Validate(g, sizes); err != nil {
		return nil, err
	}
	opts := emitjs.Options{}
	var links []outLink
	switch {
	case f.weightsBase != "":
		base := f.weightsBase
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		opts.WeightsURL, opts.ManifestURL = base+"model.weights", base+"manifest.json"
		if store != nil {
			opts.WeightsURL, opts.ManifestURL = base+filepath.Base(store.WeightsPath), base+filepath.Base(store.ManifestPath)
		}
	case store != nil && sameDir(filepath.Dir(store.WeightsPath), f.out) && sameDir(filepath.Dir(store.ManifestPath), f.out):
		opts.WeightsURL, opts.ManifestURL = filepath.Base(store.WeightsPath), filepath.Base(store.ManifestPath)
	case store != nil:
		links = []outLink{{src: store.WeightsPath, name: "model.weights"}, {src: store.ManifestPath, name: "manifest.json"}}
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
	written, err := writeWebDir(f.out, files, links)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmdName, err)
	}
	if !a.quiet {
		for _, w := range written {
			fmt.Fprintf(a.stdout, "wrote %s\n", w)
		}
	}
	return written, nil
}

func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// outLink is a file placed into the output directory from elsewhere: hard
// linked when the file system allows, else copied.
type outLink struct{ src, name string }

// writeWebDir writes files and links into dir under temporary names, then
// renames them all; on failure nothing new is left behind.
func writeWebDir(dir string, files []outFile, links []outLink) ([]string, error) {
	created := false
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		created = true
	} else if err != nil {
		return nil, err
	}
	suffix := fmt.Sprintf(".tmp-%d", os.Getpid())
	type pair struct{ tmp, final string }
	var pairs []pair
	cleanup := func() {
		for _, p := range pairs {
			os.Remove(p.tmp)
		}
		if created {
			os.RemoveAll(dir)
		}
	}
	for _, f := range files {
		p := pair{filepath.Join(dir, f.name+suffix), filepath.Join(dir, f.name)}
		pairs = append(pairs, p)
		if err := os.WriteFile(p.tmp, f.data, 0o644); err != nil {
			cleanup()
			return nil, err
		}
	}
	for _, l := range links {
		p := pair{filepath.Join(dir, l.name+suffix), filepath.Join(dir, l.name)}
		pairs = append(pairs, p)
		if err := os.Link(l.src, p.tmp); err != nil {
			if err := copyFile(l.src, p.tmp); err != nil {
				cleanup()
				return nil, err
			}
		}
	}
	var written []string
	for _, p := range pairs {
		if err := os.Rename(p.tmp, p.final); err != nil {
			cleanup()
			for _, w := range written {
				os.Remove(w)
			}
			return nil, err
		}
		written = append(written, p.final)
	}
	return written, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
