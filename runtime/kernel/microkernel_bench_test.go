package kernel

import "testing"

// BenchmarkMicroKernel6x16 measures the assembly micro-kernel alone on
// L1-resident panels: the ceiling for the blocked GEMM on one core.
func BenchmarkMicroKernel6x16(b *testing.B) {
	if !useAsm {
		b.Skip("no assembly kernels")
	}
	const kc = 256
	ap := make([]float32, kc*gemmMR)
	bp := make([]float32, kc*gemmNR)
	c := make([]float32, gemmMR*gemmNR)
	for i := 0; i < b.N; i++ {
		sgemmKernel6x16AVX2(kc, &ap[0], &bp[0], &c[0], gemmNR, true)
	}
	b.ReportMetric(2*kc*gemmMR*gemmNR*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
