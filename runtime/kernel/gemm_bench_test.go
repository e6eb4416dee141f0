package kernel_test

import (
	"testing"

	"github.com/webnn-graph/webnn-graph/runtime/kernel/kernelbench"
)

// run executes a shared benchmark body and reports GFLOP/s and GB/s.
func run(b *testing.B, c kernelbench.Case) {
	b.ResetTimer()
	c.Bench(b)
	sec := b.Elapsed().Seconds()
	if c.Flops > 0 {
		b.ReportMetric(c.Flops*float64(b.N)/sec/1e9, "GFLOP/s")
	}
	if c.Bytes > 0 {
		b.ReportMetric(c.Bytes*float64(b.N)/sec/1e9, "GB/s")
	}
}

func BenchmarkSgemm512(b *testing.B)               { run(b, kernelbench.Sgemm(512, 512, 512, false)) }
func BenchmarkSgemm512TransB(b *testing.B)         { run(b, kernelbench.Sgemm(512, 512, 512, true)) }
func BenchmarkGonumSgemm512(b *testing.B)          { run(b, kernelbench.GonumSgemm(512, 512, 512, false)) }
func BenchmarkSgemmPrefill9x576x1536(b *testing.B) { run(b, kernelbench.Sgemm(9, 1536, 576, false)) }
func BenchmarkFewRows6x576x1536(b *testing.B)      { run(b, kernelbench.FewRows(6, 576, 1536)) }
func BenchmarkFewRows6x1536x576(b *testing.B)      { run(b, kernelbench.FewRows(6, 1536, 576)) }
func BenchmarkFewRows6x576x49152(b *testing.B)     { run(b, kernelbench.FewRows(6, 576, 49152)) }
func BenchmarkFewRows3x576x1536(b *testing.B)      { run(b, kernelbench.FewRows(3, 576, 1536)) }
func BenchmarkFewRows12x576x1536(b *testing.B)     { run(b, kernelbench.FewRows(12, 576, 1536)) }
func BenchmarkGemvDecode576x1536(b *testing.B)     { run(b, kernelbench.Gemv(576, 1536, false)) }
func BenchmarkGemvDecode1536x576(b *testing.B)     { run(b, kernelbench.Gemv(1536, 576, false)) }
func BenchmarkGemvDecode576x49152(b *testing.B)    { run(b, kernelbench.Gemv(576, 49152, false)) }
func BenchmarkGemvDecodeT576x1536(b *testing.B)    { run(b, kernelbench.Gemv(576, 1536, true)) }
func BenchmarkGemvDecodeT1536x576(b *testing.B)    { run(b, kernelbench.Gemv(1536, 576, true)) }
func BenchmarkGemvDecodeT576x49152(b *testing.B)   { run(b, kernelbench.Gemv(576, 49152, true)) }
func BenchmarkGemvPacked576x1536(b *testing.B)     { run(b, kernelbench.GemvPacked(576, 1536)) }
func BenchmarkGemvPacked1536x576(b *testing.B)     { run(b, kernelbench.GemvPacked(1536, 576)) }
func BenchmarkGemvPacked576x49152(b *testing.B)    { run(b, kernelbench.GemvPacked(576, 49152)) }
func BenchmarkGemvPacked576x192(b *testing.B)      { run(b, kernelbench.GemvPacked(576, 192)) }
func BenchmarkConv2DMobilenetDepthwise96x56x56(b *testing.B) {
	run(b, kernelbench.Conv2D(kernelbench.MobilenetDepthwise))
}
func BenchmarkConv2DMobilenetPointwise24to144x56x56(b *testing.B) {
	run(b, kernelbench.Conv2D(kernelbench.MobilenetPointwise))
}
func BenchmarkConv2DMobilenetStem3to32x224(b *testing.B) {
	run(b, kernelbench.Conv2D(kernelbench.MobilenetStem))
}
func BenchmarkSoftmax1x9x576(b *testing.B)   { run(b, kernelbench.Softmax(9, 576)) }
func BenchmarkSoftmax2048x2048(b *testing.B) { run(b, kernelbench.Softmax(2048, 2048)) }
func BenchmarkLayerNorm1x9x576(b *testing.B) { run(b, kernelbench.LayerNorm(9, 576)) }
