// Package config loads, merges and validates the tap's configuration before
// any network request is made.
//
// Sources are JSON files and, when the word "ENV" is given as a source,
// TAP_DIXA_<SETTING> environment variables. The merged object is validated
// against the embedded JSON Schema (see Schema) and then checked for what a
// schema cannot say: dates that parse, an end after the start, and base
// URLs that use https unless they point at the local machine. Every problem
// is reported as one *Error whose text is a single line that never contains
// the API token.
package config

import (
	"fmt"
	"strings"
	"time"
)

// Config is the validated configuration.
type Config struct {
	// APIToken is the Dixa API token. It is never printed: String and
	// GoString leave it out.
	APIToken string
	// StartDate is where extraction starts, in UTC.
	StartDate time.Time
	// EndDate is where extraction stops (exclusive), in UTC; the zero time
	// means "now", as decided by the caller.
	EndDate time.Time
	// Window is the export window: window_days*24h, else the interval
	// (HOUR=1h, DAY=24h, WEEK=7*24h, MONTH=31*24h), else 31*24h.
	Window time.Duration
	// PageSize is the Dixa API pageLimit.
	PageSize int
	// ExportsBaseURL is the Exports API base URL, without a trailing slash.
	ExportsBaseURL string
	// APIBaseURL is the Dixa API base URL, without a trailing slash.
	APIBaseURL string
	// ConversationsPerMinute paces conversation_export requests.
	ConversationsPerMinute float64
	// MessagesPerMinute paces message_export requests.
	MessagesPerMinute float64
	// APIPerSecond paces Dixa API requests.
	APIPerSecond float64
	// RequestTimeout is the time to wait for the first byte of a response.
	RequestTimeout time.Duration
	// MaxRetries is the number of retries per request.
	MaxRetries int
	// UserAgent is the User-Agent header; "" means the caller's default
	// tap-dixa/<version>.
	UserAgent string
	// ActivityLogWindow is the activity log query window.
	ActivityLogWindow time.Duration
	// AnalyticsRecordTypes lists the analytics record types (ids of
	// Dixa's catalogue) that analytics_records reads, trimmed, without
	// duplicates, in the order given; nil means every type the catalogue
	// lists.
	AnalyticsRecordTypes []string
	// AnalyticsWindow is the analytics records query window.
	AnalyticsWindow time.Duration
	// MaxParallelStreams is the number of streams synced at once.
	MaxParallelStreams int
	// EmitActivateVersion turns on ACTIVATE_VERSION messages for
	// full-table streams.
	EmitActivateVersion bool
}

// String formats the configuration for logs, with the token replaced by
// "[redacted]" wherever it appears.
func (c Config) String() string {
	type plain Config // drops the methods, so fmt does not recurse
	p := plain(c)
	p.APIToken = ""
	s := fmt.Sprintf("%+v", p)
	if c.APIToken == "" {
		return s
	}
	s = strings.ReplaceAll(s, c.APIToken, "[redacted]")
	return strings.Replace(s, "APIToken:", "APIToken:[redacted]", 1)
}

// GoString is like String, for the %#v verb.
func (c Config) GoString() string { return "config.Config" + c.String() }

// Error is a configuration problem. Its text is one line:
// "config <source>: <key>: <problem>", or "config <source>: <problem>" for
// problems with a whole source (such as "not a JSON object"), or
// "config: <problem>" when no source is concerned.
type Error struct {
	// Source is the file path, "ENV", or a comma-separated list of the
	// sources when the problem comes from their merge (a missing key).
	Source string
	// Key is the config key concerned, or "" for a whole source.
	Key string
	// Problem says what is wrong, without the API token.
	Problem string
}

// Error returns the one-line message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.Source != "" {
		b.WriteString(" " + oneLine(e.Source))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(oneLine(e.Key) + ": ")
	}
	b.WriteString(oneLine(e.Problem))
	return b.String()
}

// oneLine escapes line breaks and other control characters so that a
// message stays on one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := fmt.Sprintf("%q", string(r))
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isControl reports C0/C1 control characters and Unicode line separators.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029
}

// Parse validates one already-merged JSON object; name is the source named
// in messages. It returns warnings (unknown keys) for the caller to log.
func Parse(name string, data []byte) (*Config, []string, error) {
	obj, err := decodeObject(name, data)
	if err != nil {
		return nil, nil, err
	}
	origin := make(map[string]string, len(obj))
	for k := range obj {
		origin[k] = name
	}
	return validate(obj, origin, name)
}

// Load reads the sources in order: each is a JSON file path, or the word
// "ENV", which turns on TAP_DIXA_<SETTING> environment variables
// (upper-cased key, e.g. TAP_DIXA_API_TOKEN, TAP_DIXA_WINDOW_DAYS). Later
// files override earlier ones key by key, and a null value removes the key
// again; environment values win over files whatever the order (Meltano SDK
// behaviour), and an empty variable counts as unset. getenv is os.Getenv in
// production (nil means os.Getenv), a map lookup in tests. Load returns
// warnings (e.g. unknown keys) for the caller to log, even together with
// an error.
func Load(sources []string, getenv func(string) string) (*Config, []string, error) {
	if len(sources) == 0 {
		return nil, nil, &Error{Problem: "--config is required"}
	}
	merged := map[string]any{}
	origin := map[string]string{}
	useEnv := false
	var names []string
	for _, src := range sources {
		if !contains(names, src) {
			names = append(names, src)
		}
		if src == EnvSource {
			useEnv = true
			continue
		}
		data, err := readFile(src)
		if err != nil {
			return nil, nil, err
		}
		obj, err := decodeObject(src, data)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range obj {
			merged[k] = v
			origin[k] = src
		}
	}
	if useEnv {
		if err := applyEnv(merged, origin, getenv); err != nil {
			return nil, nil, err
		}
	}
	return validate(merged, origin, strings.Join(names, ", "))
}

// EnvSource is the source word that turns on environment variables.
const EnvSource = "ENV"

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
