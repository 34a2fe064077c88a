package record

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

const testSchema = `{
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "name": {"type": ["null", "string"]},
    "score": {"type": ["null", "number"]},
    "ok": {"type": ["null", "boolean"]},
    "tags": {"type": ["null", "array"], "items": {"type": ["null", "string"]}},
    "to": {"type": ["null", "string", "array"], "items": {"type": ["null", "string"]}},
    "ratings": {"type": ["null", "array"], "items": {"type": ["null", "object"], "properties": {
      "rating_score": {"type": ["null", "integer"]},
      "rating_type": {"type": ["null", "string"]}
    }}},
    "nested": {"type": ["null", "object"], "properties": {"a": {"type": ["null", "integer"]}, "b": {"type": ["null", "string"]}}},
    "open": {"type": ["null", "object"]}
  }
}`

func mustParse(t testing.TB, s string) *schema.Node {
	t.Helper()
	n, err := schema.Parse([]byte(s))
	require.NoError(t, err)
	return n
}

func TestProjectKeepsFieldsExactly(t *testing.T) {
	var added []string
	p := New(mustParse(t, testSchema), nil, func(path string) { added = append(added, path) }, "id", "name")
	in := `{"id": 9007199254740993, "name": "<b>é 日本 😀</b>\"q\"", "extra": {"x": [1, 2]},
	  "ratings": [{"rating_score": 5, "new_field": true}, null], "to": ["a@x", "b@x"], "score": 1.50,
	  "nested": {"a": 1, "c": 2}, "open": {"any": {"deep": [1, {"k": "v v"}]}}}`
	out, err := p.Project(nil, []byte(in))
	require.NoError(t, err)
	assert.Equal(t, `{"id":9007199254740993,"name":"<b>é 日本 😀</b>\"q\"","extra":{"x":[1,2]},"ratings":[{"rating_score":5,"new_field":true},null],"to":["a@x","b@x"],"score":1.50,"nested":{"a":1,"c":2},"open":{"any":{"deep":[1,{"k":"v v"}]}}}`, string(out))
	assert.Equal(t, []string{"extra", "ratings[].new_field", "nested.c"}, added, "members of a new field are part of it")
	assert.Equal(t, "9007199254740993", string(p.Captured(0)))
	assert.Equal(t, `"<b>é 日本 😀</b>\"q\""`, string(p.Captured(1)))
	assert.True(t, json.Valid(out))

	// A second record carrying the same new fields reports nothing new.
	v := p.Version()
	_, err = p.Project(nil, []byte(`{"id":1,"nested":{"c":3},"ratings":[{"new_field":false}]}`))
	require.NoError(t, err)
	assert.Len(t, added, 3)
	assert.Equal(t, v, p.Version())
	assert.Nil(t, p.Captured(1), "captures are reset per record")
}

func TestProjectSelection(t *testing.T) {
	full := mustParse(t, testSchema)
	sel := full.Clone()
	sel.Properties = []schema.Property{{Name: "id", Schema: full.Property("id")}, {Name: "nested", Schema: &schema.Node{Types: []string{"object"}, Properties: []schema.Property{{Name: "b", Schema: full.Property("nested").Property("b")}}}}}
	var added []string
	p := New(full, sel, func(path string) { added = append(added, path) })
	out, err := p.Project(nil, []byte(`{"id":1,"name":"x","nested":{"a":1,"b":"y","c":true},"zzz":0}`))
	require.NoError(t, err)
	assert.Equal(t, `{"id":1,"nested":{"b":"y","c":true},"zzz":0}`, string(out))
	assert.Equal(t, []string{"nested.c", "zzz"}, added, "deselected fields are left out silently, new ones kept and reported")
	got, _ := json.Marshal(p.Schema())
	assert.JSONEq(t, `{"type":"object","properties":{"id":{"type":"integer"},"nested":{"type":["object"],"properties":{"b":{"type":["null","string"]},"c":{"type":["null","boolean"]}}},"zzz":{"type":["null","integer"]}}}`, string(got))
	assert.Nil(t, full.Property("zzz"), "the schemas given are not modified")
	assert.Nil(t, sel.Property("zzz"))
}

func TestProjectTypeErrors(t *testing.T) {
	p := New(mustParse(t, testSchema), nil, nil)
	p.Strict("id")
	for _, tc := range []struct{ in, want string }{
		{`{"id":"7"}`, `field "id" must be integer, found string`},
		{`{"id":1.5}`, `field "id" must be integer, found number`},
		{`{"id":1e3}`, `field "id" must be integer, found number`},
		{`{"id":null}`, `field "id" must be integer, found null`},
		{`{"id":[1]}`, `field "id" must be integer, found array`},
		{`[1]`, `record is not a JSON object`},
		{`"x"`, `record is not a JSON object`},
		{``, `record is not a JSON object`},
		{`{"id":1} x`, `record has data after its end`},
		{`{"id":1`, `record ends early`},
	} {
		_, err := p.Project(nil, []byte(tc.in))
		if assert.Error(t, err, tc.in) {
			assert.Equal(t, tc.want, err.Error(), tc.in)
		}
	}
	_, err := p.Project(nil, []byte(`{"score": 3}`))
	assert.NoError(t, err, "an integer is a number")
}

