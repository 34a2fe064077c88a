package tap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
)

// syncChildren writes the child records (ratings, notes, messages) of the
// parent records with the given ids, through each child stream's
// projector, fetching up to fanoutWidth lists at once. A child stream the
// token may not read fails alone: it is reported and skipped from then on.
func (s *Sync) syncChildren(ctx context.Context, children []*projector, ids [][]byte) error {
	type job struct {
		proj *projector
		id   []byte
	}
	jobs := make([]job, 0, len(ids)*len(children))
	for _, id := range ids {
		for _, proj := range children {
			jobs = append(jobs, job{proj, id})
		}
	}
	var buf []byte
	return fanout(ctx, len(jobs), s.fanoutWidth(), func(ctx context.Context, i int) ([]json.RawMessage, error) {
		j := jobs[i]
		st := j.proj.sel.Stream
		if s.hasFailed(st.Name) {
			return nil, nil
		}
		path := childPath(st.Path, j.id)
		var recs []json.RawMessage
		err := s.pages(ctx, s.request(st, path, st.Query), func(p *dixa.Page) error {
			recs = append(recs, p.Data...)
			return nil
		})
		var auth *dixa.AuthError
		if errors.As(err, &auth) {
			s.fail(st.Name, err) // once, however many requests failed alike
			return nil, nil
		}
		if s.skipMissing(st, st.Parent, j.id, err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", st.Name, path, err)
		}
		return recs, nil
	}, func(i int, recs []json.RawMessage) error {
		j := jobs[i]
		st := j.proj.sel.Stream
		extracted := s.Now()
		for _, rec := range recs {
			rec, err := reshape(st, rec, member{key: st.ParentKey, value: j.id})
			if err != nil {
				return fmt.Errorf("%s: %w", st.Name, err)
			}
			if buf, err = j.proj.project(buf[:0], rec); err != nil {
				return err
			}
			if err := s.Out.WriteRecord(st.Name, buf, extracted, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// skipMissing reports whether err is Dixa's 404 for the parent record
// with the given id: a conversation it deleted or anonymised, a team
// removed since the list was read. Such a parent is skipped for the stream
// with a WARNING and counted, and the run goes on.
func (s *Sync) skipMissing(st Stream, what string, id []byte, err error) bool {
	var er *dixa.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != http.StatusNotFound {
		return false
	}
	parent := strings.Trim(string(id), `"`)
	s.Log.Warnf("%s: %s %s: %s; skipping it", st.Name, what, parent, er.Message)
	s.Log.metric(metric{"counter", "skipped_parents", 1, map[string]any{"stream": st.Name, "http_status_code": http.StatusNotFound}})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.skipped == nil {
		s.skipped = map[string]map[string][]string{}
	}
	if s.skipped[st.Name] == nil {
		s.skipped[st.Name] = map[string][]string{}
	}
	s.skipped[st.Name][what] = append(s.skipped[st.Name][what], parent)
	return true
}

// summarize logs, at the end of a run, the parents each stream skipped.
func (s *Sync) summarize() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range Streams {
		byWhat := s.skipped[st.Name]
		for _, what := range slices.Sorted(maps.Keys(byWhat)) {
			ids := byWhat[what]
			shown := ids[:min(len(ids), 20)]
			more := ""
			if len(ids) > len(shown) {
				more = fmt.Sprintf(" and %d more", len(ids)-len(shown))
			}
			s.Log.Warnf("%s: skipped %d %s record(s) that Dixa answered 404 for: %s%s", st.Name, len(ids), what, strings.Join(shown, ", "), more)
		}
	}
}

// fail records that a stream failed without stopping the others.
func (s *Sync) fail(stream string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed[stream] {
		return // concurrent requests of the stream failed alike
	}
	if s.failed == nil {
		s.failed = map[string]bool{}
	}
	s.failed[stream] = true
	s.failedOrder = append(s.failedOrder, stream)
	s.Log.Logf(Error, "%s: stream failed, the others go on: %s", stream, strings.TrimPrefix(err.Error(), stream+": "))
}

// StreamsFailedError reports streams that failed while others completed.
type StreamsFailedError struct{ Streams []string }

func (e *StreamsFailedError) Error() string {
	return fmt.Sprintf("%d stream(s) failed: %s (see the errors above)", len(e.Streams), strings.Join(e.Streams, ", "))
}
