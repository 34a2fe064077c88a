package tap

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func raws(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

func TestWalk(t *testing.T) {
	catalog := `{"categories":[
		{"id":"a","categories":[{"id":"a1","articles":[{"id":"x"}],"categories":[{"id":"a1i","articles":[{"id":"y"}]}]}],"articles":[{"id":"z"}]},
		{"id":"b","categories":null}],
		"articles":[{"id":"r"}]}`
	type got struct{ rec, node string }
	run := func(data []json.RawMessage, paths ...string) []got {
		t.Helper()
		fs, err := walk(data, paths)
		require.NoError(t, err)
		var out []got
		for _, f := range fs {
			var m map[string]any
			require.NoError(t, json.Unmarshal(f.rec, &m))
			out = append(out, got{m["id"].(string), string(f.node)})
		}
		return out
	}
	assert.Equal(t, []got{{"a", ""}, {"a1", `"a"`}, {"a1i", `"a1"`}, {"b", ""}}, run(raws(catalog), "categories*"))
	assert.Equal(t, []got{{"r", ""}, {"z", `"a"`}, {"x", `"a1"`}, {"y", `"a1i"`}},
		run(raws(catalog), "articles", "categories*.articles"))
	assert.Equal(t, []got{{"s1", ""}, {"s2", ""}}, run(raws(`{"schedules":[{"id":"s1"},{"id":"s2"}]}`), "schedules"))
	assert.Equal(t, []got{{"o", ""}}, run(raws(`{"schedule":{"id":"o"}}`), "schedule"))
	assert.Equal(t, []got{{"p", ""}, {"q", ""}}, run(raws(`{"id":"p"}`, `{"id":"q"}`)))
	assert.Empty(t, run(raws(`{"other":1}`), "schedules"))

	_, err := walk(raws(`{"schedules":"no"}`), []string{"schedules"})
	assert.ErrorContains(t, err, `field "schedules" is neither a list nor an object`)
	_, err = walk(raws(`[1]`), []string{"schedules"})
	assert.ErrorContains(t, err, "is not an object")
}

func TestReshape(t *testing.T) {
	st := Stream{IDFrom: []string{"address", "number"}}
	out, err := reshape(st, []byte(`{"number":"+4512","name":"Main"}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"+4512","number":"+4512","name":"Main"}`, string(out))
	assert.Equal(t, `{"id":"+4512","number":"+4512","name":"Main"}`, string(out), "the id comes first")

	st = Stream{Drop: []string{"secretKey"}, Nulled: []string{"headers"}}
	out, err = reshape(st, []byte(`{"id":"w","secretKey":"s3cr3t","headers":{"Authorization":"Basic abc","X-\u00e9":"v"},"url":"https://x"}`))
	require.NoError(t, err)
	assert.Equal(t, `{"id":"w","headers":{"Authorization":null,"X-\u00e9":null},"url":"https://x"}`, string(out))

	out, err = reshape(Stream{}, []byte(` {"id":1, "channel":"Email"} `),
		member{key: "conversation_id", value: json.RawMessage("12")}, member{key: "channel", value: json.RawMessage(`"Sms"`)},
		member{key: "parent_category_id", value: nil})
	require.NoError(t, err)
	assert.Equal(t, `{"conversation_id":12,"id":1,"channel":"Email"}`, string(out), "fields Dixa sends win; nil values are left out")

	for _, bad := range []string{`[1]`, `{"a":}`, `{"a":1} x`, `{"a":1`, `"s"`} {
		_, err := reshape(Stream{Drop: []string{"a"}}, []byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestRecordKey(t *testing.T) {
	a := `{"primaryTimestampField":{"name":"created_at","timestamp":"2023-04-21T10:23:01.293Z"},"value":{"value":4,"_type":"LongField"},
		"fields":[{"name":"csid","field":{"value":18446744073709551615,"_type":"LongField"}},{"name":"queue","field":{"value":"q1","label":"Example queue","_type":"UUIDField"}}]}`
	// The same record: fields in another order, another label, the
	// timestamp in another zone.
	b := `{"primaryTimestampField":{"name":"created_at","timestamp":"2023-04-21T12:23:01.293+02:00"},"value":{"_type":"LongField","value":4},
		"fields":[{"name":"queue","field":{"value":"q1","label":"Renamed queue","_type":"UUIDField"}},{"name":"csid","field":{"value":18446744073709551615,"_type":"LongField"}}]}`
	// Another record: a csid one apart (beyond float64 precision).
	c := `{"primaryTimestampField":{"name":"created_at","timestamp":"2023-04-21T10:23:01.293Z"},
		"fields":[{"name":"csid","field":{"value":18446744073709551614,"_type":"LongField"}},{"name":"queue","field":{"value":"q1","_type":"UUIDField"}}]}`
	atA, keyA, err := recordKey("ratings", []byte(a))
	require.NoError(t, err)
	atB, keyB, err := recordKey("ratings", []byte(b))
	require.NoError(t, err)
	_, keyC, err := recordKey("ratings", []byte(c))
	require.NoError(t, err)
	_, keyD, err := recordKey("closed_conversations", []byte(a))
	require.NoError(t, err)
	_, keyE, err := recordKey("ratings", []byte(strings.Replace(a, `"value":4`, `"value":5`, 1)))
	require.NoError(t, err)
	assert.NotEqual(t, keyA, keyE, "another value, another record")
	assert.Equal(t, time.Date(2023, 4, 21, 10, 23, 1, 293e6, time.UTC), atA)
	assert.True(t, atA.Equal(atB))
	assert.Equal(t, keyA, keyB)
	assert.NotEqual(t, keyA, keyC)
	assert.NotEqual(t, keyA, keyD)
	assert.Len(t, keyA, 32)

	for _, bad := range []string{`{}`, `[]`, `{"primaryTimestampField":{"timestamp":"yesterday"}}`, `{"primaryTimestampField":null}`} {
		_, _, err := recordKey("ratings", []byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestFanoutKeepsOrderAndConcurrency(t *testing.T) {
	var inFlight, most atomic.Int64
	var got []int
	err := fanout(context.Background(), 50, 8, func(ctx context.Context, i int) (int, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(time.Duration(50-i) * 100 * time.Microsecond) // later jobs finish first
		return i * i, nil
	}, func(i, v int) error {
		assert.Equal(t, i*i, v)
		got = append(got, i)
		return nil
	})
	require.NoError(t, err)
	assert.Len(t, got, 50)
	for i, v := range got {
		assert.Equal(t, i, v, "emitted in job order")
	}
	assert.Greater(t, most.Load(), int64(1), "jobs ran at once")
	assert.LessOrEqual(t, most.Load(), int64(8), "at most width at once")
}

func TestFanoutStopsAtFirstError(t *testing.T) {
	boom := errors.New("boom")
	var started atomic.Int64
	var emitted []int
	err := fanout(context.Background(), 1000, 4, func(ctx context.Context, i int) (int, error) {
		started.Add(1)
		if i == 10 {
			return 0, boom
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		return i, nil
	}, func(i, v int) error { emitted = append(emitted, i); return nil })
	require.ErrorIs(t, err, boom)
	require.LessOrEqual(t, len(emitted), 10, "no job after the failed one")
	for i, v := range emitted {
		assert.Equal(t, i, v, "jobs before the failed one, in order")
	}
	assert.Less(t, started.Load(), int64(100), "the rest was not started")

	err = fanout(context.Background(), 100, 4, func(ctx context.Context, i int) (int, error) { return i, nil },
		func(i, v int) error {
			if i == 3 {
				return boom
			}
			return nil
		})
	require.ErrorIs(t, err, boom)
}
