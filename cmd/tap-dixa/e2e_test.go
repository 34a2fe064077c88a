package main

// End-to-end tests: the built tap-dixa binary against the built dixa-mock
// binary, as separate processes over loopback.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

const e2eToken = "e2e-TOKEN-77c0ffee"

var timeExtracted = regexp.MustCompile(`"time_extracted":"[^"]*"`)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tap-dixa-e2e")
	if err != nil {
		panic(err)
	}
	binDir = dir
	for _, pkg := range []string{"tap-dixa", "dixa-mock"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, pkg), "../"+pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building", pkg, "failed:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// mock is a running dixa-mock process.
type mock struct {
	url        string
	start, end time.Time // its data range (--start, --end)
}

func startMockProcess(t *testing.T, args ...string) *mock {
	t.Helper()
	urlFile := filepath.Join(t.TempDir(), "url")
	args = append([]string{"--addr", "127.0.0.1:0", "--url-file", urlFile, "--token", e2eToken}, args...)
	cmd := exec.Command(filepath.Join(binDir, "dixa-mock"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	for i := 0; i < 300; i++ {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			m := &mock{url: strings.TrimSpace(string(b)), start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), end: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)}
			for i := 0; i+1 < len(args); i++ {
				if d, err := time.Parse(time.DateOnly, args[i+1]); err == nil && args[i] == "--start" {
					m.start = d
				} else if err == nil && args[i] == "--end" {
					m.end = d
				}
			}
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("dixa-mock did not start: %s", stderr.String())
	return nil
}

func (m *mock) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.url + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	d := json.NewDecoder(resp.Body)
	d.UseNumber()
	require.NoError(t, d.Decode(v))
}

// truthRows returns the mock's truth of a stream; the activity log's
// only within the range the tests sync (its entries may predate the
// conversations).
func (m *mock) truthRows(t *testing.T, stream string) []truthRow {
	var rows []truthRow
	path := "/_truth/" + stream
	if stream == "activity_logs" {
		path += fmt.Sprintf("?after=%d&before=%d", m.start.UnixMilli(), m.end.UnixMilli())
	}
	m.get(t, path, &rows)
	require.NotEmpty(t, rows, stream)
	return rows
}

type truthRow struct {
	ID json.RawMessage `json:"id"`
	At json.Number     `json:"at"`
}

// truth returns the mock's "id@at" set of a stream.
func (m *mock) truth(t *testing.T, stream string) map[string]bool {
	out := map[string]bool{}
	for _, r := range m.truthRows(t, stream) {
		out[strings.Trim(string(r.ID), `"`)+"@"+r.At.String()] = true
	}
	return out
}

// expected returns the truth of the streams for a StateChecker.
func (m *mock) expected(t *testing.T, streams ...string) []singertest.Expected {
	var out []singertest.Expected
	for _, stream := range streams {
		for _, r := range m.truthRows(t, stream) {
			ms, err := r.At.Int64()
			require.NoError(t, err)
			out = append(out, singertest.Expected{Stream: stream, Key: strings.Trim(string(r.ID), `"`), At: time.UnixMilli(ms)})
		}
	}
	return out
}

var replicationKey = map[string]string{"conversations": "updated_at", "messages": "created_at", "activity_logs": "activityTimestamp"}

// counts counts a stream's records by "id@at", at in Unix ms.
func counts(o *singertest.Output, stream string) map[string]int {
	m := map[string]int{}
	ids, ats := o.Field(stream, "id"), o.Field(stream, replicationKey[stream])
	for i := range ids {
		at := ats[i]
		if ts, err := time.Parse(time.RFC3339Nano, strings.Trim(at, `"`)); err == nil {
			at = strconv.FormatInt(ts.UnixMilli(), 10)
		}
		m[strings.Trim(ids[i], `"`)+"@"+at]++
	}
	return m
}

