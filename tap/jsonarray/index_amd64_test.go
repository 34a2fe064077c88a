//go:build !purego

package jsonarray

import "golang.org/x/sys/cpu"

func init() {
	blockMarkers = append(blockMarkers, blockMarker{"markBlocksSSE2", markBlocksSSE2})
	if cpu.X86.HasAVX2 {
		blockMarkers = append(blockMarkers, blockMarker{"markBlocksAVX2", markBlocksAVX2})
	}
}
