package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/cli"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// activityExpected is the activity log's truth for a StateChecker.
func activityExpected(t *testing.T, url string) []singertest.Expected {
	var want []singertest.Expected
	for id, at := range activityTruth(t, url) {
		want = append(want, singertest.Expected{Stream: "activity_logs", Key: id, At: time.UnixMilli(at)})
	}
	return want
}

// Whatever the order of the activity log — oldest first, newest first or
// shuffled across pages — every STATE written is a safe resume point, and a
// run cut after any STATE line and resumed from it loses nothing.
func TestActivityLogKilledAtEveryState(t *testing.T) {
	for _, order := range []string{dixamock.OrderAscending, dixamock.OrderDescending, dixamock.OrderShuffled} {
		t.Run(order, func(t *testing.T) {
			_, url := startMock(t, dixamock.Options{Seed: 12, Conversations: 100, APIOptions: dixamock.APIOptions{ActivityOrder: order}})
			cfg := baseConfig(url)
			cfg["page_size"] = 1 // every page looks ordered on its own
			cfg["activity_log_window_days"] = 7
			cfgPath, cat := writeFile(t, "config.json", cfg), catalogFor(t, "activity_logs")
			full := runTap(t, t.Context(), nil, "--config", cfgPath, "--catalog", cat)
			require.Equal(t, 0, full.code, full.stderr)
			want := activityExpected(t, url)
			require.NotEmpty(t, want)

			ck := singertest.NewStateChecker(want)
			assert.Empty(t, ck.Feed([]byte(full.stdout)))
			lines := strings.Split(strings.TrimSuffix(full.stdout, "\n"), "\n")
			cuts := 0
			for i, l := range lines {
				if !strings.HasPrefix(l, `{"type":"STATE"`) {
					continue
				}
				cuts++
				before := strings.Join(lines[:i+1], "\n") + "\n"
				o1 := singertest.Check(t, []byte(before))
				r := runTap(t, t.Context(), nil, "--config", cfgPath, "--catalog", cat, "--state", writeFile(t, "state.json", string(o1.LastState())))
				require.Equal(t, 0, r.code, r.stderr)
				ck := singertest.NewStateChecker(want)
				assert.Empty(t, ck.Feed([]byte(before)), "cut at line %d", i)
				assert.Empty(t, ck.Feed([]byte(r.stdout)), "resumed after line %d", i)
				got := activityEmitted(t, o1)
				for id, ats := range activityEmitted(t, singertest.Check(t, []byte(r.stdout))) {
					got[id] = append(got[id], ats...)
				}
				lost := 0
				for _, e := range want {
					if len(got[e.Key]) == 0 {
						lost++
					}
				}
				assert.Zero(t, lost, "cut after line %d: %d of %d entries lost", i, lost, len(want))
			}
			assert.Greater(t, cuts, 8, "a STATE per window")
		})
	}
}

// A page that is not {"data":[...]} is a failed attempt: retried, and if it
// persists the run fails with Dixa's message, without moving a bookmark or
// sending ACTIVATE_VERSION.
func TestEnvelopeAnomalies(t *testing.T) {
	for _, kind := range []string{"message", "empty", "null-data", "object-data"} {
		t.Run(kind+"/retried", func(t *testing.T) {
			_, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 60, APIOptions: dixamock.APIOptions{Envelope: kind, EnvelopeEvery: 2}})
			cfg := baseConfig(url)
			cfg["page_size"] = 5
			cfg["emit_activate_version_messages"] = true
			r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "activity_logs", "agents"))
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stderr, "WARNING")
			o := singertest.Check(t, []byte(r.stdout))
			for _, stream := range []string{"activity_logs", "agents"} {
				got, want := emittedKeys(o, stream), truthKeys(t, url, stream)
				assert.Equal(t, len(want), len(got), stream)
			}
		})
		t.Run(kind+"/persistent", func(t *testing.T) {
			_, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 60, APIOptions: dixamock.APIOptions{Envelope: kind, EnvelopeEvery: 1}})
			cfg := baseConfig(url)
			cfg["max_retries"] = 2
			cfg["emit_activate_version_messages"] = true
			for _, stream := range []string{"activity_logs", "agents"} {
				r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, stream))
				require.Equal(t, 1, r.code, r.stderr)
				last := strings.Split(strings.TrimSpace(r.stderr), "\n")
				assert.Contains(t, last[len(last)-1], "CRITICAL "+stream+": ")
				assert.Contains(t, last[len(last)-1], `200 but not {"data":[...]}`)
				if kind == "message" {
					assert.Contains(t, last[len(last)-1], "Something went wrong")
				}
				assert.NotContains(t, r.stdout, "ACTIVATE_VERSION")
				assert.NotContains(t, r.stdout, `"type":"RECORD"`)
				o := singertest.Check(t, []byte(r.stdout))
				var st struct {
					Bookmarks map[string]any `json:"bookmarks"`
				}
				require.NoError(t, json.Unmarshal(o.LastState(), &st))
				assert.Empty(t, st.Bookmarks, "no bookmark moved")
			}
		})
	}
}