func TestProjectEscapedKeyAndWhitespace(t *testing.T) {
	p := New(mustParse(t, testSchema), nil, nil)
	out, err := p.Project(nil, []byte("{\n  \"\\u0069d\" : 3 ,\n \"tags\" : [ \"a b\" ,\t\"c\" ]\n}"))
	require.NoError(t, err)
	assert.Equal(t, `{"\u0069d":3,"tags":["a b","c"]}`, string(out))
	var m map[string]any
	require.NoError(t, json.Unmarshal(out, &m))
	assert.EqualValues(t, 3, m["id"])
}

// FuzzProject checks that the output is always one line of valid JSON and
// valid UTF-8, and that a value copied whole (under "open", an open object,
// or as a "tags" item) decodes to what encoding/json decodes from the
// input, invalid UTF-8 included.
func FuzzProject(f *testing.F) {
	f.Add([]byte(`{"id":1,"name":"x","ratings":[{"rating_score":1}],"open":{"a":[1,2]}}`))
	f.Add([]byte(`{"id":1,"to":"x","tags":[null]}`))
	f.Add([]byte(`{"id":1,"nested":{"a":1,"b":"\"}"}}`))
	f.Add([]byte(`{"name":[1,{"a":"\"x\\"}],"tags":"solo","nested":{"b":{"c":[true]}}}`))
	f.Add([]byte("{\"name\":\"a\xffb\",\"tags\":[\"\xed\xa0\x80\"],\"open\":{\"k\xc3\":\"\\n\xe2\x82\"}}"))
	p := New(mustParse(f, testSchema), nil, nil, "id")
	p.OnInvalidUTF8(func(string) {})
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return // the decoder upstream rejects invalid JSON
		}
		checkOutput := func(out []byte) {
			t.Helper()
			if !json.Valid(out) {
				t.Fatalf("invalid output %q from %q", out, in)
			}
			if !utf8.Valid(out) {
				t.Fatalf("output %q from %q is not valid UTF-8", out, in)
			}
			if strings.ContainsAny(string(out), "\n\r") {
				t.Fatalf("output spans lines: %q", out)
			}
		}
		out, err := p.Project(nil, in)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
		} else {
			checkOutput(out)
		}
		var want any
		if json.Unmarshal(in, &want) != nil {
			return
		}
		wrapped := []byte(`{"open":` + string(in) + `}`)
		key := "open"
		if _, isObject := want.(map[string]any); !isObject {
			wrapped, key = []byte(`{"tags":[`+string(in)+`]}`), "tags"
			if _, isString := want.(string); !isString && want != nil {
				return
			}
			want = []any{want}
		}
		out, err = p.Project(nil, wrapped)
		if err != nil {
			t.Fatalf("%s: %v", wrapped, err)
		}
		checkOutput(out)
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[key], want) {
			t.Fatalf("%q: got %#v, encoding/json decodes %#v", wrapped, got[key], want)
		}
	})
}

func BenchmarkProject(b *testing.B) {
	full := mustParse(b, testSchema)
	rec := []byte(`{"id":123456789,"name":"Some customer name with text","score":4.5,"ok":true,"tags":["a","b","c"],"to":"x@example.com","ratings":[{"rating_score":5,"rating_type":"csat"}],"nested":{"a":1,"b":"two"},"open":{"k":"v"}}`)
	p := New(full, nil, nil, "id")
	var out []byte
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		out, _ = p.Project(out[:0], rec)
	}
}

// BenchmarkProjectUTF8 is BenchmarkProject with non-ASCII text in the
// kept strings, inside an open object and in a dropped field.
func BenchmarkProjectUTF8(b *testing.B) {
	full := mustParse(b, testSchema)
	rec := []byte(`{"id":123456789,"name":"Bjørn Østergård – Zoë Ångström","score":4.5,"ok":true,"tags":["vip","ünïcödé","山田 太郎"],"to":"jose@example.com","ratings":[{"rating_score":5,"rating_type":"csat 🙏"}],"nested":{"a":1,"b":"Tak for din henvendelse! Vi vender tilbage inden for 24 timer."},"open":{"body":"こんにちは、注文番号 について問い合わせます。 😀🇩🇰","k":"v"},"extra":"Ана Петровић"}`)
	p := New(full, nil, nil, "id")
	var out []byte
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		out, _ = p.Project(out[:0], rec)
	}
}

