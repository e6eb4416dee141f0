package kernel

import (
	"runtime"
	"time"
)

// MeasureReadBandwidth returns the streaming-read bandwidth in GB/s (1e9
// bytes/s) of all GOMAXPROCS cores: a buffer of bufBytes (make it several
// times the last-level cache) is read in 4 MiB passes, round robin so every
// pass reads cold memory, and the fastest of the given number of passes
// counts. Short passes keep the figure meaningful on a shared machine,
// where long ones are always interrupted. It is the baseline for
// memory-bound kernels such as decode-step GEMV.
func MeasureReadBandwidth(bufBytes, passes int) float64 {
	const passBytes = 4 << 20
	slices := max(bufBytes/passBytes, 1)
	n := slices * passBytes / 4
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = float32(i & 7)
	}
	workers := runtime.GOMAXPROCS(0)
	per := passBytes / 4 / workers &^ 63
	sink := make([]float32, workers)
	best := time.Duration(1 << 62)
	for r := 0; r < passes; r++ {
		base := (r % slices) * passBytes / 4
		start := time.Now()
		parallelFor(workers, workers, 1, func(lo, hi int) {
			for w := lo; w < hi; w++ {
				sink[w] += sumFloats(buf[base+w*per : base+(w+1)*per])
			}
		})
		if d := time.Since(start); d < best {
			best = d
		}
	}
	runtime.KeepAlive(sink)
	return float64(per*workers*4) / best.Seconds() / 1e9
}

// sumFloats returns Σ s[i] (vectorised where the assembly kernels exist).
func sumFloats(s []float32) float32 {
	var total float32
	vec := 0
	if useAsm {
		vec = len(s) &^ 63
		if vec > 0 {
			total = sumAVX2(vec, &s[0])
		}
	}
	for _, v := range s[vec:] {
		total += v
	}
	return total
}

// MeasureFMAPeak returns the best observed multiply-add throughput in
// GFLOP/s (2 flops per lane per FMA) of all GOMAXPROCS cores running
// independent register-only FMA chains, and the single-core figure. It is 0
// without the assembly kernels. Short timed bursts, best of many, so time
// slices lost to other processes do not count.
func MeasureFMAPeak() (all, one float64) {
	if !useAsm {
		return 0, 0
	}
	const iters = 20000 // × 12 FMAs × 16 flops
	flops := float64(iters) * 12 * 16
	burst := func() float64 {
		best := time.Duration(1 << 62)
		for r := 0; r < 200; r++ {
			t := time.Now()
			fmaLoopAVX2(iters)
			if d := time.Since(t); d < best {
				best = d
			}
		}
		return flops / best.Seconds() / 1e9
	}
	one = burst()
	workers := runtime.GOMAXPROCS(0)
	per := make([]float64, workers)
	parallelFor(workers, workers, 1, func(lo, hi int) {
		for w := lo; w < hi; w++ {
			per[w] = burst()
		}
	})
	for _, v := range per {
		all += v
	}
	return all, one
}
