package tap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/singer"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// script answers export requests: fn gets the request's window bounds and
// its index among requests, and returns the status and body.
type script struct {
	mu    sync.Mutex
	n     int
	fn    func(n int, after, before int64) (int, io.Reader)
	calls []string
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := s.n
	s.n++
	s.mu.Unlock()
	after, _ := strconv.ParseInt(r.URL.Query().Get("updated_after"), 10, 64)
	before, _ := strconv.ParseInt(r.URL.Query().Get("updated_before"), 10, 64)
	status, body := s.fn(n, after, before)
	s.mu.Lock()
	s.calls = append(s.calls, fmt.Sprintf("%d %s", status, time.Now().UTC().Format(time.TimeOnly)))
	s.mu.Unlock()
	return &http.Response{StatusCode: status, Body: io.NopCloser(body), Header: http.Header{}, Request: r}, nil
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// records returns conversations at the given hours after t0.
func records(hours ...int) []string {
	var out []string
	for _, h := range hours {
		out = append(out, fmt.Sprintf(`{"id":%d,"updated_at":%d}`, 1000+h, t0.Add(time.Duration(h)*time.Hour).UnixMilli()))
	}
	return out
}

func array(recs []string) io.Reader { return strings.NewReader("[" + strings.Join(recs, ",") + "]") }

// inWindow keeps the records inside Dixa's answer to (after, before).
func inWindow(recs []string, after, before int64) []string {
	var out []string
	for _, r := range recs {
		i := strings.Index(r, `"updated_at":`)
		at, _ := strconv.ParseInt(strings.TrimSuffix(r[i+len(`"updated_at":`):], "}"), 10, 64)
		if at > after && at < before {
			out = append(out, r)
		}
	}
	return out
}

func runSync(t *testing.T, sc *script, days int, maxRetries int) (*singertest.Output, string, error) {
	t.Helper()
	client, err := dixa.NewClient("tok",
		dixa.WithHTTPClient(&http.Client{Transport: sc}),
		dixa.WithBaseURL(dixa.Exports, "http://127.0.0.1:1"),
		dixa.WithRateLimit("/v1/conversation_export", rate.Limit(10.0/60)))
	require.NoError(t, err)
	var out, logs bytes.Buffer
	cfg := &config.Config{StartDate: t0, EndDate: t0.AddDate(0, 0, days), Window: time.Duration(days) * 24 * time.Hour,
		ConversationsPerMinute: 10, MaxRetries: maxRetries}
	st := Streams[0]
	spec, err := st.Spec()
	require.NoError(t, err)
	s := &Sync{Config: cfg, Client: client, Out: singer.NewWriter(&out), State: singer.NewState(),
		Log: NewLogger(&logs, Info), Now: time.Now}
	err = s.Run(t.Context(), []Selected{{Stream: st, Spec: spec, Schema: spec.Schema}})
	require.NoError(t, s.Out.Flush())
	return singertest.Check(t, out.Bytes()), logs.String(), err
}

func ids(o *singertest.Output) map[string]int {
	m := map[string]int{}
	for _, id := range o.Field("conversations", "id") {
		m[id]++
	}
	return m
}

func TestRetriedWindowWritesEachRecordOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		all := records(1, 5, 9, 13, 17, 21)
		sc := &script{fn: func(n int, after, before int64) (int, io.Reader) {
			switch n {
			case 0:
				return 503, strings.NewReader(`{"message":"Internal error"}`)
			case 1: // cut off after three records
				return 200, io.MultiReader(strings.NewReader("["+strings.Join(all[:3], ",")+`,{"id":`), failingReader{io.ErrUnexpectedEOF})
			case 2:
				return 429, strings.NewReader(`{"message":"API limit has been reached"}`)
			}
			rev := append([]string(nil), all...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			return 200, array(rev) // a different order this time
		}}
		began := time.Now()
		o, logs, err := runSync(t, sc, 1, 8)
		require.NoError(t, err, logs)
		got := ids(o)
		assert.Len(t, got, 6)
		for id, n := range got {
			assert.Equal(t, 1, n, "id %s written %d times", id, n)
		}
		assert.Len(t, sc.calls, 4)
		assert.Equal(t, 3, strings.Count(logs, "WARNING conversations: window"), logs)
		assert.Contains(t, logs, "attempt 3 failed: GET http://127.0.0.1:1/v1/conversation_export?")
		// 429 waits at least the endpoint's pacing interval (6 s at 10/min).
		assert.GreaterOrEqual(t, time.Since(began), 6*time.Second)
		assert.JSONEq(t, `{"bookmarks":{"conversations":{"updated_at":1704153600000}},"currently_syncing":null}`, string(o.LastState()))
	})
}

