// Package dixa is a client for Dixa's two HTTP surfaces: the Exports API
// (exports.dixa.io), which answers a whole time window as one JSON array,
// and the Dixa API (dev.dixa.io). It paces requests per endpoint, sends
// each surface's authorization header, and turns error answers into typed
// errors that never carry the token. It knows nothing of Singer.
package dixa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Default base URLs of the two surfaces.
const (
	DefaultExportsBaseURL = "https://exports.dixa.io"
	DefaultAPIBaseURL     = "https://dev.dixa.io"
)

// Surface is one of Dixa's two HTTP surfaces.
type Surface int

// The surfaces.
const (
	Exports Surface = iota // Authorization: Bearer <token>
	API                    // Authorization: <token>
)

// Client talks to Dixa. Create one with NewClient; it is safe for
// concurrent use.
type Client struct {
	token     string
	userAgent string
	base      [2]*url.URL
	http      *http.Client
	limits    map[string]rate.Limit // by endpoint path
	pacers    map[string]*pacer     // by endpoint path
	surfRate  [2]rate.Limit         // 0: the surface is not paced as a whole
	surface   [2]*pacer             // for every endpoint of a surface
	timeout   time.Duration
	observe   func(Observation)
	onWait    func(Wait)
	retries   int
	onRetry   func(Retry)
}

// Observation describes one finished request, for metrics and logs.
type Observation struct {
	Method   string        // GET
	URL      string        // the request URL with its query, safe to log
	Path     string        // the endpoint path, e.g. /v1/message_export
	Status   int           // HTTP status, 0 when no response came
	Duration time.Duration // until the response headers arrived
	Waited   time.Duration // spent on pacing before the request went
	Err      error         // nil for a 200
}

// WithObserver calls fn after every request with its outcome.
func WithObserver(fn func(Observation)) Option {
	return func(c *Client) error { c.observe = fn; return nil }
}

// Wait is a pacing wait about to begin: the request waits Duration before
// it goes.
type Wait struct {
	Method   string        // GET
	Path     string        // the endpoint path, e.g. /v1/message_export
	Duration time.Duration // how long the pacing holds the request
}

// WithWaitObserver calls fn before every pacing wait, once per request,
// with the wait as first computed (another request of the same endpoint
// may lengthen it).
func WithWaitObserver(fn func(Wait)) Option {
	return func(c *Client) error { c.onWait = fn; return nil }
}

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL sets the base URL of a surface.
func WithBaseURL(s Surface, raw string) Option {
	return func(c *Client) error {
		u, err := url.Parse(strings.TrimSuffix(raw, "/"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("dixa: invalid base URL %q", raw)
		}
		c.base[s] = u
		return nil
	}
}

// WithHTTPClient sets the HTTP client. Its redirect policy is replaced by
// one that follows only redirects to the same scheme, host and port.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error { c.http = hc; return nil }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error { c.userAgent = ua; return nil }
}

// WithRateLimit paces requests to the endpoint path at r requests a
// second (rate.Inf: no pacing), one at a time and evenly spaced
// (PacedInterval(r) apart, a PacingMargin under r), so that no span holds
// more than its share. After a 429 the endpoint is paced more slowly for a
// while. r must be above 0.
func WithRateLimit(path string, r rate.Limit) Option {
	return func(c *Client) error {
		if err := validRate(path, r); err != nil {
			return err
		}
		c.limits[path] = r
		return nil
	}
}

// WithTimeout fails a request whose response headers take longer than d
// to arrive, or whose body then keeps a Read waiting for d (ErrStalled).
// Only time spent waiting on the server counts, never time between the
// caller's Reads. The default is 5 minutes; d <= 0 means no timeout.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error { c.timeout = d; return nil }
}

