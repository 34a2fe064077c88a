package dixamock

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
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

// fieldDef describes a field of a record type.
type fieldDef struct {
	name, description string
	nullable          bool
}

// recordType is an entry of the catalogue.
type recordType struct {
	id, description, primary string
	filters, metrics         []string
	fields                   []fieldDef
}

var recordTypes = []recordType{
	{"closed_conversations", "Closed conversation data", "closed_at",
		[]string{"queue_id", "agent_id", "channel", "initial_direction", "tag_id"}, []string{"closed_conversations"},
		[]fieldDef{{"csid", "Conversation ID", false}, {"closed_at", "Timestamp of when the conversation was closed", false},
			{"created_at", "Timestamp of when the conversation was created", false},
			{"current_channel", "The channel of the conversation when it was closed", false},
			{"initial_direction", "The direction of the conversation's first message", false},
			{"queue", "The queue which the conversation was part of when the conversation was closed", true},
			{"agent", "The agent closing the conversation", true},
			{"closed_by", "User closing the conversation (Agent, Enduser or Unknown)", false},
			{"is_transferred", "Whether the conversation was transferred", false},
			{"tags", "The tags of the conversation", false}}},
	{"conversation_assignments_per_agent", "Conversation assignments per agent", "assigned_at",
		[]string{"agent_id", "queue_id", "channel"}, []string{"assignments"},
		[]fieldDef{{"csid", "Conversation ID", false}, {"agent", "The agent the conversation was assigned to", false},
			{"queue", "The queue of the conversation when it was assigned", true},
			{"current_channel", "The channel of the conversation", false},
			{"is_transfer", "Whether the assignment is a transfer", false},
			{"handling_duration", "Handling time of the assignment in seconds", true},
			{"assigned_at", "Timestamp of the assignment", false}}},
	{"created_conversations", "Created conversation data", "created_at",
		[]string{"queue_id", "channel", "initial_direction", "tag_id", "contact_point"}, []string{"created_conversations"},
		[]fieldDef{{"csid", "Conversation ID", false}, {"initial_direction", "The direction of the conversation's first message", false},
			{"initial_channel", "The channel the conversation started in", false},
			{"contact_point", "The phone number or e-mail address the conversation came through", true},
			{"queue", "The queue the conversation was first offered in", true},
			{"tags", "The tags of the conversation", false},
			{"is_outside_business_hours", "Whether the conversation was created outside business hours", false}}},
	{"first_response_time", "First response time of conversations", "first_response_at",
		[]string{"agent_id", "queue_id", "channel"}, []string{"first_response_time"},
		[]fieldDef{{"csid", "Conversation ID", false}, {"current_channel", "The channel of the conversation", false},
			{"queue", "The queue of the conversation", true}, {"agent", "The agent who responded first", false},
			{"conversation_created", "When the conversation was created", false},
			{"within_sla", "Whether the first response came within an hour", false}}},
	{"ratings", "Conversation Ratings", "rated_at",
		[]string{"agent_id", "queue_id", "channel"}, []string{"csat"},
		[]fieldDef{{"csid", "Conversation ID", false}, {"rating_type", "The type of the rating survey", false},
			{"agent", "The agent assigned to the conversation", true},
			{"queue", "The queue which the conversation was part of when the conversation was offered", true},
			{"current_channel", "The channel of the conversation", false},
			{"rating_language", "The language of the survey", true},
			{"has_comment", "Whether the rating has a comment", false}}},
}

// filterFields maps a filter attribute to the record fields it matches.
var filterFields = map[string][]string{
	"channel": {"current_channel", "initial_channel"}, "queue_id": {"queue"}, "agent_id": {"agent"},
	"initial_direction": {"initial_direction"}, "tag_id": {"tags"}, "contact_point": {"contact_point"},
}

