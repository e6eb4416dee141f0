package graphdiff

import (
	"fmt"
	"io"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/bytesize"
)

// WriteText prints the diff for people: one section per kind of change,
// nothing for what is the same, and a last line with the count.
func WriteText(w io.Writer, d *Diff) {
	fmt.Fprintf(w, "diff %s %s\n", d.A, d.B)
	for _, ch := range d.Header {
		fmt.Fprintf(w, "graph %s: %s → %s\n", ch.What, ch.A, ch.B)
	}
	if len(d.Dims) > 0 {
		fmt.Fprintf(w, "dynamic dims:\n")
		for _, dc := range d.Dims {
			fmt.Fprintf(w, "  %s: %s → %s\n", dc.Name, bound(dc.A), bound(dc.B))
		}
		if f := d.Follow; f != nil {
			var parts []string
			if f.Options > 0 {
				parts = append(parts, fmt.Sprintf("the maxSize of %d node option(s)", f.Options))
			}
			if len(f.Consts) > 0 {
				parts = append(parts, fmt.Sprintf("%d const(s) sized by a bound (%s)", len(f.Consts), strings.Join(f.Consts, "; ")))
			}
			fmt.Fprintf(w, "  following from these bounds: %s\n", strings.Join(parts, ", "))
		}
	}
	ioSection(w, "inputs", d.Inputs)
	ioSection(w, "outputs", d.Outputs)
	n := d.Nodes
	if len(n.Added)+len(n.Removed)+len(n.Changed)+len(n.Renamed) > 0 {
		fmt.Fprintf(w, "nodes:\n")
		for _, r := range n.Removed {
			fmt.Fprintf(w, "  - %s = %s(…)\n", r.ID, r.Op)
		}
		for _, r := range n.Added {
			fmt.Fprintf(w, "  + %s = %s(…)\n", r.ID, r.Op)
		}
		for _, r := range n.Renamed {
			fmt.Fprintf(w, "  ~ %s renamed %s (%s, same inputs and options)\n", r.A, r.B, r.Op)
		}
		for _, ch := range n.Changed {
			name := ch.ID
			if ch.AID != "" {
				name = ch.AID + " → " + ch.ID
			}
			fmt.Fprintf(w, "  ~ %s (%s):\n", name, ch.Op)
			for _, c := range ch.Changes {
				fmt.Fprintf(w, "      %s: %s → %s\n", c.What, c.A, c.B)
			}
		}
	}
	k := d.Consts
	if len(k.Added)+len(k.Removed)+len(k.Changed)+len(k.Renamed) > 0 {
		fmt.Fprintf(w, "consts:\n")
		for _, r := range k.Removed {
			fmt.Fprintf(w, "  - %s\n", r)
		}
		for _, r := range k.Added {
			fmt.Fprintf(w, "  + %s\n", r)
		}
		for _, r := range k.Renamed {
			fmt.Fprintf(w, "  ~ %s renamed %s (%s, same bytes)\n", r.A, r.B, r.Op)
		}
		for _, ch := range k.Changed {
			fmt.Fprintf(w, "  ~ %s: %s", ch.Name, ch.AType)
			if ch.BType != ch.AType {
				fmt.Fprintf(w, " → %s", ch.BType)
			}
			if ch.AHash != "" || ch.BHash != "" {
				fmt.Fprintf(w, ", sha256 %s → %s", orDash(ch.AHash), orDash(ch.BHash))
			}
			if ch.MaxAbs != nil {
				fmt.Fprintf(w, ", %d of %d elements differ, max abs difference %.6g", ch.Differing, ch.Elements, *ch.MaxAbs)
			}
			if ch.Note != "" {
				fmt.Fprintf(w, " (%s)", ch.Note)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "weights: %s → %s", bytesize.Format(d.Weights.A), bytesize.Format(d.Weights.B))
	if delta := d.Weights.B - d.Weights.A; delta != 0 {
		sign := "+"
		if delta < 0 {
			sign, delta = "-", -delta
		}
		fmt.Fprintf(w, " (%s%s)", sign, bytesize.Format(delta))
	}
	fmt.Fprintln(w)
	if d.Identical {
		fmt.Fprintf(w, "identical: %d nodes and %d consts the same\n", n.Same, k.Same)
		return
	}
	fmt.Fprintf(w, "%d difference(s); %d nodes and %d consts the same\n", d.Changes, n.Same, k.Same)
}

func ioSection(w io.Writer, title string, d IODiff) {
	if len(d.Added)+len(d.Removed)+len(d.Changed) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, r := range d.Removed {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	for _, r := range d.Added {
		fmt.Fprintf(w, "  + %s\n", r)
	}
	for _, ch := range d.Changed {
		for _, c := range ch.Changes {
			fmt.Fprintf(w, "  ~ %s %s: %s → %s\n", ch.Name, c.What, c.A, c.B)
		}
	}
}

func bound(n int64) string {
	if n == 0 {
		return "(absent)"
	}
	return fmt.Sprintf("≤ %d", n)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
