package dixamock

// The conversation flows, contact endpoints and organization of the Dixa
// API's reference endpoints (see api_reference.go).

import (
	"encoding/json"
	"fmt"
	"strings"
)

// flowChannels are the values GET /v1/conversations/flows accepts for
// channel (the spec's list; its response enum adds Twitter and Sms, which
// the endpoint refuses).
var flowChannels = []string{"WhatsApp", "Voicemail", "WidgetChat", "FacebookMessenger", "Email", "ContactForm", "Callback", "PstnPhone", "Messenger"}

// The names the contact endpoints, flows and organization are drawn from.
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
	flowNames = []string{"After hours 🌙", "Kundeservice – hovedlinje", "VIP <direct>", "チャット受付", "Returns & exchanges", "\"Priority\" routing", "Nachtschicht", "Overflow to Tier 2"}
	orgNames  = []string{"Dixa Mock ApS", "Butik Ærø A/S", "株式会社モック", "Shop & Co. <EU>"}
)

// contactEndpoint is an EmailEndpoint or a TelephonyEndpoint.
type contactEndpoint struct {
	id    string // the address or number
	email bool
	o     obj
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
