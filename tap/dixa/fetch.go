package dixa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Request is one request for a Dixa API page.
type Request struct {
	// Method is GET when empty; a POST sends Body.
	Method string
	Path   string
	Query  url.Values
	// Body is the JSON body of a POST; every page of it is asked for with
	// the same body.
	Body []byte
	// Object says "data" holds one object (GET /v1/organization,
	// /v1/business-hours/schedules) rather than a list.
	Object bool
	// PageKey asks for the page after the one that named it.
	PageKey string
}

// Retry is a failed attempt about to be retried.
type Retry struct {
	Method, Path string
	Attempt      int           // the attempt that failed, from 1
	Err          error         // why
	Wait         time.Duration // before the next attempt
}

// WithRetries sets how often Fetch retries a failed request (default 8):
// it fails after retries+1 attempts.
func WithRetries(retries int) Option {
	return func(c *Client) error {
		if retries < 0 {
			return fmt.Errorf("dixa: retries must not be negative, not %d", retries)
		}
		c.retries = retries
		return nil
	}
}

// WithRetryObserver calls fn before Fetch waits to retry a request.
func WithRetryObserver(fn func(Retry)) Option {
	return func(c *Client) error { c.onRetry = fn; return nil }
}

// Fetch requests one page of the Dixa API, paced like every request of the
// surface, and retries what ShouldRetry allows: up to the client's retries
// (WithRetries), with Backoff from the smaller of a second and the
// surface's pacing interval, and after a 429 at least that interval or the
// server's Retry-After. The error of the last attempt says how many were
// made.
func (c *Client) Fetch(ctx context.Context, r Request) (*Page, error) {
	pacing := time.Second
	if rl := c.surfRate[API]; rl > 0 {
		pacing = PacedInterval(rl)
	}
	for failures := 1; ; failures++ {
		p, err := c.fetch(ctx, r)
		if err == nil {
			return p, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		retry, wait := ShouldRetry(err)
		if !retry {
			return nil, err
		}
		if failures > c.retries {
			return nil, fmt.Errorf("%w (gave up after %d failed attempts; max_retries is %d)", err, failures, c.retries)
		}
		var rl *RateLimitError
		if errors.As(err, &rl) {
			wait = max(wait, pacing)
		}
		wait = max(wait, Backoff(failures, min(time.Second, pacing), time.Minute))
		if c.onRetry != nil {
			c.onRetry(Retry{Method: r.method(), Path: r.Path, Attempt: failures, Err: err, Wait: wait})
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, context.Cause(ctx)
		case <-t.C:
		}
	}
}

func (r Request) method() string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}

// fetch makes one attempt at r.
func (c *Client) fetch(ctx context.Context, r Request) (*Page, error) {
	q := url.Values{}
	for k, v := range r.Query {
		q[k] = v
	}
	if r.PageKey != "" {
		q.Set("pageKey", r.PageKey)
	}
	resp, err := c.Do(ctx, API, r.method(), r.Path, q, r.Body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method(), c.redact(resp.URL), err)
	}
	return c.parsePage(r.method(), resp.URL, body, r.Object)
}
