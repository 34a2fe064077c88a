// Package singertest checks a tap's output the way strict Singer
// consumers do: every line a JSON message of a known type, a SCHEMA with
// key_properties before a stream's first RECORD, and every RECORD valid
// against the latest SCHEMA of its stream under JSON Schema Draft 4.
package singertest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Output is a checked stream of Singer messages.
type Output struct {
	// Schemas holds the last SCHEMA message of each stream.
	Schemas map[string]Message
	// Records holds each stream's records in order.
	Records map[string][]json.RawMessage
	// States holds the value of every STATE message in order.
	States []json.RawMessage
	// Types counts messages by type.
	Types map[string]int
}

// Message is one decoded Singer message.
type Message struct {
	Type               string          `json:"type"`
	Stream             string          `json:"stream"`
	Record             json.RawMessage `json:"record"`
	Schema             json.RawMessage `json:"schema"`
	KeyProperties      *[]string       `json:"key_properties"`
	BookmarkProperties []string        `json:"bookmark_properties"`
	TimeExtracted      string          `json:"time_extracted"`
	Value              json.RawMessage `json:"value"`
	Version            *int64          `json:"version"`
}

// Check parses and checks out, failing t at the first violation.
func Check(t testing.TB, out []byte) *Output {
	t.Helper()
	o, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Parse parses and checks out.
func Parse(out []byte) (*Output, error) {
	o := &Output{Schemas: map[string]Message{}, Records: map[string][]json.RawMessage{}, Types: map[string]int{}}
	validators := map[string]*jsonschema.Schema{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		var m Message
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			return nil, fmt.Errorf("line %d is not a JSON message: %w: %.200s", n, err, line)
		}
		o.Types[m.Type]++
		switch m.Type {
		case "SCHEMA":
			if m.Stream == "" || m.KeyProperties == nil || len(m.Schema) == 0 {
				return nil, fmt.Errorf("line %d: SCHEMA needs stream, schema and key_properties", n)
			}
			c := jsonschema.NewCompiler()
			c.Draft = jsonschema.Draft4
			url := "mem://" + m.Stream + ".json"
			if err := c.AddResource(url, bytes.NewReader(m.Schema)); err != nil {
				return nil, fmt.Errorf("line %d: schema of %s: %w", n, m.Stream, err)
			}
			v, err := c.Compile(url)
			if err != nil {
				return nil, fmt.Errorf("line %d: schema of %s does not compile: %w", n, m.Stream, err)
			}
			validators[m.Stream] = v
			o.Schemas[m.Stream] = m
		case "RECORD":
			v := validators[m.Stream]
			if v == nil {
				return nil, fmt.Errorf("line %d: RECORD for %q before its SCHEMA", n, m.Stream)
			}
			if m.TimeExtracted == "" || !strings.HasSuffix(m.TimeExtracted, "Z") {
				return nil, fmt.Errorf("line %d: time_extracted %q is not RFC3339 UTC", n, m.TimeExtracted)
			}
			var rec any
			d := json.NewDecoder(bytes.NewReader(m.Record))
			d.UseNumber()
			if err := d.Decode(&rec); err != nil {
				return nil, fmt.Errorf("line %d: record: %w", n, err)
			}
			if err := v.Validate(rec); err != nil {
				return nil, fmt.Errorf("line %d: record of %s does not match its SCHEMA: %w\n%s", n, m.Stream, err, m.Record)
			}
			o.Records[m.Stream] = append(o.Records[m.Stream], m.Record)
		case "STATE":
			if len(m.Value) == 0 {
				return nil, fmt.Errorf("line %d: STATE without value", n)
			}
			o.States = append(o.States, m.Value)
		case "ACTIVATE_VERSION":
			if m.Stream == "" || m.Version == nil {
				return nil, fmt.Errorf("line %d: ACTIVATE_VERSION needs stream and version", n)
			}
		default:
			return nil, fmt.Errorf("line %d: unknown message type %q", n, m.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return o, nil
}

// LastState returns the value of the last STATE message, or nil.
func (o *Output) LastState() json.RawMessage {
	if len(o.States) == 0 {
		return nil
	}
	return o.States[len(o.States)-1]
}

// Field returns the raw JSON of a top-level field of each of the stream's
// records, in order; records without it give nil.
func (o *Output) Field(stream, field string) []string {
	var out []string
	for _, r := range o.Records[stream] {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(r, &m)
		out = append(out, string(m[field]))
	}
	return out
}
