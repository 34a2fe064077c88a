package tap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
)

// drain reads every batch of body through ahead and returns the records
// and the error that ended them.
func drain(t *testing.T, body []byte) ([]string, error) {
	t.Helper()
	a := newAhead(jsonarray.NewDecoder(bytes.NewReader(body)))
	defer a.stop()
	var recs []string
	for {
		b := a.next()
		base := len(recs)
		require.NoError(t, b.records(func(j int, rec []byte, _ []jsonarray.Member) error {
			require.Equal(t, base+j, len(recs), "records are numbered within their batch")
			recs = append(recs, string(rec))
			return nil
		}))
		if b.err != nil {
			return recs, b.err
		}
	}
}

// Decoding ahead in a goroutine or in the caller's gives the same records,
// in order, and the same error after the last good one, over many batches.
func TestAheadSameWithOneOrTwoCPUs(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 20000 {
		if i > 0 {
			sb.WriteString(",\n ")
		}
		fmt.Fprintf(&sb, `{"id":%d,"text":"%s"}`, i, strings.Repeat("x", i%300))
	}
	full := sb.String() + "]"
	cut := full[:len(full)*2/3]
	bad := full[:len(full)/2] + `}` + full[len(full)/2:]
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, body := range []string{full, cut, bad, "", `{"message":"no"}`} {
		var got [2][]string
		var errs [2]error
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			got[i], errs[i] = drain(t, []byte(body))
		}
		assert.Equal(t, got[0], got[1])
		assert.Equal(t, fmt.Sprint(errs[0]), fmt.Sprint(errs[1]))
		if body == full {
			assert.Len(t, got[0], 20000)
			assert.ErrorIs(t, errs[0], io.EOF)
			assert.Greater(t, len(full), 4*batchBytes, "many batches")
		}
		if body == cut {
			assert.ErrorIs(t, errs[0], io.ErrUnexpectedEOF)
		}
	}
}

// stop ends the goroutine when the caller gives up half-way, even while it
// waits on a body that sends nothing more.
func TestAheadStops(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte(`[1,2,3,`))
	}()
	a := newAhead(jsonarray.NewDecoder(pr))
	require.NoError(t, pr.CloseWithError(errors.New("closed by the caller"))) // as resp.Body.Close
	a.stop()
	b := &batch{}
	b.fill(jsonarray.NewDecoder(strings.NewReader("[1,2]")))
	assert.Equal(t, []int{1, 2}, b.ends)
	assert.ErrorIs(t, b.err, io.EOF)
}
