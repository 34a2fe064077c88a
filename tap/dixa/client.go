// Package dixa is a client for Dixa's two HTTP surfaces: the Exports API
// (exports.dixa.io), which answers a whole time window as one JSON array,
// and the Dixa API (dev.dixa.io). It paces requests per endpoint, sends
// each surface's authorization header, and turns error answers into typed
// errors that never carry the token. It knows nothing of Singer.
package dixa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	limiters  map[string]*rate.Limiter
	surface   [2]*rate.Limiter // for every endpoint of a surface
	timeout   time.Duration
	observe   func(Observation)
}

// Observation describes one finished request, for metrics.
type Observation struct {
	Path     string        // the endpoint path, e.g. /v1/message_export
	Status   int           // HTTP status, 0 when no response came
	Duration time.Duration // until the response headers arrived
	Err      error         // nil for a 200
}

// WithObserver calls fn after every request with its outcome.
func WithObserver(fn func(Observation)) Option {
	return func(c *Client) error { c.observe = fn; return nil }
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
// one that never sends the token to another host.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error { c.http = hc; return nil }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error { c.userAgent = ua; return nil }
}

// WithRateLimit paces requests to the endpoint path at r requests a
// second, evenly spaced, so that no span holds more than its share.
func WithRateLimit(path string, r rate.Limit) Option {
	return func(c *Client) error { c.limits[path] = r; return nil }
}

// WithTimeout fails a request whose response headers take longer than d
// to arrive, or whose body then sends nothing for d (ErrStalled). The
// default is 5 minutes.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error { c.timeout = d; return nil }
}

// WithSurfaceRateLimit paces all requests to surface s at r requests a
// second, with bursts of at most burst.
func WithSurfaceRateLimit(s Surface, r rate.Limit, burst int) Option {
	return func(c *Client) error { c.surface[s] = rate.NewLimiter(r, max(burst, 1)); return nil }
}

// NewClient returns a Client that authenticates with token.
func NewClient(token string, opts ...Option) (*Client, error) {
	c := &Client{
		token:     token,
		userAgent: "tap-dixa",
		limits:    map[string]rate.Limit{},
		limiters:  map[string]*rate.Limiter{},
		timeout:   5 * time.Minute,
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
		c.limiters[path] = rate.NewLimiter(r, 1)
	}
	return c, nil
}

// checkRedirect follows up to ten redirects and drops the Authorization
// header on any that leaves the original host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		req.Header.Del("Authorization")
	}
	return nil
}

// Response is a successful answer whose body the caller reads and closes.
type Response struct {
	Body io.ReadCloser
	// URL is the request URL, safe to log.
	URL string
}

// Get requests path on surface s with the query, after waiting for the
// endpoint's pacing. A status other than 200 is returned as an
// *ErrorResponse, *AuthError or *RateLimitError with the body closed.
func (c *Client) Get(ctx context.Context, s Surface, path string, query url.Values) (*Response, error) {
	for _, l := range []*rate.Limiter{c.surface[s], c.limiters[path]} {
		if l != nil {
			if err := l.Wait(ctx); err != nil {
				return nil, err
			}
		}
	}
	u := c.base[s].JoinPath(path)
	u.RawQuery = query.Encode()
	rctx, cancel := context.WithCancelCause(ctx)
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel(nil)
		return nil, fmt.Errorf("dixa: %w", err)
	}
	switch s {
	case Exports:
		req.Header.Set("Authorization", "Bearer "+c.token)
	default:
		req.Header.Set("Authorization", c.token)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	body := newIdleBody(nil, rctx, cancel, c.timeout)
	began := time.Now()
	resp, err := c.http.Do(req)
	if c.observe != nil {
		o := Observation{Path: path, Duration: time.Since(began), Err: err}
		if resp != nil {
			o.Status = resp.StatusCode
		}
		if err == nil && resp.StatusCode != http.StatusOK {
			o.Err = errors.New(resp.Status)
		}
		c.observe(o)
	}
	if err != nil {
		body.Close()
		if errors.Is(context.Cause(rctx), ErrStalled) {
			return nil, fmt.Errorf("GET %s: no response within %s: %w", u, c.timeout, ErrStalled)
		}
		return nil, c.redactErr(err)
	}
	body.body = resp.Body
	if resp.StatusCode != http.StatusOK {
		err := c.errorFrom(resp)
		body.Close()
		return nil, err
	}
	return &Response{Body: body, URL: u.String()}, nil
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
