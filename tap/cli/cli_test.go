package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap"
	"github.com/tap-dixa/tap-dixa/tap/cli"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const token = "tok-SECRET-4f9a1c"

var (
	dataStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fixedNow  = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
)

type result struct {
	code           int
	stdout, stderr string
}

func runTap(t *testing.T, ctx context.Context, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(ctx, cli.Env{
		Args:   args,
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return fixedNow },
	})
	r := result{code, out.String(), errb.String()}
	assert.NotContains(t, r.stdout, token, "the token never appears on stdout")
	assert.NotContains(t, r.stderr, token, "the token never appears on stderr")
	return r
}

func startMock(t *testing.T, opts dixamock.Options) (*dixamock.Server, string) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	if opts.Start.IsZero() {
		opts.Start, opts.End = dataStart, dataStart.AddDate(0, 2, 0)
	}
	m := dixamock.New(opts)
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return m, srv.URL
}

func writeFile(t *testing.T, name string, v any) string {
	t.Helper()
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	default:
		var err error
		b, err = json.Marshal(v)
		require.NoError(t, err)
	}
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func baseConfig(url string) map[string]any {
	return map[string]any{
		"api_token":                         token,
		"start_date":                        "2024-01-01",
		"end_date":                          "2024-03-01T00:00:00Z",
		"exports_base_url":                  url,
		"api_base_url":                      url,
		"conversations_requests_per_minute": 60000,
		"messages_requests_per_minute":      60000,
		"api_requests_per_second":           10000,
	}
}

// catalogFor writes the discovered catalog with only the named streams
// selected, as Meltano would.
func catalogFor(t *testing.T, streams ...string) string {
	t.Helper()
	c, err := tap.Discover()
	require.NoError(t, err)
	for _, e := range c.Streams {
		sel := slices.Contains(streams, e.Stream)
		e.Selected = &sel
	}
	b, err := cli.MarshalCatalog(c)
	require.NoError(t, err)
	return writeFile(t, "catalog.json", string(b))
}

// exportsOnly selects the two export streams.
func exportsOnly(t *testing.T) []string {
	return []string{"--catalog", catalogFor(t, "conversations", "messages")}
}

// truthSet is the set of "id@at" the mock holds.
func truthSet(ts []dixamock.Truth) map[string]bool {
	m := map[string]bool{}
	for _, t := range ts {
		m[t.ID+"@"+fmt.Sprint(t.At)] = true
	}
	return m
}

// emitted counts "id@at" over the stream's records.
func emitted(o *singertest.Output, stream, at string) map[string]int {
	m := map[string]int{}
	ids, ats := o.Field(stream, "id"), o.Field(stream, at)
	for i := range ids {
		m[strings.Trim(ids[i], `"`)+"@"+ats[i]]++
	}
	return m
}

