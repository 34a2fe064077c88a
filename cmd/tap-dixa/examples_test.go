package main

// Dixa's documented response examples, served by a fake of both APIs and
// synced by the built binary with every stream selected: every value of
// every example item must arrive in a RECORD.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// serveExamples starts a fake of the Exports API and the Dixa API that
// answers the examples. Requests it does not know fail the test.
func serveExamples(t *testing.T, es *exampleSet) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	data := func(w http.ResponseWriter, items []map[string]any) {
		if items == nil {
			items = []map[string]any{}
		}
		writeJSON(w, map[string]any{"data": items})
	}
	// paged answers a paged list one item a page, whatever its pageLimit,
	// so that every page is followed; meta.next is an absolute URL, as
	// Dixa writes it.
	paged := func(w http.ResponseWriter, r *http.Request, items []map[string]any) {
		q := r.URL.Query()
		if n, err := strconv.Atoi(q.Get("pageLimit")); err != nil || n < 1 {
			t.Errorf("%s: no pageLimit", r.URL)
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]any{"message": "Invalid value for: query parameter pageLimit"})
			return
		}
		i := 0
		if k := q.Get("pageKey"); k != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(k, "page-"))
			if err != nil || n < 1 || n >= len(items) {
				t.Errorf("%s: a pageKey the fake never gave", r.URL)
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"message": "Invalid value for: query parameter pageKey"})
				return
			}
			i = n
		}
		end := min(i+1, len(items))
		page := map[string]any{"data": append([]map[string]any{}, items[i:end]...)}
		if end < len(items) {
			next := *r.URL
			nq := next.Query()
			nq.Set("pageKey", "page-"+strconv.Itoa(end))
			next.RawQuery = nq.Encode()
			page["meta"] = map[string]any{"next": "http://" + r.Host + next.RequestURI()}
		}
		writeJSON(w, page)
	}
	notFound := func(w http.ResponseWriter, what string) {
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"message": what + " not found"})
	}
	member := regexp.MustCompile(`^/v1/(teams|queues|conversations)/([^/]+)/(agents|members|ratings|notes|messages)$`)
	definition := regexp.MustCompile(`^/v1/business-hours/schedules/([^/]+)/definition$`)
	endUser := regexp.MustCompile(`^/v1/endusers/([^/]+)$`)
	catalog := regexp.MustCompile(`^/v1/knowledge/collections/([^/]+)/catalog$`)
	article := regexp.MustCompile(`^/v1/knowledge/articles/([^/]+)$`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		q := r.URL.Query()
		p := r.URL.Path
		exports := strings.HasSuffix(p, "_export")
		wantAuth := e2eToken
		if exports {
			wantAuth = "Bearer " + e2eToken
		}
		if r.Header.Get("Authorization") != wantAuth {
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]any{"message": "Unauthorized"})
			return
		}
		es.requests[r.Method+" "+p]++
		if p == "/v1/conversations/flows" {
			es.requests[r.Method+" "+p+"?channel="+q.Get("channel")]++
		}
		if r.Method != http.MethodGet && (r.Method != http.MethodPost || p != "/v1/analytics/records") {
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusMethodNotAllowed)
			writeJSON(w, map[string]any{"message": "method not allowed"})
			return
		}
		inExport := func(items []map[string]any, key, after, before string) {
			a, err1 := strconv.ParseInt(q.Get(after), 10, 64)
			b, err2 := strconv.ParseInt(q.Get(before), 10, 64)
			if err1 != nil || err2 != nil {
				t.Errorf("%s without %s/%s: %s", p, after, before, r.URL)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			out := []map[string]any{}
			for _, it := range items {
				if v, err := it[key].(json.Number).Int64(); err == nil && v >= a && v < b {
					out = append(out, it)
				}
			}
			writeJSON(w, out)
		}
		switch p {
		case "/v1/conversation_export":
			inExport(es.conversations, "updated_at", "updated_after", "updated_before")
			return
		case "/v1/message_export":
			inExport(es.messages, "created_at", "created_after", "created_before")
			return
		case "/v1/conversations/activitylog":
			from, err1 := time.Parse(time.RFC3339, q.Get("fromDatetime"))
			to, err2 := time.Parse(time.RFC3339, q.Get("toDatetime"))
			if err1 != nil || err2 != nil {
				t.Errorf("activity log without fromDatetime/toDatetime: %s", r.URL)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			var out []map[string]any
			for _, it := range es.activity {
				at, err := parseDateTime(fmt.Sprint(it["activityTimestamp"]))
				if err == nil && !at.Before(from) && at.Before(to) {
					out = append(out, it)
				}
			}
			data(w, out)
			return
		case "/v1/agents":
			data(w, es.agents)
			return
		case "/v1/endusers":
			data(w, es.endUsers)
			return
		case "/v1/teams":
			data(w, es.teams)
			return
		case "/v1/queues":
			data(w, es.queues)
			return
		case "/v1/tags":
			data(w, es.tags)
			return
		case "/v1/custom-attributes":
			data(w, es.customAttributes)
			return
		case "/v1/conversations/flows":
			ch := q.Get("channel")
			if slices.Contains(es.flowsRefused, ch) {
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"message": "Invalid value for: query parameter channel"})
				return
			}
			if !slices.Contains(exampleFlowChannels, ch) {
				t.Errorf("flows: unexpected channel %q", ch)
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"message": "Invalid value for: query parameter channel"})
				return
			}
			data(w, es.flows[ch])
			return
		case "/v1/contact-endpoints":
			data(w, es.contactEndpoints)
			return
		case "/v1/business-hours/schedules":
			writeJSON(w, map[string]any{"data": map[string]any{"schedules": es.schedules}})
			return
		case "/v1/organization":
			writeJSON(w, map[string]any{"data": es.organization})
			return
		case "/v1/templates":
			paged(w, r, es.templates)
			return
		case "/v1/knowledge/collections":
			paged(w, r, es.collections)
			return
		case "/v1/webhooks":
			data(w, es.webhooks)
			return
		case "/v1/analytics/records":
			if r.Method == http.MethodGet {
				paged(w, r, es.recordTypes)
			} else {
				es.answerAnalytics(t, w, r, writeJSON)
			}
			return
		}
		if m := definition.FindStringSubmatch(p); m != nil {
			if d, ok := es.definitions[m[1]]; ok {
				writeJSON(w, map[string]any{"data": map[string]any{"schedule": d}})
			} else {
				t.Errorf("unexpected request %s", r.URL)
				notFound(w, "Schedule")
			}
			return
		}
		if m := endUser.FindStringSubmatch(p); m != nil {
			if d, ok := es.endUserDetail[m[1]]; ok {
				writeJSON(w, map[string]any{"data": d})
			} else {
				t.Errorf("unexpected request %s", r.URL)
				notFound(w, "End user")
			}
			return
		}
		if m := catalog.FindStringSubmatch(p); m != nil {
			if d, ok := es.catalogs[m[1]]; ok {
				writeJSON(w, map[string]any{"data": d})
			} else {
				t.Errorf("unexpected request %s", r.URL)
				notFound(w, "Collection")
			}
			return
		}
		if m := article.FindStringSubmatch(p); m != nil {
			if d, ok := es.articles[m[1]]; ok {
				writeJSON(w, map[string]any{"data": d})
			} else {
				t.Errorf("unexpected request %s", r.URL)
				notFound(w, "Article")
			}
			return
		}
		if m := member.FindStringSubmatch(p); m != nil {
			switch m[1] + "/" + m[3] {
			case "teams/agents":
				data(w, es.teamMembers)
				return
			case "queues/members":
				data(w, es.queueMembers)
				return
			case "conversations/ratings":
				data(w, es.ratings[m[2]])
				return
			case "conversations/messages":
				if !slices.ContainsFunc(es.conversations, func(c map[string]any) bool { return fmt.Sprint(c["id"]) == m[2] }) {
					t.Errorf("unexpected request %s", r.URL)
					notFound(w, "Conversation")
					return
				}
				data(w, es.convMessages[m[2]])
				return
			case "conversations/notes":
				if m[2] == fmt.Sprint(es.conversations[0]["id"]) {
					data(w, es.notes)
				} else {
					data(w, nil)
				}
				return
			}
		}
		t.Errorf("unexpected request %s", r.URL)
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"message": "not found"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// answerAnalytics answers POST /v1/analytics/records: the query must be
// the one the tap documents ({"id", "periodFilter": Interval in UTC,
// "timezone": "UTC", "filters": [...]}, and the same body for every page);
// the answer is the type's records in the Interval, one a page, the next
// page named by meta.next for the catalogue's first type and by a
// top-level pageKey (as Dixa's MCP docs have it) for the others.
func (es *exampleSet) answerAnalytics(t *testing.T, w http.ResponseWriter, r *http.Request, writeJSON func(http.ResponseWriter, any)) {
	refuse := func(format string, args ...any) {
		t.Errorf("POST %s: "+format, append([]any{r.URL}, args...)...)
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"message": "Invalid request"})
	}
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("pageLimit")); err != nil || n < 1 || n > 300 {
		refuse("pageLimit must be 1..300")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		refuse("Content-Type %q", ct)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		refuse("%v", err)
		return
	}
	var query struct {
		ID           string `json:"id"`
		PeriodFilter struct {
			Type  string `json:"_type"`
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"periodFilter"`
		Timezone string            `json:"timezone"`
		Filters  *[]map[string]any `json:"filters"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&query); err != nil {
		refuse("body %s: %v", body, err)
		return
	}
	i := slices.IndexFunc(es.recordTypes, func(rt map[string]any) bool { return rt["id"] == query.ID })
	start, err1 := time.Parse(time.RFC3339, query.PeriodFilter.Start)
	end, err2 := time.Parse(time.RFC3339, query.PeriodFilter.End)
	switch {
	case i < 0:
		refuse("record type %q is not in the catalogue", query.ID)
		return
	case query.PeriodFilter.Type != "Interval" || query.Timezone != "UTC" || query.Filters == nil:
		refuse("body %s", body)
		return
	case err1 != nil || err2 != nil || !strings.HasSuffix(query.PeriodFilter.Start, "Z") ||
		!strings.HasSuffix(query.PeriodFilter.End, "Z") || !start.Before(end):
		refuse("periodFilter %s .. %s is no RFC 3339 UTC interval", query.PeriodFilter.Start, query.PeriodFilter.End)
		return
	}
	from := 0
	if k := q.Get("pageKey"); k != "" {
		pg, ok := es.pageKeys[k]
		if !ok {
			refuse("a pageKey the fake never gave: %q", k)
			return
		}
		if pg.body != string(body) {
			refuse("the next page's body differs: %s, was %s", body, pg.body)
			return
		}
		es.requests["POST /v1/analytics/records pageKey "+query.ID]++
		from = pg.next
	}
	var in []map[string]any
	for _, rec := range es.analytics[query.ID] {
		at, err := parseDateTime(rec["primaryTimestampField"].(map[string]any)["timestamp"].(string))
		if err == nil && !at.Before(start) && !at.After(end) {
			in = append(in, rec)
		}
	}
	to := min(from+1, len(in))
	page := map[string]any{"data": append([]map[string]any{}, in[min(from, to):to]...)}
	if to < len(in) {
		k := fmt.Sprintf("pk-%d", len(es.pageKeys))
		es.pageKeys[k] = analyticsPage{body: string(body), next: to}
		if i == 0 {
			next := *r.URL
			nq := next.Query()
			nq.Set("pageKey", k)
			next.RawQuery = nq.Encode()
			page["meta"] = map[string]any{"next": "http://" + r.Host + next.RequestURI()}
		} else {
			page["pageKey"] = k
		}
	}
	writeJSON(w, page)
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

// checkMoreExamples checks what the records alone do not show: the
// requests the tap made, its warnings, secrets and analytics keys.
func checkMoreExamples(t *testing.T, es *exampleSet, o *singertest.Output, stdout, stderr string) {
	t.Helper()
	// flows: one request per channel; each refused channel is skipped
	// with a warning, and the run goes on (exit 0, checked above).
	for _, ch := range exampleFlowChannels {
		assert.Equal(t, 1, es.requests["GET /v1/conversations/flows?channel="+ch], "flows: requests for channel %s", ch)
	}
	assert.Equal(t, len(exampleFlowChannels), es.requests["GET /v1/conversations/flows"], "flows: requests")
	for _, ch := range es.flowsRefused {
		assert.Regexp(t, `(?m)^WARNING flows: .*channel=`+ch+`\b.*Invalid value for: query parameter channel`, stderr,
			"flows: no warning for the refused channel %s", ch)
	}
	// One request per detail: each schedule's definition, each distinct
	// article (found three times in the catalog), each end user.
	for id := range es.definitions {
		assert.Equal(t, 1, es.requests["GET /v1/business-hours/schedules/"+id+"/definition"], "business_hours: definition %s", id)
	}
	for id := range es.articles {
		assert.Equal(t, 1, es.requests["GET /v1/knowledge/articles/"+id], "knowledge_articles: article %s", id)
	}
	for id := range es.endUserDetail {
		assert.Equal(t, 1, es.requests["GET /v1/endusers/"+id], "end_user_custom_attributes: end user %s", id)
	}
	for id := range es.catalogs {
		// Read by knowledge_categories and by knowledge_articles.
		assert.Equal(t, 2, es.requests["GET /v1/knowledge/collections/"+id+"/catalog"], "knowledge: catalog %s", id)
	}
	for _, c := range es.conversations {
		assert.Equal(t, 1, es.requests[fmt.Sprintf("GET /v1/conversations/%v/messages", c["id"])], "conversation_messages: conversation %v", c["id"])
	}
	// Every page followed: a record a page, so every later page was
	// asked for by its pageKey, in both forms Dixa may name it in.
	for typ, recs := range es.analytics {
		assert.Equal(t, len(recs)-1, es.requests["POST /v1/analytics/records pageKey "+typ], "analytics_records: pages of %s", typ)
	}
	assert.Equal(t, len(es.templates), es.requests["GET /v1/templates"], "templates: one request per page")
	// Analytics keys: a 128-bit hex fingerprint, one per record.
	keys := map[string]bool{}
	for _, k := range o.Field("analytics_records", "key") {
		var key string
		require.NoError(t, json.Unmarshal([]byte(k), &key))
		assert.Regexp(t, `^[0-9a-f]{32}$`, key, "analytics_records: key")
		assert.False(t, keys[key], "analytics_records: key %s twice", key)
		keys[key] = true
	}
	for _, ts := range o.Field("analytics_records", "primary_timestamp") {
		assert.Regexp(t, `^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"$`, ts, "analytics_records: primary_timestamp is RFC 3339 UTC")
	}
	// Analytics bookmarks: one per record type of the catalogue, at the end.
	var state struct {
		Bookmarks struct {
			Analytics struct {
				PrimaryTimestamp map[string]string `json:"primary_timestamp"`
			} `json:"analytics_records"`
		} `json:"bookmarks"`
	}
	require.NoError(t, json.Unmarshal(o.LastState(), &state))
	for _, rt := range es.recordTypes {
		at, err := time.Parse(time.RFC3339, state.Bookmarks.Analytics.PrimaryTimestamp[rt["id"].(string)])
		if assert.NoError(t, err, "analytics_records: bookmark of %s", rt["id"]) {
			assert.True(t, at.Equal(time.Date(2021, 12, 15, 0, 0, 0, 0, time.UTC)), "analytics_records: bookmark of %s is %s", rt["id"], at)
		}
	}
	// Webhook secrets: nowhere in the output.
	for _, secret := range es.secrets {
		assert.False(t, strings.Contains(stdout, secret), "webhooks: secret %q in stdout", secret)
		assert.False(t, strings.Contains(stderr, secret), "webhooks: secret %q in stderr", secret)
	}
}

// compactJSON writes a decoded value as JSON, object members sorted.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func keyString(m map[string]any, keys []string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return strings.Join(parts, ",")
}

