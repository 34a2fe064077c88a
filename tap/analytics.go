package tap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/record"
	"golang.org/x/time/rate"
)

// maxAnalyticsSpan is the longest span one analytics query covers.
const maxAnalyticsSpan = 31 * 24 * time.Hour

// recordType is an entry of Dixa's analytics records catalogue.
type recordType struct {
	ID      string `json:"id"`
	Filters []struct {
		Attribute string `json:"filterAttribute"`
	} `json:"filters"`
}

// filter is one entry of an analytics query's "filters".
type filter struct {
	Attribute string   `json:"attribute"`
	Values    []string `json:"values"`
}

// analyticsQuery is the body of POST /v1/analytics/records: one record
// type over one Interval, in UTC. Every page of it is asked for with the
// same body.
type analyticsQuery struct {
	ID           string `json:"id"`
	PeriodFilter struct {
		Type  string `json:"_type"`
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"periodFilter"`
	Timezone string   `json:"timezone"`
	Filters  []filter `json:"filters"`
}

// metricRecord is what the tap reads of a MetricRecord; the rest is
// written as Dixa sends it.
type metricRecord struct {
	Primary *struct {
		Name      string `json:"name"`
		Timestamp string `json:"timestamp"`
	} `json:"primaryTimestampField"`
	Value  json.RawMessage `json:"value"`
	Fields []struct {
		Name  string          `json:"name"`
		Field json.RawMessage `json:"field"`
	} `json:"fields"`
}

// analyticsBookmarks reads the stream's bookmark: an object of RFC 3339
// instants by record type, or (from a hand-written state) one instant for
// every type.
func (s *Sync) analyticsBookmarks(st Stream) (all time.Time, byType map[string]time.Time, err error) {
	raw, ok := s.stateBookmark(st.Name, st.ReplicationKey)
	if !ok {
		return time.Time{}, nil, nil
	}
	bad := func(problem string) error { return &BookmarkError{st.Name, st.ReplicationKey, problem} }
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		t, err := parseBookmark(raw)
		if err != nil {
			return time.Time{}, nil, bad(err.Error())
		}
		return t, nil, nil
	}
	byType = map[string]time.Time{}
	for id, v := range m {
		t, err := parseBookmark(v)
		if err != nil {
			return time.Time{}, nil, bad(fmt.Sprintf("%s: %v", id, err))
		}
		byType[id] = t
	}
	return time.Time{}, byType, nil
}

// syncAnalytics syncs Dixa's analytics records: for each record type of
// the catalogue (or of analytics_record_types), windows of
// analytics_window_days from its bookmark to end, each asked for as one
// Interval and read page by page; STATE after each window, with one
// bookmark per record type. Records are keyed by a fingerprint that is
// the same whenever Dixa answers the same record again (see recordKey).
func (s *Sync) syncAnalytics(ctx context.Context, sel Selected, end time.Time) error {
	st := sel.Stream
	proj := s.projector(sel, []string{st.ReplicationKey})
	if err := s.begin(proj); err != nil {
		return err
	}
	all, marks, err := s.analyticsBookmarks(st)
	if err != nil {
		return err
	}
	types, err := s.recordTypes(ctx, st)
	if err != nil {
		return fmt.Errorf("%s: catalogue: %w", st.Name, err)
	}
	bookmarks := map[string]string{}
	for id, t := range marks {
		bookmarks[id] = t.UTC().Format(time.RFC3339Nano)
	}
	count := newCounter(s.Log, st.Name)
	defer count.flush()
	progress := newProgress(dixa.PacedInterval(rate.Limit(s.Config.APIPerSecond)))
	for _, rt := range types {
		start := s.Config.StartDate
		if t, ok := marks[rt.ID]; ok && t.After(start) {
			start = t
		} else if !ok && all.After(start) {
			start = all
		}
		a := &analytics{Sync: s, st: st, proj: proj, rt: rt, count: count}
		ws := windows(start, end, s.Config.AnalyticsWindow, maxAnalyticsSpan, time.Millisecond)
		for i, w := range ws {
			began := time.Now()
			n, err := a.window(ctx, w)
			if err != nil {
				return fmt.Errorf("%s: %s: window %s: %w", st.Name, rt.ID, w, err)
			}
			bookmarks[rt.ID] = w.End.UTC().Format(time.RFC3339Nano)
			if err := s.checkpoint(st.Name, st.ReplicationKey, maps.Clone(bookmarks)); err != nil {
				return err
			}
			s.Log.Infof("%s: %s: window %d of %d %s: %d records in %.1fs%s", st.Name, rt.ID, i+1, len(ws), w, n,
				time.Since(began).Seconds(), progress.eta(i+1, len(ws)-i-1))
		}
	}
	return nil
}

// recordTypes reads the catalogue and returns the types to sync: those of
// analytics_record_types, in that order, or every type listed.
func (s *Sync) recordTypes(ctx context.Context, st Stream) ([]recordType, error) {
	cat := Stream{Paged: true}
	items, err := s.collect(ctx, s.request(cat, st.Catalog, nil), nil)
	if err != nil {
		return nil, err
	}
	var listed []recordType
	for _, it := range items {
		var rt recordType
		if err := json.Unmarshal(it.rec, &rt); err != nil || rt.ID == "" {
			return nil, fmt.Errorf("an entry has no id: %s", abbreviate(it.rec))
		}
		listed = append(listed, rt)
	}
	want := s.Config.AnalyticsRecordTypes
	if len(want) == 0 {
		return listed, nil
	}
	var out []recordType
	for _, id := range want {
		i := slices.IndexFunc(listed, func(rt recordType) bool { return rt.ID == id })
		if i < 0 {
			s.Log.Warnf("%s: analytics_record_types names %q, which Dixa's catalogue does not list; skipping it", st.Name, id)
			continue
		}
		out = append(out, listed[i])
	}
	return out, nil
}

// analytics syncs the windows of one record type.
type analytics struct {
	*Sync
	st    Stream
	proj  *projector
	rt    recordType
	count *counter
	// filters are sent with every query: none, unless Dixa asked for one.
	filters []filter
}

// window syncs one window of the record type and returns how many records
// it wrote. If Dixa requires a filter with a period (as its own tooling
// says), the window is asked for again with every value of one of the
// type's filter attributes.
func (a *analytics) window(ctx context.Context, w Window) (int, error) {
	n, err := a.attempt(ctx, w)
	var er *dixa.ErrorResponse
	if err != nil && a.filters == nil && errors.As(err, &er) && er.Response.StatusCode == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(er.Message), "filter") && n == 0 {
		if a.filters, err = a.everything(ctx, er.Message); err != nil {
			return 0, err
		}
		return a.attempt(ctx, w)
	}
	return n, err
}

// everything returns a filter that matches every record with a value for
// one of the type's filter attributes (channel if it has one), for a Dixa
// that refuses queries without a filter.
func (a *analytics) everything(ctx context.Context, why string) ([]filter, error) {
	attr := ""
	for _, f := range a.rt.Filters {
		if attr == "" || f.Attribute == "channel" {
			attr = f.Attribute
		}
	}
	if attr == "" {
		return nil, fmt.Errorf("the catalogue lists no filter for %s, and Dixa requires one (%s)", a.rt.ID, why)
	}
	items, err := a.collect(ctx, a.request(Stream{Paged: true}, "/v1/analytics/filter/"+url.PathEscape(attr), nil), nil)
	if err != nil {
		return nil, fmt.Errorf("filter values of %s: %w", attr, err)
	}
	f := filter{Attribute: attr, Values: []string{}}
	for _, it := range items {
		var v struct {
			Value json.RawMessage `json:"value"`
		}
		if json.Unmarshal(it.rec, &v) != nil || len(v.Value) == 0 {
			return nil, fmt.Errorf("filter values of %s: an entry has no value: %s", attr, abbreviate(it.rec))
		}
		var text string
		if json.Unmarshal(v.Value, &text) != nil {
			text = string(v.Value)
		}
		f.Values = append(f.Values, text)
	}
	a.Log.Warnf("%s: %s: Dixa requires a filter (%s); asking for every %s (%d values), so records without one are not read",
		a.st.Name, a.rt.ID, why, attr, len(f.Values))
	return []filter{f}, nil
}

// attempt reads one window and writes its records in [w.Start, w.End).
// The query's Interval begins a millisecond before the window, so that the
// window is covered whether Dixa reads either bound as inclusive or not;
// records outside it belong to the windows around it.
func (a *analytics) attempt(ctx context.Context, w Window) (int, error) {
	var q analyticsQuery
	q.ID = a.rt.ID
	q.PeriodFilter.Type = "Interval"
	q.PeriodFilter.Start = w.Start.Add(-time.Millisecond).UTC().Format(record.DateTimeFormat)
	q.PeriodFilter.End = w.End.UTC().Format(record.DateTimeFormat)
	q.Timezone = "UTC"
	q.Filters = a.filters
	if q.Filters == nil {
		q.Filters = []filter{}
	}
	body, err := json.Marshal(q)
	if err != nil {
		return 0, err
	}
	req := a.request(a.st, a.st.Path, nil)
	req.Body = body
	var buf []byte
	n := 0
	seen := map[string]int{}
	err = a.pages(ctx, req, func(p *dixa.Page) error {
		extracted := a.Now()
		for _, rec := range p.Data {
			at, key, err := recordKey(a.rt.ID, rec)
			if err != nil {
				return err
			}
			// Records alike in every part share a timestamp, hence a
			// window: the n-th of them is told apart by "-n".
			if seen[key]++; seen[key] > 1 {
				key += "-" + strconv.Itoa(seen[key])
			}
			if at.Before(w.Start) || !at.Before(w.End) {
				continue // another window's
			}
			ts, _ := json.Marshal(at.Format(record.DateTimeFormat))
			k, _ := json.Marshal(key)
			id, _ := json.Marshal(a.rt.ID)
			out, err := reshape(Stream{}, rec, member{key: "record_id", value: id},
				member{key: "primary_timestamp", value: ts}, member{key: "key", value: k})
			if err != nil {
				return err
			}
			if buf, err = a.proj.project(buf[:0], out); err != nil {
				return err
			}
			if err := a.Out.WriteRecord(a.st.Name, buf, extracted, 0); err != nil {
				return err
			}
			a.count.inc()
			n++
		}
		return nil
	})
	return n, err
}

// recordKey returns an analytics record's primary timestamp and its key:
// the hex SHA-256 (first 128 bits) of the record type, the primary
// timestamp's name and instant (in UTC, to the millisecond), the record's
// value, and each field's name and value (not its label, which Dixa may
// rename), sorted by name. The key is the same whenever Dixa answers the
// same record again, whatever the order of its fields, the labels or the
// zone of its timestamp.
func recordKey(typ string, rec []byte) (time.Time, string, error) {
	var r metricRecord
	if err := json.Unmarshal(rec, &r); err != nil {
		return time.Time{}, "", fmt.Errorf("a record is not an analytics record: %w", err)
	}
	if r.Primary == nil || r.Primary.Timestamp == "" {
		return time.Time{}, "", fmt.Errorf("a record has no primaryTimestampField.timestamp: %s", abbreviate(rec))
	}
	norm, err := record.NormalizeDateTime(r.Primary.Timestamp)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("a record's primaryTimestampField.timestamp %q %w", r.Primary.Timestamp, err)
	}
	at, err := time.Parse(time.RFC3339Nano, norm)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("a record's primaryTimestampField.timestamp %q: %w", r.Primary.Timestamp, err)
	}
	at = at.UTC().Truncate(time.Millisecond)
	h := sha256.New()
	put := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	put(typ, r.Primary.Name, at.Format(record.DateTimeFormat), fieldValue(r.Value))
	type kv struct{ name, value string }
	fields := make([]kv, 0, len(r.Fields))
	for _, f := range r.Fields {
		fields = append(fields, kv{f.Name, fieldValue(f.Field)})
	}
	slices.SortFunc(fields, func(x, y kv) int { return strings.Compare(x.name+"\x00"+x.value, y.name+"\x00"+y.value) })
	for _, f := range fields {
		put(f.name, f.value)
	}
	return at, hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// fieldValue returns the identifying part of a FieldType: its value,
// values or timestamp, compact, without label or type.
func fieldValue(field json.RawMessage) string {
	var f map[string]json.RawMessage
	if json.Unmarshal(field, &f) != nil {
		return string(field)
	}
	var parts []string
	for _, k := range []string{"value", "values", "name", "timestamp"} {
		if v, ok := f[k]; ok {
			var c bytes.Buffer
			if json.Compact(&c, v) == nil {
				v = c.Bytes()
			}
			parts = append(parts, k+"="+string(v))
		}
	}
	return strings.Join(parts, ";")
}