func TestGoldenSync(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 7, Conversations: 12, Start: dataStart, End: dataStart.AddDate(0, 0, 3)})
	cfg := baseConfig(url)
	cfg["end_date"] = "2024-01-04"
	cfg["window_days"] = 1
	cfg["max_parallel_streams"] = 1 // a deterministic order for the golden file
	r := runTap(t, t.Context(), nil, append([]string{"--config", writeFile(t, "config.json", cfg)}, exportsOnly(t)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	singertest.Check(t, []byte(r.stdout))
	golden := filepath.Join("testdata", "golden", "sync.ndjson")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(r.stdout), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./tap/cli -update to create it")
	assert.Equal(t, string(want), r.stdout, "output differs from %s (go test ./tap/cli -update rewrites it)", golden)
	for _, l := range strings.Split(r.stderr, "\n") {
		assert.False(t, strings.HasPrefix(l, "WARNING"), "no warnings: %s", l)
	}
}

// No record may be lost at a window edge whatever Dixa's edge semantics,
// and within one run none is written twice.
func TestCompleteUnderEveryEdgeReading(t *testing.T) {
	for _, afterIncl := range []bool{false, true} {
		for _, beforeIncl := range []bool{false, true} {
			t.Run(fmt.Sprintf("after_inclusive=%v,before_inclusive=%v", afterIncl, beforeIncl), func(t *testing.T) {
				m, url := startMock(t, dixamock.Options{Seed: 3, Conversations: 400, AfterInclusive: afterIncl, BeforeInclusive: beforeIncl})
				cfg := baseConfig(url)
				cfg["window_days"] = 1 // every midnight is an edge
				r := runTap(t, t.Context(), nil, append([]string{"--config", writeFile(t, "config.json", cfg)}, exportsOnly(t)...)...)
				require.Equal(t, 0, r.code, r.stderr)
				o := singertest.Check(t, []byte(r.stdout))
				for stream, truth := range map[string][]dixamock.Truth{"conversations": m.Conversations(), "messages": m.Messages()} {
					at := map[string]string{"conversations": "updated_at", "messages": "created_at"}[stream]
					got := emitted(o, stream, at)
					want := truthSet(truth)
					for k := range want {
						assert.Equal(t, 1, got[k], "%s %s written %d times", stream, k, got[k])
					}
					assert.Len(t, got, len(want), "%s: nothing outside the truth", stream)
				}
				assert.Len(t, o.States, 2+2*60+1, "a STATE at each stream start, after each of 60 windows, and at the end")
			})
		}
	}
}

// A run cut at any STATE and resumed from it emits every record.
func TestResumeFromAnyState(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 11, Conversations: 300})
	cfg := writeFile(t, "config.json", func() map[string]any { c := baseConfig(url); c["window_days"] = 7; return c }())
	cat := exportsOnly(t)
	full := runTap(t, t.Context(), nil, append([]string{"--config", cfg}, cat...)...)
	require.Equal(t, 0, full.code, full.stderr)
	lines := strings.Split(strings.TrimSuffix(full.stdout, "\n"), "\n")
	var cuts []int
	for i, l := range lines {
		if strings.HasPrefix(l, `{"type":"STATE"`) {
			cuts = append(cuts, i)
		}
	}
	require.Greater(t, len(cuts), 10)
	for _, cut := range []int{cuts[1], cuts[len(cuts)/3], cuts[len(cuts)/2], cuts[len(cuts)-2]} {
		first := strings.Join(lines[:cut+1], "\n") + "\n"
		o1 := singertest.Check(t, []byte(first))
		state := writeFile(t, "state.json", string(o1.LastState()))
		r := runTap(t, t.Context(), nil, append([]string{"--config", cfg, "--state", state}, cat...)...)
		require.Equal(t, 0, r.code, r.stderr)
		o2 := singertest.Check(t, []byte(r.stdout))
		for stream, truth := range map[string][]dixamock.Truth{"conversations": m.Conversations(), "messages": m.Messages()} {
			at := map[string]string{"conversations": "updated_at", "messages": "created_at"}[stream]
			got := emitted(o1, stream, at)
			for k, n := range emitted(o2, stream, at) {
				got[k] += n
			}
			for k := range truthSet(truth) {
				assert.GreaterOrEqual(t, got[k], 1, "cut at line %d: %s %s lost", cut, stream, k)
				assert.LessOrEqual(t, got[k], 2, "cut at line %d: %s %s written %d times", cut, stream, k, got[k])
			}
		}
	}
}

