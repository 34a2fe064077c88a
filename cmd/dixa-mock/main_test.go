package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
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
		{"--fault-429", "0.6", "--fault-5xx", "0.3", "--fault-reset", "0.2"},
		{"--fault-truncate", "1.5"},
		{"--fault-slow", "-0.1"},
		{"--fault-reset", "NaN"},
		{"--fault-5xx", "lots"},
		{"--fault-retry-after", "soon"},
		{"--fault-retry-after", "-1s"},
		{"--fault-slow-for", "-2s"},
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

func TestFaultFlags(t *testing.T) {
	opts, _, _, err := parseFlags([]string{"--fault-seed", "9", "--fault-429", "0.1", "--fault-retry-after", "1500ms",
		"--fault-5xx=0.2", "--fault-truncate", "0.3", "--fault-slow", "0.1", "--fault-reset", "0.2", "--fault-object", "0.1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := dixamock.Faults{Seed: 9, RateLimit: 0.1, RetryAfter: 1500 * time.Millisecond, ServerError: 0.2,
		Truncate: 0.3, Slow: 0.1, SlowFor: 2 * time.Second, Reset: 0.2, Object: 0.1}
	if opts.Faults != want {
		t.Errorf("faults %+v, want %+v", opts.Faults, want)
	}

	opts, _, _, err = parseFlags(nil, io.Discard)
	if err != nil || opts.Faults.Enabled() {
		t.Errorf("faults on by default: %+v, %v", opts.Faults, err)
	}

	_, _, _, err = parseFlags([]string{"--fault-429", "0.6", "--fault-5xx", "0.3", "--fault-reset", "0.2"}, io.Discard)
	if err == nil || err.Error() != "the --fault-* fractions sum to 1.1; at most 1 is allowed" {
		t.Errorf("error %v", err)
	}
	_, _, _, err = parseFlags([]string{"--fault-truncate", "2"}, io.Discard)
	if err == nil || err.Error() != "--fault-truncate must be a fraction from 0 to 1, not 2" {
		t.Errorf("error %v", err)
	}
	_, _, _, err = parseFlags([]string{"--fault-object", "-1"}, io.Discard)
	if err == nil || err.Error() != "--fault-object must be a fraction from 0 to 1, not -1" {
		t.Errorf("error %v", err)
	}
	_, _, _, err = parseFlags([]string{"--fault-object", "0.5", "--fault-reset", "0.6"}, io.Discard)
	if err == nil || err.Error() != "the --fault-* fractions sum to 1.1; at most 1 is allowed" {
		t.Errorf("error %v", err)
	}
}

func TestRunInjectsObjectFaults(t *testing.T) {
	url, stderr, stop := startRun(t, "--conversations", "10", "--minute-seconds", "0", "--fault-object", "1")
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/message_export?created_after=2024-01-01&created_before=2024-01-20", nil)
	req.Header.Set("Authorization", "Bearer demo-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != `{"message":"Something went wrong"}`+"\n" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	stop()
	if !strings.Contains(stderr.String(), "reset 0, object 1\n") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestRunInjectsFaults(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--url-file", urlFile, "--conversations", "10", "--minute-seconds", "0",
			"--fault-5xx", "1"}, &stdout, &stderr)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(urlFile); err == nil {
			url = strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			t.Fatalf("no url file after 10s: %s", stderr.String())
		}
	}
	for _, want := range []int{500, 502, 503, 504, 500} {
		req, _ := http.NewRequest(http.MethodGet, url+"/v1/conversation_export?updated_after=2024-01-01&updated_before=2024-01-20", nil)
		req.Header.Set("Authorization", "Bearer demo-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("status %d, want %d", resp.StatusCode, want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "dixa-mock: injecting faults (seed 1): 429 0, 5xx 1, truncate 0, slow 0 for 2s, reset 0\n") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestAPIFlags(t *testing.T) {
	opts, _, _, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := dixamock.APIOptions{APIPageSize: 100, NextStyle: "mixed", ActivityOrder: "ascending", APIPerSecond: 10, EnvelopeEvery: 1,
		AnalyticsPaging: "meta"}
	if !reflect.DeepEqual(opts.APIOptions, want) {
		t.Errorf("defaults %+v, want %+v", opts.APIOptions, want)
	}
	if opts.RedirectTo != "" {
		t.Errorf("redirect by default: %q", opts.RedirectTo)
	}
	opts, _, _, err = parseFlags([]string{"--api-page-size", "7", "--next-style=relative", "--activity-order", "shuffled",
		"--forbid", "/v1/agents", "--forbid=/v1/conversations/*/ratings", "--api-per-second", "2.5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = dixamock.APIOptions{APIPageSize: 7, NextStyle: "relative", ActivityOrder: "shuffled",
		Forbid: []string{"/v1/agents", "/v1/conversations/*/ratings"}, APIPerSecond: 2.5, EnvelopeEvery: 1, AnalyticsPaging: "meta"}
	if !reflect.DeepEqual(opts.APIOptions, want) {
		t.Errorf("flags %+v, want %+v", opts.APIOptions, want)
	}

	for args, msg := range map[string]string{
		"--api-page-size 0":       "--api-page-size must be at least 1, not 0",
		"--next-style sideways":   `--next-style must be absolute, relative or mixed, not "sideways"`,
		"--activity-order random": `--activity-order must be ascending, descending or shuffled, not "random"`,
		"--api-per-second 0":      "--api-per-second must be a positive number, not 0",
		"--api-per-second NaN":    "--api-per-second must be a positive number, not NaN",
		"--forbid v1/agents":      `--forbid "v1/agents" must be a path starting with /`,
	} {
		_, _, _, err := parseFlags(strings.Fields(args), io.Discard)
		if err == nil || err.Error() != msg {
			t.Errorf("%s: error %v, want %q", args, err, msg)
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), strings.Fields(args), &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", args, code, stderr.String())
		}
	}
}

func TestAnomalyFlags(t *testing.T) {
	opts, _, _, err := parseFlags([]string{"--activity-order", "descending", "--envelope", "null-data", "--envelope-every", "3",
		"--envelope-path", "/v1/agents", "--envelope-path=/v1/conversations/*/notes", "--not-found", "/v1/conversations/*/ratings",
		"--not-found", "/v1/conversations/1234/notes", "--not-found-every", "7", "--page-keys", "cycle",
		"--redirect-to", "http://127.0.0.1:9/"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := dixamock.APIOptions{APIPageSize: 100, NextStyle: "mixed", ActivityOrder: dixamock.OrderDescending, APIPerSecond: 10,
		Envelope: dixamock.EnvelopeNullData, EnvelopeEvery: 3, EnvelopePaths: []string{"/v1/agents", "/v1/conversations/*/notes"},
		NotFound: []string{"/v1/conversations/*/ratings", "/v1/conversations/1234/notes"}, NotFoundEvery: 7, PageKeys: dixamock.PageKeysCycle,
		AnalyticsPaging: "meta"}
	if !reflect.DeepEqual(opts.APIOptions, want) {
		t.Errorf("flags %+v, want %+v", opts.APIOptions, want)
	}
	if opts.RedirectTo != "http://127.0.0.1:9/" {
		t.Errorf("redirect %q", opts.RedirectTo)
	}
	for _, kind := range []string{"message", "empty", "null-data", "object-data"} {
		if _, _, _, err := parseFlags([]string{"--envelope", kind}, io.Discard); err != nil {
			t.Errorf("--envelope %s: %v", kind, err)
		}
	}
	if _, _, _, err := parseFlags([]string{"--page-keys", "repeat"}, io.Discard); err != nil {
		t.Errorf("--page-keys repeat: %v", err)
	}
	for args, msg := range map[string]string{
		"--envelope weird":                      `--envelope must be message, empty, null-data or object-data, not "weird"`,
		"--envelope empty --envelope-every 0":   "--envelope-every must be at least 1, not 0",
		"--envelope-every 2":                    "--envelope-every and --envelope-path need --envelope",
		"--envelope-path /v1/agents":            "--envelope-every and --envelope-path need --envelope",
		"--envelope empty --envelope-path v1/x": `--envelope-path "v1/x" must be a path starting with /`,
		"--not-found v1/x":                      `--not-found "v1/x" must be a path starting with /`,
		"--not-found-every -1":                  "--not-found-every must not be negative, not -1",
		"--page-keys forever":                   `--page-keys must be repeat or cycle, not "forever"`,
		"--redirect-to ftp://x":                 `--redirect-to "ftp://x" must be an absolute http or https URL without user, query or fragment`,
		"--redirect-to /relative":               `--redirect-to "/relative" must be an absolute http or https URL without user, query or fragment`,
		"--redirect-to http://h/?q=1":           `--redirect-to "http://h/?q=1" must be an absolute http or https URL without user, query or fragment`,
	} {
		_, _, _, err := parseFlags(strings.Fields(args), io.Discard)
		if err == nil || err.Error() != msg {
			t.Errorf("%s: error %v, want %q", args, err, msg)
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), strings.Fields(args), &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", args, code, stderr.String())
		}
	}
}

// startRun runs the command with args and --url-file until the test ends
// or stop is called (which requires a graceful exit), and returns its URL
// and stderr.
func startRun(t *testing.T, args ...string) (url string, stderr *syncBuffer, stop func()) {
	t.Helper()
	urlFile := filepath.Join(t.TempDir(), "url")
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"--url-file", urlFile}, args...), io.Discard, stderr) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("exit code %d: %s", code, stderr.String())
			}
		})
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(10 * time.Second); url == ""; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(urlFile); err == nil {
			url = strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			t.Fatalf("no url file after 10s: %s", stderr.String())
		}
	}
	return url, stderr, stop
}

