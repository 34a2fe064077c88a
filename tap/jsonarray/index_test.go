package jsonarray

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// blockMarker is a form of markBlocks; the assembly ones of the machine
// add themselves (index_amd64_test.go).
type blockMarker struct {
	name string
	mark func(dst []uint64, src []byte)
}

var blockMarkers = []blockMarker{{"markBlocksGeneric", markBlocksGeneric}}

func isSpecialByte(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }

// naiveMarks is markSpecial byte by byte.
func naiveMarks(src []byte) []uint64 {
	dst := make([]uint64, (len(src)+63)/64)
	for i, c := range src {
		if isSpecialByte(c) {
			dst[i/64] |= 1 << (i % 64)
		}
	}
	return dst
}

func checkMarks(t *testing.T, src []byte) {
	t.Helper()
	want := naiveMarks(src)
	got := make([]uint64, len(want))
	for i := range got {
		got[i] = 0xdeadbeefdeadbeef // stale bits must be overwritten
	}
	markSpecial(got, src)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("markSpecial, %d bytes, word %d: %064b, want %064b", len(src), i, got[i], want[i])
		}
	}
	for _, m := range blockMarkers {
		blocks := make([]uint64, len(src)/64)
		m.mark(blocks, src[:len(src)&^63])
		for i := range blocks {
			if blocks[i] != want[i] {
				t.Fatalf("%s, %d bytes, word %d: %064b, want %064b", m.name, len(src), i, blocks[i], want[i])
			}
		}
	}
}

// TestMarkSpecial puts every byte value at every position of a block of
// 64, among plain bytes and among random ones; markSpecial and every form
// of markBlocks (Go, and SSE2 and AVX2 assembly on amd64) must agree with
// a byte by byte loop.
func TestMarkSpecial(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for pos := range 64 {
		for c := range 256 {
			plain := []byte("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ{}")
			plain[pos] = byte(c)
			checkMarks(t, plain)
			noisy := make([]byte, 64)
			for i := range noisy {
				noisy[i] = byte(rnd.Uint32())
			}
			noisy[pos] = byte(c)
			checkMarks(t, noisy)
		}
	}
	// Every length up to 300, each from an offset that breaks alignment,
	// so that whole blocks and tails of every length meet.
	buf := make([]byte, 400)
	for i := range buf {
		buf[i] = byte(rnd.Uint32()) | 0x20
		if rnd.IntN(8) == 0 {
			buf[i] = `"\`[rnd.IntN(2)]
		}
	}
	for off := range 9 {
		for n := range 301 {
			checkMarks(t, buf[off:off+n])
		}
	}
}

// FuzzMarkSpecial checks markSpecial against a byte by byte loop.
func FuzzMarkSpecial(f *testing.F) {
	f.Add([]byte(`{"a":"b\"c\\d\u0001"}`))
	f.Add(make([]byte, 130))
	f.Fuzz(func(t *testing.T, src []byte) { checkMarks(t, src) })
}

// TestNextSpecial finds the next special byte from every position of a
// buffer of a few words, across words with none.
func TestNextSpecial(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for n := range 260 {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = 'x'
			if rnd.IntN(40) == 0 {
				buf[i] = '"'
			}
		}
		d := &Decoder{buf: buf}
		d.index()
		for p := 0; p <= n; p++ {
			want := p
			for want < n && !isSpecialByte(buf[want]) {
				want++
			}
			if got := d.nextSpecial(p); got != want {
				t.Fatalf("%d bytes: nextSpecial(%d) = %d, want %d", n, p, got, want)
			}
		}
	}
}

// A decoder that has reached the end of its array leaves its bitmap to
// the next one, which then allocates none. sync.Pool drops some of what it
// is given under the race detector, so the check runs without it.
func TestBitmapReused(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	body := `[` + strings.Repeat(`{"a":"xyz","b":[1,2]},`, 2000) + `{}]`
	decodeAll := func() *uint64 {
		d := NewDecoderSize(strings.NewReader(body), 64<<10)
		var first *uint64
		for {
			_, err := d.Next()
			if first == nil && len(d.bits) > 0 {
				first = &d.bits[:1][0]
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if d.bits != nil {
			t.Errorf("a decoder at the end of its array still holds its bitmap")
		}
		return first
	}
	decodeAll()
	if a, b := decodeAll(), decodeAll(); a != b {
		t.Errorf("the next decoder made a bitmap of its own")
	}
}
