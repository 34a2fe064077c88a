package dixamock

// The data of the analytics endpoints (see api_analytics.go): the record
// types of the catalogue, and the records and filter values derived from
// the conversations.

import (
	"cmp"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
