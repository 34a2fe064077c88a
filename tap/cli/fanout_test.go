package cli_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// Per-parent requests overlap when Dixa is slow to answer, so that the
// configured rate, not the latency, bounds a fan-out; at Dixa's own rate
// limit (10 per second, counted over any second) no request is refused,
// and every child arrives once.
func TestFanoutOverlapsSlowAnswersWithinTheLimit(t *testing.T) {
	m, url := startMock(t, dixamock.Options{Seed: 12, Conversations: 25, MinuteSeconds: 60,
		Start: dataStart, End: dataStart.AddDate(0, 0, 10),
		APIOptions: dixamock.APIOptions{Latency: 300 * time.Millisecond}})
	cfg := baseConfig(url)
	cfg["end_date"] = "2024-01-11T00:00:00Z"
	delete(cfg, "api_requests_per_second") // Dixa's 10 per second
	streams := []string{"conversation_notes", "conversation_messages", "team_members", "business_hours"}
	r := runTap(t, t.Context(), nil, "--config", writeFile(t, "config.json", cfg), "--catalog", catalogFor(t, streams...))
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	for _, stream := range streams {
		got, want := emittedKeys(o, stream), truthKeys(t, url, stream)
		require.NotEmpty(t, want, stream)
		for k := range want {
			assert.Equal(t, 1, got[k], "%s %s", stream, k)
		}
		assert.Len(t, got, len(want), stream)
	}
	st := m.APIStats()
	for stream, n := range st.RateLimited {
		assert.Zero(t, n, "%s: 429s", stream)
	}
	// At 10 per second and 300 ms per answer, three requests overlap.
	assert.GreaterOrEqual(t, st.MaxInFlight, int64(3), "requests overlap")

}
