package dixa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxErrorBody caps how much of an error answer is read.
const maxErrorBody = 64 << 10

// ErrorResponse is an answer with a status other than 200.
type ErrorResponse struct {
	// Response is the answer; its body has been read (up to a cap) and closed.
	Response *http.Response
	// URL is the request URL, safe to log.
	URL string
	// Message is Dixa's "message", or the start of a non-JSON body.
	Message string
}

func (e *ErrorResponse) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Response.StatusCode)
	}
	method := http.MethodGet
	if e.Response.Request != nil && e.Response.Request.Method != "" {
		method = e.Response.Request.Method
	}
	return fmt.Sprintf("%s %s: %d %s", method, e.URL, e.Response.StatusCode, msg)
}

// AuthError is a 401 or 403: the token is wrong or may not read the endpoint.
type AuthError struct{ ErrorResponse }

func (e *AuthError) Error() string {
	if e.Response.StatusCode == http.StatusForbidden {
		return e.ErrorResponse.Error() + " (the token may not read this endpoint)"
	}
	return e.ErrorResponse.Error() + " (check api_token)"
}

// Unwrap returns the embedded *ErrorResponse.
func (e *AuthError) Unwrap() error { return &e.ErrorResponse }

// RateLimitError is a 429.
type RateLimitError struct {
	ErrorResponse
	// RetryAfter is the wait the server asked for, 0 if it did not say.
	RetryAfter time.Duration
}

// Unwrap returns the embedded *ErrorResponse.
func (e *RateLimitError) Unwrap() error { return &e.ErrorResponse }

// errorFrom reads and closes an error answer's body and types the error.
func (c *Client) errorFrom(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	er := ErrorResponse{Response: resp, URL: c.redact(resp.Request.URL.String()), Message: c.messageOf(body)}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &AuthError{er}
	case http.StatusTooManyRequests:
		wait, _ := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return &RateLimitError{ErrorResponse: er, RetryAfter: wait}
	}
	return &er
}

// messageOf returns Dixa's {"message": ...} or the start of any other body
// on one line, capped, with the token redacted before the cap so that no
// part of it can show.
func (c *Client) messageOf(body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		return oneLine(c.redact(m.Message), 300)
	}
	return oneLine(c.redact(string(bytes.TrimSpace(body))), 200)
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// maxParsedRetryAfter bounds what ParseRetryAfter returns.
const maxParsedRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header: seconds or an HTTP date,
// at most a day ahead. It reports false for an absent or unreadable value.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return min(time.Duration(min(secs, int64(maxParsedRetryAfter/time.Second)))*time.Second, maxParsedRetryAfter), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxParsedRetryAfter), true
}
