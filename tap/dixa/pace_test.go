package dixa

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// windowServer is a fake Dixa that counts every request (answered or not)
// in any closed span of span: a request that makes more than limit in the
// span ending with it gets a 429.
type windowServer struct {
	limit int
	span  time.Duration

	mu     sync.Mutex
	sent   []time.Time
	status []int
}

func (w *windowServer) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	w.sent = append(w.sent, now)
	n := 0
	for _, s := range w.sent {
		if !s.Before(now.Add(-w.span)) {
			n++
		}
	}
	status, body := http.StatusOK, "[]"
	if n > w.limit {
		status, body = http.StatusTooManyRequests, `{"message":"API limit has been reached"}`
	}
	w.status = append(w.status, status)
	return &http.Response{StatusCode: status, Header: http.Header{}, Request: r, Body: io.NopCloser(strings.NewReader(body))}, nil
}

func (w *windowServer) count(status int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.status {
		if s == status {
			n++
		}
	}
	return n
}

// getUntilOK gets path n times, each until it is answered 200, in at
// most 2n attempts. It may run outside the test's goroutine: it reports
// with t.Errorf and returns.
func getUntilOK(t *testing.T, c *Client, s Surface, path string, n int) {
	t.Helper()
	for ok, tries := 0, 0; ok < n; tries++ {
		if tries == 2*n {
			t.Errorf("%s: %d of %d requests answered 200 after %d attempts", path, ok, n, tries)
			return
		}
		resp, err := c.Get(t.Context(), s, path, nil)
		if err == nil {
			resp.Body.Close()
			ok++
			continue
		}
		retry, wait := ShouldRetry(err)
		if !retry {
			t.Errorf("%s: %v", path, err)
			return
		}
		time.Sleep(wait)
	}
}

// At Dixa's export limits, counted over any 60 s span, 30 requests in a row
// meet no 429, and take barely longer than the least time the limit allows:
// (n−1) × 60 s / rate.
func TestPacingMeetsNo429UnderSlidingWindow(t *testing.T) {
	for _, perMinute := range []int{3, 10} {
		synctest.Test(t, func(t *testing.T) {
			const n = 30
			srv := &windowServer{limit: perMinute, span: time.Minute}
			c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: srv}),
				WithBaseURL(Exports, "http://127.0.0.1:1"),
				WithRateLimit("/v1/conversation_export", rate.Limit(float64(perMinute)/60)))
			require.NoError(t, err)
			began := time.Now()
			getUntilOK(t, c, Exports, "/v1/conversation_export", n)
			took := time.Since(began)
			least := time.Duration(n-1) * time.Minute / time.Duration(perMinute)
			t.Logf("%d/min: %d requests, %d answered 429, took %s, least %s (+%.2f%%)",
				perMinute, len(srv.sent), srv.count(429), took, least, 100*(took.Seconds()/least.Seconds()-1))
			assert.Zero(t, srv.count(http.StatusTooManyRequests))
			assert.Len(t, srv.sent, n)
			assert.GreaterOrEqual(t, took, least)
			assert.LessOrEqual(t, took.Seconds(), least.Seconds()*1.02)
		})
	}
}

// A server whose real limit is stricter than the configured one answers
// 429s; after each the client spaces its requests further apart, and over
// the run it settles below the server's limit.
func TestPacingSlowsDownAfter429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &windowServer{limit: 7, span: time.Minute} // configured: 10/min
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: srv}),
			WithBaseURL(Exports, "http://127.0.0.1:1"),
			WithRateLimit("/v1/conversation_export", rate.Limit(10.0/60)))
		require.NoError(t, err)
		getUntilOK(t, c, Exports, "/v1/conversation_export", 40)
		first := -1
		for i, s := range srv.status {
			if s == http.StatusTooManyRequests {
				first = i
				break
			}
		}
		require.Positive(t, first, "the stricter server answers 429")
		before := srv.sent[first].Sub(srv.sent[first-1])
		after := srv.sent[first+1].Sub(srv.sent[first])
		t.Logf("first 429 at request %d; interval before %s, after %s; %d requests, %d answered 429",
			first+1, before, after, len(srv.sent), srv.count(429))
		assert.Equal(t, PacedInterval(10.0/60), before)
		assert.Greater(t, after, before)
		assert.InDelta(t, before.Seconds()/slowDownFactor, after.Seconds(), 0.001)
		// Without slowing down, every request once the span is full would
		// be refused; with it, most of them go through.
		assert.Less(t, srv.count(http.StatusTooManyRequests), len(srv.sent)/4)
	})
}

// The pacing recovers after 429s: each 200 raises the rate by a step, up
// to the paced rate and never above it; a 429 lowers it, never below an
// eighth of the configured rate.
func TestPacerSlowDownAndRecovery(t *testing.T) {
	p := newPacer(10)
	assert.InDelta(t, 9.85, float64(p.current()), 1e-9)
	for range 100 {
		p.slowDown()
	}
	assert.InDelta(t, 1.25, float64(p.current()), 1e-9, "the floor is an eighth of the configured rate")
	p.speedUp()
	assert.InDelta(t, 1.45, float64(p.current()), 1e-9, "2 % of the configured rate per success")
	for range 1000 {
		p.speedUp()
	}
	assert.InDelta(t, 9.85, float64(p.current()), 1e-9, "never above the paced rate")
}

