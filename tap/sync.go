package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/schema"
	"github.com/tap-dixa/tap-dixa/tap/singer"
)

// Selected is a stream chosen for a run, with the schema of its selected
// fields.
type Selected struct {
	Stream Stream
	Spec   singer.StreamSpec
	Schema *schema.Node
	// Silent streams are read for their children only: no SCHEMA, no
	// RECORD, but their bookmark advances.
	Silent bool
}

// Sync carries selected streams from Dixa to Singer messages.
type Sync struct {
	Config *config.Config
	Client *dixa.Client
	Out    *singer.Writer
	State  *singer.State
	Log    *Logger
	// Now is the clock: the run's end bound when no end_date is set, and
	// every record's time_extracted.
	Now func() time.Time

	mu          sync.Mutex // guards State and the maps below
	failed      map[string]bool
	failedOrder []string
	skipped     map[string]map[string][]string // stream -> kind of parent -> ids answered 404
}

// checkpoint sets a stream's bookmark and writes the state. Every stream
// sets its bookmark only after writing what it covers, so the STATE
// written covers only data already written, whichever stream calls.
func (s *Sync) checkpoint(stream, key string, value any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.State.SetBookmark(stream, key, value); err != nil {
		return err
	}
	return s.Out.WriteState(s.State)
}

// stateBookmark is State.Bookmark under s.mu: the streams of other lanes
// set their bookmarks meanwhile.
func (s *Sync) stateBookmark(stream, key string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.State.Bookmark(stream, key)
}

// writeState writes the state; a non-empty stream becomes
// currently_syncing.
func (s *Sync) writeState(syncing string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if syncing != "" {
		s.State.SetCurrentlySyncing(syncing)
	}
	return s.Out.WriteState(s.State)
}

func (s *Sync) hasFailed(stream string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed[stream]
}

// BookmarkError is a bookmark in the input state that cannot be read.
type BookmarkError struct {
	Stream, Key string
	Problem     string
}

func (e *BookmarkError) Error() string {
	return fmt.Sprintf("bookmarks.%s.%s: %s", e.Stream, e.Key, e.Problem)
}

// Run syncs the streams in lanes (see runLanes). After each completed
// window or page it writes a STATE whose bookmark never passes records it
// has not written. A stream the token may not read (401/403), or whose
// endpoint is not there (404), fails alone: the others go on, and Run
// returns a *StreamsFailedError at the end. Any other error stops the run;
// the last STATE written is the safe point to resume from.
func (s *Sync) Run(ctx context.Context, streams []Selected) error {
	end := s.Config.EndDate
	if end.IsZero() {
		end = s.Now()
	}
	// Children ride on their parent export, read silently when it is not
	// selected itself.
	var main []Selected
	children := map[string][]Selected{}
	for _, sel := range streams {
		if sel.Stream.Kind == Child {
			children[sel.Stream.Parent] = append(children[sel.Stream.Parent], sel)
		} else {
			main = append(main, sel)
		}
	}
	for _, st := range Streams {
		if len(children[st.Name]) == 0 || slices.ContainsFunc(main, func(sel Selected) bool { return sel.Stream.Name == st.Name }) {
			continue
		}
		spec, err := st.Spec()
		if err != nil {
			return err
		}
		main = append([]Selected{{Stream: st, Spec: spec, Schema: spec.Schema, Silent: true}}, main...)
	}
	// Read every bookmark before the first request: a bad state file fails
	// the run before it has written anything.
	starts := make([]time.Time, len(main))
	for i, sel := range main {
		if sel.Stream.Kind == Analytics {
			if _, _, err := s.analyticsBookmarks(sel.Stream); err != nil {
				return err // read again, per record type, when it runs
			}
			continue
		}
		if sel.Stream.ReplicationKey == "" {
			continue
		}
		start, err := s.start(sel.Stream)
		if err != nil {
			return err
		}
		starts[i] = start
	}
	err := s.runLanes(ctx, main, starts, end, children)
	s.summarize()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.State.SetCurrentlySyncing("")
	err = s.Out.WriteState(s.State)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if len(s.failedOrder) > 0 {
		slices.SortFunc(s.failedOrder, func(a, b string) int { return streamIndex(a) - streamIndex(b) })
		return &StreamsFailedError{Streams: s.failedOrder}
	}
	return nil
}

