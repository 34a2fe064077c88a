package record

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validate checks that rec matches the Projector's current schema.
func validate(t *testing.T, p *Projector, rec []byte) {
	t.Helper()
	s, err := json.Marshal(p.Schema())
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	require.NoError(t, c.AddResource("mem://s.json", bytes.NewReader(s)))
	v, err := c.Compile("mem://s.json")
	require.NoError(t, err, string(s))
	var doc any
	d := json.NewDecoder(bytes.NewReader(rec))
	d.UseNumber()
	require.NoError(t, d.Decode(&doc))
	require.NoError(t, v.Validate(doc), "%s\n%s", rec, s)
}

func schemaOf(t *testing.T, p *Projector, field string) string {
	t.Helper()
	b, err := json.Marshal(p.Schema().Property(field))
	require.NoError(t, err)
	return string(b)
}

func TestProjectAddsUnknownFields(t *testing.T) {
	var added []string
	p := New(mustParse(t, testSchema), nil, func(path string) { added = append(added, path) })
	for _, tc := range []struct{ in, want string }{
		{`{"id":1,"s":"x","i":2,"f":2.5,"b":false,"z":null,"o":{"k":"v","deep":{"n":1}},"l":[{"a":1},{"a":2,"b":"x"}],"e":[],"eo":{}}`, ""},
		// A second record with the same new fields sends no new schema...
		{`{"id":2,"s":"y","i":3,"o":{"k":"w"},"l":[{"b":"y"}]}`, ""},
		// ...but new members of them, or new types, do.
		{`{"id":3,"z":"now a string","o":{"k2":true},"e":[1],"eo":{"x":1}}`, ""},
		{`{"id":4,"nested":{"a":1,"new":[1,2]},"ratings":[{"rating_score":1,"extra":{"q":1}}]}`, ""},
	} {
		v := p.Version()
		out, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.JSONEq(t, tc.in, string(out), "every value is kept")
		validate(t, p, out)
		if tc.in[6] == '2' {
			assert.Equal(t, v, p.Version(), "nothing new, no new schema")
		} else {
			assert.NotEqual(t, v, p.Version())
		}
	}
	assert.Equal(t, []string{"s", "i", "f", "b", "z", "o", "l", "e", "eo", "nested.new", "ratings[].extra"}, added,
		"one report per field; members of new fields are part of them")
	assert.JSONEq(t, `{"type":["null","string"]}`, schemaOf(t, p, "s"))
	assert.JSONEq(t, `{"type":["null","integer"]}`, schemaOf(t, p, "i"))
	assert.JSONEq(t, `{"type":["null","number"]}`, schemaOf(t, p, "f"))
	assert.JSONEq(t, `{"type":["null","boolean"]}`, schemaOf(t, p, "b"))
	assert.JSONEq(t, `{"type":["null","string"]}`, schemaOf(t, p, "z"))
	assert.JSONEq(t, `{"type":["null","object"],"properties":{"k":{"type":["null","string"]},"deep":{"type":["null","object"],"properties":{"n":{"type":["null","integer"]}}},"k2":{"type":["null","boolean"]}}}`, schemaOf(t, p, "o"))
	assert.JSONEq(t, `{"type":["null","array"],"items":{"type":["null","object"],"properties":{"a":{"type":["null","integer"]},"b":{"type":["null","string"]}}}}`, schemaOf(t, p, "l"))
	assert.JSONEq(t, `{"type":["null","array"],"items":{"type":["null","integer"]}}`, schemaOf(t, p, "e"))
	assert.JSONEq(t, `{"type":["null","object"],"properties":{"x":{"type":["null","integer"]}}}`, schemaOf(t, p, "eo"))
	assert.JSONEq(t, `{"type":["null","array"],"items":{"type":["null","integer"]}}`, string(must(json.Marshal(p.Schema().Property("nested").Property("new")))))
	assert.JSONEq(t, `{"type":["null","object"],"properties":{"q":{"type":["null","integer"]}}}`, string(must(json.Marshal(p.Schema().Property("ratings").Items.Property("extra")))))
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestProjectWidens(t *testing.T) {
	const s = `{"type":"object","properties":{
	  "id": {"type":"integer"},
	  "n": {"type":["null","integer"]},
	  "req": {"type":"string"},
	  "ok": {"type":["null","boolean"]},
	  "obj": {"type":["null","object"],"properties":{"a":{"type":["null","integer"]}}},
	  "objs": {"type":["null","array"],"items":{"type":["null","object"],"properties":{"a":{"type":["null","integer"]}}}},
	  "ints": {"type":["null","array"],"items":{"type":["null","integer"]}},
	  "at": {"type":["null","string"],"format":"date-time"}
	}}`
	var widened []string
	p := New(mustParse(t, s), nil, nil)
	p.OnWiden(func(path, change string) { widened = append(widened, path+": "+change) })
	p.Strict("id")
	for _, tc := range []struct{ in, want, schema string }{
		// A scalar of another type: its type is added.
		{`{"n":"7"}`, `{"n":"7"}`, `{"type":["null","integer","string"]}`},
		{`{"n":true}`, `{"n":"true"}`, `{"type":["null","integer","string"]}`}, // then conversion 3 applies
		{`{"ok":1.5}`, `{"ok":1.5}`, `{"type":["null","boolean","number"]}`},
		{`{"req":null}`, `{"req":null}`, `{"type":["string","null"]}`},
		// A list or object where scalars are declared: "string", JSON text.
		{`{"ok":{"x":1}}`, `{"ok":"{\"x\":1}"}`, `{"type":["null","boolean","number","string"]}`},
		{`{"ok":[true]}`, `{"ok":"[true]"}`, `{"type":["null","boolean","number","string"]}`},
		{`{"ok":true}`, `{"ok":true}`, `{"type":["null","boolean","number","string"]}`},
		// A scalar or list where an object is declared: a member "value".
		{`{"obj":"x"}`, `{"obj":{"value":"x"}}`, `{"type":["null","object"],"properties":{"a":{"type":["null","integer"]},"value":{"type":["null","string"]}},"x-scalar-property":"value"}`},
		{`{"obj":[1,2]}`, `{"obj":{"value":"[1,2]"}}`, `{"type":["null","object"],"properties":{"a":{"type":["null","integer"]},"value":{"type":["null","string"]}},"x-scalar-property":"value"}`},
		{`{"obj":{"a":1}}`, `{"obj":{"a":1}}`, ``},
		// A scalar where a list of objects is declared: a list of one
		// object holding it.
		{`{"objs":5}`, `{"objs":[{"value":5}]}`, `{"type":["null","array"],"items":{"type":["null","object"],"properties":{"a":{"type":["null","integer"]},"value":{"type":["null","integer"]}},"x-scalar-property":"value"}}`},
		{`{"objs":[{"a":1},"s"]}`, `{"objs":[{"a":1},{"value":"s"}]}`, `{"type":["null","array"],"items":{"type":["null","object"],"properties":{"a":{"type":["null","integer"]},"value":{"type":["null","integer","string"]}},"x-scalar-property":"value"}}`},
		// An object where a list of integers is declared.
		{`{"ints":{"k":1}}`, `{"ints":["{\"k\":1}"]}`, `{"type":["null","array"],"items":{"type":["null","integer","string"]}}`},
		// A date-time that does not parse: the field turns lenient.
		{`{"at":"2024-01-01T00:00:00Z"}`, `{"at":"2024-01-01T00:00:00.000Z"}`, ``},
		{`{"at":"soon"}`, `{"at":"soon"}`, `{"type":["null","string"],"x-format":"date-time"}`},
		{`{"at":"2024-01-01T00:00:00Z"}`, `{"at":"2024-01-01T00:00:00.000Z"}`, ``},
		{`{"at":5}`, `{"at":"5"}`, `{"type":["null","string"],"x-format":"date-time"}`},
	} {
		out, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(out), tc.in)
		validate(t, p, out)
		if tc.schema != "" {
			var field string
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(tc.in), &m))
			for k := range m {
				field = k
			}
			assert.JSONEq(t, tc.schema, schemaOf(t, p, field), tc.in)
		}
	}
	assert.Equal(t, []string{
		`n: "string" added`, `ok: "number" added`, `req: "null" added`, `ok: "string" added, for JSON text`,
		`obj: member "value" added to hold string values`, `objs[]: member "value" added to hold integer values`,
		`ints[]: "string" added, for JSON text`, `at: "format": "date-time" relaxed to "x-format"`,
	}, widened)
	// A Strict field never widens.
	v := p.Version()
	_, err := p.Project(nil, []byte(`{"id":"7"}`))
	assert.EqualError(t, err, `field "id" must be integer, found string`)
	assert.Equal(t, v, p.Version())
}

