package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		// the shapes Meltano passes
		{"2024-01-01", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"2024-01-01T00:00:00Z", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"2024-01-01T00:00:00+02:00", utc(2023, 12, 31, 22, 0, 0, 0)},
		{"2024-01-01T00:00:00.123456+00:00", utc(2024, 1, 1, 0, 0, 0, 123456000)},
		{"2024-01-01T00:00:00", utc(2024, 1, 1, 0, 0, 0, 0)},
		// more variants
		{"2025-02-08T12:34:56.789012+00:00", utc(2025, 2, 8, 12, 34, 56, 789012000)},
		{"2024-01-02T03:04:05.123456789Z", utc(2024, 1, 2, 3, 4, 5, 123456789)},
		{"2024-01-02T03:04:05.5-05:30", utc(2024, 1, 2, 8, 34, 5, 500000000)},
		{"2024-01-02 03:04:05", utc(2024, 1, 2, 3, 4, 5, 0)},
		{"2024-01-02 03:04:05.000001", utc(2024, 1, 2, 3, 4, 5, 1000)},
		{"2024-01-02 03:04:05+01:00", utc(2024, 1, 2, 2, 4, 5, 0)},
		{"2024-01-02t03:04:05z", utc(2024, 1, 2, 3, 4, 5, 0)},
		{"2024-01-02T03:04:05+0100", utc(2024, 1, 2, 2, 4, 5, 0)},
		{"2024-01-02T03:04:05+01", utc(2024, 1, 2, 2, 4, 5, 0)},
		{"2024-01-02T03:04", utc(2024, 1, 2, 3, 4, 0, 0)},
		{"2024-01-02T03:04Z", utc(2024, 1, 2, 3, 4, 0, 0)},
		{" 2024-01-02 ", utc(2024, 1, 2, 0, 0, 0, 0)},
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0, 0)},
	}
	zones := []*time.Location{
		time.UTC,
		time.FixedZone("PST", -8*3600),
		time.FixedZone("PLUS2", 2*3600), // same offset as one input: must still give UTC
		time.FixedZone("PLUS14", 14*3600),
	}
	for _, zone := range zones {
		t.Run(zone.String(), func(t *testing.T) {
			saved := time.Local
			time.Local = zone
			defer func() { time.Local = saved }()
			for _, tt := range tests {
				got, err := ParseTime(tt.in)
				require.NoError(t, err, tt.in)
				assert.True(t, tt.want.Equal(got), "%q: got %v, want %v", tt.in, got, tt.want)
				assert.Equal(t, time.UTC, got.Location(), tt.in)
			}
		})
	}
}

func TestParseTimeErrors(t *testing.T) {
	for _, in := range []string{
		"", " ", "2024", "2024-1-1", "2024-13-01", "2023-02-29", "01/02/2024", "2024-01-01X00:00:00",
		"2024-01-01T25:00:00Z", "2024-01-01T00:00:00+25:00", "2024-01-01T00:00:00Zjunk", "yesterday",
		"2021-12-01T12:46:36.581Z[GMT]", "1704067200000",
	} {
		_, err := ParseTime(in)
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), "\n")
		var te *TimeError
		assert.ErrorAs(t, err, &te)
	}
	_, err := ParseTime("2024-13-01")
	assert.EqualError(t, err, `invalid time "2024-13-01": want YYYY-MM-DD or an RFC 3339 date-time such as 2024-01-02T03:04:05Z`)
}
