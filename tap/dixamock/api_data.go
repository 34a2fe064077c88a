package dixamock

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Stream constants of the Dixa API data: one for the entities, and one
// (xor the conversation id) per conversation.
const (
	apiPoolStream uint64 = 0xa91d_0000_0000_0001
	apiConvStream uint64 = 0xa91c_0000_0000_0000
)

// apiData is everything the Dixa API serves, built once by generateAPI.
type apiData struct {
	agents, endUsers                 [][]byte // encoded items, in list order (endUsers: lazy)
	teamsBody, queuesBody, attrsBody []byte   // whole {"data":[...]} bodies
	tagsActive, tagsAll              []byte
	teams, queues                    []apiGroup

	// The rest derive from the conversations; generateConvs fills them in.
	activity []record // sorted by (at, id)
	rank     []uint64 // shuffled-order rank of activity[i]
	convs    []apiConv
	convIdx  map[string]int // conversation id text -> index in convs

	truth map[string][]byte // stream -> /_truth body (some lazy)
	actTr []Truth           // activity log truth, sorted by id
}

// apiGroup is a team or a queue and the body of its members list.
type apiGroup struct {
	id      string
	members []byte
}

// apiAttr is a custom attribute definition, as end users refer to it.
type apiAttr struct {
	id, identifier, label, entity, kind string
	values                              []string // option values of a Select
}

// apiPools holds the entities of the Dixa API.
type apiPools struct {
	agents []person
	byID   map[string]person // agents and end users by id
	queues []named
	tags   []named
	attrs  []apiAttr
}

var (
	teamNames    = []string{"Tier 1 Support", "Billing & Payments", "Kundeservice DK", "日本チーム", "<Night shift>", "VIP", "Onboarding", "Escalations 🔥"}
	extraTags    = []string{"spam", "complaint", "returning customer", "shipping", "größe", "warranty", "bug/ios", "bug/android", "press", "partner", "legal ⚖", "gdpr", "upsell", "survey", "no-reply", "duplicate", "\"quoted\"", "vip-gold", "retour", "urgent & important"}
	extraAttrs   = []apiAttr{{identifier: "customer_tier", kind: "Select", entity: "Contact"}, {identifier: "loyalty_number", kind: "Text", entity: "Contact"}, {identifier: "preferred_language", kind: "Select", entity: "Contact"}, {identifier: "vat_id", kind: "Text", entity: "Contact"}, {identifier: "segment", kind: "Select", entity: "Contact"}, {identifier: "legacy_ref", kind: "Text", entity: "Conversation"}, {identifier: "région", kind: "Select", entity: "Contact"}}
	optionValues = []string{"Gold", "Silver", "Bronze", "da", "en", "ja", "B2B", "B2C", "Île-de-France", "Nordjylland", "<other>"}
	roleSets     = [][]string{{"Agent"}, {"Agent"}, {"Agent", "Admin"}, {"Admin"}, {}}
)

