package tap

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/singer"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// message is one line of tap output, decoded as far as these tests need.
type message struct {
	Type   string          `json:"type"`
	Stream string          `json:"stream"`
	Record json.RawMessage `json:"record"`
	Schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
	} `json:"schema"`
	KeyProperties      []string `json:"key_properties"`
	BookmarkProperties []string `json:"bookmark_properties"`
}

func messages(t *testing.T, out []byte) []message {
	var ms []message
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var m message
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		ms = append(ms, m)
	}
	return ms
}

// assertSchemaPrecedes checks that each RECORD of stream carrying a
// top-level field comes after a SCHEMA of the stream that declares it, and
// returns the stream's SCHEMA messages.
func assertSchemaPrecedes(t *testing.T, ms []message, stream string) []message {
	t.Helper()
	var schemas []message
	var declared map[string]json.RawMessage
	for i, m := range ms {
		if m.Stream != stream {
			continue
		}
		switch m.Type {
		case "SCHEMA":
			schemas = append(schemas, m)
			declared = m.Schema.Properties
		case "RECORD":
			var rec map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(m.Record, &rec))
			for k := range rec {
				assert.Contains(t, declared, k, "line %d: %s before a SCHEMA declaring it", i+1, k)
			}
		}
	}
	return schemas
}

// A field Dixa adds is kept: the export stream's SCHEMA grows and is sent
// again before the first record carrying it, also when the window is
// retried and that record is skipped as already written; a value of a
// type the schema does not expect widens it the same way. Every record
// matches the last SCHEMA of its stream, and a record that brings nothing
// new sends no SCHEMA.
func TestExportSendsWiderSchemaBeforeNewFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := func(h int) int64 { return t0.Add(timeHours(h)).UnixMilli() }
		recs := []string{
			`{"id":1,"updated_at":` + itoa(at(1)) + `}`,
			`{"id":2,"updated_at":` + itoa(at(2)) + `,"brand_new":{"a":1,"b":["x"]}}`,
			`{"id":3,"updated_at":` + itoa(at(3)) + `,"brand_new":{"a":2}}`,
			`{"id":4,"updated_at":` + itoa(at(4)) + `,"rating_score":"4 of 5"}`,
			`{"id":5,"updated_at":` + itoa(at(5)) + `,"brand_new":{"a":3,"c":true},"rating_score":3}`,
		}
		sc := &script{fn: func(n int, after, before int64) (int, io.Reader) {
			if n == 0 { // cut off after the record that brought the field
				return 200, io.MultiReader(strings.NewReader("["+strings.Join(recs[:2], ",")+`,{"id":`), failingReader{io.ErrUnexpectedEOF})
			}
			return 200, array(recs)
		}}
		client, err := dixa.NewClient("tok",
			dixa.WithHTTPClient(&http.Client{Transport: sc}),
			dixa.WithBaseURL(dixa.Exports, "http://127.0.0.1:1"),
			dixa.WithRateLimit("/v1/conversation_export", rate.Limit(10.0/60)))
		require.NoError(t, err)
		var out, logs bytes.Buffer
		cfg := &config.Config{StartDate: t0, EndDate: t0.AddDate(0, 0, 1), Window: 24 * timeHours(1),
			ConversationsPerMinute: 10, MaxRetries: 3}
		st := Streams[0]
		spec, err := st.Spec()
		require.NoError(t, err)
		s := &Sync{Config: cfg, Client: client, Out: singer.NewWriter(&out), State: singer.NewState(),
			Log: NewLogger(&logs, Info), Now: timeNow}
		require.NoError(t, s.Run(t.Context(), []Selected{{Stream: st, Spec: spec, Schema: spec.Schema}}), logs.String())
		require.NoError(t, s.Out.Flush())

		o := singertest.Check(t, out.Bytes()) // every record against the last SCHEMA before it
		assert.Len(t, o.Records["conversations"], 5)
		ms := messages(t, out.Bytes())
		schemas := assertSchemaPrecedes(t, ms, "conversations")
		// The first, brand_new, rating_score widened, brand_new.c.
		require.Len(t, schemas, 4, out.String())
		// Each grown SCHEMA comes after the records before the one that
		// grew it, and right before that one.
		var order []string
		for _, m := range ms {
			switch {
			case m.Stream != "conversations":
			case m.Type == "SCHEMA":
				order = append(order, "SCHEMA")
			case m.Type == "RECORD":
				var r struct{ ID json.RawMessage }
				require.NoError(t, json.Unmarshal(m.Record, &r))
				order = append(order, string(r.ID))
			}
		}
		assert.Equal(t, []string{"SCHEMA", "1", "SCHEMA", "2", "3", "SCHEMA", "4", "SCHEMA", "5"}, order)
		for _, m := range schemas {
			assert.Equal(t, []string{"id"}, m.KeyProperties)
			assert.Equal(t, []string{"updated_at"}, m.BookmarkProperties)
		}
		assert.JSONEq(t, `{"type":["null","object"],"properties":{"a":{"type":["null","integer"]},"b":{"type":["null","array"],"items":{"type":["null","string"]}},"c":{"type":["null","boolean"]}}}`,
			string(schemas[3].Schema.Properties["brand_new"]))
		assert.JSONEq(t, `{"type":["null","integer","string"]}`, string(schemas[3].Schema.Properties["rating_score"]))
		assert.Equal(t, []string{"", `{"a":1,"b":["x"]}`, `{"a":2}`, "", `{"a":3,"c":true}`}, o.Field("conversations", "brand_new"))
		assert.Equal(t, []string{"", "", "", `"4 of 5"`, "3"}, o.Field("conversations", "rating_score"))
		assert.Equal(t, 1, strings.Count(logs.String(), `field "brand_new" is not in the schema; keeping it and sending a wider SCHEMA`), logs.String())
		assert.Equal(t, 1, strings.Count(logs.String(), `field "rating_score" holds a value its schema does not declare`), logs.String())
		assert.NotContains(t, logs.String(), "brand_new.c", "members of a new field are part of it")
	})
}

