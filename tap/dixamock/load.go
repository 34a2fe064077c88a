package dixamock

// This file is the load mode of the mock, for benchmarks: with
// [Options].LoadMessages = N > 0,
//
//	GET /v1/message_export       answers, for any valid window, the ones of N
//	                             synthetic messages whose created_at the
//	                             window selects; their created_at are spread
//	                             evenly over [Start, End)
//	GET /v1/conversation_export  answers [] at once
//	GET /_truth/messages         {"count":C,"bytes":B}: how many messages the
//	                             window [after, before) holds (all N without
//	                             parameters) and the size of the export body
//	                             that answers exactly them; no id list, as N
//	                             can be millions
//	GET /_truth/conversations    []
//
// The messages are about 1 KB each (1 KiB on average) and are never held in
// memory: message i is written, while the body streams, from one of a few
// dozen pre-encoded templates (realistic mail and chat text: UTF-8, emoji,
// HTML-significant characters, escaped newlines) with its own id (a UUID,
// distinct for every i), csid (three messages a conversation; every
// hundredth above 2^53) and created_at. Every message is valid for
// schemas/messages.json, and `to` is always a list or null, so that
// tap-dixa 1.0.x's narrower schema accepts them too. The body goes out in
// ascending created_at order with a Content-Length, through a 1 MiB buffer:
// several hundred MB/s on one core, so the mock is not what a benchmark
// measures.
//
// Authentication, the rate limits, parameter validation (31 days at most),
// injected faults and /_stats work as for the generated data. The generated
// data (Options.Conversations) still back the Dixa API surface; messages
// added by POST /_admin/add are not served by message_export in load mode.

import (
	"bufio"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// loadStream is the PCG stream of the load templates.
const loadStream uint64 = 0x10ad_0000_0000_0000

// loadTemplates is the number of pre-encoded message templates.
const loadTemplates = 64

// loadRecordPrefix and loadCSIDKey frame the per-message fields; every
// template holds the rest of a message, from ,"initial_channel" to }.
const (
	loadIDKey      = `{"id":"`
	loadCSIDKey    = `","csid":`
	loadCreatedKey = `,"created_at":`
)

// loadGen writes the synthetic messages of load mode. It is immutable and
// safe for concurrent use.
type loadGen struct {
	n     uint64   // number of messages
	start int64    // created_at of message 0, Unix ms
	span  uint64   // created_at lies in [start, start+span)
	seed  uint64   // mixed into ids and template choice
	tails [][]byte // pre-encoded message ends: `,"initial_channel":...}`
}

// newLoadGen returns the generator of opts.LoadMessages messages, which
// must be positive.
func newLoadGen(opts Options) *loadGen {
	s, e := ceilMs(opts.Start), ceilMs(opts.End)
	g := &loadGen{n: uint64(opts.LoadMessages), start: s, span: uint64(e - s), seed: mix64(uint64(opts.Seed) ^ loadStream)}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), loadStream))
	p := newPools(rng, 200)
	for range loadTemplates {
		g.tails = append(g.tails, loadTail(rng, p))
	}
	return g
}

// at returns the created_at of message i: start + floor(i*span/n), so
// created_at never decreases with i.
func (g *loadGen) at(i uint64) int64 {
	hi, lo := bits.Mul64(i, g.span)
	q, _ := bits.Div64(hi, lo, g.n) // hi < n since i < n
	return g.start + int64(q)
}

// csid returns the conversation id of message i: three messages a
// conversation, and every hundredth message's conversation above 2^53.
func (g *loadGen) csid(i uint64) int64 {
	if i%100 == 99 {
		return bigIDBase + 2*int64(i/100)
	}
	return 1000 + int64(i/3)
}

// tail returns the template of message i.
func (g *loadGen) tail(i uint64) []byte {
	return g.tails[mix64(i^g.seed)%uint64(len(g.tails))]
}