// generateEntities builds the entities of the Dixa API (agents, teams,
// queues, tags, custom attributes), but none of the data that derive from
// the conversations (see generateConvs).
func generateEntities(opts Options) (*apiData, *apiPools) {
	n := max(opts.Conversations, 0)
	base := newPools(rand.New(rand.NewPCG(uint64(opts.Seed), poolStream)), min(max(n/4, 10), 5000)) // as generate
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), apiPoolStream))
	startMs := ceilMs(opts.Start)
	a := &apiData{truth: map[string][]byte{}}
	p := &apiPools{byID: map[string]person{}, queues: base.queues}

	// Agents: the 20 of the conversations and 5 more.
	p.agents = append(p.agents, base.agents...)
	for i := range 5 {
		p.agents = append(p.agents, newPerson(rng, len(base.agents)+i, "agent", "dixa-mock.example"))
	}
	for _, u := range append(slices.Clone(p.agents), base.users...) {
		p.byID[u.id] = u
	}
	agentsSorted := slices.SortedFunc(slices.Values(p.agents), func(x, y person) int { return cmp.Compare(x.id, y.id) })
	for _, ag := range agentsSorted {
		created := startMs - int64(30+rng.IntN(700))*dayMs - rng.Int64N(dayMs)
		a.agents = append(a.agents, appendValue(nil, personObj(rng, ag, created, true)))
	}
	a.truth["agents"] = truthIDs(agentsSorted, func(x person) string { return x.id })

	// Teams and their members.
	var teamsList []any
	type pair struct{ A, B string }
	var teamMembers []pair
	for _, name := range teamNames {
		id := uuid(rng)
		teamsList = append(teamsList, obj{{"id", id}, {"name", name}})
		var members []any
		for _, ag := range pickDistinct(rng, p.agents, 2+rng.IntN(5)) {
			members = append(members, userObj(rng, ag))
			teamMembers = append(teamMembers, pair{id, ag.id})
		}
		a.teams = append(a.teams, apiGroup{id, dataBody(members)})
	}
	a.teamsBody = dataBody(teamsList)
	a.truth["teams"] = truthSorted(a.teams, func(g apiGroup) string { return g.id })
	slices.SortFunc(teamMembers, func(x, y pair) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })
	a.truth["team_members"] = truthPairs(teamMembers, "team_id", "id", func(x pair) (string, string) { return x.A, x.B })

	// Queues and their members.
	orgID := uuid(rng)
	var queuesList []any
	var queueMembers []pair
	for i, q := range p.queues {
		queuesList = append(queuesList, queueObj(rng, q, orgID, i == 0))
		var members []any
		for _, ag := range pickDistinct(rng, p.agents, 2+rng.IntN(7)) {
			m := obj{{"agentId", ag.id}}
			if chance(rng, 0.8) {
				m = append(m, kv{"priority", int64(rng.IntN(5))})
			}
			members = append(members, m)
			queueMembers = append(queueMembers, pair{q.id, ag.id})
		}
		a.queues = append(a.queues, apiGroup{q.id, dataBody(members)})
	}
	a.queuesBody = dataBody(queuesList)
	a.truth["queues"] = truthSorted(a.queues, func(g apiGroup) string { return g.id })
	slices.SortFunc(queueMembers, func(x, y pair) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })
	a.truth["queue_members"] = truthPairs(queueMembers, "queue_id", "agentId", func(x pair) (string, string) { return x.A, x.B })

	// Tags: the 10 of the conversations (active) and 20 more, some inactive.
	var active, all []any
	var tagIDs []string
	for i, name := range append(slices.Clone(tagNames), extraTags...) {
		t := named{name: name}
		if i < len(base.tags) {
			t = base.tags[i]
		} else {
			t.id = uuid(rng)
		}
		p.tags = append(p.tags, t)
		state := "Active"
		if i >= len(base.tags) && (chance(rng, 0.25) || i == len(tagNames)+len(extraTags)-1) {
			state = "Inactive"
		}
		o := obj{{"id", t.id}, {"name", t.name}}
		if chance(rng, 0.7) {
			o = append(o, kv{"color", fmt.Sprintf("#%06x", rng.IntN(1<<24))})
		}
		o = append(o, kv{"state", state})
		all = append(all, o)
		if state == "Active" {
			active = append(active, o)
		}
		tagIDs = append(tagIDs, t.id)
	}
	a.tagsActive, a.tagsAll = dataBody(active), dataBody(all)
	a.truth["tags"] = truthSorted(tagIDs, func(s string) string { return s })

	// Custom attribute definitions: the 5 of the conversations and 7 more.
	var attrsList []any
	for i, id := range attrIdents {
		p.attrs = append(p.attrs, apiAttr{id: base.attrs[i].id, identifier: id, kind: attrTypes[i], entity: "Conversation"})
	}
	for _, x := range extraAttrs {
		x.id = uuid(rng)
		p.attrs = append(p.attrs, x)
	}
	for i := range p.attrs {
		x := &p.attrs[i]
		x.label = strings.ToUpper(x.identifier[:1]) + strings.ReplaceAll(x.identifier[1:], "_", " ")
		attrsList = append(attrsList, attrObj(rng, x, startMs, i))
	}
	a.attrsBody = dataBody(attrsList)
	a.truth["custom_attributes"] = truthSorted(p.attrs, func(x apiAttr) string { return x.id })
	return a, p
}

