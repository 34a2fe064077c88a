package dixamock

// The reference endpoints of the Dixa API: conversation flows, contact
// endpoints, business hours, the organization, templates, webhook
// subscriptions, the knowledge base (api_knowledge.go) and the end users'
// own pages with their custom attributes. Their data are drawn in New from
// the seed (on PCG streams of their own, so the other data do not change),
// except the end users' pages, which derive from the lazily generated end
// users (see apiState.full).

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// referenceStreams are the stream names of the reference endpoints served
// by addReferenceRoutes, as counted in [APIStats].
var referenceStreams = []string{
	"flows", "contact_endpoints", "business_hours", "organization", "templates", "webhooks",
	"knowledge_collections", "knowledge_categories", "knowledge_articles", "end_user_custom_attributes",
}

// Stream constants of the reference data.
const (
	apiRefStream  uint64 = 0xa91e_0000_0000_0001 // flows, endpoints, hours, organization, templates, webhooks
	apiKnowStream uint64 = 0xa91e_0000_0000_0002 // the knowledge base
	apiUserStream uint64 = 0xa91e_0000_0001_0000 // xor nameHash(id): an end user's page
)

// msgResourceNotFound is Dixa's 404 message for an unknown entity.
const msgResourceNotFound = "The requested resource could not be found"

// flowChannels are the values GET /v1/conversations/flows accepts for
// channel (the spec's list; its response enum adds Twitter and Sms, which
// the endpoint refuses).
var flowChannels = []string{"WhatsApp", "Voicemail", "WidgetChat", "FacebookMessenger", "Email", "ContactForm", "Callback", "PstnPhone", "Messenger"}

var (
	emailEndpointNames = []string{"Support inbox", "Faktura – billing", "Hej! 🇩🇰", "Bücher & more", "<Returns>"}
	phoneEndpoints     = []struct{ prefix, name string }{
		{"+4570", "DK Hotline"}, {"+468", "SE Växel"}, {"+1415", "US Sales ☎"}, {"+8150", "東京 SMS"}, {"+4930", "Berlin <Support>"},
	}
	flowDefaults = map[string]string{
		"WhatsApp": "WhatsApp inbound", "Voicemail": "Voicemail – after hours", "WidgetChat": "Website chat",
		"FacebookMessenger": "Facebook page ❤", "Email": "Default email flow", "ContactForm": "Kontaktformular",
		"Callback": "Callback queue", "PstnPhone": "Default call flow", "Messenger": "Messenger (in-app)",
	}
	flowNames     = []string{"After hours 🌙", "Kundeservice – hovedlinje", "VIP <direct>", "チャット受付", "Returns & exchanges", "\"Priority\" routing", "Nachtschicht", "Overflow to Tier 2"}
	scheduleNames = []string{"Standard – København", "東京オフィス", "24/7 Hotline", "Sommer <2024>", "Weekend & holidays"}
	timezones     = []string{"Europe/Copenhagen", "Asia/Tokyo", "UTC", "America/New_York", "Europe/Stockholm"}
	weekdayNames  = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	orgNames      = []string{"Dixa Mock ApS", "Butik Ærø A/S", "株式会社モック", "Shop & Co. <EU>"}
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
	webhookNames    = []string{"Dashboard Integration", "CRM sync – Salesforce", "Slack #support 🔔", "Data warehouse <prod>"}
	webhookEvents   = []string{
		"ConversationCreated", "ConversationClosed", "ConversationAssigned", "ConversationMessageAdded",
		"ConversationTagAdded", "ConversationRated", "ConversationNoteAdded", "SLAEvaluationBreached",
		"ConversationPending", "ConversationEndUserReplaced",
	}
)

// refGen draws the reference data.
type refGen struct {
	rng     *rand.Rand
	p       *apiPools
	startMs int64
}

// contactEndpoint is an EmailEndpoint or a TelephonyEndpoint.
type contactEndpoint struct {
	id    string // the address or number
	email bool
	o     obj
}

