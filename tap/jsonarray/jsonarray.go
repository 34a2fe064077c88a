// Package jsonarray decodes one JSON array from a stream, one element at a
// time, without holding the whole array in memory.
//
// It is made for bodies such as the ones of Dixa's Exports API: a single bare
// JSON array, possibly hundreds of megabytes long, that may be cut off
// mid-transfer. A [Decoder] reads the array from an [io.Reader] (typically an
// HTTP response body) and hands out the raw bytes of one element at a time,
// so memory use is bounded by the largest element, not by the body.
//
// The elements are returned as raw JSON, byte for byte as they appear in the
// input: numbers are never converted to float64, so big integers such as
// 9007199254740993 stay exact, and strings are not unescaped.
//
// The input is checked against the JSON grammar exactly as encoding/json
// checks it (including its nesting limit of 10000 levels); as with
// encoding/json, invalid UTF-8 inside strings is accepted and passed through
// byte for byte (tap/record replaces it with U+FFFD before it is written, as
// encoding/json does when it decodes a string).
// The package is differentially fuzzed against encoding/json (FuzzDecoder).
//
// Errors are one line each and can be told apart with [errors.Is] and
// [errors.As]:
//
//   - [ErrEmpty]: the body is empty or only whitespace.
//   - [ErrNotArray]: the body holds something other than an array (an
//     object, a string, HTML, ...); the message says what was found.
//   - [io.ErrUnexpectedEOF] (as a [*TruncatedError]): the body ended before
//     the closing ']'.
//   - [*SyntaxError]: the array is not valid JSON; it gives the element index
//     and the byte offset.
//   - [ErrTrailingData] (also a [*SyntaxError]): something other than
//     whitespace follows the closing ']'.
//   - Any error of the underlying reader is returned wrapped, so that
//     errors.Is(err, readErr) holds.
package jsonarray

import (
	"errors"
	"fmt"
	"io"
	"math"
)

const (
	defaultBufSize = 1 << 20
	// maxDepth is the nesting limit of encoding/json, the array itself
	// included.
	maxDepth = 10000
	// maxEmptyReads is how many reads returning no data and no error are
	// tolerated in a row, as in bufio.
	maxEmptyReads = 100
	// snippetLen is how many bytes of a non-JSON body an error quotes.
	snippetLen = 40
)

const (
	stateStart = iota // nothing read yet
	stateMore         // after an element: ',' or ']' comes next
	stateDone         // after ']' and the end of the stream
)

// Decoder reads the elements of one JSON array from a stream. It holds one
// buffer, 1 MiB to start with, which grows only to fit an element larger
// than it, and a bitmap of it an eighth its size; the rest of the stream
// is never kept.
//
// Create one with NewDecoder. A Decoder is not safe for concurrent use.
type Decoder struct {
	r io.Reader
	// buf[:len(buf)] holds the bytes read and not yet dropped; buf[0] is at
	// offset base in the stream.
	buf  []byte
	base int64
	pos  int // next byte to scan
	mark int // first byte that must be kept when the buffer is refilled

	state int
	count int
	err   error // sticky error, io.EOF once done
	rerr  error // error of the last read, returned once the buffer is used up

	stack  []bool // open containers within the current element; true for an object
	spaced bool   // white space may lie between the current element's tokens (see Compact)

	// bits is the bitmap of buf's quotes, backslashes and control
	// characters (see index.go).
	bits []uint64

	// members[mstart:] are the current element's top-level members, if it
	// is an object; with a handover function, members[:mstart] are those
	// of the elements returned since the last call of it.
	members []Member
	mstart  int

	handover func(full []byte, members []Member) ([]byte, []Member) // see SetHandover
	ahead    *readAhead                                             // see ReadAhead
}

// SetHandover makes d hand each buffer it has filled to fn instead of
// reusing it. When d needs room for more input, it calls fn with its
// buffer, which holds every element Next returned since the previous call
// (or since the start), and with the members of those elements, in turn
// (each one's Members): d never writes to either again, so they stay
// valid for as long as the caller keeps them. fn returns the buffer d
// goes on in and the slice it appends the next members to (what they hold
// is overwritten); d allocates a buffer if it is nil or too small. d
// copies into them only what it has read and not yet returned, usually
// part of one element. members is the slice d appends the members of the
// first buffer's elements to, as fn's is for the later ones: with it, a
// caller that keeps its memory from one array to the next (as the buffer
// it gave NewDecoderBuffer) has d allocate none. It must be called before
// the first call of Next.
//
// Without a handover function d reuses its one buffer, and an element is
// only valid until the next call of Next. fn is called from within Next.
func (d *Decoder) SetHandover(members []Member, fn func(full []byte, members []Member) ([]byte, []Member)) {
	d.handover = fn
	if len(d.members) == 0 {
		d.members = members[:0]
	}
}

