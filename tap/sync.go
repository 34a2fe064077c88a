package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
