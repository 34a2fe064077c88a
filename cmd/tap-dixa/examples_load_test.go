package main

// Loading Dixa's documented examples into the exampleSet the fake serves
// (see examples_test.go).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadItems reads an example: the items of a bare array or of "data", or
// "data" itself when it is one object. Numbers stay json.Number.
func loadItems(t *testing.T, file string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, file))
	require.NoError(t, err)
	v := decodeJSON(t, b)
	if m, ok := v.(map[string]any); ok {
		v = m["data"]
	}
	return asItems(t, file, v)
}

// loadItemsFrom reads the example file in dir: the items of "data", or of
// data[inner] when inner is set (a list, or one object).
func loadItemsFrom(t *testing.T, dir, file, inner string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	require.NoError(t, err)
	v := decodeJSON(t, b).(map[string]any)["data"]
	if inner != "" {
		v = v.(map[string]any)[inner]
	}
	return asItems(t, file, v)
}

// asItems returns v, one object or a list of them, as a list.
func asItems(t *testing.T, file string, v any) []map[string]any {
	t.Helper()
	switch d := v.(type) {
	case map[string]any:
		return []map[string]any{d}
	case []any:
		out := make([]map[string]any, len(d))
		for i, x := range d {
			out[i] = x.(map[string]any)
		}
		require.NotEmpty(t, out, file)
		return out
	}
	t.Fatalf("%s: no items", file)
	return nil
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v))
	return v
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

func copyItem(m map[string]any) map[string]any { return deepCopy(m).(map[string]any) }

