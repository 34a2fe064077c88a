package dixamock

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// pagePos is where a page starts, as a pageKey encodes it: standard base64
// (with padding, so it may hold '+', '/' and '=') of this JSON. It carries
// the query's filter, so a pageKey is refused with other parameters.
type pagePos struct {
	Stream string `json:"s"`
	From   int64  `json:"f"`           // activity log: fromDatetime, Unix ms rounded up
	To     int64  `json:"t"`           // activity log: toDatetime, Unix ms rounded up
	Offset int    `json:"o"`           // index of the page's first item
	Page   int    `json:"p"`           // index of the page in its query
	Limit  int    `json:"l"`           // page size
	Filter string `json:"x,omitempty"` // templates: the type filter; analytics: the list, or the body's fingerprint
}

// encode returns the pageKey of p.
func (p pagePos) encode() string {
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}

// pagePosition returns the position of the requested page of stream: from
// the pageKey if there is one, else the first page of the filter [from, to)
// (activity log only; haveWindow tells whether the request gave one). A
// pageLimit in the request overrides the page size. On a bad request it
// answers 400 and returns false.
func (s *Server) pagePosition(w http.ResponseWriter, r *http.Request, stream string, haveWindow bool, from, to int64) (pagePos, bool) {
	q := r.URL.Query()
	limit := 0
	if q.Has("pageLimit") {
		n, err := strconv.Atoi(q.Get("pageLimit"))
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageLimit")
			return pagePos{}, false
		}
		limit = n
	}
	if !q.Has("pageKey") {
		return pagePos{Stream: stream, From: from, To: to, Limit: cmpOr(limit, s.api.opts.APIPageSize)}, true
	}
	var p pagePos
	raw, err := base64.StdEncoding.DecodeString(q.Get("pageKey"))
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	switch {
	case err != nil || p.Stream != stream || p.Offset < 0 || p.Page < 0 || p.Limit < 1:
		writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageKey")
		return pagePos{}, false
	case haveWindow && (p.From != from || p.To != to):
		writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageKey (it belongs to other query parameters)")
		return pagePos{}, false
	}
	if limit > 0 {
		p.Limit = limit
	}
	return p, true
}

// cmpOr returns a if it is not zero, else b.
func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// writePage answers the page at pos of a list of n items, item(i) being
// the i-th: {"data":[...],"meta":{...}}. meta.next is there while items
// remain after the page, and also after a full page that ends the list
// (whose next page is then empty, as with Dixa's keyset paging); on the
// last page meta.next is null (even pages) or absent (odd pages).
// [APIOptions].PageKeys bends meta.next into a loop.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, pos pagePos, item func(i int) []byte, n int) {
	if pos.Offset > n {
		writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageKey")
		return
	}
	end := min(n, pos.Offset+pos.Limit)
	w.Header().Set("Content-Type", "application/json")
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(`{"data":[`)
	for i := pos.Offset; i < end; i++ {
		if i > pos.Offset {
			_ = bw.WriteByte(',')
		}
		if _, err := bw.Write(item(i)); err != nil {
			return
		}
	}
	_, _ = bw.WriteString(`],"meta":{`)
	switch next, ok := s.nextPage(r, pos, n); {
	case ok:
		_, _ = bw.Write(appendString([]byte(`"next":`), s.nextURL(r, pos.Page, next.encode())))
	case pos.Page%2 == 0:
		_, _ = bw.WriteString(`"next":null`)
	}
	_, _ = bw.WriteString("}}\n")
	_ = bw.Flush()
}

// nextPage returns the position of the page after the page at pos of a
// list of n items, and whether there is one (see writePage), counting the
// pages [APIOptions].PageKeys makes loop.
func (s *Server) nextPage(r *http.Request, pos pagePos, n int) (pagePos, bool) {
	end := min(n, pos.Offset+pos.Limit)
	more := end < n || (end > pos.Offset && end-pos.Offset == pos.Limit)
	next, loop := pos, false
	switch mode := s.api.opts.PageKeys; {
	case mode == PageKeysRepeat && r.URL.Query().Has("pageKey"):
		loop = true // next = this page
	case mode == PageKeysCycle && end >= n: // no items after this page
		next.Offset, next.Page, loop = pos.Limit, 1, true // the second page
		if pos.Limit >= n {
			next.Offset, next.Page = 0, 0 // the only page with items
		}
	case more:
		next.Offset, next.Page = end, pos.Page+1
	}
	if loop {
		s.api.count(func(st *APIStats) { st.Looped[pos.Stream]++ })
	}
	return next, more || loop
}

// nextURL returns the URL of the request r with pageKey set to key,
// absolute or relative according to NextStyle (mixed: absolute after even
// pages, relative after odd ones).
func (s *Server) nextURL(r *http.Request, page int, key string) string {
	q := r.URL.Query()
	q.Set("pageKey", key)
	u := r.URL.Path + "?" + q.Encode()
	style := s.api.opts.NextStyle
	if style == NextAbsolute || (style == NextMixed && page%2 == 0) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		u = scheme + "://" + r.Host + u
	}
	return u
}

// pagedList serves a paged list of pre-encoded items, list(data).
func (s *Server) pagedList(stream string, list func(*apiData) [][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pos, ok := s.pagePosition(w, r, stream, false, 0, 0)
		if ok {
			items := list(s.api.full())
			s.writePage(w, r, pos, func(i int) []byte { return items[i] }, len(items))
		}
	}
}

// singleList serves a list in one response, body being {"data":[...]}.
func singleList(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}

// handleTags serves GET /v1/tags[?includeDeactivated=true|false].
func (s *Server) handleTags(w http.ResponseWriter, r *http.Request) {
	body := s.api.data.tagsActive
	if q := r.URL.Query(); q.Has("includeDeactivated") {
		switch strings.ToLower(q.Get("includeDeactivated")) {
		case "true":
			body = s.api.data.tagsAll
		case "false":
		default:
			writeError(w, http.StatusBadRequest, "Invalid value for: query parameter includeDeactivated")
			return
		}
	}
	singleList(body)(w, r)
}

// handleConvChild serves GET /v1/conversations/{csid}/ratings (notes
// false) or /notes. Only known csids are routed here.
func (s *Server) handleConvChild(notes bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/v1/conversations/")
		id, _, _ := strings.Cut(rest, "/")
		d := s.api.full()
		i, ok := d.convIdx[id]
		if !ok {
			writeError(w, http.StatusNotFound, "Not found")
			return
		}
		c := d.convs[i]
		body := c.ratings
		if notes {
			body = c.notes
		}
		singleList(body)(w, r)
	}
}

// addAPITruth adds the /_truth routes of the Dixa API streams.
func (s *Server) addAPITruth() {
	s.routes["/_truth/activity_logs"] = route{http.MethodGet, nil, func(w http.ResponseWriter, r *http.Request) {
		s.truthHandler(s.api.full().actTr, false)(w, r)
	}}
	for _, stream := range apiStreams[1:] {
		if _, ok := s.routes["/_truth/"+stream]; ok {
			continue // the stream serves its own truth
		}
		s.routes["/_truth/"+stream] = route{http.MethodGet, nil, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(s.api.full().truth[stream])
		}}
	}
}
