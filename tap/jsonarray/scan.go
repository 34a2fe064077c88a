package jsonarray

import (
	"encoding/binary"
)

// The scanner below checks one JSON value against the grammar that
// encoding/json's scanner implements, byte for byte, and reports errors in
// its words and at the same byte. Since the whole value is kept in the buffer
// until it is returned, the scanner can run as plain code over d.buf: when it
// reaches the end of the buffer it calls d.more, which reads more data and
// may move the buffer, so every loop reloads d.buf after it.

// scanValue scans the element that starts with the non-space byte at p and
// returns the position just after it. An element that is a number ends at
// the first byte after it, which is read but not consumed; any other element
// ends at its last byte, so that Next returns without waiting for more input.
//
// The labels are the states of the grammar; buf is reloaded from d.buf after
// every call that may have read more data.
func (d *Decoder) scanValue(p int) (int, error) {
	var (
		buf   = d.buf
		stack = d.stack[:0] // the open containers; true for an object
		c     = buf[p]
		err   error
		m     Member // the top-level member being scanned, offsets from d.mark
	)
value: // c == buf[p] is the first byte of a value.
	switch {
	case c == '"':
		// Most strings lie whole in the buffer and have no escape: they
		// end here, without a call.
		if p = d.nextSpecial(p + 1); p < len(buf) && buf[p] == '"' {
			p++
		} else if p, err = d.scanString(p); err != nil {
			goto fail
		}
	case c == '{' || c == '[':
		if len(stack)+1 >= maxDepth {
			err = d.syntaxErr(c, p, "exceeded max depth")
			goto fail
		}
		stack = append(stack, c == '{')
		p++
		if p < len(buf) && buf[p] > ' ' {
			c = buf[p]
		} else if c, p, err = d.nonSpace(p); err != nil {
			goto fail
		} else {
			buf = d.buf
		}
		if stack[len(stack)-1] {
			if c != '}' {
				goto key
			}
		} else if c != ']' {
			goto value
		}
		stack = stack[:len(stack)-1]
		p++
	case c == '-' || '0' <= c && c <= '9':
		if p, err = d.scanNumber(p); err != nil {
			goto fail
		}
	case c == 'n':
		if p+4 <= len(buf) && binary.LittleEndian.Uint32(buf[p:]) == litNull {
			p += 4
		} else {
			p, err = d.scanLiteral(p, "null")
		}
	case c == 't':
		if p+4 <= len(buf) && binary.LittleEndian.Uint32(buf[p:]) == litTrue {
			p += 4
		} else {
			p, err = d.scanLiteral(p, "true")
		}
	case c == 'f':
		p, err = d.scanLiteral(p, "false")
	default:
		err = d.syntaxErr(c, p, "looking for beginning of value")
	}
	if err != nil {
		goto fail
	}
	buf = d.buf

end: // A value ends just before p.
	if len(stack) == 0 {
		d.stack = stack
		return p, nil
	}
	if len(stack) == 1 && stack[0] {
		m.ValueEnd = int32(p - d.mark)
		d.members = append(d.members, m)
	}
	if p < len(buf) && buf[p] > ' ' {
		c = buf[p]
	} else if c, p, err = d.nonSpace(p); err != nil {
		goto fail
	} else {
		buf = d.buf
	}
	if stack[len(stack)-1] {
		switch c {
		case ',':
			p++
			if p < len(buf) && buf[p] > ' ' {
				c = buf[p]
			} else if c, p, err = d.nonSpace(p); err != nil {
				goto fail
			} else {
				buf = d.buf
			}
			goto key
		case '}':
			stack = stack[:len(stack)-1]
			p++
			goto end
		}
		err = d.syntaxErr(c, p, "after object key:value pair")
		goto fail
	}
	switch c {
	case ',':
		p++
		if p < len(buf) && buf[p] > ' ' {
			c = buf[p]
		} else if c, p, err = d.nonSpace(p); err != nil {
			goto fail
		} else {
			buf = d.buf
		}
		goto value
	case ']':
		stack = stack[:len(stack)-1]
		p++
		goto end
	}
	err = d.syntaxErr(c, p, "after array element")
	goto fail

key: // c == buf[p] is the first byte of an object key.
	if c != '"' {
		err = d.syntaxErr(c, p, "looking for beginning of object key string")
		goto fail
	}
	if len(stack) == 1 {
		m.KeyStart = int32(p - d.mark)
	}
	if p = d.nextSpecial(p + 1); p < len(buf) && buf[p] == '"' {
		p++
	} else if p, err = d.scanString(p); err != nil {
		goto fail
	}
	if len(stack) == 1 {
		m.KeyEnd = int32(p - d.mark)
	}
	buf = d.buf
	if p < len(buf) && buf[p] == ':' {
		p++
	} else {
		if c, p, err = d.nonSpace(p); err != nil {
			goto fail
		}
		buf = d.buf
		if c != ':' {
			err = d.syntaxErr(c, p, "after object key")
			goto fail
		}
		p++
	}
	if p < len(buf) && buf[p] > ' ' {
		c = buf[p]
	} else if c, p, err = d.nonSpace(p); err != nil {
		goto fail
	} else {
		buf = d.buf
	}
	if len(stack) == 1 {
		m.ValueStart = int32(p - d.mark)
	}
	goto value

fail:
	d.stack = stack
	return p, err
}

