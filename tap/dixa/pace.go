package dixa

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PacingMargin is how far under each configured rate the client paces:
// at 10 requests a minute it sends one every 6.09 s rather than every 6 s,
// so that timing jitter never puts one request too many into a span that
// the server counts.
const PacingMargin = 0.015

// How a pacer reacts to the server: after a 429 its rate is multiplied by
// slowDownFactor, never below slowestShare of the configured rate; after
// each 200 it grows by recoverStep of the configured rate, never above the
// paced rate.
const (
	slowDownFactor = 0.8
	slowestShare   = 1.0 / 8
	recoverStep    = 0.02
)

// maxDuration is the longest time.Duration.
const maxDuration = time.Duration(math.MaxInt64)

// PacedInterval returns the spacing the client keeps between requests
// paced at r requests a second: 1/r stretched by PacingMargin, rounded up
// to the nanosecond. It is 0 for rate.Inf and the longest Duration for a
// rate so small (or 0, negative or NaN) that the spacing does not fit.
func PacedInterval(r rate.Limit) time.Duration {
	return interval(paced(r))
}

// paced returns r less PacingMargin; rate.Inf stays unlimited.
func paced(r rate.Limit) rate.Limit {
	if r >= rate.Inf {
		return rate.Inf
	}
	return r * (1 - PacingMargin)
}

// interval returns 1/r as a Duration, rounded up, kept in [0, maxDuration]
// whatever r is.
func interval(r rate.Limit) time.Duration {
	f := float64(r)
	switch {
	case r >= rate.Inf: // rate.Inf is math.MaxFloat64, and +Inf too
		return 0
	case !(f > 0): // 0, negative, NaN
		return maxDuration
	}
	d := math.Ceil(float64(time.Second) / f)
	if !(d < float64(math.MaxInt64)) { // float64(MaxInt64) is 2^63, beyond range
		return maxDuration
	}
	return time.Duration(d)
}

// validRate reports an error for a rate that cannot pace anything.
func validRate(what string, r rate.Limit) error {
	if !(r > 0) {
		return fmt.Errorf("dixa: rate limit for %s must be above 0, got %v", what, float64(r))
	}
	return nil
}

// pacer spaces requests evenly, one at a time (a burst of 1), at a rate a
// little under the configured one, slowing down after a 429.
type pacer struct {
	mu    sync.Mutex
	rate  rate.Limit // the rate now
	paced rate.Limit // the most: configured × (1 − PacingMargin)
	floor rate.Limit // the least: configured × slowestShare
	step  rate.Limit // gained per success: configured × recoverStep
	last  time.Time  // when the last request went; zero before the first
}

func newPacer(configured rate.Limit) *pacer {
	p := &pacer{rate: paced(configured), paced: paced(configured),
		floor: configured * slowestShare, step: configured * recoverStep}
	if p.paced == rate.Inf { // unlimited stays unlimited, even after a 429
		p.floor = rate.Inf
	}
	return p
}

// nextLocked returns when the next request may go. p.mu is held.
func (p *pacer) nextLocked() time.Time {
	if p.last.IsZero() {
		return time.Time{}
	}
	return p.last.Add(interval(p.rate)) // Add saturates
}

// slowDown lowers the rate after a 429.
func (p *pacer) slowDown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = max(p.rate*slowDownFactor, p.floor)
}

// speedUp raises the rate back after a success.
func (p *pacer) speedUp() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = min(p.rate+p.step, p.paced) // an overflow to +Inf is capped too
}

// current returns the rate now.
func (p *pacer) current() rate.Limit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}

// pace waits until every pacer in ps lets a request go, then records the
// request in all of them at once, so that the request is sent right after
// the wait and its spacing holds for each. ps must always be in the same
// order (surface, then path): the pacers are locked in that order.
// onWait, if not nil, is called with the first wait, before it begins.
func pace(ctx context.Context, onWait func(time.Duration), ps ...*pacer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(ps) == 0 {
		return nil
	}
	for {
		now := time.Now()
		at := now
		for _, p := range ps {
			p.mu.Lock()
		}
		for _, p := range ps {
			if next := p.nextLocked(); next.After(at) {
				at = next
			}
		}
		if !at.After(now) {
			for _, p := range ps {
				p.last = now
			}
		}
		for i := len(ps) - 1; i >= 0; i-- {
			ps[i].mu.Unlock()
		}
		if !at.After(now) {
			return nil
		}
		if onWait != nil {
			onWait(at.Sub(now))
			onWait = nil
		}
		t := time.NewTimer(at.Sub(now)) // Sub saturates; never negative here
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