// analyticsChannels maps the exports' channels to the analytics values and
// labels.
var analyticsChannels = map[string][2]string{
	"email": {"EMAIL", "Email"}, "widgetchat": {"WIDGET_CHAT", "Chat"}, "pstnphone": {"PSTN_PHONE", "Phone"},
	"sms": {"SMS", "SMS"}, "whatsapp": {"WHATSAPP", "WhatsApp"}, "facebookmessenger": {"FACEBOOK_MESSENGER", "Facebook Messenger"},
	"contactform": {"CONTACT_FORM", "Contact Form"}, "callback": {"CALLBACK", "Callback"}, "voicemail": {"VOICEMAIL", "Voicemail"},
	"twitter": {"TWITTER", "Twitter"}, "messenger": {"MESSENGER", "Messenger"},
}

// anRecord is one analytics record.
type anRecord struct {
	at    int64
	csid  int64
	attrs map[string][]string // record field -> its values, for filters
	json  []byte
}

// analyticsData is everything the analytics endpoints serve, built once.
type analyticsData struct {
	catalogue [][]byte
	records   map[string][]anRecord // type -> records by (at, csid, json)
	values    map[string][][]byte   // filter attribute -> {"value","label"} by value
	truth     []anTruth
}

// anTruth is the truth of one record.
type anTruth struct {
	typ      string
	at, csid int64
}

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

// isoMs writes ms as the analytics records do: UTC with milliseconds.
func isoMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// Field values of the analytics records.
func longF(v int64) obj     { return obj{{"value", v}, {"_type", "LongField"}} }
func intF(v int64) obj      { return obj{{"value", v}, {"_type", "IntField"}} }
func boolF(v bool) obj      { return obj{{"value", v}, {"_type", "BooleanField"}} }
func instantF(ms int64) obj { return obj{{"value", isoMs(ms)}, {"_type", "InstantField"}} }
func stringF(v, label string) obj {
	return obj{{"value", v}, {"label", label}, {"_type", "StringField"}}
}
func doubleF(v float64) obj {
	return obj{{"value", rawJSON(strconv.FormatFloat(v, 'f', -1, 64))}, {"_type", "DoubleField"}}
}
func timestampF(name string, ms int64) obj {
	return obj{{"name", name}, {"timestamp", isoMs(ms)}, {"_type", "TimestampField"}}
}
func uuidF(v, label string) obj {
	if label == "" {
		return obj{{"value", v}, {"_type", "UUIDField"}}
	}
	return obj{{"value", v}, {"label", label}, {"_type", "UUIDField"}}
}

// recBuilder builds one record's fields.
type recBuilder struct {
	rng    *rand.Rand
	fields []any
	attrs  map[string][]string
	labels map[string]map[string]string // filter attribute -> value -> label, of every record
}

// add adds the field name with value v (nil: null, so absent or without
// "field"); values are the field's values for filters, labelled.
func (b *recBuilder) add(name string, v obj, values ...[2]string) {
	if v == nil {
		if chance(b.rng, 0.5) {
			b.fields = append(b.fields, obj{{"name", name}})
		}
		return
	}
	b.fields = append(b.fields, obj{{"name", name}, {"field", v}})
	for _, vl := range values {
		b.attrs[name] = append(b.attrs[name], vl[0])
		for attr, fields := range filterFields {
			if slices.Contains(fields, name) {
				if b.labels[attr] == nil {
					b.labels[attr] = map[string]string{}
				}
				b.labels[attr][vl[0]] = vl[1]
			}
		}
	}
}

