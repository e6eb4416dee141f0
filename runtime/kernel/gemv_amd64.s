//go:build amd64 && !noasm

#include "textflag.h"

// func gemvNKernel4AVX2(n int, x *float32, b *float32, ldb int, c *float32)
// c[j] += x[0]·b[j] + x[1]·b[ldb+j] + x[2]·b[2ldb+j] + x[3]·b[3ldb+j], j < n,
// n a multiple of 32.
TEXT ·gemvNKernel4AVX2(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), AX
	MOVQ b+16(FP), SI
	MOVQ ldb+24(FP), R8
	MOVQ c+32(FP), DX
	SHLQ $2, R8
	LEAQ (SI)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	VBROADCASTSS (AX), Y12
	VBROADCASTSS 4(AX), Y13
	VBROADCASTSS 8(AX), Y14
	VBROADCASTSS 12(AX), Y15
	XORQ BX, BX
	SHRQ $5, CX
	JZ   done

loop:
	VMOVUPS     (DX)(BX*1), Y0
	VMOVUPS     32(DX)(BX*1), Y1
	VMOVUPS     64(DX)(BX*1), Y2
	VMOVUPS     96(DX)(BX*1), Y3
	VFMADD231PS (SI)(BX*1), Y12, Y0
	VFMADD231PS 32(SI)(BX*1), Y12, Y1
	VFMADD231PS 64(SI)(BX*1), Y12, Y2
	VFMADD231PS 96(SI)(BX*1), Y12, Y3
	VFMADD231PS (R9)(BX*1), Y13, Y0
	VFMADD231PS 32(R9)(BX*1), Y13, Y1
	VFMADD231PS 64(R9)(BX*1), Y13, Y2
	VFMADD231PS 96(R9)(BX*1), Y13, Y3
	VFMADD231PS (R10)(BX*1), Y14, Y0
	VFMADD231PS 32(R10)(BX*1), Y14, Y1
	VFMADD231PS 64(R10)(BX*1), Y14, Y2
	VFMADD231PS 96(R10)(BX*1), Y14, Y3
	VFMADD231PS (R11)(BX*1), Y15, Y0
	VFMADD231PS 32(R11)(BX*1), Y15, Y1
	VFMADD231PS 64(R11)(BX*1), Y15, Y2
	VFMADD231PS 96(R11)(BX*1), Y15, Y3
	VMOVUPS     Y0, (DX)(BX*1)
	VMOVUPS     Y1, 32(DX)(BX*1)
	VMOVUPS     Y2, 64(DX)(BX*1)
	VMOVUPS     Y3, 96(DX)(BX*1)
	ADDQ        $128, BX
	DECQ        CX
	JNZ         loop

done:
	VZEROUPPER
	RET

// func dot4AVX2(k int, x *float32, b *float32, ldb int, out *[4]float32)
// out[r] = Σ_{p<k} x[p]·b[r*ldb+p] for r < 4, k a multiple of 8.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), AX
	MOVQ b+16(FP), SI
	MOVQ ldb+24(FP), R8
	MOVQ out+32(FP), DX
	SHLQ $2, R8
	LEAQ (SI)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ BX, BX

