package singer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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

// Note is something ParseState tells the caller about a state file, for
// the log: informational, or a warning.
type Note struct {
	Warning bool
	Text    string
}

// ParseState reads a state file: the value of a STATE message, or that
// value wrapped in a whole STATE message ({"type":"STATE","value":...}),
// in Meltano's `meltano state get` output ({"singer_state":...}), or in
// both. It unwraps them with a note each, and warns of a state that has
// other top-level keys but no "bookmarks".
func ParseState(data []byte) (*State, []Note, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, errors.New("empty file")
	}
	top, err := jsonObject(data)
	if err != nil {
		return nil, nil, err
	}
	var notes []Note
	if raw, ok := top["singer_state"]; ok && !has(top, "bookmarks") {
		delete(top, "singer_state")
		text := "unwrapped Meltano's singer_state"
		if len(top) > 0 {
			text += "; ignored its other top-level keys " + sortedKeys(top)
		}
		notes = append(notes, Note{Text: text})
		if top, err = jsonObject(raw); err != nil {
			return nil, nil, fmt.Errorf("singer_state: %w", err)
		}
	}
	var typ string
	if has(top, "value") && !has(top, "bookmarks") && json.Unmarshal(top["type"], &typ) == nil && strings.EqualFold(typ, "STATE") {
		notes = append(notes, Note{Text: "unwrapped a STATE message"})
		if top, err = jsonObject(top["value"]); err != nil {
			return nil, nil, fmt.Errorf("value of the STATE message: %w", err)
		}
	}
	hasBookmarks := has(top, "bookmarks")
	s, err := stateOf(top)
	if err != nil {
		return nil, nil, err
	}
	if !hasBookmarks && len(s.other) > 0 {
		notes = append(notes, Note{Warning: true, Text: fmt.Sprintf(
			`no "bookmarks" key; top-level keys %s are carried through unchanged — is this a Singer state?`, sortedKeys(s.other))})
	}
	return s, notes, nil
}

func has(m map[string]json.RawMessage, key string) bool {
	_, ok := m[key]
	return ok
}

func sortedKeys(m map[string]json.RawMessage) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// jsonObject reads data as a JSON object.
func jsonObject(data []byte) (map[string]json.RawMessage, error) {
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
	return top, nil
}

// stateOf reads a state from its top-level keys, which it consumes.
func stateOf(top map[string]json.RawMessage) (*State, error) {
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
