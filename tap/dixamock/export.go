package dixamock

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// Endpoint names, as used in [Stats].
const (
	ConversationExport = "conversation_export" // GET /v1/conversation_export
	MessageExport      = "message_export"      // GET /v1/message_export
)

// exportEndpoint describes one Exports API endpoint.
type exportEndpoint struct {
	name        string
	after       string   // name of the *_after parameter
	before      string   // name of the *_before parameter
	unsupported []string // documented filters the mock does not implement
	limit       int      // requests per "minute" per token
	records     func(d *dataset) []record
}

var (
	conversationExport = exportEndpoint{
		name:   ConversationExport,
		after:  "updated_after",
		before: "updated_before",
		unsupported: []string{
			"closed_after", "closed_before", "created_after", "created_before",
			"last_message_created_after", "last_message_created_before", "csids",
		},
		limit:   10,
		records: func(d *dataset) []record { return d.convs },
	}
	messageExport = exportEndpoint{
		name:    MessageExport,
		after:   "created_after",
		before:  "created_before",
		limit:   3,
		records: func(d *dataset) []record { return d.msgs },
	}
)

// exportHandler serves ep: rate limit, injected faults, parameter
// validation, then the matching records as a bare JSON array in a
// deterministic shuffled order. The caller has already authenticated the
// request.
func (s *Server) exportHandler(ep exportEndpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var n int64 // index of this request among the endpoint's
		s.count(func(st *Stats) { n = st.Requests[ep.name]; st.Requests[ep.name]++ })
		if s.opts.MinuteSeconds > 0 {
			window := time.Duration(s.opts.MinuteSeconds * float64(time.Second))
			if !s.limits.allow(s.opts.Token+"\x00"+ep.name, ep.limit, window, s.now()) {
				s.count(func(st *Stats) { st.RateLimited[ep.name]++ })
				writeError(w, http.StatusTooManyRequests, "API limit has been reached")
				return
			}
		}
		fault, frng := s.opts.Faults.pick(ep.name, n)
		switch fault {
		case FaultRateLimit:
			s.countFault(fault)
			s.injectRateLimit(w, frng)
			return
		case FaultServerError:
			s.countFault(fault)
			injectServerError(w, n, frng)
			return
		case FaultReset:
			s.countFault(fault)
			resetConn(w)
			return
		case FaultObject:
			s.countFault(fault)
			writeOK(w, somethingWentWrong)
			return
		}
		after, before, err := exportWindow(ep, r.URL.Query())
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid query parameters: "+err.Error())
			return
		}
		if s.load != nil {
			s.serveLoad(w, r, ep, after, before, fault, frng)
			return
		}
		recs := s.window(ep.records(s.data), after, before)
		if fault != "" {
			s.countFault(fault)
		}
		if fault != FaultTruncate {
			s.count(func(st *Stats) { st.OK[ep.name]++ })
		}
		rng := rand.New(rand.NewPCG(uint64(s.opts.Seed)^nameHash(ep.name), uint64(after)*0x9e3779b97f4a7c15^uint64(before)))
		order := rng.Perm(len(recs))

		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		bw := bufio.NewWriterSize(s.faultyBody(w, r, fault, frng, arrayLen(recs)), 64<<10)
		_ = bw.WriteByte('[')
		for i, j := range order {
			if i > 0 {
				_ = bw.WriteByte(',')
			}
			if _, err := bw.Write(recs[j].json); err != nil {
				return // the client went away
			}
		}
		_, _ = bw.WriteString("]\n")
		_ = bw.Flush()
	}
}

// arrayLen returns the length of the JSON array of recs, from '[' to ']'.
func arrayLen(recs []record) int64 {
	n := int64(2 + max(len(recs)-1, 0))
	for _, r := range recs {
		n += int64(len(r.json))
	}
	return n
}

// exportWindow validates the query of an export request and returns its
// window in Unix ms.
func exportWindow(ep exportEndpoint, q url.Values) (after, before int64, err error) {
	for _, p := range ep.unsupported {
		if q.Has(p) {
			return 0, 0, fmt.Errorf("%s is not supported by the mock; use %s and %s", p, ep.after, ep.before)
		}
	}
	if !q.Has(ep.after) || !q.Has(ep.before) {
		return 0, 0, fmt.Errorf("%s and %s are both required", ep.after, ep.before)
	}
	if after, err = parseTime(ep.after, q.Get(ep.after)); err != nil {
		return 0, 0, err
	}
	if before, err = parseTime(ep.before, q.Get(ep.before)); err != nil {
		return 0, 0, err
	}
	switch {
	case after >= before:
		return 0, 0, fmt.Errorf("%s must be before %s", ep.after, ep.before)
	case before-after > maxSpanMs:
		return 0, 0, errors.New("query can span at most 31 days")
	}
	return after, before, nil
}

// optionalTimes parses the query parameters a and b with parseTime into
// *va and *vb, leaving a target alone when its parameter is absent.
func optionalTimes(q url.Values, a string, va *int64, b string, vb *int64) error {
	for _, p := range []struct {
		name string
		v    *int64
	}{{a, va}, {b, vb}} {
		if !q.Has(p.name) {
			continue
		}
		v, err := parseTime(p.name, q.Get(p.name))
		if err != nil {
			return err
		}
		*p.v = v
	}
	return nil
}

// parseTime parses a query timestamp: Unix ms or yyyy-mm-dd (UTC midnight).
func parseTime(name, v string) (int64, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return ms, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.UnixMilli(), nil
	}
	return 0, fmt.Errorf("%s=%q is neither Unix ms nor yyyy-mm-dd", name, v)
}

// window returns the records (sorted by at) that the filters after and
// before select, according to the server's inclusivity options.
func (s *Server) window(recs []record, after, before int64) []record {
	lo := sort.Search(len(recs), func(i int) bool {
		if s.opts.AfterInclusive {
			return recs[i].at >= after
		}
		return recs[i].at > after
	})
	hi := sort.Search(len(recs), func(i int) bool {
		if s.opts.BeforeInclusive {
			return recs[i].at > before
		}
		return recs[i].at >= before
	})
	if hi < lo {
		hi = lo
	}
	return recs[lo:hi]
}

// nameHash hashes an endpoint name into a seed component.
func nameHash(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64()
}