loop16:
	CMPQ CX, $16
	JL   tail8
	VMOVUPS     (AX)(BX*1), Y8
	VMOVUPS     32(AX)(BX*1), Y9
	VFMADD231PS (SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y9, Y4
	VFMADD231PS (R9)(BX*1), Y8, Y1
	VFMADD231PS 32(R9)(BX*1), Y9, Y5
	VFMADD231PS (R10)(BX*1), Y8, Y2
	VFMADD231PS 32(R10)(BX*1), Y9, Y6
	VFMADD231PS (R11)(BX*1), Y8, Y3
	VFMADD231PS 32(R11)(BX*1), Y9, Y7
	ADDQ        $64, BX
	SUBQ        $16, CX
	JMP         loop16

tail8:
	CMPQ CX, $8
	JL   reduce
	VMOVUPS     (AX)(BX*1), Y8
	VFMADD231PS (SI)(BX*1), Y8, Y0
	VFMADD231PS (R9)(BX*1), Y8, Y1
	VFMADD231PS (R10)(BX*1), Y8, Y2
	VFMADD231PS (R11)(BX*1), Y8, Y3

reduce:
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	// Horizontal sums of Y0..Y3 into one X register [s0 s1 s2 s3].
	VHADDPS Y1, Y0, Y0       // [a01 a23 b01 b23 | a45 a67 b45 b67]
	VHADDPS Y3, Y2, Y2       // [c01 c23 d01 d23 | ...]
	VHADDPS Y2, Y0, Y0       // [a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7]
	VEXTRACTF128 $1, Y0, X1
	VADDPS  X1, X0, X0
	VMOVUPS X0, (DX)
	VZEROUPPER
	RET

// func sumAVX2(n int, x *float32) float32
// Σ x[i], n a multiple of 64, read as four concurrent streams (the four
// quarters of x), as a GEMV reads four rows: a streaming read used to
// measure bandwidth.
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), SI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	SHRQ $6, CX
	JZ   sumdone
	// Quarter length in bytes: n/4 floats = (n/64)·16 floats = CX·64 bytes.
	MOVQ CX, R8
	SHLQ $6, R8
	LEAQ (SI)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11

sumloop:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS (R9), Y2, Y2
	VADDPS 32(R9), Y3, Y3
	VADDPS (R10), Y4, Y4
	VADDPS 32(R10), Y5, Y5
	VADDPS (R11), Y6, Y6
	VADDPS 32(R11), Y7, Y7
	ADDQ   $64, SI
	ADDQ   $64, R9
	ADDQ   $64, R10
	ADDQ   $64, R11
	DECQ   CX
	JNZ    sumloop

sumdone:
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS  X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	MOVSS   X0, ret+16(FP)
	VZEROUPPER
	RET

// func gemvPanelAVX2(k int, x *float32, panel *float32, acc *[16]float32)
// acc[j] += Σ_{p<k} x[p]·panel[p*16+j]: four pairs of accumulators hide the
// FMA latency; the panel is read sequentially.
TEXT ·gemvPanelAVX2(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), AX
	MOVQ panel+16(FP), SI
	MOVQ acc+24(FP), DX
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VXORPS  Y4, Y4, Y4
	VXORPS  Y5, Y5, Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7

