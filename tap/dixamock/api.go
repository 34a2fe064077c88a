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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Next styles: how meta.next spells the URL of the next page.
const (
	NextAbsolute = "absolute" // http://host/v1/agents?pageKey=..
	NextRelative = "relative" // /v1/agents?pageKey=..
	NextMixed    = "mixed"    // absolute on even pages, relative on odd ones
)

// Activity log orders.
const (
	OrderAscending  = "ascending"  // by activityTimestamp, then id
	OrderDescending = "descending" // newest first: the reverse of OrderAscending
	OrderShuffled   = "shuffled"   // a fixed pseudo-random order, unrelated to time
)

// Envelope anomalies: 200 responses of the Dixa API that are not a list.
const (
	EnvelopeMessage    = "message"     // {"message":"Something went wrong"}
	EnvelopeEmpty      = "empty"       // {}
	EnvelopeNullData   = "null-data"   // {"data":null}
	EnvelopeObjectData = "object-data" // {"data":{}}
)

// envelopeBodies are the bodies of the envelope anomalies.
var envelopeBodies = map[string]string{
	EnvelopeMessage:    somethingWentWrong,
	EnvelopeEmpty:      "{}\n",
	EnvelopeNullData:   `{"data":null}` + "\n",
	EnvelopeObjectData: `{"data":{}}` + "\n",
}

// Page key anomalies: how meta.next of the paged lists loops.
const (
	PageKeysRepeat = "repeat" // every page's meta.next carries that page's own pageKey
	PageKeysCycle  = "cycle"  // the last page's meta.next points back to the second page
)

// APIOptions configures the Dixa API surface; it is embedded in [Options].
// The zero value is valid and means the defaults.
type APIOptions struct {
	// APIPageSize is the page size of paged lists when a request has no
	// pageLimit (default 100).
	APIPageSize int
	// NextStyle is NextAbsolute, NextRelative or NextMixed (default).
	NextStyle string
	// ActivityOrder is OrderAscending (default), OrderDescending or
	// OrderShuffled: the order of the activity log across all the pages of
	// one query.
	ActivityOrder string
	// Forbid lists path prefixes answered 403 {"message":"Forbidden"}, for
	// tokens without the permission for a stream. They match whole path
	// segments, and a segment "*" matches any one segment:
	// "/v1/agents" forbids /v1/agents and /v1/agents/x but not /v1/agentsx;
	// "/v1/conversations/*/ratings" forbids every conversation's ratings.
	Forbid []string
	// APIPerSecond is the Dixa API rate limit when [Options].MinuteSeconds
	// is positive: this many requests per token (default 10) in any span of
	// MinuteSeconds/60 seconds (with a fractional rate r, floor(r) or at
	// least 1 requests per floor(r)/r or 1/r such spans), else 429.
	APIPerSecond float64
	// Envelope, if not empty, is the anomaly (EnvelopeMessage,
	// EnvelopeEmpty, EnvelopeNullData or EnvelopeObjectData) answered, with
	// status 200, instead of the list to some requests: see EnvelopeEvery.
	Envelope string
	// EnvelopeEvery (default 1) selects the requests that get the Envelope
	// anomaly: counting from 0 the Dixa API requests that pass
	// authentication, the rate limit, Forbid and NotFound and that
	// EnvelopePaths match, the n-th gets it if n % EnvelopeEvery ==
	// EnvelopeEvery-1 (1: every request; 2: every second one). The count is
	// per token (the server accepts one).
	EnvelopeEvery int
	// EnvelopePaths, if not empty, restricts Envelope to the paths under
	// these prefixes (matched as Forbid's); requests to other paths are
	// neither affected nor counted.
	EnvelopePaths []string
	// NotFound lists path prefixes (matched as Forbid's, e.g.
	// "/v1/conversations/*/ratings" or "/v1/conversations/1234/ratings")
	// answered 404 {"message":"Conversation with id 1234 not found"}, as
	// Dixa answers for a conversation it no longer has ("Team with id ..",
	// "Queue with id .." under /v1/teams and /v1/queues, "Not found"
	// elsewhere). See [Server.NotFound].
	NotFound []string
	// NotFoundEvery, if positive, makes /v1/conversations/{id}/ratings,
	// /notes and /messages answer the same 404 for every conversation
	// whose id % NotFoundEvery == 0 (see [Server.ConversationNotFound]).
	NotFoundEvery int
	// PageKeys, if not empty, makes meta.next of the paged lists (activity
	// log, agents, end users) loop: with PageKeysRepeat every page
	// requested with a pageKey has that same pageKey in meta.next (so the
	// second page is served forever), with PageKeysCycle the page that
	// ends the list has in meta.next the second page (the first if the
	// list has only one page of items) instead of the following empty page
	// or none.
	PageKeys string
	// Latency, if positive, is how long every Dixa API request waits,
	// once authenticated, before it is answered (a request whose client
	// goes away meanwhile is not answered), so that tests can measure
	// concurrent fan-out; [APIStats].MaxInFlight counts the overlap.
	Latency time.Duration
	// AnalyticsPaging is how POST /v1/analytics/records points to the next
	// page: AnalyticsPagingMeta (default; "meta":{"next":URL with
	// pageKey}, as the spec) or AnalyticsPagingPageKey (a top-level
	// "pageKey":"K" and no meta, as Dixa's MCP docs say). The catalogue
	// and the filter values always use meta.next.
	AnalyticsPaging string
	// AnalyticsRequireFilter makes POST /v1/analytics/records with a
	// periodFilter and no filters answer 400 {"message":"At least one
	// filter is required when using a period filter"}, as Dixa's MCP
	// docs say.
	AnalyticsRequireFilter bool
}

