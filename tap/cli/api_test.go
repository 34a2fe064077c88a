package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

func allStreams() []string {
	var names []string
	for _, s := range tap.Streams {
		names = append(names, s.Name)
	}
	return names
}

// truthKeys returns the mock's truth for a stream as key tuples.
func truthKeys(t *testing.T, url, stream string) map[string]bool {
	t.Helper()
	st, _ := tap.StreamByName(stream)
	resp, err := http.Get(url + "/_truth/" + stream + truthRange(stream))
	require.NoError(t, err)
	defer resp.Body.Close()
	var rows []map[string]json.RawMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rows))
	out := map[string]bool{}
	for _, r := range rows {
		out[keyOf(r, st.KeyProperties)] = true
	}
	return out
}

// truthRange limits the activity log's truth to the synced range
// (baseConfig's start_date and end_date): unlike the exports' records,
// entries may predate the mock's data range.
func truthRange(stream string) string {
	if stream != "activity_logs" {
		return ""
	}
	return fmt.Sprintf("?after=%d&before=%d", dataStart.UnixMilli(), dataStart.AddDate(0, 2, 0).UnixMilli())
}

func keyOf(r map[string]json.RawMessage, keys []string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, strings.Trim(string(r[k]), `"`))
	}
	return strings.Join(parts, "|")
}

// emittedKeys counts the key tuples of a stream's records.
func emittedKeys(o *singertest.Output, stream string) map[string]int {
	st, _ := tap.StreamByName(stream)
	out := map[string]int{}
	for _, rec := range o.Records[stream] {
		var r map[string]json.RawMessage
		_ = json.Unmarshal(rec, &r)
		out[keyOf(r, st.KeyProperties)]++
	}
	return out
}

var (
	dateTimeValue = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^"]*"`)
	normalised    = regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$`)
)

func TestEveryStreamCompleteAgainstTruth(t *testing.T) {
	for _, style := range []string{dixamock.NextAbsolute, dixamock.NextRelative, dixamock.NextMixed} {
		t.Run("next="+style, func(t *testing.T) {
			_, url := startMock(t, dixamock.Options{Seed: 31, Conversations: 120, APIOptions: dixamock.APIOptions{NextStyle: style}})
			cfg := baseConfig(url)
			cfg["page_size"] = 7 // many pages
			r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, allStreams()...))
			require.Equal(t, 0, r.code, r.stderr)
			o := singertest.Check(t, []byte(r.stdout))
			got, want := analyticsEmitted(t, o), analyticsTruth(t, url)
			require.NotEmpty(t, want)
			assert.Equal(t, want, got, "analytics_records: every record once")
			assert.Len(t, emittedKeys(o, "analytics_records"), len(o.Records["analytics_records"]), "analytics_records: keys are unique")
			for _, stream := range allStreams() {
				if stream == "analytics_records" {
					continue // its truth has no key: see above
				}
				got, want := emittedKeys(o, stream), truthKeys(t, url, stream)
				require.NotEmpty(t, want, stream)
				for k := range want {
					assert.Equal(t, 1, got[k], "%s %s", stream, k)
				}
				assert.Equal(t, len(want), len(got), "%s: nothing beyond the truth", stream)
			}
			for _, m := range dateTimeValue.FindAllString(r.stdout, -1) {
				if !normalised.MatchString(m) && !strings.HasPrefix(m, `"time_extracted"`) {
					if strings.Contains(m, "[") || !strings.HasSuffix(m, `Z"`) {
						t.Fatalf("date-time not normalised: %s", m)
					}
				}
			}
			assert.NotContains(t, r.stdout, "[GMT]")
		})
	}
}

