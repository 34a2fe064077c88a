package dixamock

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// apiConv is one exported conversation's Dixa API children.
type apiConv struct {
	idText         string // the id as in the export and in the URL
	ratings, notes []byte // {"data":[...]} bodies
}

// convInfo is what the Dixa API data take from an exported conversation.
type convInfo struct {
	ID          int64    `json:"id"`
	CreatedAt   int64    `json:"created_at"`
	UpdatedAt   int64    `json:"updated_at"`
	Channel     string   `json:"initial_channel"`
	RequesterID string   `json:"requester_id"`
	AssigneeID  *string  `json:"assignee_id"`
	QueueID     *string  `json:"queue_id"`
	Subject     *string  `json:"subject"`
	Tags        []string `json:"tags"`
}

// actCtx is what the generators of one conversation's children draw from.
type actCtx struct {
	rng         *rand.Rand
	p           *apiPools
	c           convInfo
	agent, user person
	queue       named
}

// ratingTruth and noteTruth are the keys of a rating and of a note.
type ratingTruth struct {
	conv     int64
	id, kind string
}

type noteTruth struct {
	id   string
	conv int64
}

// convOut is everything generated for one conversation.
type convOut struct {
	info    convInfo
	entries []record
	conv    apiConv
	ratings []ratingTruth
	notes   []noteTruth
}

// generateConvs generates the activity log, ratings and notes of every
// conversation of d, and the end users (the conversations' requesters),
// into a. The result is a pure function of the seed and the conversations.
func generateConvs(opts Options, d *dataset, p *apiPools, a *apiData) {
	n := len(d.convs)
	outs := make([]convOut, n)
	workers := min(runtime.GOMAXPROCS(0), max(n/256, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				outs[i] = genConvChildren(opts.Seed, p, d.convs[i])
			}
		})
	}
	wg.Wait()

	a.convIdx = make(map[string]int, n)
	firstSeen := map[string]int64{} // requester id -> earliest created_at
	var ratings []ratingTruth
	var notes []noteTruth
	for i, o := range outs {
		a.convs = append(a.convs, o.conv)
		a.convIdx[o.conv.idText] = i
		a.activity = append(a.activity, o.entries...)
		ratings = append(ratings, o.ratings...)
		notes = append(notes, o.notes...)
		if t, ok := firstSeen[o.info.RequesterID]; !ok || o.info.CreatedAt < t {
			firstSeen[o.info.RequesterID] = o.info.CreatedAt
		}
	}
	slices.SortFunc(a.activity, func(x, y record) int { return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.id, y.id)) })
	a.rank = make([]uint64, len(a.activity))
	for i, e := range a.activity {
		a.rank[i] = splitmix(nameHash(e.id) ^ uint64(opts.Seed))
	}
	a.actTr = truthOf(a.activity, func(x, y record) int { return cmp.Compare(x.id, y.id) })

	slices.SortFunc(ratings, func(x, y ratingTruth) int {
		return cmp.Or(cmp.Compare(x.conv, y.conv), cmp.Compare(x.id, y.id), cmp.Compare(x.kind, y.kind))
	})
	items := make([]any, len(ratings))
	for i, r := range ratings {
		items[i] = obj{{"conversation_id", r.conv}, {"id", r.id}, {"ratingType", r.kind}}
	}
	a.truth["conversation_ratings"] = append(appendValue(nil, items), '\n')
	slices.SortFunc(notes, func(x, y noteTruth) int { return cmp.Compare(x.id, y.id) })
	items = make([]any, len(notes))
	for i, nt := range notes {
		items[i] = obj{{"id", nt.id}, {"conversation_id", nt.conv}}
	}
	a.truth["conversation_notes"] = append(appendValue(nil, items), '\n')

	// End users: the requesters, by id.
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), apiPoolStream+1))
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range firstSeen {
			if !yield(id) {
				return
			}
		}
	})
	for _, id := range ids {
		u, ok := p.byID[id]
		if !ok {
			u = person{id: id}
		}
		o := personObj(rng, u, firstSeen[id]-rng.Int64N(30*dayMs), false)
		o = optKV(rng, o, 0.3, "externalId", fmt.Sprintf("crm-%06d", rng.IntN(1000000)))
		o = optKV(rng, o, 0.5, "customAttributes", contactAttrs(rng, p))
		a.endUsers = append(a.endUsers, appendValue(nil, o))
	}
	a.truth["end_users"] = truthIDs(ids, func(s string) string { return s })
}

