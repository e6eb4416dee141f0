package main

import (
	"fmt"

	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/runtime/kernel/kernelbench"
	"github.com/webnn-graph/webnn-graph/tools/benchreport/report"
)

func init() {
	report.Register(report.Source{Name: "kernel", Rows: kernelRows})
}

// kernelRows measures runtime/kernel against its baselines: gonum's Sgemm
// for compute-bound GEMM shapes, the measured streaming-read bandwidth for
// decode-step GEMV (cold weights), and plain Go loops for the rest.
func kernelRows(env *report.Env) ([]report.Row, error) {
	var rows []report.Row
	peakNote := func(gflops float64) string {
		if env.PeakGFLOPS == 0 {
			return ""
		}
		s := fmt.Sprintf("%.0f%% of rough peak", 100*gflops/env.PeakGFLOPS)
		if env.FMAGFLOPS > 0 {
			s += fmt.Sprintf(", %.0f%% of measured FMA peak", 100*gflops/env.FMAGFLOPS)
		}
		return s
	}
	gflops := func(c kernelbench.Case, ns float64) float64 { return c.Flops / ns }
	gbs := func(c kernelbench.Case, ns float64) float64 { return c.Bytes / ns }

	for _, s := range []struct {
		name    string
		m, n, k int
		transB  bool
	}{
		{"sgemm", 512, 512, 512, false},
		{"sgemm transB", 512, 512, 512, true},
		{"sgemm prefill", 9, 1536, 576, false},
		{"sgemm prefill", 64, 576, 1536, false},
	} {
		shape := fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k)
		if !env.Want(s.name, shape) {
			continue
		}
		ours, base := kernelbench.Sgemm(s.m, s.n, s.k, s.transB), kernelbench.GonumSgemm(s.m, s.n, s.k, s.transB)
		ns := bestPerOp(ours, base)
		g := gflops(ours, ns[0])
		rows = append(rows, report.Row{Kernel: s.name, Shape: shape, Unit: "GFLOP/s", Ours: g,
			Baseline: gflops(base, ns[1]), BaseName: "gonum Sgemm", Note: peakNote(g) + perCoreNote(ours)})
	}

	for _, s := range []struct {
		name   string
		k, n   int
		transB bool
		packed bool
	}{
		{"gemv decode [K,N]", 576, 1536, false, false},
		{"gemv decode [K,N]", 1536, 576, false, false},
		{"gemv decode [K,N]", 576, 49152, false, false},
		{"gemv decode [N,K]", 576, 1536, true, false},
		{"gemv decode [N,K]", 1536, 576, true, false},
		{"gemv decode [N,K]", 576, 49152, true, false},
		{"gemv decode packed", 576, 1536, false, true},
		{"gemv decode packed", 1536, 576, false, true},
		{"gemv decode packed", 576, 49152, false, true},
	} {
		shape := fmt.Sprintf("1x%d·%dx%d", s.k, s.k, s.n)
		if !env.Want(s.name, shape) {
			continue
		}
		var ours kernelbench.Case
		switch {
		case s.packed:
			ours = kernelbench.GemvPacked(s.k, s.n)
		default:
			ours = kernelbench.Gemv(s.k, s.n, s.transB)
		}
		gonumCase := kernelbench.GonumGemv(s.k, s.n)
		ns := bestPerOp(ours, gonumCase)
		rows = append(rows, report.Row{Kernel: s.name, Shape: shape, Unit: "GB/s", Ours: gbs(ours, ns[0]),
			Baseline: env.StreamGBs, BaseName: "stream-read bandwidth",
			Note: fmt.Sprintf("weights cold (>64 MiB rotated); gonum Sgemm %.1f GB/s", gbs(gonumCase, ns[1])) + cpuBandwidthNote(ours, env.Cores)})
	}

	for _, s := range []struct {
		name string
		p    kernelbenchConv
	}{
		{"conv2d 1x1 (mobilenet expand)", kernelbenchConv{kernelbench.MobilenetPointwise, "1x24x56x56 → 144"}},
		{"conv2d 3x3 s2 (mobilenet stem)", kernelbenchConv{kernelbench.MobilenetStem, "1x3x224x224 → 32"}},
		{"conv2d depthwise 3x3", kernelbenchConv{kernelbench.MobilenetDepthwise, "1x96x56x56 g96"}},
	} {
		if !env.Want(s.name, s.p.shape) {
			continue
		}
		ours, base := kernelbench.Conv2D(s.p.params), kernelbench.Im2colGonumConv2D(s.p.params)
		ns := bestPerOp(ours, base)
		g := gflops(ours, ns[0])
		rows = append(rows, report.Row{Kernel: s.name, Shape: s.p.shape, Unit: "GFLOP/s", Ours: g,
			Baseline: gflops(base, ns[1]), BaseName: "im2col + gonum Sgemm", Note: peakNote(g)})
	}

	for _, s := range []struct {
		name       string
		ours, base func(rows, n int) kernelbench.Case
		baseName   string
	}{
		{"softmax", kernelbench.Softmax, kernelbench.NaiveSoftmax, "naive Go, float64 math.Exp"},
		{"layerNorm", kernelbench.LayerNorm, kernelbench.NaiveLayerNorm, "naive Go, float64"},
	} {
		shape := "1x9x576"
		if !env.Want(s.name, shape) {
			continue
		}
		ours, base := s.ours(9, 576), s.base(9, 576)
		ns := bestPerOp(ours, base)
		rows = append(rows, report.Row{Kernel: s.name, Shape: shape, Unit: "GB/s", Ours: gbs(ours, ns[0]),
			Baseline: gbs(base, ns[1]), BaseName: s.baseName, Note: fmt.Sprintf("%.2f µs/op, in cache", ns[0]/1000)})
	}
	if len(caseErrors) > 0 {
		return rows, fmt.Errorf("%d benchmark cases failed to build, first: %v", len(caseErrors), caseErrors[0])
	}
	return rows, nil
}

