package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// DateTimeFormat is how date-time strings are written: RFC 3339 in UTC
// with milliseconds.
const DateTimeFormat = "2006-01-02T15:04:05.000Z07:00"

var layouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"}

// NormalizeDateTime rewrites a date-time as Dixa writes them (RFC 3339,
// with a Java zone id such as "[GMT]" after it, or without any zone,
// which is read as UTC) in DateTimeFormat.
func NormalizeDateTime(s string) (string, error) {
	if i := bytes.IndexByte([]byte(s), '['); i > 0 && s[len(s)-1] == ']' {
		s = s[:i]
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Format(DateTimeFormat), nil
		}
	}
	return "", errors.New("is not a date-time")
}

// dateTimeMode says whether a string field holds date-times to normalise.
type dateTimeMode uint8

const (
	// strictDateTime: "format": "date-time"; a string that does not parse
	// is an error.
	strictDateTime dateTimeMode = 1 + iota
	// lenientDateTime: "x-format": "date-time", for a field Dixa's spec
	// declares a plain string that usually holds a date-time; a string
	// that parses is normalised, any other is kept as it came.
	lenientDateTime
)

// LenientDateTimeKeyword marks a string field whose date-times are
// normalised where they parse (see lenientDateTime).
const LenientDateTimeKeyword = "x-format"

func dateTimeOf(n *schema.Node) dateTimeMode {
	var mode dateTimeMode
	for _, kw := range n.Extra {
		var f string
		if json.Unmarshal(kw.Value, &f) != nil || f != "date-time" {
			continue
		}
		switch kw.Name {
		case "format":
			return strictDateTime
		case LenientDateTimeKeyword:
			mode = lenientDateTime
		}
	}
	return mode
}

// appendDateTime appends the normalised form of the JSON string raw.
func appendDateTime(dst, raw []byte) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return dst, err
	}
	n, err := NormalizeDateTime(s)
	if err != nil {
		return dst, err
	}
	dst = append(dst, '"')
	dst = append(dst, n...)
	return append(dst, '"'), nil
}