// teamsAPI answers the Dixa API's team list.
type teamsAPI struct{ body string }

func (a teamsAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(a.body)), Header: http.Header{}, Request: r}, nil
}

// The same for a Dixa API list: the SCHEMA grows before the first record
// with a new field, a key of an unexpected type fails naming the field.
func TestListSendsWiderSchemaBeforeNewFields(t *testing.T) {
	run := func(body string) ([]byte, string, error) {
		client, err := dixa.NewClient("tok",
			dixa.WithHTTPClient(&http.Client{Transport: teamsAPI{body}}),
			dixa.WithBaseURL(dixa.API, "http://127.0.0.1:1"))
		require.NoError(t, err)
		var out, logs bytes.Buffer
		cfg := &config.Config{StartDate: t0, EndDate: t0.AddDate(0, 0, 1), Window: 24 * timeHours(1), APIPerSecond: 1000, PageSize: 100}
		st, ok := StreamByName("teams")
		require.True(t, ok)
		spec, err := st.Spec()
		require.NoError(t, err)
		s := &Sync{Config: cfg, Client: client, Out: singer.NewWriter(&out), State: singer.NewState(),
			Log: NewLogger(&logs, Info), Now: timeNow}
		err = s.Run(t.Context(), []Selected{{Stream: st, Spec: spec, Schema: spec.Schema}})
		require.NoError(t, s.Out.Flush())
		return out.Bytes(), logs.String(), err
	}
	out, logs, err := run(`{"data":[{"id":"t1","name":"A"},{"id":"t2","name":"B","color":"red","lead":{"id":"a1"}},{"id":"t3","color":"blue","lead":null},{"id":"t4","name":7,"lead":"a2"}]}`)
	require.NoError(t, err, logs)
	o := singertest.Check(t, out)
	assert.Equal(t, []string{`"t1"`, `"t2"`, `"t3"`, `"t4"`}, o.Field("teams", "id"))
	assert.Equal(t, []string{"", `"red"`, `"blue"`, ""}, o.Field("teams", "color"))
	ms := messages(t, out)
	schemas := assertSchemaPrecedes(t, ms, "teams")
	require.Len(t, schemas, 3, string(out)) // the first, color and lead, lead widened
	assert.Equal(t, []string{"id"}, schemas[2].KeyProperties)
	assert.JSONEq(t, `{"type":["null","object"],"properties":{"id":{"type":["null","string"]}}}`, string(schemas[1].Schema.Properties["lead"]))
	assert.JSONEq(t, `{"type":["null","object"],"properties":{"id":{"type":["null","string"]},"value":{"type":["null","string"]}},"x-scalar-property":"value"}`, string(schemas[2].Schema.Properties["lead"]))
	assert.Equal(t, []string{"", `{"id":"a1"}`, "null", `{"value":"a2"}`}, o.Field("teams", "lead"))
	assert.Equal(t, []string{`"A"`, `"B"`, "", `"7"`}, o.Field("teams", "name"), "a number where a string is declared is its JSON text")
	assert.Equal(t, 1, strings.Count(logs, `teams: field "color" is not in the schema; keeping it and sending a wider SCHEMA`), logs)

	_, logs, err = run(`{"data":[{"id":null,"name":"A"}]}`)
	require.Error(t, err)
	assert.Contains(t, logs+err.Error(), `teams: field "id" must be string, found null`)
}

func itoa(n int64) string           { return strconv.FormatInt(n, 10) }
func timeHours(h int) time.Duration { return time.Duration(h) * time.Hour }
func timeNow() time.Time            { return time.Now() }
