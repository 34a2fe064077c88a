package dixamock

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// examplesDir holds Dixa's own response examples, taken from its OpenAPI
// spec; the shape tests compare with them when they are there.
const examplesDir = "/work/shared/reference/dixa-openapi/examples"

// exampleItems returns the objects at path (map keys and list indexes) in
// Dixa's example file, the items of a list, or nil (logged) without the
// file.
func exampleItems(t *testing.T, file string, path ...any) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, file))
	if err != nil {
		t.Logf("no Dixa example to compare with: %v", err)
		return nil
	}
	var v any
	decodeJSON(t, b, &v)
	for _, p := range path {
		switch p := p.(type) {
		case string:
			v = v.(map[string]any)[p]
		case int:
			v = v.([]any)[p]
		}
	}
	if l, ok := v.([]any); ok {
		out := make([]map[string]any, len(l))
		for i, x := range l {
			out[i] = x.(map[string]any)
		}
		return out
	}
	return []map[string]any{v.(map[string]any)}
}

// shape is the members of an object of Dixa's: required and optional ones
// as documented, and extra ones the mock sends although the docs do not
// list them (as Dixa does).
type shape struct {
	required, optional, extra []string
}

// check fails for an item that lacks a required member or has one the
// shape does not know, and unless every optional and some extra member is
// served somewhere; example (Dixa's example items, if any) must have only
// documented members, all of them served.
func (sh shape) check(t *testing.T, what string, items []map[string]any, example []map[string]any) {
	t.Helper()
	require.NotEmpty(t, items, what)
	known := map[string]string{}
	for kind, list := range map[string][]string{"required": sh.required, "optional": sh.optional, "extra": sh.extra} {
		for _, k := range list {
			known[k] = kind
		}
	}
	served := map[string]bool{}
	for _, it := range items {
		for _, k := range sh.required {
			assert.NotNil(t, it[k], "%s: required %s in %v", what, k, it)
		}
		for k := range it {
			served[k] = true
			assert.Contains(t, known, k, "%s: unknown member %s", what, k)
		}
	}
	for _, k := range sh.optional {
		assert.True(t, served[k], "%s: optional %s is never served", what, k)
	}
	if len(sh.extra) > 0 {
		assert.True(t, slices.ContainsFunc(sh.extra, func(k string) bool { return served[k] }), "%s: no undocumented member served", what)
	}
	for _, ex := range example {
		for k := range ex {
			assert.Contains(t, []string{"required", "optional"}, known[k], "%s: Dixa's example member %s is documented here", what, k)
			assert.True(t, served[k], "%s: Dixa's example member %s is served", what, k)
		}
	}
}

// objects returns the objects of the list v (a decoded JSON array).
func objects(t *testing.T, v any) []map[string]any {
	t.Helper()
	l, ok := v.([]any)
	require.True(t, ok, "%v is not a list", v)
	out := make([]map[string]any, len(l))
	for i, x := range l {
		out[i], ok = x.(map[string]any)
		require.True(t, ok, "%v is not an object", x)
	}
	return out
}

// dataOf fetches path (authenticated) and returns its "data" member.
func dataOf(t *testing.T, h http.Handler, path string) any {
	t.Helper()
	r := apiGet(t, h, path, testToken)
	require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
	var env map[string]any
	decodeJSON(t, r.body, &env)
	require.Contains(t, env, "data", path)
	return env["data"]
}

// objectOf fetches path and returns its "data" object.
func objectOf(t *testing.T, h http.Handler, path string) map[string]any {
	t.Helper()
	m, ok := dataOf(t, h, path).(map[string]any)
	require.True(t, ok, "%s: data is not an object", path)
	return m
}

// idSet returns the keys of items as a multiset.
func idSet(items []map[string]any, fields ...string) map[string]int {
	out := map[string]int{}
	for _, it := range items {
		out[keyOf(it, fields...)]++
	}
	return out
}

// assertNotFound asserts that path answers 404 with a {"message"} body.
func assertNotFound(t *testing.T, h http.Handler, path string) {
	t.Helper()
	r := apiGet(t, h, path, testToken)
	assert.Equal(t, http.StatusNotFound, r.status, path)
	var m map[string]any
	decodeJSON(t, r.body, &m)
	assert.NotEmpty(t, m["message"], path)
}

