package singer

import (
	"slices"

	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// Metadata is a catalog entry's metadata: one entry per breadcrumb.
type Metadata []MetadataEntry

// MetadataEntry holds the metadata of one node: the stream ([] breadcrumb)
// or a field (["properties", "name", ...]).
type MetadataEntry struct {
	Breadcrumb []string       `json:"breadcrumb"`
	Metadata   map[string]any `json:"metadata"`
}

// Get returns the metadata at the breadcrumb, or nil.
func (m Metadata) Get(breadcrumb ...string) map[string]any {
	for _, e := range m {
		if slices.Equal(e.Breadcrumb, breadcrumb) {
			return e.Metadata
		}
	}
	return nil
}

// FieldSelected reports whether the field at the breadcrumb is selected,
// given that its parent is: "automatic" fields always are, "unsupported"
// never; otherwise "selected", then "selected-by-default", decide, and a
// field without either follows its parent.
func (m Metadata) FieldSelected(breadcrumb ...string) bool {
	md := m.Get(breadcrumb...)
	switch md["inclusion"] {
	case "automatic":
		return true
	case "unsupported":
		return false
	}
	if b, ok := asBool(md["selected"]); ok {
		return b
	}
	if b, ok := asBool(md["selected-by-default"]); ok {
		return b
	}
	return true
}

// SelectSchema returns a copy of the stream's schema without the fields
// the metadata deselects, at every level of nested objects. The stream's
// key properties and replication key are kept whatever the metadata says.
func (m Metadata) SelectSchema(s StreamSpec) *schema.Node {
	var walk func(n *schema.Node, path []string, top bool) *schema.Node
	walk = func(n *schema.Node, path []string, top bool) *schema.Node {
		c := n.Clone()
		if n.Properties == nil {
			return c
		}
		c.Properties = c.Properties[:0]
		for _, p := range n.Properties {
			bc := append(append([]string{}, path...), "properties", p.Name)
			if !(top && s.Automatic(p.Name)) && !m.FieldSelected(bc...) {
				continue
			}
			child := p.Schema
			if child.IsObject() {
				child = walk(child, bc, false)
			}
			c.Properties = append(c.Properties, schema.Property{Name: p.Name, Schema: child})
		}
		return c
	}
	return walk(s.Schema, nil, true)
}