// indexRange returns the messages [lo, hi) that the export filters after
// and before select, with the server's inclusivity.
func (g *loadGen) indexRange(after, before int64, afterIncl, beforeIncl bool) (lo, hi uint64) {
	first := func(pred func(at int64) bool) uint64 {
		return uint64(sort.Search(int(g.n), func(i int) bool { return pred(g.at(uint64(i))) }))
	}
	lo = first(func(at int64) bool {
		if afterIncl {
			return at >= after
		}
		return at > after
	})
	hi = first(func(at int64) bool {
		if beforeIncl {
			return at > before
		}
		return at >= before
	})
	return lo, max(lo, hi)
}

// bodyLen returns the length of the export body of messages [lo, hi):
// "[", the messages separated by commas, "]\n".
func (g *loadGen) bodyLen(lo, hi uint64) int64 {
	const fixed = len(loadIDKey) + 36 + len(loadCSIDKey) + len(loadCreatedKey)
	n := 3 + max(int64(hi-lo)-1, 0)
	for i := lo; i < hi; i++ {
		n += int64(fixed + decimalLen(g.csid(i)) + decimalLen(g.at(i)) + len(g.tail(i)))
	}
	return n
}

// appendMessage appends message i to b.
func (g *loadGen) appendMessage(b []byte, i uint64) []byte {
	b = append(b, loadIDKey...)
	b = appendLoadUUID(b, g.seed, i)
	b = append(b, loadCSIDKey...)
	b = strconv.AppendInt(b, g.csid(i), 10)
	b = append(b, loadCreatedKey...)
	b = strconv.AppendInt(b, g.at(i), 10)
	return append(b, g.tail(i)...)
}

// serveLoad answers an export request in load mode, after the checks of
// exportHandler: the messages of [after, before] for message_export, [] for
// conversation_export. fault and frng are the request's injected fault
// (none, FaultTruncate or FaultSlow at this point) and its generator.
func (s *Server) serveLoad(w http.ResponseWriter, r *http.Request, ep exportEndpoint, after, before int64, fault string, frng *rand.Rand) {
	g := s.load
	var lo, hi uint64
	if ep.name == MessageExport {
		lo, hi = g.indexRange(after, before, s.opts.AfterInclusive, s.opts.BeforeInclusive)
	}
	if fault != "" {
		s.countFault(fault)
	}
	if fault != FaultTruncate {
		s.count(func(st *Stats) { st.OK[ep.name]++ })
	}
	size := g.bodyLen(lo, hi)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(s.faultyBody(w, r, fault, frng, size-1), 1<<20)
	_ = bw.WriteByte('[')
	for i := lo; i < hi; i++ {
		b := bw.AvailableBuffer()
		if i > lo {
			b = append(b, ',')
		}
		if _, err := bw.Write(g.appendMessage(b, i)); err != nil {
			return // the client went away
		}
	}
	_, _ = bw.WriteString("]\n")
	_ = bw.Flush()
}

// installLoad switches s to load mode (see the top of this file). New calls
// it after the other routes are installed when Options.LoadMessages > 0.
func (s *Server) installLoad() {
	s.load = newLoadGen(s.opts)
	s.routes["/_truth/messages"] = route{http.MethodGet, nil, s.handleLoadTruth}
	s.routes["/_truth/conversations"] = route{http.MethodGet, nil, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[]\n"))
	}}
}

// handleLoadTruth serves GET /_truth/messages[?after=MS&before=MS] in load
// mode: {"count":C,"bytes":B} for the messages with created_at in
// [after, before).
func (s *Server) handleLoadTruth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, before := int64(math.MinInt64), int64(math.MaxInt64)
	if err := optionalTimes(q, "after", &after, "before", &before); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid query parameters: "+err.Error())
		return
	}
	lo, hi := s.load.indexRange(after, before, true, false)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, "{\"count\":%d,\"bytes\":%d}\n", hi-lo, s.load.bodyLen(lo, hi))
}

