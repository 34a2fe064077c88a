package singer

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

func spec(t *testing.T) StreamSpec {
	t.Helper()
	n, err := schema.Parse([]byte(`{"type":"object","properties":{
		"id":{"type":"integer"},"updated_at":{"type":"integer"},
		"name":{"type":["null","string"]},
		"nested":{"type":["null","object"],"properties":{"a":{"type":["null","string"]},"b":{"type":["null","string"]}}},
		"list":{"type":["null","array"],"items":{"type":"string"}}}}`))
	require.NoError(t, err)
	return StreamSpec{Name: "things", Schema: n, KeyProperties: []string{"id"}, ReplicationKey: "updated_at", SelectedByDefault: true}
}

func TestWriterOrderAndFormat(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	s := spec(t)
	err := w.WriteRecord("things", []byte(`{"id":1}`), time.Now(), 0)
	require.ErrorContains(t, err, "before its SCHEMA")
	require.NoError(t, w.WriteSchema("things", s.Schema, nil, []string{"updated_at"}))
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.FixedZone("x", 3600))
	require.NoError(t, w.WriteRecord("things", []byte(`{"id":1,"name":"<é>"}`), ts, 0))
	require.NoError(t, w.WriteRecord("things", []byte(`{"id":2}`), ts, 1700000000))
	assert.Zero(t, out.Len(), "records stay buffered until a STATE")
	st := NewState()
	require.NoError(t, st.SetBookmark("things", "updated_at", int64(1704164645000)))
	require.NoError(t, w.WriteState(st))
	require.NoError(t, w.WriteActivateVersion("things", 1700000000))
	require.NoError(t, w.Flush())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 5)
	assert.True(t, strings.HasPrefix(lines[0], `{"type":"SCHEMA","stream":"things","schema":{"type":"object","properties":{"id":`))
	assert.True(t, strings.HasSuffix(lines[0], `"key_properties":[],"bookmark_properties":["updated_at"]}`), lines[0])
	assert.Equal(t, `{"type":"RECORD","stream":"things","record":{"id":1,"name":"<é>"},"time_extracted":"2024-01-02T02:04:05.000006Z"}`, lines[1])
	assert.Equal(t, `{"type":"RECORD","stream":"things","record":{"id":2},"version":1700000000,"time_extracted":"2024-01-02T02:04:05.000006Z"}`, lines[2])
	assert.Equal(t, `{"type":"STATE","value":{"bookmarks":{"things":{"updated_at":1704164645000}},"currently_syncing":null}}`, lines[3])
	assert.Equal(t, `{"type":"ACTIVATE_VERSION","stream":"things","version":1700000000}`, lines[4])
	for _, l := range lines {
		assert.True(t, json.Valid([]byte(l)), l)
	}
}

func TestDiscoverMetadata(t *testing.T) {
	e := Discover(spec(t))
	assert.Equal(t, "things", e.TapStreamID)
	assert.Equal(t, []string{"id"}, e.KeyProperties)
	assert.Equal(t, "INCREMENTAL", e.ReplicationMethod)
	assert.Equal(t, "updated_at", e.ReplicationKey)
	root := e.Metadata.Get()
	assert.Equal(t, "available", root["inclusion"])
	assert.Equal(t, true, root["selected-by-default"])
	assert.Equal(t, []string{"id"}, root["table-key-properties"])
	assert.Equal(t, "INCREMENTAL", root["forced-replication-method"])
	assert.Equal(t, []string{"updated_at"}, root["valid-replication-keys"])
	assert.Equal(t, "automatic", e.Metadata.Get("properties", "id")["inclusion"])
	assert.Equal(t, "automatic", e.Metadata.Get("properties", "updated_at")["inclusion"])
	assert.Equal(t, "available", e.Metadata.Get("properties", "name")["inclusion"])
	assert.Equal(t, "available", e.Metadata.Get("properties", "nested", "properties", "a")["inclusion"])
	assert.Nil(t, e.Metadata.Get("properties", "list", "items"))
}

func names(n *schema.Node) []string {
	var out []string
	for _, p := range n.Properties {
		out = append(out, p.Name)
	}
	return out
}

func TestSelection(t *testing.T) {
	s := spec(t)
	base, err := json.Marshal(Discover(s))
	require.NoError(t, err)

	// Meltano-style: stream-level selected, metadata selected false on an
	// automatic field (must stay), a deselected top field and a nested one.
	var entry map[string]any
	require.NoError(t, json.Unmarshal(base, &entry))
	entry["selected"] = true
	for _, m := range entry["metadata"].([]any) {
		mm := m.(map[string]any)
		bc := mm["breadcrumb"].([]any)
		md := mm["metadata"].(map[string]any)
		switch strings.Join(toStrings(bc), "/") {
		case "properties/id", "properties/name", "properties/nested/properties/b":
			md["selected"] = "false"
		case "":
			md["selected"] = true
		}
	}
	raw, _ := json.Marshal(map[string]any{"streams": []any{entry}})
	c, err := ParseCatalog(raw)
	require.NoError(t, err)
	e := c.Entry("things")
	require.NotNil(t, e)
	assert.True(t, e.IsSelected())
	sel := e.Metadata.SelectSchema(s)
	assert.Equal(t, []string{"id", "updated_at", "nested", "list"}, names(sel))
	assert.Equal(t, []string{"a"}, names(sel.Property("nested")))
	assert.Equal(t, []string{"id", "updated_at", "name", "nested", "list"}, names(s.Schema), "the spec's schema is not changed")
}

