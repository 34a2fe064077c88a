package dixamock

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// messageKeys are the attribute keys of each of Dixa's 12 message
// variants: example are those of Dixa's examples
// (examples/conversations_conversationId_messages--*.json; Twitter and
// Transcript have none, so the schema's), extra the schema's optional
// ones the examples lack, required the schema's required ones.
var messageKeys = map[string]struct{ example, extra, required []string }{
	"EmailAttributes": {[]string{"emailContent", "from", "to", "cc", "bcc", "isAutoReply", "inlineImages", "attachments", "direction", "originalContentUrl", "_type"},
		[]string{"deliveryFailureReason"}, []string{"from", "isAutoReply"}},
	"ContactFormAttributes": {[]string{"emailContent", "from", "replyDefaultToEmails", "to", "cc", "bcc", "isAutoReply", "inlineImages", "attachments", "direction", "_type"},
		[]string{"deliveryFailureReason", "originalContentUrl"}, []string{"isAutoReply"}},
	"ChatAttributes":              {[]string{"content", "direction", "attachments", "isAutomated", "_type"}, nil, []string{"isAutomated"}},
	"SmsAttributes":               {[]string{"content", "direction", "attachments", "_type"}, nil, nil},
	"FacebookMessengerAttributes": {[]string{"content", "direction", "attachments", "_type"}, nil, nil},
	"WhatsAppAttributes":          {[]string{"content", "direction", "attachments", "_type"}, nil, nil},
	"TwitterAttributes":           {[]string{"content", "direction", "attachments", "_type"}, nil, nil},
	"GenericAttributes":           {[]string{"content", "direction", "attachments", "_type"}, nil, nil},
	"MessengerFormAttributes":     {[]string{"formSubmission", "direction", "content", "_type"}, nil, []string{"formSubmission"}},
	"PhoneAttributes":             {[]string{"from", "to", "direction", "duration", "_type"}, nil, []string{"from", "to"}},
	"CallRecordingAttributes":     {[]string{"duration", "recording", "_type"}, nil, []string{"recording"}},
	"TranscriptAttributes":        {[]string{"content", "utterance_start_ms", "utterance_end_ms", "direction", "_type"}, nil, nil},
}

// fanoutUUID matches a lower-case UUID.
var fanoutUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// messageExamplesDir is where Dixa's examples are, if this checkout has them.
const messageExamplesDir = "/work/shared/reference/dixa-openapi/examples"

func TestMessageKeysAreDixasExamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(messageExamplesDir, "conversations_conversationId_messages--*.json"))
	if len(files) == 0 {
		t.Skip("Dixa's examples are not here")
	}
	seen := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		var e envelope
		decodeJSON(t, b, &e)
		for _, m := range e.Data {
			attrs := m["attributes"].(map[string]any)
			kind := attrs["_type"].(string)
			seen[kind] = true
			assert.ElementsMatch(t, messageKeys[kind].example, slices.Collect(maps.Keys(attrs)), "%s in %s", kind, file)
		}
	}
	assert.Len(t, seen, 10, "Twitter and Transcript have no example")
}

// allMessages fetches the messages of every conversation of s.
func allMessages(t *testing.T, s *Server) map[string][]map[string]any {
	t.Helper()
	h := s.Handler()
	out := map[string][]map[string]any{}
	for _, id := range convIDsOf(s) {
		out[id] = page(t, h, "/v1/conversations/"+id+"/messages").Data
	}
	return out
}

