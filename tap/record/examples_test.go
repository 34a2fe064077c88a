package record_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/schemas"
	"github.com/tap-dixa/tap-dixa/tap/record"
	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// exampleFiles maps each stream to the glob of Dixa's examples of its
// endpoints in testdata/dixa-examples, and the parent key the tap adds.
var exampleFiles = []struct{ stream, glob, parentKey, parentID string }{
	{"conversations", "conversation_export.json", "", ""},
	{"messages", "message_export.json", "", ""},
	{"activity_logs", "conversations_*activitylog.json", "", ""},
	{"agents", "agents*.json", "", ""},
	{"end_users", "endusers*.json", "", ""},
	{"teams", "teams.json", "", ""},
	{"teams", "teams_teamId.json", "", ""},
	{"team_members", "teams_teamId_agents.json", "team_id", `"t1"`},
	{"queues", "queues.json", "", ""},
	{"queues", "queues_queueId.json", "", ""},
	{"queue_members", "queues_queueId_members.json", "queue_id", `"q1"`},
	{"tags", "tags*.json", "", ""},
	{"custom_attributes", "custom_attributes*.json", "", ""},
	{"conversation_ratings", "conversations_conversationId_rating*.json", "conversation_id", "42"},
	{"conversation_notes", "conversations_conversationId_notes.json", "conversation_id", "42"},
}

// TestDixaExamplesFitSchemas checks that every item of every response
// example in Dixa's spec for an endpoint the tap reads projects without
// error and without dropping a field, and that the result validates
// against the stream's schema (JSON Schema Draft 4, formats asserted).
func TestDixaExamplesFitSchemas(t *testing.T) {
	seen := map[string]bool{}
	for _, ex := range exampleFiles {
		full, validator := streamSchema(t, ex.stream)

		files, err := filepath.Glob(filepath.Join("testdata", "dixa-examples", ex.glob))
		require.NoError(t, err)
		require.NotEmpty(t, files, ex.glob)
		for _, file := range files {
			seen[filepath.Base(file)] = true
			var added []string
			p := record.New(full, nil, func(path string) { added = append(added, path) })
			items := exampleItems(t, file)
			require.NotEmpty(t, items, file)
			for i, item := range items {
				if ex.parentKey != "" {
					item = append([]byte(`{"`+ex.parentKey+`":`+ex.parentID+`,`), bytes.TrimPrefix(bytes.TrimSpace(item), []byte("{"))...)
				}
				out, err := p.Project(nil, item)
				require.NoError(t, err, "%s item %d", file, i)
				var v any
				require.NoError(t, json.Unmarshal(out, &v))
				assert.NoError(t, validator.Validate(v), "%s item %d: %s", file, i, out)
			}
			assert.Empty(t, added, "%s: fields Dixa documents that the schema of %s lacks", file, ex.stream)
		}
	}
	for _, ex := range moreExamples { // checked by TestDixaExamplesFitNewSchemas
		files, err := filepath.Glob(filepath.Join("testdata", "dixa-examples", ex.glob))
		require.NoError(t, err)
		for _, file := range files {
			seen[filepath.Base(file)] = true
		}
	}
	all, err := os.ReadDir(filepath.Join("testdata", "dixa-examples"))
	require.NoError(t, err)
	for _, e := range all {
		if strings.HasSuffix(e.Name(), ".json") {
			assert.True(t, seen[e.Name()], "%s is not checked", e.Name())
		}
	}
}

// exampleItems returns the records of an example: the items of a bare
// array or of "data", or "data" itself when it is one object.
func exampleItems(t testing.TB, file string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	b = bytes.TrimSpace(b)
	var items []json.RawMessage
	if b[0] == '[' {
		require.NoError(t, json.Unmarshal(b, &items))
		return items
	}
	var env struct{ Data json.RawMessage }
	require.NoError(t, json.Unmarshal(b, &env))
	if d := bytes.TrimSpace(env.Data); len(d) > 0 && d[0] == '{' {
		return []json.RawMessage{d}
	}
	require.NoError(t, json.Unmarshal(env.Data, &items))
	return items
}

