//go:build amd64 && !noasm

#include "textflag.h"

// One row of the eight: two B vectors (16 columns) at base, times the six
// broadcast A values of that row (a[r*6+i] at ao..ao+20), into Y0..Y11.
#define FROW(base, ao) \
	VMOVUPS      (base), Y12        \
	VMOVUPS      32(base), Y13      \
	VBROADCASTSS ao(AX), Y14        \
	VFMADD231PS  Y12, Y14, Y0       \
	VFMADD231PS  Y13, Y14, Y1       \
	VBROADCASTSS ao+4(AX), Y15      \
	VFMADD231PS  Y12, Y15, Y2       \
	VFMADD231PS  Y13, Y15, Y3       \
	VBROADCASTSS ao+8(AX), Y14      \
	VFMADD231PS  Y12, Y14, Y4       \
	VFMADD231PS  Y13, Y14, Y5       \
	VBROADCASTSS ao+12(AX), Y15     \
	VFMADD231PS  Y12, Y15, Y6       \
	VFMADD231PS  Y13, Y15, Y7       \
	VBROADCASTSS ao+16(AX), Y14     \
	VFMADD231PS  Y12, Y14, Y8       \
	VFMADD231PS  Y13, Y14, Y9       \
	VBROADCASTSS ao+20(AX), Y15     \
	VFMADD231PS  Y12, Y15, Y10      \
	VFMADD231PS  Y13, Y15, Y11

// func fewRowsKernel6x8AVX2(n int, a *float32, b *float32, ldb int, c *float32, ldc int)
// c[i*ldc+j] += Σ_{r<8} a[r*6+i]·b[r*ldb+j] for i < 6, j < n (n%16 == 0):
// eight rows of B read once, 16 columns at a time, each applied to all six
// rows of A (packed [r][6]) while in registers; the 6×16 block of C is
// loaded and stored once per eight rows. Each row also prefetches the line
// 256 bytes ahead: the arithmetic per byte of B is six times a GEMV's, and
// without it the loads run too few misses ahead to keep memory busy.
TEXT ·fewRowsKernel6x8AVX2(SB), NOSPLIT, $0-48
	MOVQ n+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), SI
	MOVQ ldb+24(FP), BX
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, BX
	SHLQ $2, R8
	LEAQ (SI)(BX*1), DI
	LEAQ (DI)(BX*1), R9
	LEAQ (R9)(BX*1), R10
	LEAQ (R10)(BX*1), R11
	LEAQ (R11)(BX*1), R12
	LEAQ (R12)(BX*1), R13
	LEAQ (R13)(BX*1), R15
	LEAQ (DX)(R8*2), R14
	ADDQ R8, R14
	SHRQ $4, CX
	JZ   fdone

floop:
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS (DX)(R8*1), Y2
	VMOVUPS 32(DX)(R8*1), Y3
	VMOVUPS (DX)(R8*2), Y4
	VMOVUPS 32(DX)(R8*2), Y5
	VMOVUPS (R14), Y6
	VMOVUPS 32(R14), Y7
	VMOVUPS (R14)(R8*1), Y8
	VMOVUPS 32(R14)(R8*1), Y9
	VMOVUPS (R14)(R8*2), Y10
	VMOVUPS 32(R14)(R8*2), Y11
	PREFETCHT0 256(SI)
	FROW(SI, 0)
	PREFETCHT0 256(DI)
	FROW(DI, 24)
	PREFETCHT0 256(R9)
	FROW(R9, 48)
	PREFETCHT0 256(R10)
	FROW(R10, 72)
	PREFETCHT0 256(R11)
	FROW(R11, 96)
	PREFETCHT0 256(R12)
	FROW(R12, 120)
	PREFETCHT0 256(R13)
	FROW(R13, 144)
	PREFETCHT0 256(R15)
	FROW(R15, 168)
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (DX)(R8*1)
	VMOVUPS Y3, 32(DX)(R8*1)
	VMOVUPS Y4, (DX)(R8*2)
	VMOVUPS Y5, 32(DX)(R8*2)
	VMOVUPS Y6, (R14)
	VMOVUPS Y7, 32(R14)
	VMOVUPS Y8, (R14)(R8*1)
	VMOVUPS Y9, 32(R14)(R8*1)
	VMOVUPS Y10, (R14)(R8*2)
	VMOVUPS Y11, 32(R14)(R8*2)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $64, R12
	ADDQ $64, R13
	ADDQ $64, R15
	ADDQ $64, DX
	ADDQ $64, R14
	DECQ CX
	JNZ  floop

fdone:
	VZEROUPPER
	RET
