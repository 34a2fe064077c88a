package dixamock

import (
	"math/rand/v2"
	"net/http"
	"slices"
)

// The knowledge base: 3 or 4 collections, each with a tree of categories
// (up to 3 deep) and about 40 articles spread over the collections' roots
// and categories, some of them listed in two places.

var (
	collectionTitles = []string{"Help Center – Kunder", "Internal KB 🔒", "FAQ <EN>", "よくある質問", "Partner portal"}
	categoryTitles   = []string{
		"Getting started", "Ordrer & levering", "Betaling", "Returns <EU>", "アカウント", "Versand", "Troubleshooting 🛠",
		"FAQ", "Privacy & GDPR", "Integrations", "Abonnement", "\"Power\" users", "Mobile app", "Rechnungen", "Gift cards 🎁",
	}
	articleTitles = []string{
		"How do I reset my password?", "Hvor er min pakke?", "Rücksendung anmelden", "支払い方法について",
		"Changing your <billing> address", "Track an order 📦", "Cancel a subscription", "Refund times & fees",
		"Set up two-factor authentication", "Kontakt os", "Back\\slash in \"titles\"", "Lieferzeiten",
		"Connect Shopify", "Export your data", "Gavekort og rabatkoder", "アプリのインストール",
	}
	helpCenters = []struct{ name, url string }{
		{"Dixa Help Center", "https://help.shop.example"}, {"Hjælpecenter DK", "https://hjaelp.butik.example"},
	}
	kbLanguages = []string{"en", "da", "de", "ja"}
)

// kCollection, kCategory and kArticle are the knowledge base's nodes.
type kCollection struct {
	id, lang   string
	restricted bool
	o          obj
	roots      []*kCategory
	articles   []*kArticle // listed at the collection's root
}

type kCategory struct {
	id         string
	title      obj // TranslationTitle
	restricted bool
	coll       *kCollection
	parent     *kCategory // nil at the root
	children   []*kCategory
	articles   []*kArticle
}

type kArticle struct {
	id    string
	title obj // TranslationTitle
	home  *kCategory
	colls []*kCollection // where it is listed, the first its own
}

// addKnowledgeRoutes draws the knowledge base and adds its routes (with
// add) and the truth of knowledge_collections, knowledge_categories and
// knowledge_articles to d.truth:
//
//	/v1/knowledge/collections               paged                 knowledge_collections
//	/v1/knowledge/collections/{id}          {"data":Collection}   knowledge_collections
//	/v1/knowledge/collections/{id}/catalog  {"data":catalog}      knowledge_categories
//	/v1/knowledge/categories/{id}           {"data":Category}     knowledge_categories
//	/v1/knowledge/articles/{id}             {"data":Article}      knowledge_articles
func (s *Server) addKnowledgeRoutes(d *apiData, p *apiPools, add func(path, stream string, h http.HandlerFunc)) {
	rng := rand.New(rand.NewPCG(uint64(s.opts.Seed), apiKnowStream))
	startMs := ceilMs(s.opts.Start)
	colls := drawKnowledge(rng)

	var collItems [][]byte
	var cats []*kCategory
	var articles []*kArticle
	seen := map[*kArticle]bool{}
	addArticles := func(list []*kArticle) {
		for _, a := range list {
			if !seen[a] {
				seen[a] = true
				articles = append(articles, a)
			}
		}
	}
	var walk func(c *kCategory)
	walk = func(c *kCategory) {
		cats = append(cats, c)
		addArticles(c.articles)
		for _, ch := range c.children {
			walk(ch)
		}
	}
	for _, c := range colls {
		collItems = append(collItems, appendValue(nil, c.o))
		add("/v1/knowledge/collections/"+c.id, "knowledge_collections", singleList(objBody(c.o)))
		var roots []any
		for _, r := range c.roots {
			roots = append(roots, catalogNode(r))
			walk(r)
		}
		addArticles(c.articles)
		add("/v1/knowledge/collections/"+c.id+"/catalog", "knowledge_categories",
			singleList(objBody(obj{{"categories", orEmpty(roots)}, {"articles", articleItems(c.articles)}})))
	}
	add("/v1/knowledge/collections", "knowledge_collections", s.pagedItems("knowledge_collections", collItems))
	for _, c := range cats {
		add("/v1/knowledge/categories/"+c.id, "knowledge_categories", singleList(objBody(categoryObj(rng, c))))
	}
	for _, a := range articles {
		add("/v1/knowledge/articles/"+a.id, "knowledge_articles", singleList(objBody(articleObj(rng, p, a, startMs))))
	}
	d.truth["knowledge_collections"] = truthSorted(colls, func(c *kCollection) string { return c.id })
	d.truth["knowledge_categories"] = truthSorted(cats, func(c *kCategory) string { return c.id })
	d.truth["knowledge_articles"] = truthSorted(articles, func(a *kArticle) string { return a.id })
}

