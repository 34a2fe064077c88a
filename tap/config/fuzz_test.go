package config

import (
	"encoding/json"
	"errors"
	"fmt"
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
		if cfg.Window < time.Hour || cfg.Window > 31*24*time.Hour {
			t.Fatalf("window %v", cfg.Window)
		}
		if cfg.ActivityLogWindow < 24*time.Hour || cfg.ActivityLogWindow > 90*24*time.Hour {
			t.Fatalf("activity window %v", cfg.ActivityLogWindow)
		}
		if cfg.PageSize < 1 || cfg.MaxRetries < 0 || cfg.MaxParallelStreams < 1 || cfg.RequestTimeout < time.Second {
			t.Fatalf("bad integers: %+v", cfg)
		}
		if !(cfg.ConversationsPerMinute > 0 && cfg.MessagesPerMinute > 0 && cfg.APIPerSecond > 0) {
			t.Fatalf("bad rates: %+v", cfg)
		}
		for _, u := range []string{cfg.ExportsBaseURL, cfg.APIBaseURL} {
			lower := strings.ToLower(u)
			if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
				t.Fatalf("bad base URL %q", u)
			}
		}
	})
}
