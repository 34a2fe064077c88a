package jsonarray

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// result is what a Decoder yields for an input: its elements (copied) and the
// error that ended them.
type result struct {
	elems   [][]byte
	members [][]Member
	compact []bool // what Compact said of each element
	err     error
}

func decodeAll(d *Decoder) result { return decode(d, bytes.Clone) }

// decodeKept is decodeAll without copying the elements or their members.
func decodeKept(d *Decoder) result {
	return decode(d, func(b []byte) []byte { return b }, func(m []Member) []Member { return m })
}

func decode(d *Decoder, keep func([]byte) []byte, keepMembers ...func([]Member) []Member) result {
	keepM := slices.Clone[[]Member]
	if len(keepMembers) > 0 {
		keepM = keepMembers[0]
	}
	var res result
	for {
		b, err := d.Next()
		if err != nil {
			res.err = err
			return res
		}
		res.elems = append(res.elems, keep(b))
		res.members = append(res.members, keepM(d.Members()))
		res.compact = append(res.compact, d.Compact())
	}
}

// membersOf finds the top-level members of a valid JSON object with
// encoding/json, as Members should report them; nil for another value.
func membersOf(t *testing.T, elem []byte) []Member {
	t.Helper()
	if len(elem) == 0 || elem[0] != '{' {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(elem))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	out := []Member{}
	for dec.More() {
		from := int(dec.InputOffset())
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		keyEnd := int(dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		valueEnd := int(dec.InputOffset())
		keyStart := from + bytes.IndexByte(elem[from:], '"')
		valueStart := valueEnd - len(v)
		out = append(out, Member{int32(keyStart), int32(keyEnd), int32(valueStart), int32(valueEnd)})
	}
	return out
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("json.Compact(%q): %v", b, err)
	}
	return buf.String()
}

func firstNonSpace(data []byte) int {
	for i, c := range data {
		if !isSpace(c) {
			return i
		}
	}
	return -1
}

// checkErrClass checks that err is one of the documented errors, on one line.
func checkErrClass(t *testing.T, err error) {
	t.Helper()
	if err == io.EOF {
		return
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("error message is not one line: %q", err)
	}
	var se *SyntaxError
	n := 0
	for _, ok := range []bool{
		errors.Is(err, ErrEmpty),
		errors.Is(err, ErrNotArray),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &se),
	} {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("error %q (%T) matches %d error classes, want 1", err, err, n)
	}
	if errors.Is(err, ErrTrailingData) && se == nil {
		t.Errorf("ErrTrailingData error %q is not a *SyntaxError", err)
	}
}

// FuzzDecoder compares the Decoder with encoding/json: for every input that
// json.Unmarshal accepts as a []json.RawMessage, the Decoder must yield the
// same elements and then io.EOF; for every input it rejects, the Decoder must
// fail too. Syntax errors must be reported with the message and at the byte
// where encoding/json reports them. The input is also read one byte at a time
// and through a tiny buffer, which must not change the outcome.
func FuzzDecoder(f *testing.F) {
	for _, s := range seedInputs {
		f.Add([]byte(s))
	}
	f.Fuzz(checkAgainstStd)
}

