package dixamock

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// This file adds the Dixa API endpoints that a tap fans out to, per
// conversation or per query, and the latency that makes fan-out
// measurable:
//
//	GET  /v1/conversations/{csid}/messages   {"data":[Message]}, oldest first (api_messages.go)
//	GET  /v1/analytics/records               paged catalogue of record types (api_analytics.go)
//	POST /v1/analytics/records               paged records of one type
//	GET  /v1/analytics/filter/{attribute}    paged values of a filter attribute
//
// Their data derive from the conversations of New, on first use (not when
// New runs), so servers whose tests never ask for them cost nothing more.

// fanoutStreams are the stream names of the endpoints served by
// addFanoutRoutes, as counted in [APIStats]: conversation_messages, and
// analytics_records for all three analytics endpoints (the catalogue, the
// records and the filter values).
var fanoutStreams = []string{"conversation_messages", "analytics_records"}

// fanout is the state of the fan-out endpoints of one [Server]: the facts
// they take from the initial conversations, and what they make of them,
// each computed once, on first use.
type fanout struct {
	s       *Server
	initial *dataset

	factsOnce sync.Once
	facts     *convFacts

	msgOnce sync.Once
	msgs    *messageData

	anOnce sync.Once
	an     *analyticsData
}

// addFanoutRoutes adds the per-conversation messages and the analytics
// endpoints of the Dixa API, and their truth.
func (s *Server) addFanoutRoutes(initial *dataset) {
	f := &fanout{s: s, initial: initial}
	messages := s.apiHandler("conversation_messages", f.handleMessages)
	for _, c := range initial.convs {
		s.routes["/v1/conversations/"+c.id+"/messages"] = route{http.MethodGet, nil, messages}
	}
	s.routes["/_truth/conversation_messages"] = route{http.MethodGet, nil, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(f.messages().truth)
	}}
	f.addAnalyticsRoutes()
}

// enter counts an authenticated request in flight and returns the func
// that counts it out.
func (a *apiState) enter() func() {
	a.mu.Lock()
	a.inFlight++
	a.stats.MaxInFlight = max(a.stats.MaxInFlight, a.inFlight)
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.inFlight--
		a.mu.Unlock()
	}
}

