package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
	"github.com/tap-dixa/tap-dixa/tap/record"
	"github.com/tap-dixa/tap-dixa/tap/schema"
	"github.com/tap-dixa/tap-dixa/tap/singer"
)

// Selected is a stream chosen for a run, with the schema of its selected
// fields.
type Selected struct {
	Stream Stream
	Spec   singer.StreamSpec
	Schema *schema.Node
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
}

// BookmarkError is a bookmark in the input state that cannot be read.
type BookmarkError struct {
	Stream, Key string
	Problem     string
}

func (e *BookmarkError) Error() string {
	return fmt.Sprintf("bookmarks.%s.%s: %s", e.Stream, e.Key, e.Problem)
}

// Run syncs the streams one after another. After each completed window it
// writes a STATE whose bookmark is the window's end; it never writes a
// bookmark past records it has not written. On error it returns without
// a further STATE: the last one written is the safe point to resume from.
func (s *Sync) Run(ctx context.Context, streams []Selected) error {
	end := s.Config.EndDate
	if end.IsZero() {
		end = s.Now()
	}
	// Read every bookmark before the first request: a bad state file fails
	// the run before it has written anything.
	starts := make([]time.Time, len(streams))
	for i, sel := range streams {
		start, err := s.start(sel.Stream)
		if err != nil {
			return err
		}
		starts[i] = start
	}
	for i, sel := range streams {
		if err := s.syncExport(ctx, sel, starts[i], end); err != nil {
			return err
		}
	}
	s.State.SetCurrentlySyncing("")
	return s.Out.WriteState(s.State)
}

func (s *Sync) syncExport(ctx context.Context, sel Selected, start, end time.Time) error {
	st := sel.Stream
	if err := s.Out.WriteSchema(st.Name, sel.Schema, st.KeyProperties, []string{st.ReplicationKey}); err != nil {
		return err
	}
	s.State.SetCurrentlySyncing(st.Name)
	if err := s.Out.WriteState(s.State); err != nil {
		return err
	}
	proj := record.New(sel.Spec.Schema, sel.Schema, func(path string) {
		s.Log.Warnf("%s: field %q is not in the schema; dropping it from every record", st.Name, path)
	}, st.KeyProperties[0], st.ReplicationKey)
	var edge map[string]int64
	total := 0
	for _, w := range Windows(start, end, s.Config.Window) {
		began := time.Now()
		n, next, err := s.window(ctx, st, proj, w, edge)
		if err != nil {
			return err
		}
		edge = next
		total += n
		if err := s.State.SetBookmark(st.Name, st.ReplicationKey, w.End.UnixMilli()); err != nil {
			return err
		}
		if err := s.Out.WriteState(s.State); err != nil {
			return err
		}
		s.Log.Infof("%s: window %s: %d records in %.1fs", st.Name, w, n, time.Since(began).Seconds())
	}
	s.Log.Infof("%s: done, %d records from %s to %s", st.Name, total, start.Format(time.RFC3339), end.Format(time.RFC3339))
	return nil
}

// window requests one export window and writes its records. seen holds
// the ids and replication values of the previous window's records on its
// upper edge, which this window's query may return again; they are not
// written twice. It returns the same for this window's upper edge.
func (s *Sync) window(ctx context.Context, st Stream, proj *record.Projector, w Window, seen map[string]int64) (int, map[string]int64, error) {
	after, before := w.Query()
	q := url.Values{}
	q.Set(st.AfterParam, strconv.FormatInt(after, 10))
	q.Set(st.BeforeParam, strconv.FormatInt(before, 10))
	fail := func(err error) (int, map[string]int64, error) {
		return 0, nil, fmt.Errorf("%s: window %s: %w", st.Name, w, err)
	}
	resp, err := s.Client.Get(ctx, dixa.Exports, st.Path, q)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	extracted := s.Now()
	edgeFrom := w.End.UnixMilli() - 1
	next := map[string]int64{}
	dec := jsonarray.NewDecoder(resp.Body)
	var buf []byte
	n := 0
	for i := 0; ; i++ {
		raw, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return fail(context.Cause(ctx))
			}
			return fail(err)
		}
		if buf, err = proj.Project(buf[:0], raw); err != nil {
			return fail(fmt.Errorf("record %d: %w", i, err))
		}
		id, rv := proj.Captured(0), proj.Captured(1)
		if id == nil || string(id) == "null" {
			return fail(fmt.Errorf("record %d has no %q", i, st.KeyProperties[0]))
		}
		at, err := strconv.ParseInt(string(rv), 10, 64)
		if err != nil {
			return fail(fmt.Errorf("record %d: %q is not an integer timestamp", i, st.ReplicationKey))
		}
		if v, ok := seen[string(id)]; ok && v == at {
			continue
		}
		if at >= edgeFrom {
			next[string(id)] = at
		}
		if err := s.Out.WriteRecord(st.Name, buf, extracted, 0); err != nil {
			return 0, nil, err
		}
		n++
	}
	return n, next, nil
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
	if raw, ok := s.State.Bookmark(st.Name, st.ReplicationKey); ok {
		t, err := parseBookmark(raw)
		if err != nil {
			return time.Time{}, false, &BookmarkError{st.Name, st.ReplicationKey, err.Error()}
		}
		return t, true, nil
	}
	for _, key := range st.LegacyBookmarks {
		if raw, ok := s.State.Bookmark(st.Name, key); ok {
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
