package dixamock

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// bigIDBase is the first conversation id above 2^53 (9007199254740992).
// The big ids are bigIDBase, bigIDBase+2, ...: odd numbers between 2^53 and
// 2^54, none of which a float64 can represent, so a client that decodes ids
// as float64 corrupts every one of them.
const bigIDBase int64 = 9007199254740993

// Stream constants for the PCG generators: one stream for the shared pools
// and one per conversation, so conversations can be generated in parallel
// and still be a pure function of the options.
const (
	poolStream uint64 = 0xd1a0_0000_0000_0001
	convStream uint64 = 0xc0e5_0000_0000_0000
)

// record is one pre-encoded export record.
type record struct {
	at   int64  // replication timestamp, Unix ms
	num  int64  // numeric id (conversations only), for ordering
	id   string // id as its JSON text, without quotes for strings
	json []byte // the encoded record
}

// dataset is everything the mock serves, built once by generate.
type dataset struct {
	convs, msgs         []record // sorted by (at, id)
	convTruth, msgTruth []Truth  // sorted by id
}

// generate builds the dataset for opts, which must be valid. The result is
// a pure function of Seed, Conversations, Start and End.
func generate(opts Options) *dataset {
	s, e := ceilMs(opts.Start), ceilMs(opts.End)
	n := max(opts.Conversations, 0)
	p := newPools(rand.New(rand.NewPCG(uint64(opts.Seed), poolStream)), min(max(n/4, 10), 5000))

	type result struct {
		conv record
		msgs []record
	}
	results := make([]result, n)
	workers := min(runtime.GOMAXPROCS(0), max(n/256, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				rng := rand.New(rand.NewPCG(uint64(opts.Seed), convStream^uint64(i)))
				c, ms := genConversation(rng, p, conversationID(rng, i, n), s, e)
				results[i] = result{c, ms}
			}
		})
	}
	wg.Wait()

	d := &dataset{convs: make([]record, 0, n)}
	for _, r := range results {
		d.convs = append(d.convs, r.conv)
		d.msgs = append(d.msgs, r.msgs...)
	}
	slices.SortFunc(d.convs, func(a, b record) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.num, b.num))
	})
	slices.SortFunc(d.msgs, func(a, b record) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id))
	})
	d.convTruth = truthOf(d.convs, func(a, b record) int { return cmp.Compare(a.num, b.num) })
	d.msgTruth = truthOf(d.msgs, func(a, b record) int { return cmp.Compare(a.id, b.id) })
	return d
}

// truthOf returns the truth of recs in the order given by byID.
func truthOf(recs []record, byID func(a, b record) int) []Truth {
	sorted := slices.SortedFunc(slices.Values(recs), byID)
	t := make([]Truth, len(sorted))
	for i, r := range sorted {
		t[i] = Truth{ID: r.id, At: r.at}
	}
	return t
}

// conversationID returns the id of the i-th of n conversations: mostly
// strictly increasing from about 1000, but every hundredth conversation (and
// the last one when there are fewer than 100) gets an odd id above 2^53.
func conversationID(rng *rand.Rand, i, n int) int64 {
	if (i+1)%100 == 0 {
		return bigIDBase + 2*int64(i/100)
	}
	if n >= 2 && n < 100 && i == n-1 {
		return bigIDBase
	}
	return 1000 + 2*int64(i) + rng.Int64N(2)
}