func toStrings(a []any) []string {
	var s []string
	for _, v := range a {
		s = append(s, v.(string))
	}
	return s
}

func TestStreamSelectedPrecedence(t *testing.T) {
	for _, tc := range []struct {
		catalog string
		want    bool
	}{
		{`{"streams":[{"tap_stream_id":"x","metadata":[{"breadcrumb":[],"metadata":{"selected":true}}]}]}`, true},
		{`{"streams":[{"tap_stream_id":"x","selected":true,"metadata":[{"breadcrumb":[],"metadata":{"selected":false}}]}]}`, false},
		{`{"streams":[{"tap_stream_id":"x","selected":true}]}`, true},
		{`{"streams":[{"stream":"x","schema":{"selected":true}}]}`, true},
		{`{"streams":[{"tap_stream_id":"x","metadata":[{"breadcrumb":[],"metadata":{"selected-by-default":true}}]}]}`, true},
		{`{"streams":[{"tap_stream_id":"x","metadata":[{"breadcrumb":[],"metadata":{"selected":"TRUE"}}]}]}`, true},
		{`{"streams":[{"tap_stream_id":"x"}]}`, false},
	} {
		c, err := ParseCatalog([]byte(tc.catalog))
		require.NoError(t, err, tc.catalog)
		assert.Equal(t, tc.want, c.Entry("x").IsSelected(), tc.catalog)
	}
}

func TestParseCatalogErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, "empty file"},
		{`nope`, "not a valid catalog"},
		{`[]`, "not a valid catalog"},
		{`{}`, `no "streams" list`},
		{`{"streams":[{}]}`, `streams[0]: no "tap_stream_id" or "stream"`},
		{`{"streams":[{"tap_stream_id":"x","selected":"maybe"}]}`, `"selected" must be true or false`},
		{`{"streams":[{"tap_stream_id":"x","metadata":[{"metadata":{}}]}]}`, `no "breadcrumb"`},
		{`{"streams":[{"tap_stream_id":"x","metadata":[{"breadcrumb":[],"metadata":{"selected":3}}]}]}`, `"selected" must be true or false`},
		{`{"streams":[{"tap_stream_id":"x","schema":{"type":5}}]}`, `type: must be a string`},
		{`{"streams":[{"tap_stream_id":"x","schema":[]}]}`, `not a JSON object`},
	} {
		_, err := ParseCatalog([]byte(tc.in))
		if assert.Error(t, err, tc.in) {
			assert.Contains(t, err.Error(), tc.want, tc.in)
			assert.NotContains(t, err.Error(), "\n")
		}
	}
}

func TestState(t *testing.T) {
	in := `{"bookmarks":{"conversations":{"updated_at_datestring":"2021-08-01T00:00:00"},"messages":{"created_at":1718000000000}},"currently_syncing":"messages","extra":{"k":1}}`
	s, notes, err := ParseState([]byte(in))
	require.NoError(t, err)
	assert.Empty(t, notes)
	v, ok := s.Bookmark("messages", "created_at")
	assert.True(t, ok)
	assert.Equal(t, "1718000000000", string(v))
	_, ok = s.Bookmark("conversations", "updated_at")
	assert.False(t, ok)
	assert.Equal(t, "messages", s.CurrentlySyncing())
	require.NoError(t, s.SetBookmark("conversations", "updated_at", int64(5)))
	s.SetCurrentlySyncing("")
	out, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, `{"bookmarks":{"conversations":{"updated_at":5},"messages":{"created_at":1718000000000}},"currently_syncing":null,"extra":{"k":1}}`, string(out))
	again, _, err := ParseState(out)
	require.NoError(t, err)
	out2, _ := json.Marshal(again)
	assert.Equal(t, string(out), string(out2), "a state reads back as itself")

	for _, tc := range []struct{ in, want string }{
		{``, "empty file"}, {` `, "empty file"}, {`[]`, "not a JSON object"}, {`null`, "not a JSON object"},
		{`{`, "not valid JSON"}, {`{"bookmarks":[]}`, `"bookmarks" must be an object`},
		{`{"bookmarks":{"x":1}}`, "bookmarks.x must be an object"}, {`{"currently_syncing":1}`, "currently_syncing"},
		{`{"singer_state":null}`, "singer_state: not a JSON object"}, {`{"type":"STATE","value":[1]}`, "value of the STATE message: not a JSON object"},
		{`{"singer_state":{"type":"STATE","value":{"bookmarks":1}}}`, `"bookmarks" must be an object`},
	} {
		_, _, err := ParseState([]byte(tc.in))
		if assert.Error(t, err, tc.in) {
			assert.Contains(t, err.Error(), tc.want, tc.in)
		}
	}
}