// TestLoosenedFields projects, with the stream's real schema, each field
// where the schema was stricter than Dixa's spec or mixed a list with a
// scalar, holding the spec's example value (or, where the spec has no
// example, a value of the type it declares), and checks the output and
// that it validates.
func TestLoosenedFields(t *testing.T) {
	for _, tc := range []struct{ stream, in, want string }{
		// Spec: ConversationRatingNotOfferedAttribute.evaluationFilters {type: string}; no example.
		{"activity_logs", `{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"evaluationFilters":"ChannelFilter"}}`,
			`{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"evaluationFilters":"ChannelFilter"}}`},
		// The tap's earlier shape (and the mock's): a list, kept as its JSON text.
		{"activity_logs", `{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"evaluationFilters":[{"_type":"ChannelFilter","isMatched":false}]}}`,
			`{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"evaluationFilters":"[{\"_type\":\"ChannelFilter\",\"isMatched\":false}]"}}`},
		// Spec: ConversationReservedAttribute.validUntil and
		// ConversationRatingScheduledAttribute.ratingScheduledTime {type: string}, no format, no example.
		{"activity_logs", `{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"validUntil":"1638362796581","ratingScheduledTime":"2021-12-01 13:46"}}`,
			`{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"validUntil":"1638362796581","ratingScheduledTime":"2021-12-01 13:46"}}`},
		// ... and normalised like every Dixa API date-time where they parse as one.
		{"activity_logs", `{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"validUntil":"2021-12-01T12:56:36.581Z[GMT]","ratingScheduledTime":"2021-12-01T13:46:36"}}`,
			`{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","attributes":{"validUntil":"2021-12-01T12:56:36.581Z","ratingScheduledTime":"2021-12-01T13:46:36.000Z"}}`},
		// Spec: DeprecatedActivityLogType is an object; its examples send a string.
		{"activity_logs", `{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","activityType":{"_type":"ConversationAssignedActivityType"}}`,
			`{"id":"a","activityTimestamp":"2021-12-01T12:46:36.581Z","activityType":"{\"_type\":\"ConversationAssignedActivityType\"}"}`},
		// Spec: ConversationRating.timestamps is Map_String; keys of its examples and one more.
		{"conversation_ratings", `{"conversation_id":1,"id":"r","ratingType":"Csat","timestamps":{"offered_at":"2025-10-10T10:46:40Z","submitted_at":"2025-10-10T10:47:00Z","later":"soon"}}`,
			`{"conversation_id":1,"id":"r","ratingType":"Csat","timestamps":{"offered_at":"2025-10-10T10:46:40Z","submitted_at":"2025-10-10T10:47:00Z","later":"soon"}}`},
		// Exports docs sample: "to": "string"; always a list.
		{"messages", `{"id":"m","created_at":1,"to":"string"}`, `{"id":"m","created_at":1,"to":["string"]}`},
		{"messages", `{"id":"m","created_at":1,"to":["a@x","b@x"]}`, `{"id":"m","created_at":1,"to":["a@x","b@x"]}`},
		// Exports docs sample: custom_fields[].value "string"; a Select attribute sends a list.
		{"conversations", `{"id":1,"updated_at":2,"custom_fields":[{"value":"string"},{"value":["a","b"]}]}`,
			`{"id":1,"updated_at":2,"custom_fields":[{"value":["string"]},{"value":["a","b"]}]}`},
		// Exports docs sample: tags_info ["string"]; the tap's items are objects.
		{"conversations", `{"id":1,"updated_at":2,"tags_info":["string",{"id":"t","name":"vip","is_deactivated":false}]}`,
			`{"id":1,"updated_at":2,"tags_info":[{"name":"string"},{"id":"t","name":"vip","is_deactivated":false}]}`},
		// Spec: EndUser.customAttributes[].value oneOf string | array of string; example "My Attribute Value".
		{"end_users", `{"id":"u","customAttributes":[{"value":"My Attribute Value"},{"value":["x"]}]}`,
			`{"id":"u","customAttributes":[{"value":["My Attribute Value"]},{"value":["x"]}]}`},
	} {
		full, v := streamSchema(t, tc.stream)
		var added []string
		p := record.New(full, nil, func(path string) { added = append(added, path) })
		out, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(out))
		assert.Empty(t, added, tc.in)
		var rec any
		require.NoError(t, json.Unmarshal(out, &rec))
		assert.NoError(t, v.Validate(rec), tc.in)
	}
}

// streamSchema returns the stream's embedded schema, parsed and compiled
// as a Draft 4 validator that asserts formats.
func streamSchema(t *testing.T, stream string) (*schema.Node, *jsonschema.Schema) {
	t.Helper()
	raw, err := schemas.Get(stream)
	require.NoError(t, err)
	full, err := schema.Parse(raw)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	c.AssertFormat = true
	require.NoError(t, c.AddResource("mem://"+stream+".json", bytes.NewReader(raw)))
	v, err := c.Compile("mem://" + stream + ".json")
	require.NoError(t, err)
	return full, v
}
