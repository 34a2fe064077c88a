//go:build !purego

#include "textflag.h"

// SPECIAL16 sets the low 16 bits of reg to the mask of the bytes at
// off(SI) that are '"', '\\' or at most 0x1f, with the constants in X8,
// X9 and X10; it uses X0 to X3.
#define SPECIAL16(off, reg) \
	MOVOU    off(SI), X0    ; \
	MOVOU    X0, X1         ; \
	PCMPEQB  X8, X1         ; \
	MOVOU    X0, X2         ; \
	PCMPEQB  X9, X2         ; \
	MOVOU    X0, X3         ; \
	PMINUB   X10, X3        ; \
	PCMPEQB  X0, X3         ; \
	POR      X2, X1         ; \
	POR      X3, X1         ; \
	PMOVMSKB X1, reg

// func markBlocksSSE2(dst []uint64, src []byte)
//
// For each 64 bytes of src, one word of dst: the bytes equal to '"' (0x22)
// or '\\' (0x5c), or at most 0x1f (min(b, 0x1f) == b), as PMOVMSKB masks of
// the four 16-byte quarters.
TEXT ·markBlocksSSE2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $6, CX
	JZ   done

	MOVQ       $0x2222222222222222, AX
	MOVQ       AX, X8
	PUNPCKLQDQ X8, X8
	MOVQ       $0x5c5c5c5c5c5c5c5c, AX
	MOVQ       AX, X9
	PUNPCKLQDQ X9, X9
	MOVQ       $0x1f1f1f1f1f1f1f1f, AX
	MOVQ       AX, X10
	PUNPCKLQDQ X10, X10

loop:
	SPECIAL16(0, AX)
	SPECIAL16(16, BX)
	SPECIAL16(32, DX)
	SPECIAL16(48, R8)

	SHLQ $16, BX
	ORQ  BX, AX
	SHLQ $32, DX
	ORQ  DX, AX
	SHLQ $48, R8
	ORQ  R8, AX
	MOVQ AX, 0(DI)

	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ  loop

done:
	RET

// func markBlocksAVX2(dst []uint64, src []byte)
//
// markBlocksSSE2 32 bytes at a time.
TEXT ·markBlocksAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $6, CX
	JZ   avxdone

	MOVQ         $0x22, AX
	MOVQ         AX, X8
	VPBROADCASTB X8, Y8
	MOVQ         $0x5c, AX
	MOVQ         AX, X9
	VPBROADCASTB X9, Y9
	MOVQ         $0x1f, AX
	MOVQ         AX, X10
	VPBROADCASTB X10, Y10

avxloop:
	VMOVDQU   0(SI), Y0
	VPCMPEQB  Y8, Y0, Y1
	VPCMPEQB  Y9, Y0, Y2
	VPMINUB   Y10, Y0, Y3
	VPCMPEQB  Y0, Y3, Y3
	VPOR      Y2, Y1, Y1
	VPOR      Y3, Y1, Y1
	VPMOVMSKB Y1, AX

	VMOVDQU   32(SI), Y4
	VPCMPEQB  Y8, Y4, Y5
	VPCMPEQB  Y9, Y4, Y6
	VPMINUB   Y10, Y4, Y7
	VPCMPEQB  Y4, Y7, Y7
	VPOR      Y6, Y5, Y5
	VPOR      Y7, Y5, Y5
	VPMOVMSKB Y5, BX

	SHLQ $32, BX
	ORQ  BX, AX
	MOVQ AX, 0(DI)

	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ  avxloop
	VZEROUPPER

avxdone:
	RET