func TestLegacyTapDixaStateAndConfig(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 5, Conversations: 200})
	cfg := map[string]any{"start_date": "2024-01-01", "api_token": token, "interval": "MONTH", "end_date": "2024-03-01",
		"exports_base_url": url, "conversations_requests_per_minute": 60000, "messages_requests_per_minute": 60000}
	state := `{"currently_syncing": null, "bookmarks": {"conversations": {"updated_at_datestring": "2024-02-01T00:00:00"}, "messages": {"created_at": 1706745600000}}}`
	r := runTap(t, t.Context(), nil, append([]string{"--config", writeFile(t, "config.json", cfg), "--state", writeFile(t, "state.json", state)}, exportsOnly(t)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	feb := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for stream, truth := range map[string][]dixamock.Truth{"conversations": m.Conversations(), "messages": m.Messages()} {
		at := map[string]string{"conversations": "updated_at", "messages": "created_at"}[stream]
		got := emitted(o, stream, at)
		n := 0
		for _, tr := range truth {
			if tr.At >= feb {
				n++
				assert.Equal(t, 1, got[tr.ID+"@"+fmt.Sprint(tr.At)], stream)
			}
		}
		assert.GreaterOrEqual(t, len(got), n)
		assert.LessOrEqual(t, len(got), n+3, "%s: only edge records before the bookmark", stream)
	}
	assert.JSONEq(t, `{"bookmarks":{"conversations":{"updated_at":1709251200000},"messages":{"created_at":1709251200000}},"currently_syncing":null}`, string(o.LastState()))
}

func TestCatalogSelection(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 2, Conversations: 50})
	cfg := writeFile(t, "config.json", baseConfig(url))
	disc := runTap(t, t.Context(), nil, "--discover")
	require.Equal(t, 0, disc.code)
	var cat map[string]any
	require.NoError(t, json.Unmarshal([]byte(disc.stdout), &cat))
	streams := cat["streams"].([]any)
	for _, s := range streams {
		e := s.(map[string]any)
		// Meltano's way: stream-level selected plus metadata, with
		// selected:false written even on automatic fields.
		sel := e["stream"] == "conversations"
		e["selected"] = sel
		for _, m := range e["metadata"].([]any) {
			mm := m.(map[string]any)
			bc, md := mm["breadcrumb"].([]any), mm["metadata"].(map[string]any)
			md["selected"] = sel
			if len(bc) == 2 && (bc[1] == "subject" || bc[1] == "id" || bc[1] == "updated_at") {
				md["selected"] = false
			}
		}
	}
	streams = append(streams, map[string]any{"tap_stream_id": "no_such_stream", "schema": map[string]any{}, "metadata": []any{}})
	cat["streams"] = streams
	r := runTap(t, t.Context(), nil, "--config", cfg, "--catalog", writeFile(t, "catalog.json", cat))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, `unknown stream "no_such_stream"`)
	o := singertest.Check(t, []byte(r.stdout))
	assert.Empty(t, o.Records["messages"], "messages not selected")
	require.NotEmpty(t, o.Records["conversations"])
	schema := string(o.Schemas["conversations"].Schema)
	assert.NotContains(t, schema, `"subject"`)
	assert.Contains(t, schema, `"id"`)
	for _, rec := range o.Records["conversations"] {
		assert.NotContains(t, string(rec), `"subject"`)
		assert.Contains(t, string(rec), `"id":`)
		assert.Contains(t, string(rec), `"updated_at":`)
	}
	// --properties is the older name of --catalog.
	r2 := runTap(t, t.Context(), nil, "--config", cfg, "--properties", writeFile(t, "catalog.json", cat))
	assert.Equal(t, r.stdout, r2.stdout)
}

func TestDiscoverMatchesCommittedCatalog(t *testing.T) {
	r := runTap(t, t.Context(), nil, "--discover")
	require.Equal(t, 0, r.code, r.stderr)
	want, err := os.ReadFile("../../catalog.json")
	require.NoError(t, err)
	assert.Equal(t, string(want), r.stdout, "catalog.json is stale: run make catalog")
}