// genConversation draws one conversation with id and its messages. Its
// updated_at lies in [s, e).
func genConversation(rng *rand.Rand, p *pools, id int64, s, e int64) (record, []record) {
	updated := pickAt(rng, s, e)
	created := updated
	if !chance(rng, 0.03) {
		created = updated - rng.Int64N(20*dayMs)
	}
	channel := weighted(rng, channels, chanWeight)
	status := pick(rng, statuses)
	user := pick(rng, p.users)
	agent := pick(rng, p.agents)
	queue := pick(rng, p.queues)
	phoneLike := channel == "pstnphone" || channel == "callback" || channel == "voicemail"
	direction := "inbound"
	if chance(rng, 0.15) {
		direction = "outbound"
	}

	// Message times come first: they decide last_message_created_at.
	msgTimes := make([]int64, rng.IntN(6))
	for i := range msgTimes {
		msgTimes[i] = pickAt(rng, max(created, s), updated+1)
	}
	slices.Sort(msgTimes)
	var lastMsg any
	if len(msgTimes) > 0 {
		lastMsg = msgTimes[len(msgTimes)-1]
	} else if chance(rng, 0.5) {
		lastMsg = created
	}

	queued := between(rng, created, updated)
	assigned := between(rng, queued, updated)
	closed := between(rng, assigned, updated)
	c := obj{
		{"id", id},
		{"created_at", created},
		{"initial_channel", channel},
		{"requester_id", user.id},
		{"requester_name", maybe(rng, 0.9, user.name)},
		{"requester_email", maybe(rng, orP(channel == "email", 1, 0.6), user.email)},
		{"requester_additional_emails", strList(rng, 0.3, func(i int) string { return fmt.Sprintf("alt%d.%s", i+1, user.email) })},
		{"requester_phone_number", maybe(rng, orP(phoneLike, 1, 0.4), user.phone)},
		{"requester_additional_phone_numbers", strList(rng, 0.3, func(i int) string { return fmt.Sprintf("%s%d", user.phone, i+1) })},
		{"queued_at", maybe(rng, 0.8, queued)},
		{"queue_id", maybe(rng, 0.85, queue.id)},
		{"queue_name", maybe(rng, 0.85, queue.name)},
		{"closed_at", maybe(rng, orP(status == "closed", 1, 0), closed)},
		{"rating_score", maybe(rng, 0.2, int64(1+rng.IntN(5)))},
		{"rating_message", maybe(rng, 0.15, pick(rng, ratingMessages))},
		{"ratings", ratings(rng, created, updated)},
		{"direction", direction},
		{"assigned_at", maybe(rng, 0.8, assigned)},
		{"assignee_id", maybe(rng, 0.8, agent.id)},
		{"assignee_name", maybe(rng, 0.8, agent.name)},
		{"assignee_email", maybe(rng, 0.8, agent.email)},
		{"assignee_phone_number", maybe(rng, 0.3, agent.phone)},
	}
	toNum, fromNum := pick(rng, p.numbers), pick(rng, p.numbers)
	email, fb, widget := pick(rng, p.emails), pick(rng, p.fbPages), pick(rng, p.widgets)
	transferee := pick(rng, p.agents)
	transferred := chance(rng, 0.1)
	c = append(c,
		kv{"to_provisioned_phone_number_id", maybe(rng, orP(phoneLike && direction == "inbound", 1, 0), toNum.id)},
		kv{"to_provisioned_phone_number_name", maybe(rng, orP(phoneLike && direction == "inbound", 1, 0), toNum.name)},
		kv{"total_duration", maybe(rng, 0.7, int64(rng.IntN(7200)))},
		kv{"handling_duration", maybe(rng, 0.6, int64(rng.IntN(3600)))},
		kv{"dixa_email_integration_id", maybe(rng, orP(channel == "email", 1, 0), email.id)},
		kv{"dixa_email_integration_sender_name", maybe(rng, orP(channel == "email", 0.9, 0), email.name)},
		kv{"forwarding_email", maybe(rng, orP(channel == "email", 0.3, 0), "fwd+"+email.name)},
		kv{"facebook_page_id", maybe(rng, orP(channel == "facebookmessenger", 1, 0), fb.id)},
		kv{"facebook_page_name", maybe(rng, orP(channel == "facebookmessenger", 1, 0), fb.name)},
		kv{"widget_id", maybe(rng, orP(channel == "widgetchat", 1, 0), widget.id)},
		kv{"widget_name", maybe(rng, orP(channel == "widgetchat", 1, 0), widget.name)},
	)
	tags, tagsInfo := tagLists(rng, p)
	c = append(c,
		kv{"tags", tags},
		kv{"tags_info", tagsInfo},
		kv{"conversation_wrapup_notes", strList(rng, 0.4, func(int) string { return pick(rng, wrapupNotes) })},
		kv{"transferee_name", maybe(rng, orP(transferred, 1, 0), transferee.name)},
		kv{"transfer_time", maybe(rng, orP(transferred, 1, 0), between(rng, assigned, updated))},
		kv{"originating_country", maybe(rng, 0.6, pick(rng, countries))},
		kv{"status", status},
		kv{"transferee_number", maybe(rng, orP(transferred && phoneLike, 1, 0), transferee.phone)},
		kv{"updated_at", updated},
		kv{"last_message_created_at", lastMsg},
		kv{"from_provisioned_phone_number_id", maybe(rng, orP(phoneLike && direction == "outbound", 1, 0), fromNum.id)},
		kv{"from_provisioned_phone_number_name", maybe(rng, orP(phoneLike && direction == "outbound", 1, 0), fromNum.name)},
		kv{"subject", maybe(rng, orP(channel == "email" || channel == "contactform", 0.95, 0.1), subject(rng, id))},
		kv{"anonymized_at", maybe(rng, 0.02, updated)},
		kv{"custom_fields", customFields(rng, p)},
		kv{"exports_handling_duration", maybe(rng, 0.5, int64(rng.IntN(3600)))},
	)

	conv := record{at: updated, num: id, id: strconv.FormatInt(id, 10), json: appendValue(nil, c)}
	msgs := make([]record, len(msgTimes))
	for i, at := range msgTimes {
		msgs[i] = genMessage(rng, p, id, at, channel, user, agent, i)
	}
	return conv, msgs
}

