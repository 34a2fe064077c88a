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
// 502, 503, 504, a 200 whose body is not the JSON expected
// (*UnexpectedBodyError, like a 5xx: a proxy or an overloaded backend may
// answer so), connections reset, refused or closed early, timeouts, stalled
// and truncated bodies. Not retried: 401 and 403 (the token), 400, 404, 422
// and other statuses (Dixa's message says why), requests the client refused
// to send (*RefusedError), a cancelled context, and other errors (a list's
// meta.next without a pageKey, a record that is not what the caller wants).
func ShouldRetry(err error) (retry bool, wait time.Duration) {
	var rl *RateLimitError
	var auth *AuthError
	var er *ErrorResponse
	var ub *UnexpectedBodyError
	var refused *RefusedError
	var ne net.Error
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.As(err, &refused):
		return false, 0
	case errors.As(err, &ub):
		return true, 0
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
// upper half so that clients do not retry in step. It never panics and
// always returns a wait in [0, max(ceiling, 0)], whatever its arguments:
// n below 1 counts as 1, and a base or ceiling of 0 or less gives 0.
func Backoff(n int, base, ceiling time.Duration) time.Duration {
	if base <= 0 || ceiling <= 0 {
		return 0
	}
	d := min(base, ceiling)
	for i := 1; i < n && d < ceiling; i++ { // at most 63 rounds: d doubles
		if d > ceiling/2 {
			d = ceiling
			break
		}
		d *= 2
	}
	return d/2 + rand.N(d/2+1) // d/2+1 cannot overflow; the sum is at most d
}

// idleBody is a response body that fails with ErrStalled when the server
// keeps the caller waiting for timeout: before the response headers, or
// inside one Read. Time between Reads (the caller busy elsewhere) never
// counts. A timeout of 0 or less means none.
type idleBody struct {
	body    io.ReadCloser // nil until the headers arrive
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer // nil without a timeout
	timeout time.Duration
}

// newIdleBody returns an idleBody whose timer already runs, for the wait
// on the response headers; call disarm when they arrive.
func newIdleBody(ctx context.Context, cancel context.CancelCauseFunc, timeout time.Duration) *idleBody {
	b := &idleBody{ctx: ctx, cancel: cancel, timeout: timeout}
	if timeout > 0 {
		b.timer = time.AfterFunc(timeout, func() { cancel(ErrStalled) })
	}
	return b
}

func (b *idleBody) arm() {
	if b.timer != nil {
		b.timer.Reset(b.timeout)
	}
}

func (b *idleBody) disarm() {
	if b.timer != nil {
		b.timer.Stop()
	}
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.arm()
	n, err := b.body.Read(p)
	b.disarm()
	if err != nil && !errors.Is(err, io.EOF) && errors.Is(context.Cause(b.ctx), ErrStalled) {
		err = ErrStalled
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.disarm()
	var err error
	if b.body != nil {
		err = b.body.Close()
	}
	b.cancel(nil)
	return err
}