// A whole STATE message, Meltano's `meltano state get` output, or both
// around each other, read as the state they wrap, with a note each.
func TestStateWrappers(t *testing.T) {
	const value = `{"bookmarks":{"messages":{"created_at":1718000000000}},"currently_syncing":"messages"}`
	info := func(s ...string) []Note {
		var n []Note
		for _, text := range s {
			n = append(n, Note{Text: text})
		}
		return n
	}
	for _, tc := range []struct {
		in    string
		notes []Note
	}{
		{value, nil},
		{`{"type":"STATE","value":` + value + `}`, info("unwrapped a STATE message")},
		{`{"singer_state":` + value + `}`, info("unwrapped Meltano's singer_state")},
		{`{"singer_state":` + value + `,"completed":true,"run_id":"x"}`, info("unwrapped Meltano's singer_state; ignored its other top-level keys completed, run_id")},
		{`{"singer_state":{"type":"STATE","value":` + value + `}}`, info("unwrapped Meltano's singer_state", "unwrapped a STATE message")},
	} {
		s, notes, err := ParseState([]byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.notes, notes, tc.in)
		out, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, value, string(out), "no wrapper key is carried into the state written: %s", tc.in)
	}

	// A state with keys of its own and bookmarks is not a wrapper.
	s, notes, err := ParseState([]byte(`{"bookmarks":{},"singer_state":{"x":1},"type":"STATE","value":2}`))
	require.NoError(t, err)
	assert.Empty(t, notes)
	out, _ := json.Marshal(s)
	assert.Equal(t, `{"bookmarks":{},"currently_syncing":null,"singer_state":{"x":1},"type":"STATE","value":2}`, string(out))

	// Unknown keys and no bookmarks: carried through, with a warning.
	_, notes, err = ParseState([]byte(`{"state":{"bookmarks":{}},"a":1}`))
	require.NoError(t, err)
	assert.Equal(t, []Note{{Warning: true, Text: `no "bookmarks" key; top-level keys a, state are carried through unchanged — is this a Singer state?`}}, notes)
	_, notes, err = ParseState([]byte(`{"currently_syncing":null}`))
	require.NoError(t, err)
	assert.Empty(t, notes, "no unknown key, nothing to warn of")
	_, notes, err = ParseState([]byte(`{"type":"STATE","value":{"progress":1}}`))
	require.NoError(t, err)
	assert.Equal(t, []Note{{Text: "unwrapped a STATE message"}, {Warning: true, Text: `no "bookmarks" key; top-level keys progress are carried through unchanged — is this a Singer state?`}}, notes)
}

func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"bookmarks":{"conversations":{"updated_at":1}},"currently_syncing":null}`))
	f.Add([]byte(`{"bookmarks":{"x":{"k":"v"}},"other":[1]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, _, err := ParseState(in)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil || !json.Valid(out) {
			t.Fatalf("state does not write back: %v %q", err, out)
		}
	})
}

func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(`{"streams":[{"tap_stream_id":"x","schema":{"type":"object","properties":{"a":{"type":"string"}}},"metadata":[{"breadcrumb":[],"metadata":{"selected":true}}]}]}`))
	f.Add([]byte(`{"streams":[{"stream":"x","selected":"true"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		sameAsByEntry(t, in) // decoded whole or entry by entry, the same
		c, err := ParseCatalog(in)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		for _, e := range c.Streams {
			_ = e.IsSelected()
			if e.Schema != nil {
				_ = e.Metadata.SelectSchema(StreamSpec{Name: e.TapStreamID, Schema: e.Schema})
			}
		}
	})
}

// A stream's name is encoded once, by encoding/json's rules (UTF-8 kept,
// HTML not escaped, control characters as \u escapes), not Go's quoting.
func TestRecordPrefixIsJSON(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	name := "ström<&>\x7f\u2028"
	require.NoError(t, w.WriteSchema(name, &schema.Node{}, nil, nil))
	require.NoError(t, w.WriteRecord(name, []byte(`{"a":1}`), time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC), 7))
	require.NoError(t, w.Flush())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, `{"type":"RECORD","stream":"ström<&>`+"\x7f"+`\u2028","record":{"a":1},"version":7,"time_extracted":"2024-01-02T03:04:05.000006Z"}`, lines[1])
	var m struct{ Stream string }
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &m))
	assert.Equal(t, name, m.Stream)
}
