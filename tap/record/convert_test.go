package record

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const convertSchema = `{
  "type": "object",
  "properties": {
    "to": {"type": ["null", "array"], "items": {"type": ["null", "string"]}},
    "any": {"type": ["null", "array"]},
    "filters": {"type": ["null", "string"]},
    "at": {"type": ["null", "string"], "format": "date-time"},
    "n": {"type": ["null", "integer"]},
    "tags_info": {"type": ["null", "array"], "items": {"type": ["null", "object"], "x-scalar-property": "name",
      "properties": {"id": {"type": ["null", "string"]}, "name": {"type": ["null", "string"]}}}},
    "values": {"type": ["null", "array"], "items": {"type": ["null", "object"], "properties": {
      "value": {"type": ["null", "array"], "items": {"type": ["null", "string"]}}}}}
  }
}`

func TestProjectConvertsLosslessly(t *testing.T) {
	p := New(mustParse(t, convertSchema), nil, nil, "to")
	for _, tc := range []struct{ in, want string }{
		// A single value where a list is declared becomes a one-element list.
		{`{"to":"a@x"}`, `{"to":["a@x"]}`},
		{`{"to":["a@x","b@x"]}`, `{"to":["a@x","b@x"]}`},
		{`{"to":[]}`, `{"to":[]}`},
		{`{"to":null}`, `{"to":null}`},
		{`{"to":4512345678}`, `{"to":["4512345678"]}`},
		{`{"any":{"k": 1}}`, `{"any":[{"k":1}]}`},
		{`{"values":[{"value":{"a":1}}]}`, `{"values":[{"value":["{\"a\":1}"]}]}`},
		{`{"values":[{"value":"one"},{"value":["a","b"]},{"value":null}]}`, `{"values":[{"value":["one"]},{"value":["a","b"]},{"value":null}]}`},
		// A list or object where a string is declared becomes its compact JSON text.
		{`{"filters":[{"_type": "ChannelFilter", "isMatched": false}]}`, `{"filters":"[{\"_type\":\"ChannelFilter\",\"isMatched\":false}]"}`},
		{`{"filters":{"q":"say \"hi\" \\ \u00e9"}}`, `{"filters":"{\"q\":\"say \\\"hi\\\" \\\\ \\u00e9\"}"}`},
		{`{"to":[{"a":1}]}`, `{"to":["{\"a\":1}"]}`},
		{`{"filters":"ChannelFilter"}`, `{"filters":"ChannelFilter"}`},
		// A number or boolean where a string is declared becomes its JSON text.
		{`{"filters":1.50}`, `{"filters":"1.50"}`},
		{`{"filters":true}`, `{"filters":"true"}`},
		// A scalar where an object with x-scalar-property is declared.
		{`{"tags_info":["vip",{"id":"1","name":"x"},null]}`, `{"tags_info":[{"name":"vip"},{"id":"1","name":"x"},null]}`},
	} {
		out, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(out), tc.in)
		require.True(t, json.Valid(out), tc.in)
	}
	// The JSON text decodes back to the value Dixa sent.
	in := `{"filters":[{"a":"x\"y\\z","b":[1,2.5,null]}]}`
	out, err := p.Project(nil, []byte(in))
	require.NoError(t, err)
	var got struct{ Filters string }
	require.NoError(t, json.Unmarshal(out, &got))
	var sent struct{ Filters any }
	require.NoError(t, json.Unmarshal([]byte(in), &sent))
	var back any
	require.NoError(t, json.Unmarshal([]byte(got.Filters), &back))
	assert.Equal(t, sent.Filters, back)

	// The captured value is the converted one.
	_, err = p.Project(nil, []byte(`{"to":"c@x"}`))
	require.NoError(t, err)
	assert.Equal(t, `["c@x"]`, string(p.Captured(0)))

	// What no conversion fits fails in a Strict field (elsewhere it widens
	// the schema, see grow_test.go).
	p.Strict("n", "at")
	for _, tc := range []struct{ in, want string }{
		{`{"n":"7"}`, `field "n" must be null or integer, found string`},
		{`{"at":5}`, `field "at" must be null or string, found integer`},
		{`{"at":"soon"}`, `field "at" is not a date-time: "soon"`},
	} {
		_, err := p.Project(nil, []byte(tc.in))
		if assert.Error(t, err, tc.in) {
			assert.Equal(t, tc.want, err.Error(), tc.in)
		}
	}
	assert.Equal(t, 0, p.Version())
}

// BenchmarkProjectConvert projects a record whose "to" is a string where a
// list is declared and whose "filters" is a list where a string is.
func BenchmarkProjectConvert(b *testing.B) {
	p := New(mustParse(b, convertSchema), nil, nil)
	rec := []byte(`{"to":"x@example.com","filters":[{"_type":"ChannelFilter","isMatched":false}],"tags_info":["vip"],"n":1}`)
	var out []byte
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		out, _ = p.Project(out[:0], rec)
	}
}
