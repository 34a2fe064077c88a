package dixamock

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// The analytics endpoints of the Dixa API, all counted as the stream
// analytics_records in [APIStats]:
//
//	GET  /v1/analytics/records                      paged catalogue: {"data":[{id, description,
//	                                                 filters[{filterAttribute, description}], relatedMetricIds[],
//	                                                 fieldsMetadata[{field, description, nullable}]}], "meta":..}
//	POST /v1/analytics/records?pageLimit=N&pageKey=K records of one type (body below), paged
//	GET  /v1/analytics/filter/{attribute}           paged values: {"data":[{"value":"EMAIL","label":"Email"}]}
//
// The record types (recordTypes) derive from the conversations of New:
// created_conversations (primary created_at), closed_conversations
// (closed_at), ratings (rated_at, IntField value), first_response_time
// (first_response_at, DoubleField value in seconds) and
// conversation_assignments_per_agent (assigned_at, LongField value). A
// record is {"primaryTimestampField":{"name":..,"timestamp":"...Z"},
// "value":{..} (some types), "fields":[{"name":..,"field":{..,"_type":..}}]}
// with fields of every FieldType (LongField csid, StringField channels in
// upper snake case with a label, UUIDField queue and agent with a label,
// BooleanField, IntField, InstantField, TimestampField, ListField tags). A
// nullable field whose value is null is either absent or {"name":..}
// without "field" (the spec requires only "name").
//
// The POST body is {"id":type, "periodFilter":{"_type":"Interval",
// "start":RFC3339, "end":RFC3339} or "csidFilter":[N,..], "timezone":..,
// "filters":[{"attribute":..,"values":[..]}]}: the records of the type with
// start <= primary timestamp < end (or of those conversations), ordered by
// that timestamp then csid, whose fields match every filter (a filter
// whose attribute the type does not list is ignored, as Dixa documents;
// one without values too). Errors are 400: a body that is not such an
// object, an unknown id, a missing timezone, both or neither of
// periodFilter and csidFilter, a Preset (the mock has no clock for it), an
// Interval whose start or end is missing or not RFC 3339 or whose end is
// not after its start ("Invalid value for: body", with a detail); a
// pageLimit above 300 (the cap of Dixa's MCP); a pageKey of another body
// or list; with [APIOptions].AnalyticsRequireFilter, a periodFilter without
// filters ("At least one filter is required when using a period filter").
// A page has pageLimit records (default [APIOptions].APIPageSize, at most
// 300); the next one is meta.next or a top-level pageKey according to
// [APIOptions].AnalyticsPaging, and is requested with the same body.
//
// The truth is /_truth/analytics_records[?after=MS&before=MS]:
// [{"record_id":type,"at":MS,"csid":N}] for the records whose primary
// timestamp is in [after, before), by at, record_id, csid.

// Analytics paging styles: how POST /v1/analytics/records points to the
// next page (see [APIOptions].AnalyticsPaging).
const (
	AnalyticsPagingMeta    = "meta"    // "meta":{"next":URL with pageKey}, as the spec
	AnalyticsPagingPageKey = "pagekey" // a top-level "pageKey":"K", no meta, as Dixa's MCP docs
)

// maxAnalyticsPageLimit is the largest pageLimit of POST
// /v1/analytics/records.
const maxAnalyticsPageLimit = 300

// addAnalyticsRoutes adds the analytics endpoints and their truth.
func (f *fanout) addAnalyticsRoutes() {
	s := f.s
	s.routes["/v1/analytics/records"] = route{http.MethodGet + "," + http.MethodPost, nil, s.apiHandler("analytics_records", f.handleRecords)}
	attrs := map[string]bool{}
	for _, t := range recordTypes {
		for _, a := range t.filters {
			attrs[a] = true
		}
	}
	for a := range attrs {
		s.routes["/v1/analytics/filter/"+a] = route{http.MethodGet, nil, s.apiHandler("analytics_records", f.handleFilterValues(a))}
	}
	s.routes["/_truth/analytics_records"] = route{http.MethodGet, nil, f.handleAnalyticsTruth}
}

// analytics returns the analytics data, building them on first use.
func (f *fanout) analytics() *analyticsData {
	f.anOnce.Do(func() { f.an = f.buildAnalytics() })
	return f.an
}