func TestAbout(t *testing.T) {
	r := runTap(t, t.Context(), nil, "--about", "--format", "json")
	require.Equal(t, 0, r.code)
	var about struct {
		Name         string
		Capabilities []string
		Settings     struct {
			Properties map[string]map[string]any
			Required   []string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &about))
	assert.Equal(t, "tap-dixa", about.Name)
	assert.Equal(t, []string{"catalog", "discover", "state", "about", "test", "activate-version"}, about.Capabilities)
	assert.ElementsMatch(t, []string{"api_token", "start_date"}, about.Settings.Required)
	// As Meltano SDK taps print them: the hub reads date settings from this.
	for _, k := range []string{"start_date", "end_date"} {
		assert.Equal(t, "date-time", about.Settings.Properties[k]["format"], k)
	}
	assert.Equal(t, []any{"HOUR", "DAY", "WEEK", "MONTH"}, about.Settings.Properties["interval"]["enum"])
	assert.Contains(t, about.Settings.Properties["interval"]["description"], "case-insensitive")
	assert.Equal(t, true, about.Settings.Properties["api_token"]["secret"])
	assert.Len(t, about.Settings.Properties, 19)

	text := runTap(t, t.Context(), nil, "--about")
	assert.Contains(t, text.stdout, "Name: tap-dixa")
	assert.Contains(t, text.stdout, "TAP_DIXA_API_TOKEN")
	md := runTap(t, t.Context(), nil, "--about", "--format=markdown")
	assert.Contains(t, md.stdout, "| `window_days` |")
	assert.Equal(t, 2, runTap(t, t.Context(), nil, "--about", "--format", "yaml").code)
	v := runTap(t, t.Context(), nil, "--version")
	assert.Equal(t, 0, v.code)
	assert.True(t, strings.HasPrefix(v.stdout, "tap-dixa "))
	h := runTap(t, t.Context(), nil, "--help")
	for _, f := range []string{"--config", "--state", "--catalog", "--properties", "--discover", "--about", "--format", "--version"} {
		assert.Contains(t, h.stdout, f)
	}
}

// Two modes at once exit 2 with one clear line; --help wins over all.
func TestConflictingModesExitTwo(t *testing.T) {
	cfg := writeFile(t, "config.json", baseConfig("http://127.0.0.1:1"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--discover", "--about"}, "--about and --discover cannot be combined"},
		{[]string{"--config", cfg, "--discover", "--test"}, "--discover and --test cannot be combined"},
		{[]string{"--about", "--test"}, "--about and --test cannot be combined"},
		{[]string{"--version", "--about", "--format", "json"}, "--version and --about cannot be combined"},
		{[]string{"--version", "--discover"}, "--version and --discover cannot be combined"},
		{[]string{"--config", cfg, "--version", "--test"}, "--version and --test cannot be combined"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runTap(t, t.Context(), nil, tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, "CRITICAL "+tc.want+": give one of --version, --about, --discover or --test\n", r.stderr)
		})
	}
	h := runTap(t, t.Context(), nil, "--help", "--about", "--discover")
	assert.Equal(t, 0, h.code)
	assert.Contains(t, h.stdout, "Usage:")
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 1, Conversations: 5})
	good := baseConfig(url)
	with := func(k string, v any) string {
		c := baseConfig(url)
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return writeFile(t, "config.json", c)
	}
	goodCfg := writeFile(t, "config.json", good)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no config", nil, "--config"},
		{"missing token", []string{"--config", with("api_token", nil)}, "api_token"},
		{"bad date", []string{"--config", with("start_date", "last tuesday")}, "start_date"},
		{"window 0", []string{"--config", with("window_days", 0)}, "window_days"},
		{"window 40", []string{"--config", with("window_days", 40)}, "window_days"},
		{"end before start", []string{"--config", with("end_date", "2023-01-01")}, "end_date"},
		{"remote http", []string{"--config", with("exports_base_url", "http://exports.example.com")}, "exports_base_url"},
		{"missing config file", []string{"--config", "/nonexistent/config.json"}, "/nonexistent/config.json"},
		{"missing state", []string{"--config", goodCfg, "--state", "/nonexistent/state.json"}, "state /nonexistent/state.json"},
		{"empty state", []string{"--config", goodCfg, "--state", writeFile(t, "s.json", "")}, "empty file"},
		{"state not json", []string{"--config", goodCfg, "--state", writeFile(t, "s.json", "{oops")}, "not valid JSON"},
		{"state wrong shape", []string{"--config", goodCfg, "--state", writeFile(t, "s.json", `{"bookmarks":[]}`)}, "bookmarks"},
		{"bad bookmark", []string{"--config", goodCfg, "--state", writeFile(t, "s.json", `{"bookmarks":{"messages":{"created_at":"soon"}}}`)}, "bookmarks.messages.created_at"},
		{"catalog not json", []string{"--config", goodCfg, "--catalog", writeFile(t, "c.json", "not json")}, "catalog"},
		{"catalog wrong shape", []string{"--config", goodCfg, "--catalog", writeFile(t, "c.json", `{"streams":{}}`)}, "catalog"},
		{"unknown flag", []string{"--config", goodCfg, "--bogus"}, "--bogus"},
		{"stray argument", []string{"--config", goodCfg, "extra"}, "extra"},
		{"bad log level", []string{"--log-level", "loud"}, "log-level"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runTap(t, t.Context(), nil, tc.args...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			assert.True(t, strings.HasPrefix(last, "CRITICAL "), r.stderr)
			assert.Contains(t, last, tc.want)
		})
	}
}