// webhookSecret is a secret of a webhook subscription, for
// /_truth/webhook_secrets.
type webhookSecret struct {
	id, field, value string
}

// addReferenceRoutes adds the reference endpoints of the Dixa API, and the
// truth of their streams to d.truth (served by addAPITruth).
func (s *Server) addReferenceRoutes(d *apiData, pools *apiPools) {
	g := &refGen{rng: rand.New(rand.NewPCG(uint64(s.opts.Seed), apiRefStream)), p: pools, startMs: ceilMs(s.opts.Start)}
	add := func(path, stream string, h http.HandlerFunc) {
		s.routes[path] = route{http.MethodGet, nil, s.apiHandler(stream, h)}
	}

	eps := g.contactEndpoints()
	var all, emails, phones []any
	for _, ep := range eps {
		all = append(all, ep.o)
		if ep.email {
			emails = append(emails, ep.o)
		} else {
			phones = append(phones, ep.o)
		}
	}
	d.truth["contact_endpoints"] = truthSorted(eps, func(ep contactEndpoint) string { return ep.id })
	add("/v1/contact-endpoints", "contact_endpoints", byQuery("_type", dataBody(all),
		map[string][]byte{"EmailEndpoint": dataBody(emails), "TelephonyEndpoint": dataBody(phones)}))

	flows, flowIDs := g.flows(eps)
	d.truth["flows"] = truthSorted(flowIDs, func(s string) string { return s })
	add("/v1/conversations/flows", "flows", byQuery("channel", flows["PstnPhone"], flows))

	list, defs := g.businessHours()
	d.truth["business_hours"] = truthSorted(slices.Collect(mapKeys(defs)), func(s string) string { return s })
	add("/v1/business-hours/schedules", "business_hours", singleList(list))
	for id, body := range defs {
		add("/v1/business-hours/schedules/"+id+"/definition", "business_hours", singleList(body))
	}

	org, orgID := g.organization(d.queuesBody)
	d.truth["organization"] = truthIDs([]string{orgID}, func(s string) string { return s })
	add("/v1/organization", "organization", singleList(org))

	templates, templateIDs := g.templates()
	d.truth["templates"] = truthSorted(templateIDs, func(s string) string { return s })
	add("/v1/templates", "templates", s.handleTemplates(templates))

	hooks, hookIDs, secrets := g.webhooks()
	d.truth["webhooks"] = truthSorted(hookIDs, func(s string) string { return s })
	add("/v1/webhooks", "webhooks", singleList(hooks))
	secretItems := make([]any, len(secrets))
	for i, x := range secrets {
		secretItems[i] = obj{{"id", x.id}, {"field", x.field}, {"value", x.value}}
	}
	secretsBody := append(appendValue(nil, secretItems), '\n')
	s.routes["/_truth/webhook_secrets"] = route{http.MethodGet, nil, singleList(secretsBody)}

	s.addKnowledgeRoutes(d, pools, add)

	// The end users' pages: every end user is a requester, drawn from the
	// pool, so the pool's users get routes; those no conversation names
	// are answered 404 like unknown ids.
	var users map[string][]byte // end user id -> page; set by the lazy part
	prev := s.api.lazy
	s.api.lazy = func() {
		prev()
		var truth []byte
		users, truth = endUserPages(s.opts.Seed, d, pools)
		d.truth["end_user_custom_attributes"] = truth
	}
	userPage := s.apiHandler("end_user_custom_attributes", func(w http.ResponseWriter, r *http.Request) {
		s.api.full()
		body, ok := users[strings.TrimPrefix(r.URL.Path, "/v1/endusers/")]
		if !ok {
			writeError(w, http.StatusNotFound, msgResourceNotFound)
			return
		}
		singleList(body)(w, r)
	})
	agents := map[string]bool{}
	for _, ag := range pools.agents {
		agents[ag.id] = true
	}
	for id := range pools.byID {
		if !agents[id] {
			s.routes["/v1/endusers/"+id] = route{http.MethodGet, nil, userPage}
		}
	}
}

