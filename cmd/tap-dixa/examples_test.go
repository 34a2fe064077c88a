package main

// Dixa's documented response examples, served by a fake of both APIs and
// synced by the built binary with every stream selected: every value of
// every example item must arrive in a RECORD.

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// examplesDir is the in-repo copy of Dixa's examples (see its README).
const examplesDir = "../../tap/record/testdata/dixa-examples"

// moreExamplesDir holds Dixa's examples of answers the tap reads but
// writes no record of (see its README).
const moreExamplesDir = "testdata/dixa-examples"

// exampleFlowChannels are the channels the tap must ask for flows of: the
// spec's values of the channel parameter, then two of its answers' enum.
var exampleFlowChannels = []string{
	"WhatsApp", "Voicemail", "WidgetChat", "FacebookMessenger", "Email", "ContactForm", "Callback", "PstnPhone", "Messenger",
	"Twitter", "Sms",
}

// exampleSyncAt is where the export examples' replication keys are moved
// (their documented value is 0, 1970): inside the synced window.
var exampleSyncAt = time.Date(2021, 12, 1, 12, 0, 0, 0, time.UTC)

// exampleSet is what the fake serves, stream by stream, and the example
// items each stream's records are checked against.
type exampleSet struct {
	// served holds the items each list or export answers, in order.
	conversations, messages, activity []map[string]any
	agents, endUsers, teams, queues   []map[string]any
	tags, customAttributes            []map[string]any
	teamMembers, queueMembers         []map[string]any            // per team / queue
	notes                             []map[string]any            // of conversation 0
	ratings                           map[string][]map[string]any // per conversation id
	// The other Dixa API endpoints (see loadMore).
	flows            map[string][]map[string]any // per channel value
	flowsRefused     []string                    // channels answered 400
	contactEndpoints []map[string]any
	schedules        []map[string]any          // GET /v1/business-hours/schedules
	definitions      map[string]map[string]any // data.schedule of each schedule's /definition
	organization     map[string]any
	templates        []map[string]any
	recordTypes      []map[string]any            // the analytics records catalogue
	analytics        map[string][]map[string]any // MetricRecords per record type
	convMessages     map[string][]map[string]any // per conversation id
	endUserDetail    map[string]map[string]any   // GET /v1/endusers/{id}
	collections      []map[string]any
	catalogs         map[string]map[string]any // data of each collection's /catalog
	articles         map[string]map[string]any // GET /v1/knowledge/articles/{id}
	webhooks         []map[string]any
	// pageKeys are the analytics pageKeys handed out: the body of the
	// query that got each, and the index of the record its page starts at.
	pageKeys map[string]analyticsPage
	// requests counts what the fake answered: "METHOD path" (flows:
	// "GET /v1/conversations/flows?channel=C").
	requests map[string]int
	// Checks beyond every value arriving: the fields a RECORD is matched
	// by where not its key_properties; top-level fields no RECORD may
	// have; top-level fields a RECORD must carry exactly as served (the
	// open objects, kept whole: no conversion allowed); values that must
	// appear nowhere in the tap's stdout or stderr.
	matchKeys, absent, exact map[string][]string
	secrets                  []string
	drifted                  bool
	// want holds, per stream, every item the records must hold (parent
	// keys added), with the file it came from.
	want map[string][]wantItem
	// served counts the records each stream must write.
	served map[string]int
}

type analyticsPage struct {
	body string
	next int
}

type wantItem struct {
	file string
	item map[string]any
}

