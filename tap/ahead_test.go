package tap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
)

// testBuffer is the decoder's buffer in these tests: small, for many batches.
const testBuffer = 64 << 10

// drain reads every batch of body through ahead and returns the records,
// the error that ended them and how many batches there were. With slow, it
// yields after every record, so that a decoder in a goroutine of its own
// runs as far ahead as it can.
func drain(t *testing.T, body []byte, slow bool) ([]string, int, error) {
	t.Helper()
	a := newAhead(bytes.NewReader(body), testBuffer, testBuffer)
	defer a.stop()
	var recs []string
	for batches := 1; ; batches++ {
		b := a.next()
		base := len(recs)
		require.NoError(t, b.records(func(j int, rec []byte, members []jsonarray.Member, _ bool) error {
			require.Equal(t, base+j, len(recs), "records are numbered within their batch")
			require.Equal(t, string(rec), fromMembers(rec, members), "record %d's members", base+j)
			recs = append(recs, string(rec))
			if slow {
				runtime.Gosched()
			}
			return nil
		}))
		if b.err != nil {
			return recs, batches, b.err
		}
	}
}

// fromMembers rebuilds the compact object rec from its members.
func fromMembers(rec []byte, members []jsonarray.Member) string {
	var parts []string
	for _, m := range members {
		parts = append(parts, string(rec[m.KeyStart:m.KeyEnd])+":"+string(rec[m.ValueStart:m.ValueEnd]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Decoding ahead in a goroutine or in the caller's gives every record, in
// order and unchanged (the decoder never writes over a buffer the caller
// still reads), and the same error after the last good one, over many
// batches: whole, cut short (also just after the first buffer was handed
// over, within the same call of Next), broken, empty and not an array.
func TestAheadSameWithOneOrTwoCPUs(t *testing.T) {
	var elems []string
	var sb strings.Builder
	sb.WriteString("[")
	ends := []int{}
	for i := range 20000 {
		if i > 0 {
			sb.WriteString(",\n ")
		}
		e := fmt.Sprintf(`{"id":%d,"text":"%s"}`, i, strings.Repeat("x", i%300))
		elems = append(elems, e)
		sb.WriteString(e)
		ends = append(ends, sb.Len())
	}
	full := sb.String() + "]"
	// upTo returns the elements that end at or before n.
	upTo := func(n int) []string {
		k := 0
		for k < len(ends) && ends[k] <= n {
			k++
		}
		return elems[:k]
	}
	justAfter := testBuffer + 5 // into the element that the first buffer ends in
	bodies := []struct {
		body string
		want []string
		err  error
	}{
		{full, elems, io.EOF},
		{full[:len(full)*2/3], upTo(len(full) * 2 / 3), io.ErrUnexpectedEOF},
		{full[:justAfter], upTo(justAfter), io.ErrUnexpectedEOF},
		{full[:len(full)/2] + `}` + full[len(full)/2:], nil, nil},
		{"", nil, jsonarray.ErrEmpty},
		{`{"message":"no"}`, nil, jsonarray.ErrNotArray},
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for n, c := range bodies {
		var got [3][]string
		var errs [3]error
		var batches [3]int
		for i, procs := range []int{1, 2, 2} {
			runtime.GOMAXPROCS(procs)
			got[i], batches[i], errs[i] = drain(t, []byte(c.body), i == 2)
		}
		assert.Equal(t, got[0], got[1], "body %d", n)
		assert.Equal(t, got[0], got[2], "body %d, slow reader", n)
		assert.Equal(t, fmt.Sprint(errs[0]), fmt.Sprint(errs[1]), "body %d", n)
		assert.Equal(t, fmt.Sprint(errs[0]), fmt.Sprint(errs[2]), "body %d", n)
		if c.want != nil {
			assert.Equal(t, c.want, got[0], "body %d", n)
		}
		if c.err != nil {
			assert.ErrorIs(t, errs[0], c.err, "body %d", n)
		}
		if n == 0 {
			assert.Greater(t, batches[0], 20, "many batches")
			assert.Equal(t, batches[0], batches[1])
		}
	}
}

// Each buffer the decoder is handed is twice the last, up to the largest
// asked for, with one CPU and with two; the records are all there.
func TestAheadBuffersGrow(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("[")
	n := 0
	for ; sb.Len() < 4<<20; n++ {
		if n > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":%d,"text":"%s"}`, n, strings.Repeat("y", 100+n%200))
	}
	body := sb.String() + "]"
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		a := newAhead(strings.NewReader(body), testBuffer, 4*testBuffer)
		var sizes []int
		records := 0
		reused := map[*jsonarray.Member]bool{} // the members slices of full-sized buffers
		for {
			b := a.next()
			records += len(b.recs)
			if b.err != nil {
				assert.ErrorIs(t, b.err, io.EOF)
				break
			}
			sizes = append(sizes, cap(b.buf))
			if cap(b.buf) == 4*testBuffer {
				reused[&b.members[:1][0]] = true
			}
		}
		a.stop()
		// Once grown, the members slices are reused like the buffers.
		assert.LessOrEqual(t, len(reused), aheadBatches+1, "GOMAXPROCS=%d", procs)
		assert.Equal(t, n, records, "GOMAXPROCS=%d", procs)
		require.Greater(t, len(sizes), 3, "GOMAXPROCS=%d", procs)
		assert.Equal(t, []int{testBuffer, 2 * testBuffer, 4 * testBuffer, 4 * testBuffer}, sizes[:4], "GOMAXPROCS=%d", procs)
		assert.LessOrEqual(t, slices.Max(sizes), 4*testBuffer, "GOMAXPROCS=%d", procs)
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
	a := newAhead(pr, aheadFirst, aheadBuffer)
	require.NoError(t, pr.CloseWithError(errors.New("closed by the caller"))) // as resp.Body.Close
	a.stop()
}

// An export reuses the memory of the one before it, and its records are
// its own: one export after another, with one CPU and with two, each
// gives its own records, and after the first no buffer, and no slice of
// members, is new.
func TestAheadReusesBatches(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	body := func(k int) string {
		var sb strings.Builder
		sb.WriteString("[")
		for i := range 3000 {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"export":%d,"id":%d,"text":"%s"}`, k, i, strings.Repeat("z", 50+i%100))
		}
		return sb.String() + "]"
	}
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		emptyReuse()
		memory := map[*byte]bool{}
		members := map[*jsonarray.Member]bool{}
		for k := range 4 {
			want := body(k)
			got, _, err := drain(t, []byte(want), false)
			require.ErrorIs(t, err, io.EOF)
			assert.Equal(t, want, "["+strings.Join(got, ",")+"]", "GOMAXPROCS=%d, export %d", procs, k)
			reuse.mu.Lock()
			require.NotEmpty(t, reuse.list, "GOMAXPROCS=%d, export %d: no batch kept", procs, k)
			for _, b := range reuse.list {
				require.Zero(t, len(b.recs))
				if k > 0 {
					assert.True(t, memory[&b.back[:1][0]], "GOMAXPROCS=%d, export %d: new memory", procs, k)
				}
				memory[&b.back[:1][0]] = true
				if k > 0 {
					assert.True(t, members[&b.members[:1][0]], "GOMAXPROCS=%d, export %d: new members", procs, k)
				}
				members[&b.members[:1][0]] = true
			}
			reuse.mu.Unlock()
		}
	}
}

// A buffer grown for a huge record is not kept for the next export.
func TestAheadKeepsNoHugeBuffer(t *testing.T) {
	huge := `[{"id":1,"text":"` + strings.Repeat("h", 3*testBuffer) + `"},{"id":2}]`
	emptyReuse()
	recs, _, err := drain(t, []byte(huge), false)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, recs, 2)
	reuse.mu.Lock()
	defer reuse.mu.Unlock()
	require.NotEmpty(t, reuse.list)
	for _, b := range reuse.list {
		assert.LessOrEqual(t, cap(b.back), testBuffer, "a batch kept holds %d bytes", cap(b.back))
	}
}

// emptyReuse drops the batches kept by other tests, which may be bigger.
func emptyReuse() {
	reuse.mu.Lock()
	reuse.list = nil
	reuse.mu.Unlock()
}

// Each record of a batch comes with whether the decoder found it compact,
// which lets the projector copy its open objects and arrays as they are.
func TestAheadCompact(t *testing.T) {
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		a := newAhead(strings.NewReader(`[{"a":{"b":1}},{"a":{ "b":1}},{"a":[1]},{"a":[1 ]}, {"a":1}]`), testBuffer, testBuffer)
		var got []bool
		for {
			b := a.next()
			require.NoError(t, b.records(func(_ int, _ []byte, _ []jsonarray.Member, compact bool) error {
				got = append(got, compact)
				return nil
			}))
			if b.err != nil {
				break
			}
		}
		a.stop()
		runtime.GOMAXPROCS(prev)
		assert.Equal(t, []bool{true, false, true, false, true}, got, "GOMAXPROCS=%d", procs)
	}
}
