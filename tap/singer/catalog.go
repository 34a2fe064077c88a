package singer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// Replication methods.
const (
	Incremental = "INCREMENTAL"
	FullTable   = "FULL_TABLE"
)

// Catalog is a Singer catalog: what --discover writes and what --catalog
// (or its older name --properties) reads back.
type Catalog struct {
	Streams []*CatalogEntry `json:"streams"`
}

// CatalogEntry is one stream of a catalog. Besides the Singer fields it
// carries the stream-level keys that singer-python and Meltano write.
type CatalogEntry struct {
	TapStreamID       string       `json:"tap_stream_id"`
	Stream            string       `json:"stream"`
	Schema            *schema.Node `json:"schema"`
	Metadata          Metadata     `json:"metadata"`
	KeyProperties     []string     `json:"key_properties"`
	ReplicationKey    string       `json:"replication_key,omitempty"`
	ReplicationMethod string       `json:"replication_method,omitempty"`
	// Selected is the stream-level "selected" that Meltano writes; nil
	// when absent.
	Selected *bool `json:"selected,omitempty"`
}

// StreamSpec describes a stream for discovery.
type StreamSpec struct {
	Name           string
	Schema         *schema.Node
	KeyProperties  []string
	ReplicationKey string // empty for FULL_TABLE streams
	// SelectedByDefault is whether the stream is synced when the user
	// expressed no choice.
	SelectedByDefault bool
}

// Method returns the stream's replication method.
func (s StreamSpec) Method() string {
	if s.ReplicationKey != "" {
		return Incremental
	}
	return FullTable
}

// Automatic reports whether the top-level field is always emitted: the
// stream's key properties and replication key are.
func (s StreamSpec) Automatic(field string) bool {
	return field == s.ReplicationKey || slices.Contains(s.KeyProperties, field)
}

// Discover builds the catalog entry for the stream with the standard
// metadata: the stream is "available" and selected by default, key
// properties and the replication key are "automatic", every other field,
// nested object fields included, is "available".
func Discover(s StreamSpec) *CatalogEntry {
	root := map[string]any{
		"inclusion":                 "available",
		"selected-by-default":       s.SelectedByDefault,
		"table-key-properties":      nonNil(s.KeyProperties),
		"forced-replication-method": s.Method(),
	}
	if s.ReplicationKey != "" {
		root["valid-replication-keys"] = []string{s.ReplicationKey}
		root["replication-key"] = s.ReplicationKey
	}
	md := Metadata{{Breadcrumb: []string{}, Metadata: root}}
	var walk func(n *schema.Node, path []string, top bool)
	walk = func(n *schema.Node, path []string, top bool) {
		for _, p := range n.Properties {
			bc := append(append([]string{}, path...), "properties", p.Name)
			inclusion := "available"
			if top && s.Automatic(p.Name) {
				inclusion = "automatic"
			}
			md = append(md, MetadataEntry{Breadcrumb: bc, Metadata: map[string]any{"inclusion": inclusion}})
			if p.Schema.IsObject() {
				walk(p.Schema, bc, false)
			}
		}
	}
	walk(s.Schema, nil, true)
	return &CatalogEntry{
		TapStreamID:       s.Name,
		Stream:            s.Name,
		Schema:            s.Schema,
		Metadata:          md,
		KeyProperties:     nonNil(s.KeyProperties),
		ReplicationKey:    s.ReplicationKey,
		ReplicationMethod: s.Method(),
	}
}

// ParseCatalog reads a catalog. It is lenient where taps and tools differ
// ("selected" as a bool or a "true"/"false" string, missing metadata) and
// strict about the shape: a catalog must be an object with a list of
// streams, each naming its stream.
func ParseCatalog(data []byte) (*Catalog, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file")
	}
	// A catalog that decodes is decoded once, entries and all; one that
	// does not is decoded again entry by entry, for an error that names
	// the entry at fault (the first one, as here).
	var whole struct {
		Streams []rawEntry `json:"streams"`
	}
	if json.Unmarshal(data, &whole) != nil {
		return parseCatalogByEntry(data)
	}
	if whole.Streams == nil {
		return nil, errors.New(`not a valid catalog: no "streams" list`)
	}
	c := &Catalog{}
	for i := range whole.Streams {
		e, err := whole.Streams[i].entry()
		if err != nil {
			return nil, fmt.Errorf("streams[%d]: %w", i, err)
		}
		c.Streams = append(c.Streams, e)
	}
	return c, nil
}

