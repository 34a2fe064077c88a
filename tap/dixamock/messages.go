package dixamock

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// genMessage draws the seq-th message of conversation csid, created at at.
// Channel-specific fields (phone, e-mail, chat) are filled according to the
// conversation's channel and null otherwise; a few optional fields are
// sometimes absent altogether, as they can be in the real export.
func genMessage(rng *rand.Rand, p *pools, csid, at int64, channel string, user, agent person, seq int) record {
	id := uuid(rng)
	phoneLike := channel == "pstnphone" || channel == "callback" || channel == "voicemail"
	isEmail := channel == "email"
	isChat := channel == "widgetchat"

	direction, author := "inbound", user
	if seq%2 == 1 || chance(rng, 0.1) {
		direction, author = "outbound", agent
	}
	var to any
	if isEmail {
		other := user.email
		if direction == "inbound" {
			other = pick(rng, p.emails).name
		}
		if chance(rng, 0.5) {
			to = other
		} else {
			to = []string{other, fmt.Sprintf("copy%d@kunde.example", rng.IntN(10))}[:1+rng.IntN(2)]
		}
	}
	from := user.email
	if direction == "outbound" {
		from = pick(rng, p.emails).name
	}
	fromPhone, toPhone := user.phone, agent.phone
	if direction == "outbound" {
		fromPhone, toPhone = toPhone, fromPhone
	}
	text := fmt.Sprintf(pick(rng, messageTexts), csid%100000)

	m := obj{
		{"id", id},
		{"csid", csid},
		{"created_at", at},
		{"initial_channel", maybe(rng, 0.98, channel)},
		{"author_name", maybe(rng, 0.9, author.name)},
		{"author_email", maybe(rng, 0.8, author.email)},
		{"direction", direction},
		{"text", maybe(rng, orP(phoneLike, 0.2, 0.95), text)},
		{"from_phone_number", maybe(rng, orP(phoneLike, 1, 0), fromPhone)},
		{"to_phone_number", maybe(rng, orP(phoneLike, 1, 0), toPhone)},
		{"duration", maybe(rng, orP(phoneLike, 0.9, 0), int64(rng.IntN(1800)))},
		{"recording_url", maybe(rng, orP(channel == "pstnphone", 0.7, 0), "https://files.dixa-mock.example/recordings/"+id+".mp3")},
		{"voicemail_url", maybe(rng, orP(channel == "voicemail", 1, 0), "https://files.dixa-mock.example/voicemail/"+id+".wav")},
		{"to", to},
		{"from", maybe(rng, orP(isEmail, 1, 0), from)},
		{"cc", maybe(rng, orP(isEmail, 0.7, 0), addresses(rng, "cc"))},
		{"bcc", maybe(rng, orP(isEmail, 0.5, 0), addresses(rng, "bcc"))},
		{"attached_files", attachments(rng, id)},
		{"is_automated_message", maybe(rng, 0.95, chance(rng, 0.1))},
	}
	if isChat || chance(rng, 0.5) {
		m = append(m,
			kv{"chat_input_question", maybe(rng, orP(isChat, 0.6, 0), pick(rng, chatQs))},
			kv{"chat_input_answer", maybe(rng, orP(isChat, 0.6, 0), pick(rng, chatAs))},
			kv{"chat_menu_text", maybe(rng, orP(isChat, 0.5, 0), pick(rng, chatMenus))},
		)
	}
	switch r := rng.Float64(); {
	case r < 0.2:
		order := strconv.Itoa(100 + rng.IntN(900))
		m = append(m, kv{"form_submission", obj{{"values", obj{{"order", order}, {"comment", "Størrelse <XL> & farve 🎨"}}}}})
	case r < 0.4:
		m = append(m, kv{"form_submission", nil})
	}
	return record{at: at, id: id, json: appendValue(nil, m)}
}

// addresses returns zero to two e-mail addresses.
func addresses(rng *rand.Rand, kind string) []string {
	out := make([]string, rng.IntN(3))
	for i := range out {
		out[i] = fmt.Sprintf("%s%d@firma.example", kind, rng.IntN(50))
	}
	return out
}

// attachments returns null, an empty list or a few file URLs.
func attachments(rng *rand.Rand, msgID string) any {
	switch r := rng.Float64(); {
	case r < 0.2:
		return nil
	case r < 0.8:
		return []string{}
	}
	out := make([]string, 1+rng.IntN(2))
	for i := range out {
		out[i] = fmt.Sprintf("https://files.dixa-mock.example/attachments/%s/faktura-%d-é.pdf", msgID, i+1)
	}
	return out
}