// Member is where one top-level member of an element that is an object
// lies in the bytes Next returned: its key (quotes included) is
// elem[KeyStart:KeyEnd] and its value elem[ValueStart:ValueEnd]. The
// offsets are 32 bits, half the memory of ints: an element may be up to
// [MaxElement] bytes long.
type Member struct {
	KeyStart, KeyEnd, ValueStart, ValueEnd int32
}

// MaxElement is the length of the longest element a Decoder returns; a
// longer one is an error.
const MaxElement = math.MaxInt32

// Members returns the top-level members of the element Next returned last,
// in order, if it is an object (else none). The decoder found them while it
// validated the element, so a caller need not scan it again. The slice is
// only valid until the next call of Next (see SetHandover for longer).
func (d *Decoder) Members() []Member { return d.members[d.mstart:] }

// Compact reports whether the element Next returned last has no white
// space between its tokens: it is as encoding/json's Compact would leave
// it, so that any value in it may be copied as it is. It may report false
// for an element that is compact (one that went on in a new buffer), never
// true for one that is not.
func (d *Decoder) Compact() bool { return !d.spaced }

// HeldMembers returns the members of every element Next returned since
// the decoder last called its handover function (see SetHandover), in
// turn: those it would hand over next. Without a handover function they
// are the last element's.
func (d *Decoder) HeldMembers() []Member { return d.members }

// NewDecoder returns a Decoder that reads a JSON array from r. It reads from r
// in chunks of up to 1 MiB and may read past the array (to check that only
// whitespace follows it).
func NewDecoder(r io.Reader) *Decoder {
	return NewDecoderSize(r, defaultBufSize)
}

// NewDecoderSize is NewDecoder with a buffer of size bytes (at least 1):
// reads are of up to size bytes, and with a handover function (see
// SetHandover) a buffer handed over holds up to size bytes of elements.
func NewDecoderSize(r io.Reader, size int) *Decoder {
	if size < 1 {
		size = 1
	}
	return NewDecoderBuffer(r, make([]byte, 0, size))
}

// NewDecoderBuffer is NewDecoderSize with buf[:cap(buf)] as its buffer, of
// cap(buf) bytes (what it holds is overwritten); an empty one is replaced
// by a buffer of 1 byte.
func NewDecoderBuffer(r io.Reader, buf []byte) *Decoder {
	if cap(buf) < 1 {
		buf = make([]byte, 0, 1)
	}
	return &Decoder{r: r, buf: buf[:0]}
}

// Next returns the raw JSON bytes of the next element of the array, without
// the surrounding whitespace and comma. It returns io.EOF after the closing
// ']' when nothing but whitespace follows it.
//
// The returned slice points into the Decoder's buffer: it is only valid until
// the next call of Next, which may overwrite it. Copy it (or decode it) to
// keep it.
//
// Once Next has returned an error, it returns the same error on every later
// call.
func (d *Decoder) Next() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.handover == nil {
		d.members = d.members[:0]
	}
	d.mstart = len(d.members)
	b, err := d.next()
	if err == nil && len(b) > MaxElement {
		err = fmt.Errorf("jsonarray: element %d is longer than %d bytes", d.count-1, MaxElement)
	}
	if err != nil {
		d.members = d.members[:d.mstart]
		d.err = err
		d.releaseBitmap() // d scans no more
		return nil, err
	}
	return b, nil
}

// Count returns the number of elements returned so far by Next.
func (d *Decoder) Count() int { return d.count }

// InputOffset returns the offset in the stream just after the last byte
// consumed: after the last element returned, or where an error was found.
func (d *Decoder) InputOffset() int64 { return d.base + int64(d.pos) }

