package record_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/record"
)

// obj is a decoded JSON object, numbers kept as json.Number.
type obj = map[string]any

// moreExamples maps each stream that reads a Dixa API endpoint outside the
// exports and the first lists to Dixa's examples of that endpoint in
// testdata/dixa-examples, and turns an example's body into the records the
// tap writes for it (the record shapes of the streams table: parent ids
// added, envelopes removed, trees flattened, secrets dropped), by hand.
// keys are the stream's key properties; wraps names the paths where the
// schema takes a single value as a one-element list (conversion 1).
var moreExamples = []struct {
	stream, glob string
	keys         []string
	records      func(t *testing.T, body obj) []obj
	wraps        []string
}{
	{stream: "flows", glob: "conversations_flows.json", keys: []string{"id"},
		records: func(t *testing.T, body obj) []obj {
			items := dataItems(t, body)
			for _, it := range items {
				if _, ok := it["channel"]; !ok {
					it["channel"] = "PstnPhone" // the channel the tap asked for
				}
			}
			return items
		}},
	{stream: "conversation_messages", glob: "conversations_conversationId_messages--*.json", keys: []string{"conversation_id", "id"},
		records: func(t *testing.T, body obj) []obj {
			return withParent(dataItems(t, body), "conversation_id", json.Number("42"))
		}},
	{stream: "analytics_records", glob: "post_analytics_records--*.json", keys: []string{"record_id", "key"},
		records: func(t *testing.T, body obj) []obj {
			items := dataItems(t, body)
			for _, it := range items {
				ts, _ := it["primaryTimestampField"].(obj)["timestamp"].(string)
				norm, err := record.NormalizeDateTime(ts)
				require.NoError(t, err)
				fields, err := json.Marshal(it["fields"])
				require.NoError(t, err)
				sum := sha256.Sum256(append([]byte(norm), fields...))
				it["record_id"] = "closed_conversations"
				it["primary_timestamp"] = norm
				it["key"] = hex.EncodeToString(sum[:16])
			}
			return items
		}},
	{stream: "contact_endpoints", glob: "contact_endpoints*.json", keys: []string{"id"},
		records: func(t *testing.T, body obj) []obj {
			items := dataItems(t, body)
			for _, it := range items {
				id, ok := it["address"]
				if !ok {
					id, ok = it["number"]
				}
				require.True(t, ok, "a contact endpoint with neither address nor number: %v", it)
				it["id"] = id
			}
			return items
		}},
	{stream: "business_hours", glob: "business_hours_schedules_scheduleId_definition.json", keys: []string{"id"},
		records: func(t *testing.T, body obj) []obj {
			data := dataItems(t, body)
			require.Len(t, data, 1)
			schedule, ok := data[0]["schedule"].(obj)
			require.True(t, ok, "data.schedule is not an object")
			return []obj{schedule}
		}},
	{stream: "organization", glob: "organization.json", keys: []string{"id"},
		records: dataItems},
	{stream: "templates", glob: "templates.json", keys: []string{"id"},
		records: dataItems},
	{stream: "end_user_custom_attributes", glob: "endusers_userId.json", keys: []string{"end_user_id", "id"},
		records: func(t *testing.T, body obj) []obj {
			var out []obj
			for _, user := range dataItems(t, body) {
				attrs, _ := user["customAttributes"].([]any)
				out = append(out, withParent(objects(t, attrs), "end_user_id", user["id"])...)
			}
			return out
		},
		// Spec: CustomAttribute.value oneOf array of string | string; the
		// example sends a string; the schema, as end_users', takes a list.
		wraps: []string{"value"}},
	{stream: "knowledge_collections", glob: "knowledge_collections.json", keys: []string{"id"},
		records: dataItems},
	{stream: "knowledge_collections", glob: "knowledge_collections_collectionId.json", keys: []string{"id"},
		records: dataItems},
	{stream: "knowledge_categories", glob: "knowledge_collections_collectionId_catalog.json", keys: []string{"id"},
		records: func(t *testing.T, body obj) []obj {
			data := dataItems(t, body)
			require.Len(t, data, 1)
			var out []obj
			var walk func(nodes []any, parent any)
			walk = func(nodes []any, parent any) {
				for _, n := range objects(t, nodes) {
					children, _ := n["categories"].([]any)
					delete(n, "categories")
					n["collection_id"] = "78dfb531-2e1e-4ffc-bd18-fdad68cd2419"
					n["parent_category_id"] = parent
					out = append(out, n)
					walk(children, n["id"])
				}
			}
			roots, _ := data[0]["categories"].([]any)
			walk(roots, nil)
			return out
		}},
	{stream: "knowledge_articles", glob: "knowledge_articles_articleId.json", keys: []string{"id"},
		records: dataItems},
	{stream: "webhooks", glob: "webhooks*.json", keys: []string{"id"},
		records: func(t *testing.T, body obj) []obj {
			items := dataItems(t, body)
			for _, it := range items {
				delete(it, "secretKey")
				if h, ok := it["headers"].(obj); ok {
					for name := range h {
						h[name] = nil
					}
				}
			}
			return items
		}},
}

