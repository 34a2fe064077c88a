package dixa

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a handler that records the Authorization header of every
// request it gets and answers an empty array.
type recorder struct {
	mu   sync.Mutex
	auth []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.auth = append(rec.auth, r.URL.Path+" "+r.Header.Get("Authorization"))
	rec.mu.Unlock()
	_, _ = io.WriteString(w, "[]")
}

func (rec *recorder) seen() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.auth...)
}

// redirectTo serves a TLS server that redirects every request to target.
func redirectTo(t *testing.T, target string) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// An https server redirecting to plain http (even on loopback) is refused
// before anything is sent there: the http server never sees the token.
func TestRedirectFromHTTPSToHTTPIsRefused(t *testing.T) {
	rec := &recorder{}
	plain := httptest.NewServer(rec)
	defer plain.Close()
	srv := redirectTo(t, plain.URL+"/landing")
	c, err := NewClient(token, WithHTTPClient(srv.Client()), WithBaseURL(Exports, srv.URL), WithBaseURL(API, srv.URL))
	require.NoError(t, err)
	for _, s := range []Surface{Exports, API} {
		_, err = c.Get(t.Context(), s, "/v1/x", url.Values{"a": {"1"}})
		var refused *RefusedError
		require.ErrorAs(t, err, &refused)
		assert.Equal(t, "GET "+srv.URL+"/v1/x?a=1: refusing redirect from "+srv.URL+"/v1/x?a=1 to "+plain.URL+"/landing: it leaves https", err.Error())
		retry, _ := ShouldRetry(err)
		assert.False(t, retry, "a refused redirect is not retried")
	}
	assert.Empty(t, rec.seen(), "the http server gets no request, let alone the token")
}

// A redirect to another port of the same host is refused.
func TestRedirectToAnotherPortIsRefused(t *testing.T) {
	rec := &recorder{}
	other := httptest.NewTLSServer(rec)
	defer other.Close()
	srv := redirectTo(t, other.URL+"/landing")
	c, err := NewClient(token, WithHTTPClient(srv.Client()), WithBaseURL(Exports, srv.URL))
	require.NoError(t, err)
	_, err = c.Get(t.Context(), Exports, "/v1/x", nil)
	var refused *RefusedError
	require.ErrorAs(t, err, &refused)
	assert.Contains(t, err.Error(), "refusing redirect from "+srv.URL+"/v1/x to "+other.URL+"/landing: it changes the port from ")
	assert.Empty(t, rec.seen())
}

// A redirect on the same scheme, host and port (a path change) is
// followed, with the token.
func TestSameOriginRedirectIsFollowed(t *testing.T) {
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("/v1/new", rec)
	mux.HandleFunc("/v1/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v1/new", http.StatusMovedPermanently)
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	c, err := NewClient(token, WithHTTPClient(srv.Client()), WithBaseURL(Exports, srv.URL))
	require.NoError(t, err)
	resp, err := c.Get(t.Context(), Exports, "/v1/old", nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "[]", string(b))
	assert.Equal(t, []string{"/v1/new Bearer " + token}, rec.seen())
}

// At most ten redirects are followed.
func TestRedirectLoopStops(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	defer srv.Close()
	c, err := NewClient(token, WithHTTPClient(srv.Client()), WithBaseURL(Exports, srv.URL))
	require.NoError(t, err)
	_, err = c.Get(t.Context(), Exports, "/v1/x", nil)
	require.ErrorContains(t, err, "stopped after 10 redirects")
	assert.Equal(t, int32(11), n.Load(), "the first request and ten redirects")
}

