package dixamock

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIAuth(t *testing.T) {
	h := shared().Handler()
	for _, auth := range []string{testToken, "Bearer " + testToken, "bearer " + testToken, "  " + testToken + " "} {
		assert.Equal(t, 200, apiGet(t, h, "/v1/teams", auth).status, "%q", auth)
	}
	for _, auth := range []string{"", "wrong", "Bearer wrong", "Basic " + testToken, testToken + "x", "Bearer"} {
		r := apiGet(t, h, "/v1/teams", auth)
		assert.Equal(t, 401, r.status, "%q", auth)
		assert.JSONEq(t, `{"message":"Unauthorized"}`, string(r.body))
	}
	// The truth needs none.
	assert.Equal(t, 200, apiGet(t, h, "/_truth/agents", "").status)

	opts := testOptions()
	opts.Conversations = 10
	opts.Token = ""
	assert.Equal(t, 200, apiGet(t, New(opts).Handler(), "/v1/agents", "").status, "no token: no authentication")
}

func TestAPIForbid(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 30
	opts.Forbid = []string{"/v1/agents", "/v1/conversations/*/ratings", "/v1/teams/*"}
	s := New(opts)
	h := s.Handler()
	id := convIDsOf(s)[0]
	for _, p := range []string{"/v1/agents", "/v1/agents?pageLimit=1", "/v1/conversations/" + id + "/ratings"} {
		r := apiGet(t, h, p, testToken)
		assert.Equal(t, http.StatusForbidden, r.status, p)
		assert.JSONEq(t, `{"message":"Forbidden"}`, string(r.body), p)
	}
	teams := page(t, h, "/v1/teams").Data // "/v1/teams/*" needs a segment after teams
	require.NotEmpty(t, teams)
	assert.Equal(t, http.StatusForbidden, apiGet(t, h, "/v1/teams/"+teams[0]["id"].(string)+"/agents", testToken).status)
	for _, p := range []string{"/v1/endusers", "/v1/conversations/" + id + "/notes", activityURL("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")} {
		assert.Equal(t, http.StatusOK, apiGet(t, h, p, testToken).status, p)
	}
	assert.Equal(t, 401, apiGet(t, h, "/v1/agents", "").status, "authentication comes first")
	st := s.APIStats()
	assert.Equal(t, int64(2), st.Forbidden["agents"])
	assert.Equal(t, int64(1), st.Forbidden["conversation_ratings"])
	assert.Equal(t, int64(1), st.Forbidden["team_members"])
	assert.Equal(t, int64(0), st.OK["agents"])
	assert.Equal(t, int64(1), st.OK["conversation_notes"])

	assert.True(t, forbidden([]string{"/v1/agents"}, "/v1/agents/x"))
	assert.False(t, forbidden([]string{"/v1/agents"}, "/v1/agentsx"))
	assert.False(t, forbidden([]string{"/v1/conversations/*/ratings"}, "/v1/conversations/activitylog"))
}