// TestDixaExamplesFitNewSchemas checks, for every example of an endpoint
// of the streams in moreExamples, that each record the tap makes of it
// projects through the stream's schema without adding a field or widening
// one (the schema stays as it is), with every value kept (date-times
// normalised, and only where declared a single value made a list), and
// that the output validates against the schema.
func TestDixaExamplesFitNewSchemas(t *testing.T) {
	for _, ex := range moreExamples {
		full, validator := streamSchema(t, ex.stream)
		files, err := filepath.Glob(filepath.Join("testdata", "dixa-examples", ex.glob))
		require.NoError(t, err)
		require.NotEmpty(t, files, ex.glob)
		for _, file := range files {
			name := ex.stream + " " + filepath.Base(file)
			var added, widened []string
			p := record.New(full, nil, func(path string) { added = append(added, path) })
			p.OnWiden(func(path, change string) { widened = append(widened, path+": "+change) })
			p.Strict(ex.keys...)

			recs := ex.records(t, readExample(t, file))
			require.NotEmpty(t, recs, name)
			for i, rec := range recs {
				in, err := json.Marshal(rec)
				require.NoError(t, err)
				out, err := p.Project(nil, in)
				require.NoError(t, err, "%s record %d", name, i)

				got := decodeNumbers(t, out)
				assert.Empty(t, diffKept(decodeNumbers(t, in), got, "", ex.wraps), "%s record %d: %s", name, i, out)
				assert.NoError(t, validator.Validate(got), "%s record %d: %s", name, i, out)
				for _, k := range ex.keys {
					assert.NotNil(t, got.(obj)[k], "%s record %d: key %s", name, i, k)
				}
			}
			assert.Empty(t, added, "%s: fields Dixa documents that the schema of %s lacks", name, ex.stream)
			assert.Empty(t, widened, "%s: fields the schema of %s declares narrower than Dixa sends", name, ex.stream)
			assert.Zero(t, p.Version(), "%s: the schema changed", name)
		}
	}
}