// nonSpace returns the first byte at or after p that is not whitespace, and
// its position, reading more data if needed. scanValue calls it wherever
// white space may lie between two tokens, on the slow path, so it notes
// that the element may not be compact (see Compact).
func (d *Decoder) nonSpace(p int) (byte, int, error) {
	d.spaced = true
	c, p, err := d.skipSpace(p, false)
	if err != nil {
		return 0, p, d.eofErr(err)
	}
	return c, p, nil
}

// peek returns the byte at p, reading more data if needed.
func (d *Decoder) peek(p int) (byte, int, error) {
	if p == len(d.buf) {
		var err error
		if p, err = d.more(p, false); err != nil {
			return 0, p, d.eofErr(err)
		}
	}
	return d.buf[p], p, nil
}

// scanString scans a string from just after its opening quote at p-1 and
// returns the position just after its closing quote.
func (d *Decoder) scanString(p int) (int, error) {
	var err error
	for {
		buf := d.buf
		if p = d.nextSpecial(p); p == len(buf) {
			if p, err = d.more(p, false); err != nil {
				return p, d.eofErr(err)
			}
			continue
		}
		// buf[p] is a quote, a backslash or a control character.
		switch c := buf[p]; c {
		case '"':
			return p + 1, nil
		case '\\':
			var e byte
			if p+1 < len(buf) {
				e = buf[p+1]
				p++
			} else if e, p, err = d.peek(p + 1); err != nil {
				return p, err
			}
			switch e {
			case 'b', 'f', 'n', 'r', 't', '\\', '/', '"':
				p++
			case 'u':
				p++
				for range 4 {
					var h byte
					if h, p, err = d.peek(p); err != nil {
						return p, err
					}
					if !isHex(h) {
						return p, d.syntaxErr(h, p, `in \u hexadecimal character escape`)
					}
					p++
				}
			default:
				return p, d.syntaxErr(e, p, "in string escape code")
			}
		default: // a control character
			return p, d.syntaxErr(c, p, "in string literal")
		}
	}
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080

	// null and true as little-endian words
	litNull = 'n' | 'u'<<8 | 'l'<<16 | 'l'<<24
	litTrue = 't' | 'r'<<8 | 'u'<<16 | 'e'<<24
)

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber scans a number starting at p and returns the position of the
// first byte after it, which it has read.
func (d *Decoder) scanNumber(p int) (int, error) {
	// Fast path: an integer followed by a byte that ends it, all in the
	// buffer.
	if buf, q := d.buf, p; q+1 < len(buf) {
		if buf[q] == '-' {
			q++
		}
		switch {
		case buf[q] == '0':
			q++
		case '1' <= buf[q] && buf[q] <= '9':
			for q++; q < len(buf) && isDigit(buf[q]); q++ {
			}
		default:
			q = len(buf) // not a digit: take the slow path
		}
		if q < len(buf) && buf[q] != '.' && buf[q] != 'e' && buf[q] != 'E' {
			return q, nil
		}
	}
	c, p, err := d.peek(p)
	if err != nil {
		return p, err
	}
	if c == '-' {
		if c, p, err = d.peek(p + 1); err != nil {
			return p, err
		}
		if !isDigit(c) {
			return p, d.syntaxErr(c, p, "in numeric literal")
		}
	}
	if c == '0' {
		p++
	} else if p, err = d.scanDigits(p); err != nil {
		return p, err
	}
	if c, p, err = d.peek(p); err != nil {
		return p, err
	}
	if c == '.' {
		if c, p, err = d.peek(p + 1); err != nil {
			return p, err
		}
		if !isDigit(c) {
			return p, d.syntaxErr(c, p, "after decimal point in numeric literal")
		}
		if p, err = d.scanDigits(p); err != nil {
			return p, err
		}
		if c, p, err = d.peek(p); err != nil {
			return p, err
		}
	}
	if c == 'e' || c == 'E' {
		if c, p, err = d.peek(p + 1); err != nil {
			return p, err
		}
		if c == '+' || c == '-' {
			if c, p, err = d.peek(p + 1); err != nil {
				return p, err
			}
		}
		if !isDigit(c) {
			return p, d.syntaxErr(c, p, "in exponent of numeric literal")
		}
		if p, err = d.scanDigits(p); err != nil {
			return p, err
		}
		// Read the byte after the number, as the other branches do.
		if _, p, err = d.peek(p); err != nil {
			return p, err
		}
	}
	return p, nil
}

// scanDigits skips the digits at p and returns the position of the first
// byte that is not one, which it has read.
func (d *Decoder) scanDigits(p int) (int, error) {
	var err error
	for {
		buf := d.buf
		for p < len(buf) && isDigit(buf[p]) {
			p++
		}
		if p < len(buf) {
			return p, nil
		}
		if p, err = d.more(p, false); err != nil {
			return p, d.eofErr(err)
		}
	}
}

// scanLiteral scans the literal lit (true, false or null), whose first byte
// is at p, and returns the position just after it.
func (d *Decoder) scanLiteral(p int, lit string) (int, error) {
	if p+len(lit) <= len(d.buf) && string(d.buf[p:p+len(lit)]) == lit {
		return p + len(lit), nil
	}
	for i := 1; i < len(lit); i++ {
		c, q, err := d.peek(p + i)
		if err != nil {
			return q, err
		}
		p = q - i
		if c != lit[i] {
			return q, d.syntaxErr(c, q, "in literal "+lit+" (expecting "+quoteChar(lit[i])+")")
		}
	}
	return p + len(lit), nil
}
