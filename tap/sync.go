package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

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

	failed      map[string]bool
	failedOrder []string
}

// BookmarkError is a bookmark in the input state that cannot be read.
type BookmarkError struct {
	Stream, Key string
	Problem     string
}

func (e *BookmarkError) Error() string {
	return fmt.Sprintf("bookmarks.%s.%s: %s", e.Stream, e.Key, e.Problem)
}

// Run syncs the streams one after another. After each completed window
// or page it writes a STATE whose bookmark never passes records it has not
// written. A stream the token may not read (401/403) fails alone: the
// others go on, and Run returns a *StreamsFailedError at the end. Any
// other error stops the run; the last STATE written is the safe point to
// resume from.
func (s *Sync) Run(ctx context.Context, streams []Selected) error {
	end := s.Config.EndDate
	if end.IsZero() {
		end = s.Now()
	}
	var main, children []Selected
	for _, sel := range streams {
		if sel.Stream.Kind == Child {
			children = append(children, sel)
		} else {
			main = append(main, sel)
		}
	}
	if len(children) > 0 && !slices.ContainsFunc(main, func(sel Selected) bool { return sel.Stream.Name == children[0].Stream.Parent }) {
		parent, _ := StreamByName(children[0].Stream.Parent)
		spec, err := parent.Spec()
		if err != nil {
			return err
		}
		main = append([]Selected{{Stream: parent, Spec: spec, Schema: spec.Schema, Silent: true}}, main...)
	}
	// Read every bookmark before the first request: a bad state file fails
	// the run before it has written anything.
	starts := make([]time.Time, len(main))
	for i, sel := range main {
		if sel.Stream.ReplicationKey == "" {
			continue
		}
		start, err := s.start(sel.Stream)
		if err != nil {
			return err
		}
		starts[i] = start
	}
	for i, sel := range main {
		var err error
		switch sel.Stream.Kind {
		case Export:
			var kids []Selected
			if len(children) > 0 && sel.Stream.Name == children[0].Stream.Parent {
				kids = children
			}
			err = s.syncExport(ctx, sel, starts[i], end, kids)
		case ActivityLog:
			err = s.syncActivity(ctx, sel, starts[i], end)
		default:
			err = s.syncList(ctx, sel)
		}
		var auth *dixa.AuthError
		if errors.As(err, &auth) && ctx.Err() == nil {
			s.fail(sel.Stream.Name, err)
			continue
		}
		if err != nil {
			return err
		}
	}
	s.State.SetCurrentlySyncing("")
	if err := s.Out.WriteState(s.State); err != nil {
		return err
	}
	if len(s.failedOrder) > 0 {
		return &StreamsFailedError{Streams: s.failedOrder}
	}
	return nil
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