// No field ever mixes a list or an object with a scalar, whatever comes.
func TestProjectNeverMixesListOrObjectWithScalar(t *testing.T) {
	p := New(mustParse(t, `{"type":"object","properties":{}}`), nil, nil)
	for _, in := range []string{
		`{"a":1,"b":{"x":1},"c":[1],"d":null,"e":[{"k":1}]}`,
		`{"a":{"y":2},"b":"s","c":{"z":1},"d":[1],"e":[1,"x",[2]]}`,
		`{"a":[3],"b":[1],"c":"t","d":{"q":1},"e":"str"}`,
		`{"a":null,"b":5,"c":[[1],{"k":1}],"d":"x","e":[{"k":[1]}]}`,
	} {
		out, err := p.Project(nil, []byte(in))
		require.NoError(t, err, in)
		validate(t, p, out)
	}
	var walk func(path string, n map[string]any)
	walk = func(path string, n map[string]any) {
		types, _ := n["type"].([]any)
		composite, scalar := false, false
		for _, ty := range types {
			switch ty {
			case "object", "array":
				composite = true
			case "null":
			default:
				scalar = true
			}
		}
		assert.False(t, composite && scalar, "%s mixes: %v", path, types)
		if props, ok := n["properties"].(map[string]any); ok {
			for k, v := range props {
				walk(path+"."+k, v.(map[string]any))
			}
		}
		if items, ok := n["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
	}
	var root map[string]any
	require.NoError(t, json.Unmarshal(must(json.Marshal(p.Schema())), &root))
	walk("", root)
}

// An object the schema leaves open (form_submission: {"type": ["null",
// "object"]}) that holds a list or a scalar instead keeps it under a
// member "value", as an object with properties does, and stays open: its
// objects are still copied as they are, with no field reported as new.
// Until this was fixed, such a value made the projector panic (found by
// FuzzProjectMembers, whose seeds now hold such records).
func TestProjectWidensOpenObject(t *testing.T) {
	full := mustParse(t, `{"type":"object","properties":{"form":{"type":["null","object"]}}}`)
	var added []string
	p := New(full, nil, func(path string) { added = append(added, path) })
	for _, tc := range []struct{ in, want string }{
		{`{"form":{"a": 1}}`, `{"form":{"a":1}}`},
		{`{"form":[]}`, `{"form":{"value":[]}}`},
		{`{"form":["x",{"k":1}]}`, `{"form":{"value":["x","{\"k\":1}"]}}`},
		{`{"form":"x"}`, `{"form":{"value":["x"]}}`},
		{`{"form":{"b":[1],"value":2}}`, `{"form":{"b":[1],"value":2}}`},
		{`{"form":null}`, `{"form":null}`},
	} {
		out, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(out), tc.in)
	}
	assert.Empty(t, added)
	assert.JSONEq(t, `{"type":["null","object"],"properties":{"value":{"type":["null","array"],"items":{"type":["null","string"]}}},"x-scalar-property":"value"}`,
		schemaOf(t, p, "form"))
}

// An integer fits a field that takes numbers, nested or not: it is no
// reason to widen the schema (Project once added "integer" there, and sent
// a SCHEMA for it, where ProjectMembers did not; found by
// FuzzProjectMembers).
func TestProjectIntegerFitsNumber(t *testing.T) {
	full := mustParse(t, `{"type":"object","properties":{"n":{"type":["null","number"]},`+
		`"o":{"type":["null","object"],"properties":{"m":{"type":["null","number"]}}}}}`)
	var widened []string
	p := New(full, full.Clone(), func(string) {})
	p.OnWiden(func(path, change string) { widened = append(widened, path+" "+change) })
	for _, in := range []string{`{"n":0.5,"o":{"m":1.5}}`, `{"n":0,"o":{"m":7}}`, `{"n":-3,"o":{"m":10000000000000000000000}}`,
		`{"new":0.5}`, `{"new":2}`} { // a field the schema lacks, once it takes numbers
		out, err := p.Project(nil, []byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, in, string(out))
	}
	assert.Empty(t, widened)
	assert.Equal(t, 2, p.Version(), "the new field, then its first type; no more")
}