// handleRecords serves GET (the catalogue) and POST (records) of
// /v1/analytics/records.
func (f *fanout) handleRecords(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		f.handleRecordsData(w, r)
		return
	}
	pos, ok := f.listPosition(w, r, "catalogue")
	if ok {
		items := f.analytics().catalogue
		f.s.writePage(w, r, pos, func(i int) []byte { return items[i] }, len(items))
	}
}

// handleFilterValues serves GET /v1/analytics/filter/{attr}.
func (f *fanout) handleFilterValues(attr string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pos, ok := f.listPosition(w, r, "filter:"+attr)
		if ok {
			items := f.analytics().values[attr]
			f.s.writePage(w, r, pos, func(i int) []byte { return items[i] }, len(items))
		}
	}
}

// listPosition returns the position of the requested page of one of the
// analytics lists, refusing a pageKey of another list.
func (f *fanout) listPosition(w http.ResponseWriter, r *http.Request, list string) (pagePos, bool) {
	pos, ok := f.s.pagePosition(w, r, "analytics_records", false, 0, 0)
	switch {
	case !ok:
		return pos, false
	case !r.URL.Query().Has("pageKey"):
		pos.Filter = list
	case pos.Filter != list:
		writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageKey")
		return pos, false
	}
	return pos, true
}

// recordsQuery is the body of POST /v1/analytics/records.
type recordsQuery struct {
	ID           *string `json:"id"`
	PeriodFilter *struct {
		Type  string          `json:"_type"`
		Start *string         `json:"start"`
		End   *string         `json:"end"`
		Value json.RawMessage `json:"value"`
	} `json:"periodFilter"`
	CsidFilter *[]int64 `json:"csidFilter"`
	Filters    []struct {
		Attribute string   `json:"attribute"`
		Values    []string `json:"values"`
	} `json:"filters"`
	Timezone *string `json:"timezone"`
}

// badBody is the message of a 400 for a body that is not a valid query.
func badBody(detail string) string {
	if detail == "" {
		return "Invalid value for: body"
	}
	return "Invalid value for: body (" + detail + ")"
}

// handleRecordsData serves POST /v1/analytics/records.
func (f *fanout) handleRecordsData(w http.ResponseWriter, r *http.Request) {
	s := f.s
	if q := r.URL.Query(); q.Has("pageLimit") {
		if n, err := strconv.Atoi(q.Get("pageLimit")); err == nil && n > maxAnalyticsPageLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value for: query parameter pageLimit (at most %d)", maxAnalyticsPageLimit))
			return
		}
	}
	var q recordsQuery
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&q); err != nil || dec.More() {
		writeError(w, http.StatusBadRequest, badBody(""))
		return
	}
	a := f.analytics()
	var typ *recordType
	for i := range recordTypes {
		if q.ID != nil && recordTypes[i].id == *q.ID {
			typ = &recordTypes[i]
		}
	}
	var from, to int64 = math.MinInt64, math.MaxInt64
	switch {
	case q.ID == nil:
		writeError(w, http.StatusBadRequest, badBody("missing id"))
		return
	case typ == nil:
		writeError(w, http.StatusBadRequest, badBody(fmt.Sprintf("unknown record id %q", *q.ID)))
		return
	case q.Timezone == nil || *q.Timezone == "":
		writeError(w, http.StatusBadRequest, badBody("missing timezone"))
		return
	case (q.PeriodFilter == nil) == (q.CsidFilter == nil):
		writeError(w, http.StatusBadRequest, badBody("exactly one of periodFilter and csidFilter is required"))
		return
	case q.CsidFilter != nil && len(*q.CsidFilter) == 0:
		writeError(w, http.StatusBadRequest, badBody("csidFilter must not be empty"))
		return
	case q.PeriodFilter != nil:
		var err string
		if from, to, err = intervalOf(q.PeriodFilter.Type, q.PeriodFilter.Start, q.PeriodFilter.End); err != "" {
			writeError(w, http.StatusBadRequest, badBody(err))
			return
		}
	}
	for _, fl := range q.Filters {
		if fl.Attribute == "" {
			writeError(w, http.StatusBadRequest, badBody("a filter without attribute"))
			return
		}
	}
	if q.PeriodFilter != nil && len(q.Filters) == 0 && s.api.opts.AnalyticsRequireFilter {
		writeError(w, http.StatusBadRequest, "At least one filter is required when using a period filter")
		return
	}

	// The body's fingerprint, which the pageKey carries.
	canon, _ := json.Marshal(struct {
		ID       string
		From, To int64
		Csids    *[]int64
		Filters  any
		Timezone string
	}{*q.ID, from, to, q.CsidFilter, q.Filters, *q.Timezone})
	h := fnv.New64a()
	_, _ = h.Write(canon)
	list := "records:" + strconv.FormatUint(h.Sum64(), 16)
	pos, ok := s.pagePosition(w, r, "analytics_records", false, 0, 0)
	switch {
	case !ok:
		return
	case !r.URL.Query().Has("pageKey"):
		pos.Filter = list
		if !r.URL.Query().Has("pageLimit") {
			pos.Limit = min(pos.Limit, maxAnalyticsPageLimit)
		}
	case pos.Filter != list:
		writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageKey (it belongs to another request body)")
		return
	}

	recs := a.records[typ.id]
	lo := sort.Search(len(recs), func(i int) bool { return recs[i].at >= from })
	hi := sort.Search(len(recs), func(i int) bool { return recs[i].at >= to })
	var csids map[int64]bool
	if q.CsidFilter != nil {
		csids = map[int64]bool{}
		for _, id := range *q.CsidFilter {
			csids[id] = true
		}
	}
	var sel []int