func TestWindowThatKeepsFailingIsSplit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var all []int
		for h := 0; h < 96; h += 5 {
			all = append(all, h)
		}
		recs := records(all...)
		sc := &script{fn: func(n int, after, before int64) (int, io.Reader) {
			if time.Duration(before-after)*time.Millisecond > 25*time.Hour {
				return 504, strings.NewReader("<html>Gateway Timeout</html>")
			}
			return 200, array(inWindow(recs, after, before))
		}}
		o, logs, err := runSync(t, sc, 4, 8)
		require.NoError(t, err, logs)
		got := ids(o)
		assert.Len(t, got, len(recs))
		for id, n := range got {
			assert.Equal(t, 1, n, "id %s", id)
		}
		assert.Equal(t, 3, strings.Count(logs, "splitting it"), "4 days → 2 × 2 days → 4 × 1 day: %s", logs)
		// n counts the queue: [2d 2d] → [1d 1d 2d] → 1 of 3, 2 of 3 → [1d 1d] → 3 of 4, 4 of 4.
		var progress []string
		for _, l := range strings.Split(logs, "\n") {
			if m := regexp.MustCompile(`^INFO conversations: window (\d+ of \d+) `).FindStringSubmatch(l); m != nil {
				progress = append(progress, m[1])
			}
		}
		assert.Equal(t, []string{"1 of 3", "2 of 3", "3 of 4", "4 of 4"}, progress, logs)
		var marks []string
		for _, st := range o.States {
			marks = append(marks, string(st))
		}
		day := func(d int) string { return strconv.FormatInt(t0.AddDate(0, 0, d).UnixMilli(), 10) }
		for d := 1; d <= 4; d++ {
			assert.Contains(t, strings.Join(marks, "\n"), `"updated_at":`+day(d), "a STATE after each 1-day piece")
		}
	})
}

func TestGivesUpAfterMaxRetriesWithoutAdvancing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc := &script{fn: func(int, int64, int64) (int, io.Reader) {
			return 500, strings.NewReader(`{"message":"Internal error"}`)
		}}
		o, logs, err := runSync(t, sc, 1, 2)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "conversations: window 2024-01-01T00:00:00Z..2024-01-02T00:00:00Z: GET")
		assert.Contains(t, err.Error(), "500 Internal error (gave up after 3 failed attempts; max_retries is 2)")
		assert.Len(t, sc.calls, 3, logs)
		assert.JSONEq(t, `{"bookmarks":{},"currently_syncing":"conversations"}`, string(o.LastState()))
	})
}

func TestNoRetryOnBadRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc := &script{fn: func(int, int64, int64) (int, io.Reader) {
			return 400, strings.NewReader(`{"message":"Invalid query parameters"}`)
		}}
		_, _, err := runSync(t, sc, 1, 8)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "400 Invalid query parameters")
		assert.Len(t, sc.calls, 1)
	})
}

// both answers both export endpoints with one record an hour, and counts
// each endpoint's requests over any sliding 60 s span, as Dixa may:
// beyond its limit (10 and 3 a minute) it answers 429.
type both struct {
	mu       sync.Mutex
	accepted map[string][]time.Time
	limited  int
}

func (b *both) RoundTrip(r *http.Request) (*http.Response, error) {
	limit := map[string]int{"/v1/conversation_export": 10, "/v1/message_export": 3}[r.URL.Path]
	now := time.Now()
	b.mu.Lock()
	if b.accepted == nil {
		b.accepted = map[string][]time.Time{}
	}
	inSpan := 0
	for _, at := range b.accepted[r.URL.Path] {
		if now.Sub(at) <= time.Minute { // a closed span: Dixa may count both ends
			inSpan++
		}
	}
	if inSpan >= limit {
		b.limited++
		b.mu.Unlock()
		return &http.Response{StatusCode: http.StatusTooManyRequests, Body: io.NopCloser(strings.NewReader(`{"message":"API limit has been reached"}`)), Header: http.Header{}, Request: r}, nil
	}
	b.accepted[r.URL.Path] = append(b.accepted[r.URL.Path], now)
	b.mu.Unlock()
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("updated_after")+q.Get("created_after"), 10, 64)
	before, _ := strconv.ParseInt(q.Get("updated_before")+q.Get("created_before"), 10, 64)
	var recs []string
	h := int64(time.Hour / time.Millisecond)
	for at := (after/h + 1) * h; at < before; at += h {
		if strings.Contains(r.URL.Path, "message") {
			recs = append(recs, fmt.Sprintf(`{"id":"m%d","created_at":%d}`, at, at))
		} else {
			recs = append(recs, fmt.Sprintf(`{"id":%d,"updated_at":%d}`, at, at))
		}
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(array(recs)), Header: http.Header{}, Request: r}, nil
}

