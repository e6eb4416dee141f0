// Package report is the table model of `make bench` (tools/benchreport):
// measurement sources register functions that produce rows, each row a
// figure of ours next to a named baseline and their ratio. Packages outside
// tools/benchreport (whole-model decode, interpreters) add rows by
// registering a Source from a file of package main in tools/benchreport or
// from their own package imported there.
package report

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// Row is one line of the report. Ours and Baseline are in Unit (higher is
// better: GFLOP/s, GB/s, tokens/s); Ratio is Ours/Baseline.
type Row struct {
	Kernel   string // e.g. "sgemm"
	Shape    string // e.g. "512x512x512"
	Unit     string // e.g. "GFLOP/s"
	Ours     float64
	Baseline float64
	BaseName string // what the baseline is, e.g. "gonum Sgemm"
	Note     string // optional: % of peak, other figures
}

// Ratio returns Ours/Baseline (0 when there is no baseline).
func (r Row) Ratio() float64 {
	if r.Baseline == 0 {
		return 0
	}
	return r.Ours / r.Baseline
}

// Env carries machine figures measured once, for sources that compare
// against them.
type Env struct {
	Cores       int
	ClockMHz    float64 // from /proc/cpuinfo (0 if unknown)
	PeakGFLOPS  float64 // rough peak from the formula in PeakFormula
	PeakFormula string
	FMAGFLOPS   float64 // measured register-only FMA throughput, all cores
	StreamGBs   float64 // measured streaming-read bandwidth, GB/s
	Filter      *regexp.Regexp
}

// Want reports whether a row named kernel/shape passes the -filter regexp;
// sources call it before measuring so filtered rows cost nothing.
func (e *Env) Want(kernel, shape string) bool {
	return e.Filter == nil || e.Filter.MatchString(kernel+" "+shape)
}

// Source produces rows; Name groups them in the output.
type Source struct {
	Name string
	Rows func(env *Env) ([]Row, error)
}

var sources []Source

// Register adds a source; the report runs sources in registration order.
func Register(s Source) { sources = append(sources, s) }

// Sources returns the registered sources.
func Sources() []Source { return sources }

// BestPerOp measures each operation reps times, interleaved, inside
// testing.Benchmark, timing every call, and returns the fastest call of
// each in ns. On a machine shared with other work a mean mostly measures the
// neighbours; the fastest call measures the code (for memory-bound cases
// the operation itself must keep its data cold, e.g. by rotating buffers).
func BestPerOp(reps int, ops ...func()) []float64 {
	best := make([]float64, len(ops))
	for r := 0; r < reps; r++ {
		for i, op := range ops {
			testing.Benchmark(func(b *testing.B) {
				for j := 0; j < b.N; j++ {
					t := time.Now()
					op()
					ns := float64(time.Since(t).Nanoseconds())
					if best[i] == 0 || ns < best[i] {
						best[i] = ns
					}
				}
			})
		}
	}
	return best
}

// Print writes the rows as an aligned table.
func Print(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "kernel\tshape\tours\tbaseline\tratio\tbaseline is\tnote")
	fmt.Fprintln(tw, "------\t-----\t----\t--------\t-----\t-----------\t----")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s %s\t%.2fx\t%s\t%s\n", r.Kernel, r.Shape,
			fmtNum(r.Ours), r.Unit, fmtNum(r.Baseline), r.Unit, r.Ratio(), r.BaseName, r.Note)
	}
	tw.Flush()
}

func fmtNum(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	}
}

// CPUPerOp runs op repeatedly for about d and returns the process CPU time
// (all threads) per call in ns, or 0 where CPU time cannot be read. Work
// divided by CPU time is the speed per busy core, which other processes on a
// shared machine do not dilute the way they dilute wall-clock figures.
func CPUPerOp(op func(), d time.Duration) float64 {
	c0, ok := processCPU()
	if !ok {
		return 0
	}
	start := time.Now()
	n := 0
	for time.Since(start) < d || n == 0 {
		op()
		n++
	}
	c1, _ := processCPU()
	return float64((c1 - c0).Nanoseconds()) / float64(n)
}
