package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// envMap returns a getenv backed by m.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// noEnv fails the test if the environment is read.
func noEnv(t *testing.T) func(string) string {
	return func(k string) string {
		t.Errorf("environment read without ENV source: %s", k)
		return ""
	}
}

func TestLoadNoSources(t *testing.T) {
	_, _, err := Load(nil, noEnv(t))
	assert.EqualError(t, err, "config: --config is required")
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		want string
	}{
		{"missing", filepath.Join(dir, "nope.json"), "cannot read: no such file"},
		{"directory", dir, "cannot read: is a directory"},
		{"empty", writeFile(t, dir, "empty.json", ""), "empty file"},
		{"not JSON", writeFile(t, dir, "bad.json", "api_token: "+tok+"\n"), "not valid JSON: invalid character 'a' looking for beginning of value (line 1, column 1)"},
		{"array", writeFile(t, dir, "arr.json", `["`+tok+`"]`), "not a JSON object"},
		{"string", writeFile(t, dir, "str.json", `"x"`), "not a JSON object"},
		{"null", writeFile(t, dir, "null.json", `null`), "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load([]string{tt.path}, noEnv(t))
			require.Error(t, err)
			assert.Equal(t, "config "+tt.path+": "+tt.want, err.Error())
			assertOneLineNoToken(t, err.Error())
		})
	}
}

func TestLoadLaterFilesOverride(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.json", `{"api_token":"`+tok+`","start_date":"2024-01-01","end_date":"2024-06-01","page_size":10,"max_retries":1}`)
	b := writeFile(t, dir, "b.json", `{"start_date":"2024-02-01","end_date":null,"page_size":20}`)
	c := writeFile(t, dir, "c.json", `{"page_size":30}`)

	cfg, warns, err := Load([]string{a, b, c}, noEnv(t))
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, tok, cfg.APIToken)
	assert.Equal(t, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), cfg.StartDate)
	assert.True(t, cfg.EndDate.IsZero(), "a later null removes the key")
	assert.Equal(t, 30, cfg.PageSize)
	assert.Equal(t, 1, cfg.MaxRetries)

	cfg, _, err = Load([]string{c, b, a}, noEnv(t))
	require.NoError(t, err)
	assert.Equal(t, 10, cfg.PageSize)
	assert.Equal(t, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), cfg.EndDate)
}

func TestLoadErrorNamesTheSourceOfTheKey(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.json", `{"api_token":"`+tok+`","start_date":"2024-01-01"}`)
	b := writeFile(t, dir, "b.json", `{"window_days":40,"foo":1}`)
	_, warns, err := Load([]string{a, b}, noEnv(t))
	assert.EqualError(t, err, "config "+b+": window_days: must be between 1 and 31, got 40")
	assert.Equal(t, []string{"config " + b + `: unknown key "foo" ignored`}, warns)

	_, _, err = Load([]string{b, "ENV"}, envMap(map[string]string{"TAP_DIXA_API_TOKEN": tok}))
	assert.EqualError(t, err, "config "+b+", ENV: start_date: required")
}

