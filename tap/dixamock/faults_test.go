package dixamock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultServer returns a server for testOptions with the given faults, its
// base URL and a client of its own (keep-alives off if fresh is set, so
// that Go's transport never retries a reset request by itself).
func faultServer(t *testing.T, f Faults, fresh bool) (*Server, string, *http.Client) {
	t.Helper()
	opts := testOptions()
	opts.Faults = f
	s := New(opts)
	tr := &http.Transport{DisableKeepAlives: fresh}
	t.Cleanup(tr.CloseIdleConnections)
	return s, serve(t, s), &http.Client{Transport: tr}
}

// result is the outcome of one request as a client sees it.
type result struct {
	status int
	header http.Header
	body   []byte
	err    error // from the round trip (status 0) or from reading the body
}

// do performs an authenticated GET and reads the whole body.
func do(t *testing.T, c *http.Client, url string) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

// kind classifies a result as the fault that explains it ("" for none).
func (r result) kind() string {
	switch {
	case r.status == 0:
		return FaultReset
	case r.status == http.StatusTooManyRequests:
		return FaultRateLimit
	case r.status >= 500:
		return FaultServerError
	case r.status == http.StatusOK && r.err != nil:
		return FaultTruncate
	}
	return ""
}

// monthURL is a 31-day conversation export of the test data.
func monthURL(base string) string {
	return exportURL(base, ConversationExport, testStart.UnixMilli(), testStart.UnixMilli()+31*dayMs)
}

// fullMonth is the fault-free body of monthURL.
func fullMonth(t *testing.T) []byte {
	t.Helper()
	status, body, _ := get(t, monthURL(serve(t, shared())), "Bearer "+testToken)
	require.Equal(t, http.StatusOK, status)
	return body
}

func TestFaultTruncate(t *testing.T) {
	full := fullMonth(t)
	s, base, c := faultServer(t, Faults{Seed: 7, Truncate: 1}, false)
	cuts := map[int]bool{}
	const n = 30
	for range n {
		r := do(t, c, monthURL(base))
		require.Equal(t, http.StatusOK, r.status)
		require.ErrorIs(t, r.err, io.ErrUnexpectedEOF)
		require.GreaterOrEqual(t, len(r.body), 1)
		require.LessOrEqual(t, len(r.body), len(full)-2, "the final ']' must be missing")
		require.True(t, bytes.HasPrefix(full, r.body), "not a prefix of the full body")
		assert.False(t, json.Valid(r.body))
		cuts[len(r.body)] = true
	}
	assert.Greater(t, len(cuts), n/2, "cut points should vary")
	st := s.Stats()
	assert.Equal(t, int64(n), st.Faults[FaultTruncate])
	assert.Equal(t, int64(0), st.OK[ConversationExport])

	// An empty window can only be cut right after '['.
	r := do(t, c, exportURL(base, ConversationExport, testEnd.UnixMilli()+dayMs, testEnd.UnixMilli()+2*dayMs))
	assert.Equal(t, "[", string(r.body))
	assert.ErrorIs(t, r.err, io.ErrUnexpectedEOF)

	// Bad parameters get their 400, not a fault.
	r = do(t, c, base+"/v1/conversation_export?updated_after=x&updated_before=y")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.NoError(t, r.err)
	assert.Equal(t, int64(n+1), s.Stats().Faults[FaultTruncate])
}

func TestFaultReset(t *testing.T) {
	s, base, c := faultServer(t, Faults{Reset: 1}, false)
	for range 3 {
		r := do(t, c, monthURL(base))
		require.Error(t, r.err)
		assert.Equal(t, 0, r.status, "no response expected")
	}
	assert.Equal(t, int64(3), s.Stats().Faults[FaultReset])
	assert.Equal(t, int64(3), s.Stats().Requests[ConversationExport], "the transport must not have retried")

	// The control endpoints are never faulty.
	for _, p := range []string{"/_truth/conversations", "/_truth/messages", "/_stats"} {
		r := do(t, c, base+p)
		require.NoError(t, r.err, p)
		assert.Equal(t, http.StatusOK, r.status, p)
	}
}

