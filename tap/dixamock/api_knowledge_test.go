package dixamock

// Tests of the knowledge base endpoints (api_knowledge.go).

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
