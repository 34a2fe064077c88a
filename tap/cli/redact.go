package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strconv"
	"sync"
)

// redacted replaces a secret in what the tap prints.
const redacted = "[redacted]"

// maxLine is how much of a line without an end the redactor holds back.
const maxLine = 64 << 10

// redactor is the one layer in front of stderr. It holds what is written
// until the end of a line, so that a secret split across writes is still
// found, and replaces every secret it has been given by [redacted].
// Close writes a partial line. It is safe for concurrent use.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	secrets [][]byte // longest first
}

func newRedactor(w io.Writer) *redactor { return &redactor{w: w} }

// AddToken redacts the API token from now on, together with its common
// encodings: URL-escaped, JSON- and Go-quoted, and the base64 of
// "bearer:"+token that Basic authentication sends.
func (r *redactor) AddToken(token string) {
	if token == "" {
		return
	}
	forms := []string{token, url.QueryEscape(token), url.PathEscape(token),
		base64.StdEncoding.EncodeToString([]byte("bearer:" + token))}
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(token)
		forms = append(forms, string(bytes.Trim(bytes.TrimSpace(b.Bytes()), `"`)))
	}
	q := strconv.Quote(token)
	forms = append(forms, q[1:len(q)-1])
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range forms {
		if !slices.ContainsFunc(r.secrets, func(s []byte) bool { return string(s) == f }) {
			r.secrets = append(r.secrets, []byte(f))
		}
	}
	slices.SortFunc(r.secrets, func(a, b []byte) int { return len(b) - len(a) })
}

// Write passes on every whole line of p, redacted, and holds the rest.
func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	n := bytes.LastIndexByte(r.buf, '\n') + 1
	if n == 0 && len(r.buf) > maxLine {
		// A very long line: pass on all of it, redacted, but a tail that
		// may hold the start of a secret.
		r.buf = r.redact(r.buf)
		n = len(r.buf)
		if len(r.secrets) > 0 {
			n -= len(r.secrets[0]) - 1
		}
	}
	if n <= 0 {
		return len(p), nil
	}
	_, err := r.w.Write(r.redact(r.buf[:n]))
	r.buf = append(r.buf[:0], r.buf[n:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes a partial line held back, redacted.
func (r *redactor) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		return nil
	}
	_, err := r.w.Write(r.redact(r.buf))
	r.buf = r.buf[:0]
	return err
}

// redact returns b with the secrets replaced.
func (r *redactor) redact(b []byte) []byte {
	for _, s := range r.secrets {
		if bytes.Contains(b, s) {
			b = bytes.ReplaceAll(b, s, []byte(redacted))
		}
	}
	return b
}
