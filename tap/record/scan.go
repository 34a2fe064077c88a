package record

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// scanner walks JSON text. The decoder upstream has already checked the
// grammar, so the scanner only has to find where values end; it still
// never reads out of bounds on bad input.
type scanner struct {
	b []byte
	i int
}

var errInvalid = errors.New("is not valid JSON")

func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peekKind returns the kind of the value at the cursor, kInteger for any
// number, or 0 if no value starts there.
func (s *scanner) peekKind() kind {
	if s.i >= len(s.b) {
		return 0
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return kObject
	case c == '[':
		return kArray
	case c == '"':
		return kString
	case c == 't' || c == 'f':
		return kBool
	case c == 'n':
		return kNull
	case c == '-' || (c >= '0' && c <= '9'):
		return kInteger
	}
	return 0
}

// numberKind tells an integer from a number with a fraction or exponent.
func (s *scanner) numberKind() kind {
	for j := s.i; j < len(s.b); j++ {
		switch s.b[j] {
		case '.', 'e', 'E':
			return kNumber
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return kInteger
		}
	}
	return kInteger
}

// skipString moves past the string at the cursor. It jumps from quote to
// quote (bytes.IndexByte is vectorised) and counts the backslashes before
// each to tell an escaped quote from the closing one.
func (s *scanner) skipString() error {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return errInvalid
	}
	for j := s.i + 1; j < len(s.b); {
		q := bytes.IndexByte(s.b[j:], '"')
		if q < 0 {
			return errInvalid
		}
		j += q
		n := 0
		for k := j - 1; k > s.i && s.b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			s.i = j + 1
			return nil
		}
		j++
	}
	return errInvalid
}

// skipValue moves past the value at the cursor.
func (s *scanner) skipValue() error {
	if s.i >= len(s.b) {
		return errInvalid
	}
	switch s.b[s.i] {
	case '"':
		return s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if err := s.skipString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errInvalid
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if s.i == start {
				return errInvalid
			}
			return nil
		}
		s.i++
	}
	if s.i == start {
		return errInvalid
	}
	return nil
}

// appendCompact appends the JSON value v to dst without the white space
// between its tokens, so that every record stays on one line. It jumps
// from string to string (bytes.IndexByte is vectorised) and copies each
// string whole; only the bytes between strings are looked at one by one.
func appendCompact(dst, v []byte) []byte {
	if !hasSpace(v) {
		return append(dst, v...)
	}
	for len(v) > 0 {
		q := bytes.IndexByte(v, '"')
		if q < 0 {
			return appendNoSpace(dst, v)
		}
		dst = appendNoSpace(dst, v[:q])
		end := stringEnd(v, q)
		dst = append(dst, v[q:end]...)
		v = v[end:]
	}
	return dst
}

// appendNoSpace appends b, which is outside any string, without its white
// space.
func appendNoSpace(dst, b []byte) []byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// stringEnd returns the index just after the string whose opening quote is
// v[q], or len(v) if it does not end. A quote ends the string unless an
// odd number of backslashes comes before it.
func stringEnd(v []byte, q int) int {
	for j := q + 1; j < len(v); j++ {
		k := bytes.IndexByte(v[j:], '"')
		if k < 0 {
			break
		}
		j += k
		n := 0
		for i := j - 1; i > q && v[i] == '\\'; i-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
	}
	return len(v)
}

// hasSpace reports whether v holds any white-space byte, eight bytes at a
// time; inside strings JSON allows only ' ', so a false answer means v is
// already compact. It may also answer true for other bytes below 0x21,
// which are not valid JSON anyway.
func hasSpace(v []byte) bool {
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		if (x-lsb*0x21)&^x&msb != 0 {
			return true
		}
		v = v[8:]
	}
	for _, c := range v {
		if c <= ' ' {
			return true
		}
	}
	return false
}

const lsb = 0x0101010101010101

// hasByte reports whether b holds c.
func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
