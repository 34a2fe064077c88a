package jsonarray

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

func TestValidArrays(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`[]`, nil},
		{" \t\r\n[ \t\r\n] \t\r\n", nil},
		{`[1]`, []string{`1`}},
		{`[ 1 , 2 ,3 ]`, []string{`1`, `2`, `3`}},
		{`[9007199254740993,-9223372036854775809,123456789012345678901234567890.5e-400,1E+2,0,-0,0.0e0]`,
			[]string{`9007199254740993`, `-9223372036854775809`, `123456789012345678901234567890.5e-400`, `1E+2`, `0`, `-0`, `0.0e0`}},
		{`[true,false,null,"",{},[]]`, []string{`true`, `false`, `null`, `""`, `{}`, `[]`}},
		{`[{ "a" : [ 1, { "b" : null } ] , "c":"d" }, [[[]]], {"":{}}]`,
			[]string{`{ "a" : [ 1, { "b" : null } ] , "c":"d" }`, `[[[]]]`, `{"":{}}`}},
		{`["\ud83d\ude00 \u00E9 \"quoted\" \\ \/ \b\f\n\r\t", "😀 é 山田"]`,
			[]string{`"\ud83d\ude00 \u00E9 \"quoted\" \\ \/ \b\f\n\r\t"`, `"😀 é 山田"`}},
		{"[\"\xff\xfe \xed\xa0\x80 invalid UTF-8 passes, as with encoding/json\"]",
			[]string{"\"\xff\xfe \xed\xa0\x80 invalid UTF-8 passes, as with encoding/json\""}},
		{`["\ud800 lone surrogate escape"]`, []string{`"\ud800 lone surrogate escape"`}},
		{`[{"id":1,"tags":["a","b"]},{"id":2,"tags":[]}]`, []string{`{"id":1,"tags":["a","b"]}`, `{"id":2,"tags":[]}`}},
	}
	for _, tt := range tests {
		for _, size := range []int{defaultBufSize, 1, 7} {
			d := NewDecoderSize(bytes.NewReader([]byte(tt.in)), size)
			var got []string
			for {
				b, err := d.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%q (buffer %d): element %d: %v", tt.in, size, len(got), err)
				}
				if cap(b) != len(b) {
					t.Errorf("%q: element %d has spare capacity", tt.in, len(got))
				}
				got = append(got, string(b))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
				t.Errorf("%q (buffer %d): got %q, want %q", tt.in, size, got, tt.want)
			}
			if d.Count() != len(tt.want) {
				t.Errorf("%q: Count() = %d, want %d", tt.in, d.Count(), len(tt.want))
			}
			if _, err := d.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("%q: Next after io.EOF returned %v", tt.in, err)
			}
		}
	}
}

