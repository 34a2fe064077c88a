package dixa

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 200 whose body is Dixa's {"message":...} fails GetPage with an
// *UnexpectedBodyError that names the request and quotes Dixa.
func TestGetPageUnexpectedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("pageKey") {
		case "":
			_, _ = io.WriteString(w, `{"message":"Service temporarily unavailable"}`)
		default:
			_, _ = io.WriteString(w, `{"data":[{"id":"a"}]}`)
		}
	}))
	defer srv.Close()
	c, err := NewClient(token, WithBaseURL(API, srv.URL))
	require.NoError(t, err)

	_, err = c.GetPage(t.Context(), "/v1/agents", url.Values{"pageLimit": {"2"}}, "")
	var ub *UnexpectedBodyError
	require.ErrorAs(t, err, &ub)
	assert.Equal(t, "GET "+srv.URL+`/v1/agents?pageLimit=2: 200 but not {"data":[...]}: Service temporarily unavailable`, err.Error())
	retry, _ := ShouldRetry(err)
	assert.True(t, retry, "retried like a 5xx")

	p, err := c.GetPage(t.Context(), "/v1/agents", nil, "k")
	require.NoError(t, err)
	assert.Len(t, p.Data, 1)
}

// UnexpectedBody types a 200 export body that is not an array: Dixa's
// message or the body's start, on one line, capped, token redacted.
func TestUnexpectedBodyForExports(t *testing.T) {
	c := &Client{token: token}
	u := "https://exports.dixa.io/v1/message_export?created_after=1"
	for _, tc := range []struct{ body, msg string }{
		{`{"message":"API limit has been reached"}`, "API limit has been reached"},
		{`{"message":"no ` + token + `"}`, "no [redacted]"},
		{"<html>\n" + token + strings.Repeat("x", 1<<20), "<html> [redacted]" + strings.Repeat("x", 200-len("<html> [redacted]")) + "…"},
		{"", ""},
	} {
		err := c.UnexpectedBody(u, []byte(tc.body))
		var ub *UnexpectedBodyError
		require.ErrorAs(t, err, &ub)
		assert.Equal(t, tc.msg, ub.Message)
		want := tc.msg
		if want == "" {
			want = "empty body"
		}
		assert.Equal(t, "GET "+u+": 200 but not [...]: "+want, err.Error())
		retry, _ := ShouldRetry(err)
		assert.True(t, retry)
	}
	err := c.UnexpectedBody("https://x/?t="+token, nil)
	assert.NotContains(t, err.Error(), token)
}

// The token never shows in an error answer's message, even when the cap
// falls across it.
func TestMessageRedactedBeforeCap(t *testing.T) {
	c := &Client{token: token}
	body := strings.Repeat("a", 195) + token
	msg := c.messageOf([]byte(body))
	assert.NotContains(t, msg, "tok-")
	assert.Equal(t, strings.Repeat("a", 195)+"[reda…", msg)
}

// FuzzParsePage: parsePage never panics; a nil error means the body was an
// object whose "data" holds a list of that many items; any other valid JSON
// is an *UnexpectedBodyError with a short, one-line, redacted message.
func FuzzParsePage(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"id":"a"}],"meta":{"next":"/v1/agents?pageKey=k"}}`,
		`{"data":[]}`,
		`{"message":"Internal error"}`,
		`{}`, `{"data":null}`, `{"data":{}}`, `{"data":"x"}`, `[{"id":"a"}]`, `null`, `42`, `"x"`,
		`<html>oops</html>`, `{"data":[{"id":"a"},`, ``,
	} {
		f.Add([]byte(s))
	}
	c := &Client{token: token}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := c.parsePage("GET", "https://dev.dixa.io/v1/x", body, false)
		var top any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		valid := json.Valid(body) && dec.Decode(&top) == nil
		obj, _ := top.(map[string]any)
		list, isList := obj["data"].([]any)
		if err == nil {
			if !valid || !isList {
				t.Fatalf("parsePage(%q) accepted what is not {\"data\":[...]}", body)
			}
			if len(p.Data) != len(list) {
				t.Fatalf("parsePage(%q): %d items, want %d", body, len(p.Data), len(list))
			}
			for _, d := range p.Data {
				if !json.Valid(d) {
					t.Fatalf("parsePage(%q): item %q is not JSON", body, d)
				}
			}
			return
		}
		if p != nil {
			t.Fatalf("parsePage(%q) returned a page and %v", body, err)
		}
		var ub *UnexpectedBodyError
		if valid && !isList && !errors.As(err, &ub) {
			t.Fatalf("parsePage(%q) = %v, want an *UnexpectedBodyError", body, err)
		}
		if errors.As(err, &ub) {
			if retry, _ := ShouldRetry(err); !retry {
				t.Fatalf("%v is not retried", err)
			}
			if strings.ContainsAny(ub.Message, "\n\r") || strings.Contains(ub.Message, token) ||
				len(ub.Message) > 300+len("…") {
				t.Fatalf("parsePage(%q): message %q", body, ub.Message)
			}
		}
	})
}