ploop4:
	CMPQ CX, $4
	JL   ptail
	VBROADCASTSS (AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VFMADD231PS  (SI), Y8, Y0
	VFMADD231PS  32(SI), Y8, Y1
	VFMADD231PS  64(SI), Y9, Y2
	VFMADD231PS  96(SI), Y9, Y3
	VFMADD231PS  128(SI), Y10, Y4
	VFMADD231PS  160(SI), Y10, Y5
	VFMADD231PS  192(SI), Y11, Y6
	VFMADD231PS  224(SI), Y11, Y7
	PREFETCHT0   1024(SI)
	PREFETCHT0   1088(SI)
	PREFETCHT0   1152(SI)
	PREFETCHT0   1216(SI)
	ADDQ         $16, AX
	ADDQ         $256, SI
	SUBQ         $4, CX
	JMP          ploop4

ptail:
	TESTQ CX, CX
	JZ    pdone
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (SI), Y8, Y0
	VFMADD231PS  32(SI), Y8, Y1
	ADDQ         $4, AX
	ADDQ         $64, SI
	DECQ         CX
	JMP          ptail

pdone:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	VADDPS  Y6, Y4, Y4
	VADDPS  Y7, Y5, Y5
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VZEROUPPER
	RET

// func fmaLoopAVX2(n int)
// n iterations of 12 independent FMA chains on registers: the core's peak.
TEXT ·fmaLoopAVX2(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	TESTQ  CX, CX
	JZ     fmadone

fmaloop:
	VFMADD231PS Y12, Y13, Y0
	VFMADD231PS Y12, Y13, Y1
	VFMADD231PS Y12, Y13, Y2
	VFMADD231PS Y12, Y13, Y3
	VFMADD231PS Y12, Y13, Y4
	VFMADD231PS Y12, Y13, Y5
	VFMADD231PS Y12, Y13, Y6
	VFMADD231PS Y12, Y13, Y7
	VFMADD231PS Y12, Y13, Y8
	VFMADD231PS Y12, Y13, Y9
	VFMADD231PS Y12, Y13, Y10
	VFMADD231PS Y12, Y13, Y11
	DECQ        CX
	JNZ         fmaloop

fmadone:
	VZEROUPPER
	RET

// func axpyAVX2(n int, alpha float32, x, y *float32)
// y[i] += alpha·x[i] for i < n.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	VBROADCASTSS alpha+8(FP), Y15
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DI

axloop32:
	CMPQ        CX, $32
	JL          axloop8
	VMOVUPS     (DI), Y0
	VMOVUPS     32(DI), Y1
	VMOVUPS     64(DI), Y2
	VMOVUPS     96(DI), Y3
	VFMADD231PS (SI), Y15, Y0
	VFMADD231PS 32(SI), Y15, Y1
	VFMADD231PS 64(SI), Y15, Y2
	VFMADD231PS 96(SI), Y15, Y3
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $32, CX
	JMP         axloop32

axloop8:
	CMPQ        CX, $8
	JL          axloop1
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y15, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         axloop8

axloop1:
	TESTQ       CX, CX
	JZ          axdone
	VMOVSS      (DI), X0
	VFMADD231SS (SI), X15, X0
	VMOVSS      X0, (DI)
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         axloop1

axdone:
	VZEROUPPER
	RET

// func axpy3AVX2(n int, w *[3]float32, x0, x1, x2, y *float32)
// y[i] += w[0]·x0[i] + w[1]·x1[i] + w[2]·x2[i] for i < n: one row of a
// three-tap filter, y loaded and stored once.
TEXT ·axpy3AVX2(SB), NOSPLIT, $0-48
	MOVQ         n+0(FP), CX
	MOVQ         w+8(FP), AX
	VBROADCASTSS (AX), Y13
	VBROADCASTSS 4(AX), Y14
	VBROADCASTSS 8(AX), Y15
	MOVQ         x0+16(FP), SI
	MOVQ         x1+24(FP), R8
	MOVQ         x2+32(FP), R9
	MOVQ         y+40(FP), DI
	XORQ         BX, BX

a3loop16:
	CMPQ        CX, $16
	JL          a3loop8
	VMOVUPS     (DI)(BX*1), Y0
	VMOVUPS     32(DI)(BX*1), Y1
	VFMADD231PS (SI)(BX*1), Y13, Y0
	VFMADD231PS 32(SI)(BX*1), Y13, Y1
	VFMADD231PS (R8)(BX*1), Y14, Y0
	VFMADD231PS 32(R8)(BX*1), Y14, Y1
	VFMADD231PS (R9)(BX*1), Y15, Y0
	VFMADD231PS 32(R9)(BX*1), Y15, Y1
	VMOVUPS     Y0, (DI)(BX*1)
	VMOVUPS     Y1, 32(DI)(BX*1)
	ADDQ        $64, BX
	SUBQ        $16, CX
	JMP         a3loop16

a3loop8:
	CMPQ        CX, $8
	JL          a3loop1
	VMOVUPS     (DI)(BX*1), Y0
	VFMADD231PS (SI)(BX*1), Y13, Y0
	VFMADD231PS (R8)(BX*1), Y14, Y0
	VFMADD231PS (R9)(BX*1), Y15, Y0
	VMOVUPS     Y0, (DI)(BX*1)
	ADDQ        $32, BX
	SUBQ        $8, CX
	JMP         a3loop8

a3loop1:
	TESTQ       CX, CX
	JZ          a3done
	VMOVSS      (DI)(BX*1), X0
	VFMADD231SS (SI)(BX*1), X13, X0
	VFMADD231SS (R8)(BX*1), X14, X0
	VFMADD231SS (R9)(BX*1), X15, X0
	VMOVSS      X0, (DI)(BX*1)
	ADDQ        $4, BX
	DECQ        CX
	JMP         a3loop1

a3done:
	VZEROUPPER
	RET

// func gemvNKernel8AVX2(n int, x *float32, b *float32, ldb int, c *float32)
// c[j] += Σ_{r<8} x[r]·b[r*ldb+j] for j < n, n a multiple of 32: eight rows
// of B streamed at once, so c is loaded and stored once per eight rows.
TEXT ·gemvNKernel8AVX2(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), AX
	MOVQ b+16(FP), SI
	MOVQ ldb+24(FP), R8
	MOVQ c+32(FP), DX
	SHLQ $2, R8
	VBROADCASTSS (AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14
	VBROADCASTSS 28(AX), Y15
	LEAQ (SI)(R8*1), DI
	LEAQ (DI)(R8*1), AX
	LEAQ (AX)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	XORQ BX, BX
	SHRQ $5, CX
	JZ   done8

loop8:
	VMOVUPS     (DX)(BX*1), Y0
	VMOVUPS     32(DX)(BX*1), Y1
	VMOVUPS     64(DX)(BX*1), Y2
	VMOVUPS     96(DX)(BX*1), Y3
	VFMADD231PS (SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	VFMADD231PS 64(SI)(BX*1), Y8, Y2
	VFMADD231PS 96(SI)(BX*1), Y8, Y3
	VFMADD231PS (DI)(BX*1), Y9, Y0
	VFMADD231PS 32(DI)(BX*1), Y9, Y1
	VFMADD231PS 64(DI)(BX*1), Y9, Y2
	VFMADD231PS 96(DI)(BX*1), Y9, Y3
	VFMADD231PS (AX)(BX*1), Y10, Y0
	VFMADD231PS 32(AX)(BX*1), Y10, Y1
	VFMADD231PS 64(AX)(BX*1), Y10, Y2
	VFMADD231PS 96(AX)(BX*1), Y10, Y3
	VFMADD231PS (R9)(BX*1), Y11, Y0
	VFMADD231PS 32(R9)(BX*1), Y11, Y1
	VFMADD231PS 64(R9)(BX*1), Y11, Y2
	VFMADD231PS 96(R9)(BX*1), Y11, Y3
	VFMADD231PS (R10)(BX*1), Y12, Y0
	VFMADD231PS 32(R10)(BX*1), Y12, Y1
	VFMADD231PS 64(R10)(BX*1), Y12, Y2
	VFMADD231PS 96(R10)(BX*1), Y12, Y3
	VFMADD231PS (R11)(BX*1), Y13, Y0
	VFMADD231PS 32(R11)(BX*1), Y13, Y1
	VFMADD231PS 64(R11)(BX*1), Y13, Y2
	VFMADD231PS 96(R11)(BX*1), Y13, Y3
	VFMADD231PS (R12)(BX*1), Y14, Y0
	VFMADD231PS 32(R12)(BX*1), Y14, Y1
	VFMADD231PS 64(R12)(BX*1), Y14, Y2
	VFMADD231PS 96(R12)(BX*1), Y14, Y3
	VFMADD231PS (R13)(BX*1), Y15, Y0
	VFMADD231PS 32(R13)(BX*1), Y15, Y1
	VFMADD231PS 64(R13)(BX*1), Y15, Y2
	VFMADD231PS 96(R13)(BX*1), Y15, Y3
	VMOVUPS     Y0, (DX)(BX*1)
	VMOVUPS     Y1, 32(DX)(BX*1)
	VMOVUPS     Y2, 64(DX)(BX*1)
	VMOVUPS     Y3, 96(DX)(BX*1)
	ADDQ        $128, BX
	DECQ        CX
	JNZ         loop8

done8:
	VZEROUPPER
	RET