func (d *Decoder) next() ([]byte, error) {
	p := d.pos
	d.mark = p
	var c byte
	var err error
	switch d.state {
	case stateDone:
		return nil, io.EOF
	case stateStart:
		if c, p, err = d.skipSpace(p, true); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, ErrEmpty
			}
			return nil, d.readErr(err, "the start of the body")
		}
		if c != '[' {
			return nil, d.notArray(p)
		}
		p++
		if c, p, err = d.skipSpace(p, true); err != nil {
			return nil, d.eofErr(err)
		}
		if c == ']' {
			return nil, d.finish(p + 1)
		}
	case stateMore:
		if c, p, err = d.skipSpace(p, true); err != nil {
			return nil, d.eofErr(err)
		}
		switch c {
		case ']':
			return nil, d.finish(p + 1)
		case ',':
		default:
			return nil, d.syntaxErr(c, p, "after array element")
		}
		if c, p, err = d.skipSpace(p+1, true); err != nil {
			return nil, d.eofErr(err)
		}
	}
	d.state = stateMore
	d.mark = p
	d.spaced = false
	if p, err = d.scanValue(p); err != nil {
		return nil, err
	}
	if c == '-' || '0' <= c && c <= '9' {
		// The byte after a number has been read: report "01" or "0x10" as
		// an error in this element rather than returning the "0" first.
		if c := d.buf[p]; !isSpace(c) && c != ',' && c != ']' {
			return nil, d.syntaxErr(c, p, "after array element")
		}
	}
	d.pos = p
	d.count++
	return d.buf[d.mark:p:p], nil
}

// finish checks that only whitespace follows the closing ']' at p-1.
func (d *Decoder) finish(p int) error {
	c, p, err := d.skipSpace(p, true)
	d.pos = p
	switch {
	case errors.Is(err, io.EOF):
		d.state = stateDone
		return io.EOF
	case err != nil:
		return d.readErr(err, "after the closing ']'")
	}
	e := d.syntaxErr(c, p, "after top-level value")
	e.trailing = true
	return e
}

// fill reads more data into the buffer, keeping buf[mark:] and moving it to
// the front if needed; pos and mark are updated. It returns nil when at least
// one byte was added, else the read error (io.EOF at the end of the stream).
func (d *Decoder) fill() error {
	if d.rerr != nil {
		return d.rerr
	}
	if d.ahead != nil {
		return d.fillAhead(d.ahead)
	}
	if free := cap(d.buf) - len(d.buf); free == 0 || free < cap(d.buf)/4 {
		d.move()
	}
	n, err := readSome(d.r, d.buf[len(d.buf):cap(d.buf)])
	if err != nil {
		d.rerr = err
	}
	if n > 0 {
		d.grown(n)
		return nil
	}
	return err
}

// readSome reads into p until at least one byte or an error comes:
// maxEmptyReads reads that return neither are io.ErrNoProgress, as in
// bufio, and a count outside p an error.
func readSome(r io.Reader, p []byte) (int, error) {
	for range maxEmptyReads {
		n, err := r.Read(p)
		if n < 0 || n > len(p) {
			return 0, fmt.Errorf("jsonarray: reader returned an invalid count %d", n)
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// move makes room: it keeps buf[mark:] at the front of a buffer, the one
// the handover function gives, a new one twice the size if what is kept
// is more than half of it, or else the same one.
func (d *Decoder) move() {
	keep := len(d.buf) - d.mark
	size := cap(d.buf)
	if keep > size/2 {
		size *= 2
	}
	var dst []byte
	switch {
	case d.handover != nil:
		var ms []Member
		dst, ms = d.handover(d.buf, d.members[:d.mstart])
		if cap(dst) < size {
			dst = make([]byte, size)
		}
		dst = dst[:cap(dst)]
		d.members, d.mstart = append(ms[:0], d.members[d.mstart:]...), 0
	case size > cap(d.buf):
		dst = make([]byte, size)
	default:
		dst = d.buf[:cap(d.buf)]
	}
	copy(dst, d.buf[d.mark:])
	d.buf = dst[:keep]
	d.bits = d.bits[:0]
	d.base += int64(d.mark)
	d.pos -= d.mark
	d.mark = 0
}

// grown takes the n bytes just read after d.buf into it.
func (d *Decoder) grown(n int) {
	d.buf = d.buf[:len(d.buf)+n]
	d.index()
}

// more is called when p == len(d.buf). It reads more data and returns p,
// adjusted for any move of the buffer. With discard, the bytes before p are
// not needed any more.
func (d *Decoder) more(p int, discard bool) (int, error) {
	d.pos = p
	if discard {
		d.mark = p
	}
	err := d.fill()
	return d.pos, err
}

// skipSpace returns the first byte at or after p that is not whitespace, and
// its position.
func (d *Decoder) skipSpace(p int, discard bool) (byte, int, error) {
	for {
		buf := d.buf
		for ; p < len(buf); p++ {
			if c := buf[p]; !isSpace(c) {
				return c, p, nil
			}
		}
		var err error
		if p, err = d.more(p, discard); err != nil {
			return 0, p, err
		}
	}
}

func isSpace(c byte) bool {
	return c <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n')
}
