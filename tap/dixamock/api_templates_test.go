package dixamock

// Tests of the templates endpoint (api_templates.go).

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