// perCoreNote gives the case's speed per busy core from CPU time: what the
// kernel does with a core, whatever else the machine runs.
//
// Only long operations (≥ 2^28 flops) get it: for short ones the CPU time is
// dominated by the Go scheduler's spinning between parallel phases.
func perCoreNote(c kernelbench.Case) string {
	if c.Err != nil || c.Flops < 1<<28 {
		return ""
	}
	cpu := report.CPUPerOp(c.Op, *benchtimeFlag)
	if cpu == 0 {
		return ""
	}
	return fmt.Sprintf("; %.1f GFLOP/s per busy core (CPU time)", c.Flops/cpu)
}

// cpuBandwidthNote gives, for operations long enough to be interrupted on
// a shared machine (≥ 32 MB streamed), the bandwidth computed from CPU time
// spread over the cores: what the kernel streams while it runs.
func cpuBandwidthNote(c kernelbench.Case, cores int) string {
	if c.Err != nil || c.Bytes < 32e6 {
		return ""
	}
	cpu := report.CPUPerOp(c.Op, 2**benchtimeFlag)
	if cpu == 0 {
		return ""
	}
	return fmt.Sprintf("; %.1f GB/s by CPU time (op too long to run uninterrupted here)", c.Bytes/(cpu/float64(cores)))
}

// bestPerOp returns the fastest call of each case in ns (0 for a case that
// could not be built; its error is reported once).
func bestPerOp(cases ...kernelbench.Case) []float64 {
	ops := make([]func(), len(cases))
	for i, c := range cases {
		ops[i] = c.Op
		if c.Err != nil {
			caseErrors = append(caseErrors, c.Err)
			ops[i] = func() {}
		}
	}
	return report.BestPerOp(repsFlag, ops...)
}

var caseErrors []error

type kernelbenchConv struct {
	params kernel.Conv2DParams
	shape  string
}
