package dixamock

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// activityURL is an activity log query.
func activityURL(from, to string, extra ...string) string {
	u := "/v1/conversations/activitylog?fromDatetime=" + url.QueryEscape(from) + "&toDatetime=" + url.QueryEscape(to)
	for _, e := range extra {
		u += "&" + e
	}
	return u
}

// idsOf returns the ids of items, in order.
func idsOf(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i] = m["id"].(string)
	}
	return out
}

// truthIDsIn returns the sorted ids of the activity log truth with at in
// [after, before).
func truthIDsIn(t *testing.T, h http.Handler, after, before time.Time) []string {
	t.Helper()
	r := apiGet(t, h, "/_truth/activity_logs?after="+strconv.FormatInt(after.UnixMilli(), 10)+"&before="+strconv.FormatInt(before.UnixMilli(), 10), "")
	require.Equal(t, 200, r.status)
	var tr []Truth
	require.NoError(t, json.Unmarshal(r.body, &tr))
	out := make([]string, len(tr))
	for i, x := range tr {
		out[i] = x.ID
	}
	return out
}

func TestAPINextStyles(t *testing.T) {
	for _, style := range []string{NextAbsolute, NextRelative, NextMixed, ""} {
		t.Run(style, func(t *testing.T) {
			opts := testOptions()
			opts.Conversations = 60
			opts.NextStyle = style
			opts.APIPageSize = 9
			h := New(opts).Handler()
			assert.Len(t, page(t, h, "/v1/agents").Data, 9, "APIPageSize without pageLimit")
			items, nexts := collect(t, h, "/v1/agents?pageLimit=4")
			assert.Len(t, items, 25)
			require.Len(t, nexts, 6) // pages of 4: 7 pages
			for i, n := range nexts {
				abs := style == NextAbsolute || (style != NextRelative && i%2 == 0)
				if abs {
					assert.True(t, strings.HasPrefix(n, "http://example.com/v1/agents?"), n)
				} else {
					assert.True(t, strings.HasPrefix(n, "/v1/agents?"), n)
				}
				assert.Contains(t, n, "pageLimit=4")
			}
		})
	}
}

func TestAPIPagingCollectsExactlyTheTruth(t *testing.T) {
	s := shared()
	h := s.Handler()
	for _, limit := range []int{1, 7, 25, 1000} {
		items, _ := collect(t, h, "/v1/agents?pageLimit="+strconv.Itoa(limit))
		got := idsOf(items)
		assert.Len(t, got, 25)
		assert.True(t, slices.IsSorted(got), "agents are listed by id")
		want := []string{}
		for _, tr := range truthOfStream(t, h, "agents") {
			want = append(want, tr["id"].(string))
		}
		assert.Equal(t, want, got, "pageLimit %d", limit)
	}

	// The default page size, and a full last page followed by an empty one.
	e := page(t, h, "/v1/endusers")
	assert.Equal(t, min(100, len(truthOfStream(t, h, "end_users"))), len(e.Data))
	e = page(t, h, "/v1/agents?pageLimit=5")
	for range 4 {
		e = page(t, h, nextOf(e))
		assert.Len(t, e.Data, 5)
	}
	require.NotEmpty(t, nextOf(e), "a full page that ends the list still has a next page")
	e = page(t, h, nextOf(e))
	assert.Empty(t, e.Data)
	assert.Empty(t, nextOf(e))

	// The activity log, the tap's way: the pageKey of meta.next re-sent
	// with the client's own parameters.
	from, to := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 20, 0, 0, 0, 0, time.UTC)
	base := activityURL(from.Format(time.RFC3339), to.Format(time.RFC3339), "pageLimit=13")
	var got []map[string]any
	target := base
	for pages := 0; ; pages++ {
		e := page(t, h, target)
		got = append(got, e.Data...)
		if nextOf(e) == "" {
			assert.Greater(t, pages, 5)
			break
		}
		target = base + "&pageKey=" + url.QueryEscape(pageKeyOf(t, nextOf(e)))
	}
	want := truthIDsIn(t, h, from, to)
	assert.NotEmpty(t, want)
	assert.ElementsMatch(t, want, idsOf(got))
	// Ascending: by activityTimestamp, then id.
	assert.True(t, slices.IsSortedFunc(got, func(a, b map[string]any) int {
		return cmp.Or(cmp.Compare(tsOf(t, a), tsOf(t, b)), cmp.Compare(a["id"].(string), b["id"].(string)))
	}))
}