next:
	for i := lo; i < max(lo, hi); i++ {
		rec := &recs[i]
		if csids != nil && !csids[rec.csid] {
			continue
		}
		for _, fl := range q.Filters {
			if len(fl.Values) == 0 || !slices.Contains(typ.filters, fl.Attribute) {
				continue // ignored
			}
			if !rec.matches(fl.Attribute, fl.Values) {
				continue next
			}
		}
		sel = append(sel, i)
	}
	item := func(i int) []byte { return recs[sel[i]].json }
	if s.api.opts.AnalyticsPaging == AnalyticsPagingMeta {
		s.writePage(w, r, pos, item, len(sel))
		return
	}
	if pos.Offset > len(sel) {
		writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageKey")
		return
	}
	b := []byte(`{"data":[`)
	for i := pos.Offset; i < min(len(sel), pos.Offset+pos.Limit); i++ {
		if i > pos.Offset {
			b = append(b, ',')
		}
		b = append(b, item(i)...)
	}
	b = append(b, ']')
	if next, ok := s.nextPage(r, pos, len(sel)); ok {
		b = appendString(append(b, `,"pageKey":`...), next.encode())
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, "}\n"...))
}

// intervalOf returns the bounds, in Unix ms rounded up, of a periodFilter,
// or why it is invalid.
func intervalOf(typ string, start, end *string) (from, to int64, err string) {
	switch typ {
	case "Interval":
	case "Preset":
		return 0, 0, "the mock supports Interval period filters only"
	default:
		return 0, 0, "periodFilter._type must be Interval or Preset"
	}
	if start == nil || end == nil {
		return 0, 0, "periodFilter.start and periodFilter.end are required"
	}
	s, e1 := time.Parse(time.RFC3339Nano, *start)
	e, e2 := time.Parse(time.RFC3339Nano, *end)
	switch {
	case e1 != nil || e2 != nil:
		return 0, 0, "periodFilter.start and periodFilter.end must be RFC 3339 date-times"
	case !e.After(s):
		return 0, 0, "periodFilter.end must be after periodFilter.start"
	}
	return ceilMs(s), ceilMs(e), ""
}

// matches reports whether a field of rec that the filter attribute names
// has one of values.
func (rec *anRecord) matches(attr string, values []string) bool {
	for _, field := range filterFields[attr] {
		for _, v := range rec.attrs[field] {
			if slices.Contains(values, v) {
				return true
			}
		}
	}
	return false
}

// handleAnalyticsTruth serves /_truth/analytics_records[?after&before].
func (f *fanout) handleAnalyticsTruth(w http.ResponseWriter, r *http.Request) {
	after, before := int64(math.MinInt64), int64(math.MaxInt64)
	if err := optionalTimes(r.URL.Query(), "after", &after, "before", &before); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid query parameters: "+err.Error())
		return
	}
	items := []any{}
	for _, t := range f.analytics().truth {
		if t.at >= after && t.at < before {
			items = append(items, obj{{"record_id", t.typ}, {"at", t.at}, {"csid", t.csid}})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(appendValue(nil, items), '\n'))
}
