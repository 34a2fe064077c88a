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
		want := utf8.Valid(b)
		if got := validUTF8(b); got != want {
			t.Fatalf("validUTF8(%q) = %v, utf8.Valid says %v", b, got, want)
		}
		if got := validUTF8Go(b); got != want {
			t.Fatalf("validUTF8Go(%q) = %v, utf8.Valid says %v", b, got, want)
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
	// Every sequence of up to 3 bytes, and a sample of 4, at offsets that
	// fall differently in the 8- and 32-byte steps, in inputs shorter and
	// longer than 64 bytes (validUTF8Go and the vector form).
	pad := []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	check := func(seq []byte) {
		for off := 0; off <= 66; off += 11 {
			b := append(append(append([]byte(nil), pad[:off]...), seq...), pad[:off%7]...)
			want := utf8.Valid(b)
			if validUTF8(b) != want || validUTF8Go(b) != want {
				t.Fatalf("validUTF8(%q) = %v, validUTF8Go %v", b, validUTF8(b), validUTF8Go(b))
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
