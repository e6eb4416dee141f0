//go:build amd64 && !noasm

#include "textflag.h"

// func maxAVX2(n int, x *float32) float32
// The largest x[i] for i < n (n a multiple of 32, at least 32), or NaN when
// some x[i] is NaN (the maximum is exact, so the order does not matter).
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ    n+0(FP), CX
	MOVQ    x+8(FP), SI
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VCMPPS  $3, Y0, Y0, Y4 // unordered: NaN lanes
	VCMPPS  $3, Y1, Y1, Y5
	VCMPPS  $3, Y2, Y2, Y6
	VCMPPS  $3, Y3, Y3, Y7
	ADDQ    $128, SI
	SHRQ    $5, CX
	DECQ    CX
	JZ      maxreduce

maxloop:
	VMOVUPS (SI), Y8
	VMOVUPS 32(SI), Y9
	VMOVUPS 64(SI), Y10
	VMOVUPS 96(SI), Y11
	VMAXPS  Y8, Y0, Y0
	VMAXPS  Y9, Y1, Y1
	VMAXPS  Y10, Y2, Y2
	VMAXPS  Y11, Y3, Y3
	VCMPPS  $3, Y8, Y8, Y8
	VCMPPS  $3, Y9, Y9, Y9
	VCMPPS  $3, Y10, Y10, Y10
	VCMPPS  $3, Y11, Y11, Y11
	VORPS   Y8, Y4, Y4
	VORPS   Y9, Y5, Y5
	VORPS   Y10, Y6, Y6
	VORPS   Y11, Y7, Y7
	ADDQ    $128, SI
	DECQ    CX
	JNZ     maxloop

maxreduce:
	VORPS   Y5, Y4, Y4
	VORPS   Y7, Y6, Y6
	VORPS   Y6, Y4, Y4
	VPTEST  Y4, Y4
	JNZ     maxnan
	VMAXPS  Y1, Y0, Y0
	VMAXPS  Y3, Y2, Y2
	VMAXPS  Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS  X1, X0, X0
	VPERMILPS $0x4E, X0, X1
	VMAXPS  X1, X0, X0
	VPERMILPS $0xB1, X0, X1
	VMAXPS  X1, X0, X0
	MOVSS   X0, ret+16(FP)
	VZEROUPPER
	RET

maxnan:
	MOVL    $0x7FC00000, AX
	MOVL    AX, ret+16(FP)
	VZEROUPPER
	RET

// func scaleAVX2(n int, alpha float32, x *float32)
// x[i] *= alpha for i < n (n a multiple of 32).
TEXT ·scaleAVX2(SB), NOSPLIT, $0-24
	MOVQ         n+0(FP), CX
	VBROADCASTSS alpha+8(FP), Y15
	MOVQ         x+16(FP), SI
	SHRQ         $5, CX
	JZ           scaledone

scaleloop:
	VMULPS  (SI), Y15, Y0
	VMULPS  32(SI), Y15, Y1
	VMULPS  64(SI), Y15, Y2
	VMULPS  96(SI), Y15, Y3
	VMOVUPS Y0, (SI)
	VMOVUPS Y1, 32(SI)
	VMOVUPS Y2, 64(SI)
	VMOVUPS Y3, 96(SI)
	ADDQ    $128, SI
	DECQ    CX
	JNZ     scaleloop

scaledone:
	VZEROUPPER
	RET

// func negAbsAVX2(n int, x, t *float32)
// t[i] = −|x[i]| (the sign bit set) for i < n, n a multiple of 8.
TEXT ·negAbsAVX2(SB), NOSPLIT, $0-24
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         t+16(FP), DI
	MOVL         $0x80000000, AX
	MOVL         AX, X15
	VBROADCASTSS X15, Y15
	SHRQ         $3, CX
	JZ           nadone

naloop:
	VORPS   (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     naloop

nadone:
	VZEROUPPER
	RET

// func sigmoidFinishAVX2(n int, x, e, dst *float32)
// dst[i] = e[i]/(1+e[i]) where x[i] < 0, else 1/(1+e[i]), for i < n (n a
// multiple of 8): each rounded as the scalar expressions are (1+e, then
// the quotient). dst may be x or e.
TEXT ·sigmoidFinishAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         e+16(FP), DI
	MOVQ         dst+24(FP), DX
	MOVL         $0x3F800000, AX
	MOVL         AX, X15
	VBROADCASTSS X15, Y15 // 1
	VXORPS       Y14, Y14, Y14 // 0
	SHRQ         $3, CX
	JZ           sfdone

sfloop:
	VMOVUPS   (DI), Y0          // e
	VMOVUPS   (SI), Y1          // x
	VADDPS    Y15, Y0, Y2       // 1+e
	VCMPPS    $1, Y14, Y1, Y3   // x < 0 (false for NaN)
	VBLENDVPS Y3, Y0, Y15, Y4   // x < 0 ? e : 1
	VDIVPS    Y2, Y4, Y4
	VMOVUPS   Y4, (DX)
	ADDQ      $32, SI
	ADDQ      $32, DI
	ADDQ      $32, DX
	DECQ      CX
	JNZ       sfloop

sfdone:
	VZEROUPPER
	RET
