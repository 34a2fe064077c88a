package dixamock

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadOptions returns options for load mode with n messages over January
// 2024 (30 days).
func loadOptions(n int) Options {
	return Options{
		Token:          testToken,
		Seed:           7,
		Start:          testStart,
		End:            testStart.Add(30 * 24 * time.Hour),
		AfterInclusive: true,
		LoadMessages:   n,
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestLoadMessagesMatchTheSchemaAndAreDistinct(t *testing.T) {
	const n = 20000
	s := New(loadOptions(n))
	base := serve(t, s)
	a, b := testStart.UnixMilli(), testStart.UnixMilli()+31*dayMs

	status, body, hdr := get(t, exportURL(base, MessageExport, a, b), "Bearer "+testToken)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.Equal(t, strconv.Itoa(len(body)), hdr.Get("Content-Length"))
	count, size := s.LoadTruth(math.MinInt64, math.MaxInt64)
	assert.Equal(t, int64(n), count)
	assert.Equal(t, int64(len(body)), size)
	avg := float64(len(body)) / n
	assert.InDelta(t, 1024, avg, 50, "average message size")

	recs := decodeArray(t, body)
	require.Len(t, recs, n)
	ids := make(map[string]bool, n)
	seen := map[string]bool{}
	end := s.Options().End.UnixMilli()
	prev := int64(math.MinInt64)
	for _, rec := range recs {
		checkRecord(t, "messages", rec, seen)
		id := idText(t, rec)
		require.Regexp(t, uuidV4, id)
		require.False(t, ids[id], "duplicate id %s", id)
		ids[id] = true
		at := atOf(t, MessageExport, rec)
		require.True(t, at >= a && at < end, "created_at %d outside the data range", at)
		require.GreaterOrEqual(t, at, prev, "messages are served in created_at order")
		prev = at
		if to, ok := rec["to"]; ok && to != nil {
			_, isList := to.([]any)
			require.True(t, isList, "to must be a list or null (tap-dixa 1.0.x's schema): %v", to)
		}
	}
	// The messages exercise every field of the schema.
	var paths []string
	declaredPaths(loadAPISchema(t, "messages").raw, "", &paths)
	for _, p := range paths {
		assert.True(t, seen[p], "no message has %s", p)
	}
}

func TestLoadWindowsPartitionTheMessages(t *testing.T) {
	const n = 5000
	for _, incl := range []struct{ after, before bool }{{true, false}, {false, false}, {true, true}, {false, true}} {
		opts := loadOptions(n)
		opts.AfterInclusive, opts.BeforeInclusive = incl.after, incl.before
		s := New(opts)
		base := serve(t, s)
		// Windows [lo, hi) of 7 days asked for the way a client that does
		// not know the inclusivity does: after = lo-1 ms, before = hi, and
		// keeping only lo <= at < hi.
		ids := map[string]bool{}
		for lo := testStart.UnixMilli(); lo < opts.End.UnixMilli(); lo += 7 * dayMs {
			hi := lo + 7*dayMs
			recs := fetch(t, base, MessageExport, lo-1, hi)
			want, _ := s.LoadTruth(lo, hi)
			got := 0
			for _, rec := range recs {
				if at := atOf(t, MessageExport, rec); at >= lo && at < hi {
					id := idText(t, rec)
					require.False(t, ids[id], "duplicate id %s", id)
					ids[id] = true
					got++
				}
			}
			assert.Equal(t, int(want), got, "window [%d, %d) inclusivity %+v", lo, hi, incl)
		}
		assert.Len(t, ids, n, "inclusivity %+v", incl)
	}
}

func TestLoadModeSurface(t *testing.T) {
	s := New(loadOptions(1000))
	base := serve(t, s)
	a := testStart.UnixMilli()

	status, body, _ := get(t, exportURL(base, ConversationExport, a, a+31*dayMs), "Bearer "+testToken)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "[]\n", string(body))

	// A window before the data is empty; one over 31 days is refused.
	status, body, _ = get(t, exportURL(base, MessageExport, a-31*dayMs, a-1), "Bearer "+testToken)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "[]\n", string(body))
	status, _, _ = get(t, exportURL(base, MessageExport, a, a+32*dayMs), "Bearer "+testToken)
	assert.Equal(t, http.StatusBadRequest, status)
	status, _, _ = get(t, exportURL(base, MessageExport, a, a+dayMs), "")
	assert.Equal(t, http.StatusUnauthorized, status)

	for url, want := range map[string]string{
		"/_truth/messages": `{"count":1000,"bytes":` + strconv.FormatInt(must(s.LoadTruth(math.MinInt64, math.MaxInt64)), 10) + "}\n",
		"/_truth/messages?after=" + strconv.FormatInt(a+15*dayMs, 10): `{"count":500,"bytes":` + strconv.FormatInt(must(s.LoadTruth(a+15*dayMs, math.MaxInt64)), 10) + "}\n",
		"/_truth/conversations": "[]\n",
	} {
		status, body, _ := get(t, base+url, "")
		assert.Equal(t, http.StatusOK, status, url)
		assert.Equal(t, want, string(body), url)
	}
	st := s.Stats()
	assert.Equal(t, int64(1), st.OK[MessageExport]) // the empty window; the 400 is not OK
	assert.Equal(t, int64(1), st.OK[ConversationExport])
}

