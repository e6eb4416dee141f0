//go:build amd64 && !noasm

#include "textflag.h"

// func f16ToF32F16C(n int, dst *float32, src *uint16)
// dst[i] = float32(src[i]) for i < n, n a multiple of 8 (VCVTPH2PS is exact).
TEXT ·f16ToF32F16C(SB), NOSPLIT, $0-24
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	SHRQ $3, CX
	JZ   h2fdone

h2floop:
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       h2floop

h2fdone:
	VZEROUPPER
	RET

// func f32ToF16F16C(n int, dst *uint16, src *float32)
// dst[i] = half(src[i]) rounded to nearest even (immediate 0), n a multiple of 8.
TEXT ·f32ToF16F16C(SB), NOSPLIT, $0-24
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	SHRQ $3, CX
	JZ   f2hdone

f2hloop:
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, (DI)
	ADDQ      $32, SI
	ADDQ      $16, DI
	DECQ      CX
	JNZ       f2hloop

f2hdone:
	VZEROUPPER
	RET
