package record

import (
	"encoding/binary"
	"unicode/utf8"
)

// Finding a member's field without a map lookup: the records of a stream
// share their members' order, so the member after a given one is usually
// the one that came after it last time. Each field remembers the two
// members that last followed it in its object (an object's field, the two
// that came first), and a name is compared with them as machine words.
// Missing or added members only cost a lookup where the order changes.

// member is a member name seen in an object, as its raw JSON string
// holds it (without the quotes), and its field.
type member struct {
	key   string
	field *field
	// A name of up to 24 bytes as three words, its bytes 0-7, 8-15 and
	// 16-23, each masked to the name's length (m0, m1, m2): compared
	// without a call. A longer name has a w0 no masked word equals.
	w0, w1, w2, m0, m1, m2 uint64
}

// successors are the two members that came last after a member, the
// latest first.
type successors [2]member

func newMember(key string, f *field) member {
	m := member{key: key, field: f}
	n := len(key)
	if n > 24 {
		m.w0 = ^uint64(0) // m0 is 0
		return m
	}
	var b [24]byte
	copy(b[:], key)
	m.m0 = ^uint64(0) >> (64 - 8*min(n, 8))
	m.m1 = ^uint64(0) >> (64 - 8*min(max(n-8, 0), 8))
	m.m2 = ^uint64(0) >> (64 - 8*max(n-16, 0))
	m.w0 = binary.LittleEndian.Uint64(b[0:]) & m.m0
	m.w1 = binary.LittleEndian.Uint64(b[8:]) & m.m1
	m.w2 = binary.LittleEndian.Uint64(b[16:]) & m.m2
	return m
}

// quick reports whether the raw JSON string rec[ks:ke] is m's name, for a
// name of up to 24 bytes not near the very end of rec; small enough to be
// inlined. A false answer means "ask is", not "no".
func (m *member) quick(rec []byte, ks, ke int) bool {
	k := ks + 1
	return ke-k-1 == len(m.key) && k+24 <= len(rec) && m.field != nil &&
		(binary.LittleEndian.Uint64(rec[k:])&m.m0^m.w0)|(binary.LittleEndian.Uint64(rec[k+8:])&m.m1^m.w1)|
			(binary.LittleEndian.Uint64(rec[k+16:])&m.m2^m.w2) == 0
}

// is reports whether the raw JSON string rec[ks:ke] is m's name.
func (m *member) is(rec []byte, ks, ke int) bool {
	if m.quick(rec, ks, ke) {
		return true
	}
	k, n := ks+1, ke-ks-2
	return n == len(m.key) && m.field != nil && string(rec[k:k+n]) == m.key
}

// member returns the field of the member of an object of f whose name is
// the raw JSON string rec[ks:ke], prev being the field of the member
// before it (nil for the first), and adds it to the schema if f does not
// declare it.
func (p *Projector) member(f, prev *field, rec []byte, ks, ke int) *field {
	s := &f.first
	if prev != nil {
		s = &prev.next
	}
	if s[0].is(rec, ks, ke) {
		return s[0].field
	}
	if s[1].is(rec, ks, ke) {
		return s[1].field
	}
	rawKey := rec[ks:ke]
	inner := rawKey[1 : len(rawKey)-1]
	var child *field
	if hasByte(inner, '\\') || !utf8.Valid(inner) {
		child = f.props[keyName(rawKey)] // as encoding/json decodes it
	} else {
		child = f.props[string(inner)]
	}
	if child == nil {
		child = p.addMember(f, rawKey)
	}
	s[1], s[0] = s[0], newMember(string(inner), child)
	return child
}