func TestAPIRateLimit(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 20
	opts.MinuteSeconds = 60 // a "second" of 1s
	s := New(opts)
	clock := testStart
	s.now = func() time.Time { return clock }
	h := s.Handler()

	// 10 per second, counted over every endpoint of the Dixa API.
	paths := []string{"/v1/agents", "/v1/teams", "/v1/tags", "/v1/queues", "/v1/endusers"}
	for i := range 10 {
		require.Equal(t, 200, apiGet(t, h, paths[i%len(paths)], testToken).status, "request %d", i)
	}
	r := apiGet(t, h, "/v1/agents", testToken)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.JSONEq(t, `{"message":"Too many requests"}`, string(r.body))
	assert.Equal(t, 200, apiGet(t, h, "/_truth/agents", "").status, "the truth is not limited")
	assert.Equal(t, 401, apiGet(t, h, "/v1/agents", "wrong").status, "401 before the limit")
	r = apiGet(t, h, "/v1/conversation_export?updated_after=2024-01-01&updated_before=2024-01-02", "Bearer "+testToken)
	assert.Equal(t, 200, r.status, "the Exports API has its own limits")

	clock = clock.Add(time.Second - time.Millisecond)
	assert.Equal(t, 429, apiGet(t, h, "/v1/agents", testToken).status)
	clock = clock.Add(time.Millisecond)
	for i := range 10 {
		require.Equal(t, 200, apiGet(t, h, "/v1/agents", testToken).status, "request %d of the next second", i)
	}
	st := s.APIStats()
	assert.Equal(t, int64(2), st.RateLimited["agents"])
	assert.Equal(t, int64(2+2+10), st.Requests["agents"], "agents: 2 in the first burst, 2 limited, 10 after")

	// A fractional rate: 2.5 per second is 2 per 0.8s.
	limit, window := apiLimit(2.5, 60)
	assert.Equal(t, 2, limit)
	assert.Equal(t, 800*time.Millisecond, window)
	limit, window = apiLimit(0.5, 6) // a "second" of 0.1s
	assert.Equal(t, 1, limit)
	assert.Equal(t, 200*time.Millisecond, window)

	// /_stats carries the counters.
	var stats struct {
		API APIStats `json:"api"`
	}
	require.NoError(t, json.Unmarshal(apiGet(t, h, "/_stats", "").body, &stats))
	assert.Equal(t, st, stats.API)
}

func TestAPIRateLimitRealClock(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 10
	opts.MinuteSeconds = 12 // a "second" of 200ms
	opts.APIPerSecond = 4
	h := New(opts).Handler()
	start := time.Now()
	var codes []int
	for range 5 {
		codes = append(codes, apiGet(t, h, "/v1/teams", testToken).status)
	}
	if time.Since(start) < 150*time.Millisecond { // else the machine is too slow to tell
		assert.Equal(t, []int{200, 200, 200, 200, 429}, codes)
	}
	time.Sleep(210 * time.Millisecond)
	assert.Equal(t, 200, apiGet(t, h, "/v1/teams", testToken).status)
}

func TestAPIDeterministic(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 150
	a, b := New(opts).Handler(), New(opts).Handler()
	opts.Seed++
	c := New(opts).Handler()
	paths := []string{
		"/v1/agents", "/v1/endusers?pageLimit=10", "/v1/teams", "/v1/queues", "/v1/tags?includeDeactivated=true",
		"/v1/custom-attributes", activityURL("2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", "pageLimit=50"),
		"/_truth/activity_logs", "/_truth/conversation_ratings", "/_truth/conversation_notes",
		"/_truth/team_members", "/_truth/queue_members", "/_truth/end_users",
	}
	for _, p := range paths {
		ra, rb, rc := apiGet(t, a, p, testToken), apiGet(t, b, p, testToken), apiGet(t, c, p, testToken)
		require.Equal(t, 200, ra.status, p)
		assert.Equal(t, string(ra.body), string(rb.body), p)
		assert.NotEqual(t, string(ra.body), string(rc.body), "another seed: %s", p)
	}
}

func TestAPIOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		o    APIOptions
		want string
	}{
		{APIOptions{}, ""},
		{APIOptions{APIPageSize: 5, NextStyle: NextRelative, ActivityOrder: OrderShuffled, Forbid: []string{"/v1/x"}, APIPerSecond: 0.5}, ""},
		{APIOptions{APIPageSize: -1}, "APIPageSize"},
		{APIOptions{NextStyle: "weird"}, "NextStyle"},
		{APIOptions{ActivityOrder: "descending"}, "ActivityOrder"},
		{APIOptions{APIPerSecond: -1}, "APIPerSecond"},
		{APIOptions{Forbid: []string{"v1/agents"}}, "Forbid"},
	} {
		err := tc.o.Validate()
		if tc.want == "" {
			assert.NoError(t, err)
			continue
		}
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
	opts := testOptions()
	opts.NextStyle = "weird"
	assert.Panics(t, func() { New(opts) })
}
