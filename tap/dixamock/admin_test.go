package dixamock

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// added is the answer of POST /_admin/add.
type added struct {
	Added struct {
		Conversations int `json:"conversations"`
		Messages      int `json:"messages"`
	} `json:"added"`
}

// post sends POST base+path and returns the status and body.
func post(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, body
}

// addOK posts an add with query q and returns its answer.
func addOK(t *testing.T, base, q string) added {
	t.Helper()
	status, body := post(t, base+"/_admin/add?"+q)
	require.Equal(t, http.StatusOK, status, string(body))
	var a added
	require.NoError(t, json.Unmarshal(body, &a))
	return a
}

// truthOver fetches /_truth/<kind> restricted to [after, before) ("" for
// no bound).
func truthOver(t *testing.T, base, kind, query string) []Truth {
	t.Helper()
	status, body, _ := get(t, base+"/_truth/"+kind+"?"+query, "")
	require.Equal(t, http.StatusOK, status, string(body))
	var raw []struct {
		ID json.RawMessage `json:"id"`
		At int64           `json:"at"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	out := make([]Truth, len(raw))
	for i, r := range raw {
		id := string(r.ID)
		if s, err := strconv.Unquote(id); err == nil {
			id = s
		}
		out[i] = Truth{ID: id, At: r.At}
	}
	return out
}

// ids returns the ids of truths, sorted.
func ids(ts []Truth) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	slices.Sort(out)
	return out
}

// checkIndex requires the server's data to be consistent: records sorted
// by (at, id), truths sorted by id, ids unique, truths equal to records.
func checkIndex(t *testing.T, s *Server) {
	t.Helper()
	d := s.data
	assert.True(t, slices.IsSortedFunc(d.convs, func(a, b record) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.num, b.num))
	}), "conversations not sorted by (updated_at, id)")
	assert.True(t, slices.IsSortedFunc(d.msgs, func(a, b record) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id))
	}), "messages not sorted by (created_at, id)")
	assert.True(t, slices.IsSortedFunc(d.convTruth, func(a, b Truth) int {
		x, _ := strconv.ParseInt(a.ID, 10, 64)
		y, _ := strconv.ParseInt(b.ID, 10, 64)
		return cmp.Compare(x, y)
	}), "conversation truth not sorted by numeric id")
	assert.True(t, slices.IsSortedFunc(d.msgTruth, func(a, b Truth) int { return cmp.Compare(a.ID, b.ID) }))
	for _, recs := range [][]record{d.convs, d.msgs} {
		seen := map[string]bool{}
		for _, r := range recs {
			require.False(t, seen[r.id], "duplicate id %s", r.id)
			seen[r.id] = true
		}
	}
	require.Len(t, d.convTruth, len(d.convs))
	require.Len(t, d.msgTruth, len(d.msgs))
}

func TestAdminAdd(t *testing.T) {
	s := New(testOptions())
	base := serve(t, s)
	convs0, msgs0 := len(s.Conversations()), len(s.Messages())
	from := testEnd.UnixMilli() + 3*dayMs + 12345
	to := from + 500

	a := addOK(t, base, fmt.Sprintf("conversations=50&from=%d&to=%d", from, to))
	assert.Equal(t, 50, a.Added.Conversations)
	assert.Positive(t, a.Added.Messages)

	// /_truth lists the new records, all in [from, to), and only them there.
	allConvs := truthOver(t, base, "conversations", "")
	allMsgs := truthOver(t, base, "messages", "")
	assert.Len(t, allConvs, convs0+50)
	assert.Len(t, allMsgs, msgs0+a.Added.Messages)
	newConvs := truthOver(t, base, "conversations", fmt.Sprintf("after=%d&before=%d", from, to))
	newMsgs := truthOver(t, base, "messages", fmt.Sprintf("after=%d&before=%d", from, to))
	require.Len(t, newConvs, 50)
	require.Len(t, newMsgs, a.Added.Messages)
	for _, tr := range append(slices.Clone(newConvs), newMsgs...) {
		assert.GreaterOrEqual(t, tr.At, from)
		assert.Less(t, tr.At, to)
	}
	assert.Equal(t, allConvs, s.Conversations())
	assert.Equal(t, allMsgs, s.Messages())
	checkIndex(t, s)

	// Exports serve exactly them for the window.
	for _, ep := range []string{ConversationExport, MessageExport} {
		recs := fetch(t, base, ep, from, to)
		got := make([]string, len(recs))
		for i, r := range recs {
			got[i] = idText(t, r)
			at := atOf(t, ep, r)
			assert.True(t, at >= from && at < to, "%s %s at %d", ep, got[i], at)
		}
		slices.Sort(got)
		want := ids(newConvs)
		if ep == MessageExport {
			want = ids(newMsgs)
		}
		assert.Equal(t, want, got, ep)
	}

	// The old data are unchanged.
	assert.Equal(t, truthOver(t, serve(t, New(testOptions())), "conversations", ""),
		truthOver(t, base, "conversations", fmt.Sprintf("before=%d", testEnd.UnixMilli())))

	// A conversation id above 2^53 is among them (every hundredth index).
	a2 := addOK(t, base, fmt.Sprintf("conversations=100&from=%d&to=%d", to, to+1000))
	assert.Equal(t, 100, a2.Added.Conversations)
	big := 0
	for _, tr := range truthOver(t, base, "conversations", fmt.Sprintf("after=%d", to)) {
		if n, _ := strconv.ParseInt(tr.ID, 10, 64); n > 1<<53 {
			big++
		}
	}
	assert.Equal(t, 1, big)
	checkIndex(t, s)
}

func TestAdminAddDefaults(t *testing.T) {
	s := New(testOptions())
	base := serve(t, s)
	a := addOK(t, base, "")
	assert.Equal(t, 100, a.Added.Conversations)
	end := testEnd.UnixMilli()
	assert.Len(t, truthOver(t, base, "conversations", fmt.Sprintf("after=%d&before=%d", end, end+dayMs)), 100)
	assert.Len(t, truthOver(t, base, "messages", fmt.Sprintf("after=%d&before=%d", end, end+dayMs)), a.Added.Messages)

	a = addOK(t, base, "conversations=0")
	assert.Equal(t, 0, a.Added.Conversations)
	assert.Equal(t, 0, a.Added.Messages)

	// yyyy-mm-dd is accepted as for exports.
	a = addOK(t, base, "conversations=3&from=2030-01-01&to=2030-01-02")
	assert.Equal(t, 3, a.Added.Conversations)
	assert.Len(t, truthOver(t, base, "conversations", "after=2030-01-01"), 3)
}

func TestAdminAddDeterministic(t *testing.T) {
	run := func() ([]Truth, []Truth) {
		s := New(testOptions())
		base := serve(t, s)
		addOK(t, base, "conversations=30&from=1711929600000&to=1711929600500")
		addOK(t, base, "conversations=30&from=1711929600000&to=1711929600500")
		return s.Conversations(), s.Messages()
	}
	c1, m1 := run()
	c2, m2 := run()
	assert.Equal(t, c1, c2)
	assert.Equal(t, m1, m2)

	// The second add with the same parameters made new, different records.
	s := New(testOptions())
	first := addOKTruth(t, s, "conversations=30&from=1711929600000&to=1711929600500")
	second := addOKTruth(t, s, "conversations=30&from=1711929600000&to=1711929600500")
	assert.NotEqual(t, first, second)
}

// addOKTruth adds to s with query q and returns the conversations it added.
func addOKTruth(t *testing.T, s *Server, q string) []Truth {
	t.Helper()
	before := map[string]bool{}
	for _, c := range s.Conversations() {
		before[c.ID] = true
	}
	addOK(t, serve(t, s), q)
	var out []Truth
	for _, c := range s.Conversations() {
		if !before[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

func TestAdminAddSmallDataSet(t *testing.T) {
	o := testOptions()
	o.Conversations = 5 // its last conversation has the first big id
	s := New(o)
	base := serve(t, s)
	addOK(t, base, "conversations=300")
	checkIndex(t, s)
	assert.Len(t, s.Conversations(), 305)
}

func TestAdminAddErrors(t *testing.T) {
	base := serve(t, New(testOptions()))
	for _, q := range []string{
		"conversations=-1",
		"conversations=abc",
		"conversations=1000001",
		"from=10&to=10",
		"from=20&to=10",
		"from=abc",
		"to=2024-13-01",
		"from=-5&to=10",
		"from=1&to=999999999999999999",
	} {
		t.Run(q, func(t *testing.T) {
			status, body := post(t, base+"/_admin/add?"+q)
			assert.Equal(t, http.StatusBadRequest, status, string(body))
			assert.Contains(t, errorMessage(t, body), "Invalid query parameters")
		})
	}
	status, body, _ := get(t, base+"/_admin/add", "")
	assert.Equal(t, http.StatusMethodNotAllowed, status, string(body))
}

// TestAdminAddConcurrent adds while exports and truths are read, for the
// race detector, and checks that every answer sees whole adds only.
func TestAdminAddConcurrent(t *testing.T) {
	s := New(testOptions())
	base := serve(t, s)
	from := testEnd.UnixMilli() + dayMs
	to := from + dayMs
	var wg sync.WaitGroup
	counts := make(chan int, 64)
	for i := range 8 {
		wg.Go(func() {
			for range 4 {
				if i%2 == 0 {
					counts <- len(fetch(t, base, ConversationExport, from, to))
				} else {
					_ = truthOver(t, base, "messages", "")
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() { addOK(t, base, fmt.Sprintf("conversations=10&from=%d&to=%d", from, to)) })
	}
	wg.Wait()
	close(counts)
	for n := range counts {
		assert.Zero(t, n%10, "an export saw part of an add: %d records", n)
	}
	assert.Len(t, truthOver(t, base, "conversations", fmt.Sprintf("after=%d", from)), 40)
	checkIndex(t, s)
}
