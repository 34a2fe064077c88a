package dixamock

// This file adds a fake of the Dixa API (dev.dixa.io), next to the Exports
// API. Its data are generated in New with the rest (see api_data.go and
// api_conv.go) and never change. All routes are GET, but for POST
// /v1/analytics/records:
//
//	/v1/conversations/activitylog?fromDatetime=..&toDatetime=..  paged
//	/v1/agents, /v1/endusers                                      paged
//	/v1/teams, /v1/queues, /v1/custom-attributes                  one page
//	/v1/tags[?includeDeactivated=true]                            one page; active tags only by default
//	/v1/teams/{id}/agents, /v1/queues/{id}/members                one page; 404 for unknown ids
//	/v1/conversations/{csid}/ratings, .../{csid}/notes            one page; 404 for unknown csids
//
// the fan-out endpoints (api_fanout.go, api_messages.go, api_analytics.go;
// stream in APIStats after the arrow):
//
//	/v1/conversations/{csid}/messages                   one page, oldest first; 404 for unknown csids -> conversation_messages
//	/v1/analytics/records                               paged catalogue of record types     -> analytics_records
//	POST /v1/analytics/records[?pageLimit=N&pageKey=K]  paged records of one type and period or csids
//	                                                    (JSON body, re-sent for every page) -> analytics_records
//	/v1/analytics/filter/{attribute}                    paged {"data":[{"value","label"}]}  -> analytics_records
//
// and the reference endpoints (api_reference.go, api_knowledge.go; stream
// in APIStats after the arrow):
//
//	/v1/conversations/flows[?channel=C]                 one page; no channel: PstnPhone; other than the spec's 9: 400  -> flows
//	/v1/contact-endpoints[?_type=EmailEndpoint|TelephonyEndpoint]  one page                 -> contact_endpoints
//	/v1/business-hours/schedules                        {"data":{"schedules":[..]}}         -> business_hours
//	/v1/business-hours/schedules/{id}/definition        {"data":{"schedule":{..}}}          -> business_hours
//	/v1/organization                                    {"data":{..}}                       -> organization
//	/v1/templates[?type=EmailAutoReply|QuickResponse]   paged; a pageKey keeps its type     -> templates
//	/v1/webhooks                                        one page, with secretKey and headers -> webhooks
//	/v1/knowledge/collections                           paged                               -> knowledge_collections
//	/v1/knowledge/collections/{id}                      {"data":{..}}                       -> knowledge_collections
//	/v1/knowledge/collections/{id}/catalog              {"data":{"categories":[..],"articles":[..]}} -> knowledge_categories
//	/v1/knowledge/categories/{id}                       {"data":{..}}                       -> knowledge_categories
//	/v1/knowledge/articles/{id}                         {"data":{..}}                       -> knowledge_articles
//	/v1/endusers/{id}                                   {"data":{..end user, customAttributes}} -> end_user_custom_attributes
//
// whose unknown ids answer 404.
//
// Every request goes through, in this order: authentication (the raw token
// or "Bearer <token>", else 401 {"message":"Unauthorized"}), the rate limit
// (429 {"message":"Too many requests"}), [APIOptions].Forbid (403
// {"message":"Forbidden"}), [APIOptions].NotFound and NotFoundEvery (404
// {"message":"Conversation with id 1234 not found"}), [APIOptions].Envelope
// (a 200 whose body is not a list), then the endpoint, whose errors are 400
// (bad parameters) and 404. Lists are {"data":[...]} with, for paged ones,
// "meta":{"next":URL} while more remain; see api_page.go.
// [APIOptions].PageKeys makes meta.next of the paged lists loop.
//
// The activity log answers the entries with fromDatetime <= activityTimestamp
// < toDatetime (both required, RFC 3339 with any fraction and offset; at
// most 90 days apart, else 400 "Invalid value for: query parameter
// toDatetime (at most 90 days)"), ordered by activityTimestamp then id
// ([APIOptions].ActivityOrder "ascending"), the reverse ("descending") or
// in a fixed pseudo-random order ("shuffled"), each across all the pages
// of the query. A pageKey carries the query's window: sent alone it
// continues that query, sent with fromDatetime and toDatetime they must name
// the same instants (else 400). Its entries are those of the conversations
// of New; conversations added by POST /_admin/add have no activity log,
// ratings, notes, messages or analytics records (their /ratings, /notes
// and /messages answer 404). [APIOptions].Latency delays every answer;
// [APIOptions].AnalyticsPaging and AnalyticsRequireFilter shape POST
// /v1/analytics/records (see api_analytics.go).
//
// The truth needs no authentication:
//
//	/_truth/activity_logs[?after=MS&before=MS]  [{"id":"uuid","at":MS}] (at in [after, before))
//	/_truth/agents, end_users, teams, tags (inactive included), queues, custom_attributes  [{"id":..}]
//	/_truth/team_members                        [{"team_id":..,"id":..}]
//	/_truth/queue_members                       [{"queue_id":..,"agentId":..}]
//	/_truth/conversation_ratings                [{"conversation_id":..,"id":..,"ratingType":..}]
//	/_truth/conversation_notes                  [{"id":..,"conversation_id":..}]
//	/_truth/flows, contact_endpoints, business_hours, organization, templates, webhooks,
//	  knowledge_collections, knowledge_categories, knowledge_articles  [{"id":..}]
//	/_truth/end_user_custom_attributes          [{"end_user_id":..,"id":..}]
//	/_truth/webhook_secrets                     [{"id":webhook,"field":"secretKey"|"headers.<name>","value":..}]
//	/_truth/conversation_messages               [{"conversation_id":N,"id":".."}]
//	/_truth/analytics_records[?after=MS&before=MS]  [{"record_id":type,"at":MS,"csid":N}] (primary timestamp in [after, before))
//
// and /_stats gains "api": {"requests":{..},"rate_limited":{..},
// "forbidden":{..},"not_found":{..},"envelope":{..},"looped":{..},"ok":{..},
// "max_in_flight":N} keyed by stream name (see [APIStats]).

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// apiState is the Dixa API part of a [Server].
//
// The data that derive from the conversations (activity log, ratings,
// notes, end users) are generated on first use, from the conversations of
// New (not those that POST /_admin/add adds later), so a server whose Dixa
// API is never asked costs nothing more to create. They are the same
// whenever that happens.
type apiState struct {
	opts APIOptions // with defaults
	data *apiData
	once sync.Once
	lazy func() // fills in the rest of data

	mu        sync.Mutex
	stats     APIStats
	envelopes int64 // requests counted for EnvelopeEvery
	inFlight  int64 // authenticated requests being served now
}

