package dixamock

import (
	"bufio"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter counts accepted requests per key in a sliding window.
type limiter struct {
	mu   sync.Mutex
	hits map[string][]time.Time // accepted requests, oldest first
}

// newLimiter returns an empty limiter.
func newLimiter() *limiter {
	return &limiter{hits: make(map[string][]time.Time)}
}

// allow reports whether a request for key at now is within limit requests
// per window, and if so records it. A request at now conflicts with the
// accepted requests made less than window before now; a rejected request is
// not recorded.
func (l *limiter) allow(key string, limit int, window time.Duration, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	hits := l.hits[key]
	drop := 0
	for drop < len(hits) && now.Sub(hits[drop]) >= window {
		drop++
	}
	hits = hits[drop:]
	if len(hits) >= limit {
		l.hits[key] = hits
		return false
	}
	l.hits[key] = append(hits, now)
	return true
}

// Stats counts the requests an export endpoint received, keyed by endpoint
// name ([ConversationExport], [MessageExport]).
type Stats struct {
	// Requests counts every request routed to the endpoint, whatever its
	// outcome (except 401s, which are answered before the endpoint is
	// reached).
	Requests map[string]int64 `json:"requests"`
	// RateLimited counts the requests the rate limiter answered 429
	// (injected 429s are counted in Faults).
	RateLimited map[string]int64 `json:"rate_limited"`
	// OK counts the requests answered 200 with a complete body, slow ones
	// included (and those whose client went away); truncated ones are not.
	OK map[string]int64 `json:"ok"`
	// Faults counts the injected faults of both endpoints by kind
	// ([FaultRateLimit], [FaultServerError], [FaultTruncate], [FaultSlow],
	// [FaultReset], [FaultObject]); see [Faults].
	Faults map[string]int64 `json:"faults"`
	// Redirects counts the requests of both surfaces (the Exports API and
	// the Dixa API, never /_admin, /_truth or /_stats) answered 307 because
	// of [Options].RedirectTo.
	Redirects int64 `json:"redirects"`
}

// newStats returns zeroed counters for both export endpoints and every
// fault kind.
func newStats() Stats {
	st := Stats{Requests: map[string]int64{}, RateLimited: map[string]int64{}, OK: map[string]int64{}, Faults: map[string]int64{}}
	for _, n := range []string{ConversationExport, MessageExport} {
		st.Requests[n], st.RateLimited[n], st.OK[n] = 0, 0, 0
	}
	for _, k := range faultKinds {
		st.Faults[k] = 0
	}
	return st
}

// count applies f to the counters under the lock.
func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := newStats()
	for k, v := range s.stats.Requests {
		st.Requests[k] = v
	}
	for k, v := range s.stats.RateLimited {
		st.RateLimited[k] = v
	}
	for k, v := range s.stats.OK {
		st.OK[k] = v
	}
	for k, v := range s.stats.Faults {
		st.Faults[k] = v
	}
	st.Redirects = s.stats.Redirects
	return st
}

// handleStats serves GET /_stats.
func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Stats())
}

// truthHandler serves GET /_truth/...: truth (sorted by id), optionally
// restricted to at in [after, before), as [{"id":..,"at":..},...]. Ids are
// written as JSON integers if numeric, else as JSON strings.
func (s *Server) truthHandler(truth []Truth, numeric bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		after, before := int64(math.MinInt64), int64(math.MaxInt64)
		var err error
		if q.Has("after") {
			if after, err = parseTime("after", q.Get("after")); err != nil {
				writeError(w, http.StatusBadRequest, "Invalid query parameters: "+err.Error())
				return
			}
		}
		if q.Has("before") {
			if before, err = parseTime("before", q.Get("before")); err != nil {
				writeError(w, http.StatusBadRequest, "Invalid query parameters: "+err.Error())
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		bw := bufio.NewWriterSize(w, 64<<10)
		buf := make([]byte, 0, 128)
		_ = bw.WriteByte('[')
		first := true
		for _, t := range truth {
			if t.At < after || t.At >= before {
				continue
			}
			buf = buf[:0]
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, `{"id":`...)
			if numeric {
				buf = append(buf, t.ID...)
			} else {
				buf = appendString(buf, t.ID)
			}
			buf = append(buf, `,"at":`...)
			buf = strconv.AppendInt(buf, t.At, 10)
			buf = append(buf, '}')
			if _, err := bw.Write(buf); err != nil {
				return
			}
		}
		_, _ = bw.WriteString("]\n")
		_ = bw.Flush()
	}
}
