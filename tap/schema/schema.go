// Package schema models the part of JSON Schema that a Singer stream uses:
// a node's types, its properties in their declared order, and its array
// items. Every other keyword is kept verbatim, so a schema survives a
// Parse/Marshal round trip with its property order intact.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Node is one JSON Schema node.
type Node struct {
	// Types holds the "type" keyword as a list; a single string is read
	// as a one-element list. Empty means any type.
	Types []string
	// Properties holds "properties" in declared order; nil when the node
	// declares none (an open object).
	Properties []Property
	// Items is the "items" keyword, nil when absent.
	Items *Node
	// Extra holds every other keyword, verbatim and in order.
	Extra []Keyword

	typeWasString bool
}

// Property is a named property of an object node.
type Property struct {
	Name   string
	Schema *Node
}

// Keyword is a schema keyword kept as raw JSON.
type Keyword struct {
	Name  string
	Value json.RawMessage
}

// Parse decodes a JSON Schema document.
func Parse(data []byte) (*Node, error) {
	n, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return n, nil
}

const maxDepth = 64

// parse decodes a schema node: by the one-pass scan of scan.go if it
// takes the document, else by parseNodeSlow, which gives every error.
func parse(data []byte) (*Node, error) {
	if n, ok := parseFast(data); ok {
		return n, nil
	}
	return parseNodeSlow(data, 0)
}

// Property returns the named property's schema, or nil.
func (n *Node) Property(name string) *Node {
	for _, p := range n.Properties {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

// HasType reports whether the node allows the JSON Schema type t. A node
// without "type" allows every type; "number" also allows integers.
func (n *Node) HasType(t string) bool {
	if len(n.Types) == 0 {
		return true
	}
	return slices.Contains(n.Types, t) || (t == "integer" && slices.Contains(n.Types, "number"))
}

// IsObject reports whether the node declares properties of an object.
func (n *Node) IsObject() bool { return n.Properties != nil }

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Types = slices.Clone(n.Types)
	c.Extra = slices.Clone(n.Extra)
	if n.Properties != nil {
		c.Properties = make([]Property, len(n.Properties))
		for i, p := range n.Properties {
			c.Properties[i] = Property{Name: p.Name, Schema: p.Schema.Clone()}
		}
	}
	c.Items = n.Items.Clone()
	return &c
}

// MarshalJSON writes the node with "type" first, then "properties" and
// "items", then the other keywords in their original order.
func (n *Node) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	sep := func() {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
	}
	if len(n.Types) > 0 {
		var t []byte
		if n.typeWasString && len(n.Types) == 1 {
			t, _ = json.Marshal(n.Types[0])
		} else {
			t, _ = json.Marshal(n.Types)
		}
		b.WriteString(`"type":`)
		b.Write(t)
	}
	if n.Properties != nil {
		sep()
		b.WriteString(`"properties":{`)
		for i, p := range n.Properties {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(p.Name)
			b.Write(k)
			b.WriteByte(':')
			v, err := p.Schema.MarshalJSON()
			if err != nil {
				return nil, err
			}
			b.Write(v)
		}
		b.WriteByte('}')
	}
	if n.Items != nil {
		sep()
		b.WriteString(`"items":`)
		v, err := n.Items.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	for _, kw := range n.Extra {
		sep()
		k, _ := json.Marshal(kw.Name)
		b.Write(k)
		b.WriteByte(':')
		b.Write(kw.Value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON parses a schema node, keeping property order.
func (n *Node) UnmarshalJSON(data []byte) error {
	p, err := parse(data)
	if err != nil {
		return err
	}
	*n = *p
	return nil
}