// Errors: each case gives the input, how many elements come before the error,
// its class and, optionally, its exact message.
func TestMalformed(t *testing.T) {
	type class int
	const (
		empty class = iota
		notArray
		truncated
		syntax
		trailing
	)
	tests := []struct {
		in    string
		n     int // elements returned before the error
		class class
		msg   string // the whole message, if not empty
		off   int64  // the offset of a syntax error, if msg is not empty
	}{
		// Not an array.
		{`{"error":"unauthorized"}`, 0, notArray, `jsonarray: expected a JSON array, found an object`, 0},
		{` {`, 0, notArray, `jsonarray: expected a JSON array, found an object`, 0},
		{`"rate limited"`, 0, notArray, `jsonarray: expected a JSON array, found a string`, 0},
		{`-12.5`, 0, notArray, `jsonarray: expected a JSON array, found a number`, 0},
		{`0`, 0, notArray, `jsonarray: expected a JSON array, found a number`, 0},
		{`null`, 0, notArray, `jsonarray: expected a JSON array, found null`, 0},
		{"true\n", 0, notArray, `jsonarray: expected a JSON array, found a boolean`, 0},
		{`false`, 0, notArray, `jsonarray: expected a JSON array, found a boolean`, 0},
		{"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>", 0, notArray,
			`jsonarray: expected a JSON array, found HTML or XML: "<html>\r\n<head><title>502 Bad Gateway</ti"...`, 0},
		{`<?xml version="1.0"?><error/>`, 0, notArray, `jsonarray: expected a JSON array, found HTML or XML: "<?xml version=\"1.0\"?><error/>"`, 0},
		{"\xef\xbb\xbf[]", 0, notArray, `jsonarray: expected a JSON array, found a UTF-8 byte order mark`, 0},
		{`Internal Server Error`, 0, notArray, `jsonarray: expected a JSON array, found text that is not JSON: "Internal Server Error"`, 0},
		{`nul`, 0, notArray, `jsonarray: expected a JSON array, found text that is not JSON: "nul"`, 0},
		{`]`, 0, notArray, `jsonarray: expected a JSON array, found text that is not JSON: "]"`, 0},
		{"\x00\x01", 0, notArray, `jsonarray: expected a JSON array, found text that is not JSON: "\x00\x01"`, 0},

		// Empty.
		{``, 0, empty, `jsonarray: empty body, expected a JSON array`, 0},
		{" \n\t\r ", 0, empty, `jsonarray: empty body, expected a JSON array`, 0},

		// Truncated, at every kind of place.
		{`[`, 0, truncated, `jsonarray: body ended before the closing ']' after 0 elements (1 bytes read)`, 0},
		{`[ `, 0, truncated, "", 0},
		{`[1`, 0, truncated, "", 0},
		{`[1,`, 1, truncated, `jsonarray: body ended before the closing ']' after 1 element (3 bytes read)`, 0},
		{`[1, `, 1, truncated, "", 0},
		{`[1 `, 1, truncated, "", 0},
		{`[1,2,{"a"`, 2, truncated, `jsonarray: body ended before the closing ']' after 2 elements (9 bytes read)`, 0},
		{`["abc`, 0, truncated, "", 0},
		{`["ab\`, 0, truncated, "", 0},
		{`["\u12`, 0, truncated, "", 0},
		{`[{`, 0, truncated, "", 0},
		{`[{"a"`, 0, truncated, "", 0},
		{`[{"a":`, 0, truncated, "", 0},
		{`[{"a":1`, 0, truncated, "", 0},
		{`[{"a":1}`, 1, truncated, "", 0},
		{`[{"a":1},`, 1, truncated, "", 0},
		{`[tr`, 0, truncated, "", 0},
		{`[-`, 0, truncated, "", 0},
		{`[1.`, 0, truncated, "", 0},
		{`[1e`, 0, truncated, "", 0},
		{`[1e+`, 0, truncated, "", 0},
		{`[[[`, 0, truncated, "", 0},

		// Syntax errors.
		{`[1,]`, 1, syntax, `jsonarray: invalid JSON in element 1 at byte offset 3: invalid character ']' looking for beginning of value`, 3},
		{`[,1]`, 0, syntax, "", 1},
		{`[1 2]`, 1, syntax, `jsonarray: invalid JSON in element 1 at byte offset 3: invalid character '2' after array element`, 3},
		{`[{"a":1}{"b":2}]`, 1, syntax, "", 8},
		{`[tru]`, 0, syntax, `jsonarray: invalid JSON in element 0 at byte offset 4: invalid character ']' in literal true (expecting 'e')`, 4},
		{`[nul]`, 0, syntax, "", 4},
		{`[NaN]`, 0, syntax, `jsonarray: invalid JSON in element 0 at byte offset 1: invalid character 'N' looking for beginning of value`, 1},
		{`[Infinity]`, 0, syntax, "", 1},
		{`[+1]`, 0, syntax, "", 1},
		{`[.5]`, 0, syntax, "", 1},
		{`[01]`, 0, syntax, `jsonarray: invalid JSON in element 0 at byte offset 2: invalid character '1' after array element`, 2},
		{`[-01]`, 0, syntax, "", 3},
		{`[1.]`, 0, syntax, `jsonarray: invalid JSON in element 0 at byte offset 3: invalid character ']' after decimal point in numeric literal`, 3},
		{`[1.e5]`, 0, syntax, "", 3},
		{`[1e]`, 0, syntax, "", 3},
		{`[-]`, 0, syntax, "", 2},
		{`[0x10]`, 0, syntax, "", 2},
		{`['a']`, 0, syntax, "", 1},
		{"[\"a\tb\"]", 0, syntax, `jsonarray: invalid JSON in element 0 at byte offset 3: invalid character '\t' in string literal`, 3},
		{"[\"a\nb\"]", 0, syntax, "", 3},
		{"[\"\x00\"]", 0, syntax, "", 2},
		{`["\x41"]`, 0, syntax, `jsonarray: invalid JSON in element 0 at byte offset 3: invalid character 'x' in string escape code`, 3},
		{`["\'"]`, 0, syntax, "", 3},
		{`["\u12G4"]`, 0, syntax, "", 6},
		{`[{"a" 1}]`, 0, syntax, "", 6},
		{`[{"a":1,}]`, 0, syntax, "", 8},
		{`[{1:2}]`, 0, syntax, "", 2},
		{`[{a:2}]`, 0, syntax, "", 2},
		{`[{"a":1]`, 0, syntax, "", 7},
		{`[[1}]`, 0, syntax, "", 3},
		{`[1}`, 0, syntax, "", 2},
		{`[}`, 0, syntax, "", 1},
		{`[1,2,x]`, 2, syntax, "", 5},
		{`[1,,2]`, 1, syntax, "", 3},

		// Data after the array.
		{`[]x`, 0, trailing, `jsonarray: data after the closing ']' at byte offset 2: invalid character 'x' after top-level value`, 2},
		{`[] ]`, 0, trailing, "", 3},
		{`[1] [2]`, 1, trailing, "", 4},
		{`[1],`, 1, trailing, "", 3},
		{"[{}]\n{}", 1, trailing, "", 5},
		{"[]\x00", 0, trailing, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			for _, size := range []int{defaultBufSize, 1} {
				d := NewDecoderSize(strings.NewReader(tt.in), size)
				res := decodeAll(d)
				err := res.err
				if len(res.elems) != tt.n {
					t.Errorf("got %d elements before the error, want %d", len(res.elems), tt.n)
				}
				if err == io.EOF {
					t.Fatalf("got io.EOF, want an error")
				}
				checkErrClass(t, err)
				var se *SyntaxError
				isSyntax := errors.As(err, &se)
				switch tt.class {
				case empty:
					if err != ErrEmpty {
						t.Errorf("got %v, want ErrEmpty", err)
					}
				case notArray:
					if !errors.Is(err, ErrNotArray) {
						t.Errorf("got %v, want ErrNotArray", err)
					}
				case truncated:
					var te *TruncatedError
					if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &te) {
						t.Errorf("got %v, want io.ErrUnexpectedEOF", err)
					} else if te.Elements != tt.n || te.Offset != int64(len(tt.in)) {
						t.Errorf("got %+v, want %d elements at %d", te, tt.n, len(tt.in))
					}
				case syntax, trailing:
					if !isSyntax {
						t.Fatalf("got %v (%T), want a *SyntaxError", err, err)
					}
					if errors.Is(err, ErrTrailingData) != (tt.class == trailing) {
						t.Errorf("errors.Is(%v, ErrTrailingData) = %v", err, !(tt.class == trailing))
					}
					if se.Element != tt.n || se.Offset != tt.off {
						t.Errorf("got element %d, offset %d; want %d, %d", se.Element, se.Offset, tt.n, tt.off)
					}
					if d.InputOffset() != tt.off {
						t.Errorf("InputOffset() = %d, want %d", d.InputOffset(), tt.off)
					}
				}
				if tt.msg != "" && err.Error() != tt.msg {
					t.Errorf("message:\n got %s\nwant %s", err, tt.msg)
				}
				if _, again := d.Next(); again != err {
					t.Errorf("Next after the error returned %v", again)
				}
			}
		})
	}
}