// drawKnowledge draws the collections, their categories and the articles.
func drawKnowledge(rng *rand.Rand) []*kCollection {
	var colls []*kCollection
	n := 3
	if rng.IntN(3) == 0 {
		n = 4
	}
	for i, title := range pickDistinct(rng, collectionTitles, n) {
		c := &kCollection{id: uuid(rng), lang: pick(rng, kbLanguages)}
		internal := i == 1 || chance(rng, 0.2)
		c.restricted = internal && chance(rng, 0.7)
		c.o = obj{{"id", c.id}, {"title", title}}
		c.o = optKV(rng, c.o, 0.7, "description", "Articles for "+title+" – <draft & published>")
		c.o = append(c.o, kv{"internalKbEnabled", internal}, kv{"restrictions", restrictionsObj(c.restricted, c, nil)})
		if i == 2 {
			c.o = append(c.o, kv{"position", int64(i)}) // not in Dixa's docs
		}
		colls = append(colls, c)
	}
	// Categories: 2 to 4 roots per collection, each with 0 to 3 children,
	// each with 0 to 2 children; the first collection's first root has a
	// grandchild, so every depth occurs.
	var all []*kCategory
	byColl := map[*kCollection][]*kCategory{}
	newCat := func(c *kCollection, parent *kCategory) *kCategory {
		k := &kCategory{id: uuid(rng), title: titleObj(c.lang, pick(rng, categoryTitles)), coll: c, parent: parent}
		k.restricted = c.restricted || (parent != nil && parent.restricted) || chance(rng, 0.1)
		if parent != nil {
			parent.children = append(parent.children, k)
		} else {
			c.roots = append(c.roots, k)
		}
		all = append(all, k)
		byColl[c] = append(byColl[c], k)
		return k
	}
	for ci, c := range colls {
		for ri := range 2 + rng.IntN(3) {
			root := newCat(c, nil)
			nChildren := rng.IntN(4)
			if ci == 0 && ri == 0 {
				nChildren = max(nChildren, 1)
			}
			for chi := range nChildren {
				child := newCat(c, root)
				nGrand := rng.IntN(3)
				if ci == 0 && ri == 0 && chi == 0 {
					nGrand = max(nGrand, 1)
				}
				for range nGrand {
					newCat(c, child)
				}
			}
		}
	}
	// Articles: each in one collection, at its root (one in five) or in one
	// of its categories.
	var arts []*kArticle
	for range 36 + rng.IntN(9) {
		c := pick(rng, colls)
		a := &kArticle{id: uuid(rng), title: titleObj(c.lang, pick(rng, articleTitles)), colls: []*kCollection{c}}
		if chance(rng, 0.2) {
			c.articles = append(c.articles, a)
		} else {
			a.home = pick(rng, byColl[c])
			a.home.articles = append(a.home.articles, a)
		}
		arts = append(arts, a)
	}
	// Second places: one article in a second category of its collection,
	// one in another collection (and a few more of either).
	for i := range 2 + rng.IntN(3) {
		a := pick(rng, arts)
		if i%2 == 0 {
			if a.home == nil {
				a = arts[slices.IndexFunc(arts, func(x *kArticle) bool { return x.home != nil })]
			}
			others := slices.DeleteFunc(slices.Clone(byColl[a.colls[0]]), func(k *kCategory) bool { return slices.Contains(k.articles, a) })
			if len(others) > 0 {
				k := pick(rng, others)
				k.articles = append(k.articles, a)
			}
			continue
		}
		others := slices.DeleteFunc(slices.Clone(colls), func(c *kCollection) bool { return slices.Contains(a.colls, c) })
		c := pick(rng, others)
		a.colls = append(a.colls, c)
		if chance(rng, 0.5) {
			c.articles = append(c.articles, a)
		} else {
			k := pick(rng, byColl[c])
			k.articles = append(k.articles, a)
		}
	}
	return colls
}

// titleObj returns a TranslationTitle.
func titleObj(lang, title string) obj {
	return obj{{"languageId", lang}, {"title", title}}
}

// orEmpty returns list, or an empty list for nil.
func orEmpty(list []any) []any {
	if list == nil {
		return []any{}
	}
	return list
}

