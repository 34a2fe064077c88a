package dixa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

const token = "tok-SECRET-123"

func respErr(status int, header http.Header) error {
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(`{"message":"m"}`)),
		Request: &http.Request{URL: &url.URL{Scheme: "https", Host: "x", Path: "/p"}}}
	c := &Client{token: token}
	return c.errorFrom(resp)
}

func TestShouldRetryTable(t *testing.T) {
	timeout := &net.OpError{Op: "read", Err: &timeoutErr{}}
	for _, tc := range []struct {
		name  string
		err   error
		retry bool
		wait  time.Duration
	}{
		{"429 without Retry-After", respErr(429, nil), true, 0},
		{"429 Retry-After seconds", respErr(429, http.Header{"Retry-After": {"7"}}), true, 7 * time.Second},
		{"429 Retry-After huge", respErr(429, http.Header{"Retry-After": {"86400"}}), true, MaxRetryAfter},
		{"408", respErr(408, nil), true, 0},
		{"500", respErr(500, nil), true, 0},
		{"502", respErr(502, nil), true, 0},
		{"503", respErr(503, nil), true, 0},
		{"504", respErr(504, nil), true, 0},
		{"400", respErr(400, nil), false, 0},
		{"401", respErr(401, nil), false, 0},
		{"403", respErr(403, nil), false, 0},
		{"404", respErr(404, nil), false, 0},
		{"422", respErr(422, nil), false, 0},
		{"501", respErr(501, nil), false, 0},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true, 0},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true, 0},
		{"timeout", timeout, true, 0},
		{"stalled", fmt.Errorf("x: %w", ErrStalled), true, 0},
		{"truncated", fmt.Errorf("x: %w", io.ErrUnexpectedEOF), true, 0},
		{"empty", fmt.Errorf("%w: empty body", ErrTruncated), true, 0},
		{"server closed", io.EOF, true, 0},
		{"cancelled", context.Canceled, false, 0},
		{"syntax", errors.New("jsonarray: invalid character"), false, 0},
		{"200 not a page", &UnexpectedBodyError{URL: "u", Message: "Internal error"}, true, 0},
		{"200 not an array", fmt.Errorf("attempt: %w", (&Client{}).UnexpectedBody("u", []byte("{}"))), true, 0},
		{"redirect refused", fmt.Errorf("GET u: %w", &RefusedError{From: "https://a", URL: "http://b", Reason: "r"}), false, 0},
		{"redirect refused in url.Error", &url.Error{Op: "Get", URL: "http://b", Err: &RefusedError{URL: "http://b", Reason: "r"}}, false, 0},
		{"nil", nil, false, 0},
	} {
		retry, wait := ShouldRetry(tc.err)
		assert.Equal(t, tc.retry, retry, tc.name)
		assert.Equal(t, tc.wait, wait, tc.name)
	}
}

type timeoutErr struct{}

func (*timeoutErr) Error() string   { return "i/o timeout" }
func (*timeoutErr) Timeout() bool   { return true }
func (*timeoutErr) Temporary() bool { return true }

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"0", 0, true}, {"120", 2 * time.Minute, true}, {" 3 ", 3 * time.Second, true},
		{"-1", 0, false}, {"soon", 0, false}, {"1.5", 0, false},
		{"Mon, 01 Jan 2024 12:00:30 GMT", 30 * time.Second, true},
		{"Mon, 01 Jan 2024 11:00:00 GMT", 0, true},
		{"99999999999999999999", 0, false},
		{"999999999", 24 * time.Hour, true},
	} {
		got, ok := ParseRetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "Mon, 01 Jan 2024 12:00:30 GMT", "-5", "1e9", ""} {
		f.Add(s)
	}
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if d < 0 || d > 365*24*time.Hour || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	for n := 1; n <= 20; n++ {
		want := min(time.Second<<(n-1), time.Minute)
		if n > 7 {
			want = time.Minute
		}
		for range 20 {
			d := Backoff(n, time.Second, time.Minute)
			assert.GreaterOrEqual(t, d, want/2)
			assert.LessOrEqual(t, d, want)
		}
	}
}

func TestAuthHeadersPerSurface(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path+" "+r.Header.Get("Authorization")+" "+r.Header.Get("User-Agent"))
		_, _ = io.WriteString(w, "[]")
	}))
	defer srv.Close()
	c, err := NewClient(token, WithBaseURL(Exports, srv.URL+"/"), WithBaseURL(API, srv.URL), WithUserAgent("ua/1"))
	require.NoError(t, err)
	for _, s := range []Surface{Exports, API} {
		resp, err := c.Get(t.Context(), s, "/v1/x", url.Values{"a": {"1"}})
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, "[]", string(b))
		assert.NotContains(t, resp.URL, token)
	}
	assert.Equal(t, []string{"/v1/x Bearer " + token + " ua/1", "/v1/x " + token + " ua/1"}, got)
}

