package singer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// State is the value of a STATE message, and the content of a --state
// file: {"bookmarks":{stream:{key:value}},"currently_syncing":stream|null}.
// Top-level keys it does not know are kept as they are.
type State struct {
	bookmarks        map[string]map[string]json.RawMessage
	currentlySyncing string
	other            map[string]json.RawMessage
}

// NewState returns an empty state.
func NewState() *State {
	return &State{bookmarks: map[string]map[string]json.RawMessage{}}
}

// ParseState reads a state file.
func ParseState(data []byte) (*State, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errors.New("not a JSON object")
		}
		return nil, fmt.Errorf("not valid JSON: %s", shortJSONError(err))
	}
	if top == nil {
		return nil, errors.New("not a JSON object")
	}
	s := NewState()
	if raw, ok := top["bookmarks"]; ok && string(raw) != "null" {
		var bm map[string]json.RawMessage
		if err := json.Unmarshal(raw, &bm); err != nil {
			return nil, errors.New(`"bookmarks" must be an object`)
		}
		for stream, v := range bm {
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(v, &keys); err != nil {
				return nil, fmt.Errorf("bookmarks.%s must be an object", stream)
			}
			if keys != nil {
				s.bookmarks[stream] = keys
			}
		}
	}
	delete(top, "bookmarks")
	if raw, ok := top["currently_syncing"]; ok {
		var cs *string
		if err := json.Unmarshal(raw, &cs); err != nil {
			return nil, errors.New(`"currently_syncing" must be a string or null`)
		}
		if cs != nil {
			s.currentlySyncing = *cs
		}
	}
	delete(top, "currently_syncing")
	if len(top) > 0 {
		s.other = top
	}
	return s, nil
}

// Bookmark returns the raw value of a stream's bookmark key.
func (s *State) Bookmark(stream, key string) (json.RawMessage, bool) {
	v, ok := s.bookmarks[stream][key]
	if ok && string(v) == "null" {
		return nil, false
	}
	return v, ok
}

// SetBookmark sets the stream's bookmark to {key: value}, replacing any
// other key the stream's bookmark had (such as a legacy one).
func (s *State) SetBookmark(stream, key string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("singer: bookmark %s.%s: %w", stream, key, err)
	}
	s.bookmarks[stream] = map[string]json.RawMessage{key: raw}
	return nil
}

// CurrentlySyncing returns the stream being synced when the state was
// written, or "".
func (s *State) CurrentlySyncing() string { return s.currentlySyncing }

// SetCurrentlySyncing records the stream being synced; "" writes null.
func (s *State) SetCurrentlySyncing(stream string) { s.currentlySyncing = stream }

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := &State{bookmarks: make(map[string]map[string]json.RawMessage, len(s.bookmarks)), currentlySyncing: s.currentlySyncing, other: maps.Clone(s.other)}
	for k, v := range s.bookmarks {
		c.bookmarks[k] = maps.Clone(v)
	}
	return c
}

// MarshalJSON writes bookmarks and currently_syncing first, then any other
// top-level keys, in sorted order.
func (s *State) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	bm, err := json.Marshal(s.bookmarks)
	if err != nil {
		return nil, err
	}
	b.WriteString(`{"bookmarks":`)
	b.Write(bm)
	b.WriteString(`,"currently_syncing":`)
	if s.currentlySyncing == "" {
		b.WriteString("null")
	} else {
		cs, _ := json.Marshal(s.currentlySyncing)
		b.Write(cs)
	}
	for _, k := range slices.Sorted(maps.Keys(s.other)) {
		key, _ := json.Marshal(k)
		b.WriteByte(',')
		b.Write(key)
		b.WriteByte(':')
		b.Write(s.other[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
