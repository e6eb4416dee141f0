// Command benchreport is the engine of `make bench`: it runs the kernel
// benchmarks in-process and prints, for every kernel and shape, our figure
// next to a named baseline (gonum's Sgemm, the measured memory bandwidth, a
// naive Go loop) and their ratio, plus the machine's rough peak.
//
//	go run ./tools/benchreport [-filter REGEXP] [-reps N] [-benchtime D]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tools/benchreport/report"
)

func main() {
	testing.Init()
	filter := flag.String("filter", "", "only rows whose \"kernel shape\" matches this regexp")
	reps := flag.Int("reps", 3, "interleaved repetitions per row; the best of each side is reported")
	benchtime := flag.Duration("benchtime", 150*time.Millisecond, "time per testing.Benchmark run")
	benchtimeFlag = benchtime
	flag.Parse()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	repsFlag = *reps
	env := &report.Env{Cores: runtime.GOMAXPROCS(0)}
	if *filter != "" {
		re, err := regexp.Compile(*filter)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchreport: -filter: %v\n", err)
			os.Exit(2)
		}
		env.Filter = re
	}
	start := time.Now()
	model, mhz, family, cpuModel := cpuInfo()
	env.ClockMHz = mhz
	fmaPerCycle, why := fmaUnits(family, cpuModel)
	env.PeakGFLOPS = float64(env.Cores) * 2 * 8 * float64(fmaPerCycle) * mhz / 1000
	env.PeakFormula = fmt.Sprintf("%d cores × %d FMA/cycle (%s) × 8 float32 lanes (AVX2) × 2 flops × %.0f MHz = %.1f GFLOP/s",
		env.Cores, fmaPerCycle, why, mhz, env.PeakGFLOPS)
	env.FMAGFLOPS, _ = kernel.MeasureFMAPeak()
	env.StreamGBs = kernel.MeasureReadBandwidth(64<<20, 30)

	fmt.Printf("machine: %s, GOMAXPROCS=%d, %s/%s\n", model, env.Cores, runtime.GOOS, runtime.GOARCH)
	fmt.Printf("rough peak: %s\n", env.PeakFormula)
	fmt.Printf("measured FMA peak (register-only FMA chains, all cores): %.1f GFLOP/s\n", env.FMAGFLOPS)
	fmt.Printf("measured streaming-read bandwidth (64 MiB, all cores, best of 30 passes): %.1f GB/s\n", env.StreamGBs)
	fmt.Printf("timing: fastest single call over %d interleaved testing.Benchmark runs of %v per side (the machine is shared; means would measure the neighbours)\n\n", *reps, *benchtime)

	var rows []report.Row
	failed := false
	for _, s := range report.Sources() {
		rs, err := s.Rows(env)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchreport: %s: %v\n", s.Name, err)
			failed = true
		}
		rows = append(rows, rs...)
	}
	report.Print(os.Stdout, rows)
	fmt.Printf("\n%d rows in %.1fs\n", len(rows), time.Since(start).Seconds())
	if failed {
		os.Exit(1)
	}
}

var (
	repsFlag      = 3
	benchtimeFlag *time.Duration
)

// cpuInfo reads the model name, clock and family/model numbers of the first
// CPU from /proc/cpuinfo.
func cpuInfo() (name string, mhz float64, family, model int) {
	name = "unknown CPU"
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	seen := map[string]bool{}
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if seen[k] {
			continue
		}
		seen[k] = true
		switch k {
		case "model name":
			name = v
		case "cpu MHz":
			mhz, _ = strconv.ParseFloat(v, 64)
		case "cpu family":
			family, _ = strconv.Atoi(v)
		case "model":
			model, _ = strconv.Atoi(v)
		}
	}
	return
}

// fmaUnits returns how many 256-bit FMAs a core retires per cycle: AMD Zen 1
// (family 23, models below 0x30) splits them into two 128-bit halves (one
// per cycle); Zen 2+ and Intel since Haswell do two.
func fmaUnits(family, model int) (int, string) {
	if family == 23 && model < 0x30 {
		return 1, fmt.Sprintf("AMD family %d model %d = Zen 1: 2×128-bit FMA pipes", family, model)
	}
	return 2, fmt.Sprintf("family %d model %d: 2×256-bit FMA pipes assumed", family, model)
}
