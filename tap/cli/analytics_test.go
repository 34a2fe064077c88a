package cli_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// Dixa's spec pages analytics records with meta.next, its tooling with a
// top-level pageKey, and its tooling says a period needs a filter: every
// combination reads every record once, with keys unique and the same on
// every read.
func TestAnalyticsRecordsEveryPagingAndFilterRule(t *testing.T) {
	var keys []map[string]int
	for _, tc := range []struct {
		paging string
		filter bool
	}{{dixamock.AnalyticsPagingMeta, false}, {dixamock.AnalyticsPagingPageKey, false}, {dixamock.AnalyticsPagingMeta, true}} {
		t.Run(tc.paging+map[bool]string{true: "+filter"}[tc.filter], func(t *testing.T) {
			_, url := startMock(t, dixamock.Options{Seed: 21, Conversations: 150,
				APIOptions: dixamock.APIOptions{AnalyticsPaging: tc.paging, AnalyticsRequireFilter: tc.filter}})
			cfg := baseConfig(url)
			cfg["page_size"] = 1000 // asked for as 300, Dixa's cap
			cfg["analytics_window_days"] = 3
			r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "analytics_records"))
			require.Equal(t, 0, r.code, r.stderr)
			o := singertest.Check(t, []byte(r.stdout))
			want, got := analyticsTruth(t, url), analyticsEmitted(t, o)
			if tc.filter {
				// Records without a channel are not read when Dixa insists
				// on a filter: the tap says so.
				assert.Contains(t, r.stderr, "Dixa requires a filter")
				assert.Contains(t, r.stderr, "records without one are not read")
				for k, n := range got {
					assert.Equal(t, want[k], n, k)
				}
				assert.NotEmpty(t, got)
			} else {
				assert.Equal(t, want, got)
				assert.NotContains(t, r.stderr, "WARNING")
			}
			k := emittedKeys(o, "analytics_records")
			assert.Len(t, k, len(o.Records["analytics_records"]), "keys are unique")
			keys = append(keys, k)

			// One bookmark per record type, at the end.
			var st struct {
				Bookmarks map[string]map[string]map[string]string `json:"bookmarks"`
			}
			require.NoError(t, json.Unmarshal(o.LastState(), &st))
			marks := st.Bookmarks["analytics_records"]["primary_timestamp"]
			assert.Len(t, marks, 5)
			for typ, at := range marks {
				assert.Equal(t, "2024-03-01T00:00:00Z", at, typ)
			}
		})
	}
	require.Len(t, keys, 3)
	assert.Equal(t, keys[0], keys[1], "the same records, the same keys, however paged")
}

// A resumed run starts each record type at its own bookmark: a type that
// was synced is not read again, one added since starts at start_date.
func TestAnalyticsResumesPerRecordType(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 22, Conversations: 100})
	cfg := baseConfig(url)
	cfg["analytics_record_types"] = []string{"ratings"}
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "analytics_records"))
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	first := analyticsEmitted(t, o)
	require.NotEmpty(t, first)
	for k := range first {
		assert.True(t, strings.HasPrefix(k, "ratings|"), k)
	}
	state := writeFile(t, "state.json", string(o.LastState()))

	cfg["analytics_record_types"] = "ratings, closed_conversations"
	r = runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--state", state, "--catalog", catalogFor(t, "analytics_records"))
	require.Equal(t, 0, r.code, r.stderr)
	second := analyticsEmitted(t, singertest.Check(t, []byte(r.stdout)))
	want := analyticsTruth(t, url)
	n := 0
	for k, c := range want {
		if strings.HasPrefix(k, "closed_conversations|") {
			assert.Equal(t, c, second[k], k)
			n += c
		}
	}
	assert.Positive(t, n)
	assert.Len(t, second, len(wantOf(want, "closed_conversations|")), "ratings are not read again")

	// A bookmark that is not an instant fails before any request.
	bad := writeFile(t, "bad.json", `{"bookmarks":{"analytics_records":{"primary_timestamp":{"ratings":"soon"}}}}`)
	r = runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--state", bad, "--catalog", catalogFor(t, "analytics_records"))
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "bookmarks.analytics_records.primary_timestamp: ratings:")
	assert.Empty(t, r.stdout)
}

func wantOf(m map[string]int, prefix string) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

