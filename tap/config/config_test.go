package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tok is a distinctive token: no error or warning may contain it.
const tok = "TokZq8vX3pL9mW2secret"

// withBase returns a valid config object with extra JSON members appended.
func withBase(extra string) string {
	return `{"api_token":"` + tok + `","start_date":"2024-01-01"` + extra + `}`
}

// assertOneLineNoToken checks the rules every message must follow.
func assertOneLineNoToken(t *testing.T, msg string) {
	t.Helper()
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "\r")
	assert.NotContains(t, msg, tok)
}

func TestParseTapDixaExample(t *testing.T) {
	// The example config of tap-dixa 1.0.x.
	cfg, warns, err := Parse("config.json", []byte(`{"start_date": "2021-08-01", "api_token": "abc123", "interval": "MONTH"}`))
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, "abc123", cfg.APIToken)
	assert.Equal(t, time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC), cfg.StartDate)
	assert.Equal(t, 31*24*time.Hour, cfg.Window)
}

func TestParseDefaults(t *testing.T) {
	cfg, warns, err := Parse("cfg.json", []byte(withBase("")))
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, &Config{
		APIToken:               tok,
		StartDate:              time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Window:                 31 * 24 * time.Hour,
		PageSize:               10000,
		ExportsBaseURL:         "https://exports.dixa.io",
		APIBaseURL:             "https://dev.dixa.io",
		ConversationsPerMinute: 10,
		MessagesPerMinute:      3,
		APIPerSecond:           10,
		RequestTimeout:         300 * time.Second,
		MaxRetries:             8,
		ActivityLogWindow:      24 * time.Hour,
		AnalyticsWindow:        7 * 24 * time.Hour,
		MaxParallelStreams:     3,
	}, cfg)
	assert.Nil(t, cfg.AnalyticsRecordTypes, "unset means every type the catalogue lists")
}

func TestParseAllSet(t *testing.T) {
	cfg, _, err := Parse("cfg.json", []byte(`{
		"api_token": "  `+tok+`  ",
		"start_date": "2024-01-01T00:00:00+02:00",
		"end_date": "2024-03-01",
		"window_days": 7,
		"interval": "month",
		"page_size": 500,
		"exports_base_url": "http://localhost:8080/",
		"api_base_url": "https://proxy.example.com/dixa/",
		"conversations_requests_per_minute": 2.5,
		"messages_requests_per_minute": 1,
		"api_requests_per_second": 0.5,
		"request_timeout_seconds": 60,
		"max_retries": 0,
		"user_agent": "acme (+ops@example.com)",
		"activity_log_window_days": 90,
		"analytics_record_types": ["closed_conversations", "ratings"],
		"analytics_window_days": 31,
		"max_parallel_streams": 1,
		"emit_activate_version_messages": true
	}`))
	require.NoError(t, err)
	assert.Equal(t, &Config{
		APIToken:               tok,
		StartDate:              time.Date(2023, 12, 31, 22, 0, 0, 0, time.UTC),
		EndDate:                time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		Window:                 7 * 24 * time.Hour,
		PageSize:               500,
		ExportsBaseURL:         "http://localhost:8080",
		APIBaseURL:             "https://proxy.example.com/dixa",
		ConversationsPerMinute: 2.5,
		MessagesPerMinute:      1,
		APIPerSecond:           0.5,
		RequestTimeout:         time.Minute,
		MaxRetries:             0,
		UserAgent:              "acme (+ops@example.com)",
		ActivityLogWindow:      90 * 24 * time.Hour,
		AnalyticsRecordTypes:   []string{"closed_conversations", "ratings"},
		AnalyticsWindow:        31 * 24 * time.Hour,
		MaxParallelStreams:     1,
		EmitActivateVersion:    true,
	}, cfg)
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  time.Duration
	}{
		{"neither", ``, 31 * 24 * time.Hour},
		{"interval HOUR", `,"interval":"HOUR"`, time.Hour},
		{"interval DAY", `,"interval":"DAY"`, 24 * time.Hour},
		{"interval WEEK", `,"interval":"WEEK"`, 7 * 24 * time.Hour},
		{"interval MONTH", `,"interval":"MONTH"`, 31 * 24 * time.Hour},
		{"interval lower case", `,"interval":"week"`, 7 * 24 * time.Hour},
		{"interval mixed case", `,"interval":" Hour "`, time.Hour},
		{"window_days", `,"window_days":5`, 5 * 24 * time.Hour},
		{"window_days 31.0", `,"window_days":31.0`, 31 * 24 * time.Hour},
		{"window_days 1", `,"window_days":1`, 24 * time.Hour},
		{"window_days wins over interval", `,"interval":"DAY","window_days":2`, 48 * time.Hour},
		{"window_days wins, either order", `,"window_days":2,"interval":"HOUR"`, 48 * time.Hour},
		{"null interval", `,"interval":null`, 31 * 24 * time.Hour},
		{"null window_days", `,"interval":"DAY","window_days":null`, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := Parse("cfg.json", []byte(withBase(tt.extra)))
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.Window)
		})
	}
}

