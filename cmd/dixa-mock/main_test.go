package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesAndStops(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--url-file", urlFile, "--conversations", "50",
			"--token", "tok", "--start", "2024-01-01", "--end", "2024-01-20T00:00:00Z", "--minute-seconds", "0"}, &stdout, &stderr)
	}()

	var url string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(urlFile); err == nil {
			if !strings.HasSuffix(string(b), "\n") {
				t.Fatalf("partial url file %q", b)
			}
			url = strings.TrimSuffix(string(b), "\n")
			break
		}
		select {
		case code := <-done:
			t.Fatalf("run exited early with %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no url file after 10s")
		}
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url %q", url)
	}

	req, _ := http.NewRequest(http.MethodGet, url+"/v1/conversation_export?updated_after=2024-01-01&updated_before=2024-01-20", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var recs []map[string]json.RawMessage
	if err := json.Unmarshal(body, &recs); err != nil || len(recs) != 50 {
		t.Fatalf("got %d records (%v), want 50", len(recs), err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if got := stdout.String(); got != url+"\n" {
		t.Errorf("stdout %q, want the url line", got)
	}
	if !strings.Contains(stderr.String(), "dixa-mock: listening on "+url+" (50 conversations, ") {
		t.Errorf("stderr %q", stderr.String())
	}
	if _, err := os.Stat(urlFile); !os.IsNotExist(err) {
		t.Errorf("url file not removed after shutdown: %v", err)
	}
}

func TestRunBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"--conversations", "many"},
		{"--start", "yesterday"},
		{"--start", "2024-02-01", "--end", "2024-01-01"},
		{"--minute-seconds", "-1"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if lines := strings.Count(stderr.String(), "\n"); lines != 1 || !strings.HasPrefix(stderr.String(), "dixa-mock: ") {
			t.Errorf("%v: stderr %q, want one error line", args, stderr.String())
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: stdout %q", args, stdout.String())
		}
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(stdout.String(), "--url-file") {
		t.Errorf("usage %q", stdout.String())
	}
}