func TestConversationMessagesShapes(t *testing.T) {
	s := shared()
	msgs := allMessages(t, s)
	kinds := map[string]int{}
	keysSeen := map[string]map[string]bool{}
	var emailContents, phoneTo, contents []string
	for csid, list := range msgs {
		var last time.Time
		for _, m := range list {
			for k := range m {
				assert.Contains(t, []string{"id", "authorId", "externalId", "createdAt", "attributes"}, k)
			}
			for _, k := range []string{"id", "authorId", "createdAt", "attributes"} {
				require.NotNil(t, m[k], "%s of %v", k, m)
			}
			assert.Regexp(t, fanoutUUID, m["id"])
			assert.Regexp(t, fanoutUUID, m["authorId"])
			created := m["createdAt"].(string)
			require.Regexp(t, gmtFormat, created)
			at, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(created, "[GMT]"))
			require.NoError(t, err)
			assert.False(t, at.Before(last), "conversation %s: messages oldest first", csid)
			last = at

			attrs := m["attributes"].(map[string]any)
			kind, _ := attrs["_type"].(string)
			want, ok := messageKeys[kind]
			require.True(t, ok, "variant %q", kind)
			kinds[kind]++
			if keysSeen[kind] == nil {
				keysSeen[kind] = map[string]bool{}
			}
			for k := range attrs {
				keysSeen[kind][k] = true
				assert.Contains(t, append(slices.Clone(want.example), want.extra...), k, "%s key", kind)
			}
			for _, k := range append([]string{"_type"}, want.required...) {
				assert.Contains(t, attrs, k, "%s must have %s", kind, k)
			}
			if ec, ok := attrs["emailContent"].(map[string]any); ok {
				emailContents = append(emailContents, ec["_type"].(string))
				switch ec["_type"] {
				case "Regular":
					c := ec["content"].(map[string]any)
					assert.IsType(t, "", c["value"])
					contents = append(contents, c["_type"].(string))
				case "TooLarge":
					assert.NotEmpty(t, ec["file"].(map[string]any)["url"])
				default:
					t.Errorf("emailContent %v", ec)
				}
				from := attrs["from"].(map[string]any)
				assert.Contains(t, from["email"], "@")
				for _, list := range []string{"to", "cc", "bcc"} {
					for _, c := range attrs[list].([]any) {
						assert.Contains(t, c.(map[string]any)["email"], "@", list)
					}
				}
			}
			if c, ok := attrs["content"].(map[string]any); ok {
				assert.Contains(t, []string{"Text", "Html", "Markdown"}, c["_type"])
				assert.IsType(t, "", c["value"])
			}
			if d, ok := attrs["direction"]; ok {
				assert.Contains(t, []string{"Inbound", "Outbound", "Internal"}, d)
			}
			for _, f := range anyList(attrs["attachments"]) {
				assert.NotEmpty(t, f.(map[string]any)["url"])
			}
			switch kind {
			case "PhoneAttributes":
				assert.IsType(t, "", attrs["from"])
				phoneTo = append(phoneTo, fmt.Sprintf("%T", attrs["to"]))
			case "MessengerFormAttributes":
				values := attrs["formSubmission"].(map[string]any)["values"].(map[string]any)
				assert.NotEmpty(t, values)
				assert.Equal(t, "Html", attrs["content"].(map[string]any)["_type"])
			case "TranscriptAttributes":
				start, _ := attrs["utterance_start_ms"].(json.Number).Int64()
				end, _ := attrs["utterance_end_ms"].(json.Number).Int64()
				assert.Less(t, start, end)
			}
		}
	}
	require.Len(t, kinds, 12, "every variant is served: %v", kinds)
	for kind, want := range messageKeys {
		for _, k := range want.example {
			assert.True(t, keysSeen[kind][k], "%s: key %s of Dixa's example is never served", kind, k)
		}
	}
	assert.ElementsMatch(t, []string{"Regular", "TooLarge"}, uniq(emailContents))
	assert.ElementsMatch(t, []string{"Text", "Html", "Markdown"}, uniq(contents))
	assert.ElementsMatch(t, []string{"string", "json.Number"}, uniq(phoneTo), "a phone's to is sometimes a number, as in Dixa's example")
}

// anyList returns v as a list (nil if it is not one).
func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

// uniq returns the distinct elements of l.
func uniq(l []string) []string {
	slices.Sort(l)
	return slices.Compact(l)
}

func TestConversationMessagesTruth(t *testing.T) {
	s := shared()
	h := s.Handler()
	msgs := allMessages(t, s)
	got := map[string]int{}
	byID := map[string]map[string]any{}
	for csid, list := range msgs {
		for _, m := range list {
			got[csid+"|"+m["id"].(string)]++
			byID[m["id"].(string)] = m
		}
	}
	want := map[string]int{}
	for _, tr := range truthOfStream(t, h, "conversation_messages") {
		want[keyOf(tr, "conversation_id", "id")]++
	}
	assert.Equal(t, want, got, "served = truth, each once")

	// The exported messages are served, same ids and times.
	for _, m := range s.Messages() {
		served, ok := byID[m.ID]
		if !assert.True(t, ok, "exported message %s is not served", m.ID) {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(served["createdAt"].(string), "[GMT]"))
		require.NoError(t, err)
		assert.Equal(t, m.At, at.UnixMilli(), m.ID)
	}
	assert.Greater(t, len(byID), len(s.Messages()), "recordings and transcripts add messages")

	// Inbound messages are the requester's.
	var ids []string
	for id := range msgs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	requester := map[string]string{}
	for _, rec := range s.data.convs {
		c, err := decodeConvInfo(rec.json)
		require.NoError(t, err)
		requester[rec.id] = c.RequesterID
	}
	n := 0
	for _, id := range ids {
		for _, m := range msgs[id] {
			if m["attributes"].(map[string]any)["direction"] == "Inbound" && m["attributes"].(map[string]any)["_type"] != "TranscriptAttributes" {
				assert.Equal(t, requester[id], m["authorId"], "conversation %s", id)
				n++
			}
		}
	}
	assert.Positive(t, n)
}

