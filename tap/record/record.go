// Package record fits raw JSON records to a stream's schema without
// decoding them into Go values: it keeps the declared and selected fields,
// checks each value's JSON type against the schema (converting a value of
// an undeclared type losslessly where it can, see convert.go), keeps fields
// the schema does not declare and values no conversion fits by growing the
// schema it reports (see grow.go), and writes the result as
// compact JSON with numbers and strings byte for byte as they came, except
// that bytes which are not valid UTF-8 are replaced by U+FFFD as
// encoding/json replaces them when it decodes (see Projector.OnInvalidUTF8).
package record

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// Projector fits records to one stream's schema. It is not safe for
// concurrent use.
type Projector struct {
	root     *field
	schema   *schema.Node // the selected schema, grown
	version  int          // counts the changes to schema
	onNew    func(path string)
	onWiden  func(path, change string)
	captured [][]byte

	onInvalid func(path string) // see OnInvalidUTF8
	invalid   bool              // onInvalid has been called
}

// New returns a Projector for records of the full schema full, keeping
// the fields that selected (a copy of full with fields removed) declares.
// A nil selected keeps every field. Neither is modified: the Projector
// grows a copy of selected (see Schema). onNew, if not nil, is called once
// per path of a field that full does not declare, when the first record
// that carries it adds it to the schema; paths read like "ratings[].score".
// Members of a field so added are part of it and not reported. capture
// names top-level fields whose raw values Captured returns after each
// Project.
func New(full, selected *schema.Node, onNew func(path string), capture ...string) *Projector {
	if selected == nil {
		selected = full
	}
	out := selected.Clone()
	p := &Projector{
		root:     compile(full, out, "", true),
		schema:   out,
		onNew:    onNew,
		captured: make([][]byte, len(capture)),
	}
	for i, c := range capture {
		if f := p.root.props[c]; f != nil {
			f.capture = i + 1
		}
	}
	return p
}

// OnInvalidUTF8 sets fn to be called when a record holds bytes that are not
// valid UTF-8 in what the Projector writes (a kept value, or the key of a
// kept member). Such bytes are always replaced by U+FFFD, each byte that
// utf8.DecodeRune reports as RuneError of width 1 by one U+FFFD, exactly
// as encoding/json.Unmarshal does; fn only tells. It is called once per
// Projector: for the first such record projected after OnInvalidUTF8, with
// the path of the first string repaired in it, as the output names it
// (like "ratings[].comment", or "open.note" inside an object copied whole).
// A nil fn turns the report off. Valid input is not slowed down: only the
// output is checked, with an ASCII fast path, and only a record that fails
// the check is walked again to repair it.
func (p *Projector) OnInvalidUTF8(fn func(path string)) {
	p.onInvalid, p.invalid = fn, false
}

// Captured returns the raw value of the i-th captured field in the last
// projected record, as it was written, or nil if the record did not have
// it. The slice aliases the output Project appended or, for a value
// ProjectMembers wrote as it came, the record (or it is a copy, if invalid
// UTF-8 was replaced in it).
func (p *Projector) Captured(i int) []byte { return p.captured[i] }

// Error is a record that does not fit the schema.
type Error struct {
	Path    string // the field, "" for the record itself
	Problem string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "record " + e.Problem
	}
	return fmt.Sprintf("field %q %s", e.Path, e.Problem)
}

// Project appends the fitted form of the JSON object rec to dst. What it
// appends is valid UTF-8 (see OnInvalidUTF8).
func (p *Projector) Project(dst, rec []byte) ([]byte, error) {
	start := len(dst)
	out, err := p.project(dst, rec)
	if err != nil || validUTF8(out[start:]) {
		return out, err
	}
	return p.repair(out, start), nil
}

// ProjectMembers is Project for a record whose top-level members are
// known: those jsonarray's Decoder found while it validated rec (see
// [jsonarray.Decoder.Members]); rec must be valid JSON. A member's value
// that the schema keeps as it is (a string that is no date-time, a number
// of a type declared, a boolean, a null, an object or array the schema
// leaves open) is copied without being scanned again; the others are
// projected as Project does. compact says that rec has no white space
// between its tokens (see [jsonarray.Decoder.Compact]): an open object or
// array is then copied without a look for white space to drop.
func (p *Projector) ProjectMembers(dst, rec []byte, members []jsonarray.Member, compact bool) ([]byte, error) {
	start := len(dst)
	out, err := p.projectMembers(dst, rec, members, compact)
	if err != nil || validUTF8(out[start:]) {
		return out, err
	}
	return p.repair(out, start), nil
}

func (p *Projector) projectMembers(dst, rec []byte, members []jsonarray.Member, compact bool) ([]byte, error) {
	clear(p.captured)
	if len(rec) == 0 || rec[0] != '{' {
		return dst, &Error{Problem: "is not a JSON object"}
	}
	f := p.root
	dst = append(dst, '{')
	// Kept members written as they are and lying next to each other in
	// rec, with nothing but ':' and ',' between their parts, are copied in
	// one go: rec[from:to] is such a run not yet appended.
	from, to := 0, 0
	comma := false // dst holds a member: a comma goes before the next
	var prev *field
	for _, m := range members {
		ks, ke, vs, ve := int(m.KeyStart), int(m.KeyEnd), int(m.ValueStart), int(m.ValueEnd)
		s := &f.first
		if prev != nil {
			s = &prev.next
		}
		child := s[0].field
		if !s[0].quick(rec, ks, ke) {
			child = p.member(f, prev, rec, ks, ke)
		}
		prev = child
		if !child.keep {
			continue
		}
		v := rec[vs:ve]
		as, known := child.asIsByFirst(v[0])
		if !known {
			as = child.asIs(v, compact)
		}
		if vs == ke+1 && as {
			if child.capture > 0 {
				p.captured[child.capture-1] = v
			}
			if from == to || ks != to+1 {
				dst, comma = appendRun(dst, rec[from:to], comma)
				from = ks
			}
			to = ve
			continue
		}
		dst, comma = appendRun(dst, rec[from:to], comma)
		from, to = 0, 0
		if comma {
			dst = append(dst, ',')
		}
		comma = true
		dst = append(dst, rec[ks:ke]...)
		dst = append(dst, ':')
		valStart := len(dst)
		if as {
			dst = append(dst, v...)
		} else {
			s := scanner{b: rec[:ve], i: vs}
			var err error
			if dst, err = p.value(dst, &s, child); err != nil {
				return dst, err
			}
		}
		if child.capture > 0 {
			p.captured[child.capture-1] = dst[valStart:]
		}
	}
	dst, _ = appendRun(dst, rec[from:to], comma)
	return append(dst, '}'), nil
}