// full returns the data, generating the lazy part on first use.
func (a *apiState) full() *apiData {
	a.once.Do(a.lazy)
	return a.data
}

// addAPIRoutes generates the Dixa API data and adds its routes and truth
// to s.routes. New calls it; it panics if s.opts.APIOptions are invalid.
func (s *Server) addAPIRoutes() {
	if err := s.opts.APIOptions.Validate(); err != nil {
		panic(err)
	}
	apiOpts := s.opts.APIOptions
	a := &apiState{opts: apiOpts.withDefaults(), stats: newAPIStats()}
	d, pools := generateEntities(s.opts)
	a.data = d
	initial := s.data
	a.lazy = func() { generateConvs(s.opts, initial, pools, d) }
	s.api = a
	add := func(path, stream string, h http.HandlerFunc) {
		s.routes[path] = route{http.MethodGet, nil, s.apiHandler(stream, h)}
	}
	add("/v1/conversations/activitylog", "activity_logs", s.handleActivityLog)
	add("/v1/agents", "agents", s.pagedList("agents", func(d *apiData) [][]byte { return d.agents }))
	add("/v1/endusers", "end_users", s.pagedList("end_users", func(d *apiData) [][]byte { return d.endUsers }))
	add("/v1/teams", "teams", singleList(d.teamsBody))
	add("/v1/queues", "queues", singleList(d.queuesBody))
	add("/v1/custom-attributes", "custom_attributes", singleList(d.attrsBody))
	add("/v1/tags", "tags", s.handleTags)
	for _, t := range d.teams {
		add("/v1/teams/"+t.id+"/agents", "team_members", singleList(t.members))
	}
	for _, q := range d.queues {
		add("/v1/queues/"+q.id+"/members", "queue_members", singleList(q.members))
	}
	ratings := s.apiHandler("conversation_ratings", s.handleConvChild(false))
	notes := s.apiHandler("conversation_notes", s.handleConvChild(true))
	for _, c := range initial.convs {
		s.routes["/v1/conversations/"+c.id+"/ratings"] = route{http.MethodGet, nil, ratings}
		s.routes["/v1/conversations/"+c.id+"/notes"] = route{http.MethodGet, nil, notes}
	}
	s.addReferenceRoutes(d, pools)
	s.addFanoutRoutes(initial)
	s.addAPITruth()
	if prev, ok := s.routes["/_stats"]; ok {
		prev.handler = s.statsWithAPI(prev.handler)
		s.routes["/_stats"] = prev
	}
}

