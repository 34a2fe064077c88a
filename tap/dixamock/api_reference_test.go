package dixamock

import (
	"encoding/json"
	"net/http"
	"net/url"
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

func TestReferenceFlows(t *testing.T) {
	h := shared().Handler()
	endpoints := idSet(truthOfStream(t, h, "contact_endpoints"), "id")
	var all []map[string]any
	empty := 0
	for _, ch := range flowChannels {
		e := page(t, h, "/v1/conversations/flows?channel="+ch)
		assert.Nil(t, e.Meta, "unpaged")
		assert.LessOrEqual(t, len(e.Data), 4, ch)
		if len(e.Data) == 0 {
			empty++
		}
		for _, f := range e.Data {
			assert.Equal(t, ch, f["channel"])
			assert.Regexp(t, uuidFormat, f["id"])
			assert.Contains(t, endpoints, f["contactEndpointId"], "a contact endpoint's address or number")
		}
		all = append(all, e.Data...)
	}
	assert.Positive(t, empty, "some channels have no flows")
	assert.Less(t, empty, len(flowChannels))
	shape{required: []string{"id", "name", "channel", "contactEndpointId"}, extra: []string{"lastPublishedAt"}}.
		check(t, "flow", all, exampleItems(t, "conversations_flows.json", "data"))
	assert.Equal(t, idSet(truthOfStream(t, h, "flows"), "id"), idSet(all, "id"), "served = truth, each once")

	def := apiGet(t, h, "/v1/conversations/flows", testToken)
	assert.Equal(t, apiGet(t, h, "/v1/conversations/flows?channel=PstnPhone", testToken), def, "no channel means PstnPhone")
	assert.Contains(t, string(def.body), `"name":"Default call flow"`)
	for _, bad := range []string{"Twitter", "Sms", "pstnphone", "", "Email,Sms"} {
		r := apiGet(t, h, "/v1/conversations/flows?channel="+url.QueryEscape(bad), testToken)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
		assert.JSONEq(t, `{"message":"Invalid value for: query parameter channel"}`, string(r.body), bad)
	}
}

func TestReferenceContactEndpoints(t *testing.T) {
	h := shared().Handler()
	e := page(t, h, "/v1/contact-endpoints")
	assert.Nil(t, e.Meta)
	emails := page(t, h, "/v1/contact-endpoints?_type=EmailEndpoint").Data
	phones := page(t, h, "/v1/contact-endpoints?_type=TelephonyEndpoint").Data
	assert.Len(t, emails, 4)
	assert.GreaterOrEqual(t, len(phones), 3)
	assert.ElementsMatch(t, e.Data, append(slices.Clone(emails), phones...), "the filters partition the list")
	ids := map[string]int{}
	for _, ep := range emails {
		assert.Equal(t, "EmailEndpoint", ep["_type"])
		ids[ep["address"].(string)]++
	}
	for _, ep := range phones {
		assert.Equal(t, "TelephonyEndpoint", ep["_type"])
		assert.Regexp(t, `^\+[1-9]\d{6,14}$`, ep["number"], "E.164")
		for _, f := range asSlice(ep["functionality"]) {
			assert.Contains(t, []string{"Sms", "VoiceInbound", "VoiceOutbound"}, f)
		}
		ids[ep["number"].(string)]++
	}
	assert.Equal(t, idSet(truthOfStream(t, h, "contact_endpoints"), "id"), ids, "truth: the addresses and numbers")
	byType := func(items []map[string]any, kind string) []map[string]any {
		return slices.DeleteFunc(slices.Clone(items), func(m map[string]any) bool { return m["_type"] != kind })
	}
	ex := exampleItems(t, "contact_endpoints.json", "data")
	shape{[]string{"address", "_type"}, []string{"senderOverride", "name"}, []string{"isVerified"}}.
		check(t, "EmailEndpoint", emails, byType(ex, "EmailEndpoint"))
	shape{[]string{"number", "_type"}, []string{"functionality", "name"}, []string{"countryCode"}}.
		check(t, "TelephonyEndpoint", phones, byType(ex, "TelephonyEndpoint"))
	r := apiGet(t, h, "/v1/contact-endpoints?_type=SmsEndpoint", testToken)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.JSONEq(t, `{"message":"Invalid value for: query parameter _type"}`, string(r.body))
}

func TestReferenceBusinessHours(t *testing.T) {
	h := shared().Handler()
	list := objectOf(t, h, "/v1/business-hours/schedules")
	require.Contains(t, list, "schedules", "data is an object holding the list")
	schedules := objects(t, list["schedules"])
	assert.GreaterOrEqual(t, len(schedules), 3)
	assert.LessOrEqual(t, len(schedules), 4)
	shape{required: []string{"name", "id"}, extra: []string{"isDefault"}}.
		check(t, "schedule", schedules, exampleItems(t, "business_hours_schedules.json", "data", "schedules"))
	assert.Equal(t, idSet(truthOfStream(t, h, "business_hours"), "id"), idSet(schedules, "id"))

	var defs, hours, exceptions, intervals []map[string]any
	for _, sc := range schedules {
		data := objectOf(t, h, "/v1/business-hours/schedules/"+sc["id"].(string)+"/definition")
		assert.Len(t, data, 1, "data holds only the schedule")
		def, ok := data["schedule"].(map[string]any)
		require.True(t, ok)
		assert.Equal(t, sc["id"], def["id"])
		assert.Equal(t, sc["name"], def["name"])
		defs = append(defs, def)
		for _, bh := range objects(t, def["businessHours"]) {
			hours = append(hours, bh)
			assert.Equal(t, "Regular", bh["businessHourType"])
			assert.Regexp(t, dateFormat, bh["startDate"])
			intervals = append(intervals, objects(t, bh["intervals"])...)
			if bh["status"] == "Closed" {
				assert.Empty(t, bh["intervals"])
			}
		}
		for _, x := range objects(t, def["exceptions"]) {
			exceptions = append(exceptions, x)
			assert.Contains(t, []string{"Holiday", "Exception"}, x["businessHourType"])
			assert.Regexp(t, dateFormat, x["startDate"])
			intervals = append(intervals, objects(t, x["intervals"])...)
		}
	}
	ex := exampleItems(t, "business_hours_schedules_scheduleId_definition.json", "data", "schedule")
	shape{[]string{"id", "name", "timezone"}, []string{"businessHours", "exceptions"}, []string{"updatedAt"}}.check(t, "definition", defs, ex)
	var exHours, exExceptions []map[string]any
	if ex != nil {
		exHours = objects(t, ex[0]["businessHours"])
		exExceptions = objects(t, ex[0]["exceptions"])
	}
	shape{required: []string{"name", "businessHourType", "status", "startDate"}, optional: []string{"dayOfWeek", "intervals"}}.
		check(t, "businessHours", hours, exHours)
	shape{required: []string{"name", "businessHourType", "status", "startDate"}, optional: []string{"intervals", "recurring", "nextDate"}}.
		check(t, "exceptions", exceptions, exExceptions)
	shape{required: []string{"startTime", "endTime"}}.check(t, "intervals", intervals, nil)
	for _, iv := range intervals {
		assert.Regexp(t, clockFormat, iv["startTime"])
		assert.Regexp(t, clockFormat, iv["endTime"])
		assert.Less(t, iv["startTime"], iv["endTime"])
	}
	assertNotFound(t, h, "/v1/business-hours/schedules/0b9b1c3e-1111-4222-8333-444455556666/definition")
	assertNotFound(t, h, "/v1/business-hours/schedules/"+schedules[0]["id"].(string))
}

func TestReferenceOrganization(t *testing.T) {
	h := shared().Handler()
	org := objectOf(t, h, "/v1/organization")
	orgs := []map[string]any{org} // and those of other seeds, for variety
	for seed := range int64(6) {
		opts := testOptions()
		opts.Seed, opts.Conversations = seed, 10
		orgs = append(orgs, objectOf(t, New(opts).Handler(), "/v1/organization"))
	}
	shape{[]string{"id", "name", "subdomain", "status"}, []string{"avatarUrl"}, []string{"region"}}.
		check(t, "organization", orgs, exampleItems(t, "organization.json", "data"))
	assert.Contains(t, []string{"Active", "Suspended"}, org["status"])
	for _, q := range page(t, h, "/v1/queues").Data {
		assert.Equal(t, org["id"], q["organizationId"], "the queues' organization")
	}
	assert.Equal(t, []map[string]any{{"id": org["id"]}}, truthOfStream(t, h, "organization"))
}

func TestReferenceTemplates(t *testing.T) {
	h := shared().Handler()
	all, nexts := collect(t, h, "/v1/templates?pageLimit=7")
	assert.NotEmpty(t, nexts, "paged")
	assert.GreaterOrEqual(t, len(all), 140)
	assert.LessOrEqual(t, len(all), 160)
	assert.Equal(t, idSet(truthOfStream(t, h, "templates"), "id"), idSet(all, "id"), "every template once, as the truth")
	byDefault, _ := collect(t, h, "/v1/templates")
	assert.Equal(t, all, byDefault, "the default page size gives the same list")

	var translations []map[string]any
	for _, tm := range all {
		assert.Regexp(t, offsetFormat, tm["createdAt"])
		if v, ok := tm["lastEditedAt"].(string); ok {
			assert.Regexp(t, offsetFormat, v)
			assert.GreaterOrEqual(t, v, tm["createdAt"])
		}
		if tm["translations"] != nil {
			trs := objects(t, tm["translations"])
			locales := map[any]bool{}
			for _, tr := range trs {
				assert.False(t, locales[tr["locale"]], "unique locales")
				locales[tr["locale"]] = true
			}
			translations = append(translations, trs...)
		}
	}
	ex := exampleItems(t, "templates.json", "data")
	shape{[]string{"id", "name", "content", "createdBy", "createdAt", "_type"}, []string{"lastEditedBy", "lastEditedAt", "translations", "subject"}, []string{"folderId"}}.
		check(t, "template", all, ex)
	var exTranslations []map[string]any
	if ex != nil {
		exTranslations = objects(t, ex[0]["translations"])
	}
	shape{required: []string{"locale", "content", "isDeactivated"}, optional: []string{"subject"}}.check(t, "translation", translations, exTranslations)

	total := 0
	for _, kind := range []string{"EmailAutoReply", "QuickResponse"} {
		items, nexts := collect(t, h, "/v1/templates?pageLimit=5&type="+kind)
		require.NotEmpty(t, nexts, kind)
		for _, tm := range items {
			assert.Equal(t, kind, tm["_type"])
		}
		assert.Equal(t, idSet(items, "id"), idSet(slices.DeleteFunc(slices.Clone(all), func(m map[string]any) bool { return m["_type"] != kind }), "id"), kind)
		total += len(items)

		// A pageKey belongs to its type filter.
		u, err := url.Parse(nexts[0])
		require.NoError(t, err)
		q := u.Query()
		q.Set("type", map[string]string{"EmailAutoReply": "QuickResponse", "QuickResponse": "EmailAutoReply"}[kind])
		r := apiGet(t, h, "/v1/templates?"+q.Encode(), testToken)
		assert.Equal(t, http.StatusBadRequest, r.status, string(r.body))
		q.Del("type")
		assert.Equal(t, http.StatusBadRequest, apiGet(t, h, "/v1/templates?"+q.Encode(), testToken).status)
	}
	assert.Equal(t, len(all), total, "the type filters partition the templates")
	r := apiGet(t, h, "/v1/templates?type=Macro", testToken)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.JSONEq(t, `{"message":"Invalid value for: query parameter type"}`, string(r.body))
}

func TestReferenceWebhooks(t *testing.T) {
	h := shared().Handler()
	e := page(t, h, "/v1/webhooks")
	assert.Nil(t, e.Meta)
	assert.Len(t, e.Data, 3)
	shape{[]string{"id", "name", "url", "headers", "secretKey", "enabled", "createdAt", "createdBy", "updatedAt", "updatedBy"},
		[]string{"subscribedEvents", "filters"}, []string{"apiVersion"}}.
		check(t, "webhook", e.Data, exampleItems(t, "webhooks.json", "data"))

	var secrets []map[string]any
	r := apiGet(t, h, "/_truth/webhook_secrets", "")
	require.Equal(t, http.StatusOK, r.status)
	decodeJSON(t, r.body, &secrets)
	listed := map[string]bool{}
	for _, s := range secrets {
		listed[s["value"].(string)] = true
	}
	var served []string
	for _, hook := range e.Data {
		assert.Regexp(t, plainFormat, hook["createdAt"])
		assert.Regexp(t, plainFormat, hook["updatedAt"])
		served = append(served, hook["secretKey"].(string))
		headers, ok := hook["headers"].(map[string]any)
		require.True(t, ok)
		for _, v := range headers {
			served = append(served, v.(string))
		}
	}
	assert.ElementsMatch(t, served, slices.Collect(mapKeys(listed)), "the secrets truth lists every secretKey and header value")
	assert.True(t, slices.ContainsFunc(served, func(s string) bool { return strings.HasPrefix(s, "Basic ") }))
	assert.True(t, slices.ContainsFunc(served, func(s string) bool { return strings.HasPrefix(s, "Bearer ") }))

	truth := apiGet(t, h, "/_truth/webhooks", "")
	assert.Equal(t, idSet(e.Data, "id"), idSet(truthOfStream(t, h, "webhooks"), "id"))
	for _, tr := range truthOfStream(t, h, "webhooks") {
		assert.Len(t, tr, 1, "only the id")
	}
	for _, stream := range apiStreams[1:] {
		body := apiGet(t, h, "/_truth/"+stream, "").body
		for _, s := range served {
			assert.NotContains(t, string(body), s, "the truth of %s leaks a secret", stream)
		}
	}
	assert.NotContains(t, string(truth.body), "secretKey")
}

func TestReferenceKnowledge(t *testing.T) {
	h := shared().Handler()
	colls, nexts := collect(t, h, "/v1/knowledge/collections?pageLimit=1")
	assert.Len(t, nexts, len(colls), "one collection per page, and a last empty page")
	assert.GreaterOrEqual(t, len(colls), 3)
	assert.Equal(t, idSet(truthOfStream(t, h, "knowledge_collections"), "id"), idSet(colls, "id"))
	shape{[]string{"id", "title", "internalKbEnabled", "restrictions"}, []string{"description"}, []string{"position"}}.
		check(t, "collection", colls, exampleItems(t, "knowledge_collections.json", "data"))

	type place struct{ coll, cat string }
	var nodes, articleItems, titles []map[string]any
	catColl, catParent := map[string]string{}, map[string]string{}
	places := map[string][]place{} // article id -> where listed
	depths := map[int]int{}
	var walk func(coll, parent string, n map[string]any, depth int)
	walk = func(coll, parent string, n map[string]any, depth int) {
		require.LessOrEqual(t, depth, 3)
		depths[depth]++
		nodes = append(nodes, n)
		id := n["id"].(string)
		assert.NotContains(t, catColl, id, "a category is listed once")
		catColl[id], catParent[id] = coll, parent
		titles = append(titles, n["title"].(map[string]any))
		for _, a := range objects(t, n["articles"]) {
			articleItems = append(articleItems, a)
			places[a["id"].(string)] = append(places[a["id"].(string)], place{coll, id})
		}
		for _, c := range objects(t, n["categories"]) {
			walk(coll, id, c, depth+1)
		}
	}
	for _, c := range colls {
		id := c["id"].(string)
		assert.Equal(t, c, objectOf(t, h, "/v1/knowledge/collections/"+id))
		cat := objectOf(t, h, "/v1/knowledge/collections/"+id+"/catalog")
		assert.ElementsMatch(t, []string{"categories", "articles"}, slices.Collect(mapKeys(cat)))
		for _, a := range objects(t, cat["articles"]) {
			articleItems = append(articleItems, a)
			places[a["id"].(string)] = append(places[a["id"].(string)], place{id, ""})
		}
		for _, n := range objects(t, cat["categories"]) {
			walk(id, "", n, 1)
		}
	}
	assert.Positive(t, depths[3], "categories nest 3 deep")
	ex := exampleItems(t, "knowledge_collections_collectionId_catalog.json", "data", "categories")
	shape{required: []string{"id"}, optional: []string{"title", "categories", "articles"}}.check(t, "catalog category", nodes, ex)
	shape{required: []string{"id"}, optional: []string{"title"}}.check(t, "catalog article", articleItems,
		exampleItems(t, "knowledge_collections_collectionId_catalog.json", "data", "articles"))
	for _, a := range articleItems {
		titles = append(titles, a["title"].(map[string]any))
	}
	shape{required: []string{"languageId", "title"}}.check(t, "title", titles, nil)
	assert.Equal(t, idSet(truthOfStream(t, h, "knowledge_categories"), "id"), idSet(nodes, "id"), "every category at every depth, once")
	articleIDs := map[string]int{}
	twice, twoColls := 0, 0
	for id, ps := range places {
		articleIDs[id] = 1
		if len(ps) > 1 {
			twice++
		}
		in := map[string]bool{}
		for _, p := range ps {
			in[p.coll] = true
		}
		if len(in) > 1 {
			twoColls++
		}
	}
	assert.Positive(t, twice, "an article listed in two places")
	assert.Positive(t, twoColls, "an article listed in two collections")
	assert.Equal(t, idSet(truthOfStream(t, h, "knowledge_articles"), "id"), articleIDs, "every article, once")
	assert.GreaterOrEqual(t, len(articleIDs), 36)

	var cats []map[string]any
	for _, n := range nodes {
		id := n["id"].(string)
		c := objectOf(t, h, "/v1/knowledge/categories/"+id)
		assert.Equal(t, id, c["id"])
		assert.Equal(t, n["title"], c["title"])
		assert.Equal(t, []any{catColl[id]}, c["parentCollections"])
		if p := catParent[id]; p != "" {
			assert.Equal(t, p, c["parentCategory"])
		} else {
			assert.NotContains(t, c, "parentCategory")
		}
		cats = append(cats, c)
	}
	shape{[]string{"id", "isLocked", "restrictions"}, []string{"title", "isDefaultLocation", "parentCategory", "parentCollections"}, nil}.
		check(t, "category", cats, exampleItems(t, "knowledge_categories_categoryId.json", "data"))

	var arts, versions, links []map[string]any
	for id, ps := range places {
		a := objectOf(t, h, "/v1/knowledge/articles/"+id)
		assert.Equal(t, id, a["id"])
		for _, p := range ps {
			assert.Contains(t, a["parentCollections"], p.coll, "listed in a collection it names")
		}
		if pc, ok := a["parentCategory"].(string); ok {
			assert.True(t, slices.Contains(ps, place{catColl[pc], pc}), "listed in its parent category")
		}
		for _, d := range []string{"createdAt", "updatedAt", "indexedAt"} {
			if v, ok := a[d].(string); ok {
				assert.Regexp(t, gmtFormat, v)
			}
		}
		tr := a["translation"].(map[string]any)
		require.Contains(t, tr, "draft")
		for _, k := range []string{"draft", "published"} {
			if v, ok := tr[k].(map[string]any); ok {
				versions = append(versions, v)
				links = append(links, objects(t, v["availableAt"].(map[string]any)["helpCenterLinks"])...)
			}
		}
		arts = append(arts, a)
	}
	ex = exampleItems(t, "knowledge_articles_articleId.json", "data")
	shape{[]string{"id", "createdAt", "updatedAt", "restrictions"},
		[]string{"isDefaultLocation", "translation", "tags", "indexedAt", "createdBy", "updatedBy", "ownedBy", "indexedBy", "parentCategory", "parentCollections"},
		[]string{"slug"}}.check(t, "article", arts, ex)
	var exVersions []map[string]any
	if ex != nil {
		exVersions = exampleItems(t, "knowledge_articles_articleId.json", "data", "translation", "draft")
	}
	shape{[]string{"language", "title", "isIndexedVersion", "contents", "availableAt", "createdAt", "updatedAt"}, []string{"createdBy", "updatedBy"}, nil}.
		check(t, "article translation", versions, exVersions)
	shape{required: []string{"id", "name", "url"}}.check(t, "help center link", links, nil)

	for _, p := range []string{"/v1/knowledge/articles/", "/v1/knowledge/categories/", "/v1/knowledge/collections/"} {
		assertNotFound(t, h, p+"0b9b1c3e-1111-4222-8333-444455556666")
	}
	assertNotFound(t, h, "/v1/knowledge/collections/0b9b1c3e-1111-4222-8333-444455556666/catalog")
}

func TestReferenceEndUserPages(t *testing.T) {
	s := New(testOptions())
	h := s.Handler()
	for _, p := range []string{"/v1/organization", "/v1/templates", "/v1/conversations/flows", "/v1/knowledge/collections", "/v1/webhooks"} {
		require.Equal(t, http.StatusOK, apiGet(t, h, p, testToken).status, p)
	}
	require.Nil(t, s.api.data.convs, "the reference endpoints leave the conversations' data lazy")

	defs := map[string]map[string]any{}
	for _, d := range page(t, h, "/v1/custom-attributes").Data {
		defs[d["id"].(string)] = d
	}
	users, _ := collect(t, h, "/v1/endusers")
	require.NotEmpty(t, users)
	var pages, attrs []map[string]any
	var pairs []map[string]any
	counts := map[int]int{}
	for _, u := range users {
		id := u["id"].(string)
		p := objectOf(t, h, "/v1/endusers/"+id)
		for k, v := range u {
			if k != "customAttributes" || v != nil {
				assert.Equal(t, v, p[k], "the page shows the end user as listed: %s", k)
			}
		}
		require.Contains(t, p, "customAttributes")
		list := objects(t, p["customAttributes"])
		if u["customAttributes"] == nil {
			assert.LessOrEqual(t, len(list), 3)
		}
		counts[min(len(list), 3)]++
		for _, a := range list {
			def, ok := defs[a["id"].(string)]
			require.True(t, ok, "a defined attribute: %v", a)
			assert.Equal(t, "Contact", def["entityType"])
			assert.Equal(t, def["label"], a["name"])
			assert.Equal(t, def["identifier"], a["identifier"])
			input := def["inputDefinition"].(map[string]any)
			if input["_type"] == "Select" {
				var options []any
				for _, o := range objects(t, input["options"]) {
					options = append(options, o["value"])
				}
				values := asSlice(a["value"])
				assert.NotEmpty(t, values, "a Select's value is a list")
				assert.Subset(t, options, values)
			} else {
				assert.IsType(t, "", a["value"], "a Text's value is a string")
			}
			attrs = append(attrs, a)
			pairs = append(pairs, map[string]any{"end_user_id": id, "id": a["id"]})
		}
		pages = append(pages, p)
	}
	assert.Positive(t, counts[0], "some end users have no custom attributes")
	assert.Positive(t, counts[3], "some have several")
	ex := exampleItems(t, "endusers_userId.json", "data")
	shape{[]string{"id", "createdAt"}, []string{"displayName", "email", "phoneNumber", "additionalEmails", "additionalPhoneNumbers",
		"firstName", "lastName", "middleNames", "avatarUrl", "externalId", "customAttributes"}, nil}.check(t, "end user", pages, ex)
	var exAttrs []map[string]any
	if ex != nil {
		exAttrs = objects(t, ex[0]["customAttributes"])
	}
	shape{[]string{"id", "name", "identifier", "value"}, nil, []string{"updatedAt"}}.check(t, "custom attribute", attrs, exAttrs)
	assert.Equal(t, idSet(truthOfStream(t, h, "end_user_custom_attributes"), "end_user_id", "id"), idSet(pairs, "end_user_id", "id"))

	// Unknown ids: a random one, an agent's, and a pool user's that no
	// conversation names.
	assertNotFound(t, h, "/v1/endusers/0b9b1c3e-1111-4222-8333-444455556666")
	assertNotFound(t, h, "/v1/endusers/"+page(t, h, "/v1/agents").Data[0]["id"].(string))
	listed := idSet(users, "id")
	for path := range s.routes {
		if id, ok := strings.CutPrefix(path, "/v1/endusers/"); ok && listed[id] == 0 {
			r := apiGet(t, h, path, testToken)
			assert.Equal(t, http.StatusNotFound, r.status)
			assert.JSONEq(t, `{"message":"The requested resource could not be found"}`, string(r.body))
		}
	}
	assert.Equal(t, http.StatusUnauthorized, apiGet(t, h, "/v1/endusers/"+users[0]["id"].(string), "Bearer wrong").status)
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
