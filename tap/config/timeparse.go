package config

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// zonedLayouts are tried for date-times that carry a zone: RFC 3339 with
// Z or ±hh:mm, and the ±hhmm / ±hh variants some tools write. Fractional
// seconds of any length are accepted by time.Parse after the seconds.
var zonedLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04Z07:00",
}

// naiveLayouts are date-times without a zone, read as UTC.
var naiveLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
}

// errTimeFormat is returned for a value in none of the accepted formats.
var errTimeFormat = errors.New("want YYYY-MM-DD or an RFC 3339 date-time such as 2024-01-02T03:04:05Z")

// ParseTime parses start_date/end_date/state dates: YYYY-MM-DD, RFC 3339
// with Z or an offset, with fractional seconds (milli, micro or nano),
// naive "2024-01-02T03:04:05" or "2024-01-02 03:04:05" (naive = UTC, as
// Meltano and the Singer SDK assume). Surrounding spaces and lower-case
// "t"/"z" are accepted. It always returns UTC, whatever time.Local is.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) == len("2006-01-02") {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return time.Time{}, parseError(s)
		}
		return t, nil
	}
	if len(s) < len("2006-01-02T15:04") {
		return time.Time{}, parseError(s)
	}
	switch s[10] {
	case 'T', 't', ' ':
		s = s[:10] + "T" + s[11:]
	default:
		return time.Time{}, parseError(s)
	}
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1] + "Z"
	}
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range naiveLayouts {
		// time.Parse reads a value without zone as UTC (not time.Local).
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, parseError(s)
}

// parseError reports an unparsable time value.
func parseError(s string) error {
	return &TimeError{Value: s}
}

// TimeError is returned by ParseTime for a value it cannot read.
type TimeError struct {
	// Value is the text that did not parse.
	Value string
}

// Error returns a one-line message quoting the (shortened) value.
func (e *TimeError) Error() string {
	return "invalid time " + strconv.Quote(shorten(e.Value)) + ": " + errTimeFormat.Error()
}
