package tap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
	"github.com/tap-dixa/tap-dixa/tap/singer"
	"golang.org/x/time/rate"
)

// splitAfter is how many failures in a row of a window (timeouts, 5xx,
// truncated bodies) make the tap split it in halves.
const splitAfter = 3

// minSplit is the shortest window the tap splits.
const minSplit = time.Hour

// pending is a window still to sync, with the records that failed
// attempts at it (or at the window it was split from) already wrote, and
// the failures they spent.
type pending struct {
	Window
	written *writtenSet
	// failures counts the failed attempts at the window as the config
	// asked for it, halves included, since a piece of it last succeeded:
	// max_retries bounds them all, so a dead endpoint fails after
	// max_retries+1 attempts however often the window is split.
	failures *int
}

// syncExport syncs one export stream window by window from start to end,
// writing STATE after each window.
func (s *Sync) syncExport(ctx context.Context, sel Selected, start, end time.Time, children []Selected) error {
	st := sel.Stream
	proj := s.projector(sel, []string{st.ReplicationKey}, st.KeyProperties[0], st.ReplicationKey)
	if err := proj.writeSchema(); err != nil { // none if Silent
		return err
	}
	// One projector per child stream for the whole run, so that its
	// schema grows once and each new field is reported once.
	kids := make([]*projector, len(children))
	for i, c := range children {
		kids[i] = s.projector(c, nil)
		if err := kids[i].writeSchema(); err != nil {
			return err
		}
	}
	if err := s.writeState(st.Name); err != nil {
		return err
	}
	ex := &exporter{
		silent:   sel.Silent,
		Sync:     s,
		st:       st,
		proj:     proj,
		interval: every(time.Minute, st.PerMinute(s.Config)),
		seed:     maphash.MakeSeed(),
		count:    newCounter(s.Log, st.Name),
		wantIDs:  len(children) > 0,
	}
	defer ex.count.flush()
	var queue []pending
	for _, w := range Windows(start, end, s.Config.Window) {
		queue = append(queue, pending{Window: w})
	}
	total, done := 0, 0
	progress := newProgress(dixa.PacedInterval(rate.Limit(st.PerMinute(s.Config) / 60)))
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		began := time.Now()
		n, halves, err := ex.window(ctx, p)
		total += n
		if err != nil {
			return err
		}
		if halves != nil {
			queue = append(halves, queue...)
			continue
		}
		if err := s.syncChildren(ctx, kids, ex.ids); err != nil {
			return err
		}
		ex.ids = ex.ids[:0]
		if err := s.checkpoint(st.Name, st.ReplicationKey, p.End.UnixMilli()); err != nil {
			return err
		}
		done++
		// n counts the queue: a split window adds one to it.
		s.Log.Infof("%s: window %d of %d %s: %d records in %.1fs%s", st.Name, done, done+len(queue), p.Window, n,
			time.Since(began).Seconds(), progress.eta(done, len(queue)))
	}
	s.Log.Infof("%s: done, %d records from %s to %s", st.Name, total, start.Format(time.RFC3339), end.Format(time.RFC3339))
	return nil
}

// exporter syncs the windows of one export stream.
type exporter struct {
	*Sync
	st       Stream
	silent   bool // write no records: only children want them
	proj     *projector
	ids      [][]byte // ids written in the current window, for children
	wantIDs  bool
	interval time.Duration // the endpoint's pacing
	seed     maphash.Seed
	count    *counter
	// edge holds the ids and replication values of the last window's
	// records on its upper edge, which the next query may return again.
	edge map[string]int64
}

// window syncs one window: attempts until one reads the whole answer,
// with backoff between them. Records written by a failed attempt are not
// written again. A window that keeps failing is split: window returns its
// halves instead, to be synced in its place. The window and its halves
// share one budget of max_retries failures, renewed when a piece succeeds.
func (e *exporter) window(ctx context.Context, p pending) (int, []pending, error) {
	if p.written == nil {
		p.written, p.failures = &writtenSet{}, new(int)
	}
	total, streak := 0, 0
	for try := 1; ; try++ {
		n, err := e.attempt(ctx, p)
		total += n
		if err == nil {
			*p.failures = 0 // progress: the next piece has the whole budget
			return total, nil, nil
		}
		if ctx.Err() != nil {
			return total, nil, fmt.Errorf("%s: window %s: %w", e.st.Name, p.Window, context.Cause(ctx))
		}
		*p.failures++
		wait, final := e.retryWait(*p.failures, err, e.interval)
		if final != nil {
			return total, nil, fmt.Errorf("%s: window %s: %w", e.st.Name, p.Window, final)
		}
		p.written.seal()
		if splittable(err) {
			streak++
		} else {
			streak = 0
		}
		if streak >= splitAfter && p.End.Sub(p.Start) >= 2*minSplit {
			mid := p.Start.Add(p.End.Sub(p.Start) / 2).Truncate(time.Millisecond)
			e.Log.Warnf("%s: window %s failed %d times in a row (%v); splitting it at %s", e.st.Name, p.Window, streak, err, mid.Format(time.RFC3339Nano))
			return total, []pending{{Window{p.Start, mid}, p.written, p.failures}, {Window{mid, p.End}, p.written, p.failures}}, nil
		}
		e.Log.Warnf("%s: window %s: attempt %d failed: %v; retrying in %.1fs (%d of %d retries used)", e.st.Name, p.Window, try, err, wait.Seconds(), *p.failures, e.Config.MaxRetries)
		if err := sleep(ctx, wait); err != nil {
			return total, nil, fmt.Errorf("%s: window %s: %w", e.st.Name, p.Window, err)
		}
	}
}

