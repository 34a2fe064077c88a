package dixamock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeterminism(t *testing.T) {
	a, b := serve(t, shared()), serve(t, New(testOptions()))
	other := testOptions()
	other.Seed++
	c := serve(t, New(other))
	s := testStart.UnixMilli()
	for _, ep := range []string{ConversationExport, MessageExport} {
		for _, w := range [][2]int64{{s, s + 31*dayMs}, {s + 5*dayMs, s + 9*dayMs + 7}} {
			bodyA := mustGet(t, exportURL(a, ep, w[0], w[1]))
			assert.Equal(t, bodyA, mustGet(t, exportURL(b, ep, w[0], w[1])), "%s %v", ep, w)
			assert.Equal(t, bodyA, mustGet(t, exportURL(a, ep, w[0], w[1])), "repeat %s %v", ep, w)
			assert.NotEqual(t, bodyA, mustGet(t, exportURL(c, ep, w[0], w[1])), "other seed %s %v", ep, w)

			// Deterministic, but not sorted by the replication key.
			recs := decodeArray(t, bodyA)
			require.Greater(t, len(recs), 20)
			ats := make([]int64, len(recs))
			for i, r := range recs {
				ats[i] = atOf(t, ep, r)
			}
			assert.False(t, slices.IsSorted(ats), "%s response is sorted", ep)
		}
	}
}

// loadSchema reads the tap's JSON Schema of a stream.
func loadSchema(t *testing.T, stream string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../schemas/" + stream + ".json")
	require.NoError(t, err)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(b, &schema))
	return schema
}