// analyticsTruth counts the mock's analytics records in the synced range
// by record type, primary timestamp (ms) and csid.
func analyticsTruth(t *testing.T, url string) map[string]int {
	t.Helper()
	resp, err := http.Get(url + fmt.Sprintf("/_truth/analytics_records?after=%d&before=%d", dataStart.UnixMilli(), dataStart.AddDate(0, 2, 0).UnixMilli()))
	require.NoError(t, err)
	defer resp.Body.Close()
	var rows []struct {
		Type string          `json:"record_id"`
		At   int64           `json:"at"`
		CSID json.RawMessage `json:"csid"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rows))
	out := map[string]int{}
	for _, r := range rows {
		out[fmt.Sprintf("%s|%d|%s", r.Type, r.At, r.CSID)]++
	}
	return out
}

// analyticsEmitted counts the analytics records written, as analyticsTruth.
func analyticsEmitted(t *testing.T, o *singertest.Output) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, rec := range o.Records["analytics_records"] {
		var r struct {
			Type   string `json:"record_id"`
			At     string `json:"primary_timestamp"`
			Fields []struct {
				Name  string `json:"name"`
				Field struct {
					Value json.RawMessage `json:"value"`
				} `json:"field"`
			} `json:"fields"`
		}
		require.NoError(t, json.Unmarshal(rec, &r))
		at, err := time.Parse(time.RFC3339Nano, r.At)
		require.NoError(t, err, r.At)
		csid := "null"
		for _, f := range r.Fields {
			if f.Name == "csid" {
				csid = string(f.Field.Value)
			}
		}
		out[fmt.Sprintf("%s|%d|%s", r.Type, at.UnixMilli(), csid)]++
	}
	return out
}

func activityTruth(t *testing.T, url string) map[string]int64 {
	resp, err := http.Get(url + "/_truth/activity_logs" + truthRange("activity_logs"))
	require.NoError(t, err)
	defer resp.Body.Close()
	var rows []struct {
		ID string `json:"id"`
		At int64  `json:"at"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rows))
	out := map[string]int64{}
	for _, r := range rows {
		out[r.ID] = r.At
	}
	return out
}

func activityEmitted(t *testing.T, o *singertest.Output) map[string][]int64 {
	out := map[string][]int64{}
	for _, rec := range o.Records["activity_logs"] {
		var r struct {
			ID string `json:"id"`
			At string `json:"activityTimestamp"`
		}
		require.NoError(t, json.Unmarshal(rec, &r))
		at, err := time.Parse(time.RFC3339Nano, r.At)
		require.NoError(t, err, r.At)
		out[r.ID] = append(out[r.ID], at.UnixMilli())
	}
	return out
}

// One-day activity windows put every midnight on an edge; in time order or
// not, each entry is written once with its exact timestamp.
func TestActivityLogWindowEdges(t *testing.T) {
	for _, order := range []string{dixamock.OrderAscending, dixamock.OrderShuffled} {
		t.Run(order, func(t *testing.T) {
			_, url := startMock(t, dixamock.Options{Seed: 8, Conversations: 150, APIOptions: dixamock.APIOptions{ActivityOrder: order}})
			cfg := baseConfig(url)
			cfg["activity_log_window_days"] = 1
			cfg["page_size"] = 9
			r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "activity_logs"))
			require.Equal(t, 0, r.code, r.stderr)
			o := singertest.Check(t, []byte(r.stdout))
			assert.Regexp(t, `(?m)^INFO activity_logs: window 1 of 60 2024-01-01T00:00:00Z\.\.2024-01-02T00:00:00Z: \d+ records in \d+\.\ds; about \S+ left$`, r.stderr)
			assert.Regexp(t, `(?m)^INFO activity_logs: window 60 of 60 2024-02-29T00:00:00Z\.\.2024-03-01T00:00:00Z: \d+ records in \d+\.\ds$`, r.stderr)
			got, want := activityEmitted(t, o), activityTruth(t, url)
			for id, at := range want {
				assert.Equal(t, []int64{at}, got[id], id)
			}
			for id, ats := range got {
				// The first query reaches a second before start_date, but
				// what it finds before start_date is not written.
				assert.Contains(t, want, id, "entry at %v is outside the synced range", ats)
			}
		})
	}
}