func TestLoadEnv(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "a.json", `{"api_token":"file-token","start_date":"2024-01-01","window_days":10,"page_size":5}`)
	env := envMap(map[string]string{
		"TAP_DIXA_API_TOKEN":                         tok,
		"TAP_DIXA_WINDOW_DAYS":                       "3",
		"TAP_DIXA_PAGE_SIZE":                         "", // empty = unset
		"TAP_DIXA_CONVERSATIONS_REQUESTS_PER_MINUTE": "2.5",
		"TAP_DIXA_MAX_RETRIES":                       "4.0", // Meltano JSON-encodes numbers
		"TAP_DIXA_EMIT_ACTIVATE_VERSION_MESSAGES":    "Yes",
		"TAP_DIXA_INTERVAL":                          "hour",
		"TAP_DIXA_USER_AGENT":                        "ua/1",
		"TAP_DIXA_START_DATE":                        "2024-01-01T00:00:00+00:00",
		"TAP_DIXA_END_DATE":                          "2024-02-01 00:00:00",
		"TAP_DIXA_ANALYTICS_RECORD_TYPES":            "ratings, closed_conversations",
		"TAP_DIXA_ANALYTICS_WINDOW_DAYS":             "14",
	})
	for _, sources := range [][]string{{file, "ENV"}, {"ENV", file}} {
		cfg, warns, err := Load(sources, env)
		require.NoError(t, err, sources)
		assert.Empty(t, warns)
		assert.Equal(t, tok, cfg.APIToken, "ENV wins whatever the order")
		assert.Equal(t, 3*24*time.Hour, cfg.Window)
		assert.Equal(t, 5, cfg.PageSize)
		assert.Equal(t, 2.5, cfg.ConversationsPerMinute)
		assert.Equal(t, 4, cfg.MaxRetries)
		assert.True(t, cfg.EmitActivateVersion)
		assert.Equal(t, "ua/1", cfg.UserAgent)
		assert.Equal(t, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), cfg.EndDate)
		assert.Equal(t, []string{"ratings", "closed_conversations"}, cfg.AnalyticsRecordTypes)
		assert.Equal(t, 14*24*time.Hour, cfg.AnalyticsWindow)
	}
}

func TestLoadEnvRecordTypes(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "a.json", `{"api_token":"`+tok+`","start_date":"2024-01-01","analytics_record_types":["queued_conversations"]}`)
	for in, want := range map[string][]string{
		"ratings":                      {"ratings"},
		" ratings ":                    {"ratings"},
		"ratings,closed_conversations": {"ratings", "closed_conversations"},
		"ratings , closed_conversations,ratings ": {"ratings", "closed_conversations"},
		// Meltano passes a kind: array setting as JSON text.
		`["closed_conversations","ratings"]`:                {"closed_conversations", "ratings"},
		`[ "ratings", "ratings", " closed_conversations" ]`: {"ratings", "closed_conversations"},
		"[\"ratings\"]\n": {"ratings"},
	} {
		cfg, _, err := Load([]string{file, "ENV"}, envMap(map[string]string{"TAP_DIXA_ANALYTICS_RECORD_TYPES": in}))
		require.NoError(t, err, in)
		assert.Equal(t, want, cfg.AnalyticsRecordTypes, in)
	}
	// An empty variable is unset: the file's value stays.
	cfg, _, err := Load([]string{file, "ENV"}, envMap(map[string]string{"TAP_DIXA_ANALYTICS_RECORD_TYPES": ""}))
	require.NoError(t, err)
	assert.Equal(t, []string{"queued_conversations"}, cfg.AnalyticsRecordTypes)
	// Neither file nor variable: every type of the catalogue.
	cfg, _, err = Load([]string{"ENV"}, envMap(map[string]string{"TAP_DIXA_API_TOKEN": tok, "TAP_DIXA_START_DATE": "2024-01-01"}))
	require.NoError(t, err)
	assert.Nil(t, cfg.AnalyticsRecordTypes)
	assert.Equal(t, 7*24*time.Hour, cfg.AnalyticsWindow)
}

func TestLoadEnvOnly(t *testing.T) {
	cfg, _, err := Load([]string{"ENV"}, envMap(map[string]string{
		"TAP_DIXA_API_TOKEN": tok, "TAP_DIXA_START_DATE": "2024-01-01",
	}))
	require.NoError(t, err)
	assert.Equal(t, tok, cfg.APIToken)

	_, _, err = Load([]string{"ENV"}, envMap(nil))
	assert.EqualError(t, err, "config ENV: api_token: required")
}

