// Package dixamock is a deterministic fake of Dixa's Exports API
// (exports.dixa.io), for demos, tests and benchmarks of the tap.
//
// A [Server] generates its data once, in [New], as a pure function of the
// seed, the number of conversations and the data range, and then serves
//
//	GET /v1/conversation_export?updated_after=..&updated_before=..
//	GET /v1/message_export?created_after=..&created_before=..
//
// with Dixa's authentication, parameter validation (31-day limit), per-token
// sliding-window rate limits and bare-JSON-array responses in no particular
// order. The data are biased towards the cases clients get wrong: records
// exactly on UTC midnights and one millisecond either side, conversation ids
// above 2^53, non-ASCII and HTML-significant text, polymorphic fields.
//
// The mock also tells what a correct client must have extracted:
//
//	GET /_truth/conversations[?after=MS&before=MS]  [{"id":1234,"at":MS},...]
//	GET /_truth/messages[?after=MS&before=MS]       [{"id":"uuid","at":MS},...]
//	GET /_stats                                     request counters
//
// These need no authentication. Everything else answers 404.
//
// With [Options].Faults, a deterministic fraction of export requests fail
// as Dixa, its proxies and networks do: 429s (with or without Retry-After),
// 5xx (JSON or a proxy's HTML), bodies cut off mid-array, bodies that stall,
// and connections reset without a response, and 200s whose body is
// {"message":"Something went wrong"}. /_stats counts them.
//
// With [Options].RedirectTo, every request to either surface is answered
// 307 to another server (for instance from https to plain http), to test
// that a client refuses to follow it with its token.
//
// With [Options].LoadMessages the mock is in load mode, for benchmarks:
// message_export streams millions of synthetic messages generated while
// the body is written (see load.go).
package dixamock

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configures a [Server].
type Options struct {
	// Token is the accepted API token. Requests without it get 401
	// {"message":"Invalid or missing credentials"}. An empty Token disables
	// authentication.
	Token string
	// Seed selects the data: they are a pure function of (Seed,
	// Conversations, Start, End).
	Seed int64
	// Conversations is the number of conversations generated. Each has zero
	// to five messages.
	Conversations int
	// Start and End bound the data (UTC): every record's replication
	// timestamp (updated_at of conversations, created_at of messages) is in
	// [Start, End).
	Start, End time.Time
	// AfterInclusive makes the *_after filters match records at exactly the
	// given time (>=); otherwise they match strictly later records (>).
	AfterInclusive bool
	// BeforeInclusive makes the *_before filters match records at exactly
	// the given time (<=); otherwise they match strictly earlier records (<).
	BeforeInclusive bool
	// MinuteSeconds is the length, in seconds, of Dixa's "minute" for rate
	// limits: conversation_export allows 10 and message_export 3 requests
	// per token in any span this long. 0 disables rate limiting.
	MinuteSeconds float64
	// Faults makes a fraction of export requests fail; the zero value
	// injects none.
	Faults Faults
	// LoadMessages > 0 switches on load mode, for benchmarks: message_export
	// streams this many synthetic ~1 KB messages spread over [Start, End)
	// and conversation_export answers [] (see load.go).
	LoadMessages int
	// RedirectTo, if not empty, is an absolute http or https URL (with no
	// query or fragment) to which every request to either surface, the
	// Exports API and the Dixa API, is redirected: it is answered 307 with
	// Location RedirectTo (without a trailing "/") + the request's path and
	// query, before authentication. The mock's own endpoints (/_admin,
	// /_truth, /_stats) are served as usual. [Stats].Redirects counts the
	// redirects.
	RedirectTo string
	APIOptions
}

// Validate reports whether the options can be served: End must be after
// Start, Conversations and MinuteSeconds must not be negative, RedirectTo
// must be empty or an absolute http(s) URL, Faults must be valid (see
// [Faults.Validate]).
func (o Options) Validate() error {
	switch {
	case o.Start.IsZero() || o.End.IsZero():
		return errors.New("dixamock: Start and End must be set")
	case ceilMs(o.End) <= ceilMs(o.Start):
		return errors.New("dixamock: End must be at least 1ms after Start")
	case o.Conversations < 0:
		return errors.New("dixamock: Conversations must not be negative")
	case o.MinuteSeconds < 0:
		return errors.New("dixamock: MinuteSeconds must not be negative")
	case o.LoadMessages < 0:
		return errors.New("dixamock: LoadMessages must not be negative")
	}
	if err := checkRedirectTo(o.RedirectTo); err != nil {
		return err
	}
	return o.Faults.Validate()
}

// Truth is the replication truth of one record: what a correct client
// extracts.
type Truth struct {
	// ID is the record's id as its exact JSON text, without the quotes for
	// strings: a decimal integer for conversations, a UUID for messages.
	ID string `json:"id"`
	// At is the record's replication timestamp in Unix ms: updated_at of a
	// conversation, created_at of a message.
	At int64 `json:"at"`
}

