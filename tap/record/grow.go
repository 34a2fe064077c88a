package record

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// Growing the schema. Nothing a record holds is dropped: what the schema
// does not foresee widens the schema the Projector writes against (see
// Schema and Version), once per field, and the value is kept.
//
//   - A member the schema does not declare (at the top level or inside a
//     declared object, at any depth) is added to its object's properties
//     with a type inferred from its value: ["null", T] for T one of
//     string, integer, number, boolean, object (its members inferred the
//     same way) or array (its items inferred from the elements); a null
//     gives ["null"] until a value of another type comes. Such a field is
//     always selected, as a catalog that selects everything would have
//     it: a catalog cannot name a field Dixa had not sent yet.
//   - A value whose type the field does not declare, that none of the
//     conversions in convert.go fits, widens the field's types, never so
//     that a field mixes a list or an object with a scalar:
//     a null: "null" is added;
//     a scalar where only scalars are declared: its type is added
//     (["null","integer"] and "x" give ["null","integer","string"]);
//     a list or object where only scalars are declared: "string" is added
//     and the value becomes its compact JSON text (conversion 3);
//     a scalar or a list where an object is declared: the object gains a
//     member "value" (or "_value", "__value", ... if taken) that holds it,
//     named by "x-scalar-property" (conversion 2);
//     anything where a list is declared: a one-element list (conversion 1),
//     its items widened as needed;
//     a value that is not a date-time string where "format": "date-time"
//     is declared: the field becomes a lenient date-time ("format" turns
//     into "x-format"), so date-times are still normalised and any other
//     value is kept as it came, other types as their JSON text.
//   - Fields named by Strict (keys, replication keys) never widen: a value
//     they do not accept is an error.

// Schema returns the schema the projected records match: the selected
// schema, grown by what records brought. It changes when Version does;
// the caller must not modify it.
func (p *Projector) Schema() *schema.Node { return p.schema }

// Version counts the changes to Schema. A caller that wrote a SCHEMA at
// version v writes the new one before a record projected at another
// version.
func (p *Projector) Version() int { return p.version }

// OnWiden sets fn to be called when a declared field is widened, with
// its path and what changed. Fields the Projector added (reported to
// onNew, see New) widen silently.
func (p *Projector) OnWiden(fn func(path, change string)) { p.onWiden = fn }

// Strict makes the named top-level fields never widen: a value of a type
// they do not declare, and no conversion fits, fails the record.
func (p *Projector) Strict(names ...string) {
	for _, n := range names {
		if f := p.root.props[n]; f != nil {
			f.fixed = true
		}
	}
}

// addMember adds the member named by rawKey, of object f, to f's schema:
// a field of type ["null"] that widens to the value.
func (p *Projector) addMember(f *field, rawKey []byte) *field {
	name := keyName(rawKey)
	if f.node == nil { // the schema written has no constraint here
		child := &field{path: join(f.path, name), kinds: kAny, keep: true}
		f.props[name] = child
		return child
	}
	n := &schema.Node{Types: []string{"null"}}
	f.node.Properties = append(f.node.Properties, schema.Property{Name: name, Schema: n})
	child := &field{path: join(f.path, name), kinds: kNull, keep: true, node: n, inferred: true}
	f.props[name] = child
	p.version++
	if !f.inferred && p.onNew != nil {
		p.onNew(child.path)
	}
	return child
}

// widen changes f so that a value of kind k fits it, as it is or by a
// conversion, and reports whether it did.
func (p *Projector) widen(f *field, k kind) bool {
	if f.fixed || f.node == nil {
		return false
	}
	var change string
	switch {
	case k == kNull:
		f.node.Types = addType(f.node.Types, "null")
		f.kinds |= kNull
		change = `"null" added`
	case f.kinds&^kNull == 0: // null only: the first value gives the type
		name := typeName(k)
		f.node.Types = addType(f.node.Types, name)
		f.kinds |= k
		switch k {
		case kObject:
			f.node.Properties = []schema.Property{}
			f.props = map[string]*field{}
		case kArray:
			f.node.Items = &schema.Node{Types: []string{"null"}}
			f.items = &field{path: f.path + "[]", kinds: kNull, keep: true, node: f.node.Items, inferred: true}
		}
		change = fmt.Sprintf("%q added", name)
	case f.dateTime == strictDateTime:
		for i, kw := range f.node.Extra {
			if kw.Name == "format" {
				f.node.Extra[i].Name = LenientDateTimeKeyword
			}
		}
		f.dateTime = lenientDateTime
		change = `"format": "date-time" relaxed to "x-format"`
	case f.kinds&kObject != 0 && k != kObject:
		name := "value"
		for f.props[name] != nil {
			name = "_" + name
		}
		n := &schema.Node{Types: []string{"null"}}
		f.node.Properties = append(f.node.Properties, schema.Property{Name: name, Schema: n})
		raw, _ := json.Marshal(name)
		f.node.Extra = append(f.node.Extra, schema.Keyword{Name: ScalarPropertyKeyword, Value: raw})
		member := &field{path: join(f.path, name), kinds: kNull, keep: true, node: n, inferred: true}
		if f.props != nil { // an open object stays open: its objects are still copied as they are
			f.props[name] = member
		}
		f.scalar = &scalarMember{member, raw}
		change = fmt.Sprintf("member %q added to hold %s values", name, k)
	case f.kinds&(kObject|kArray) == 0 && k&(kObject|kArray) != 0:
		f.node.Types = addType(f.node.Types, "string")
		f.kinds |= kString
		change = `"string" added, for JSON text`
	case f.kinds&(kObject|kArray) == 0:
		name := typeName(k)
		f.node.Types = addType(f.node.Types, name)
		f.kinds |= k
		change = fmt.Sprintf("%q added", name)
	default:
		return false
	}
	p.version++
	if !f.inferred && p.onWiden != nil {
		p.onWiden(f.path, change)
	}
	return true
}

func typeName(k kind) string {
	for _, kn := range kindNames {
		if k == kn.k {
			return kn.name
		}
	}
	return "string"
}

// addType adds t to types unless it is there; an empty list (any type)
// stays empty.
func addType(types []string, t string) []string {
	if len(types) == 0 || slices.Contains(types, t) {
		return types
	}
	return append(types, t)
}
