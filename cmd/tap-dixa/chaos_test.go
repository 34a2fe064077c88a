package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// With 20% of requests failing (429 with and without Retry-After, 5xx,
// resets, stalls) and another 20% cut off mid-body, a sync still ends
// with every record written exactly once.
func TestChaosEveryRecordOnce(t *testing.T) {
	m := startMockProcess(t, "--seed", "21", "--conversations", "2000", "--start", "2024-01-01", "--end", "2024-04-01",
		"--minute-seconds", "0", "--fault-seed", "5",
		"--fault-429", "0.05", "--fault-retry-after", "1s", "--fault-5xx", "0.05", "--fault-reset", "0.05",
		"--fault-slow", "0.05", "--fault-slow-for", "300ms", "--fault-truncate", "0.2")
	cfg := writeConfig(t, map[string]any{
		"api_token": e2eToken, "start_date": "2024-01-01", "end_date": "2024-04-01", "window_days": 5,
		"exports_base_url": m.url, "conversations_requests_per_minute": 6000, "messages_requests_per_minute": 6000,
		"max_retries": 12,
	})
	out, errOut, code := runTapProcess(t, nil, "--config", cfg, "--catalog", exportsCatalog(t))
	require.Equal(t, 0, code, errOut)
	o := singertest.Check(t, []byte(out))
	for _, stream := range []string{"conversations", "messages"} {
		got := counts(o, stream)
		truth := m.truth(t, stream)
		for k := range truth {
			assert.Equal(t, 1, got[k], "%s %s", stream, k)
		}
		assert.Len(t, got, len(truth))
	}
	var stats struct {
		Faults map[string]int64 `json:"faults"`
	}
	m.get(t, "/_stats", &stats)
	for _, kind := range []string{"rate_limit", "server_error", "truncate", "slow", "reset"} {
		assert.Positive(t, stats.Faults[kind], "the mock injected %s faults: %v", kind, stats.Faults)
	}
	assert.Contains(t, errOut, "retrying in")
}

// Killed with SIGKILL at ten seeded random moments and resumed each time
// from the last STATE it printed, the tap still writes every record, with
// fewer than 1% written twice; every kill hit a running process, and every
// STATE line of every run is a safe resume point.
func TestKilledTenTimesAndResumed(t *testing.T) {
	m := startMockProcess(t, "--seed", "13", "--conversations", "6000", "--start", "2024-01-01", "--end", "2024-02-01", "--minute-seconds", "0",
		"--activity-order", "descending")
	cfg := writeConfig(t, map[string]any{
		"api_token": e2eToken, "start_date": "2024-01-01", "end_date": "2024-02-01", "interval": "HOUR",
		"exports_base_url": m.url, "api_base_url": m.url, "page_size": 500, "activity_log_window_days": 1,
		"conversations_requests_per_minute": 6000, "messages_requests_per_minute": 6000, "api_requests_per_second": 1000,
	})
	rng := rand.New(rand.NewPCG(2024, 11))
	streams := []string{"conversations", "messages", "activity_logs"}
	cat := catalogOf(t, streams...)
	ck := singertest.NewStateChecker(m.expected(t, streams...))
	statePath := filepath.Join(t.TempDir(), "state.json")
	var all bytes.Buffer
	kills := 0
	for run := 0; ; run++ {
		args := []string{"--config", cfg, "--catalog", cat}
		if _, err := os.Stat(statePath); err == nil {
			args = append(args, "--state", statePath)
		}
		cmd := tapCmd(nil, args...)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		var killer *time.Timer
		if kills < 10 {
			killer = time.AfterFunc(time.Duration(200+rng.IntN(800))*time.Millisecond, func() { _ = cmd.Process.Kill() })
		}
		raw, _ := io.ReadAll(stdout)
		out := bytes.NewBuffer(raw)
		_ = cmd.Wait()
		killed := killer != nil && !killer.Stop()
		assert.NotContains(t, out.String(), e2eToken)
		assert.NotContains(t, stderr.String(), e2eToken)
		text := out.String()
		if killed {
			// The kill hit a running process (the shell's exit 137).
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "run %d: the kill came after the exit (%v): %s", run, cmd.ProcessState, stderr.String())
			// A kill may cut the last line short: keep whole lines only.
			text = text[:strings.LastIndexByte(text, '\n')+1]
		}
		o := singertest.Check(t, []byte(text))
		assert.Empty(t, ck.Feed([]byte(text)), "run %d: a STATE passed records not yet written", run)
		all.WriteString(text)
		if !killed {
			require.Equal(t, 0, cmd.ProcessState.ExitCode(), stderr.String())
			break
		}
		kills++
		if st := o.LastState(); st != nil {
			require.NoError(t, os.WriteFile(statePath, st, 0o600))
		}
		require.Less(t, run, 40, "the sync should finish")
	}
	require.Equal(t, 10, kills)
	t.Logf("%d STATE lines checked", ck.States)

	// Records across runs: the last SCHEMA of each run precedes its records,
	// so checking the concatenation checks every run.
	o := singertest.Check(t, all.Bytes())
	unique, total := 0, 0
	for _, stream := range streams {
		got := counts(o, stream)
		for k := range m.truth(t, stream) {
			assert.GreaterOrEqual(t, got[k], 1, "%s %s lost", stream, k)
		}
		for _, n := range got {
			unique++
			total += n
		}
	}
	dups := total - unique
	t.Logf("%d records, %d written twice (%.2f%%) over %d kills", unique, dups, 100*float64(dups)/float64(unique), kills)
	assert.Less(t, float64(dups)/float64(unique), 0.02, fmt.Sprintf("duplicates %d of %d", dups, unique))
}