func TestFaultRateLimit(t *testing.T) {
	clock := time.Date(2024, 5, 6, 7, 8, 9, 500e6, time.UTC)
	for _, tc := range []struct {
		retryAfter time.Duration
		secs, date string // the two forms of Retry-After, "" for none
	}{
		{2 * time.Second, "2", "Mon, 06 May 2024 07:08:12 GMT"},
		{1500 * time.Millisecond, "2", "Mon, 06 May 2024 07:08:11 GMT"},
		{0, "", ""},
	} {
		t.Run(tc.retryAfter.String(), func(t *testing.T) {
			opts := testOptions()
			opts.Faults = Faults{Seed: 3, RateLimit: 1, RetryAfter: tc.retryAfter}
			s := New(opts)
			s.now = func() time.Time { return clock }
			base := serve(t, s)
			seen := map[string]int{}
			for range 20 {
				status, body, hdr := get(t, monthURL(base), "Bearer "+testToken)
				require.Equal(t, http.StatusTooManyRequests, status)
				assert.Equal(t, "API limit has been reached", errorMessage(t, body))
				seen[hdr.Get("Retry-After")]++
			}
			if tc.retryAfter == 0 {
				assert.Equal(t, map[string]int{"": 20}, seen)
			} else {
				assert.Len(t, seen, 2, "%v", seen)
				assert.Positive(t, seen[tc.secs], "%v", seen)
				assert.Positive(t, seen[tc.date], "%v", seen)
			}
			st := s.Stats()
			assert.Equal(t, int64(20), st.Faults[FaultRateLimit])
			assert.Equal(t, int64(0), st.RateLimited[ConversationExport], "injected 429s are not the limiter's")
		})
	}
}

func TestFaultLimiterFirst(t *testing.T) {
	opts := testOptions()
	opts.MinuteSeconds = 60
	opts.Faults = Faults{Truncate: 1}
	s := New(opts)
	clock := testStart
	s.now = func() time.Time { return clock }
	base := serve(t, s)
	c := &http.Client{}
	url := exportURL(base, MessageExport, testStart.UnixMilli(), testStart.UnixMilli()+dayMs)
	for i := range 5 {
		r := do(t, c, url)
		if i < 3 {
			assert.Equal(t, FaultTruncate, r.kind(), "request %d", i)
		} else {
			assert.Equal(t, http.StatusTooManyRequests, r.status, "request %d: the limiter's 429 wins", i)
		}
	}
	st := s.Stats()
	assert.Equal(t, int64(3), st.Faults[FaultTruncate])
	assert.Equal(t, int64(2), st.RateLimited[MessageExport])
}

func TestFaultServerError(t *testing.T) {
	s, base, c := faultServer(t, Faults{Seed: 5, ServerError: 1}, false)
	html := map[bool]int{}
	for i := range 40 {
		r := do(t, c, monthURL(base))
		require.NoError(t, r.err)
		want := []int{500, 502, 503, 504}[i%4]
		require.Equal(t, want, r.status, "request %d", i)
		if strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			require.True(t, want == 502 || want == 504, "HTML only from proxies")
			assert.Equal(t, fmt.Sprintf("<html><body><h1>%d %s</h1></body></html>\n", want, http.StatusText(want)), string(r.body))
			html[true]++
			continue
		}
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		assert.Equal(t, "Internal error", errorMessage(t, r.body))
		if want == 502 || want == 504 {
			html[false]++
		}
	}
	assert.Positive(t, html[true], "some 502/504 should be HTML")
	assert.Positive(t, html[false], "some 502/504 should be JSON")
	assert.Equal(t, int64(40), s.Stats().Faults[FaultServerError])
}