// maybe returns v with probability p, else nil (JSON null).
func maybe(rng *rand.Rand, p float64, v any) any {
	if chance(rng, p) {
		return v
	}
	return nil
}

// orP returns a if cond, else b: a probability chosen by a condition.
func orP(cond bool, a, b float64) float64 {
	if cond {
		return a
	}
	return b
}

// strList returns null (with probability pNull), an empty list, or one to
// three strings made by f(0), f(1), ...
func strList(rng *rand.Rand, pNull float64, f func(i int) string) any {
	if chance(rng, pNull) {
		return nil
	}
	out := make([]string, rng.IntN(4))
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// subject returns an e-mail subject mentioning id.
func subject(rng *rand.Rand, id int64) string {
	return fmt.Sprintf(pick(rng, subjects), id%100000)
}

// tagLists returns the tags and tags_info of a conversation: both null, or
// both listing the same tags. A tags_info item is usually an object but,
// as in Dixa's documentation sample, sometimes a plain string.
func tagLists(rng *rand.Rand, p *pools) (tags, info any) {
	if chance(rng, 0.2) {
		return nil, nil
	}
	names := []string{}
	items := []any{}
	for range rng.IntN(4) {
		t := pick(rng, p.tags)
		names = append(names, t.name)
		if chance(rng, 0.1) {
			items = append(items, t.name)
			continue
		}
		items = append(items, obj{{"id", t.id}, {"name", t.name}, {"is_deactivated", chance(rng, 0.1)}})
	}
	return names, items
}

// ratings returns null, an empty list or one or two rating objects with
// timestamps in [created, updated]. The unscheduled and cancelled
// timestamps are sometimes 0, as in Dixa's sample.
func ratings(rng *rand.Rand, created, updated int64) any {
	if chance(rng, 0.5) {
		return nil
	}
	out := []any{}
	for range rng.IntN(3) {
		offered := between(rng, created, updated)
		rated := between(rng, offered, updated)
		zeroOr := func(v int64) any {
			if chance(rng, 0.4) {
				return int64(0)
			}
			return maybe(rng, 0.7, v)
		}
		out = append(out, obj{
			{"rating_score", maybe(rng, 0.9, int64(1+rng.IntN(5)))},
			{"rating_message", maybe(rng, 0.5, pick(rng, ratingMessages))},
			{"rating_type", pick(rng, []string{"CSAT", "ThumbsUpOrDown", "Nps"})},
			{"rating_created_timestamp", offered},
			{"rating_offered_timestamp", offered},
			{"rating_status", pick(rng, []string{"Rated", "Offered", "Scheduled", "Cancelled"})},
			{"rating_language", maybe(rng, 0.8, pick(rng, languages))},
			{"rating_modified_timestamp", rated},
			{"rating_rated_timestamp", maybe(rng, 0.8, rated)},
			{"rating_scheduled_timestamp", offered},
			{"rating_scheduled_for_timestamp", offered},
			{"rating_unscheduled_timestamp", zeroOr(rated)},
			{"rating_cancelled_timestamp", zeroOr(rated)},
		})
	}
	return out
}

// customFields returns null, an empty list or some custom attribute values.
// A Select attribute's value is a list of strings; other values are strings
// or null.
func customFields(rng *rand.Rand, p *pools) any {
	if chance(rng, 0.25) {
		return nil
	}
	out := []any{}
	for i, a := range p.attrs {
		if chance(rng, 0.5) {
			continue
		}
		var v any = pick(rng, attrValues)
		switch {
		case attrTypes[i] == "Select" && chance(rng, 0.6):
			v = []string{pick(rng, attrValues), pick(rng, attrValues)}[:1+rng.IntN(2)]
		case chance(rng, 0.1):
			v = nil
		}
		out = append(out, obj{
			{"attribute_id", a.id},
			{"identifier", a.name},
			{"value", v},
			{"data_type", attrTypes[i]},
			{"archived", chance(rng, 0.05)},
		})
	}
	return out
}
