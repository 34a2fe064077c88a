package tap

import "time"

// maxExportSpan is the longest span one export query may cover.
const maxExportSpan = 31 * 24 * time.Hour

// Window is a half-open time range [Start, End) of one export request.
type Window struct {
	Start, End time.Time
}

// Windows splits [start, end) into consecutive windows of at most step.
// Each window's query overlaps the previous one by a millisecond (see
// Query), so step is shortened by that millisecond when the query would
// otherwise span more than 31 days. All arithmetic is on UTC instants;
// the host's time zone plays no part.
func Windows(start, end time.Time, step time.Duration) []Window {
	return windows(start, end, step, maxExportSpan, time.Millisecond)
}

// windows splits [start, end) into windows of at most step, shortened so
// that a query reaching overlap before its window spans at most maxSpan.
func windows(start, end time.Time, step, maxSpan, overlap time.Duration) []Window {
	if step > maxSpan-overlap {
		step = maxSpan - overlap
	}
	if step < overlap {
		step = overlap
	}
	start, end = start.UTC().Truncate(time.Millisecond), end.UTC().Truncate(time.Millisecond)
	var ws []Window
	for t := start; t.Before(end); {
		next := t.Add(step)
		if next.After(end) {
			next = end
		}
		ws = append(ws, Window{t, next})
		t = next
	}
	return ws
}

// Query returns the export query bounds for the window in Unix ms:
// after = Start-1ms and before = End. Dixa does not document whether
// _after and _before are inclusive; with these bounds every instant of
// [Start, End) is inside the query under all four readings, and an
// instant on an edge (End-1ms or End) can come back in two neighbouring
// windows at most.
func (w Window) Query() (after, before int64) {
	return w.Start.UnixMilli() - 1, w.End.UnixMilli()
}

// String formats the window for logs.
func (w Window) String() string {
	return w.Start.Format(time.RFC3339Nano) + ".." + w.End.Format(time.RFC3339Nano)
}