// runExamples syncs every stream of the discovered catalog from the fake
// and checks the output: exit 0, valid Singer, every RECORD valid against
// its SCHEMA, and every example item arriving whole in one RECORD.
func runExamples(t *testing.T, es *exampleSet) {
	t.Helper()
	srv := serveExamples(t, es)
	out, err := exec.Command(filepath.Join(binDir, "tap-dixa"), "--discover").Output()
	require.NoError(t, err)
	var cat struct {
		Streams []struct {
			Stream string `json:"stream"`
		} `json:"streams"`
	}
	require.NoError(t, json.Unmarshal(out, &cat))
	var streams []string
	for _, s := range cat.Streams {
		streams = append(streams, s.Stream)
	}
	// Every stream, the opt-in ones too.
	for _, s := range []string{"conversation_ratings", "conversation_notes", "conversation_messages", "analytics_records",
		"end_user_custom_attributes", "knowledge_collections", "knowledge_categories", "knowledge_articles", "webhooks"} {
		require.Contains(t, streams, s)
	}
	for _, s := range streams {
		require.NotEmpty(t, es.want[s], "no example for stream %s", s)
	}
	cfg := writeConfig(t, map[string]any{
		"api_token": e2eToken, "start_date": "2021-11-15", "end_date": "2021-12-15",
		"window_days": 31, "activity_log_window_days": 31,
		"exports_base_url": srv.URL, "api_base_url": srv.URL,
		"conversations_requests_per_minute": 100000, "messages_requests_per_minute": 100000,
		"api_requests_per_second": 10000, "max_retries": 0,
	})
	stdout, stderr, code := runTapProcess(t, nil, "--config", cfg, "--catalog", catalogOf(t, streams...))
	require.Equal(t, 0, code, stderr)
	o := singertest.Check(t, []byte(stdout)) // every RECORD valid against its stream's last SCHEMA

	for _, stream := range streams {
		sch, ok := o.Schemas[stream]
		require.True(t, ok, "no SCHEMA for %s", stream)
		keys := *sch.KeyProperties
		if k, ok := es.matchKeys[stream]; ok {
			keys = k
		}
		var recs []map[string]any
		for _, r := range o.Records[stream] {
			recs = append(recs, decodeJSON(t, r).(map[string]any))
		}
		wants := es.want[stream]
		// Items of single-item examples repeat list items: a RECORD
		// matches an item of each file once.
		used := map[string][]bool{}
		for i, w := range wants {
			best, bestDiff := -1, []string(nil)
			for j, rec := range recs {
				if used[w.file] == nil {
					used[w.file] = make([]bool, len(recs))
				}
				if used[w.file][j] || !sameKey(w.item, rec, keys) {
					continue
				}
				diff := compareJSON("", w.item, rec)
				if best < 0 || len(diff) < len(bestDiff) {
					best, bestDiff = j, diff
				}
				if len(diff) == 0 {
					break
				}
			}
			label := fmt.Sprintf("%s: %s item %d (key %s)", stream, w.file, i, keyString(w.item, keys))
			if best < 0 {
				t.Errorf("%s: no RECORD", label)
				continue
			}
			used[w.file][best] = true
			for _, d := range bestDiff {
				t.Errorf("%s: %s", label, d)
			}
			for _, f := range es.exact[stream] {
				if v, ok := w.item[f]; ok && compactJSON(v) != compactJSON(recs[best][f]) {
					t.Errorf("%s: %s: not kept as served: example has %s, RECORD has %s", label, f, compactJSON(v), compactJSON(recs[best][f]))
				}
			}
		}
		for i, rec := range recs {
			for _, f := range es.absent[stream] {
				if _, ok := rec[f]; ok {
					t.Errorf("%s: RECORD %d has %q: %s", stream, i, f, o.Records[stream][i])
				}
			}
		}
		if es.drifted {
			// The undocumented field arrives under a SCHEMA that declares it.
			var s struct {
				Properties map[string]json.RawMessage `json:"properties"`
			}
			require.NoError(t, json.Unmarshal(sch.Schema, &s))
			assert.Contains(t, s.Properties, "x_new_field", "%s: the last SCHEMA does not declare the drifted field", stream)
		}
		assert.Equal(t, es.served[stream], len(recs), "%s: one RECORD per item served", stream)
	}
	checkMoreExamples(t, es, o, stdout, stderr)
	if t.Failed() {
		t.Logf("tap stderr:\n%s", stderr)
	}
}

// Every documented example of every endpoint the tap reads, through the
// built binary with every stream selected, arrives value for value.
func TestDixaExamples(t *testing.T) {
	runExamples(t, loadExamples(t, nil))
}