func TestParseAnalyticsRecordTypes(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string
	}{
		{"JSON array", `["closed_conversations","ratings"]`, []string{"closed_conversations", "ratings"}},
		{"one item", `["ratings"]`, []string{"ratings"}},
		{"order kept", `["ratings","closed_conversations"]`, []string{"ratings", "closed_conversations"}},
		{"items trimmed", `[" ratings ","\tclosed_conversations\n"]`, []string{"ratings", "closed_conversations"}},
		{"duplicates dropped, first kept", `["ratings","closed_conversations","ratings"," closed_conversations"]`, []string{"ratings", "closed_conversations"}},
		{"comma-separated string", `"closed_conversations,ratings"`, []string{"closed_conversations", "ratings"}},
		{"comma-separated with spaces", `" closed_conversations , ratings "`, []string{"closed_conversations", "ratings"}},
		{"single name string", `"ratings"`, []string{"ratings"}},
		{"comma-separated duplicates", `"ratings,ratings,closed_conversations"`, []string{"ratings", "closed_conversations"}},
		{"JSON array text in a string", `"[\"closed_conversations\", \"ratings\"]"`, []string{"closed_conversations", "ratings"}},
		{"JSON array text with spaces around", `" [\"ratings\"] "`, []string{"ratings"}},
		{"JSON array text, duplicates", `"[\"ratings\",\" ratings\"]"`, []string{"ratings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, warns, err := Parse("cfg.json", []byte(withBase(`,"analytics_record_types":`+tt.value)))
			require.NoError(t, err)
			assert.Empty(t, warns)
			assert.Equal(t, tt.want, cfg.AnalyticsRecordTypes)
		})
	}
}

