package dixamock

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Fault kinds, as counted in [Stats].Faults and returned by [Faults.Pick].
const (
	FaultRateLimit   = "rate_limit"   // 429 {"message":"API limit has been reached"}
	FaultServerError = "server_error" // 500, 502, 503 or 504
	FaultTruncate    = "truncate"     // 200 whose body is cut off by a broken connection
	FaultSlow        = "slow"         // 200 whose body stalls mid-way
	FaultReset       = "reset"        // connection closed without a response
	FaultObject      = "object"       // 200 {"message":"Something went wrong"} instead of the array
)

// faultKinds lists the kinds in the order of their ranges in [0,1).
// Kinds added later come last, so that the faults of existing options are
// the same.
var faultKinds = [...]string{FaultRateLimit, FaultServerError, FaultTruncate, FaultSlow, FaultReset, FaultObject}

// Faults makes a fraction of export requests (never /_truth or /_stats) fail
// the ways Dixa and networks do, to test a client's retries end to end.
//
// Whether and how the n-th authenticated request to an endpoint fails is a
// pure function of (Seed, endpoint, n), so a sequential client sees the same
// sequence every run (see [Faults.Pick]). The fractions are independent
// slices of [0,1); their sum must not exceed 1. A request the rate limiter
// rejects gets the limiter's 429 instead of its fault (the limit is checked
// first), and every request the limiter lets through counts against the
// limit, faulty or not. Truncate and Slow affect only requests whose
// parameters are valid: the others get their 400.
type Faults struct {
	// Seed selects the sequence of faults.
	Seed int64
	// RateLimit is the fraction answered 429 {"message":"API limit has been
	// reached"}.
	RateLimit float64
	// RetryAfter, if positive, is sent with the injected 429s: half of them
	// (chosen deterministically) carry Retry-After in whole seconds (rounded
	// up), the others as an HTTP-date (rounded up to the second). If zero,
	// there is no Retry-After header.
	RetryAfter time.Duration
	// ServerError is the fraction answered 500, 502, 503 or 504, cycling
	// with the request index, with {"message":"Internal error"}; half of the
	// 502s and 504s carry a proxy's HTML page instead.
	ServerError float64
	// Truncate is the fraction answered 200 whose body stops at a
	// deterministic random point, from right after '[' to just before the
	// final ']', after which the connection is broken: the client reads an
	// unexpected EOF, not a clean end.
	Truncate float64
	// Slow is the fraction answered 200 whose body stalls at a deterministic
	// random point for SlowFor (or until the client goes away), then
	// continues to the end.
	Slow    float64
	SlowFor time.Duration
	// Reset is the fraction whose connection is reset without any response.
	Reset float64
	// Object is the fraction answered 200 {"message":"Something went
	// wrong"}: an object where the bare array should be, as Dixa sometimes
	// answers.
	Object float64
}

// fractions returns the fractions in the order of faultKinds.
func (f Faults) fractions() [len(faultKinds)]float64 {
	return [...]float64{f.RateLimit, f.ServerError, f.Truncate, f.Slow, f.Reset, f.Object}
}

// sumTolerance absorbs rounding in sums of fractions such as 0.1+0.2+0.7.
const sumTolerance = 1e-9

// Validate reports whether f can be served: every fraction in [0,1], their
// sum at most 1, durations not negative.
func (f Faults) Validate() error {
	names := [...]string{"RateLimit", "ServerError", "Truncate", "Slow", "Reset", "Object"}
	sum := 0.0
	for i, x := range f.fractions() {
		if !(x >= 0 && x <= 1) {
			return fmt.Errorf("dixamock: Faults.%s must be in [0,1], not %v", names[i], x)
		}
		sum += x
	}
	switch {
	case sum > 1+sumTolerance:
		return fmt.Errorf("dixamock: the Faults fractions sum to %.4g, more than 1", sum)
	case f.RetryAfter < 0:
		return errors.New("dixamock: Faults.RetryAfter must not be negative")
	case f.SlowFor < 0:
		return errors.New("dixamock: Faults.SlowFor must not be negative")
	}
	return nil
}

// Enabled reports whether any fault has a positive fraction.
func (f Faults) Enabled() bool {
	for _, x := range f.fractions() {
		if x > 0 {
			return true
		}
	}
	return false
}