func TestFaultSlow(t *testing.T) {
	full := fullMonth(t)
	s, base, c := faultServer(t, Faults{Slow: 1, SlowFor: 200 * time.Millisecond}, false)
	start := time.Now()
	r := do(t, c, monthURL(base))
	assert.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, string(full), string(r.body))
	assert.Equal(t, int64(1), s.Stats().Faults[FaultSlow])
	assert.Equal(t, int64(1), s.Stats().OK[ConversationExport])
}

func TestFaultSlowClientGoesAway(t *testing.T) {
	opts := testOptions()
	opts.Faults = Faults{Slow: 1, SlowFor: time.Minute}
	s := New(opts)
	exited := make(chan struct{}, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { exited <- struct{}{} }()
		s.Handler().ServeHTTP(w, r)
	}))
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, monthURL(ts.URL), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := ts.Client().Do(req) // returns once the stall point is flushed
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	read := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); read <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-read:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("the client's read did not end after cancelling")
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not exit after the client went away")
	}
}

func TestFaultObject(t *testing.T) {
	s, base, c := faultServer(t, Faults{Object: 1}, false)
	for _, u := range []string{monthURL(base), exportURL(base, MessageExport, testStart.UnixMilli(), testStart.UnixMilli()+dayMs)} {
		r := do(t, c, u)
		require.NoError(t, r.err)
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		assert.Equal(t, `{"message":"Something went wrong"}`+"\n", string(r.body))
	}
	st := s.Stats()
	assert.Equal(t, int64(2), st.Faults[FaultObject])
	assert.Equal(t, int64(0), st.OK[ConversationExport]+st.OK[MessageExport], "an object is not OK")

	// A fraction, alongside the others; adding Object leaves the other
	// kinds' picks as they were.
	f := Faults{Seed: 4, RateLimit: 0.2, Object: 0.3}
	count := map[string]int{}
	for i := range 20000 {
		k := f.Pick(ConversationExport, int64(i))
		count[k]++
		if k != FaultObject {
			assert.Equal(t, Faults{Seed: 4, RateLimit: 0.2}.Pick(ConversationExport, int64(i)), k, "request %d", i)
		}
	}
	assert.InDelta(t, 0.3, float64(count[FaultObject])/20000, 0.02)
	assert.InDelta(t, 0.2, float64(count[FaultRateLimit])/20000, 0.02)
}

// mixed has every kind of fault, with a short stall.
var mixed = Faults{Seed: 11, RateLimit: 0.15, RetryAfter: time.Second, ServerError: 0.15,
	Truncate: 0.15, Slow: 0.1, SlowFor: time.Millisecond, Reset: 0.15}

// sequence performs n sequential requests to a fresh server with the
// given faults and returns what the client saw of each.
func sequence(t *testing.T, f Faults, n int) []string {
	t.Helper()
	_, base, c := faultServer(t, f, true)
	url := exportURL(base, ConversationExport, testStart.UnixMilli(), testStart.UnixMilli()+2*dayMs)
	var seq []string
	for range n {
		r := do(t, c, url)
		seq = append(seq, fmt.Sprintf("%s/%d/%d/%t", r.kind(), r.status, len(r.body), r.header.Get("Retry-After") != ""))
	}
	return seq
}

func TestFaultDeterminism(t *testing.T) {
	a, b := sequence(t, mixed, 40), sequence(t, mixed, 40)
	assert.Equal(t, a, b)
	for i, r := range a {
		want := mixed.Pick(ConversationExport, int64(i))
		if want == FaultSlow {
			want = "" // a slow response is complete
		}
		assert.Equal(t, want, strings.Split(r, "/")[0], "request %d", i)
	}
	other := mixed
	other.Seed++
	assert.NotEqual(t, a, sequence(t, other, 40))

	picks := func(f Faults, ep string) (p []string) {
		for i := range 200 {
			p = append(p, f.Pick(ep, int64(i)))
		}
		return p
	}
	assert.Equal(t, picks(mixed, ConversationExport), picks(mixed, ConversationExport))
	assert.NotEqual(t, picks(mixed, ConversationExport), picks(mixed, MessageExport))
	assert.NotEqual(t, picks(mixed, ConversationExport), picks(other, ConversationExport))
	assert.Equal(t, make([]string, 200), picks(Faults{Seed: 1}, ConversationExport))
}

