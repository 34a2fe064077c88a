package dixamock

// Tests of GET /v1/conversations/{csid}/messages (api_messages.go).

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
