package dixamock

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
)

// Word lists the generator draws from. Several entries deliberately carry
// non-ASCII text, emoji, quotes, backslashes, control characters and
// HTML-significant characters so that clients are exercised on UTF-8 and on
// not escaping HTML.
var (
	firstNames = []string{
		"Anna", "Zoë", "José", "Ólafur", "Søren", "Mette", "山田", "Ahmed", "Chloé",
		"Björk", "Łukasz", "Nguyễn", "Priya", "O'Brien", "Émile", "Sam 🙂",
	}
	lastNames = []string{
		"Jensen", "Müller", "Ångström", "太郎", "Þórsson", "García", "Kowalski",
		"Smith", "Dubois", "\"Bobby\" Tables", "Lee", "Nielsen",
	}
	subjects = []string{
		"Order #%d <b>&</b> refund",
		"配送について (order %d)",
		"Café crème ☕ not delivered — ticket %d",
		"Re: Invoice 2024/%d",
		"Help!!! 😡 package %d is lost",
		"Question about <script>alert(%d)</script>",
		"Änderung der Adresse %d",
		"Line one\nline two %d\ttabbed",
		"Back\\slash and \"quotes\" %d",
		"Rückerstattung & Umtausch #%d",
	}
	messageTexts = []string{
		"Hi, I have a question about my order %d.",
		"Hej! Tak for hjælpen 👍 (%d)",
		"<p>Hello <b>there</b> &amp; welcome</p> %d",
		"ご注文ありがとうございます。番号 %d",
		"Please see the attached invoice %d & confirm.",
		"Bonjour, où est mon colis ? %d",
		"Multi\nline\r\nmessage %d with\ttab",
		"Emoji test 🎉🚀✨ %d",
		"Price is 5 < 7 > 3 %d",
	}
	wrapupNotes = []string{
		"Customer was happy 😊", "Escalated to <b>2nd line</b> & finance",
		"Refund issued – 29,95 €", "客户需要回电", "Follow up tomorrow",
	}
	ratingMessages = []string{
		"Great service!", "Très bien 👍", "Slow <i>response</i> & rude", "とても良い", "",
	}
	countries  = []string{"DK", "SE", "NO", "DE", "FR", "US", "GB", "JP", "ES"}
	languages  = []string{"en", "da", "sv", "de", "fr", "ja"}
	channels   = []string{"email", "widgetchat", "pstnphone", "sms", "whatsapp", "facebookmessenger", "contactform", "callback", "voicemail", "twitter", "messenger"}
	chanWeight = []int{30, 25, 15, 5, 5, 5, 5, 3, 3, 2, 2}
	statuses   = []string{"closed", "closed", "closed", "open", "pending"}
	tagNames   = []string{"vip", "refund", "bug", "<urgent>", "fraktskade", "請求", "feedback 💬", "b2b", "newsletter", "churn-risk"}
	queueNames = []string{"Support", "Sales & Billing", "Kundeservice", "日本語サポート", "VIP <priority>", "Returns"}
	attrIdents = []string{"order_number", "product_line", "priority", "country_of_purchase", "topics"}
	attrTypes  = []string{"Text", "Select", "Select", "Text", "Select"}
	attrValues = []string{"A-1001", "Shoes", "High", "Danmark", "Billing", "Returns", "Été 2024", "<none>"}
	chatQs     = []string{"How can we help?", "What is your order number?", "Hvad drejer det sig om?"}
	chatAs     = []string{"None of the above", "Order status", "Retur & refusion", "その他"}
	chatMenus  = []string{"Please input your order number.", "Choose a topic 👇", "Vælg et emne"}
)

// person is an agent or an end user.
type person struct {
	id, name, email, phone string
}

// named is a queue, widget, tag, phone number or integration: an id and a
// display name.
type named struct {
	id, name string
}

// pools holds the entities that many conversations refer to, so that the
// same agent or queue appears with the same id and name throughout.
type pools struct {
	agents, users                          []person
	queues, widgets, tags, numbers, emails []named
	fbPages, attrs                         []named
}

// newPools draws the shared entities from rng. users is the number of end
// users to create.
func newPools(rng *rand.Rand, users int) *pools {
	p := &pools{}
	for i := range 20 {
		p.agents = append(p.agents, newPerson(rng, i, "agent", "dixa-mock.example"))
	}
	for i := range max(users, 1) {
		p.users = append(p.users, newPerson(rng, i, "user", "kunde.example"))
	}
	for _, q := range queueNames {
		p.queues = append(p.queues, named{uuid(rng), q})
	}
	for i := range 4 {
		p.widgets = append(p.widgets, named{uuid(rng), fmt.Sprintf("Chat widget %d – Web", i+1)})
	}
	for _, t := range tagNames {
		p.tags = append(p.tags, named{uuid(rng), t})
	}
	for i := range 5 {
		p.numbers = append(p.numbers, named{uuid(rng), fmt.Sprintf("+45 70 %02d %02d %02d (Hotline %d)", rng.IntN(100), rng.IntN(100), rng.IntN(100), i+1)})
	}
	for i, n := range []string{"support@shop.example", "billing@shop.example", "hej@butik.example"} {
		p.emails = append(p.emails, named{fmt.Sprintf("integration-%d-%s", i+1, uuid(rng)[:8]), n})
	}
	for i, n := range []string{"Shop Facebook", "Butik DK ❤"} {
		p.fbPages = append(p.fbPages, named{fmt.Sprintf("10%013d", 1000+i*7+rng.IntN(7)), n})
	}
	for _, a := range attrIdents {
		p.attrs = append(p.attrs, named{uuid(rng), a})
	}
	return p
}

// newPerson draws a person; kind and domain shape the e-mail address.
func newPerson(rng *rand.Rand, i int, kind, domain string) person {
	name := pick(rng, firstNames) + " " + pick(rng, lastNames)
	return person{
		id:    uuid(rng),
		name:  name,
		email: fmt.Sprintf("%s%d@%s", kind, i+1, domain),
		phone: fmt.Sprintf("+45%08d", 20000000+rng.IntN(80000000)),
	}
}

// pick returns a uniformly chosen element of list.
func pick[T any](rng *rand.Rand, list []T) T {
	return list[rng.IntN(len(list))]
}

// weighted returns an element of list chosen with the given weights.
func weighted(rng *rand.Rand, list []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return list[i]
		}
		n -= w
	}
	return list[len(list)-1]
}

// chance reports true with probability p.
func chance(rng *rand.Rand, p float64) bool {
	return rng.Float64() < p
}

// uuid returns a random version-4 UUID in canonical lower-case form.
func uuid(rng *rand.Rand) string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], rng.Uint64())
	binary.BigEndian.PutUint64(raw[8:], rng.Uint64())
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], raw[0:4])
	hex.Encode(out[9:13], raw[4:6])
	hex.Encode(out[14:18], raw[6:8])
	hex.Encode(out[19:23], raw[8:10])
	hex.Encode(out[24:], raw[10:])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}