// tsOf returns the activityTimestamp of an entry in Unix ms.
func tsOf(t *testing.T, e map[string]any) int64 {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(e["activityTimestamp"].(string), "[GMT]"))
	require.NoError(t, err)
	return ts.UnixMilli()
}

func TestAPIActivityShuffled(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 100
	opts.ActivityOrder = OrderShuffled
	h := New(opts).Handler()
	items, _ := collect(t, h, activityURL("2024-01-01T00:00:00Z", "2024-03-31T00:00:00Z", "pageLimit=10"))
	ts := make([]int64, len(items))
	for i, e := range items {
		ts[i] = tsOf(t, e)
	}
	assert.False(t, slices.IsSorted(ts), "shuffled pages are in no time order")
	assert.ElementsMatch(t, truthIDsIn(t, h, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)), idsOf(items))

	// One permutation of the whole query, cut into pages, not a shuffle of
	// each page of the ascending order: the page size does not change it,
	// and the pages' time ranges overlap.
	for _, limit := range []string{"7", "1000"} {
		other, _ := collect(t, h, activityURL("2024-01-01T00:00:00Z", "2024-03-31T00:00:00Z", "pageLimit="+limit))
		assert.Equal(t, idsOf(items), idsOf(other), "pageLimit %s", limit)
	}
	overlaps := 0
	for i := 10; i+10 <= len(ts); i += 10 {
		if slices.Max(ts[i-10:i]) > slices.Min(ts[i:i+10]) {
			overlaps++
		}
	}
	assert.Greater(t, overlaps, len(ts)/20, "consecutive pages overlap in time")
}

func TestAPIActivityDescending(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 100
	asc := New(opts).Handler()
	opts.ActivityOrder = OrderDescending
	desc := New(opts).Handler()
	q := activityURL("2024-01-05T00:00:00Z", "2024-03-20T00:00:00Z", "pageLimit=9")
	up, _ := collect(t, asc, q)
	down, nexts := collect(t, desc, q)
	require.Greater(t, len(nexts), 3, "several pages")
	want := idsOf(up)
	slices.Reverse(want)
	assert.Equal(t, want, idsOf(down), "newest first across all pages")
	assert.True(t, slices.IsSortedFunc(down, func(a, b map[string]any) int {
		return cmp.Or(cmp.Compare(tsOf(t, b), tsOf(t, a)), cmp.Compare(b["id"].(string), a["id"].(string)))
	}))
	// The tap's way: the pageKey re-sent with the client's own parameters.
	var got []map[string]any
	target := q
	for {
		e := page(t, desc, target)
		got = append(got, e.Data...)
		if nextOf(e) == "" {
			break
		}
		target = q + "&pageKey=" + url.QueryEscape(pageKeyOf(t, nextOf(e)))
	}
	assert.Equal(t, idsOf(down), idsOf(got))
}