func TestWrongTokenFailsClearly(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 1, Conversations: 5, Token: "the-right-one"})
	r := runTap(t, t.Context(), nil, append([]string{"--config", writeFile(t, "config.json", baseConfig(url))}, exportsOnly(t)...)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "401")
	assert.Contains(t, r.stderr, "check api_token")
	assert.Contains(t, r.stderr, "2 stream(s) failed: conversations, messages")
	o := singertest.Check(t, []byte(r.stdout))
	assert.JSONEq(t, `{"bookmarks":{},"currently_syncing":null}`, string(o.LastState()))
}

func TestConfigFromEnv(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 9, Conversations: 20})
	env := map[string]string{
		"TAP_DIXA_API_TOKEN": token, "TAP_DIXA_START_DATE": "2024-01-01", "TAP_DIXA_END_DATE": "2024-03-01",
		"TAP_DIXA_EXPORTS_BASE_URL": url, "TAP_DIXA_CONVERSATIONS_REQUESTS_PER_MINUTE": "60000",
		"TAP_DIXA_MESSAGES_REQUESTS_PER_MINUTE": "60000",
	}
	r := runTap(t, t.Context(), env, append([]string{"--config", "ENV"}, exportsOnly(t)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	assert.Len(t, o.Records["conversations"], len(m.Conversations()))
}

// Records that do not fit, bodies that are not an array, or are cut off:
// the run fails naming stream and window, and no bookmark passes them.
func TestBrokenAnswersFailWithoutAdvancing(t *testing.T) {
	for name, body := range map[string]string{
		"object":     `{"message":"surprise"}`,
		"html":       `<html><body>Bad gateway</body></html>`,
		"empty":      ``,
		"truncated":  `[{"id":1,"updated_at":1704067200000},{"id":2,"upd`,
		"wrong type": `[{"id":"one","updated_at":1704067200000}]`,
		"no id":      `[{"updated_at":1704067200000}]`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			r := runTap(t, t.Context(), nil, append([]string{"--config", writeFile(t, "config.json", baseConfig(srv.URL))}, exportsOnly(t)...)...)
			assert.Equal(t, 1, r.code)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			assert.Regexp(t, `^CRITICAL (conversations|messages): window 2024-01-01T00:00:00Z\.\.`, lines[len(lines)-1])
			o := singertest.Check(t, []byte(r.stdout))
			assert.Regexp(t, `^\{"bookmarks":\{\},"currently_syncing":"(conversations|messages)"\}$`, string(o.LastState()))
		})
	}
}

