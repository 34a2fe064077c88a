package dixamock

import (
	"math/rand/v2"
	"time"
)

// dayMs is one day in milliseconds.
const dayMs int64 = 24 * 60 * 60 * 1000

// maxSpanMs is the longest window an export query may span: 31 days.
const maxSpanMs = 31 * dayMs

// ceilMs returns t in Unix milliseconds, rounded up to a whole millisecond,
// so that every millisecond m >= ceilMs(t) satisfies m >= t.
func ceilMs(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}

// floorDiv returns a/b rounded towards negative infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// midnightIn returns a uniformly chosen UTC midnight m with lo <= m < hi,
// or false if there is none.
func midnightIn(rng *rand.Rand, lo, hi int64) (int64, bool) {
	if hi <= lo {
		return 0, false
	}
	first := floorDiv(lo+dayMs-1, dayMs) // first day whose midnight is >= lo
	last := floorDiv(hi-1, dayMs)        // last day whose midnight is < hi
	if last < first {
		return 0, false
	}
	return (first + rng.Int64N(last-first+1)) * dayMs, true
}

// pickAt draws a timestamp in [lo, hi) (hi > lo) that is biased towards the
// edges a windowing client gets wrong: about 5% lie exactly on a UTC
// midnight, 3% one millisecond before one, 2% one millisecond after one,
// 1% exactly on lo and 0.5% on hi-1. The rest are uniform. When no midnight
// lies in the range the edge cases fall back to uniform.
func pickAt(rng *rand.Rand, lo, hi int64) int64 {
	r := rng.Float64()
	switch {
	case r < 0.05:
		if m, ok := midnightIn(rng, lo, hi); ok {
			return m
		}
	case r < 0.08:
		if m, ok := midnightIn(rng, lo+1, hi+1); ok {
			return m - 1
		}
	case r < 0.10:
		if m, ok := midnightIn(rng, lo-1, hi-1); ok {
			return m + 1
		}
	case r < 0.11:
		return lo
	case r < 0.115:
		return hi - 1
	}
	return lo + rng.Int64N(hi-lo)
}

// between returns a uniform timestamp in [lo, hi] (inclusive); lo if
// hi < lo.
func between(rng *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + rng.Int64N(hi-lo+1)
}
