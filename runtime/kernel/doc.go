// Package kernel holds the shared arithmetic of both CPU interpreters
// (runtime/webnn and runtime/onnx): GEMM/GEMV, convolution, pooling,
// normalisation, softmax, elementwise helpers and float16/bfloat16
// conversion. Everything here works on plain []float32 (or raw half bits)
// with explicit shapes and strides; no tensor types, no graph knowledge.
//
// Files, one per family, each with tests (and benchmarks in
// gemm_bench_test.go, bodies shared with tools/benchreport through
// kernel/kernelbench):
//
//	gemm.go          Sgemm: packed, cache-blocked GEMM (6×16 micro-kernel)
//	gemv.go          the M = 1 (decode) and N = 1 paths of Sgemm
//	packed.go        PackB / SgemmPacked: constant weights packed once
//	matmul.go        SgemmStridedBatched, MatMulBatched (broadcast batch dims)
//	conv.go          Conv2D (im2col+GEMM, 1×1 as one GEMM, direct depthwise)
//	convtranspose.go ConvTranspose2D (GEMM + col2im)
//	pool.go          Pool2D (max, average, l2)
//	softmax.go       Softmax, SoftmaxAxis, LayerNorm
//	unary.go         Exp32, Exp, Sigmoid, Tanh, Erf, Gelu
//	half.go          float16 / bfloat16 conversion
//	parallel.go      ParallelFor
//	machine.go       MeasureReadBandwidth, MeasureFMAPeak (for make bench)
//
// Kernels never allocate per element and split big work over GOMAXPROCS
// goroutines with ParallelFor. Hot loops have an AVX2+FMA assembly version
// (*_amd64.s) chosen at run time with golang.org/x/sys/cpu, always behind a
// pure-Go fallback that the tests compare against the same naive reference;
// build with -tags noasm to force the fallback everywhere.
//
// Rounding: results equal the naive loops up to summation order. The
// assembly kernels use fused multiply-add (one rounding per a·b+c), the Go
// fallbacks two roundings, so the two paths differ in the last bits; this
// does not depend on GOAMD64 (the choice is made at run time from CPUID).
package kernel