// A 429 from the Dixa API slows the whole surface down, not just the
// endpoint.
func TestSurfacePacingSlowsDownAfter429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &windowServer{limit: 8, span: time.Second} // configured: 10/s
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: srv}),
			WithSurfaceRateLimit(API, 10, 4))
		require.NoError(t, err)
		var wg sync.WaitGroup
		for _, p := range []string{"/v1/agents", "/v1/teams"} {
			wg.Go(func() { getUntilOK(t, c, API, p, 20) })
		}
		wg.Wait()
		every := PacedInterval(10)
		assert.Equal(t, 101522843*time.Nanosecond, every)
		first := -1
		for i, s := range srv.status {
			if i > 0 {
				assert.GreaterOrEqual(t, srv.sent[i].Sub(srv.sent[i-1]), every, "evenly spaced, no burst")
			}
			if s == http.StatusTooManyRequests && first < 0 {
				first = i
			}
		}
		require.Positive(t, first)
		after := srv.sent[first+1].Sub(srv.sent[first])
		t.Logf("first 429 at request %d; interval after %s; %d requests, %d answered 429",
			first+1, after, len(srv.sent), srv.count(429))
		assert.Greater(t, after, every)
	})
}

// Rates far too small or too large for a Duration neither panic nor give
// negative or wrapped waits.
func TestPacingExtremeRates(t *testing.T) {
	for _, r := range []rate.Limit{1e-12, 1e-300, 5e-324, 0, -1, rate.Limit(math.NaN()), rate.Inf, 1e12, 1e300, math.MaxFloat64} {
		d := PacedInterval(r)
		assert.GreaterOrEqual(t, d, time.Duration(0), "%v", r)
		if r > 1e12 {
			assert.LessOrEqual(t, d, time.Nanosecond, "%v", r)
		}
	}
	assert.Equal(t, time.Duration(math.MaxInt64), PacedInterval(1e-12))
	assert.Equal(t, time.Duration(math.MaxInt64), PacedInterval(0))
	assert.Equal(t, time.Duration(0), PacedInterval(rate.Inf))
	assert.Equal(t, time.Nanosecond, PacedInterval(1e12), "rounded up, never 0")

	synctest.Test(t, func(t *testing.T) {
		rt := &roundTripper{times: map[string][]time.Time{}}
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: rt}),
			WithRateLimit("/slow", 1e-12), WithRateLimit("/fast", 1e12), WithRateLimit("/free", rate.Inf),
			WithSurfaceRateLimit(API, 1e12, 0))
		require.NoError(t, err)
		began := time.Now()
		for _, p := range []string{"/fast", "/free"} {
			for range 100 {
				resp, err := c.Get(t.Context(), API, p, nil)
				require.NoError(t, err)
				resp.Body.Close()
			}
		}
		assert.LessOrEqual(t, time.Since(began), time.Microsecond)
		resp, err := c.Get(t.Context(), Exports, "/slow", nil)
		require.NoError(t, err, "the first request goes at once")
		resp.Body.Close()
		c.pacers["/slow"].slowDown()
		c.pacers["/slow"].speedUp()
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		_, err = c.Get(ctx, Exports, "/slow", nil)
		require.ErrorIs(t, err, context.DeadlineExceeded, "the next would come in 292 years")
		assert.Len(t, rt.times["/slow"], 1)
	})

	for _, r := range []rate.Limit{0, -1, rate.Limit(math.NaN()), rate.Limit(math.Inf(-1))} {
		_, err := NewClient(token, WithRateLimit("/x", r))
		assert.ErrorContains(t, err, "rate limit for /x must be above 0", "%v", r)
		_, err = NewClient(token, WithSurfaceRateLimit(API, r, 1))
		assert.ErrorContains(t, err, "must be above 0", "%v", r)
	}
}

// WithWaitObserver hears of each pacing wait before it begins, and the
// Observation of the request that follows carries the method, the URL and
// the time waited.
func TestWaitObserverAndObservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &roundTripper{times: map[string][]time.Time{}}
		var waits []Wait
		var obs []Observation
		c, err := NewClient(token,
			WithHTTPClient(&http.Client{Transport: rt}),
			WithBaseURL(Exports, "http://127.0.0.1:9"),
			WithRateLimit("/v1/message_export", rate.Limit(3.0/60)),
			WithWaitObserver(func(w Wait) { waits = append(waits, w) }),
			WithObserver(func(o Observation) { obs = append(obs, o) }))
		require.NoError(t, err)
		for i := range 3 {
			resp, err := c.Get(t.Context(), Exports, "/v1/message_export", url.Values{"created_after": {strconv.Itoa(i)}})
			require.NoError(t, err)
			resp.Body.Close()
		}
		every := PacedInterval(3.0 / 60)
		assert.Equal(t, []Wait{{"GET", "/v1/message_export", every}, {"GET", "/v1/message_export", every}}, waits)
		require.Len(t, obs, 3)
		assert.Equal(t, Observation{Method: "GET", URL: "http://127.0.0.1:9/v1/message_export?created_after=0",
			Path: "/v1/message_export", Status: 200}, obs[0])
		assert.Equal(t, every, obs[1].Waited)
		assert.Equal(t, "http://127.0.0.1:9/v1/message_export?created_after=2", obs[2].URL)
	})
}
