package record

import (
	"testing"
	"unicode/utf8"
)

// validUTF8 must agree with utf8.Valid on every input.
func FuzzValidUTF8(f *testing.F) {
	for _, s := range []string{"", "a", "é", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\x80", "abcdefgh\xc3", "日本語 and a b c d e f g h i j k l m n o p q r s t u v w x y z \xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validUTF8(b), utf8.Valid(b); got != want {
			t.Fatalf("validUTF8(%q) = %v, utf8.Valid says %v", b, got, want)
		}
		r := appendValidUTF8(nil, b)
		if !utf8.Valid(r) {
			t.Fatalf("appendValidUTF8(%q) = %q is not valid", b, r)
		}
		if utf8.Valid(b) && string(r) != string(b) {
			t.Fatalf("appendValidUTF8 changed valid %q to %q", b, r)
		}
	})
}

func TestValidUTF8AllShortSequences(t *testing.T) {
	// Every sequence of up to 3 bytes, and a sample of 4, at every offset
	// relative to the 8- and 32-byte steps.
	pad := []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789")
	check := func(seq []byte) {
		for off := 0; off <= 33; off += 11 {
			b := append(append(append([]byte(nil), pad[:off]...), seq...), pad[:off%7]...)
			if validUTF8(b) != utf8.Valid(b) {
				t.Fatalf("validUTF8(%q) = %v", b, validUTF8(b))
			}
		}
	}
	for a := range 256 {
		check([]byte{byte(a)})
		for b := range 256 {
			check([]byte{byte(a), byte(b)})
			if a >= 0xE0 {
				for _, c := range []byte{0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF} {
					check([]byte{byte(a), byte(b), c})
					check([]byte{byte(a), byte(b), c, 0x80})
					check([]byte{byte(a), byte(b), c, 0xC0})
				}
			}
		}
	}
}
