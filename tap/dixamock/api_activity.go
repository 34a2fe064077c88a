package dixamock

import (
	"net/http"
	"slices"
	"sort"
	"time"
)

// maxActivitySpan is the longest span of an activity log query: 90 days.
const maxActivitySpan = 90 * 24 * time.Hour

// activityKind is one ActivityLogEntry _type: who authors it ('a' an agent,
// 'u' the end user, 's' nobody) and its attributes (nil: none).
type activityKind struct {
	typ    string
	author byte
	attrs  func(x *actCtx) obj
}

// activityKinds are the entries after the first (a ConversationCreated*).
// Together they carry every attribute of the ActivityLogAttribute union.
var activityKinds = []activityKind{
	{"ConversationAssigned", 'a', func(x *actCtx) obj { return obj{{"agentId", x.agent.id}, {"agentName", x.agent.name}} }},
	{"ConversationAutoreplySent", 's', func(x *actCtx) obj { return obj{{"templateName", "Auto-reply – " + pick(x.rng, languages)}} }},
	{"ConversationChannelChanged", 'a', func(x *actCtx) obj {
		return obj{{"channelReference", pick(x.rng, []string{"Email", "WidgetChat", "PstnPhone"})}}
	}},
	{"ConversationClaimed", 'a', func(x *actCtx) obj {
		return obj{{"claimedFromLabel", x.queue.name}, {"claimedFromType", pick(x.rng, []string{"Queue", "Agent"})}}
	}},
	{"ConversationCustomAttributesUpdated", 'a', func(x *actCtx) obj {
		at := pick(x.rng, x.p.attrs)
		var v any = pick(x.rng, attrValues)
		if at.kind == "Select" {
			v = at.values[:1]
		}
		return obj{{"updatedAttributeIds", []string{at.id}}, {"updatedAttributeValues", obj{{at.identifier, v}}}}
	}},
	{"ConversationEndUserReplaced", 'a', func(x *actCtx) obj {
		old := obj{{"id", uuid(x.rng)}, {"name", nil}} // an anonymous visitor
		if chance(x.rng, 0.5) {
			old = userObj(x.rng, person{uuid(x.rng), "Visitor", "visitor@anon.example", "+4500000000"})
		}
		return obj{{"oldUser", old}, {"newUser", userObj(x.rng, x.user)}}
	}},
	{"ConversationLanguageUpdated", 's', func(x *actCtx) obj { return obj{{"language", pick(x.rng, languages)}} }},
	{"ConversationLinkedToParent", 'a', func(x *actCtx) obj { return obj{{"parent", bigIDBase}, {"linkType", "FollowUp"}} }},
	{"ConversationLinkedFromChild", 'a', func(x *actCtx) obj {
		return obj{{"child", x.c.ID + 2}, {"parent", x.c.ID}, {"linkType", "SideConversation"}}
	}},
	{"ConversationOffered", 's', func(x *actCtx) obj {
		names := []string{}
		for _, ag := range pickDistinct(x.rng, x.p.agents, x.rng.IntN(4)) {
			names = append(names, ag.name)
		}
		return obj{{"agentNames", names}, {"queueLabel", x.queue.name}}
	}},
	{"ConversationRated", 'u', func(x *actCtx) obj {
		return obj{{"agent", userObj(x.rng, x.agent)}, {"score", int64(1 + x.rng.IntN(5))}, {"message", pick(x.rng, ratingMessages)}}
	}},
	{"ConversationRatingNotOffered", 's', func(x *actCtx) obj {
		// Dixa's spec declares a string; the tap once saw a list. Both,
		// by conversation, so that no random draw moves.
		if x.c.ID%2 == 0 {
			return obj{{"evaluationFilters", "ChannelFilter"}}
		}
		return obj{{"evaluationFilters", []any{obj{{"_type", "ChannelFilter"}, {"isMatched", false}}}}}
	}},
	{"ConversationRatingOffered", 's', func(x *actCtx) obj { return obj{{"agent", userObj(x.rng, x.agent)}, {"user", userObj(x.rng, x.user)}} }},
	{"ConversationRatingScheduled", 's', func(x *actCtx) obj { return obj{{"ratingScheduledTime", gmtTime(x.c.UpdatedAt + 3600000)}} }},
	{"ConversationReserved", 's', func(x *actCtx) obj {
		return obj{{"agent", userObj(x.rng, x.agent)}, {"queueId", x.queue.id}, {"queueName", x.queue.name},
			{"reservationType", pick(x.rng, []string{"PreferredAgent", "PersonalAgent"})}, {"validUntil", plainTime(x.c.UpdatedAt + 600000)}}
	}},
	{"ConversationResolvedStateToggled", 'a', func(x *actCtx) obj { return obj{{"isResolved", chance(x.rng, 0.5)}} }},
	{"ConversationSubjectUpdated", 'a', func(x *actCtx) obj {
		return obj{{"oldSubject", subject(x.rng, x.c.ID)}, {"newSubject", subject(x.rng, x.c.ID)}}
	}},
	{"ConversationTranscriptionEnded", 's', func(x *actCtx) obj {
		if chance(x.rng, 0.7) {
			return obj{{"isSuccessful", true}}
		}
		return obj{{"isSuccessful", false}, {"failureReason", "Audio too short"}}
	}},
	{"TransferInitiated", 'a', transferAttrs},
	{"TransferSuccessful", 'a', transferAttrs},
	{"TransferFailed", 'a', transferAttrs},
	{"ConversationUnassigned", 'a', func(x *actCtx) obj { return obj{{"agent", userObj(x.rng, x.agent)}} }},
	{"MessageAddedByCustomer", 'u', func(x *actCtx) obj {
		return optKV(x.rng, obj{{"messageId", uuid(x.rng)}, {"fromEndpoint", x.user.email}}, 0.3, "avatarUrl", "https://files.dixa.example/u.png")
	}},
	{"MessageAddedByAgent", 'a', func(x *actCtx) obj {
		return optKV(x.rng, obj{{"messageId", uuid(x.rng)}, {"fromEndpoint", "support@shop.example"}}, 0.6, "avatarUrl", "https://files.dixa.example/a.png")
	}},
	{"ConversationMessageRedacted", 'a', func(x *actCtx) obj {
		return obj{{"messageId", uuid(x.rng)}, {"wasTextRedacted", chance(x.rng, 0.8)}, {"numberOfDeletedFiles", int64(x.rng.IntN(3))}}
	}},
	{"NoteAdded", 'a', func(x *actCtx) obj {
		o := obj{{"message", pick(x.rng, wrapupNotes)}, {"avatarUrl", "https://files.dixa.example/a.png"}}
		return optKV(x.rng, o, 0.3, "note", pick(x.rng, wrapupNotes))
	}},
	{"TagAdded", 'a', func(x *actCtx) obj { t := pick(x.rng, x.p.tags).name; return obj{{"tag", t}, {"tagAdded", t}} }},
	{"TagRemoved", 'a', func(x *actCtx) obj { return obj{{"tag", pick(x.rng, x.p.tags).name}} }},
	{"ConversationClosed", 'a', nil},
	{"ConversationReopened", 'u', nil},
	{"ConversationPending", 'a', nil},
	{"FollowupAdded", 'a', nil},
	{"FollowupExpired", 's', nil},
	{"ConversationOfferAccepted", 'a', nil},
	{"ConversationOfferRejected", 'a', nil},
	{"ConversationOfferTimeout", 's', nil},
}

