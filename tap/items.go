package tap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// found is an item of a Dixa answer, with the id of the node of a tree it
// was found in (nil at the top).
type found struct {
	rec, node json.RawMessage
}

// walk returns the items at paths inside data (a page's list items, or
// the object of an object answer). A path is field names joined by dots,
// each naming a list (whose items go on) or an object (which goes on
// alone); a name ending in "*" also descends, item by item, into the
// same-named field of each item, to any depth, so that "categories*"
// yields every category of a tree and "categories*.articles" every
// article of every category. An absent or null field yields nothing. No
// paths: data itself.
func walk(data []json.RawMessage, paths []string) ([]found, error) {
	top := make([]found, len(data))
	for i, d := range data {
		top[i] = found{rec: d}
	}
	if len(paths) == 0 {
		return top, nil
	}
	var out []found
	for _, path := range paths {
		at := top
		for i, seg := range strings.Split(path, ".") {
			name, deep := strings.CutSuffix(seg, "*")
			var next []found
			for _, f := range at {
				var node json.RawMessage // the answer's data are no node
				if i > 0 {
					node, _ = memberValue(f.rec, "id")
				}
				var err error
				if next, err = descend(next, f, name, deep, node, path); err != nil {
					return nil, err
				}
			}
			at = next
		}
		out = append(out, at...)
	}
	return out, nil
}

// descend appends to dst the items of the field name of f.rec, with node
// (f.rec's id, or nil for the answer's data) as their node; deep: and,
// recursively, those of each item's own field name, with that item's id as
// their node.
func descend(dst []found, f found, name string, deep bool, node json.RawMessage, path string) ([]found, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(f.rec, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("answer: %q: %s is not an object", path, abbreviate(f.rec))
	}
	v, ok := obj[name]
	if !ok || string(v) == "null" {
		return dst, nil
	}
	var items []json.RawMessage
	switch v[0] {
	case '[':
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, fmt.Errorf("answer: %q: %w", path, err)
		}
	case '{':
		items = []json.RawMessage{v}
	default:
		return nil, fmt.Errorf("answer: %q: field %q is neither a list nor an object: %s", path, name, abbreviate(v))
	}
	for _, it := range items {
		dst = append(dst, found{rec: it, node: node})
		if deep {
			id, _ := memberValue(it, "id")
			var err error
			if dst, err = descend(dst, found{rec: it}, name, true, id, path); err != nil {
				return nil, err
			}
		}
	}
	return dst, nil
}

func abbreviate(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// member is a top-level member of a JSON object: its key as written, and
// its value.
type member struct {
	key   string // decoded
	raw   []byte // the key as written, quotes included
	value json.RawMessage
}

// members splits a JSON object into its members, in order.
func members(rec []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(rec))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("a record is not a JSON object")
	}
	var ms []member
	for dec.More() {
		from := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("a record is not a JSON object: %w", err)
		}
		raw := bytes.TrimLeft(rec[from:dec.InputOffset()], " \t\r\n,")
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("a record is not a JSON object: %w", err)
		}
		ms = append(ms, member{key: t.(string), raw: raw, value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("a record is not a JSON object: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("a record has data after its end")
	}
	return ms, nil
}

// memberValue returns the value of the top-level member name of the
// object rec, and whether it is there and not null.
func memberValue(rec []byte, name string) (json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(rec, &m) != nil {
		return nil, false
	}
	v, ok := m[name]
	return v, ok && string(v) != "null"
}

// reshape applies the stream's record rules to an item found in Dixa's
// answer: the parent's id as ParentKey, the tree node's as NodeKey, the
// value of Each as its Field when Dixa left it out, an id from IDFrom,
// Drop and Nulled. added are the fields set by the caller (ParentKey,
// NodeKey, Each.Field) in that order; a nil value is left out.
func reshape(st Stream, rec []byte, added ...member) ([]byte, error) {
	if len(added) == 0 && len(st.IDFrom) == 0 && len(st.Drop) == 0 && len(st.Nulled) == 0 {
		return rec, nil
	}
	ms, err := members(rec)
	if err != nil {
		return nil, err
	}
	has := func(name string) bool {
		for _, m := range ms {
			if m.key == name {
				return true
			}
		}
		return false
	}
	var head []member
	for _, a := range added {
		if a.value != nil && !has(a.key) {
			head = append(head, a)
		}
	}
	if len(st.IDFrom) > 0 && !has("id") {
		for _, name := range st.IDFrom {
			if v, ok := memberValue(rec, name); ok {
				head = append(head, member{key: "id", value: v})
				break
			}
		}
	}
	out := []byte{'{'}
	n := 0
	put := func(m member, value []byte) {
		if n > 0 {
			out = append(out, ',')
		}
		n++
		if m.raw != nil {
			out = append(out, m.raw...)
		} else {
			out = strconv.AppendQuote(out, m.key) // field names of ours: plain ASCII
		}
		out = append(out, ':')
		out = append(out, value...)
	}
	for _, m := range head {
		put(m, m.value)
	}
	for _, m := range ms {
		switch {
		case slices.Contains(st.Drop, m.key):
		case slices.Contains(st.Nulled, m.key):
			put(m, nulledMembers(m.value))
		default:
			put(m, m.value)
		}
	}
	return append(out, '}'), nil
}

// nulledMembers returns the object v with every member's value null; any
// other value becomes null.
func nulledMembers(v json.RawMessage) []byte {
	ms, err := members(v)
	if err != nil {
		return []byte("null")
	}
	out := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m.raw...)
		out = append(out, ":null"...)
	}
	return append(out, '}')
}
