package dixamock

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fanoutUUID matches a lower-case UUID.
var fanoutUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestFanoutDeterministic(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 120
	a, b := New(opts), New(opts)
	opts.Seed++
	c := New(opts)
	id := convIDsOf(a)[7]
	body := recordsBody("ratings", testStart, testEnd, "")
	for _, p := range []string{"/_truth/conversation_messages", "/_truth/analytics_records", "/v1/conversations/" + id + "/messages",
		"/v1/analytics/filter/agent_id", "POST"} {
		get := func(s *Server) apiResp {
			if p == "POST" {
				return postRecords(t, s.Handler(), "/v1/analytics/records", body)
			}
			return apiGet(t, s.Handler(), p, testToken)
		}
		ra, rb, rc := get(a), get(b), get(c)
		require.Equal(t, 200, ra.status, p)
		assert.Equal(t, string(ra.body), string(rb.body), p)
		assert.NotEqual(t, string(ra.body), string(rc.body), "another seed: %s", p)
	}
}

func TestAPILatency(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 30
	opts.Latency = time.Second
	s := New(opts)
	h := s.Handler()
	const n = 8
	var wg sync.WaitGroup
	took := make([]time.Duration, n)
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			target := "/v1/conversations/" + convIDsOf(s)[i] + "/messages"
			if i%2 == 1 {
				target = "/v1/agents"
			}
			codes[i] = apiGet(t, h, target, testToken).status
			took[i] = time.Since(start)
		})
	}
	for deadline := time.Now().Add(5 * time.Second); s.APIStats().MaxInFlight < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	for i := range n {
		assert.Equal(t, 200, codes[i])
		assert.GreaterOrEqual(t, took[i], time.Second, "request %d", i)
	}
	assert.Equal(t, int64(n), s.APIStats().MaxInFlight, "all the requests were served at once")
	r := apiGet(t, h, "/_stats", "")
	var stats struct {
		API map[string]any `json:"api"`
	}
	decodeJSON(t, r.body, &stats)
	assert.Equal(t, json.Number(strconv.Itoa(n)), stats.API["max_in_flight"])

	// A request whose client goes away is not answered.
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/v1/agents", nil).WithContext(ctx)
	req.Header.Set("Authorization", testToken)
	rec := httptest.NewRecorder()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	h.ServeHTTP(rec, req)
	assert.Less(t, time.Since(start), 900*time.Millisecond)
	assert.Empty(t, rec.Body.String())
	st := s.APIStats()
	assert.Equal(t, int64(n/2+1), st.Requests["agents"])
	assert.Equal(t, int64(n/2), st.OK["agents"])

	// No latency: answered at once; sequential requests are one in flight.
	seq := New(testOptions())
	for range 3 {
		start := time.Now()
		apiGet(t, seq.Handler(), "/v1/teams", testToken)
		assert.Less(t, time.Since(start), 500*time.Millisecond)
	}
	assert.Equal(t, int64(1), seq.APIStats().MaxInFlight)
	assert.Equal(t, int64(0), New(testOptions()).APIStats().MaxInFlight)
}

func TestFanoutOptionsValidate(t *testing.T) {
	assert.NoError(t, APIOptions{Latency: time.Millisecond, AnalyticsPaging: AnalyticsPagingPageKey, AnalyticsRequireFilter: true}.Validate())
	assert.NoError(t, APIOptions{AnalyticsPaging: AnalyticsPagingMeta}.Validate())
	err := APIOptions{Latency: -1}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Latency")
	err = APIOptions{AnalyticsPaging: "next"}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AnalyticsPaging")
}
