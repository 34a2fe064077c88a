package dixamock

// Tests of the analytics endpoints (api_analytics.go,
// api_analytics_data.go).

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postRecords serves POST target with body by h.
func postRecords(t *testing.T, h http.Handler, target, body string) apiResp {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Authorization", testToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return apiResp{rec.Code, rec.Body.Bytes()}
}

// recordsBody is a query body for type id over [start, end).
func recordsBody(id string, start, end time.Time, filters string) string {
	b := fmt.Sprintf(`{"id":%q,"periodFilter":{"_type":"Interval","start":%q,"end":%q},"timezone":"UTC"`,
		id, start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
	if filters != "" {
		b += `,"filters":` + filters
	}
	return b + "}"
}

// collectRecords follows every page of a records query in the given
// paging style and returns the records and the number of pages.
func collectRecords(t *testing.T, h http.Handler, style, body string, limit int) ([]map[string]any, int) {
	t.Helper()
	target := "/v1/analytics/records?pageLimit=" + strconv.Itoa(limit)
	var out []map[string]any
	for pages := 1; pages < 10000; pages++ {
		r := postRecords(t, h, target, body)
		require.Equal(t, 200, r.status, "%s: %s", target, r.body)
		var page struct {
			Data    []map[string]any `json:"data"`
			Meta    map[string]any   `json:"meta"`
			PageKey *string          `json:"pageKey"`
		}
		decodeJSON(t, r.body, &page)
		require.NotNil(t, page.Data, string(r.body))
		require.LessOrEqual(t, len(page.Data), limit)
		out = append(out, page.Data...)
		if style == AnalyticsPagingMeta {
			require.Nil(t, page.PageKey, "meta style has no pageKey")
			if target = nextOf(envelope{Meta: page.Meta}); target == "" {
				return out, pages
			}
			continue
		}
		require.Nil(t, page.Meta, "pagekey style has no meta")
		if page.PageKey == nil {
			return out, pages
		}
		target = "/v1/analytics/records?pageLimit=" + strconv.Itoa(limit) + "&pageKey=" + url.QueryEscape(*page.PageKey)
	}
	t.Fatal("too many pages")
	return nil, 0
}

// primaryAt returns the primary timestamp of a record in Unix ms.
func primaryAt(t *testing.T, rec map[string]any) int64 {
	t.Helper()
	ts := rec["primaryTimestampField"].(map[string]any)["timestamp"].(string)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, ts)
	at, err := time.Parse(time.RFC3339Nano, ts)
	require.NoError(t, err)
	return at.UnixMilli()
}

// fieldOf returns the "field" of the record's field name (nil if absent).
func fieldOf(rec map[string]any, name string) map[string]any {
	for _, f := range rec["fields"].([]any) {
		f := f.(map[string]any)
		if f["name"] == name {
			v, _ := f["field"].(map[string]any)
			return v
		}
	}
	return nil
}

// analyticsServers are a server with each paging style, built once.
var analyticsServers = sync.OnceValue(func() map[string]*Server {
	out := map[string]*Server{}
	for _, style := range []string{AnalyticsPagingMeta, AnalyticsPagingPageKey} {
		opts := testOptions()
		opts.AnalyticsPaging = style
		out[style] = New(opts)
	}
	return out
})