// A two-year backfill of both export streams at the default pacing (10/min
// and 3/min) against a server that counts any sliding 60 s span meets no
// 429, and takes within 2 % of the minimum: about as long as the slower
// stream alone when the streams run in parallel, the sum when they do not.
// Either way each STATE covers only records already written.
func TestParallelStreamsSpendTheLimitsWell(t *testing.T) {
	for _, parallel := range []int{1, 3} {
		synctest.Test(t, func(t *testing.T) {
			srv := &both{}
			client, err := dixa.NewClient("tok", dixa.WithHTTPClient(&http.Client{Transport: srv}),
				dixa.WithBaseURL(dixa.Exports, "http://127.0.0.1:1"),
				dixa.WithRateLimit("/v1/conversation_export", rate.Limit(10.0/60)),
				dixa.WithRateLimit("/v1/message_export", rate.Limit(3.0/60)))
			require.NoError(t, err)
			var out bytes.Buffer
			end := t0.AddDate(2, 0, 0)
			cfg := &config.Config{StartDate: t0, EndDate: end, Window: 31 * 24 * time.Hour, MaxRetries: 8,
				ConversationsPerMinute: 10, MessagesPerMinute: 3, MaxParallelStreams: parallel}
			var sels []Selected
			for _, st := range Streams[:2] {
				spec, err := st.Spec()
				require.NoError(t, err)
				sels = append(sels, Selected{Stream: st, Spec: spec, Schema: spec.Schema})
			}
			s := &Sync{Config: cfg, Client: client, Out: singer.NewWriter(&out), State: singer.NewState(),
				Log: NewLogger(io.Discard, Info), Now: time.Now}
			began := time.Now()
			require.NoError(t, s.Run(t.Context(), sels))
			took := time.Since(began)
			windows := len(Windows(t0, end, cfg.Window)) // 24 per stream
			slow := time.Duration(windows-1) * 20 * time.Second
			fast := time.Duration(windows-1) * 6 * time.Second
			minimum := slow // in parallel: the slower stream alone
			if parallel == 1 {
				minimum = slow + fast // one after another: the sum
			}
			assert.Zero(t, srv.limited, "429s from a sliding-window server")
			assert.GreaterOrEqual(t, took, minimum)
			assert.LessOrEqual(t, took.Seconds(), 1.02*minimum.Seconds(), "within 2%% of the minimum %s", minimum)
			t.Logf("max_parallel_streams=%d: 2-year backfill of %d+%d windows took %s (minimum %s, +%.2f%%), %d × 429",
				parallel, windows, windows, took, minimum, 100*(took.Seconds()/minimum.Seconds()-1), srv.limited)
			// Replay the output: at every STATE, nothing below a bookmark may
			// still be to come.
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			marks := map[string]int64{}
			for _, l := range lines {
				var m struct {
					Type   string
					Stream string
					Record map[string]any
					Value  struct {
						Bookmarks map[string]map[string]int64
					}
				}
				require.NoError(t, json.Unmarshal([]byte(l), &m))
				switch m.Type {
				case "STATE":
					for stream, b := range m.Value.Bookmarks {
						for _, v := range b {
							marks[stream] = v
						}
					}
				case "RECORD":
					at := int64(m.Record[map[string]string{"conversations": "updated_at", "messages": "created_at"}[m.Stream]].(float64))
					assert.GreaterOrEqual(t, at, marks[m.Stream], "a %s record below a bookmark already written", m.Stream)
				}
			}
			assert.Equal(t, end.UnixMilli(), marks["conversations"])
			assert.Equal(t, end.UnixMilli(), marks["messages"])
		})
	}
}

