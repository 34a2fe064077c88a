package dixamock

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// This file adds data to a running mock, so that end-to-end tests can check
// that an incremental sync picks up exactly what is new:
//
//	POST /_admin/add?conversations=N&from=MS&to=MS
//	  → {"added":{"conversations":N,"messages":M}}
//
// It generates N more conversations (default 100), each with zero to five
// messages, whose updated_at and created_at lie in [from, to) (Unix ms or
// yyyy-mm-dd; default [End, End+24h)). Like /_truth, it needs no
// authentication. The new records are a pure function of the server's
// options and of the adds before (their number, sizes and ranges); their
// ids are new (conversation ids continue the server's sequence, every
// hundredth above 2^53). From the moment it answers, exports and /_truth
// include them.
//
// Concurrency: every request that reads the data holds a read lock for its
// duration; an add generates its records aside and swaps them in under the
// write lock, so a request sees the data either before or after an add,
// never half of it. [Server.Conversations] and [Server.Messages] do not take
// the lock: do not call them while an add may be running.

// maxAdd is the most conversations one add may generate.
const maxAdd = 1_000_000

// maxAddMs is the latest end of an add's range: 10000-01-01, in Unix ms.
const maxAddMs int64 = 253402300800000

// addSeedMix is mixed into the seed of the k-th add (splitmix64's golden
// gamma), so that every add draws from its own streams.
const addSeedMix uint64 = 0x9e37_79b9_7f4a_7c15

// admin is the state of the admin endpoints of one [Server].
type admin struct {
	s *Server

	// data is held for reading by every routed request and for writing
	// while s.data is replaced.
	data sync.RWMutex

	// addMu serialises adds; the fields below are guarded by it.
	addMu sync.Mutex
	adds  uint64             // adds so far
	next  int                // index of the next generated conversation
	pools *pools             // the server's shared entities, built on the first add
	ids   map[int64]struct{} // conversation ids in use, built on the first add
}

// installAdmin adds the admin routes to s.routes and makes every route read
// the data under the admin's lock. New calls it once the routing table is
// built.
func (s *Server) installAdmin() {
	a := &admin{s: s, next: max(s.opts.Conversations, 0)}
	// The truth handlers were given the initial slices: give them the
	// current ones at each request instead.
	s.routes["/_truth/conversations"] = route{http.MethodGet, nil, func(w http.ResponseWriter, r *http.Request) {
		s.truthHandler(s.data.convTruth, true)(w, r)
	}}
	s.routes["/_truth/messages"] = route{http.MethodGet, nil, func(w http.ResponseWriter, r *http.Request) {
		s.truthHandler(s.data.msgTruth, false)(w, r)
	}}
	for path, rt := range s.routes {
		h := rt.handler
		rt.handler = func(w http.ResponseWriter, r *http.Request) {
			a.data.RLock()
			defer a.data.RUnlock()
			h(w, r)
		}
		s.routes[path] = rt
	}
	s.routes["/_admin/add"] = route{http.MethodPost, nil, a.handleAdd}
}

// handleAdd serves POST /_admin/add.
func (a *admin) handleAdd(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n := 100
	if q.Has("conversations") {
		v, err := strconv.Atoi(q.Get("conversations"))
		if err != nil || v < 0 || v > maxAdd {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameters: conversations=%q must be an integer from 0 to %d", q.Get("conversations"), maxAdd))
			return
		}
		n = v
	}
	from := ceilMs(a.s.opts.End)
	to := from + dayMs
	if err := optionalTimes(q, "from", &from, "to", &to); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid query parameters: "+err.Error())
		return
	}
	convs, msgs, err := a.add(n, from, to)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid query parameters: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, "{\"added\":{\"conversations\":%d,\"messages\":%d}}\n", convs, msgs)
}

// add generates n conversations and their messages with replication
// timestamps in [from, to), adds them to the server's data and returns how
// many conversations and messages it added.
func (a *admin) add(n int, from, to int64) (convs, msgs int, err error) {
	switch {
	case from >= to:
		return 0, 0, errors.New("from must be before to")
	case from < 0 || to > maxAddMs:
		return 0, 0, errors.New("from and to must lie between 1970 and 9999")
	}
	a.addMu.Lock()
	defer a.addMu.Unlock()
	old := a.s.data // only adds replace it, and they hold addMu
	if a.pools == nil {
		o := a.s.opts
		// The same entities as the initial data (see generate).
		a.pools = newPools(rand.New(rand.NewPCG(uint64(o.Seed), poolStream)), min(max(o.Conversations/4, 10), 5000))
		a.ids = make(map[int64]struct{}, len(old.convs)+n)
		for _, c := range old.convs {
			a.ids[c.num] = struct{}{}
		}
	}
	a.adds++
	seed := uint64(a.s.opts.Seed) ^ (a.adds * addSeedMix)

	newConvs := make([]record, 0, n)
	var newMsgs []record
	for i := a.next; i < a.next+n; i++ {
		rng := rand.New(rand.NewPCG(seed, convStream^uint64(i)))
		// n = MaxInt: the small-data rule of conversationID does not apply.
		id := conversationID(rng, i, math.MaxInt)
		for taken(a.ids, id) {
			id += 2 // only a big id of a small initial data set can be taken
		}
		a.ids[id] = struct{}{}
		c, ms := genConversation(rng, a.pools, id, from, to)
		newConvs = append(newConvs, c)
		newMsgs = append(newMsgs, ms...)
	}
	a.next += n

	byAtNum := func(a, b record) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.num, b.num)) }
	byAtID := func(a, b record) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id)) }
	slices.SortFunc(newConvs, byAtNum)
	slices.SortFunc(newMsgs, byAtID)
	d := &dataset{
		convs:     mergeSorted(old.convs, newConvs, byAtNum),
		msgs:      mergeSorted(old.msgs, newMsgs, byAtID),
		convTruth: mergeSorted(old.convTruth, truthOf(newConvs, func(a, b record) int { return cmp.Compare(a.num, b.num) }), compareNumericIDs),
		msgTruth:  mergeSorted(old.msgTruth, truthOf(newMsgs, func(a, b record) int { return cmp.Compare(a.id, b.id) }), func(a, b Truth) int { return cmp.Compare(a.ID, b.ID) }),
	}

	a.data.Lock()
	a.s.data = d
	a.data.Unlock()
	return len(newConvs), len(newMsgs), nil
}

// taken reports whether id is in ids.
func taken(ids map[int64]struct{}, id int64) bool {
	_, ok := ids[id]
	return ok
}

// compareNumericIDs orders truths whose ids are non-negative decimal
// integers without leading zeros by their numeric value.
func compareNumericIDs(a, b Truth) int {
	return cmp.Or(cmp.Compare(len(a.ID), len(b.ID)), cmp.Compare(a.ID, b.ID))
}

// mergeSorted returns a new slice with the elements of a and b, both sorted
// by compare, in order; on ties the elements of a come first.
func mergeSorted[T any](a, b []T, compare func(x, y T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if compare(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