// wait waits [APIOptions].Latency, and reports false if the request's
// context ended first.
func (a *apiState) wait(r *http.Request) bool {
	if a.opts.Latency <= 0 {
		return true
	}
	t := time.NewTimer(a.opts.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Stream constant of the fan-out data (xor a hash of a message id or a
// conversation id).
const fanoutStream uint64 = 0xfa00_0000_0000_0000

// convFacts is what the fan-out endpoints take from the conversations and
// messages of New.
type convFacts struct {
	convs     []convFact        // in the order of the dataset (updated_at, id)
	agents    []person          // the agents of the conversations
	names     map[string]string // agent, queue and tag ids -> names
	byEmail   map[string]string // agent and end user e-mail -> id
	emailByID map[string]string // agent and end user id -> e-mail
	agentName map[string]string // agent name -> id (the first of that name)
	tagIDs    map[string]string // tag name -> id
	addresses []string          // the e-mail integrations' addresses
}

// convFact is one exported conversation, and its exported messages.
type convFact struct {
	ID               int64     `json:"id"`
	CreatedAt        int64     `json:"created_at"`
	Channel          string    `json:"initial_channel"`
	Direction        string    `json:"direction"`
	RequesterID      string    `json:"requester_id"`
	QueueID          *string   `json:"queue_id"`
	AssigneeID       *string   `json:"assignee_id"`
	AssignedAt       *int64    `json:"assigned_at"`
	ClosedAt         *int64    `json:"closed_at"`
	TransfereeName   *string   `json:"transferee_name"`
	TransferTime     *int64    `json:"transfer_time"`
	HandlingDuration *int64    `json:"handling_duration"`
	ToNumber         *string   `json:"to_provisioned_phone_number_name"`
	FromNumber       *string   `json:"from_provisioned_phone_number_name"`
	Ratings          []xRating `json:"ratings"`
	TagsInfo         []any     `json:"tags_info"` // objects {id, name, ..}, or names

	tags []string // tag ids
	msgs []xMessage
}

// xRating is an exported conversation's rating.
type xRating struct {
	Score    *int64  `json:"rating_score"`
	Message  *string `json:"rating_message"`
	Type     string  `json:"rating_type"`
	Language *string `json:"rating_language"`
	Rated    *int64  `json:"rating_rated_timestamp"`
}

// xMessage is an exported message.
type xMessage struct {
	ID           string          `json:"id"`
	Csid         int64           `json:"csid"`
	CreatedAt    int64           `json:"created_at"`
	AuthorName   *string         `json:"author_name"`
	AuthorEmail  *string         `json:"author_email"`
	Direction    string          `json:"direction"`
	Text         *string         `json:"text"`
	FromPhone    *string         `json:"from_phone_number"`
	ToPhone      *string         `json:"to_phone_number"`
	Duration     *int64          `json:"duration"`
	RecordingURL *string         `json:"recording_url"`
	VoicemailURL *string         `json:"voicemail_url"`
	To           json.RawMessage `json:"to"` // null, a string or a list of strings
	From         *string         `json:"from"`
	Cc           []string        `json:"cc"`
	Bcc          []string        `json:"bcc"`
	Files        []string        `json:"attached_files"`
	Automated    *bool           `json:"is_automated_message"`
	Form         *struct {
		Values map[string]string `json:"values"`
	} `json:"form_submission"`
}

// convFacts decodes the conversations and messages of New, once.
func (f *fanout) convFacts() *convFacts {
	f.factsOnce.Do(func() {
		o := f.s.opts
		p := newPools(rand.New(rand.NewPCG(uint64(o.Seed), poolStream)), min(max(o.Conversations/4, 10), 5000)) // as generate
		cf := &convFacts{agents: p.agents, names: map[string]string{}, byEmail: map[string]string{},
			emailByID: map[string]string{}, agentName: map[string]string{}, tagIDs: map[string]string{}}
		for _, u := range append(slices.Clone(p.users), p.agents...) {
			cf.byEmail[u.email], cf.emailByID[u.id] = u.id, u.email
		}
		for _, ag := range p.agents {
			cf.names[ag.id] = ag.name
			if _, ok := cf.agentName[ag.name]; !ok {
				cf.agentName[ag.name] = ag.id
			}
		}
		for _, x := range append(slices.Clone(p.queues), p.tags...) {
			cf.names[x.id] = x.name
		}
		for _, t := range p.tags {
			cf.tagIDs[t.name] = t.id
		}
		for _, e := range p.emails {
			cf.addresses = append(cf.addresses, e.name)
		}

		cf.convs = make([]convFact, len(f.initial.convs))
		byID := make(map[int64]int, len(f.initial.convs))
		for i, rec := range f.initial.convs {
			c := &cf.convs[i]
			if err := json.Unmarshal(rec.json, c); err != nil {
				panic("dixamock: cannot decode a generated conversation: " + err.Error())
			}
			for _, t := range c.TagsInfo {
				switch t := t.(type) {
				case map[string]any:
					if id, ok := t["id"].(string); ok {
						c.tags = append(c.tags, id)
					}
				case string:
					if id, ok := cf.tagIDs[t]; ok {
						c.tags = append(c.tags, id)
					}
				}
			}
			byID[c.ID] = i
		}
		for _, rec := range f.initial.msgs { // sorted by (created_at, id)
			var m xMessage
			if err := json.Unmarshal(rec.json, &m); err != nil {
				panic("dixamock: cannot decode a generated message: " + err.Error())
			}
			if i, ok := byID[m.Csid]; ok {
				cf.convs[i].msgs = append(cf.convs[i].msgs, m)
			}
		}
		f.facts = cf
	})
	return f.facts
}

// rngFor returns the generator of the fan-out data of the thing named key
// (a message id, a conversation id, ...).
func (f *fanout) rngFor(key string) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(f.s.opts.Seed), fanoutStream^nameHash(key)))
}

// csidOf returns the conversation id of a path /v1/conversations/{csid}/..
func csidOf(path string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(path, "/v1/conversations/"), "/")
	return id
}
