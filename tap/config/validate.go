package config

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxInt bounds every integer setting, so that conversions to int and
// time.Duration cannot overflow; each setting also has a much smaller
// maximum in the schema, which build checks again (see bounded).
const maxInt = math.MaxInt32

// maxUnknownWarnings caps the unknown-key warnings of one load.
const maxUnknownWarnings = 20

// intervals maps tap-dixa 1.0.x interval names to export windows.
var intervals = map[string]time.Duration{
	"HOUR": time.Hour, "DAY": 24 * time.Hour, "WEEK": 7 * 24 * time.Hour, "MONTH": 31 * 24 * time.Hour,
}

// checker validates one merged config and builds its messages.
type checker struct {
	cs     *compiledSchema
	origin map[string]string // key -> source it came from
	label  string            // source named when a key has no origin
	token  string            // the API token, redacted from shown values
	orig   map[string]any    // known keys as given (nulls dropped)
	vals   map[string]any    // known keys normalised for the schema
}

// validate checks a merged object and converts it to a Config. Warnings
// are returned even together with an error.
func validate(merged map[string]any, origin map[string]string, label string) (*Config, []string, error) {
	cs, err := loadSchema()
	if err != nil {
		return nil, nil, &Error{Source: label, Problem: "internal error: " + err.Error()}
	}
	c := &checker{cs: cs, origin: origin, label: label, orig: map[string]any{}, vals: map[string]any{}}
	if tok, ok := merged["api_token"].(string); ok {
		c.token = strings.TrimSpace(tok)
	}
	warnings := c.unknownKeys(merged)
	cfg, err := c.check(merged)
	if err != nil {
		return nil, warnings, err
	}
	return cfg, warnings, nil
}

// unknownKeys returns one warning per key the schema does not know.
func (c *checker) unknownKeys(merged map[string]any) []string {
	var unknown []string
	for k := range merged {
		if _, ok := c.cs.byName[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	var out []string
	for i, k := range unknown {
		if i == maxUnknownWarnings {
			out = append(out, fmt.Sprintf("config %s: %d more unknown keys ignored", oneLine(c.label), len(unknown)-i))
			break
		}
		msg := fmt.Sprintf("config %s: unknown key %s ignored", oneLine(c.source(k)), c.show(k))
		if hint := c.suggest(k); hint != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", hint)
		}
		out = append(out, msg)
	}
	return out
}

// suggest returns the known key that k differs from only in letter case,
// dashes or surrounding spaces.
func (c *checker) suggest(k string) string {
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
	if _, ok := c.cs.byName[norm]; ok {
		return norm
	}
	return ""
}

// source names where key came from.
func (c *checker) source(key string) string {
	if s, ok := c.origin[key]; ok {
		return s
	}
	return c.label
}

// fail builds the error for key.
func (c *checker) fail(key, problem string) error {
	return &Error{Source: c.source(key), Key: key, Problem: problem}
}

// check runs the schema's keywords (see compiledSchema.problem), then the
// checks a schema cannot express, in the schema's property order.
func (c *checker) check(merged map[string]any) (*Config, error) {
	// A number beyond float64, or a record type list that cannot be
	// normalised, is reported here, before the schema's keywords can see
	// it; it only wins over schema problems of later keys.
	var early error
	earlyIdx := math.MaxInt
	for i, s := range c.cs.settings {
		v, ok := merged[s.Name]
		if !ok || v == nil { // null means unset
			continue
		}
		c.orig[s.Name] = v
		switch x := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				if early == nil {
					early, earlyIdx = c.fail(s.Name, c.hugeNumberProblem(s, x)), i
				}
				continue
			}
			v = f
		case string:
			if s.Name == "interval" {
				v = strings.ToUpper(strings.TrimSpace(x))
			}
		}
		if s.Name == "analytics_record_types" {
			list, err := c.recordTypes(s.Name, v)
			if err != nil {
				if early == nil {
					early, earlyIdx = err, i
				}
				continue
			}
			v = list
		}
		c.vals[s.Name] = v
	}
	if key, problem := c.cs.problem(c.vals, c.orig, c.show); problem != "" {
		if idx, ok := c.cs.byName[key]; early != nil && (!ok || idx > earlyIdx) {
			return nil, early
		}
		return nil, c.fail(key, problem)
	}
	if early != nil {
		return nil, early
	}
	if err := c.bounded(); err != nil {
		return nil, err
	}
	return c.build()
}

