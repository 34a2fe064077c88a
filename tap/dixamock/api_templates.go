package dixamock

// The templates of the Dixa API's reference endpoints (see
// api_reference.go).

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// The names, bodies and locales the templates are drawn from.
var (
	templateNames = []string{
		"30-days return policy", "Welcome message", "Tak for din henvendelse", "Versandbestätigung",
		"ご返信ありがとうございます", "Refund <processed> & closed", "Out of office 🌴", "\"Holiday\" opening hours",
		"Escalation – 2nd line", "Password reset", "Order delayed", "Réclamation reçue",
	}
	templateBodies = []string{
		"Hi {{requester_firstname}},\n\nThanks for reaching out about order %d.\n\n{{csid}}\n\nregards,\n{{agent_firstname}}",
		"Hej {{requester_firstname}},\n\nTak for din besked – vi vender tilbage inden for %d timer.\n\nVenlig hilsen\n{{agent_firstname}}",
		"<p>Hello <b>{{requester_firstname}}</b> &amp; welcome!</p><p>Ticket %d</p>",
		"{{requester_firstname}}様\n\nご連絡ありがとうございます。注文番号 %d",
		"Back\\slash and \"quotes\" {{agent_firstname}} %d\ttabbed",
	}
	templateLocales = []string{"da", "de-AT", "sv", "ja", "uz-Arab-AF", "fr-CA", "en-US"}
)

// offsetTime writes ms as Dixa writes templates' dates, e.g.
// 2017-09-27T14:27:54.371+00:00.
func offsetTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000") + "+00:00"
}

// templates draws 140 to 160 templates (QuickResponse and EmailAutoReply),
// ordered by createdAt, and returns the encoded items (all, the
// EmailAutoReply ones, the QuickResponse ones) and every id.
func (g *refGen) templates() ([3][][]byte, []string) {
	rng := g.rng
	type tmpl struct {
		created int64
		id      string
		auto    bool
		o       obj
	}
	var ts []tmpl
	for i := range 140 + rng.IntN(21) {
		id := uuid(rng)
		auto := chance(rng, 0.3)
		created := g.startMs - 5*365*dayMs + rng.Int64N(5*365*dayMs-dayMs)
		name := pick(rng, templateNames)
		if chance(rng, 0.6) {
			name += fmt.Sprintf(" #%d", i+1)
		}
		body := pick(rng, templateBodies)
		o := obj{{"id", id}, {"name", name}, {"content", fmt.Sprintf(body, 1000+rng.IntN(9000))},
			{"createdBy", pick(rng, g.p.agents).id}, {"createdAt", offsetTime(created)}}
		if chance(rng, 0.6) {
			edited := between(rng, created, g.startMs)
			o = append(o, kv{"lastEditedBy", pick(rng, g.p.agents).id}, kv{"lastEditedAt", offsetTime(edited)})
		}
		if chance(rng, 0.5) {
			var trs []any
			for _, loc := range pickDistinct(rng, templateLocales, 1+rng.IntN(3)) {
				content := templateBodies[map[string]int{"da": 1, "ja": 3}[loc]]
				if loc != "da" && loc != "ja" {
					content = "[" + loc + "] " + content
				}
				tr := obj{{"locale", loc}, {"content", fmt.Sprintf(content, rng.IntN(100))},
					{"isDeactivated", chance(rng, 0.1)}}
				trs = append(trs, optKV(rng, tr, 0.6, "subject", "["+loc+"] Re: {{conversation_subject}} csid:{{csid}}"))
			}
			o = append(o, kv{"translations", trs})
		}
		o = optKV(rng, o, orP(auto, 0.9, 0.5), "subject", "Re: {{conversation_subject}} csid:{{csid}} agent_firstname:{{agent_firstname}}")
		if chance(rng, 0.05) {
			o = append(o, kv{"folderId", uuid(rng)}) // not in Dixa's docs
		}
		kind := "QuickResponse"
		if auto {
			kind = "EmailAutoReply"
		}
		ts = append(ts, tmpl{created, id, auto, append(o, kv{"_type", kind})})
	}
	slices.SortFunc(ts, func(a, b tmpl) int { return cmp.Or(cmp.Compare(a.created, b.created), cmp.Compare(a.id, b.id)) })
	var lists [3][][]byte
	var ids []string
	for _, t := range ts {
		b := appendValue(nil, t.o)
		k := 2
		if t.auto {
			k = 1
		}
		lists[0], lists[k] = append(lists[0], b), append(lists[k], b)
		ids = append(ids, t.id)
	}
	return lists, ids
}

// handleTemplates serves GET /v1/templates[?type=..], paged; a pageKey
// carries the type filter of its query.
func (s *Server) handleTemplates(lists [3][][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		filter, k := q.Get("type"), 0
		switch {
		case !q.Has("type"):
		case filter == "EmailAutoReply":
			k = 1
		case filter == "QuickResponse":
			k = 2
		default:
			writeError(w, http.StatusBadRequest, "Invalid value for: query parameter type")
			return
		}
		pos, ok := s.pagePosition(w, r, "templates", false, 0, 0)
		if !ok {
			return
		}
		if q.Has("pageKey") && pos.Filter != filter {
			writeError(w, http.StatusBadRequest, "Invalid value for: query parameter pageKey (it belongs to other query parameters)")
			return
		}
		pos.Filter = filter
		items := lists[k]
		s.writePage(w, r, pos, func(i int) []byte { return items[i] }, len(items))
	}
}