// apiHandler wraps the endpoint h of stream with authentication, counting,
// the rate limit and Forbid.
func (s *Server) apiHandler(stream string, h http.HandlerFunc) http.HandlerFunc {
	a := s.api
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.apiAuth(r) {
			writeError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		a.count(func(st *APIStats) { st.Requests[stream]++ })
		defer a.enter()()
		if !a.wait(r) {
			return // the client went away
		}
		if s.opts.MinuteSeconds > 0 {
			limit, window := apiLimit(a.opts.APIPerSecond, s.opts.MinuteSeconds)
			if !s.limits.allow(s.opts.Token+"\x00dixa-api", limit, window, s.now()) {
				a.count(func(st *APIStats) { st.RateLimited[stream]++ })
				writeError(w, http.StatusTooManyRequests, "Too many requests")
				return
			}
		}
		if pathMatches(a.opts.Forbid, r.URL.Path) {
			a.count(func(st *APIStats) { st.Forbidden[stream]++ })
			writeError(w, http.StatusForbidden, "Forbidden")
			return
		}
		if s.notFound(r.URL.Path) {
			a.count(func(st *APIStats) { st.NotFound[stream]++ })
			writeError(w, http.StatusNotFound, notFoundMessage(r.URL.Path))
			return
		}
		if body := a.envelope(r.URL.Path); body != "" {
			a.count(func(st *APIStats) { st.Envelope[stream]++ })
			writeOK(w, body)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r)
		if sw.status == 0 || sw.status == http.StatusOK {
			a.count(func(st *APIStats) { st.OK[stream]++ })
		}
	}
}

// statusWriter remembers the status a handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// apiLimit returns the number of requests allowed per window for a rate of
// perSecond requests per "second" of minuteSeconds/60 seconds.
func apiLimit(perSecond, minuteSeconds float64) (int, time.Duration) {
	limit := max(1, math.Floor(perSecond))
	second := minuteSeconds / 60 * float64(time.Second)
	return int(limit), time.Duration(second * limit / perSecond)
}

// apiAuth reports whether r carries the token: raw, or after "Bearer "
// (scheme case-insensitive).
func (s *Server) apiAuth(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, cred, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		h = strings.TrimSpace(cred)
	}
	return tokenEqual(h, s.opts.Token)
}

// envelope counts a request to path for EnvelopeEvery and returns the body
// of the anomaly it gets, or "" if it gets none.
func (a *apiState) envelope(path string) string {
	if a.opts.Envelope == "" || (len(a.opts.EnvelopePaths) > 0 && !pathMatches(a.opts.EnvelopePaths, path)) {
		return ""
	}
	a.mu.Lock()
	n := a.envelopes
	a.envelopes++
	a.mu.Unlock()
	if every := int64(a.opts.EnvelopeEvery); n%every != every-1 {
		return ""
	}
	return envelopeBodies[a.opts.Envelope]
}

// notFound reports whether the routed Dixa API path is answered 404 by
// NotFound or NotFoundEvery.
func (s *Server) notFound(path string) bool {
	if pathMatches(s.api.opts.NotFound, path) {
		return true
	}
	if s.api.opts.NotFoundEvery <= 0 {
		return false
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) != 4 || segs[0] != "v1" || segs[1] != "conversations" || (segs[3] != "ratings" && segs[3] != "notes" && segs[3] != "messages") {
		return false
	}
	id, err := strconv.ParseInt(segs[2], 10, 64)
	return err == nil && s.ConversationNotFound(id)
}

// NotFound reports whether an authenticated GET of path (without a
// query) to the Dixa API is answered 404: because the mock has no such
// route (for instance the ratings of a conversation added by
// POST /_admin/add), or because of [APIOptions].NotFound or
// NotFoundEvery, unless Forbid answers 403 first. It ignores
// [Options].RedirectTo and the rate limit.
func (s *Server) NotFound(path string) bool {
	if strings.HasPrefix(path, "/_") {
		return false
	}
	rt, ok := s.routes[path]
	if !ok {
		return true
	}
	if rt.auth != nil || pathMatches(s.api.opts.Forbid, path) {
		return false // an export endpoint, or 403
	}
	return s.notFound(path)
}

// ConversationNotFound reports whether [APIOptions].NotFoundEvery makes the
// ratings, notes and messages of the conversation id answer 404: id %
// NotFoundEvery == 0.
func (s *Server) ConversationNotFound(id int64) bool {
	n := int64(s.api.opts.NotFoundEvery)
	return n > 0 && id%n == 0
}

// notFoundMessage is the message of an injected 404 of path, naming the
// conversation, team or queue of the path's id.
func notFoundMessage(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) >= 3 && segs[0] == "v1" {
		if kind, ok := map[string]string{"conversations": "Conversation", "teams": "Team", "queues": "Queue"}[segs[1]]; ok && segs[2] != "activitylog" {
			return kind + " with id " + segs[2] + " not found"
		}
	}
	return "Not found"
}

// pathMatches reports whether path matches one of the prefixes (see
// [APIOptions].Forbid).
func pathMatches(prefixes []string, path string) bool {
	segs := strings.Split(strings.Trim(path, "/"), "/")
next:
	for _, p := range prefixes {
		want := strings.Split(strings.Trim(p, "/"), "/")
		if len(want) > len(segs) {
			continue
		}
		for i, w := range want {
			if w != "*" && w != segs[i] {
				continue next
			}
		}
		return true
	}
	return false
}
