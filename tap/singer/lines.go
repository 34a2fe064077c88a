package singer

import (
	"fmt"
	"strconv"
	"time"
)

// Lines builds the RECORD lines of one stream in a buffer of its own and
// hands them to the Writer many at a time: one lock and one write for a
// megabyte of records instead of one per record, and a record made
// straight in its line rather than copied there. Begin starts a line,
// the caller appends the record (a JSON object) to what Begin returned,
// and End ends the line; a line begun and not ended is dropped by the
// next Begin. Flush writes the lines ended so far. A Lines is not safe for
// concurrent use; the Writer it writes to is.
type Lines struct {
	w              *Writer
	prefix, suffix []byte
	buf            []byte
	start, done    int // buf[start:done]: whole lines not yet written
}

// Lines returns a Lines for RECORD messages of stream extracted at
// extracted, with version written when non-zero. It fails if the Writer
// has not written the stream's SCHEMA.
func (w *Writer) Lines(stream string, extracted time.Time, version int64) (*Lines, error) {
	w.mu.Lock()
	prefix := w.schemas[stream]
	var buf []byte
	if n := len(w.spare); n > 0 && prefix != nil {
		buf, w.spare = w.spare[n-1], w.spare[:n-1]
	}
	w.mu.Unlock()
	if prefix == nil {
		return nil, fmt.Errorf("singer: RECORD for stream %q before its SCHEMA", stream)
	}
	return &Lines{w: w, prefix: prefix, suffix: appendSuffix(nil, extracted, version), buf: buf}, nil
}

// Release gives l's buffer back to the Writer, for the next Lines, and
// drops the lines not yet written; l must not be used after it. A sync
// makes a Lines for every window of a stream, and the buffer grows to
// hold 256 KiB of lines or more.
func (l *Lines) Release() {
	buf := l.buf[:0]
	l.buf, l.start, l.done = nil, 0, 0
	if cap(buf) == 0 || cap(buf) > maxSpareLines {
		return
	}
	l.w.mu.Lock()
	if len(l.w.spare) < maxSpares {
		l.w.spare = append(l.w.spare, buf)
	}
	l.w.mu.Unlock()
}

const (
	maxSpares     = 4       // buffers a Writer keeps for its next Lines
	maxSpareLines = 4 << 20 // the largest it keeps (one grown for a huge record is not)
)

// appendSuffix appends the tail of a RECORD line, from just after the
// record to the newline.
func appendSuffix(dst []byte, extracted time.Time, version int64) []byte {
	if version != 0 {
		dst = append(dst, `,"version":`...)
		dst = strconv.AppendInt(dst, version, 10)
	}
	dst = append(dst, `,"time_extracted":"`...)
	dst = extracted.UTC().AppendFormat(dst, TimeFormat)
	return append(dst, "\"}\n"...)
}

// Begin starts a line and returns the buffer to append its record to,
// which holds the lines before it. Keep only what append returns, and
// pass it to End.
func (l *Lines) Begin() []byte {
	if l.start == l.done { // all written: start over at the front
		l.start, l.done = 0, 0
	}
	l.buf = append(l.buf[:l.done], l.prefix...)
	return l.buf
}

// End ends the line begun last, whose record has been appended to the
// buffer Begin returned: b is what the appends returned.
func (l *Lines) End(b []byte) {
	b = append(b, l.suffix...) // b is l.buf, grown by the record
	l.buf, l.done = b, len(b)
}

// Len returns how many bytes of whole lines wait to be written.
func (l *Lines) Len() int { return l.done - l.start }

// Flush writes the whole lines to the Writer, after everything written to
// it before. A line begun and not yet ended stays where it is: End may
// still end it.
func (l *Lines) Flush() error {
	if l.start == l.done {
		return nil
	}
	err := l.w.writeLines(l.buf[l.start:l.done])
	l.start = l.done
	return err
}

// writeLines writes whole RECORD lines: through the buffer if they fit
// in it, else straight to the underlying writer once the buffer is
// flushed.
func (w *Writer) writeLines(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if len(b) > w.buf.Available() {
		if w.err = w.buf.Flush(); w.err != nil {
			return w.err
		}
		if len(b) >= w.buf.Size() {
			_, w.err = w.out.Write(b)
			return w.err
		}
	}
	_, w.err = w.buf.Write(b)
	return w.err
}
