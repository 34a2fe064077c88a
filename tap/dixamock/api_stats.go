package dixamock

// The Dixa API request counters ([APIStats]), and the "api" member they
// add to /_stats (see api.go).

import (
	"bytes"
	"encoding/json"
	"net/http"
)

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
