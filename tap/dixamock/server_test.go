package dixamock

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuth(t *testing.T) {
	base := serve(t, shared())
	url := exportURL(base, ConversationExport, testStart.UnixMilli(), testStart.UnixMilli()+dayMs)
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"bearer", "Bearer " + testToken, 200},
		{"bearer lower-case scheme", "bearer " + testToken, 200},
		{"basic", basic("bearer", testToken), 200},
		{"basic upper-case user", basic("BEARER", testToken), 200},
		{"none", "", 401},
		{"wrong token", "Bearer nope", 401},
		{"raw token", testToken, 401},
		{"basic wrong user", basic("admin", testToken), 401},
		{"basic wrong password", basic("bearer", "nope"), 401},
		{"basic garbage", "Basic !!!", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := get(t, url, tc.auth)
			require.Equal(t, tc.want, status, string(body))
			assert.Equal(t, "application/json", hdr.Get("Content-Type"))
			if tc.want == 401 {
				assert.JSONEq(t, `{"message":"Invalid or missing credentials"}`, string(body))
			}
		})
	}
}

func TestParams(t *testing.T) {
	base := serve(t, shared())
	s := testStart.UnixMilli()
	conv, msg := base+"/v1/conversation_export?", base+"/v1/message_export?"
	for _, tc := range []struct {
		name, url string
		want      int
		contains  string
	}{
		{"ms", exportURL(base, ConversationExport, s, s+dayMs), 200, ""},
		{"dates", conv + "updated_after=2024-01-01&updated_before=2024-02-01", 200, ""},
		{"mixed", msg + "created_after=2024-01-01&created_before=" + strconv.FormatInt(s+dayMs, 10), 200, ""},
		{"exactly 31 days", exportURL(base, ConversationExport, s, s+31*dayMs), 200, ""},
		{"exactly 31 days messages", exportURL(base, MessageExport, s, s+31*dayMs), 200, ""},
		{"31 days + 1ms", exportURL(base, ConversationExport, s, s+31*dayMs+1), 400, "query can span at most 31 days"},
		{"31 days + 1ms messages", exportURL(base, MessageExport, s-1, s+31*dayMs), 400, "query can span at most 31 days"},
		{"dates over 31 days", conv + "updated_after=2024-01-01&updated_before=2024-02-02", 400, "31 days"},
		{"missing before", conv + "updated_after=2024-01-01", 400, "Invalid query parameters"},
		{"missing after", msg + "created_before=2024-01-01", 400, "Invalid query parameters"},
		{"no params", conv, 400, "Invalid query parameters"},
		{"wrong names for messages", msg + "updated_after=2024-01-01&updated_before=2024-01-02", 400, "Invalid query parameters"},
		{"garbage", conv + "updated_after=yesterday&updated_before=2024-01-02", 400, "Invalid query parameters"},
		{"bad date", conv + "updated_after=2024-13-01&updated_before=2024-01-02", 400, "Invalid query parameters"},
		{"after == before", exportURL(base, ConversationExport, s, s), 400, "Invalid query parameters"},
		{"after > before", exportURL(base, ConversationExport, s+1, s), 400, "Invalid query parameters"},
		{"unsupported filter", conv + "closed_after=2024-01-01&closed_before=2024-01-02", 400, "not supported by the mock"},
		{"csids", conv + "csids=1,2&updated_after=2024-01-01&updated_before=2024-01-02", 400, "not supported by the mock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := get(t, tc.url, "Bearer "+testToken)
			require.Equal(t, tc.want, status, string(body))
			assert.Equal(t, "application/json", hdr.Get("Content-Type"))
			if tc.want == 200 {
				assert.Equal(t, byte('['), body[0])
				return
			}
			assert.Contains(t, errorMessage(t, body), tc.contains)
		})
	}
}