func writeConfig(t *testing.T, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

// exportsCatalog writes the discovered catalog with only the two export
// streams selected.
func exportsCatalog(t *testing.T) string {
	t.Helper()
	return catalogOf(t, "conversations", "messages")
}

// catalogOf writes the discovered catalog with only the named streams
// selected.
func catalogOf(t *testing.T, streams ...string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(binDir, "tap-dixa"), "--discover").Output()
	require.NoError(t, err)
	var cat struct {
		Streams []map[string]any `json:"streams"`
	}
	require.NoError(t, json.Unmarshal(out, &cat))
	for _, s := range cat.Streams {
		s["selected"] = slices.Contains(streams, s["stream"].(string))
	}
	b, err := json.Marshal(cat)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "catalog.json")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func tapCmd(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(binDir, "tap-dixa"), args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func runTapProcess(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := tapCmd(env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatal(err)
	}
	assert.NotContains(t, out.String(), e2eToken)
	assert.NotContains(t, errb.String(), e2eToken)
	return out.String(), errb.String(), code
}

// Six months of data, synced by the binary with Dixa's limits in a scaled
// minute, killed (SIGKILL) right after an arbitrary STATE and resumed from
// it, emits every record the fake holds, each valid against its SCHEMA,
// with no 429 along the way.
func TestSixMonthsKilledAndResumed(t *testing.T) {
	m := startMockProcess(t, "--seed", "42", "--conversations", "3000", "--start", "2024-01-01", "--end", "2024-07-01", "--minute-seconds", "1")
	cfg := writeConfig(t, map[string]any{
		"api_token": e2eToken, "start_date": "2024-01-01", "end_date": "2024-07-01", "window_days": 10,
		"exports_base_url":                  m.url,
		"conversations_requests_per_minute": 300, // 5/s under the mock's 10 per scaled minute
		"messages_requests_per_minute":      120, // 2/s under its 3
	})

	// First run: stop it hard right after the 27th STATE it prints,
	// six windows into the messages stream.
	cat := exportsCatalog(t)
	cmd := tapCmd(nil, "--config", cfg, "--catalog", cat)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	var first bytes.Buffer
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 16<<20)
	states := 0
	for sc.Scan() {
		first.Write(sc.Bytes())
		first.WriteByte('\n')
		if bytes.HasPrefix(sc.Bytes(), []byte(`{"type":"STATE"`)) {
			if states++; states == 27 {
				require.NoError(t, cmd.Process.Kill())
				break
			}
		}
	}
	_ = cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "the kill hit a running process: %v", cmd.ProcessState)
	o1 := singertest.Check(t, first.Bytes())
	require.Equal(t, 27, len(o1.States), "killed after the 27th STATE: %s", stderr.String())
	ck := singertest.NewStateChecker(m.expected(t, "conversations", "messages"))
	assert.Empty(t, ck.Feed(first.Bytes()), "every STATE of the killed run is a safe resume point")
	var st struct {
		Bookmarks map[string]map[string]int64 `json:"bookmarks"`
	}
	require.NoError(t, json.Unmarshal(o1.LastState(), &st))
	require.NotEmpty(t, st.Bookmarks["messages"], "the cut falls mid-stream")

	statePath := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(statePath, o1.LastState(), 0o600))
	out2, errOut2, code := runTapProcess(t, nil, "--config", cfg, "--state", statePath, "--catalog", cat)
	require.Equal(t, 0, code, errOut2)
	o2 := singertest.Check(t, []byte(out2))
	assert.Empty(t, ck.Feed([]byte(out2)), "every STATE of the resumed run is a safe resume point")

	for _, stream := range []string{"conversations", "messages"} {
		got := counts(o1, stream)
		for k, n := range counts(o2, stream) {
			got[k] += n
		}
		truth := m.truth(t, stream)
		for k := range truth {
			assert.GreaterOrEqual(t, got[k], 1, "%s %s lost", stream, k)
			assert.LessOrEqual(t, got[k], 2, "%s %s written %d times", stream, k, got[k])
		}
		assert.Len(t, got, len(truth), "%s: nothing beyond the truth", stream)
	}
	var stats struct {
		RateLimited map[string]int64 `json:"rate_limited"`
	}
	m.get(t, "/_stats", &stats)
	for ep, n := range stats.RateLimited {
		assert.Zero(t, n, "%s answered 429 %d times under the documented limits", ep, n)
	}
	assert.JSONEq(t, `{"bookmarks":{"conversations":{"updated_at":1719792000000},"messages":{"created_at":1719792000000}},"currently_syncing":null}`, string(o2.LastState()))
}

