package dixamock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/schemas"
	taprecord "github.com/tap-dixa/tap-dixa/tap/record"
	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// apiResp is a Dixa API response.
type apiResp struct {
	status int
	body   []byte
}

// apiGet serves a GET of target (a path, or an absolute URL) with the given
// Authorization ("" for none) by h, without a network.
func apiGet(t *testing.T, h http.Handler, target, authorization string) apiResp {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return apiResp{rec.Code, rec.Body.Bytes()}
}

// envelope is a decoded {"data":[...],"meta":{...}}.
type envelope struct {
	Data []map[string]any `json:"data"`
	Meta map[string]any   `json:"meta"`
}

// decodeJSON decodes body into v, keeping numbers exact.
func decodeJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v), "%.300s", body)
}

// page fetches target (authenticated) and decodes its envelope.
func page(t *testing.T, h http.Handler, target string) envelope {
	t.Helper()
	r := apiGet(t, h, target, testToken)
	require.Equal(t, http.StatusOK, r.status, "%s: %s", target, r.body)
	var e envelope
	decodeJSON(t, r.body, &e)
	require.NotNil(t, e.Data, "%s: no data array: %s", target, r.body)
	return e
}

// nextOf returns meta.next of e, "" if absent or null.
func nextOf(e envelope) string {
	if n, ok := e.Meta["next"].(string); ok {
		return n
	}
	return ""
}

// collect follows meta.next from target and returns every item and every
// next URL seen.
func collect(t *testing.T, h http.Handler, target string) (items []map[string]any, nexts []string) {
	t.Helper()
	for range 100000 {
		e := page(t, h, target)
		items = append(items, e.Data...)
		target = nextOf(e)
		if target == "" {
			return items, nexts
		}
		nexts = append(nexts, target)
	}
	t.Fatal("too many pages")
	return nil, nil
}

// pageKeyOf returns the pageKey of a next URL.
func pageKeyOf(t *testing.T, next string) string {
	t.Helper()
	u, err := url.Parse(next)
	require.NoError(t, err)
	k := u.Query().Get("pageKey")
	require.NotEmpty(t, k, next)
	return k
}

// truthOfStream returns the /_truth list of stream.
func truthOfStream(t *testing.T, h http.Handler, stream string) []map[string]any {
	t.Helper()
	r := apiGet(t, h, "/_truth/"+stream, "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var out []map[string]any
	decodeJSON(t, r.body, &out)
	return out
}

// keyOf joins the values of fields in m as one comparable key.
func keyOf(m map[string]any, fields ...string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		switch v := m[f].(type) {
		case json.Number:
			parts[i] = v.String()
		case string:
			parts[i] = v
		default:
			parts[i] = "<missing>"
		}
	}
	return strings.Join(parts, "|")
}

// withoutAPIStats removes the "api" member from a /_stats body.
func withoutAPIStats(t *testing.T, body []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &m))
	require.Contains(t, m, "api")
	delete(m, "api")
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// streamSchema is a stream's schema, compiled and decoded.
type streamSchema struct {
	v   *jsonschema.Schema
	raw map[string]any

	mu      sync.Mutex // guards proj and dropped
	proj    *taprecord.Projector
	dropped []string
}

var schemaCache sync.Map // stream -> *streamSchema

// loadAPISchema returns the compiled Draft 4 schema of stream.
func loadAPISchema(t *testing.T, stream string) *streamSchema {
	t.Helper()
	if s, ok := schemaCache.Load(stream); ok {
		return s.(*streamSchema)
	}
	raw, err := schemas.Get(stream)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	c.AssertFormat = true
	require.NoError(t, c.AddResource("mem://"+stream+".json", bytes.NewReader(raw)))
	v, err := c.Compile("mem://" + stream + ".json")
	require.NoError(t, err)
	s := &streamSchema{v: v}
	require.NoError(t, json.Unmarshal(raw, &s.raw))
	node, err := schema.Parse(raw)
	require.NoError(t, err)
	s.proj = taprecord.New(node, nil, func(path string) { s.dropped = append(s.dropped, path) })
	schemaCache.Store(stream, s)
	return s
}

// zoneID matches the Java zone id after a date-time: "[GMT]".
var zoneID = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT[^\[]+)\[[A-Za-z0-9/_+\-]+\]$`)

// normalise returns a copy of v with the zone ids stripped from date-time
// strings, as the tap does.
func normalise(v any) any {
	switch v := v.(type) {
	case string:
		if m := zoneID.FindStringSubmatch(v); m != nil {
			return m[1]
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalise(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalise(x)
		}
		return out
	}
	return v
}

// checkRecord validates rec against the schema of stream (after
// normalise) and reports fields the schema does not declare; it records
// in seen the paths of the declared fields that rec has non-null.
func checkRecord(t *testing.T, stream string, rec map[string]any, seen map[string]bool) {
	t.Helper()
	s := loadAPISchema(t, stream)
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, s.v.Validate(asTapWrites(t, stream, b)), "%s record %v", stream, rec)
	undeclared(t, stream, s.raw, normalise(rec), "", seen)
}

// asTapWrites returns the record rec as the tap writes it: projected by
// the stream's schema, with its date-times normalised and the documented
// conversions applied (a "to" string becomes a list, ...). It fails t for
// a record the projector refuses or a field it drops.
func asTapWrites(t *testing.T, stream string, rec []byte) any {
	t.Helper()
	s := loadAPISchema(t, stream)
	s.mu.Lock()
	out, err := s.proj.Project(nil, rec)
	dropped := s.dropped
	s.mu.Unlock()
	require.NoError(t, err, "%s record %s", stream, rec)
	require.Empty(t, dropped, "%s: fields the schema lacks", stream)
	var v any
	decodeJSON(t, out, &v)
	return v
}

// undeclared fails for a member of value that schema (a decoded schema
// object) does not declare where it lists properties, and records the
// declared paths present and not null in seen.
func undeclared(t *testing.T, stream string, schema map[string]any, value any, path string, seen map[string]bool) {
	t.Helper()
	switch v := value.(type) {
	case map[string]any:
		props, ok := schema["properties"].(map[string]any)
		if !ok {
			return // an open map
		}
		for k, x := range v {
			sub, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s: field %s%s is not declared in the schema", stream, path, k)
				continue
			}
			if x != nil {
				seen[path+k] = true
			}
			undeclared(t, stream, sub, x, path+k+".", seen)
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for _, x := range v {
				undeclared(t, stream, items, x, path, seen)
			}
		}
	}
}

// declaredPaths lists the property paths of schema, as undeclared records
// them.
func declaredPaths(schema map[string]any, path string, out *[]string) {
	if items, ok := schema["items"].(map[string]any); ok {
		declaredPaths(items, path, out)
	}
	props, _ := schema["properties"].(map[string]any)
	for k, sub := range props {
		*out = append(*out, path+k)
		declaredPaths(sub.(map[string]any), path+k+".", out)
	}
}
