package dixamock

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// GET /v1/conversations/{csid}/messages answers, for each conversation of
// New, {"data":[Message]} in one response, oldest first (then as the
// export orders them): Message = {id, authorId, externalId (sometimes
// absent), createdAt ("...Z[GMT]"), attributes}. The messages are those of
// the conversation's message_export records (same ids, times, directions
// and text; authorId is the requester for inbound messages, else the agent
// the author's e-mail names or the assignee), plus, for phone calls, a
// CallRecordingAttributes message for a recording or voicemail and
// sometimes TranscriptAttributes utterances. attributes is one of Dixa's 12
// variants, chosen by the conversation's channel:
//
//	email                      EmailAttributes (emailContent Regular, or TooLarge when too long or without text)
//	contactform                ContactFormAttributes, or EmailAttributes for some conversations (a webform)
//	widgetchat, messenger      ChatAttributes; MessengerFormAttributes for a message with a form submission
//	sms, whatsapp, facebookmessenger, twitter
//	                           SmsAttributes, WhatsAppAttributes, FacebookMessengerAttributes, TwitterAttributes;
//	                           GenericAttributes for some messages
//	pstnphone, callback, voicemail
//	                           PhoneAttributes (from, to: strings, or sometimes a number as in Dixa's example),
//	                           then CallRecordingAttributes and TranscriptAttributes as above
//
// The keys of each variant follow Dixa's examples
// (examples/conversations_conversationId_messages--*.json); Twitter and
// Transcript, which have none, follow the schema. The truth is
// /_truth/conversation_messages: [{"conversation_id":N,"id":".."}] by
// conversation id, then id.

// messageData is the served messages, built once.
type messageData struct {
	bodies map[string][]byte // conversation id text -> {"data":[...]}
	truth  []byte
}

// apiMessage is one served message.
type apiMessage struct {
	at  int64
	id  string
	obj obj
}

// filesBase is where the mock's message files live.
const filesBase = "https://files.dixa-mock.example/private"

var transcriptLines = []string{
	"Hello, you're speaking with support.", "Hej, jeg ringer om min ordre.", "Can you spell the order number?",
	"Ja, det er 4-5-1.", "Thank you, one moment please…", "ご確認ありがとうございます。", "Is there anything else?",
}

// messages returns the served messages, building them on first use.
func (f *fanout) messages() *messageData {
	f.msgOnce.Do(func() {
		cf := f.convFacts()
		md := &messageData{bodies: make(map[string][]byte, len(cf.convs))}
		type key struct {
			conv int64
			id   string
		}
		var keys []key
		for i := range cf.convs {
			c := &cf.convs[i]
			msgs := f.convMessages(cf, c)
			items := make([]any, len(msgs))
			for j, m := range msgs {
				items[j] = m.obj
				keys = append(keys, key{c.ID, m.id})
			}
			md.bodies[strconv.FormatInt(c.ID, 10)] = dataBody(items)
		}
		slices.SortFunc(keys, func(x, y key) int { return cmp.Or(cmp.Compare(x.conv, y.conv), cmp.Compare(x.id, y.id)) })
		items := make([]any, len(keys))
		for i, k := range keys {
			items[i] = obj{{"conversation_id", k.conv}, {"id", k.id}}
		}
		md.truth = append(appendValue(nil, items), '\n')
		f.msgs = md
	})
	return f.msgs
}

