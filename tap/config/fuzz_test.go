package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

// distinctive matches tokens that no fixed message text can contain.
var distinctive = regexp.MustCompile(`^[A-Za-z0-9]{12,}$`)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		withBase(""),
		withBase(`,"interval":"day","window_days":2.0,"end_date":"2024-01-01T00:00:00.5+01:00"`),
		withBase(`,"exports_base_url":"http://[::1]:8080/","api_base_url":"https://` + tok + `.io/"`),
		withBase(`,"start_date":"` + tok + `","foo":{"` + tok + `":[1]}`),
		withBase(`,"page_size":1e999999999,"max_retries":-0.0`),
		withBase(`,"analytics_record_types":" ratings,closed_conversations,ratings","analytics_window_days":31.0`),
		withBase(`,"analytics_record_types":["` + tok + `"," ",7],"analytics_window_days":0`),
		withBase(`,"analytics_record_types":"[\"ratings\",\"\"]"`),
		`{"api_token":"` + tok + `","start_date":"2024-01-01","end_date":"2023-01-01"}`,
		`{"start_date": "2021-08-01", "api_token": "abc123", "interval": "MONTH"}`,
		`[` + tok + `]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, warns, err := Parse("fuzz.json", data)
		token := ""
		var obj map[string]any
		if json.Unmarshal(data, &obj) == nil {
			if s, ok := obj["api_token"].(string); ok && distinctive.MatchString(strings.TrimSpace(s)) {
				token = strings.TrimSpace(s)
			}
		}
		check := func(what, msg string) {
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("%s has more than one line: %q", what, msg)
			}
			if token != "" && strings.Contains(msg, token) {
				t.Fatalf("%s contains the token: %q", what, msg)
			}
		}
		for _, w := range warns {
			check("warning", w)
		}
		if err != nil {
			if cfg != nil {
				t.Fatalf("config returned with error %v", err)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *Error", err)
			}
			if !strings.HasPrefix(err.Error(), "config fuzz.json: ") {
				t.Fatalf("error without source: %q", err)
			}
			check("error", err.Error())
			return
		}
		if cfg.APIToken == "" || strings.TrimSpace(cfg.APIToken) != cfg.APIToken {
			t.Fatalf("bad token accepted: %q", cfg.APIToken)
		}
		if token != "" {
			check("String", cfg.String())
			check("%#v", fmt.Sprintf("%#v", cfg))
		}
		if cfg.StartDate.Location() != time.UTC || cfg.EndDate.Location() != time.UTC {
			t.Fatalf("dates not UTC: %v %v", cfg.StartDate, cfg.EndDate)
		}
		if !cfg.EndDate.IsZero() && !cfg.EndDate.After(cfg.StartDate) {
			t.Fatalf("end %v not after start %v", cfg.EndDate, cfg.StartDate)
		}
		checkValid(t, cfg)
	})
}

// checkValid checks what every validated config holds: each setting
// within its schema bounds, and every rate and duration finite and
// positive, so that the pacing and timeout arithmetic cannot overflow.
func checkValid(t *testing.T, cfg *Config) {
	t.Helper()
	if cfg.Window < time.Hour || cfg.Window > 31*24*time.Hour {
		t.Fatalf("window %v", cfg.Window)
	}
	if cfg.ActivityLogWindow < 24*time.Hour || cfg.ActivityLogWindow > 90*24*time.Hour {
		t.Fatalf("activity window %v", cfg.ActivityLogWindow)
	}
	if cfg.AnalyticsWindow < 24*time.Hour || cfg.AnalyticsWindow > 31*24*time.Hour || cfg.AnalyticsWindow%(24*time.Hour) != 0 {
		t.Fatalf("analytics window %v", cfg.AnalyticsWindow)
	}
	if cfg.AnalyticsRecordTypes != nil && len(cfg.AnalyticsRecordTypes) == 0 {
		t.Fatalf("empty, not nil, record type list")
	}
	seen := map[string]bool{}
	for _, id := range cfg.AnalyticsRecordTypes {
		if id == "" || strings.TrimSpace(id) != id || strings.ContainsFunc(id, isControl) || seen[id] {
			t.Fatalf("bad record types %q", cfg.AnalyticsRecordTypes)
		}
		seen[id] = true
	}
	if cfg.PageSize < 1 || cfg.MaxRetries < 0 || cfg.MaxParallelStreams < 1 || cfg.RequestTimeout < time.Second {
		t.Fatalf("bad integers: %+v", cfg)
	}
	values := map[string]float64{
		"page_size":                         float64(cfg.PageSize),
		"conversations_requests_per_minute": cfg.ConversationsPerMinute,
		"messages_requests_per_minute":      cfg.MessagesPerMinute,
		"api_requests_per_second":           cfg.APIPerSecond,
		"request_timeout_seconds":           cfg.RequestTimeout.Seconds(),
		"max_retries":                       float64(cfg.MaxRetries),
		"activity_log_window_days":          cfg.ActivityLogWindow.Hours() / 24,
		"analytics_window_days":             cfg.AnalyticsWindow.Hours() / 24,
		"max_parallel_streams":              float64(cfg.MaxParallelStreams),
	}
	if cfg.Window%(24*time.Hour) == 0 {
		values["window_days"] = cfg.Window.Hours() / 24
	}
	for _, s := range Settings() {
		v, ok := values[s.Name]
		if !ok {
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || s.Minimum == nil || s.Maximum == nil || v < *s.Minimum || v > *s.Maximum {
			t.Fatalf("%s = %v is outside its schema bounds", s.Name, v)
		}
	}
	for _, rate := range []float64{cfg.ConversationsPerMinute, cfg.MessagesPerMinute, cfg.APIPerSecond} {
		if !(rate > 0) || math.IsInf(rate, 0) {
			t.Fatalf("bad rate %v: %+v", rate, cfg)
		}
		// The waits the tap derives from a rate: one request's share of
		// a minute, and the retry back-off, which grows to a few hundred
		// times that.
		for _, unit := range []time.Duration{time.Second, time.Minute} {
			if w := float64(unit) / rate * 1000; w <= 0 || w >= math.MaxInt64 || time.Duration(w) <= 0 {
				t.Fatalf("wait %v for rate %v overflows", w, rate)
			}
		}
	}
	if d := cfg.RequestTimeout * time.Duration(cfg.MaxRetries+1) * 10; d <= 0 {
		t.Fatalf("timeouts overflow: %+v", cfg)
	}
	for _, u := range []string{cfg.ExportsBaseURL, cfg.APIBaseURL} {
		lower := strings.ToLower(u)
		if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
			t.Fatalf("bad base URL %q", u)
		}
	}
}

// extremes are values tried for every setting: numbers at the edges of
// float64 and int64, just inside and outside the bounds, negative zero,
// strings that look like numbers, and values of the wrong type.
var extremes = []string{
	`0`, `-0`, `-0.0`, `0.0e0`, `1`, `-1`, `0.1`, `0.09999999999999999`, `0.1000000000000001`, `1e-12`, `1e-300`,
	`5e-324`, `1e-400`, `1e308`, `1.7976931348623157e308`, `1e400`, `-1e400`, `2147483647`, `2147483648`,
	`9223372036854775807`, `9223372036854775808`, `18446744073709551616`, `1e19`, `31`, `31.0`, `31.5`, `90`, `100`,
	`100.5`, `600`, `600.0000000001`, `3600`, `100000`, `100001`, `16`, `17`, `"NaN"`, `"Infinity"`, `"-Inf"`, `"1e-12"`,
	`"5"`, `""`, `" "`, `true`, `false`, `null`, `[]`, `[1]`, `{}`, `{"a":1}`, `"DAY"`, `"https://x.io"`, `"2024-02-01"`,
	`32`, `7`, `["ratings"]`, `["a","a"," a "]`, `[""]`, `[null]`, `[["a"]]`, `"a, b,a"`, `"a,,b"`, `","`, `"[\"a\"]"`,
	`"[]"`, `"[a]"`, `"a\u0000b"`, `["a\nb"]`,
}

// FuzzSettingValues sets one setting, chosen by index, to a fuzzed JSON
// value in a config file, or to a fuzzed string in its TAP_DIXA_
// variable, and checks the outcome as FuzzParse does.
func FuzzSettingValues(f *testing.F) {
	settings := Settings()
	for i := range settings {
		for _, v := range extremes {
			f.Add(uint8(i), v, false)
		}
		for _, v := range []string{"1e-12", "1e-300", "1e308", "-0", "NaN", "+Inf", "9223372036854775808", "0x10", "1_0", " 7 ", "0.1", "600",
			"31", "32", "ratings", " a , b ,a", "a,,b", ",", `["a","b"]`, `[""]`, "[a]", "[]", "a\nb"} {
			f.Add(uint8(i), v, true)
		}
	}
	f.Fuzz(func(t *testing.T, idx uint8, value string, env bool) {
		s := settings[int(idx)%len(settings)]
		var cfg *Config
		var err error
		if env {
			vars := map[string]string{EnvVar("api_token"): tok, EnvVar("start_date"): "2024-01-01", EnvVar(s.Name): value}
			cfg, _, err = Load([]string{EnvSource}, func(k string) string { return vars[k] })
		} else {
			cfg, _, err = Parse("fuzz.json", []byte(withBase(`,"`+s.Name+`":`+value)))
		}
		if err != nil {
			if cfg != nil {
				t.Fatalf("config returned with error %v", err)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *Error", err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || strings.Contains(msg, tok) {
				t.Fatalf("bad error message %q", msg)
			}
			if ce.Key == s.Name && (s.Type == "integer" || s.Type == "number") && strings.Contains(ce.Problem, "between") &&
				!strings.Contains(ce.Problem, rangeProblem(s)) {
				t.Fatalf("range error without the range: %q", err)
			}
			return
		}
		checkValid(t, cfg)
	})
}
