package tap

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/record"
	"golang.org/x/time/rate"
)

// apiTime formats a bound of an activity log query: whole seconds, UTC,
// as Dixa documents it.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// syncActivity syncs the activity log in windows of
// activity_log_window_days. Each window [S, E) is asked for as
// fromDatetime = S-1s, toDatetime = E, so that it is covered whether Dixa
// reads the bounds as inclusive or not; entries on an edge are written
// once per run. Dixa promises no order within a window, so no page tells
// which entries are still to come: STATE follows whole windows only, and a
// resume re-reads at most the window in flight.
func (s *Sync) syncActivity(ctx context.Context, sel Selected, start, end time.Time) error {
	st := sel.Stream
	proj := s.projector(sel, []string{st.ReplicationKey}, "id", st.ReplicationKey)
	if err := s.begin(proj); err != nil {
		return err
	}
	count := newCounter(s.Log, st.Name)
	defer count.flush()
	// The first query reaches a second before start: entries before start
	// (the later of start_date and the bookmark) are not written. On a
	// resume, those in [bookmark-1s, bookmark) were written by the
	// previous run, whose last window ended at the bookmark.
	from := []byte(`"` + start.UTC().Format(record.DateTimeFormat) + `"`)
	start = start.Truncate(time.Second)
	var edge map[string]bool
	ws := windows(start, end, s.Config.ActivityLogWindow, maxActivitySpan, apiWindowOverlap)
	progress := newProgress(dixa.PacedInterval(rate.Limit(s.Config.APIPerSecond)))
	for i, w := range ws {
		began := time.Now()
		q := url.Values{}
		q.Set(st.AfterParam, apiTime(w.Start.Add(-apiWindowOverlap)))
		q.Set(st.BeforeParam, apiTime(w.End))
		// Captured values are JSON strings, quotes included.
		edgeFrom := []byte(`"` + w.End.Add(-apiWindowOverlap).UTC().Format(record.DateTimeFormat) + `"`)
		next := map[string]bool{}
		var buf []byte
		n := 0
		err := s.pages(ctx, s.request(st, st.Path, q), func(p *dixa.Page) error {
			extracted := s.Now()
			for _, rec := range p.Data {
				var err error
				if buf, err = proj.project(buf[:0], rec); err != nil {
					return err
				}
				id, at := proj.Captured(0), proj.Captured(1)
				if id == nil || at == nil || string(at) == "null" {
					return fmt.Errorf("an entry has no id or activityTimestamp")
				}
				if bytes.Compare(at, from) < 0 {
					continue // before the stream's start
				}
				if bytes.Compare(at, edgeFrom) >= 0 {
					next[string(id)] = true
				}
				if edge[string(id)] {
					continue // written by the previous window
				}
				if err := s.Out.WriteRecord(st.Name, buf, extracted, 0); err != nil {
					return err
				}
				count.inc()
				n++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: window %s: %w", st.Name, w, err)
		}
		edge = next
		if err := s.checkpoint(st.Name, st.ReplicationKey, w.End.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		s.Log.Infof("%s: window %d of %d %s: %d records in %.1fs%s", st.Name, i+1, len(ws), w, n,
			time.Since(began).Seconds(), progress.eta(i+1, len(ws)-i-1))
	}
	return nil
}