func TestInterruptedRunExits130WithSafeState(t *testing.T) {
	started := make(chan struct{})
	var once bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "updated_after=1704067199999") {
			_, _ = w.Write([]byte(`[{"id":1,"updated_at":1704067200000}]`))
			return
		}
		if !once {
			once = true
			close(started)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id":2,"updated_at":1704153600000}`))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // a slow body
	}))
	defer srv.Close()
	cfg := baseConfig(srv.URL)
	cfg["window_days"] = 1
	cfg["max_parallel_streams"] = 1
	ctx, cancel := context.WithCancelCause(t.Context())
	go func() { <-started; cancel(&cli.Interrupted{Signal: os.Interrupt}) }()
	r := runTap(t, ctx, nil, append([]string{"--config", writeFile(t, "config.json", cfg)}, exportsOnly(t)...)...)
	assert.Equal(t, 130, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	assert.JSONEq(t, `{"bookmarks":{"conversations":{"updated_at":1704153600000}},"currently_syncing":"conversations"}`, string(o.LastState()),
		"the bookmark covers the first window only")
	n := len(o.Records["conversations"])
	assert.True(t, n == 1 || n == 2, "the first window's record, and perhaps the one read before the interruption: %d", n)
}

func TestReadmeSettingsTableIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "<!-- settings:start")
	require.True(t, ok, "README has a settings:start marker")
	_, rest, _ = strings.Cut(rest, "-->\n")
	table, _, ok := strings.Cut(rest, "<!-- settings:end -->")
	require.True(t, ok, "README has a settings:end marker")
	md := cli.AboutMarkdown()
	_, want, _ := strings.Cut(md, "## Settings\n\n")
	want, _, _ = strings.Cut(want, "\n\n")
	assert.Equal(t, want+"\n", table, "README's config table differs from --about --format markdown")
}

// tap-dixa 1.0.x's own files work unchanged: its config.json.example
// layout, a catalog as its --discover writes it with selection by
// metadata (conversations) and by the stream-level flag (messages), and
// its state file; the sync resumes from that state.
func TestTapDixaFilesAreAccepted(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 17, Conversations: 150})
	// config.json.example plus where to find the fake Dixa.
	cfg := writeFile(t, "config.json", map[string]any{"start_date": "2021-08-01", "api_token": token, "interval": "MONTH",
		"end_date": "2024-03-01", "exports_base_url": url, "api_base_url": url,
		"conversations_requests_per_minute": 60000, "messages_requests_per_minute": 60000, "api_requests_per_second": 10000})
	r := runTap(t, t.Context(), nil, "--config", cfg, "--catalog", "testdata/tapdixa/catalog.json", "--state", "testdata/tapdixa/state.json")
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	feb := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for stream, truth := range map[string][]dixamock.Truth{"conversations": m.Conversations(), "messages": m.Messages()} {
		at := map[string]string{"conversations": "updated_at", "messages": "created_at"}[stream]
		got := emitted(o, stream, at)
		want := 0
		for _, tr := range truth {
			if tr.At >= feb {
				want++
				assert.Equal(t, 1, got[tr.ID+"@"+fmt.Sprint(tr.At)], "%s %s", stream, tr.ID)
			}
		}
		require.Positive(t, want)
		assert.LessOrEqual(t, len(got), want+3, "%s resumed from the bookmark, not from start_date", stream)
	}
	assert.NotContains(t, string(o.Schemas["conversations"].Schema), `"subject"`, "deselected by metadata")
	assert.Contains(t, string(o.Schemas["messages"].Schema), `"text"`)
	require.NotEmpty(t, o.Records["activity_logs"], "tap-dixa's activity_logs bookmark is read too")
	for _, at := range o.Field("activity_logs", "activityTimestamp") {
		assert.GreaterOrEqual(t, at, `"2024-01-31T23:59:59.000Z"`, "resumed from the bookmark")
	}
	assert.Contains(t, string(o.LastState()), `"activity_logs":{"activityTimestamp":"2024-03-01T00:00:00Z"}`)
}

func TestTestFlag(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 1, Conversations: 5})
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", baseConfig(url)), "--test")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "ok\n", r.stdout)

	bad := baseConfig(url)
	bad["api_token"] = "wrong-" + token
	r = runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", bad), "--test")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "401 Invalid or missing credentials (check api_token)")
}
