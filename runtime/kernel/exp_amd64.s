//go:build amd64 && !noasm

#include "textflag.h"

// Constants of the vector exp, the same algorithm as Exp32: Cody–Waite
// reduction x = n·ln2 + r, degree-7 polynomial for e^r, and the scale 2^n
// applied as two normal-range factors 2^(n>>1)·2^(n−n>>1) so subnormal
// results round once, correctly.
DATA expc<>+0(SB)/4, $0x3fb8aa3b  // log2(e)
DATA expc<>+4(SB)/4, $0x3f317200  // ln2 hi
DATA expc<>+8(SB)/4, $0x35bfbe8e  // ln2 lo
DATA expc<>+12(SB)/4, $0x39500d01 // 1/5040
DATA expc<>+16(SB)/4, $0x3ab60b61 // 1/720
DATA expc<>+20(SB)/4, $0x3c088889 // 1/120
DATA expc<>+24(SB)/4, $0x3d2aaaab // 1/24
DATA expc<>+28(SB)/4, $0x3e2aaaab // 1/6
DATA expc<>+32(SB)/4, $0x3f000000 // 1/2
DATA expc<>+36(SB)/4, $0x3f800000 // 1
DATA expc<>+40(SB)/4, $0x42b17218 // max argument 88.72283
DATA expc<>+44(SB)/4, $0xc2cff1b4 // min argument -103.97208
DATA expc<>+48(SB)/4, $0x0000007f // exponent bias 127
DATA expc<>+52(SB)/4, $0x7f800000 // +Inf
GLOBL expc<>(SB), RODATA|NOPTR, $56

// func expSumAVX2(n int, x, y *float32, shift float32) float32
// y[i] = e^(x[i]−shift) for i < n (n a multiple of 8); returns Σ y[i].
TEXT ·expSumAVX2(SB), NOSPLIT, $0-36
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	VBROADCASTSS shift+24(FP), Y15
	VXORPS       Y14, Y14, Y14 // running sum
	SHRQ         $3, CX
	JZ           expdone

exploop:
	VMOVUPS      (SI), Y0
	VSUBPS       Y15, Y0, Y0                  // x − shift
	VBROADCASTSS expc<>+44(SB), Y1
	VCMPPS       $0x11, Y1, Y0, Y9            // x < min argument (LT_OQ)
	VMAXPS       Y1, Y0, Y1                   // clamp below
	VANDNPS      Y1, Y9, Y1                   // those lanes (zeroed below) computed from 0 instead:
	                                          // their subnormal products would cost microcode assists
	VBROADCASTSS expc<>+40(SB), Y2
	VMINPS       Y2, Y1, Y1                   // clamp above
	VBROADCASTSS expc<>+0(SB), Y2
	VMULPS       Y2, Y1, Y2
	VROUNDPS     $0, Y2, Y2                   // n = round(x·log2e)
	VBROADCASTSS expc<>+4(SB), Y3
	VFNMADD231PS Y3, Y2, Y1                   // r = x − n·ln2hi
	VBROADCASTSS expc<>+8(SB), Y3
	VFNMADD231PS Y3, Y2, Y1                   // r −= n·ln2lo
	VBROADCASTSS expc<>+12(SB), Y4            // p = 1/5040
	VBROADCASTSS expc<>+16(SB), Y5
	VFMADD213PS  Y5, Y1, Y4                   // p = p·r + 1/720
	VBROADCASTSS expc<>+20(SB), Y5
	VFMADD213PS  Y5, Y1, Y4
	VBROADCASTSS expc<>+24(SB), Y5
	VFMADD213PS  Y5, Y1, Y4
	VBROADCASTSS expc<>+28(SB), Y5
	VFMADD213PS  Y5, Y1, Y4
	VBROADCASTSS expc<>+32(SB), Y5
	VFMADD213PS  Y5, Y1, Y4
	VBROADCASTSS expc<>+36(SB), Y5
	VFMADD213PS  Y5, Y1, Y4                   // p = p·r + 1
	VFMADD213PS  Y5, Y1, Y4                   // p = p·r + 1
	VCVTPS2DQ    Y2, Y6                       // n as int32
	VPSRAD       $1, Y6, Y7                   // n1 = n >> 1
	VPSUBD       Y7, Y6, Y6                   // n2 = n − n1
	VPBROADCASTD expc<>+48(SB), Y8
	VPADDD       Y8, Y7, Y7
	VPADDD       Y8, Y6, Y6
	VPSLLD       $23, Y7, Y7                  // 2^n1
	VPSLLD       $23, Y6, Y6                  // 2^n2
	VMULPS       Y7, Y4, Y4
	VMULPS       Y6, Y4, Y4
	VBROADCASTSS expc<>+44(SB), Y2
	VCMPPS       $0x11, Y2, Y0, Y9            // x < min argument (LT_OQ)
	VANDNPS      Y4, Y9, Y4                   // → 0, as Exp32 (exactly 0 for −Inf)
	VBROADCASTSS expc<>+40(SB), Y2
	VCMPPS       $0x1e, Y2, Y0, Y9            // x > max argument
	VBROADCASTSS expc<>+52(SB), Y10
	VBLENDVPS    Y9, Y10, Y4, Y4              // → +Inf
	VCMPPS       $3, Y0, Y0, Y9               // NaN
	VBLENDVPS    Y9, Y0, Y4, Y4               // → NaN
	VMOVUPS      Y4, (DI)
	VADDPS       Y4, Y14, Y14
	ADDQ         $32, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          exploop

expdone:
	VEXTRACTF128 $1, Y14, X1
	VADDPS       X1, X14, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	MOVSS        X0, ret+32(FP)
	VZEROUPPER
	RET