// The host's time zone changes nothing: the same naive start date gives
// the same windows, records and bookmarks in UTC, Los Angeles and Kolkata.
func TestHostTimeZoneDoesNotMatter(t *testing.T) {
	m := startMockProcess(t, "--seed", "8", "--conversations", "300", "--start", "2024-03-01", "--end", "2024-04-15", "--minute-seconds", "0")
	cfg := writeConfig(t, map[string]any{
		"api_token": e2eToken, "start_date": "2024-03-01T00:00:00", "end_date": "2024-04-15", "window_days": 1,
		"exports_base_url": m.url, "conversations_requests_per_minute": 100000, "messages_requests_per_minute": 100000,
		"max_parallel_streams": 1, // one order of output, to compare across zones
	})
	var want string
	cat := exportsCatalog(t)
	for _, tz := range []string{"UTC", "America/Los_Angeles", "Asia/Kolkata"} {
		out, errOut, code := runTapProcess(t, []string{"TZ=" + tz}, "--config", cfg, "--catalog", cat)
		require.Equal(t, 0, code, errOut)
		o := singertest.Check(t, []byte(out))
		for _, stream := range []string{"conversations", "messages"} {
			got := counts(o, stream)
			for k := range m.truth(t, stream) {
				assert.Equal(t, 1, got[k], "TZ=%s: %s %s", tz, stream, k)
			}
		}
		// Everything but time_extracted is identical across zones.
		norm := timeExtracted.ReplaceAllString(out, `"time_extracted":"X"`)
		if want == "" {
			want = norm
			continue
		}
		assert.Equal(t, want, norm, "TZ=%s changes the output", tz)
		assert.Contains(t, errOut, "window 10 of 45 2024-03-10T00:00:00Z..2024-03-11T00:00:00Z:", "windows are UTC days, DST or not")
	}
}

func TestDiscoverAndAboutNeedNoNetworkOrConfig(t *testing.T) {
	out, errOut, code := runTapProcess(t, nil, "--discover")
	require.Equal(t, 0, code, errOut)
	want, err := os.ReadFile("../../catalog.json")
	require.NoError(t, err)
	assert.Equal(t, string(want), out)
	out, _, code = runTapProcess(t, nil, "--about", "--format=json")
	require.Equal(t, 0, code)
	assert.True(t, json.Valid([]byte(out)))
}

func TestSignalStopsWithSafeState(t *testing.T) {
	// A mock whose rate limit makes the tap wait between message windows.
	m := startMockProcess(t, "--seed", "4", "--conversations", "200", "--start", "2024-01-01", "--end", "2024-03-01", "--minute-seconds", "0")
	cfg := writeConfig(t, map[string]any{
		"api_token": e2eToken, "start_date": "2024-01-01", "end_date": "2024-03-01", "window_days": 1,
		"exports_base_url": m.url, "conversations_requests_per_minute": 100000, "messages_requests_per_minute": 60,
		"max_parallel_streams": 1, // conversations complete before messages start
	})
	cat := exportsCatalog(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := tapCmd(nil, "--config", cfg, "--catalog", cat)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		var out bytes.Buffer
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 16<<20)
		sent := time.Time{}
		for sc.Scan() {
			out.Write(sc.Bytes())
			out.WriteByte('\n')
			if sent.IsZero() && bytes.Contains(sc.Bytes(), []byte(`"currently_syncing":"messages"`)) {
				require.NoError(t, cmd.Process.Signal(sig))
				sent = time.Now()
			}
		}
		_ = cmd.Wait()
		require.False(t, sent.IsZero())
		assert.Less(t, time.Since(sent), time.Second, "stops within a second")
		assert.Equal(t, 128+int(sig), cmd.ProcessState.ExitCode())
		o := singertest.Check(t, out.Bytes())
		assert.Contains(t, string(o.LastState()), `"conversations":{"updated_at":1709251200000}`)
	}
}
