package dixa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
)

// Page is one page of a Dixa API list.
type Page struct {
	// Data holds the page's items as raw JSON.
	Data []json.RawMessage
	// PageKey continues the list; "" on the last page.
	PageKey string
}

// GetPage requests one page of a Dixa API list: path with query, plus
// pageKey when not empty. Dixa answers {"data":[...],"meta":{"next":URL}};
// the next page's pageKey is read from meta.next, which may be an
// absolute URL or a path.
func (c *Client) GetPage(ctx context.Context, path string, query url.Values, pageKey string) (*Page, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if pageKey != "" {
		q.Set("pageKey", pageKey)
	}
	resp, err := c.Get(ctx, API, path, q)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", resp.URL, err)
	}
	return c.parsePage(resp.URL, body)
}

// Shapes an answer is expected to have, as UnexpectedBodyError shows them.
const (
	pageShape   = `{"data":[...]}`
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
}

func (e *UnexpectedBodyError) Error() string {
	want, msg := e.Expected, e.Message
	if want == "" {
		want = pageShape
	}
	if msg == "" {
		msg = "empty body"
	}
	return fmt.Sprintf("GET %s: 200 but not %s: %s", e.URL, want, msg)
}

// UnexpectedBody returns the error for a 200 answer from the Exports API
// at rawURL whose body is not a JSON array: an *UnexpectedBodyError with
// Dixa's message or the start of body (only its first 64 KiB are looked
// at), capped and with the token redacted.
func (c *Client) UnexpectedBody(rawURL string, body []byte) error {
	return c.unexpected(rawURL, body, exportShape)
}

func (c *Client) unexpected(rawURL string, body []byte, shape string) *UnexpectedBodyError {
	body = body[:min(len(body), maxErrorBody)]
	return &UnexpectedBodyError{URL: c.redact(rawURL), Message: c.messageOf(body), Expected: shape}
}

// parsePage reads a Dixa API list page answered at rawURL. Only a JSON object
// whose "data" key holds a list is a page; any other body is an
// *UnexpectedBodyError, except one that ends early (ErrTruncated).
func (c *Client) parsePage(rawURL string, body []byte) (*Page, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrTruncated)
	}
	var env map[string]json.RawMessage // exact keys, unlike a struct
	if err := json.Unmarshal(body, &env); err != nil {
		if endsEarly(body) {
			return nil, fmt.Errorf("%w: %w", ErrTruncated, err)
		}
		return nil, c.unexpected(rawURL, body, pageShape)
	}
	data, ok := env["data"]
	if !ok || len(data) == 0 || data[0] != '[' { // env is nil for null
		return nil, c.unexpected(rawURL, body, pageShape)
	}
	p := &Page{}
	if err := json.Unmarshal(data, &p.Data); err != nil {
		return nil, c.unexpected(rawURL, body, pageShape) // not reached: data is a valid list
	}
	next, err := metaNext(env["meta"])
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", c.redact(rawURL), err)
	}
	if next != "" {
		u, err := url.Parse(next)
		if err != nil {
			return nil, fmt.Errorf("GET %s: dixa: meta.next is not a URL: %.100q", c.redact(rawURL), c.redact(next))
		}
		if p.PageKey = u.Query().Get("pageKey"); p.PageKey == "" {
			return nil, fmt.Errorf("GET %s: dixa: meta.next has no pageKey: %.100q", c.redact(rawURL), c.redact(next))
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