// checkType reports the places where v does not conform to the "type",
// "properties" and "items" of schema. It knows just enough JSON Schema for
// the tap's schemas.
func checkType(schema map[string]any, v any, path string) []string {
	var types []string
	switch ty := schema["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	var got string
	switch x := v.(type) {
	case nil:
		got = "null"
	case string:
		got = "string"
	case bool:
		got = "boolean"
	case json.Number:
		got = "number"
		if _, err := x.Int64(); err == nil && !strings.ContainsAny(x.String(), ".eE") {
			got = "integer"
		}
	case []any:
		got = "array"
	case map[string]any:
		got = "object"
	}
	if len(types) > 0 && !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: %s not in %v", path, got, types)}
	}
	var errs []string
	switch x := v.(type) {
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range x {
				errs = append(errs, checkType(items, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for k, e := range x {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if props != nil {
					errs = append(errs, fmt.Sprintf("%s.%s: not in schema", path, k))
				}
				continue
			}
			errs = append(errs, checkType(sub, e, path+"."+k)...)
		}
	}
	return errs
}

func TestRecordsMatchSchemas(t *testing.T) {
	s := shared()
	for _, tc := range []struct {
		stream string
		recs   []record
		exact  bool
	}{{"conversations", s.data.convs, true}, {"messages", s.data.msgs, false}} {
		t.Run(tc.stream, func(t *testing.T) {
			schema := loadSchema(t, tc.stream)
			props := schema["properties"].(map[string]any)
			if tc.stream == "conversations" {
				require.Len(t, props, 49)
			} else {
				require.Len(t, props, 23)
			}
			seen := map[string]map[string]bool{} // key -> JSON types seen
			for _, r := range tc.recs {
				dec := json.NewDecoder(bytes.NewReader(r.json))
				dec.UseNumber()
				var rec map[string]any
				require.NoError(t, dec.Decode(&rec))
				require.Empty(t, checkType(schema, asTapWrites(t, tc.stream, r.json), "$"), string(r.json))
				if tc.exact {
					require.Len(t, rec, len(props), string(r.json))
				}
				for _, k := range []string{"id", "created_at"} {
					require.Contains(t, rec, k)
				}
				for k, v := range rec {
					if seen[k] == nil {
						seen[k] = map[string]bool{}
					}
					seen[k][fmt.Sprintf("%T", v)] = true
				}
			}
			// Every field occurs and is sometimes not null; every nullable
			// one except those Dixa always fills is sometimes null.
			neverNull := []string{"id", "csid", "created_at", "initial_channel", "requester_id", "direction", "status"}
			for k, p := range props {
				require.Contains(t, seen, k)
				assert.True(t, len(seen[k]) > 1 || !seen[k]["<nil>"], "%s always null", k)
				if ty, ok := p.(map[string]any)["type"].([]any); ok && slices.Contains(ty, any("null")) && !slices.Contains(neverNull, k) {
					assert.True(t, seen[k]["<nil>"], "%s never null", k)
				}
			}
			if tc.stream == "messages" {
				assert.True(t, seen["to"]["string"] && seen["to"]["[]interface {}"], "to is string and array")
				assert.True(t, seen["form_submission"]["map[string]interface {}"])
			}
		})
	}
}

func TestPolymorphicAndTextFields(t *testing.T) {
	s := shared()
	var all bytes.Buffer
	for _, r := range s.data.convs {
		all.Write(r.json)
	}
	for _, r := range s.data.msgs {
		all.Write(r.json)
	}
	text := all.String()
	for _, want := range []string{"<b>&</b>", "é", "日本", "😡", `"value":["`, `"value":"`, `"tags_info":["`, `"rating_cancelled_timestamp":0`, `\n`, `\"`, `\\`} {
		assert.Contains(t, text, want)
	}
	for _, bad := range []string{`\u003c`, `\u0026`, `\ufffd`} {
		assert.NotContains(t, text, bad)
	}
}

func TestBigIDsStayExact(t *testing.T) {
	s := shared()
	base := serve(t, s)
	var big []string
	for _, c := range s.Conversations() {
		n, err := strconv.ParseInt(c.ID, 10, 64)
		require.NoError(t, err)
		if n > 1<<53 {
			big = append(big, c.ID)
			assert.NotEqual(t, c.ID, strconv.FormatFloat(float64(n), 'f', 0, 64), "id %s survives float64", c.ID)
		}
	}
	require.GreaterOrEqual(t, len(big), 3)

	got := map[string]bool{}
	for a := testStart.UnixMilli(); a < testEnd.UnixMilli(); a += 31 * dayMs {
		for _, rec := range fetch(t, base, ConversationExport, a, a+31*dayMs) {
			got[idText(t, rec)] = true
		}
		for _, rec := range fetch(t, base, MessageExport, a, a+31*dayMs) {
			if id := rec["csid"].(json.Number).String(); len(id) >= 16 {
				got["csid:"+id] = true
			}
		}
	}
	for _, id := range big {
		assert.True(t, got[id], "big id %s not served exactly", id)
	}
	assert.NotEmpty(t, slices.Collect(func(yield func(string) bool) {
		for k := range got {
			if strings.HasPrefix(k, "csid:9007199254740") && !yield(k) {
				return
			}
		}
	}), "some message has a csid above 2^53")
}

func TestEdgeDistribution(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 1000
	s := New(opts)
	for _, tc := range []struct {
		name  string
		truth []Truth
	}{{"conversations", s.Conversations()}, {"messages", s.Messages()}} {
		var on, before, after, atStart int
		for _, tr := range tc.truth {
			require.GreaterOrEqual(t, tr.At, testStart.UnixMilli())
			require.Less(t, tr.At, testEnd.UnixMilli())
			switch ((tr.At % dayMs) + dayMs) % dayMs {
			case 0:
				on++
			case dayMs - 1:
				before++
			case 1:
				after++
			}
			if tr.At == testStart.UnixMilli() {
				atStart++
			}
		}
		n := float64(len(tc.truth))
		t.Logf("%s: %d records, %.1f%% on midnight, %.1f%% at -1ms, %.1f%% at +1ms, %d at Start",
			tc.name, len(tc.truth), 100*float64(on)/n, 100*float64(before)/n, 100*float64(after)/n, atStart)
		assert.InDelta(t, 0.05, float64(on)/n, 0.025)
		assert.InDelta(t, 0.03, float64(before)/n, 0.015)
		assert.InDelta(t, 0.02, float64(after)/n, 0.012)
		assert.Positive(t, atStart)
	}
}

func TestEdgeSemantics(t *testing.T) {
	opts := testOptions()
	opts.Conversations = 200
	// Find a midnight holding at least one conversation and one message.
	s0 := New(opts)
	var edge int64 = math.MinInt64
	for _, c := range s0.Conversations() {
		if c.At%dayMs == 0 && c.At > testStart.UnixMilli() && slices.ContainsFunc(s0.Messages(), func(m Truth) bool { return m.At == c.At }) {
			edge = c.At
			break
		}
	}
	require.NotEqual(t, int64(math.MinInt64), edge, "no midnight with both a conversation and a message")

	for _, incl := range [][2]bool{{true, false}, {true, true}, {false, false}, {false, true}} {
		opts.AfterInclusive, opts.BeforeInclusive = incl[0], incl[1]
		s := New(opts)
		base := serve(t, s)
		for _, ep := range []string{ConversationExport, MessageExport} {
			t.Run(fmt.Sprintf("%s/after=%v,before=%v", ep, incl[0], incl[1]), func(t *testing.T) {
				has := func(after, before int64) bool {
					for _, r := range fetch(t, base, ep, after, before) {
						if atOf(t, ep, r) == edge {
							return true
						}
					}
					return false
				}
				assert.Equal(t, incl[0], has(edge, edge+dayMs), "record at *_after")
				assert.Equal(t, incl[1], has(edge-dayMs, edge), "record at *_before")
				assert.True(t, has(edge-1, edge+1), "record strictly inside")
			})
		}
	}
}

func TestTruthIsUnionOfWindows(t *testing.T) {
	for _, incl := range [][2]bool{{true, false}, {false, true}} {
		opts := testOptions()
		opts.AfterInclusive, opts.BeforeInclusive = incl[0], incl[1]
		s := New(opts)
		base := serve(t, s)
		for _, ep := range []string{ConversationExport, MessageExport} {
			want := s.Conversations()
			if ep == MessageExport {
				want = s.Messages()
			}
			// Tile [Start, End) with windows the inclusivity makes disjoint:
			// [a, b) or (a-1, b-1].
			shift := int64(0)
			if !incl[0] {
				shift = -1
			}
			got := map[string]int64{}
			for a := testStart.UnixMilli(); a < testEnd.UnixMilli(); a += 17 * dayMs {
				for _, r := range fetch(t, base, ep, a+shift, min(a+17*dayMs, testEnd.UnixMilli())+shift) {
					id := idText(t, r)
					require.NotContains(t, got, id, "%s served twice", id)
					got[id] = atOf(t, ep, r)
				}
			}
			require.Len(t, got, len(want), ep)
			for _, tr := range want {
				assert.Equal(t, tr.At, got[tr.ID], "%s %s", ep, tr.ID)
			}

			// The truth endpoint restricted to a half-open range.
			stream := map[string]string{ConversationExport: "conversations", MessageExport: "messages"}[ep]
			a, b := testStart.UnixMilli()+10*dayMs, testStart.UnixMilli()+12*dayMs
			_, body, _ := get(t, fmt.Sprintf("%s/_truth/%s?after=%d&before=%d", base, stream, a, b), "")
			var part []map[string]any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&part))
			n := 0
			for _, tr := range want {
				if tr.At >= a && tr.At < b {
					assert.Equal(t, tr.ID, idText(t, part[n]))
					n++
				}
			}
			assert.Len(t, part, n)
		}
	}
}

