package dixa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Page is one page of a Dixa API list, or the one answer of an endpoint
// that answers an object.
type Page struct {
	// Data holds the page's items as raw JSON; for an object answer
	// (Request.Object), the object alone.
	Data []json.RawMessage
	// PageKey continues the list; "" on the last page.
	PageKey string
}

// GetPage makes one attempt at one page of a Dixa API list: path with query, plus
// pageKey when not empty. Dixa answers {"data":[...],"meta":{"next":URL}};
// the next page's pageKey is read from meta.next, which may be an
// absolute URL or a path.
func (c *Client) GetPage(ctx context.Context, path string, query url.Values, pageKey string) (*Page, error) {
	return c.fetch(ctx, Request{Path: path, Query: query, PageKey: pageKey})
}

// Shapes an answer is expected to have, as UnexpectedBodyError shows them.
const (
	pageShape   = `{"data":[...]}`
	objectShape = `{"data":{...}}`
	exportShape = `[...]`
)

// UnexpectedBodyError is a 200 answer whose body is not the JSON expected:
// for a Dixa API list, anything but an object whose "data" is a list (Dixa's
// {"message":...}, {}, {"data":null}, a bare array, HTML from a proxy…);
// for an export, anything but an array. ShouldRetry retries it like a 5xx.
type UnexpectedBodyError struct {
	// URL is the request URL, safe to log.
	URL string
	// Message is Dixa's "message", or else the start of the body on one
	// line, capped, with the token redacted.
	Message string
	// Expected is the shape expected, as shown in the error: "" means
	// {"data":[...]}.
	Expected string
	// Method is the request's method; "" means GET.
	Method string
}

func (e *UnexpectedBodyError) Error() string {
	want, msg := e.Expected, e.Message
	if want == "" {
		want = pageShape
	}
	if msg == "" {
		msg = "empty body"
	}
	method := e.Method
	if method == "" {
		method = http.MethodGet
	}
	return fmt.Sprintf("%s %s: 200 but not %s: %s", method, e.URL, want, msg)
}

// UnexpectedBody returns the error for a 200 answer from the Exports API
// at rawURL whose body is not a JSON array: an *UnexpectedBodyError with
// Dixa's message or the start of body (only its first 64 KiB are looked
// at), capped and with the token redacted.
func (c *Client) UnexpectedBody(rawURL string, body []byte) error {
	return c.unexpected(rawURL, body, exportShape)
}

func (c *Client) unexpected(rawURL string, body []byte, shape string) *UnexpectedBodyError {
	return c.unexpectedBody(http.MethodGet, rawURL, body, shape)
}

func (c *Client) unexpectedBody(method, rawURL string, body []byte, shape string) *UnexpectedBodyError {
	body = body[:min(len(body), maxErrorBody)]
	return &UnexpectedBodyError{URL: c.redact(rawURL), Message: c.messageOf(body), Expected: shape, Method: method}
}

// parsePage reads a Dixa API list page answered at rawURL. Only a JSON object
// whose "data" key holds a list (with object, an object) is a page; any
// other body is an *UnexpectedBodyError, except one that ends early
// (ErrTruncated). The next page's pageKey is read from meta.next, as Dixa's
// spec has it, or from a top-level "pageKey", as Dixa's analytics tooling
// documents it.
func (c *Client) parsePage(method, rawURL string, body []byte, object bool) (*Page, error) {
	shape, open := pageShape, byte('[')
	if object {
		shape, open = objectShape, '{'
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrTruncated)
	}
	var env map[string]json.RawMessage // exact keys, unlike a struct
	if err := json.Unmarshal(body, &env); err != nil {
		if endsEarly(body) {
			return nil, fmt.Errorf("%w: %w", ErrTruncated, err)
		}
		return nil, c.unexpectedBody(method, rawURL, body, shape)
	}
	data, ok := env["data"]
	if !ok || len(data) == 0 || data[0] != open { // env is nil for null
		return nil, c.unexpectedBody(method, rawURL, body, shape)
	}
	p := &Page{}
	if object {
		p.Data = []json.RawMessage{data}
	} else if err := json.Unmarshal(data, &p.Data); err != nil {
		return nil, c.unexpectedBody(method, rawURL, body, shape) // not reached: data is a valid list
	}
	next, err := metaNext(env["meta"])
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, c.redact(rawURL), err)
	}
	if next != "" {
		u, err := url.Parse(next)
		if err != nil {
			return nil, fmt.Errorf("%s %s: dixa: meta.next is not a URL: %.100q", method, c.redact(rawURL), c.redact(next))
		}
		if p.PageKey = u.Query().Get("pageKey"); p.PageKey == "" {
			return nil, fmt.Errorf("%s %s: dixa: meta.next has no pageKey: %.100q", method, c.redact(rawURL), c.redact(next))
		}
	}
	if raw, ok := env["pageKey"]; ok && p.PageKey == "" && string(raw) != "null" {
		if err := json.Unmarshal(raw, &p.PageKey); err != nil {
			return nil, fmt.Errorf("%s %s: dixa: pageKey is not a string", method, c.redact(rawURL))
		}
	}
	return p, nil
}

// metaNext returns meta.next, "" when meta or next is absent or null.
func metaNext(meta json.RawMessage) (string, error) {
	if len(meta) == 0 || string(meta) == "null" {
		return "", nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(meta, &m); err != nil {
		return "", errors.New(`dixa: meta is not an object`)
	}
	raw, ok := m["next"]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var next string
	if err := json.Unmarshal(raw, &next); err != nil {
		return "", errors.New(`dixa: meta.next is not a string`)
	}
	return next, nil
}

// endsEarly reports whether body is JSON cut off before its end, rather
// than JSON that is wrong.
func endsEarly(body []byte) bool {
	var v json.RawMessage
	return errors.Is(json.NewDecoder(bytes.NewReader(body)).Decode(&v), io.ErrUnexpectedEOF)
}
