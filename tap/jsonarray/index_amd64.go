//go:build !purego

package jsonarray

import "golang.org/x/sys/cpu"

// markBlocks is markSpecial for len(src) a multiple of 64: 32 bytes at a
// time with AVX2, else 16 with SSE2 (which every amd64 processor has).
func markBlocks(dst []uint64, src []byte) {
	if cpu.X86.HasAVX2 {
		markBlocksAVX2(dst, src)
	} else {
		markBlocksSSE2(dst, src)
	}
}

// markBlocksSSE2 is markBlocks with SSE2.
//
//go:noescape
func markBlocksSSE2(dst []uint64, src []byte)

// markBlocksAVX2 is markBlocks with AVX2.
//
//go:noescape
func markBlocksAVX2(dst []uint64, src []byte)
