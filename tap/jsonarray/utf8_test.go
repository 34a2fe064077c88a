package jsonarray

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// invalidUTF8 are string contents that are not valid UTF-8.
var invalidUTF8 = []string{
	"\x80", "a\xbfb", "ab\xc3", "\xe6\x97", "\xf0\x9f\x98", "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
	"\xed\xa0\x80", "\xed\xa0\xbd\xed\xb8\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe\xff",
	`\n` + "\xff" + `\"` + "\xc3" + `\\`, `\u00e9` + "\xa9", "0123456789abcdef\xff0123456789abcdef",
}

// The decoder passes invalid UTF-8 inside strings through byte for byte,
// as encoding/json does (tap/record replaces it later), wherever it falls
// in the buffer.
func TestInvalidUTF8PassesThrough(t *testing.T) {
	for _, s := range invalidUTF8 {
		elems := []string{`"` + s + `"`, `{"` + s + `":"` + s + `","k":["` + s + `",1]}`}
		in := "[" + elems[0] + ",\n" + elems[1] + "]"
		var std []json.RawMessage
		if err := json.Unmarshal([]byte(in), &std); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", in, err)
		}
		for _, size := range []int{defaultBufSize, 1, 2, 3, 5, 8, 9} {
			got := decodeAll(NewDecoderSize(bytes.NewReader([]byte(in)), size))
			if got.err != io.EOF || len(got.elems) != 2 {
				t.Fatalf("%q (buffer %d): %q, %v", in, size, got.elems, got.err)
			}
			for i, e := range got.elems {
				if string(e) != elems[i] || string(std[i]) != elems[i] {
					t.Errorf("%q (buffer %d): element %d is %q, want %q", in, size, i, e, elems[i])
				}
			}
		}
	}
}

// Invalid UTF-8 does not hide a syntax error after it, nor the end of a
// truncated body.
func TestInvalidUTF8DoesNotHideErrors(t *testing.T) {
	for _, s := range invalidUTF8 {
		var se *SyntaxError
		_, err := NewDecoder(bytes.NewReader([]byte(`["` + s + "\x01\"]"))).Next()
		if !errors.As(err, &se) || se.Msg != `invalid character '\x01' in string literal` {
			t.Errorf("%q: got %v", s, err)
		}
		_, err = NewDecoder(bytes.NewReader([]byte(`["` + s))).Next()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q truncated: got %v", s, err)
		}
		checkAgainstStd(t, []byte(`["`+s+"\x01\"]"))
		checkAgainstStd(t, []byte(`[{"`+s+`":1 2}]`))
	}
}