// A child of a list stream selected alone writes its own records only, and
// selected with a child of conversations each gets its own parents' ids.
func TestChildrenOfListsAloneAndTogether(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 23, Conversations: 30})
	for _, streams := range [][]string{
		{"end_user_custom_attributes"},
		{"end_user_custom_attributes", "conversation_notes", "knowledge_articles", "team_members"},
	} {
		r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", baseConfig(url)), "--catalog", catalogFor(t, streams...))
		require.Equal(t, 0, r.code, r.stderr)
		o := singertest.Check(t, []byte(r.stdout))
		for stream := range o.Records {
			assert.Contains(t, streams, stream, "only selected streams are written")
		}
		for _, stream := range streams {
			got, want := emittedKeys(o, stream), truthKeys(t, url, stream)
			require.NotEmpty(t, want, stream)
			assert.Len(t, got, len(want), stream)
			for k := range want {
				assert.Equal(t, 1, got[k], "%s %s", stream, k)
			}
		}
	}
	assert.Zero(t, m.APIStats().NotFound["end_user_custom_attributes"])
}

// Webhook secrets never reach the output: not the secretKey, not a header
// value, in no message and no log line.
func TestWebhookSecretsNeverWritten(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 24, Conversations: 10})
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", baseConfig(url)), "--catalog", catalogFor(t, "webhooks"))
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	require.Len(t, o.Records["webhooks"], len(truthKeys(t, url, "webhooks")))
	var secrets []struct {
		Value string `json:"value"`
	}
	getJSON(t, url+"/_truth/webhook_secrets", &secrets)
	require.NotEmpty(t, secrets)
	for _, s := range secrets {
		require.NotEmpty(t, s.Value)
		assert.NotContains(t, r.stdout, s.Value)
		assert.NotContains(t, r.stderr, s.Value)
	}
	for _, rec := range o.Records["webhooks"] {
		var w map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(rec, &w))
		assert.NotContains(t, w, "secretKey")
		var headers map[string]any
		require.NoError(t, json.Unmarshal(w["headers"], &headers))
		for name, v := range headers {
			assert.Nil(t, v, name)
		}
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// An endpoint this organisation does not have (404 for the list itself,
// not for one parent) fails its stream alone: the others complete, their
// STATE is kept, and the run exits 1 naming it.
func TestMissingEndpointFailsAlone(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 25, Conversations: 20,
		APIOptions: dixamock.APIOptions{NotFound: []string{"/v1/business-hours", "/v1/analytics"}}})
	streams := []string{"conversations", "business_hours", "analytics_records", "organization", "flows"}
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", baseConfig(url)), "--catalog", catalogFor(t, streams...))
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 stream(s) failed: business_hours, analytics_records")
	assert.Contains(t, r.stderr, "ERROR business_hours: stream failed, the others go on: GET")
	o := singertest.Check(t, []byte(r.stdout))
	for _, stream := range []string{"conversations", "organization", "flows"} {
		assert.Len(t, emittedKeys(o, stream), len(truthKeys(t, url, stream)), stream)
	}
	assert.Empty(t, o.Records["business_hours"])
	assert.Contains(t, string(o.LastState()), `"conversations":{"updated_at":`)
}

// Two analytics records alike in every part (Dixa has no key for them) are
// both written, the second with "-2" on its key: a target upserting on the
// key keeps both.
func TestAnalyticsRecordsAlikeKeepDistinctKeys(t *testing.T) {
	rec := `{"primaryTimestampField":{"name":"created_at","timestamp":"2024-01-02T03:04:05.678Z"},` +
		`"value":{"value":1,"_type":"LongField"},"fields":[{"name":"csid","field":{"value":7,"_type":"LongField"}}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/analytics/records":
			_, _ = w.Write([]byte(`{"data":[{"id":"ratings","description":"Ratings"}]}`))
		case r.Method == http.MethodPost && r.URL.Path == "/v1/analytics/records":
			var q struct {
				PeriodFilter struct{ Start string } `json:"periodFilter"`
			}
			require.NoError(t, json.NewDecoder(r.Body).Decode(&q))
			if strings.HasPrefix(q.PeriodFilter.Start, "2024-01-01T23:59:59.999") {
				_, _ = w.Write([]byte(`{"data":[` + rec + `,` + rec + `]}`))
				return
			}
			_, _ = w.Write([]byte(`{"data":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := baseConfig(srv.URL)
	cfg["end_date"] = "2024-01-05T00:00:00Z"
	cfg["analytics_window_days"] = 1
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "analytics_records"))
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	require.Len(t, o.Records["analytics_records"], 2)
	keys := emittedKeys(o, "analytics_records")
	require.Len(t, keys, 2, "distinct keys")
	var first, second struct{ Key string }
	require.NoError(t, json.Unmarshal(o.Records["analytics_records"][0], &first))
	require.NoError(t, json.Unmarshal(o.Records["analytics_records"][1], &second))
	assert.Equal(t, first.Key+"-2", second.Key)
}