func TestRecordInvariants(t *testing.T) {
	s := shared()
	type conv struct{ created, updated, lastMsg int64 }
	convs := map[int64]conv{}
	decode := func(b []byte) map[string]any {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		return m
	}
	num := func(v any) int64 {
		if v == nil {
			return -1
		}
		n, err := v.(json.Number).Int64()
		require.NoError(t, err)
		return n
	}
	for _, r := range s.data.convs {
		m := decode(r.json)
		c := conv{num(m["created_at"]), num(m["updated_at"]), num(m["last_message_created_at"])}
		require.True(t, c.created <= c.updated, "created_at after updated_at: %s", r.json)
		for _, k := range []string{"queued_at", "assigned_at", "closed_at", "transfer_time"} {
			if v := num(m[k]); v != -1 {
				require.True(t, v >= c.created && v <= c.updated, "%s outside the conversation: %s", k, r.json)
			}
		}
		convs[num(m["id"])] = c
	}
	last := map[int64]int64{}
	for _, r := range s.data.msgs {
		m := decode(r.json)
		csid, at := num(m["csid"]), num(m["created_at"])
		c, ok := convs[csid]
		require.True(t, ok, "message of unknown conversation: %s", r.json)
		require.True(t, at >= c.created && at <= c.updated, "message outside its conversation: %s", r.json)
		last[csid] = max(last[csid], at)
	}
	for id, at := range last {
		assert.Equal(t, at, convs[id].lastMsg, "last_message_created_at of %d", id)
	}
}
