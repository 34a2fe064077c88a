//go:build !purego

package jsonarray

// markBlocks is markSpecial for len(src) a multiple of 64, with SSE2
// (which every amd64 processor has): 16 bytes at a time.
//
//go:noescape
func markBlocks(dst []uint64, src []byte)