func TestAnalyticsRecordsPaging(t *testing.T) {
	start := time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC)
	end := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	for style, s := range analyticsServers() {
		t.Run(style, func(t *testing.T) {
			h := s.Handler()
			catalogue, nexts := collect(t, h, "/v1/analytics/records?pageLimit=2")
			require.NotEmpty(t, nexts, "the catalogue is paged")
			require.Len(t, catalogue, 5)
			truth := truthOfStream(t, h, fmt.Sprintf("analytics_records?after=%d&before=%d", start.UnixMilli(), end.UnixMilli()))
			fieldTypes := map[string]bool{}
			for _, typ := range catalogue {
				id := typ["id"].(string)
				for _, k := range []string{"id", "description", "filters", "relatedMetricIds", "fieldsMetadata"} {
					require.Contains(t, typ, k)
				}
				declared := map[string]bool{}
				for _, fm := range typ["fieldsMetadata"].([]any) {
					fm := fm.(map[string]any)
					assert.IsType(t, true, fm["nullable"])
					declared[fm["field"].(string)] = fm["nullable"].(bool)
				}
				recs, pages := collectRecords(t, h, style, recordsBody(id, start, end, ""), 7)
				require.NotEmpty(t, recs, id)
				assert.Greater(t, pages, 2, id)
				got, want := map[string]int{}, map[string]int{}
				seen := map[string]bool{}
				last := int64(0)
				for _, rec := range recs {
					at := primaryAt(t, rec)
					assert.GreaterOrEqual(t, at, start.UnixMilli())
					assert.Less(t, at, end.UnixMilli())
					assert.GreaterOrEqual(t, at, last, "by primary timestamp")
					last = at
					b, _ := json.Marshal(rec)
					assert.False(t, seen[string(b)], "%s: a record twice", id)
					seen[string(b)] = true
					csid := fieldOf(rec, "csid")
					require.Equal(t, "LongField", csid["_type"])
					got[fmt.Sprintf("%s|%d|%s", id, at, csid["value"])]++
					for _, f := range rec["fields"].([]any) {
						f := f.(map[string]any)
						name := f["name"].(string)
						nullable, ok := declared[name]
						assert.True(t, ok, "%s: field %s is not in fieldsMetadata", id, name)
						if field, ok := f["field"].(map[string]any); ok {
							fieldTypes[field["_type"].(string)] = true
						} else {
							assert.True(t, nullable, "%s: field %s without value", id, name)
						}
					}
					if v, ok := rec["value"].(map[string]any); ok {
						fieldTypes[v["_type"].(string)] = true
					}
				}
				for _, tr := range truth {
					if tr["record_id"] == id {
						want[keyOf(tr, "record_id", "at", "csid")]++
					}
				}
				assert.Equal(t, want, got, "%s: served = truth, each once", id)
			}
			assert.ElementsMatch(t, []string{"BooleanField", "DoubleField", "InstantField", "IntField", "ListField", "LongField",
				"StringField", "TimestampField", "UUIDField"}, slices.Collect(maps.Keys(fieldTypes)))
			st := s.APIStats()
			assert.Positive(t, st.Requests["analytics_records"])
			assert.Equal(t, st.Requests["analytics_records"], st.OK["analytics_records"])
		})
	}
}

func TestAnalyticsRecordsShapes(t *testing.T) {
	h := analyticsServers()[AnalyticsPagingMeta].Handler()
	body := recordsBody("first_response_time", testStart, testEnd, "")
	r := postRecords(t, h, "/v1/analytics/records?pageLimit=300", body)
	require.Equal(t, 200, r.status, string(r.body))
	var e envelope
	decodeJSON(t, r.body, &e)
	require.NotEmpty(t, e.Data)
	rec := e.Data[0]
	assert.Equal(t, "first_response_at", rec["primaryTimestampField"].(map[string]any)["name"])
	v := rec["value"].(map[string]any)
	assert.Equal(t, "DoubleField", v["_type"])
	assert.IsType(t, json.Number(""), v["value"])
	for _, rec := range e.Data {
		ch := fieldOf(rec, "current_channel")
		assert.Regexp(t, `^[A-Z_]+$`, ch["value"])
		assert.NotEmpty(t, ch["label"])
		if q := fieldOf(rec, "queue"); q != nil {
			assert.Regexp(t, fanoutUUID, q["value"])
			assert.NotEmpty(t, q["label"])
		}
	}
	r = postRecords(t, h, "/v1/analytics/records?pageLimit=300", recordsBody("closed_conversations", testStart, testEnd, ""))
	e = envelope{}
	decodeJSON(t, r.body, &e)
	var lists, nulls int
	for _, rec := range e.Data {
		assert.NotContains(t, rec, "value")
		tags := fieldOf(rec, "tags")
		assert.Equal(t, "ListField", tags["_type"])
		lists += len(tags["values"].([]any))
		assert.Equal(t, "InstantField", fieldOf(rec, "closed_at")["_type"])
		if fieldOf(rec, "agent") == nil {
			nulls++
		}
	}
	assert.Positive(t, lists)
	assert.Positive(t, nulls, "nullable fields are sometimes null")
}

