package record

import (
	"encoding/binary"
	"unicode/utf8"
)

const msb = 0x8080808080808080

// validUTF8 is utf8.Valid made for records: it skips ASCII 32 and then 8
// bytes at a time, and after a multi-byte rune it goes back to that where
// utf8.Valid goes on byte by byte, so that text which is mostly ASCII with
// a few other letters stays on the fast path; multi-byte runes are checked
// inline with utf8's own tables rather than by a call per rune.
func validUTF8(b []byte) bool {
	for {
		for len(b) >= 32 {
			if (binary.LittleEndian.Uint64(b[0:8])|binary.LittleEndian.Uint64(b[8:16])|
				binary.LittleEndian.Uint64(b[16:24])|binary.LittleEndian.Uint64(b[24:32]))&msb != 0 {
				break
			}
			b = b[32:]
		}
		for len(b) >= 8 && binary.LittleEndian.Uint64(b[0:8])&msb == 0 {
			b = b[8:]
		}
		for len(b) > 0 && b[0] < utf8.RuneSelf {
			b = b[1:]
		}
		if len(b) == 0 {
			return true
		}
		// Runes of 2 to 4 bytes, four bytes at a time while they last.
		for len(b) >= 4 && b[0] >= utf8.RuneSelf {
			x := first[b[0]]
			n := x & 7
			w := binary.LittleEndian.Uint32(b)
			r := acceptRanges[x>>4]
			if n == 0 || byte(w>>8)-r.lo > r.span || w&contMask[n] != contWant[n] {
				return false
			}
			b = b[n:]
		}
		if len(b) < 4 {
			return utf8.Valid(b)
		}
	}
}

// contMask and contWant check that the third and fourth bytes of a rune of
// n bytes, where it has them, are continuation bytes (10xxxxxx).
var (
	contMask = [8]uint32{3: 0xC00000, 4: 0xC0C00000}
	contWant = [8]uint32{3: 0x800000, 4: 0x80800000}
)

// first describes a byte >= 0x80 that may start a multi-byte rune: its
// size in the low 3 bits (0: it starts none) and the index in acceptRanges
// of the allowed second bytes in the high 4, as in package utf8.
var first = func() (t [256]uint8) {
	for c := 0xC2; c <= 0xDF; c++ {
		t[c] = 2
	}
	for c := 0xE1; c <= 0xEF; c++ {
		t[c] = 3
	}
	t[0xE0] = 1<<4 | 3
	t[0xED] = 2<<4 | 3 // no surrogates
	t[0xF0] = 3<<4 | 4 // no overlong
	for c := 0xF1; c <= 0xF3; c++ {
		t[c] = 4
	}
	t[0xF4] = 4<<4 | 4 // nothing above U+10FFFF
	return t
}()

// acceptRanges holds the allowed second bytes, lo to lo+span (16 entries,
// so that indexing needs no bounds check).
var acceptRanges = [16]struct{ lo, span uint8 }{{0x80, 0x3F}, {0xA0, 0x1F}, {0x80, 0x1F}, {0x90, 0x2F}, {0x80, 0x0F}}

// replacement is U+FFFD in UTF-8.
const replacement = "\uFFFD"

// appendValidUTF8 appends b to dst with every byte that does not start a
// valid UTF-8 sequence replaced by U+FFFD: the bytes for which
// utf8.DecodeRune returns RuneError with width 1, as encoding/json does
// when it decodes a string. An overlong encoding or a UTF-8 encoded
// surrogate (ED A0 80) thus becomes one U+FFFD per byte, a sequence cut
// short one U+FFFD per byte present.
func appendValidUTF8(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			j := i + 1
			for j < len(b) && b[j] < utf8.RuneSelf {
				j++
			}
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, replacement...)
		} else {
			dst = append(dst, b[i:i+size]...)
		}
		i += size
	}
	return dst
}