// restrictionsObj returns the Restrictions of a node of collection c
// whose parent category is parent (nil for a collection or a root).
func restrictionsObj(restricted bool, c *kCollection, parent *kCategory) obj {
	o := obj{{"isRestricted", restricted}}
	var inherited []any
	if c.restricted {
		inherited = append(inherited, obj{{"fromCollection", c.id}})
	}
	if parent != nil && parent.restricted {
		inherited = append(inherited, obj{{"fromCategory", parent.id}})
	}
	if inherited != nil {
		o = append(o, kv{"inheritedRestrictions", inherited})
	}
	return o
}

// catalogNode returns the CategoryCatalogItem of k and its subtree.
func catalogNode(k *kCategory) obj {
	var children []any
	for _, ch := range k.children {
		children = append(children, catalogNode(ch))
	}
	return obj{{"id", k.id}, {"title", k.title}, {"categories", orEmpty(children)}, {"articles", articleItems(k.articles)}}
}

// articleItems returns the ArticleCatalogItems of list.
func articleItems(list []*kArticle) []any {
	out := []any{}
	for _, a := range list {
		out = append(out, obj{{"id", a.id}, {"title", a.title}})
	}
	return out
}

// categoryObj returns the Category of k.
func categoryObj(rng *rand.Rand, k *kCategory) obj {
	o := obj{{"id", k.id}, {"title", k.title}, {"isDefaultLocation", !chance(rng, 0.1)}, {"isLocked", chance(rng, 0.2)},
		{"restrictions", restrictionsObj(k.restricted, k.coll, k.parent)}}
	if k.parent != nil {
		o = append(o, kv{"parentCategory", k.parent.id})
	}
	return append(o, kv{"parentCollections", []string{k.coll.id}})
}

// articleObj returns the Article of a.
func articleObj(rng *rand.Rand, p *apiPools, a *kArticle, startMs int64) obj {
	created := startMs - int64(20+rng.IntN(900))*dayMs - rng.Int64N(dayMs)
	updated := between(rng, created, startMs)
	author, editor := pick(rng, p.agents).id, pick(rng, p.agents).id
	lang, title := a.title[0].v.(string), a.title[1].v.(string)
	version := func(at int64, indexed bool) obj {
		links := []any{}
		for _, hc := range pickDistinct(rng, helpCenters, 1+rng.IntN(2)) {
			links = append(links, obj{{"id", uuid(rng)}, {"name", hc.name}, {"url", hc.url}})
		}
		o := obj{{"language", lang}, {"title", title}, {"isIndexedVersion", indexed},
			{"contents", obj{{"html", "<p>" + title + " – <b>step 1</b> &amp; more</p>"}, {"plaintext", title + " – step 1 & more"}}},
			{"availableAt", obj{{"helpCenterLinks", links}}},
			{"createdAt", gmtTime(created)}, {"updatedAt", gmtTime(at)}}
		o = optKV(rng, o, 0.9, "createdBy", author)
		return optKV(rng, o, 0.9, "updatedBy", editor)
	}
	published := chance(rng, 0.8)
	tr := obj{{"draft", version(updated, !published)}}
	if published {
		tr = append(tr, kv{"published", version(between(rng, created, updated), true)})
	}
	var tags []string
	for _, t := range pickDistinct(rng, p.tags, rng.IntN(3)) {
		tags = append(tags, t.id)
	}
	o := obj{{"id", a.id}, {"isDefaultLocation", true}, {"translation", tr}, {"tags", append([]string{}, tags...)},
		{"createdAt", gmtTime(created)}, {"updatedAt", gmtTime(updated)}}
	if published {
		o = append(o, kv{"indexedAt", gmtTime(updated)})
	}
	o = append(o, kv{"createdBy", author}, kv{"updatedBy", editor}, kv{"ownedBy", pick(rng, p.agents).id})
	if published {
		o = append(o, kv{"indexedBy", editor})
	}
	restricted := a.colls[0].restricted || (a.home != nil && a.home.restricted)
	o = append(o, kv{"restrictions", restrictionsObj(restricted, a.colls[0], a.home)})
	if a.home != nil {
		o = append(o, kv{"parentCategory", a.home.id})
	}
	var colls []string
	for _, c := range a.colls {
		colls = append(colls, c.id)
	}
	o = append(o, kv{"parentCollections", colls})
	if chance(rng, 0.1) {
		o = append(o, kv{"slug", "article-" + a.id[:8]}) // not in Dixa's docs
	}
	return o
}
