package dixamock

// The reference endpoints of the Dixa API: conversation flows, contact
// endpoints, business hours, the organization, templates, webhook
// subscriptions, the knowledge base (api_knowledge.go) and the end users'
// own pages with their custom attributes. Their data are drawn in New from
// the seed (on PCG streams of their own, so the other data do not change),
// except the end users' pages, which derive from the lazily generated end
// users (see apiState.full). This file adds their routes; each family's
// data are drawn in a file of its own: api_flows.go (flows, contact
// endpoints, organization), api_hours.go, api_templates.go,
// api_webhooks.go and api_endusers.go.

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
)

// referenceStreams are the stream names of the reference endpoints served
// by addReferenceRoutes, as counted in [APIStats].
var referenceStreams = []string{
	"flows", "contact_endpoints", "business_hours", "organization", "templates", "webhooks",
	"knowledge_collections", "knowledge_categories", "knowledge_articles", "end_user_custom_attributes",
}

// Stream constants of the reference data.
const (
	apiRefStream  uint64 = 0xa91e_0000_0000_0001 // flows, endpoints, hours, organization, templates, webhooks
	apiKnowStream uint64 = 0xa91e_0000_0000_0002 // the knowledge base
	apiUserStream uint64 = 0xa91e_0000_0001_0000 // xor nameHash(id): an end user's page
)

// msgResourceNotFound is Dixa's 404 message for an unknown entity.
const msgResourceNotFound = "The requested resource could not be found"

// refGen draws the reference data.
type refGen struct {
	rng     *rand.Rand
	p       *apiPools
	startMs int64
}

// addReferenceRoutes adds the reference endpoints of the Dixa API, and the
// truth of their streams to d.truth (served by addAPITruth).
func (s *Server) addReferenceRoutes(d *apiData, pools *apiPools) {
	g := &refGen{rng: rand.New(rand.NewPCG(uint64(s.opts.Seed), apiRefStream)), p: pools, startMs: ceilMs(s.opts.Start)}
	add := func(path, stream string, h http.HandlerFunc) {
		s.routes[path] = route{http.MethodGet, nil, s.apiHandler(stream, h)}
	}

	eps := g.contactEndpoints()
	var all, emails, phones []any
	for _, ep := range eps {
		all = append(all, ep.o)
		if ep.email {
			emails = append(emails, ep.o)
		} else {
			phones = append(phones, ep.o)
		}
	}
	d.truth["contact_endpoints"] = truthSorted(eps, func(ep contactEndpoint) string { return ep.id })
	add("/v1/contact-endpoints", "contact_endpoints", byQuery("_type", dataBody(all),
		map[string][]byte{"EmailEndpoint": dataBody(emails), "TelephonyEndpoint": dataBody(phones)}))

	flows, flowIDs := g.flows(eps)
	d.truth["flows"] = truthSorted(flowIDs, func(s string) string { return s })
	add("/v1/conversations/flows", "flows", byQuery("channel", flows["PstnPhone"], flows))

	list, defs := g.businessHours()
	d.truth["business_hours"] = truthSorted(slices.Collect(mapKeys(defs)), func(s string) string { return s })
	add("/v1/business-hours/schedules", "business_hours", singleList(list))
	for id, body := range defs {
		add("/v1/business-hours/schedules/"+id+"/definition", "business_hours", singleList(body))
	}

	org, orgID := g.organization(d.queuesBody)
	d.truth["organization"] = truthIDs([]string{orgID}, func(s string) string { return s })
	add("/v1/organization", "organization", singleList(org))

	templates, templateIDs := g.templates()
	d.truth["templates"] = truthSorted(templateIDs, func(s string) string { return s })
	add("/v1/templates", "templates", s.handleTemplates(templates))

	hooks, hookIDs, secrets := g.webhooks()
	d.truth["webhooks"] = truthSorted(hookIDs, func(s string) string { return s })
	add("/v1/webhooks", "webhooks", singleList(hooks))
	secretItems := make([]any, len(secrets))
	for i, x := range secrets {
		secretItems[i] = obj{{"id", x.id}, {"field", x.field}, {"value", x.value}}
	}
	secretsBody := append(appendValue(nil, secretItems), '\n')
	s.routes["/_truth/webhook_secrets"] = route{http.MethodGet, nil, singleList(secretsBody)}

	s.addKnowledgeRoutes(d, pools, add)

	// The end users' pages: every end user is a requester, drawn from the
	// pool, so the pool's users get routes; those no conversation names
	// are answered 404 like unknown ids.
	var users map[string][]byte // end user id -> page; set by the lazy part
	prev := s.api.lazy
	s.api.lazy = func() {
		prev()
		var truth []byte
		users, truth = endUserPages(s.opts.Seed, d, pools)
		d.truth["end_user_custom_attributes"] = truth
	}
	userPage := s.apiHandler("end_user_custom_attributes", func(w http.ResponseWriter, r *http.Request) {
		s.api.full()
		body, ok := users[strings.TrimPrefix(r.URL.Path, "/v1/endusers/")]
		if !ok {
			writeError(w, http.StatusNotFound, msgResourceNotFound)
			return
		}
		singleList(body)(w, r)
	})
	agents := map[string]bool{}
	for _, ag := range pools.agents {
		agents[ag.id] = true
	}
	for id := range pools.byID {
		if !agents[id] {
			s.routes["/v1/endusers/"+id] = route{http.MethodGet, nil, userPage}
		}
	}
}

// byQuery serves the body of the value of the query parameter name: def
// when it is absent; 400 "Invalid value for: query parameter <name>" for
// a value bodies lacks (the empty one included).
func byQuery(name string, def []byte, bodies map[string][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		body := def
		if q.Has(name) {
			body = bodies[q.Get(name)]
		}
		if body == nil {
			writeError(w, http.StatusBadRequest, "Invalid value for: query parameter "+name)
			return
		}
		singleList(body)(w, r)
	}
}

// mapKeys yields the keys of m.
func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// objBody returns {"data":v}.
func objBody(v any) []byte {
	return append(appendValue([]byte(`{"data":`), v), "}\n"...)
}

// pagedItems serves a paged list of pre-encoded items.
func (s *Server) pagedItems(stream string, items [][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if pos, ok := s.pagePosition(w, r, stream, false, 0, 0); ok {
			s.writePage(w, r, pos, func(i int) []byte { return items[i] }, len(items))
		}
	}
}