// appendRun appends run, members of an object, after a comma if comma is
// set; it returns whether dst now ends with a member.
func appendRun(dst, run []byte, comma bool) ([]byte, bool) {
	if len(run) == 0 {
		return dst, comma
	}
	if comma {
		dst = append(dst, ',')
	}
	return append(dst, run...), true
}

func (p *Projector) project(dst, rec []byte) ([]byte, error) {
	clear(p.captured)
	s := scanner{b: rec}
	s.skipSpace()
	if s.peekKind() != kObject {
		return dst, &Error{Problem: "is not a JSON object"}
	}
	dst, err := p.object(dst, &s, p.root, true)
	if err != nil {
		return dst, err
	}
	s.skipSpace()
	if s.i != len(s.b) {
		return dst, &Error{Problem: "has data after its end"}
	}
	return dst, nil
}

func (p *Projector) object(dst []byte, s *scanner, f *field, top bool) ([]byte, error) {
	s.i++ // '{'
	dst = append(dst, '{')
	first := true
	var prev *field
	for {
		s.skipSpace()
		if s.i >= len(s.b) {
			return dst, &Error{Path: f.path, Problem: "ends early"}
		}
		if s.b[s.i] == '}' {
			s.i++
			return append(dst, '}'), nil
		}
		if s.b[s.i] == ',' {
			s.i++
			s.skipSpace()
		}
		keyStart := s.i
		if err := s.skipString(); err != nil {
			return dst, &Error{Path: f.path, Problem: err.Error()}
		}
		rawKey := s.b[keyStart:s.i]
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return dst, &Error{Path: f.path, Problem: "is not valid JSON"}
		}
		s.i++
		s.skipSpace()
		child := p.member(f, prev, s.b, keyStart, keyStart+len(rawKey))
		prev = child
		if !child.keep {
			if err := s.skipValue(); err != nil {
				return dst, &Error{Path: child.path, Problem: err.Error()}
			}
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, rawKey...)
		dst = append(dst, ':')
		valStart := len(dst)
		var err error
		if dst, err = p.value(dst, s, child); err != nil {
			return dst, err
		}
		if top {
			if child.capture > 0 {
				p.captured[child.capture-1] = dst[valStart:]
			}
		}
	}
}

func (p *Projector) value(dst []byte, s *scanner, f *field) ([]byte, error) {
	k := s.peekKind()
	if k == kInteger || k == kNumber {
		k = s.numberKind()
	}
	if k == 0 {
		return dst, &Error{Path: f.path, Problem: "is not valid JSON"}
	}
	if f.kinds&k == 0 && (k != kInteger || f.kinds&kNumber == 0) { // a number takes integers too
		return p.convert(dst, s, f, k)
	}
	switch {
	case k == kObject && f.props != nil:
		return p.object(dst, s, f, false)
	case k == kArray && f.items != nil:
		return p.array(dst, s, f.items)
	}
	start := s.i
	if err := s.skipValue(); err != nil {
		return dst, &Error{Path: f.path, Problem: err.Error()}
	}
	if k == kString && f.dateTime != 0 {
		out, err := appendDateTime(dst, s.b[start:s.i])
		if err != nil && f.dateTime == strictDateTime {
			p.widen(f, kString) // lenient from now on, unless Strict
		}
		if err != nil && f.dateTime == lenientDateTime {
			return append(dst, s.b[start:s.i]...), nil // a plain string after all
		}
		if err != nil {
			return dst, &Error{Path: f.path, Problem: fmt.Sprintf("is not a date-time: %.60s", appendValidUTF8(nil, s.b[start:s.i]))}
		}
		return out, nil
	}
	if k == kObject || k == kArray {
		return appendCompact(dst, s.b[start:s.i]), nil
	}
	return append(dst, s.b[start:s.i]...), nil // a scalar has no white space to drop
}

func (p *Projector) array(dst []byte, s *scanner, items *field) ([]byte, error) {
	s.i++ // '['
	dst = append(dst, '[')
	first := true
	for {
		s.skipSpace()
		if s.i >= len(s.b) {
			return dst, &Error{Path: items.path, Problem: "ends early"}
		}
		switch s.b[s.i] {
		case ']':
			s.i++
			return append(dst, ']'), nil
		case ',':
			s.i++
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		var err error
		if dst, err = p.value(dst, s, items); err != nil {
			return dst, err
		}
	}
}

// keyName returns the member name of a raw JSON string, as encoding/json
// decodes it (invalid UTF-8 replaced by U+FFFD).
func keyName(raw []byte) string {
	if len(raw) >= 2 && !hasByte(raw, '\\') && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	return s
}