func TestAnalyticsRecordsErrors(t *testing.T) {
	s := analyticsServers()[AnalyticsPagingMeta]
	h := s.Handler()
	good := recordsBody("created_conversations", testStart, testEnd, "")
	for _, tc := range []struct{ target, body, want string }{
		{"", `{`, "Invalid value for: body"},
		{"", `[]`, "Invalid value for: body"},
		{"", `{"id":"created_conversations","periodFilter":{"_type":"Interval","start":"2024-01-01T00:00:00Z"},"timezone":"UTC"}`, "Invalid value for: body"},
		{"", `{"id":"created_conversations","periodFilter":{"_type":"Interval","start":"2024-01-01","end":"2024-02-01T00:00:00Z"},"timezone":"UTC"}`, "Invalid value for: body"},
		{"", `{"id":"created_conversations","periodFilter":{"_type":"Interval","start":"2024-02-01T00:00:00Z","end":"2024-02-01T00:00:00Z"},"timezone":"UTC"}`, "Invalid value for: body"},
		{"", `{"id":"created_conversations","periodFilter":{"value":{"_type":"PreviousWeek"},"_type":"Preset"},"timezone":"UTC"}`, "Invalid value for: body"},
		{"", `{"id":"created_conversations","periodFilter":{"_type":"Interval","start":"2024-01-01T00:00:00Z","end":"2024-02-01T00:00:00Z"}}`, "Invalid value for: body"},
		{"", `{"id":"created_conversations","timezone":"UTC"}`, "Invalid value for: body"},
		{"", `{"id":"created_conversations","csidFilter":[],"timezone":"UTC"}`, "Invalid value for: body"},
		{"", recordsBody("no_such_records", testStart, testEnd, ""), `Invalid value for: body (unknown record id "no_such_records")`},
		{"?pageLimit=301", good, "Invalid value for: query parameter pageLimit (at most 300)"},
		{"?pageLimit=0", good, "Invalid value for: query parameter pageLimit"},
		{"?pageKey=nonsense", good, "Invalid value for: query parameter pageKey"},
	} {
		r := postRecords(t, h, "/v1/analytics/records"+tc.target, tc.body)
		assert.Equal(t, 400, r.status, "%s %s", tc.target, tc.body)
		assert.True(t, strings.HasPrefix(errorMessage(t, r.body), tc.want), "%s %s: %s", tc.target, tc.body, r.body)
	}
	assert.Equal(t, 200, postRecords(t, h, "/v1/analytics/records?pageLimit=300", good).status)

	// A pageKey continues the query of its body, and no other.
	r := postRecords(t, h, "/v1/analytics/records?pageLimit=5", good)
	require.Equal(t, 200, r.status)
	var e envelope
	decodeJSON(t, r.body, &e)
	key := pageKeyOf(t, nextOf(e))
	other := recordsBody("created_conversations", testStart, testEnd.Add(-time.Hour), "")
	r = postRecords(t, h, "/v1/analytics/records?pageKey="+url.QueryEscape(key), other)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "Invalid value for: query parameter pageKey (it belongs to another request body)", errorMessage(t, r.body))
	r = postRecords(t, h, "/v1/analytics/records?pageKey="+url.QueryEscape(key), good)
	assert.Equal(t, 200, r.status, "the same body, spelt the same")
	same := strings.Replace(good, `"timezone":"UTC"`, ` "timezone" : "UTC" `, 1)
	assert.Equal(t, 200, postRecords(t, h, "/v1/analytics/records?pageKey="+url.QueryEscape(key), same).status, "the same body, spelt otherwise")
	// A catalogue pageKey is not a records pageKey, nor the reverse.
	catKey := pageKeyOf(t, nextOf(page(t, h, "/v1/analytics/records?pageLimit=1")))
	assert.Equal(t, 400, postRecords(t, h, "/v1/analytics/records?pageKey="+url.QueryEscape(catKey), good).status)
	assert.Equal(t, 400, apiGet(t, h, "/v1/analytics/records?pageKey="+url.QueryEscape(key), testToken).status)
	assert.Equal(t, 400, apiGet(t, h, "/v1/analytics/filter/channel?pageKey="+url.QueryEscape(catKey), testToken).status)

	// Methods.
	req := httptest.NewRequest(http.MethodPut, "/v1/analytics/records", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 405, rec.Code)
	assert.Equal(t, "GET, POST", rec.Header().Get("Allow"))
	req = httptest.NewRequest(http.MethodHead, "/v1/analytics/records", nil)
	req.Header.Set("Authorization", testToken)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 200, rec.Code)
	req = httptest.NewRequest(http.MethodPost, "/v1/agents", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 405, rec.Code)
	assert.Equal(t, "GET", rec.Header().Get("Allow"))
	req = httptest.NewRequest(http.MethodPost, "/v1/analytics/records", strings.NewReader(good))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 401, rec.Code, "authentication comes first")
}

