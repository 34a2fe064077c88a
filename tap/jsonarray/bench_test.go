package jsonarray

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	gojson "github.com/goccy/go-json"
)

// genElement appends an object of about 1 KB like a record of Dixa's Exports
// API to b: nested objects and arrays, unicode, escaped quotes, big integers,
// floats, booleans and nulls.
func genElement(b []byte, rng *rand.Rand, i int) []byte {
	str := func(s string) {
		q, _ := stdjson.Marshal(s) // escapes quotes, control characters, <, >, &
		b = append(b, q...)
	}
	names := []string{`Zoë "Zed" Ångström`, "Bjørn Østergård", "山田 太郎", "Ана Петровић", `O'Brien \ Co.`, "José 🚀 Núñez"}
	texts := []string{
		"Hi,\nmy order #%d hasn't arrived — can you check? \"Urgent\" 🙏",
		"Tak for din henvendelse! Vi vender tilbage inden for 24 timer.\tMvh <b>Support</b>",
		"Path: C:\\Users\\dixa\\export.csv — size %d bytes; emoji: 😀🇩🇰",
		"こんにちは、注文番号 %d について問い合わせます。",
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, 9007199254740993+uint64(i)*7, 10)
	b = append(b, `,"csid":`...)
	b = strconv.AppendInt(b, int64(100000+i), 10)
	b = append(b, `,"created_at":`...)
	b = strconv.AppendInt(b, 1700000000000+int64(i)*60000, 10)
	b = append(b, `,"initial_channel":"email","direction":"inbound","requester_id":`...)
	str(fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()&(1<<48-1)))
	b = append(b, `,"requester_name":`...)
	str(names[rng.IntN(len(names))])
	b = append(b, `,"queue":{"id":"3f1c2b9e-8d7a-4e6f-9a1b-2c3d4e5f6a7b","name":"Support – Tier 1 🇩🇰","priority":`...)
	b = strconv.AppendInt(b, int64(rng.IntN(10)), 10)
	b = append(b, `},"tags":["vip","billing","ünïcödé"],"messages":[`...)
	for m := range 2 + rng.IntN(2) {
		if m > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, rng.Int64(), 10)
		b = append(b, `,"author":`...)
		str(names[rng.IntN(len(names))])
		b = append(b, `,"body":`...)
		str(fmt.Sprintf(texts[rng.IntN(len(texts))], rng.IntN(1000000)))
		b = append(b, `,"attachments":[],"internal":`...)
		b = strconv.AppendBool(b, rng.IntN(2) == 0)
		b = append(b, '}')
	}
	b = append(b, `],"rating":{"score":`...)
	b = strconv.AppendFloat(b, float64(rng.IntN(50))/10, 'f', -1, 64)
	b = append(b, `,"comment":null},"custom_fields":{"order_no":"`...)
	b = strconv.AppendInt(b, int64(rng.IntN(1e9)), 10)
	b = append(b, `","amount":1.5e3,"ratio":-0.000123,"refunded":false,"notes":null},"closed":true}`...)
	return b
}

// genArray returns an array of generated elements of at least size bytes,
// and the number of elements.
func genArray(size int) ([]byte, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := append(make([]byte, 0, size+4096), '[')
	n := 0
	for len(b) < size {
		if n > 0 {
			b = append(b, ',')
		}
		b = genElement(b, rng, n)
		n++
	}
	return append(b, ']'), n
}

// goccyDecoder is the alternative implementation that was benchmarked against
// the hand-written scanner: goccy/go-json's Decoder with Token for the
// brackets, More and Decode into a reused json.RawMessage.
type goccyDecoder struct {
	dec   *gojson.Decoder
	raw   gojson.RawMessage
	state int
}

func (g *goccyDecoder) Next() ([]byte, error) {
	switch g.state {
	case stateDone:
		return nil, io.EOF
	case stateStart:
		tok, err := g.dec.Token()
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(gojson.Delim); !ok || d != '[' {
			return nil, ErrNotArray
		}
		g.state = stateMore
	}
	if g.dec.More() {
		g.raw = g.raw[:0]
		if err := g.dec.Decode(&g.raw); err != nil {
			if err == io.EOF { // the stream ended after a comma
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return g.raw, nil
	}
	// At the end of the stream, Token returns io.EOF even inside the array.
	if tok, err := g.dec.Token(); err != nil || tok != gojson.Delim(']') {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if _, err := g.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.Join(ErrTrailingData, err)
	}
	g.state = stateDone
	return nil, io.EOF
}

// stdDecoder is the same with encoding/json, for reference.
type stdDecoder struct {
	dec   *stdjson.Decoder
	raw   stdjson.RawMessage
	state int
}

func (s *stdDecoder) Next() ([]byte, error) {
	switch s.state {
	case stateDone:
		return nil, io.EOF
	case stateStart:
		tok, err := s.dec.Token()
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(stdjson.Delim); !ok || d != '[' {
			return nil, ErrNotArray
		}
		s.state = stateMore
	}
	if s.dec.More() {
		s.raw = s.raw[:0]
		if err := s.dec.Decode(&s.raw); err != nil {
			if err == io.EOF { // the stream ended after a comma
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return s.raw, nil
	}
	// At the end of the stream, Token returns io.EOF even inside the array.
	if tok, err := s.dec.Token(); err != nil || tok != stdjson.Delim(']') {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if _, err := s.dec.Token(); err != io.EOF {
		return nil, errors.Join(ErrTrailingData, err)
	}
	s.state = stateDone
	return nil, io.EOF
}

type nexter interface{ Next() ([]byte, error) }

var decoders = []struct {
	name string
	new  func(io.Reader) nexter
}{
	{"hand", func(r io.Reader) nexter { return NewDecoder(r) }},
	{"goccy", func(r io.Reader) nexter { return &goccyDecoder{dec: gojson.NewDecoder(r)} }},
	{"std", func(r io.Reader) nexter { return &stdDecoder{dec: stdjson.NewDecoder(r)} }},
}

// onlyReader hides the WriteTo method of bytes.Reader, as an HTTP body has
// none.
type onlyReader struct{ io.Reader }

func BenchmarkNext(b *testing.B) {
	data, n := genArray(10 << 20)
	for _, dec := range decoders {
		b.Run(dec.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				d := dec.new(onlyReader{bytes.NewReader(data)})
				count := 0
				for {
					_, err := d.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				if count != n {
					b.Fatalf("got %d elements, want %d", count, n)
				}
			}
		})
	}
}

// TestDecodersAgree checks that the benchmarked alternatives yield the same
// elements on the benchmark data.
func TestDecodersAgree(t *testing.T) {
	data, n := genArray(1 << 20)
	if !stdjson.Valid(data) {
		t.Fatal("generated data is not valid JSON")
	}
	var want []stdjson.RawMessage
	if err := stdjson.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != n {
		t.Fatalf("encoding/json found %d elements, want %d", len(want), n)
	}
	for _, dec := range decoders {
		d := dec.new(bytes.NewReader(data))
		for i := 0; ; i++ {
			b, err := d.Next()
			if err == io.EOF {
				if i != n {
					t.Errorf("%s: %d elements, want %d", dec.name, i, n)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: element %d: %v", dec.name, i, err)
			}
			if i >= n || !bytes.Equal(b, want[i]) {
				t.Fatalf("%s: element %d differs", dec.name, i)
			}
		}
	}
}
