package dixamock

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiKeys are the key properties of the Dixa API streams.
var apiKeys = map[string][]string{
	"activity_logs": {"id"}, "agents": {"id"}, "end_users": {"id"}, "teams": {"id"},
	"team_members": {"team_id", "id"}, "queues": {"id"}, "queue_members": {"queue_id", "agentId"},
	"tags": {"id"}, "custom_attributes": {"id"},
	"conversation_ratings": {"conversation_id", "id", "ratingType"}, "conversation_notes": {"id"},
}

// served returns every record the Dixa API of h serves, per stream, with
// the parent keys a tap adds to child records (team_id, queue_id,
// conversation_id). It follows every page of the paged lists and covers
// the activity log with 90-day queries.
func served(t *testing.T, h http.Handler, convIDs []string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	out["agents"], _ = collect(t, h, "/v1/agents?pageLimit=7")
	out["end_users"], _ = collect(t, h, "/v1/endusers")
	out["teams"] = page(t, h, "/v1/teams").Data
	out["queues"] = page(t, h, "/v1/queues").Data
	out["tags"] = page(t, h, "/v1/tags?includeDeactivated=true").Data
	out["custom_attributes"] = page(t, h, "/v1/custom-attributes").Data
	for _, team := range out["teams"] {
		for _, m := range page(t, h, "/v1/teams/"+team["id"].(string)+"/agents").Data {
			m["team_id"] = team["id"]
			out["team_members"] = append(out["team_members"], m)
		}
	}
	for _, q := range out["queues"] {
		for _, m := range page(t, h, "/v1/queues/"+q["id"].(string)+"/members").Data {
			m["queue_id"] = q["id"]
			out["queue_members"] = append(out["queue_members"], m)
		}
	}
	for _, id := range convIDs {
		for stream, suffix := range map[string]string{"conversation_ratings": "/ratings", "conversation_notes": "/notes"} {
			for _, m := range page(t, h, "/v1/conversations/"+id+suffix).Data {
				m["conversation_id"] = json.Number(id)
				out[stream] = append(out[stream], m)
			}
		}
	}
	from := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	for ; from.Before(testEnd); from = from.Add(maxActivitySpan) {
		items, _ := collect(t, h, "/v1/conversations/activitylog?fromDatetime="+from.Format(time.RFC3339)+
			"&toDatetime="+from.Add(maxActivitySpan).Format(time.RFC3339)+"&pageLimit=500")
		out["activity_logs"] = append(out["activity_logs"], items...)
	}
	return out
}

// convIDsOf returns the ids of the exported conversations of s.
func convIDsOf(s *Server) []string {
	var ids []string
	for _, c := range s.Conversations() {
		ids = append(ids, c.ID)
	}
	return ids
}

var (
	servedMu   sync.Mutex
	servedMemo map[string][]map[string]any
)

// sharedServed returns served for the shared server, computed once; the
// caller must not modify it.
func sharedServed(t *testing.T) map[string][]map[string]any {
	t.Helper()
	servedMu.Lock()
	defer servedMu.Unlock()
	if servedMemo == nil {
		servedMemo = served(t, shared().Handler(), convIDsOf(shared()))
	}
	return servedMemo
}

func TestAPIServesExactlyTheTruthAndMatchesTheSchemas(t *testing.T) {
	h := shared().Handler()
	got := sharedServed(t)
	for stream, keys := range apiKeys {
		t.Run(stream, func(t *testing.T) {
			t.Parallel()
			recs := got[stream]
			require.NotEmpty(t, recs)
			seen := map[string]bool{}
			gotKeys := map[string]int{}
			for _, rec := range recs {
				for _, k := range keys {
					require.NotNil(t, rec[k], "key %s of %v", k, rec)
				}
				gotKeys[keyOf(rec, keys...)]++
				checkRecord(t, stream, rec, seen)
			}
			truth := truthOfStream(t, h, stream)
			want := map[string]int{}
			for _, tr := range truth {
				want[keyOf(tr, keys...)]++
			}
			assert.Equal(t, want, gotKeys, "served keys = truth, each once")

			// The mock exercises the whole schema: every declared field is
			// served non-null at least once (parent keys are the tap's).
			var paths []string
			declaredPaths(loadAPISchema(t, stream).raw, "", &paths)
			for _, p := range paths {
				assert.True(t, seen[p], "%s: field %s is never served non-null", stream, p)
			}
		})
	}
}