// Server is a fake Dixa Exports API. It is safe for concurrent use.
type Server struct {
	opts   Options
	data   *dataset
	routes map[string]route
	limits *limiter
	api    *apiState
	load   *loadGen         // load mode (load.go); nil otherwise
	now    func() time.Time // clock for rate limits; replaceable in tests

	mu    sync.Mutex
	stats Stats
}

// route is one entry of the routing table: the extension point for more of
// Dixa's surface (for instance the dev.dixa.io lists, which authenticate
// with the raw token and page with {"data":[...],"meta":{"next":...}}).
// method is one method, or several separated by commas ("GET,POST"), the
// handler then telling them apart by r.Method; a GET route also serves
// HEAD. Other methods are answered 405 with Allow.
type route struct {
	method  string
	auth    func(s *Server, r *http.Request) bool // nil: no authentication
	handler http.HandlerFunc
}

// New generates the data for opts and returns a server for them. It panics
// if opts are invalid (see [Options.Validate]); generation takes time
// proportional to Conversations.
func New(opts Options) *Server {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	s := &Server{
		opts:   opts,
		data:   generate(opts),
		limits: newLimiter(),
		now:    time.Now,
		stats:  newStats(),
	}
	s.routes = map[string]route{
		"/v1/conversation_export": {http.MethodGet, (*Server).exportsAuth, s.exportHandler(conversationExport)},
		"/v1/message_export":      {http.MethodGet, (*Server).exportsAuth, s.exportHandler(messageExport)},
		"/_truth/conversations":   {http.MethodGet, nil, s.truthHandler(s.data.convTruth, true)},
		"/_truth/messages":        {http.MethodGet, nil, s.truthHandler(s.data.msgTruth, false)},
		"/_stats":                 {http.MethodGet, nil, s.handleStats},
	}
	s.installAdmin() // POST /_admin/add (admin.go)
	s.addAPIRoutes() // the Dixa API and its truth (api.go)
	if opts.LoadMessages > 0 {
		s.installLoad() // load mode (load.go)
	}
	return s
}

// Handler returns the HTTP handler of the mock, to serve with
// httptest.NewServer or an http.Server.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

// serveHTTP dispatches r through the routing table.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.RedirectTo != "" && !strings.HasPrefix(r.URL.Path, "/_") {
		s.redirect(w, r)
		return
	}
	rt, ok := s.routes[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	if !rt.allows(r.Method) {
		w.Header().Set("Allow", strings.ReplaceAll(rt.method, ",", ", "))
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if rt.auth != nil && !rt.auth(s, r) {
		writeError(w, http.StatusUnauthorized, "Invalid or missing credentials")
		return
	}
	rt.handler(w, r)
}

// allows reports whether rt serves method (HEAD where it serves GET).
func (rt route) allows(method string) bool {
	for m := range strings.SplitSeq(rt.method, ",") {
		if m == method || (m == http.MethodGet && method == http.MethodHead) {
			return true
		}
	}
	return false
}

// checkRedirectTo validates [Options].RedirectTo.
func checkRedirectTo(to string) error {
	if to == "" {
		return nil
	}
	u, err := url.Parse(to)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("dixamock: RedirectTo must be an absolute http or https URL without user, query or fragment, not %q", to)
	}
	return nil
}

// redirect answers r 307 to the same path and query under RedirectTo.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	loc := strings.TrimSuffix(s.opts.RedirectTo, "/") + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	s.count(func(st *Stats) { st.Redirects++ })
	w.Header().Set("Location", loc)
	writeError(w, http.StatusTemporaryRedirect, "Temporary Redirect")
}

// Conversations returns the replication truth of every conversation,
// sorted by numeric id.
func (s *Server) Conversations() []Truth {
	return append([]Truth(nil), s.data.convTruth...)
}

// Messages returns the replication truth of every message, sorted by id.
func (s *Server) Messages() []Truth {
	return append([]Truth(nil), s.data.msgTruth...)
}

// Options returns the options the server was created with.
func (s *Server) Options() Options {
	return s.opts
}

// exportsAuth reports whether r carries the Exports API credentials:
// "Bearer <token>" (scheme case-insensitive) or Basic with user "bearer"
// and the token as password.
func (s *Server) exportsAuth(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok {
		return false
	}
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return tokenEqual(cred, s.opts.Token)
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return false
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		return ok && strings.EqualFold(user, "bearer") && tokenEqual(pass, s.opts.Token)
	}
	return false
}

// tokenEqual compares tokens in constant time.
func tokenEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// writeError answers {"message":msg} with the given status.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b := append([]byte(`{"message":`), appendString(nil, msg)...)
	_, _ = w.Write(append(b, "}\n"...))
}
