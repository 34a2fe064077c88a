//go:build linux

package main

// Signals against the built binary while its stdout is a pipe that
// nobody reads: the tap blocks writing, and must still exit.

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// fGetPipeSz is Linux's fcntl F_GETPIPE_SZ.
const fGetPipeSz = 1032

// syncArgs returns the arguments of a sync of the mock's default 2000
// conversations, far more output than a pipe holds, as fast as it goes.
func syncArgs(t *testing.T) []string {
	t.Helper()
	m := startMockProcess(t, "--seed", "3", "--minute-seconds", "0")
	cfg := writeConfig(t, map[string]any{
		"api_token": e2eToken, "start_date": "2024-01-01", "end_date": "2024-07-01", "window_days": 7,
		"exports_base_url": m.url, "conversations_requests_per_minute": 100000, "messages_requests_per_minute": 100000,
	})
	return []string{"--config", cfg, "--catalog", exportsCatalog(t)}
}

// blockedTap is a running tap whose stdout pipe is full and unread.
type blockedTap struct {
	cmd    *exec.Cmd
	exited chan struct{}
	stderr string // path
}

// startBlocked starts the tap and returns once it is blocked writing
// stdout.
func startBlocked(t *testing.T, args []string) *blockedTap {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	b := &blockedTap{cmd: tapCmd(nil, args...), exited: make(chan struct{}), stderr: filepath.Join(t.TempDir(), "stderr")}
	errFile, err := os.Create(b.stderr)
	require.NoError(t, err)
	defer errFile.Close()
	b.cmd.Stdout, b.cmd.Stderr = w, errFile
	require.NoError(t, b.cmd.Start())
	w.Close()
	go func() { _ = b.cmd.Wait(); close(b.exited) }()
	t.Cleanup(func() { _ = b.cmd.Process.Kill(); <-b.exited })

	size, _, errno := syscall.Syscall(syscall.SYS_FCNTL, r.Fd(), fGetPipeSz, 0)
	require.Zero(t, errno)
	// The pipe holds up to size bytes, less when writes leave pages part
	// full: blocked is when it holds most of that and stops changing.
	last, since := int32(-1), time.Now()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-b.exited:
			t.Fatalf("the tap exited before its stdout filled: %s", b.readStderr(t))
		default:
		}
		var n int32
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
		require.Zero(t, errno)
		switch {
		case n != last:
			last, since = n, time.Now()
		case uintptr(n) > size/2 && time.Since(since) > 300*time.Millisecond && b.readStderr(t) != "":
			return b // full, and the tap has logged progress
		}
	}
	t.Fatalf("stdout never filled: %s", b.readStderr(t))
	return nil
}

func (b *blockedTap) readStderr(t *testing.T) string {
	out, err := os.ReadFile(b.stderr)
	require.NoError(t, err)
	return string(out)
}

// signal sends sig and returns how long the tap took to exit, failing
// after 5 s.
func (b *blockedTap) signal(t *testing.T, sig syscall.Signal) time.Duration {
	t.Helper()
	sent := time.Now()
	require.NoError(t, b.cmd.Process.Signal(sig))
	select {
	case <-b.exited:
	case <-time.After(5 * time.Second):
		t.Fatalf("still running 5 s after %v", sig)
	}
	return time.Since(sent)
}

// With stdout blocked, SIGTERM and SIGINT still end the tap within 2 s
// with 143 and 130.
func TestSignalWhileStdoutBlocked(t *testing.T) {
	args := syncArgs(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		b := startBlocked(t, args)
		took := b.signal(t, sig)
		t.Logf("%v with stdout blocked: exited %d after %.2f s", sig, b.cmd.ProcessState.ExitCode(), took.Seconds())
		assert.Less(t, took, 2*time.Second)
		assert.Equal(t, 128+int(sig), b.cmd.ProcessState.ExitCode(), b.readStderr(t))
	}
}

// A second signal exits at once, with its code.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	b := startBlocked(t, syncArgs(t))
	require.NoError(t, b.cmd.Process.Signal(syscall.SIGTERM))
	time.Sleep(100 * time.Millisecond) // two separate signals, not one pending
	took := b.signal(t, syscall.SIGTERM)
	t.Logf("second SIGTERM: exited %d after %.2f s", b.cmd.ProcessState.ExitCode(), took.Seconds())
	assert.Less(t, took, 500*time.Millisecond)
	assert.Equal(t, 143, b.cmd.ProcessState.ExitCode())
}

// With a reader that keeps reading, SIGTERM mid-sync still ends stdout
// with a STATE, the safe resume point.
func TestSignalWithReaderEndsWithState(t *testing.T) {
	cmd := tapCmd(nil, syncArgs(t)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	var out bytes.Buffer
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 16<<20)
	sent, records := time.Time{}, 0
	for sc.Scan() {
		out.Write(sc.Bytes())
		out.WriteByte('\n')
		if bytes.HasPrefix(sc.Bytes(), []byte(`{"type":"RECORD"`)) {
			records++
		}
		if records == 1000 && sent.IsZero() {
			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			sent = time.Now()
		}
	}
	_ = cmd.Wait()
	require.False(t, sent.IsZero(), "the sync wrote 1000 records: %s", stderr.String())
	t.Logf("SIGTERM with a reader: exited %d after %.2f s", cmd.ProcessState.ExitCode(), time.Since(sent).Seconds())
	assert.Equal(t, 143, cmd.ProcessState.ExitCode(), stderr.String())
	lines := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
	assert.True(t, bytes.HasPrefix(lines[len(lines)-1], []byte(`{"type":"STATE"`)), "the last line is a STATE: %s", lines[len(lines)-1])
	singertest.Check(t, out.Bytes())
}