// byQuery serves the body of the value of the query parameter name: def
// when it is absent; 400 "Invalid value for: query parameter <name>" for
// a value bodies lacks (the empty one included).
func byQuery(name string, def []byte, bodies map[string][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		body := def
		if q.Has(name) {
			body = bodies[q.Get(name)]
		}
		if body == nil {
			writeError(w, http.StatusBadRequest, "Invalid value for: query parameter "+name)
			return
		}
		singleList(body)(w, r)
	}
}

// mapKeys yields the keys of m.
func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// objBody returns {"data":v}.
func objBody(v any) []byte {
	return append(appendValue([]byte(`{"data":`), v), "}\n"...)
}

// contactEndpoints draws 4 EmailEndpoints and 3 to 5 TelephonyEndpoints,
// in a mixed order. The e-mail addresses are those of the conversations'
// e-mail integrations and one more.
func (g *refGen) contactEndpoints() []contactEndpoint {
	rng := g.rng
	var out []contactEndpoint
	addresses := []string{"support@shop.example", "billing@shop.example", "hej@butik.example",
		pick(rng, []string{"info@bücher.example", "returns+eu@shop.example", "kundeservice@butik.example"})}
	for i, a := range addresses {
		_, domain, _ := strings.Cut(a, "@")
		o := obj{{"address", a}}
		o = optKV(rng, o, 0.5, "senderOverride", "noreply@"+domain)
		o = optKV(rng, o, 0.85, "name", emailEndpointNames[i])
		if i == 1 {
			o = append(o, kv{"isVerified", true}) // not in Dixa's docs
		}
		out = append(out, contactEndpoint{a, true, append(o, kv{"_type", "EmailEndpoint"})})
	}
	for i, ph := range pickDistinct(rng, phoneEndpoints, 3+rng.IntN(3)) {
		number := fmt.Sprintf("%s%06d", ph.prefix, rng.IntN(1000000))
		functionality := []string{}
		for _, f := range []string{"Sms", "VoiceInbound", "VoiceOutbound"} {
			if chance(rng, 0.6) {
				functionality = append(functionality, f)
			}
		}
		o := obj{{"number", number}, {"functionality", functionality}}
		o = optKV(rng, o, 0.85, "name", ph.name)
		if i == 0 {
			o = append(o, kv{"countryCode", map[string]string{"+4570": "DK", "+468": "SE", "+1415": "US", "+8150": "JP", "+4930": "DE"}[ph.prefix]})
		}
		out = append(out, contactEndpoint{number, false, append(o, kv{"_type", "TelephonyEndpoint"})})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// flows draws 0 to 4 ConversationFlows per channel (none for two of them,
// at least one for PstnPhone and Email) and returns the {"data":[...]} body per
// channel and every flow's id.
func (g *refGen) flows(eps []contactEndpoint) (map[string][]byte, []string) {
	rng := g.rng
	var emails, phones []contactEndpoint
	for _, ep := range eps {
		if ep.email {
			emails = append(emails, ep)
		} else {
			phones = append(phones, ep)
		}
	}
	empty := map[string]bool{}
	for _, c := range pickDistinct(rng, []string{"WhatsApp", "Voicemail", "FacebookMessenger", "ContactForm", "Callback", "Messenger"}, 2) {
		empty[c] = true
	}
	bodies := map[string][]byte{}
	var ids []string
	for _, ch := range flowChannels {
		n := rng.IntN(5)
		switch {
		case empty[ch]:
			n = 0
		case ch == "PstnPhone" || ch == "Email":
			n = max(n, 1)
		}
		var items []any
		for i := range n {
			id := uuid(rng)
			name := flowDefaults[ch]
			if i > 0 {
				name = pick(rng, flowNames)
			}
			pool := phones
			switch ch {
			case "Email", "ContactForm":
				pool = emails
			case "WidgetChat", "Messenger", "FacebookMessenger":
				pool = eps
			}
			o := obj{{"id", id}, {"name", name}, {"channel", ch}, {"contactEndpointId", pick(rng, pool).id}}
			if chance(rng, 0.2) {
				o = append(o, kv{"lastPublishedAt", plainTime(g.startMs - rng.Int64N(200*dayMs))}) // not in Dixa's docs
			}
			items = append(items, o)
			ids = append(ids, id)
		}
		bodies[ch] = dataBody(items)
	}
	return bodies, ids
}

// businessHours draws 3 or 4 schedules and returns the body of the list
// and the body of each schedule's definition, by id.
func (g *refGen) businessHours() ([]byte, map[string][]byte) {
	rng := g.rng
	start := time.UnixMilli(g.startMs).UTC().Truncate(24 * time.Hour)
	iso := (int(start.Weekday())+6)%7 + 1 // 1 = Monday
	date := func(t time.Time) string { return t.Format(time.DateOnly) }
	interval := func(a, b string) obj { return obj{{"startTime", a}, {"endTime", b}} }
	// nextOn returns the first date on or after start with this month and day.
	nextOn := func(month, day int) time.Time {
		t := time.Date(start.Year(), time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if t.Before(start) {
			t = t.AddDate(1, 0, 0)
		}
		return t
	}
	var list []any
	defs := map[string][]byte{}
	for i, name := range pickDistinct(rng, scheduleNames, 3+rng.IntN(2)) {
		id := uuid(rng)
		item := obj{{"name", name}, {"id", id}}
		if i == 0 {
			item = append(item, kv{"isDefault", true}) // not in Dixa's docs
		}
		list = append(list, item)
		allDay := strings.Contains(name, "24/7")
		var hours []any
		for day := 1; day <= 7; day++ {
			if !allDay && day >= 6 && chance(rng, 0.4) {
				continue // weekend days may be left out
			}
			status, ivs := "Open", []any{}
			switch {
			case allDay:
				ivs = append(ivs, interval("00:00", "23:59"))
			case day >= 6 && chance(rng, 0.6):
				status = "Closed"
			case chance(rng, 0.3):
				ivs = append(ivs, interval("08:00", "12:00"), interval("12:30", "16:30"))
			default:
				ivs = append(ivs, interval(pick(rng, []string{"07:30", "08:00", "09:00"}), pick(rng, []string{"15:30", "16:00", "17:00", "18:00"})))
			}
			hours = append(hours, obj{
				{"name", weekdayNames[day-1]}, {"dayOfWeek", day}, {"businessHourType", "Regular"}, {"status", status},
				{"intervals", ivs}, {"startDate", date(start.AddDate(0, 0, (day-iso+7)%7))},
			})
		}
		exceptions := []any{}
		for _, h := range pickDistinct(rng, []struct {
			name         string
			month, day   int
			open         bool
			holidayOfKey string
		}{
			{"New Year", 1, 1, false, ""}, {"Juleaften 🎄", 12, 24, true, ""}, {"Grundlovsdag", 6, 5, false, ""},
			{"天皇誕生日", 2, 23, false, ""}, {"2. påskedag", 0, 0, false, "EasterMonday"},
		}, 1+rng.IntN(3)) {
			status, ivs := "Closed", []any{}
			if h.open {
				status, ivs = "Open", append(ivs, interval("09:00", "12:00"))
			}
			var o obj
			if h.holidayOfKey != "" {
				o = obj{{"name", h.name}, {"businessHourType", "Holiday"}, {"status", status}, {"intervals", ivs},
					{"recurring", obj{{"holiday", h.holidayOfKey}}}, {"startDate", date(start)}}
			} else {
				next := nextOn(h.month, h.day)
				o = obj{{"name", h.name}, {"businessHourType", "Holiday"}, {"status", status}, {"intervals", ivs},
					{"recurring", obj{{"dayOfMonth", h.day}, {"monthOfYear", h.month}}}, {"startDate", date(time.Date(start.Year()-1, next.Month(), next.Day(), 0, 0, 0, 0, time.UTC))}}
				o = optKV(rng, o, 0.5, "nextDate", date(next))
			}
			exceptions = append(exceptions, o)
		}
		if chance(rng, 0.5) {
			exceptions = append(exceptions, obj{{"name", "Company summit <all hands>"}, {"businessHourType", "Exception"}, {"status", "Open"},
				{"intervals", []any{interval("10:00", "14:00")}}, {"startDate", date(start.AddDate(0, 0, 10+rng.IntN(60)))}})
		}
		def := obj{{"id", id}, {"name", name}, {"timezone", pick(rng, timezones)}, {"businessHours", hours}, {"exceptions", exceptions}}
		if i == 1 || chance(rng, 0.3) {
			def = append(def, kv{"updatedAt", plainTime(g.startMs - rng.Int64N(90*dayMs))}) // not in Dixa's docs
		}
		defs[id] = objBody(obj{{"schedule", def}})
	}
	return objBody(obj{{"schedules", list}}), defs
}

// organization returns the body of GET /v1/organization and its id: that
// of the queues' organizationId.
func (g *refGen) organization(queuesBody []byte) ([]byte, string) {
	rng := g.rng
	var qs struct {
		Data []struct {
			OrganizationID string `json:"organizationId"`
		} `json:"data"`
	}
	id := uuid(rng)
	if json.Unmarshal(queuesBody, &qs) == nil && len(qs.Data) > 0 && qs.Data[0].OrganizationID != "" {
		id = qs.Data[0].OrganizationID
	}
	name := pick(rng, orgNames)
	o := obj{{"id", id}, {"name", name}, {"subdomain", fmt.Sprintf("mock-%04x", rng.IntN(1<<16))}, {"status", "Active"}}
	o = optKV(rng, o, 0.7, "avatarUrl", "https://files.dixa.example/public/org-"+id[:8]+".png")
	if chance(rng, 0.5) {
		o = append(o, kv{"region", "eu-west-1"}) // not in Dixa's docs
	}
	return objBody(o), id
}

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

// pagedItems serves a paged list of pre-encoded items.
func (s *Server) pagedItems(stream string, items [][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if pos, ok := s.pagePosition(w, r, stream, false, 0, 0); ok {
			s.writePage(w, r, pos, func(i int) []byte { return items[i] }, len(items))
		}
	}
}

// webhooks draws three WebhookSubscriptions and returns the body of the
// list, their ids and their secrets (every secretKey and header value).
func (g *refGen) webhooks() ([]byte, []string, []webhookSecret) {
	rng := g.rng
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	token := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		return string(b)
	}
	var items []any
	var ids []string
	var secrets []webhookSecret
	for i, name := range pickDistinct(rng, webhookNames, 3) {
		id := uuid(rng)
		headers := obj{}
		switch i {
		case 0:
			headers = append(headers, kv{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("hook_user_"+token(4)+":"+token(16)))})
		case 1:
			headers = append(headers, kv{"Authorization", "Bearer whk_" + token(32)}, kv{"X-Tenant", "tenant-" + token(12)})
		}
		secret := token(64)
		for _, h := range headers {
			secrets = append(secrets, webhookSecret{id, "headers." + h.k, h.v.(string)})
		}
		secrets = append(secrets, webhookSecret{id, "secretKey", secret})
		created := g.startMs - int64(30+rng.IntN(600))*dayMs - rng.Int64N(dayMs)
		o := obj{
			{"id", id}, {"name", name}, {"subscribedEvents", pickDistinct(rng, webhookEvents, 1+rng.IntN(5))},
			{"url", "https://hooks.shop.example/dixa/" + strings.ToLower(strings.Fields(name)[0])},
			{"headers", headers}, {"secretKey", secret}, {"enabled", i != 2 || chance(rng, 0.5)},
			{"createdAt", plainTime(created)}, {"createdBy", pick(rng, g.p.agents).id},
			{"updatedAt", plainTime(between(rng, created, g.startMs))}, {"updatedBy", pick(rng, g.p.agents).id},
		}
		switch i {
		case 0:
			o = append(o, kv{"filters", obj{{"Conversation", obj{{"strategy", "All"}, {"conditions", []any{
				obj{{"field", "InitialChannel"}, {"values", []string{"email", "pstn_phone"}}, {"_type", "IsOneOf"}},
				obj{{"field", "QueueId"}, {"values", []string{pick(rng, g.p.queues).id}}, {"_type", "IsNotOneOf"}},
				obj{{"field", "OperationOrigin"}, {"values", []string{"ApiImport"}}, {"_type", "IsNotOneOf"}},
			}}, {"_type", "CombinedFilters"}}}}})
		case 1:
			o = append(o, kv{"filters", obj{}}, kv{"apiVersion", "v1"}) // apiVersion: not in Dixa's docs
		}
		items = append(items, o)
		ids = append(ids, id)
	}
	return dataBody(items), ids, secrets
}

// endUserPages returns the body of GET /v1/endusers/{id} of every end user
// of d (generated: see generateConvs) and the truth of
// end_user_custom_attributes. A page is the end user as listed with its
// customAttributes: those of the list if it has them, else 0 to 3 of the
// Contact attributes, drawn from the end user's own stream.
func endUserPages(seed int64, d *apiData, p *apiPools) (map[string][]byte, []byte) {
	var contact []apiAttr
	for _, at := range p.attrs {
		if at.entity == "Contact" {
			contact = append(contact, at)
		}
	}
	type pair struct{ user, attr string }
	var pairs []pair
	pages := make(map[string][]byte, len(d.endUsers))
	for _, item := range d.endUsers {
		var u struct {
			ID               string          `json:"id"`
			CreatedAt        string          `json:"createdAt"`
			CustomAttributes json.RawMessage `json:"customAttributes"`
		}
		o, err := decodeObj(item)
		if err == nil {
			err = json.Unmarshal(item, &u)
		}
		if err != nil {
			panic("dixamock: cannot decode a generated end user: " + err.Error())
		}
		var attrIDs []string
		if raw := bytes.TrimSpace(u.CustomAttributes); len(raw) > 0 && raw[0] == '[' {
			var listed []struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(raw, &listed)
			for _, at := range listed {
				attrIDs = append(attrIDs, at.ID)
			}
		} else {
			rng := rand.New(rand.NewPCG(uint64(seed), apiUserStream^nameHash(u.ID)))
			t, _ := time.Parse(time.RFC3339, u.CreatedAt)
			created := t.UnixMilli()
			attrs := []any{}
			for _, at := range pickDistinct(rng, contact, rng.IntN(4)) {
				var v any = pick(rng, attrValues)
				if at.kind == "Select" {
					v = pickDistinct(rng, at.values, 1+rng.IntN(2))
				}
				a := obj{{"id", at.id}, {"name", at.label}, {"identifier", at.identifier}, {"value", v}}
				if chance(rng, 0.1) {
					a = append(a, kv{"updatedAt", plainTime(created + rng.Int64N(200*dayMs))}) // not in Dixa's docs
				}
				attrs = append(attrs, a)
				attrIDs = append(attrIDs, at.id)
			}
			o = slices.DeleteFunc(o, func(m kv) bool { return m.k == "customAttributes" })
			o = append(o, kv{"customAttributes", attrs})
		}
		for _, a := range attrIDs {
			pairs = append(pairs, pair{u.ID, a})
		}
		pages[u.ID] = objBody(o)
	}
	slices.SortFunc(pairs, func(x, y pair) int { return cmp.Or(cmp.Compare(x.user, y.user), cmp.Compare(x.attr, y.attr)) })
	return pages, truthPairs(pairs, "end_user_id", "id", func(x pair) (string, string) { return x.user, x.attr })
}

// decodeObj decodes the JSON object b into an obj of its members in their
// order, each value kept as its JSON text.
func decodeObj(b []byte) (obj, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %.40s", b)
	}
	var o obj
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		o = append(o, kv{tok.(string), rawJSON(raw)})
	}
	return o, nil
}
