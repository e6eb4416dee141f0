//go:build !amd64 || noasm

package kernel

const hasAVX2FMA = false

func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, accumulate bool) {
	panic("kernel: assembly kernel called without assembly support")
}

func gemvNKernel4AVX2(n int, x *float32, b *float32, ldb int, c *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func gemvNKernel8AVX2(n int, x *float32, b *float32, ldb int, c *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func fewRowsKernel6x8AVX2(n int, a *float32, b *float32, ldb int, c *float32, ldc int) {
	panic("kernel: assembly kernel called without assembly support")
}

func dot4AVX2(k int, x *float32, b *float32, ldb int, out *[4]float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func sumAVX2(n int, x *float32) float32 {
	panic("kernel: assembly kernel called without assembly support")
}

func gemvPanelAVX2(k int, x *float32, panel *float32, acc *[16]float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func fmaLoopAVX2(n int) {
	panic("kernel: assembly kernel called without assembly support")
}

func sgemmKernel6x16StridedAVX2(k int, a, b *float32, ldb int, c *float32, ldc int, accumulate bool) {
	panic("kernel: assembly kernel called without assembly support")
}

func axpyAVX2(n int, alpha float32, x, y *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func expSumAVX2(n int, x, y *float32, shift float32) float32 {
	panic("kernel: assembly kernel called without assembly support")
}

func axpy3AVX2(n int, w *[3]float32, x0, x1, x2, y *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func maxAVX2(n int, x *float32) float32 {
	panic("kernel: assembly kernel called without assembly support")
}

func scaleAVX2(n int, alpha float32, x *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func binVVAVX2(op int, n int, a, b, dst *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func binVSAVX2(op int, n int, a *float32, s float32, dst *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func binSVAVX2(op int, n int, s float32, b, dst *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func negAbsAVX2(n int, x, t *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

func sigmoidFinishAVX2(n int, x, e, dst *float32) {
	panic("kernel: assembly kernel called without assembly support")
}

const hasAVX512 = false

func sgemmKernel6x32AVX512(k int, a, b0, b1, c *float32, ldc int, accumulate bool) {
	panic("kernel: assembly kernel called without assembly support")
}