func TestAPIActivityWindow(t *testing.T) {
	h := shared().Handler()
	// An entry exactly on a UTC midnight.
	var mid time.Time
	for _, tr := range truthOfStream(t, h, "activity_logs") {
		if at := mustInt(t, tr["at"]); at%dayMs == 0 && at >= testStart.UnixMilli() {
			mid = time.UnixMilli(at).UTC()
			break
		}
	}
	require.False(t, mid.IsZero())
	day := mid.Format(time.RFC3339)
	has := func(items []map[string]any) bool {
		return slices.ContainsFunc(items, func(e map[string]any) bool { return tsOf(t, e) == mid.UnixMilli() })
	}
	after, _ := collect(t, h, activityURL(day, mid.Add(24*time.Hour).Format(time.RFC3339)))
	before, _ := collect(t, h, activityURL(mid.Add(-24*time.Hour).Format(time.RFC3339), day))
	assert.True(t, has(after), "fromDatetime is inclusive")
	assert.False(t, has(before), "toDatetime is exclusive")
	assert.Equal(t, truthIDsIn(t, h, mid, mid.Add(24*time.Hour)), slices.Sorted(slices.Values(idsOf(after))))

	// Offsets and fractions name the same instants; 1ms later excludes it.
	cet := time.FixedZone("CET", 3600)
	offset, _ := collect(t, h, activityURL(mid.In(cet).Format(time.RFC3339), mid.Add(24*time.Hour).In(cet).Format("2006-01-02T15:04:05.000Z07:00")))
	assert.Equal(t, idsOf(after), idsOf(offset))
	later, _ := collect(t, h, activityURL(mid.Add(time.Microsecond).Format(time.RFC3339Nano), mid.Add(24*time.Hour).Format(time.RFC3339)))
	assert.False(t, has(later))
	empty := page(t, h, activityURL(day, day))
	assert.Empty(t, empty.Data)

	for _, tc := range []struct{ url, msg string }{
		{activityURL("2024-01-01T00:00:00Z", "2024-03-31T00:00:01Z"), "Invalid value for: query parameter toDatetime (at most 90 days)"},
		{activityURL("2024-01-01T00:00:00Z", "2024-03-31T00:00:00.001Z"), "Invalid value for: query parameter toDatetime (at most 90 days)"},
		{"/v1/conversations/activitylog?fromDatetime=2024-01-01T00:00:00Z", "Invalid value for: query parameter toDatetime (missing)"},
		{"/v1/conversations/activitylog", "Invalid value for: query parameter fromDatetime (missing)"},
		{activityURL("2024-01-01", "2024-01-02T00:00:00Z"), "Invalid value for: query parameter fromDatetime"},
		{activityURL("2024-01-01T00:00:00Z", "1704153600000"), "Invalid value for: query parameter toDatetime"},
		{activityURL("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z"), "Invalid value for: query parameter toDatetime (must not be before fromDatetime)"},
		{activityURL("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "pageLimit=0"), "Invalid value for: query parameter pageLimit"},
		{activityURL("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "pageLimit=x"), "Invalid value for: query parameter pageLimit"},
	} {
		r := apiGet(t, h, tc.url, testToken)
		assert.Equal(t, 400, r.status, tc.url)
		assert.Equal(t, tc.msg, errorMessage(t, r.body), tc.url)
	}
	ok := apiGet(t, h, activityURL("2024-01-01T00:00:00Z", "2024-03-31T00:00:00Z"), testToken)
	assert.Equal(t, 200, ok.status, "exactly 90 days is allowed")
}

func TestAPIBadPageKey(t *testing.T) {
	h := shared().Handler()
	q := activityURL("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "pageLimit=5")
	key := pageKeyOf(t, nextOf(page(t, h, q)))
	agentsKey := pageKeyOf(t, nextOf(page(t, h, "/v1/agents?pageLimit=5")))
	forged := base64.StdEncoding.EncodeToString([]byte(`{"s":"agents","o":-1,"p":0,"l":5}`))
	beyond := base64.StdEncoding.EncodeToString([]byte(`{"s":"agents","o":26,"p":1,"l":5}`))

	// The pageKey alone, and with the same filter spelled differently.
	assert.Len(t, page(t, h, "/v1/conversations/activitylog?pageKey="+url.QueryEscape(key)).Data, 5)
	assert.Len(t, page(t, h, activityURL("2024-01-01T01:00:00+01:00", "2024-02-01T00:00:00.000Z", "pageKey="+url.QueryEscape(key))).Data, 5)
	for _, u := range []string{
		"/v1/agents?pageKey=not-base64!",
		"/v1/agents?pageKey=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte("not json"))),
		"/v1/agents?pageKey=",
		"/v1/agents?pageKey=" + url.QueryEscape(forged),
		"/v1/agents?pageKey=" + url.QueryEscape(beyond),
		"/v1/endusers?pageKey=" + url.QueryEscape(agentsKey),
		"/v1/agents?pageKey=" + url.QueryEscape(key),
		activityURL("2024-01-01T00:00:00Z", "2024-02-02T00:00:00Z", "pageKey="+url.QueryEscape(key)),
		"/v1/conversations/activitylog?fromDatetime=2024-01-01T00:00:00Z&pageKey=" + url.QueryEscape(key),
	} {
		r := apiGet(t, h, u, testToken)
		assert.Equal(t, 400, r.status, u)
		assert.Contains(t, errorMessage(t, r.body), "Invalid value for: query parameter", u)
	}
}
