package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/lower"
)

func (a *app) opsCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "ops",
		Short: "List the ONNX operators the converter lowers, with the WebNN ops they become",
		Long:  "Print the lowering registry: ONNX domain and op type, opset range, WebNN ops used and constraints (the same table as docs/ops.md).",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg := lower.Registry()
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(reg)
			}
			w := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "domain\top\topsets\tWebNN ops\tnotes")
			for _, e := range reg {
				dom := e.Domain
				if dom == "" {
					dom = "ai.onnx"
				}
				until := "+"
				if e.Until != 0 {
					until = fmt.Sprintf("-%d", e.Until)
				}
				fmt.Fprintf(w, "%s\t%s\t%d%s\t%s\t%s\n", dom, e.OpType, e.Since, until, strings.Join(e.WebNN, " "), e.Notes)
			}
			fmt.Fprintf(w, "%d lowerings\n", len(reg))
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}