// handleMessages serves GET /v1/conversations/{csid}/messages; only the
// conversations of New are routed here.
func (f *fanout) handleMessages(w http.ResponseWriter, r *http.Request) {
	body, ok := f.messages().bodies[csidOf(r.URL.Path)]
	if !ok {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	singleList(body)(w, r)
}

// convMessages returns the messages of c, oldest first.
func (f *fanout) convMessages(cf *convFacts, c *convFact) []apiMessage {
	crng := f.rngFor("conversation " + strconv.FormatInt(c.ID, 10))
	webform := chance(crng, 0.4) // a contact form conversation from a webform: EmailAttributes
	address := cf.addressOf(c)
	agent := cf.agentOf(crng, c)
	var out []apiMessage
	for _, m := range c.msgs {
		rng := f.rngFor(m.ID)
		author := cf.author(c, m, agent)
		var attrs obj
		switch c.Channel {
		case "email":
			attrs = cf.emailAttrs(rng, c, m, address, "EmailAttributes")
		case "contactform":
			kind := "ContactFormAttributes"
			if webform {
				kind = "EmailAttributes"
			}
			attrs = cf.emailAttrs(rng, c, m, address, kind)
		case "widgetchat", "messenger":
			if m.Form != nil && len(m.Form.Values) > 0 {
				attrs = formAttrs(rng, m)
			} else {
				attrs = textAttrs(rng, m, "ChatAttributes")
			}
		case "sms", "whatsapp", "facebookmessenger", "twitter":
			kind := map[string]string{"sms": "SmsAttributes", "whatsapp": "WhatsAppAttributes",
				"facebookmessenger": "FacebookMessengerAttributes", "twitter": "TwitterAttributes"}[c.Channel]
			if chance(rng, 0.1) {
				kind = "GenericAttributes"
			}
			attrs = textAttrs(rng, m, kind)
		case "pstnphone", "callback", "voicemail":
			attrs = phoneAttrs(rng, m)
		default:
			attrs = textAttrs(rng, m, "GenericAttributes")
		}
		out = append(out, newAPIMessage(rng, m.ID, author, m.CreatedAt, attrs))
		out = append(out, callExtras(rng, c, m, author, agent)...)
	}
	slices.SortStableFunc(out, func(x, y apiMessage) int { return cmp.Compare(x.at, y.at) })
	return out
}

// newAPIMessage returns a Message.
func newAPIMessage(rng *rand.Rand, id, author string, at int64, attrs obj) apiMessage {
	o := obj{{"id", id}, {"authorId", author}}
	if chance(rng, 0.5) {
		o = append(o, kv{"externalId", strconv.Itoa(10000 + rng.IntN(90000))})
	}
	o = append(o, kv{"createdAt", gmtTime(at)}, kv{"attributes", attrs})
	return apiMessage{at: at, id: id, obj: o}
}

// agentOf returns the agent of c: its assignee, else the author of its
// first outbound message whose e-mail is known, else one drawn.
func (cf *convFacts) agentOf(rng *rand.Rand, c *convFact) string {
	if c.AssigneeID != nil {
		return *c.AssigneeID
	}
	for _, m := range c.msgs {
		if m.Direction == "outbound" && m.AuthorEmail != nil {
			if id, ok := cf.byEmail[*m.AuthorEmail]; ok {
				return id
			}
		}
	}
	return pick(rng, cf.agents).id
}

// author returns the authorId of m: the requester for an inbound message,
// else the agent its author's e-mail names, else agent.
func (cf *convFacts) author(c *convFact, m xMessage, agent string) string {
	if m.Direction == "inbound" {
		return c.RequesterID
	}
	if m.AuthorEmail != nil {
		if id, ok := cf.byEmail[*m.AuthorEmail]; ok {
			return id
		}
	}
	return agent
}

// direction returns an export direction as Dixa's API spells it.
func direction(d string) string {
	if d == "" {
		return "Inbound"
	}
	return strings.ToUpper(d[:1]) + d[1:]
}

// content returns a Content: Text, or (html) sometimes Html or Markdown.
func content(rng *rand.Rand, text string, html bool) obj {
	if html {
		switch r := rng.Float64(); {
		case r < 0.4:
			return obj{{"value", "<div>" + text + "</div>"}, {"_type", "Html"}}
		case r < 0.45:
			return obj{{"value", "**" + text + "**"}, {"_type", "Markdown"}}
		}
	}
	return obj{{"value", text}, {"_type", "Text"}}
}

// fileObjs returns the File objects of urls (never null), prettyName
// sometimes absent.
func fileObjs(rng *rand.Rand, urls []string) []any {
	out := []any{}
	for _, u := range urls {
		o := obj{{"url", u}}
		if chance(rng, 0.8) {
			o = append(o, kv{"prettyName", path.Base(u)})
		}
		out = append(out, o)
	}
	return out
}

// emailContacts returns EmailContact objects for addresses, name absent.
func emailContacts(addresses []string) []any {
	out := []any{}
	for _, a := range addresses {
		out = append(out, obj{{"email", a}})
	}
	return out
}

// emailAttrs returns the EmailAttributes or ContactFormAttributes (kind)
// of m; address is the conversation's e-mail integration.
func (cf *convFacts) emailAttrs(rng *rand.Rand, c *convFact, m xMessage, address, kind string) obj {
	var ec obj
	if m.Text == nil || chance(rng, 0.08) {
		ec = obj{{"file", obj{{"url", filesBase + "/email_stripped_content/" + m.ID}, {"prettyName", "Large Email Content"}}}, {"_type", "TooLarge"}}
	} else {
		ec = obj{{"content", content(rng, *m.Text, true)}, {"_type", "Regular"}}
	}
	requester := cf.emailOf(c.RequesterID)
	from, to := requester, []string{address}
	if m.Direction == "outbound" {
		from, to = address, []string{requester}
	}
	if m.From != nil {
		from = *m.From
	}
	var exportTo any
	if err := json.Unmarshal(m.To, &exportTo); err == nil {
		switch v := exportTo.(type) {
		case string:
			to = []string{v}
		case []any:
			to = to[:0]
			for _, x := range v {
				if s, ok := x.(string); ok {
					to = append(to, s)
				}
			}
		}
	}
	fromObj := obj{{"email", from}}
	if m.AuthorName != nil && chance(rng, 0.7) {
		fromObj = append(fromObj, kv{"name", *m.AuthorName})
	}
	toList := emailContacts(to)
	if len(toList) > 0 && chance(rng, 0.5) {
		toList[0] = append(toList[0].(obj), kv{"name", pick(rng, []string{"Support", "Kundeservice", "Some One", "Zoë Müller"})})
	}
	a := obj{{"emailContent", ec}, {"from", fromObj}}
	if kind == "ContactFormAttributes" {
		a = append(a, kv{"replyDefaultToEmails", []any{obj{{"email", address}, {"name", "Support"}}}})
	}
	a = append(a, kv{"to", toList}, kv{"cc", emailContacts(m.Cc)}, kv{"bcc", emailContacts(m.Bcc)},
		kv{"isAutoReply", m.Automated != nil && *m.Automated})
	inline := []any{}
	if chance(rng, 0.1) {
		inline = fileObjs(rng, []string{filesBase + "/inline/" + m.ID + "/image001.png"})
	}
	a = append(a, kv{"inlineImages", inline}, kv{"attachments", fileObjs(rng, m.Files)})
	if m.Direction == "outbound" && chance(rng, 0.05) {
		a = append(a, kv{"deliveryFailureReason", "550 5.1.1 Recipient address rejected: mailbox unavailable"})
	}
	a = append(a, kv{"direction", direction(m.Direction)})
	if chance(rng, orP(kind == "EmailAttributes", 0.75, 0.25)) {
		a = append(a, kv{"originalContentUrl", obj{{"url", filesBase + "/email_original_data/" + m.ID}}})
	}
	return append(a, kv{"_type", kind})
}

// emailOf returns the e-mail address of the person id.
func (cf *convFacts) emailOf(id string) string {
	if e, ok := cf.emailByID[id]; ok {
		return e
	}
	return "unknown@kunde.example"
}

// textAttrs returns the attributes of a text message of kind
// (ChatAttributes, SmsAttributes, ..., GenericAttributes).
func textAttrs(rng *rand.Rand, m xMessage, kind string) obj {
	a := obj{}
	if m.Text != nil {
		a = append(a, kv{"content", content(rng, *m.Text, false)})
	}
	a = append(a, kv{"direction", direction(m.Direction)}, kv{"attachments", fileObjs(rng, m.Files)})
	if kind == "ChatAttributes" {
		a = append(a, kv{"isAutomated", m.Automated != nil && *m.Automated})
	}
	return append(a, kv{"_type", kind})
}

// formAttrs returns the MessengerFormAttributes of m: its form's values
// (strings, and sometimes a list as Dixa's example has), and the form as
// Html, with the backslashes of Dixa's example.
func formAttrs(rng *rand.Rand, m xMessage) obj {
	keys := slices.Sorted(maps.Keys(m.Form.Values))
	values := obj{}
	var html strings.Builder
	html.WriteString(`<form class=\"dixa-custom-form-submission\"><fieldset><legend class=\"dixa-custom-form-title\">Kontakt & retur</legend> `)
	field := func(label, value string) {
		fmt.Fprintf(&html, `<div class=\"dixa-custom-form-field\"><label class=\"dixa-custom-form-field-label\">%s<br/></label>\n<div class=\"dixa-custom-form-field-value\">%s</div></div>`, label, value)
	}
	for _, k := range keys {
		values = append(values, kv{k, m.Form.Values[k]})
		field(k, m.Form.Values[k])
	}
	if chance(rng, 0.5) {
		interests := pickDistinct(rng, []string{"Product A", "Product B", "Retur", "Größe"}, 1+rng.IntN(2))
		values = append(values, kv{"Interests", interests})
		field("Interests", strings.Join(interests, ", "))
	}
	html.WriteString("</fieldset></form>")
	return obj{{"formSubmission", obj{{"values", values}}}, {"direction", direction(m.Direction)},
		{"content", obj{{"value", html.String()}, {"_type", "Html"}}}, {"_type", "MessengerFormAttributes"}}
}

// phoneAttrs returns the PhoneAttributes of m; to is sometimes a number.
func phoneAttrs(rng *rand.Rand, m xMessage) obj {
	from, to := "+4500000000", "+4500000001"
	if m.FromPhone != nil {
		from = *m.FromPhone
	}
	if m.ToPhone != nil {
		to = *m.ToPhone
	}
	var toV any = to
	if n, err := strconv.ParseInt(strings.TrimPrefix(to, "+"), 10, 64); err == nil && chance(rng, 0.15) {
		toV = n // as in Dixa's phone example
	}
	a := obj{{"from", from}, {"to", toV}, {"direction", direction(m.Direction)}}
	if m.Duration != nil {
		a = append(a, kv{"duration", *m.Duration})
	}
	return append(a, kv{"_type", "PhoneAttributes"})
}

// callExtras returns the messages a phone call m adds: a
// CallRecordingAttributes for its recording or voicemail, and sometimes
// TranscriptAttributes utterances of a recorded call.
func callExtras(rng *rand.Rand, c *convFact, m xMessage, author, agent string) []apiMessage {
	rec := m.RecordingURL
	if rec == nil {
		rec = m.VoicemailURL
	}
	if rec == nil {
		return nil
	}
	dur := int64(30)
	if m.Duration != nil {
		dur = max(*m.Duration, 1)
	}
	a := obj{}
	if chance(rng, 0.9) {
		a = append(a, kv{"duration", dur})
	}
	a = append(a, kv{"recording", *rec}, kv{"_type", "CallRecordingAttributes"})
	out := []apiMessage{newAPIMessage(rng, uuid(rng), author, m.CreatedAt+dur*1000, a)}
	if m.RecordingURL == nil || !chance(rng, 0.5) {
		return out
	}
	start := int64(0)
	inbound := m.Direction == "inbound"
	for range 2 + rng.IntN(3) {
		end := start + 500 + rng.Int64N(min(max(dur*1000/4, 1), 15000))
		who, dir := agent, "Outbound"
		if inbound {
			who, dir = c.RequesterID, "Inbound"
		}
		t := obj{{"content", obj{{"value", pick(rng, transcriptLines)}, {"_type", "Text"}}},
			{"utterance_start_ms", start}, {"utterance_end_ms", end}, {"direction", dir}, {"_type", "TranscriptAttributes"}}
		out = append(out, newAPIMessage(rng, uuid(rng), who, m.CreatedAt+start, t))
		start, inbound = end+rng.Int64N(1500), !inbound
	}
	return out
}