// Entries in the second the first query reaches back before the stream's
// start (start_date, or the bookmark on a resume) are not written: on a
// resume the previous run wrote them.
func TestActivityLogStartsAtStart(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 8, Conversations: 150})
	truth := activityTruth(t, url)
	var ats []int64
	for _, at := range truth {
		ats = append(ats, at)
	}
	slices.Sort(ats)
	// A start just after an entry puts that entry in [start-1s, start).
	start := time.UnixMilli(ats[len(ats)/2]).UTC().Truncate(time.Second).Add(time.Second)
	stamp := start.Format(time.RFC3339)
	for _, tc := range []struct {
		name  string
		start string
		state string
	}{
		{"start_date", stamp, ""},
		{"bookmark", "2024-01-01", `{"bookmarks":{"activity_logs":{"activityTimestamp":"` + stamp + `"}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(url)
			cfg["start_date"] = tc.start
			cfg["end_date"] = start.Add(48 * time.Hour).Format(time.RFC3339)
			args := []string{"--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "activity_logs")}
			if tc.state != "" {
				args = append(args, "--state", writeFile(t, "state.json", tc.state))
			}
			r := runTap(t, t.Context(), nil, args...)
			require.Equal(t, 0, r.code, r.stderr)
			got := activityEmitted(t, singertest.Check(t, []byte(r.stdout)))
			require.NotEmpty(t, got)
			for id, at := range truth {
				if at >= start.Add(-time.Second).UnixMilli() && at < start.Add(48*time.Hour).UnixMilli() {
					if at < start.UnixMilli() {
						assert.NotContains(t, got, id, "entry at %d is before the start %s", at, stamp)
					} else {
						assert.Equal(t, []int64{at}, got[id], id)
					}
				}
			}
			for id, a := range got {
				assert.GreaterOrEqual(t, a[0], start.UnixMilli(), id)
			}
		})
	}
}

// A token that may not read queues fails those streams only.
func TestForbiddenStreamFailsAlone(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 4, Conversations: 40, APIOptions: dixamock.APIOptions{Forbid: []string{"/v1/queues"}}})
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", baseConfig(url)))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "ERROR queues: stream failed, the others go on: GET")
	assert.Contains(t, r.stderr, "403 Forbidden (the token may not read this endpoint)")
	assert.Contains(t, r.stderr, "2 stream(s) failed: queues, queue_members")
	o := singertest.Check(t, []byte(r.stdout))
	for _, stream := range []string{"conversations", "messages", "activity_logs", "agents", "end_users", "teams", "team_members", "tags", "custom_attributes"} {
		assert.Equal(t, len(truthKeys(t, url, stream)), len(emittedKeys(o, stream)), stream)
	}
	assert.Empty(t, o.Records["queues"])
	var st struct {
		Bookmarks map[string]map[string]any `json:"bookmarks"`
	}
	require.NoError(t, json.Unmarshal(o.LastState(), &st))
	assert.Len(t, st.Bookmarks, 4, "the incremental streams' bookmarks are kept")
}

func TestActivateVersion(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 4, Conversations: 10})
	cfg := baseConfig(url)
	cfg["emit_activate_version_messages"] = true
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "tags", "conversations"))
	require.Equal(t, 0, r.code, r.stderr)
	want := fmt.Sprintf(`"version":%d`, fixedNow.Unix())
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	lastTag, activate := -1, -1
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, `{"type":"RECORD","stream":"tags"`):
			assert.Contains(t, l, want)
			lastTag = i
		case strings.HasPrefix(l, `{"type":"RECORD","stream":"conversations"`):
			assert.NotContains(t, l, `"version"`, "incremental streams carry no version")
		case strings.HasPrefix(l, `{"type":"ACTIVATE_VERSION"`):
			assert.Equal(t, fmt.Sprintf(`{"type":"ACTIVATE_VERSION","stream":"tags",%s}`, want), l)
			activate = i
		}
	}
	assert.Positive(t, lastTag)
	assert.Greater(t, activate, lastTag, "ACTIVATE_VERSION follows the last page")
}
