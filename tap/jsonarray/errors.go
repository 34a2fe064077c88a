package jsonarray

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

var (
	// ErrNotArray is matched by the error returned when the body is not a
	// JSON array.
	ErrNotArray = errors.New("jsonarray: expected a JSON array")
	// ErrEmpty is returned when the body is empty or holds only whitespace.
	ErrEmpty = errors.New("jsonarray: empty body, expected a JSON array")
	// ErrTrailingData is matched by the error returned when something other
	// than whitespace follows the closing ']' of the array. That error is
	// also a *SyntaxError.
	ErrTrailingData = errors.New("jsonarray: data after the closing ']'")
)

// SyntaxError reports invalid JSON inside the array, or data after it.
type SyntaxError struct {
	// Msg describes the error in the words of encoding/json, e.g.
	// "invalid character ']' looking for beginning of value".
	Msg string
	// Element is the zero-based index of the element being read when the
	// error was found: the number of elements returned before it.
	Element int
	// Offset is the zero-based byte offset, in the stream, of the offending
	// byte.
	Offset int64

	trailing bool
}

func (e *SyntaxError) Error() string {
	if e.trailing {
		return fmt.Sprintf("jsonarray: data after the closing ']' at byte offset %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("jsonarray: invalid JSON in element %d at byte offset %d: %s", e.Element, e.Offset, e.Msg)
}

// Is reports whether target is ErrTrailingData and e is about data after the
// array.
func (e *SyntaxError) Is(target error) bool {
	return e.trailing && target == ErrTrailingData
}

// TruncatedError reports that the stream ended before the closing ']' of
// the array. It matches io.ErrUnexpectedEOF with errors.Is.
type TruncatedError struct {
	// Elements is the number of complete elements read before the end.
	Elements int
	// Offset is the length of the stream, in bytes.
	Offset int64
}

func (e *TruncatedError) Error() string {
	s := "s"
	if e.Elements == 1 {
		s = ""
	}
	return fmt.Sprintf("jsonarray: body ended before the closing ']' after %d element%s (%d bytes read)", e.Elements, s, e.Offset)
}

// Unwrap returns io.ErrUnexpectedEOF.
func (e *TruncatedError) Unwrap() error { return io.ErrUnexpectedEOF }

// eofErr turns the error of a read inside the array into the error to
// return.
func (d *Decoder) eofErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		d.pos = len(d.buf)
		return &TruncatedError{Elements: d.count, Offset: d.base + int64(len(d.buf))}
	}
	return d.readErr(err, fmt.Sprintf("element %d", d.count))
}

func (d *Decoder) readErr(err error, where string) error {
	return fmt.Errorf("jsonarray: reading %s at byte offset %d: %w", where, d.base+int64(len(d.buf)), err)
}

func (d *Decoder) syntaxErr(c byte, p int, context string) *SyntaxError {
	d.pos = p
	return &SyntaxError{
		Msg:     "invalid character " + quoteChar(c) + " " + context,
		Element: d.count,
		Offset:  d.base + int64(p),
	}
}

// quoteChar formats c as encoding/json does in its syntax errors.
func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// notArray returns the error for a body whose first non-space byte, at p, is
// not '['.
func (d *Decoder) notArray(p int) error {
	d.pos = p
	d.mark = p
	// Read a little more so that the error can tell what the body holds.
	for len(d.buf)-d.pos <= snippetLen && d.fill() == nil {
	}
	b := d.buf[d.pos:] // fill may have moved the buffer, also when it failed
	var found string
	switch c := b[0]; {
	case c == '{':
		found = "an object"
	case c == '"':
		found = "a string"
	case c == '-' || '0' <= c && c <= '9':
		found = "a number"
	case hasWord(b, "true") || hasWord(b, "false"):
		found = "a boolean"
	case hasWord(b, "null"):
		found = "null"
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		found = "a UTF-8 byte order mark"
	case c == '<':
		found = "HTML or XML: " + snippet(b)
	default:
		found = "text that is not JSON: " + snippet(b)
	}
	return fmt.Errorf("%w, found %s", ErrNotArray, found)
}

// hasWord reports whether b starts with the literal w, not followed by a
// letter or digit.
func hasWord(b []byte, w string) bool {
	if len(b) < len(w) || string(b[:len(w)]) != w {
		return false
	}
	if len(b) == len(w) {
		return true
	}
	c := b[len(w)]
	return !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_')
}

// snippet quotes the start of b, on one line.
func snippet(b []byte) string {
	if len(b) <= snippetLen {
		return strconv.Quote(string(b))
	}
	n := snippetLen
	for n > snippetLen-utf8.UTFMax && !utf8.RuneStart(b[n]) {
		n--
	}
	return strconv.Quote(string(b[:n])) + "..."
}