// A 200 export answer that is an object is retried, then fails with Dixa's
// message.
func TestExportObjectAnswer(t *testing.T) {
	t.Run("retried", func(t *testing.T) {
		m, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 200, Faults: dixamock.Faults{Seed: 3, Object: 0.4}})
		cfg := baseConfig(url)
		cfg["window_days"] = 3
		r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "conversations"))
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "Something went wrong")
		assert.Positive(t, m.Stats().Faults[dixamock.FaultObject], "the fault was served")
		o := singertest.Check(t, []byte(r.stdout))
		got, want := emittedKeys(o, "conversations"), truthKeys(t, url, "conversations")
		assert.Len(t, got, len(want))
		for k := range want {
			assert.Equal(t, 1, got[k], k)
		}
	})
	t.Run("persistent", func(t *testing.T) {
		_, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 20, Faults: dixamock.Faults{Seed: 3, Object: 1}})
		cfg := baseConfig(url)
		cfg["max_retries"] = 1
		r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "conversations"))
		require.Equal(t, 1, r.code, r.stderr)
		assert.Regexp(t, `CRITICAL conversations: window 2024-01-01T00:00:00Z\.\.\S+: GET \S+: 200 but not .*Something went wrong`, r.stderr)
		assert.NotContains(t, r.stderr, "found an object")
	})
}

// A meta.next that repeats a pageKey, or cycles back, fails the stream
// instead of paging for ever.
func TestRepeatingPageKeyFails(t *testing.T) {
	for _, mode := range []string{"repeat", "cycle"} {
		t.Run(mode, func(t *testing.T) {
			_, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 20, APIOptions: dixamock.APIOptions{PageKeys: mode}})
			cfg := baseConfig(url)
			cfg["page_size"] = 5
			r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "agents"))
			require.Equal(t, 1, r.code, r.stderr)
			assert.Contains(t, r.stderr, "CRITICAL agents: ")
			assert.Contains(t, r.stderr, "Dixa is paging in a loop")
			o := singertest.Check(t, []byte(r.stdout))
			assert.LessOrEqual(t, len(o.Records["agents"]), len(truthKeys(t, url, "agents"))+5, "stopped at the first repeat")
		})
	}
}

// A conversation Dixa answers 404 for is skipped for that child stream,
// with a WARNING, a METRIC and a summary, and the run goes on to the end.
func TestChildNotFoundIsSkipped(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 80, APIOptions: dixamock.APIOptions{NotFoundEvery: 7}})
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", baseConfig(url)),
		"--catalog", catalogFor(t, "conversations", "conversation_ratings", "conversation_notes", "tags"))
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	assert.NotEmpty(t, o.Records["tags"], "streams after the children still run")
	skipped := 0
	for id := range truthKeys(t, url, "conversations") {
		if m.NotFound("/v1/conversations/" + id + "/ratings") {
			skipped++
			assert.Contains(t, r.stderr, "WARNING conversation_ratings: conversations "+id+": ")
		}
	}
	require.Positive(t, skipped)
	assert.Contains(t, r.stderr, `"metric":"skipped_parents"`)
	assert.Regexp(t, `WARNING conversation_ratings: skipped \d+ conversations record\(s\) that Dixa answered 404 for`, r.stderr)
	for k := range truthKeys(t, url, "conversation_ratings") {
		id := strings.SplitN(k, "|", 2)[0]
		if !m.NotFound("/v1/conversations/" + id + "/ratings") {
			assert.Contains(t, emittedKeys(o, "conversation_ratings"), k)
		}
	}
}

// pausingWriter is a Singer target that stops reading for a while once
// it has read after bytes.
type pausingWriter struct {
	bytes.Buffer
	after  int
	pause  time.Duration
	paused bool
}

func (w *pausingWriter) Write(p []byte) (int, error) {
	if !w.paused && w.Len() >= w.after {
		w.paused = true
		time.Sleep(w.pause)
	}
	return w.Buffer.Write(p)
}