// A redirect to another host name is refused, and the other host sees
// nothing: neither the token nor the request.
func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = io.WriteString(w, "[]")
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another host name, same machine
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/landing", http.StatusFound)
	}))
	defer srv.Close()
	c, err := NewClient(token, WithBaseURL(Exports, srv.URL))
	require.NoError(t, err)
	_, err = c.Get(t.Context(), Exports, "/v1/x", nil)
	var refused *RefusedError
	require.ErrorAs(t, err, &refused)
	assert.Equal(t, "GET "+srv.URL+"/v1/x: refusing redirect from "+srv.URL+"/v1/x to "+otherURL+"/landing: it leaves host 127.0.0.1", err.Error())
	retry, _ := ShouldRetry(err)
	assert.False(t, retry)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, seen, "the other host gets no request")
}

func TestErrorsAreTypedCappedAndRedacted(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/401":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"message":"Invalid or missing credentials"}`)
		case "/400":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"message":"bad token `+token+`\nsecond line"}`)
		case "/502":
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><body>\n<h1>502 Bad Gateway</h1>"+big+"</body></html>")
		case "/429":
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	c, err := NewClient(token, WithBaseURL(Exports, srv.URL))
	require.NoError(t, err)
	_, err = c.Get(t.Context(), Exports, "/401", nil)
	var auth *AuthError
	require.ErrorAs(t, err, &auth)
	assert.Contains(t, err.Error(), "401 Invalid or missing credentials (check api_token)")

	_, err = c.Get(t.Context(), Exports, "/400", nil)
	var er *ErrorResponse
	require.ErrorAs(t, err, &er)
	assert.Equal(t, 400, er.Response.StatusCode)
	assert.NotContains(t, err.Error(), token)
	assert.NotContains(t, err.Error(), "\n")

	_, err = c.Get(t.Context(), Exports, "/502", nil)
	require.ErrorAs(t, err, &er)
	assert.Less(t, len(err.Error()), 400, "error bodies are capped")
	assert.Contains(t, err.Error(), "502 <html><body> <h1>502 Bad Gateway</h1>")

	_, err = c.Get(t.Context(), Exports, "/429", nil)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 3*time.Second, rl.RetryAfter)
}

func TestStalledBodyAndSlowHeaders(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-headers" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, `[{"id":1},`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewClient(token, WithBaseURL(Exports, srv.URL), WithTimeout(200*time.Millisecond))
	require.NoError(t, err)

	resp, err := c.Get(t.Context(), Exports, "/stall", nil)
	require.NoError(t, err)
	began := time.Now()
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.ErrorIs(t, err, ErrStalled)
	assert.Less(t, time.Since(began), 5*time.Second)
	retry, _ := ShouldRetry(err)
	assert.True(t, retry)

	_, err = c.Get(t.Context(), Exports, "/slow-headers", nil)
	require.ErrorIs(t, err, ErrStalled)
	assert.Contains(t, err.Error(), "no response within 200ms")
}

// roundTripper answers every request with an empty array and records when.
type roundTripper struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (rt *roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.times[r.URL.Path] = append(rt.times[r.URL.Path], time.Now())
	rt.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("[]")), Request: r, Header: http.Header{}}, nil
}

// Requests are spaced evenly at each endpoint's rate, endpoints paced
// independently: in no 60 s span do more than 10 conversation or 3
// message exports start.
func TestPacingSpacesRequestsEvenly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &roundTripper{times: map[string][]time.Time{}}
		c, err := NewClient(token,
			WithHTTPClient(&http.Client{Transport: rt}),
			WithRateLimit("/v1/conversation_export", rate.Limit(10.0/60)),
			WithRateLimit("/v1/message_export", rate.Limit(3.0/60)))
		require.NoError(t, err)
		start := time.Now()
		var wg sync.WaitGroup
		for _, p := range []string{"/v1/conversation_export", "/v1/message_export"} {
			wg.Go(func() {
				for range 7 {
					resp, err := c.Get(t.Context(), Exports, p, nil)
					if assert.NoError(t, err) {
						resp.Body.Close()
					}
				}
			})
		}
		wg.Wait()
		conv, msgs := rt.times["/v1/conversation_export"], rt.times["/v1/message_export"]
		require.Len(t, conv, 7)
		require.Len(t, msgs, 7)
		convEvery, msgsEvery := PacedInterval(10.0/60), PacedInterval(3.0/60)
		assert.Equal(t, 6091370559*time.Nanosecond, convEvery, "6 s stretched by PacingMargin")
		assert.Equal(t, 20304568528*time.Nanosecond, msgsEvery, "20 s stretched by PacingMargin")
		for i := 1; i < 7; i++ {
			assert.Equal(t, convEvery, conv[i].Sub(conv[i-1]))
			assert.Equal(t, msgsEvery, msgs[i].Sub(msgs[i-1]))
		}
		assert.Equal(t, 6*msgsEvery, time.Since(start), "the message endpoint's own pace decides the total")
	})
}

func TestParsePage(t *testing.T) {
	c := &Client{token: token}
	const u = "https://dev.dixa.io/v1/agents"
	for _, tc := range []struct {
		body, key string
		n         int
		err       string
	}{
		{`{"data":[{"id":"a"},{"id":"b"}],"meta":{"next":"https://dev.dixa.io/v1/agents?pageLimit=2&pageKey=abc%3D%3D"}}`, "abc==", 2, ""},
		{`{"data":[{"id":"a"}],"meta":{"next":"/v1/agents?pageKey=rel"}}`, "rel", 1, ""},
		{`{"data":[{"id":"a"}],"meta":{"next":null}}`, "", 1, ""},
		{`{"data":[{"id":"a"}],"meta":null}`, "", 1, ""},
		{`{"data":[{"id":"a"}],"meta":{}}`, "", 1, ""},
		{` {"data":[]} ` + "\n", "", 0, ""},
		{`{"data":[{"id":"a"}],"meta":{"next":"/v1/agents?x=1"}}`, "", 0, "GET " + u + ": dixa: meta.next has no pageKey"},
		{`{"data":[{"id":"a"}],"meta":"x"}`, "", 0, "GET " + u + ": dixa: meta is not an object"},
		{`{"data":[{"id":"a"}],"meta":{"next":1}}`, "", 0, "GET " + u + ": dixa: meta.next is not a string"},
		{`{"data":[{"id":"a"},`, "", 0, "response ended early"},
		{`{"data":[{"id":"a"},` + "\n ", "", 0, "response ended early"},
		{`[{"id":"a"}`, "", 0, "response ended early"},
		{``, "", 0, "response ended early"},
		{" \n", "", 0, "response ended early"},
	} {
		p, err := c.parsePage("GET", u, []byte(tc.body), false)
		if tc.err != "" {
			if assert.Error(t, err, tc.body) {
				assert.Contains(t, err.Error(), tc.err, tc.body)
				var ub *UnexpectedBodyError
				assert.False(t, errors.As(err, &ub), tc.body)
			}
			continue
		}
		require.NoError(t, err, tc.body)
		assert.Equal(t, tc.key, p.PageKey)
		assert.Len(t, p.Data, tc.n)
	}
	retry, _ := ShouldRetry(func() error { _, err := c.parsePage("GET", u, []byte(`{"data":[`), false); return err }())
	assert.True(t, retry, "a truncated page is retried")
}

// Only an object whose "data" holds a list is a page: every other 200 is
// an *UnexpectedBodyError, retried, with Dixa's message or the body's start.
func TestParsePageRefusesWhatIsNotAPage(t *testing.T) {
	c := &Client{token: token}
	const u = "https://dev.dixa.io/v1/agents?pageLimit=2"
	long := strings.Repeat("é", 500)
	for _, tc := range []struct{ body, msg string }{
		{`{"message":"Internal error"}`, "Internal error"},
		{`{"message":"bad ` + token + `\nthen"}`, "bad [redacted] then"},
		{`{}`, "{}"},
		{`{"data":null}`, `{"data":null}`},
		{`{"data":{}}`, `{"data":{}}`},
		{`{"data":{"id":"a"}}`, `{"data":{"id":"a"}}`},
		{`{"data":"x"}`, `{"data":"x"}`},
		{`{"data":1}`, `{"data":1}`},
		{`{"Data":[]}`, `{"Data":[]}`},
		{`{"data":[],"data":null}`, `{"data":[],"data":null}`},
		{`{"data":[]} {"data":[]}`, `{"data":[]} {"data":[]}`},
		{`[{"id":"a"}]`, `[{"id":"a"}]`},
		{`[]`, `[]`},
		{`null`, `null`},
		{`"x"`, `"x"`},
		{`42`, `42`},
		{`true`, `true`},
		{"<html>\n<body>oops " + token + "</body></html>", "<html> <body>oops [redacted]</body></html>"},
		{`{"data":[1,]`, `{"data":[1,]`},
		{`{"x":"` + long + `"}`, `{"x":"` + strings.Repeat("é", 97) + "…"},
	} {
		p, err := c.parsePage("GET", u, []byte(tc.body), false)
		assert.Nil(t, p, tc.body)
		var ub *UnexpectedBodyError
		if !assert.ErrorAs(t, err, &ub, tc.body) {
			continue
		}
		assert.Equal(t, u, ub.URL)
		assert.Equal(t, tc.msg, ub.Message, tc.body)
		assert.Equal(t, "GET "+u+`: 200 but not {"data":[...]}: `+tc.msg, err.Error())
		retry, wait := ShouldRetry(err)
		assert.True(t, retry, tc.body)
		assert.Zero(t, wait)
	}
}
