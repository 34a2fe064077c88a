package jsonarray

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// The decoder finds the end of a string with a bitmap of its buffer: bit
// i%64 of word i/64 is set when buf[i] is a quote, a backslash or a control
// character, the bytes a string cannot hold as they are. markSpecial makes
// the bitmap of each block of bytes read, in one pass without a branch per
// byte (in assembly where there is some); the scanner then finds the next
// such byte with a shift and a count of trailing zeros, whatever the
// string's length, instead of a loop that ends, unforeseeably, at each
// string's end.

// markSpecial sets dst[i] to the bitmap of src[64*i:64*i+64] for each i:
// bit j of it is set when the byte 64*i+j is a quote, a backslash or a
// control character. dst must hold (len(src)+63)/64 words; the bits of the
// last one past the end of src are cleared.
func markSpecial(dst []uint64, src []byte) {
	n := len(src) &^ 63
	if n > 0 {
		markBlocks(dst[:n/64], src[:n])
	}
	if n < len(src) {
		dst[n/64] = specialTail(src[n:])
	}
}

// markBlocksGeneric is markSpecial for len(src) a multiple of 64, in Go.
func markBlocksGeneric(dst []uint64, src []byte) {
	for i := range dst {
		b := src[64*i : 64*i+64]
		var w uint64
		for j := 0; j < 64; j += 8 {
			w |= gather(specialBytes(binary.LittleEndian.Uint64(b[j:]))) << j
		}
		dst[i] = w
	}
}

// specialTail is the bitmap of the fewer than 64 bytes of b.
func specialTail(b []byte) uint64 {
	var w uint64
	for j, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			w |= 1 << j
		}
	}
	return w
}

// specialBytes has the high bit set in each byte of x (8 bytes) that is a
// quote, a backslash or a control character, and in no other.
func specialBytes(x uint64) uint64 {
	return below(x, 0x20) | below(x^(lsb*'"'), 1) | below(x^(lsb*'\\'), 1)
}

// below has the high bit set in each byte of x that is less than n
// (1 <= n <= 0x80), and in no other: adding 0x80-n to the low 7 bits of a
// byte carries into its high bit just when they are n or more, and never
// into the next byte.
func below(x uint64, n byte) uint64 {
	return ^((x&^msb + lsb*uint64(0x80-n)) | x) & msb
}

// gather packs the high bits of the 8 bytes of m, in which only those may
// be set, into the low 8 bits, byte i's bit as bit i.
func gather(m uint64) uint64 {
	return (m >> 7) * 0x0102040810204080 >> 56
}

// index brings the bitmap up to date with d.buf after a read: the words
// before its last one cover 64 bytes each, which do not change until the
// buffer moves (and the bitmap is emptied); the last one, and the words
// after it, are made from the bytes.
func (d *Decoder) index() {
	from := max(len(d.bits)-1, 0) * 64
	n := (len(d.buf) + 63) / 64
	if cap(d.bits) < n {
		d.bits, from = newBitmap((cap(d.buf)+63)/64), 0
	}
	d.bits = d.bits[:n]
	markSpecial(d.bits[from/64:], d.buf[from:])
}

// bitmaps holds the bitmaps of decoders that are done, for the next ones:
// a sync makes a decoder per window, and a bitmap is an eighth of the
// largest buffer its decoder scanned (512 KiB for tap's 4 MiB).
var bitmaps sync.Pool // of *[]uint64

// newBitmap returns an empty bitmap of at least n words, a kept one if it
// is big enough.
func newBitmap(n int) []uint64 {
	if p, _ := bitmaps.Get().(*[]uint64); p != nil && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]uint64, 0, n)
}

// releaseBitmap gives d's bitmap to the decoders to come; d must scan no
// more.
func (d *Decoder) releaseBitmap() {
	if cap(d.bits) > 0 {
		b := d.bits[:0]
		d.bits = nil
		bitmaps.Put(&b)
	}
}

// nextSpecial returns the position of the first quote, backslash or control
// character at or after p in d.buf, or len(d.buf) if there is none.
func (d *Decoder) nextSpecial(p int) int {
	if i := p >> 6; i < len(d.bits) {
		if w := d.bits[i] >> (p & 63); w != 0 {
			return p + bits.TrailingZeros64(w)
		}
		return d.nextSpecialWord(i + 1)
	}
	return p
}

// nextSpecialWord is nextSpecial from the start of word i of the bitmap.
func (d *Decoder) nextSpecialWord(i int) int {
	for ; i < len(d.bits); i++ {
		if w := d.bits[i]; w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
	}
	return len(d.buf)
}