func TestAnalyticsFilters(t *testing.T) {
	opts := testOptions()
	opts.AnalyticsRequireFilter = true
	strict := New(opts).Handler()
	loose := analyticsServers()[AnalyticsPagingMeta].Handler()
	r := postRecords(t, strict, "/v1/analytics/records", recordsBody("created_conversations", testStart, testEnd, ""))
	assert.Equal(t, 400, r.status)
	assert.JSONEq(t, `{"message":"At least one filter is required when using a period filter"}`, string(r.body))
	r = postRecords(t, strict, "/v1/analytics/records", recordsBody("created_conversations", testStart, testEnd, "[]"))
	assert.Equal(t, 400, r.status, "an empty filters list")

	all, _ := collectRecords(t, loose, AnalyticsPagingMeta, recordsBody("created_conversations", testStart, testEnd, ""), 300)
	email, _ := collectRecords(t, strict, AnalyticsPagingMeta,
		recordsBody("created_conversations", testStart, testEnd, `[{"attribute":"channel","values":["EMAIL","SMS"]}]`), 300)
	var want []map[string]any
	for _, rec := range all {
		if v := fieldOf(rec, "initial_channel")["value"]; v == "EMAIL" || v == "SMS" {
			want = append(want, rec)
		}
	}
	require.NotEmpty(t, want)
	assert.Less(t, len(want), len(all))
	assert.Equal(t, want, email, "the records of those channels")

	// A filter the type does not list is ignored; a csidFilter needs no filter.
	ignored, _ := collectRecords(t, strict, AnalyticsPagingMeta,
		recordsBody("created_conversations", testStart, testEnd, `[{"attribute":"agent_id","values":["x"]}]`), 300)
	assert.Equal(t, all, ignored)
	csid := fieldOf(all[3], "csid")["value"].(json.Number).String()
	r = postRecords(t, strict, "/v1/analytics/records", `{"id":"created_conversations","csidFilter":[`+csid+`],"timezone":"Europe/Copenhagen"}`)
	require.Equal(t, 200, r.status, string(r.body))
	var e envelope
	decodeJSON(t, r.body, &e)
	require.Len(t, e.Data, 1)
	assert.Equal(t, all[3], e.Data[0])

	// Tag and queue filters.
	for attr, field := range map[string]string{"tag_id": "tags", "queue_id": "queue"} {
		values, nexts := collect(t, loose, "/v1/analytics/filter/"+attr+"?pageLimit=4")
		require.NotEmpty(t, nexts, "%s values are paged", attr)
		v := values[1]["value"].(string)
		got, _ := collectRecords(t, loose, AnalyticsPagingMeta,
			recordsBody("closed_conversations", testStart, testEnd, `[{"attribute":"`+attr+`","values":["`+v+`"]}]`), 300)
		require.NotEmpty(t, got, attr)
		for _, rec := range got {
			f := fieldOf(rec, field)
			if field == "tags" {
				assert.Contains(t, fmt.Sprint(f["values"]), v)
			} else {
				assert.Equal(t, v, f["value"])
			}
		}
	}
}

func TestAnalyticsFilterValues(t *testing.T) {
	h := analyticsServers()[AnalyticsPagingMeta].Handler()
	values, nexts := collect(t, h, "/v1/analytics/filter/channel?pageLimit=3")
	assert.NotEmpty(t, nexts)
	var got []string
	for _, v := range values {
		assert.Len(t, v, 2)
		assert.NotEmpty(t, v["label"])
		got = append(got, v["value"].(string))
	}
	assert.True(t, slices.IsSorted(got))
	assert.Contains(t, got, "EMAIL")
	assert.Contains(t, got, "PSTN_PHONE")
	assert.Contains(t, values, map[string]any{"value": "EMAIL", "label": "Email"})
	all, _ := collectRecords(t, h, AnalyticsPagingMeta, recordsBody("closed_conversations", testStart, testEnd, ""), 300)
	for _, rec := range all {
		assert.Contains(t, got, fieldOf(rec, "current_channel")["value"])
	}
	for _, attr := range []string{"agent_id", "queue_id", "initial_direction", "tag_id", "contact_point"} {
		assert.NotEmpty(t, page(t, h, "/v1/analytics/filter/"+attr).Data, attr)
	}
	assert.Equal(t, 404, apiGet(t, h, "/v1/analytics/filter/nonsense", testToken).status)
	assert.Equal(t, 401, apiGet(t, h, "/v1/analytics/filter/channel", "").status)
}