// The same examples as Dixa may drift from its docs: one field per item
// (and some nested objects) that the docs do not list, and the looser
// types the spec allows. Everything must arrive all the same.
func TestDixaExamplesDrifted(t *testing.T) {
	runExamples(t, loadExamples(t, func(stream string, it map[string]any) {
		it["x_new_field"] = map[string]any{"a": json.Number("1")}
		switch stream {
		case "activity_logs":
			// Spec: ConversationRatingNotOfferedAttribute.evaluationFilters
			// {type: string}; DeprecatedActivityLogType is an object.
			it["attributes"] = map[string]any{"evaluationFilters": "ChannelFilter", "x_new_attribute": "v"}
			it["activityType"] = map[string]any{"_type": it["activityType"]}
			if a, ok := it["author"].(map[string]any); ok {
				a["x_new_author_field"] = true
			}
		case "conversations":
			// A Select attribute's value is a list; tags_info items are objects.
			it["custom_fields"] = append(it["custom_fields"].([]any),
				map[string]any{"attribute_id": "a2", "identifier": "sel", "value": []any{"a", "b"}, "data_type": "Select", "archived": false, "x_new_cf": "n"})
			it["tags_info"] = append(it["tags_info"].([]any), map[string]any{"id": "t", "name": "vip", "is_deactivated": false})
			if rs, ok := it["ratings"].([]any); ok && len(rs) > 0 {
				rs[0].(map[string]any)["x_new_rating_field"] = json.Number("2")
			}
		case "messages":
			it["to"] = []any{"a@x", "b@x"}
		case "end_users":
			if ca, ok := it["customAttributes"].([]any); ok {
				it["customAttributes"] = append(ca, map[string]any{"id": "c2", "name": "List", "identifier": "list", "value": []any{"x", "y"}})
			}
		case "conversation_ratings":
			if ts, ok := it["timestamps"].(map[string]any); ok {
				ts["later"] = "soon"
			}
		case "queues":
			if u, ok := it["usages"].(map[string]any); ok {
				u["x_new_usage"] = []any{"z"}
			}
		case "custom_attributes":
			if d, ok := it["inputDefinition"].(map[string]any); ok {
				d["x_new_input"] = json.Number("3")
			}
		case "business_hours":
			it["businessHours"].([]any)[0].(map[string]any)["x_new_hours_field"] = "h"
			it["exceptions"].([]any)[0].(map[string]any)["recurring"].(map[string]any)["x_new_recurring"] = json.Number("7")
		case "templates":
			if ts, ok := it["translations"].([]any); ok {
				ts[0].(map[string]any)["x_new_translation"] = true
			}
		case "analytics_records":
			// Open objects: a value of another FieldType, a ListField and a
			// TimestampField among the fields.
			if v, ok := it["value"].(map[string]any); ok {
				v["value"], v["_type"] = json.Number("4.5"), "DoubleField"
			}
			it["fields"] = append(it["fields"].([]any),
				map[string]any{"name": "tag_ids", "field": map[string]any{"values": []any{"a", "b"}, "_type": "ListField"}},
				map[string]any{"name": "closed_at", "field": map[string]any{"name": "closed_at", "timestamp": "2021-12-01T11:00:00Z", "_type": "TimestampField"}})
			it["primaryTimestampField"].(map[string]any)["x_new_primary"] = "p"
		case "conversation_messages":
			a := it["attributes"].(map[string]any)
			a["x_new_attribute"] = []any{"z", json.Number("1")}
			if _, ok := a["to"].([]any); ok {
				a["to"] = append(a["to"].([]any), "plain@address") // a string among the objects
			}
		case "end_user_custom_attributes":
			it["value"] = []any{it["value"], "second"} // a Select attribute: String[]
		case "knowledge_collections":
			if r, ok := it["restrictions"].(map[string]any); ok {
				r["x_new_restriction"] = "r"
			}
		case "knowledge_categories":
			it["title"].(map[string]any)["x_new_title"] = "t"
			if as, ok := it["articles"].([]any); ok && len(as) > 0 {
				as[0].(map[string]any)["x_new_article_ref"] = json.Number("1")
			}
		case "knowledge_articles":
			it["translation"].(map[string]any)["draft"].(map[string]any)["x_new_draft"] = "d"
		case "webhooks":
			// A secret header more, and a drifted filter.
			it["headers"].(map[string]any)["X-Drifted-Secret"] = "drifted-header-value-5ecre7"
			it["filters"].(map[string]any)["Conversation"].(map[string]any)["x_new_filter"] = "f"
		}
	}))
}