// BenchmarkProjectLarge projects a record of about 4 KB, mostly text in an
// open object, as conversation exports carry.
func BenchmarkProjectLarge(b *testing.B) {
	full := mustParse(b, testSchema)
	var body strings.Builder
	for i := range 12 {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(`{"author":"Bjørn Østergård","text":"Hi, my order #12345 hasn't arrived yet \u2014 can you check? \"Urgent\" Tak for din henvendelse! Vi vender tilbage inden for 24 timer.","internal":false,"n":` + strings.Repeat("7", i+1) + `}`)
	}
	rec := []byte(`{"id":123456789,"name":"Some customer name with text","score":4.5,"ok":true,"tags":["a","b","c"],"to":"x@example.com","open":{"messages":[` + body.String() + `]},"nested":{"a":1,"b":"two"}}`)
	p := New(full, nil, nil, "id")
	var out []byte
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		out, _ = p.Project(out[:0], rec)
	}
}

func TestDateTimesAreNormalised(t *testing.T) {
	p := New(mustParse(t, `{"type":"object","properties":{"at":{"type":["null","string"],"format":"date-time"},"n":{"type":"object","properties":{"ts":{"type":"string","format":"date-time"}}}}}`), nil, nil)
	for in, want := range map[string]string{
		`"2021-12-01T12:46:36.581Z[GMT]"`:                    `"2021-12-01T12:46:36.581Z"`,
		`"2021-12-01T12:46:36Z"`:                             `"2021-12-01T12:46:36.000Z"`,
		`"2017-09-27T14:27:54.371+02:00"`:                    `"2017-09-27T12:27:54.371Z"`,
		`"2021-12-01T12:46:35.935"`:                          `"2021-12-01T12:46:35.935Z"`,
		`"2021-12-01T12:46:36.581+01:00[Europe/Copenhagen]"`: `"2021-12-01T11:46:36.581Z"`,
		`null`: `null`,
	} {
		out, err := p.Project(nil, []byte(`{"at":`+in+`,"n":{"ts":"2024-01-01T00:00:00Z[UTC]"}}`))
		require.NoError(t, err, in)
		assert.Equal(t, `{"at":`+want+`,"n":{"ts":"2024-01-01T00:00:00.000Z"}}`, string(out))
	}
	p.Strict("at")
	_, err := p.Project(nil, []byte(`{"at":"yesterday"}`))
	assert.EqualError(t, err, `field "at" is not a date-time: "yesterday"`)
	// Elsewhere it makes the field a lenient date-time (see grow_test.go).
	out, err := p.Project(nil, []byte(`{"n":{"ts":"yesterday"}}`))
	require.NoError(t, err)
	assert.Equal(t, `{"n":{"ts":"yesterday"}}`, string(out))
}

// A plain string field marked "x-format": "date-time" is normalised where
// it parses and kept as it came where it does not, never failing.
func TestLenientDateTimes(t *testing.T) {
	p := New(mustParse(t, `{"type":"object","properties":{"at":{"type":["null","string"],"x-format":"date-time"}}}`), nil, nil)
	for in, want := range map[string]string{
		`"2021-12-01T12:46:36.581Z[GMT]"`: `"2021-12-01T12:46:36.581Z"`,
		`"2021-12-01T12:46:35.935"`:       `"2021-12-01T12:46:35.935Z"`,
		`"1638362796581"`:                 `"1638362796581"`,
		`"2021-12-01 13:46"`:              `"2021-12-01 13:46"`,
		`"tomorrow \"9\""`:                `"tomorrow \"9\""`,
		`""`:                              `""`,
		`1638362796581`:                   `"1638362796581"`,
		`null`:                            `null`,
	} {
		out, err := p.Project(nil, []byte(`{"at":`+in+`}`))
		require.NoError(t, err, in)
		assert.Equal(t, `{"at":`+want+`}`, string(out), in)
	}
}

// The field-order cache must not mix up fields when records change order.
func TestProjectFieldOrderChanges(t *testing.T) {
	var added []string
	p := New(mustParse(t, testSchema), nil, func(path string) { added = append(added, path) }, "id", "name")
	p.Strict("id")
	for _, tc := range []struct{ in, want string }{
		{`{"id":1,"name":"a","zz":1}`, `{"id":1,"name":"a","zz":1}`},
		{`{"name":"b","id":2,"zz":1}`, `{"name":"b","id":2,"zz":1}`},
		{`{"zz":1,"id":3}`, `{"zz":1,"id":3}`},
		{`{"id":4,"name":"d","zz":1}`, `{"id":4,"name":"d","zz":1}`},
		{`{"\u0069d":5,"name":"e"}`, `{"\u0069d":5,"name":"e"}`},
		{`{"id":6,"name":"f"}`, `{"id":6,"name":"f"}`},
	} {
		out, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(out), tc.in)
		assert.NotNil(t, p.Captured(0), tc.in)
	}
	assert.Equal(t, []string{"zz"}, added)
	_, err := p.Project(nil, []byte(`{"id":"5"}`))
	assert.Error(t, err, "a cached position still checks the type")
}