func sameKey(want, rec map[string]any, keys []string) bool {
	for _, k := range keys {
		if len(compareJSON(k, want[k], rec[k])) > 0 {
			return false
		}
	}
	return true
}

var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"}

// parseDateTime reads a date-time as Dixa writes them: RFC 3339, maybe
// with a Java zone id ("[GMT]") after it, or without a zone (UTC).
func parseDateTime(s string) (time.Time, error) {
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		s = s[:i]
	}
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date-time")
}

// compareJSON lists where got, the emitted value at path, does not carry
// want, the example's value, under the tap's lossless conversions: a
// date-time string as the same instant, a single value as a one-element
// list, a scalar as the one member of an object ({"name": ...}), and any
// value that is not a string as its JSON text. Members of got that want
// lacks are allowed (the parent keys the tap adds).
func compareJSON(path string, want, got any) []string {
	show := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	mismatch := func() []string {
		return []string{fmt.Sprintf("%s: example has %s, RECORD has %s", path, show(want), show(got))}
	}
	// Conversion 3: any non-string as its JSON text.
	if s, ok := got.(string); ok {
		if _, isStr := want.(string); !isStr && want != nil {
			d := json.NewDecoder(strings.NewReader(s))
			d.UseNumber()
			var v any
			if d.Decode(&v) == nil && len(compareJSON(path, want, v)) == 0 {
				return nil
			}
			return mismatch()
		}
	}
	switch w := want.(type) {
	case nil:
		if got != nil {
			return mismatch()
		}
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch()
		}
		var out []string
		names := make([]string, 0, len(w))
		for k := range w {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			p := path + "." + k
			if path == "" {
				p = k
			}
			gv, present := g[k]
			if !present {
				out = append(out, fmt.Sprintf("%s: dropped (example has %s)", p, show(w[k])))
				continue
			}
			out = append(out, compareJSON(p, w[k], gv)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return mismatch()
		}
		var out []string
		for i := range w {
			out = append(out, compareJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	// want is a scalar.
	if g, ok := got.([]any); ok && len(g) == 1 { // conversion 1
		if len(compareJSON(path, want, g[0])) == 0 {
			return nil
		}
		return mismatch()
	}
	if g, ok := got.(map[string]any); ok && len(g) == 1 { // conversion 2
		for _, v := range g {
			if len(compareJSON(path, want, v)) == 0 {
				return nil
			}
		}
		return mismatch()
	}
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		if ok && g == w {
			return nil
		}
		if ok {
			wt, err1 := parseDateTime(w)
			gt, err2 := parseDateTime(g)
			if err1 == nil && err2 == nil && wt.Equal(gt) {
				return nil
			}
		}
		return mismatch()
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return mismatch()
		}
		a, ok1 := new(big.Float).SetString(w.String())
		b, ok2 := new(big.Float).SetString(g.String())
		if ok1 && ok2 && a.Cmp(b) == 0 {
			return nil
		}
		return mismatch()
	case bool:
		if g, ok := got.(bool); ok && g == w {
			return nil
		}
		return mismatch()
	}
	return mismatch()
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
