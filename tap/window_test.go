package tap

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below must load on any machine

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestWindowsCoverTheRangeExactly(t *testing.T) {
	start, end := day(2024, 1, 1), day(2024, 7, 1)
	for _, step := range []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 31 * 24 * time.Hour, 40 * 24 * time.Hour} {
		ws := Windows(start, end, step)
		require.NotEmpty(t, ws)
		assert.Equal(t, start, ws[0].Start)
		assert.Equal(t, end, ws[len(ws)-1].End)
		for i, w := range ws {
			assert.True(t, w.Start.Before(w.End))
			if i > 0 {
				assert.Equal(t, ws[i-1].End, w.Start, "windows are contiguous")
			}
			after, before := w.Query()
			assert.LessOrEqual(t, before-after, int64(31*24*time.Hour/time.Millisecond), "a query spans at most 31 days")
			assert.Equal(t, w.Start.UnixMilli()-1, after)
			assert.Equal(t, w.End.UnixMilli(), before)
		}
	}
	assert.Empty(t, Windows(end, end, time.Hour))
	assert.Empty(t, Windows(end, start, time.Hour))
}

// Every instant in the range is inside exactly one window and inside that
// window's query under all four edge readings; no instant is inside more
// than two queries under any reading.
func TestWindowQueriesUnderEveryEdgeReading(t *testing.T) {
	start := day(2024, 1, 1)
	ws := Windows(start, start.Add(72*time.Hour), 24*time.Hour)
	edges := []int64{}
	for _, w := range ws {
		edges = append(edges, w.Start.UnixMilli()-1, w.Start.UnixMilli(), w.Start.UnixMilli()+1, w.End.UnixMilli()-1)
	}
	for _, afterIncl := range []bool{false, true} {
		for _, beforeIncl := range []bool{false, true} {
			for _, ts := range edges {
				if ts < start.UnixMilli() || ts >= ws[len(ws)-1].End.UnixMilli() {
					continue
				}
				hits := 0
				for _, w := range ws {
					a, b := w.Query()
					okA := ts > a || (afterIncl && ts == a)
					okB := ts < b || (beforeIncl && ts == b)
					if okA && okB {
						hits++
					}
				}
				assert.GreaterOrEqual(t, hits, 1, "ts %d lost (after incl %v, before incl %v)", ts, afterIncl, beforeIncl)
				assert.LessOrEqual(t, hits, 2, "ts %d in %d windows", ts, hits)
			}
		}
	}
}

func TestWindowsIgnoreHostZone(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	want := Windows(day(2024, 3, 1), day(2024, 4, 1), 24*time.Hour)
	for _, zone := range []string{"America/Los_Angeles", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		time.Local = loc
		// The same instants, expressed in the local zone, across a DST change.
		got := Windows(day(2024, 3, 1).In(loc), day(2024, 4, 1).In(loc), 24*time.Hour)
		require.Equal(t, len(want), len(got), zone)
		for i := range want {
			assert.True(t, want[i].Start.Equal(got[i].Start) && want[i].End.Equal(got[i].End), zone)
			assert.Equal(t, 24*time.Hour, got[i].End.Sub(got[i].Start), "a day is 24 h in UTC, DST or not")
		}
	}
}