// The origin rule compares scheme, host name (in any case) and the port
// with the scheme's default filled in; the token never goes over plain
// http to a host that is not loopback.
func TestCheckRedirectRules(t *testing.T) {
	c := &Client{token: token}
	for _, tc := range []struct {
		from, to string
		reason   string // "" when followed
	}{
		{"https://dev.dixa.io/a", "https://dev.dixa.io/b?x=1", ""},
		{"https://dev.dixa.io/a", "https://DEV.dixa.io:443/b", ""},
		{"https://dev.dixa.io:443/a", "https://dev.dixa.io/b", ""},
		{"https://dev.dixa.io:0443/a", "https://dev.dixa.io/b", ""},
		{"http://localhost/a", "http://localhost:80/b", ""},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b", ""},
		{"http://[::1]:8080/a", "http://[::1]:8080/b", ""},
		{"https://dev.dixa.io/a", "http://dev.dixa.io/b", "it leaves https"},
		{"https://127.0.0.1:8443/a", "http://127.0.0.1:8443/b", "it leaves https"},
		{"http://localhost:8080/a", "https://localhost:8080/b", "it changes the scheme"},
		{"https://dev.dixa.io/a", "https://evil.example/b", "it leaves host dev.dixa.io"},
		{"https://dev.dixa.io/a", "https://dev.dixa.io.evil.example/b", "it leaves host dev.dixa.io"},
		{"https://dev.dixa.io/a", "https://dev.dixa.io:8443/b", "it changes the port from 443 to 8443"},
		{"http://localhost/a", "http://localhost:8080/b", "it changes the port from 80 to 8080"},
		{"http://dev.dixa.io/a", "http://dev.dixa.io/b", "the token is sent only over https, or plain http to a loopback host"},
	} {
		from, _ := url.Parse(tc.from)
		to, _ := url.Parse(tc.to)
		req := &http.Request{URL: to, Header: http.Header{}}
		err := c.checkRedirect(req, []*http.Request{{URL: from}})
		if tc.reason == "" {
			assert.NoError(t, err, tc.from+" → "+tc.to)
			continue
		}
		var refused *RefusedError
		if assert.ErrorAs(t, err, &refused, tc.from+" → "+tc.to) {
			assert.Equal(t, "refusing redirect from "+tc.from+" to "+tc.to+": "+tc.reason, err.Error())
		}
	}
}

// Get never sends the token over plain http to a host that is not
// loopback; loopback hosts (localhost, 127.0.0.0/8, ::1) may use http.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	for _, tc := range []struct {
		base string
		ok   bool
	}{
		{"http://localhost:1", true},
		{"http://LOCALHOST", true},
		{"http://127.0.0.1:1", true},
		{"http://127.1.2.3", true},
		{"http://[::1]:9000", true},
		{"https://exports.dixa.io", true},
		{"http://exports.dixa.io", false},
		{"http://10.0.0.1", false},
		{"http://[::2]", false},
		{"http://localhost.evil.example", false},
		{"http://128.0.0.1", false},
	} {
		rt := &roundTripper{times: map[string][]time.Time{}}
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: rt}), WithBaseURL(Exports, tc.base))
		require.NoError(t, err)
		resp, err := c.Get(t.Context(), Exports, "/v1/x", nil)
		if tc.ok {
			if assert.NoError(t, err, tc.base) {
				resp.Body.Close()
			}
			assert.Len(t, rt.times["/v1/x"], 1, tc.base)
			continue
		}
		var refused *RefusedError
		if assert.ErrorAs(t, err, &refused, tc.base) {
			assert.Equal(t, "GET "+tc.base+"/v1/x: refusing to send the token to "+tc.base+"/v1/x: the token is sent only over https, or plain http to a loopback host", err.Error())
			assert.NotContains(t, err.Error(), token)
		}
		assert.Empty(t, rt.times, tc.base+": nothing is sent")
		retry, _ := ShouldRetry(err)
		assert.False(t, retry)
	}
}

func TestRedirectRefusalHidesTheToken(t *testing.T) {
	c := &Client{token: token}
	from, _ := url.Parse("https://dev.dixa.io/a?k=" + token)
	to, _ := url.Parse("https://evil.example/?k=" + token)
	err := c.checkRedirect(&http.Request{URL: to}, []*http.Request{{URL: from}})
	require.Error(t, err)
	assert.False(t, strings.Contains(err.Error(), token), err.Error())
}
