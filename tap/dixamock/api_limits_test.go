package dixamock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
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

	assert.True(t, pathMatches([]string{"/v1/agents"}, "/v1/agents/x"))
	assert.False(t, pathMatches([]string{"/v1/agents"}, "/v1/agentsx"))
	assert.False(t, pathMatches([]string{"/v1/conversations/*/ratings"}, "/v1/conversations/activitylog"))
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
		{APIOptions{ActivityOrder: OrderDescending}, ""},
		{APIOptions{Envelope: EnvelopeNullData, EnvelopeEvery: 3, EnvelopePaths: []string{"/v1/agents"}, NotFound: []string{"/v1/x"}, NotFoundEvery: 2, PageKeys: PageKeysCycle}, ""},
		{APIOptions{ActivityOrder: "backwards"}, "ActivityOrder"},
		{APIOptions{Envelope: "weird"}, "Envelope"},
		{APIOptions{EnvelopeEvery: -1}, "EnvelopeEvery"},
		{APIOptions{EnvelopePaths: []string{"v1/agents"}}, "EnvelopePaths"},
		{APIOptions{NotFound: []string{"v1/agents"}}, "NotFound"},
		{APIOptions{NotFoundEvery: -1}, "NotFoundEvery"},
		{APIOptions{PageKeys: "forever"}, "PageKeys"},
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

func TestAPIEnvelope(t *testing.T) {
	for kind, want := range map[string]string{
		EnvelopeMessage:    `{"message":"Something went wrong"}`,
		EnvelopeEmpty:      `{}`,
		EnvelopeNullData:   `{"data":null}`,
		EnvelopeObjectData: `{"data":{}}`,
	} {
		t.Run(kind, func(t *testing.T) {
			opts := testOptions()
			opts.Conversations = 20
			opts.Envelope = kind
			s := New(opts)
			h := s.Handler()
			for _, p := range []string{"/v1/agents", "/v1/agents?pageLimit=2", "/v1/teams", activityURL("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")} {
				r := apiGet(t, h, p, testToken)
				assert.Equal(t, http.StatusOK, r.status, p)
				assert.Equal(t, want+"\n", string(r.body), "every request (EnvelopeEvery 0 means 1): %s", p)
			}
			assert.Equal(t, 401, apiGet(t, h, "/v1/agents", "").status, "authentication comes first")
			st := s.APIStats()
			assert.Equal(t, int64(2), st.Envelope["agents"])
			assert.Equal(t, int64(1), st.Envelope["teams"])
			assert.Equal(t, int64(1), st.Envelope["activity_logs"])
			assert.Equal(t, int64(0), st.OK["agents"], "an anomaly is not OK")
		})
	}

	// Every third request under EnvelopePaths; other paths and 403s are
	// neither affected nor counted.
	opts := testOptions()
	opts.Conversations = 20
	opts.Envelope = EnvelopeNullData
	opts.EnvelopeEvery = 3
	opts.EnvelopePaths = []string{"/v1/agents", "/v1/queues"}
	opts.Forbid = []string{"/v1/queues"}
	s := New(opts)
	h := s.Handler()
	var got []bool
	for i := range 9 {
		assert.Equal(t, 403, apiGet(t, h, "/v1/queues", testToken).status)
		page(t, h, "/v1/teams") // never an anomaly
		r := apiGet(t, h, "/v1/agents", testToken)
		require.Equal(t, 200, r.status, "request %d", i)
		got = append(got, string(r.body) == "{\"data\":null}\n")
	}
	assert.Equal(t, []bool{false, false, true, false, false, true, false, false, true}, got)
	st := s.APIStats()
	assert.Equal(t, int64(3), st.Envelope["agents"])
	assert.Equal(t, int64(6), st.OK["agents"])
	assert.Equal(t, int64(0), st.Envelope["teams"])
	assert.Equal(t, int64(9), st.Forbidden["queues"])
}