func TestAPISchemaValidatorChecksDateTimes(t *testing.T) {
	seen := map[string]bool{}
	ok := map[string]any{"id": "x", "activityTimestamp": "2024-01-05T10:11:12.345Z[GMT]"}
	checkRecord(t, "activity_logs", ok, seen)
	bad := map[string]any{"id": "x", "activityTimestamp": "2024-01-05 10:11"}
	var v any
	b, _ := json.Marshal(bad)
	decodeJSON(t, b, &v)
	assert.Error(t, loadAPISchema(t, "activity_logs").v.Validate(v), "format date-time must be asserted")
	assert.Error(t, loadAPISchema(t, "activity_logs").v.Validate(map[string]any{"id": nil}), "keys are not nullable")
}

var (
	gmtFormat   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z\[GMT\]$`)
	plainFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

func TestAPIDateFormats(t *testing.T) {
	got := sharedServed(t)
	check := func(re *regexp.Regexp, stream string, field func(map[string]any) any) {
		n := 0
		for _, rec := range got[stream] {
			if v, ok := field(rec).(string); ok {
				assert.Regexp(t, re, v, stream)
				n++
			}
		}
		assert.Positive(t, n, stream)
	}
	check(gmtFormat, "activity_logs", func(m map[string]any) any { return m["activityTimestamp"] })
	check(gmtFormat, "custom_attributes", func(m map[string]any) any { return m["createdAt"] })
	check(gmtFormat, "custom_attributes", func(m map[string]any) any { return m["updatedAt"] })
	check(gmtFormat, "conversation_notes", func(m map[string]any) any { return m["createdAt"] })
	check(plainFormat, "agents", func(m map[string]any) any { return m["createdAt"] })
	check(plainFormat, "end_users", func(m map[string]any) any { return m["createdAt"] })
	check(plainFormat, "conversation_ratings", func(m map[string]any) any { return m["timestamps"].(map[string]any)["created_at"] })
}

func TestAPIDataFollowsTheConversations(t *testing.T) {
	s := shared()
	h := s.Handler()
	ids := func(stream, field string) map[string]bool {
		out := map[string]bool{}
		for _, tr := range truthOfStream(t, h, stream) {
			out[tr[field].(string)] = true
		}
		return out
	}
	agents, queues, users := ids("agents", "id"), ids("queues", "id"), map[string]bool{}
	assert.Len(t, agents, 25)
	assert.Len(t, queues, 6)
	assert.Len(t, ids("teams", "id"), 8)
	assert.Len(t, ids("tags", "id"), 30)
	assert.Len(t, ids("custom_attributes", "id"), 12)
	tagNamesServed := map[string]bool{}
	for _, tg := range page(t, h, "/v1/tags?includeDeactivated=true").Data {
		tagNamesServed[tg["name"].(string)] = true
	}

	created, updated := map[string]int64{}, map[string]int64{}
	var convs []map[string]any
	base := serve(t, s)
	for a := testStart.UnixMilli(); a < testEnd.UnixMilli(); a += 30 * dayMs {
		convs = append(convs, fetch(t, base, ConversationExport, a, a+30*dayMs)...)
	}
	for _, c := range convs {
		id := idText(t, c)
		created[id], updated[id] = mustInt(t, c["created_at"]), mustInt(t, c["updated_at"])
		users[c["requester_id"].(string)] = true
		if a, ok := c["assignee_id"].(string); ok {
			assert.True(t, agents[a], "assignee %s is an agent", a)
		}
		if q, ok := c["queue_id"].(string); ok {
			assert.True(t, queues[q], "queue %s is a queue", q)
		}
		for _, name := range asSlice(c["tags"]) {
			assert.True(t, tagNamesServed[name.(string)], "tag %v", name)
		}
	}
	require.Len(t, created, len(s.Conversations()), "the export window covered all conversations")
	assert.Equal(t, users, ids("end_users", "id"), "end users are the requesters")

	midnights := 0
	perConv := map[string]int{}
	for _, tr := range truthOfStream(t, h, "activity_logs") {
		at := mustInt(t, tr["at"])
		if at%dayMs == 0 {
			midnights++
		}
	}
	items, _ := collect(t, h, "/v1/conversations/activitylog?fromDatetime=2023-12-01T00:00:00Z&toDatetime=2024-02-29T00:00:00Z&pageLimit=1000")
	for _, e := range items {
		id := e["conversationId"].(json.Number).String()
		perConv[id]++
		at, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(e["activityTimestamp"].(string), "[GMT]"))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, at.UnixMilli(), created[id])
		assert.LessOrEqual(t, at.UnixMilli(), updated[id])
	}
	assert.Positive(t, midnights, "some entries lie exactly on a UTC midnight")

	// A survey's two questions share one id.
	byConv := map[any][]map[string]any{}
	for _, r := range sharedServed(t)["conversation_ratings"] {
		byConv[r["conversation_id"]] = append(byConv[r["conversation_id"]], r)
	}
	surveys := 0
	for _, rs := range byConv {
		if len(rs) == 2 && rs[0]["id"] == rs[1]["id"] {
			assert.NotEqual(t, rs[0]["ratingType"], rs[1]["ratingType"])
			surveys++
		}
	}
	assert.Positive(t, surveys)
}

func mustInt(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "%v is not a number", v)
	i, err := n.Int64()
	require.NoError(t, err)
	return i
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func TestAPISingleListsAndNotFound(t *testing.T) {
	h := shared().Handler()
	active := page(t, h, "/v1/tags").Data
	all := page(t, h, "/v1/tags?includeDeactivated=true").Data
	assert.Equal(t, active, page(t, h, "/v1/tags?includeDeactivated=false").Data)
	assert.Less(t, len(active), len(all))
	for _, tg := range active {
		assert.Equal(t, "Active", tg["state"])
	}
	assert.True(t, slices.ContainsFunc(all, func(m map[string]any) bool { return m["state"] == "Inactive" }))
	assert.Equal(t, 400, apiGet(t, h, "/v1/tags?includeDeactivated=maybe", testToken).status)

	for _, p := range []string{"/v1/teams", "/v1/queues", "/v1/custom-attributes", "/v1/tags"} {
		e := page(t, h, p)
		assert.Empty(t, nextOf(e), p)
	}
	for _, p := range []string{"/v1/teams/nope/agents", "/v1/queues/nope/members", "/v1/conversations/1/ratings", "/v1/conversations/1/notes"} {
		r := apiGet(t, h, p, testToken)
		assert.Equal(t, 404, r.status, p)
		assert.JSONEq(t, `{"message":"Not found"}`, string(r.body), p)
	}
	empty := 0
	for _, id := range convIDsOf(shared())[:50] {
		r := apiGet(t, h, "/v1/conversations/"+id+"/notes", testToken)
		if string(r.body) == "{\"data\":[]}\n" {
			empty++
		}
	}
	assert.Positive(t, empty, "some conversations have no notes: data is []")
}

func TestDecodeConvInfo(t *testing.T) {
	for _, rec := range shared().data.convs {
		want := convInfo{}
		require.NoError(t, json.Unmarshal(rec.json, &want))
		got, err := decodeConvInfo(rec.json)
		require.NoError(t, err)
		require.Equal(t, want, got, "%s", rec.json)
	}
	_, err := decodeConvInfo([]byte(`{"id":1}`))
	assert.Error(t, err)
	assert.Equal(t, 6, valueEnd([]byte(`"a\"b",1`)))
	assert.Equal(t, 9, valueEnd([]byte(`["x]",{}]}`)))
	assert.Equal(t, 4, valueEnd([]byte(`null}`)))
}
