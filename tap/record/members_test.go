package record_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
	"github.com/tap-dixa/tap-dixa/tap/record"
	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// both projects the records of the JSON array body with Project and with
// ProjectMembers, each through a projector of its own, and fails if they
// differ in anything: output, error, captured values, schema growth,
// reports.
//
// It does so twice: with every field selected, and with every other
// top-level field of the schema left out, so that kept members lie between
// dropped ones.
func both(t testing.TB, full *schema.Node, body []byte, capture ...string) {
	t.Helper()
	some := full.Clone()
	some.Properties = some.Properties[:0]
	for i, prop := range full.Properties {
		if i%2 == 0 || slices.Contains(capture, prop.Name) {
			some.Properties = append(some.Properties, prop)
		}
	}
	for _, selected := range []*schema.Node{nil, some} {
		bothSelected(t, full, selected, body, capture...)
	}
}

func bothSelected(t testing.TB, full, selected *schema.Node, body []byte, capture ...string) {
	t.Helper()
	var reports [2][]string
	var ps [2]*record.Projector
	for i := range ps {
		ps[i] = record.New(full, selected, func(path string) { reports[i] = append(reports[i], "new "+path) }, capture...)
		ps[i].OnWiden(func(path, change string) { reports[i] = append(reports[i], "widen "+path+" "+change) })
		ps[i].OnInvalidUTF8(func(path string) { reports[i] = append(reports[i], "utf8 "+path) })
	}
	dec := jsonarray.NewDecoder(bytes.NewReader(body))
	for n := 0; ; n++ {
		rec, err := dec.Next()
		if err != nil {
			break
		}
		a, errA := ps[0].Project(nil, rec)
		b, errB := ps[1].ProjectMembers(nil, rec, dec.Members(), dec.Compact())
		if fmt.Sprint(errA) != fmt.Sprint(errB) || !bytes.Equal(a, b) {
			t.Fatalf("record %d %q:\nProject        %q, %v\nProjectMembers %q, %v (compact %v)", n, rec, a, errA, b, errB, dec.Compact())
		}
		for c := range capture {
			if !bytes.Equal(ps[0].Captured(c), ps[1].Captured(c)) {
				t.Fatalf("record %d: captured %s: %q vs %q", n, capture[c], ps[0].Captured(c), ps[1].Captured(c))
			}
		}
	}
	if ps[0].Version() != ps[1].Version() || fmt.Sprint(reports[0]) != fmt.Sprint(reports[1]) {
		t.Fatalf("reports differ: %v vs %v", reports[0], reports[1])
	}
	sa, _ := json.Marshal(ps[0].Schema())
	sb, _ := json.Marshal(ps[1].Schema())
	if !bytes.Equal(sa, sb) {
		t.Fatalf("schemas differ:\n%s\n%s", sa, sb)
	}
}

// Every documented example of Dixa, plain and with odd values, comes out
// of ProjectMembers exactly as out of Project.
func TestProjectMembersIsProject(t *testing.T) {
	files, err := filepath.Glob("testdata/dixa-examples/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, stream := range []string{"conversations", "messages", "activity_logs", "agents", "end_users", "conversation_messages", "analytics_records", "templates"} {
		full, _ := streamSchema(t, stream)
		for _, file := range files {
			items := exampleItems(t, file)
			body, err := json.Marshal(items)
			require.NoError(t, err)
			both(t, full, body, "id", "created_at")
		}
	}
	// Values of unexpected types, new fields, white space, invalid UTF-8,
	// repeated keys, against the messages schema.
	odd := `[{"id":"m1","csid":1,"to":"solo","attached_files":"one","created_at":1.5,"open":{"a":[1, 2]}},
		{"id":2,"csid":2.0,"text":7,"extra":{"k":[null,"v"]},"created_at":1704067200000},
		{"id":"m3", "text" : "a` + "\xff" + `b", "nested" : { "a" : 1 } , "cc" : [ "t" ], "created_at" : -1 },
		{"id":"m4","cc":null,"text":null,"extra":"now a string","bcc":"x@y","created_at":"2024-01-01"},
		{},{"id":"m5","id":"m6","is_automated":"yes","duration":1e3}]`
	messages, _ := streamSchema(t, "messages")
	both(t, messages, []byte(odd), "id", "created_at")
	// Items that take strings only: a null among them widens the schema.
	strict, err := schema.Parse([]byte(`{"type":"object","properties":{"id":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}}}}`))
	require.NoError(t, err)
	both(t, strict, []byte(`[{"id":"a","tags":["x","y"]},{"id":"b","tags":["x",null]},{"id":"c","tags":[null]}]`), "id")

	// Scalars of a type a field does not declare, nulls and booleans among
	// them, each first as a record's only such member and then next to
	// others: each widens the schema, the same way on both paths.
	narrow, err := schema.Parse([]byte(`{"type":"object","properties":{"id":{"type":"string"},"s":{"type":"string"},` +
		`"b":{"type":"boolean"},"i":{"type":"integer"},"n":{"type":"number"},"at":{"type":"string","format":"date-time"}}}`))
	require.NoError(t, err)
	for _, v := range []string{`null`, `true`, `false`, `"x"`, `1`, `1.5`, `"2024-01-01T00:00:00Z"`} {
		var body bytes.Buffer
		body.WriteString("[")
		for i, name := range []string{"s", "b", "i", "n", "at"} {
			fmt.Fprintf(&body, `{"id":"%d","%s":%s},`, i, name, v)
		}
		fmt.Fprintf(&body, `{"id":"all","s":%[1]s,"b":%[1]s,"i":%[1]s,"n":%[1]s,"at":%[1]s}]`, v)
		both(t, narrow, body.Bytes(), "id")
	}
}

