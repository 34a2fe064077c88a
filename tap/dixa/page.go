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
	return parsePage(body)
}

func parsePage(body []byte) (*Page, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrTruncated)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
		Meta *struct {
			Next *string `json:"next"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && int(se.Offset) >= len(bytes.TrimSpace(body)) {
			return nil, fmt.Errorf("%w: %w", ErrTruncated, err)
		}
		return nil, fmt.Errorf("dixa: expected {\"data\":[...]}: %s", oneLine(err.Error(), 200))
	}
	p := &Page{}
	if len(env.Data) > 0 && string(env.Data) != "null" {
		if err := json.Unmarshal(env.Data, &p.Data); err != nil {
			return nil, errors.New(`dixa: "data" is not a list`)
		}
	}
	if env.Meta != nil && env.Meta.Next != nil && *env.Meta.Next != "" {
		u, err := url.Parse(*env.Meta.Next)
		if err != nil {
			return nil, fmt.Errorf("dixa: meta.next is not a URL: %.100q", *env.Meta.Next)
		}
		if p.PageKey = u.Query().Get("pageKey"); p.PageKey == "" {
			return nil, fmt.Errorf("dixa: meta.next has no pageKey: %.100q", *env.Meta.Next)
		}
	}
	return p, nil
}