// LoadTruth returns, in load mode, the number of messages with created_at
// in [after, before) and the size in bytes of the export body of exactly
// them; it panics if the server is not in load mode.
func (s *Server) LoadTruth(after, before int64) (count, bytes int64) {
	lo, hi := s.load.indexRange(after, before, true, false)
	return int64(hi - lo), s.load.bodyLen(lo, hi)
}

// loadTail draws one message template and returns its encoding from
// ,"initial_channel" to the closing brace. Its fields are those of
// genMessage, with a longer text: the whole record, id, csid and
// created_at included, is 0.5 to 1.6 KB, 1 KiB on average.
func loadTail(rng *rand.Rand, p *pools) []byte {
	channel := weighted(rng, channels, chanWeight)
	user, agent := pick(rng, p.users), pick(rng, p.agents)
	phoneLike := channel == "pstnphone" || channel == "callback" || channel == "voicemail"
	isEmail, isChat := channel == "email", channel == "widgetchat"
	direction, author := "inbound", user
	if chance(rng, 0.4) {
		direction, author = "outbound", agent
	}
	var to any
	if isEmail {
		to = []string{pick(rng, p.emails).name, "copy@kunde.example"}[:1+rng.IntN(2)]
	}
	fromPhone, toPhone := user.phone, agent.phone
	if direction == "outbound" {
		fromPhone, toPhone = toPhone, fromPhone
	}
	fileID := uuid(rng)
	m := obj{
		{"initial_channel", channel},
		{"author_name", maybe(rng, 0.9, author.name)},
		{"author_email", maybe(rng, 0.8, author.email)},
		{"direction", direction},
		{"text", nil}, // filled below
		{"from_phone_number", maybe(rng, orP(phoneLike, 1, 0), fromPhone)},
		{"to_phone_number", maybe(rng, orP(phoneLike, 1, 0), toPhone)},
		{"duration", maybe(rng, orP(phoneLike, 0.9, 0), int64(rng.IntN(1800)))},
		{"recording_url", maybe(rng, orP(channel == "pstnphone", 0.7, 0), "https://files.dixa-mock.example/recordings/"+fileID+".mp3")},
		{"voicemail_url", maybe(rng, orP(channel == "voicemail", 1, 0), "https://files.dixa-mock.example/voicemail/"+fileID+".wav")},
		{"to", to},
		{"from", maybe(rng, orP(isEmail, 1, 0), user.email)},
		{"cc", maybe(rng, orP(isEmail, 0.7, 0), addresses(rng, "cc"))},
		{"bcc", maybe(rng, orP(isEmail, 0.5, 0), addresses(rng, "bcc"))},
		{"attached_files", attachments(rng, fileID)},
		{"is_automated_message", maybe(rng, 0.95, chance(rng, 0.1))},
	}
	if isChat || chance(rng, 0.3) {
		m = append(m,
			kv{"chat_input_question", maybe(rng, orP(isChat, 0.6, 0), pick(rng, chatQs))},
			kv{"chat_input_answer", maybe(rng, orP(isChat, 0.6, 0), pick(rng, chatAs))},
			kv{"chat_menu_text", maybe(rng, orP(isChat, 0.5, 0), pick(rng, chatMenus))},
		)
	}
	if chance(rng, 0.2) {
		m = append(m, kv{"form_submission", obj{{"values", obj{{"order", strconv.Itoa(100 + rng.IntN(900))}, {"comment", "Størrelse <XL> & farve 🎨"}}}}})
	}
	// The per-message head: {"id":"<uuid>","csid":<~7 digits>,"created_at":<13 digits>
	const head = len(loadIDKey) + 36 + len(loadCSIDKey) + 7 + len(loadCreatedKey) + 13
	if !phoneLike || chance(rng, 0.2) {
		target := 815 + rng.IntN(500) // with the phone messages without text, 1 KiB on average
		text := strings.Builder{}
		for enc := appendValue(nil, m); head+len(enc)-1+text.Len() < target; {
			if text.Len() > 0 {
				text.WriteString(pick(rng, []string{"\n\n", "\n", " ", "<br>"}))
			}
			fmt.Fprintf(&text, pick(rng, loadParagraphs), 1000+rng.IntN(9000))
		}
		m[4].v = text.String()
	}
	enc := appendValue(nil, m)
	return append([]byte{','}, enc[1:]...)
}