// personObj returns an Agent (agent) or EndUser object for u.
func personObj(rng *rand.Rand, u person, created int64, agent bool) obj {
	first, last, _ := strings.Cut(u.name, " ")
	o := obj{{"id", u.id}, {"createdAt", plainTime(created)}}
	o = optKV(rng, o, orP(agent, 1, 0.9), "displayName", u.name)
	o = optKV(rng, o, orP(agent, 1, 0.8), "email", u.email)
	if agent {
		o = optKV(rng, o, 0.5, "avatarUrl", "https://files.dixa.example/avatars/"+u.id[:8]+".png")
	}
	o = optKV(rng, o, orP(agent, 0.7, 0.5), "phoneNumber", u.phone)
	o = optKV(rng, o, 0.3, "additionalEmails", []string{"alt." + u.email}[:rng.IntN(2)])
	o = optKV(rng, o, 0.2, "additionalPhoneNumbers", []string{u.phone + "9"})
	o = optKV(rng, o, 0.8, "firstName", first)
	o = optKV(rng, o, 0.8, "lastName", last)
	o = optKV(rng, o, 0.15, "middleNames", []string{"Maria", "Ørn"}[:rng.IntN(3)])
	if agent {
		return optKV(rng, o, 0.9, "roles", pick(rng, roleSets))
	}
	return optKV(rng, o, 0.2, "avatarUrl", "https://files.dixa.example/avatars/"+u.id[:8]+".png")
}

// userObj returns {id, name, email, phoneNumber} for u (a TeamMember or an
// activity log user), phoneNumber sometimes absent or null.
func userObj(rng *rand.Rand, u person) obj {
	return optKV(rng, obj{{"id", u.id}, {"name", u.name}, {"email", u.email}}, 0.6, "phoneNumber", u.phone)
}

// queueObj returns a Queue object.
func queueObj(rng *rand.Rand, q named, orgID string, isDefault bool) obj {
	thresholds := obj{}
	for _, k := range []string{"SlaPercentage", "SlaTimeLimit", "LongestWait", "AvailableAgents", "WaitingConversations"} {
		if chance(rng, 0.5) {
			thresholds = append(thresholds, kv{k, int64(rng.IntN(300))})
		}
	}
	chans := obj{}
	timeouts := obj{}
	for _, c := range []string{"Email", "WidgetChat", "PstnPhone", "Sms"} {
		if chance(rng, 0.6) {
			chans = append(chans, kv{c, []string{"Inbound", "Outbound"}[:1+rng.IntN(2)]})
			timeouts = append(timeouts, kv{c, int64(10 * rng.IntN(60))})
		}
	}
	o := obj{
		{"id", q.id}, {"name", q.name}, {"isDefault", isDefault}, {"organizationId", orgID},
		{"queueThresholds", thresholds}, {"slaCalculationMethod", "AbandonedIgnored"},
	}
	o = optKV(rng, o, 0.9, "offerTimeout", int64(15+rng.IntN(60)))
	o = optKV(rng, o, 0.9, "offeringAlgorithm", pick(rng, []string{"AgentPriorityOneAtATimeRandom", "AllAtOnce", "AgentPriorityLongestIdle", "AgentPriorityAllAtOnce", "LongestIdle", "OneAtATimeRandom"}))
	o = optKV(rng, o, 0.9, "memberListType", pick(rng, []string{"Default", "SkillBased"}))
	o = optKV(rng, o, 0.8, "usages", obj{{"queueId", q.id}, {"usages", chans}})
	o = optKV(rng, o, 0.8, "wrapupTimeout", int64(rng.IntN(120)))
	o = optKV(rng, o, 0.8, "priority", int64(rng.IntN(10)))
	o = optKV(rng, o, 0.8, "offerAbandonedConversations", chance(rng, 0.5))
	o = append(o, kv{"doNotOfferTimeouts", timeouts}, kv{"isDoNotOfferEnabled", chance(rng, 0.3)})
	o = optKV(rng, o, 0.8, "isPreferredAgentEnabled", chance(rng, 0.4))
	o = optKV(rng, o, 0.5, "preferredAgentTimeouts", timeouts)
	o = optKV(rng, o, 0.5, "preferredAgentOfflineTimeout", int64(rng.IntN(600)))
	o = optKV(rng, o, 0.5, "personalAgentOfflineTimeout", int64(rng.IntN(600)))
	return optKV(rng, o, 0.7, "isRestricted", chance(rng, 0.2))
}