func checkAgainstStd(t *testing.T, data []byte) {
	{
		var want []json.RawMessage
		stdErr := json.Unmarshal(data, &want)
		i := firstNonSpace(data)
		isArray := i >= 0 && data[i] == '['

		got := decodeAll(NewDecoder(bytes.NewReader(data)))
		checkErrClass(t, got.err)
		for _, e := range got.elems {
			if !json.Valid(e) {
				t.Fatalf("yielded invalid JSON element %q", e)
			}
		}

		switch {
		case stdErr == nil && isArray:
			if !errors.Is(got.err, io.EOF) {
				t.Fatalf("encoding/json accepts %q, Decoder fails: %v", data, got.err)
			}
			if len(got.elems) != len(want) {
				t.Fatalf("got %d elements, want %d", len(got.elems), len(want))
			}
			for i := range want {
				if g, w := compact(t, got.elems[i]), compact(t, want[i]); g != w {
					t.Fatalf("element %d: got %s, want %s", i, g, w)
				}
				if !bytes.Equal(got.elems[i], bytes.TrimSpace(want[i])) {
					t.Fatalf("element %d is not the raw input: got %q, want %q", i, got.elems[i], want[i])
				}
				if w := membersOf(t, got.elems[i]); !slices.Equal(got.members[i], w) && (len(w) > 0 || len(got.members[i]) > 0) {
					t.Fatalf("element %d %q: members %v, want %v", i, got.elems[i], got.members[i], w)
				}
				// In one buffer, Compact is exact.
				if c := compact(t, got.elems[i]) == string(got.elems[i]); got.compact[i] != c {
					t.Fatalf("element %d %q: Compact() = %v, want %v", i, got.elems[i], got.compact[i], c)
				}
			}
		case got.err == io.EOF:
			t.Fatalf("encoding/json rejects %q (%v), Decoder accepts it", data, stdErr)
		case !isArray:
			if i < 0 && !errors.Is(got.err, ErrEmpty) || i >= 0 && !errors.Is(got.err, ErrNotArray) {
				t.Fatalf("non-array input %q: unexpected error %v", data, got.err)
			}
		default:
			var stdSyn *json.SyntaxError
			if !errors.As(stdErr, &stdSyn) {
				t.Fatalf("encoding/json error %v (%T) for array input %q", stdErr, stdErr, data)
			}
			var se *SyntaxError
			switch {
			case errors.Is(got.err, io.ErrUnexpectedEOF):
				// At the end of the input, encoding/json feeds its scanner a
				// space, so it reports truncation inside a literal, a number
				// or an escape as an invalid ' ' at the end.
				atEnd := stdSyn.Offset == int64(len(data)) && strings.HasPrefix(stdSyn.Error(), "invalid character ' ' ")
				if stdSyn.Error() != "unexpected end of JSON input" && !atEnd {
					t.Fatalf("got %v, encoding/json reports %v", got.err, stdErr)
				}
			case errors.As(got.err, &se):
				if se.Msg != stdSyn.Error() || se.Offset+1 != stdSyn.Offset {
					t.Fatalf("got %v, encoding/json reports %q after %d bytes", got.err, stdSyn.Error(), stdSyn.Offset)
				}
				if errors.Is(got.err, ErrTrailingData) != strings.HasSuffix(se.Msg, "after top-level value") {
					t.Fatalf("trailing data misclassified: %v", got.err)
				}
			default:
				t.Fatalf("unexpected error %v for %q", got.err, data)
			}
		}

		// The way the input is read must not matter.
		for name, d := range map[string]*Decoder{
			"OneByteReader":             NewDecoder(iotest.OneByteReader(bytes.NewReader(data))),
			"DataErrReader":             NewDecoderSize(iotest.DataErrReader(bytes.NewReader(data)), 3),
			"buffer of 1":               NewDecoderSize(iotest.HalfReader(bytes.NewReader(data)), 1),
			"read ahead, OneByteReader": readingAhead(NewDecoderSize(iotest.OneByteReader(bytes.NewReader(data)), 5)),
			"read ahead, buffer of 1":   readingAhead(NewDecoderSize(iotest.DataErrReader(bytes.NewReader(data)), 1)),
		} {
			other := decodeAll(d)
			d.Close()
			if !sameResult(got, other) {
				t.Fatalf("%s: got %q, %v; want %q, %v", name, other.elems, other.err, got.elems, got.err)
			}
			// Across buffers Compact may say false of a compact element,
			// never true of one that is not.
			for i, c := range other.compact {
				if c && !got.compact[i] {
					t.Fatalf("%s: element %d %q: Compact() = true, but it has white space", name, i, other.elems[i])
				}
			}
		}

		// Handing buffers over: every element returned and its members
		// stay as they were, uncopied, to the end; the members handed over
		// are those of the elements returned before, in turn.
		for name, back := range map[string]func() ([]byte, []Member){
			"handover, nil back":       func() ([]byte, []Member) { return nil, nil },
			"handover, too small back": func() ([]byte, []Member) { return make([]byte, 1), make([]Member, 0, 1) },
		} {
			var handed []Member
			d := NewDecoderSize(iotest.HalfReader(bytes.NewReader(data)), 2)
			d.SetHandover(nil, func(_ []byte, members []Member) ([]byte, []Member) {
				handed = append(handed, members...)
				return back()
			})
			other := decodeKept(d)
			if !sameResult(got, other) {
				t.Fatalf("%s: got %q, %v; want %q, %v", name, other.elems, other.err, got.elems, got.err)
			}
			if all := slices.Concat(got.members...); len(handed) > len(all) || !slices.Equal(handed, all[:len(handed)]) {
				t.Fatalf("%s: members handed over %v, want the first of %v", name, handed, all)
			}
		}
	}
}

func sameResult(a, b result) bool {
	if len(a.members) != len(b.members) {
		return false
	}
	for i := range a.members {
		if !slices.Equal(a.members[i], b.members[i]) {
			return false
		}
	}
	if len(a.elems) != len(b.elems) || a.err.Error() != b.err.Error() {
		return false
	}
	for i := range a.elems {
		if !bytes.Equal(a.elems[i], b.elems[i]) {
			return false
		}
	}
	return true
}

// seedInputs are added to the fuzz corpus in code; testdata/fuzz/FuzzDecoder
// holds more, including the failures found while fuzzing.
var seedInputs = []string{
	// White space at each place between tokens, inside a nested value, with
	// a compact element after each (see Decoder.Compact).
	`[{"a":{ "b":1}},{"a":1},{"a":{"b" :1}},{"a":1},{"a":{"b": 1}},{"a":1},{"a":{"b":1 ,"c":2}},{"a":1},` +
		`{"a":{"b":1, "c":2}},{"a":1},{"a":{"b":1 }},{"a":1},{"a":[ 1]},{"a":1},{"a":[1 ,2]},{"a":1},{"a":[1, 2]},` +
		`{"a":1},{"a":[1 ]},{"a":1},{"a":"s p a c e"},[ 1],[1 ],{"a" :1},{ "a":1},{"a":1 }, "x" ,{"a":[{"b":"c"}]}]`,
	` [ {"a" : 1 , "b":{"c":[1,{"d":2}],"k":{}}, "e" : "x\"y{" ,"":null} , {}, {"z":-0.5e3}, [{"n":1}] ] `,
	``,
	` `,
	`[]`,
	` [ ] `,
	`[1]`,
	`[1,2,3]`,
	`[{"a":1},{"b":[true,false,null]}]`,
	`[9007199254740993, -0.5e-10, 1E+2, 123456789012345678901234567890]`,
	`["\ud83d\ude00 \u00e9 \"quoted\" \\ \/ \b\f\n\r\t"]`,
	"[\"\xff\xfe invalid utf-8\"]",
	`[1,]`,
	`[1`,
	`[{"a":"b`,
	`[01]`,
	`[NaN]`,
	`[]x`,
	`[1] [2]`,
	`{"a":1}`,
	`"string"`,
	`null`,
	`<html><body>502 Bad Gateway</body></html>`,
}

// readingAhead is d with ReadAhead on.
func readingAhead(d *Decoder) *Decoder {
	d.ReadAhead()
	return d
}
