package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/cli"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// tokenForms are the ways a token may be quoted in what the tap prints.
func tokenForms(tok string) []string {
	j, _ := json.Marshal(tok)
	return []string{tok, url.QueryEscape(tok), strings.Trim(string(j), `"`), strconv.Quote(tok),
		base64.StdEncoding.EncodeToString([]byte("bearer:" + tok))}
}

// A Dixa that echoes the token, in bodies the tap quotes in its errors,
// never gets it onto stderr, in any of its encodings, at any log level.
func TestTokenNeverOnStderr(t *testing.T) {
	const tok = `tk/SECRET+4f<9a>"1c`
	esc := url.QueryEscape(tok)
	b64 := base64.StdEncoding.EncodeToString([]byte("bearer:" + tok))
	for name, answer := range map[string]struct {
		status int
		body   string
	}{
		"text":      {200, "bad token " + tok},
		"html":      {200, "<p>" + tok + "</p>"},
		"object":    {200, `{"message":"bad token ` + strings.Trim(strconv.Quote(tok), `"`) + `"}`},
		"truncated": {200, `[{"id":"` + strings.Trim(strconv.Quote(tok), `"`)},
		"400":       {400, `{"message":"bad token ` + esc + `"}`},
		"400 basic": {400, `{"message":"Basic ` + b64 + ` refused"}`},
		"400 text":  {400, "token " + tok + " is not valid"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(answer.status)
				_, _ = w.Write([]byte(answer.body))
			}))
			defer srv.Close()
			cfg := baseConfig(srv.URL)
			cfg["api_token"] = tok
			r := runTap(t, t.Context(), nil, append([]string{"--config", writeFile(t, "config.json", cfg), "--log-level", "DEBUG"}, exportsOnly(t)...)...)
			assert.Equal(t, 1, r.code, r.stderr)
			for _, f := range tokenForms(tok) {
				assert.NotContains(t, r.stderr, f)
			}
			assert.NotContains(t, r.stderr, "SECRET")
			assert.Contains(t, r.stderr, "CRITICAL ")
		})
	}
}

type panickingTransport struct{}

func (panickingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	panic("boom with " + r.Header.Get("Authorization"))
}

// A panic is logged as CRITICAL with its stack, redacted, and exits 1.
func TestPanicExitsOneWithRedactedTrace(t *testing.T) {
	var out, errb strings.Builder
	code := cli.Run(t.Context(), cli.Env{
		Args:   []string{"--config", writeFile(t, "config.json", baseConfig("http://127.0.0.1:1")), "--test"},
		Stdout: &out, Stderr: &errb,
		HTTPClient: &http.Client{Transport: panickingTransport{}},
	})
	assert.Equal(t, 1, code)
	assert.Empty(t, out.String())
	assert.Regexp(t, `^CRITICAL internal error: boom with (Bearer )?\[redacted\]\n`, errb.String())
	assert.Contains(t, errb.String(), "panickingTransport.RoundTrip", "the stack")
	assert.NotContains(t, errb.String(), token)
}

// A --state file holding a whole STATE message, or Meltano's state (even
// around a STATE message), resumes from its bookmark with an INFO line,
// and no wrapper key reaches the STATE written.
func TestWrappedStateResumes(t *testing.T) {
	h := dixamock.New(dixamock.Options{Seed: 3, Conversations: 100, Token: token, Start: dataStart, End: dataStart.AddDate(0, 2, 0)}).Handler()
	var mu sync.Mutex
	var afters []int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("updated_after"); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			mu.Lock()
			afters = append(afters, n)
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := writeFile(t, "config.json", baseConfig(srv.URL))
	cat := catalogFor(t, "conversations")
	feb := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	value := `{"bookmarks":{"conversations":{"updated_at":` + strconv.FormatInt(feb, 10) + `}},"currently_syncing":null}`
	for wrapped, note := range map[string]string{
		`{"type":"STATE","value":` + value + `}`:                           "unwrapped a STATE message",
		`{"singer_state":` + value + `}`:                                   "unwrapped Meltano's singer_state",
		`{"singer_state":{"type":"STATE","value":` + value + `}}`:          "unwrapped a STATE message",
		`{"completed_state":{},"singer_state":` + value + `,"other":true}`: "unwrapped Meltano's singer_state; ignored its other top-level keys completed_state, other",
	} {
		mu.Lock()
		afters = nil
		mu.Unlock()
		state := writeFile(t, "state.json", wrapped)
		r := runTap(t, t.Context(), nil, "--config", cfg, "--catalog", cat, "--state", state)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "INFO state "+state+": "+note+"\n")
		assert.NotContains(t, r.stderr, "WARNING")
		mu.Lock()
		requested := afters
		mu.Unlock()
		require.NotEmpty(t, requested)
		for _, a := range requested {
			assert.GreaterOrEqual(t, a, feb-1, "no request before the bookmark: %s", wrapped)
		}
		o := singertest.Check(t, []byte(r.stdout))
		require.NotEmpty(t, o.States)
		for _, s := range o.States {
			assert.True(t, strings.HasPrefix(string(s), `{"bookmarks":{"conversations":{"updated_at":`), "%s", s)
			for _, key := range []string{"singer_state", "type", "value", "completed_state", "other"} {
				assert.NotContains(t, string(s), `"`+key+`"`)
			}
		}
	}

	// Not a state at all: carried through, with a warning.
	state := writeFile(t, "state.json", `{"state":{"bookmarks":{}}}`)
	r := runTap(t, t.Context(), nil, "--config", cfg, "--catalog", cat, "--state", state)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "WARNING state "+state+`: no "bookmarks" key; top-level keys state are carried through unchanged — is this a Singer state?`+"\n")
}

// After the first signal, a run that does not stop is made to exit
// ExitGrace later, and at once at a second signal, with the signal's code;
// one that stops in time is not.
func TestNotifyContextExits(t *testing.T) {
	exits := make(chan int, 1)
	exit := func(code int) { exits <- code }

	ctx, stop := cli.NotifyContextExit(context.Background(), exit)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	<-ctx.Done()
	sent := time.Now()
	var in *cli.Interrupted
	require.ErrorAs(t, context.Cause(ctx), &in)
	assert.Equal(t, 143, in.Code())
	assert.Equal(t, 143, <-exits)
	assert.InDelta(t, cli.ExitGrace.Seconds(), time.Since(sent).Seconds(), 0.3)
	stop()

	ctx, stop = cli.NotifyContextExit(context.Background(), exit)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	<-ctx.Done()
	sent = time.Now()
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGINT))
	assert.Equal(t, 130, <-exits, "the second signal's code")
	assert.Less(t, time.Since(sent), cli.ExitGrace/2)
	stop()

	ctx, stop = cli.NotifyContextExit(context.Background(), exit)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGINT))
	<-ctx.Done()
	stop()
	select {
	case code := <-exits:
		t.Fatalf("exit(%d) after stop", code)
	case <-time.After(cli.ExitGrace + 200*time.Millisecond):
	}
}