// genConvChildren decodes the exported conversation rec and draws its
// activity log, ratings and notes.
func genConvChildren(seed int64, p *apiPools, rec record) convOut {
	c, err := decodeConvInfo(rec.json)
	if err != nil {
		panic("dixamock: cannot decode a generated conversation: " + err.Error())
	}
	x := &actCtx{rng: rand.New(rand.NewPCG(uint64(seed), apiConvStream^uint64(c.ID))), p: p, c: c}
	x.agent = pick(x.rng, p.agents)
	if c.AssigneeID != nil {
		if ag, ok := p.byID[*c.AssigneeID]; ok {
			x.agent = ag
		}
	}
	x.user = p.byID[c.RequesterID]
	x.queue = pick(x.rng, p.queues)
	for _, q := range p.queues {
		if c.QueueID != nil && q.id == *c.QueueID {
			x.queue = q
		}
	}
	out := convOut{info: c, conv: apiConv{idText: rec.id}}

	times := make([]int64, 2+x.rng.IntN(7))
	for i := range times {
		times[i] = pickAt(x.rng, c.CreatedAt, c.UpdatedAt+1)
	}
	slices.Sort(times)
	for i, at := range times {
		out.entries = append(out.entries, x.activity(i, at))
	}

	var ratings []any
	for _, r := range x.ratings() {
		ratings = append(ratings, r)
		out.ratings = append(out.ratings, ratingTruth{c.ID, r[0].v.(string), r[1].v.(string)})
	}
	out.conv.ratings = dataBody(ratings)

	var notes []any
	for range x.rng.IntN(4) {
		id := uuid(x.rng)
		notes = append(notes, obj{
			{"id", id}, {"authorId", pick(x.rng, p.agents).id},
			{"createdAt", gmtTime(between(x.rng, c.CreatedAt, c.UpdatedAt))},
			{"csid", c.ID}, {"message", fmt.Sprintf(pick(x.rng, messageTexts), c.ID%1000)},
		})
		out.notes = append(out.notes, noteTruth{id, c.ID})
	}
	out.conv.notes = dataBody(notes)
	return out
}

// ratingChannels maps the exports' channel names to the Dixa API's.
var ratingChannels = map[string]string{
	"email": "Email", "widgetchat": "WidgetChat", "pstnphone": "PstnPhone", "sms": "Sms",
	"whatsapp": "WhatsApp", "facebookmessenger": "FacebookMessenger", "contactform": "ContactForm",
	"callback": "Callback", "voicemail": "Voicemail", "twitter": "Twitter", "messenger": "Messenger",
}

