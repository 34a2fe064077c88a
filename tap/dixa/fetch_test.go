package dixa

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// scripted answers requests in turn with its answers (status, body,
// Retry-After), the last one for ever, and records what it was sent.
type scripted struct {
	mu      sync.Mutex
	answers []answer
	sent    []sentRequest
}

type answer struct {
	status     int
	body       string
	retryAfter string
}

type sentRequest struct {
	at                  time.Time
	method, url, ctype  string
	body                string
	authorization, page string
}

func (s *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	s.sent = append(s.sent, sentRequest{time.Now(), r.Method, r.URL.String(), r.Header.Get("Content-Type"), string(body),
		r.Header.Get("Authorization"), r.URL.Query().Get("pageKey")})
	a := s.answers[min(len(s.sent), len(s.answers))-1]
	h := http.Header{}
	if a.retryAfter != "" {
		h.Set("Retry-After", a.retryAfter)
	}
	return &http.Response{StatusCode: a.status, Status: http.StatusText(a.status), Header: h,
		Body: io.NopCloser(strings.NewReader(a.body)), Request: r}, nil
}

func scriptedClient(t *testing.T, s *scripted, opts ...Option) (*Client, *[]Retry) {
	var retries []Retry
	c, err := NewClient(token, append([]Option{WithHTTPClient(&http.Client{Transport: s}),
		WithBaseURL(API, "https://dev.dixa.io"), WithSurfaceRateLimit(API, 2, 1),
		WithRetryObserver(func(r Retry) { retries = append(retries, r) })}, opts...)...)
	require.NoError(t, err)
	return c, &retries
}

func TestFetchRetriesThenSucceeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &scripted{answers: []answer{{503, `{"message":"busy"}`, ""}, {200, `{"message":"not a page"}`, ""}, {200, `{"data":[{"id":1}]}`, ""}}}
		c, retries := scriptedClient(t, s)
		p, err := c.Fetch(t.Context(), Request{Path: "/v1/agents"})
		require.NoError(t, err)
		assert.Len(t, p.Data, 1)
		require.Len(t, s.sent, 3, "a 503 and a 200 that is no page are retried")
		require.Len(t, *retries, 2)
		for i, r := range *retries {
			assert.Equal(t, i+1, r.Attempt)
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/v1/agents", r.Path)
			// Backoff from the pacing interval (0.5 s at 2/s): at least
			// half of it, doubling.
			assert.GreaterOrEqual(t, r.Wait, time.Duration(i+1)*PacedInterval(2)/4)
			assert.GreaterOrEqual(t, s.sent[i+1].at.Sub(s.sent[i].at), r.Wait, "waited as said")
		}
		var ub *UnexpectedBodyError
		assert.ErrorAs(t, (*retries)[1].Err, &ub)
	})
}

func TestFetchGivesUpAfterRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &scripted{answers: []answer{{500, `{"message":"down"}`, ""}}}
		c, retries := scriptedClient(t, s, WithRetries(2))
		_, err := c.Fetch(t.Context(), Request{Path: "/v1/teams"})
		require.Error(t, err)
		assert.Len(t, s.sent, 3)
		assert.Len(t, *retries, 2)
		assert.ErrorContains(t, err, "GET https://dev.dixa.io/v1/teams: 500 down (gave up after 3 failed attempts; max_retries is 2)")
		assert.NotContains(t, err.Error(), token)

		// Not retried: a 404, a 400, a 403.
		for _, status := range []int{404, 400, 403} {
			s := &scripted{answers: []answer{{status, `{"message":"no"}`, ""}}}
			c, _ := scriptedClient(t, s)
			_, err := c.Fetch(t.Context(), Request{Path: "/v1/teams"})
			require.Error(t, err)
			assert.Len(t, s.sent, 1, "%d", status)
		}
		_, err = NewClient(token, WithRetries(-1))
		assert.Error(t, err)
	})
}

func TestFetchRateLimitedWaitsForThePacingOrRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &scripted{answers: []answer{{429, `{"message":"Too many requests"}`, ""}, {429, `{}`, "7"}, {200, `{"data":[]}`, ""}}}
		c, retries := scriptedClient(t, s, WithSurfaceRateLimit(API, rate.Limit(0.25), 1))
		_, err := c.Fetch(t.Context(), Request{Path: "/v1/tags"})
		require.NoError(t, err)
		require.Len(t, *retries, 2)
		assert.GreaterOrEqual(t, (*retries)[0].Wait, PacedInterval(0.25), "at least the pacing interval")
		assert.GreaterOrEqual(t, (*retries)[1].Wait, 7*time.Second, "at least Retry-After")
	})
}

// A POST sends the same JSON body on every attempt and every page; its
// next page may be named by meta.next or by a top-level pageKey; an object
// answer is one item.
func TestFetchPostBodyPagesAndObjects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &scripted{answers: []answer{
			{502, ``, ""},
			{200, `{"data":[{"a":1}],"meta":{"next":"/v1/analytics/records?pageKey=K1"}}`, ""},
			{200, `{"data":[{"a":2}],"pageKey":"K2"}`, ""},
			{200, `{"data":[],"pageKey":null}`, ""},
		}}
		c, _ := scriptedClient(t, s)
		body := []byte(`{"id":"ratings","timezone":"UTC"}`)
		req := Request{Method: http.MethodPost, Path: "/v1/analytics/records", Body: body}
		var keys []string
		for {
			p, err := c.Fetch(t.Context(), req)
			require.NoError(t, err)
			if p.PageKey == "" {
				break
			}
			keys = append(keys, p.PageKey)
			req.PageKey = p.PageKey
		}
		assert.Equal(t, []string{"K1", "K2"}, keys)
		require.Len(t, s.sent, 4)
		for _, r := range s.sent {
			assert.Equal(t, http.MethodPost, r.method)
			assert.Equal(t, string(body), r.body)
			assert.Equal(t, "application/json", r.ctype)
			assert.Equal(t, token, r.authorization)
		}
		assert.Equal(t, []string{"", "", "K1", "K2"}, []string{s.sent[0].page, s.sent[1].page, s.sent[2].page, s.sent[3].page})

		// Objects.
		s = &scripted{answers: []answer{{200, `{"data":{"id":"org"}}`, ""}}}
		c, _ = scriptedClient(t, s)
		p, err := c.Fetch(t.Context(), Request{Path: "/v1/organization", Object: true})
		require.NoError(t, err)
		require.Len(t, p.Data, 1)
		assert.JSONEq(t, `{"id":"org"}`, string(p.Data[0]))
		for _, bad := range []string{`{"data":[{"id":"org"}]}`, `{"data":null}`, `{"message":"x"}`, `[]`} {
			s = &scripted{answers: []answer{{200, bad, ""}}}
			c, _ = scriptedClient(t, s, WithRetries(0))
			_, err = c.Fetch(t.Context(), Request{Path: "/v1/organization", Object: true})
			var ub *UnexpectedBodyError
			require.ErrorAs(t, err, &ub, bad)
			assert.Contains(t, err.Error(), `200 but not {"data":{...}}`)
		}
		s = &scripted{answers: []answer{{200, `{"data":[],"pageKey":3}`, ""}}}
		c, _ = scriptedClient(t, s)
		_, err = c.Fetch(t.Context(), Request{Path: "/v1/x"})
		assert.ErrorContains(t, err, "pageKey is not a string")
		var ub *UnexpectedBodyError
		assert.False(t, errors.As(err, &ub))
	})
}