// Validate reports whether o is valid.
func (o APIOptions) Validate() error {
	switch {
	case o.APIPageSize < 0:
		return errors.New("dixamock: APIPageSize must not be negative")
	case o.NextStyle != "" && o.NextStyle != NextAbsolute && o.NextStyle != NextRelative && o.NextStyle != NextMixed:
		return fmt.Errorf("dixamock: NextStyle must be %q, %q or %q, not %q", NextAbsolute, NextRelative, NextMixed, o.NextStyle)
	case o.ActivityOrder != "" && o.ActivityOrder != OrderAscending && o.ActivityOrder != OrderDescending && o.ActivityOrder != OrderShuffled:
		return fmt.Errorf("dixamock: ActivityOrder must be %q, %q or %q, not %q", OrderAscending, OrderDescending, OrderShuffled, o.ActivityOrder)
	case !(o.APIPerSecond >= 0) || math.IsInf(o.APIPerSecond, 0):
		return errors.New("dixamock: APIPerSecond must be a finite number, not negative")
	case o.Envelope != "" && envelopeBodies[o.Envelope] == "":
		return fmt.Errorf("dixamock: Envelope must be %q, %q, %q or %q, not %q", EnvelopeMessage, EnvelopeEmpty, EnvelopeNullData, EnvelopeObjectData, o.Envelope)
	case o.EnvelopeEvery < 0:
		return errors.New("dixamock: EnvelopeEvery must not be negative")
	case o.NotFoundEvery < 0:
		return errors.New("dixamock: NotFoundEvery must not be negative")
	case o.PageKeys != "" && o.PageKeys != PageKeysRepeat && o.PageKeys != PageKeysCycle:
		return fmt.Errorf("dixamock: PageKeys must be \"\", %q or %q, not %q", PageKeysRepeat, PageKeysCycle, o.PageKeys)
	case o.Latency < 0:
		return errors.New("dixamock: Latency must not be negative")
	case o.AnalyticsPaging != "" && o.AnalyticsPaging != AnalyticsPagingMeta && o.AnalyticsPaging != AnalyticsPagingPageKey:
		return fmt.Errorf("dixamock: AnalyticsPaging must be %q or %q, not %q", AnalyticsPagingMeta, AnalyticsPagingPageKey, o.AnalyticsPaging)
	}
	for _, l := range []struct {
		name     string
		prefixes []string
	}{{"Forbid", o.Forbid}, {"EnvelopePaths", o.EnvelopePaths}, {"NotFound", o.NotFound}} {
		for _, f := range l.prefixes {
			if !strings.HasPrefix(f, "/") {
				return fmt.Errorf("dixamock: %s entry %q must start with /", l.name, f)
			}
		}
	}
	return nil
}