// TestNewSchemasTakeSpecShapes projects values the spec declares where its
// examples show another shape (or show nothing), and values the tap's
// transformation produces, and checks the output, that nothing was added
// or widened, and that it validates.
func TestNewSchemasTakeSpecShapes(t *testing.T) {
	for _, tc := range []struct{ stream, in, want string }{
		// Spec: BusinessHourRegular.businessHourType and .status are
		// oneOf empty objects; the example sends "Regular" and "Open".
		// An object is kept as its JSON text.
		{"business_hours", `{"id":"s","businessHours":[{"name":"Monday","businessHourType":{"Regular":{}},"status":{"Open":{}},"intervals":[]}]}`,
			`{"id":"s","businessHours":[{"name":"Monday","businessHourType":"{\"Regular\":{}}","status":"{\"Open\":{}}","intervals":[]}]}`},
		// Spec: BusinessHourException.recurring.holiday {type: string}; no example.
		{"business_hours", `{"id":"s","exceptions":[{"name":"Easter","businessHourType":"Holiday","recurring":{"holiday":"Easter"},"startDate":"2026-04-05","nextDate":"2027-03-28"}]}`,
			`{"id":"s","exceptions":[{"name":"Easter","businessHourType":"Holiday","recurring":{"holiday":"Easter"},"startDate":"2026-04-05","nextDate":"2027-03-28"}]}`},
		// Spec: EmailAutoReply.createdAt and lastEditedAt {type: string}:
		// normalised where they parse, else kept.
		{"templates", `{"id":"t","createdAt":"2017-09-27T14:27:54.371+00:00","lastEditedAt":"27/09/2017"}`,
			`{"id":"t","createdAt":"2017-09-27T14:27:54.371Z","lastEditedAt":"27/09/2017"}`},
		// Spec: CustomAttribute.value, a Select attribute: a list.
		{"end_user_custom_attributes", `{"end_user_id":"u","id":"a","value":["x","y"]}`,
			`{"end_user_id":"u","id":"a","value":["x","y"]}`},
		// Spec: MetricRecord.value and fields[].field are FieldType, any of
		// 9 variants; copied whole.
		{"analytics_records", `{"record_id":"r","key":"k","primary_timestamp":"2023-04-21T10:23:01.293Z","primaryTimestampField":{"name":"created_at","timestamp":"2023-04-21T10:23:01.293Z"},` +
			`"value":{"values":[{"value":1.5,"_type":"DoubleField"}],"_type":"ListField"},"fields":[{"name":"t","field":{"name":"closed_at","timestamp":"2023-04-21T10:23:01.293Z","_type":"TimestampField"}},{"name":"i","field":{"value":"2023-04-21T10:23:01Z","_type":"InstantField"}}]}`,
			`{"record_id":"r","key":"k","primary_timestamp":"2023-04-21T10:23:01.293Z","primaryTimestampField":{"name":"created_at","timestamp":"2023-04-21T10:23:01.293Z"},` +
				`"value":{"values":[{"value":1.5,"_type":"DoubleField"}],"_type":"ListField"},"fields":[{"name":"t","field":{"name":"closed_at","timestamp":"2023-04-21T10:23:01.293Z","_type":"TimestampField"}},{"name":"i","field":{"value":"2023-04-21T10:23:01Z","_type":"InstantField"}}]}`},
		// Spec: Message.attributes, a PhoneAttributes with "to" a string
		// (the example sends a number); any variant is copied whole.
		{"conversation_messages", `{"conversation_id":1,"id":"m","createdAt":"2021-12-01T12:50:36.581Z[GMT]","attributes":{"from":"+1","to":"+2","_type":"PhoneAttributes"}}`,
			`{"conversation_id":1,"id":"m","createdAt":"2021-12-01T12:50:36.581Z","attributes":{"from":"+1","to":"+2","_type":"PhoneAttributes"}}`},
		// Spec: WebhookSubscription.filters, a map keyed by event type;
		// the tap's headers have every value null.
		{"webhooks", `{"id":"w","headers":{"Authorization":null,"X-Other":null},"filters":{"Agent":{"strategy":"Any","conditions":[{"field":"QueueId","values":["q"],"_type":"IsOneOf"}],"_type":"CombinedFilters"}}}`,
			`{"id":"w","headers":{"Authorization":null,"X-Other":null},"filters":{"Agent":{"strategy":"Any","conditions":[{"field":"QueueId","values":["q"],"_type":"IsOneOf"}],"_type":"CombinedFilters"}}}`},
		// A root category: no parent.
		{"knowledge_categories", `{"collection_id":"c","parent_category_id":null,"id":"k","title":{"languageId":"en","title":"T"},"articles":[]}`,
			`{"collection_id":"c","parent_category_id":null,"id":"k","title":{"languageId":"en","title":"T"},"articles":[]}`},
		// Spec: Article.translation.published is optional.
		{"knowledge_articles", `{"id":"a","translation":{"draft":{"language":"en","createdAt":"2021-12-01T12:46:36.581Z[GMT]"}},"restrictions":{"isRestricted":false,"inheritedRestrictions":[{"fromCategory":"k"}]}}`,
			`{"id":"a","translation":{"draft":{"language":"en","createdAt":"2021-12-01T12:46:36.581Z"}},"restrictions":{"isRestricted":false,"inheritedRestrictions":[{"fromCategory":"k"}]}}`},
		// A flow of a channel only the response enum names.
		{"flows", `{"id":"f","name":"SMS flow","channel":"Sms","contactEndpointId":"+4511223344"}`,
			`{"id":"f","name":"SMS flow","channel":"Sms","contactEndpointId":"+4511223344"}`},
	} {
		full, v := streamSchema(t, tc.stream)
		var added, widened []string
		p := record.New(full, nil, func(path string) { added = append(added, path) })
		p.OnWiden(func(path, change string) { widened = append(widened, path+": "+change) })
		out, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(out))
		assert.Empty(t, added, tc.in)
		assert.Empty(t, widened, tc.in)
		assert.NoError(t, v.Validate(decodeNumbers(t, out)), tc.in)
	}
}