// parseCatalogByEntry is ParseCatalog for a catalog that does not decode
// whole: it finds which entry is at fault.
func parseCatalogByEntry(data []byte) (*Catalog, error) {
	var raw struct {
		Streams []json.RawMessage `json:"streams"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a valid catalog: %s", shortJSONError(err))
	}
	if raw.Streams == nil {
		return nil, errors.New(`not a valid catalog: no "streams" list`)
	}
	c := &Catalog{}
	for i, rs := range raw.Streams {
		e, err := parseEntry(rs)
		if err != nil {
			return nil, fmt.Errorf("streams[%d]: %w", i, err)
		}
		c.Streams = append(c.Streams, e)
	}
	return c, nil
}

// rawEntry is a catalog entry as it is written.
type rawEntry struct {
	TapStreamID *string         `json:"tap_stream_id"`
	Stream      *string         `json:"stream"`
	Schema      json.RawMessage `json:"schema"`
	Metadata    []struct {
		Breadcrumb []string       `json:"breadcrumb"`
		Metadata   map[string]any `json:"metadata"`
	} `json:"metadata"`
	KeyProperties     []string `json:"key_properties"`
	ReplicationKey    *string  `json:"replication_key"`
	ReplicationMethod *string  `json:"replication_method"`
	Selected          any      `json:"selected"`
}

func parseEntry(data []byte) (*CatalogEntry, error) {
	var raw rawEntry
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a valid catalog entry: %s", shortJSONError(err))
	}
	return raw.entry()
}

// entry checks raw and makes the entry it describes.
func (raw *rawEntry) entry() (*CatalogEntry, error) {
	e := &CatalogEntry{KeyProperties: raw.KeyProperties}
	switch {
	case raw.TapStreamID != nil && *raw.TapStreamID != "":
		e.TapStreamID = *raw.TapStreamID
	case raw.Stream != nil && *raw.Stream != "":
		e.TapStreamID = *raw.Stream
	default:
		return nil, errors.New(`no "tap_stream_id" or "stream"`)
	}
	e.Stream = e.TapStreamID
	if raw.Stream != nil && *raw.Stream != "" {
		e.Stream = *raw.Stream
	}
	if raw.ReplicationKey != nil {
		e.ReplicationKey = *raw.ReplicationKey
	}
	if raw.ReplicationMethod != nil {
		e.ReplicationMethod = *raw.ReplicationMethod
	}
	if raw.Selected != nil {
		b, ok := asBool(raw.Selected)
		if !ok {
			return nil, fmt.Errorf("stream %q: \"selected\" must be true or false", e.TapStreamID)
		}
		e.Selected = &b
	}
	if len(raw.Schema) > 0 && string(raw.Schema) != "null" {
		s, err := schema.Parse(raw.Schema)
		if err != nil {
			return nil, fmt.Errorf("stream %q: %w", e.TapStreamID, err)
		}
		e.Schema = s
	}
	for _, m := range raw.Metadata {
		if m.Breadcrumb == nil {
			return nil, fmt.Errorf("stream %q: a metadata entry has no \"breadcrumb\"", e.TapStreamID)
		}
		if sel, ok := m.Metadata["selected"]; ok {
			if _, ok := asBool(sel); !ok {
				return nil, fmt.Errorf("stream %q: metadata %v: \"selected\" must be true or false", e.TapStreamID, m.Breadcrumb)
			}
		}
		e.Metadata = append(e.Metadata, MetadataEntry{Breadcrumb: m.Breadcrumb, Metadata: m.Metadata})
	}
	return e, nil
}

// Entry returns the entry for the stream with the given tap_stream_id, or nil.
func (c *Catalog) Entry(id string) *CatalogEntry {
	for _, e := range c.Streams {
		if e.TapStreamID == id {
			return e
		}
	}
	return nil
}

// IsSelected reports whether the stream is selected: the metadata's
// root "selected", else the stream-level "selected" (Meltano), else the
// legacy "selected" inside the schema, else "selected-by-default".
func (e *CatalogEntry) IsSelected() bool {
	root := e.Metadata.Get()
	if b, ok := asBool(root["selected"]); ok {
		return b
	}
	if e.Selected != nil {
		return *e.Selected
	}
	if e.Schema != nil {
		for _, kw := range e.Schema.Extra {
			if kw.Name == "selected" {
				var v any
				if json.Unmarshal(kw.Value, &v) == nil {
					if b, ok := asBool(v); ok {
						return b
					}
				}
			}
		}
	}
	b, _ := asBool(root["selected-by-default"])
	return b
}

func asBool(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(t) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// shortJSONError turns a JSON decoding error into a short phrase.
func shortJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("%s: expected %s, found %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("expected %s, found %s", te.Type, te.Value)
	}
	return err.Error()
}
