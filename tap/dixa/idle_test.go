package dixa

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkBody is a response body fed by a server through chunks; like a
// real transport's body it fails once the request's context is done.
type chunkBody struct {
	ctx    context.Context
	chunks <-chan string
	buf    string
}

func (b *chunkBody) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.buf == "" {
		select {
		case <-b.ctx.Done():
			return 0, b.ctx.Err()
		case s, ok := <-b.chunks:
			if !ok {
				return 0, io.EOF
			}
			b.buf = s
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

func (b *chunkBody) Close() error { return nil }

// chunkServer answers every request with the chunks sent on its channel.
type chunkServer struct{ chunks chan string }

func (s chunkServer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: r,
		Body: &chunkBody{ctx: r.Context(), chunks: s.chunks}}, nil
}

// A consumer that takes longer than the timeout between Reads (blocked on a
// slow target) does not make a healthy server look stalled: only time
// inside Read counts.
func TestIdleTimeoutIgnoresTheConsumersTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chunks := make(chan string, 3)
		chunks <- `[{"id":1},`
		chunks <- `{"id":2},`
		chunks <- `{"id":3}]`
		close(chunks)
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: chunkServer{chunks}}),
			WithBaseURL(Exports, "http://127.0.0.1:1"), WithTimeout(time.Second))
		require.NoError(t, err)
		resp, err := c.Get(t.Context(), Exports, "/v1/x", nil)
		require.NoError(t, err)
		defer resp.Body.Close()
		time.Sleep(5 * time.Second) // before the first Read
		var got strings.Builder
		buf := make([]byte, 64)
		for {
			n, err := resp.Body.Read(buf)
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "after %q", got.String())
			time.Sleep(5 * time.Second) // the target is slow
		}
		assert.Equal(t, `[{"id":1},{"id":2},{"id":3}]`, got.String())
	})
}

// A server that stops sending while the consumer waits in Read fails the
// read with ErrStalled after the timeout, however long the consumer spent
// between Reads before.
func TestIdleTimeoutStallInsideRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chunks := make(chan string, 1)
		chunks <- `[{"id":1},`
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: chunkServer{chunks}}),
			WithBaseURL(Exports, "http://127.0.0.1:1"), WithTimeout(time.Second))
		require.NoError(t, err)
		resp, err := c.Get(t.Context(), Exports, "/v1/x", nil)
		require.NoError(t, err)
		defer resp.Body.Close()
		buf := make([]byte, 64)
		n, err := resp.Body.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, `[{"id":1},`, string(buf[:n]))
		time.Sleep(time.Minute)
		began := time.Now()
		_, err = resp.Body.Read(buf)
		require.ErrorIs(t, err, ErrStalled)
		assert.Equal(t, time.Second, time.Since(began), "the stall is timed from the Read")
		retry, _ := ShouldRetry(err)
		assert.True(t, retry)
	})
}

// A server that answers in time inside each Read is never stalled, even
// when the whole body takes many timeouts.
func TestIdleTimeoutSlowButSteadyServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chunks := make(chan string)
		go func() {
			for range 10 {
				time.Sleep(900 * time.Millisecond)
				chunks <- "x"
			}
			close(chunks)
		}()
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: chunkServer{chunks}}),
			WithBaseURL(Exports, "http://127.0.0.1:1"), WithTimeout(time.Second))
		require.NoError(t, err)
		resp, err := c.Get(t.Context(), Exports, "/v1/x", nil)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat("x", 10), string(b))
	})
}

// WithTimeout(0) means no timeout.
func TestNoTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chunks := make(chan string)
		go func() {
			time.Sleep(time.Hour)
			chunks <- "[]"
			close(chunks)
		}()
		c, err := NewClient(token, WithHTTPClient(&http.Client{Transport: chunkServer{chunks}}),
			WithBaseURL(Exports, "http://127.0.0.1:1"), WithTimeout(0))
		require.NoError(t, err)
		resp, err := c.Get(t.Context(), Exports, "/v1/x", nil)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, "[]", string(b))
	})
}