// TestNewSchemasKeys checks that each key property of the streams in
// moreExamples is declared, required and never null.
func TestNewSchemasKeys(t *testing.T) {
	for _, ex := range moreExamples {
		full, _ := streamSchema(t, ex.stream)
		var required []string
		for _, kw := range full.Extra {
			if kw.Name == "required" {
				require.NoError(t, json.Unmarshal(kw.Value, &required), ex.stream)
			}
		}
		for _, k := range ex.keys {
			n := full.Property(k)
			if assert.NotNil(t, n, "%s: key %s not declared", ex.stream, k) {
				assert.NotEmpty(t, n.Types, "%s: key %s", ex.stream, k)
				assert.False(t, n.HasType("null"), "%s: key %s is nullable", ex.stream, k)
			}
			assert.Contains(t, required, k, "%s: key %s not required", ex.stream, k)
		}
	}
}

// readExample decodes an example file, numbers as json.Number.
func readExample(t *testing.T, file string) obj {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	body, ok := decodeNumbers(t, b).(obj)
	require.True(t, ok, "%s is not a JSON object", file)
	return body
}

func decodeNumbers(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v))
	return v
}

// dataItems returns the items of "data", or "data" itself when it is one
// object.
func dataItems(t *testing.T, body obj) []obj {
	t.Helper()
	switch d := body["data"].(type) {
	case obj:
		return []obj{d}
	case []any:
		return objects(t, d)
	}
	t.Fatalf("data is neither an object nor a list: %v", body["data"])
	return nil
}

func objects(t *testing.T, list []any) []obj {
	t.Helper()
	out := make([]obj, 0, len(list))
	for _, x := range list {
		o, ok := x.(obj)
		require.True(t, ok, "an item is not an object: %v", x)
		out = append(out, o)
	}
	return out
}

func withParent(items []obj, key string, id any) []obj {
	for _, it := range items {
		it[key] = id
	}
	return items
}

// diffKept lists where out does not hold in's value at path: members,
// elements and scalars must be equal, except that a string out may be the
// normalised form of a date-time in, and at a path named by wraps a value
// that is not a list may come as a list of that one value.
func diffKept(in, out any, path string, wraps []string) []string {
	if _, isList := in.([]any); !isList && in != nil && slices.Contains(wraps, path) {
		if l, ok := out.([]any); ok && len(l) == 1 {
			return diffKept(in, l[0], path+"[]", nil)
		}
	}
	switch in := in.(type) {
	case obj:
		o, ok := out.(obj)
		if !ok {
			return []string{fmt.Sprintf("%s: an object became %v", path, out)}
		}
		var diffs []string
		names := make([]string, 0, len(in)+len(o))
		for k := range in {
			names = append(names, k)
		}
		for k := range o {
			if _, ok := in[k]; !ok {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			iv, inHas := in[k]
			ov, outHas := o[k]
			switch {
			case !outHas:
				diffs = append(diffs, sub+": dropped")
			case !inHas:
				diffs = append(diffs, sub+": added")
			default:
				diffs = append(diffs, diffKept(iv, ov, sub, wraps)...)
			}
		}
		return diffs
	case []any:
		l, ok := out.([]any)
		if !ok || len(l) != len(in) {
			return []string{fmt.Sprintf("%s: %v became %v", path, in, out)}
		}
		var diffs []string
		for i := range in {
			diffs = append(diffs, diffKept(in[i], l[i], path+"[]", wraps)...)
		}
		return diffs
	case string:
		if s, ok := out.(string); ok {
			if s == in {
				return nil
			}
			if n, err := record.NormalizeDateTime(in); err == nil && n == s {
				return nil
			}
		}
	default: // json.Number (compared by its digits), bool, nil
		if in == out {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: %v became %v", path, in, out)}
}