// ratings draws zero to two ConversationRatings; two may be the questions
// of one survey (same id, different ratingType). Each starts with id and
// ratingType.
func (x *actCtx) ratings() []obj {
	rng, c := x.rng, x.c
	var out []obj
	id, kinds := uuid(rng), []string{"Csat", "Nps", "ThumbsUpOrDown"}
	first, n := -1, 0
	switch r := rng.IntN(10); {
	case r >= 8:
		n = 2
	case r >= 5:
		n = 1
	}
	for k := range n {
		kind := rng.IntN(len(kinds))
		if k == 1 {
			if chance(rng, 0.6) { // the second question of the same survey
				kind = (first + 1 + rng.IntN(2)) % len(kinds)
			} else {
				id = uuid(rng)
			}
		}
		first = kind
		status := pick(rng, []string{"Rated", "Rated", "Offered", "Scheduled", "Cancelled", "Unscheduled"})
		created := between(rng, c.CreatedAt, c.UpdatedAt)
		ts := obj{{"created_at", plainTime(created)}, {"scheduled_at", plainTime(created)}, {"scheduled_for", plainTime(created + 60000*int64(rng.IntN(30)))}}
		offered := between(rng, created, c.UpdatedAt)
		switch status {
		case "Rated":
			ts = append(ts, kv{"offered_at", plainTime(offered)}, kv{"rated_at", plainTime(between(rng, offered, c.UpdatedAt))})
		case "Offered":
			ts = append(ts, kv{"offered_at", plainTime(offered)})
		case "Cancelled":
			ts = append(ts, kv{"cancelled_at", plainTime(offered)})
		case "Unscheduled":
			ts = append(ts, kv{"unscheduled_at", plainTime(offered)})
		}
		ts = append(ts, kv{"modified_at", plainTime(c.UpdatedAt)})
		o := obj{{"id", id}, {"ratingType", kinds[kind]}}
		if status == "Rated" {
			score := map[string]int{"Csat": 1 + rng.IntN(5), "Nps": rng.IntN(11), "ThumbsUpOrDown": rng.IntN(2)}[kinds[kind]]
			o = append(o, kv{"ratingScore", int64(score)})
			o = optKV(rng, o, 0.5, "ratingComment", pick(rng, ratingMessages))
		}
		o = append(o, kv{"conversationChannel", ratingChannels[c.Channel]})
		o = optKV(rng, o, 0.8, "agentId", x.agent.id)
		o = append(o, kv{"userId", c.RequesterID}, kv{"ratingStatus", status})
		o = optKV(rng, o, 0.7, "language", pick(rng, languages))
		out = append(out, append(o, kv{"timestamps", ts}))
	}
	return out
}

// contactAttrs returns the custom attributes of an end user: some of the
// Contact attributes, a Select's value as a list of strings.
func contactAttrs(rng *rand.Rand, p *apiPools) []any {
	out := []any{}
	for _, at := range p.attrs {
		if at.entity != "Contact" || chance(rng, 0.4) {
			continue
		}
		var v any = pick(rng, attrValues)
		if at.kind == "Select" {
			v = pickDistinct(rng, at.values, 1+rng.IntN(2))
		}
		out = append(out, obj{{"id", at.id}, {"name", at.label}, {"identifier", at.identifier}, {"value", v}})
	}
	return out
}

// decodeConvInfo decodes the fields of convInfo from an exported
// conversation as the generator writes it, faster than json.Unmarshal of
// the whole record: it finds each top-level member by its name (each name
// it looks for occurs once, and "id" comes first, before the nested
// objects whose "id" it must not see) and decodes only that value.
func decodeConvInfo(rec []byte) (convInfo, error) {
	var c convInfo
	for _, f := range []struct {
		key string
		dst any
	}{
		{"id", &c.ID}, {"created_at", &c.CreatedAt}, {"updated_at", &c.UpdatedAt},
		{"initial_channel", &c.Channel}, {"requester_id", &c.RequesterID}, {"assignee_id", &c.AssigneeID},
		{"queue_id", &c.QueueID}, {"subject", &c.Subject}, {"tags", &c.Tags},
	} {
		pat := `"` + f.key + `":`
		i := bytes.Index(rec, []byte(pat))
		if i < 0 {
			return c, fmt.Errorf("no member %q", f.key)
		}
		v := rec[i+len(pat):]
		if err := json.Unmarshal(v[:valueEnd(v)], f.dst); err != nil {
			return c, fmt.Errorf("member %q: %w", f.key, err)
		}
	}
	return c, nil
}

// valueEnd returns the length of the JSON value at the start of b (b
// continues after it).
func valueEnd(b []byte) int {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case inString && c == '"':
			inString = false
			if depth == 0 {
				return i + 1
			}
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case c == ',' && depth == 0:
			return i
		}
	}
	return len(b)
}

// splitmix is the splitmix64 finaliser: a bijective mix of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
