package main

// The fake of the Exports API and the Dixa API that answers the examples
// (see examples_test.go).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveExamples starts a fake of the Exports API and the Dixa API that
// answers the examples. Requests it does not know fail the test.
func serveExamples(t *testing.T, es *exampleSet) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	data := func(w http.ResponseWriter, items []map[string]any) {
		if items == nil {
			items = []map[string]any{}
		}
		writeJSON(w, map[string]any{"data": items})
	}
	// paged answers a paged list one item a page, whatever its pageLimit,
	// so that every page is followed; meta.next is an absolute URL, as
	// Dixa writes it.
	paged := func(w http.ResponseWriter, r *http.Request, items []map[string]any) {
		q := r.URL.Query()
		if n, err := strconv.Atoi(q.Get("pageLimit")); err != nil || n < 1 {
			t.Errorf("%s: no pageLimit", r.URL)
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]any{"message": "Invalid value for: query parameter pageLimit"})
			return
		}
		i := 0
		if k := q.Get("pageKey"); k != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(k, "page-"))
			if err != nil || n < 1 || n >= len(items) {
				t.Errorf("%s: a pageKey the fake never gave", r.URL)
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"message": "Invalid value for: query parameter pageKey"})
				return
			}
			i = n
		}
		end := min(i+1, len(items))
		page := map[string]any{"data": append([]map[string]any{}, items[i:end]...)}
		if end < len(items) {
			next := *r.URL
			nq := next.Query()
			nq.Set("pageKey", "page-"+strconv.Itoa(end))
			next.RawQuery = nq.Encode()
			page["meta"] = map[string]any{"next": "http://" + r.Host + next.RequestURI()}
		}
		writeJSON(w, page)
	}
	notFound := func(w http.ResponseWriter, what string) {
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"message": what + " not found"})
	}
	member := regexp.MustCompile(`^/v1/(teams|queues|conversations)/([^/]+)/(agents|members|ratings|notes|messages)$`)
	// One object per id: its path, the answers by id, how "data" holds
	// one, and what Dixa calls it in a 404.
	same := func(v map[string]any) any { return v }
	details := []struct {
		path    *regexp.Regexp
		answers map[string]map[string]any
		wrap    func(map[string]any) any
		what    string
	}{
		{regexp.MustCompile(`^/v1/business-hours/schedules/([^/]+)/definition$`), es.definitions,
			func(v map[string]any) any { return map[string]any{"schedule": v} }, "Schedule"},
		{regexp.MustCompile(`^/v1/endusers/([^/]+)$`), es.endUserDetail, same, "End user"},
		{regexp.MustCompile(`^/v1/knowledge/collections/([^/]+)/catalog$`), es.catalogs, same, "Collection"},
		{regexp.MustCompile(`^/v1/knowledge/articles/([^/]+)$`), es.articles, same, "Article"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		q := r.URL.Query()
		p := r.URL.Path
		exports := strings.HasSuffix(p, "_export")
		wantAuth := e2eToken
		if exports {
			wantAuth = "Bearer " + e2eToken
		}
		if r.Header.Get("Authorization") != wantAuth {
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]any{"message": "Unauthorized"})
			return
		}
		es.requests[r.Method+" "+p]++
		if p == "/v1/conversations/flows" {
			es.requests[r.Method+" "+p+"?channel="+q.Get("channel")]++
		}
		if r.Method != http.MethodGet && (r.Method != http.MethodPost || p != "/v1/analytics/records") {
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusMethodNotAllowed)
			writeJSON(w, map[string]any{"message": "method not allowed"})
			return
		}
		inExport := func(items []map[string]any, key, after, before string) {
			a, err1 := strconv.ParseInt(q.Get(after), 10, 64)
			b, err2 := strconv.ParseInt(q.Get(before), 10, 64)
			if err1 != nil || err2 != nil {
				t.Errorf("%s without %s/%s: %s", p, after, before, r.URL)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			out := []map[string]any{}
			for _, it := range items {
				if v, err := it[key].(json.Number).Int64(); err == nil && v >= a && v < b {
					out = append(out, it)
				}
			}
			writeJSON(w, out)
		}
		switch p {
		case "/v1/conversation_export":
			inExport(es.conversations, "updated_at", "updated_after", "updated_before")
			return
		case "/v1/message_export":
			inExport(es.messages, "created_at", "created_after", "created_before")
			return
		case "/v1/conversations/activitylog":
			from, err1 := time.Parse(time.RFC3339, q.Get("fromDatetime"))
			to, err2 := time.Parse(time.RFC3339, q.Get("toDatetime"))
			if err1 != nil || err2 != nil {
				t.Errorf("activity log without fromDatetime/toDatetime: %s", r.URL)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			var out []map[string]any
			for _, it := range es.activity {
				at, err := parseDateTime(fmt.Sprint(it["activityTimestamp"]))
				if err == nil && !at.Before(from) && at.Before(to) {
					out = append(out, it)
				}
			}
			data(w, out)
			return
		case "/v1/agents":
			data(w, es.agents)
			return
		case "/v1/endusers":
			data(w, es.endUsers)
			return
		case "/v1/teams":
			data(w, es.teams)
			return
		case "/v1/queues":
			data(w, es.queues)
			return
		case "/v1/tags":
			data(w, es.tags)
			return
		case "/v1/custom-attributes":
			data(w, es.customAttributes)
			return
		case "/v1/conversations/flows":
			ch := q.Get("channel")
			if slices.Contains(es.flowsRefused, ch) {
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"message": "Invalid value for: query parameter channel"})
				return
			}
			if !slices.Contains(exampleFlowChannels, ch) {
				t.Errorf("flows: unexpected channel %q", ch)
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"message": "Invalid value for: query parameter channel"})
				return
			}
			data(w, es.flows[ch])
			return
		case "/v1/contact-endpoints":
			data(w, es.contactEndpoints)
			return
		case "/v1/business-hours/schedules":
			writeJSON(w, map[string]any{"data": map[string]any{"schedules": es.schedules}})
			return
		case "/v1/organization":
			writeJSON(w, map[string]any{"data": es.organization})
			return
		case "/v1/templates":
			paged(w, r, es.templates)
			return
		case "/v1/knowledge/collections":
			paged(w, r, es.collections)
			return
		case "/v1/webhooks":
			data(w, es.webhooks)
			return
		case "/v1/analytics/records":
			if r.Method == http.MethodGet {
				paged(w, r, es.recordTypes)
			} else {
				es.answerAnalytics(t, w, r, writeJSON)
			}
			return
		}
		for _, d := range details {
			m := d.path.FindStringSubmatch(p)
			if m == nil {
				continue
			}
			if v, ok := d.answers[m[1]]; ok {
				writeJSON(w, map[string]any{"data": d.wrap(v)})
			} else {
				t.Errorf("unexpected request %s", r.URL)
				notFound(w, d.what)
			}
			return
		}
		if m := member.FindStringSubmatch(p); m != nil {
			switch m[1] + "/" + m[3] {
			case "teams/agents":
				data(w, es.teamMembers)
				return
			case "queues/members":
				data(w, es.queueMembers)
				return
			case "conversations/ratings":
				data(w, es.ratings[m[2]])
				return
			case "conversations/messages":
				if !slices.ContainsFunc(es.conversations, func(c map[string]any) bool { return fmt.Sprint(c["id"]) == m[2] }) {
					t.Errorf("unexpected request %s", r.URL)
					notFound(w, "Conversation")
					return
				}
				data(w, es.convMessages[m[2]])
				return
			case "conversations/notes":
				if m[2] == fmt.Sprint(es.conversations[0]["id"]) {
					data(w, es.notes)
				} else {
					data(w, nil)
				}
				return
			}
		}
		t.Errorf("unexpected request %s", r.URL)
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"message": "not found"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// answerAnalytics answers POST /v1/analytics/records: the query must be
// the one the tap documents ({"id", "periodFilter": Interval in UTC,
// "timezone": "UTC", "filters": [...]}, and the same body for every page);
// the answer is the type's records in the Interval, one a page, the next
// page named by meta.next for the catalogue's first type and by a
// top-level pageKey (as Dixa's MCP docs have it) for the others.
func (es *exampleSet) answerAnalytics(t *testing.T, w http.ResponseWriter, r *http.Request, writeJSON func(http.ResponseWriter, any)) {
	refuse := func(format string, args ...any) {
		t.Errorf("POST %s: "+format, append([]any{r.URL}, args...)...)
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"message": "Invalid request"})
	}
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("pageLimit")); err != nil || n < 1 || n > 300 {
		refuse("pageLimit must be 1..300")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		refuse("Content-Type %q", ct)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		refuse("%v", err)
		return
	}
	var query struct {
		ID           string `json:"id"`
		PeriodFilter struct {
			Type  string `json:"_type"`
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"periodFilter"`
		Timezone string            `json:"timezone"`
		Filters  *[]map[string]any `json:"filters"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&query); err != nil {
		refuse("body %s: %v", body, err)
		return
	}
	i := slices.IndexFunc(es.recordTypes, func(rt map[string]any) bool { return rt["id"] == query.ID })
	start, err1 := time.Parse(time.RFC3339, query.PeriodFilter.Start)
	end, err2 := time.Parse(time.RFC3339, query.PeriodFilter.End)
	switch {
	case i < 0:
		refuse("record type %q is not in the catalogue", query.ID)
		return
	case query.PeriodFilter.Type != "Interval" || query.Timezone != "UTC" || query.Filters == nil:
		refuse("body %s", body)
		return
	case err1 != nil || err2 != nil || !strings.HasSuffix(query.PeriodFilter.Start, "Z") ||
		!strings.HasSuffix(query.PeriodFilter.End, "Z") || !start.Before(end):
		refuse("periodFilter %s .. %s is no RFC 3339 UTC interval", query.PeriodFilter.Start, query.PeriodFilter.End)
		return
	}
	from := 0
	if k := q.Get("pageKey"); k != "" {
		pg, ok := es.pageKeys[k]
		if !ok {
			refuse("a pageKey the fake never gave: %q", k)
			return
		}
		if pg.body != string(body) {
			refuse("the next page's body differs: %s, was %s", body, pg.body)
			return
		}
		es.requests["POST /v1/analytics/records pageKey "+query.ID]++
		from = pg.next
	}
	var in []map[string]any
	for _, rec := range es.analytics[query.ID] {
		at, err := parseDateTime(rec["primaryTimestampField"].(map[string]any)["timestamp"].(string))
		if err == nil && !at.Before(start) && !at.After(end) {
			in = append(in, rec)
		}
	}
	to := min(from+1, len(in))
	page := map[string]any{"data": append([]map[string]any{}, in[min(from, to):to]...)}
	if to < len(in) {
		k := fmt.Sprintf("pk-%d", len(es.pageKeys))
		es.pageKeys[k] = analyticsPage{body: string(body), next: to}
		if i == 0 {
			next := *r.URL
			nq := next.Query()
			nq.Set("pageKey", k)
			next.RawQuery = nq.Encode()
			page["meta"] = map[string]any{"next": "http://" + r.Host + next.RequestURI()}
		} else {
			page["pageKey"] = k
		}
	}
	writeJSON(w, page)
}
