package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/graphdiff"
)

func (a *app) diffCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two converted graphs (files or conversion directories); exit 1 when they differ",
		Long: `Compare two WebNN graphs, each a .webnn or .json file or a conversion directory (its
model.webnn, with model.weights and manifest.json beside it), as a reviewer of a re-conversion
asks: inputs, outputs and dynamic dims that changed; nodes added, removed or changed in op,
inputs or options (matched by name, then by structure, so renamed nodes are recognised);
constants whose bytes changed (by sha256, with the number of differing elements and the largest
difference when both are readable); the weight bytes in total.

A changed dim bound also changes the maxSize of every size computed from it and constants sized
by it (an iota of bound rows); those are counted under the dim, not listed on their own.

Exit status 0 when the graphs are the same, 1 when they differ (or cannot be read): usable as a
CI gate ("this re-conversion changed nothing but the weights of layer 3").`,
		Args: exactArgs(2, "two graphs or conversion directories"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.diff(args[0], args[1], jsonOut) },
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the differences as JSON")
	return cmd
}

// diffSide loads a graph file, or DIR/model.webnn (else DIR/model.json),
// with the weights beside it (checked to belong to it, as every command
// does), and validates it: sizes that overflow are refused here, not met
// while comparing.
func (a *app) diffSide(path string) (graphdiff.Side, func(), error) {
	l, err := a.loadValidGraph(path, false)
	if err != nil {
		return graphdiff.Side{}, nil, err
	}
	side := graphdiff.Side{Path: l.path, Graph: l.g}
	if l.store != nil {
		side.Weights = l.store
	}
	return side, l.Close, nil
}

func (a *app) diff(pathA, pathB string, jsonOut bool) error {
	sa, closeA, err := a.diffSide(pathA)
	if err != nil {
		return err
	}
	defer closeA()
	sb, closeB, err := a.diffSide(pathB)
	if err != nil {
		return err
	}
	defer closeB()
	d, err := graphdiff.Compare(sa, sb)
	if err != nil {
		return err
	}
	if jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return err
		}
	} else if !a.quiet || !d.Identical {
		graphdiff.WriteText(a.stdout, d)
	}
	if !d.Identical {
		return fmt.Errorf("diff: the graphs differ (%d difference(s))", d.Changes)
	}
	return nil
}