func TestLoadEnvBooleans(t *testing.T) {
	for in, want := range map[string]bool{
		"true": true, "TRUE": true, "1": true, "yes": true, "On": true,
		"false": false, "False": false, "0": false, "no": false, "OFF": false,
	} {
		cfg, _, err := Load([]string{"ENV"}, envMap(map[string]string{
			"TAP_DIXA_API_TOKEN": tok, "TAP_DIXA_START_DATE": "2024-01-01",
			"TAP_DIXA_EMIT_ACTIVATE_VERSION_MESSAGES": in,
		}))
		require.NoError(t, err, in)
		assert.Equal(t, want, cfg.EmitActivateVersion, in)
	}
}

func TestLoadEnvErrors(t *testing.T) {
	tests := []struct {
		name, key, value, want string
	}{
		{"integer word", "TAP_DIXA_WINDOW_DAYS", "seven", `config ENV: window_days: TAP_DIXA_WINDOW_DAYS must be a whole number, got "seven"`},
		{"integer fraction", "TAP_DIXA_WINDOW_DAYS", "2.5", `config ENV: window_days: TAP_DIXA_WINDOW_DAYS must be a whole number, got "2.5"`},
		{"integer hex", "TAP_DIXA_PAGE_SIZE", "0x10", `config ENV: page_size: TAP_DIXA_PAGE_SIZE must be a whole number, got "0x10"`},
		{"integer range", "TAP_DIXA_WINDOW_DAYS", "40", `config ENV: window_days: must be between 1 and 31, got 40`},
		{"integer too big", "TAP_DIXA_PAGE_SIZE", "99999999999999999999", `config ENV: page_size: TAP_DIXA_PAGE_SIZE must be a whole number, got "99999999999999999999"`},
		{"number word", "TAP_DIXA_API_REQUESTS_PER_SECOND", "fast", `config ENV: api_requests_per_second: TAP_DIXA_API_REQUESTS_PER_SECOND must be a number, got "fast"`},
		{"number NaN", "TAP_DIXA_API_REQUESTS_PER_SECOND", "NaN", `config ENV: api_requests_per_second: TAP_DIXA_API_REQUESTS_PER_SECOND must be a number, got "NaN"`},
		{"number Inf", "TAP_DIXA_API_REQUESTS_PER_SECOND", "+Inf", `config ENV: api_requests_per_second: TAP_DIXA_API_REQUESTS_PER_SECOND must be a number, got "+Inf"`},
		{"number zero", "TAP_DIXA_API_REQUESTS_PER_SECOND", "0", `config ENV: api_requests_per_second: must be between 0.1 and 10000, got 0`},
		{"boolean", "TAP_DIXA_EMIT_ACTIVATE_VERSION_MESSAGES", "maybe", `config ENV: emit_activate_version_messages: TAP_DIXA_EMIT_ACTIVATE_VERSION_MESSAGES must be true/false, 1/0, yes/no or on/off, got "maybe"`},
		{"interval", "TAP_DIXA_INTERVAL", "fortnight", `config ENV: interval: must be one of HOUR, DAY, WEEK, MONTH, got "fortnight"`},
		{"date", "TAP_DIXA_END_DATE", "soon", `config ENV: end_date: must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "soon"`},
		{"url", "TAP_DIXA_API_BASE_URL", "http://dev.dixa.io", `config ENV: api_base_url: must use https (http is allowed only for loopback hosts)`},
		{"blank token", "TAP_DIXA_API_TOKEN", "  ", `config ENV: api_token: must not be empty`},
		{"token with newline", "TAP_DIXA_API_TOKEN", tok + "\n" + tok, `config ENV: api_token: must not contain line breaks or other control characters`},
		{"analytics window word", "TAP_DIXA_ANALYTICS_WINDOW_DAYS", "week", `config ENV: analytics_window_days: TAP_DIXA_ANALYTICS_WINDOW_DAYS must be a whole number, got "week"`},
		{"analytics window range", "TAP_DIXA_ANALYTICS_WINDOW_DAYS", "32", `config ENV: analytics_window_days: must be between 1 and 31, got 32`},
		{"analytics window 0", "TAP_DIXA_ANALYTICS_WINDOW_DAYS", "0", `config ENV: analytics_window_days: must be between 1 and 31, got 0`},
		{"record types blank", "TAP_DIXA_ANALYTICS_RECORD_TYPES", "  ", `config ENV: analytics_record_types: must name at least one record type (leave it unset to read every type the catalogue lists), got "  "`},
		{"record types empty name", "TAP_DIXA_ANALYTICS_RECORD_TYPES", "ratings,,closed_conversations", `config ENV: analytics_record_types: must not list an empty record type (item 2), got "ratings,,closed_conversations"`},
		{"record types trailing comma", "TAP_DIXA_ANALYTICS_RECORD_TYPES", "ratings, ", `config ENV: analytics_record_types: must not list an empty record type (item 2), got "ratings, "`},
		{"record types empty JSON array", "TAP_DIXA_ANALYTICS_RECORD_TYPES", "[]", `config ENV: analytics_record_types: must name at least one record type (leave it unset to read every type the catalogue lists), got "[]"`},
		{"record types empty JSON item", "TAP_DIXA_ANALYTICS_RECORD_TYPES", `["ratings",""]`, `config ENV: analytics_record_types: must not list an empty record type (item 2), got "[\"ratings\",\"\"]"`},
		{"record types JSON number", "TAP_DIXA_ANALYTICS_RECORD_TYPES", `[7]`, `config ENV: analytics_record_types: item 1 must be a string, got a number`},
		{"record types bad JSON", "TAP_DIXA_ANALYTICS_RECORD_TYPES", `[ratings]`, `config ENV: analytics_record_types: is not a JSON array of strings (quote each name, as in ["ratings"], or give a comma-separated list), got "[ratings]"`},
		{"record types control character", "TAP_DIXA_ANALYTICS_RECORD_TYPES", "ratings,closed\x00", `config ENV: analytics_record_types: must not contain line breaks or other control characters (item 2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"TAP_DIXA_API_TOKEN": tok, "TAP_DIXA_START_DATE": "2024-01-01"}
			env[tt.key] = tt.value
			_, _, err := Load([]string{"ENV"}, envMap(env))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assertOneLineNoToken(t, err.Error())
		})
	}
}

func TestLoadTrailingNewlineInToken(t *testing.T) {
	// A token pasted from a file often ends with a newline.
	cfg, _, err := Load([]string{"ENV"}, envMap(map[string]string{
		"TAP_DIXA_API_TOKEN": tok + "\n", "TAP_DIXA_START_DATE": "2024-01-01",
	}))
	require.NoError(t, err)
	assert.Equal(t, tok, cfg.APIToken)
}

func TestEnvVar(t *testing.T) {
	assert.Equal(t, "TAP_DIXA_API_TOKEN", EnvVar("api_token"))
	assert.Equal(t, "TAP_DIXA_WINDOW_DAYS", EnvVar("window_days"))
	assert.Equal(t, "TAP_DIXA_ANALYTICS_RECORD_TYPES", EnvVar("analytics_record_types"))
	assert.Equal(t, "TAP_DIXA_ANALYTICS_WINDOW_DAYS", EnvVar("analytics_window_days"))
}

func TestLoadNilGetenvUsesProcessEnvironment(t *testing.T) {
	t.Setenv("TAP_DIXA_API_TOKEN", tok)
	t.Setenv("TAP_DIXA_START_DATE", "2024-01-01")
	t.Setenv("TAP_DIXA_MAX_PARALLEL_STREAMS", "1")
	cfg, _, err := Load([]string{"ENV"}, nil)
	require.NoError(t, err)
	assert.Equal(t, tok, cfg.APIToken)
	assert.Equal(t, 1, cfg.MaxParallelStreams)
}
