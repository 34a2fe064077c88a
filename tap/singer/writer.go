// Package singer implements the Singer protocol: the messages a tap writes
// to stdout, the catalog it discovers and reads back with its selection
// metadata, and the state it resumes from. It knows nothing of any source
// system.
package singer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// TimeFormat is the layout of time_extracted: RFC3339 in UTC with
// microseconds, as singer-python writes it.
const TimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// Writer is the single owner of a tap's stdout. It writes SCHEMA, RECORD,
// STATE and ACTIVATE_VERSION messages, one JSON object a line, through one
// buffer that is flushed with every STATE message, so that a STATE never
// reaches the reader before the records it covers. It refuses a RECORD for
// a stream whose SCHEMA it has not written. A Writer is safe for
// concurrent use; each message is written whole.
type Writer struct {
	mu      sync.Mutex
	out     io.Writer
	buf     *bufio.Writer
	schemas map[string][]byte // stream -> the start of its RECORD lines
	scratch bytes.Buffer
	err     error
	// the end of the last RECORD line, from its time_extracted and
	// version, reused while they do not change
	lastTime    time.Time
	lastVersion int64
	suffix      []byte
	spare       [][]byte // buffers of released Lines, for the next ones
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: w, buf: bufio.NewWriterSize(w, 256<<10), schemas: map[string][]byte{}}
}

type schemaMessage struct {
	Type               string       `json:"type"`
	Stream             string       `json:"stream"`
	Schema             *schema.Node `json:"schema"`
	KeyProperties      []string     `json:"key_properties"`
	BookmarkProperties []string     `json:"bookmark_properties,omitempty"`
}

// WriteSchema writes a SCHEMA message. keyProperties is written as a list
// even when empty.
func (w *Writer) WriteSchema(stream string, s *schema.Node, keyProperties, bookmarkProperties []string) error {
	if keyProperties == nil {
		keyProperties = []string{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.encode(schemaMessage{"SCHEMA", stream, s, keyProperties, bookmarkProperties}); err != nil {
		return err
	}
	if w.schemas[stream] == nil {
		name, err := marshal(stream)
		if err != nil {
			return err
		}
		w.schemas[stream] = append(append([]byte(`{"type":"RECORD","stream":`), name...), `,"record":`...)
	}
	return nil
}

// WriteRecord writes a RECORD message whose record is the JSON object
// record, written as given. version is written when non-zero.
func (w *Writer) WriteRecord(stream string, record []byte, extracted time.Time, version int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	prefix := w.schemas[stream]
	if prefix == nil {
		return fmt.Errorf("singer: RECORD for stream %q before its SCHEMA", stream)
	}
	if !extracted.Equal(w.lastTime) || version != w.lastVersion || w.suffix == nil {
		// The tail of the line, kept while time and version stay.
		w.suffix = appendSuffix(w.suffix[:0], extracted, version)
		w.lastTime, w.lastVersion = extracted, version
	}
	// Three writes into the buffer, no copy of the line: the Writer is
	// locked, so the line still reaches w whole and in order.
	if _, w.err = w.buf.Write(prefix); w.err == nil {
		if _, w.err = w.buf.Write(record); w.err == nil {
			_, w.err = w.buf.Write(w.suffix)
		}
	}
	return w.err
}

// marshal encodes v as JSON, HTML not escaped, without a newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

type stateMessage struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// WriteState writes a STATE message with the given value and flushes
// everything written so far.
func (w *Writer) WriteState(value any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.encode(stateMessage{"STATE", value}); err != nil {
		return err
	}
	return w.flush()
}

type activateVersionMessage struct {
	Type    string `json:"type"`
	Stream  string `json:"stream"`
	Version int64  `json:"version"`
}

// WriteActivateVersion writes an ACTIVATE_VERSION message.
func (w *Writer) WriteActivateVersion(stream string, version int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.encode(activateVersionMessage{"ACTIVATE_VERSION", stream, version})
}

// Flush writes any buffered messages to the underlying writer.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flush()
}

func (w *Writer) flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.buf.Flush()
	return w.err
}

// encode writes v as one line of JSON, without HTML escaping.
func (w *Writer) encode(v any) error {
	if w.err != nil {
		return w.err
	}
	w.scratch.Reset()
	enc := json.NewEncoder(&w.scratch)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("singer: %w", err)
	}
	_, w.err = w.buf.Write(w.scratch.Bytes())
	return w.err
}
