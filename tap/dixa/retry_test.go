package dixa

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Backoff clamps whatever it is given: no panic, no negative wait, never
// above the ceiling.
func TestBackoffClamps(t *testing.T) {
	const huge = time.Duration(math.MaxInt64)
	for _, tc := range []struct {
		n             int
		base, ceiling time.Duration
		least, most   time.Duration
	}{
		{0, time.Second, time.Minute, time.Second / 2, time.Second},
		{-5, time.Second, time.Minute, time.Second / 2, time.Second},
		{math.MinInt, time.Second, time.Minute, time.Second / 2, time.Second},
		{math.MaxInt, time.Second, time.Minute, 30 * time.Second, time.Minute},
		{math.MaxInt, 1, huge, huge / 2, huge},
		{64, 1, huge, huge / 2, huge},
		{3, huge, huge, huge / 2, huge},
		{3, huge, time.Minute, 30 * time.Second, time.Minute},
		{1, 0, time.Minute, 0, 0},
		{5, -time.Second, time.Minute, 0, 0},
		{5, math.MinInt64, time.Minute, 0, 0},
		{5, time.Second, 0, 0, 0},
		{5, time.Second, -time.Minute, 0, 0},
		{5, time.Second, math.MinInt64, 0, 0},
		{2, 1, 1, 0, 1},
	} {
		for range 50 {
			d := Backoff(tc.n, tc.base, tc.ceiling)
			assert.GreaterOrEqual(t, d, tc.least, "%+v", tc)
			assert.LessOrEqual(t, d, tc.most, "%+v", tc)
		}
	}
}

// FuzzBackoff: never a panic, always a wait in [0, max(ceiling, 0)].
func FuzzBackoff(f *testing.F) {
	f.Add(1, int64(time.Second), int64(time.Minute))
	f.Add(math.MaxInt, int64(1), int64(math.MaxInt64))
	f.Add(-1, int64(-1), int64(-1))
	f.Fuzz(func(t *testing.T, n int, base, ceiling int64) {
		d := Backoff(n, time.Duration(base), time.Duration(ceiling))
		if d < 0 || d > max(time.Duration(ceiling), 0) {
			t.Fatalf("Backoff(%d, %d, %d) = %d", n, base, ceiling, d)
		}
	})
}