// FuzzProjectMembers holds ProjectMembers to Project on any valid input.
func FuzzProjectMembers(f *testing.F) {
	for _, s := range []string{`[{"id":1,"name":"x","ratings":[{"rating_score":1}],"open":{"a":[1,2]}}]`,
		`[{"id":1.5,"to":"x","tags":[null]},{"id":"a","name":{"a":1}}]`, "[{\"name\":\"a\xffb\",\"n\":1e3,\"nested\":true}]",
		// Names of 8, 15, 16, 17 bytes changing in their last byte from one
		// record to the next at the same position; short names at the very
		// end of a record; white space between some members only.
		`[{"id":"a","from_phone_numbe":"1","voicemail_url":null,"to_phone_number":"2","text":"t","b":1},` +
			`{"id":"b","from_phone_numbx":"1","voicemail_urx":null,"to_phone_numbex":"2","text":"t","b":1},` +
			`{"id":"c","from_phone_number":"1", "voicemail_url":null ,"to_phone_number":"2","text" :"t","a":1}]`,
		// Names of 17 to 24 bytes that differ in one byte past the 16th;
		// a member left out, one added, two orders taking turns.
		`[{"id":"a","chat_input_question":"q","is_automated_message":true,"text":"x"},` +
			`{"id":"b","chat_input_questioN":"q","is_automated_messagE":true,"text":"x"},` +
			`{"id":"c","is_automated_message":true,"text":"x"},` +
			`{"id":"d","new":1,"chat_input_question":"q","is_automated_message":true,"text":"x"},` +
			`{"id":"e","text":"x","chat_input_question":"q"},{"id":"f","chat_input_question":"q","text":"x"},` +
			`{"id":"g","text":"x","chat_input_question":"q"},{"id":"h","cc":[],"from":"f","to":null}]`,
		// Arrays of strings copied as they are, or not: nulls, escapes,
		// white space, numbers, nested arrays; open objects with and without
		// white space.
		`[{"to":["a","b\"c\\",null],"cc":[ "x"],"bcc":[1],"attached_files":[],"form_submission":{"a":[1, 2]}},` +
			`{"to":[["a"]],"cc":["x",{}],"bcc":["\\"],"attached_files":[null,null],"form_submission":{"a":[1,2]}}]`,
		// An open object that holds a list or a scalar instead.
		`[{"form_submission":[]},{"form_submission":"x"},{"form_submission":[ 1]},{"form_submission":{"a": 1}},{"form_submission":true}]`} {
		f.Add([]byte(s))
	}
	raw, err := os.ReadFile("../../schemas/messages.json")
	require.NoError(f, err)
	full, err := schema.Parse(raw)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		both(t, full, in, "id", "created_at")
	})
}

// FuzzProjectAnySchema is FuzzProjectMembers against every stream's
// schema: the input's first byte picks the schema, the rest is the body.
// Records of one stream in the shapes of another reach fields of every
// kind: open objects and arrays, date-times, nested objects, scalars.
func FuzzProjectAnySchema(f *testing.F) {
	files, err := filepath.Glob("../../schemas/*.json")
	require.NoError(f, err)
	require.NotEmpty(f, files)
	var schemas []*schema.Node
	for _, file := range files {
		raw, err := os.ReadFile(file)
		require.NoError(f, err)
		s, err := schema.Parse(raw)
		require.NoError(f, err)
		schemas = append(schemas, s)
	}
	examples, err := filepath.Glob("testdata/dixa-examples/*.json")
	require.NoError(f, err)
	for i, file := range examples {
		body, err := json.Marshal(exampleItems(f, file))
		require.NoError(f, err)
		f.Add(append([]byte{byte(i)}, body...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 || !json.Valid(in[1:]) {
			return
		}
		both(t, schemas[int(in[0])%len(schemas)], in[1:], "id")
	})
}
