package singer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Lines makes the same RECORD lines as WriteRecord, in order with the
// other messages: a line begun and not ended is dropped, one begun before
// a Flush can still be ended after it, and lines longer than the Writer's
// buffer go out whole.
func TestLinesAreWriteRecord(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.FixedZone("x", 3600))
	big := `{"id":3,"name":"` + strings.Repeat("é", 300<<10) + `"}`
	var want, got bytes.Buffer
	w := NewWriter(&want)
	require.NoError(t, w.WriteSchema("things", spec(t).Schema, nil, nil))
	for _, r := range []string{`{"id":1}`, `{"id":2}`, big, `{"id":4}`} {
		require.NoError(t, w.WriteRecord("things", []byte(r), ts, 7))
	}
	require.NoError(t, w.WriteState(NewState()))

	w = NewWriter(&got)
	_, err := w.Lines("things", ts, 7)
	require.ErrorContains(t, err, `RECORD for stream "things" before its SCHEMA`)
	require.NoError(t, w.WriteSchema("things", spec(t).Schema, nil, nil))
	l, err := w.Lines("things", ts, 7)
	require.NoError(t, err)
	l.End(append(l.Begin(), `{"id":1}`...))
	_ = append(l.Begin(), `{"id":"dropped"}`...) // never ended
	b := append(l.Begin(), `{"id":2`...)
	assert.Equal(t, len(`{"type":"RECORD","stream":"things","record":{"id":1},"version":7,"time_extracted":"2024-01-02T02:04:05.000006Z"}`+"\n"), l.Len())
	require.NoError(t, l.Flush()) // the line begun stays
	assert.Zero(t, l.Len())
	l.End(append(b, '}'))
	l.End(append(l.Begin(), big...)) // more than the Writer's buffer
	require.NoError(t, l.Flush())
	require.NoError(t, l.Flush()) // nothing left: no-op
	l.End(append(l.Begin(), `{"id":4}`...))
	require.NoError(t, l.Flush())
	require.NoError(t, w.WriteState(NewState()))
	assert.Equal(t, want.String(), got.String())
}

// A Writer that failed keeps failing, for Lines too.
func TestLinesWriteError(t *testing.T) {
	boom := errors.New("boom")
	w := NewWriter(failWriter{boom})
	require.NoError(t, w.WriteSchema("things", spec(t).Schema, nil, nil))
	l, err := w.Lines("things", time.Now(), 0)
	require.NoError(t, err)
	l.End(append(l.Begin(), `{"id":1,"name":"`+strings.Repeat("x", 300<<10)+`"}`...))
	require.ErrorIs(t, l.Flush(), boom)
	l.End(append(l.Begin(), `{"id":2}`...))
	require.ErrorIs(t, l.Flush(), boom)
	require.ErrorIs(t, w.WriteRecord("things", []byte(`{"id":3}`), time.Now(), 0), boom)
}

type failWriter struct{ err error }

func (f failWriter) Write(p []byte) (int, error) { return 0, fmt.Errorf("write: %w", f.err) }

// A Lines released gives its buffer to the next Lines of the Writer, which
// starts empty: what the first did not flush is not written, and the
// second's lines are its own, with its own time_extracted.
func TestLinesReleaseReusesBuffer(t *testing.T) {
	t1 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	var got bytes.Buffer
	w := NewWriter(&got)
	require.NoError(t, w.WriteSchema("things", spec(t).Schema, nil, nil))
	l, err := w.Lines("things", t1, 0)
	require.NoError(t, err)
	l.End(append(l.Begin(), `{"id":1}`...))
	require.NoError(t, l.Flush())
	l.End(append(l.Begin(), `{"id":"not flushed"}`...))
	first := &l.Begin()[:1][0]
	l.Release()

	l, err = w.Lines("things", t2, 0)
	require.NoError(t, err)
	assert.Zero(t, l.Len())
	b := l.Begin()
	assert.Same(t, first, &b[:1][0], "the buffer of the released Lines is not reused")
	l.End(append(b, `{"id":2}`...))
	require.NoError(t, l.Flush())
	l.Release()
	require.NoError(t, w.Flush())
	lines := strings.Split(strings.TrimSpace(got.String()), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, `{"type":"RECORD","stream":"things","record":{"id":1},"time_extracted":"2024-01-02T03:04:05.000000Z"}`, lines[1])
	assert.Equal(t, `{"type":"RECORD","stream":"things","record":{"id":2},"time_extracted":"2024-01-02T04:04:05.000000Z"}`, lines[2])
}
