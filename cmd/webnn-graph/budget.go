package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/internal/membudget"
)

// maxMemoryFlag is --max-memory: the total memory budget for tensors
// (internal/membudget). Setting it changes the budget at once, so a bad
// size is a flag error (exit 2) before the command runs.
type maxMemoryFlag struct{ set bool }

func (f *maxMemoryFlag) String() string {
	_, total := membudget.Limits()
	return membudget.Human(total)
}

func (f *maxMemoryFlag) Set(s string) error {
	n, err := membudget.ParseSize(s)
	if err != nil {
		return err
	}
	membudget.SetTotal(n)
	f.set = true
	return nil
}

func (f *maxMemoryFlag) Type() string { return "size" }

// addMaxMemoryFlag gives the named subcommands of root --max-memory.
func addMaxMemoryFlag(root *cobra.Command, names ...string) {
	f := &maxMemoryFlag{}
	usage := fmt.Sprintf("memory budget for tensors, e.g. 2GiB or 512MiB: the tensors live at once may take at most this much, "+
		"one tensor half of it (default 1/%d of the memory this process may use, one tensor at most %s)",
		membudget.DefaultFraction, membudget.Human(membudget.DefaultTensorCap))
	for _, c := range root.Commands() {
		for _, n := range names {
			if c.Name() == n {
				c.Flags().Var(f, "max-memory", usage)
			}
		}
	}
}
