package record

import (
	"bytes"
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
// between its tokens, so that every record stays on one line.
func appendCompact(dst, v []byte) []byte {
	if !hasSpace(v) {
		return append(dst, v...)
	}
	inString := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				if i+1 < len(v) {
					i++
					dst = append(dst, v[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		dst = append(dst, c)
	}
	return dst
}

// hasSpace reports whether v holds any white-space byte; inside strings
// JSON allows only ' ', so a false answer means v is already compact.
func hasSpace(v []byte) bool {
	for _, c := range v {
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			return true
		}
	}
	return false
}
