package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Interrupted is the cause of a context cancelled by a signal.
type Interrupted struct{ Signal os.Signal }

func (e *Interrupted) Error() string { return fmt.Sprintf("interrupted by %v", e.Signal) }

// Code returns 128 plus the signal number: 130 for SIGINT, 143 for SIGTERM.
func (e *Interrupted) Code() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// ExitGrace is how long after the first signal a run may take to stop
// gracefully (write its last STATE) before it is made to exit.
const ExitGrace = 1500 * time.Millisecond

// NotifyContext is NotifyContextExit with os.Exit.
func NotifyContext(parent context.Context) (ctx context.Context, stop func()) {
	return NotifyContextExit(parent, os.Exit)
}

// NotifyContextExit returns a context cancelled, with an *Interrupted
// cause, by the first SIGINT or SIGTERM. If stop has not been called
// ExitGrace later, say because stdout is blocked by a target that stopped
// reading, or at a second signal, it calls exit with the signal's code:
// the last STATE written stays the resume point. stop releases the
// signals; exit is not called after it.
func NotifyContextExit(parent context.Context, exit func(code int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var mu sync.Mutex
	stopped := false
	done := make(chan struct{})
	exitUnlessStopped := func(code int) {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			exit(code)
		}
	}
	go func() {
		var first *Interrupted
		select {
		case s := <-ch:
			first = &Interrupted{Signal: s}
			cancel(first)
		case <-done:
			return
		}
		grace := time.NewTimer(ExitGrace)
		defer grace.Stop()
		select {
		case s := <-ch:
			exitUnlessStopped((&Interrupted{Signal: s}).Code())
		case <-grace.C:
			exitUnlessStopped(first.Code())
		case <-done:
		}
	}()
	return ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		stopped = true
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
