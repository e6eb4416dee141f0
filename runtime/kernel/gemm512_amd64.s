//go:build amd64 && !noasm

#include "textflag.h"

// One k step of the 6×32 AVX-512 micro-kernel: 16 columns from each of two
// packed B panels (DI, R9) times six broadcast A values, into Z0..Z11
// (row r uses Z(2r) for the first panel, Z(2r+1) for the second).
#define ZSTEP(ao, bo) \
	VMOVUPS      bo(DI), Z12       \
	VMOVUPS      bo(R9), Z13       \
	VBROADCASTSS ao(SI), Z14       \
	VFMADD231PS  Z12, Z14, Z0      \
	VFMADD231PS  Z13, Z14, Z1      \
	VBROADCASTSS ao+4(SI), Z15     \
	VFMADD231PS  Z12, Z15, Z2      \
	VFMADD231PS  Z13, Z15, Z3      \
	VBROADCASTSS ao+8(SI), Z14     \
	VFMADD231PS  Z12, Z14, Z4      \
	VFMADD231PS  Z13, Z14, Z5      \
	VBROADCASTSS ao+12(SI), Z15    \
	VFMADD231PS  Z12, Z15, Z6      \
	VFMADD231PS  Z13, Z15, Z7      \
	VBROADCASTSS ao+16(SI), Z14    \
	VFMADD231PS  Z12, Z14, Z8      \
	VFMADD231PS  Z13, Z14, Z9      \
	VBROADCASTSS ao+20(SI), Z15    \
	VFMADD231PS  Z12, Z15, Z10     \
	VFMADD231PS  Z13, Z15, Z11

#define ZADDROW(lo, hi) \
	VADDPS  (DX), lo, lo   \
	VADDPS  64(DX), hi, hi \
	VMOVUPS lo, (DX)       \
	VMOVUPS hi, 64(DX)     \
	ADDQ    R8, DX

#define ZSTOREROW(lo, hi) \
	VMOVUPS lo, (DX)   \
	VMOVUPS hi, 64(DX) \
	ADDQ    R8, DX

// func sgemmKernel6x32AVX512(k int, a, b0, b1, c *float32, ldc int, accumulate bool)
// sgemmKernel6x16AVX2 over two adjacent packed B panels at once (b0 the
// columns j..j+15, b1 j+16..j+31), in Z registers: each element summed over
// p in the same order, with the same FMAs, so the same bits as two calls of
// the AVX2 kernel.
TEXT ·sgemmKernel6x32AVX512(SB), NOSPLIT, $0-49
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b0+16(FP), DI
	MOVQ b1+24(FP), R9
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

zloop4:
	CMPQ CX, $4
	JL   ztail
	PREFETCHT0 512(DI)
	PREFETCHT0 512(R9)
	ZSTEP(0, 0)
	ZSTEP(24, 64)
	PREFETCHT0 576(DI)
	PREFETCHT0 576(R9)
	ZSTEP(48, 128)
	ZSTEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	ADDQ $256, R9
	SUBQ $4, CX
	JMP  zloop4

ztail:
	TESTQ CX, CX
	JZ    zstore
	ZSTEP(0, 0)
	ADDQ  $24, SI
	ADDQ  $64, DI
	ADDQ  $64, R9
	DECQ  CX
	JMP   ztail

zstore:
	MOVBLZX accumulate+48(FP), AX
	TESTQ   AX, AX
	JZ      zoverwrite
	ZADDROW(Z0, Z1)
	ZADDROW(Z2, Z3)
	ZADDROW(Z4, Z5)
	ZADDROW(Z6, Z7)
	ZADDROW(Z8, Z9)
	ZADDROW(Z10, Z11)
	VZEROUPPER
	RET

zoverwrite:
	ZSTOREROW(Z0, Z1)
	ZSTOREROW(Z2, Z3)
	ZSTOREROW(Z4, Z5)
	ZSTOREROW(Z6, Z7)
	ZSTOREROW(Z8, Z9)
	ZSTOREROW(Z10, Z11)
	VZEROUPPER
	RET
