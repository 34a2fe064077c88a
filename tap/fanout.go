package tap

import (
	"context"
	"math"

	"golang.org/x/sync/errgroup"
)

// maxFanout caps the requests a fan-out keeps in flight.
const maxFanout = 32

// fanoutWidth is how many per-parent requests run at once: enough to reach
// api_requests_per_second even when each answer takes a second (the
// client's pacing keeps the rate), at most maxFanout.
func (s *Sync) fanoutWidth() int {
	return int(min(maxFanout, max(1, math.Ceil(s.Config.APIPerSecond))))
}

// fanout calls fetch for jobs 0..n-1, up to width at once, and emit with
// each job's result in job order, from the calling goroutine (so emit may
// write without locks). At most 2×width results wait for emit. The first
// error of fetch or emit cancels the jobs not yet done and is returned.
func fanout[T any](ctx context.Context, n, width int, fetch func(ctx context.Context, i int) (T, error), emit func(i int, v T) error) error {
	if n == 0 {
		return nil
	}
	if width <= 1 || n == 1 {
		for i := range n {
			v, err := fetch(ctx, i)
			if err != nil {
				return err
			}
			if err := emit(i, v); err != nil {
				return err
			}
		}
		return nil
	}
	type future struct {
		v    T
		err  error
		done chan struct{}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(width)
	queue := make(chan *future, 2*width) // results not yet emitted
	go func() {
		defer close(queue)
		for i := range n {
			f := &future{done: make(chan struct{})}
			select {
			case queue <- f:
			case <-gctx.Done():
				return
			}
			g.Go(func() error {
				defer close(f.done)
				f.v, f.err = fetch(gctx, i)
				return f.err
			})
		}
	}()
	var emitErr error
	i := 0
	for f := range queue {
		if emitErr != nil || gctx.Err() != nil {
			continue // drain, so that the producer ends
		}
		<-f.done
		if f.err != nil {
			continue // g.Wait has the first error of fetch
		}
		if emitErr = emit(i, f.v); emitErr != nil {
			cancel(emitErr)
		}
		i++
	}
	err := g.Wait()
	if emitErr != nil {
		return emitErr
	}
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	return err
}