// TestMaxDepth checks the nesting limit of encoding/json, 10000 levels with
// the array itself.
func TestMaxDepth(t *testing.T) {
	for _, depth := range []int{9999, 10000, 10001} {
		in := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		var std []json.RawMessage
		stdErr := json.Unmarshal([]byte(in), &std)
		res := decodeAll(NewDecoder(strings.NewReader(in)))
		if (stdErr == nil) != (res.err == io.EOF) {
			t.Errorf("depth %d: encoding/json: %v, Decoder: %v", depth, stdErr, res.err)
		}
		if depth > maxDepth {
			var se *SyntaxError
			if !errors.As(res.err, &se) || !strings.Contains(se.Msg, "exceeded max depth") || se.Offset != maxDepth {
				t.Errorf("depth %d: got %v", depth, res.err)
			}
		}
	}
	// Objects count as well.
	in := "[" + strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth) + "]"
	if res := decodeAll(NewDecoder(strings.NewReader(in))); res.err == io.EOF {
		t.Errorf("%d nested objects: no error", maxDepth)
	}
}

type errAfterReader struct {
	data []byte
	err  error
}

func (r *errAfterReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadErrors(t *testing.T) {
	valid, n := genArray(200 << 10)
	reset := fmt.Errorf("read tcp 10.0.0.1:443: %w", syscall.ECONNRESET)
	tests := []struct {
		name   string
		r      io.Reader
		target error
		min    int // elements at least returned before the error
	}{
		{"reset mid-body", &errAfterReader{valid[:len(valid)/2], reset}, syscall.ECONNRESET, n / 3},
		{"reset after the closing bracket", &errAfterReader{valid, reset}, syscall.ECONNRESET, n},
		{"reset before anything", &errAfterReader{nil, reset}, syscall.ECONNRESET, 0},
		{"timeout", iotest.TimeoutReader(bytes.NewReader(valid)), iotest.ErrTimeout, 1},
		{"ErrReader", iotest.ErrReader(io.ErrClosedPipe), io.ErrClosedPipe, 0},
		{"no progress", &errAfterReader{[]byte(`[1,`), nil}, io.ErrNoProgress, 1},
		{"bad count", badCountReader{}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := decodeAll(NewDecoder(tt.r))
			if res.err == io.EOF || res.err == nil {
				t.Fatalf("got %v, want an error", res.err)
			}
			if tt.target != nil && !errors.Is(res.err, tt.target) {
				t.Errorf("got %v, want it to match %v", res.err, tt.target)
			}
			if strings.Contains(res.err.Error(), "\n") || !strings.HasPrefix(res.err.Error(), "jsonarray: reading ") {
				t.Errorf("message: %q", res.err)
			}
			if errors.Is(res.err, io.ErrUnexpectedEOF) || errors.Is(res.err, ErrNotArray) {
				t.Errorf("read error %v misclassified", res.err)
			}
			if len(res.elems) < tt.min {
				t.Errorf("got %d elements before the error, want at least %d", len(res.elems), tt.min)
			}
		})
	}
}