func TestRoutes(t *testing.T) {
	base := serve(t, shared())
	status, body, _ := get(t, base+"/v1/no-such-endpoint", "Bearer "+testToken)
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"message":"Not found"}`, string(body))

	resp, err := http.Post(base+"/v1/conversation_export", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestRateLimit(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 20
	opts.MinuteSeconds = 60
	s := New(opts)
	clock := testStart
	s.now = func() time.Time { return clock }
	base := serve(t, s)
	a := testStart.UnixMilli()

	for _, ep := range []struct {
		name  string
		limit int
	}{{ConversationExport, 10}, {MessageExport, 3}} {
		t.Run(ep.name, func(t *testing.T) {
			clock = clock.Add(time.Hour)
			url := exportURL(base, ep.name, a, a+dayMs)
			for i := range ep.limit {
				status, body, _ := get(t, url, "Bearer "+testToken)
				require.Equal(t, 200, status, "request %d: %s", i, body)
			}
			status, body, hdr := get(t, url, "Bearer "+testToken)
			require.Equal(t, 429, status)
			assert.JSONEq(t, `{"message":"API limit has been reached"}`, string(body))
			assert.Empty(t, hdr.Get("Retry-After"))

			// Half a minute later the window is still full; the rejected
			// requests must not extend it.
			clock = clock.Add(30 * time.Second)
			status, _, _ = get(t, url, "Bearer "+testToken)
			require.Equal(t, 429, status)
			clock = clock.Add(30*time.Second - time.Millisecond)
			status, _, _ = get(t, url, "Bearer "+testToken)
			require.Equal(t, 429, status, "span of 60s minus 1ms still holds the first burst")
			clock = clock.Add(time.Millisecond)
			for i := range ep.limit {
				status, body, _ := get(t, url, "Bearer "+testToken)
				require.Equal(t, 200, status, "request %d after the window: %s", i, body)
			}
		})
	}
	st := s.Stats()
	assert.Equal(t, int64(10+3+10), st.Requests[ConversationExport])
	assert.Equal(t, int64(3+3+3), st.Requests[MessageExport])
	assert.Equal(t, int64(3), st.RateLimited[ConversationExport])
	assert.Equal(t, int64(3), st.RateLimited[MessageExport])

	status, body, _ := get(t, base+"/_stats", "")
	require.Equal(t, 200, status)
	body = withoutAPIStats(t, body)
	assert.JSONEq(t, `{"requests":{"conversation_export":23,"message_export":9},
		"rate_limited":{"conversation_export":3,"message_export":3},
		"ok":{"conversation_export":20,"message_export":6},
		"faults":{"rate_limit":0,"server_error":0,"truncate":0,"slow":0,"reset":0,"object":0},
		"redirects":0}`, string(body))
}

func TestRateLimitRealClock(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 10
	opts.MinuteSeconds = 0.25
	base := serve(t, New(opts))
	url := exportURL(base, MessageExport, testStart.UnixMilli(), testStart.UnixMilli()+dayMs)
	for range 3 {
		status, _, _ := get(t, url, "Bearer "+testToken)
		require.Equal(t, 200, status)
	}
	status, _, _ := get(t, url, "Bearer "+testToken)
	require.Equal(t, 429, status)
	time.Sleep(300 * time.Millisecond)
	status, _, _ = get(t, url, "Bearer "+testToken)
	require.Equal(t, 200, status)
}

func TestConcurrent(t *testing.T) {
	s := New(testOptions())
	base := serve(t, s)
	want := string(mustGet(t, exportURL(base, ConversationExport, testStart.UnixMilli(), testStart.UnixMilli()+20*dayMs)))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			ep := []string{ConversationExport, MessageExport}[i%2]
			body := mustGet(t, exportURL(base, ep, testStart.UnixMilli(), testStart.UnixMilli()+20*dayMs))
			if ep == ConversationExport {
				assert.Equal(t, want, string(body))
			}
			_, _, _ = get(t, base+"/_truth/messages", "")
			_ = s.Stats()
		})
	}
	wg.Wait()
	assert.Equal(t, int64(9), s.Stats().Requests[ConversationExport])
}

// mustGet fetches an authorized URL and requires 200.
func mustGet(t *testing.T, url string) []byte {
	t.Helper()
	status, body, _ := get(t, url, "Bearer "+testToken)
	require.Equal(t, 200, status, string(body))
	return body
}

func TestValidate(t *testing.T) {
	o := testOptions()
	require.NoError(t, o.Validate())
	o.End = o.Start
	require.Error(t, o.Validate())
	assert.Panics(t, func() { New(o) })
	o = testOptions()
	o.Conversations = -1
	require.Error(t, o.Validate())
	o = testOptions()
	o.MinuteSeconds = -1
	require.Error(t, o.Validate())

	o = testOptions()
	o.Conversations = 0
	s := New(o)
	assert.Empty(t, s.Conversations())
	assert.Equal(t, "[]\n", string(mustGet(t, exportURL(serve(t, s), ConversationExport, testStart.UnixMilli(), testStart.UnixMilli()+dayMs))))
}

func TestTruthShape(t *testing.T) {
	s := shared()
	base := serve(t, s)
	_, body, _ := get(t, base+"/_truth/conversations", "")
	var convs []struct {
		ID json.Number `json:"id"`
		At int64       `json:"at"`
	}
	require.NoError(t, json.Unmarshal(body, &convs))
	require.Len(t, convs, len(s.Conversations()))
	for i, c := range s.Conversations() {
		assert.Equal(t, c.ID, convs[i].ID.String())
		assert.Equal(t, c.At, convs[i].At)
	}
	_, body, _ = get(t, base+"/_truth/messages", "")
	var msgs []Truth
	require.NoError(t, json.Unmarshal(body, &msgs))
	assert.Equal(t, s.Messages(), msgs)

	status, body, _ := get(t, base+"/_truth/messages?after=abc", "")
	assert.Equal(t, 400, status, string(body))
}

func TestRedirectHTTPSToHTTP(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 20
	target := New(opts)
	type seen struct {
		tls        bool
		uri, authz string
	}
	var mu sync.Mutex
	var got []seen
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{r.TLS != nil, r.URL.RequestURI(), r.Header.Get("Authorization")})
		mu.Unlock()
		target.Handler().ServeHTTP(w, r)
	}))
	defer plain.Close()
	require.True(t, strings.HasPrefix(plain.URL, "http://127.0.0.1:"))

	opts.RedirectTo = plain.URL + "/"
	front := New(opts)
	secure := httptest.NewTLSServer(front.Handler())
	defer secure.Close()

	// Without following: 307 to the same path and query over plain http.
	noFollow := *secure.Client() // a copy: Client returns the server's own
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, p := range []string{"/v1/agents?pageLimit=3&pageKey=a%2Bb%3D", "/v1/conversation_export?updated_after=2024-01-01&updated_before=2024-01-02", "/v1/no-such-path"} {
		req, err := http.NewRequest(http.MethodGet, secure.URL+p, nil)
		require.NoError(t, err)
		resp, err := noFollow.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, p)
		assert.Equal(t, plain.URL+p, resp.Header.Get("Location"), p)
	}
	// The mock's own endpoints are not redirected.
	for _, p := range []string{"/_stats", "/_truth/agents", "/_truth/conversations"} {
		resp, err := noFollow.Get(secure.URL + p)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
	mu.Lock()
	assert.Empty(t, got, "nothing followed yet")
	mu.Unlock()

	// A client that follows redirects (Go's default) downgrades to http
	// and, the host being the same, sends the token in the clear: what the
	// tap must refuse to do.
	for _, p := range []string{"/v1/agents?pageLimit=3", "/v1/conversation_export?updated_after=2024-01-01&updated_before=2024-01-20"} {
		req, err := http.NewRequest(http.MethodGet, secure.URL+p, nil)
		require.NoError(t, err)
		auth := testToken
		if strings.Contains(p, "export") {
			auth = "Bearer " + testToken
		}
		req.Header.Set("Authorization", auth)
		resp, err := secure.Client().Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", p, body)
		assert.Equal(t, "http", resp.Request.URL.Scheme)
	}
	mu.Lock()
	assert.Equal(t, []seen{
		{false, "/v1/agents?pageLimit=3", testToken},
		{false, "/v1/conversation_export?updated_after=2024-01-01&updated_before=2024-01-20", "Bearer " + testToken},
	}, got)
	mu.Unlock()
	assert.Equal(t, int64(5), front.Stats().Redirects)
	assert.Equal(t, int64(0), front.APIStats().Requests["agents"], "the front serves nothing itself")
	assert.Equal(t, int64(0), target.Stats().Redirects)
	assert.Equal(t, int64(1), target.APIStats().OK["agents"])
	assert.Equal(t, int64(1), target.Stats().OK[ConversationExport])

	for _, bad := range []string{"ftp://x", "/relative", "http://", "http://h/?q=1", "http://h/#f", "http://u:p@h", "http://h/?"} {
		opts.RedirectTo = bad
		assert.ErrorContains(t, opts.Validate(), "RedirectTo", bad)
	}
	opts.RedirectTo = "https://127.0.0.1:8443/base"
	assert.NoError(t, opts.Validate())
}
