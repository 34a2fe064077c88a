package cli

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactorAcrossWrites(t *testing.T) {
	const tok = `tk/SECRET+4f<9a>"1c`
	var out bytes.Buffer
	r := newRedactor(&out)
	r.AddToken(tok)
	text := "ERROR a " + tok + " b\nWARNING c " + `tk%2FSECRET%2B4f%3C9a%3E%221c` + " d " + `tk/SECRET+4f\u003c9a\u003e\"1c` +
		"\nDEBUG Basic " + base64.StdEncoding.EncodeToString([]byte("bearer:"+tok)) + " " + `"tk/SECRET+4f<9a>\"1c"` + "\npartial " + tok
	// Every split of the text into two writes, and one byte at a time.
	for i := range len(text) {
		out.Reset()
		_, _ = r.Write([]byte(text[:i]))
		_, _ = r.Write([]byte(text[i:]))
		assert.NotContains(t, out.String(), "partial", "a partial line is held")
		require.NoError(t, r.Close())
		assert.Equal(t, "ERROR a [redacted] b\nWARNING c [redacted] d [redacted]\nDEBUG Basic [redacted] \"[redacted]\"\npartial [redacted]", out.String(), "split at %d", i)
	}
	out.Reset()
	for i := range len(text) {
		_, _ = r.Write([]byte{text[i]})
	}
	require.NoError(t, r.Close())
	assert.NotContains(t, out.String(), "SECRET")
	assert.Equal(t, 3, strings.Count(out.String(), "\n"))

	// A line without an end is passed on past maxLine, still redacted.
	out.Reset()
	long := strings.Repeat("x", maxLine-3) + tok + strings.Repeat("y", 100)
	_, _ = r.Write([]byte(long[:maxLine]))
	_, _ = r.Write([]byte(long[maxLine:]))
	assert.NotEmpty(t, out.String())
	require.NoError(t, r.Close())
	assert.Equal(t, strings.Repeat("x", maxLine-3)+"[redacted]"+strings.Repeat("y", 100), out.String())
}