func streamIndex(name string) int {
	return slices.IndexFunc(Streams, func(s Stream) bool { return s.Name == name })
}

// lane names what limits a stream's requests: each export endpoint has its
// own, and the Dixa API one shared by all its endpoints.
func lane(st Stream) string {
	if st.Kind == Export {
		return st.Path
	}
	return "api"
}

// runLanes syncs the streams in lanes of independent rate limits, up to
// max_parallel_streams lanes at once, each lane's streams in order. The
// first error other than a stream's own 401/403 stops every lane.
func (s *Sync) runLanes(ctx context.Context, main []Selected, starts []time.Time, end time.Time, children map[string][]Selected) error {
	var order []string
	lanes := map[string][]int{}
	for i, sel := range main {
		l := lane(sel.Stream)
		if _, ok := lanes[l]; !ok {
			order = append(order, l)
		}
		lanes[l] = append(lanes[l], i)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, s.Config.MaxParallelStreams))
	for _, l := range order {
		if ctx.Err() != nil {
			break
		}
		// Go waits for a free slot, which keeps the lanes' order when
		// fewer slots than lanes are allowed.
		g.Go(func() error {
			for _, i := range lanes[l] {
				if ctx.Err() != nil {
					return context.Cause(ctx)
				}
				sel := main[i]
				err := recovered(func() error {
					switch sel.Stream.Kind {
					case Export:
						return s.syncExport(ctx, sel, starts[i], end, children[sel.Stream.Name])
					case ActivityLog:
						return s.syncActivity(ctx, sel, starts[i], end)
					case Analytics:
						return s.syncAnalytics(ctx, sel, end)
					}
					return s.syncList(ctx, sel)
				})
				if failsAlone(err) && ctx.Err() == nil {
					s.fail(sel.Stream.Name, err)
					continue
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// failsAlone reports whether err ends only the stream it came from: a
// 401/403 (the token may not read the endpoint) or a 404 that no parent
// explains (the endpoint is not there for this organisation). Any other
// error stops the run.
func failsAlone(err error) bool {
	var auth *dixa.AuthError
	var er *dixa.ErrorResponse
	return errors.As(err, &auth) || errors.As(err, &er) && er.Response.StatusCode == http.StatusNotFound
}

// recovered runs fn and turns a panic in it into an error carrying the
// stack, so that it ends the run like any failure: through the logger and
// the exit code, never as a raw trace.
func recovered(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}

// start returns where the stream resumes: the later of start_date and the
// stream's bookmark, read as Unix ms or, for state written by tap-dixa
// 1.0.x, a legacy date string.
func (s *Sync) start(st Stream) (time.Time, error) {
	start := s.Config.StartDate
	bm, ok, err := s.bookmark(st)
	if err != nil || !ok {
		return start, err
	}
	if bm.After(start) {
		start = bm
	}
	return start, nil
}

func (s *Sync) bookmark(st Stream) (time.Time, bool, error) {
	if raw, ok := s.stateBookmark(st.Name, st.ReplicationKey); ok {
		t, err := parseBookmark(raw)
		if err != nil {
			return time.Time{}, false, &BookmarkError{st.Name, st.ReplicationKey, err.Error()}
		}
		return t, true, nil
	}
	for _, key := range st.LegacyBookmarks {
		if raw, ok := s.stateBookmark(st.Name, key); ok {
			t, err := parseBookmark(raw)
			if err != nil {
				return time.Time{}, false, &BookmarkError{st.Name, key, err.Error()}
			}
			return t, true, nil
		}
	}
	return time.Time{}, false, nil
}

// parseBookmark reads Unix ms (a JSON number or numeric string) or a date
// string in any form start_date accepts.
func parseBookmark(raw json.RawMessage) (time.Time, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return time.Time{}, errors.New("not valid JSON")
	}
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = t
	default:
		return time.Time{}, errors.New("must be Unix milliseconds or a date-time string")
	}
	if ms, err := strconv.ParseFloat(text, 64); err == nil {
		if math.IsNaN(ms) || ms < 0 || ms > 1e15 {
			return time.Time{}, fmt.Errorf("%s is not a plausible Unix ms timestamp", text)
		}
		return time.UnixMilli(int64(ms)).UTC(), nil
	}
	t, err := config.ParseTime(text)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither Unix milliseconds nor a date-time", text)
	}
	return t, nil
}
