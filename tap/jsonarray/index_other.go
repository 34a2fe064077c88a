//go:build !amd64 || purego

package jsonarray

// markBlocks is markSpecial for len(src) a multiple of 64.
func markBlocks(dst []uint64, src []byte) { markBlocksGeneric(dst, src) }
