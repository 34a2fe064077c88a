package dixa

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"syscall"
	"time"
)

// MaxRetryAfter caps the wait a server may ask for with Retry-After.
const MaxRetryAfter = 5 * time.Minute

// ErrStalled is the error of a response body that stopped sending data
// for longer than the request timeout.
var ErrStalled = errors.New("dixa: response body stalled")

// ErrTruncated marks an answer that ended before its end: a JSON array
// without its closing ']', or an empty body where an array was due.
var ErrTruncated = errors.New("dixa: response ended early")

// ShouldRetry is the one retry decision of the tap. It reports whether an
// attempt that failed with err is worth another try and the least wait
// before it (0 when the server did not ask for one).
//
// Retried: 429 (honouring Retry-After, capped at MaxRetryAfter), 408, 500,
// 502, 503, 504, connections reset, refused or closed early, timeouts,
// stalled and truncated bodies. Not retried: 401 and 403 (the token), 400,
// 404, 422 and other statuses (Dixa's message says why), a cancelled
// context, and answers that are not the JSON expected.
func ShouldRetry(err error) (retry bool, wait time.Duration) {
	var rl *RateLimitError
	var auth *AuthError
	var er *ErrorResponse
	var ne net.Error
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false, 0
	case errors.As(err, &rl):
		return true, min(rl.RetryAfter, MaxRetryAfter)
	case errors.As(err, &auth):
		return false, 0
	case errors.As(err, &er):
		switch er.Response.StatusCode {
		case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true, 0
		}
		return false, 0
	case errors.Is(err, ErrStalled), errors.Is(err, ErrTruncated),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed),
		errors.Is(err, context.DeadlineExceeded):
		return true, 0
	case errors.As(err, &ne) && ne.Timeout():
		return true, 0
	}
	return false, 0
}

// Backoff returns the wait before retry number n (1 for the first retry):
// exponential from base, capped at ceiling, with full jitter over its
// upper half so that clients do not retry in step.
func Backoff(n int, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + rand.N(d/2+1)
}

// idleBody is a response body that fails with ErrStalled when no byte
// arrives for timeout.
type idleBody struct {
	body    io.ReadCloser
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	timeout time.Duration
}

func newIdleBody(body io.ReadCloser, ctx context.Context, cancel context.CancelCauseFunc, timeout time.Duration) *idleBody {
	b := &idleBody{body: body, ctx: ctx, cancel: cancel, timeout: timeout}
	b.timer = time.AfterFunc(timeout, func() { cancel(ErrStalled) })
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if n > 0 {
		b.timer.Reset(b.timeout)
	}
	if err != nil && !errors.Is(err, io.EOF) && errors.Is(context.Cause(b.ctx), ErrStalled) {
		err = ErrStalled
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	var err error
	if b.body != nil {
		err = b.body.Close()
	}
	b.cancel(nil)
	return err
}