// loadExamples builds the served data from the example files; drift, when
// set, changes each item (after it is read, before it is served).
func loadExamples(t *testing.T, drift func(stream string, item map[string]any)) *exampleSet {
	t.Helper()
	drifted := drift != nil
	if drift == nil {
		drift = func(string, map[string]any) {}
	}
	seen := map[string]bool{}
	load := func(stream, file string) []map[string]any {
		seen[file] = true
		items := loadItems(t, file)
		for _, it := range items {
			drift(stream, it)
		}
		return items
	}
	// lists serves the list file's items and, of the single-item files,
	// those whose id the list does not already hold (they are checked all
	// the same).
	es := &exampleSet{ratings: map[string][]map[string]any{}, want: map[string][]wantItem{}, drifted: drifted,
		flows: map[string][]map[string]any{}, definitions: map[string]map[string]any{},
		analytics: map[string][]map[string]any{}, convMessages: map[string][]map[string]any{},
		endUserDetail: map[string]map[string]any{}, catalogs: map[string]map[string]any{},
		articles: map[string]map[string]any{}, pageKeys: map[string]analyticsPage{}, requests: map[string]int{},
		matchKeys: map[string][]string{}, absent: map[string][]string{}, exact: map[string][]string{}}
	want := func(stream, file string, items []map[string]any, extra map[string]any) {
		for _, it := range items {
			it = copyItem(it)
			for k, v := range extra {
				it[k] = v
			}
			es.want[stream] = append(es.want[stream], wantItem{file, it})
		}
	}
	lists := func(stream, list string, singles ...string) []map[string]any {
		items := load(stream, list)
		want(stream, list, items, nil)
		for _, f := range singles {
			for _, it := range load(stream, f) {
				want(stream, f, []map[string]any{it}, nil)
				if !slices.ContainsFunc(items, func(m map[string]any) bool { return m["id"] == it["id"] }) {
					items = append(items, it)
				}
			}
		}
		return items
	}

	// The export examples, their replication keys moved into the window.
	ms := json.Number(strconv.FormatInt(exampleSyncAt.UnixMilli(), 10))
	conv := load("conversations", "conversation_export.json")
	require.Len(t, conv, 1)
	conv[0]["updated_at"] = ms
	// One conversation per ratings example (their items share ids): the
	// example (id 0) and copies of it with ids 1, 2, ...
	ratingFiles, err := filepath.Glob(filepath.Join(examplesDir, "conversations_conversationId_rating*.json"))
	require.NoError(t, err)
	sort.Strings(ratingFiles)
	for i, f := range ratingFiles {
		c := conv[0]
		if i > 0 {
			c = copyItem(conv[0])
			c["id"] = json.Number(strconv.Itoa(i))
		}
		es.conversations = append(es.conversations, c)
		id := fmt.Sprint(c["id"])
		rs := load("conversation_ratings", filepath.Base(f))
		es.ratings[id] = rs
		want("conversation_ratings", filepath.Base(f), rs, map[string]any{"conversation_id": c["id"]})
	}
	want("conversations", "conversation_export.json", es.conversations, nil)
	es.notes = load("conversation_notes", "conversations_conversationId_notes.json")
	want("conversation_notes", "conversations_conversationId_notes.json", es.notes, map[string]any{"conversation_id": conv[0]["id"]})

	es.messages = load("messages", "message_export.json")
	for _, m := range es.messages {
		m["created_at"] = ms
	}
	want("messages", "message_export.json", es.messages, nil)

	for _, f := range []string{"conversations_activitylog.json", "conversations_conversationId_activitylog.json"} {
		items := load("activity_logs", f)
		es.activity = append(es.activity, items...)
		want("activity_logs", f, items, nil)
	}
	es.agents = lists("agents", "agents.json", "agents_agentId.json")
	es.endUsers = lists("end_users", "endusers.json", "endusers_userId.json")
	es.teams = lists("teams", "teams.json", "teams_teamId.json")
	es.queues = lists("queues", "queues.json", "queues_queueId.json")
	es.tags = lists("tags", "tags.json", "tags_tagId.json")
	es.customAttributes = lists("custom_attributes", "custom_attributes.json", "custom_attributes_customAttributeId.json")
	es.teamMembers = load("team_members", "teams_teamId_agents.json")
	for _, tm := range es.teams {
		want("team_members", "teams_teamId_agents.json", es.teamMembers, map[string]any{"team_id": tm["id"]})
	}
	es.queueMembers = load("queue_members", "queues_queueId_members.json")
	for _, q := range es.queues {
		want("queue_members", "queues_queueId_members.json", es.queueMembers, map[string]any{"queue_id": q["id"]})
	}

	// flows: the example for its own channel, and a copy of it (another
	// id, no "channel") for Email, to which the tap must add the channel
	// it asked for; the other channels have no flows, and Twitter and Sms
	// (only in the answers' enum) are refused with a 400, as real Dixa may.
	flows := load("flows", "conversations_flows.json")
	want("flows", "conversations_flows.json", flows, nil)
	for _, f := range flows {
		ch, _ := f["channel"].(string)
		require.Contains(t, exampleFlowChannels, ch)
		es.flows[ch] = append(es.flows[ch], f)
	}
	email := copyItem(flows[0])
	delete(email, "channel")
	email["id"] = "00000000-0000-4000-8000-0000000e3a11"
	es.flows["Email"] = append(es.flows["Email"], email)
	want("flows", "conversations_flows.json", []map[string]any{email}, map[string]any{"channel": "Email"})
	es.flowsRefused = []string{"Twitter", "Sms"}
	for _, ch := range es.flowsRefused {
		require.Empty(t, es.flows[ch])
	}

	// contact_endpoints: each record gains "id", its address or number.
	// The single-endpoint example (a GET no stream makes) is checked
	// against the list's records, like the other single-item examples.
	endpointID := func(it map[string]any) any {
		if a, ok := it["address"]; ok && a != nil {
			return a
		}
		return it["number"]
	}
	es.contactEndpoints = load("contact_endpoints", "contact_endpoints.json")
	for _, f := range []string{"contact_endpoints.json", "contact_endpoints_contactEndpointId.json"} {
		items := es.contactEndpoints
		if f != "contact_endpoints.json" {
			items = load("contact_endpoints", f)
		}
		for _, it := range items {
			require.NotNil(t, endpointID(it), f)
			want("contact_endpoints", f, []map[string]any{it}, map[string]any{"id": endpointID(it)})
			if !slices.ContainsFunc(es.contactEndpoints, func(m map[string]any) bool { return endpointID(m) == endpointID(it) }) {
				es.contactEndpoints = append(es.contactEndpoints, it)
			}
		}
	}

	// business_hours: the schedule list (testdata), then each schedule's
	// definition, whose data.schedule is the record. Dixa's two examples
	// disagree on ids: the list's first schedule, named as the definition
	// names itself, is given the definition's id; the others answer copies
	// of the definition with their own id and name.
	es.schedules = loadItemsFrom(t, moreExamplesDir, "business_hours_schedules.json", "schedules")
	seen["business_hours_schedules_scheduleId_definition.json"] = true
	def := loadItemsFrom(t, examplesDir, "business_hours_schedules_scheduleId_definition.json", "schedule")[0]
	drift("business_hours", def)
	require.Equal(t, def["name"], es.schedules[0]["name"])
	es.schedules[0]["id"] = def["id"]
	for i, sc := range es.schedules {
		d := def
		if i > 0 {
			d = copyItem(def)
			d["id"], d["name"] = sc["id"], sc["name"]
		}
		es.definitions[fmt.Sprint(sc["id"])] = d
		want("business_hours", "business_hours_schedules_scheduleId_definition.json", []map[string]any{d}, nil)
	}

	es.organization = load("organization", "organization.json")[0]
	want("organization", "organization.json", []map[string]any{es.organization}, nil)
	es.templates = load("templates", "templates.json")
	want("templates", "templates.json", es.templates, nil)

	// analytics_records: the catalogue (testdata) lists the record types;
	// each type answers one of the examples, a record per page. The
	// examples are of 2023-04-21, outside the synced range: the date of
	// their primaryTimestampField.timestamp (and nothing else) is moved to
	// exampleSyncAt's day, the time of day kept.
	es.recordTypes = loadItemsFrom(t, moreExamplesDir, "analytics_records.json", "")
	recordFiles, err := filepath.Glob(filepath.Join(examplesDir, "post_analytics_records--*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, recordFiles)
	require.GreaterOrEqual(t, len(es.recordTypes), len(recordFiles))
	for i, f := range recordFiles {
		typ := es.recordTypes[i]["id"].(string)
		recs := load("analytics_records", filepath.Base(f))
		for _, r := range recs {
			p := r["primaryTimestampField"].(map[string]any)
			ts := p["timestamp"].(string)
			p["timestamp"] = exampleSyncAt.Format(time.DateOnly) + ts[len(time.DateOnly):]
			want("analytics_records", filepath.Base(f), []map[string]any{r},
				map[string]any{"record_id": typ, "primary_timestamp": p["timestamp"]})
		}
		es.analytics[typ] = append(es.analytics[typ], recs...)
	}
	// The key is a fingerprint (checked apart): records are matched by
	// type and instant.
	es.matchKeys["analytics_records"] = []string{"record_id", "primary_timestamp"}
	es.exact["analytics_records"] = []string{"value", "fields"}

	// conversation_messages: the ten examples spread over the conversations.
	msgFiles, err := filepath.Glob(filepath.Join(examplesDir, "conversations_conversationId_messages--*.json"))
	require.NoError(t, err)
	require.Len(t, msgFiles, 10)
	for i, f := range msgFiles {
		c := es.conversations[i%len(es.conversations)]
		ms := load("conversation_messages", filepath.Base(f))
		es.convMessages[fmt.Sprint(c["id"])] = append(es.convMessages[fmt.Sprint(c["id"])], ms...)
		want("conversation_messages", filepath.Base(f), ms, map[string]any{"conversation_id": c["id"]})
	}
	es.exact["conversation_messages"] = []string{"attributes"}

	// end_user_custom_attributes: GET /v1/endusers/{id} answers each end
	// user of the list (endusers_userId.json the one with attributes).
	for _, u := range es.endUsers {
		d := copyItem(u)
		es.endUserDetail[fmt.Sprint(u["id"])] = d
		cas, _ := d["customAttributes"].([]any)
		for _, ca := range cas {
			m := ca.(map[string]any)
			drift("end_user_custom_attributes", m)
			want("end_user_custom_attributes", "endusers_userId.json", []map[string]any{m}, map[string]any{"end_user_id": u["id"]})
		}
	}

	// Knowledge: each collection's catalog; a category record per node at
	// any depth, without its nested "categories"; an article record per
	// article id found anywhere in the catalogs, asked for once.
	es.collections = lists("knowledge_collections", "knowledge_collections.json", "knowledge_collections_collectionId.json")
	const catalogFile = "knowledge_collections_collectionId_catalog.json"
	seen[catalogFile] = true
	catalog := loadItems(t, catalogFile)[0]
	var articleIDs []string
	addArticles := func(node map[string]any) {
		as, _ := node["articles"].([]any)
		for _, a := range as {
			if id := fmt.Sprint(a.(map[string]any)["id"]); !slices.Contains(articleIDs, id) {
				articleIDs = append(articleIDs, id)
			}
		}
	}
	for _, c := range es.collections {
		cat := copyItem(catalog)
		es.catalogs[fmt.Sprint(c["id"])] = cat
		var nodes func(list any, parent any)
		nodes = func(list any, parent any) {
			l, _ := list.([]any)
			for _, n := range l {
				node := n.(map[string]any)
				drift("knowledge_categories", node)
				rec := copyItem(node)
				delete(rec, "categories")
				want("knowledge_categories", catalogFile, []map[string]any{rec},
					map[string]any{"collection_id": c["id"], "parent_category_id": parent})
				addArticles(node)
				nodes(node["categories"], node["id"])
			}
		}
		addArticles(cat)
		nodes(cat["categories"], nil)
	}
	es.absent["knowledge_categories"] = []string{"categories"}
	require.NotEmpty(t, articleIDs)
	article := load("knowledge_articles", "knowledge_articles_articleId.json")[0]
	for i, id := range articleIDs {
		a := article
		if i > 0 {
			a = copyItem(article)
			a["id"] = id
		}
		es.articles[id] = a
		want("knowledge_articles", "knowledge_articles_articleId.json", []map[string]any{a}, nil)
	}

	// webhooks: no secretKey, every header value null; neither may appear
	// anywhere in the output.
	es.webhooks = lists("webhooks", "webhooks.json", "webhooks_webhookSubscriptionId.json")
	for _, w := range es.want["webhooks"] {
		if k, ok := w.item["secretKey"].(string); ok {
			es.secrets = append(es.secrets, k)
		}
		delete(w.item, "secretKey")
		h, _ := w.item["headers"].(map[string]any)
		require.NotEmpty(t, h, "%s: no headers", w.file)
		for name, v := range h {
			if v, ok := v.(string); ok {
				es.secrets = append(es.secrets, v)
			}
			h[name] = nil
		}
	}
	require.NotEmpty(t, es.secrets)
	es.absent["webhooks"] = []string{"secretKey"}

	es.served = map[string]int{
		"conversations": len(es.conversations), "messages": len(es.messages), "activity_logs": len(es.activity),
		"agents": len(es.agents), "end_users": len(es.endUsers), "teams": len(es.teams), "queues": len(es.queues),
		"tags": len(es.tags), "custom_attributes": len(es.customAttributes), "conversation_notes": len(es.notes),
		"team_members": len(es.teams) * len(es.teamMembers), "queue_members": len(es.queues) * len(es.queueMembers),
	}
	for _, rs := range es.ratings {
		es.served["conversation_ratings"] += len(rs)
	}
	es.served["contact_endpoints"] = len(es.contactEndpoints)
	for _, stream := range []string{"flows", "business_hours", "organization", "templates",
		"analytics_records", "conversation_messages", "end_user_custom_attributes", "knowledge_categories", "knowledge_articles"} {
		es.served[stream] = len(es.want[stream]) // one RECORD per item served
	}
	es.served["knowledge_collections"] = len(es.collections)
	es.served["webhooks"] = len(es.webhooks)
	all, err := os.ReadDir(examplesDir)
	require.NoError(t, err)
	for _, e := range all {
		if strings.HasSuffix(e.Name(), ".json") {
			assert.True(t, seen[e.Name()], "%s is not served", e.Name())
		}
	}
	return es
}
