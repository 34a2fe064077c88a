package record

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// invalidStrings are JSON string contents with bytes that are not valid
// UTF-8, and what encoding/json decodes them to.
var invalidStrings = []struct{ name, in, want string }{
	{"lone continuation", "a\x80b", "a\uFFFDb"},
	{"continuations", "\x80\xbf", "\uFFFD\uFFFD"},
	{"truncated 2-byte at end", "ab\xc3", "ab\uFFFD"},
	{"truncated 3-byte", "\xe6\x97x", "\uFFFD\uFFFDx"},
	{"truncated 4-byte", "\xf0\x9f\x98", "\uFFFD\uFFFD\uFFFD"},
	{"overlong slash", "\xc0\xaf", "\uFFFD\uFFFD"},
	{"overlong 3-byte", "\xe0\x80\xaf", "\uFFFD\uFFFD\uFFFD"},
	{"overlong 4-byte", "\xf0\x80\x80\xaf", "\uFFFD\uFFFD\uFFFD\uFFFD"},
	{"surrogate D800", "\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
	{"surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
	{"above U+10FFFF", "\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
	{"5-byte form", "\xf8\x88\x80\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
	{"FE FF", "\xfe\xff", "\uFFFD\uFFFD"},
	{"Latin-1", "Bj\xf8rn \xd8sterg\xe5rd", "Bj\uFFFDrn \uFFFDsterg\uFFFDrd"},
	{"next to escapes", `\n` + "\xff" + `\"` + "\xc3" + `\\`, "\n\uFFFD\"\uFFFD\\"},
	{"before an escaped quote", "\xe2\x82" + `\"`, "\uFFFD\uFFFD\""},
	{"after a \\u escape", `\u00e9` + "\xa9", "é\uFFFD"},
	{"valid around invalid", "日本\xff語 😀\x80", "日本\uFFFD語 😀\uFFFD"},
	{"in a long ASCII run", "0123456789abcdefghijklmnopqrstuvwxyz0123456789\xffABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789abcdefghijklmnopqrstuvwxyz0123456789\uFFFDABCDEFGHIJKLMNOPQRSTUVWXYZ"},
}

// stdRoundTrip is what encoding/json makes of a JSON text: decoded, then
// encoded again without HTML escapes.
func stdRoundTrip(t *testing.T, in []byte) []byte {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(in, &v))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func TestProjectRepairsInvalidUTF8LikeEncodingJSON(t *testing.T) {
	p := New(mustParse(t, testSchema), nil, nil)
	for _, tc := range invalidStrings {
		t.Run(tc.name, func(t *testing.T) {
			for _, in := range []string{
				`{"name":"` + tc.in + `"}`,
				`{"tags":["x","` + tc.in + `"]}`,
				`{"ratings":[{"rating_type":"` + tc.in + `"}]}`,
				`{"nested":{"b":"` + tc.in + `"}}`,
				`{"open":{"k":"` + tc.in + `"}}`,
				`{"open":{"k":["` + tc.in + `", 1]}}`, // copied by appendCompact
				`{"open":{"` + tc.in + `":1}}`,        // a key
			} {
				out, err := p.Project([]byte("prefix"), []byte(in))
				require.NoError(t, err, in)
				require.True(t, bytes.HasPrefix(out, []byte("prefix")))
				out = out[len("prefix"):]
				require.True(t, utf8.Valid(out), "%q -> %q", in, out)
				require.True(t, json.Valid(out), "%q -> %q", in, out)
				// The same value as encoding/json decodes from the input.
				var got, want any
				require.NoError(t, json.Unmarshal(out, &got))
				require.NoError(t, json.Unmarshal([]byte(in), &want))
				assert.Equal(t, want, got, in)
				// Without \u escapes, even the same bytes as encoding/json
				// writes after decoding.
				if !bytes.Contains([]byte(in), []byte(`\u`)) {
					assert.Equal(t, string(stdRoundTrip(t, []byte(in))), string(out), in)
				}
			}
			out, err := p.Project(nil, []byte(`{"name":"`+tc.in+`"}`))
			require.NoError(t, err)
			var got struct{ Name string }
			require.NoError(t, json.Unmarshal(out, &got))
			assert.Equal(t, tc.want, got.Name)
		})
	}
}

func TestProjectValidUTF8Unchanged(t *testing.T) {
	p := New(mustParse(t, testSchema), nil, nil)
	called := false
	p.OnInvalidUTF8(func(string) { called = true })
	in := `{"name":"` + "\uFFFD ok: é 日本 😀 \U0010FFFF \u2028" + `","open":{"ü":"ß"}}`
	out, err := p.Project(nil, []byte(in))
	require.NoError(t, err)
	assert.Equal(t, in, string(out), "a valid U+FFFD, U+10FFFF and U+2028 pass as they are")
	assert.False(t, called)
}

func TestOnInvalidUTF8(t *testing.T) {
	for _, tc := range []struct{ in, path string }{
		{"{\"id\":1,\"name\":\"ok\",\"tags\":[\"a\",\"b\xff\"]}", "tags[]"},
		{"{\"name\":\"\xc3\"}", "name"},
		{"{\"ratings\":[{\"rating_score\":1},{\"rating_type\":\"\xed\xa0\x80\"}]}", "ratings[].rating_type"},
		{"{\"nested\":{\"a\":1,\"b\":\"\x80\"}}", "nested.b"},
		{"{\"open\":{\"any\":{\"deep\":[1,{\"k\":\"\xff\"}]}}}", "open.any.deep[].k"},
		{"{\"open\":{\"a\xffb\":1}}", "open.a\uFFFDb"},
		{`{"open":{"x\u0041` + "\xff" + `":true}}`, "open.xA\uFFFD"},
		{"{\"to\":\"\xfe\"}", "to"},
	} {
		p := New(mustParse(t, testSchema), nil, nil)
		var paths []string
		p.OnInvalidUTF8(func(path string) { paths = append(paths, path) })
		_, err := p.Project(nil, []byte(tc.in))
		require.NoError(t, err)
		assert.Equal(t, []string{tc.path}, paths, tc.in)
		_, err = p.Project(nil, []byte(tc.in))
		require.NoError(t, err)
		_, err = p.Project(nil, []byte("{\"name\":\"\xff\"}"))
		require.NoError(t, err)
		assert.Len(t, paths, 1, "once per projector")
		p.OnInvalidUTF8(func(path string) { paths = append(paths, "again "+path) })
		_, err = p.Project(nil, []byte("{\"name\":\"\xff\"}"))
		require.NoError(t, err)
		assert.Equal(t, []string{tc.path, "again name"}, paths, "a new callback is called once again")
	}

	// Invalid UTF-8 in what is deselected is not reported, in a new
	// field it is, and a nil callback only turns the report off.
	sel := mustParse(t, testSchema)
	sel.Properties = sel.Properties[:1]
	p := New(mustParse(t, testSchema), sel, nil)
	called := ""
	p.OnInvalidUTF8(func(path string) { called = path })
	out, err := p.Project(nil, []byte("{\"id\":1,\"name\":\"\xff\",\"nested\":{\"zz\":\"\xff\"}}"))
	require.NoError(t, err)
	assert.Equal(t, `{"id":1}`, string(out))
	assert.Empty(t, called)
	out, err = p.Project(nil, []byte("{\"id\":1,\"extra\":\"\xff\"}"))
	require.NoError(t, err)
	assert.Equal(t, `{"id":1,"extra":"`+"\uFFFD"+`"}`, string(out))
	assert.Equal(t, "extra", called)
	p = New(mustParse(t, testSchema), nil, nil)
	p.OnInvalidUTF8(nil)
	out, err = p.Project(nil, []byte("{\"name\":\"\xff\"}"))
	require.NoError(t, err)
	assert.Equal(t, `{"name":"`+"\uFFFD"+`"}`, string(out))
}

func TestInvalidUTF8Captured(t *testing.T) {
	p := New(mustParse(t, testSchema), nil, nil, "id", "name", "open")
	out, err := p.Project(nil, []byte("{\"id\":7,\"name\":\"a\xffb\",\"open\":{\"k\":\"\xc3\"}}"))
	require.NoError(t, err)
	assert.Equal(t, `{"id":7,"name":"a`+"\uFFFD"+`b","open":{"k":"`+"\uFFFD"+`"}}`, string(out))
	assert.Equal(t, "7", string(p.Captured(0)))
	assert.Equal(t, `"a`+"\uFFFD"+`b"`, string(p.Captured(1)))
	assert.Equal(t, `{"k":"`+"\uFFFD"+`"}`, string(p.Captured(2)))
}

// Keys are matched to the schema as encoding/json decodes them, so a key
// with invalid UTF-8 finds a property named with U+FFFD (as a schema grown
// from decoded records names it), and is written repaired; a new key is
// added to the schema and reported repaired.
func TestInvalidUTF8Keys(t *testing.T) {
	var added []string
	p := New(mustParse(t, `{"type":"object","properties":{"caf`+"\uFFFD"+`":{"type":"integer"},"id":{"type":"integer"}}}`), nil,
		func(path string) { added = append(added, path) }, "caf\uFFFD")
	for range 2 { // the second time from the field-order cache
		out, err := p.Project(nil, []byte(`{"caf`+"\xe9"+`":1,"id":2,"x`+"\xff"+`":3}`))
		require.NoError(t, err)
		assert.Equal(t, `{"caf`+"\uFFFD"+`":1,"id":2,"x`+"\uFFFD"+`":3}`, string(out))
		assert.Equal(t, "1", string(p.Captured(0)))
	}
	assert.Equal(t, []string{"x\uFFFD"}, added)
	assert.NotNil(t, p.Schema().Property("x\uFFFD"))
}

func TestAppendCompactMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{ "a" : [ 1 , 2 ] , "b" : "x y" }`,
		"[\n\t\"\\\\\" , \"\\\" \" ,\r\n{}]",
		`{"a":"\\\\\\\"","b" : ""}`,
		`"  "`,
		`[ ]`,
	} {
		var want bytes.Buffer
		require.NoError(t, json.Compact(&want, []byte(in)))
		assert.Equal(t, want.String(), string(appendCompact(nil, []byte(in))), in)
	}
}

// appendCompactByteWise is appendCompact as it was before it jumped from
// string to string: the reference for FuzzAppendCompact.
func appendCompactByteWise(dst, v []byte) []byte {
	inString := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				if i+1 < len(v) {
					i++
					dst = append(dst, v[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		dst = append(dst, c)
	}
	return dst
}

// FuzzAppendCompact checks appendCompact against the byte-wise version on
// any input, JSON or not.
func FuzzAppendCompact(f *testing.F) {
	for _, s := range []string{`{ "a" : "b \" c" }`, `"\\" "`, `"\`, "[ 1,\t2 ]", `"unterminated   `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := appendCompactByteWise(nil, in)
		if got := appendCompact(nil, in); !bytes.Equal(got, want) {
			t.Fatalf("appendCompact(%q) = %q, want %q", in, got, want)
		}
	})
}