// transferAttrs are the attributes of the Transfer* entries.
func transferAttrs(x *actCtx) obj {
	o := obj{{"transferType", pick(x.rng, []string{"Queue", "Agent"})}, {"destinationType", "Queue"}, {"destinationId", x.queue.id}, {"destinationLabel", x.queue.name}}
	return optKV(x.rng, o, 0.5, "reason", "Needs <billing> & finance")
}

// activity draws the i-th activity log entry of the conversation, at ms.
func (x *actCtx) activity(i int, at int64) record {
	k := activityKind{"ConversationCreatedByCustomer", 'u', func(x *actCtx) obj { return optKV(x.rng, obj{}, 0.8, "subject", deref(x.c.Subject)) }}
	switch {
	case i == 0 && chance(x.rng, 0.2):
		k = activityKind{"ConversationCreatedByAgent", 'a', func(x *actCtx) obj { return obj{{"conversationSubject", deref(x.c.Subject)}} }}
	case i > 0:
		k = pick(x.rng, activityKinds)
	}
	id := uuid(x.rng)
	o := obj{{"id", id}, {"conversationId", x.c.ID}, {"activityTimestamp", gmtTime(at)}, {"activityType", k.typ + "ActivityType"}, {"_type", k.typ}}
	switch k.author {
	case 'a':
		o = append(o, kv{"author", userObj(x.rng, x.agent)})
	case 'u':
		o = append(o, kv{"author", userObj(x.rng, x.user)})
	default:
		o = optKV(x.rng, o, 0, "author", nil)
	}
	if k.attrs != nil {
		o = append(o, kv{"attributes", append(k.attrs(x), kv{"_type", k.typ + "Attributes"})})
	}
	return record{at: at, id: id, json: appendValue(nil, o)}
}