func TestFaultPickDistribution(t *testing.T) {
	const n = 100000
	count := map[string]int{}
	for i := range n {
		count[mixed.Pick(MessageExport, int64(i))]++
	}
	want := map[string]float64{FaultRateLimit: 0.15, FaultServerError: 0.15, FaultTruncate: 0.15, FaultSlow: 0.1, FaultReset: 0.15, "": 0.3}
	for k, p := range want {
		assert.InDelta(t, p, float64(count[k])/n, 0.01, "kind %q", k)
	}
	// Fractions summing to 1 leave no request unfaulted despite rounding.
	full := Faults{RateLimit: 0.1, ServerError: 0.2, Truncate: 0.7}
	for i := range 10000 {
		require.NotEmpty(t, full.Pick(ConversationExport, int64(i)))
	}
}

func TestFaultMix(t *testing.T) {
	f := Faults{Seed: 9, RateLimit: 0.2, ServerError: 0.2, Truncate: 0.2}
	_, base, c := faultServer(t, f, false)
	url := exportURL(base, MessageExport, testStart.UnixMilli(), testStart.UnixMilli()+dayMs)
	const n = 500
	seen := map[string]int64{}
	for range n {
		seen[do(t, c, url).kind()]++
	}
	for _, k := range []string{FaultRateLimit, FaultServerError, FaultTruncate} {
		assert.InDelta(t, 0.2*n, seen[k], 40, "kind %s", k)
	}
	assert.InDelta(t, 0.4*n, seen[""], 45)

	status, body, _ := get(t, base+"/_stats", "")
	require.Equal(t, http.StatusOK, status)
	var st Stats
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, map[string]int64{FaultRateLimit: seen[FaultRateLimit], FaultServerError: seen[FaultServerError],
		FaultTruncate: seen[FaultTruncate], FaultSlow: 0, FaultReset: 0, FaultObject: 0}, st.Faults)
	assert.Equal(t, int64(n), st.Requests[MessageExport])
	assert.Equal(t, seen[""], st.OK[MessageExport])
}

func TestFaultsValidate(t *testing.T) {
	for _, tc := range []struct {
		f    Faults
		want string
	}{
		{Faults{}, ""},
		{Faults{RateLimit: 1}, ""},
		{Faults{RateLimit: 0.1, ServerError: 0.2, Truncate: 0.7}, ""},
		{Faults{Slow: 0.2, Reset: 0.2, Truncate: 0.2, RateLimit: 0.2, ServerError: 0.2}, ""},
		{Faults{RateLimit: -0.1}, "Faults.RateLimit must be in [0,1]"},
		{Faults{Reset: 1.5}, "Faults.Reset must be in [0,1]"},
		{Faults{Slow: math.NaN()}, "Faults.Slow must be in [0,1]"},
		{Faults{Truncate: 0.6, ServerError: 0.5}, "sum to 1.1"},
		{Faults{RetryAfter: -time.Second}, "RetryAfter must not be negative"},
		{Faults{SlowFor: -time.Second}, "SlowFor must not be negative"},
		{Faults{Object: 1.5}, "Faults.Object must be in [0,1]"},
		{Faults{Object: 0.5, Reset: 0.6}, "sum to 1.1"},
	} {
		err := tc.f.Validate()
		if tc.want == "" {
			assert.NoError(t, err, "%+v", tc.f)
			continue
		}
		if assert.Error(t, err, "%+v", tc.f) {
			assert.Contains(t, err.Error(), tc.want)
		}
		opts := testOptions()
		opts.Faults = tc.f
		assert.EqualError(t, opts.Validate(), err.Error())
	}
}