// withDefaults fills in the defaults of unset options.
func (o APIOptions) withDefaults() APIOptions {
	if o.APIPageSize == 0 {
		o.APIPageSize = 100
	}
	if o.NextStyle == "" {
		o.NextStyle = NextMixed
	}
	if o.ActivityOrder == "" {
		o.ActivityOrder = OrderAscending
	}
	if o.APIPerSecond == 0 {
		o.APIPerSecond = 10
	}
	if o.EnvelopeEvery == 0 {
		o.EnvelopeEvery = 1
	}
	if o.AnalyticsPaging == "" {
		o.AnalyticsPaging = AnalyticsPagingMeta
	}
	return o
}

// Stream names of the Dixa API endpoints, as used in [APIStats].
var apiStreams = append(append([]string{
	"activity_logs", "agents", "end_users", "teams", "team_members", "queues",
	"queue_members", "tags", "custom_attributes", "conversation_ratings", "conversation_notes",
}, referenceStreams...), fanoutStreams...)

// APIStats counts the Dixa API requests per stream name (activity_logs,
// agents, end_users, teams, team_members, queues, queue_members, tags,
// custom_attributes, conversation_ratings, conversation_notes, the
// reference streams, conversation_messages, analytics_records).
type APIStats struct {
	// Requests counts every authenticated request to the stream's
	// endpoint, whatever its outcome.
	Requests map[string]int64 `json:"requests"`
	// RateLimited counts the requests answered 429.
	RateLimited map[string]int64 `json:"rate_limited"`
	// Forbidden counts the requests answered 403 (see [APIOptions].Forbid).
	Forbidden map[string]int64 `json:"forbidden"`
	// NotFound counts the requests answered 404 because of
	// [APIOptions].NotFound or NotFoundEvery.
	NotFound map[string]int64 `json:"not_found"`
	// Envelope counts the requests answered an [APIOptions].Envelope
	// anomaly (not counted in OK).
	Envelope map[string]int64 `json:"envelope"`
	// Looped counts the pages whose meta.next [APIOptions].PageKeys made
	// loop (also counted in OK).
	Looped map[string]int64 `json:"looped"`
	// OK counts the requests answered 200 by the endpoint.
	OK map[string]int64 `json:"ok"`
	// MaxInFlight is the largest number of authenticated Dixa API
	// requests (of any stream) that were being served at the same time
	// (see [APIOptions].Latency).
	MaxInFlight int64 `json:"max_in_flight"`
}

// maps returns the counters of st, in a fixed order.
func (st *APIStats) maps() []map[string]int64 {
	return []map[string]int64{st.Requests, st.RateLimited, st.Forbidden, st.NotFound, st.Envelope, st.Looped, st.OK}
}

func newAPIStats() APIStats {
	st := APIStats{Requests: map[string]int64{}, RateLimited: map[string]int64{}, Forbidden: map[string]int64{},
		NotFound: map[string]int64{}, Envelope: map[string]int64{}, Looped: map[string]int64{}, OK: map[string]int64{}}
	for _, m := range st.maps() {
		for _, n := range apiStreams {
			m[n] = 0
		}
	}
	return st
}

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

// APIStats returns a copy of the Dixa API request counters.
func (s *Server) APIStats() APIStats {
	a := s.api
	a.mu.Lock()
	defer a.mu.Unlock()
	st := newAPIStats()
	dst, src := st.maps(), a.stats.maps()
	for i := range dst {
		for k, v := range src[i] {
			dst[i][k] = v
		}
	}
	st.MaxInFlight = a.stats.MaxInFlight
	return st
}

// count applies f to the counters under the lock.
func (a *apiState) count(f func(*APIStats)) {
	a.mu.Lock()
	f(&a.stats)
	a.mu.Unlock()
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

// statsWithAPI returns prev (the /_stats handler) with an "api" member
// added to its JSON object.
func (s *Server) statsWithAPI(prev http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &bufferWriter{header: http.Header{}}
		prev(rec, r)
		body := bytes.TrimSpace(rec.buf.Bytes())
		api, err := json.Marshal(s.APIStats())
		if (rec.status == 0 || rec.status == http.StatusOK) && err == nil && len(body) > 1 && body[len(body)-1] == '}' {
			sep := ","
			if bytes.Equal(bytes.TrimSpace(body[1:len(body)-1]), nil) {
				sep = ""
			}
			body = append(append(append(body[:len(body)-1:len(body)-1], sep+`"api":`...), api...), "}\n"...)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		if rec.status != 0 {
			w.WriteHeader(rec.status)
		}
		_, _ = w.Write(body)
	}
}

// bufferWriter is an http.ResponseWriter that keeps the response.
type bufferWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