// Time the target spends not reading is not the server's idleness: a
// pause longer than request_timeout_seconds in the middle of a window
// neither fails nor repeats a request.
func TestTargetPauseIsNotAStall(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 2000})
	cfg := baseConfig(url)
	cfg["request_timeout_seconds"] = 1
	out := &pausingWriter{after: 300 << 10, pause: 2500 * time.Millisecond}
	var errb bytes.Buffer
	code := cli.Run(t.Context(), cli.Env{
		Args:   []string{"--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "conversations")},
		Stdout: out, Stderr: &errb, Now: func() time.Time { return fixedNow },
	})
	require.Equal(t, 0, code, errb.String())
	require.True(t, out.paused, "the target paused mid-window")
	assert.NotContains(t, errb.String(), "attempt 1 failed")
	assert.NotContains(t, errb.String(), "stalled")
	assert.Equal(t, int64(2), m.Stats().Requests[dixamock.ConversationExport], "one request per window, none repeated")
	o := singertest.Check(t, out.Bytes())
	assert.Len(t, emittedKeys(o, "conversations"), len(truthKeys(t, url, "conversations")))
}

// An https base URL that redirects to plain http (here on loopback, which
// a base URL may use) is refused: the token never travels in clear text.
func TestHTTPSDowngradeRefused(t *testing.T) {
	var sawToken atomic.Int64
	plainMock := dixamock.New(dixamock.Options{Token: token, Seed: 5, Conversations: 20, Start: dataStart, End: dataStart.AddDate(0, 2, 0)})
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), token) {
			sawToken.Add(1)
		}
		plainMock.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(plain.Close)
	m := dixamock.New(dixamock.Options{Token: token, Seed: 5, Conversations: 20, Start: dataStart, End: dataStart.AddDate(0, 2, 0), RedirectTo: plain.URL})
	secure := httptest.NewTLSServer(m.Handler())
	t.Cleanup(secure.Close)
	cfg := baseConfig(secure.URL)
	var out, errb bytes.Buffer
	code := cli.Run(t.Context(), cli.Env{
		Args:   []string{"--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "conversations", "agents")},
		Stdout: &out, Stderr: &errb, Now: func() time.Time { return fixedNow }, HTTPClient: secure.Client(),
	})
	assert.Equal(t, 1, code, errb.String())
	assert.Contains(t, errb.String(), "refusing redirect from https://")
	assert.Zero(t, sawToken.Load(), "the token never reached the http server")
	assert.Positive(t, m.Stats().Redirects, "the redirect was served")
	assert.NotContains(t, out.String()+errb.String(), token)
}

// Bytes that are not UTF-8 inside strings reach stdout as U+FFFD, with one
// warning per stream, so that strict targets can read every line.
func TestInvalidUTF8Repaired(t *testing.T) {
	at := dataStart.Add(time.Hour).UnixMilli()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, "[{\"id\":1,\"updated_at\":%d,\"status\":\"bad \xff here\"},{\"id\":2,\"updated_at\":%d,\"subject\":\"cut \xe2\x82\"}]", at, at)
	}))
	t.Cleanup(srv.Close)
	cfg := baseConfig(srv.URL)
	cfg["end_date"] = "2024-01-02"
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, "conversations"))
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, utf8.ValidString(r.stdout), "stdout is UTF-8")
	assert.Contains(t, r.stdout, `"status":"bad `+"\uFFFD"+` here"`)
	assert.Contains(t, r.stdout, `"subject":"cut `+"\uFFFD\uFFFD"+`"`)
	assert.Equal(t, 1, strings.Count(r.stderr, "not UTF-8"), r.stderr)
	assert.Len(t, singertest.Check(t, []byte(r.stdout)).Records["conversations"], 2)
}

// A team removed between the list and its members is skipped too.
func TestMemberListNotFoundIsSkipped(t *testing.T) {
	_, url0 := startMock(t, dixamock.Options{Seed: 5, Conversations: 10})
	var team string
	for k := range truthKeys(t, url0, "teams") {
		team = k
		break
	}
	require.NotEmpty(t, team)
	_, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 10, APIOptions: dixamock.APIOptions{NotFound: []string{"/v1/teams/" + team + "/agents"}}})
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", baseConfig(url)), "--catalog", catalogFor(t, "teams", "team_members"))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "WARNING team_members: teams "+team+": Team with id "+team+" not found; skipping it")
	o := singertest.Check(t, []byte(r.stdout))
	got := emittedKeys(o, "team_members")
	want := 0
	for k := range truthKeys(t, url, "team_members") {
		if strings.HasPrefix(k, team+"|") {
			assert.NotContains(t, got, k)
			continue
		}
		want++
		assert.Contains(t, got, k)
	}
	assert.Len(t, got, want)
}
