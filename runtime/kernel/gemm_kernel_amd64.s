//go:build amd64 && !noasm

#include "textflag.h"

// One k step of the 6×16 micro-kernel: two B vectors (16 columns) times six
// broadcast A values, accumulated into Y0..Y11 (row r uses Y(2r), Y(2r+1)).
#define STEP(ao0, ao1, ao2, ao3, ao4, ao5, bo0, bo1) \
	VMOVUPS      bo0(DI), Y12     \
	VMOVUPS      bo1(DI), Y13     \
	VBROADCASTSS ao0(SI), Y14     \
	VFMADD231PS  Y12, Y14, Y0     \
	VFMADD231PS  Y13, Y14, Y1     \
	VBROADCASTSS ao1(SI), Y15     \
	VFMADD231PS  Y12, Y15, Y2     \
	VFMADD231PS  Y13, Y15, Y3     \
	VBROADCASTSS ao2(SI), Y14     \
	VFMADD231PS  Y12, Y14, Y4     \
	VFMADD231PS  Y13, Y14, Y5     \
	VBROADCASTSS ao3(SI), Y15     \
	VFMADD231PS  Y12, Y15, Y6     \
	VFMADD231PS  Y13, Y15, Y7     \
	VBROADCASTSS ao4(SI), Y14     \
	VFMADD231PS  Y12, Y14, Y8     \
	VFMADD231PS  Y13, Y14, Y9     \
	VBROADCASTSS ao5(SI), Y15     \
	VFMADD231PS  Y12, Y15, Y10    \
	VFMADD231PS  Y13, Y15, Y11

#define ADDROW(lo, hi) \
	VADDPS  (DX), lo, lo   \
	VADDPS  32(DX), hi, hi \
	VMOVUPS lo, (DX)       \
	VMOVUPS hi, 32(DX)     \
	ADDQ    R8, DX

#define STOREROW(lo, hi) \
	VMOVUPS lo, (DX)   \
	VMOVUPS hi, 32(DX) \
	ADDQ    R8, DX

// func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, accumulate bool)
TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-41
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
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

loop4:
	CMPQ CX, $4
	JL   tail
	PREFETCHT0 512(DI)
	STEP(0, 4, 8, 12, 16, 20, 0, 32)
	STEP(24, 28, 32, 36, 40, 44, 64, 96)
	PREFETCHT0 576(DI)
	STEP(48, 52, 56, 60, 64, 68, 128, 160)
	STEP(72, 76, 80, 84, 88, 92, 192, 224)
	ADDQ $96, SI
	ADDQ $256, DI
	SUBQ $4, CX
	JMP  loop4

tail:
	TESTQ CX, CX
	JZ    store
	STEP(0, 4, 8, 12, 16, 20, 0, 32)
	ADDQ  $24, SI
	ADDQ  $64, DI
	DECQ  CX
	JMP   tail

store:
	MOVBLZX accumulate+40(FP), AX
	TESTQ   AX, AX
	JZ      overwrite
	ADDROW(Y0, Y1)
	ADDROW(Y2, Y3)
	ADDROW(Y4, Y5)
	ADDROW(Y6, Y7)
	ADDROW(Y8, Y9)
	ADDROW(Y10, Y11)
	VZEROUPPER
	RET

overwrite:
	STOREROW(Y0, Y1)
	STOREROW(Y2, Y3)
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	VZEROUPPER
	RET

// func sgemmKernel6x16StridedAVX2(k int, a, b *float32, ldb int, c *float32, ldc int, accumulate bool)
// As sgemmKernel6x16AVX2, but B is read in place: 16 columns of rows ldb apart.
TEXT ·sgemmKernel6x16StridedAVX2(SB), NOSPLIT, $0-49
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R9
	SHLQ $2, R9
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
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

sloop2:
	CMPQ CX, $2
	JL   stail
	STEP(0, 4, 8, 12, 16, 20, 0, 32)
	ADDQ R9, DI
	STEP(24, 28, 32, 36, 40, 44, 0, 32)
	ADDQ R9, DI
	ADDQ $48, SI
	SUBQ $2, CX
	JMP  sloop2

stail:
	TESTQ CX, CX
	JZ    sstore
	STEP(0, 4, 8, 12, 16, 20, 0, 32)

sstore:
	MOVBLZX accumulate+48(FP), AX
	TESTQ   AX, AX
	JZ      soverwrite
	ADDROW(Y0, Y1)
	ADDROW(Y2, Y3)
	ADDROW(Y4, Y5)
	ADDROW(Y6, Y7)
	ADDROW(Y8, Y9)
	ADDROW(Y10, Y11)
	VZEROUPPER
	RET

soverwrite:
	STOREROW(Y0, Y1)
	STOREROW(Y2, Y3)
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	VZEROUPPER
	RET
