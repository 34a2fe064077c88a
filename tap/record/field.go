package record

import (
	"strings"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// kind is a set of JSON value kinds.
type kind uint8

const (
	kNull kind = 1 << iota
	kBool
	kInteger
	kNumber // a number with a fraction or exponent
	kString
	kArray
	kObject
	kAny = kNull | kBool | kInteger | kNumber | kString | kArray | kObject
)

var kindNames = []struct {
	k    kind
	name string
}{{kNull, "null"}, {kBool, "boolean"}, {kInteger, "integer"}, {kNumber, "number"}, {kString, "string"}, {kArray, "array"}, {kObject, "object"}}

func (k kind) String() string {
	var names []string
	for _, kn := range kindNames {
		if k&kn.k != 0 {
			names = append(names, kn.name)
		}
	}
	return strings.Join(names, " or ")
}

// field is the compiled schema of one value.
type field struct {
	path     string
	kinds    kind
	dateTime dateTimeMode      // a string to normalise with NormalizeDateTime
	keep     bool              // selected for output
	props    map[string]*field // nil: an open object, copied whole
	items    *field            // nil: array items are copied unchecked
	capture  int               // 1 + the index in Projector.captured, or 0
	node     *schema.Node      // the field in Projector.schema; nil if that has none
	fixed    bool              // never widened (Strict)
	inferred bool              // added by the Projector
	// first are the members that came first in the last objects seen
	// here, next those that came after this field's member in its
	// object (see members.go).
	first, next successors
	scalar      *scalarMember // holds a scalar found in this object's place (convert.go)
}

// compile compiles full (kept if selected; selected grows if inOut).
func compile(full, selected *schema.Node, path string, inOut bool) *field {
	f := &field{path: path, kinds: kindsOf(full), keep: selected != nil, dateTime: dateTimeOf(full)}
	if inOut {
		f.node = selected
	}
	if full.Properties != nil {
		f.props = make(map[string]*field, len(full.Properties))
		for _, prop := range full.Properties {
			var sel *schema.Node
			if selected != nil {
				sel = selected.Property(prop.Name)
			}
			f.props[prop.Name] = compile(prop.Schema, sel, join(path, prop.Name), inOut)
		}
	}
	if full.Items != nil {
		var sel *schema.Node
		if selected != nil {
			sel = selected.Items
		}
		itemsOut := inOut && sel != nil
		if sel == nil {
			sel = full.Items
		}
		f.items = compile(full.Items, sel, path+"[]", itemsOut)
	}
	scalarProperty(f, full)
	return f
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func kindsOf(n *schema.Node) kind {
	if len(n.Types) == 0 {
		return kAny
	}
	var k kind
	for _, t := range n.Types {
		switch t {
		case "null":
			k |= kNull
		case "boolean":
			k |= kBool
		case "integer":
			k |= kInteger
		case "number":
			k |= kInteger | kNumber
		case "string":
			k |= kString
		case "array":
			k |= kArray
		case "object":
			k |= kObject
		}
	}
	return k
}

// asIs reports whether the valid JSON value v is written as it is: a value
// of a type f declares that needs no normalising. compact says that v has
// no white space between its tokens.
func (f *field) asIs(v []byte, compact bool) bool {
	if as, known := f.asIsByFirst(v[0]); known {
		return as
	}
	switch c := v[0]; {
	case c == '{':
		return f.kinds&kObject != 0 && f.props == nil && (compact || !hasSpace(v)) // an open object, compact
	case c == '[':
		if f.kinds&kArray == 0 {
			return false
		}
		if f.items == nil { // open
			return compact || !hasSpace(v)
		}
		return f.items.props == nil && f.items.items == nil && f.items.kinds&kString != 0 && f.items.dateTime == 0 &&
			plainStrings(v, f.items.kinds&kNull != 0)
	case f.kinds&kNumber != 0:
		return true
	}
	if f.kinds&kInteger == 0 {
		return false
	}
	for _, c := range v {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// asIsByFirst is asIs for the values whose first byte c tells all: a
// string, a boolean or null. known is false for the others. It is small
// enough to be inlined where asIs would be a call.
func (f *field) asIsByFirst(c byte) (as, known bool) {
	switch c {
	case '"':
		return f.kinds&kString != 0 && f.dateTime == 0, true
	case 'n':
		return f.kinds&kNull != 0, true
	case 't', 'f':
		return f.kinds&kBool != 0, true
	}
	return false, false
}

// plainStrings reports whether the valid JSON array v holds only strings
// (and nulls, if null is set), with no white space: what items that take
// strings as they are write unchanged.
func plainStrings(v []byte, null bool) bool {
	i := 1
	if v[i] == ']' {
		return true
	}
	for {
		switch {
		case v[i] == '"':
			i = stringEnd(v, i)
		case v[i] == 'n' && null:
			i += len("null")
		default:
			return false
		}
		switch {
		case i == len(v)-1:
			return v[i] == ']'
		case i >= len(v) || v[i] != ',':
			return false
		}
		i++
	}
}