// must returns the second of two values.
func must(_, b int64) int64 { return b }

func TestLoadModeFaults(t *testing.T) {
	opts := loadOptions(2000)
	opts.Faults = Faults{Seed: 3, Truncate: 1}
	s := New(opts)
	base := serve(t, s)
	a := testStart.UnixMilli()
	req, err := http.NewRequest(http.MethodGet, exportURL(base, MessageExport, a, a+31*dayMs), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got, err := io.ReadAll(resp.Body)
	require.Error(t, err, "a truncated body ends with an error")
	_, size := s.LoadTruth(math.MinInt64, math.MaxInt64)
	assert.Less(t, int64(len(got)), size)
	assert.False(t, json.Valid(got))
	assert.Equal(t, int64(1), s.Stats().Faults[FaultTruncate])
	assert.Equal(t, int64(0), s.Stats().OK[MessageExport])
}

func TestLoadUUIDsAreDistinct(t *testing.T) {
	const n = 300_000
	seen := make(map[[36]byte]struct{}, n)
	var b []byte
	for _, seed := range []uint64{0, 1, mix64(42)} {
		clear(seen)
		for i := range uint64(n) {
			b = appendLoadUUID(b[:0], seed, i)
			var k [36]byte
			copy(k[:], b)
			if _, dup := seen[k]; dup {
				t.Fatalf("seed %d: id of message %d (%s) repeats", seed, i, b)
			}
			seen[k] = struct{}{}
		}
		require.Regexp(t, uuidV4, string(b))
	}
}

func TestLoadMessagesNegativeIsInvalid(t *testing.T) {
	opts := loadOptions(-1)
	assert.ErrorContains(t, opts.Validate(), "LoadMessages")
}

// discardWriter is an http.ResponseWriter that counts and drops the body.
type discardWriter struct {
	h http.Header
	n int64
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

// BenchmarkLoadExport measures generating a load-mode message window of
// 100,000 messages (about 100 MB); MB/s is the mock's serving speed
// without the network.
func BenchmarkLoadExport(b *testing.B) {
	s := New(loadOptions(100_000))
	h := s.Handler()
	a := testStart.UnixMilli()
	req, err := http.NewRequest(http.MethodGet, exportURL("", MessageExport, a, a+31*dayMs), nil)
	require.NoError(b, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	_, size := s.LoadTruth(math.MinInt64, math.MaxInt64)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, req)
		if w.n != size {
			b.Fatalf("wrote %d bytes, want %d", w.n, size)
		}
	}
}