// WithSurfaceRateLimit paces all requests to surface s at r requests a
// second, like WithRateLimit, on top of any endpoint's own pacing. After a
// 429 from the Dixa API the whole surface is paced more slowly for a
// while.
//
// burst is ignored: requests are always evenly spaced (a burst of 1), which
// keeps every span under the limit even when the server allows bursts. It
// is kept for compatibility.
func WithSurfaceRateLimit(s Surface, r rate.Limit, burst int) Option {
	_ = burst
	return func(c *Client) error {
		if s != Exports && s != API {
			return fmt.Errorf("dixa: unknown surface %d", s)
		}
		if err := validRate(fmt.Sprintf("surface %d", s), r); err != nil {
			return err
		}
		c.surfRate[s] = r
		return nil
	}
}

// NewClient returns a Client that authenticates with token.
func NewClient(token string, opts ...Option) (*Client, error) {
	c := &Client{
		token:     token,
		userAgent: "tap-dixa",
		limits:    map[string]rate.Limit{},
		pacers:    map[string]*pacer{},
		timeout:   5 * time.Minute,
		retries:   8,
	}
	if err := WithBaseURL(Exports, DefaultExportsBaseURL)(c); err != nil {
		return nil, err
	}
	if err := WithBaseURL(API, DefaultAPIBaseURL)(c); err != nil {
		return nil, err
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	hc := http.Client{}
	if c.http != nil {
		hc = *c.http
	}
	hc.CheckRedirect = c.checkRedirect
	c.http = &hc
	for path, r := range c.limits {
		c.pacers[path] = newPacer(r)
	}
	for s, r := range c.surfRate {
		if r > 0 {
			c.surface[s] = newPacer(r)
		}
	}
	return c, nil
}

// maxRedirects is how many redirects one request follows.
const maxRedirects = 10

// checkRedirect follows up to maxRedirects redirects that keep the scheme,
// host and port, and refuses any other (a *RefusedError), as well as any
// that would send the token over plain http to a host that is not loopback.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects { // via holds the first request too
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return c.refuse(via[len(via)-1].URL, req.URL)
}

// RefusedError is a request the client would not send: a redirect that
// leaves https or the original host or port, or one that would carry the
// token over plain http to a host that is not loopback. It is not retried.
type RefusedError struct {
	// From is the URL redirected from, "" when the request is no redirect.
	From string
	// URL is the URL refused. Both are safe to log.
	URL string
	// Reason says why.
	Reason string
}

func (e *RefusedError) Error() string {
	if e.From != "" {
		return fmt.Sprintf("refusing redirect from %s to %s: %s", e.From, e.URL, e.Reason)
	}
	return fmt.Sprintf("refusing to send the token to %s: %s", e.URL, e.Reason)
}

// refuse returns a *RefusedError when a request to to, redirected from
// from (nil for no redirect), must not be sent.
func (c *Client) refuse(from, to *url.URL) error {
	var reason string
	switch {
	case from != nil && from.Scheme == "https" && to.Scheme != "https":
		reason = "it leaves https"
	case from != nil && from.Scheme != to.Scheme:
		reason = "it changes the scheme"
	case from != nil && !strings.EqualFold(from.Hostname(), to.Hostname()):
		reason = "it leaves host " + from.Hostname()
	case from != nil && port(from) != port(to):
		reason = "it changes the port from " + port(from) + " to " + port(to)
	case to.Scheme != "https" && !(to.Scheme == "http" && isLoopback(to.Hostname())):
		reason = "the token is sent only over https, or plain http to a loopback host"
	default:
		return nil
	}
	e := &RefusedError{URL: c.redact(to.String()), Reason: reason}
	if from != nil {
		e.From = c.redact(from.String())
	}
	return e
}

// port returns u's port, the scheme's default when u names none.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		if p = strings.TrimLeft(p, "0"); p == "" {
			return "0"
		}
		return p
	}
	switch u.Scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// isLoopback reports whether host is localhost or a loopback address
// (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Response is a successful answer whose body the caller reads and closes.
type Response struct {
	Body io.ReadCloser
	// URL is the request URL, safe to log.
	URL string
}