type badCountReader struct{}

func (badCountReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

// TestUnexpectedEOFFromReader: an HTTP body shorter than its Content-Length
// reports io.ErrUnexpectedEOF, which is truncation as well.
func TestUnexpectedEOFFromReader(t *testing.T) {
	res := decodeAll(NewDecoder(&errAfterReader{[]byte(`[{"a":1},{"b"`), io.ErrUnexpectedEOF}))
	var te *TruncatedError
	if !errors.As(res.err, &te) || te.Elements != 1 {
		t.Fatalf("got %v, want a *TruncatedError after 1 element", res.err)
	}
}

// TestReaders checks that the way the body is read does not matter.
func TestReaders(t *testing.T) {
	data, n := genArray(300 << 10)
	want := decodeAll(NewDecoder(bytes.NewReader(data)))
	if want.err != io.EOF || len(want.elems) != n {
		t.Fatalf("got %d elements, %v; want %d, io.EOF", len(want.elems), want.err, n)
	}
	for name, r := range map[string]func() io.Reader{
		"OneByteReader": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"HalfReader":    func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"DataErrReader": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	} {
		for _, size := range []int{defaultBufSize, 1, 100, 4096} {
			got := decodeAll(NewDecoderSize(r(), size))
			if !sameResult(got, want) {
				t.Errorf("%s, buffer %d: got %d elements, %v", name, size, len(got.elems), got.err)
			}
			d := readingAhead(NewDecoderSize(r(), size))
			got = decodeAll(d)
			d.Close()
			if !sameResult(got, want) {
				t.Errorf("%s, buffer %d, read ahead: got %d elements, %v", name, size, len(got.elems), got.err)
			}
		}
	}
	// Truncated at every byte of the first elements.
	for i := 1; i < 3000; i++ {
		d := NewDecoderSize(iotest.OneByteReader(bytes.NewReader(data[:i])), 16)
		if i%2 == 0 {
			d.ReadAhead()
		}
		got := decodeAll(d)
		d.Close()
		var te *TruncatedError
		if !errors.As(got.err, &te) || te.Offset != int64(i) || te.Elements != len(got.elems) {
			t.Fatalf("truncated at %d: got %v", i, got.err)
		}
		for j, e := range got.elems {
			if !bytes.Equal(e, want.elems[j]) {
				t.Fatalf("truncated at %d: element %d differs", i, j)
			}
		}
	}
}

// TestLargeElement checks that the buffer grows for an element larger than
// it, and only as much as needed.
func TestLargeElement(t *testing.T) {
	big := `"` + strings.Repeat("x", 3<<20) + `"`
	in := `[1,` + big + `,{"a":` + big + `},2]`
	d := NewDecoderSize(iotest.HalfReader(strings.NewReader(in)), 1024)
	res := decodeAll(d)
	if res.err != io.EOF || len(res.elems) != 4 || string(res.elems[1]) != big || string(res.elems[2]) != `{"a":`+big+`}` {
		t.Fatalf("got %d elements, %v", len(res.elems), res.err)
	}
	if c := cap(d.buf); c > 4*len(big) {
		t.Errorf("buffer grew to %d bytes for elements of %d", c, len(big)+6)
	}
}

// TestNoReadAhead checks that Next returns an element as soon as its last
// byte has arrived (but for a number, which ends at the byte after it), and
// does not wait for more of the body; with ReadAhead too.
func TestNoReadAhead(t *testing.T) {
	t.Run("reading in Next", func(t *testing.T) { testNoWait(t, false) })
	t.Run("ReadAhead", func(t *testing.T) { testNoWait(t, true) })
}

func testNoWait(t *testing.T, ahead bool) {
	pr, pw := io.Pipe()
	d := NewDecoder(pr)
	if ahead {
		d.ReadAhead()
	}
	defer func() {
		pr.Close() // first, so that Close does not wait for a read
		d.Close()
	}()
	type item struct {
		b   string
		err error
	}
	got := make(chan item)
	go func() {
		for {
			b, err := d.Next()
			got <- item{string(b), err}
			if err != nil {
				return
			}
		}
	}()
	for _, step := range []struct{ write, want string }{
		{`[{"id":1}`, `{"id":1}`},
		{` , "x"`, `"x"`},
		{`,[1,2]`, `[1,2]`},
		{`,true`, `true`},
		{`,null`, `null`},
		{`,42,`, `42`},
	} {
		if _, err := pw.Write([]byte(step.write)); err != nil {
			t.Fatal(err)
		}
		select {
		case it := <-got:
			if it.err != nil || it.b != step.want {
				t.Fatalf("got %q, %v; want %q", it.b, it.err, step.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Next did not return %q", step.want)
		}
	}
	pw.CloseWithError(syscall.ECONNRESET)
	if it := <-got; !errors.Is(it.err, syscall.ECONNRESET) {
		t.Fatalf("got %v, want ECONNRESET", it.err)
	}
}

// genReader produces a JSON array of n generated elements on the fly, from
// a small set of distinct elements.
type genReader struct {
	elems [][]byte
	n, i  int
	pend  []byte
	comma bool // the comma before element i has been sent
	done  bool
}

func newGenReader(n int) *genReader {
	data, _ := genArray(512 << 10)
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		panic(err)
	}
	g := &genReader{n: n, pend: []byte("[\n")}
	for _, e := range elems {
		g.elems = append(g.elems, e)
	}
	return g
}

func (g *genReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		if len(g.pend) == 0 {
			switch {
			case g.done:
				if total == 0 {
					return 0, io.EOF
				}
				return total, nil
			case g.i == g.n:
				g.pend, g.done = []byte("\n]\n"), true
			case g.i > 0 && !g.comma:
				g.pend, g.comma = []byte(",\n"), true
			default:
				g.pend = g.elems[g.i%len(g.elems)]
				g.i++
				g.comma = false
			}
		}
		n := copy(p, g.pend)
		p, g.pend, total = p[n:], g.pend[n:], total+n
	}
	return total, nil
}

func TestBoundedMemory(t *testing.T) {
	size := 200 << 20
	if testing.Short() || raceEnabled {
		size = 20 << 20
	}
	g := newGenReader(1)
	avg := 0
	for _, e := range g.elems {
		avg += len(e) + 2
	}
	n := size / (avg / len(g.elems))
	g = newGenReader(n)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	var bytesSeen int64

	d := NewDecoder(g)
	count := 0
	for {
		b, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("element %d: %v", count, err)
		}
		if want := g.elems[count%len(g.elems)]; !bytes.Equal(b, want) {
			t.Fatalf("element %d differs", count)
		}
		bytesSeen += int64(len(b))
		count++
		if count%10000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if count != n {
		t.Fatalf("got %d elements, want %d", count, n)
	}
	t.Logf("%d elements, %d MB of elements, %d MB read; HeapInuse %d MB before, peak %d MB",
		count, bytesSeen>>20, d.InputOffset()>>20, base>>20, peak>>20)
	if peak > 32<<20 {
		t.Errorf("peak HeapInuse %d MB, want under 32 MB", peak>>20)
	}
}

// A body that is not an array, found at the end of a full buffer: the
// error still quotes it (once the decoder moved its buffer to read on and
// the body then ended, it looked at the old position and panicked).
func TestNotArrayAtTheEndOfTheBuffer(t *testing.T) {
	for _, n := range []int{defaultBufSize / 2, defaultBufSize - 100, defaultBufSize - 20, defaultBufSize - 5, defaultBufSize + 3} {
		body := strings.Repeat(" ", n) + `{"message":"x"}`
		_, err := NewDecoder(strings.NewReader(body)).Next()
		if !errors.Is(err, ErrNotArray) || !strings.Contains(err.Error(), "found an object") {
			t.Errorf("%d spaces: got %v, want ErrNotArray, found an object", n, err)
		}
	}
}

// With a handover function, the elements Next returned stay valid, and
// every full buffer is handed over once; the decoder goes on in the
// buffer it is given back.
func TestHandover(t *testing.T) {
	body, n := genArray(5 << 20)
	var want []json.RawMessage
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatal(err)
	}
	var handed [][]byte
	var handedMembers []Member
	spare, spareMembers := make([]byte, defaultBufSize), make([]Member, 0, 1000)
	d := NewDecoder(iotest.HalfReader(bytes.NewReader(body)))
	d.ReadAhead() // as tap's ahead uses it
	defer d.Close()
	d.SetHandover(nil, func(full []byte, members []Member) ([]byte, []Member) {
		handed = append(handed, full)
		handedMembers = append(handedMembers, members...)
		back, backMembers := spare, spareMembers
		spare, spareMembers = nil, nil // one spare only: then the decoder allocates
		return back, backMembers
	})
	var got [][]byte
	var members [][]Member
	for {
		b, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b)
		members = append(members, d.Members()) // not copied
	}
	if all := slices.Concat(members...); len(handedMembers) == 0 || !slices.Equal(handedMembers, all[:len(handedMembers)]) {
		t.Errorf("members handed over are not those of the elements returned before")
	}
	for i := range got {
		if want := membersOf(t, want[i]); !slices.Equal(members[i], want) {
			t.Fatalf("element %d: members %v, want %v", i, members[i], want)
		}
	}
	if len(got) != n {
		t.Fatalf("got %d elements, want %d", len(got), n)
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("element %d changed: got %.60q, want %.60q", i, got[i], want[i])
		}
	}
	if len(handed) < 5 {
		t.Errorf("%d buffers handed over, want 5 or more for 5 MB in 1 MiB buffers", len(handed))
	}
	for i := range handed {
		for j := range i {
			if &handed[i][:1][0] == &handed[j][:1][0] {
				t.Errorf("buffers %d and %d are the same", j, i)
			}
		}
	}
}

// The members slice given to SetHandover holds the first buffer's
// members: the decoder allocates none of its own for them.
func TestHandoverFirstMembers(t *testing.T) {
	first := make([]Member, 0, 64)
	d := NewDecoderSize(strings.NewReader(`[{"a":1,"b":"x"},{"c":[2]},{"d":{}},{"e":null}]`), 20)
	var handed [][]Member
	d.SetHandover(first, func(_ []byte, members []Member) ([]byte, []Member) {
		handed = append(handed, members)
		return nil, nil
	})
	for {
		if _, err := d.Next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if len(handed) == 0 || len(handed[0]) == 0 {
		t.Fatalf("handed over %v, want the first buffer's members", handed)
	}
	if &handed[0][:1][0] != &first[:1][0] {
		t.Errorf("the first buffer's members are not in the slice given to SetHandover")
	}
}