// retryWait is what follows the failures-th failed attempt: the wait
// before the next attempt, or the error to give up with. A 429 waits at
// least the endpoint's pacing interval; backoff starts at the smaller of a
// second and that interval.
func (s *Sync) retryWait(failures int, err error, pacing time.Duration) (time.Duration, error) {
	retry, wait := dixa.ShouldRetry(err)
	if !retry {
		return 0, err
	}
	if failures > s.Config.MaxRetries {
		return 0, fmt.Errorf("%w (gave up after %d failed attempts; max_retries is %d)", err, failures, s.Config.MaxRetries)
	}
	var rl *dixa.RateLimitError
	if errors.As(err, &rl) {
		wait = max(wait, pacing)
	}
	return max(wait, dixa.Backoff(failures, min(time.Second, pacing), time.Minute)), nil
}

// splittable reports whether a failure suggests the window is too big:
// timeouts, server errors and answers cut short.
func splittable(err error) bool {
	var er *dixa.ErrorResponse
	if errors.As(err, &er) {
		return er.Response.StatusCode >= 500 || er.Response.StatusCode == http.StatusRequestTimeout
	}
	var rl *dixa.RateLimitError
	return !errors.As(err, &rl)
}

// attempt requests the window once and writes the records it has not
// written before.
func (e *exporter) attempt(ctx context.Context, p pending) (n int, err error) {
	after, before := p.Query()
	q := url.Values{}
	q.Set(e.st.AfterParam, strconv.FormatInt(after, 10))
	q.Set(e.st.BeforeParam, strconv.FormatInt(before, 10))
	resp, err := e.Client.Get(ctx, dixa.Exports, e.st.Path, q)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	extracted := e.Now()
	// Records are made straight into their RECORD lines, which go to the
	// Writer a megabyte at a time and whatever happens before attempt
	// returns: a record counts as written (p.written) once its line ends.
	var out *singer.Lines
	var buf []byte // the line being made; only the record if silent
	if !e.silent {
		if out, err = e.Out.Lines(e.st.Name, extracted, 0); err != nil {
			return 0, err
		}
		e.proj.before = out.Flush // a grown SCHEMA follows the lines before it
		defer func() {
			e.proj.before = nil
			if ferr := out.Flush(); err == nil {
				err = ferr
			}
			out.Release()
		}()
	}
	edgeFrom := p.End.UnixMilli() - 1
	next := map[string]int64{}
	head := &headReader{r: resp.Body}
	a := newAhead(head, aheadFirst, aheadBuffer)
	defer func() {
		resp.Body.Close() // ends a read the decoder waits on
		a.stop()
	}()
	base := 0    // the index of the batch's first record
	counted := 0 // records of n counted in e.count
	for {
		b := a.next()
		err := b.records(func(j int, raw []byte, members []jsonarray.Member, compact bool) error {
			i := base + j
			if out != nil {
				buf = out.Begin()
			} else {
				buf = buf[:0]
			}
			// project writes a grown SCHEMA now, before this record (or any
			// later one) is written, even if a failed attempt already wrote
			// this one: records are skipped below, SCHEMAs never.
			var err error
			if buf, err = e.proj.projectMembers(buf, raw, members, compact); err != nil {
				return fmt.Errorf("record %d: %w", i, err)
			}
			id, rv := e.proj.Captured(0), e.proj.Captured(1)
			if id == nil || string(id) == "null" {
				return fmt.Errorf("record %d has no %q", i, e.st.KeyProperties[0])
			}
			at, err := parseInt(rv)
			if err != nil {
				return fmt.Errorf("record %d: %q is not an integer timestamp", i, e.st.ReplicationKey)
			}
			if v, ok := e.edge[string(id)]; ok && v == at {
				return nil // written by the previous window
			}
			if at >= edgeFrom {
				next[string(id)] = at
			}
			h := e.hash(id, at)
			if p.written.has(h) {
				return nil // written by a failed attempt
			}
			if e.wantIDs {
				e.ids = append(e.ids, bytes.Clone(id))
			}
			if out != nil {
				out.End(buf)
				if out.Len() >= linesFlush {
					if err := out.Flush(); err != nil {
						return err
					}
				}
			}
			p.written.add(h)
			n++
			return nil
		})
		e.count.add(n - counted) // per batch: a lock and a clock read per record cost 4% of the CPU
		counted = n
		if err != nil {
			return n, err
		}
		base += len(b.recs)
		if errors.Is(b.err, io.EOF) {
			break
		}
		if err := b.err; err != nil {
			switch {
			case errors.Is(err, jsonarray.ErrEmpty):
				err = fmt.Errorf("%w: empty body", dixa.ErrTruncated)
			case errors.Is(err, jsonarray.ErrNotArray):
				// Dixa's {"message": ...} with a 200, or a proxy's page.
				a.stopReading() // rest reads the body on
				err = e.Client.UnexpectedBody(resp.URL, head.rest())
			}
			return n, err
		}
	}
	e.edge = next
	return n, nil
}