// buildAnalytics derives the analytics records from the conversations.
func (f *fanout) buildAnalytics() *analyticsData {
	cf := f.convFacts()
	a := &analyticsData{records: map[string][]anRecord{}, values: map[string][][]byte{}}
	for _, t := range recordTypes {
		var filters, fields []any
		for _, fl := range t.filters {
			filters = append(filters, obj{{"filterAttribute", fl}, {"description", "Used to filter by the " + fl}})
		}
		for _, fd := range t.fields {
			fields = append(fields, obj{{"field", fd.name}, {"description", fd.description}, {"nullable", fd.nullable}})
		}
		a.catalogue = append(a.catalogue, appendValue(nil, obj{{"id", t.id}, {"description", t.description},
			{"filters", filters}, {"relatedMetricIds", t.metrics}, {"fieldsMetadata", fields}}))
	}

	labels := map[string]map[string]string{}
	emit := func(b *recBuilder, typ string, at, csid int64, value obj) {
		var primary string
		for _, t := range recordTypes {
			if t.id == typ {
				primary = t.primary
			}
		}
		o := obj{{"primaryTimestampField", obj{{"name", primary}, {"timestamp", isoMs(at)}}}}
		if value != nil {
			o = append(o, kv{"value", value})
		}
		o = append(o, kv{"fields", b.fields})
		a.records[typ] = append(a.records[typ], anRecord{at: at, csid: csid, attrs: b.attrs, json: appendValue(nil, o)})
		a.truth = append(a.truth, anTruth{typ, at, csid})
	}
	for i := range cf.convs {
		c := &cf.convs[i]
		rng := f.rngFor("analytics " + strconv.FormatInt(c.ID, 10))
		nb := func() *recBuilder { return &recBuilder{rng: rng, attrs: map[string][]string{}, labels: labels} }
		ch := analyticsChannels[c.Channel]
		dir := strings.ToUpper(cmp.Or(c.Direction, "inbound"))
		dirF := [2]string{dir, direction(c.Direction)}
		queue := func(b *recBuilder) {
			if c.QueueID == nil {
				b.add("queue", nil)
				return
			}
			b.add("queue", uuidF(*c.QueueID, cf.names[*c.QueueID]), [2]string{*c.QueueID, cf.names[*c.QueueID]})
		}
		agent := func(b *recBuilder, id *string) {
			if id == nil {
				b.add("agent", nil)
				return
			}
			b.add("agent", uuidF(*id, cf.names[*id]), [2]string{*id, cf.names[*id]})
		}
		tags := func(b *recBuilder) {
			items := []any{}
			var vals [][2]string
			for _, id := range c.tags {
				items = append(items, uuidF(id, cf.names[id]))
				vals = append(vals, [2]string{id, cf.names[id]})
			}
			b.add("tags", obj{{"values", items}, {"_type", "ListField"}}, vals...)
		}

		// created_conversations
		b := nb()
		b.add("csid", longF(c.ID))
		b.add("initial_direction", stringF(dirF[0], dirF[1]), dirF)
		b.add("initial_channel", stringF(ch[0], ch[1]), ch)
		if cp := cf.contactPoint(c); cp != "" {
			b.add("contact_point", stringF(cp, cp), [2]string{cp, cp})
		} else {
			b.add("contact_point", nil)
		}
		queue(b)
		tags(b)
		b.add("is_outside_business_hours", boolF(time.UnixMilli(c.CreatedAt).UTC().Hour() < 7 || time.UnixMilli(c.CreatedAt).UTC().Hour() >= 17))
		emit(b, "created_conversations", c.CreatedAt, c.ID, nil)

		// closed_conversations
		if c.ClosedAt != nil {
			b := nb()
			b.add("csid", longF(c.ID))
			b.add("closed_at", instantF(*c.ClosedAt))
			b.add("created_at", instantF(c.CreatedAt))
			b.add("current_channel", stringF(ch[0], ch[1]), ch)
			b.add("initial_direction", stringF(dirF[0], dirF[1]), dirF)
			queue(b)
			agent(b, c.AssigneeID)
			by := pick(rng, [][2]string{{"AGENT", "Agent"}, {"AGENT", "Agent"}, {"AGENT", "Agent"}, {"ENDUSER", "Enduser"}, {"UNKNOWN", "Unknown"}})
			b.add("closed_by", stringF(by[0], by[1]))
			b.add("is_transferred", boolF(c.TransferTime != nil))
			tags(b)
			emit(b, "closed_conversations", *c.ClosedAt, c.ID, nil)
		}

		// ratings
		for _, rt := range c.Ratings {
			if rt.Rated == nil || rt.Score == nil {
				continue
			}
			b := nb()
			b.add("csid", longF(c.ID))
			kind := map[string][2]string{"CSAT": {"CSAT", "CSAT"}, "Nps": {"NPS", "NPS"}, "ThumbsUpOrDown": {"THUMBS_UP_OR_DOWN", "Thumbs up or down"}}[rt.Type]
			b.add("rating_type", stringF(cmp.Or(kind[0], strings.ToUpper(rt.Type)), cmp.Or(kind[1], rt.Type)))
			agent(b, c.AssigneeID)
			queue(b)
			b.add("current_channel", stringF(ch[0], ch[1]), ch)
			if rt.Language != nil {
				b.add("rating_language", stringF(*rt.Language, strings.ToUpper(*rt.Language)))
			} else {
				b.add("rating_language", nil)
			}
			b.add("has_comment", boolF(rt.Message != nil && *rt.Message != ""))
			emit(b, "ratings", *rt.Rated, c.ID, intF(*rt.Score))
		}

		// first_response_time: the first outbound message.
		for _, m := range c.msgs {
			if m.Direction != "outbound" || m.CreatedAt < c.CreatedAt {
				continue
			}
			b := nb()
			b.add("csid", longF(c.ID))
			b.add("current_channel", stringF(ch[0], ch[1]), ch)
			queue(b)
			who := cf.author(c, m, cf.agentOf(rng, c))
			agent(b, &who)
			b.add("conversation_created", timestampF("created_at", c.CreatedAt))
			secs := float64(m.CreatedAt-c.CreatedAt) / 1000
			b.add("within_sla", boolF(secs <= 3600))
			emit(b, "first_response_time", m.CreatedAt, c.ID, doubleF(secs))
			break
		}

		// conversation_assignments_per_agent: the assignment, and a
		// transfer to an agent the mock knows by name.
		assign := func(at int64, id string, transfer bool) {
			b := nb()
			b.add("csid", longF(c.ID))
			agent(b, &id)
			queue(b)
			b.add("current_channel", stringF(ch[0], ch[1]), ch)
			b.add("is_transfer", boolF(transfer))
			if c.HandlingDuration != nil && !transfer {
				b.add("handling_duration", intF(*c.HandlingDuration))
			} else {
				b.add("handling_duration", nil)
			}
			b.add("assigned_at", instantF(at))
			n := int64(1)
			if chance(rng, 0.1) {
				n = 2
			}
			emit(b, "conversation_assignments_per_agent", at, c.ID, longF(n))
		}
		if c.AssignedAt != nil && c.AssigneeID != nil {
			assign(*c.AssignedAt, *c.AssigneeID, false)
		}
		if c.TransferTime != nil && c.TransfereeName != nil {
			if id, ok := cf.agentName[*c.TransfereeName]; ok {
				assign(*c.TransferTime, id, true)
			}
		}
	}

	for typ, recs := range a.records {
		slices.SortFunc(recs, func(x, y anRecord) int {
			return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.csid, y.csid), strings.Compare(string(x.json), string(y.json)))
		})
		a.records[typ] = recs
	}
	slices.SortFunc(a.truth, func(x, y anTruth) int {
		return cmp.Or(cmp.Compare(x.at, y.at), strings.Compare(x.typ, y.typ), cmp.Compare(x.csid, y.csid))
	})
	for _, t := range recordTypes {
		for _, attr := range t.filters {
			if _, done := a.values[attr]; done {
				continue
			}
			a.values[attr] = [][]byte{}
			for _, v := range slices.Sorted(maps.Keys(labels[attr])) {
				a.values[attr] = append(a.values[attr], appendValue(nil, obj{{"value", v}, {"label", labels[attr][v]}}))
			}
		}
	}
	return a
}

// contactPoint returns the phone number or e-mail address that c came
// through, or "" for the other channels.
func (cf *convFacts) contactPoint(c *convFact) string {
	switch c.Channel {
	case "email", "contactform":
		return cf.addressOf(c)
	case "pstnphone", "callback", "voicemail", "sms":
		n := c.ToNumber
		if n == nil {
			n = c.FromNumber
		}
		if n == nil {
			return ""
		}
		num, _, _ := strings.Cut(*n, " (")
		return strings.ReplaceAll(num, " ", "")
	}
	return ""
}

// addressOf returns the e-mail integration address of c.
func (cf *convFacts) addressOf(c *convFact) string {
	return cf.addresses[uint64(c.ID)%uint64(len(cf.addresses))]
}
