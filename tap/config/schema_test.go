package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// designKeys is the Config table of DESIGN.md, in order.
var designKeys = []string{
	"api_token", "start_date", "end_date", "window_days", "interval", "page_size",
	"exports_base_url", "api_base_url", "conversations_requests_per_minute",
	"messages_requests_per_minute", "api_requests_per_second", "request_timeout_seconds",
	"max_retries", "user_agent", "activity_log_window_days", "max_parallel_streams",
	"emit_activate_version_messages",
}

func TestSchemaFile(t *testing.T) {
	var s map[string]any
	require.NoError(t, json.Unmarshal(Schema(), &s))
	assert.Equal(t, "object", s["type"])
	assert.Equal(t, []any{"api_token", "start_date"}, s["required"])
	assert.NotContains(t, s, "additionalProperties", "unknown keys are warnings, not errors")

	keys, err := objectKeys(mustRaw(t, s["properties"]))
	require.NoError(t, err)
	assert.ElementsMatch(t, designKeys, keys)

	props := s["properties"].(map[string]any)
	for name, p := range props {
		p := p.(map[string]any)
		assert.Contains(t, p, "type", name)
		assert.NotContains(t, p, "format", "%s: plain dates must be accepted", name)
		d, _ := p["description"].(string)
		assert.True(t, strings.HasSuffix(d, "."), "%s: description should be one sentence", name)
		assert.Equal(t, 1, strings.Count(d, ". ")+1, "%s: one sentence", name)
	}
	token := props["api_token"].(map[string]any)
	assert.Equal(t, true, token["secret"])
	assert.Equal(t, true, token["writeOnly"])

	// Schema returns a copy.
	b := Schema()
	b[0] = 'x'
	assert.Equal(t, byte('{'), Schema()[0])
}

func mustRaw(t *testing.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestSettings(t *testing.T) {
	settings := Settings()
	require.Len(t, settings, len(designKeys))
	byName := map[string]Setting{}
	for i, s := range settings {
		assert.Equal(t, designKeys[i], s.Name, "property order follows DESIGN.md")
		assert.NotEmpty(t, s.Description, s.Name)
		byName[s.Name] = s
	}
	f := func(v float64) *float64 { return &v }

	assert.Equal(t, Setting{Name: "api_token", Type: "string", Description: byName["api_token"].Description, Required: true, Secret: true}, byName["api_token"])
	assert.True(t, byName["start_date"].Required)
	assert.False(t, byName["end_date"].Required)
	assert.Nil(t, byName["window_days"].Default, "a default would override interval")
	assert.Equal(t, f(1), byName["window_days"].Minimum)
	assert.Equal(t, f(31), byName["window_days"].Maximum)
	assert.Equal(t, []string{"HOUR", "DAY", "WEEK", "MONTH"}, byName["interval"].Enum)
	assert.Equal(t, 10000, byName["page_size"].Default)
	assert.Equal(t, "https://exports.dixa.io", byName["exports_base_url"].Default)
	assert.Equal(t, "https://dev.dixa.io", byName["api_base_url"].Default)
	assert.Equal(t, 10.0, byName["conversations_requests_per_minute"].Default)
	assert.Equal(t, f(0), byName["conversations_requests_per_minute"].ExclusiveMinimum)
	assert.Equal(t, 3.0, byName["messages_requests_per_minute"].Default)
	assert.Equal(t, 10.0, byName["api_requests_per_second"].Default)
	assert.Equal(t, 300, byName["request_timeout_seconds"].Default)
	assert.Equal(t, 8, byName["max_retries"].Default)
	assert.Equal(t, f(0), byName["max_retries"].Minimum)
	assert.Nil(t, byName["user_agent"].Default)
	assert.Equal(t, 30, byName["activity_log_window_days"].Default)
	assert.Equal(t, f(90), byName["activity_log_window_days"].Maximum)
	assert.Equal(t, 3, byName["max_parallel_streams"].Default)
	assert.Equal(t, false, byName["emit_activate_version_messages"].Default)
	assert.Equal(t, "boolean", byName["emit_activate_version_messages"].Type)

	// Settings returns copies.
	settings[4].Enum[0] = "X"
	*settings[3].Minimum = 99
	assert.Equal(t, "HOUR", Settings()[4].Enum[0])
	assert.Equal(t, 1.0, *Settings()[3].Minimum)
}