// attrObj returns a CustomAttributeDefinition for x (the i-th), filling in
// x.values for a Select.
func attrObj(rng *rand.Rand, x *apiAttr, startMs int64, i int) obj {
	var input obj
	if x.kind == "Select" {
		var opts []any
		for j, v := range pickDistinct(rng, optionValues, 2+rng.IntN(4)) {
			x.values = append(x.values, v)
			o := obj{{"id", uuid(rng)}, {"label", v + " ✓"}, {"value", v}}
			switch {
			case j == 0 && x.identifier == "segment":
				o = append(o, kv{"nestedOptions", []any{obj{{"id", uuid(rng)}, {"label", "Sub " + v}, {"value", v + "/sub"}, {"nestedOptions", []any{}}, {"isDeactivated", false}, {"orderIndex", int64(0)}}}})
			case chance(rng, 0.5):
				o = append(o, kv{"nestedOptions", []any{}})
			}
			opts = append(opts, append(o, kv{"isDeactivated", chance(rng, 0.15)}, kv{"orderIndex", int64(j)}))
		}
		input = obj{{"options", opts}, {"_type", "Select"}}
	} else {
		input = optKV(rng, obj{}, 0.7, "placeholder", "e.g. "+pick(rng, attrValues))
		input = append(input, kv{"_type", "Text"})
	}
	created := startMs - int64(10+rng.IntN(400))*dayMs - rng.Int64N(dayMs)
	o := obj{{"id", x.id}, {"entityType", x.entity}, {"identifier", x.identifier}, {"label", x.label}, {"inputDefinition", input}}
	o = optKV(rng, o, 0.6, "description", "Attribute "+x.label+" <used in reports>")
	o = append(o, kv{"createdAt", gmtTime(created)})
	o = optKV(rng, o, 0.7, "updatedAt", gmtTime(created+rng.Int64N(5*dayMs)))
	return append(o, kv{"isRequired", i%4 == 0}, kv{"isArchived", x.identifier == "legacy_ref"}, kv{"isDeactivated", x.identifier == "région"})
}

// optKV appends k: v to o with probability p; otherwise k is absent, or
// (one time in five) null.
func optKV(rng *rand.Rand, o obj, p float64, k string, v any) obj {
	switch {
	case chance(rng, p):
		return append(o, kv{k, v})
	case chance(rng, 0.2):
		return append(o, kv{k, nil})
	}
	return o
}

// pickDistinct returns k distinct elements of list (all if k >= len).
func pickDistinct[T any](rng *rand.Rand, list []T, k int) []T {
	perm := rng.Perm(len(list))
	out := make([]T, 0, min(k, len(list)))
	for _, i := range perm[:min(k, len(list))] {
		out = append(out, list[i])
	}
	return out
}

// dataBody returns {"data":items}.
func dataBody(items []any) []byte {
	if items == nil {
		items = []any{}
	}
	b := appendValue([]byte(`{"data":`), items)
	return append(b, "}\n"...)
}

// plainTime writes ms as Dixa writes agents' createdAt: whole seconds, Z.
func plainTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05") + "Z"
}

// gmtTime writes ms as Dixa writes Java ZonedDateTimes: the fraction of a
// second without trailing zeros (none at all on a whole second), "Z" and
// the zone id "[GMT]", e.g. 2024-01-05T10:11:12.345Z[GMT].
func gmtTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.999") + "Z[GMT]"
}

// truthSorted returns [{"id":..},...] for list, sorted by id.
func truthSorted[T any](list []T, id func(T) string) []byte {
	ids := make([]string, len(list))
	for i, x := range list {
		ids[i] = id(x)
	}
	slices.Sort(ids)
	return truthIDs(ids, func(s string) string { return s })
}

// truthIDs returns [{"id":..},...] for list, in its order.
func truthIDs[T any](list []T, id func(T) string) []byte {
	items := make([]any, len(list))
	for i, x := range list {
		items[i] = obj{{"id", id(x)}}
	}
	return append(appendValue(nil, items), '\n')
}

// truthPairs returns [{ka:..,kb:..},...] for list, in its order.
func truthPairs[T any](list []T, ka, kb string, f func(T) (string, string)) []byte {
	items := make([]any, len(list))
	for i, x := range list {
		va, vb := f(x)
		items[i] = obj{{ka, va}, {kb, vb}}
	}
	return append(appendValue(nil, items), '\n')
}