// deref returns *s, or nil (null) if s is nil.
func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// handleActivityLog serves GET /v1/conversations/activitylog: the entries
// with fromDatetime <= activityTimestamp < toDatetime, paged.
func (s *Server) handleActivityLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var from, to int64
	var haveWindow bool
	if q.Has("fromDatetime") || q.Has("toDatetime") || !q.Has("pageKey") {
		var msg string
		if from, to, msg = activityWindow(q.Get("fromDatetime"), q.Get("toDatetime"), q.Has("fromDatetime"), q.Has("toDatetime")); msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
		haveWindow = true
	}
	pos, ok := s.pagePosition(w, r, "activity_logs", haveWindow, from, to)
	if !ok {
		return
	}
	d := s.api.full()
	lo := sort.Search(len(d.activity), func(i int) bool { return d.activity[i].at >= pos.From })
	hi := sort.Search(len(d.activity), func(i int) bool { return d.activity[i].at >= pos.To })
	hi = max(hi, lo)
	switch s.api.opts.ActivityOrder {
	case OrderAscending:
		s.writePage(w, r, pos, func(i int) []byte { return d.activity[lo+i].json }, hi-lo)
		return
	case OrderDescending:
		s.writePage(w, r, pos, func(i int) []byte { return d.activity[hi-1-i].json }, hi-lo)
		return
	}
	idx := make([]int, hi-lo)
	for i := range idx {
		idx[i] = lo + i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if d.rank[a] < d.rank[b] {
			return -1
		}
		if d.rank[a] > d.rank[b] {
			return 1
		}
		return 0
	})
	s.writePage(w, r, pos, func(i int) []byte { return d.activity[idx[i]].json }, len(idx))
}

// activityWindow validates fromDatetime and toDatetime and returns them in
// Unix ms, rounded up to a whole ms (so that ts >= from and ts < to hold
// for a ms timestamp exactly when they hold for the exact instants), or an
// error message.
func activityWindow(fromV, toV string, haveFrom, haveTo bool) (from, to int64, msg string) {
	var ts [2]time.Time
	for i, p := range []struct {
		name, v string
		have    bool
	}{{"fromDatetime", fromV, haveFrom}, {"toDatetime", toV, haveTo}} {
		if !p.have {
			return 0, 0, "Invalid value for: query parameter " + p.name + " (missing)"
		}
		t, err := time.Parse(time.RFC3339Nano, p.v)
		if err != nil {
			return 0, 0, "Invalid value for: query parameter " + p.name
		}
		ts[i] = t
	}
	switch {
	case ts[1].Before(ts[0]):
		return 0, 0, "Invalid value for: query parameter toDatetime (must not be before fromDatetime)"
	case ts[1].Sub(ts[0]) > maxActivitySpan:
		return 0, 0, "Invalid value for: query parameter toDatetime (at most 90 days)"
	}
	return ceilMs(ts[0]), ceilMs(ts[1]), ""
}