// trusting returns a client that trusts only the PEM certificates of file.
func trusting(t *testing.T, file string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("no certificate in %s", file)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestRunTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	certFile := filepath.Join(dir, "cert.pem")
	url, stderr, stop := startRun(t, "--tls-cert-dir", dir, "--conversations", "20", "--minute-seconds", "0", "--token", "tok",
		"--next-style", "absolute", "--api-page-size", "5")
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("url %q", url)
	}
	if _, err := os.Stat(certFile); err != nil {
		t.Fatalf("the certificate must be written before the URL file: %v", err)
	}
	c := trusting(t, certFile)
	get := func(c *http.Client, target string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "tok")
		resp, err := c.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	resp, body, err := get(c, url+"/v1/agents")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("agents over https: %v %v %s", err, resp, body)
	}
	if resp.TLS == nil {
		t.Error("not served over TLS")
	}
	var page struct {
		Meta struct {
			Next string `json:"next"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &page); err != nil || !strings.HasPrefix(page.Meta.Next, url+"/v1/agents?") {
		t.Errorf("next %q (%v) is not an https URL of this server", page.Meta.Next, err)
	}

	// The certificate names localhost too; a client that does not trust it
	// refuses the server.
	byName := trusting(t, certFile)
	byName.Transport.(*http.Transport).TLSClientConfig.ServerName = "localhost"
	if resp, _, err := get(byName, url+"/v1/teams"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("as localhost: %v", err)
	}
	var unknown x509.UnknownAuthorityError
	if _, _, err := get(&http.Client{Transport: &http.Transport{}}, url+"/v1/teams"); !errors.As(err, &unknown) {
		t.Errorf("a client without the certificate: %v, want an unknown authority", err)
	}
	stop()
	if !strings.Contains(stderr.String(), "dixa-mock: serving https; trust "+certFile+"\n") {
		t.Errorf("stderr %q", stderr.String())
	}
	if _, err := os.Stat(certFile); !os.IsNotExist(err) {
		t.Errorf("certificate not removed after shutdown: %v", err)
	}
}

// The setup of a downgrade test: dixa-mock over https redirecting to a
// plain-http mock on loopback.
func TestRunRedirectsHTTPSToHTTP(t *testing.T) {
	opts := dixamock.Options{Token: "tok", Seed: 1, Conversations: 10,
		Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}
	target := dixamock.New(opts)
	plain := httptest.NewServer(target.Handler())
	defer plain.Close()

	dir := t.TempDir()
	url, stderr, stop := startRun(t, "--tls-cert-dir", dir, "--conversations", "10", "--minute-seconds", "0", "--token", "tok",
		"--redirect-to", plain.URL)
	c := trusting(t, filepath.Join(dir, "cert.pem"))
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/agents?pageLimit=2", nil)
	req.Header.Set("Authorization", "tok")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != plain.URL+"/v1/agents?pageLimit=2" {
		t.Errorf("%d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := target.APIStats().Requests["agents"]; n != 0 {
		t.Errorf("the target saw %d requests before any was followed", n)
	}

	// Followed, the request reaches the plain-http mock.
	c.CheckRedirect = nil
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Scheme != "http" {
		t.Errorf("followed: %d from %s", resp.StatusCode, resp.Request.URL)
	}
	if n := target.APIStats().OK["agents"]; n != 1 {
		t.Errorf("the target served %d agents pages, want 1", n)
	}
	var stats dixamock.Stats
	sr, err := c.Get(url + "/_stats")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(sr.Body).Decode(&stats)
	sr.Body.Close()
	if err != nil || stats.Redirects != 2 {
		t.Errorf("/_stats of the https mock: %+v %v, want 2 redirects", stats, err)
	}
	stop()
	if !strings.Contains(stderr.String(), "dixa-mock: redirecting every request (307) to "+plain.URL+"\n") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestRunServesTheDixaAPI(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--url-file", urlFile, "--conversations", "20", "--minute-seconds", "0", "--token", "tok",
			"--api-page-size", "10", "--next-style", "absolute", "--forbid", "/v1/teams"}, &stdout, &stderr)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(urlFile); err == nil {
			url = strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			t.Fatalf("no url file after 10s: %s", stderr.String())
		}
	}
	get := func(target string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	status, body := get(url + "/v1/agents")
	data, _ := body["data"].([]any)
	if status != 200 || len(data) != 10 {
		t.Fatalf("agents: %d, %d items", status, len(data))
	}
	next, _ := body["meta"].(map[string]any)["next"].(string)
	if !strings.HasPrefix(next, url+"/v1/agents?pageKey=") {
		t.Errorf("next %q is not an absolute URL of this server", next)
	}
	if status, _ := get(next); status != 200 {
		t.Errorf("next page: %d", status)
	}
	if status, body := get(url + "/v1/teams"); status != 403 || body["message"] != "Forbidden" {
		t.Errorf("forbidden teams: %d %v", status, body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "dixa-mock: Dixa API answers 403 under /v1/teams\n") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestFanoutFlags(t *testing.T) {
	opts, _, _, err := parseFlags([]string{"--latency", "250ms", "--analytics-paging", "pagekey", "--analytics-require-filter"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := dixamock.APIOptions{APIPageSize: 100, NextStyle: "mixed", ActivityOrder: "ascending", APIPerSecond: 10, EnvelopeEvery: 1,
		Latency: 250 * time.Millisecond, AnalyticsPaging: dixamock.AnalyticsPagingPageKey, AnalyticsRequireFilter: true}
	if !reflect.DeepEqual(opts.APIOptions, want) {
		t.Errorf("flags %+v, want %+v", opts.APIOptions, want)
	}
	for args, msg := range map[string]string{
		"--latency -1s":                "--latency must not be negative, not -1s",
		"--analytics-paging next":      `--analytics-paging must be meta or pagekey, not "next"`,
		"--analytics-paging=":          `--analytics-paging must be meta or pagekey, not ""`,
		"--analytics-require-filter=x": `invalid argument "x" for "--analytics-require-filter" flag: strconv.ParseBool: parsing "x": invalid syntax`,
	} {
		_, _, _, err := parseFlags(strings.Fields(args), io.Discard)
		if err == nil || err.Error() != msg {
			t.Errorf("%s: error %v, want %q", args, err, msg)
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), strings.Fields(args), &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", args, code, stderr.String())
		}
	}
	var stdout bytes.Buffer
	if _, _, _, err := parseFlags([]string{"--help"}, &stdout); !errors.Is(err, pflag.ErrHelp) {
		t.Fatal(err)
	}
	for _, flag := range []string{"--latency", "--analytics-paging", "--analytics-require-filter"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("usage lacks %s", flag)
		}
	}
}

func TestRunServesAnalyticsWithLatency(t *testing.T) {
	url, stderr, stop := startRun(t, "--conversations", "60", "--minute-seconds", "0", "--token", "tok",
		"--latency", "150ms", "--analytics-paging", "pagekey", "--analytics-require-filter")
	post := func(query, body string) (int, map[string]any, time.Duration) {
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/analytics/records"+query, strings.NewReader(body))
		req.Header.Set("Authorization", "tok")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, time.Since(start)
	}
	period := `"periodFilter":{"_type":"Interval","start":"2023-01-01T00:00:00Z","end":"2025-01-01T00:00:00Z"},"timezone":"UTC"`
	status, body, took := post("", `{"id":"created_conversations",`+period+`}`)
	if status != 400 || body["message"] != "At least one filter is required when using a period filter" {
		t.Errorf("no filter: %d %v", status, body)
	}
	if took < 150*time.Millisecond {
		t.Errorf("answered after %s, before the latency", took)
	}
	withFilter := `{"id":"created_conversations",` + period + `,"filters":[{"attribute":"initial_direction","values":["INBOUND","OUTBOUND"]}]}`
	status, body, _ = post("?pageLimit=50", withFilter)
	data, _ := body["data"].([]any)
	key, _ := body["pageKey"].(string)
	if status != 200 || len(data) != 50 || key == "" || body["meta"] != nil {
		t.Fatalf("first page: %d, %d records, pageKey %q, meta %v", status, len(data), key, body["meta"])
	}
	status, body, _ = post("?pageLimit=50&pageKey="+neturl.QueryEscape(key), withFilter)
	data, _ = body["data"].([]any)
	if _, more := body["pageKey"]; status != 200 || len(data) != 10 || more {
		t.Errorf("second page: %d, %d records, %v", status, len(data), body)
	}
	stop()
	for _, line := range []string{"dixa-mock: Dixa API answers every request after 150ms\n",
		"dixa-mock: Dixa API analytics records page with a top-level pageKey\n",
		"dixa-mock: Dixa API analytics records require a filter with a periodFilter\n"} {
		if !strings.Contains(stderr.String(), line) {
			t.Errorf("stderr %q lacks %q", stderr.String(), line)
		}
	}
}