func TestAPINotFound(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 120
	opts.NotFoundEvery = 3
	ids := convIDsOf(New(opts)) // the same whatever the Dixa API options
	opts.NotFound = []string{"/v1/conversations/" + ids[1] + "/ratings", "/v1/teams/*/agents"}
	opts.Forbid = []string{"/v1/conversations/" + ids[2]}
	s := New(opts)
	h := s.Handler()
	want := map[string]int64{}
	skipped := 0
	for i, id := range ids {
		n, err := strconv.ParseInt(id, 10, 64)
		require.NoError(t, err)
		every := n%3 == 0
		assert.Equal(t, every, s.ConversationNotFound(n), id)
		for _, child := range []string{"ratings", "notes"} {
			stream := "conversation_" + child
			p := "/v1/conversations/" + id + "/" + child
			r := apiGet(t, h, p, testToken)
			wantStatus := 200
			switch {
			case i == 2:
				wantStatus = 403 // Forbid comes first
			case every || (i == 1 && child == "ratings"):
				wantStatus = 404
			}
			assert.Equal(t, wantStatus, r.status, p)
			assert.Equal(t, wantStatus == 404, s.NotFound(p), p)
			if wantStatus == 404 {
				assert.JSONEq(t, `{"message":"Conversation with id `+id+` not found"}`, string(r.body), p)
				want[stream]++
				skipped++
			}
		}
	}
	assert.Positive(t, want["conversation_notes"], "some conversations are skipped")
	assert.Less(t, skipped, len(ids), "most are not")

	teams := page(t, h, "/v1/teams").Data
	team := teams[0]["id"].(string)
	r := apiGet(t, h, "/v1/teams/"+team+"/agents", testToken)
	assert.Equal(t, 404, r.status)
	assert.JSONEq(t, `{"message":"Team with id `+team+` not found"}`, string(r.body))
	want["team_members"] = 1
	st := s.APIStats()
	for _, stream := range []string{"conversation_ratings", "conversation_notes", "team_members"} {
		assert.Equal(t, want[stream], st.NotFound[stream], stream)
	}

	assert.True(t, s.NotFound("/v1/conversations/1/ratings"), "unknown conversation")
	assert.False(t, s.NotFound("/v1/agents"))
	assert.False(t, s.NotFound("/v1/conversation_export"))
	assert.False(t, s.NotFound("/_stats"))
	assert.Equal(t, "Queue with id q1 not found", notFoundMessage("/v1/queues/q1/members"))
	assert.Equal(t, "Not found", notFoundMessage("/v1/agents"))
	assert.Equal(t, "Not found", notFoundMessage("/v1/conversations/activitylog"))
	assert.False(t, shared().ConversationNotFound(3), "off by default")
}

func TestAPIPageKeysRepeat(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 60
	opts.PageKeys = PageKeysRepeat
	s := New(opts)
	h := s.Handler()
	first := page(t, h, "/v1/agents?pageLimit=5")
	second := nextOf(first)
	key := pageKeyOf(t, second)
	var data []map[string]any
	target := second
	for i := range 10 {
		e := page(t, h, target)
		if i == 0 {
			data = e.Data
			assert.NotEqual(t, first.Data, data)
		}
		assert.Equal(t, data, e.Data, "the second page, forever")
		target = nextOf(e)
		require.NotEmpty(t, target)
		assert.Equal(t, key, pageKeyOf(t, target))
	}

	// The activity log, the tap's way, and a last page: still its own key.
	q := activityURL("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z", "pageLimit=1000")
	e := page(t, h, q)
	assert.Empty(t, nextOf(e), "one page and no pageKey: no next")
	q = activityURL("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z", "pageLimit=3")
	k := pageKeyOf(t, nextOf(page(t, h, q)))
	for range 3 {
		e := page(t, h, q+"&pageKey="+url.QueryEscape(k))
		assert.Len(t, e.Data, 3)
		assert.Equal(t, k, pageKeyOf(t, nextOf(e)))
	}
	st := s.APIStats()
	assert.Equal(t, int64(10), st.Looped["agents"])
	assert.Equal(t, int64(3), st.Looped["activity_logs"])
}

func TestAPIPageKeysCycle(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 60
	opts.PageKeys = PageKeysCycle
	s := New(opts)
	h := s.Handler()
	// 25 agents in pages of 7: 7, 7, 7, 4, then back to the second.
	var pages [][]map[string]any
	target := "/v1/agents?pageLimit=7"
	for range 7 {
		e := page(t, h, target)
		pages = append(pages, e.Data)
		target = nextOf(e)
		require.NotEmpty(t, target, "a cycle never ends")
	}
	assert.Len(t, pages[3], 4)
	assert.Equal(t, pages[1], pages[4], "the last page's next is the second page")
	assert.Equal(t, pages[2], pages[5])
	assert.Equal(t, pages[3], pages[6])
	assert.NotEqual(t, pages[0], pages[4])

	// A full last page is not followed by an empty one but by the second
	// page (a client that stops on an empty page sees the cycle too); a
	// list of one page, full or not, cycles to itself.
	e := page(t, h, "/v1/agents?pageLimit=5")
	second := page(t, h, nextOf(e))
	for range 4 {
		e = page(t, h, nextOf(e))
		assert.Len(t, e.Data, 5)
	}
	assert.Equal(t, second.Data, page(t, h, nextOf(e)).Data)
	for _, limit := range []string{"25", "100"} {
		one := page(t, h, "/v1/agents?pageLimit="+limit)
		again := page(t, h, nextOf(one))
		assert.Len(t, again.Data, 25)
		assert.Equal(t, one.Data, again.Data)
		assert.NotEmpty(t, nextOf(again))
	}
	empty := page(t, h, activityURL("2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z"))
	assert.Empty(t, page(t, h, nextOf(empty)).Data, "an empty list cycles on its empty page")
	st := s.APIStats()
	assert.Equal(t, int64(2+1+2*2), st.Looped["agents"])
	assert.Equal(t, int64(2), st.Looped["activity_logs"])
}