// linesFlush is how many bytes of RECORD lines an export buffers before
// it hands them to the Writer.
const linesFlush = 256 << 10

// headReader keeps the first bytes of a body, so that an answer that is
// not a JSON array can be quoted in the error.
type headReader struct {
	r    io.Reader
	head []byte
}

// headLen is how much of a body headReader keeps.
const headLen = 4 << 10

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if len(h.head) < headLen {
		h.head = append(h.head, p[:min(n, headLen-len(h.head))]...)
	}
	return n, err
}

// rest returns the kept start of the body, read on up to headLen bytes.
func (h *headReader) rest() []byte {
	if len(h.head) < headLen {
		more, _ := io.ReadAll(io.LimitReader(h.r, int64(headLen-len(h.head))))
		h.head = append(h.head, more...)
	}
	return h.head
}

// hash returns the 64-bit hash of a record by which a retried window knows
// it was written: of its raw id and its replication value. Records of one
// id get different hashes for different values.
func (e *exporter) hash(id []byte, at int64) uint64 {
	return maphash.Bytes(e.seed, id) + uint64(at)*0x9E3779B97F4A7C15 // odd: one value, one product
}

// parseInt parses the JSON integer b, as strconv.ParseInt does but with a
// fast path for the plain digits of a timestamp.
func parseInt(b []byte) (int64, error) {
	if n := len(b); n > 0 && n <= 18 && b[0] != '0' || n == 1 {
		v := int64(0)
		for _, c := range b {
			if c < '0' || c > '9' {
				return strconv.ParseInt(string(b), 10, 64)
			}
			v = v*10 + int64(c-'0')
		}
		return v, nil
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// writtenSet remembers 64-bit hashes of the records written for a window:
// 8 bytes a record, kept in fixed chunks (no doubling while a window is
// read) and searched only after an attempt failed.
type writtenSet struct {
	sorted []uint64
	fresh  [][]uint64
}

const writtenChunk = 8192

func (w *writtenSet) add(h uint64) {
	if n := len(w.fresh); n == 0 || len(w.fresh[n-1]) == writtenChunk {
		w.fresh = append(w.fresh, make([]uint64, 0, writtenChunk))
	}
	last := &w.fresh[len(w.fresh)-1]
	*last = append(*last, h)
}

func (w *writtenSet) has(h uint64) bool {
	_, ok := slices.BinarySearch(w.sorted, h)
	return ok
}

// seal makes the hashes added so far searchable.
func (w *writtenSet) seal() {
	n := len(w.sorted)
	for _, c := range w.fresh {
		n += len(c)
	}
	all := make([]uint64, 0, n)
	all = append(all, w.sorted...)
	for _, c := range w.fresh {
		all = append(all, c...)
	}
	slices.Sort(all)
	w.sorted, w.fresh = all, nil
}

// every returns the interval between events at rate per unit, kept
// between a nanosecond and a day whatever the rate (0, negative, NaN or
// huge), so that no wait arithmetic can overflow.
func every(unit time.Duration, rate float64) time.Duration {
	const longest = 24 * time.Hour
	if !(rate > 0) {
		return longest
	}
	d := float64(unit) / rate
	if !(d < float64(longest)) {
		return longest
	}
	return max(time.Duration(d), time.Nanosecond)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// progress estimates the time left of a windowed stream: the windows
// still to go times the endpoint's paced interval, or times the measured
// average per window when that is longer.
type progress struct {
	began  time.Time
	pacing time.Duration
}

func newProgress(pacing time.Duration) *progress {
	return &progress{began: time.Now(), pacing: pacing}
}

// eta returns "; about D left" after done windows with left to go, or ""
// when none is left.
func (p *progress) eta(done, left int) string {
	if left <= 0 || done <= 0 {
		return ""
	}
	per := max(p.pacing, time.Since(p.began)/time.Duration(done))
	if per > time.Duration(math.MaxInt64)/time.Duration(left) {
		return "; many windows left"
	}
	return "; about " + roundDuration(per*time.Duration(left)) + " left"
}

// roundDuration formats d for a person: whole seconds from a minute on,
// tenths of a second under it.
func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		d = d.Round(time.Second)
	case d >= time.Second:
		d = d.Round(100 * time.Millisecond)
	default:
		d = d.Round(time.Millisecond)
	}
	return d.String()
}