// bounded checks every numeric setting against its schema range once more,
// defaults included: the tap derives waits such as
// float64(time.Minute)/rate from these values, and a value outside its
// range (say a rate of 1e-12) would overflow them.
func (c *checker) bounded() error {
	for _, s := range c.cs.settings {
		if s.Type != "integer" && s.Type != "number" {
			continue
		}
		f := c.number(s.Name)
		if _, set := c.vals[s.Name]; !set && s.Default == nil {
			continue // unset without default (window_days)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || s.Minimum != nil && f < *s.Minimum || s.Maximum != nil && f > *s.Maximum ||
			s.ExclusiveMinimum != nil && f <= *s.ExclusiveMinimum {
			return c.fail(s.Name, rangeProblem(s)+", got "+c.show(c.orig[s.Name]))
		}
	}
	return nil
}

// hugeNumberProblem explains a JSON number beyond float64 (ParseFloat
// gives ±Inf; numbers too close to 0 become 0 without error).
func (c *checker) hugeNumberProblem(s Setting, n json.Number) string {
	got := ", got " + c.show(n)
	switch {
	case s.Type != "integer" && s.Type != "number":
		return typeProblem(s, n, c.show)
	case strings.HasPrefix(string(n), "-"), s.Maximum != nil: // every numeric setting has a range
		return rangeProblem(s) + got
	case s.Type == "integer":
		return fmt.Sprintf("must be at most %d", maxInt) + got
	}
	return "is too large" + got
}

// build converts schema-valid values to a Config.
func (c *checker) build() (*Config, error) {
	cfg := &Config{}
	cfg.APIToken = c.token
	if cfg.APIToken == "" {
		return nil, c.fail("api_token", "must not be empty")
	}
	if strings.ContainsFunc(cfg.APIToken, isControl) {
		return nil, c.fail("api_token", "must not contain line breaks or other control characters")
	}
	var err error
	if cfg.StartDate, err = c.date("start_date"); err != nil {
		return nil, err
	}
	if cfg.EndDate, err = c.date("end_date"); err != nil {
		return nil, err
	}
	if !cfg.EndDate.IsZero() && !cfg.EndDate.After(cfg.StartDate) {
		return nil, c.fail("end_date", c.redact(fmt.Sprintf("must be after start_date (%s), got %s",
			cfg.StartDate.Format(time.RFC3339Nano), cfg.EndDate.Format(time.RFC3339Nano))))
	}
	cfg.Window = 31 * 24 * time.Hour
	if iv, ok := c.vals["interval"].(string); ok {
		cfg.Window = intervals[iv]
	}
	var days, timeout, logDays, analyticsDays int
	for _, it := range []struct {
		key string
		dst *int
	}{
		{"window_days", &days}, {"page_size", &cfg.PageSize}, {"request_timeout_seconds", &timeout},
		{"max_retries", &cfg.MaxRetries}, {"activity_log_window_days", &logDays}, {"analytics_window_days", &analyticsDays},
		{"max_parallel_streams", &cfg.MaxParallelStreams},
	} {
		if *it.dst, err = c.integer(it.key); err != nil {
			return nil, err
		}
	}
	if days > 0 { // window_days has no default: unset is 0
		cfg.Window = time.Duration(days) * 24 * time.Hour
	}
	cfg.RequestTimeout = time.Duration(timeout) * time.Second
	cfg.ActivityLogWindow = time.Duration(logDays) * 24 * time.Hour
	cfg.AnalyticsWindow = time.Duration(analyticsDays) * 24 * time.Hour
	if list, ok := c.vals["analytics_record_types"].([]any); ok {
		for _, id := range list {
			cfg.AnalyticsRecordTypes = append(cfg.AnalyticsRecordTypes, id.(string))
		}
	}
	if cfg.ExportsBaseURL, err = c.baseURL("exports_base_url"); err != nil {
		return nil, err
	}
	if cfg.APIBaseURL, err = c.baseURL("api_base_url"); err != nil {
		return nil, err
	}
	cfg.ConversationsPerMinute = c.number("conversations_requests_per_minute")
	cfg.MessagesPerMinute = c.number("messages_requests_per_minute")
	cfg.APIPerSecond = c.number("api_requests_per_second")
	if ua, ok := c.vals["user_agent"].(string); ok {
		cfg.UserAgent = strings.TrimSpace(ua)
		if strings.ContainsFunc(cfg.UserAgent, isControl) {
			return nil, c.fail("user_agent", "must not contain line breaks or other control characters")
		}
	}
	cfg.EmitActivateVersion, _ = c.value("emit_activate_version_messages").(bool)
	return cfg, nil
}

// recordTypes normalises analytics_record_types: a JSON array of strings,
// or one string holding a comma-separated list (as TAP_DIXA_ variables
// and some UIs give it) or the JSON text of an array (as Meltano passes
// an array setting through the environment). Names are trimmed and
// duplicates dropped, keeping the first; an empty name, or an empty list,
// is an error. A value of another type is returned as it is, for the
// schema to report.
func (c *checker) recordTypes(key string, v any) (any, error) {
	var items []any
	got := "" // the string form, shown in messages
	switch x := v.(type) {
	case []any:
		items = x
	case string:
		got = ", got " + c.show(x)
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "[") {
			arr, ok := jsonArray(s)
			if !ok {
				return nil, c.fail(key, `is not a JSON array of strings (quote each name, as in ["ratings"], or give a comma-separated list)`+got)
			}
			items = arr
			break
		}
		if s != "" {
			for _, name := range strings.Split(s, ",") {
				items = append(items, name)
			}
		}
	default:
		return v, nil
	}
	if len(items) == 0 {
		return nil, c.fail(key, "must name at least one record type (leave it unset to read every type the catalogue lists)"+got)
	}
	out := make([]any, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		name, ok := it.(string)
		if !ok {
			return nil, c.fail(key, fmt.Sprintf("item %d must be a string, got %s", i+1, describeType(it)))
		}
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return nil, c.fail(key, fmt.Sprintf("must not list an empty record type (item %d)%s", i+1, got))
		case strings.ContainsFunc(name, isControl):
			return nil, c.fail(key, fmt.Sprintf("must not contain line breaks or other control characters (item %d)", i+1))
		case seen[name]:
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	return out, nil
}

// jsonArray decodes s as exactly one JSON array.
func jsonArray(s string) ([]any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var arr []any
	if err := dec.Decode(&arr); err != nil || arr == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return arr, true
}

// value returns a key's normalised value, or its default.
func (c *checker) value(key string) any {
	if v, ok := c.vals[key]; ok {
		return v
	}
	return c.cs.settings[c.cs.byName[key]].Default
}

// number returns a numeric setting as float64.
func (c *checker) number(key string) float64 {
	switch v := c.value(key).(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return 0
}

// integer returns an integer setting (0 if unset without default),
// refusing values beyond maxInt.
func (c *checker) integer(key string) (int, error) {
	f := c.number(key)
	if f > maxInt {
		return 0, c.fail(key, fmt.Sprintf("must be at most %d, got %s", maxInt, c.show(c.orig[key])))
	}
	return int(f), nil
}

// date parses a date setting; an unset key gives the zero time.
func (c *checker) date(key string) (time.Time, error) {
	s, ok := c.vals[key].(string)
	if !ok {
		return time.Time{}, nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return time.Time{}, c.fail(key, "must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "+c.show(s))
	}
	return t, nil
}

// baseURL checks a base URL setting and strips one trailing slash.
func (c *checker) baseURL(key string) (string, error) {
	s, _ := c.value(key).(string)
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", c.fail(key, "must be an absolute http(s) URL such as "+c.cs.settings[c.cs.byName[key]].Default.(string))
	}
	if u.User != nil {
		return "", c.fail(key, "must not contain a user name or password")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", c.fail(key, "must not contain a query or fragment")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", c.fail(key, "must use https (http is allowed only for loopback hosts)")
	}
	return strings.TrimSuffix(s, "/"), nil
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// show renders a user value for a message: quoted, shortened, on one line,
// and with the API token replaced by ***.
func (c *checker) show(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = quote(c.redact(x))
	case json.Number:
		s = shorten(string(x))
	case float64:
		s = fmtNum(x)
	case bool:
		s = strconv.FormatBool(x)
	default:
		s = describeType(v)
	}
	return c.redact(s)
}

// redact replaces the API token in s.
func (c *checker) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "***")
}

// quote quotes a user string after shortening it.
func quote(s string) string { return strconv.Quote(shorten(s)) }

// shorten cuts s to at most 64 runes.
func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}

// fmtNum formats a number without exponent noise for small values.
func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