// Pick returns the kind of fault injected into the n-th (from 0)
// authenticated request to endpoint ([ConversationExport] or
// [MessageExport]), or "" if it is served normally. n counts every request
// that passed authentication, including those the rate limiter rejected.
func (f Faults) Pick(endpoint string, n int64) string {
	kind, _ := f.pick(endpoint, n)
	return kind
}

// pick returns the fault of the n-th request to endpoint and a random
// source, private to that request, for the fault's details.
func (f Faults) pick(endpoint string, n int64) (string, *rand.Rand) {
	if !f.Enabled() {
		return "", nil
	}
	rng := rand.New(rand.NewPCG(mix64(uint64(f.Seed)^0x6661756c7473), mix64(nameHash(endpoint)^mix64(uint64(n)))))
	u := rng.Float64()
	cum, last := 0.0, ""
	for i, x := range f.fractions() {
		if x <= 0 {
			continue
		}
		cum += x
		last = faultKinds[i]
		if u < cum {
			return last, rng
		}
	}
	if cum >= 1-sumTolerance {
		return last, rng // fractions meant to cover [0,1) despite rounding
	}
	return "", rng
}

// mix64 is SplitMix64's finaliser: it spreads nearby seeds apart.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// countFault counts an injected fault of the given kind.
func (s *Server) countFault(kind string) {
	s.count(func(st *Stats) { st.Faults[kind]++ })
}

// injectRateLimit answers 429, with Retry-After as configured.
func (s *Server) injectRateLimit(w http.ResponseWriter, rng *rand.Rand) {
	if d := s.opts.Faults.RetryAfter; d > 0 {
		if rng.IntN(2) == 0 {
			secs := (d + time.Second - 1) / time.Second
			w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
		} else {
			at := s.now().Add(d)
			if t := at.Truncate(time.Second); t.Before(at) {
				at = t.Add(time.Second)
			}
			w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
		}
	}
	writeError(w, http.StatusTooManyRequests, "API limit has been reached")
}

// somethingWentWrong is the body of FaultObject and of the Dixa API's
// EnvelopeMessage: an error message with status 200.
const somethingWentWrong = `{"message":"Something went wrong"}` + "\n"

// writeOK answers 200 with the JSON body.
func writeOK(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, body)
}

// serverErrors are the statuses of injected server errors, cycled.
var serverErrors = [...]int{
	http.StatusInternalServerError, http.StatusBadGateway,
	http.StatusServiceUnavailable, http.StatusGatewayTimeout,
}

// injectServerError answers the n-th request's server error: JSON from
// Dixa, or for half of the 502s and 504s an HTML page from a proxy.
func injectServerError(w http.ResponseWriter, n int64, rng *rand.Rand) {
	status := serverErrors[n%int64(len(serverErrors))]
	if (status == http.StatusBadGateway || status == http.StatusGatewayTimeout) && rng.IntN(2) == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
		return
	}
	writeError(w, status, "Internal error")
}

// resetConn closes the request's connection without a response: with a TCP
// reset if the connection can be hijacked, else by aborting the handler.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: the server resets the stream
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST: "connection reset by peer"
	}
	_ = conn.Close()
}

// faultyBody returns the writer for a 200 body of size bytes that carries
// the fault kind (FaultTruncate or FaultSlow), or w itself for no fault.
func (s *Server) faultyBody(w http.ResponseWriter, r *http.Request, kind string, rng *rand.Rand, size int64) io.Writer {
	if kind != FaultTruncate && kind != FaultSlow {
		return w
	}
	cut := 1 + rng.Int64N(size-1) // after '[' .. before the final ']'
	rc := http.NewResponseController(w)
	if kind == FaultTruncate {
		return &cutWriter{w: w, left: cut, at: func() error {
			_ = rc.Flush()
			panic(http.ErrAbortHandler) // closes the connection mid-body
		}}
	}
	return &cutWriter{w: w, left: cut, at: func() error {
		if err := rc.Flush(); err != nil {
			return err
		}
		t := time.NewTimer(s.opts.Faults.SlowFor)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}}
}

// cutWriter passes writes through to w and calls at once left bytes have
// been written; an error from at stops the writing.
type cutWriter struct {
	w    io.Writer
	left int64
	at   func() error // nil once called
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.at == nil || int64(len(p)) < c.left {
		c.left -= int64(len(p))
		return c.w.Write(p)
	}
	n, err := c.w.Write(p[:c.left])
	if err != nil {
		return n, err
	}
	at := c.at
	c.at = nil
	if err := at(); err != nil {
		return n, err
	}
	m, err := c.w.Write(p[n:])
	return n + m, err
}