// A dead endpoint fails after max_retries+1 attempts in all, halves of split
// windows included, within a bounded time at the default settings.
func TestDeadEndpointBudgetCoversSplits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		perMinute float64
	}{{"conversations 500", 500, 10}, {"conversations 503", 503, 10}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sc := &script{fn: func(int, int64, int64) (int, io.Reader) {
					return tc.status, strings.NewReader(`{"message":"Internal error"}`)
				}}
				began := time.Now()
				_, logs, err := runSync(t, sc, 31, 8)
				elapsed := time.Since(began)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "(gave up after 9 failed attempts; max_retries is 8)")
				assert.Len(t, sc.calls, 9, logs)
				assert.Equal(t, 2, strings.Count(logs, "splitting it"), logs)
				// Waits: backoff 1, 2, 4, ... s capped at 60 s (jittered over the
				// upper half), each at least the 6 s pacing interval.
				assert.Less(t, elapsed, 4*time.Minute)
				t.Logf("dead endpoint at the defaults: %d attempts, %.0f s (fake clock)", len(sc.calls), elapsed.Seconds())
			})
		})
	}
}

// Each window's progress line says which window of how many it was and
// how long the rest will take at the endpoint's pacing (6.09 s apart at 10
// requests a minute), or at the measured pace when that is slower.
func TestProgressLinesEstimateTimeLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc := &script{fn: func(n int, after, before int64) (int, io.Reader) {
			if n == 3 {
				time.Sleep(30 * time.Second) // a slow answer makes the measured pace count
			}
			return 200, array(inWindow(records(1, 30, 50, 80, 100), after, before))
		}}
		client, err := dixa.NewClient("tok",
			dixa.WithHTTPClient(&http.Client{Transport: sc}),
			dixa.WithBaseURL(dixa.Exports, "http://127.0.0.1:1"),
			dixa.WithRateLimit("/v1/conversation_export", rate.Limit(10.0/60)))
		require.NoError(t, err)
		var out, logs bytes.Buffer
		cfg := &config.Config{StartDate: t0, EndDate: t0.AddDate(0, 0, 5), Window: 24 * time.Hour,
			ConversationsPerMinute: 10, MaxRetries: 1}
		st := Streams[0]
		spec, err := st.Spec()
		require.NoError(t, err)
		s := &Sync{Config: cfg, Client: client, Out: singer.NewWriter(&out), State: singer.NewState(),
			Log: NewLogger(&logs, Info), Now: time.Now}
		require.NoError(t, s.Run(t.Context(), []Selected{{Stream: st, Spec: spec, Schema: spec.Schema}}))
		var lines []string
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.HasPrefix(l, "INFO conversations: window ") {
				lines = append(lines, l)
			}
		}
		assert.Equal(t, []string{
			"INFO conversations: window 1 of 5 2024-01-01T00:00:00Z..2024-01-02T00:00:00Z: 1 records in 0.0s; about 24.4s left",
			"INFO conversations: window 2 of 5 2024-01-02T00:00:00Z..2024-01-03T00:00:00Z: 1 records in 6.1s; about 18.3s left",
			"INFO conversations: window 3 of 5 2024-01-03T00:00:00Z..2024-01-04T00:00:00Z: 1 records in 6.1s; about 12.2s left",
			// (0 + 6.09 + 6.09 + 36.09) / 4 = 12.07 s a window, more than 6.09 s
			"INFO conversations: window 4 of 5 2024-01-04T00:00:00Z..2024-01-05T00:00:00Z: 1 records in 36.1s; about 12.1s left",
			"INFO conversations: window 5 of 5 2024-01-05T00:00:00Z..2024-01-06T00:00:00Z: 1 records in 0.0s", // its pacing wait passed during the slow answer,
		}, lines)
	})
}

func TestRoundDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		126*time.Second + 400*time.Millisecond: "2m6s",
		5*time.Second + 912*time.Millisecond:   "5.9s",
		152*time.Millisecond + 300:             "152ms",
		0:                                      "0s",
	} {
		assert.Equal(t, want, roundDuration(d))
	}
}

// parseInt is strconv.ParseInt on every kind of input.
func TestParseInt(t *testing.T) {
	for _, s := range []string{"0", "7", "1704067200000", "999999999999999999", "9223372036854775807", "9223372036854775808",
		"-1", "-0", "00", "01", "", "1.5", "1e3", "12a", " 1", "+1", "123456789012345678901"} {
		want, wantErr := strconv.ParseInt(s, 10, 64)
		got, err := parseInt([]byte(s))
		if got != want || (err == nil) != (wantErr == nil) {
			t.Errorf("parseInt(%q) = %d, %v; strconv says %d, %v", s, got, err, want, wantErr)
		}
	}
}
