package record

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"

	simdutf8 "github.com/segmentio/asm/utf8"
	"golang.org/x/sys/cpu"
)

const msb = 0x8080808080808080

// validUTF8 is utf8.Valid for records. With AVX2, a record of 64 bytes or
// more is checked 32 bytes at a time, whatever they hold (segmentio/asm's
// vector form of the lookup algorithm of Keiser and Lemire): half the time
// of validUTF8Go on the mock's messages, which hold a letter beyond ASCII
// every 14 bytes.
func validUTF8(b []byte) bool {
	if len(b) >= 64 && cpu.X86.HasAVX2 {
		return simdutf8.Valid(b)
	}
	return validUTF8Go(b)
}

// validUTF8Go is utf8.Valid made for records, which are mostly ASCII with a
// few other letters here and there: it skips ASCII 32 or 8 bytes at a
// time and goes back to that after every multi-byte rune (utf8.Valid goes
// on byte by byte after the first one), and it checks multi-byte runes
// inline with utf8's own tables rather than by a call per rune.
func validUTF8Go(b []byte) bool {
	for {
		for len(b) >= 32 && (binary.LittleEndian.Uint64(b[0:8])|binary.LittleEndian.Uint64(b[8:16])|
			binary.LittleEndian.Uint64(b[16:24])|binary.LittleEndian.Uint64(b[24:32]))&msb == 0 {
			b = b[32:]
		}
		for len(b) >= 8 {
			if m := binary.LittleEndian.Uint64(b[0:8]) & msb; m != 0 {
				b = b[bits.TrailingZeros64(m)>>3:]
				break
			}
			b = b[8:]
		}
		if len(b) < 8 {
			for len(b) > 0 && b[0] < utf8.RuneSelf {
				b = b[1:]
			}
			if len(b) == 0 {
				return true
			}
		}
		// b[0] >= 0x80: runes of 2 to 4 bytes, read four bytes at a time;
		// the tests follow utf8's table of valid sequences.
	runes:
		for len(b) >= 4 {
			w := binary.LittleEndian.Uint32(b)
			switch c := byte(w); {
			case c < utf8.RuneSelf:
				break runes
			case c < 0xE0: // C2..DF 80..BF
				if c < 0xC2 || w&0xC000 != 0x8000 {
					return false
				}
				b = b[2:]
			case c < 0xF0: // E0 A0..BF, ED 80..9F, else 80..BF; then 80..BF
				if w&0xC0C000 != 0x808000 || c == 0xE0 && byte(w>>8) < 0xA0 || c == 0xED && byte(w>>8) > 0x9F {
					return false
				}
				b = b[3:]
			default: // F0 90..BF, F4 80..8F, F1..F3 80..BF; then 80..BF twice
				if c > 0xF4 || w&0xC0C0C000 != 0x80808000 || c == 0xF0 && byte(w>>8) < 0x90 || c == 0xF4 && byte(w>>8) > 0x8F {
					return false
				}
				b = b[4:]
			}
		}
		if len(b) < 4 {
			return utf8.Valid(b)
		}
	}
}

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

// repair replaces the invalid UTF-8 in dst[start:], the output of one
// record. Outside strings the output holds only ASCII (the input being
// JSON), so the bytes can be replaced without regard to where they are.
func (p *Projector) repair(dst []byte, start int) []byte {
	if p.onInvalid != nil && !p.invalid {
		p.invalid = true
		s := scanner{b: dst[start:]}
		path, _ := invalidPath(&s, "")
		p.onInvalid(path)
	}
	for i, c := range p.captured { // they alias the bytes rewritten below
		if c != nil {
			p.captured[i] = appendValidUTF8(nil, c)
		}
	}
	fixed := appendValidUTF8(make([]byte, 0, len(dst)-start+64), dst[start:])
	return append(dst[:start], fixed...)
}

// invalidPath returns the path of the first key or string in the JSON
// value at the cursor that is not valid UTF-8; stop is true when it found
// one or the JSON ended early.
func invalidPath(s *scanner, path string) (found string, stop bool) {
	s.skipSpace()
	if s.i >= len(s.b) {
		return "", true
	}
	switch s.b[s.i] {
	case '{', '[':
		obj := s.b[s.i] == '{'
		s.i++
		for {
			s.skipSpace()
			if s.i >= len(s.b) {
				return "", true
			}
			switch s.b[s.i] {
			case '}', ']':
				s.i++
				return "", false
			case ',':
				s.i++
				continue
			}
			child := path + "[]"
			if obj {
				start := s.i
				if s.skipString() != nil {
					return "", true
				}
				key := s.b[start:s.i]
				child = join(path, keyName(key))
				if !validUTF8(key) {
					return child, true
				}
				s.skipSpace()
				if s.i >= len(s.b) || s.b[s.i] != ':' {
					return "", true
				}
				s.i++
			}
			if found, stop := invalidPath(s, child); stop {
				return found, true
			}
		}
	}
	start := s.i
	if s.skipValue() != nil {
		return "", true
	}
	if !validUTF8(s.b[start:s.i]) {
		return path, true
	}
	return "", false
}