// Get requests path on surface s with the query, after waiting for the
// endpoint's pacing. A status other than 200 is returned as an
// *ErrorResponse, *AuthError or *RateLimitError with the body closed. A
// request that would send the token over plain http to a host that is not
// loopback, or a redirect elsewhere, fails with a *RefusedError.
//
// A 429 slows the endpoint's pacing down (and the surface's, for the Dixa
// API); each 200 brings it gradually back.
func (c *Client) Get(ctx context.Context, s Surface, path string, query url.Values) (*Response, error) {
	return c.Do(ctx, s, http.MethodGet, path, query, nil)
}

// Do is Get with any method, sending body (JSON) when it is not nil.
func (c *Client) Do(ctx context.Context, s Surface, method, path string, query url.Values, body []byte) (*Response, error) {
	u := c.base[s].JoinPath(path)
	u.RawQuery = query.Encode()
	if err := c.refuse(nil, u); err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, c.redact(u.String()), err)
	}
	var pacers []*pacer // surface first, then path: the locking order
	for _, p := range []*pacer{c.surface[s], c.pacers[path]} {
		if p != nil {
			pacers = append(pacers, p)
		}
	}
	var onWait func(time.Duration)
	if c.onWait != nil {
		onWait = func(d time.Duration) { c.onWait(Wait{Method: method, Path: path, Duration: d}) }
	}
	paceBegan := time.Now()
	if err := pace(ctx, onWait, pacers...); err != nil {
		return nil, err
	}
	waited := time.Since(paceBegan)
	rctx, cancel := context.WithCancelCause(ctx)
	var reqBody io.Reader
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, u.String(), reqBody)
	if err != nil {
		cancel(nil)
		return nil, fmt.Errorf("dixa: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch s {
	case Exports:
		req.Header.Set("Authorization", "Bearer "+c.token)
	default:
		req.Header.Set("Authorization", c.token)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	idle := newIdleBody(rctx, cancel, c.timeout) // armed until the headers arrive
	began := time.Now()
	resp, err := c.http.Do(req)
	idle.disarm()
	if resp != nil {
		c.adapt(s, path, resp.StatusCode)
	}
	if c.observe != nil {
		o := Observation{Method: method, URL: c.redact(u.String()), Path: path,
			Duration: time.Since(began), Waited: waited, Err: err}
		if resp != nil {
			o.Status = resp.StatusCode
		}
		if err == nil && resp.StatusCode != http.StatusOK {
			o.Err = errors.New(resp.Status)
		}
		c.observe(o)
	}
	if err != nil {
		idle.Close()
		if errors.Is(context.Cause(rctx), ErrStalled) {
			return nil, fmt.Errorf("%s %s: no response within %s: %w", method, u, c.timeout, ErrStalled)
		}
		var refused *RefusedError
		if errors.As(err, &refused) {
			return nil, fmt.Errorf("%s %s: %w", method, c.redact(u.String()), refused)
		}
		return nil, c.redactErr(err)
	}
	idle.body = resp.Body
	if resp.StatusCode != http.StatusOK {
		err := c.errorFrom(resp)
		idle.Close()
		return nil, err
	}
	return &Response{Body: idle, URL: u.String()}, nil
}

// adapt slows the pacing down after a 429 and back up after a 200: the
// endpoint's, and the surface's for the Dixa API, whose limit is counted
// per surface (the Exports API counts per endpoint).
func (c *Client) adapt(s Surface, path string, status int) {
	ps := []*pacer{c.pacers[path]}
	if s == API {
		ps = append(ps, c.surface[s])
	}
	for _, p := range ps {
		switch {
		case p == nil:
		case status == http.StatusTooManyRequests:
			p.slowDown()
		case status == http.StatusOK:
			p.speedUp()
		}
	}
}

// redactErr hides the token in an error's text, should a transport error
// ever quote it, and keeps the error unwrappable.
func (c *Client) redactErr(err error) error {
	if c.token != "" && strings.Contains(err.Error(), c.token) {
		return &redactedError{text: c.redact(err.Error()), err: err}
	}
	return err
}

func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[redacted]")
}

type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
