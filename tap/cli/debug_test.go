package cli_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/dixamock"
)

// --log-level DEBUG shows each request and each pacing wait; INFO, the
// default, shows neither. Every window's progress line counts the windows
// and estimates the time left.
func TestDebugLogsRequestsAndPacing(t *testing.T) {
	_, url := startMock(t, dixamock.Options{Seed: 3, Conversations: 20})
	cfg := baseConfig(url)
	cfg["messages_requests_per_minute"] = 1200 // 50 ms apart
	cfg["window_days"] = 15
	config := writeFile(t, "config.json", cfg)
	catalog := catalogFor(t, "messages")

	r := runTap(t, t.Context(), nil, "--config", config, "--catalog", catalog, "--log-level", "DEBUG")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, regexp.MustCompile(`(?m)^DEBUG GET http://127\.0\.0\.1:\d+/v1/message_export\?created_after=\d+&created_before=\d+: 200 in \S+$`), r.stderr)
	assert.Regexp(t, regexp.MustCompile(`(?m)^DEBUG pacing: waiting \d+(\.\d+)?ms before GET /v1/message_export$`), r.stderr)
	assert.Equal(t, 4, strings.Count(r.stderr, "DEBUG GET "), "one line per request: %s", r.stderr)
	for _, want := range []string{
		`(?m)^INFO messages: window 1 of 4 2024-01-01T00:00:00Z\.\.2024-01-16T00:00:00Z: \d+ records in \d+\.\ds; about \S+ left$`,
		`(?m)^INFO messages: window 3 of 4 \S+: \d+ records in \d+\.\ds; about \S+ left$`,
		`(?m)^INFO messages: window 4 of 4 \S+\.\.2024-03-01T00:00:00Z: \d+ records in \d+\.\ds$`,
	} {
		assert.Regexp(t, regexp.MustCompile(want), r.stderr)
	}

	r = runTap(t, t.Context(), nil, "--config", config, "--catalog", catalog)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "DEBUG")
	assert.Contains(t, r.stderr, "INFO messages: window 1 of 4 ")
}