// loadParagraphs are the pieces of the texts of load mode: customer service
// mail and chat, in several languages, with HTML and entities as mail
// clients leave them. %d is an order or ticket number.
var loadParagraphs = []string{
	"Hi there, I ordered a pair of running shoes (order #%d) two weeks ago and the tracking page still says \"label created\". Could you check what is going on?",
	"Hej, jeg har modtaget en forkert størrelse i ordre %d. Kan jeg bytte den til en 42 i stedet, og skal jeg selv betale fragten retur?",
	"<p>Dear customer,</p><p>Thank you for contacting us about order <b>%d</b>. We have issued a refund of 49,95&nbsp;€ to your original payment method.</p>",
	"Guten Tag, die Lieferung %d ist beschädigt angekommen – der Karton war nass & aufgerissen. Fotos anbei.",
	"ご注文番号 %d の商品がまだ届いていません。配送状況を確認していただけますか？よろしくお願いします。",
	"Bonjour, je n'arrive pas à me connecter à mon compte depuis la mise à jour 😕 (ticket %d). Pouvez-vous m'aider ?",
	"Price check: item A costs 5 < 7 and item B > 3, so why was I charged %d kr? See the attached invoice.",
	"> On Monday, Support <support@shop.example> wrote:\n> We have received your request %d and will get back to you within 24 hours.",
	"Tak for din henvendelse 🙏 Vi har sendt en ny pakke (nr. %d) afsted i dag med GLS. Mvh. Kundeservice",
	"Hola, quiero cancelar la suscripción %d antes de la próxima renovación. ¿Es posible obtener un reembolso parcial?",
	"Status: <span class=\"badge\">resolved</span> – customer confirmed that parcel %d arrived. Closing the conversation.",
	"Please don't reply to this automated message. Your case %d has been escalated to our 2nd-line team & you will hear from us soon.",
	"Hei! Jeg lurer på om dere sender til Svalbard? Handlekurven min (%d) sier \"ikke tilgjengelig\".",
	"Vielen Dank für Ihre Geduld 😊 Die Rückerstattung für Bestellung %d wurde heute veranlasst.",
	"Customer wrote via chat:\tOrder %d, size M, colour \"forest green\" – wants to swap for L.",
	"C:\\Users\\kunde\\Downloads\\faktura-%d.pdf won't open, it says the file is damaged.",
}

// appendLoadUUID appends the id of message i: a version-4 UUID whose last
// 56 bits are a bijection of i, so ids are distinct for i < 2^56, and whose
// other random bits depend on i and seed.
func appendLoadUUID(b []byte, seed, i uint64) []byte {
	var raw [16]byte
	hi := mix64(i ^ seed)
	for k := range 8 {
		raw[k] = byte(hi >> (56 - 8*k))
	}
	const mask56 = 1<<56 - 1
	x := ((i ^ seed) * 0x9e3779b97f4a7c15) & mask56 // xor, odd multiplier: bijections mod 2^56
	x ^= x >> 29
	x = (x * 0xbf58476d1ce4e5b9) & mask56
	x ^= x >> 32
	raw[8] = byte(hi >> 3)
	for k := range 7 {
		raw[9+k] = byte(x >> (48 - 8*k))
	}
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	for k, c := range raw {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

// decimalLen returns the number of characters of v in decimal.
func decimalLen(v int64) int {
	n := 1
	if v < 0 {
		n++
		v = -v
	}
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}
