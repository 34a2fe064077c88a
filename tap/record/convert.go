package record

import (
	"encoding/json"
	"fmt"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// The lossless conversions, tried in this order when a value's JSON type
// is not one its schema declares (a value of a declared type is never
// converted, so valid records take no extra step):
//
//  1. Declared an array, found a single value (not null, not an array):
//     a one-element list holding it, as the items take it. A message's
//     "to" of "a@x" becomes ["a@x"].
//  2. Declared an object whose schema names a member in the keyword
//     "x-scalar-property", found a value that is not an object (nor null):
//     an object with that one member. A tags_info item "vip" becomes
//     {"name":"vip"}.
//  3. Declared a string (without "format": "date-time"), found a number, a
//     boolean, an array or an object: its compact JSON text as a string,
//     the number's digits as they came. [{"a":1}] becomes "[{\"a\":1}]".
//
// Anything else widens the schema (see grow.go): a null where null is not
// allowed, a string where a number or boolean is declared, a list where
// an object is, a value other than a string where "format": "date-time"
// is declared, or a string there that does not parse. In a field named by
// Strict, it is an error.

// ScalarPropertyKeyword names the member of an object schema that holds a
// scalar found in the object's place (conversion 2).
const ScalarPropertyKeyword = "x-scalar-property"

// scalarMember is the member of an object that holds a scalar found in
// the object's place, and its name as a JSON string.
type scalarMember struct {
	field *field
	key   []byte
}

// scalarProperty sets f.scalar from the keyword in n.
func scalarProperty(f *field, n *schema.Node) {
	for _, kw := range n.Extra {
		var name string
		if kw.Name == ScalarPropertyKeyword && json.Unmarshal(kw.Value, &name) == nil && f.props[name] != nil {
			key, _ := json.Marshal(name)
			f.scalar = &scalarMember{f.props[name], key}
		}
	}
}

// convert appends the value of kind k at the cursor, which f does not
// declare, converted to a kind it does; see the conversions above. If
// none fits, it widens f (see grow.go) and appends the value as f now
// takes it.
func (p *Projector) convert(dst []byte, s *scanner, f *field, k kind) ([]byte, error) {
	if k != kNull {
		switch {
		case k != kArray && f.kinds&kArray != 0:
			dst = append(dst, '[')
			var err error
			if f.items == nil {
				start := s.i
				if err = s.skipValue(); err != nil {
					return dst, &Error{Path: f.path, Problem: err.Error()}
				}
				dst = appendCompact(dst, s.b[start:s.i])
			} else if dst, err = p.value(dst, s, f.items); err != nil {
				return dst, err
			}
			return append(dst, ']'), nil
		case k != kObject && f.kinds&kObject != 0 && f.scalar != nil:
			dst = append(dst, '{')
			dst = append(dst, f.scalar.key...)
			dst = append(dst, ':')
			dst, err := p.value(dst, s, f.scalar.field)
			if err != nil {
				return dst, err
			}
			return append(dst, '}'), nil
		case f.kinds&kString != 0 && f.dateTime != strictDateTime:
			start := s.i
			if err := s.skipValue(); err != nil {
				return dst, &Error{Path: f.path, Problem: err.Error()}
			}
			return appendAsString(dst, s.b[start:s.i]), nil
		}
	}
	if f.node == nil && !f.fixed { // the schema written has no constraint here
		start := s.i
		if err := s.skipValue(); err != nil {
			return dst, &Error{Path: f.path, Problem: err.Error()}
		}
		return appendCompact(dst, s.b[start:s.i]), nil
	}
	if p.widen(f, k) {
		return p.value(dst, s, f)
	}
	return dst, &Error{Path: f.path, Problem: fmt.Sprintf("must be %s, found %s", f.kinds, k)}
}

// appendAsString appends the JSON value v, compacted, as a JSON string.
func appendAsString(dst, v []byte) []byte {
	dst = append(dst, '"')
	start := len(dst)
	dst = appendCompact(dst, v)
	n := 0
	for _, c := range dst[start:] {
		if c == '"' || c == '\\' {
			n++
		}
	}
	if n > 0 { // escape in place, from the end
		end := len(dst)
		dst = append(dst, make([]byte, n)...)
		j := len(dst)
		for i := end - 1; i >= start; i-- {
			c := dst[i]
			j--
			dst[j] = c
			if c == '"' || c == '\\' {
				j--
				dst[j] = '\\'
			}
		}
	}
	return append(dst, '"')
}