func TestParseAccepted(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		check func(t *testing.T, c *Config)
	}{
		{"integer written as 10.0", `,"page_size":10.0`, func(t *testing.T, c *Config) { assert.Equal(t, 10, c.PageSize) }},
		{"integer with exponent", `,"page_size":1e3`, func(t *testing.T, c *Config) { assert.Equal(t, 1000, c.PageSize) }},
		{"largest max_retries", `,"max_retries":100`, func(t *testing.T, c *Config) { assert.Equal(t, 100, c.MaxRetries) }},
		{"largest page_size", `,"page_size":1e5`, func(t *testing.T, c *Config) { assert.Equal(t, 100000, c.PageSize) }},
		{"largest timeout", `,"request_timeout_seconds":3600`, func(t *testing.T, c *Config) { assert.Equal(t, time.Hour, c.RequestTimeout) }},
		{"largest parallelism", `,"max_parallel_streams":16`, func(t *testing.T, c *Config) { assert.Equal(t, 16, c.MaxParallelStreams) }},
		{"smallest analytics window", `,"analytics_window_days":1`, func(t *testing.T, c *Config) { assert.Equal(t, 24*time.Hour, c.AnalyticsWindow) }},
		{"analytics window 31.0", `,"analytics_window_days":31.0`, func(t *testing.T, c *Config) { assert.Equal(t, 31*24*time.Hour, c.AnalyticsWindow) }},
		{"null analytics window", `,"analytics_window_days":null`, func(t *testing.T, c *Config) { assert.Equal(t, 7*24*time.Hour, c.AnalyticsWindow) }},
		{"null record types", `,"analytics_record_types":null`, func(t *testing.T, c *Config) { assert.Nil(t, c.AnalyticsRecordTypes) }},
		{"slowest rates", `,"conversations_requests_per_minute":0.1,"messages_requests_per_minute":0.1,"api_requests_per_second":0.1`, func(t *testing.T, c *Config) {
			assert.Equal(t, []float64{0.1, 0.1, 0.1}, []float64{c.ConversationsPerMinute, c.MessagesPerMinute, c.APIPerSecond})
		}},
		{"fastest rates", `,"conversations_requests_per_minute":100000,"messages_requests_per_minute":1e5,"api_requests_per_second":10000.0`, func(t *testing.T, c *Config) {
			assert.Equal(t, []float64{100000, 100000, 10000}, []float64{c.ConversationsPerMinute, c.MessagesPerMinute, c.APIPerSecond})
		}},
		{"negative zero retries", `,"max_retries":-0`, func(t *testing.T, c *Config) { assert.Equal(t, 0, c.MaxRetries) }},
		{"http on 127.0.0.1", `,"api_base_url":"http://127.0.0.1:9000"`, func(t *testing.T, c *Config) { assert.Equal(t, "http://127.0.0.1:9000", c.APIBaseURL) }},
		{"http on 127.1.2.3", `,"api_base_url":"http://127.1.2.3/"`, func(t *testing.T, c *Config) { assert.Equal(t, "http://127.1.2.3", c.APIBaseURL) }},
		{"http on ::1", `,"api_base_url":"http://[::1]:9000/"`, func(t *testing.T, c *Config) { assert.Equal(t, "http://[::1]:9000", c.APIBaseURL) }},
		{"http on LOCALHOST", `,"exports_base_url":"HTTP://LOCALHOST"`, func(t *testing.T, c *Config) { assert.Equal(t, "HTTP://LOCALHOST", c.ExportsBaseURL) }},
		{"only one slash stripped", `,"exports_base_url":"https://x.io//"`, func(t *testing.T, c *Config) { assert.Equal(t, "https://x.io/", c.ExportsBaseURL) }},
		{"null end_date", `,"end_date":null`, func(t *testing.T, c *Config) { assert.True(t, c.EndDate.IsZero()) }},
		{"null user_agent", `,"user_agent":null`, func(t *testing.T, c *Config) { assert.Empty(t, c.UserAgent) }},
		{"end_date 1ns after start", `,"end_date":"2024-01-01T00:00:00.000000001Z"`, func(t *testing.T, c *Config) {
			assert.Equal(t, time.Nanosecond, c.EndDate.Sub(c.StartDate))
		}},
		{"boolean false", `,"emit_activate_version_messages":false`, func(t *testing.T, c *Config) { assert.False(t, c.EmitActivateVersion) }},
		{"byte order mark", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := withBase(tt.extra)
			if tt.check == nil {
				in = "\xef\xbb\xbf" + in
			}
			cfg, _, err := Parse("cfg.json", []byte(in))
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, cfg)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// file-level
		{"empty", ``, `config cfg.json: empty file`},
		{"whitespace only", " \n\t ", `config cfg.json: empty file`},
		{"array", `[1,2]`, `config cfg.json: not a JSON object`},
		{"string", `"` + tok + `"`, `config cfg.json: not a JSON object`},
		{"null", `null`, `config cfg.json: not a JSON object`},
		{"number", `12`, `config cfg.json: not a JSON object`},
		{"syntax", `{"api_token": "` + tok + `",}`, `config cfg.json: not valid JSON: invalid character '}' looking for beginning of object key string (line 1, column 39)`},
		{"bare token", `{"api_token": ` + tok + `}`, `config cfg.json: not valid JSON: invalid character 'T' looking for beginning of value (line 1, column 15)`},
		{"truncated", `{"api_token": "` + tok, `config cfg.json: not valid JSON: unexpected end of input`},
		{"trailing data", "{}\n {}", `config cfg.json: not valid JSON: unexpected data after the top-level value (line 2, column 2)`},
		// required
		{"no keys", `{}`, `config cfg.json: api_token: required`},
		{"no token", `{"start_date":"2024-01-01"}`, `config cfg.json: api_token: required`},
		{"null token", `{"api_token":null,"start_date":"2024-01-01"}`, `config cfg.json: api_token: required`},
		{"no start_date", `{"api_token":"` + tok + `"}`, `config cfg.json: start_date: required`},
		{"null start_date", `{"api_token":"` + tok + `","start_date":null}`, `config cfg.json: start_date: required`},
		// token
		{"empty token", `{"api_token":"","start_date":"2024-01-01"}`, `config cfg.json: api_token: must not be empty`},
		{"blank token", `{"api_token":" \t ","start_date":"2024-01-01"}`, `config cfg.json: api_token: must not be empty`},
		{"token with newline", `{"api_token":"` + tok + `\nx","start_date":"2024-01-01"}`, `config cfg.json: api_token: must not contain line breaks or other control characters`},
		{"token number", `{"api_token":12345,"start_date":"2024-01-01"}`, `config cfg.json: api_token: must be a string, got a number`},
		{"token object", `{"api_token":{"v":"` + tok + `"},"start_date":"2024-01-01"}`, `config cfg.json: api_token: must be a string, got an object`},
		// types
		{"start_date number", withBase(`,"start_date":20240101`), `config cfg.json: start_date: must be a string, got a number`},
		{"window_days string", withBase(`,"window_days":"7"`), `config cfg.json: window_days: must be a whole number, got the string "7" (write it without quotes)`},
		{"window_days word", withBase(`,"window_days":"seven"`), `config cfg.json: window_days: must be a whole number, got a string`},
		{"window_days fraction", withBase(`,"window_days":31.5`), `config cfg.json: window_days: must be a whole number, got 31.5`},
		{"window_days bool", withBase(`,"window_days":true`), `config cfg.json: window_days: must be a whole number, got true/false`},
		{"page_size array", withBase(`,"page_size":[1]`), `config cfg.json: page_size: must be a whole number, got an array`},
		{"rate string", withBase(`,"api_requests_per_second":"5"`), `config cfg.json: api_requests_per_second: must be a number, got the string "5" (write it without quotes)`},
		{"boolean string", withBase(`,"emit_activate_version_messages":"true"`), `config cfg.json: emit_activate_version_messages: must be true or false, got the string "true" (write it without quotes)`},
		{"boolean number", withBase(`,"emit_activate_version_messages":1`), `config cfg.json: emit_activate_version_messages: must be true or false, got a number`},
		{"interval number", withBase(`,"interval":1`), `config cfg.json: interval: must be a string, got a number`},
		{"url number", withBase(`,"api_base_url":1`), `config cfg.json: api_base_url: must be a string, got a number`},
		{"user_agent bool", withBase(`,"user_agent":false`), `config cfg.json: user_agent: must be a string, got true/false`},
		{"analytics_window_days string", withBase(`,"analytics_window_days":"7"`), `config cfg.json: analytics_window_days: must be a whole number, got the string "7" (write it without quotes)`},
		{"analytics_window_days fraction", withBase(`,"analytics_window_days":1.5`), `config cfg.json: analytics_window_days: must be a whole number, got 1.5`},
		{"record types number", withBase(`,"analytics_record_types":5`), `config cfg.json: analytics_record_types: must be a list of strings (a JSON array or one comma-separated string), got a number`},
		{"record types huge number", withBase(`,"analytics_record_types":1e400`), `config cfg.json: analytics_record_types: must be a list of strings (a JSON array or one comma-separated string), got a number`},
		{"record types bool", withBase(`,"analytics_record_types":true`), `config cfg.json: analytics_record_types: must be a list of strings (a JSON array or one comma-separated string), got true/false`},
		{"record types object", withBase(`,"analytics_record_types":{"ratings":true}`), `config cfg.json: analytics_record_types: must be a list of strings (a JSON array or one comma-separated string), got an object`},
		// analytics_record_types lists
		{"record types empty array", withBase(`,"analytics_record_types":[]`), `config cfg.json: analytics_record_types: must name at least one record type (leave it unset to read every type the catalogue lists)`},
		{"record types empty string", withBase(`,"analytics_record_types":""`), `config cfg.json: analytics_record_types: must name at least one record type (leave it unset to read every type the catalogue lists), got ""`},
		{"record types blank string", withBase(`,"analytics_record_types":"  "`), `config cfg.json: analytics_record_types: must name at least one record type (leave it unset to read every type the catalogue lists), got "  "`},
		{"record types empty JSON text", withBase(`,"analytics_record_types":"[]"`), `config cfg.json: analytics_record_types: must name at least one record type (leave it unset to read every type the catalogue lists), got "[]"`},
		{"record types empty item", withBase(`,"analytics_record_types":["ratings",""]`), `config cfg.json: analytics_record_types: must not list an empty record type (item 2)`},
		{"record types blank item", withBase(`,"analytics_record_types":[" "]`), `config cfg.json: analytics_record_types: must not list an empty record type (item 1)`},
		{"record types double comma", withBase(`,"analytics_record_types":"ratings,,closed_conversations"`), `config cfg.json: analytics_record_types: must not list an empty record type (item 2), got "ratings,,closed_conversations"`},
		{"record types blank between commas", withBase(`,"analytics_record_types":"ratings, ,closed_conversations"`), `config cfg.json: analytics_record_types: must not list an empty record type (item 2), got "ratings, ,closed_conversations"`},
		{"record types trailing comma", withBase(`,"analytics_record_types":"ratings,"`), `config cfg.json: analytics_record_types: must not list an empty record type (item 2), got "ratings,"`},
		{"record types lone comma", withBase(`,"analytics_record_types":","`), `config cfg.json: analytics_record_types: must not list an empty record type (item 1), got ","`},
		{"record types empty item in JSON text", withBase(`,"analytics_record_types":"[\"ratings\",\"\"]"`), `config cfg.json: analytics_record_types: must not list an empty record type (item 2), got "[\"ratings\",\"\"]"`},
		{"record types number item", withBase(`,"analytics_record_types":["ratings",7]`), `config cfg.json: analytics_record_types: item 2 must be a string, got a number`},
		{"record types null item", withBase(`,"analytics_record_types":[null]`), `config cfg.json: analytics_record_types: item 1 must be a string, got null`},
		{"record types nested array", withBase(`,"analytics_record_types":[["ratings"]]`), `config cfg.json: analytics_record_types: item 1 must be a string, got an array`},
		{"record types number in JSON text", withBase(`,"analytics_record_types":"[1]"`), `config cfg.json: analytics_record_types: item 1 must be a string, got a number`},
		{"record types unquoted JSON text", withBase(`,"analytics_record_types":"[ratings]"`), `config cfg.json: analytics_record_types: is not a JSON array of strings (quote each name, as in ["ratings"], or give a comma-separated list), got "[ratings]"`},
		{"record types JSON text with trailing data", withBase(`,"analytics_record_types":"[\"ratings\"],x"`), `config cfg.json: analytics_record_types: is not a JSON array of strings (quote each name, as in ["ratings"], or give a comma-separated list), got "[\"ratings\"],x"`},
		{"record types newline", withBase(`,"analytics_record_types":["rat\nings"]`), `config cfg.json: analytics_record_types: must not contain line breaks or other control characters (item 1)`},
		{"record types token shown redacted", withBase(`,"analytics_record_types":"` + tok + `,,x"`), `config cfg.json: analytics_record_types: must not list an empty record type (item 2), got "***,,x"`},
		{"record types long value shortened", withBase(`,"analytics_record_types":"[` + strings.Repeat("a", 100) + `"`), `config cfg.json: analytics_record_types: is not a JSON array of strings (quote each name, as in ["ratings"], or give a comma-separated list), got "[` + strings.Repeat("a", 63) + `…"`},
		// ranges
		{"window_days 0", withBase(`,"window_days":0`), `config cfg.json: window_days: must be between 1 and 31, got 0`},
		{"window_days 40", withBase(`,"window_days":40`), `config cfg.json: window_days: must be between 1 and 31, got 40`},
		{"window_days 32.0", withBase(`,"window_days":32.0`), `config cfg.json: window_days: must be between 1 and 31, got 32.0`},
		{"window_days huge", withBase(`,"window_days":1e999999999`), `config cfg.json: window_days: must be between 1 and 31, got 1e999999999`},
		{"window_days tiny", withBase(`,"window_days":1e-999999999`), `config cfg.json: window_days: must be between 1 and 31, got 1e-999999999`},
		{"page_size huge", withBase(`,"page_size":1e400`), `config cfg.json: page_size: must be between 1 and 100000, got 1e400`},
		{"page_size huge negative", withBase(`,"page_size":-1e400`), `config cfg.json: page_size: must be between 1 and 100000, got -1e400`},
		{"rate rounds to 0", withBase(`,"api_requests_per_second":1e-400`), `config cfg.json: api_requests_per_second: must be between 0.1 and 10000, got 1e-400`},
		{"interval huge", withBase(`,"interval":1e400`), `config cfg.json: interval: must be a string, got a number`},
		{"page_size 0", withBase(`,"page_size":0`), `config cfg.json: page_size: must be between 1 and 100000, got 0`},
		{"page_size too big", withBase(`,"page_size":100001`), `config cfg.json: page_size: must be between 1 and 100000, got 100001`},
		{"page_size beyond int32", withBase(`,"page_size":2147483648`), `config cfg.json: page_size: must be between 1 and 100000, got 2147483648`},
		{"page_size beyond int64", withBase(`,"page_size":9223372036854775808`), `config cfg.json: page_size: must be between 1 and 100000, got 9223372036854775808`},
		{"rate 0", withBase(`,"conversations_requests_per_minute":0`), `config cfg.json: conversations_requests_per_minute: must be between 0.1 and 100000, got 0`},
		{"rate -0", withBase(`,"conversations_requests_per_minute":-0`), `config cfg.json: conversations_requests_per_minute: must be between 0.1 and 100000, got -0`},
		{"rate 1e-12", withBase(`,"conversations_requests_per_minute":1e-12`), `config cfg.json: conversations_requests_per_minute: must be between 0.1 and 100000, got 1e-12`},
		{"rate 1e-300", withBase(`,"messages_requests_per_minute":1e-300`), `config cfg.json: messages_requests_per_minute: must be between 0.1 and 100000, got 1e-300`},
		{"rate just below", withBase(`,"messages_requests_per_minute":0.09999999`), `config cfg.json: messages_requests_per_minute: must be between 0.1 and 100000, got 0.09999999`},
		{"rate just above", withBase(`,"messages_requests_per_minute":100000.00001`), `config cfg.json: messages_requests_per_minute: must be between 0.1 and 100000, got 100000.00001`},
		{"rate negative", withBase(`,"messages_requests_per_minute":-1`), `config cfg.json: messages_requests_per_minute: must be between 0.1 and 100000, got -1`},
		{"rate 1e308", withBase(`,"api_requests_per_second":1e308`), `config cfg.json: api_requests_per_second: must be between 0.1 and 10000, got 1e308`},
		{"rate huge", withBase(`,"api_requests_per_second":1e400`), `config cfg.json: api_requests_per_second: must be between 0.1 and 10000, got 1e400`},
		{"api rate 10001", withBase(`,"api_requests_per_second":10001`), `config cfg.json: api_requests_per_second: must be between 0.1 and 10000, got 10001`},
		{"timeout 0", withBase(`,"request_timeout_seconds":0`), `config cfg.json: request_timeout_seconds: must be between 1 and 3600, got 0`},
		{"timeout 3601", withBase(`,"request_timeout_seconds":3601`), `config cfg.json: request_timeout_seconds: must be between 1 and 3600, got 3601`},
		{"timeout 1e308", withBase(`,"request_timeout_seconds":1e308`), `config cfg.json: request_timeout_seconds: must be between 1 and 3600, got 1e308`},
		{"retries -1", withBase(`,"max_retries":-1`), `config cfg.json: max_retries: must be between 0 and 100, got -1`},
		{"retries 101", withBase(`,"max_retries":101`), `config cfg.json: max_retries: must be between 0 and 100, got 101`},
		{"retries int32", withBase(`,"max_retries":2147483647`), `config cfg.json: max_retries: must be between 0 and 100, got 2147483647`},
		{"activity 0", withBase(`,"activity_log_window_days":0`), `config cfg.json: activity_log_window_days: must be between 1 and 90, got 0`},
		{"activity 91", withBase(`,"activity_log_window_days":91`), `config cfg.json: activity_log_window_days: must be between 1 and 90, got 91`},
		{"analytics window 0", withBase(`,"analytics_window_days":0`), `config cfg.json: analytics_window_days: must be between 1 and 31, got 0`},
		{"analytics window 32", withBase(`,"analytics_window_days":32`), `config cfg.json: analytics_window_days: must be between 1 and 31, got 32`},
		{"analytics window -1", withBase(`,"analytics_window_days":-1`), `config cfg.json: analytics_window_days: must be between 1 and 31, got -1`},
		{"analytics window huge", withBase(`,"analytics_window_days":1e400`), `config cfg.json: analytics_window_days: must be between 1 and 31, got 1e400`},
		{"parallel 0", withBase(`,"max_parallel_streams":0`), `config cfg.json: max_parallel_streams: must be between 1 and 16, got 0`},
		{"parallel 17", withBase(`,"max_parallel_streams":17`), `config cfg.json: max_parallel_streams: must be between 1 and 16, got 17`},
		// enum
		{"interval YEAR", withBase(`,"interval":"year"`), `config cfg.json: interval: must be one of HOUR, DAY, WEEK, MONTH, got "year"`},
		{"interval empty", withBase(`,"interval":""`), `config cfg.json: interval: must be one of HOUR, DAY, WEEK, MONTH, got ""`},
		// dates
		{"bad start_date", withBase(`,"start_date":"2024-13-01"`), `config cfg.json: start_date: must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "2024-13-01"`},
		{"start_date words", withBase(`,"start_date":"yesterday"`), `config cfg.json: start_date: must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "yesterday"`},
		{"bad end_date", withBase(`,"end_date":"01/02/2024"`), `config cfg.json: end_date: must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "01/02/2024"`},
		{"end_date equals start", withBase(`,"end_date":"2024-01-01T00:00:00Z"`), `config cfg.json: end_date: must be after start_date (2024-01-01T00:00:00Z), got 2024-01-01T00:00:00Z`},
		{"end_date before start", withBase(`,"end_date":"2023-12-31"`), `config cfg.json: end_date: must be after start_date (2024-01-01T00:00:00Z), got 2023-12-31T00:00:00Z`},
		{"date is the token", withBase(`,"start_date":"` + tok + `"`), `config cfg.json: start_date: must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "***"`},
		{"long date shortened", withBase(`,"end_date":"` + strings.Repeat("9", 100) + `"`), `config cfg.json: end_date: must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "` + strings.Repeat("9", 64) + `…"`},
		// URLs
		{"http remote", withBase(`,"exports_base_url":"http://exports.dixa.io"`), `config cfg.json: exports_base_url: must use https (http is allowed only for loopback hosts)`},
		{"http lookalike", withBase(`,"api_base_url":"http://localhost.evil.com"`), `config cfg.json: api_base_url: must use https (http is allowed only for loopback hosts)`},
		{"http 10.x", withBase(`,"api_base_url":"http://10.0.0.1"`), `config cfg.json: api_base_url: must use https (http is allowed only for loopback hosts)`},
		{"relative url", withBase(`,"api_base_url":"/v1"`), `config cfg.json: api_base_url: must be an absolute http(s) URL such as https://dev.dixa.io`},
		{"no scheme", withBase(`,"api_base_url":"dev.dixa.io"`), `config cfg.json: api_base_url: must be an absolute http(s) URL such as https://dev.dixa.io`},
		{"ftp", withBase(`,"exports_base_url":"ftp://exports.dixa.io"`), `config cfg.json: exports_base_url: must be an absolute http(s) URL such as https://exports.dixa.io`},
		{"empty url", withBase(`,"exports_base_url":""`), `config cfg.json: exports_base_url: must be an absolute http(s) URL such as https://exports.dixa.io`},
		{"bad url", withBase(`,"exports_base_url":"https://[::1"`), `config cfg.json: exports_base_url: must be an absolute http(s) URL such as https://exports.dixa.io`},
		{"url with token", withBase(`,"exports_base_url":"https://u:` + tok + `@x.io"`), `config cfg.json: exports_base_url: must not contain a user name or password`},
		{"url with query", withBase(`,"exports_base_url":"https://x.io/?a=1"`), `config cfg.json: exports_base_url: must not contain a query or fragment`},
		// other strings
		{"user_agent newline", withBase(`,"user_agent":"a\r\nX-Evil: 1"`), `config cfg.json: user_agent: must not contain line breaks or other control characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := Parse("cfg.json", []byte(tt.in))
			require.Error(t, err)
			assert.Nil(t, cfg)
			if tt.want != "" {
				assert.Equal(t, tt.want, err.Error())
			}
			assertOneLineNoToken(t, err.Error())
			var ce *Error
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "cfg.json", ce.Source)
		})
	}
}

func TestParseFirstProblemInPropertyOrder(t *testing.T) {
	_, _, err := Parse("cfg.json", []byte(`{"max_parallel_streams":0,"window_days":99,"start_date":"2024-01-01"}`))
	require.Error(t, err)
	assert.Equal(t, "config cfg.json: api_token: required", err.Error())
	_, _, err = Parse("cfg.json", []byte(withBase(`,"max_parallel_streams":0,"window_days":99`)))
	assert.EqualError(t, err, "config cfg.json: window_days: must be between 1 and 31, got 99")
	_, _, err = Parse("cfg.json", []byte(`{"page_size":1e400,"start_date":"2024-01-01"}`))
	assert.EqualError(t, err, "config cfg.json: api_token: required")
	_, _, err = Parse("cfg.json", []byte(withBase(`,"page_size":1e400,"max_retries":-1`)))
	assert.EqualError(t, err, "config cfg.json: page_size: must be between 1 and 100000, got 1e400")
	_, _, err = Parse("cfg.json", []byte(withBase(`,"page_size":1e400,"window_days":0`)))
	assert.EqualError(t, err, "config cfg.json: window_days: must be between 1 and 31, got 0")
	// A record type list that cannot be normalised counts at its place
	// in property order too.
	_, _, err = Parse("cfg.json", []byte(withBase(`,"analytics_record_types":"a,,b","max_parallel_streams":0`)))
	assert.EqualError(t, err, `config cfg.json: analytics_record_types: must not list an empty record type (item 2), got "a,,b"`)
	_, _, err = Parse("cfg.json", []byte(withBase(`,"analytics_record_types":"a,,b","window_days":0`)))
	assert.EqualError(t, err, "config cfg.json: window_days: must be between 1 and 31, got 0")
}

func TestParseUnknownKeys(t *testing.T) {
	cfg, warns, err := Parse("cfg.json", []byte(withBase(`,"foo":1,"API_TOKEN":"x","page-size":5,"`+tok+`":true,"bad\nkey":null`)))
	require.NoError(t, err)
	assert.Equal(t, 10000, cfg.PageSize, "a misspelled key is not used")
	assert.Equal(t, []string{
		`config cfg.json: unknown key "API_TOKEN" ignored (did you mean "api_token"?)`,
		`config cfg.json: unknown key "***" ignored`,
		`config cfg.json: unknown key "bad\nkey" ignored`,
		`config cfg.json: unknown key "foo" ignored`,
		`config cfg.json: unknown key "page-size" ignored (did you mean "page_size"?)`,
	}, warns)
	for _, w := range warns {
		assertOneLineNoToken(t, w)
	}
}

func TestParseUnknownKeysCapped(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, `,"k%02d":1`, i)
	}
	_, warns, err := Parse("cfg.json", []byte(withBase(b.String())))
	require.NoError(t, err)
	require.Len(t, warns, maxUnknownWarnings+1)
	assert.Equal(t, "config cfg.json: 10 more unknown keys ignored", warns[maxUnknownWarnings])
}

func TestParseWarningsWithError(t *testing.T) {
	_, warns, err := Parse("cfg.json", []byte(`{"api_tokne":"`+tok+`","start_date":"2024-01-01"}`))
	assert.EqualError(t, err, "config cfg.json: api_token: required")
	assert.Equal(t, []string{`config cfg.json: unknown key "api_tokne" ignored`}, warns)
}

func TestConfigStringHidesToken(t *testing.T) {
	cfg, _, err := Parse("cfg.json", []byte(withBase("")))
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v", *cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), cfg.String()} {
		assert.NotContains(t, s, tok)
		assert.Contains(t, s, "[redacted]")
	}
}

func TestErrorFormat(t *testing.T) {
	assert.Equal(t, "config: --config is required", (&Error{Problem: "--config is required"}).Error())
	assert.Equal(t, "config a.json: empty file", (&Error{Source: "a.json", Problem: "empty file"}).Error())
	assert.Equal(t, "config a.json: k: p", (&Error{Source: "a.json", Key: "k", Problem: "p"}).Error())
	assert.Equal(t, `config a\nb.json: k\r: p\u2028q`, (&Error{Source: "a\nb.json", Key: "k\r", Problem: "p\u2028q"}).Error())
}