func TestConversationMessagesNotFound(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 60
	opts.NotFoundEvery = 4
	opts.NotFound = []string{"/v1/conversations/*/messages"}
	ids := convIDsOf(New(opts))
	opts.NotFound = []string{"/v1/conversations/" + ids[0] + "/messages"}
	s := New(opts)
	h := s.Handler()
	var notFound int64
	for i, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		p := "/v1/conversations/" + id + "/messages"
		r := apiGet(t, h, p, testToken)
		if i == 0 || n%4 == 0 {
			assert.Equal(t, 404, r.status, p)
			assert.JSONEq(t, `{"message":"Conversation with id `+id+` not found"}`, string(r.body))
			assert.True(t, s.NotFound(p))
			notFound++
		} else {
			assert.Equal(t, 200, r.status, p)
			assert.False(t, s.NotFound(p))
		}
	}
	assert.Positive(t, notFound)
	r := apiGet(t, h, "/v1/conversations/1/messages", testToken)
	assert.Equal(t, 404, r.status, "unknown conversation")
	assert.True(t, s.NotFound("/v1/conversations/1/messages"))
	assert.Equal(t, 401, apiGet(t, h, "/v1/conversations/"+ids[1]+"/messages", "").status)
	st := s.APIStats()
	assert.Equal(t, int64(len(ids)), st.Requests["conversation_messages"])
	assert.Equal(t, notFound, st.NotFound["conversation_messages"])
	assert.Equal(t, int64(len(ids))-notFound, st.OK["conversation_messages"])
}

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

func TestFanoutDeterministic(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 120
	a, b := New(opts), New(opts)
	opts.Seed++
	c := New(opts)
	id := convIDsOf(a)[7]
	body := recordsBody("ratings", testStart, testEnd, "")
	for _, p := range []string{"/_truth/conversation_messages", "/_truth/analytics_records", "/v1/conversations/" + id + "/messages",
		"/v1/analytics/filter/agent_id", "POST"} {
		get := func(s *Server) apiResp {
			if p == "POST" {
				return postRecords(t, s.Handler(), "/v1/analytics/records", body)
			}
			return apiGet(t, s.Handler(), p, testToken)
		}
		ra, rb, rc := get(a), get(b), get(c)
		require.Equal(t, 200, ra.status, p)
		assert.Equal(t, string(ra.body), string(rb.body), p)
		assert.NotEqual(t, string(ra.body), string(rc.body), "another seed: %s", p)
	}
}

func TestAPILatency(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 30
	opts.Latency = time.Second
	s := New(opts)
	h := s.Handler()
	const n = 8
	var wg sync.WaitGroup
	took := make([]time.Duration, n)
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			target := "/v1/conversations/" + convIDsOf(s)[i] + "/messages"
			if i%2 == 1 {
				target = "/v1/agents"
			}
			codes[i] = apiGet(t, h, target, testToken).status
			took[i] = time.Since(start)
		})
	}
	for deadline := time.Now().Add(5 * time.Second); s.APIStats().MaxInFlight < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	for i := range n {
		assert.Equal(t, 200, codes[i])
		assert.GreaterOrEqual(t, took[i], time.Second, "request %d", i)
	}
	assert.Equal(t, int64(n), s.APIStats().MaxInFlight, "all the requests were served at once")
	r := apiGet(t, h, "/_stats", "")
	var stats struct {
		API map[string]any `json:"api"`
	}
	decodeJSON(t, r.body, &stats)
	assert.Equal(t, json.Number(strconv.Itoa(n)), stats.API["max_in_flight"])

	// A request whose client goes away is not answered.
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/v1/agents", nil).WithContext(ctx)
	req.Header.Set("Authorization", testToken)
	rec := httptest.NewRecorder()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	h.ServeHTTP(rec, req)
	assert.Less(t, time.Since(start), 900*time.Millisecond)
	assert.Empty(t, rec.Body.String())
	st := s.APIStats()
	assert.Equal(t, int64(n/2+1), st.Requests["agents"])
	assert.Equal(t, int64(n/2), st.OK["agents"])

	// No latency: answered at once; sequential requests are one in flight.
	seq := New(testOptions())
	for range 3 {
		start := time.Now()
		apiGet(t, seq.Handler(), "/v1/teams", testToken)
		assert.Less(t, time.Since(start), 500*time.Millisecond)
	}
	assert.Equal(t, int64(1), seq.APIStats().MaxInFlight)
	assert.Equal(t, int64(0), New(testOptions()).APIStats().MaxInFlight)
}

func TestFanoutOptionsValidate(t *testing.T) {
	assert.NoError(t, APIOptions{Latency: time.Millisecond, AnalyticsPaging: AnalyticsPagingPageKey, AnalyticsRequireFilter: true}.Validate())
	assert.NoError(t, APIOptions{AnalyticsPaging: AnalyticsPagingMeta}.Validate())
	err := APIOptions{Latency: -1}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Latency")
	err = APIOptions{AnalyticsPaging: "next"}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AnalyticsPaging")
}
