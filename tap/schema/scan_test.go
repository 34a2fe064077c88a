package schema

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// parseSlow is Parse as it was before the scan: parseNodeSlow alone.
func parseSlow(data []byte) (*Node, error) {
	n, err := parseNodeSlow(data, 0)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return n, nil
}

// checkSame fails unless Parse and parseSlow agree on data, node for node
// (unexported fields too) and error for error, and unless the scan takes
// only valid JSON. It reports whether the scan took data.
func checkSame(t *testing.T, data []byte) bool {
	t.Helper()
	want, wantErr := parseSlow(data)
	got, gotErr := Parse(data)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%q:\nerror %v\nwant  %v", data, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nnode %s\nwant %s", data, dump(got), dump(want))
	}
	var viaJSON Node
	err := viaJSON.UnmarshalJSON(data)
	if wantErr == nil && (err != nil || !reflect.DeepEqual(&viaJSON, want)) {
		t.Fatalf("%q: UnmarshalJSON gives %v, %s", data, err, dump(&viaJSON))
	}
	_, fast := parseFast(data)
	if fast && !json.Valid(data) {
		t.Fatalf("%q: the scan takes invalid JSON", data)
	}
	return fast
}

// dump shows a node with its unexported field.
func dump(n *Node) string {
	if n == nil {
		return "nil"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{Types:%#v wasString:%v Extra:[", n.Types, n.typeWasString)
	for _, k := range n.Extra {
		fmt.Fprintf(&b, "%q=%q ", k.Name, k.Value)
	}
	b.WriteString("]")
	if n.Properties != nil {
		b.WriteString(" Properties:{")
		for _, p := range n.Properties {
			fmt.Fprintf(&b, "%q:%s ", p.Name, dump(p.Schema))
		}
		b.WriteString("}")
	}
	if n.Items != nil {
		b.WriteString(" Items:" + dump(n.Items))
	}
	return b.String() + "}"
}

// edgeCases are documents that tell the two parsers apart if anything
// does: odd names, white space, repeated keys, nulls, wrong shapes.
var edgeCases = []string{
	``, ` `, `{}`, ` {} `, "\t{\n}\r\n", `null`, `true`, `0`, `-1.5e+3`, `1e400`, `"x"`, `[]`, `[{}]`,
	`{}x`, `{} {}`, `{"a":1}x`, `{"a":1`, `{"a":}`, `{"a" 1}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{'a':1}`,
	`{"a\"b":1}`, `{"\u00e9":1}`, `{"\u00E9\n\t\/\\":1}`, `{"\ud800":1}`, `{"\udc00\ud800x":1}`,
	`{"\ud83d\ude00":1}`, `{"\u0000":1}`, "{\"\xff\":1}", "{\"a\xc3\":1}", "{\"\xed\xa0\x80\":1}",
	"{\"\xef\xbf\xbd\":1}", "{\"é\":1}", "{\"a\x01\":1}", "{\"a\x7f\":1}", `{"\x":1}`, `{"\u12":1}`,
	`{"\u12g4":1}`, `{"a\\":1}`, `{"a\\\"":1}`, `{"a\\\\":"\\"}`,
	` { "type" : "string" , "format" : "date-time" } `,
	"{\n\t\"type\":\r[ \"null\" ,\n\"object\" ],\"properties\" :\n{ \"a\" : { } } ,\"items\":{ }\n}",
	`{"type":"a","type":["b","c"]}`, `{"type":["b","c"],"type":"a"}`, `{"type":"a","type":["b"]}`,
	`{"type":"a","type":[null]}`, `{"type":["x","y"],"type":["p",null]}`, `{"type":["x","y"],"type":[]}`,
	`{"type":"a","type":null}`, `{"type":null}`, `{"type":[]}`, `{"type":[null]}`, `{"type":["a",null]}`,
	`{"type":1}`, `{"type":["a",1]}`, `{"type":{}}`, `{"type":true}`, `{"type":"\u0061"}`, `{"type":["\u0061"]}`,
	"{\"type\":\"\xff\"}", "{\"type\":[\"\xff\"]}", `{"type":"\ud800"}`, `{"type":[ "a" , "b" ]}`,
	`{"properties":{"a":{}},"properties":{"b":{}}}`, `{"properties":{"a":{},"a":{"type":"x"}}}`,
	`{"items":{"type":"a"},"items":{}}`, `{"x":1,"x":2}`, `{"x":1,"type":"a","x":2}`,
	`{ "x" : -1.5e+3 , "y" : null , "z" : [ 1 , { } ] }`, `{"x":[[1,[2,[3,{"a":[]}]]],{}]}`,
	`{"x":-0,"y":0.5,"z":1E-7,"w":2e+10,"v":123456789012345678901234567890}`,
	`{"x":01}`, `{"x":1.}`, `{"x":.5}`, `{"x":-}`, `{"x":1e}`, `{"x":1e+}`, `{"x":+1}`, `{"x":0x1}`,
	`{"x":tru}`, `{"x":truex}`, `{"x":nul}`, `{"x":falsey}`, `{"x":NaN}`, `{"x":[1 2]}`, `{"x":[1,]}`,
	`{"properties":{}}`, `{"properties":null}`, `{"properties":5}`, `{"properties":[]}`, `{"properties":"x"}`,
	`{"properties":1e400}`, `{"properties":{"a":5}}`, `{"properties":{"a":null}}`, `{"properties":{"a":1e999}}`,
	`{"properties":{"a":{"items":{"type":1}}}}`, `{"properties":{"a":{}},"type":1}`, `{"type":1,"x":}`,
	`{"items":null}`, `{"items":[]}`, `{"items":"x"}`, `{"items":1e400}`, `{"items":1e2}`, `{"items":{},"a":[}`,
	`{"properties":{"a\"b":{"type":"string"},"\u00e9":{}}}`, `{"properties":{"a":{"properties":{"b":{}}}}}`,
	`{"default":{"type":"x","properties":5},"enum":[null,"a",{"items":1}]}`, `{"type":"object"}` + "\x00",
}

// nested returns a schema of depth nodes, each the one property of the
// last, with items every third level.
func nested(depth int) string {
	var b strings.Builder
	for i := range depth {
		if i%3 == 2 {
			b.WriteString(`{"items":`)
		} else {
			b.WriteString(`{"type":"object","properties":{"p":`)
		}
	}
	b.WriteString(`{"type":"string"}`)
	for i := depth - 1; i >= 0; i-- {
		if i%3 == 2 {
			b.WriteString(`}`)
		} else {
			b.WriteString(`}}`)
		}
	}
	return b.String()
}

// deepExtra returns a schema with a keyword of depth nested arrays.
func deepExtra(depth int) string {
	return `{"type":"string","x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
}

func TestScanMatchesDecoderOnEdgeCases(t *testing.T) {
	for _, in := range edgeCases {
		checkSame(t, []byte(in))
	}
	for d := maxDepth - 2; d <= maxDepth+2; d++ {
		checkSame(t, []byte(nested(d)))
	}
	for _, d := range []int{maxNest - 1, maxNest, maxNest + 1, 9999, 10000, 10001} {
		checkSame(t, []byte(deepExtra(d)))
	}
	// The scan may decline what it pleases, but not these.
	for _, in := range []string{
		`{}`, " \t\r\n{ \"type\" :\n[ ] }\n", `{"type":["a",null]}`, `{"type":null,"type":"\u0061"}`,
		`{"x":-0,"y":0.5,"z":1E-7,"w":2e+10,"v":-12.5e-300,"u":[true,false,null,"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"]}`,
		`{"\u00e9\"":{},"properties":{"\ud800":{"items":{"enum":[{"a":[]},[[]]]}}}}`, "{\"\xff\":\"\xc3\"}",
		nested(maxDepth), deepExtra(maxNest - 1),
	} {
		if !checkSame(t, []byte(in)) {
			t.Errorf("the scan declines %.40q", in)
		}
	}
}

// corpus returns the embedded schemas and those of the catalog that
// --discover wrote (testdata/discover_catalog.json).
func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	docs := streamSchemas(t)
	b, err := os.ReadFile("testdata/discover_catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Streams []struct {
			ID     string          `json:"tap_stream_id"`
			Schema json.RawMessage `json:"schema"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	if len(cat.Streams) != len(docs) {
		t.Errorf("catalog has %d streams, schemas/ %d files", len(cat.Streams), len(docs))
	}
	for _, s := range cat.Streams {
		docs["catalog:"+s.ID] = s.Schema
	}
	return docs
}

func TestScanMatchesDecoderOnSchemas(t *testing.T) {
	for name, doc := range corpus(t) {
		if !checkSame(t, doc) {
			t.Errorf("%s: the scan declines it", name)
		}
	}
}

// TestScanMatchesDecoderOnDamagedSchemas cuts the schemas short and
// changes single bytes, mostly making invalid JSON or wrong shapes.
func TestScanMatchesDecoderOnDamagedSchemas(t *testing.T) {
	for _, doc := range corpus(t) {
		step := len(doc)/25 + 1
		for i := 0; i < len(doc); i += step {
			checkSame(t, doc[:i])
			for _, c := range []byte{'"', '\\', '{', '}', '[', ']', ',', ':', '1', ' ', 0xff} {
				d := []byte(string(doc))
				d[i] = c
				checkSame(t, d)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, in := range edgeCases {
		f.Add([]byte(in))
	}
	f.Add([]byte(nested(maxDepth + 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSame(t, data)
	})
}