var (
	uuidFormat   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	offsetFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$`)
	dateFormat   = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	clockFormat  = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

func TestReferenceStreamsAreCounted(t *testing.T) {
	for _, n := range referenceStreams {
		assert.Contains(t, apiStreams, n)
	}
	assert.Len(t, referenceStreams, 10)
}

func TestReferenceForbidEnvelopeAndStats(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 60
	opts.Forbid = []string{"/v1/knowledge/articles", "/v1/endusers/*", "/v1/conversations/flows", "/v1/business-hours/schedules/*/definition"}
	opts.Envelope, opts.EnvelopePaths = EnvelopeNullData, []string{"/v1/organization"}
	s := New(opts)
	h := s.Handler()
	schedule := objects(t, objectOf(t, h, "/v1/business-hours/schedules")["schedules"])[0]["id"].(string)
	article := truthOfStream(t, h, "knowledge_articles")[0]["id"].(string)
	category := truthOfStream(t, h, "knowledge_categories")[0]["id"].(string)
	coll := truthOfStream(t, h, "knowledge_collections")[0]["id"].(string)
	user := truthOfStream(t, h, "end_users")[0]["id"].(string)
	cases := []struct {
		path, stream string
		status       int
	}{
		{"/v1/conversations/flows?channel=Email", "flows", 403},
		{"/v1/conversations/flows?channel=Sms", "flows", 403}, // Forbid comes before the 400
		{"/v1/contact-endpoints", "contact_endpoints", 200},
		{"/v1/business-hours/schedules/" + schedule + "/definition", "business_hours", 403},
		{"/v1/organization", "organization", 200},
		{"/v1/templates?pageLimit=3", "templates", 200},
		{"/v1/templates?type=Nope", "templates", 400},
		{"/v1/webhooks", "webhooks", 200},
		{"/v1/knowledge/collections", "knowledge_collections", 200},
		{"/v1/knowledge/collections/" + coll, "knowledge_collections", 200},
		{"/v1/knowledge/collections/" + coll + "/catalog", "knowledge_categories", 200},
		{"/v1/knowledge/categories/" + category, "knowledge_categories", 200},
		{"/v1/knowledge/articles/" + article, "knowledge_articles", 403},
		{"/v1/endusers/" + user, "end_user_custom_attributes", 403},
	}
	// The list of schedules above counts too.
	want := map[string]map[string]int64{"requests": {"business_hours": 1}, "forbidden": {}, "ok": {"business_hours": 1}, "envelope": {}}
	for _, c := range cases {
		r := apiGet(t, h, c.path, testToken)
		assert.Equal(t, c.status, r.status, c.path)
		want["requests"][c.stream]++
		switch {
		case c.status == 403:
			assert.JSONEq(t, `{"message":"Forbidden"}`, string(r.body))
			want["forbidden"][c.stream]++
		case c.stream == "organization":
			assert.Equal(t, "{\"data\":null}\n", string(r.body), "the envelope anomaly")
			want["envelope"][c.stream]++
		case c.status == 200:
			want["ok"][c.stream]++
		}
		assert.False(t, s.NotFound(strings.Split(c.path, "?")[0]), c.path)
	}
	assert.True(t, s.NotFound("/v1/knowledge/categories/nope"))
	assert.True(t, s.NotFound("/v1/business-hours/schedules/nope/definition"))
	st := s.APIStats()
	for _, stream := range referenceStreams {
		assert.Equal(t, want["requests"][stream], st.Requests[stream], "requests %s", stream)
		assert.Equal(t, want["forbidden"][stream], st.Forbidden[stream], "forbidden %s", stream)
		assert.Equal(t, want["ok"][stream], st.OK[stream], "ok %s", stream)
		assert.Equal(t, want["envelope"][stream], st.Envelope[stream], "envelope %s", stream)
	}
	assert.Equal(t, int64(0), st.Requests["end_users"], "the pages count as their own stream")

	var stats map[string]json.RawMessage
	decodeJSON(t, apiGet(t, h, "/_stats", "").body, &stats)
	assert.Contains(t, string(stats["api"]), `"knowledge_articles":1`)
}

func TestReferenceDeterministic(t *testing.T) {
	a, b := New(testOptions()).Handler(), New(testOptions()).Handler()
	opts := testOptions()
	opts.Seed++
	c := New(opts).Handler()
	paths := []string{"/v1/conversations/flows?channel=WidgetChat", "/v1/contact-endpoints", "/v1/business-hours/schedules",
		"/v1/organization", "/v1/templates?pageLimit=20", "/v1/webhooks", "/v1/knowledge/collections", "/_truth/webhook_secrets"}
	for _, stream := range referenceStreams {
		paths = append(paths, "/_truth/"+stream)
	}
	for _, tr := range truthOfStream(t, a, "knowledge_articles")[:5] {
		paths = append(paths, "/v1/knowledge/articles/"+tr["id"].(string))
	}
	for _, tr := range truthOfStream(t, a, "end_users")[:5] {
		paths = append(paths, "/v1/endusers/"+tr["id"].(string))
	}
	for _, p := range paths {
		ra, rb := apiGet(t, a, p, testToken), apiGet(t, b, p, testToken)
		require.Equal(t, http.StatusOK, ra.status, p)
		assert.Equal(t, string(ra.body), string(rb.body), p)
	}
	assert.NotEqual(t, apiGet(t, a, "/v1/templates", testToken).body, apiGet(t, c, "/v1/templates", testToken).body, "another seed, other data")
}
